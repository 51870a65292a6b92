"""The SQL layout of schema version 1 (SQLAlchemy Core tables)."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

schema_info = sa.Table(
    "tunesmith_schema",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
)

studies = sa.Table(
    "tunesmith_studies",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(512), nullable=False, unique=True),
    sa.Column("objective_name", sa.String(512), nullable=False),
    sa.Column("direction", sa.String(8), nullable=False),
    sa.Column("space", sa.Text, nullable=False),
    sa.Column("settings", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    # The last trial number handed out; bumped under the row's lock to number trials.
    sa.Column("n_trials", sa.Integer, nullable=False, default=0),
)

trials = sa.Table(
    "tunesmith_trials",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "study_id",
        sa.Integer,
        sa.ForeignKey("tunesmith_studies.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("number", sa.Integer, nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("params", sa.Text, nullable=False),
    sa.Column("value", sa.Float, nullable=True),
    sa.Column("started_at", sa.DateTime, nullable=True),
    sa.Column("finished_at", sa.DateTime, nullable=True),
    sa.Column("heartbeat_at", sa.DateTime, nullable=True),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("traceback", sa.Text, nullable=True),
    sa.Column("seed", sa.BigInteger, nullable=True),
    sa.Column("worker", sa.String(512), nullable=True),
    sa.Column("parent", sa.Integer, nullable=True),
    sa.Column("budget", sa.Float, nullable=True),
    sa.Column("attrs", sa.Text, nullable=False),
    # Hash of the values of a trial that asked to be unique and has not failed; NULLs are
    # many, so trials that did not ask, and failed ones, never collide.
    sa.Column("config_key", sa.String(40), nullable=True),
    sa.UniqueConstraint("study_id", "number", name="uq_trial_number"),
    sa.UniqueConstraint("study_id", "config_key", name="uq_trial_config"),
    sa.Index("ix_trials_study_state", "study_id", "state"),
)

reports = sa.Table(
    "tunesmith_reports",
    metadata,
    sa.Column(
        "trial_id",
        sa.Integer,
        sa.ForeignKey("tunesmith_trials.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("step", sa.Integer, primary_key=True, autoincrement=False),
    # {"value": ..., "metrics": {...}} as JSON, so NaN and inf survive on every backend.
    sa.Column("data", sa.Text, nullable=False),
)
