r"""Gaussian policies: log-density and score, for the mean and the log standard deviation.

A diagonal Gaussian over m-dimensional actions has mean :math:`\mu \in \mathbb R^m` and
standard deviations :math:`\sigma = \exp(\ell)`, one per action dimension, where
:math:`\ell` is ``log_std``. Writing an action through its standardized noise,
:math:`u = \mu + \sigma \odot \varepsilon` with :math:`\varepsilon \sim \mathcal N(0, I_m)`,

.. math::

    \log \pi(u) = \sum_{i=1}^{m} \Big( -\tfrac12 \varepsilon_i^2 - \ell_i
                  - \tfrac12 \log 2\pi \Big), \qquad
    \varepsilon_i = \frac{u_i - \mu_i}{\sigma_i},

and its gradients, eq. ``lqr-gaussian-score`` (book/lqr), are

.. math::

    \frac{\partial \log \pi(u)}{\partial \mu_i} = \frac{u_i - \mu_i}{\sigma_i^2}
      = \frac{\varepsilon_i}{\sigma_i},
    \qquad
    \frac{\partial \log \pi(u)}{\partial \ell_i} = \varepsilon_i^2 - 1 .

The first is the one-dimensional score of eq. ``gaussian-score`` (book/likelihood_ratio),
one action dimension at a time; :mod:`pgtheory.gaussian_bandit` uses this module's
:func:`gaussian_log_prob_grad` for it, so the formula is written once.

The **linear-Gaussian policy** of the LQR chapter has mean :math:`\mu = K x` for a state
:math:`x \in \mathbb R^n` and a gain matrix :math:`K` of shape (m, n); by the chain rule
:math:`\partial \log\pi / \partial K_{ij} = (\varepsilon_i / \sigma_i)\, x_j`, the outer
product of the mean score with the state (:func:`linear_gaussian_log_prob_grad`).

References
----------
.. [1] R. J. Williams, "Simple statistical gradient-following algorithms for connectionist
   reinforcement learning", Machine Learning 8, 229-256, 1992 (Gaussian units, sec. 6).
.. [2] R. S. Sutton and A. G. Barto, "Reinforcement Learning: An Introduction", 2nd ed.,
   MIT Press, 2018, sec. 13.7 (policy parameterization for continuous actions).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._validation import as_finite_array

__all__ = [
    "gaussian_log_density",
    "gaussian_log_prob_grad",
    "linear_gaussian_log_prob",
    "linear_gaussian_log_prob_grad",
]

_LOG_2PI = float(np.log(2.0 * np.pi))


def _check_log_std(log_std: Any) -> np.ndarray:
    log_std = as_finite_array(log_std, "log_std", ndim=1)
    if log_std.size == 0:
        raise ValueError("log_std must have shape (m,) with m >= 1; got shape (0,)")
    return log_std


def _check_last_axis(array: np.ndarray, name: str, size: int, what: str) -> None:
    if array.ndim == 0 or array.shape[-1] != size:
        raise ValueError(
            f"{name} has shape {array.shape}; expected (..., {size}) with the last axis {what}"
        )


def gaussian_log_prob_grad(noise: Any, std: Any) -> tuple[np.ndarray, np.ndarray]:
    r"""Score of a diagonal Gaussian for its mean and its log standard deviation.

    Implements eq. ``lqr-gaussian-score`` (book/lqr); in one dimension the mean part is
    eq. ``gaussian-score`` (book/likelihood_ratio).

    Parameters
    ----------
    noise : array_like(float), shape (..., m)
        Standardized actions :math:`\varepsilon = (u - \mu) / \sigma`. Passing the noise
        rather than the action avoids the cancellation in :math:`u - \mu` when
        :math:`|\mu| \gg \sigma`.
    std : array_like(float), shape (m,) or broadcastable to ``noise``
        Standard deviations :math:`\sigma > 0`.

    Returns
    -------
    d_mean : ndarray(float), shape (..., m)
        :math:`\partial \log \pi / \partial \mu = \varepsilon / \sigma`.
    d_log_std : ndarray(float), shape (..., m)
        :math:`\partial \log \pi / \partial \log\sigma = \varepsilon^2 - 1`; it does not
        involve :math:`\sigma`.

    Raises
    ------
    ValueError
        If an entry is not finite, ``std`` is not positive or the shapes do not broadcast.
    """
    noise = as_finite_array(noise, "noise")
    std = as_finite_array(std, "std")
    if np.any(std <= 0):
        flat = np.atleast_1d(std)
        index = tuple(int(i) for i in np.argwhere(flat <= 0)[0])
        where = ", ".join(str(i) for i in index)
        raise ValueError(f"std[{where}] is {flat[index]}; every standard deviation must be > 0")
    try:
        d_mean = noise / std
    except ValueError as error:
        raise ValueError(f"noise of shape {noise.shape} and std of shape {std.shape} do "
                         "not broadcast") from error
    return d_mean, np.broadcast_to(noise * noise - 1.0, d_mean.shape).copy()


def gaussian_log_density(actions: Any, mean: Any, log_std: Any) -> np.ndarray:
    r"""Log-density of a diagonal Gaussian, summed over the action dimensions.

    .. math::

        \log \pi(u) = \sum_{i=1}^m \Big(-\frac{(u_i - \mu_i)^2}{2\sigma_i^2} - \log\sigma_i
        - \frac12 \log 2\pi\Big), \qquad \sigma = \exp(\texttt{log\_std}).

    Parameters
    ----------
    actions : array_like(float), shape (..., m)
    mean : array_like(float), shape (..., m)
        Broadcastable against ``actions``.
    log_std : array_like(float), shape (m,)

    Returns
    -------
    ndarray(float), shape (...)
    """
    log_std = _check_log_std(log_std)
    actions = as_finite_array(actions, "actions")
    mean = as_finite_array(mean, "mean")
    m = log_std.size
    _check_last_axis(actions, "actions", m, "indexing the m = len(log_std) action dimensions")
    _check_last_axis(mean, "mean", m, "indexing the m = len(log_std) action dimensions")
    noise = (actions - mean) / np.exp(log_std)
    return np.sum(-0.5 * noise * noise - log_std - 0.5 * _LOG_2PI, axis=-1)


def _check_linear(gain: Any, log_std: Any, states: Any, actions: Any):
    log_std = _check_log_std(log_std)
    gain = as_finite_array(gain, "gain", ndim=2)
    m = log_std.size
    if gain.shape[0] != m or gain.shape[1] == 0:
        raise ValueError(f"gain has shape {gain.shape}; expected (m, n) with m = {m} rows "
                         "(one per entry of log_std) and n >= 1")
    states = as_finite_array(states, "states")
    actions = as_finite_array(actions, "actions")
    _check_last_axis(states, "states", gain.shape[1], "indexing the n = gain.shape[1] state "
                     "dimensions")
    _check_last_axis(actions, "actions", m, "indexing the m = gain.shape[0] action dimensions")
    if states.shape[:-1] != actions.shape[:-1]:
        raise ValueError(f"states has shape {states.shape} and actions {actions.shape}; their "
                         "leading (batch) axes must agree")
    return gain, log_std, states, actions


def linear_gaussian_log_prob(gain: Any, log_std: Any, states: Any, actions: Any) -> np.ndarray:
    r"""Log-probability density :math:`\log \pi_{K,\sigma}(u \mid x)` of the linear-Gaussian policy.

    The policy is :math:`u = K x + \sigma \odot \varepsilon`, eq. ``lqr-policy`` (book/lqr).

    Parameters
    ----------
    gain : array_like(float), shape (m, n)
        The gain :math:`K`.
    log_std : array_like(float), shape (m,)
        :math:`\log \sigma`.
    states : array_like(float), shape (..., n)
    actions : array_like(float), shape (..., m)
        Same leading axes as ``states``.

    Returns
    -------
    ndarray(float), shape (...)
    """
    gain, log_std, states, actions = _check_linear(gain, log_std, states, actions)
    return gaussian_log_density(actions, states @ gain.T, log_std)


def linear_gaussian_log_prob_grad(
    gain: Any, log_std: Any, states: Any, actions: Any
) -> tuple[np.ndarray, np.ndarray]:
    r"""The score of the linear-Gaussian policy for the gain and the log standard deviation.

    Implements eq. ``lqr-policy-score`` (book/lqr): with
    :math:`\varepsilon = (u - Kx)/\sigma`,

    .. math::

        \nabla_K \log \pi(u \mid x) = (\varepsilon / \sigma)\, x^\top, \qquad
        \nabla_{\log\sigma} \log \pi(u \mid x) = \varepsilon^2 - 1 .

    Parameters
    ----------
    gain : array_like(float), shape (m, n)
    log_std : array_like(float), shape (m,)
    states : array_like(float), shape (..., n)
    actions : array_like(float), shape (..., m)

    Returns
    -------
    d_gain : ndarray(float), shape (..., m, n)
    d_log_std : ndarray(float), shape (..., m)
    """
    gain, log_std, states, actions = _check_linear(gain, log_std, states, actions)
    std = np.exp(log_std)
    d_mean, d_log_std = gaussian_log_prob_grad((actions - states @ gain.T) / std, std)
    return d_mean[..., :, None] * states[..., None, :], d_log_std
