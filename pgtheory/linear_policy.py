"""Linear softmax policies over feature vectors, and REINFORCE for episodes of unequal length.

Chapter 8 (book/cartpole) leaves the table behind: a state is described by a
feature vector x in R^d (for CartPole, the four observations and a constant
1), and the policy is a softmax over linear logits,

    pi_W(a | x) = exp(x . W[:, a]) / sum_b exp(x . W[:, b]),   W: (d, A).

Its score is (eq. `cartpole-linear-score`)

    grad_W log pi_W(a | x) = x ⊗ (e_a - pi_W(. | x)),

a (d, A) array. With one-hot features x = e_s (and no bias) the logits are
x . W = W[s], so the tabular softmax of chapter 3 is the special case W = theta.

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

from ._validation import as_finite_array, check_real, check_rng

__all__ = [
    "add_bias",
    "linear_log_probs",
    "linear_softmax_probs",
    "linear_score",
    "sample_linear_actions",
    "length_mask",
    "masked_reward_to_go",
    "linear_episode_gradients",
    "episodic_gradient",
]

#: Names accepted by ``baseline`` besides ``None``, a real number and an array of shape (T,).
LINEAR_BASELINE_NAMES = ("leave_one_out",)


# --- validation -----------------------------------------------------------------------------


def _check_weights(W: Any) -> np.ndarray:
    W = as_finite_array(W, "W", ndim=2)
    if 0 in W.shape:
        raise ValueError(f"W must have shape (d, A) with d, A >= 1; got {W.shape}")
    return W


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


def _check_mask(mask: Any, shape: tuple[int, int]) -> np.ndarray:
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
    logits = features @ W
    logits -= logits.max(axis=-1, keepdims=True)
    return logits - np.log(np.exp(logits).sum(axis=-1, keepdims=True))


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
    W = _check_weights(W)
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


def linear_score(W: Any, features: Any, actions: Any) -> np.ndarray:
    """The score grad_W log pi_W(a | x) for each (feature vector, action) pair.

    Implements eq. `cartpole-linear-score` in chapter 8 (book/cartpole):
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
    W = _check_weights(W)
    features = _check_features(features, W.shape[0], 2, "(n, d)")
    actions = _check_actions(actions, features.shape[:1], W.shape[1])
    return _score(W, features, actions)


def sample_linear_actions(
    W: Any, features: Any, rng: int | np.random.Generator | None = None
) -> np.ndarray:
    """Draw a_i ~ pi_W(. | x_i) for every row of ``features``, by inverse CDF.

    Parameters
    ----------
    W : array_like(float), shape (d, A)
    features : array_like(float), shape (n, d)
    rng : int, numpy.random.Generator or None
        Seed or generator (NEP 19); one uniform is drawn per row.

    Returns
    -------
    ndarray(int64), shape (n,)
    """
    W = _check_weights(W)
    features = _check_features(features, W.shape[0], 2, "(n, d)")
    rng = check_rng(rng)
    cdf = np.cumsum(np.exp(_log_probs(W, features)), axis=-1)
    u = rng.random(features.shape[0])
    # u < 1 and the last cumulative probability is 1 up to rounding: clip to stay in range.
    return np.minimum((u[:, None] >= cdf).sum(axis=1), W.shape[1] - 1).astype(np.int64)


# --- episodes of unequal length ------------------------------------------------------------


def length_mask(lengths: Any, n_steps: int | None = None) -> np.ndarray:
    """The padding mask of episodes with the given lengths.

    Parameters
    ----------
    lengths : array_like(int), shape (n,)
        T_n >= 1 for each episode.
    n_steps : int, optional
        Padded length T >= max(lengths); default max(lengths).

    Returns
    -------
    ndarray(bool), shape (n, T)
        ``mask[n, t-1]`` is True exactly when t <= T_n.
    """
    lengths = np.asarray(lengths)
    if lengths.dtype == bool or lengths.dtype.kind not in "iu" or lengths.ndim != 1:
        raise TypeError(
            f"lengths must be a 1-d integer array; got dtype {lengths.dtype}, shape "
            f"{lengths.shape}"
        )
    if lengths.size == 0 or lengths.min() < 1:
        raise ValueError(f"lengths must be a nonempty array of ints >= 1; got {lengths}")
    n_steps = int(lengths.max()) if n_steps is None else int(n_steps)
    if n_steps < lengths.max():
        raise ValueError(f"n_steps is {n_steps}; it must be at least max(lengths) = "
                         f"{int(lengths.max())}")
    return np.arange(n_steps)[None, :] < lengths[:, None]


def _masked_reward_to_go(rewards: np.ndarray, mask: np.ndarray) -> np.ndarray:
    clean = np.where(mask, rewards, 0.0)
    return np.where(mask, np.cumsum(clean[:, ::-1], axis=1)[:, ::-1], 0.0)


def masked_reward_to_go(rewards: Any, mask: Any) -> np.ndarray:
    """Reward-to-go G_t = sum_{t'=t}^{T_n} r_t' of padded episodes (0 on padding).

    The undiscounted form of eq. `reward-to-go` in chapter 7
    (book/variance_reduction), each episode summed up to its own end T_n.

    Parameters
    ----------
    rewards : array_like(float), shape (n, T)
    mask : array_like(bool), shape (n, T)

    Returns
    -------
    ndarray(float), shape (n, T)
    """
    rewards = np.asarray(rewards)
    if rewards.ndim != 2:
        raise ValueError(f"rewards must have shape (n, T); got shape {rewards.shape}")
    mask = _check_mask(mask, rewards.shape)
    rewards = as_finite_array(np.where(mask, rewards, 0.0), "rewards")
    return _masked_reward_to_go(rewards, mask)


def _leave_one_out_time_baseline(to_go: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """b[n, t] = mean of G_t over the OTHER episodes still running at t (0 if none)."""
    totals = to_go.sum(axis=0, keepdims=True)  # padding holds 0
    counts = mask.sum(axis=0, keepdims=True)
    others = (counts - mask).astype(float)
    return np.divide(totals - to_go, others, out=np.zeros_like(to_go), where=others > 0)


def _check_linear_baseline(baseline: Any, n_steps: int) -> Any:
    if baseline is None:
        return None
    if isinstance(baseline, str):
        if baseline not in LINEAR_BASELINE_NAMES:
            raise ValueError(
                "baseline must be None, a real number, an array of shape (T,) or "
                f"'leave_one_out'; got {baseline!r}"
            )
        return baseline
    if np.ndim(baseline) == 0:
        return check_real(baseline, "baseline")
    baseline = as_finite_array(baseline, "baseline", ndim=1)
    if baseline.shape != (n_steps,):
        raise ValueError(
            f"baseline has shape {baseline.shape}; a time-dependent baseline must have shape "
            f"(T,) = ({n_steps},)"
        )
    return baseline[None, :]


def linear_episode_gradients(
    W: Any,
    features: Any,
    actions: Any,
    rewards: Any,
    mask: Any,
    reward_to_go: bool = True,
    baseline: Any = None,
) -> np.ndarray:
    """One REINFORCE gradient estimate per episode, for episodes of unequal length.

    For episode n with T_n steps,

        g_n = sum_{t=1}^{T_n} grad_W log pi_W(a_t | x_t) (Psi_t - b_t),

    with Psi_t = G_t (reward-to-go, eq. `reward-to-go`) or Psi_t = R(tau_n)
    (eq. `pg-theorem`), and b_t a baseline (eq. `baseline`) that must not
    depend on episode n's own actions:

    * ``None``: b = 0;
    * a real number b, or an array of shape (T,) giving b_t;
    * ``"leave_one_out"``: b_t for episode n is the mean of G_t (or of R, if
      ``reward_to_go=False``) over the other episodes of the batch that are
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
    reward_to_go : bool
    baseline : None, float, array (T,) or "leave_one_out"

    Returns
    -------
    ndarray(float), shape (n, d, A)
    """
    W = _check_weights(W)
    features = np.asarray(features)
    if features.ndim != 3:
        raise ValueError(f"features must have shape (n, T, d); got shape {features.shape}")
    n_episodes, n_steps = features.shape[:2]
    mask = _check_mask(mask, (n_episodes, n_steps))
    features = _check_features(np.where(mask[..., None], features, 0.0), W.shape[0], 3,
                               "(n, T, d)")
    actions = _check_actions(actions, (n_episodes, n_steps), W.shape[1], valid=mask)
    rewards = np.asarray(rewards)
    if rewards.shape != (n_episodes, n_steps):
        raise ValueError(f"rewards has shape {rewards.shape}; expected {(n_episodes, n_steps)}")
    rewards = as_finite_array(np.where(mask, rewards, 0.0), "rewards")
    if not isinstance(reward_to_go, (bool, np.bool_)):
        raise TypeError(f"reward_to_go must be a bool; got {reward_to_go!r}")
    baseline = _check_linear_baseline(baseline, n_steps)

    to_go = _masked_reward_to_go(rewards, mask)
    psi = to_go if reward_to_go else np.where(mask, to_go[:, :1], 0.0)
    if isinstance(baseline, str):
        baseline = _leave_one_out_time_baseline(psi, mask)
    if baseline is not None:
        psi = psi - baseline
    weights = np.where(mask, psi, 0.0)  # (n, T)
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
    reward_to_go: bool = True,
    baseline: Any = None,
) -> np.ndarray:
    """The REINFORCE gradient estimate: the mean over EPISODES of the per-episode sums.

    Implements eq. `mc-estimate` of chapter 5 (book/monte_carlo) for the
    linear softmax policy, with the reward-to-go and baseline of chapter 7:

        g_hat = (1/N) sum_{n=1}^{N} sum_{t=1}^{T_n} grad_W log pi_W(a^n_t|x^n_t) (Psi^n_t - b^n_t)

    The sum over each episode's steps is divided by the number of episodes
    N, NOT by the pooled number of steps sum_n T_n. Why: the policy gradient
    theorem is an expectation over whole trajectories, so the Monte Carlo
    average must run over independent trajectories; each episode contributes
    its full sum over time. Dividing by sum_n T_n (the "mean over all steps
    in the batch" of many tutorials) multiplies the estimate by the random
    factor N / sum_n T_n, which is small exactly when the episodes are long:
    long episodes are down-weighted relative to short ones, the expectation
    is no longer grad J (nor even a fixed multiple of it, see chapter 8's
    worked example), and the effective step size shrinks as the agent
    improves.

    Parameters
    ----------
    W, features, actions, rewards, mask, reward_to_go, baseline
        As in :func:`linear_episode_gradients`.

    Returns
    -------
    ndarray(float), shape (d, A)
    """
    return linear_episode_gradients(
        W, features, actions, rewards, mask, reward_to_go, baseline
    ).mean(axis=0)
