"""The surrogate loss: the scalar whose gradient is minus the policy-gradient estimate.

Every estimator of book/monte_carlo, book/reward_to_go and book/baselines with a weight that is
one number per step has the form (eq. `surrogate-estimator`, book/surrogate)

    g_hat = (1/N) sum_{n=1}^{N} sum_{t=1}^{H} grad log pi_theta(a_t^(n) | s_t^(n)) Psi_{n,t},

with weights Psi_{n,t} = R(tau^(n)) - b (``estimator="total_return"``) or
G_t^(n) - b (``"reward_to_go"``, eq. `reward-to-go`), b a constant baseline (eq.
`baseline`). Automatic differentiation computes g_hat from the scalar (eq. `surrogate-loss`)

    L(theta) = -(1/N) sum_n sum_t log pi_theta(a_t^(n) | s_t^(n)) sg[Psi_{n,t}],

where sg[.] (stop-gradient) returns its argument and has derivative 0: the weights are data.
Its gradient at the parameters that generated the episodes is -g_hat (eq. `surrogate-gradient`);
Schulman, Heess, Weber and Abbeel (2015) give the general construction. This module holds the
numpy side: the weights (:func:`surrogate_weights`), the value (:func:`surrogate_loss`) and the
gradient (:func:`surrogate_gradient`), so that :mod:`pgtheory.autodiff` (JAX) can be checked
against them. Numpy only: ``import pgtheory`` never imports JAX.

The surrogate's value is not an estimate of anything: it changes with b, which does not change
the expected gradient. Minimizing it for several steps on one batch moves theta away from the
policy that sampled the batch, and then -grad L(theta) no longer estimates grad J(theta). The
importance-sampled return (eq. `importance-sampled-return`),

    J_IS(theta) = (1/N) sum_n sum_t rho_{1:t}^(n)(theta) gamma^(t-1) r_t^(n),
    rho_{1:t}(theta) = prod_{u <= t} pi_theta(a_u | s_u) / pi_old(a_u | s_u),

is an unbiased estimate of J(theta) from episodes of pi_old (per-decision importance sampling,
Precup, Sutton and Singh 2000); its gradient (:func:`importance_sampled_gradient`) equals the
reward-to-go estimate at theta = theta_old and stays unbiased for grad J(theta) elsewhere.

Time index convention: book step t = 1..H is array column t - 1.

References
----------
J. Schulman, N. Heess, T. Weber and P. Abbeel (2015), "Gradient estimation using stochastic
computation graphs", NeurIPS 28.

D. Precup, R. S. Sutton and S. Singh (2000), "Eligibility traces for off-policy policy
evaluation", ICML.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._kernels import surrogate_loss_kernel
from ._validation import (
    check_baseline,
    check_estimator,
    check_instance,
    check_mdp_theta,
    check_theta,
    check_trajectories,
)
from .episodes import reward_to_go, reward_to_go_kernel
from .linear_policy import masked_step_weights_kernel
from .mdp import TabularMDP
from .policy import log_softmax_policy, score
from .sampling import Trajectories

__all__ = [
    "surrogate_weights",
    "surrogate_loss",
    "surrogate_gradient",
    "importance_sampled_return",
    "importance_sampled_gradient",
    "angle_between",
]


# --- validation ----------------------------------------------------------------------------


def _check_batch(
    mdp: Any, theta: Any, trajectories: Any, name: str = "theta"
) -> tuple[np.ndarray, Trajectories]:
    """Validated logits (S, A) and episodes of this MDP (horizon, discount, index ranges)."""
    mdp, theta = check_mdp_theta(mdp, theta, name=name)
    return theta, check_trajectories(mdp, trajectories)


def _check_surrogate_baseline(baseline: Any) -> float | None:
    """None or a finite constant b; the per-coordinate ``"optimal"`` is explained, not taken."""
    if isinstance(baseline, str):
        if baseline == "optimal":
            raise ValueError(
                "baseline='optimal' is b* per coordinate of theta (eq. optimal-baseline): it "
                "multiplies each coordinate of a step's score by a different number, so no "
                "weights Psi of shape (N, H) produce it. Use None or a constant b here; "
                "pgtheory.autodiff.episode_gradients(..., baseline='optimal') combines "
                "per-episode gradients with it"
            )
        raise ValueError(
            f"baseline must be None or a real number b for the surrogate; got {baseline!r}"
        )
    return check_baseline(baseline)


# --- the weights, the loss and its gradient ------------------------------------------------


def surrogate_weights(
    trajectories: Trajectories,
    *,
    estimator: str = "total_return",
    baseline: float | None = None,
) -> np.ndarray:
    """The weights Psi_{n,t} that multiply each step's log-probability in the surrogate.

    Implements the weights of eq. `surrogate-estimator` (book/surrogate):
    Psi_{n,t} = R(tau^(n)) - b for ``"total_return"`` (eq. `pg-theorem`, book/theorem) and
    Psi_{n,t} = G_t^(n) - b for ``"reward_to_go"`` (eq. `reward-to-go`, book/reward_to_go),
    with G_t = sum_{t' >= t} gamma^(t'-1) r_{t'} and a constant baseline b (eq. `baseline`,
    book/baselines). They are computed from the rewards alone: numbers, not functions of theta.

    Parameters
    ----------
    trajectories : Trajectories
        N episodes of length H.
    estimator : {"total_return", "reward_to_go"}
    baseline : None or float
        b (None means 0). ``"optimal"`` (b* per coordinate) is not a weight per step and
        raises ``ValueError``; see :func:`pgtheory.autodiff.episode_gradients`.

    Returns
    -------
    ndarray(float), shape (N, H)
        ``weights[n, t-1]`` = Psi_{n,t}.
    """
    trajectories = check_instance(trajectories, Trajectories, "trajectories")
    estimator = check_estimator(estimator)
    b = _check_surrogate_baseline(baseline)
    every_step = np.ones(trajectories.rewards.shape, dtype=bool)  # no padding: H steps each
    to_go = reward_to_go_kernel(trajectories.rewards, trajectories.discount)
    return masked_step_weights_kernel(to_go, trajectories.returns, every_step, estimator, b)


def surrogate_loss(
    mdp: TabularMDP,
    theta: Any,
    trajectories: Trajectories,
    *,
    estimator: str = "total_return",
    baseline: float | None = None,
) -> float:
    """The value of the surrogate loss L(theta) on a batch of episodes.

    Implements eq. `surrogate-loss` (book/surrogate) for the tabular softmax policy:

        L(theta) = -(1/N) sum_{n=1}^{N} sum_{t=1}^{H} log pi_theta(a_t^(n) | s_t^(n)) Psi_{n,t},

    with the weights of :func:`surrogate_weights`: the sum runs over the steps of each episode
    and is divided by the number of EPISODES N (not by N H). The value measures nothing (it
    shifts with b); its gradient, :func:`surrogate_gradient`, is what matters.

    Parameters
    ----------
    mdp : TabularMDP
        The MDP the episodes came from (for the checks of shapes, horizon and discount).
    theta : array_like(float), shape (S, A)
        Logits at which L is evaluated (any theta: the weights do not depend on it).
    trajectories : Trajectories
        N episodes of horizon ``mdp.horizon``.
    estimator : {"total_return", "reward_to_go"}
    baseline : None or float

    Returns
    -------
    float
    """
    theta, trajectories = _check_batch(mdp, theta, trajectories)
    weights = surrogate_weights(trajectories, estimator=estimator, baseline=baseline)
    log_probs = log_softmax_policy(theta)[trajectories.states, trajectories.actions]  # (N, H)
    return float(surrogate_loss_kernel(log_probs, weights))


def surrogate_gradient(
    mdp: TabularMDP,
    theta: Any,
    trajectories: Trajectories,
    *,
    estimator: str = "total_return",
    baseline: float | None = None,
) -> np.ndarray:
    """grad L(theta) with the weights held fixed: minus the policy-gradient estimate.

    Implements eq. `surrogate-gradient` (book/surrogate):

        grad L(theta) = -(1/N) sum_n sum_t grad log pi_theta(a_t^(n) | s_t^(n)) Psi_{n,t},

    with the score of eq. `softmax-score` (book/factorization). At the theta that generated
    ``trajectories`` this is ``-pg.episode_gradients(...).mean(axis=0)`` for the same estimator
    and baseline; at any other theta it is still the gradient of L, but no longer an estimate
    of -grad J(theta) (the episodes came from another policy).

    Parameters
    ----------
    mdp : TabularMDP
    theta : array_like(float), shape (S, A)
    trajectories : Trajectories
    estimator : {"total_return", "reward_to_go"}
    baseline : None or float

    Returns
    -------
    ndarray(float), shape (S, A)
    """
    theta, trajectories = _check_batch(mdp, theta, trajectories)
    weights = surrogate_weights(trajectories, estimator=estimator, baseline=baseline)
    per_episode = score(theta, trajectories.states, trajectories.actions, weights=weights)
    return -per_episode.sum(axis=0) / trajectories.n_episodes


# --- importance sampling: what the batch says about J away from theta_old ---------------------


def _discounted_ratio_rewards(
    theta: np.ndarray, theta_old: np.ndarray, trajectories: Trajectories
) -> np.ndarray:
    """rho_{1:t} r_t for every step, shape (N, H); rho_{1:t} = prod_{u <= t} pi / pi_old."""
    states, actions = trajectories.states, trajectories.actions
    log_ratio = log_softmax_policy(theta)[states, actions]
    log_ratio -= log_softmax_policy(theta_old)[states, actions]
    return np.exp(np.cumsum(log_ratio, axis=1)) * trajectories.rewards


def importance_sampled_return(
    mdp: TabularMDP, theta: Any, trajectories: Trajectories, *, theta_old: Any
) -> float:
    """The per-decision importance-sampling estimate of J(theta) from episodes of pi_old.

    Implements eq. `importance-sampled-return` (book/surrogate):

        J_IS(theta) = (1/N) sum_n sum_t rho_{1:t}^(n)(theta) gamma^(t-1) r_t^(n),
        rho_{1:t}(theta) = prod_{u=1}^{t} pi_theta(a_u | s_u) / pi_old(a_u | s_u).

    The dynamics cancel in the ratio p_theta(h_t, a_t) / p_old(h_t, a_t) = rho_{1:t}, so
    E_{tau ~ p_old}[J_IS(theta)] = J(theta) for every theta (Precup, Sutton and Singh 2000);
    at theta = theta_old it is the mean discounted return of the batch.

    Parameters
    ----------
    mdp : TabularMDP
    theta : array_like(float), shape (S, A)
        The policy whose return is estimated.
    trajectories : Trajectories
        N episodes sampled with ``theta_old``.
    theta_old : array_like(float), shape (S, A)
        The logits that generated ``trajectories``.

    Returns
    -------
    float
    """
    theta, trajectories = _check_batch(mdp, theta, trajectories)
    theta_old = check_theta(theta_old, mdp.n_states, mdp.n_actions, name="theta_old")
    weighted = _discounted_ratio_rewards(theta, theta_old, trajectories)
    return float(reward_to_go(weighted, trajectories.discount)[:, 0].mean())


def importance_sampled_gradient(
    mdp: TabularMDP, theta: Any, trajectories: Trajectories, *, theta_old: Any
) -> np.ndarray:
    """grad J_IS(theta): an unbiased estimate of grad J(theta) from episodes of pi_old.

    Differentiating eq. `importance-sampled-return` (book/surrogate), with
    grad rho_{1:t} = rho_{1:t} sum_{u <= t} grad log pi_theta(a_u | s_u), and exchanging the
    two sums over steps:

        grad J_IS(theta) = (1/N) sum_n sum_u grad log pi_theta(a_u | s_u)
                           sum_{t >= u} rho_{1:t}(theta) gamma^(t-1) r_t,

    the reward-to-go estimate (eq. `reward-to-go`, book/reward_to_go) with every reward
    reweighted by its own ratio. At theta = theta_old every ratio is 1 and this is the
    reward-to-go estimate of :func:`pgtheory.episode_gradients`.

    Parameters
    ----------
    mdp : TabularMDP
    theta : array_like(float), shape (S, A)
    trajectories : Trajectories
        N episodes sampled with ``theta_old``.
    theta_old : array_like(float), shape (S, A)

    Returns
    -------
    ndarray(float), shape (S, A)
    """
    theta, trajectories = _check_batch(mdp, theta, trajectories)
    theta_old = check_theta(theta_old, mdp.n_states, mdp.n_actions, name="theta_old")
    weighted = _discounted_ratio_rewards(theta, theta_old, trajectories)
    to_go = reward_to_go(weighted, trajectories.discount)  # sum_{t >= u} rho_{1:t} g^(t-1) r_t
    per_episode = score(theta, trajectories.states, trajectories.actions, weights=to_go)
    return per_episode.mean(axis=0)


def angle_between(u: Any, v: Any) -> float:
    """The angle between two arrays of one shape, read as vectors, in degrees.

    arccos(<u, v> / (||u|| ||v||)), in [0, 180]: 0 for the same direction, 90 for orthogonal
    ones, 180 for opposite ones (the cosine is clipped to [-1, 1] against rounding).

    Parameters
    ----------
    u, v : array_like(float), same shape (for gradients (S, A))
        Neither may be zero.

    Returns
    -------
    float
    """
    u = np.asarray(u, dtype=float)
    v = np.asarray(v, dtype=float)
    if u.shape != v.shape:
        raise ValueError(f"u and v must have the same shape; got {u.shape} and {v.shape}")
    for name, x in (("u", u), ("v", v)):
        if not np.isfinite(x).all():
            raise ValueError(f"{name} must be finite; found NaN or infinity")
    norm_u, norm_v = np.linalg.norm(u), np.linalg.norm(v)
    for name, norm in (("u", norm_u), ("v", norm_v)):
        if norm == 0.0:
            raise ValueError(f"{name} is the zero vector; an angle needs two nonzero vectors")
    cosine = float(np.vdot(u, v)) / (norm_u * norm_v)
    return float(np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0))))
