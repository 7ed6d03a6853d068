"""Pieces several checks share: validated episode arrays, the built-in sampled episodes, the
"doubled gradient" rows, and case descriptions.

Internal to :mod:`pgtheory.checks` (public names, so that the check modules can import them).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._validation import as_finite_array, check_index_array
from ..mdp import TabularMDP, chain_mdp, random_mdp
from ..policy import softmax_policy
from ..sampling import Trajectories, sample_trajectories
from .cases import Case, format_array
from .equations import section
from .mistakes import Mistake

__all__ = [
    "DOUBLED_MESSAGE",
    "check_mdp_for",
    "describe_episodes",
    "doubled_rows",
    "episode_arrays",
    "episode_facts",
    "input_kinds",
    "per_episode_row",
    "random_theta",
    "sampled_episodes",
    "softmax_hessian",
]


def random_theta(n_states: int, n_actions: int, seed: int) -> np.ndarray:
    """Logits rounded to two decimals, so that a case prints readably; no symmetry to hide
    behind."""
    return np.round(np.random.default_rng(seed).normal(size=(n_states, n_actions)), 2)


def sampled_episodes(seed_offset: int = 0) -> list[tuple[str, TabularMDP, np.ndarray,
                                                         Trajectories]]:
    """Episodes of two tiny MDPs at random logits: (description, mdp, theta, episodes)."""
    chain, small = chain_mdp(), random_mdp(3, 2, 4, rng=5)
    chain_theta = random_theta(4, 2, 7 + seed_offset)
    small_theta = random_theta(3, 2, 8 + seed_offset)
    return [
        ("6 episodes of pg.chain_mdp() (S=4, A=2, H=4), sampled with rng=11", chain, chain_theta,
         sample_trajectories(chain, chain_theta, n_episodes=6, rng=11)),
        ("5 episodes of pg.random_mdp(3, 2, 4, rng=5) (rewards of both signs), sampled with "
         "rng=12", small, small_theta, sample_trajectories(small, small_theta, n_episodes=5,
                                                          rng=12)),
    ]


def episode_arrays(theta: Any, states: Any, actions: Any,
                   rewards: Any = None) -> tuple[np.ndarray, ...]:
    """theta ``(S, A)``, states and actions ``(n, H)`` (and rewards ``(n, H)``) validated, as
    float64 and int64 arrays; ``ValueError``/``TypeError`` naming the argument."""
    theta = as_finite_array(theta, "theta", ndim=2)
    n_states, n_actions = theta.shape
    states = check_index_array(states, "states", n_states, "states")
    actions = check_index_array(actions, "actions", n_actions, "actions")
    if states.shape != actions.shape:
        raise ValueError(f"states and actions must have the same shape (n, H); got "
                         f"{states.shape} and {actions.shape}")
    if rewards is None:
        return theta, states, actions
    rewards = as_finite_array(rewards, "rewards", ndim=2)
    if rewards.shape != states.shape:
        raise ValueError(f"rewards must have the shape of states, {states.shape}; got "
                         f"{rewards.shape}")
    return theta, states, actions, rewards


def check_mdp_for(mdp: Any, theta: np.ndarray) -> TabularMDP | None:
    """``mdp`` (None allowed) if it is a TabularMDP whose (S, A) is theta's shape."""
    if mdp is None:
        return None
    if not isinstance(mdp, TabularMDP):
        raise TypeError(f"mdp must be a pgtheory.TabularMDP or None; got {type(mdp).__name__}")
    if theta.shape != (mdp.n_states, mdp.n_actions):
        raise ValueError(f"theta has shape {theta.shape}; the mdp needs (S, A) = "
                         f"{(mdp.n_states, mdp.n_actions)}")
    return mdp


def episode_facts(theta: np.ndarray, states: np.ndarray, mdp: Any) -> dict[str, Any]:
    """The facts the messages of the estimator checks use: n, horizon, nh, S, A, mdp."""
    n, horizon = states.shape
    return {"n": n, "horizon": horizon, "nh": n * horizon, "n_states": theta.shape[0],
            "n_actions": theta.shape[1], "mdp": check_mdp_for(mdp, theta)}


def input_kinds(names: tuple[str, ...], args: tuple) -> str:
    """', with rewards given as a list, theta as float32' for inputs that are not plain
    float64/int64 arrays or Python numbers; '' otherwise."""
    kinds = []
    for name, arg in zip(names, args, strict=True):
        if isinstance(arg, (list, tuple)):
            kinds.append(f"{name} as a Python {type(arg).__name__}")
        elif isinstance(arg, np.ndarray) and arg.dtype not in (np.float64, np.int64):
            kinds.append(f"{name} as {arg.dtype}")
    return f", with {', '.join(kinds)}" if kinds else ""


def describe_episodes(description: str | None, kinds: str, theta: np.ndarray,
                      states: np.ndarray, actions: np.ndarray) -> str:
    """A batch of episodes described: ``description`` (default their count and shape), the
    ``kinds`` of :func:`input_kinds`, theta, and the states and actions of a small batch."""
    n, horizon = states.shape
    what = description or (f"{n} episode{'s' if n > 1 else ''} (S={theta.shape[0]}, "
                           f"A={theta.shape[1]}, H={horizon})")
    text = f"{what}{kinds}, theta =\n    {format_array(theta)}"
    if states.size <= 16:
        text += f"\n    states  = {states.tolist()}\n    actions = {actions.tolist()}"
    return text


def softmax_hessian(theta: np.ndarray, s: int) -> np.ndarray:
    """The 'doubled gradient' grad grad log pi(a|s) of the softmax, ``(S, A, S, A)``; the same
    for every action a: -e_s e_s^T ⊗ (diag pi(.|s) - pi(.|s) pi(.|s)^T)."""
    n_states, _ = theta.shape
    pi = softmax_policy(theta)[s]
    block = np.zeros((n_states, n_states))
    block[s, s] = 1.0
    return -np.einsum("ij,kl->ikjl", block, np.diag(pi) - np.outer(pi, pi))


#: The message of the doubled-gradient rows (a second derivative instead of the score).
DOUBLED_MESSAGE = (
    "Your function returned an array of shape $shape, one entry per PAIR of logits: a matrix "
    "of second derivatives, the 'doubled gradient'. The score is a first derivative of log pi, "
    "with one entry per logit (the result has shape $expected_shape); "
    f"{section('doubled-gradient')} shows why the doubled form is wrong.")


def _ends_in_pairs(got: np.ndarray, case: Case) -> bool:
    n_states, n_actions = case.facts["n_states"], case.facts["n_actions"]
    return got.shape[-4:] == (n_states, n_actions, n_states, n_actions)


def _flat_pairs(got: np.ndarray, case: Case) -> bool:
    k = case.facts["n_states"] * case.facts["n_actions"]
    return got.ndim in (2, 3) and got.shape[-2:] == (k, k)


def doubled_rows(answer: Callable[..., Any]) -> tuple[Mistake, Mistake]:
    """The two doubled-gradient rows: ``answer`` returns the second derivatives with the shape
    ``(..., S, A, S, A)``; the second row flattens each pair of logits, ``(..., S*A, S*A)``."""
    def flat(*args: Any) -> np.ndarray:
        doubled = np.asarray(answer(*args))
        k = int(np.sqrt(np.prod(doubled.shape[-4:])))
        return doubled.reshape(doubled.shape[:-4] + (k, k))

    return (Mistake("doubled", DOUBLED_MESSAGE, answer, _ends_in_pairs),
            Mistake("doubled_flat", DOUBLED_MESSAGE, flat, _flat_pairs))


def per_episode_row(answer: Callable[..., np.ndarray], label: str) -> Mistake:
    """The row for estimates returned one per episode, ``(N, S, A)``, not averaged."""
    return Mistake("per_episode", f"Your function returned shape $shape, one estimate per "
                   f"episode. Eq. {label} averages them over the N = $n episodes into one "
                   "(S, A) array.", answer, "shape")
