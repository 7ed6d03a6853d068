"""A pgtheory MDP behind Gymnasium's interface, and the agent loop that collects episodes.

The chapter book/cartpole trains a policy on an environment it can only
*query*: ``reset`` and ``step`` are the whole interface, exactly as in
Gymnasium. :class:`TabularMDPEnv` puts a :class:`pgtheory.TabularMDP` behind
that interface, so the same agent loop runs on an MDP whose exact gradient we
know and on CartPole, whose dynamics we never write down.

:func:`collect_episodes` is that loop. It steps a Gymnasium vector
environment until every sub-environment has finished one episode, and keeps
exactly that first episode of each: N = ``num_envs`` independent episodes of
the current policy, padded to a common length with a mask (the layout of
:mod:`pgtheory.linear_policy`).

Autoreset. A Gymnasium 1.x vector environment resets a finished
sub-environment by itself. In the default mode, ``AutoresetMode.NEXT_STEP``,
the reset happens on the step *after* the episode ends: that step ignores the
action passed for this sub-environment and returns the first observation of a
new episode with reward 0 and ``terminated = truncated = False``. A loop that
recorded it would add a fake transition (the action never acted) to the data.
:func:`collect_episodes` masks out every step of a sub-environment after its
first episode ends, which removes that step and everything after it. The
same masking is correct for ``SAME_STEP`` (there the ending step returns the
next episode's first observation, which we never use); ``DISABLED`` would
need manual resets and is refused.

This module imports gymnasium (an optional dependency: ``pip install
pgtheory[gym]``); ``import pgtheory`` does not load it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode

from ._validation import check_mdp, check_rng, check_weights
from .episodes import Episodes
from .linear_policy import sample_linear_actions
from .mdp import TabularMDP

__all__ = ["TabularMDPEnv", "collect_episodes", "one_hot_features"]


class TabularMDPEnv(gym.Env):
    """A finite-horizon :class:`pgtheory.TabularMDP` as a ``gymnasium.Env``.

    Observations and actions are ``Discrete(S)`` and ``Discrete(A)``.
    ``reset`` draws s_1 ~ ``mdp.initial``; ``step(a)`` returns the reward
    r_t = ``mdp.rewards[s_t, a]`` (undiscounted, whatever ``mdp.discount``)
    and draws s_{t+1} ~ ``mdp.transitions[s_t, a]``. After H steps the episode
    is over: the horizon is part of the MDP, so the last step reports
    ``terminated=True`` (never ``truncated``). All randomness comes from
    ``self.np_random``, seeded by ``reset(seed=...)``.

    ``info["t"]`` is the book's time index t of the returned state s_t: 1
    after ``reset``, H + 1 after the final step (a state that is never acted
    in).

    Parameters
    ----------
    mdp : TabularMDP
    render_mode : None or "ansi"
        ``"ansi"`` makes :meth:`render` return a line such as ``"t=2 s=1"``.
    """

    metadata = {"render_modes": ["ansi"], "render_fps": 4}

    def __init__(self, mdp: TabularMDP, render_mode: str | None = None) -> None:
        self.mdp = check_mdp(mdp)
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(
                f"render_mode must be None or one of {self.metadata['render_modes']}; "
                f"got {render_mode!r}"
            )
        self.render_mode = render_mode
        self.observation_space = spaces.Discrete(mdp.n_states)
        self.action_space = spaces.Discrete(mdp.n_actions)
        self._state: int | None = None
        self._t = 0  # book time index of self._state

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[int, dict[str, Any]]:
        """Start an episode: draw s_1 from ``mdp.initial``; return (s_1, {"t": 1})."""
        super().reset(seed=seed)
        self._state = int(self.np_random.choice(self.mdp.n_states, p=self.mdp.initial))
        self._t = 1
        return self._state, {"t": self._t}

    def step(self, action: Any) -> tuple[int, float, bool, bool, dict[str, Any]]:
        """Take a_t in s_t: return (s_{t+1}, r_t, terminated = (t == H), False, {"t": t + 1})."""
        if self._state is None or self._t > self.mdp.horizon:
            raise RuntimeError("the episode is over (or never started): call reset() first")
        if not self.action_space.contains(action):
            raise ValueError(f"action must lie in [0, {self.mdp.n_actions}); got {action!r}")
        s, a = self._state, int(action)
        reward = float(self.mdp.rewards[s, a])
        self._state = int(self.np_random.choice(self.mdp.n_states,
                                                p=self.mdp.transitions[s, a]))
        terminated = self._t == self.mdp.horizon
        self._t += 1
        return self._state, reward, terminated, False, {"t": self._t}

    def render(self) -> str | None:
        """``"t=<t> s=<state>"`` in ``"ansi"`` mode; nothing otherwise."""
        if self.render_mode == "ansi":
            return f"t={self._t} s={self._state}"
        return None


def one_hot_features(n_states: int) -> Callable[[np.ndarray], np.ndarray]:
    """The featurizer x = e_s: with it, ``features @ W = W[s]`` is the tabular softmax.

    Parameters
    ----------
    n_states : int
        S.

    Returns
    -------
    callable
        Maps states ``(n,)`` (ints) to features ``(n, S)``.
    """
    def featurize(states: np.ndarray) -> np.ndarray:
        return np.eye(n_states)[np.asarray(states, dtype=np.int64)]

    return featurize


def collect_episodes(
    envs: gym.vector.VectorEnv,
    W: Any,
    featurize: Callable[[np.ndarray], np.ndarray],
    *,
    rng: Any = None,
    env_seeds: Sequence[int] | None = None,
    max_steps: int = 100_000,
) -> Episodes:
    """Run the policy pi_W in every sub-environment until each has finished one episode.

    The agent only calls ``envs.reset`` and ``envs.step``: it never sees the
    dynamics. Each sub-environment contributes its first episode; every step
    after that episode's end (including the NEXT_STEP autoreset step, whose
    reward is 0 and whose action is ignored) is masked out.

    Parameters
    ----------
    envs : gymnasium.vector.VectorEnv
        With ``AutoresetMode.NEXT_STEP`` or ``SAME_STEP``. Reset at the start.
    W : array_like(float), shape (d, A)
        Linear softmax policy weights.
    featurize : callable
        Maps a batch of observations (num_envs, ...) to features (num_envs, d).
    rng : None, int, SeedSequence, BitGenerator or Generator
        The agent's randomness (its action draws).
    env_seeds : sequence of ``envs.num_envs`` ints, or None
        Passed to ``envs.reset(seed=...)`` (Gymnasium's own seeding of each
        sub-environment); ``None`` continues the sub-environments' random streams.
    max_steps : int
        Safety limit on the number of vector steps.

    Returns
    -------
    Episodes
        N = ``envs.num_envs`` episodes.
    """
    W = check_weights(W)
    rng = check_rng(rng)
    mode = envs.metadata.get("autoreset_mode", AutoresetMode.NEXT_STEP)
    if mode not in (AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP):
        raise ValueError(
            f"envs has autoreset mode {mode}; collect_episodes supports NEXT_STEP and SAME_STEP"
        )
    n_envs = envs.num_envs
    if env_seeds is not None:
        env_seeds = [int(s) for s in env_seeds]
        if len(env_seeds) != n_envs:
            raise ValueError(f"env_seeds has {len(env_seeds)} seeds; expected one per "
                             f"sub-environment, {n_envs}")
    observations, _ = envs.reset(seed=env_seeds)
    running = np.ones(n_envs, dtype=bool)  # still in its first episode
    truncated = np.zeros(n_envs, dtype=bool)
    features, actions, rewards, masks = [], [], [], []
    for step in range(max_steps):
        x = np.asarray(featurize(observations), dtype=float)
        if step == 0 and (x.shape != (n_envs, W.shape[0]) or not np.isfinite(x).all()):
            raise ValueError(f"featurize returned an array of shape {x.shape} (or non-finite "
                             f"values); expected finite features ({n_envs}, {W.shape[0]})")
        a = sample_linear_actions(W, x, rng=rng)  # a ~ pi_W(. | x)
        observations, r, term, trunc, _ = envs.step(a)
        features.append(x)
        actions.append(a)
        rewards.append(np.where(running, r, 0.0))
        masks.append(running.copy())
        ended = running & (np.asarray(term) | np.asarray(trunc))
        truncated |= ended & np.asarray(trunc) & ~np.asarray(term)
        running &= ~ended
        if not running.any():
            break
    else:
        raise RuntimeError(f"some episodes did not end within max_steps = {max_steps} steps")
    return Episodes(
        features=np.stack(features, axis=1),
        actions=np.stack(actions, axis=1),
        rewards=np.stack(rewards, axis=1),
        mask=np.stack(masks, axis=1),
        truncated=truncated,
    )
