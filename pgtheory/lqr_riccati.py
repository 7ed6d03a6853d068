r"""The optimal gain of an LQR, from the discounted Riccati equation (eq. ``lqr-riccati``).

The reference point of the chapter ``book/lqr``: the gain :math:`K^\star` that REINFORCE on the
gain (:mod:`pgtheory.lqr_reinforce`) should approach. Where the exact gradient of
:mod:`pgtheory.lqr` (eq. ``lqr-gradient``) vanishes, the value matrix :math:`P = P_{K^\star}`
solves

.. math::

    P = Q + \gamma A^\top P A
        - \gamma^2 A^\top P B (R + \gamma B^\top P B)^{-1} B^\top P A, \qquad
    K^\star = -\gamma (R + \gamma B^\top P B)^{-1} B^\top P A,

found here by value iteration on :math:`x^\top P x` (:func:`lqr_optimal_gain`). Certainty
equivalence: :math:`K^\star` does not depend on :math:`\sigma`, :math:`W` or :math:`\Sigma_1`.

References
----------
.. [1] D. P. Bertsekas, "Dynamic Programming and Optimal Control", vol. 1, 4th ed., Athena
   Scientific, 2017, sec. 3.1 (the Riccati equation).
"""

from __future__ import annotations

import numpy as np

from ._validation import check_instance, check_positive_int, check_real
from .lqr import LQR

__all__ = ["lqr_optimal_gain"]


def _greedy_gain(lqr: LQR, value: np.ndarray) -> np.ndarray:
    """K = -gamma (R + gamma B^T P B)^{-1} B^T P A, the best gain against the value matrix P."""
    g, b = lqr.discount, lqr.B
    return -g * np.linalg.solve(lqr.R + g * b.T @ value @ b, b.T @ value @ lqr.A)


def lqr_optimal_gain(lqr: LQR, *, tolerance: float = 1e-12,
                     max_iterations: int = 100_000) -> np.ndarray:
    r"""The optimal gain :math:`K^\star` from the discounted Riccati equation, eq. ``lqr-riccati``.

    Iterates, from :math:`P_0 = 0`,

    .. math::

        K_j = -\gamma (R + \gamma B^\top P_j B)^{-1} B^\top P_j A, \qquad
        P_{j+1} = Q + K_j^\top R K_j + \gamma (A + B K_j)^\top P_j (A + B K_j)

    (value iteration on :math:`x^\top P x`), and stops at the first j with
    :math:`\max_{ik} |P_{j+1} - P_j|_{ik} \le \texttt{tolerance} \cdot \max(1, \max_{ik}
    |P_{j+1}|_{ik})`. The iteration converges linearly, with rate
    :math:`\rho(\sqrt\gamma A_{K^\star})^2` per step, so the error left in :math:`P` after
    the stop is about the last change times :math:`\rho^2 / (1 - \rho^2)`.

    :math:`K^\star` minimizes :math:`C(K, \sigma)` for every :math:`\sigma`, :math:`W` and
    :math:`\Sigma_1` (certainty equivalence): the noise only adds
    :math:`\operatorname{tr}(P_K \cdot \text{noise})`, and :math:`P_{K^\star} \preceq P_K`
    for every stabilizing K.

    Parameters
    ----------
    lqr : LQR
    tolerance : float
        Relative stopping tolerance, in (0, 1); default 1e-12.
    max_iterations : int
        Default 100,000.

    Returns
    -------
    ndarray(float), shape (m, n)
        :math:`K^\star`; it stabilizes the discounted closed loop.

    Raises
    ------
    ValueError
        If the iteration diverges or does not converge within ``max_iterations`` (then
        :math:`(\sqrt\gamma A, \sqrt\gamma B)` is probably not stabilizable), or converges to a
        gain that does not stabilize (Q does not see an unstable mode: the pair is not
        detectable).
    """
    lqr = check_instance(lqr, LQR, "lqr", "an")
    tolerance = check_real(tolerance, "tolerance", low=0.0, high=1.0, low_inclusive=False,
                           high_inclusive=False)
    max_iterations = check_positive_int(max_iterations, "max_iterations")
    a, b, q, r, g = lqr.A, lqr.B, lqr.Q, lqr.R, lqr.discount
    value = np.zeros_like(q)
    change = np.inf
    for _ in range(max_iterations):
        gain = _greedy_gain(lqr, value)
        closed = a + b @ gain
        new = q + gain.T @ r @ gain + g * closed.T @ value @ closed
        new = 0.5 * (new + new.T)
        change = float(np.abs(new - value).max())
        value = new
        if not np.isfinite(change) or change > 1e150:
            raise ValueError(
                "the Riccati iteration diverged (P grew past 1e150); (sqrt(discount) A, "
                "sqrt(discount) B) is not stabilizable: some unstable mode cannot be controlled"
            )
        if change <= tolerance * max(1.0, float(np.abs(new).max())):
            break
    else:
        raise ValueError(
            f"the Riccati iteration did not converge within max_iterations = {max_iterations} "
            f"(last change {change:.3g}); (sqrt(discount) A, sqrt(discount) B) may not be "
            "stabilizable"
        )
    gain = _greedy_gain(lqr, value)
    radius = lqr.closed_loop_radius(gain)
    if radius >= 1.0:
        raise ValueError(
            f"the Riccati iteration converged to a gain with spectral radius of sqrt(discount) "
            f"(A + B K) = {radius:.6g} >= 1; Q does not penalize an unstable mode (the pair is "
            "not detectable), so no stabilizing optimum was found"
        )
    return gain
