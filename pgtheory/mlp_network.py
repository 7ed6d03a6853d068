"""A small neural-network softmax policy in JAX: the network, its surrogate loss and one update.

The section on a neural-network policy of book/surrogate replaces the linear
logits x . W of :mod:`pgtheory.linear_policy` by a multilayer perceptron
(MLP) with tanh hidden layers,

    h_0 = x,   h_l = tanh(h_{l-1} W_l + b_l)  (l = 1..L-1),   logits = h_{L-1} W_L + b_L,
    pi_theta(a | x) = softmax(logits)_a,       theta = ((W_1, b_1), ..., (W_L, b_L)),

and lets ``jax.grad`` compute the score instead of a formula. The gradient
estimate is the gradient of the surrogate loss (eq. `surrogate-loss` (book/surrogate))

    L(theta) = -(1/N) sum_n sum_{t=1}^{T_n} log pi_theta(a^n_t | x^n_t) Psi^n_t,

with the weights Psi held fixed (``jax.lax.stop_gradient``), so that
grad L = -g_hat (eq. `cartpole-estimator` (book/cartpole)): minimising L with
any optimizer (``optax.sgd``, ``optax.adam``) is gradient ascent on J. The
agent loop on CartPole-v1 that uses these functions is :mod:`pgtheory.mlp_policy`,
which also re-exports every name of this module (the chapter imports them from there).

With a network with no hidden layer, ``layer_sizes = (d, A)``, the policy is
the linear softmax policy with weights ``W = vstack([W_1, b_1])`` on the
features ``add_bias(x)``; the tests use this to check the gradient against
:func:`pgtheory.linear_episode_gradients`.

Randomness: every function that draws takes a JAX PRNG key (``jax.random.key``)
and returns the next key, as in CleanRL's JAX agents. Precision: every array is
created with an explicit dtype, so float32 parameters stay float32 when
``jax_enable_x64`` is on; parameters of ``dtype="float64"`` need the flag.

This module, :mod:`pgtheory.mlp_policy` and :mod:`pgtheory.autodiff` are the only
modules of pgtheory that import JAX; ``import pgtheory`` imports none of them.
Install with ``pip install pgtheory[jax]``.

References
----------
Williams, R. J. (1992). Simple statistical gradient-following algorithms for
connectionist reinforcement learning. Machine Learning 8, 229-256.
Huang, S. et al. (2022). CleanRL: high-quality single-file implementations
of deep reinforcement learning algorithms. JMLR 23(274), 1-18.
"""

from __future__ import annotations

import functools
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

from ._validation import as_finite_array, check_positive_int

__all__ = [
    "OUTPUT_SCALE",
    "Params",
    "init_mlp",
    "mlp_logits",
    "mlp_log_probs",
    "sample_actions",
    "surrogate_loss",
    "make_update_step",
]

#: The output layer's initial weights are this many times smaller than the hidden layers', so
#: the initial policy is within about 1% of uniform, as the linear policy's W = 0 is.
OUTPUT_SCALE = 0.01


Params = list[tuple[jax.Array, jax.Array]]


# --- validation -----------------------------------------------------------------------------


def _is_traced(x: Any) -> bool:
    return isinstance(x, jax.core.Tracer)


def _check_key(key: Any) -> jax.Array:
    dtype = getattr(key, "dtype", None)
    typed = dtype is not None and jax.dtypes.issubdtype(dtype, jax.dtypes.prng_key)
    if not typed or np.shape(key) != ():
        raise TypeError(
            "key must be a single JAX PRNG key, e.g. jax.random.key(0); got "
            f"{type(key).__name__} with dtype {dtype} and shape {np.shape(key)}"
        )
    return key


def _check_dtype(dtype: Any) -> np.dtype:
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"dtype must be 'float32' or 'float64'; got {dtype!r}") from None
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"dtype must be 'float32' or 'float64'; got {dtype}")
    if dtype == np.float64 and not jax.config.jax_enable_x64:
        raise ValueError(
            "dtype float64 needs 64-bit JAX: run jax.config.update('jax_enable_x64', True) "
            "first (otherwise JAX silently computes in float32)"
        )
    return dtype


def _check_params(params: Any) -> tuple[int, int, np.dtype]:
    """Return (input size d, number of actions A, dtype) of a valid parameter list."""
    if not isinstance(params, (list, tuple)) or len(params) == 0:
        raise TypeError(
            "params must be a nonempty list of (W, b) pairs, as init_mlp returns; got "
            f"{type(params).__name__}"
        )
    width, dtype = None, None
    for layer, pair in enumerate(params):
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise TypeError(f"params[{layer}] must be a pair (W, b); got {type(pair).__name__}")
        W, b = (jnp.asarray(p) if not hasattr(p, "shape") else p for p in pair)
        if W.ndim != 2 or b.shape != W.shape[1:]:
            raise ValueError(
                f"params[{layer}] has W of shape {W.shape} and b of shape {b.shape}; "
                "expected W: (m, n) and b: (n,)"
            )
        if width is not None and W.shape[0] != width:
            raise ValueError(
                f"params[{layer}][0] has shape {W.shape}; its first axis must be {width}, "
                "the width of the layer before"
            )
        if dtype is not None and (W.dtype != dtype or b.dtype != dtype):
            raise TypeError(f"params[{layer}] has dtype {W.dtype}; every array must be {dtype}")
        dtype = np.dtype(W.dtype) if dtype is None else dtype
        if dtype not in (np.float32, np.float64) or b.dtype != dtype:
            raise TypeError(f"params must be float32 or float64 arrays; got {W.dtype}, {b.dtype}")
        width = W.shape[1]
    return int(params[0][0].shape[0]), int(width), dtype


def _check_observations(observations: Any, d: int, dtype: np.dtype, ndim: int | None = None,
                        axes: str = "(..., d)") -> Any:
    if _is_traced(observations):
        x = observations
    else:
        x = as_finite_array(observations, "observations")
    if x.ndim == 0 or x.shape[-1] != d or (ndim is not None and x.ndim != ndim):
        raise ValueError(
            f"observations has shape {x.shape}; expected {axes} with d = {d} to match "
            "params[0][0].shape[0]"
        )
    return x.astype(dtype) if _is_traced(x) else np.asarray(x, dtype=dtype)


def _check_batch(params: Any, observations: Any, actions: Any, weights: Any,
                 mask: Any) -> tuple[Any, Any, Any, Any]:
    """Validate the (N, T, ...) arrays of a batch of padded episodes; see surrogate_loss."""
    d, n_actions, dtype = _check_params(params)
    x = _check_observations(observations, d, dtype, ndim=3, axes="(N, T, d)")
    shape = x.shape[:2]
    for name, value in (("actions", actions), ("weights", weights), ("mask", mask)):
        if np.shape(value) != shape:
            raise ValueError(f"{name} has shape {np.shape(value)}; expected (N, T) = {shape}")
    mask_dtype, actions_dtype = (np.dtype(v.dtype if hasattr(v, "dtype") else np.asarray(v).dtype)
                                 for v in (mask, actions))
    if mask_dtype.kind != "b":
        raise TypeError(f"mask must be a boolean array (N, T); got dtype {mask_dtype}")
    if actions_dtype.kind not in "iu":
        raise TypeError(f"actions must be an integer array (N, T); got dtype {actions_dtype}")
    if not _is_traced(actions) and not _is_traced(mask):
        a, m = np.asarray(actions), np.asarray(mask)
        bad = m & ((a < 0) | (a >= n_actions))
        if bad.any():
            n, t = (int(i) for i in np.argwhere(bad)[0])
            raise ValueError(f"actions[{n}, {t}] is {a[n, t]}; actions must lie in "
                             f"[0, {n_actions})")
    if _is_traced(weights) or _is_traced(mask):
        weights = jnp.asarray(weights).astype(dtype)
    else:
        weights = np.asarray(as_finite_array(np.where(np.asarray(mask), weights, 0.0),
                                             "weights"), dtype=dtype)
    return x, actions, weights, mask


# --- the policy -----------------------------------------------------------------------------


def init_mlp(key: Any, layer_sizes: Any, *, dtype: Any = "float32") -> Params:
    """Initial parameters of an MLP policy with the given layer sizes.

    Hidden layers: W_l ~ Normal(0, 1/m) entrywise, m = the layer's input size
    (LeCun's initialisation, which keeps tanh units out of saturation), and
    b_l = 0. The output layer is scaled by :data:`OUTPUT_SCALE` more, so the
    initial policy is nearly uniform.

    Parameters
    ----------
    key : JAX PRNG key
        ``jax.random.key(seed)``.
    layer_sizes : sequence of int, length L + 1 >= 2
        ``(d, n_1, ..., n_{L-1}, A)``: input size d, hidden widths, number of
        actions A. ``(d, A)`` is the linear softmax policy.
    dtype : "float32" or "float64"

    Returns
    -------
    list of L pairs (W_l, b_l), W_l : (n_{l-1}, n_l), b_l : (n_l,)
    """
    key = _check_key(key)
    if isinstance(layer_sizes, (str, bytes)) or not hasattr(layer_sizes, "__len__"):
        raise TypeError(f"layer_sizes must be a sequence of ints; got {layer_sizes!r}")
    sizes = [check_positive_int(n, f"layer_sizes[{i}]") for i, n in enumerate(layer_sizes)]
    if len(sizes) < 2:
        raise ValueError(f"layer_sizes must hold at least (d, A); got {tuple(layer_sizes)}")
    if sizes[-1] < 2:
        raise ValueError(f"layer_sizes[-1] is the number of actions A >= 2; got {sizes[-1]}")
    dtype = _check_dtype(dtype)
    params = []
    for layer, (m, n) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        key, subkey = jax.random.split(key)
        scale = (OUTPUT_SCALE if layer == len(sizes) - 2 else 1.0) / float(np.sqrt(m))
        W = scale * jax.random.normal(subkey, (m, n), dtype=dtype)
        params.append((W, jnp.zeros(n, dtype=dtype)))
    return params


def _logits(params: Params, x: jax.Array) -> jax.Array:
    h = x
    for W, b in params[:-1]:
        h = jnp.tanh(h @ W + b)
    W, b = params[-1]
    return h @ W + b


def mlp_logits(params: Params, observations: Any) -> jax.Array:
    """The MLP's logits, see the module docstring.

    Parameters
    ----------
    params : list of (W, b)
        As :func:`init_mlp` returns.
    observations : array_like(float), shape (..., d)
        Cast to the parameters' dtype.

    Returns
    -------
    jax.Array, shape (..., A)
    """
    d, _, dtype = _check_params(params)
    return _logits(params, _check_observations(observations, d, dtype))


def mlp_log_probs(params: Params, observations: Any) -> jax.Array:
    """log pi_theta(a | x) for every observation, by a stable log-softmax of the logits.

    ``jax.nn.log_softmax`` subtracts the largest logit before exponentiating
    (the max-shifted log-sum-exp of :func:`pgtheory.linear_log_probs`), so
    logits of any size give finite log-probabilities; never
    ``log(softmax(...))``, which gives log 0 = -inf when a probability
    underflows.

    Parameters
    ----------
    params : list of (W, b)
    observations : array_like(float), shape (..., d)

    Returns
    -------
    jax.Array, shape (..., A)
    """
    return jax.nn.log_softmax(mlp_logits(params, observations), axis=-1)


@jax.jit
def _sample_actions(params: Params, x: jax.Array, key: jax.Array) -> tuple[jax.Array, jax.Array]:
    key, subkey = jax.random.split(key)
    return jax.random.categorical(subkey, _logits(params, x), axis=-1), key


def sample_actions(params: Params, observations: Any, key: Any) -> tuple[np.ndarray, jax.Array]:
    """Draw a_i ~ pi_theta(. | x_i) for every row of ``observations`` (jitted).

    Parameters
    ----------
    params : list of (W, b)
    observations : array_like(float), shape (n, d)
    key : JAX PRNG key

    Returns
    -------
    actions : ndarray(int64), shape (n,)
    key : JAX PRNG key
        The key to use for the next draw (``key`` itself is used up).
    """
    d, _, dtype = _check_params(params)
    x = _check_observations(observations, d, dtype, ndim=2, axes="(n, d)")
    actions, key = _sample_actions(params, x, _check_key(key))
    return np.asarray(actions, dtype=np.int64), key


# --- the loss whose gradient is -g_hat ----------------------------------------------------


def surrogate_loss(params: Params, observations: Any, actions: Any, weights: Any,
                   mask: Any) -> jax.Array:
    """L(theta) = -(1/N) sum_n sum_t log pi_theta(a^n_t | x^n_t) Psi^n_t, with Psi held fixed.

    Implements eq. `surrogate-loss` (book/surrogate). Its gradient is minus
    the REINFORCE estimate g_hat of eq. `cartpole-estimator`
    (book/cartpole): the average is over the N **episodes** (each contributes
    the sum over its own steps), not over the pooled steps. ``weights``
    passes through ``jax.lax.stop_gradient``: if a caller computes Psi from
    theta (a learned baseline, say), differentiating L still treats Psi as
    the constant it is in the estimator.

    Parameters
    ----------
    params : list of (W, b)
    observations : array_like(float), shape (N, T, d)
        Padded episodes; ``observations[n, t-1]`` = x_t of episode n.
    actions : array_like(int), shape (N, T)
    weights : array_like(float), shape (N, T)
        Psi^n_t, e.g. from :func:`pgtheory.masked_step_weights`.
    mask : array_like(bool), shape (N, T)
        True on each episode's steps; padded entries are ignored.

    Returns
    -------
    jax.Array, shape ()

    Notes
    -----
    Inside ``jax.jit`` only shapes and dtypes are checked (values are not
    known when the function is traced); :func:`make_update_step` checks the
    values before it calls the compiled step.
    """
    x, actions, weights, mask = _check_batch(params, observations, actions, weights, mask)
    log_probs = mlp_log_probs(params, x)                                       # (N, T, A)
    taken = jnp.take_along_axis(log_probs, jnp.where(mask, actions, 0)[..., None],
                                axis=-1)[..., 0]                               # (N, T)
    weights = jax.lax.stop_gradient(weights)          # Psi is data, not a function of theta
    return -jnp.sum(jnp.where(mask, taken * weights, 0.0)) / x.shape[0]      # 1/N: episodes


def _one_per_optimizer(factory: Any) -> Any:
    """Memoise ``factory(optimizer)`` by the optimizer's identity: one compilation for each."""
    made: dict[int, tuple[Any, Any]] = {}

    @functools.wraps(factory)
    def cached(optimizer: Any) -> Any:
        if id(optimizer) not in made:
            made[id(optimizer)] = (optimizer, factory(optimizer))  # keeps the optimizer alive
        return made[id(optimizer)][1]

    return cached


@_one_per_optimizer
def make_update_step(optimizer: optax.GradientTransformation) -> Any:
    """A jitted update: one step of ``optimizer`` on L, i.e. ascent along g_hat.

    Parameters
    ----------
    optimizer : optax.GradientTransformation
        ``optax.sgd(learning_rate)`` is theta <- theta + alpha g_hat, the
        update of eq. `reinforce-update` (book/reinforce); ``optax.adam``
        divides each coordinate's step by a running estimate of its gradient's
        magnitude.

    Returns
    -------
    callable
        ``update_step(params, opt_state, observations, actions, weights, mask)
        -> (params, opt_state, loss)``, the arguments as in
        :func:`surrogate_loss`, ``opt_state = optimizer.init(params)``, and
        ``loss`` the surrogate loss before the step. The same optimizer object
        gives the same function, compiled once per array shape: pad every
        batch to the same T (the horizon).
    """
    if not isinstance(optimizer, optax.GradientTransformation):
        raise TypeError("optimizer must be an optax.GradientTransformation, e.g. "
                        f"optax.adam(1e-2); got {type(optimizer).__name__}")

    @jax.jit
    def step(params, opt_state, observations, actions, weights, mask):
        loss, grads = jax.value_and_grad(surrogate_loss)(params, observations, actions,
                                                         weights, mask)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss

    def update_step(params, opt_state, observations, actions, weights, mask):
        batch = _check_batch(params, observations, actions, weights, mask)  # values: not in jit
        return step(params, opt_state, *batch)

    return update_step
