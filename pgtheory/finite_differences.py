"""Central finite differences: a derivative that knows nothing about the maths it checks.

The book checks each gradient formula against a numerical derivative computed
from function values alone (book/likelihood_ratio checks eq.
`log-derivative` and eq. `lr-gradient` this way). For a function F of an array
x and a small step h, the central difference along coordinate k is

    dF/dx_k ≈ (F(x + h e_k) - F(x - h e_k)) / (2 h),

whose error is O(h^2) for a function with a bounded third derivative, plus a
rounding error of order eps * |F| / h (eps ≈ 2.2e-16). The default h = 1e-5
balances the two for quantities of order one: both are about 1e-10.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ._validation import as_finite_array, check_real

__all__ = ["finite_difference_gradient"]


def finite_difference_gradient(
    function: Callable[[np.ndarray], Any], x: Any, step: float = 1e-5
) -> np.ndarray:
    """Jacobian of ``function`` at ``x`` by central differences.

    Parameters
    ----------
    function : callable
        Maps an array of the shape of ``x`` to a float or an array of any
        fixed shape ``F``; for example :func:`pgtheory.expected_return` with
        the MDP bound, or :func:`pgtheory.softmax_policy`.
    x : array_like(float)
        The point, any shape ``X`` (e.g. logits ``theta: (S, A)``); finite.
    step : float
        The step h > 0.

    Returns
    -------
    ndarray(float), shape ``F + X``
        ``result[i..., k...]`` ≈ d function(x)[i...] / d x[k...]. For a scalar
        function (``F = ()``) this is the gradient, with the shape of ``x``.

    Examples
    --------
    >>> finite_difference_gradient(lambda v: (v ** 2).sum(), [1.0, -2.0]).round(6)
    array([ 2., -4.])
    """
    x = as_finite_array(x, "x")
    step = check_real(step, "step", low=0.0, low_inclusive=False)
    columns = []
    for k in np.ndindex(x.shape):
        shift = np.zeros_like(x)
        shift[k] = step
        plus = np.asarray(function(x + shift), dtype=float)
        minus = np.asarray(function(x - shift), dtype=float)
        columns.append((plus - minus) / (2.0 * step))  # shape F
    jacobian = np.stack(columns, axis=-1)  # F + (x.size,)
    return jacobian.reshape(jacobian.shape[:-1] + x.shape)
