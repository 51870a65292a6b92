"""Test helpers: contract suites every backend must pass, and a throwaway PostgreSQL."""

from tunesmith.testing._objectives import Busy, DeviceEcho, Grid, Sleep
from tunesmith.testing._postgres import PostgresServer, postgres_server
from tunesmith.testing._storage_contract import StorageContract

__all__ = [
    "Busy",
    "DeviceEcho",
    "Grid",
    "PostgresServer",
    "Sleep",
    "StorageContract",
    "postgres_server",
]
