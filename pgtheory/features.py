"""Feature policies on tabular MDPs: logits phi(s)^T W, exact J and gradient by the chain rule.

Feature policies as in book/discounted ("The discounted policy gradient theorem"). A feature
policy describes state s by a vector phi(s) in R^d, the rows of ``features: (S, d)`` (written
Phi), and has logits

    theta = Phi W,   theta[s, a] = phi(s) . W[:, a],   W: (d, A)          (eq. `feature-logits`)

so it is the tabular softmax policy at theta = Phi W. Its objective is the tabular objective
at that theta, and the chain rule gives (eq. `feature-gradient`)

    grad_W J = Phi^T grad_theta J(theta) |_{theta = Phi W},

because dtheta[s, b] / dW[k, a] = Phi[s, k] [a = b]. Everything is therefore computed by the
tabular code: the finite-horizon :func:`pgtheory.expected_return` and
:func:`pgtheory.exact_gradient` (``discount=None``), or the discounted infinite-horizon
:func:`pgtheory.discounted_return` and :func:`pgtheory.discounted_gradient` (``discount`` a
number). One-hot features, Phi = I, give back the tabular policy (W = theta); a single constant
feature, Phi = 1 (shape (S, 1)), is one set of action preferences shared by every state, the
policy of the short corridor (Sutton and Barto 2018, Example 13.1). The linear policy of
:mod:`pgtheory.linear_policy` (book/cartpole) is the same parameterisation for observed feature
vectors; here the features are a fixed table so that J is exact.

References
----------
R. S. Sutton and A. G. Barto (2018), "Reinforcement Learning: An Introduction", 2nd ed.,
section 13.1 and Example 13.1.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._kernels import standard_error
from ._validation import as_finite_array, check_mdp, check_positive_int, check_real, check_rng
from .discounted import discounted_gradient, discounted_return
from .discounted_samples import dropped_factor_samples
from .exact import TrainingHistory, exact_gradient, expected_return
from .mdp import TabularMDP

__all__ = [
    "feature_logits",
    "feature_expected_return",
    "feature_gradient",
    "feature_reinforce",
]


def _check_features_and_weights(features: Any, W: Any, name: str = "W"
                                ) -> tuple[np.ndarray, np.ndarray]:
    features = as_finite_array(features, "features", ndim=2)
    W = as_finite_array(W, name, ndim=2)
    if 0 in features.shape:
        raise ValueError(f"features must have shape (S, d) with S, d >= 1; got {features.shape}")
    if W.shape[0] != features.shape[1] or W.shape[1] == 0:
        raise ValueError(f"{name} has shape {W.shape}; expected (d, A) with d = "
                         f"{features.shape[1]} (features.shape[1]) and A >= 1")
    return features, W


def _check_feature_policy(mdp: Any, features: Any, W: Any, name: str = "W"
                          ) -> tuple[TabularMDP, np.ndarray, np.ndarray]:
    """(mdp, features, W) validated against each other: Phi (S, d) and W (d, A) fit the MDP."""
    features, W = _check_features_and_weights(features, W, name)
    mdp = check_mdp(mdp)
    if features.shape[0] != mdp.n_states:
        raise ValueError(f"features has shape {features.shape}; expected (S, d) with "
                         f"S = {mdp.n_states} rows, one per state of the MDP")
    if W.shape[1] != mdp.n_actions:
        raise ValueError(f"{name} has shape {W.shape}; expected (d, A) with A = "
                         f"{mdp.n_actions} columns, one per action of the MDP")
    return mdp, features, W


def feature_logits(features: Any, W: Any) -> np.ndarray:
    """The tabular logits theta = Phi W of a feature policy.

    Implements eq. `feature-logits` (book/discounted).

    Parameters
    ----------
    features : array_like(float), shape (S, d)
        Row s is phi(s).
    W : array_like(float), shape (d, A)

    Returns
    -------
    ndarray(float), shape (S, A)
        ``theta[s, a] = phi(s) . W[:, a]``; the policy is ``softmax_policy(theta)``.
    """
    features, W = _check_features_and_weights(features, W)
    return features @ W


def _objective(mdp: TabularMDP, theta: np.ndarray, discount: Any) -> float:
    if discount is None:
        return expected_return(mdp, theta)
    return discounted_return(mdp, theta, discount=discount)


def feature_expected_return(mdp: TabularMDP, features: Any, W: Any, *,
                            discount: float | None = None) -> float:
    """J of the feature policy, exactly: the tabular objective at theta = Phi W.

    Parameters
    ----------
    mdp : TabularMDP
    features : array_like(float), shape (S, d)
    W : array_like(float), shape (d, A)
    discount : float or None
        ``None``: the finite-horizon objective of :func:`pgtheory.expected_return` (the MDP's
        ``horizon`` and ``discount``). A number gamma in [0, 1]: the infinite-horizon
        J_gamma of :func:`pgtheory.discounted_return` (the MDP's ``horizon`` and ``discount``
        unused).

    Returns
    -------
    float
    """
    mdp, features, W = _check_feature_policy(mdp, features, W)
    return _objective(mdp, features @ W, discount)


def feature_gradient(mdp: TabularMDP, features: Any, W: Any, *,
                     discount: float | None = None) -> np.ndarray:
    """grad_W J of the feature policy by the chain rule through the tabular gradient.

    Implements eq. `feature-gradient` (book/discounted): grad_W J = Phi^T grad_theta J at
    theta = Phi W, with grad_theta J from :func:`pgtheory.exact_gradient` (eq.
    `theorem-state-action` in book/theorem) or :func:`pgtheory.discounted_gradient` (eq.
    `discounted-theorem` in book/discounted).

    Parameters
    ----------
    mdp : TabularMDP
    features : array_like(float), shape (S, d)
    W : array_like(float), shape (d, A)
    discount : float or None
        As in :func:`feature_expected_return`.

    Returns
    -------
    ndarray(float), shape (d, A)
    """
    mdp, features, W = _check_feature_policy(mdp, features, W)
    theta = features @ W
    if discount is None:
        tabular = exact_gradient(mdp, theta)
    else:
        tabular = discounted_gradient(mdp, theta, discount=discount)
    return features.T @ tabular


def feature_reinforce(
    mdp: TabularMDP,
    features: Any,
    W0: Any,
    n_episodes: int,
    n_updates: int,
    learning_rate: float,
    *,
    rng: Any = None,
    discount: float = 1.0,
    max_steps: int = 10_000,
) -> tuple[TrainingHistory, np.ndarray]:
    """REINFORCE for a feature policy on episodes that run until termination.

    For k = 1..K: sample N episodes from the policy with logits Phi W_k until they terminate,
    average the per-episode estimates sum_t grad_W log pi(a_t|s_t) G_t (reward-to-go) and step
    W_{k+1} = W_k + alpha * g_hat (eq. `reinforce-update` in book/reinforce). The score of a
    feature policy is Phi^T times the tabular score (eq. `feature-gradient`), so each estimate
    is Phi^T times :func:`pgtheory.dropped_factor_samples`'s. With ``discount=1.0`` (the
    default) the estimate is unbiased for grad_W J_1; with gamma < 1 the reward-to-go is
    discounted from each step and the update follows Phi^T
    :func:`pgtheory.biased_discounted_gradient`, as most code does.

    Parameters
    ----------
    mdp : TabularMDP
        Episodic (see :func:`pgtheory.discounted_return`).
    features : array_like(float), shape (S, d)
    W0 : array_like(float), shape (d, A)
    n_episodes : int
        N per update.
    n_updates : int
        K.
    learning_rate : float
        alpha > 0.
    rng : int, numpy.random.Generator or None
    discount : float
        gamma in [0, 1] inside the reward-to-go; the recorded exact J is J_gamma.
    max_steps : int
        Cap on an episode's steps (see :func:`pgtheory.dropped_factor_samples`).

    Returns
    -------
    history : TrainingHistory
        ``thetas`` holds the feature weights W_k, shape (K+1, d, A); ``expected_returns`` the
        exact J_gamma(Phi W_k); ``gradients`` and ``standard_errors`` (K, d, A);
        ``sampled_returns`` the mean sampled return of each batch.
    n_truncated : ndarray(int), shape (K,)
        Episodes of each batch cut at ``max_steps`` (0 when the cap never binds).
    """
    mdp, features, W = _check_feature_policy(mdp, features, W0, name="W0")
    n_episodes = check_positive_int(n_episodes, "n_episodes")
    n_updates = check_positive_int(n_updates, "n_updates")
    learning_rate = check_real(learning_rate, "learning_rate", low=0.0, low_inclusive=False)
    rng = check_rng(rng)
    W = W.copy()

    weights, returns = [W], [discounted_return(mdp, features @ W, discount=discount)]
    gradients, errors, sampled, truncated = [], [], [], []
    for _ in range(n_updates):
        # --- 1. sample N episodes until termination ------------------------------------
        batch = dropped_factor_samples(mdp, features @ W, n_episodes, rng=rng,
                                       discount=discount, max_steps=max_steps)
        # --- 2. per-episode estimates, mapped to W by the chain rule ---------------------
        per_episode = np.einsum("sk,nsa->nka", features, batch.gradients)
        gradient = per_episode.mean(axis=0)
        errors.append(standard_error(per_episode))
        # --- 3. gradient-ascent step ----------------------------------------------------
        W = W + learning_rate * gradient
        weights.append(W)
        returns.append(discounted_return(mdp, features @ W, discount=discount))
        gradients.append(gradient)
        sampled.append(float(batch.returns.mean()))
        truncated.append(batch.n_truncated)
    history = TrainingHistory(
        thetas=np.stack(weights), expected_returns=np.array(returns),
        gradients=np.stack(gradients), standard_errors=np.stack(errors),
        sampled_returns=np.array(sampled),
    )
    return history, np.array(truncated, dtype=np.int64)
