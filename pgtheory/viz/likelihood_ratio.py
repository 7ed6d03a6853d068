"""Figures for book/likelihood_ratio: the likelihood-ratio trick, drawn.

* :func:`bandit_score_figure`: for a one-state softmax bandit, each arm's
  probability pi(a), its score grad log pi(a), and the identity of eq.
  `log-derivative`, grad pi(a) = pi(a) grad log pi(a). The left side comes
  from central finite differences of :func:`pgtheory.softmax_policy`, the
  right side from :func:`pgtheory.log_policy_grad`, so the figure shows two
  independent computations agreeing.
* :func:`gaussian_variance_figure`: the variance of one score-function
  estimate (eq. `gaussian-score`) and of one reparameterization estimate
  (eq. `reparam`) against mu - c, closed form as lines and Monte Carlo as
  markers (:mod:`pgtheory.gaussian_bandit`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .. import finite_difference_gradient, log_policy_grad, softmax_policy
from ..gaussian_bandit import (
    GaussianBandit,
    gaussian_expected_return,
    gaussian_reparam_samples,
    gaussian_reparam_variance,
    gaussian_score_samples,
    gaussian_score_variance,
)
from .style import PALETTE

__all__ = ["bandit_score_figure", "gaussian_variance_figure"]


def _grouped_bars(ax: Any, values: np.ndarray) -> None:
    """Bars of ``values[a, b]`` grouped by arm a, one colour per component theta_b."""
    n_arms = values.shape[0]
    width = 0.8 / n_arms
    for b in range(n_arms):
        offsets = np.arange(n_arms) + (b - (n_arms - 1) / 2) * width
        ax.bar(offsets, values[:, b], width=width, color=PALETTE[b % len(PALETTE)],
               label=rf"$\partial / \partial \theta_{b}$")
    ax.axhline(0.0, color=PALETTE[7], linewidth=0.8)


def bandit_score_figure(theta: Any, means: Sequence[float] | None = None) -> Figure:
    """Three panels for a one-state softmax policy: pi(a), its score, and grad pi = pi grad log pi.

    Parameters
    ----------
    theta : array_like(float), shape (1, A)
        Logits of the bandit's single state.
    means : sequence of float, optional
        The arms' rewards, shown in the tick labels.

    Returns
    -------
    matplotlib.figure.Figure
        Panels, top to bottom: "policy" (bars of pi(a)); "score" (grouped
        bars of d log pi(a) / d theta_b); "identity" (grouped bars of
        d pi(a) / d theta_b by finite differences, with black markers at
        pi(a) d log pi(a) / d theta_b on top of them).
    """
    theta = np.asarray(theta, dtype=float)
    pi = softmax_policy(theta)[0]  # (A,)
    n_arms = pi.size
    scores = np.stack([log_policy_grad(theta, 0, a)[0] for a in range(n_arms)])  # (A, A)
    jacobian = finite_difference_gradient(softmax_policy, theta)[0, :, 0, :]  # (A, A)
    arms = np.arange(n_arms)
    ticks = [f"arm {a}" if means is None else f"arm {a}\n($r = {means[a]:g}$)" for a in arms]

    fig, axes = plt.subplots(3, 1, figsize=(7.0, 9.0), sharex=True)
    ax_pi, ax_score, ax_grad = axes
    ax_pi.bar(arms, pi, width=0.5, color=PALETTE[4])
    ax_pi.set(ylabel=r"$\pi_\theta(a)$", ylim=(0, 1),
              title=r"Policy: probability $\pi_\theta(a)$ of each arm")

    _grouped_bars(ax_score, scores)
    ax_score.set(ylabel=r"$\partial \log \pi_\theta(a) / \partial \theta_b$",
                 title=r"Score $\nabla_\theta \log \pi_\theta(a)$: large for unlikely arms")

    _grouped_bars(ax_grad, jacobian)
    width = 0.8 / n_arms
    offsets = arms[:, None] + (arms[None, :] - (n_arms - 1) / 2) * width
    ax_grad.plot(offsets.ravel(), (pi[:, None] * scores).ravel(), linestyle="none",
                 marker="D", markersize=6, color=PALETTE[7],
                 label=r"$\pi_\theta(a)\, \partial \log \pi_\theta(a) / \partial \theta_b$")
    ax_grad.set(ylabel="derivative",
                title=r"$\nabla_\theta \pi_\theta(a)$ (bars, finite differences) "
                      r"$= \pi_\theta(a) \nabla_\theta \log \pi_\theta(a)$ (diamonds)",
                xticks=arms, xticklabels=ticks, xlabel="arm $a$")
    fig.legend(*ax_grad.get_legend_handles_labels(), loc="outside lower center",
               ncol=n_arms + 1)
    return fig


def gaussian_variance_figure(
    sigma: float = 0.5,
    d_max: float = 3.0,
    sampled_d: Sequence[float] = (-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0),
    n_episodes: int = 20_000,
    rng: int = 0,
) -> Figure:
    """Variance of one gradient estimate against d = mu - c, for the Gaussian bandit.

    Parameters
    ----------
    sigma : float
        Policy standard deviation sigma > 0 (the target is c = 0, so d = mu).
    d_max : float
        Lines are drawn for d in [-d_max, d_max].
    sampled_d : sequence of float
        Where Monte Carlo variances are shown as markers.
    n_episodes : int
        Estimates (one-step episodes) per marker.
    rng : int or SeedSequence
        Marker k uses the stream ``SeedSequence(rng).spawn(len(sampled_d))[k]``, the same for
        every estimator (common random numbers).

    Returns
    -------
    matplotlib.figure.Figure
        One log-scale axes with three lines (closed forms: score function,
        score function with baseline b = J(mu), reparameterization) and a
        marker series for each (sample variances of N = ``n_episodes`` estimates).
    """
    bandit = GaussianBandit(target=0.0, sigma=sigma)
    ds = np.linspace(-d_max, d_max, 241)
    sampled_d = np.asarray(sampled_d, dtype=float)
    streams = np.random.SeedSequence(rng).spawn(len(sampled_d))
    n = n_episodes
    curves = [
        ("score function", PALETTE[0], "o", "-",
         lambda d: gaussian_score_variance(bandit, d),
         lambda d, k: gaussian_score_samples(bandit, d, n, rng=k)),
        (r"score function, baseline $b = J(\mu)$", PALETTE[2], "s", "--",
         lambda d: gaussian_score_variance(bandit, d, gaussian_expected_return(bandit, d)),
         lambda d, k: gaussian_score_samples(bandit, d, n, rng=k,
                                             baseline=gaussian_expected_return(bandit, d))),
        ("reparameterization", PALETTE[3], "^", ":",
         lambda d: gaussian_reparam_variance(bandit, d),
         lambda d, k: gaussian_reparam_samples(bandit, d, n, rng=k)),
    ]
    fig, ax = plt.subplots(figsize=(7.0, 5.0))
    handles, labels = [], []
    for label, colour, marker, style, exact, samples in curves:
        (line,) = ax.plot(ds, [exact(float(d)) for d in ds], color=colour, linestyle=style,
                          linewidth=2)
        sampled = [samples(float(d), stream).var(ddof=1)
                   for stream, d in zip(streams, sampled_d, strict=True)]
        (points,) = ax.plot(sampled_d, sampled, color=colour, marker=marker, linestyle="none",
                            markersize=7, markerfacecolor="white", markeredgewidth=1.5)
        handles.append((line, points))
        labels.append(label)
    ax.set(yscale="log", xlabel=r"$\mu - c$",
           ylabel=r"variance of one estimate $\hat g$",
           title=rf"Gaussian bandit ($\sigma = {sigma:g}$): variance of the two estimators")
    fig.legend(handles, labels, loc="outside lower center", ncol=3, fontsize=9,
               title=f"lines: closed form;  markers: sample variance of $n = {n:,}$ estimates")
    return fig
