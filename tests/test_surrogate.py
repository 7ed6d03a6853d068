"""Tests for pgtheory.surrogate: the weights, the loss and its gradient, importance sampling.

The references are independent of the code under test: per-step Python loops, central finite
differences of the loss, and exact expectations by enumerating every trajectory.
"""

import subprocess
import sys

import numpy as np
import pytest

import pgtheory as pg

ESTIMATORS = ["total_return", "reward_to_go"]


def _problem(seed, discount=1.0):
    """A random MDP with S=3, A=2, H=3 (216 trajectories) and random logits."""
    rng = np.random.default_rng(seed)
    mdp = pg.random_mdp(3, 2, 3, rng=rng, discount=discount)
    return mdp, rng.normal(size=(3, 2))


PROBLEMS = [(0, 1.0), (1, 0.9)]


def _slow_weights(trajectories, estimator, baseline):
    """Psi by definition, one episode and one step at a time."""
    n, horizon = trajectories.states.shape
    gamma = trajectories.discount
    weights = np.zeros((n, horizon))
    for i in range(n):
        r = trajectories.rewards[i]
        for t in range(horizon):
            start = 0 if estimator == "total_return" else t
            weights[i, t] = sum(gamma**u * r[u] for u in range(start, horizon))
            weights[i, t] -= 0.0 if baseline is None else baseline
    return weights


def _slow_loss(theta, trajectories, weights):
    """-(1/N) sum_n sum_t log pi(a_t | s_t) Psi_t with log pi from its definition."""
    total = 0.0
    for i in range(trajectories.n_episodes):
        for t in range(trajectories.horizon):
            s, a = trajectories.states[i, t], trajectories.actions[i, t]
            log_pi = theta[s, a] - np.log(np.exp(theta[s]).sum())
            total += log_pi * weights[i, t]
    return -total / trajectories.n_episodes


# --- weights and value ----------------------------------------------------------------------


def test_weights_by_hand():
    trajectories = pg.Trajectories(np.zeros((2, 3), int), np.zeros((2, 3), int),
                                   np.array([[1.0, 2.0, 3.0], [0.0, -1.0, 4.0]]))
    np.testing.assert_array_equal(pg.surrogate_weights(trajectories),
                                  [[6.0, 6.0, 6.0], [3.0, 3.0, 3.0]])
    np.testing.assert_array_equal(
        pg.surrogate_weights(trajectories, estimator="reward_to_go", baseline=1.0),
        [[5.0, 4.0, 2.0], [2.0, 2.0, 3.0]])


@pytest.mark.parametrize("seed, discount", PROBLEMS)
@pytest.mark.parametrize("estimator", ESTIMATORS)
@pytest.mark.parametrize("baseline", [None, 0.7])
def test_weights_and_loss_match_their_definitions(seed, discount, estimator, baseline):
    mdp, theta = _problem(seed, discount)
    trajectories = pg.sample_trajectories(mdp, theta, 25, rng=seed)
    weights = pg.surrogate_weights(trajectories, estimator=estimator, baseline=baseline)
    np.testing.assert_allclose(weights, _slow_weights(trajectories, estimator, baseline),
                               rtol=1e-13, atol=1e-13)
    other = np.random.default_rng(9).normal(size=theta.shape)  # L at any theta, Psi fixed
    loss = pg.surrogate_loss(mdp, other, trajectories, estimator=estimator, baseline=baseline)
    assert isinstance(loss, float)
    assert loss == pytest.approx(_slow_loss(other, trajectories, weights), rel=1e-12, abs=1e-12)


def test_the_value_shifts_with_the_baseline_but_the_expected_gradient_does_not():
    mdp, theta = _problem(0)
    trajectories = pg.sample_trajectories(mdp, theta, 40, rng=0)
    plain = pg.surrogate_loss(mdp, theta, trajectories)
    shifted = pg.surrogate_loss(mdp, theta, trajectories, baseline=5.0)
    log_p = pg.log_softmax_policy(theta)[trajectories.states, trajectories.actions].sum(axis=1)
    # L_b - L_0 = (b / N) sum_n log p_theta(tau_n) (policy part): any number, sign included.
    assert shifted - plain == pytest.approx(5.0 * log_p.mean(), rel=1e-12)


# --- the gradient: eq. surrogate-gradient ---------------------------------------------------


@pytest.mark.parametrize("seed, discount", PROBLEMS)
@pytest.mark.parametrize("estimator", ESTIMATORS)
@pytest.mark.parametrize("baseline", [None, -1.3])
def test_finite_differences_of_the_loss_are_minus_the_estimate(seed, discount, estimator,
                                                                baseline):
    """The theorem of the chapter: grad L at the sampling theta is -g_hat, checked against
    finite differences of the VALUE of L and pg.episode_gradients' mean."""
    mdp, theta = _problem(seed, discount)
    trajectories = pg.sample_trajectories(mdp, theta, 30, rng=seed + 10)
    numeric = pg.finite_difference_gradient(
        lambda th: pg.surrogate_loss(mdp, th, trajectories, estimator=estimator,
                                     baseline=baseline), theta)
    estimate = pg.episode_gradients(mdp, theta, trajectories, estimator=estimator,
                                    baseline=baseline).mean(axis=0)
    analytic = pg.surrogate_gradient(mdp, theta, trajectories, estimator=estimator,
                                     baseline=baseline)
    np.testing.assert_allclose(numeric, -estimate, atol=1e-8)
    np.testing.assert_allclose(analytic, numeric, atol=1e-8)


def test_gradient_away_from_the_sampling_theta_is_still_the_gradient_of_the_loss():
    mdp, theta = _problem(1)
    trajectories = pg.sample_trajectories(mdp, theta, 30, rng=4)
    other = theta + np.random.default_rng(5).normal(size=theta.shape)
    numeric = pg.finite_difference_gradient(
        lambda th: pg.surrogate_loss(mdp, th, trajectories, estimator="reward_to_go"), other)
    analytic = pg.surrogate_gradient(mdp, other, trajectories, estimator="reward_to_go")
    np.testing.assert_allclose(analytic, numeric, atol=1e-8)


# --- importance sampling -------------------------------------------------------------------


@pytest.mark.parametrize("seed, discount", PROBLEMS)
def test_importance_sampled_return_is_unbiased_by_enumeration(seed, discount):
    """E_{p_old}[J_IS(theta)] = J(theta) exactly: sum over every trajectory of p_old."""
    mdp, theta_old = _problem(seed, discount)
    theta = theta_old + np.random.default_rng(seed + 1).normal(size=theta_old.shape)
    trajectories, probabilities = pg.enumerate_trajectories(mdp, theta_old)
    per_trajectory = np.array([
        pg.importance_sampled_return(mdp, theta, _one(trajectories, k), theta_old=theta_old)
        for k in range(trajectories.n_episodes)])
    assert probabilities @ per_trajectory == pytest.approx(pg.expected_return(mdp, theta),
                                                           rel=1e-12)


@pytest.mark.parametrize("seed, discount", PROBLEMS)
def test_importance_sampled_gradient_is_unbiased_by_enumeration(seed, discount):
    mdp, theta_old = _problem(seed, discount)
    theta = theta_old + np.random.default_rng(seed + 2).normal(size=theta_old.shape)
    trajectories, probabilities = pg.enumerate_trajectories(mdp, theta_old)
    per_trajectory = np.array([
        pg.importance_sampled_gradient(mdp, theta, _one(trajectories, k), theta_old=theta_old)
        for k in range(trajectories.n_episodes)])
    np.testing.assert_allclose(np.einsum("k,kij->ij", probabilities, per_trajectory),
                               pg.exact_gradient(mdp, theta), atol=1e-12)


def _one(trajectories, k):
    return pg.Trajectories(trajectories.states[k:k + 1], trajectories.actions[k:k + 1],
                           trajectories.rewards[k:k + 1], trajectories.discount)


def test_importance_sampled_gradient_is_the_derivative_of_the_return_and_reward_to_go_at_old():
    mdp, theta_old = _problem(1, 0.9)
    trajectories = pg.sample_trajectories(mdp, theta_old, 40, rng=3)
    theta = theta_old + 0.5
    theta[0, 1] -= 1.0
    numeric = pg.finite_difference_gradient(
        lambda th: pg.importance_sampled_return(mdp, th, trajectories, theta_old=theta_old),
        theta)
    np.testing.assert_allclose(
        pg.importance_sampled_gradient(mdp, theta, trajectories, theta_old=theta_old),
        numeric, atol=1e-8)
    at_old = pg.importance_sampled_gradient(mdp, theta_old, trajectories, theta_old=theta_old)
    reward_to_go = pg.episode_gradients(mdp, theta_old, trajectories,
                                        estimator="reward_to_go").mean(axis=0)
    np.testing.assert_allclose(at_old, reward_to_go, atol=1e-12)
    assert pg.importance_sampled_return(mdp, theta_old, trajectories, theta_old=theta_old) \
        == pytest.approx(trajectories.returns.mean(), rel=1e-12)


# --- the leave-one-out optimal baseline, exposed for autodiff -------------------------------


def test_leave_one_out_optimal_baseline_by_definition_and_in_the_estimate():
    mdp, theta = _problem(0)
    trajectories = pg.sample_trajectories(mdp, theta, 12, rng=1)
    y = pg.episode_gradients(mdp, theta, trajectories)
    b = pg.score(theta, trajectories.states, trajectories.actions)
    baseline = pg.leave_one_out_optimal_baseline(y, b)
    for i in range(12):
        others = np.arange(12) != i
        num, den = (y[others] * b[others]).sum(0), (b[others] ** 2).sum(0)
        expected = np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)
        np.testing.assert_allclose(baseline[i], expected, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(
        y - baseline * b, pg.episode_gradients(mdp, theta, trajectories, baseline="optimal"),
        atol=1e-12)
    with pytest.raises(ValueError, match="share one shape"):
        pg.leave_one_out_optimal_baseline(y, b[:, :1])
    with pytest.raises(ValueError, match="at least 2 episodes"):
        pg.leave_one_out_optimal_baseline(y[:1], b[:1])


# --- angles --------------------------------------------------------------------------------


def test_angle_between_known_angles():
    assert pg.angle_between([1.0, 0.0], [2.0, 0.0]) == 0.0
    assert pg.angle_between([[1.0, 0.0]], [[0.0, 3.0]]) == pytest.approx(90.0)
    assert pg.angle_between([1.0, 1.0], [1.0, 0.0]) == pytest.approx(45.0)
    assert pg.angle_between([1.0, 2.0], [-1.0, -2.0]) == pytest.approx(180.0)
    with pytest.raises(ValueError, match="same shape"):
        pg.angle_between([1.0, 0.0], [1.0, 0.0, 0.0])
    with pytest.raises(ValueError, match="v is the zero vector"):
        pg.angle_between([1.0, 0.0], [0.0, 0.0])
    with pytest.raises(ValueError, match="finite"):
        pg.angle_between([np.nan, 0.0], [1.0, 0.0])


# --- bad input -----------------------------------------------------------------------------


def test_bad_input_names_the_argument():
    mdp, theta = _problem(0)
    trajectories = pg.sample_trajectories(mdp, theta, 5, rng=0)
    with pytest.raises(ValueError, match="per coordinate"):
        pg.surrogate_weights(trajectories, baseline="optimal")
    with pytest.raises(ValueError, match="baseline must be None or a real number"):
        pg.surrogate_loss(mdp, theta, trajectories, baseline="leave_one_out_mean")
    with pytest.raises(TypeError, match="baseline"):
        pg.surrogate_loss(mdp, theta, trajectories, baseline=True)
    with pytest.raises(ValueError, match="estimator"):
        pg.surrogate_gradient(mdp, theta, trajectories, estimator="reward-to-go")
    with pytest.raises(ValueError, match=r"theta has shape \(2, 3\)"):
        pg.surrogate_loss(mdp, np.zeros((2, 3)), trajectories)
    with pytest.raises(TypeError, match="trajectories must be a Trajectories"):
        pg.surrogate_weights(trajectories.states)
    with pytest.raises(TypeError, match="mdp must be a TabularMDP"):
        pg.surrogate_loss("chain", theta, trajectories)
    other = pg.sample_trajectories(pg.random_mdp(3, 2, 4, rng=0), theta, 5, rng=0)
    with pytest.raises(ValueError, match="horizon 4; expected mdp.horizon = 3"):
        pg.surrogate_gradient(mdp, theta, other)
    discounted = pg.Trajectories(trajectories.states, trajectories.actions,
                                 trajectories.rewards, 0.5)
    with pytest.raises(ValueError, match="discount"):
        pg.surrogate_loss(mdp, theta, discounted)
    out_of_range = pg.Trajectories(trajectories.states + 5, trajectories.actions,
                                   trajectories.rewards)
    with pytest.raises(ValueError, match=r"trajectories.states\[0, 0\] is 5"):
        pg.surrogate_loss(mdp, theta, out_of_range)
    with pytest.raises(ValueError, match="theta_old"):
        pg.importance_sampled_return(mdp, theta, trajectories, theta_old=np.zeros(3))
    with pytest.raises(TypeError, match="theta_old"):
        pg.importance_sampled_gradient(mdp, theta, trajectories)  # theta_old is required


def test_import_pgtheory_does_not_import_jax():
    code = "import sys, pgtheory; assert 'jax' not in sys.modules, 'jax was imported'"
    subprocess.run([sys.executable, "-c", code], check=True)
