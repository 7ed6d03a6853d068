"""Input checks shared by every public function of :mod:`pgtheory`.

Each public function validates its arguments once, at the boundary, with these
helpers, and then calls kernels that trust their inputs (:mod:`pgtheory._kernels`). Every
message names the argument, says what was expected and what arrived, e.g.
``ValueError("transitions[1, 0] sums to 0.93; each row must sum to 1")``.
"""

from __future__ import annotations

import dataclasses
import numbers
from typing import Any

import numpy as np

#: Absolute tolerance on the sum of a probability vector.
PROBABILITY_ATOL = 1e-8

#: Names accepted by the ``estimator`` argument of the estimators.
ESTIMATORS = ("total_return", "reward_to_go")

#: Names accepted by the ``baseline`` argument besides ``None`` and a real number.
BASELINE_NAMES = ("optimal", "leave_one_out_mean")

#: Names accepted by ``weighting`` (:mod:`pgtheory.batch_estimators`): how each episode's return
#: is turned into its weight.
WEIGHTINGS = ("raw", "leave_one_out_mean", "mean_in_sample", "standardized")

#: Names accepted by ``average_over`` (:mod:`pgtheory.batch_estimators`): divide the batch's sum
#: by N or by sum_n T_n.
AVERAGES = ("episodes", "steps")


def _index_str(name: str, index: tuple[int, ...]) -> str:
    """``name[i, j]`` for an index tuple, or ``name`` for a 0-d index."""
    if not index:
        return name
    return f"{name}[{', '.join(str(int(i)) for i in index)}]"


def check_positive_int(value: Any, name: str) -> int:
    """Return ``value`` as a Python int if it is an integer >= 1.

    Accepts Python and numpy integers; rejects bool, floats (even ``3.0``),
    strings and everything else with ``TypeError``, and integers < 1 with
    ``ValueError``.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(
            f"{name} must be a positive int; got {value!r} of type {type(value).__name__}"
        )
    if value < 1:
        raise ValueError(f"{name} must be a positive int; got {int(value)}")
    return int(value)


def check_real(
    value: Any,
    name: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
) -> float:
    """Return ``value`` as a finite float, optionally inside an interval."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{name} must be a real number; got {value!r} of type {type(value).__name__}"
        )
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite; got {value}")
    lo_bracket = "[" if low_inclusive else "("
    hi_bracket = "]" if high_inclusive else ")"
    low_text = "-inf" if low is None else str(low)
    high_text = "inf" if high is None else str(high)
    interval = f"{lo_bracket}{low_text}, {high_text}{hi_bracket}"
    if low is not None and (value < low or (value == low and not low_inclusive)):
        raise ValueError(f"{name} must lie in {interval}; got {value}")
    if high is not None and (value > high or (value == high and not high_inclusive)):
        raise ValueError(f"{name} must lie in {interval}; got {value}")
    return value


def check_bool(value: Any, name: str) -> bool:
    """Return ``value`` as a Python bool; ``TypeError`` for anything but a (numpy) bool."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a bool; got {value!r} of type {type(value).__name__}")
    return bool(value)


def check_choice(value: Any, name: str, choices: tuple[str, ...]) -> str:
    """Return ``value`` if it is one of the names ``choices``; ``ValueError`` listing them."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(
            f"{name} must be one of {', '.join(repr(c) for c in choices)}; got {value!r}"
        )
    return value


def check_discount(value: Any, name: str = "discount") -> float:
    """Return the discount factor as a float in (0, 1]."""
    return check_real(value, name, low=0.0, high=1.0, low_inclusive=False)


def as_finite_array(
    value: Any,
    name: str,
    *,
    ndim: int | None = None,
    copy: bool = False,
) -> np.ndarray:
    """Return ``value`` as a float array with no NaN or infinity.

    Parameters
    ----------
    value : array_like
        Anything ``np.asarray(value, dtype=float)`` accepts (bools are rejected).
    name : str
        Argument name used in error messages.
    ndim : int, optional
        Required number of dimensions.
    copy : bool
        Return a fresh copy even if ``value`` is already a float array.
    """
    raw = np.asarray(value)
    if raw.dtype == bool or raw.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be an array of real numbers; got dtype {raw.dtype}")
    array = np.array(raw, dtype=float, copy=copy) if copy else raw.astype(float, copy=False)
    if ndim is not None and array.ndim != ndim:
        raise ValueError(
            f"{name} must have {ndim} dimension(s); got shape {array.shape} ({array.ndim} dims)"
        )
    finite = np.isfinite(array)
    if not finite.all():
        index = tuple(np.argwhere(~finite)[0])
        raise ValueError(
            f"{_index_str(name, index)} is {array[index]}; every entry must be finite"
        )
    return array


def check_shape(array: np.ndarray, name: str, expected: tuple[int, ...], hint: str = "") -> None:
    """Raise ``ValueError`` unless ``array.shape == expected``."""
    if array.shape != tuple(expected):
        extra = f" ({hint})" if hint else ""
        raise ValueError(f"{name} has shape {array.shape}; expected {tuple(expected)}{extra}")


def check_probability_vectors(array: np.ndarray, name: str) -> None:
    """Raise unless every vector along the last axis is a probability vector.

    Entries must be nonnegative and each vector must sum to 1 within
    :data:`PROBABILITY_ATOL`. ``array`` must already be finite.
    """
    negative = array < 0
    if negative.any():
        index = tuple(np.argwhere(negative)[0])
        raise ValueError(
            f"{_index_str(name, index)} is {array[index]:.6g}; probabilities must be nonnegative"
        )
    sums = array.sum(axis=-1)
    bad = np.abs(sums - 1.0) > PROBABILITY_ATOL
    if np.any(bad):
        index = tuple(np.argwhere(np.atleast_1d(bad))[0]) if array.ndim > 1 else ()
        total = sums[index] if array.ndim > 1 else float(sums)
        what = "each row must sum to 1" if array.ndim > 1 else "it must sum to 1"
        raise ValueError(
            f"{_index_str(name, index)} sums to {total:.12g}; {what} "
            f"(tolerance {PROBABILITY_ATOL:g})"
        )


def check_index(value: Any, name: str, upper: int) -> int:
    """Return ``value`` as an int in ``[0, upper)`` (a state or action index)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int; got {value!r} of type {type(value).__name__}")
    if not 0 <= value < upper:
        raise ValueError(f"{name} must lie in [0, {upper}); got {int(value)}")
    return int(value)


def check_index_array(value: Any, name: str, upper: int, what: str) -> np.ndarray:
    """Return ``value`` as a 2-d int64 array ``(n, H)`` with entries in ``[0, upper)``."""
    array = np.asarray(value)
    if array.dtype == bool or array.dtype.kind not in "iu":
        raise TypeError(f"{name} must be an integer array of {what}; got dtype {array.dtype}")
    if array.ndim != 2:
        raise ValueError(
            f"{name} must have shape (n, H) (one row per episode); got shape {array.shape}"
        )
    if array.size and (array.min() < 0 or array.max() >= upper):
        index = tuple(np.argwhere((array < 0) | (array >= upper))[0])
        raise ValueError(
            f"{_index_str(name, index)} is {array[index]}; {what} must lie in [0, {upper})"
        )
    return array.astype(np.int64, copy=False)


def check_theta(theta: Any, n_states: int, n_actions: int, name: str = "theta") -> np.ndarray:
    """Return the logits as a finite float array of shape ``(S, A)``."""
    theta = as_finite_array(theta, name, ndim=2)
    check_shape(theta, name, (n_states, n_actions), "(S, A) to match the MDP")
    return theta


def check_instance(value: Any, cls: type, name: str, article: str = "a") -> Any:
    """Return ``value`` if it is an instance of ``cls``; ``TypeError`` naming both otherwise.

    For the problem objects (``TabularMDP``, ``GaussianBandit``, ``LQR``, ``Trajectories``),
    which validate their own fields when they are made.
    """
    if not isinstance(value, cls):
        raise TypeError(f"{name} must be {article} {cls.__name__}; got {type(value).__name__}")
    return value


def check_mdp(mdp: Any) -> Any:
    """Return ``mdp`` if it is a :class:`pgtheory.TabularMDP` (which validated itself when made).

    Raises ``TypeError`` naming the type that arrived otherwise.
    """
    from .mdp import TabularMDP  # here, not at the top: pgtheory.mdp imports this module

    return check_instance(mdp, TabularMDP, "mdp")


def check_mdp_theta(mdp: Any, theta: Any, name: str = "theta") -> tuple[Any, np.ndarray]:
    """:func:`check_mdp`, then :func:`check_theta` against its S and A: ``(mdp, theta)``."""
    mdp = check_mdp(mdp)
    return mdp, check_theta(theta, mdp.n_states, mdp.n_actions, name=name)


def check_trajectories(mdp: Any, trajectories: Any) -> Any:
    """Return ``trajectories`` if it is a :class:`pgtheory.Trajectories` that fits ``mdp``.

    Its horizon and discount must be the MDP's, and every state and action index must lie in
    range (the MDP is already checked).
    """
    from .sampling import Trajectories  # here, not at the top: pgtheory.sampling imports this

    check_instance(trajectories, Trajectories, "trajectories")
    if trajectories.horizon != mdp.horizon:
        raise ValueError(
            f"trajectories have horizon {trajectories.horizon}; expected mdp.horizon = "
            f"{mdp.horizon}"
        )
    if trajectories.discount != mdp.discount:
        raise ValueError(
            f"trajectories.discount is {trajectories.discount}; expected mdp.discount = "
            f"{mdp.discount}"
        )
    check_index_array(trajectories.states, "trajectories.states", mdp.n_states, "states")
    check_index_array(trajectories.actions, "trajectories.actions", mdp.n_actions, "actions")
    return trajectories


def check_rng(rng: Any, name: str = "rng") -> np.random.Generator:
    """Normalise ``rng`` (NEP 19, SPEC 7): whatever ``numpy.random.default_rng`` accepts.

    None, a nonnegative int seed, a ``SeedSequence``, a ``BitGenerator`` or a ``Generator``.
    A Generator is returned as is (so drawing from the result advances the caller's
    generator); anything else makes a fresh one. Independent streams for k runs come from
    ``check_rng(rng).spawn(k)`` (``SeedSequence.spawn``), never from ``seed + i``.
    """
    if rng is None or isinstance(
        rng, (np.random.Generator, np.random.BitGenerator, np.random.SeedSequence)
    ):
        return np.random.default_rng(rng)
    if isinstance(rng, (bool, np.bool_)) or not isinstance(rng, (int, np.integer)):
        raise TypeError(
            f"{name} must be None, an int seed, a numpy.random.SeedSequence, BitGenerator or "
            f"Generator; got {rng!r} of type {type(rng).__name__}"
        )
    if rng < 0:
        raise ValueError(f"{name} must be a nonnegative int seed; got {int(rng)}")
    return np.random.default_rng(int(rng))


def check_estimator(estimator: Any) -> str:
    """Return ``estimator`` if it names a known estimator (:data:`ESTIMATORS`)."""
    return check_choice(estimator, "estimator", ESTIMATORS)


def check_baseline(baseline: Any) -> float | str | None:
    """Return ``baseline`` as ``None``, a finite float or one of :data:`BASELINE_NAMES`."""
    if baseline is None:
        return None
    if isinstance(baseline, str):
        if baseline not in BASELINE_NAMES:
            raise ValueError(
                "baseline must be None, a real number or one of "
                f"{', '.join(repr(b) for b in BASELINE_NAMES)}; got {baseline!r}"
            )
        return baseline
    if isinstance(baseline, (bool, np.bool_)) or not isinstance(baseline, numbers.Real):
        raise TypeError(
            "baseline must be None, a real number or one of "
            f"{', '.join(repr(b) for b in BASELINE_NAMES)}; "
            f"got {baseline!r} of type {type(baseline).__name__}"
        )
    return check_real(baseline, "baseline")


def check_constant_baseline(baseline: Any) -> float:
    """A constant baseline b as a finite float; ``None`` means b = 0."""
    return 0.0 if baseline is None else check_real(baseline, "baseline")


def check_optimal_batch(baseline: Any, n_episodes: int) -> None:
    """Raise unless a batch of ``n_episodes`` can estimate ``baseline``: the leave-one-out
    baselines ``"optimal"`` and ``"leave_one_out_mean"`` need 2 episodes."""
    if baseline in ("optimal", "leave_one_out_mean") and n_episodes < 2:
        raise ValueError(
            f"baseline={baseline!r} is estimated leave-one-out and needs at least 2 episodes; "
            f"got n_episodes={n_episodes}"
        )


def check_mask(mask: Any, shape: tuple[int, int]) -> np.ndarray:
    """The padding mask of episodes of unequal length: (N, T) bools, each row a run of True
    (the episode, at least one step) followed by False (padding)."""
    mask = np.asarray(mask)
    if mask.dtype != bool:
        raise TypeError(f"mask must be a boolean array (n, T); got dtype {mask.dtype}")
    if mask.shape != shape:
        raise ValueError(f"mask has shape {mask.shape}; expected {shape} (n, T)")
    if not mask[:, 0].all():
        n = int(np.argmin(mask[:, 0]))
        raise ValueError(f"mask[{n}, 0] is False; every episode must have at least one step")
    gaps = mask[:, 1:] & ~mask[:, :-1]
    if gaps.any():
        n, t = (int(i) for i in np.argwhere(gaps)[0])
        raise ValueError(
            f"mask[{n}, {t + 1}] is True after mask[{n}, {t}] is False; each row must be a run "
            "of True (the episode) followed by False (padding)"
        )
    return mask


def check_step_values(
    values: Any, name: str, mask: Any = None, *, mask_required: bool = False,
    full_mask: bool = False,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Per-step values of N episodes, (N, T), as a finite float array, and their padding mask.

    With a ``mask`` (:func:`check_mask`), padded entries are set to 0 before the finiteness
    check, since they are never read. Without one (allowed unless ``mask_required``), every
    entry must be finite and the mask returned is None, or all True with ``full_mask`` (every
    step is real).
    """
    raw = np.asarray(values)
    if raw.ndim != 2:
        raise ValueError(f"{name} must have shape (N, T); got shape {raw.shape}")
    if mask is None and not mask_required:
        return as_finite_array(raw, name), (np.ones(raw.shape, dtype=bool) if full_mask else None)
    mask = check_mask(mask, raw.shape)
    return as_finite_array(np.where(mask, raw, 0.0), name), mask


def check_live_start(mdp: Any, reason: str) -> np.ndarray:
    """The terminal states of ``mdp`` (:func:`pgtheory.terminal_states`), after checking that
    no episode starts in one; ``reason`` says why the caller needs every T_n >= 1."""
    from .discounted import terminal_states  # here: pgtheory.discounted imports this module

    terminal = terminal_states(mdp)
    if (mdp.initial[terminal] > 0).any():
        bad = np.flatnonzero(terminal & (mdp.initial > 0)).tolist()
        raise ValueError(
            f"mdp.initial puts probability on the terminal state(s) {bad}; {reason}"
        )
    return terminal


def check_ddof(ddof: Any) -> int:
    """Delta degrees of freedom of a standard deviation: 0 (``numpy.std``) or 1 (``torch.std``)."""
    if isinstance(ddof, (bool, np.bool_)) or not isinstance(ddof, (int, np.integer)) or \
            ddof not in (0, 1):
        raise ValueError(f"ddof must be 0 (numpy.std) or 1 (torch.std); got {ddof!r}")
    return int(ddof)


def check_batch_options(estimator: Any, weighting: Any, average_over: Any, ddof: Any,
                        n_episodes: int) -> tuple[str, str, str, int]:
    """The options of the batch estimators (:mod:`pgtheory.batch_estimators`), checked together.

    Every weighting but ``"raw"`` compares one return per episode across the batch, so it needs
    ``estimator="total_return"`` and at least 2 episodes.
    """
    estimator = check_estimator(estimator)
    weighting = check_choice(weighting, "weighting", WEIGHTINGS)
    average_over = check_choice(average_over, "average_over", AVERAGES)
    ddof = check_ddof(ddof)
    if weighting != "raw":
        if estimator != "total_return":
            raise ValueError(
                f"weighting={weighting!r} is defined for estimator='total_return' (one return "
                f"per episode, compared across the batch); got estimator={estimator!r}")
        if n_episodes < 2:
            raise ValueError(
                f"weighting={weighting!r} compares the episodes of a batch and needs "
                f"n_episodes >= 2; got {n_episodes}")
    return estimator, weighting, average_over, ddof


def freeze_float_fields(record: Any) -> None:
    """Store every field of the frozen dataclass ``record`` as a read-only float array (a copy).

    The ``__post_init__`` of the records that training returns
    (:class:`pgtheory.TrainingHistory`, :class:`pgtheory.LQRTrainingHistory`): lists or arrays
    in, arrays that nobody can edit out.
    """
    for field in dataclasses.fields(record):
        array = np.array(getattr(record, field.name), dtype=float)
        array.flags.writeable = False
        object.__setattr__(record, field.name, array)


def check_weights(W: Any) -> np.ndarray:
    """Linear-policy weights W: a finite (d, A) float array with d, A >= 1."""
    W = as_finite_array(W, "W", ndim=2)
    if 0 in W.shape:
        raise ValueError(f"W must have shape (d, A) with d, A >= 1; got {W.shape}")
    return W
