r"""A one-dimensional continuous bandit with a Gaussian policy.

This is the worked example of book/likelihood_ratio. The
policy draws one action :math:`a \sim \mathcal N(\mu, \sigma^2)`; the
parameter is :math:`\theta = \mu` and :math:`\sigma > 0` is fixed. The reward
is smooth and peaks at the target :math:`c`:

.. math::

    f(a) = -(a - c)^2 .

Writing :math:`d = \mu - c` and :math:`a = \mu + \sigma\varepsilon` with
:math:`\varepsilon \sim \mathcal N(0, 1)`, everything has a closed form:

.. math::

    J(\mu) = \mathbb E[f(a)] = -(d^2 + \sigma^2), \qquad
    \frac{dJ}{d\mu} = -2d .

Two unbiased one-sample estimators of :math:`dJ/d\mu` are compared:

* the score-function (likelihood-ratio) estimator, eq. ``gaussian-score``,
  obtained from eq. ``log-derivative`` and eq. ``lr-gradient``:
  :math:`g_{\mathrm{SF}} = (f(a) - b)\,(a - \mu)/\sigma^2`;
* the reparameterization (pathwise) estimator, eq. ``reparam``:
  :math:`g_{\mathrm{RP}} = f'(\mu + \sigma\varepsilon)
  = -2(\mu + \sigma\varepsilon - c)`.

Their variances are also closed-form (see :func:`gaussian_score_variance`),
so the chapter can set exact numbers beside Monte Carlo estimates.

References
----------
.. [1] R. J. Williams, "Simple statistical gradient-following algorithms for
   connectionist reinforcement learning", Machine Learning 8, 229-256, 1992.
.. [2] S. Mohamed, M. Rosca, M. Figurnov and A. Mnih, "Monte Carlo gradient
   estimation in machine learning", Journal of Machine Learning Research
   21(132), 1-62, 2020.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ._validation import check_instance, check_positive_int, check_real, check_rng
from .gaussian_policy import gaussian_log_prob_grad

__all__ = [
    "GaussianBandit",
    "gaussian_expected_return",
    "gaussian_exact_gradient",
    "gaussian_reparam_samples",
    "gaussian_reparam_variance",
    "gaussian_score_samples",
    "gaussian_score_variance",
]


# ---------------------------------------------------------------------------
# Private validation (the shared checks live in pgtheory._validation)
# ---------------------------------------------------------------------------


def _bandit(bandit: object) -> GaussianBandit:
    return check_instance(bandit, GaussianBandit, "bandit")


def _baseline(baseline: object) -> float:
    """``None`` means no baseline, i.e. ``b = 0``."""
    if baseline is None:
        return 0.0
    return check_real(baseline, "baseline")


# ---------------------------------------------------------------------------
# The bandit
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class GaussianBandit:
    r"""A continuous bandit with reward :math:`f(a) = -(a - c)^2`.

    The policy is :math:`\mathcal N(\mu, \sigma^2)`; :math:`\mu` is the
    parameter passed to the functions of this module, :math:`\sigma` is fixed
    here.

    Parameters
    ----------
    target : float
        The target :math:`c`, the action with the highest reward. Finite.
    sigma : float
        The policy's standard deviation :math:`\sigma`. Finite and > 0.

    Raises
    ------
    TypeError
        If ``target`` or ``sigma`` is not a real number (``bool`` rejected).
    ValueError
        If ``target`` is not finite or ``sigma`` is not finite and positive.

    Examples
    --------
    >>> bandit = GaussianBandit(target=1.0, sigma=0.5)
    >>> gaussian_expected_return(bandit, mu=1.0)
    -0.25
    """

    target: float
    sigma: float

    def __post_init__(self) -> None:
        target = check_real(self.target, "target")
        sigma = check_real(self.sigma, "sigma")
        if sigma <= 0.0:
            raise ValueError(f"sigma must be > 0; got {sigma!r}")
        object.__setattr__(self, "target", target)
        object.__setattr__(self, "sigma", sigma)


# ---------------------------------------------------------------------------
# Closed forms
# ---------------------------------------------------------------------------


def gaussian_expected_return(bandit: GaussianBandit, mu: float) -> float:
    r"""Expected reward :math:`J(\mu) = -((\mu - c)^2 + \sigma^2)`.

    Parameters
    ----------
    bandit : GaussianBandit
        Target :math:`c` and policy standard deviation :math:`\sigma`.
    mu : float
        Policy mean :math:`\mu` (finite).

    Returns
    -------
    float
        :math:`J(\mu)`.

    Notes
    -----
    With :math:`a = \mu + \sigma\varepsilon`,
    :math:`\mathbb E[(a - c)^2] = (\mu - c)^2 + 2(\mu - c)\sigma\,\mathbb
    E[\varepsilon] + \sigma^2\,\mathbb E[\varepsilon^2] = (\mu - c)^2 +
    \sigma^2`. The :math:`\sigma^2` term is the price of exploring.
    """
    bandit = _bandit(bandit)
    mu = check_real(mu, "mu")
    d = mu - bandit.target
    return -(d * d + bandit.sigma**2)


def gaussian_exact_gradient(bandit: GaussianBandit, mu: float) -> float:
    r"""Exact policy gradient :math:`dJ/d\mu = -2(\mu - c)`.

    This is the quantity both estimators below are unbiased for.

    Parameters
    ----------
    bandit : GaussianBandit
        Target :math:`c` and policy standard deviation :math:`\sigma`.
    mu : float
        Policy mean :math:`\mu` (finite).

    Returns
    -------
    float
        :math:`dJ/d\mu`; it does not depend on :math:`\sigma`.
    """
    bandit = _bandit(bandit)
    mu = check_real(mu, "mu")
    return -2.0 * (mu - bandit.target)


# ---------------------------------------------------------------------------
# Monte Carlo estimators
# ---------------------------------------------------------------------------


def gaussian_score_samples(
    bandit: GaussianBandit,
    mu: float,
    n_episodes: int,
    *,
    rng: Any = None,
    baseline: float | None = None,
) -> np.ndarray:
    r"""Score-function (likelihood-ratio) gradient estimates, one per action.

    Implements eq. ``gaussian-score`` (book/likelihood_ratio), the Gaussian case of
    eq. ``lr-gradient`` (REINFORCE [1]_):

    .. math::

        g_i = (f(a_i) - b)\,\frac{a_i - \mu}{\sigma^2},
        \qquad a_i \sim \mathcal N(\mu, \sigma^2),

    where :math:`(a - \mu)/\sigma^2 = \partial_\mu \log \pi_\mu(a)` is the
    score of eq. ``log-derivative``.

    Parameters
    ----------
    bandit : GaussianBandit
        Target :math:`c` and policy standard deviation :math:`\sigma`.
    mu : float
        Policy mean :math:`\mu` (finite).
    n_episodes : int
        Number N of independent one-step episodes (actions), one estimate each (> 0).
    rng : None, int, SeedSequence, BitGenerator or Generator
        Normalised with ``np.random.default_rng``. The same seed gives bit-identical
        samples.
    baseline : float or None, optional
        Constant baseline :math:`b`; ``None`` (default) means :math:`b = 0`.
        Any constant keeps the estimator unbiased.

    Returns
    -------
    ndarray(float, ndim=1)
        ``samples: (N,)``, independent unbiased estimates of
        :math:`dJ/d\mu`. Their mean estimates the gradient; their variance
        is :func:`gaussian_score_variance`.

    Notes
    -----
    Actions are drawn as :math:`a = \mu + \sigma\varepsilon` from
    N standard normals drawn up front; the score is computed as
    :math:`\varepsilon/\sigma` by :func:`pgtheory.gaussian_log_prob_grad` (the
    same formula book/lqr uses), which equals :math:`(a - \mu)/\sigma^2`
    but avoids cancellation when :math:`|\mu| \gg \sigma`.

    References
    ----------
    .. [1] R. J. Williams, "Simple statistical gradient-following algorithms
       for connectionist reinforcement learning", Machine Learning 8, 1992.
    .. [2] S. Mohamed, M. Rosca, M. Figurnov and A. Mnih, "Monte Carlo
       gradient estimation in machine learning", JMLR 21(132), 2020, sec. 4.
    """
    bandit = _bandit(bandit)
    mu = check_real(mu, "mu")
    n_episodes = check_positive_int(n_episodes, "n_episodes")
    b = _baseline(baseline)
    rng = check_rng(rng)

    eps = rng.standard_normal(n_episodes)  # (N,)
    actions = mu + bandit.sigma * eps  # (n,)
    rewards = -((actions - bandit.target) ** 2)  # f(a): (n,)
    score = gaussian_log_prob_grad(eps, bandit.sigma)[0]  # (a - mu) / sigma^2 = eps / sigma: (N,)
    return (rewards - b) * score


def gaussian_reparam_samples(
    bandit: GaussianBandit,
    mu: float,
    n_episodes: int,
    *,
    rng: Any = None,
) -> np.ndarray:
    r"""Reparameterization (pathwise) gradient estimates, one per action.

    Implements eq. ``reparam`` (book/likelihood_ratio): write
    :math:`a = \mu + \sigma\varepsilon` with
    :math:`\varepsilon \sim \mathcal N(0, 1)` and differentiate through the
    sample,

    .. math::

        g_i = f'(\mu + \sigma\varepsilon_i) = -2(\mu + \sigma\varepsilon_i - c).

    Parameters
    ----------
    bandit : GaussianBandit
        Target :math:`c` and policy standard deviation :math:`\sigma`.
    mu : float
        Policy mean :math:`\mu` (finite).
    n_episodes : int
        Number N of independent noise draws, one estimate each (> 0).
    rng : None, int, SeedSequence, BitGenerator or Generator
        Normalised with ``np.random.default_rng``. The
        same seed gives bit-identical samples; it also gives the same
        :math:`\varepsilon` as :func:`gaussian_score_samples`, so the two
        estimators can be compared on common noise.

    Returns
    -------
    ndarray(float, ndim=1)
        ``samples: (N,)``, independent unbiased estimates of
        :math:`dJ/d\mu`, each :math:`\mathcal N(-2(\mu - c), 4\sigma^2)`.

    References
    ----------
    .. [1] S. Mohamed, M. Rosca, M. Figurnov and A. Mnih, "Monte Carlo
       gradient estimation in machine learning", JMLR 21(132), 2020, sec. 5.
    """
    bandit = _bandit(bandit)
    mu = check_real(mu, "mu")
    n_episodes = check_positive_int(n_episodes, "n_episodes")
    rng = check_rng(rng)

    eps = rng.standard_normal(n_episodes)  # (N,)
    actions = mu + bandit.sigma * eps  # (n,)
    return -2.0 * (actions - bandit.target)


# ---------------------------------------------------------------------------
# Closed-form variances of one estimate
# ---------------------------------------------------------------------------


def gaussian_score_variance(
    bandit: GaussianBandit, mu: float, baseline: float | None = None
) -> float:
    r"""Exact variance of ONE score-function estimate (eq. ``gaussian-score``).

    .. math::

        \operatorname{Var}[g_{\mathrm{SF}}]
        = \frac{(d^2 + b + 3\sigma^2)^2}{\sigma^2} + 8d^2 + 6\sigma^2,
        \qquad d = \mu - c,

    with :math:`b = 0` when ``baseline`` is ``None``. The variance of the
    mean of ``n`` estimates is this divided by ``n``.

    Parameters
    ----------
    bandit : GaussianBandit
        Target :math:`c` and policy standard deviation :math:`\sigma`.
    mu : float
        Policy mean :math:`\mu` (finite).
    baseline : float or None, optional
        Constant baseline :math:`b`; ``None`` (default) means :math:`b = 0`.

    Returns
    -------
    float
        :math:`\operatorname{Var}[(f(a) - b)(a - \mu)/\sigma^2]`.

    Notes
    -----
    Let :math:`a = \mu + \sigma\varepsilon`, :math:`\varepsilon \sim
    \mathcal N(0,1)`, so the score is :math:`\varepsilon/\sigma` and
    :math:`f(a) - b = -(k + 2d\sigma\varepsilon + \sigma^2\varepsilon^2)`
    with :math:`k = d^2 + b`. Then

    .. math::

        g = -\frac{\varepsilon}{\sigma}
            (k + 2d\sigma\varepsilon + \sigma^2\varepsilon^2).

    *Mean.* With :math:`\mathbb E\varepsilon = \mathbb E\varepsilon^3 = 0`
    and :math:`\mathbb E\varepsilon^2 = 1`,
    :math:`\mathbb E[g] = -2d`, whatever :math:`b` is.

    *Second moment.* Expand the square,

    .. math::

        (k + 2d\sigma\varepsilon + \sigma^2\varepsilon^2)^2
        = k^2 + 4kd\sigma\varepsilon + (4d^2 + 2k)\sigma^2\varepsilon^2
          + 4d\sigma^3\varepsilon^3 + \sigma^4\varepsilon^4,

    multiply by :math:`\varepsilon^2/\sigma^2` and use the Gaussian moments
    :math:`\mathbb E\varepsilon^{2,4,6} = 1, 3, 15` (odd moments vanish):

    .. math::

        \mathbb E[g^2] = \frac{k^2 + 3(4d^2 + 2k)\sigma^2 + 15\sigma^4}{\sigma^2}
        = \frac{(k + 3\sigma^2)^2}{\sigma^2} + 12d^2 + 6\sigma^2 .

    For :math:`b = 0` (:math:`k = d^2`) this is
    :math:`(d^4 + 18d^2\sigma^2 + 15\sigma^4)/\sigma^2`.

    *Variance.* Subtract :math:`(\mathbb E g)^2 = 4d^2`:

    .. math::

        \operatorname{Var}[g] = \frac{(d^2 + b + 3\sigma^2)^2}{\sigma^2}
        + 8d^2 + 6\sigma^2 .

    Consequences used in book/likelihood_ratio:

    * the variance is a parabola in :math:`b`, minimised at
      :math:`b^\star = -(d^2 + 3\sigma^2)`, where it equals
      :math:`8d^2 + 6\sigma^2`;
    * the baseline :math:`b = J(\mu) = -(d^2 + \sigma^2)` gives
      :math:`8d^2 + 10\sigma^2`, always below the :math:`b = 0` value
      :math:`(d^2 + 3\sigma^2)^2/\sigma^2 + 8d^2 + 6\sigma^2`;
    * even at :math:`b^\star` it exceeds the reparameterization variance
      :math:`4\sigma^2` (:func:`gaussian_reparam_variance`), and the gap
      grows like :math:`d^4/\sigma^2` without a baseline.

    References
    ----------
    .. [1] S. Mohamed, M. Rosca, M. Figurnov and A. Mnih, "Monte Carlo
       gradient estimation in machine learning", JMLR 21(132), 2020, sec. 3
       and 7.
    """
    bandit = _bandit(bandit)
    mu = check_real(mu, "mu")
    b = _baseline(baseline)
    d = mu - bandit.target
    s2 = bandit.sigma**2
    return (d * d + b + 3.0 * s2) ** 2 / s2 + 8.0 * d * d + 6.0 * s2


def gaussian_reparam_variance(bandit: GaussianBandit, mu: float) -> float:
    r"""Exact variance of ONE reparameterization estimate (eq. ``reparam``).

    .. math::

        \operatorname{Var}[-2(\mu + \sigma\varepsilon - c)]
        = 4\sigma^2\,\operatorname{Var}[\varepsilon] = 4\sigma^2 .

    Parameters
    ----------
    bandit : GaussianBandit
        Target :math:`c` and policy standard deviation :math:`\sigma`.
    mu : float
        Policy mean :math:`\mu` (finite); validated, though the variance
        does not depend on it.

    Returns
    -------
    float
        :math:`4\sigma^2`.

    References
    ----------
    .. [1] S. Mohamed, M. Rosca, M. Figurnov and A. Mnih, "Monte Carlo
       gradient estimation in machine learning", JMLR 21(132), 2020, sec. 5.
    """
    bandit = _bandit(bandit)
    check_real(mu, "mu")
    return 4.0 * bandit.sigma**2
