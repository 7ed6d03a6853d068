r"""The discrete Lyapunov equation :math:`X = a X a^\top + y`, solved without SciPy.

Used by :mod:`pgtheory.lqr` for the discounted state covariance (eq. ``lqr-lyapunov``) and the
value matrix (eq. ``lqr-value``) of the chapter ``book/lqr``.

The solution is the series :math:`X = \sum_{k\ge0} a^k\, y\, (a^\top)^k`, which converges
exactly when the spectral radius :math:`\rho(a) < 1`. With the row-major vec,
:math:`\mathrm{vec}(a X a^\top) = (a \otimes a)\,\mathrm{vec}\,X`, so the equation is the
linear system

.. math::

    (I_{n^2} - a \otimes a)\,\mathrm{vec}\,X = \mathrm{vec}\,y ,

whose matrix has eigenvalues :math:`1 - \lambda_i\lambda_j`, all nonzero when
:math:`\rho(a) < 1`. One dense solve costs :math:`O(n^6)` and is exact up to rounding; its
condition number grows like :math:`1/(1 - \rho(a)^2)` as :math:`a` approaches instability.
For the small n of this book (n <= :data:`MAX_LYAPUNOV_DIM`) that is fast and accurate.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._validation import as_finite_array

__all__ = ["MAX_LYAPUNOV_DIM", "discrete_lyapunov", "spectral_radius"]

#: Largest n for which :func:`discrete_lyapunov` forms its (n^2, n^2) Kronecker system.
MAX_LYAPUNOV_DIM = 40


def _square(value: Any, name: str) -> np.ndarray:
    array = as_finite_array(value, name, ndim=2)
    if array.shape[0] == 0 or array.shape[0] != array.shape[1]:
        raise ValueError(f"{name} has shape {array.shape}; expected a nonempty square matrix")
    return array


def spectral_radius(matrix: Any) -> float:
    r"""The spectral radius :math:`\rho(M) = \max_i |\lambda_i(M)|` of a square matrix.

    Parameters
    ----------
    matrix : array_like(float), shape (n, n)

    Returns
    -------
    float
    """
    return float(np.abs(np.linalg.eigvals(_square(matrix, "matrix"))).max())


def discrete_lyapunov(a: Any, y: Any) -> np.ndarray:
    r"""Solve :math:`X = a X a^\top + y` by one Kronecker linear solve.

    Parameters
    ----------
    a : array_like(float), shape (n, n)
        With :math:`\rho(a) < 1`; n <= :data:`MAX_LYAPUNOV_DIM`.
    y : array_like(float), shape (n, n)

    Returns
    -------
    ndarray(float), shape (n, n)
        X, the sum of the series :math:`\sum_k a^k y (a^\top)^k`; symmetrized when ``y`` is
        exactly symmetric (X then is symmetric in exact arithmetic).

    Raises
    ------
    ValueError
        If :math:`\rho(a) \ge 1` (the message gives it), the shapes differ or n is too large.
    """
    a = _square(a, "a")
    y = _square(y, "y")
    n = a.shape[0]
    if y.shape != a.shape:
        raise ValueError(f"y has shape {y.shape}; expected {a.shape}, the shape of a")
    if n > MAX_LYAPUNOV_DIM:
        raise ValueError(f"a has n = {n} > MAX_LYAPUNOV_DIM = {MAX_LYAPUNOV_DIM}; the Kronecker "
                         f"solve would form a ({n * n}, {n * n}) matrix")
    radius = spectral_radius(a)
    if radius >= 1.0:
        raise ValueError(f"the spectral radius of a is {radius:.6g} >= 1; X = a X a^T + y has "
                         "no convergent series solution")
    x = np.linalg.solve(np.eye(n * n) - np.kron(a, a), y.reshape(-1)).reshape(n, n)
    return 0.5 * (x + x.T) if np.array_equal(y, y.T) else x
