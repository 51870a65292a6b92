"""BayesianOptimization: a Gaussian process with input warping, and log expected improvement."""

from __future__ import annotations

import collections
import contextlib
import functools
import hashlib
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from tunesmith._validate import check_int_at_least
from tunesmith.oracles._base import Oracle, Point, config_key, draw_new
from tunesmith.oracles._gp._acquisition import acquisition_front, log_ei, refine, ucb_width
from tunesmith.oracles._gp._budget import budget_input, expand
from tunesmith.oracles._gp._design import maximin_order, sobol
from tunesmith.oracles._gp._encoding import Encoding
from tunesmith.oracles._gp._fit import fit
from tunesmith.oracles._gp._kernel import Inputs, sq_dist
from tunesmith.oracles._gp._model import GaussianProcess
from tunesmith.oracles._gp._transform import transform_outputs
from tunesmith.trial import SCORE_ONLY_ATTR

if TYPE_CHECKING:
    from tunesmith.space import SearchSpace
    from tunesmith.trial import Objective, Trial

#: Configurations of a finite space scored one by one when there are at most this many.
_ENUMERATE = 2048
#: Trials near which local candidates are drawn, and the steps they are drawn with.
_N_LOCAL_CENTRES = 5
_LOCAL_STEPS = (0.02, 0.07, 0.2)
#: Candidates near the best trials refined by gradient, on top of the best trial (climbing
#: from the incumbent exploits the model's slope where it is best known).
_N_REFINE = 4
#: Fits are kept for this many histories.
_CACHE_SIZE = 64


def stall_length(y: np.ndarray, n_dims: int) -> int:
    """For how many suggestions in a row the search has stalled: the trials since the best,
    beyond ``n_dims`` (0 while the last ``n_dims + 1`` trials include the best). ``y`` holds
    every finished trial's minimized value in trial order, NaN for a failed one (which beats
    nothing)."""
    if not np.any(np.isfinite(y)):
        return 0
    return max(0, len(y) - 1 - int(np.nanargmin(y)) - n_dims)


def _anchors(limit: int, refit_below: int) -> list[int]:
    """History sizes at which the hyperparameters are refitted from the previous anchor's
    fit (and, while small, from the prior too). They grow by a fifth, then by half beyond
    ``refit_below``, so a cold rebuild costs about as much as a few fits."""
    out = [3]
    while out[-1] < limit:
        growth = 1.2 if out[-1] < refit_below else 1.5
        out.append(max(out[-1] + 1, math.ceil(out[-1] * growth)))
    return out


@functools.cache
def _blas_controller() -> Any:
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def _one_blas_thread() -> contextlib.AbstractContextManager[Any]:
    """BLAS on one thread: the model's matrices are small, and a threaded BLAS spends more
    time waking its threads than computing (several times slower on a busy machine)."""
    return _blas_controller().limit(limits=1, user_api="blas")  # type: ignore[no-any-return]


_WHERE = "BayesianOptimization"


class BayesianOptimization(Oracle):
    """Bayesian optimization with a Gaussian process, for few, expensive trials.

    The model works in the oracle's unit space, so a log learning rate is modelled on its
    log scale:

    - a Matérn 5/2 kernel with one length scale per parameter; an unordered choice compares
      values by equality, and a parameter inactive under its condition adds nothing;
    - a constant prior mean estimated by generalized least squares, so a cluster of good
      trials counts about as one and, far from the data, the model expects the level of
      the space at large rather than an average pulled toward the best (with that
      average, one trial in five after the initial design went to a hopeless corner of
      the box on Hartmann-6);
    - Kumaraswamy input warping per numeric parameter, fitted with the kernel by maximizing
      the marginal likelihood with priors (scipy L-BFGS-B, warm-started from the previous
      fit), and kept only when it gains more likelihood than the BIC charges for it;
    - the objective standardized and Yeo-Johnson transformed (normal scores of the ranks
      when that fails), failed trials taking the worst value seen;
    - log expected improvement over scrambled Sobol candidates and candidates near the best
      trials, the best few of those near and the best trial refined by gradient. Integers,
      steps and choices are scored at the values they will take, and a configuration
      already tried or running is never proposed while another exists;
    - once the last ``d + 1`` trials (``d`` parameters) have all failed to beat the best,
      the point is drawn at random from the candidates that no other beats on log EI, the
      probability of improvement and a GP-UCB lower confidence bound at once (HEBO's
      portfolio idea, used only while stalled): from the most cautious step to the
      boldest, so a search caught in a local optimum leaves it. The first stalled pick,
      and every other one after it, is drawn from the candidates near the best trials
      only (a basin the model smoothed over often lies next to the incumbent, as Branin's
      optimum does next to the edge a search can cling to); the others from all
      candidates. Trials a scheduler hands over as scores (``attrs[SCORE_ONLY_ATTR]``,
      EagerASHA's ladder), and results at several budgets, never count as stalled: a new
      configuration cannot top them on arrival.

    When a scheduler hands over the configurations' results at every budget
    (``attrs[BUDGET_RESULTS_ATTR]``: EagerASHA, ASHA, Hyperband), the model is fitted to
    the results themselves, one row per budget a configuration finished, with the budget
    as one more input (log scale), once they span two budgets. New configurations are
    judged at the scheduler's target budget (EagerASHA: the largest; Hyperband and ASHA:
    the one BOHB's rule models), against the best result there. A one-epoch result then
    counts for what the model learns it predicts at the target, from the configurations
    that climbed; on the multi-fidelity benchmark this ended higher than EagerASHA's
    scores alone (+0.005 at 300 and 400 epochs, 24 seeds).

    The first ``n_initial`` trials (the enqueued ones included) fill the space: each is the
    next point of a scrambled Sobol sequence through the first trial. Trials other workers
    are running count as observed at the average of the finished ones (a constant liar),
    so parallel workers spread out. Beyond ``max_model_trials`` finished trials the model
    is fitted to the best half of them and an even spread of the rest, and the
    hyperparameters are refitted only as the history grows by a fifth (by half past
    ``refit_below`` trials), which bounds the cost of a suggestion.

    Args:
        n_initial: Trials before the model is used; by default the number of varying
            parameters plus one.
        n_candidates: Sobol candidates scored per suggestion (local ones come on top).
        max_model_trials: Most trials the model is fitted to.
        refit_below: Below this many trials the hyperparameters are refitted (warm) on
            every suggestion.

    Example:
        >>> from tunesmith import Tuner
        >>> from tunesmith.oracles import BayesianOptimization
        >>> tuner = Tuner(objective="loss", oracle=BayesianOptimization(), seed=0)
        >>> def f(trial):
        ...     x = trial.hp.Float("x", -2.0, 2.0)
        ...     y = trial.hp.Float("y", -2.0, 2.0)
        ...     return (x - 0.5) ** 2 + (y + 0.25) ** 2
        >>> best = tuner.search(f, max_trials=20, progress=False)
        >>> best.value < 0.01
        True
    """

    def __init__(
        self,
        *,
        n_initial: int | None = None,
        n_candidates: int = 512,
        max_model_trials: int = 250,
        refit_below: int = 150,
    ) -> None:
        if n_initial is not None:
            check_int_at_least(_WHERE, "n_initial", n_initial, 1)
        check_int_at_least(_WHERE, "n_candidates", n_candidates, 16)
        check_int_at_least(_WHERE, "max_model_trials", max_model_trials, 10)
        check_int_at_least(_WHERE, "refit_below", refit_below, 0)
        self.n_initial = n_initial
        self.n_candidates = n_candidates
        self.max_model_trials = max_model_trials
        self.refit_below = refit_below
        self._encodings: dict[tuple[Any, str | None, float], Encoding] = {}
        self._keys: dict[int, tuple[Any, Any]] = {}
        self._fits: collections.OrderedDict[bytes, np.ndarray] = collections.OrderedDict()

    def settings(self) -> dict[str, Any]:
        return {
            "oracle": "BayesianOptimization",
            "n_initial": self.n_initial,
            "n_candidates": self.n_candidates,
            "max_model_trials": self.max_model_trials,
            "refit_below": self.refit_below,
        }

    # -- the protocol ---------------------------------------------------------------------
    def suggest(
        self,
        space: SearchSpace,
        history: Sequence[Trial],
        pending: Sequence[Trial],
        *,
        objective: Objective,
        rng: np.random.Generator,
    ) -> Point:
        if not space.dimensions:
            return {}
        with _one_blas_thread():
            return self._suggest(space, history, pending, objective, rng)

    def _suggest(
        self,
        space: SearchSpace,
        history: Sequence[Trial],
        pending: Sequence[Trial],
        objective: Objective,
        rng: np.random.Generator,
    ) -> Point:
        seen = self._seen([*history, *pending])
        modelled = len(history) + len(pending) >= (self.n_initial or len(space.dimensions) + 1)
        # A scheduler's results at every budget: the budget becomes an input of the model.
        fidelity = budget_input(space, history) if modelled else None
        if fidelity is not None:
            history, pending = expand(fidelity, history, pending)
            space = fidelity.space
        enc = (
            self._encoding(space, fidelity.name, fidelity.target_unit)
            if fidelity is not None
            else self._encoding(space)
        )
        # Scores from a scheduler's ladder, and results at several budgets, cannot show
        # progress: a new configuration cannot top them on arrival, so they never stall.
        stalls = fidelity is None and not any(t.attrs.get(SCORE_ONLY_ATTR) for t in history)
        point = self._choose(enc, history, pending, seen, objective, rng, modelled, stalls)
        if fidelity is not None:
            point.pop(fidelity.name, None)
        return point

    def _choose(
        self,
        enc: Encoding,
        history: Sequence[Trial],
        pending: Sequence[Trial],
        seen: set[Any],
        objective: Objective,
        rng: np.random.Generator,
        modelled: bool,
        stalls: bool,
    ) -> Point:
        finished = sorted((t for t in history if t.state.is_finished), key=lambda t: t.number)
        done = enc.trial_rows(finished)
        running = enc.trial_rows(pending)
        running = running[~np.all(np.isnan(running), axis=1)]
        raw = np.array(
            [objective.sort_key(t.value) if t.has_value else np.nan for t in finished]  # type: ignore[arg-type]
        )
        model = self._model(enc, done, raw, running) if modelled else None
        if model is None:
            return self._space_filling(enc, np.concatenate([done, running]), seen, rng)
        gp, best, train_rows, train_y = model
        # Judged on every finished trial (the model may see a subset).
        stall = stall_length(raw, enc.n_dims) if stalls else 0
        return self._maximize(enc, gp, best, train_rows, train_y, seen, rng, stall)

    # -- the model ------------------------------------------------------------------------
    def _encoding(
        self, space: SearchSpace, pinned: str | None = None, pinned_at: float = 1.0
    ) -> Encoding:
        key = (tuple(space), pinned, pinned_at)
        enc = self._encodings.get(key)
        if enc is None:
            if len(self._encodings) > 8:
                self._encodings.clear()
            enc = self._encodings[key] = Encoding(space, pinned, pinned_at)
        return enc

    def _data(
        self, enc: Encoding, rows: np.ndarray, raw: np.ndarray
    ) -> tuple[Inputs, np.ndarray, np.ndarray] | None:
        """The training set: (inputs, transformed y, rows) or None when nothing to model.

        Failed trials take the worst value seen; past ``max_model_trials`` the best half
        and an even spread of the rest are kept.
        """
        ok = np.isfinite(raw)
        if ok.sum() < 2:
            return None
        y = transform_outputs(np.where(ok, raw, raw[ok].max()))
        if y is None:
            return None
        cap = self.max_model_trials
        if len(y) > cap:
            order = np.argsort(y, kind="stable")
            rest = np.sort(order[cap // 2 :])
            spread = rest[
                np.unique(np.linspace(0, len(rest) - 1, cap - cap // 2).round().astype(int))
            ]
            keep = np.sort(np.concatenate([order[: cap // 2], spread]))
            rows, y = rows[keep], transform_outputs(np.where(ok, raw, raw[ok].max())[keep])
            if y is None:
                return None
        return enc.inputs(rows), y, rows

    def _theta(self, enc: Encoding, rows: np.ndarray, raw: np.ndarray) -> np.ndarray:
        """The hyperparameters for the first ``len(rows)`` trials: a pure function of them.

        At each anchor size the fit starts from the previous anchor's fit and from the
        prior, and decides whether to warp; between anchors, a small history refits warm
        from the anchor below (warped if that one is), and a large one reuses it. Fits are
        cached by their data, so a cold cache (a resumed study, another worker) recomputes
        the same chain.
        """
        n = len(rows)
        anchors = [a for a in _anchors(n, self.refit_below) if a <= n]
        is_anchor = bool(anchors) and anchors[-1] == n
        chain = anchors if is_anchor or n >= self.refit_below else [*anchors, n]
        keys = [b""] * len(chain)
        start, theta = 0, enc.layout.default()
        for i in reversed(range(len(chain))):
            keys[i] = self._key(enc, rows[: chain[i]], raw[: chain[i]])
            cached = self._fits.get(keys[i])
            if cached is not None:
                start, theta = i + 1, cached
                break
        for i in range(start, len(chain)):
            size = chain[i]
            data = self._data(enc, rows[:size], raw[:size])
            if data is not None:
                warm = (size == n and not is_anchor) or size >= self.refit_below
                starts = [theta] if warm or i == 0 else [theta, enc.layout.default()]
                # Whether to warp is decided at anchors; a refit between them keeps it.
                warp = enc.layout.is_warped(theta) if size == n and not is_anchor else None
                theta = fit(enc.layout, data[0], data[1], starts, warp=warp)
            self._fits[keys[i]] = theta
            if len(self._fits) > _CACHE_SIZE:
                self._fits.popitem(last=False)
        return theta

    def _seen(self, trials: Sequence[Trial]) -> set[Any]:
        """The configurations of ``trials`` (``seen_keys``, cached per trial number)."""
        cache = self._keys
        if len(cache) > 200_000:
            cache.clear()
        out = set()
        for t in trials:
            if not t.values:
                continue
            hit = cache.get(t.number)
            if hit is None or hit[0] != t.values:
                hit = cache[t.number] = (t.values, config_key(t.values))
            out.add(hit[1])
        return out

    @staticmethod
    def _key(enc: Encoding, rows: np.ndarray, raw: np.ndarray) -> bytes:
        h = hashlib.blake2b(digest_size=20)
        h.update(repr(enc.layout).encode())
        h.update(np.ascontiguousarray(rows).tobytes())
        h.update(np.ascontiguousarray(raw).tobytes())
        return h.digest()

    def _model(
        self, enc: Encoding, done: np.ndarray, raw: np.ndarray, running: np.ndarray
    ) -> tuple[GaussianProcess, float, np.ndarray, np.ndarray] | None:
        data = self._data(enc, done, raw)
        if data is None:
            return None
        x, y, rows = data
        theta = self._theta(enc, done, raw)
        # The incumbent where new configurations are judged (the pinned budget), if any
        # result is there: a budget's results are no bar for another's.
        at = enc.at_pin(rows)
        best = float(y[at].min() if at.any() else y.min())
        if len(running):
            # Constant liar: running trials count as observed at the finished ones' average.
            x = Inputs.concat([x, enc.inputs(running)])
            y_fit = np.concatenate([y, np.full(len(running), float(y.mean()))])
        else:
            y_fit = y
        try:
            gp = GaussianProcess(theta, enc.layout, x, y_fit)
        except np.linalg.LinAlgError:
            return None
        return gp, best, rows, y

    # -- choosing the point ---------------------------------------------------------------
    def _candidates(
        self, enc: Encoding, rows: np.ndarray, y: np.ndarray, rng: np.random.Generator
    ) -> tuple[np.ndarray, int | None]:
        """Candidate rows (snapped, inactive coordinates NaN), and how many of the first
        are Sobol points (the rest are drawn near the best trials); None when the rows are
        the whole of a finite space."""
        everything = enc.finite_rows(_ENUMERATE)
        if everything is not None:
            return everything, None
        d = enc.n_dims
        cands = [sobol(self.n_candidates, d, rng)]
        top = rows[np.argsort(y, kind="stable")[:_N_LOCAL_CENTRES]]
        per = max(1, self.n_candidates // (2 * len(top)))
        base = np.repeat(top, per, axis=0)
        base = np.where(np.isnan(base), rng.random(base.shape), base)
        step = rng.choice(_LOCAL_STEPS, size=(len(base), 1))
        moved = rng.random(base.shape) < min(1.0, 3.0 / d)
        moved[np.arange(len(base)), rng.integers(d, size=len(base))] = True
        local = base + step * rng.standard_normal(base.shape)
        local = np.clip(np.where(local < 0, -local, np.where(local > 1, 2 - local, local)), 0, 1)
        if enc.categorical:
            cat = enc.categorical
            local[:, cat] = rng.random((len(base), len(cat)))
        cands.append(np.where(moved, local, base))
        out = enc.snap(np.concatenate(cands))
        return enc.deactivate(out), self.n_candidates

    def _maximize(
        self,
        enc: Encoding,
        gp: GaussianProcess,
        best: float,
        rows: np.ndarray,
        y: np.ndarray,
        seen: set[Any],
        rng: np.random.Generator,
        stall: int,
    ) -> Point:
        cands, n_sobol = self._candidates(enc, rows, y, rng)
        mean, var = gp.predict(enc.inputs(cands))
        score = log_ei(mean, var, best)[0]
        if n_sobol is not None and len(enc.continuous):
            # Only the candidates near the best trials are climbed: from a Sobol point far
            # from the data, the climb follows the variance into a corner of the box.
            starts = n_sobol + np.argsort(-score[n_sobol:], kind="stable")[:_N_REFINE]
            incumbent = enc.deactivate(enc.pin(rows[np.argsort(y, kind="stable")[:1]]))
            refined = self._refine(enc, gp, best, np.concatenate([cands[starts], incumbent]))
            more_mean, more_var = gp.predict(enc.inputs(refined))
            cands = np.concatenate([cands, refined])
            mean, var = np.concatenate([mean, more_mean]), np.concatenate([var, more_var])
            score = np.concatenate([score, log_ei(more_mean, more_var, best)[0]])
        score = np.where(np.isfinite(score), score, -np.inf)
        order = np.argsort(-score, kind="stable")[:256]
        if stall:
            # First near the best trials (the local and refined candidates, past the Sobol
            # ones), where a basin the model smoothed over may lie; then anywhere; and so
            # on, alternately. An enumerated finite space has no "near": all, always.
            start = n_sobol if stall % 2 == 1 and n_sobol is not None else 0
            pool = np.arange(start, len(cands))
            width = ucb_width(len(y), enc.n_dims)
            front = pool[acquisition_front(mean[pool], var[pool], best, width)]
            order = np.concatenate([rng.permutation(front), order])
        for i in order:
            point = enc.point(cands[i])
            if enc.key(point) not in seen:
                return point
        return draw_new(enc.base_space, lambda: enc.base_space.sample(rng), seen)

    def _refine(
        self, enc: Encoding, gp: GaussianProcess, best: float, starts: np.ndarray
    ) -> np.ndarray:
        """Climbs log EI along the continuous coordinates of ``starts``."""
        cols = enc.numeric[enc.continuous]
        fixed = starts.copy()
        active = ~np.isnan(fixed[:, cols])

        def score(xc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            full = fixed.copy()
            full[:, cols] = np.where(active, xc, np.nan)
            mean, var, dmean, dvar = gp.predict_with_grad(enc.inputs(full))
            value, d_mean, d_var = log_ei(mean, var, best)
            grad = d_mean[:, None] * dmean + d_var[:, None] * dvar
            return value, np.where(active, grad[:, enc.continuous], 0.0)

        xc = refine(score, np.nan_to_num(fixed[:, cols], nan=0.5))
        out = fixed.copy()
        out[:, cols] = np.where(active, xc, np.nan)
        return out

    def _space_filling(
        self, enc: Encoding, tried: np.ndarray, seen: set[Any], rng: np.random.Generator
    ) -> Point:
        """The next point of a scrambled Sobol sequence through the first trial.

        The sequence is scrambled with a seed taken from the first trial's configuration
        and shifted (modulo 1) to pass through it, so every worker, and a resumed study,
        continues the same low-discrepancy design; trial ``k`` takes its point ``k``.
        Configurations already tried or running are skipped; in a finite space that runs
        out, the configuration farthest from those tried is taken.
        """
        k = len(tried)
        if k == 0:
            return draw_new(enc.base_space, lambda: enc.base_space.sample(rng), seen)
        anchor = tried[0]
        seed = int.from_bytes(hashlib.blake2b(anchor.tobytes(), digest_size=8).digest(), "big")
        seq = sobol(4 * (k + 1), enc.n_dims, np.random.default_rng(seed))
        seq = np.mod(seq + np.nan_to_num(anchor - seq[0]), 1.0)
        cands = enc.deactivate(enc.snap(np.concatenate([seq[k:], seq[1:k]])))
        for row in cands:
            point = enc.point(row)
            if enc.key(point) not in seen:
                return point
        everything = enc.finite_rows(_ENUMERATE)
        if everything is not None:
            a, b = enc.inputs(everything), enc.inputs(tried)
            ones = np.ones(a.z.shape[1])
            cat_ones = np.ones(a.onehot.shape[1])
            dist = np.sqrt(sq_dist(a, b, ones, cat_ones, float(len(enc.categorical))))
            for i in maximin_order(dist):
                point = enc.point(everything[i])
                if enc.key(point) not in seen:
                    return point
        return draw_new(enc.base_space, lambda: enc.base_space.sample(rng), seen)
