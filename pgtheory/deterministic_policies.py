"""The best deterministic stationary policy of a small MDP, by enumeration.

A deterministic stationary policy picks one action per state, ``actions: (S,)``, the same at
every step. There are A^S of them; for a small MDP each is evaluated exactly and the best is
kept. Its return is the reference line of the REINFORCE explorer (book/reinforce): on the
chain MDP it walks right three times and collects once at the far end, J* = 0.9^3 x 10 = 7.29.

For a finite horizon a *randomized* stationary policy can, in general, do better than every
deterministic one (it cannot on the chain: see tests/test_deterministic_policies.py), and a
policy that may also depend on the step t does better still (7.59 on the chain).

Each policy is evaluated with :func:`pgtheory.expected_return` (backward induction) at the
logits ``theta[s, actions[s]] = 0`` and ``theta[s, b] = -LOGIT_GAP`` otherwise: the other
actions then have probability at most e^-50 < 2e-22, far below the resolution 2.2e-16 of a
double relative to 1, so the value is the deterministic policy's up to rounding.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from ._validation import check_positive_int
from .exact import expected_return
from .mdp import TabularMDP

__all__ = ["DeterministicPolicy", "best_deterministic_policy", "deterministic_logits"]

#: Logit gap that makes a softmax policy deterministic to double precision.
LOGIT_GAP = 50.0


@dataclass(frozen=True, eq=False)
class DeterministicPolicy:
    """A deterministic stationary policy and its exact expected return.

    Attributes
    ----------
    actions : ndarray(int), shape (S,)
        ``actions[s]`` is the action taken in state s at every step.
    expected_return : float
        J of that policy (eq. `objective`, book/objective).
    """

    actions: np.ndarray
    expected_return: float


def deterministic_logits(actions: np.ndarray, n_actions: int) -> np.ndarray:
    """Logits (S, A) of the softmax policy that takes ``actions[s]`` in state s.

    Parameters
    ----------
    actions : ndarray(int), shape (S,)
    n_actions : int

    Returns
    -------
    ndarray(float), shape (S, A)
        0 at ``(s, actions[s])`` and ``-LOGIT_GAP`` elsewhere.
    """
    actions = np.asarray(actions)
    n_actions = check_positive_int(n_actions, "n_actions")
    if actions.ndim != 1 or actions.dtype.kind not in "iu":
        raise TypeError(f"actions must be a 1-d integer array (S,); got {actions!r}")
    if actions.size and (actions.min() < 0 or actions.max() >= n_actions):
        raise ValueError(f"actions must lie in [0, {n_actions}); got {actions.tolist()}")
    theta = np.full((len(actions), n_actions), -LOGIT_GAP)
    theta[np.arange(len(actions)), actions] = 0.0
    return theta


def best_deterministic_policy(
    mdp: TabularMDP, *, max_policies: int = 4096
) -> DeterministicPolicy:
    """The deterministic stationary policy with the largest exact J, by enumeration.

    Parameters
    ----------
    mdp : TabularMDP
    max_policies : int
        Refuse MDPs with more than this many deterministic policies A^S.

    Returns
    -------
    DeterministicPolicy
        The first best policy in the order of :func:`itertools.product` (ties go to the
        smaller action index in the first state that differs).
    """
    if not isinstance(mdp, TabularMDP):
        raise TypeError(f"mdp must be a TabularMDP; got {type(mdp).__name__}")
    max_policies = check_positive_int(max_policies, "max_policies")
    count = mdp.n_actions ** mdp.n_states
    if count > max_policies:
        raise ValueError(
            f"the MDP has A^S = {mdp.n_actions}^{mdp.n_states} = {count} deterministic "
            f"policies; max_policies is {max_policies}"
        )
    best_actions, best = None, -np.inf
    for actions in itertools.product(range(mdp.n_actions), repeat=mdp.n_states):
        value = expected_return(mdp, deterministic_logits(np.array(actions), mdp.n_actions))
        if value > best:
            best_actions, best = actions, value
    return DeterministicPolicy(np.array(best_actions), float(best))
