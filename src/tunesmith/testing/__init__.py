"""Test helpers: contract suites every backend must pass, and a throwaway PostgreSQL."""

from tunesmith.testing._postgres import PostgresServer, postgres_server
from tunesmith.testing._storage_contract import StorageContract

__all__ = ["PostgresServer", "StorageContract", "postgres_server"]
