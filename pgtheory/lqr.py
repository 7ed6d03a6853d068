r"""The linear quadratic regulator with a linear-Gaussian policy: exact cost, gradient, optimum.

The problem of the chapter ``book/lqr``. States :math:`x_t \in \mathbb R^n`, actions
:math:`u_t \in \mathbb R^m`, for :math:`t = 1, 2, \dots`:

.. math::

    x_1 \sim \mathcal N(0, \Sigma_1), \qquad
    u_t = K x_t + \sigma \odot \varepsilon_t, \qquad
    x_{t+1} = A x_t + B u_t + w_t, \qquad
    c_t = x_t^\top Q x_t + u_t^\top R u_t,

with :math:`\varepsilon_t \sim \mathcal N(0, I_m)`, :math:`w_t \sim \mathcal N(0, W)`, all
independent, and :math:`\sigma = \exp(\texttt{log\_std})`. The objective is the expected
discounted cost, eq. ``lqr-objective``,

.. math::

    C(K, \sigma) = \mathbb E\Big[\sum_{t \ge 1} \gamma^{t-1} c_t\Big], \qquad 0 < \gamma < 1 .

Write :math:`A_K = A + BK`, :math:`Q_K = Q + K^\top R K`,
:math:`\Sigma_u = \operatorname{diag}(\sigma^2)` and :math:`W_K = W + B \Sigma_u B^\top` (the
noise the closed loop feels). Everything is exact through two discrete Lyapunov equations
(eq. ``lqr-lyapunov`` and eq. ``lqr-value``):

.. math::

    \Sigma_K = \bar\Sigma + \gamma A_K \Sigma_K A_K^\top, \quad
    \bar\Sigma = \Sigma_1 + \tfrac{\gamma}{1-\gamma} W_K ; \qquad
    P_K = Q_K + \gamma A_K^\top P_K A_K ,

where :math:`\Sigma_K = \sum_t \gamma^{t-1}\,\mathbb E[x_t x_t^\top]`. Then (eq. ``lqr-cost``)

.. math::

    C = \operatorname{tr}(Q_K \Sigma_K) + \frac{\operatorname{tr}(R\Sigma_u)}{1-\gamma}
      = \operatorname{tr}(P_K \bar\Sigma) + \frac{\operatorname{tr}(R\Sigma_u)}{1-\gamma},

finite exactly when the spectral radius :math:`\rho(\sqrt\gamma A_K) < 1`, and
(eq. ``lqr-gradient``)

.. math::

    \nabla_K C = 2\big[(R + \gamma B^\top P_K B) K + \gamma B^\top P_K A\big] \Sigma_K,
    \qquad
    \frac{\partial C}{\partial \log\sigma_i}
      = \frac{2\sigma_i^2\,(R + \gamma B^\top P_K B)_{ii}}{1-\gamma} .

Fazel et al. [1]_ derive :math:`\nabla_K C` for deterministic policies without process noise or
discounting (their Lemma 1); the chapter derives this noisy, stochastic-policy, discounted version.
The optimal gain solves the discounted Riccati equation (eq. ``lqr-riccati``) and does not
depend on :math:`\sigma`, :math:`W` or :math:`\Sigma_1` (:func:`pgtheory.lqr_optimal_gain`, in
:mod:`pgtheory.lqr_riccati`).

Lyapunov equations are solved without SciPy by :func:`pgtheory.discrete_lyapunov`.

References
----------
.. [1] M. Fazel, R. Ge, S. Kakade and M. Mesbahi, "Global convergence of policy gradient
   methods for the linear quadratic regulator", ICML 2018, PMLR 80, 1467-1476.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ._validation import as_finite_array, check_instance, check_positive_int, check_real
from .lyapunov import discrete_lyapunov, spectral_radius

__all__ = [
    "LQR",
    "lqr_value_matrix",
    "lqr_state_covariance",
    "lqr_state_covariances",
    "lqr_cost",
    "lqr_gradient",
]

#: Relative tolerance for symmetry and for the sign of eigenvalues of Q, R and covariances.
_MATRIX_RTOL = 1e-10


# --- validation -------------------------------------------------------------------------------


def _square(value: Any, name: str, size: int | None = None) -> np.ndarray:
    """``value`` as a finite float (size, size) copy; any nonempty square shape if size is None."""
    array = as_finite_array(value, name, ndim=2, copy=True)
    expected = array.shape[0] if size is None else size
    if expected == 0 or array.shape != (expected, expected):
        what = "a nonempty square matrix" if size is None else f"shape ({size}, {size}), n = {size}"
        raise ValueError(f"{name} has shape {array.shape}; expected {what}")
    return array


def _symmetric(array: np.ndarray, name: str, definite: bool) -> None:
    """Raise unless ``array`` is symmetric and positive semidefinite (definite if asked)."""
    scale = max(1.0, float(np.abs(array).max()))
    asymmetry = np.abs(array - array.T)
    if asymmetry.max() > _MATRIX_RTOL * scale:
        i, j = (int(k) for k in np.unravel_index(np.argmax(asymmetry), array.shape))
        raise ValueError(f"{name} must be symmetric; {name}[{i}, {j}] = {array[i, j]:.6g} but "
                         f"{name}[{j}, {i}] = {array[j, i]:.6g}")
    smallest = float(np.linalg.eigvalsh(array).min())
    if definite and smallest <= _MATRIX_RTOL * scale:
        raise ValueError(f"{name} must be positive definite; its smallest eigenvalue is "
                         f"{smallest:.6g}")
    if not definite and smallest < -_MATRIX_RTOL * scale:
        raise ValueError(f"{name} must be positive semidefinite; its smallest eigenvalue is "
                         f"{smallest:.6g}")


@dataclass(frozen=True, eq=False)
class LQR:
    r"""A discounted linear quadratic regulator with Gaussian noise, eq. ``lqr-dynamics``.

    Parameters
    ----------
    A : array_like(float), shape (n, n)
        Dynamics of the state.
    B : array_like(float), shape (n, m)
        Effect of the action.
    Q : array_like(float), shape (n, n)
        State cost, symmetric positive semidefinite.
    R : array_like(float), shape (m, m)
        Action cost, symmetric positive definite.
    initial_covariance : array_like(float), shape (n, n)
        :math:`\Sigma_1`, covariance of :math:`x_1 \sim \mathcal N(0, \Sigma_1)`; symmetric
        positive semidefinite.
    noise_covariance : array_like(float), shape (n, n), optional
        :math:`W`, covariance of the process noise :math:`w_t`; symmetric positive
        semidefinite. ``None`` (default) means no process noise, :math:`W = 0`.
    discount : float
        :math:`\gamma` in (0, 1), default 0.99.

    Raises
    ------
    TypeError
        If an array is not real-valued or ``discount`` is not a real number.
    ValueError
        If a shape is wrong, an entry is not finite, a matrix that must be symmetric is not
        (the message names the entry), Q or a covariance has a negative eigenvalue or R a
        nonpositive one (the message gives the smallest eigenvalue), or ``discount`` is not
        in (0, 1).

    Notes
    -----
    Arrays are stored as read-only float copies. Symmetry and signs of eigenvalues are
    checked with the relative tolerance 1e-10 of the largest entry (at least 1).
    """

    A: np.ndarray
    B: np.ndarray
    Q: np.ndarray
    R: np.ndarray
    initial_covariance: np.ndarray
    noise_covariance: np.ndarray | None = None
    discount: float = 0.99

    def __post_init__(self) -> None:
        a = _square(self.A, "A")
        n = a.shape[0]
        b = as_finite_array(self.B, "B", ndim=2, copy=True)
        if b.shape[0] != n or b.shape[1] == 0:
            raise ValueError(f"B has shape {b.shape}; expected (n, m) with n = {n} rows (as A) "
                             "and m >= 1 columns")
        m = b.shape[1]
        q = _square(self.Q, "Q", n)
        _symmetric(q, "Q", definite=False)
        r = _square(self.R, "R", m)
        _symmetric(r, "R", definite=True)
        initial = _square(self.initial_covariance, "initial_covariance", n)
        _symmetric(initial, "initial_covariance", definite=False)
        if self.noise_covariance is None:
            noise = np.zeros((n, n))
        else:
            noise = _square(self.noise_covariance, "noise_covariance", n)
            _symmetric(noise, "noise_covariance", definite=False)
        discount = check_real(self.discount, "discount", low=0.0, high=1.0,
                              low_inclusive=False, high_inclusive=False)
        for name, array in (("A", a), ("B", b), ("Q", q), ("R", r),
                            ("initial_covariance", initial), ("noise_covariance", noise)):
            array.flags.writeable = False
            object.__setattr__(self, name, array)
        object.__setattr__(self, "discount", discount)

    @property
    def n_states(self) -> int:
        """State dimension n."""
        return self.A.shape[0]

    @property
    def n_actions(self) -> int:
        """Action dimension m."""
        return self.B.shape[1]

    def closed_loop_radius(self, gain: Any) -> float:
        r"""Spectral radius :math:`\rho(\sqrt\gamma\,(A + BK))`; the cost is finite iff < 1.

        Parameters
        ----------
        gain : array_like(float), shape (m, n)
        """
        gain = self.check_gain(gain)
        return spectral_radius(np.sqrt(self.discount) * _closed_loop(self, gain))

    def check_gain(self, gain: Any, name: str = "gain") -> np.ndarray:
        """Return ``gain`` as a finite float array of shape (m, n), or raise naming ``name``."""
        gain = as_finite_array(gain, name, ndim=2)
        shape = (self.n_actions, self.n_states)
        if gain.shape != shape:
            raise ValueError(f"{name} has shape {gain.shape}; expected (m, n) = {shape}")
        return gain

    def check_log_std(self, log_std: Any) -> np.ndarray:
        """Return ``log_std`` as a finite float array of shape (m,), or raise."""
        log_std = as_finite_array(log_std, "log_std", ndim=1)
        if log_std.shape != (self.n_actions,):
            raise ValueError(f"log_std has shape {log_std.shape}; expected (m,) = "
                             f"({self.n_actions},), one entry per action dimension")
        return log_std

    def check_stable_gain(self, gain: Any, name: str = "gain") -> np.ndarray:
        r"""Like :meth:`check_gain`, and raise ``ValueError`` if the cost of ``gain`` is infinite.

        The discounted cost is finite exactly when :math:`\rho(\sqrt\gamma(A + BK)) < 1`; the
        message gives the radius.
        """
        gain = self.check_gain(gain, name)
        radius = self.closed_loop_radius(gain)
        if radius >= 1.0:
            raise ValueError(
                f"{name} does not stabilize the discounted closed loop: the spectral radius of "
                f"sqrt(discount) * (A + B @ {name}) is {radius:.6g} >= 1, so the expected "
                "discounted cost is infinite"
            )
        return gain


# --- exact cost and gradient --------------------------------------------------------------------


def _closed_loop(lqr: LQR, gain: np.ndarray) -> np.ndarray:
    """A_K = A + B K."""
    return lqr.A + lqr.B @ gain


def _gain_cost(lqr: LQR, gain: np.ndarray) -> np.ndarray:
    """Q_K = Q + K^T R K, the state cost of the closed loop."""
    return lqr.Q + gain.T @ lqr.R @ gain


def _closed_loop_noise(lqr: LQR, variances: np.ndarray) -> np.ndarray:
    """W_K = W + B diag(sigma^2) B^T, the noise the closed loop feels."""
    return lqr.noise_covariance + (lqr.B * variances) @ lqr.B.T


def _value_matrix(lqr: LQR, gain: np.ndarray) -> np.ndarray:
    """P_K = Q_K + gamma A_K^T P_K A_K (eq. lqr-value) for a validated, stabilizing gain."""
    return discrete_lyapunov(np.sqrt(lqr.discount) * _closed_loop(lqr, gain).T,
                             _gain_cost(lqr, gain))


def _parts(lqr: LQR, gain: np.ndarray, log_std: np.ndarray) -> dict[str, np.ndarray]:
    """P_K, Sigma_K and the pieces of eq. lqr-cost for a validated, stabilizing gain."""
    g = lqr.discount
    variances = np.exp(2.0 * log_std)
    sigma_bar = lqr.initial_covariance + g / (1.0 - g) * _closed_loop_noise(lqr, variances)
    covariance = discrete_lyapunov(np.sqrt(g) * _closed_loop(lqr, gain), sigma_bar)
    return {"variances": variances, "value": _value_matrix(lqr, gain), "covariance": covariance,
            "sigma_bar": sigma_bar, "noise_cost": float(np.diag(lqr.R) @ variances) / (1.0 - g)}


def lqr_value_matrix(lqr: LQR, gain: Any) -> np.ndarray:
    r"""The value matrix :math:`P_K`, eq. ``lqr-value`` (book/lqr).

    :math:`P_K = Q_K + \gamma A_K^\top P_K A_K` with :math:`Q_K = Q + K^\top R K`,
    :math:`A_K = A + BK`: the discounted cost of the noise-free closed loop started at
    :math:`x` is :math:`x^\top P_K x`.

    Parameters
    ----------
    lqr : LQR
    gain : array_like(float), shape (m, n)
        A stabilizing gain, :math:`\rho(\sqrt\gamma A_K) < 1`.

    Returns
    -------
    ndarray(float), shape (n, n)
        Symmetric positive semidefinite.
    """
    lqr = check_instance(lqr, LQR, "lqr", "an")
    gain = lqr.check_stable_gain(gain)
    return _value_matrix(lqr, gain)


def lqr_state_covariance(lqr: LQR, gain: Any, log_std: Any) -> np.ndarray:
    r"""Discounted state covariance :math:`\Sigma_K = \sum_t \gamma^{t-1} \mathbb E[x_t x_t^\top]`.

    Implements eq. ``lqr-lyapunov`` (book/lqr): :math:`\Sigma_K = \bar\Sigma + \gamma A_K
    \Sigma_K A_K^\top` with :math:`\bar\Sigma = \Sigma_1 + \frac{\gamma}{1-\gamma}(W + B
    \operatorname{diag}(\sigma^2) B^\top)`.

    Parameters
    ----------
    lqr : LQR
    gain : array_like(float), shape (m, n)
        A stabilizing gain.
    log_std : array_like(float), shape (m,)

    Returns
    -------
    ndarray(float), shape (n, n)
    """
    lqr = check_instance(lqr, LQR, "lqr", "an")
    gain = lqr.check_stable_gain(gain)
    return _parts(lqr, gain, lqr.check_log_std(log_std))["covariance"]


def lqr_state_covariances(lqr: LQR, gain: Any, log_std: Any, horizon: int) -> np.ndarray:
    r"""The covariances :math:`\Sigma_t = \mathbb E[x_t x_t^\top]` for t = 1..H, step by step.

    :math:`\Sigma_{t+1} = A_K \Sigma_t A_K^\top + W + B\operatorname{diag}(\sigma^2)B^\top`
    (eq. ``lqr-covariance-step``, book/lqr). No stability is needed.

    Parameters
    ----------
    lqr : LQR
    gain : array_like(float), shape (m, n)
    log_std : array_like(float), shape (m,)
    horizon : int
        H >= 1.

    Returns
    -------
    ndarray(float), shape (H, n, n)
        Row ``t - 1`` is :math:`\Sigma_t`.
    """
    lqr = check_instance(lqr, LQR, "lqr", "an")
    gain = lqr.check_gain(gain)
    log_std = lqr.check_log_std(log_std)
    horizon = check_positive_int(horizon, "horizon")
    closed = _closed_loop(lqr, gain)
    w_gain = _closed_loop_noise(lqr, np.exp(2.0 * log_std))
    out = np.empty((horizon, lqr.n_states, lqr.n_states))
    out[0] = lqr.initial_covariance
    for t in range(horizon - 1):
        out[t + 1] = closed @ out[t] @ closed.T + w_gain
    return out


def lqr_cost(lqr: LQR, gain: Any, log_std: Any, *, horizon: int | None = None) -> float:
    r"""The exact expected discounted cost :math:`C(K, \sigma)`, eq. ``lqr-cost`` (book/lqr).

    Parameters
    ----------
    lqr : LQR
    gain : array_like(float), shape (m, n)
        :math:`K`. For ``horizon=None`` it must stabilize the discounted closed loop,
        :math:`\rho(\sqrt\gamma(A + BK)) < 1`.
    log_std : array_like(float), shape (m,)
        :math:`\log\sigma`.
    horizon : int, optional
        ``None`` (default): the infinite-horizon cost
        :math:`\operatorname{tr}(P_K\bar\Sigma) + \operatorname{tr}(R\Sigma_u)/(1-\gamma)`.
        An int H: the truncated cost :math:`C_H = \sum_{t=1}^{H} \gamma^{t-1}\mathbb E[c_t]`
        with :math:`\mathbb E[c_t] = \operatorname{tr}(Q_K\Sigma_t) +
        \operatorname{tr}(R\Sigma_u)`, summed step by step (:func:`lqr_state_covariances`).

    Returns
    -------
    float

    Raises
    ------
    ValueError
        For ``horizon=None`` and a gain whose cost is infinite (the message gives the
        spectral radius), or bad shapes.
    """
    lqr = check_instance(lqr, LQR, "lqr", "an")
    if horizon is not None:
        covariances = lqr_state_covariances(lqr, gain, log_std, horizon)
        gain, log_std = lqr.check_gain(gain), lqr.check_log_std(log_std)
        per_step = np.einsum("ij,tji->t", _gain_cost(lqr, gain), covariances)
        per_step += float(np.diag(lqr.R) @ np.exp(2.0 * log_std))
        return float(lqr.discount ** np.arange(covariances.shape[0]) @ per_step)
    gain = lqr.check_stable_gain(gain)
    parts = _parts(lqr, gain, lqr.check_log_std(log_std))
    return float(np.sum(parts["value"] * parts["sigma_bar"])) + parts["noise_cost"]


def lqr_gradient(lqr: LQR, gain: Any, log_std: Any) -> tuple[np.ndarray, np.ndarray]:
    r"""The exact gradient of :math:`C(K, \sigma)` in the gain and in ``log_std``.

    Implements eq. ``lqr-gradient`` (book/lqr):

    .. math::

        \nabla_K C = 2\,E_K \Sigma_K, \quad E_K = (R + \gamma B^\top P_K B) K
        + \gamma B^\top P_K A; \qquad
        \frac{\partial C}{\partial\log\sigma_i}
        = \frac{2\sigma_i^2 (R + \gamma B^\top P_K B)_{ii}}{1-\gamma},

    with :math:`P_K` from :func:`lqr_value_matrix` and :math:`\Sigma_K` from
    :func:`lqr_state_covariance`. This extends Lemma 1 of Fazel et al. (2018) to process
    noise, a Gaussian (stochastic) policy and discounting.

    Parameters
    ----------
    lqr : LQR
    gain : array_like(float), shape (m, n)
        A stabilizing gain.
    log_std : array_like(float), shape (m,)

    Returns
    -------
    d_gain : ndarray(float), shape (m, n)
    d_log_std : ndarray(float), shape (m,)

    Raises
    ------
    ValueError
        For a gain whose cost is infinite (the message gives the spectral radius).
    """
    lqr = check_instance(lqr, LQR, "lqr", "an")
    gain = lqr.check_stable_gain(gain)
    parts = _parts(lqr, gain, lqr.check_log_std(log_std))
    g, value = lqr.discount, parts["value"]
    curvature = lqr.R + g * lqr.B.T @ value @ lqr.B  # R + gamma B^T P_K B: (m, m)
    e_gain = curvature @ gain + g * lqr.B.T @ value @ lqr.A
    d_gain = 2.0 * e_gain @ parts["covariance"]
    d_log_std = 2.0 * parts["variances"] * np.diag(curvature) / (1.0 - g)
    return d_gain, d_log_std
