"""The field notes' priority tiers, and how a study's measured importance compares.

The notes rank hyperparameters: the learning rate first; momentum (β), the number of hidden
units and the mini-batch size second; the number of layers and learning-rate decay third.
A parameter's role is guessed from its name, split into lower-case words (``beta_1``,
``hiddenUnits`` and ``n-layers`` become ``beta 1``, ``hidden units``, ``n layers``); the
first rule that matches wins:

=====================  ====  ========================================================
role                   tier  words in the name
=====================  ====  ========================================================
(not tiered)           --    ``weight`` + ``decay`` (regularization, not LR decay);
                             ``beta`` + ``2`` (Adam's β2: the notes leave it at 0.999);
                             ``batch`` + ``norm``
learning-rate decay    3     ``decay``; ``lr``/``learning`` + ``gamma``/``schedule``
learning rate          1     ``lr``; ``learning`` + ``rate``; ``learningrate``; ``eta``
momentum               2     ``momentum``; ``beta`` (``beta``, ``beta 1``)
hidden units           2     ``units``, ``unit``, ``hidden``, ``width``, ``neurons``,
                             ``filters``, ``channels``
mini-batch size        2     ``batch``; ``bs``
number of layers       3     ``layers``, ``layer``, ``depth``, ``blocks``
=====================  ====  ========================================================

Other names (dropout, L2, activation...) are reported as outside the tiers.
"""

from __future__ import annotations

import dataclasses
import re

from tunesmith.analysis._importance import Importance

#: Two parameters are ranked "against the notes" only when the lower-tier one explains
#: this much more of the variance (a smaller gap is within the noise of the measure).
MARGIN = 0.02

_UNTIERED = ({"weight", "decay"}, {"beta", "2"}, {"batch", "norm"}, {"batchnorm"})
_RULES: tuple[tuple[str, int, tuple[set[str], ...]], ...] = (
    (
        "learning-rate decay",
        3,
        ({"decay"}, {"lr", "gamma"}, {"learning", "gamma"}, {"lr", "schedule"}),
    ),
    ("learning rate", 1, ({"lr"}, {"learning", "rate"}, {"learningrate"}, {"eta"})),
    ("momentum", 2, ({"momentum"}, {"beta"})),
    (
        "hidden units",
        2,
        ({"units"}, {"unit"}, {"hidden"}, {"width"}, {"neurons"}, {"filters"}, {"channels"}),
    ),
    ("mini-batch size", 2, ({"batch"}, {"bs"})),
    ("number of layers", 3, ({"layers"}, {"layer"}, {"depth"}, {"blocks"})),
)


def words(name: str) -> set[str]:
    """The lower-case words of a parameter name (camelCase, digits and separators split).

    Example:
        >>> sorted(words("hiddenUnits_1"))
        ['1', 'hidden', 'units']
    """
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", name)
    spaced = re.sub(r"([A-Za-z])(\d)|(\d)([A-Za-z])", r"\1\3 \2\4", spaced)
    return {w for w in re.split(r"[^0-9a-zA-Z]+", spaced.lower()) if w}


def role_of(name: str) -> tuple[str, int] | None:
    """The notes' role and tier a parameter name suggests, or None if it has none.

    Example:
        >>> role_of("learning_rate"), role_of("beta_1"), role_of("weight_decay")
        (('learning rate', 1), ('momentum', 2), None)
    """
    w = words(name)
    if any(rule <= w for rule in _UNTIERED):
        return None
    for role, tier, rules in _RULES:
        if any(rule <= w for rule in rules):
            return role, tier
    return None


@dataclasses.dataclass(frozen=True)
class TierRow:
    """One parameter: its measured rank and score, and its role in the notes if any."""

    name: str
    rank: int
    score: float
    role: str | None
    tier: int | None


@dataclasses.dataclass(frozen=True)
class TierComparison:
    """How the measured ranking compares with the notes' tiers.

    Attributes:
        rows: One per parameter, most important first.
        findings: Sentences a person reads: what agrees, what does not.
        agrees: True when no parameter of a later tier beats one of an earlier tier by
            more than :data:`MARGIN`.
    """

    rows: tuple[TierRow, ...]
    findings: tuple[str, ...]
    agrees: bool


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def compare_tiers(result: Importance) -> TierComparison:
    """Compares measured importance with the notes' priority tiers.

    Example:
        >>> from tunesmith.analysis import Importance
        >>> scores = {"units": 0.5, "learning_rate": 0.3, "dropout": 0.01}
        >>> result = Importance("binned", scores, dict.fromkeys(scores, 0.0), {}, 50)
        >>> comparison = compare_tiers(result)
        >>> comparison.agrees
        False
        >>> print(comparison.findings[0])  # doctest: +ELLIPSIS
        units (hidden units, tier 2) explains more than learning_rate (learning rate, ...
    """
    rows = []
    for rank, (name, score) in enumerate(result.scores.items(), start=1):
        role = role_of(name)
        rows.append(TierRow(name, rank, score, *(role if role else (None, None))))
    findings = []
    tiered = [r for r in rows if r.tier is not None]
    for a in tiered:
        for b in tiered:
            if a.tier < b.tier and b.score > a.score + MARGIN:  # type: ignore[operator]
                findings.append(
                    f"{b.name} ({b.role}, tier {b.tier}) explains more than {a.name} "
                    f"({a.role}, tier {a.tier}): {b.score:.1%} against {a.score:.1%}."
                )
    agrees = not findings
    for r in tiered:
        if r.tier == 1:
            verdict = "as the notes expect" if r.rank == 1 else "the notes put it first"
            findings.append(f"{r.name} ({r.role}) ranks {_ordinal(r.rank)}: {verdict}.")
    top_tier = min((r.tier for r in tiered if r.tier is not None), default=None)
    top_score = max((r.score for r in tiered if r.tier == top_tier), default=0.0)
    for r in rows:
        if r.tier is None and tiered and r.score > top_score + MARGIN:
            findings.append(
                f"{r.name} is outside the notes' tiers yet ranks {_ordinal(r.rank)} "
                f"({r.score:.1%})."
            )
    present = {r.role for r in tiered}
    missing = [role for role, _, _ in _RULES if role not in present]
    if missing:
        findings.append("Not tuned in this study (by name): " + ", ".join(missing) + ".")
    if agrees and tiered:
        findings.insert(0, "The measured ranking agrees with the notes' tiers.")
    return TierComparison(tuple(rows), tuple(findings), agrees)
