"""Finite-horizon tabular Markov decision processes.

An MDP here is the tuple of book/objective:

* ``transitions: (S, A, S)``, ``transitions[s, a, s2] = P(s_{t+1} = s2 | s_t = s, a_t = a)``;
* ``rewards: (S, A)``, the deterministic reward ``r_t = rewards[s_t, a_t]``;
* ``initial: (S,)``, the distribution of the first state ``s_1``;
* ``horizon`` H, the number of decisions per episode;
* ``discount`` gamma in (0, 1], default 1 (undiscounted, as in the book).

Time index convention: the book counts decisions t = 1, ..., H; arrays count
them 0, ..., H-1, so book step t is array index ``t - 1``. The return is
R(tau) = sum_{t=1}^{H} gamma^(t-1) r_t (eq. `return`, book/objective).

The horizon is part of the MDP: every episode has exactly H steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ._validation import (
    as_finite_array,
    check_bool,
    check_discount,
    check_positive_int,
    check_probability_vectors,
    check_real,
    check_rng,
    check_shape,
)

__all__ = ["TabularMDP", "bandit", "chain_mdp", "random_mdp", "short_corridor", "stop_or_continue"]


@dataclass(frozen=True, eq=False)
class TabularMDP:
    """A finite-horizon MDP with deterministic rewards ``r(s, a)``.

    Parameters
    ----------
    transitions : ndarray(float, ndim=3), shape (S, A, S)
        ``transitions[s, a]`` is the distribution of the next state.
    rewards : ndarray(float, ndim=2), shape (S, A)
        Reward received for taking action ``a`` in state ``s``.
    initial : ndarray(float, ndim=1), shape (S,)
        Distribution of the first state.
    horizon : int
        Number of decisions H >= 1 per episode.
    discount : float
        Discount gamma in (0, 1]; the return is sum_t gamma^(t-1) r_t.

    Notes
    -----
    All arrays are validated and stored as read-only float copies, so an MDP
    cannot change after it is made. Rows of ``transitions`` and ``initial``
    must be nonnegative and sum to 1 within 1e-8.
    """

    transitions: np.ndarray
    rewards: np.ndarray
    initial: np.ndarray
    horizon: int
    discount: float = 1.0

    def __post_init__(self) -> None:
        transitions = as_finite_array(self.transitions, "transitions", ndim=3, copy=True)
        n_states, n_actions, n_next = transitions.shape
        if n_states == 0 or n_actions == 0:
            raise ValueError(
                f"transitions must have at least one state and one action; got shape "
                f"{transitions.shape}"
            )
        check_shape(transitions, "transitions", (n_states, n_actions, n_states), "(S, A, S)")
        check_probability_vectors(transitions, "transitions")

        rewards = as_finite_array(self.rewards, "rewards", ndim=2, copy=True)
        check_shape(rewards, "rewards", (n_states, n_actions), "(S, A) to match transitions")

        initial = as_finite_array(self.initial, "initial", ndim=1, copy=True)
        check_shape(initial, "initial", (n_states,), "(S,) to match transitions")
        check_probability_vectors(initial, "initial")

        horizon = check_positive_int(self.horizon, "horizon")
        discount = check_discount(self.discount)

        for name, array in (("transitions", transitions), ("rewards", rewards),
                            ("initial", initial)):
            array.flags.writeable = False
            object.__setattr__(self, name, array)
        object.__setattr__(self, "horizon", horizon)
        object.__setattr__(self, "discount", discount)

    @property
    def n_states(self) -> int:
        """Number of states S."""
        return self.transitions.shape[0]

    @property
    def n_actions(self) -> int:
        """Number of actions A."""
        return self.transitions.shape[1]


def bandit(means: Any) -> TabularMDP:
    """A multi-armed bandit as a one-state MDP with horizon 1.

    Parameters
    ----------
    means : array_like(float, ndim=1), shape (A,)
        The (deterministic) reward of each arm.

    Returns
    -------
    TabularMDP
        S = 1, A = ``len(means)``, H = 1, ``rewards[0, a] = means[a]``.
    """
    means = as_finite_array(means, "means", ndim=1)
    if means.size == 0:
        raise ValueError("means must contain at least one arm; got an empty array")
    n_arms = means.size
    return TabularMDP(
        transitions=np.ones((1, n_arms, 1)),
        rewards=means[None, :],
        initial=np.ones(1),
        horizon=1,
    )


def chain_mdp(slip: float = 0.1) -> TabularMDP:
    """A four-state chain where collecting a small reward early costs a big one later.

    ::

        collect: +1       +0        +0        +10
               +----+    +----+    +----+    +----+
        start->| s0 |--->| s1 |--->| s2 |--->| s3 |
               +----+    +----+    +----+    +----+
                 right (moves with prob 1 - slip, else stays; reward 0)

    Action 0, "collect", earns ``[1, 0, 0, 10][s]`` and stays put. Action 1,
    "right", earns nothing and moves one state to the right with probability
    ``1 - slip`` (it stays put otherwise, and always in s3). Every episode
    starts in s0 and lasts H = 4 steps. Collecting in s0 every step earns 4;
    walking right three times and collecting once in s3 earns 10 if no move
    slips. Collecting at step 1 already rules out the 10, because s3 is three
    moves away and only three steps would remain. With the default slip 0.1
    the best policy walks right and earns 0.9^3 * 10 = 7.29 on average.

    Parameters
    ----------
    slip : float
        Probability in [0, 1) that "right" fails and the agent stays put.

    Returns
    -------
    TabularMDP
        S = 4, A = 2, H = 4, undiscounted.
    """
    slip = check_real(slip, "slip", low=0.0, high=1.0, high_inclusive=False)
    n_states, collect, right = 4, 0, 1
    transitions = np.zeros((n_states, 2, n_states))
    for s in range(n_states):
        transitions[s, collect, s] = 1.0
        if s + 1 < n_states:
            transitions[s, right, s + 1] = 1.0 - slip
            transitions[s, right, s] += slip
        else:
            transitions[s, right, s] = 1.0
    rewards = np.zeros((n_states, 2))
    rewards[:, collect] = [1.0, 0.0, 0.0, 10.0]
    initial = np.array([1.0, 0.0, 0.0, 0.0])
    return TabularMDP(transitions, rewards, initial, horizon=4)


def random_mdp(
    n_states: int,
    n_actions: int,
    horizon: int,
    *,
    rng: Any = None,
    discount: float = 1.0,
) -> TabularMDP:
    """A random MDP for tests and numerical checks.

    Every transition row and the initial distribution are drawn from a flat
    Dirichlet(1, ..., 1); rewards are independent standard normals.

    Parameters
    ----------
    n_states, n_actions, horizon : int
        S, A and H, each >= 1.
    rng : None, int, SeedSequence, BitGenerator or Generator
        Anything ``numpy.random.default_rng`` accepts (SPEC 7).
    discount : float
        Discount in (0, 1].

    Returns
    -------
    TabularMDP
    """
    n_states = check_positive_int(n_states, "n_states")
    n_actions = check_positive_int(n_actions, "n_actions")
    horizon = check_positive_int(horizon, "horizon")
    rng = check_rng(rng)
    transitions = rng.dirichlet(np.ones(n_states), size=(n_states, n_actions))
    rewards = rng.standard_normal((n_states, n_actions))
    initial = rng.dirichlet(np.ones(n_states))
    # Dirichlet draws sum to 1 up to rounding; renormalise to be safe.
    transitions /= transitions.sum(axis=-1, keepdims=True)
    initial /= initial.sum()
    return TabularMDP(transitions, rewards, initial, horizon, discount)


def short_corridor(horizon: int = 1000) -> TabularMDP:
    """The short corridor with switched actions (Sutton and Barto 2018, Example 13.1).

    ::

                 right           right           right
        start-> [ state 0 ] <--> [ state 1 ] <--> [ state 2 ] --> [ terminal, state 3 ]
                 left: stays      actions          left: back
                                  SWITCHED

    Three nonterminal states and a terminal one. Action 0 is "left", action 1 is
    "right". In states 0 and 2 they move as named (left in state 0 bumps into the
    wall and stays; right in state 2 reaches the terminal state); in state 1 they
    are switched: "right" moves to state 0 and "left" to state 2. Every step in a
    nonterminal state earns -1, so the return is minus the episode length. The
    terminal state 3 is absorbing with reward 0 under both actions, which is what
    :func:`pgtheory.terminal_states` recognises as terminal. Episodes start in
    state 0.

    The three nonterminal states look alike to an agent whose features cannot
    tell them apart (book/discounted uses phi(s) = 1 for every s); the
    best such policy goes right with probability 2 - sqrt(2), about 0.586.

    Parameters
    ----------
    horizon : int
        H for the finite-horizon code (:func:`pgtheory.expected_return` sees
        only the first H steps). The episodic objective, every step until
        termination, is :func:`pgtheory.discounted_return` with
        ``discount=1.0``, which ignores ``horizon``.

    Returns
    -------
    TabularMDP
        S = 4 (state 3 terminal), A = 2, undiscounted.

    References
    ----------
    R. S. Sutton and A. G. Barto (2018), "Reinforcement Learning: An
    Introduction", 2nd ed., MIT Press, Example 13.1.
    """
    horizon = check_positive_int(horizon, "horizon")
    left, right, terminal = 0, 1, 3
    transitions = np.zeros((4, 2, 4))
    transitions[0, left, 0] = transitions[0, right, 1] = 1.0
    transitions[1, left, 2] = transitions[1, right, 0] = 1.0  # switched
    transitions[2, left, 1] = transitions[2, right, terminal] = 1.0
    transitions[terminal, :, terminal] = 1.0
    rewards = np.zeros((4, 2))
    rewards[:terminal] = -1.0
    initial = np.array([1.0, 0.0, 0.0, 0.0])
    return TabularMDP(transitions, rewards, initial, horizon=horizon)


def stop_or_continue(
    horizon: int = 2,
    *,
    stop_reward: float = 1.0,
    continue_reward: float = 1.0,
    clock: bool = False,
) -> TabularMDP:
    """The stop-or-continue game of book/cartpole: at each step stop (end) or continue.

    ::

        clock=False:  continue, +c        clock=True:  continue, +c      continue, +c
                      +-------+              [ step 1 ] ---------> ... [ step H ] ---------> end
                      v       |                  |                          |
                   [ alive ] -+               stop, +s                   stop, +s
                      |                          v                          v
                   stop, +s --> end             end                        end

    Action 0, *stop*, pays ``stop_reward`` and ends the episode; action 1, *continue*, pays
    ``continue_reward``. The last state is terminal (absorbing, reward 0: what
    :func:`pgtheory.terminal_states` recognises). Episodes start in state 0.

    * ``clock=False``: one live state; continuing stays in it, so only stopping ends an
      episode, or the horizon H of the finite-horizon code. A tabular policy then has one
      pair of logits for every step, like book/cartpole's linear policy with a bias feature
      only; ``stop_or_continue()`` is that chapter's example (H = 2, both rewards 1). For the
      discounted code, which has no horizon, it is a continuing task that may never end.
    * ``clock=True``: the live states 0, ..., H-1 are the step numbers, so the policy can
      depend on the step, and continuing at step H also ends the episode: every episode ends
      within H steps, for the finite-horizon and the discounted code alike (book/other_code).

    Parameters
    ----------
    horizon : int
        H >= 1.
    stop_reward, continue_reward : float
        The rewards s and c.
    clock : bool
        Whether the state shows the step.

    Returns
    -------
    TabularMDP
        S = H + 1 (``clock=True``) or 2, A = 2, horizon H, undiscounted.
    """
    horizon = check_positive_int(horizon, "horizon")
    stop_reward = check_real(stop_reward, "stop_reward")
    continue_reward = check_real(continue_reward, "continue_reward")
    clock = check_bool(clock, "clock")
    n_live = horizon if clock else 1
    end = n_live
    transitions = np.zeros((n_live + 1, 2, n_live + 1))
    rewards = np.zeros((n_live + 1, 2))
    for s in range(n_live):
        transitions[s, 0, end] = 1.0
        transitions[s, 1, (s + 1 if s + 1 < n_live else end) if clock else s] = 1.0
        rewards[s] = stop_reward, continue_reward
    transitions[end, :, end] = 1.0
    initial = np.zeros(n_live + 1)
    initial[0] = 1.0
    return TabularMDP(transitions, rewards, initial, horizon=horizon)
