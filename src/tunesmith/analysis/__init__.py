"""Analysis: read a study's trials as data, then draw it; never writes trial results.

Data first (plain dataclasses, testable without plotting libraries): tables, importance
(functional ANOVA and binned variance), the notes' priority tiers, optimization history,
learning curves, parallel coordinates, slices and contour. Then rendering
(:mod:`tunesmith.analysis.plots`: plotly HTML, matplotlib PNG), the one-page report and the
TensorBoard HPARAMS export. The heavy libraries are the ``analysis`` extra.
"""

from tunesmith.analysis._contour import ContourData, SliceData, contour_data
from tunesmith.analysis._curves import Curve, CurvesData, curves_data
from tunesmith.analysis._encoding import Encoded, encode
from tunesmith.analysis._history import HistoryData, history_data
from tunesmith.analysis._importance import Importance, importance
from tunesmith.analysis._parallel import ParallelAxis, ParallelData, parallel_data
from tunesmith.analysis._plot import PLOT_KINDS, make_figure, write_plot
from tunesmith.analysis._report import ReportData, render_report, report_data, write_report
from tunesmith.analysis._snapshot import Snapshot, load_snapshot
from tunesmith.analysis._table import (
    print_summary,
    summary_table,
    trial_rows,
    trials_dataframe,
    worker_table,
    write_csv,
)
from tunesmith.analysis._tensorboard import TensorBoardExport, export_tensorboard
from tunesmith.analysis._tiers import TierComparison, TierRow, compare_tiers, role_of

__all__ = [
    "ContourData",
    "Curve",
    "CurvesData",
    "Encoded",
    "HistoryData",
    "Importance",
    "PLOT_KINDS",
    "ParallelAxis",
    "ParallelData",
    "ReportData",
    "SliceData",
    "Snapshot",
    "TensorBoardExport",
    "TierComparison",
    "TierRow",
    "compare_tiers",
    "contour_data",
    "curves_data",
    "encode",
    "export_tensorboard",
    "history_data",
    "importance",
    "load_snapshot",
    "make_figure",
    "parallel_data",
    "print_summary",
    "render_report",
    "report_data",
    "role_of",
    "summary_table",
    "trial_rows",
    "trials_dataframe",
    "worker_table",
    "write_csv",
    "write_plot",
    "write_report",
]
