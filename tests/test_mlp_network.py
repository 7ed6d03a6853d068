"""Tests for pgtheory.mlp_network: the JAX MLP policy, its surrogate loss and one update step.

Independent references: a numpy forward pass (tanh layers, then pgtheory's linear softmax), the
linear policy's closed-form episode gradients, central finite differences and per-step scores.
"""

import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from jax.flatten_util import ravel_pytree

import pgtheory as pg
from pgtheory.mlp_network import (
    init_mlp,
    make_update_step,
    mlp_log_probs,
    sample_actions,
    surrogate_loss,
)


@pytest.fixture
def x64():
    """64-bit JAX for the duration of one test (the references are float64)."""
    with jax.enable_x64(True):
        yield


def _random_params(rng, sizes, scale=1.0):
    """float64 parameters with O(1) logits (init_mlp's are nearly uniform by design)."""
    return [(jnp.asarray(scale * rng.standard_normal((m, n))), jnp.asarray(rng.standard_normal(n)))
            for m, n in zip(sizes[:-1], sizes[1:], strict=True)]


def _numpy_log_probs(params, x):
    """Independent reference: tanh layers in numpy, then pgtheory's linear softmax on them."""
    h = np.asarray(x, dtype=float)
    for W, b in params[:-1]:
        h = np.tanh(h @ np.asarray(W) + np.asarray(b))
    W, b = params[-1]
    return pg.linear_log_probs(np.vstack([np.asarray(W), np.asarray(b)]), pg.add_bias(h))


def _random_batch(rng, lengths, d=4, n_actions=3):
    """Padded episodes whose padding holds garbage (NaN observations, action -1)."""
    mask = pg.length_mask(np.asarray(lengths))
    n, t = mask.shape
    x = rng.standard_normal((n, t, d))
    actions = rng.integers(0, n_actions, size=(n, t))
    rewards = rng.standard_normal((n, t))
    x[~mask], actions[~mask], rewards[~mask] = np.nan, -1, np.nan
    weights = pg.masked_step_weights(rewards, mask, estimator="reward_to_go",
                                     baseline="leave_one_out_mean")
    return np.where(mask[..., None], x, 0.0), actions, weights, mask, x


# --- the policy -----------------------------------------------------------------------------


def test_importing_pgtheory_does_not_import_jax():
    # JAX is optional: only pgtheory.mlp_network, mlp_policy and autodiff import it.
    code = ("import sys, pgtheory, pgtheory.cartpole, pgtheory.gym_env, pgtheory.viz; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'jax', 'jaxlib', 'optax'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_log_probs_are_normalised_and_match_a_numpy_reference(x64):
    rng = np.random.default_rng(0)
    params = _random_params(rng, (4, 8, 5, 3))
    x = rng.standard_normal((6, 7, 4))
    log_probs = np.asarray(mlp_log_probs(params, x))
    assert log_probs.shape == (6, 7, 3) and log_probs.dtype == np.float64
    assert np.abs(np.exp(log_probs).sum(axis=-1) - 1.0).max() < 1e-12
    assert np.abs(log_probs - _numpy_log_probs(params, x)).max() < 1e-12
    # float32 parameters: the same numbers to float32 precision
    params32 = [(W.astype(jnp.float32), b.astype(jnp.float32)) for W, b in params]
    log_probs32 = np.asarray(mlp_log_probs(params32, x))
    assert log_probs32.dtype == np.float32
    assert np.abs(log_probs32 - log_probs).max() < 1e-5


def test_log_probs_are_finite_for_huge_logits(x64):
    rng = np.random.default_rng(1)
    params = _random_params(rng, (4, 3), scale=1e4)     # logits of order 1e4
    x = rng.standard_normal((50, 4))
    log_probs = np.asarray(mlp_log_probs(params, x))
    with np.errstate(divide="ignore"):
        naive = np.log(np.asarray(jax.nn.softmax(x @ params[0][0] + params[0][1])))
    assert np.isinf(naive).any(), "the case must defeat log(softmax(.))"
    assert np.isfinite(log_probs).all() and (log_probs <= 0).all()
    assert np.allclose(log_probs, _numpy_log_probs(params, x), rtol=1e-12, atol=1e-9)


def test_init_shapes_dtype_near_uniform_policy_and_reproducibility():
    params = init_mlp(jax.random.key(0), (4, 256, 2))
    assert [(W.shape, b.shape) for W, b in params] == [((4, 256), (256,)), ((256, 2), (2,))]
    assert all(W.dtype == jnp.float32 and b.dtype == jnp.float32 for W, b in params)
    assert all(not np.asarray(b).any() for _, b in params)
    # hidden weights ~ Normal(0, 1/4): from 1024 draws the sample standard deviation has a
    # standard error of 0.5 / sqrt(2 * 1024) = 0.011; 0.05 is 4.5 of them (false alarm ~7e-6)
    assert abs(float(np.std(params[0][0])) - 0.5) < 0.05
    x = np.random.default_rng(2).normal(size=(100, 4))
    probs = np.exp(np.asarray(mlp_log_probs(params, x)))
    assert np.abs(probs - 0.5).max() < 0.05          # output layer scaled by OUTPUT_SCALE
    again = init_mlp(jax.random.key(0), (4, 256, 2))
    other = init_mlp(jax.random.key(1), (4, 256, 2))
    assert all(np.array_equal(W, V) for (W, _), (V, _) in zip(params, again, strict=True))
    assert not np.array_equal(params[0][0], other[0][0])


def test_no_hidden_layer_is_the_linear_softmax_policy(x64):
    rng = np.random.default_rng(3)
    params = _random_params(rng, (4, 3))
    W_linear = np.vstack([np.asarray(params[0][0]), np.asarray(params[0][1])])  # (d + 1, A)
    x = rng.standard_normal((5, 4))
    assert np.allclose(mlp_log_probs(params, x), pg.linear_log_probs(W_linear, pg.add_bias(x)),
                       rtol=0, atol=1e-12)


# --- the surrogate loss ---------------------------------------------------------------------


def test_surrogate_gradient_is_minus_the_linear_episode_average(x64):
    # With no hidden layer, grad L must be -g_hat of eq. cartpole-estimator, computed by the
    # independent numpy formula x ⊗ (e_a - pi) of pgtheory.linear_policy.
    rng = np.random.default_rng(4)
    params = _random_params(rng, (4, 3))
    x, actions, weights, mask, _ = _random_batch(rng, [1, 4, 2, 7, 3])
    rewards = rng.standard_normal(mask.shape)
    weights = pg.masked_step_weights(rewards, mask, estimator="reward_to_go",
                                     baseline="leave_one_out_mean")
    (grad_W, grad_b), = jax.grad(surrogate_loss)(params, x, actions, weights, mask)
    W_linear = np.vstack([np.asarray(params[0][0]), np.asarray(params[0][1])])
    g_hat = pg.episodic_gradient(W_linear, pg.add_bias(x), np.where(mask, actions, 0), rewards,
                                 mask, baseline="leave_one_out_mean")
    assert np.abs(np.vstack([grad_W, grad_b]) + g_hat).max() < 1e-12


def test_surrogate_gradient_matches_finite_differences_and_per_step_scores(x64):
    rng = np.random.default_rng(5)
    params = _random_params(rng, (4, 5, 3))
    x, actions, weights, mask, _ = _random_batch(rng, [3, 6, 1, 4])
    flat, unravel = ravel_pytree(params)
    loss = jax.jit(lambda v: surrogate_loss(unravel(v), x, actions, weights, mask))
    grad = np.asarray(jax.grad(loss)(flat))
    # central differences, h = 1e-5: truncation ~h^2 |L'''| and rounding ~eps |L| / h, both < 1e-8
    numeric = pg.finite_difference_gradient(lambda v: float(loss(jnp.asarray(v))), np.asarray(flat))
    assert np.abs(grad - numeric).max() < 1e-7
    # -(1/N) sum_n sum_{t <= T_n} Psi_t grad log pi(a_t | x_t), from the Jacobian of log pi
    jacobian = jax.jacrev(lambda v: mlp_log_probs(unravel(v), x))(flat)        # (N, T, A, P)
    scores = np.take_along_axis(np.asarray(jacobian), np.where(mask, actions, 0)[..., None, None],
                                axis=2)[:, :, 0]                                # (N, T, P)
    expected = -np.einsum("nt,ntp->p", np.where(mask, weights, 0.0), scores) / mask.shape[0]
    assert np.abs(grad - expected).max() < 1e-12


def test_padding_is_never_read(x64):
    rng = np.random.default_rng(6)
    params = _random_params(rng, (4, 5, 3))
    x, actions, weights, mask, x_garbage = _random_batch(rng, [2, 5, 3])
    assert (actions[~mask] == -1).all()               # out of range, but padding
    loss, grad = jax.value_and_grad(surrogate_loss)(params, x, actions, weights, mask)
    x_other = np.where(mask[..., None], x, 1e3)
    weights_other = np.where(mask, weights, np.nan)
    loss2, grad2 = jax.value_and_grad(surrogate_loss)(params, x_other, np.where(mask, actions, 2),
                                                      weights_other, mask)
    assert loss == loss2
    assert all(np.array_equal(a, b) for a, b in zip(jax.tree.leaves(grad), jax.tree.leaves(grad2),
                                                    strict=True))
    with pytest.raises(ValueError, match="observations"):       # NaN on padding is not data
        surrogate_loss(params, x_garbage, actions, weights, mask)


def test_stop_gradient_makes_weights_computed_from_theta_count_as_data(x64):
    # Psi_theta = Psi - 50 pi_theta(0 | x): a baseline that depends on theta, as a critic
    # sharing the network would. surrogate_loss must give the gradient with Psi frozen at its
    # value; the same loss without stop_gradient adds a term and differs.
    rng = np.random.default_rng(7)
    params = _random_params(rng, (4, 5, 3))
    x, actions, weights, mask, _ = _random_batch(rng, [4, 2, 5])

    def psi(p):
        return weights - 50.0 * jnp.exp(mlp_log_probs(p, x)[..., 0])

    frozen = np.asarray(psi(params))
    grad = jax.grad(lambda p: surrogate_loss(p, x, actions, psi(p), mask))(params)
    grad_frozen = jax.grad(surrogate_loss)(params, x, actions, frozen, mask)

    def loss_without_stop_gradient(p):
        taken = jnp.take_along_axis(mlp_log_probs(p, x), np.where(mask, actions, 0)[..., None],
                                    axis=-1)[..., 0]
        return -jnp.sum(jnp.where(mask, taken * psi(p), 0.0)) / x.shape[0]

    grad_naive = jax.grad(loss_without_stop_gradient)(params)
    leaves, frozen_leaves, naive_leaves = (np.concatenate([np.ravel(a) for a in
                                                           jax.tree.leaves(g)])
                                           for g in (grad, grad_frozen, grad_naive))
    assert np.abs(leaves - frozen_leaves).max() < 1e-12
    assert np.abs(naive_leaves - frozen_leaves).max() > 0.1 * np.abs(frozen_leaves).max()


def test_sgd_update_step_is_theta_plus_alpha_g_hat():
    # float32 training parameters against the float64 numpy estimate: agreement to ~1e-6.
    rng = np.random.default_rng(8)
    params = [(jnp.asarray(rng.standard_normal((4, 2)), jnp.float32), jnp.zeros(2, jnp.float32))]
    x, actions, _, mask, _ = _random_batch(rng, [5, 2, 8], n_actions=2)
    rewards = np.where(mask, 1.0, 0.0)
    weights = pg.masked_step_weights(rewards, mask, estimator="reward_to_go",
                                     baseline="leave_one_out_mean")
    optimizer = optax.sgd(0.01)
    update_step = make_update_step(optimizer)
    assert make_update_step(optimizer) is update_step      # one compilation per optimizer
    new_params, _, loss = update_step(params, optimizer.init(params), x, actions, weights, mask)
    W_linear = np.vstack([np.asarray(params[0][0]), np.zeros(2)])
    g_hat = pg.episodic_gradient(W_linear, pg.add_bias(x), np.where(mask, actions, 0), rewards,
                                 mask, baseline="leave_one_out_mean")
    step = np.vstack([np.asarray(new_params[0][0]), np.asarray(new_params[0][1])]) - W_linear
    assert np.allclose(step, 0.01 * g_hat, rtol=1e-4, atol=1e-6)
    assert np.isclose(loss, surrogate_loss(params, x, actions, weights, mask))


def test_sampled_action_frequencies_match_the_policy():
    # 20,000 draws for each of 3 observations; 9 frequencies each within 4.5 SE: chance
    # failure about 9 x 7e-6 = 6e-5 (normal approximation), at this fixed key.
    params = [(jnp.array([[1.0, -1.0, 0.0], [0.5, 0.0, -0.5]], jnp.float32),
               jnp.array([0.0, 0.3, 0.0], jnp.float32))]
    rows = np.array([[0.0, 0.0], [1.0, 0.0], [-0.5, 2.0]], np.float32)
    actions, key = sample_actions(params, np.repeat(rows, 20_000, axis=0), jax.random.key(3))
    assert actions.dtype == np.int64 and actions.shape == (60_000,)
    probs = np.exp(np.asarray(mlp_log_probs(params, rows), dtype=float))
    for row in range(3):
        freq = np.bincount(actions[row * 20_000:(row + 1) * 20_000], minlength=3) / 20_000
        se = np.sqrt(probs[row] * (1 - probs[row]) / 20_000)
        assert np.all(np.abs(freq - probs[row]) < 4.5 * se)
    again, key_again = sample_actions(params, np.repeat(rows, 20_000, axis=0), jax.random.key(3))
    assert np.array_equal(actions, again)
    assert np.array_equal(jax.random.key_data(key), jax.random.key_data(key_again))
    assert not np.array_equal(jax.random.key_data(key), jax.random.key_data(jax.random.key(3)))


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: init_mlp(0, (4, 2)), TypeError, "key"),
        (lambda: init_mlp(jax.random.PRNGKey(0), (4, 2)), TypeError, "key"),
        (lambda: init_mlp(jax.random.key(0), (4,)), ValueError, "layer_sizes"),
        (lambda: init_mlp(jax.random.key(0), (4, 0, 2)), ValueError, r"layer_sizes\[1\]"),
        (lambda: init_mlp(jax.random.key(0), (4, 1)), ValueError, "number of actions"),
        (lambda: init_mlp(jax.random.key(0), (4, 2), dtype="int32"), ValueError, "dtype"),
        (lambda: init_mlp(jax.random.key(0), (4, 2), dtype="float64"), ValueError,
         "jax_enable_x64"),
        (lambda: mlp_log_probs("weights", np.zeros(4)), TypeError, "params"),
        (lambda: mlp_log_probs([(np.zeros((4, 3)), np.zeros(3)), (np.zeros((2, 2)), np.zeros(2))],
                               np.zeros(4)), ValueError, r"params\[1\]\[0\]"),
        (lambda: mlp_log_probs([(np.zeros((4, 3)), np.zeros(2))], np.zeros(4)), ValueError,
         r"params\[0\]"),
        (lambda: mlp_log_probs(init_mlp(jax.random.key(0), (4, 2)), np.zeros((3, 5))),
         ValueError, "observations has shape"),
        (lambda: mlp_log_probs(init_mlp(jax.random.key(0), (4, 2)), [np.nan, 0, 0, 0]),
         ValueError, "finite"),
        (lambda: sample_actions(init_mlp(jax.random.key(0), (4, 2)), np.zeros((3, 4)), 1),
         TypeError, "key"),
        (lambda: make_update_step("adam"), TypeError, "optimizer"),
    ],
)
def test_bad_input_is_refused_with_a_message_naming_it(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_bad_batches_are_refused():
    rng = np.random.default_rng(9)
    params = init_mlp(jax.random.key(0), (4, 3))
    x, actions, weights, mask, _ = _random_batch(rng, [3, 2])
    bad_actions = actions.copy()
    bad_actions[0, 1] = 3
    cases = [
        ((x, bad_actions, weights, mask), ValueError, r"actions\[0, 1\] is 3"),
        ((x, actions.astype(float), weights, mask), TypeError, "actions"),
        ((x, actions, weights, mask.astype(int)), TypeError, "mask"),
        ((x, actions, weights[:, :2], mask), ValueError, "weights has shape"),
        ((x, actions, np.where(mask, np.inf, 0.0), mask), ValueError, "weights"),
        ((x[0], actions, weights, mask), ValueError, r"\(N, T, d\)"),
    ]
    for args, error, match in cases:
        with pytest.raises(error, match=match):
            surrogate_loss(params, *args)
