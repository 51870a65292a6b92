"""The statements a worker runs for every trial, built once with bound parameters.

Building a SQLAlchemy statement (and its cache key) costs several times more CPU than
running the compiled one against a local database, so the verbs on a worker's path take
theirs from here. Bound parameters of DML statements are prefixed (``b_`` for the WHERE
clause, ``v_`` for values) because SQLAlchemy reserves column names for the SET clause.
"""

from __future__ import annotations

import functools

import sqlalchemy as sa

from tunesmith.storage import _schema as S

#: The study row by name (``name``).
STUDY_BY_NAME = sa.select(S.studies).where(S.studies.c.name == sa.bindparam("name"))

#: A study's trials numbered ``low`` or more (``study_id``, ``low``), in number order.
TRIALS_FROM = (
    sa.select(S.trials)
    .where(
        S.trials.c.study_id == sa.bindparam("study_id"),
        S.trials.c.number >= sa.bindparam("low"),
    )
    .order_by(S.trials.c.number)
)

#: One trial by number (``study_id``, ``number``).
TRIAL_BY_NUMBER = sa.select(S.trials).where(
    S.trials.c.study_id == sa.bindparam("study_id"), S.trials.c.number == sa.bindparam("number")
)

#: The reports of the trials whose row ids are in ``ids``, by trial and step.
REPORTS_OF = (
    sa.select(S.reports)
    .where(S.reports.c.trial_id.in_(sa.bindparam("ids", expanding=True)))
    .order_by(S.reports.c.trial_id, S.reports.c.step)
)

#: Columns of a new trial other than its number, bound as ``v_<column>``.
NEW_TRIAL_COLUMNS = (
    "study_id",
    "state",
    "params",
    "started_at",
    "heartbeat_at",
    "seed",
    "worker",
    "parent",
    "budget",
    "attrs",
    "config_key",
)

#: A plain insert of a trial row (values given at execution).
INSERT_TRIAL = sa.insert(S.trials)


@functools.cache
def bump(limited: bool) -> sa.Update:
    """Adds one to the study's trial count (``b_study_id``; below ``b_limit`` if
    ``limited``) and returns the new count: the row lock orders concurrent creators."""
    query = (
        sa.update(S.studies)
        .where(S.studies.c.id == sa.bindparam("b_study_id"))
        .values(n_trials=S.studies.c.n_trials + 1)
        .returning(S.studies.c.n_trials)
    )
    if limited:
        query = query.where(S.studies.c.n_trials < sa.bindparam("b_limit"))
    return query


@functools.cache
def insert_counted(limited: bool) -> sa.Insert:
    """One statement that bumps the count and inserts the trial numbered by it (a
    data-modifying CTE, PostgreSQL): nothing is inserted when the limit stops the bump.
    Binds ``b_study_id`` (``b_limit``) and ``v_<column>`` for NEW_TRIAL_COLUMNS."""
    counted = bump(limited).cte("bump")
    columns = [
        sa.bindparam(f"v_{name}", type_=S.trials.c[name].type).label(name)
        for name in NEW_TRIAL_COLUMNS
    ]
    return (
        sa.insert(S.trials)
        .from_select(
            [*NEW_TRIAL_COLUMNS, "number"],
            sa.select(*columns, (counted.c.n_trials - 1).label("number")),
        )
        .returning(S.trials.c.number)
    )


@functools.cache
def update_running(columns: tuple[str, ...]) -> sa.Update:
    """Sets ``columns`` (bound as ``v_<column>``) of a RUNNING trial (``b_study_id``,
    ``b_number``) and returns its row as updated."""
    return (
        sa.update(S.trials)
        .where(
            S.trials.c.study_id == sa.bindparam("b_study_id"),
            S.trials.c.number == sa.bindparam("b_number"),
            S.trials.c.state == "running",
        )
        .values({name: sa.bindparam(f"v_{name}") for name in columns})
        .returning(*S.trials.c)
    )
