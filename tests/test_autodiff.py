"""Tests for pgtheory.autodiff: jax.grad of the surrogate against the numpy estimators.

The numpy code (pgtheory.estimators, pgtheory.surrogate) computes the score analytically; JAX
differentiates log_softmax. Agreement to 1e-12 in float64 checks both, on the same episodes.
"""

import subprocess
import sys

import numpy as np
import pytest

jax = pytest.importorskip("jax")

import jax.numpy as jnp  # noqa: E402

import pgtheory as pg  # noqa: E402
from pgtheory import autodiff  # noqa: E402


@pytest.fixture(autouse=True, scope="module")
def x64():
    """64-bit JAX for this module only; the global setting is restored afterwards (other test
    modules, e.g. tests/test_mlp_policy.py, check what happens without it)."""
    before = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    yield
    jax.config.update("jax_enable_x64", before)

ESTIMATORS = ["total_return", "reward_to_go"]
TOL = 1e-12


def _problem(seed, discount=1.0):
    rng = np.random.default_rng(seed)
    mdp = pg.random_mdp(3, 2, 4, rng=rng, discount=discount)
    return mdp, rng.normal(size=(3, 2))


PROBLEMS = [(0, 1.0), (1, 0.9)]


@pytest.mark.parametrize("seed, discount", PROBLEMS)
@pytest.mark.parametrize("estimator", ESTIMATORS)
@pytest.mark.parametrize("baseline", [None, 0.7])
def test_value_and_grad_match_numpy(seed, discount, estimator, baseline):
    mdp, theta = _problem(seed, discount)
    traj = pg.sample_trajectories(mdp, theta, 40, rng=seed)
    weights = pg.surrogate_weights(traj, estimator=estimator, baseline=baseline)
    value, grad = jax.value_and_grad(autodiff.surrogate_loss)(theta, traj.states, traj.actions,
                                                              weights)
    assert abs(float(value) - pg.surrogate_loss(mdp, theta, traj, estimator=estimator,
                                                baseline=baseline)) < TOL
    estimate = pg.episode_gradients(mdp, theta, traj, estimator=estimator,
                                    baseline=baseline).mean(axis=0)
    assert np.abs(np.asarray(grad) + estimate).max() < TOL
    wrapped = autodiff.surrogate_gradient(mdp, theta, traj, estimator=estimator,
                                          baseline=baseline)
    assert isinstance(wrapped, np.ndarray) and wrapped.shape == theta.shape
    assert np.abs(wrapped + estimate).max() < TOL


@pytest.mark.parametrize("estimator", ESTIMATORS)
@pytest.mark.parametrize("baseline", [None, 2.0])
def test_grad_equals_the_mean_of_gradient_samples_with_the_same_seed(estimator, baseline):
    mdp = pg.chain_mdp()
    theta = np.tile([0.0, 1.0], (4, 1))
    traj = pg.sample_trajectories(mdp, theta, 500, rng=11)
    samples = pg.gradient_samples(mdp, theta, 500, rng=11, estimator=estimator,
                                  baseline=baseline)
    grad = autodiff.surrogate_gradient(mdp, theta, traj, estimator=estimator, baseline=baseline)
    assert np.abs(grad + samples.mean(axis=0)).max() < TOL


@pytest.mark.parametrize("seed, discount", PROBLEMS)
@pytest.mark.parametrize("estimator", ESTIMATORS)
@pytest.mark.parametrize("baseline", [None, -0.4, "optimal"])
def test_episode_gradients_mirror_numpy(seed, discount, estimator, baseline):
    mdp, theta = _problem(seed, discount)
    traj = pg.sample_trajectories(mdp, theta, 30, rng=seed + 3)
    mine = autodiff.episode_gradients(mdp, theta, traj, estimator=estimator, baseline=baseline)
    reference = pg.episode_gradients(mdp, theta, traj, estimator=estimator, baseline=baseline)
    assert mine.shape == reference.shape == (30, 3, 2)
    assert np.abs(mine - reference).max() < TOL


def test_batch_means_are_unbiased_for_the_exact_gradient():
    """M = 400 batches of N = 25 episodes; -grad L per batch, vmapped. Each coordinate's mean
    is within 4 standard errors of pg.exact_gradient: false alarm < 6 * 6.3e-5 = 4e-4 by the
    union bound over the 6 coordinates (normal approximation, 400 i.i.d. batch means)."""
    mdp, theta = _problem(2)
    n_batches, n_episodes = 400, 25
    traj = pg.sample_trajectories(mdp, theta, n_batches * n_episodes, rng=7)
    weights = pg.surrogate_weights(traj, estimator="reward_to_go", baseline=0.5)
    shape = (n_batches, n_episodes, mdp.horizon)
    grads = jax.vmap(jax.grad(autodiff.surrogate_loss), in_axes=(None, 0, 0, 0))(
        theta, traj.states.reshape(shape), traj.actions.reshape(shape), weights.reshape(shape))
    estimates = -np.asarray(grads)                                  # (M, S, A)
    se = estimates.std(axis=0, ddof=1) / np.sqrt(n_batches)
    z = (estimates.mean(axis=0) - pg.exact_gradient(mdp, theta)) / se
    assert np.abs(z).max() < 4


def test_stop_gradient_holds_weights_computed_from_theta_fixed():
    """Weights that depend on theta (a baseline from the current policy) are data inside
    surrogate_loss; differentiating through them, as a loss without stop_gradient does,
    gives another gradient."""
    mdp, theta = _problem(0)
    traj = pg.sample_trajectories(mdp, theta, 30, rng=1)
    to_go = pg.surrogate_weights(traj, estimator="reward_to_go")
    rewards = jnp.asarray(mdp.rewards)

    def weights_from(th):  # G_t - b(s_t), b(s) = expected immediate reward under pi_theta
        b = (jax.nn.softmax(th, axis=-1) * rewards).sum(axis=-1)
        return to_go - b[traj.states]

    held = jax.grad(lambda th: autodiff.surrogate_loss(th, traj.states, traj.actions,
                                                       weights_from(th)))(theta)
    fixed = np.asarray(weights_from(theta))
    expected = pg.score(theta, traj.states, traj.actions, weights=fixed).mean(axis=0)
    assert np.abs(np.asarray(held) + expected).max() < TOL

    def no_stop_gradient(th):
        log_probs = jax.nn.log_softmax(th, axis=-1)[traj.states, traj.actions]
        return -(log_probs * weights_from(th)).sum() / traj.n_episodes

    through = jax.grad(no_stop_gradient)(theta)
    assert np.abs(np.asarray(through) - np.asarray(held)).max() > 1e-3


def test_jit_gives_the_same_gradient():
    mdp, theta = _problem(1)
    traj = pg.sample_trajectories(mdp, theta, 20, rng=2)
    weights = pg.surrogate_weights(traj, estimator="reward_to_go")
    args = (theta, traj.states, traj.actions, weights)
    eager = jax.grad(autodiff.surrogate_loss)(*args)
    jitted = jax.jit(jax.grad(autodiff.surrogate_loss))(*args)
    assert np.abs(np.asarray(eager) - np.asarray(jitted)).max() < TOL


# --- bad input -----------------------------------------------------------------------------


def test_bad_input_names_the_argument():
    mdp, theta = _problem(0)
    traj = pg.sample_trajectories(mdp, theta, 6, rng=0)
    w = pg.surrogate_weights(traj)
    s, a = traj.states, traj.actions
    with pytest.raises(ValueError, match=r"weights has shape \(6, 3\)"):
        autodiff.surrogate_loss(theta, s, a, w[:, :3])
    with pytest.raises(ValueError, match=r"actions has shape \(5, 4\)"):
        autodiff.surrogate_loss(theta, s, a[:5], w)
    with pytest.raises(ValueError, match=r"states must have shape \(N, H\)"):
        autodiff.surrogate_loss(theta, s[0], a, w)
    with pytest.raises(TypeError, match="states must be an integer array"):
        autodiff.surrogate_loss(theta, s.astype(float), a, w)
    with pytest.raises(ValueError, match=r"theta must have shape \(S, A\)"):
        autodiff.surrogate_loss(theta.ravel(), s, a, w)
    with pytest.raises(ValueError, match="states.* must lie in"):
        autodiff.surrogate_loss(theta, s + 3, a, w)
    with pytest.raises(ValueError, match="weights must be finite"):
        autodiff.surrogate_loss(theta, s, a, np.full_like(w, np.nan))
    with pytest.raises(TypeError, match="log_policy must be a function"):
        autodiff.surrogate_loss(theta, s, a, w, log_policy="softmax")
    with pytest.raises(ValueError, match="instead of log-probabilities"):
        autodiff.surrogate_loss(theta, s, a, w, log_policy=lambda th: jax.nn.softmax(th, axis=-1))
    with pytest.raises(ValueError, match="instead of log-probabilities"):  # via the wrapper
        autodiff.surrogate_gradient(mdp, theta, traj,
                                    log_policy=lambda th: jax.nn.softmax(th, axis=-1))
    with pytest.raises(ValueError, match="each row must sum to 1"):  # raw logits, all < 0
        autodiff.surrogate_loss(theta - 10.0, s, a, w, log_policy=lambda th: th)
    with pytest.raises(ValueError, match="log_policy.* table"):
        autodiff.surrogate_loss(theta, s, a, w, log_policy=lambda th: th.ravel())
    with pytest.raises(ValueError, match="per coordinate"):
        autodiff.surrogate_gradient(mdp, theta, traj, baseline="optimal")
    with pytest.raises(ValueError, match="at least 2 episodes"):
        autodiff.episode_gradients(mdp, theta, pg.sample_trajectories(mdp, theta, 1, rng=0),
                                   baseline="optimal")
    with pytest.raises(ValueError, match=r"theta has shape \(3,\)"):
        autodiff.episode_gradients(mdp, theta[:, 0], traj)
    with pytest.raises(TypeError, match="trajectories must be a Trajectories"):
        autodiff.surrogate_gradient(mdp, theta, (s, a))
    with pytest.raises(ValueError, match="do not come from this mdp"):
        autodiff.surrogate_gradient(pg.random_mdp(3, 2, 5, rng=0), theta, traj)


def test_float32_jax_is_refused_with_instructions():
    mdp, theta = _problem(0)
    traj = pg.sample_trajectories(mdp, theta, 4, rng=0)
    jax.config.update("jax_enable_x64", False)
    try:
        with pytest.raises(RuntimeError, match="jax_enable_x64"):
            autodiff.surrogate_gradient(mdp, theta, traj)
    finally:
        jax.config.update("jax_enable_x64", True)


def test_pgtheory_alone_does_not_import_jax_but_autodiff_does():
    code = ("import sys, pgtheory; assert 'jax' not in sys.modules; "
            "import pgtheory.autodiff; assert 'jax' in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)
