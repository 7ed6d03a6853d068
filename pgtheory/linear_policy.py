"""Linear softmax policies over feature vectors, and REINFORCE for episodes of unequal length.

The chapter book/cartpole leaves the table behind: a state is described by a
feature vector x in R^d (for CartPole, the four observations and a constant
1), and the policy is a softmax over linear logits,

    pi_W(a | x) = exp(x . W[:, a]) / sum_b exp(x . W[:, b]),   W: (d, A).

Its score is (eq. `cartpole-linear-score`, book/cartpole)

    grad_W log pi_W(a | x) = x ⊗ (e_a - pi_W(. | x)),

a (d, A) array. With one-hot features x = e_s (and no bias) the logits are
x . W = W[s], so the tabular softmax of :mod:`pgtheory.policy` (eq. `softmax-score`,
book/factorization) is the special case W = theta.

Episodes end when the environment says so, so a batch of N episodes has
lengths T_1, ..., T_N. It is stored padded to T = max_n T_n with a boolean
mask: ``mask[n, t-1]`` is True for the steps t = 1..T_n of episode n and
False for the padding after it. Padded entries of ``features``,
``actions`` and ``rewards`` are never read.

Time index convention: book step t = 1..T_n is array column t - 1.

This module needs numpy only; the environments live in
:mod:`pgtheory.gym_env` and :mod:`pgtheory.cartpole`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._kernels import categorical_draws, log_softmax
from ._validation import (
    as_finite_array,
    check_estimator,
    check_mask,
    check_real,
    check_rng,
    check_step_values,
    check_weights,
)
from .episodes import leave_one_out_mean_kernel, reward_to_go_kernel

__all__ = [
    "add_bias",
    "linear_log_probs",
    "linear_softmax_probs",
    "linear_step_scores",
    "sample_linear_actions",
    "masked_step_weights",
    "linear_episode_gradients",
    "episodic_gradient",
]

#: Names accepted by ``baseline`` besides ``None``, a real number and an array of shape (T,).
LINEAR_BASELINE_NAMES = ("leave_one_out_mean",)


# --- validation -----------------------------------------------------------------------------


def _check_features(features: Any, n_features: int, ndim: int, axes: str) -> np.ndarray:
    features = as_finite_array(features, "features", ndim=ndim)
    if features.shape[-1] != n_features:
        raise ValueError(
            f"features has shape {features.shape}; expected {axes} with d = {n_features} "
            "to match W.shape[0]"
        )
    return features


def _check_actions(actions: Any, shape: tuple[int, ...], n_actions: int,
                   valid: np.ndarray | None = None) -> np.ndarray:
    actions = np.asarray(actions)
    if actions.dtype == bool or actions.dtype.kind not in "iu":
        raise TypeError(f"actions must be an integer array; got dtype {actions.dtype}")
    if actions.shape != shape:
        raise ValueError(f"actions has shape {actions.shape}; expected {shape}")
    actions = actions.astype(np.int64, copy=False)
    bad = (actions < 0) | (actions >= n_actions)
    if valid is not None:
        bad &= valid
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"actions[{', '.join(map(str, index))}] is {actions[index]}; actions must lie in "
            f"[0, {n_actions})"
        )
    return actions


# --- the policy -----------------------------------------------------------------------------


def add_bias(features: Any) -> np.ndarray:
    """Append a constant feature 1 to every feature vector.

    Parameters
    ----------
    features : array_like(float), shape (..., d)

    Returns
    -------
    ndarray(float), shape (..., d + 1)
        ``[..., :d]`` is ``features``, ``[..., d]`` is 1, so ``W[d]`` holds the
        state-independent part of the logits.
    """
    features = as_finite_array(features, "features")
    if features.ndim == 0:
        raise ValueError("features must have at least one dimension (..., d); got a scalar")
    ones = np.ones(features.shape[:-1] + (1,))
    return np.concatenate([features, ones], axis=-1)


def _log_probs(W: np.ndarray, features: np.ndarray) -> np.ndarray:
    return log_softmax(features @ W)


def linear_log_probs(W: Any, features: Any) -> np.ndarray:
    """log pi_W(a | x) for every feature vector, by a max-shifted log-sum-exp.

    Parameters
    ----------
    W : array_like(float), shape (d, A)
    features : array_like(float), shape (..., d)

    Returns
    -------
    ndarray(float), shape (..., A)
    """
    W = check_weights(W)
    features = as_finite_array(features, "features")
    if features.ndim == 0 or features.shape[-1] != W.shape[0]:
        raise ValueError(
            f"features has shape {features.shape}; expected (..., d) with d = {W.shape[0]} "
            "to match W.shape[0]"
        )
    return _log_probs(W, features)


def linear_softmax_probs(W: Any, features: Any) -> np.ndarray:
    """Action probabilities pi_W(a | x) = softmax(x @ W)_a of the linear softmax policy.

    Parameters
    ----------
    W : array_like(float), shape (d, A)
    features : array_like(float), shape (..., d)

    Returns
    -------
    ndarray(float), shape (..., A)
        Each row is a probability vector.
    """
    return np.exp(linear_log_probs(W, features))


def _score(W: np.ndarray, features: np.ndarray, actions: np.ndarray) -> np.ndarray:
    probs = np.exp(_log_probs(W, features))
    probs *= -1.0
    np.put_along_axis(probs, actions[..., None],
                      np.take_along_axis(probs, actions[..., None], -1) + 1.0, -1)
    return features[..., :, None] * probs[..., None, :]


def linear_step_scores(W: Any, features: Any, actions: Any) -> np.ndarray:
    """The per-step score grad_W log pi_W(a | x) for each (feature vector, action) pair.

    Implements eq. `cartpole-linear-score` (book/cartpole):
    grad_W log pi_W(a | x) = x ⊗ (e_a - pi_W(. | x)).

    Parameters
    ----------
    W : array_like(float), shape (d, A)
    features : array_like(float), shape (n, d)
    actions : array_like(int), shape (n,)
        Entries in [0, A).

    Returns
    -------
    ndarray(float), shape (n, d, A)
        Row i is the (d, A) gradient of log pi_W(actions[i] | features[i]).
    """
    W = check_weights(W)
    features = _check_features(features, W.shape[0], 2, "(n, d)")
    actions = _check_actions(actions, features.shape[:1], W.shape[1])
    return _score(W, features, actions)


def sample_linear_actions(W: Any, features: Any, *, rng: Any = None) -> np.ndarray:
    """Draw a_i ~ pi_W(. | x_i) for every row of ``features``, by inverse CDF.

    Parameters
    ----------
    W : array_like(float), shape (d, A)
    features : array_like(float), shape (n, d)
    rng : None, int, SeedSequence, BitGenerator or Generator
        One uniform is drawn per row.

    Returns
    -------
    ndarray(int64), shape (n,)
    """
    W = check_weights(W)
    features = _check_features(features, W.shape[0], 2, "(n, d)")
    rng = check_rng(rng)
    u = rng.random(features.shape[0])
    return categorical_draws(np.exp(_log_probs(W, features)), u)


# --- episodes of unequal length ------------------------------------------------------------


def _check_linear_baseline(baseline: Any, horizon: int) -> Any:
    if baseline is None:
        return None
    if isinstance(baseline, str):
        if baseline not in LINEAR_BASELINE_NAMES:
            raise ValueError(
                "baseline must be None, a real number, an array of shape (T,) or "
                f"'leave_one_out_mean'; got {baseline!r}"
            )
        return baseline
    if np.ndim(baseline) == 0:
        return check_real(baseline, "baseline")
    baseline = as_finite_array(baseline, "baseline", ndim=1)
    if baseline.shape != (horizon,):
        raise ValueError(
            f"baseline has shape {baseline.shape}; a time-dependent baseline must have shape "
            f"(T,) = ({horizon},)"
        )
    return baseline[None, :]


def masked_step_weights_kernel(to_go: np.ndarray, returns: np.ndarray, mask: np.ndarray,
                               estimator: str, baseline: Any) -> np.ndarray:
    """The weights Psi_t - b_t of validated episodes: the one implementation of the weights.

    :func:`masked_step_weights` and :func:`pgtheory.surrogate_weights` both call it.

    Parameters
    ----------
    to_go : (N, T)
        The reward-to-go G_t of each step, 0 on padding (:func:`pgtheory.reward_to_go`).
    returns : (N,)
        R(tau_n), the weight of every step for ``"total_return"``: the caller's own return
        (the sum of the rewards, or ``Trajectories.returns``), so that no digit changes.
    mask : bool (N, T)
        True on the steps of each episode.
    estimator : {"reward_to_go", "total_return"}
    baseline : None, float, array (1, T) or "leave_one_out_mean"
        The leave-one-out mean is taken over the other episodes still running at each step
        (:func:`pgtheory.leave_one_out_mean`).

    Returns
    -------
    (N, T)
        0 on padding.
    """
    psi = to_go if estimator == "reward_to_go" else np.where(mask, returns[:, None], 0.0)
    if isinstance(baseline, str):
        baseline = leave_one_out_mean_kernel(psi, mask)  # padding holds 0
    if baseline is not None:
        psi = psi - baseline
    out = np.zeros_like(psi)  # 0 on padding, in psi's memory layout (np.where would give C
    np.copyto(out, psi, where=mask)  # order), which decides the rounding of sums over it
    return out


def _step_weights(rewards: np.ndarray, mask: np.ndarray, estimator: str,
                  baseline: Any) -> np.ndarray:
    """Undiscounted Psi_t - b_t of validated padded episodes (R = G_1, the sum of rewards)."""
    to_go = np.where(mask, reward_to_go_kernel(rewards, 1.0), 0.0)
    return masked_step_weights_kernel(to_go, to_go[:, 0], mask, estimator, baseline)


def masked_step_weights(
    rewards: Any, mask: Any, *, estimator: str = "reward_to_go", baseline: Any = None
) -> np.ndarray:
    """The weights Psi_t - b_t that multiply each step's score, for padded episodes.

    These are the numbers that :func:`linear_episode_gradients` multiplies
    with grad log pi(a_t | x_t), returned on their own so that a policy of
    any form (for example the neural network of :mod:`pgtheory.mlp_network`)
    can use the same estimator: Psi_t = G_t (``"reward_to_go"``, eq.
    `reward-to-go`) or Psi_t = R(tau_n) (``"total_return"``, eq.
    `pg-theorem`), minus a baseline b_t as described in
    :func:`linear_episode_gradients` (eq. `baseline`). They depend on the
    rewards and the padding only, never on the policy's parameters.

    Parameters
    ----------
    rewards : array_like(float), shape (n, T)
    mask : array_like(bool), shape (n, T)
        See :func:`pgtheory.length_mask`; padded entries of ``rewards`` are ignored.
    estimator : {"reward_to_go", "total_return"}
    baseline : None, float, array (T,) or "leave_one_out_mean"

    Returns
    -------
    ndarray(float), shape (n, T)
        0 on padding.
    """
    rewards, mask = check_step_values(rewards, "rewards", mask, mask_required=True)
    estimator = check_estimator(estimator)
    baseline = _check_linear_baseline(baseline, rewards.shape[1])
    return _step_weights(rewards, mask, estimator, baseline)


def linear_episode_gradients(
    W: Any,
    features: Any,
    actions: Any,
    rewards: Any,
    mask: Any,
    *,
    estimator: str = "reward_to_go",
    baseline: Any = None,
) -> np.ndarray:
    """One REINFORCE gradient estimate per episode, for episodes of unequal length.

    For episode n with T_n steps,

        g_n = sum_{t=1}^{T_n} grad_W log pi_W(a_t | x_t) (Psi_t - b_t),

    with Psi_t = G_t (reward-to-go, eq. `reward-to-go` in book/reward_to_go) or
    Psi_t = R(tau_n) (eq. `pg-theorem`, book/theorem), and b_t a baseline (eq. `baseline`,
    book/baselines) that must not
    depend on episode n's own actions:

    * ``None``: b = 0;
    * a real number b, or an array of shape (T,) giving b_t;
    * ``"leave_one_out_mean"``: b_t for episode n is the mean of G_t (or of R, if
      ``estimator="total_return"``) over the other episodes of the batch that are
      still running at step t (0 if there are none). It uses no data from
      episode n, so it adds no bias.

    Parameters
    ----------
    W : array_like(float), shape (d, A)
        Weights of the policy that generated the episodes.
    features : array_like(float), shape (n, T, d)
        ``features[n, t-1]`` is x_t of episode n.
    actions : array_like(int), shape (n, T)
    rewards : array_like(float), shape (n, T)
    mask : array_like(bool), shape (n, T)
        True on the steps of each episode, False on the padding after it
        (see :func:`length_mask`). Padded entries are ignored.
    estimator : {"reward_to_go", "total_return"}
        Psi_t = G_t or Psi_t = R(tau_n).
    baseline : None, float, array (T,) or "leave_one_out_mean"

    Returns
    -------
    ndarray(float), shape (n, d, A)
    """
    W = check_weights(W)
    features = np.asarray(features)
    if features.ndim != 3:
        raise ValueError(f"features must have shape (n, T, d); got shape {features.shape}")
    n_episodes, horizon = features.shape[:2]
    mask = check_mask(mask, (n_episodes, horizon))
    features = _check_features(np.where(mask[..., None], features, 0.0), W.shape[0], 3,
                               "(n, T, d)")
    actions = _check_actions(actions, (n_episodes, horizon), W.shape[1], valid=mask)
    rewards = np.asarray(rewards)
    if rewards.shape != (n_episodes, horizon):
        raise ValueError(f"rewards has shape {rewards.shape}; expected {(n_episodes, horizon)}")
    rewards = as_finite_array(np.where(mask, rewards, 0.0), "rewards")
    estimator = check_estimator(estimator)
    baseline = _check_linear_baseline(baseline, horizon)

    weights = _step_weights(rewards, mask, estimator, baseline)  # (n, T)
    safe_actions = np.where(mask, actions, 0)
    probs = np.exp(_log_probs(W, features))  # (n, T, A)
    # sum_t w_t x_t ⊗ (e_{a_t} - pi_t) = sum_t w_t x_t ⊗ e_{a_t}  -  sum_t w_t x_t ⊗ pi_t
    onehot = np.zeros_like(probs)
    np.put_along_axis(onehot, safe_actions[..., None], 1.0, -1)
    return np.einsum("ntd,nta->nda", features * weights[..., None], onehot - probs)


def episodic_gradient(
    W: Any,
    features: Any,
    actions: Any,
    rewards: Any,
    mask: Any,
    *,
    estimator: str = "reward_to_go",
    baseline: Any = None,
) -> np.ndarray:
    """The REINFORCE gradient estimate: the mean over EPISODES of the per-episode sums.

    Implements eq. `cartpole-estimator` (book/cartpole), eq. `mc-estimate` (book/monte_carlo)
    for the linear softmax policy with the reward-to-go of eq. `reward-to-go`
    (book/reward_to_go) and a baseline (eq. `baseline`, book/baselines):

        g_hat = (1/N) sum_{n=1}^{N} sum_{t=1}^{T_n} grad_W log pi_W(a^n_t|x^n_t) (Psi^n_t - b^n_t)

    The sum over each episode's steps is divided by the number of episodes
    N, NOT by the pooled number of steps sum_n T_n. Why: the policy gradient
    theorem is an expectation over whole trajectories, so the Monte Carlo
    average must run over independent trajectories; each episode contributes
    its full sum over time. Dividing by sum_n T_n (the "mean over all steps
    in the batch" of many tutorials) multiplies the estimate by the random
    factor N / sum_n T_n, which is small exactly when the episodes are long:
    long episodes are down-weighted relative to short ones, the expectation
    is no longer grad J (nor even a fixed multiple of it: see the
    stop-or-continue example, eq. `cartpole-pooled-zero` in book/cartpole), and
    the effective step size shrinks as the agent improves.

    Parameters
    ----------
    W, features, actions, rewards, mask, estimator, baseline
        As in :func:`linear_episode_gradients`.

    Returns
    -------
    ndarray(float), shape (d, A)
    """
    return linear_episode_gradients(
        W, features, actions, rewards, mask, estimator=estimator, baseline=baseline
    ).mean(axis=0)
