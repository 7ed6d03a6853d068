"""The surrogate loss in JAX: the policy-gradient estimate by automatic differentiation.

This is the tabular case of book/surrogate. The loss of eq. `surrogate-loss`,

    L(theta) = -(1/N) sum_{n=1}^{N} sum_{t=1}^{H} log pi_theta(a_t^(n) | s_t^(n)) sg[Psi_{n,t}],

is written with ``jax.lax.stop_gradient`` for sg[.], and ``jax.grad`` of it at the parameters
that sampled the episodes is minus the estimate g_hat of eq. `surrogate-estimator`
(eq. `surrogate-gradient`). The weights Psi are computed outside the loss, by
:func:`pgtheory.surrogate_weights`, from the rewards of the episodes.

Shapes, for a batch built from a :class:`pgtheory.Trajectories` ``traj`` of N episodes of
length H on an MDP with S states and A actions::

    theta   (S, A)  float    logits
    states  (N, H)  int      traj.states, states[n, t-1] = s_t^(n)
    actions (N, H)  int      traj.actions
    weights (N, H)  float    pg.surrogate_weights(traj, estimator=..., baseline=...)

The functions returning numpy arrays (:func:`surrogate_gradient`, :func:`episode_gradients`)
need 64-bit JAX, ``jax.config.update("jax_enable_x64", True)``, so that they agree with the
numpy code of :mod:`pgtheory.estimators` to rounding (1e-12) and not merely to float32
precision; they raise ``RuntimeError`` otherwise.

This module, :mod:`pgtheory.mlp_network` and :mod:`pgtheory.mlp_policy` are the only ones
that import JAX at import time (the self-check ``pgtheory.checks.check_surrogate_loss``
imports it when it runs); ``import pgtheory`` imports none of them. Install JAX with
``pip install "pgtheory[jax]"`` (CPU wheels).

References
----------
J. Bradbury, R. Frostig, P. Hawkins, M. J. Johnson, C. Leary, D. Maclaurin, G. Necula,
A. Paszke, J. VanderPlas, S. Wanderman-Milne and Q. Zhang (2018), "JAX: composable
transformations of Python+NumPy programs", http://github.com/jax-ml/jax.

J. Schulman, N. Heess, T. Weber and P. Abbeel (2015), "Gradient estimation using stochastic
computation graphs", NeurIPS 28.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from ._kernels import surrogate_loss_kernel
from ._validation import check_estimator, check_index_array
from .estimators import leave_one_out_optimal_baseline
from .mdp import TabularMDP
from .sampling import Trajectories
from .surrogate import surrogate_weights

__all__ = [
    "tabular_log_policy",
    "surrogate_loss",
    "surrogate_gradient",
    "episode_gradients",
]

#: How far from 0 the row log-sum-exp of ``log_policy(theta)`` may be (normalised rows).
LOG_NORMALISER_ATOL = 1e-8


def tabular_log_policy(theta: jax.Array) -> jax.Array:
    """log pi_theta(a | s) of the tabular softmax policy, shape (S, A).

    ``jax.nn.log_softmax(theta, axis=-1)``: the stable log-sum-exp form of the policy of
    eq. `softmax-score` (book/factorization), never ``log(softmax(theta))``.
    """
    return jax.nn.log_softmax(theta, axis=-1)


# --- checks ------------------------------------------------------------------------------


def _is_traced(x: Any) -> bool:
    return isinstance(x, jax.core.Tracer)


def _check_x64() -> None:
    if not jax.config.jax_enable_x64:
        raise RuntimeError(
            "pgtheory.autodiff compares with numpy to 1e-12 and needs 64-bit JAX; run "
            "jax.config.update('jax_enable_x64', True) before computing any JAX array"
        )


def _check_batch_arrays(theta: Any, states: Any, actions: Any, weights: Any) -> None:
    """Shapes always (they are static under jax.jit); dtypes and ranges when concrete."""
    if jnp.ndim(theta) != 2:
        raise ValueError(f"theta must have shape (S, A); got shape {jnp.shape(theta)}")
    for name, array in (("states", states), ("actions", actions)):
        if jnp.ndim(array) != 2:
            raise ValueError(
                f"{name} must have shape (N, H) (one row per episode); got shape "
                f"{jnp.shape(array)}"
            )
        if not jnp.issubdtype(jnp.result_type(array), jnp.integer):
            raise TypeError(f"{name} must be an integer array; got dtype {jnp.result_type(array)}")
    if jnp.shape(actions) != jnp.shape(states):
        raise ValueError(
            f"actions has shape {jnp.shape(actions)}; expected the shape of states (N, H) = "
            f"{jnp.shape(states)}"
        )
    if jnp.shape(weights) != jnp.shape(states):
        raise ValueError(
            f"weights has shape {jnp.shape(weights)}; expected one weight per step, the shape "
            f"of states (N, H) = {jnp.shape(states)}"
        )
    if jnp.shape(states)[0] == 0:
        raise ValueError("states holds no episode (N = 0); the surrogate averages over N >= 1")
    if not _is_traced(weights) and not np.isfinite(np.asarray(weights)).all():
        raise ValueError("weights must be finite; found NaN or infinity")


def _check_log_probabilities(log_pi: Any, states: Any, actions: Any) -> None:
    """log_policy(theta) must be a table (S, A) of normalised log-probabilities."""
    if jnp.ndim(log_pi) != 2:
        raise ValueError(
            f"log_policy(theta) must return a table (S, A) of log-probabilities; got shape "
            f"{jnp.shape(log_pi)}"
        )
    n_states, n_actions = jnp.shape(log_pi)
    if not _is_traced(states):
        check_index_array(np.asarray(states), "states", n_states, "states")
    if not _is_traced(actions):
        check_index_array(np.asarray(actions), "actions", n_actions, "actions")
    if _is_traced(log_pi):
        return
    table = np.asarray(log_pi, dtype=float)
    if not (np.isfinite(table) | np.isneginf(table)).all():
        raise ValueError("log_policy(theta) must not contain NaN or +infinity")
    if (table > LOG_NORMALISER_ATOL).any():
        s, a = np.unravel_index(np.argmax(table), table.shape)
        raise ValueError(
            f"log_policy(theta)[{s}, {a}] is {table[s, a]:.6g} > 0; log-probabilities are <= 0. "
            "Did log_policy return probabilities (softmax) instead of log-probabilities "
            "(jax.nn.log_softmax)?"
        )
    with np.errstate(divide="ignore"):
        row_sums = np.exp(table).sum(axis=1)
    bad = np.abs(np.log(row_sums)) > LOG_NORMALISER_ATOL
    if bad.any():
        s = int(np.argmax(bad))
        raise ValueError(
            f"exp(log_policy(theta))[{s}] sums to {row_sums[s]:.6g}; each row must sum to 1. "
            "log_policy must return normalised log-probabilities (jax.nn.log_softmax(theta, "
            "axis=-1)), not raw logits"
        )


def _check_problem(mdp: Any, theta: Any, trajectories: Any) -> np.ndarray:
    if not isinstance(mdp, TabularMDP):
        raise TypeError(f"mdp must be a TabularMDP; got {type(mdp).__name__}")
    if not isinstance(trajectories, Trajectories):
        raise TypeError(
            f"trajectories must be a Trajectories; got {type(trajectories).__name__}"
        )
    theta = np.asarray(theta, dtype=float)
    if theta.shape != (mdp.n_states, mdp.n_actions):
        raise ValueError(
            f"theta has shape {theta.shape}; expected (S, A) = {(mdp.n_states, mdp.n_actions)}"
        )
    if trajectories.horizon != mdp.horizon or trajectories.discount != mdp.discount:
        raise ValueError(
            f"trajectories (horizon {trajectories.horizon}, discount {trajectories.discount}) "
            f"do not come from this mdp (horizon {mdp.horizon}, discount {mdp.discount})"
        )
    return theta


# --- the loss ----------------------------------------------------------------------------


def surrogate_loss(
    theta: Any,
    states: Any,
    actions: Any,
    weights: Any,
    *,
    log_policy: Callable[[jax.Array], jax.Array] = tabular_log_policy,
) -> jax.Array:
    """The surrogate loss L(theta), a JAX scalar to differentiate with ``jax.grad``.

    Implements eq. `surrogate-loss` (book/surrogate):
    L(theta) = -(1/N) sum_n sum_t log pi_theta(a_t^(n) | s_t^(n)) sg[Psi_{n,t}]. The weights
    pass through ``jax.lax.stop_gradient``, so even weights computed from theta inside a
    caller's function count as data; ``jax.grad`` of L at the theta that sampled the episodes
    is minus the estimate of eq. `surrogate-estimator` (eq. `surrogate-gradient`). The sum
    over steps is divided by the number of episodes N, not by N H.

    Parameters
    ----------
    theta : array_like(float), shape (S, A)
        Logits.
    states, actions : array_like(int), shape (N, H)
        ``traj.states``, ``traj.actions`` of a :class:`pgtheory.Trajectories`.
    weights : array_like(float), shape (N, H)
        Psi_{n,t}, e.g. ``pg.surrogate_weights(traj, estimator="reward_to_go")``.
    log_policy : callable, theta -> (S, A)
        Normalised log-probabilities log pi_theta(a | s); default the softmax,
        :func:`tabular_log_policy`. A function returning probabilities or raw logits is
        rejected with ``ValueError`` when theta is concrete (a direct call, or
        :func:`surrogate_gradient`); under ``jax.grad``/``jax.jit`` only shapes are checked.

    Returns
    -------
    jax.Array, shape ()
    """
    if not callable(log_policy):
        raise TypeError(
            f"log_policy must be a function theta -> (S, A) log-probabilities; got "
            f"{type(log_policy).__name__}"
        )
    _check_batch_arrays(theta, states, actions, weights)
    log_pi = log_policy(theta)
    _check_log_probabilities(log_pi, states, actions)
    # The loss itself: three lines.
    log_probs = log_pi[states, actions]                   # log pi(a_t | s_t), (N, H)
    psi = jax.lax.stop_gradient(weights)                  # Psi: data, not a function of theta
    return surrogate_loss_kernel(log_probs, psi)          # sum over steps, 1/N over episodes


def surrogate_gradient(
    mdp: TabularMDP,
    theta: Any,
    trajectories: Trajectories,
    *,
    estimator: str = "total_return",
    baseline: float | None = None,
    log_policy: Callable[[jax.Array], jax.Array] = tabular_log_policy,
) -> np.ndarray:
    """``jax.grad`` of the surrogate at theta, the weights computed outside the loss.

    Implements eq. `surrogate-gradient` (book/surrogate) by automatic differentiation:
    Psi = :func:`pgtheory.surrogate_weights` (numpy), then ``jax.grad(surrogate_loss)``. At
    the theta that sampled ``trajectories`` the result is minus
    ``pg.episode_gradients(mdp, theta, trajectories, estimator=..., baseline=...).mean(0)``.

    Parameters
    ----------
    mdp : TabularMDP
    theta : array_like(float), shape (S, A)
    trajectories : Trajectories
        N episodes of ``mdp``.
    estimator : {"total_return", "reward_to_go"}
    baseline : None or float
        A constant b. The per-coordinate ``"optimal"`` is not a weight per step; see
        :func:`episode_gradients`.
    log_policy : callable, theta -> (S, A)

    Returns
    -------
    ndarray(float), shape (S, A)
        grad L(theta).
    """
    _check_x64()
    theta = _check_problem(mdp, theta, trajectories)
    weights = surrogate_weights(trajectories, estimator=estimator, baseline=baseline)
    states, actions = trajectories.states, trajectories.actions
    # One concrete evaluation first, so that a wrong log_policy is reported before jax.grad.
    surrogate_loss(theta, states, actions, weights, log_policy=log_policy)
    gradient = jax.grad(surrogate_loss)(jnp.asarray(theta), states, actions, weights,
                                        log_policy=log_policy)
    return np.asarray(gradient)


def _per_episode_gradients(theta: jax.Array, states: Any, actions: Any, weights: Any,
                           log_policy: Callable[[jax.Array], jax.Array]) -> jax.Array:
    """(N, S, A): row n is minus grad of the surrogate of episode n alone (a batch of one)."""
    def one(s: jax.Array, a: jax.Array, w: jax.Array) -> jax.Array:
        return -jax.grad(surrogate_loss)(theta, s[None], a[None], w[None], log_policy=log_policy)
    return jax.vmap(one)(jnp.asarray(states), jnp.asarray(actions), jnp.asarray(weights))


def episode_gradients(
    mdp: TabularMDP,
    theta: Any,
    trajectories: Trajectories,
    *,
    estimator: str = "total_return",
    baseline: float | str | None = None,
    log_policy: Callable[[jax.Array], jax.Array] = tabular_log_policy,
) -> np.ndarray:
    """One gradient estimate per episode by automatic differentiation; mirrors
    :func:`pgtheory.episode_gradients`.

    Row n is -``jax.grad`` of the surrogate of episode n alone (``jax.vmap`` over episodes),
    so the mean over rows is -grad L of the batch (eq. `surrogate-gradient`, book/surrogate).
    With ``baseline="optimal"`` the baseline is b* per coordinate (eq. `optimal-baseline`,
    book/baselines), which no weight per step can express: the rows Y_n (weights without
    baseline) and the scores B_n (weights 1) are both computed by ``jax.grad``, and
    g_n = Y_n - b_n B_n with the leave-one-out b_n of
    :func:`pgtheory.leave_one_out_optimal_baseline`, computed outside the loss.

    Parameters
    ----------
    mdp : TabularMDP
    theta : array_like(float), shape (S, A)
        Logits of the policy that sampled ``trajectories``.
    trajectories : Trajectories
    estimator : {"total_return", "reward_to_go"}
    baseline : None, float or "optimal"
        ``"optimal"`` needs N >= 2.
    log_policy : callable, theta -> (S, A)

    Returns
    -------
    ndarray(float), shape (N, S, A)
    """
    _check_x64()
    theta = _check_problem(mdp, theta, trajectories)
    estimator = check_estimator(estimator)
    states, actions = trajectories.states, trajectories.actions
    optimal = isinstance(baseline, str) and baseline == "optimal"
    weights = surrogate_weights(trajectories, estimator=estimator,
                                baseline=None if optimal else baseline)
    surrogate_loss(theta, states, actions, weights, log_policy=log_policy)  # concrete checks
    theta_jax = jnp.asarray(theta)
    y_parts = np.asarray(_per_episode_gradients(theta_jax, states, actions, weights, log_policy))
    if not optimal:
        return y_parts
    if trajectories.n_episodes < 2:
        raise ValueError(
            "baseline='optimal' is estimated leave-one-out and needs at least 2 episodes; "
            f"got {trajectories.n_episodes}"
        )
    scores = np.asarray(_per_episode_gradients(theta_jax, states, actions,
                                               np.ones_like(weights), log_policy))
    return y_parts - leave_one_out_optimal_baseline(y_parts, scores) * scores
