"""Exceptions raised by tunesmith.

Every exception inherits :class:`TunesmithError` and, where one fits, a builtin, so callers
can catch either::

    TunesmithError
    ├── InvalidSpaceError (ValueError)          a bad hyperparameter definition or value
    ├── InvalidArgumentError (ValueError)       a bad argument to a tuner, oracle or storage
    ├── ChangeRefusedError (ValueError)         a mid-run change the trial cannot take
    ├── SearchSpaceExhausted                    the oracle has no configuration left to try
    ├── TooManyFailedTrials (RuntimeError)      the objective keeps failing: the search stops
    ├── SchedulerWaiting (RuntimeError)         the scheduler waits on trials asked, not told
    ├── MissingDependencyError (ImportError)    an optional extra is not installed
    └── StorageError
        ├── StudyNotFoundError (LookupError)
        ├── DuplicatedStudyError
        ├── TrialNotFoundError (LookupError)
        ├── DuplicatedTrialError                another live trial has this configuration
        ├── TrialLimitReached                   the study holds the trials it was allowed
        ├── SlotTakenError                      another worker filled that schedule slot
        └── SchemaVersionError

A failing trial is not a broken search: an exception raised by the objective fails that trial
only and is recorded on it; the search goes on.
"""

from __future__ import annotations


class TunesmithError(Exception):
    """Base class of every error tunesmith raises on purpose."""


class InvalidSpaceError(TunesmithError, ValueError):
    """A hyperparameter definition, or a value given for one, is not valid."""


class InvalidArgumentError(TunesmithError, ValueError):
    """An argument to a tuner, oracle, scheduler or storage is not valid."""


class ChangeRefusedError(TunesmithError, ValueError):
    """A hyperparameter change asked of a trial mid-run (or for a fork) that it cannot take:
    the parameter cannot change while training, or the value is outside its range."""


class SearchSpaceExhausted(TunesmithError):
    """The oracle has tried every configuration it can propose (a finished grid)."""


class TooManyFailedTrials(TunesmithError, RuntimeError):
    """Several trials in a row failed, so the search stopped instead of burning compute."""


class SchedulerWaiting(TunesmithError, RuntimeError):
    """The scheduler can start nothing until trials finish that only the caller can finish
    (asked with ``Tuner.ask()`` and not told yet): waiting would never end."""


class MissingDependencyError(TunesmithError, ImportError):
    """An optional dependency is needed; the message names the extra to install."""


class StorageError(TunesmithError):
    """The storage cannot do what was asked."""


class StudyNotFoundError(StorageError, LookupError):
    """No study of that name is in the storage."""


class DuplicatedStudyError(StorageError):
    """A study of that name already exists and the caller asked for a new one."""


class TrialNotFoundError(StorageError, LookupError):
    """No trial of that number is in the study."""


class DuplicatedTrialError(StorageError):
    """A trial asked to be unique has the configuration of another trial that did not fail."""


class TrialLimitReached(StorageError):
    """A trial was not created: the study already holds the ``limit`` trials asked for."""


class SlotTakenError(StorageError):
    """A live trial already fills the schedule slot a new trial was created for."""


class SchemaVersionError(StorageError):
    """The database was written by a tunesmith with another storage schema."""
