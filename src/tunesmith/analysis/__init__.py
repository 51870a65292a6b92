"""Analysis: read a study's trials as data (tables, frames); never writes results."""

from tunesmith.analysis._table import (
    print_summary,
    summary_table,
    trial_rows,
    trials_dataframe,
    worker_table,
    write_csv,
)

__all__ = [
    "print_summary",
    "summary_table",
    "trial_rows",
    "trials_dataframe",
    "worker_table",
    "write_csv",
]
