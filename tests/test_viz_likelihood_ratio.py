"""Tests for pgtheory.viz.likelihood_ratio: chapter 2's figures plot what their captions claim."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import pgtheory as pg  # noqa: E402
from pgtheory.gaussian_bandit import (  # noqa: E402
    GaussianBandit,
    gaussian_reparam_variance,
    gaussian_score_variance,
)
from pgtheory.viz.likelihood_ratio import (  # noqa: E402
    bandit_score_figure,
    gaussian_variance_figure,
)

THETA = np.array([[1.0, 0.0, -1.0]])


def test_bandit_figure_has_titles_labels_and_legend() -> None:
    fig = bandit_score_figure(THETA, means=[0.0, 0.5, 1.0])
    ax_pi, ax_score, ax_grad = fig.axes
    for ax in fig.axes:
        assert ax.get_title() and ax.get_ylabel()
    assert ax_grad.get_xlabel() == "arm $a$"
    assert [t.get_text() for t in ax_grad.get_xticklabels()][2] == "arm 2\n($r = 1$)"
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert len(legend) == 4 and legend[0].startswith(r"$\pi_\theta(a)")
    plt.close(fig)


def test_bandit_figure_plots_pi_score_and_both_sides_of_the_identity() -> None:
    fig = bandit_score_figure(THETA)
    ax_pi, ax_score, ax_grad = fig.axes
    pi = pg.softmax_policy(THETA)[0]
    np.testing.assert_allclose([p.get_height() for p in ax_pi.patches], pi)
    # Bars are drawn component by component b, each across arms a.
    scores = np.stack([pg.log_policy_grad(THETA, 0, a)[0] for a in range(3)])  # (a, b)
    heights = np.array([p.get_height() for p in ax_score.patches]).reshape(3, 3)  # (b, a)
    np.testing.assert_allclose(heights, scores.T)
    grad_heights = np.array([p.get_height() for p in ax_grad.patches]).reshape(3, 3).T
    np.testing.assert_allclose(grad_heights, pi[:, None] * scores, atol=1e-9)
    diamonds = ax_grad.lines[-1].get_ydata().reshape(3, 3)
    np.testing.assert_allclose(diamonds, pi[:, None] * scores)
    plt.close(fig)


def test_variance_figure_lines_are_closed_forms_and_markers_match_them() -> None:
    sigma = 0.5
    fig = gaussian_variance_figure(sigma=sigma, sampled_d=(-1.0, 2.0), n_episodes=4000, rng=3)
    ax = fig.axes[0]
    assert "variance" in ax.get_title() and ax.get_xlabel() == r"$\mu - c$"
    assert ax.get_yscale() == "log"
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels == ["score function", r"score function, baseline $b = J(\mu)$",
                      "reparameterization"]
    bandit = GaussianBandit(target=0.0, sigma=sigma)
    sf_line, sf_points, _, _, rp_line, rp_points = ax.lines
    d = sf_line.get_xdata()
    np.testing.assert_allclose(sf_line.get_ydata(),
                               [gaussian_score_variance(bandit, float(x)) for x in d])
    np.testing.assert_allclose(rp_line.get_ydata(), 4 * sigma**2)
    assert gaussian_reparam_variance(bandit, 0.0) == 4 * sigma**2
    # Sample variances of 4000 estimates: within 25% of the closed form (the relative
    # standard error of a sample variance is about sqrt((kurtosis - 1) / n) < 8% here).
    np.testing.assert_allclose(sf_points.get_xdata(), [-1.0, 2.0])
    expected = [gaussian_score_variance(bandit, x) for x in (-1.0, 2.0)]
    np.testing.assert_allclose(sf_points.get_ydata(), expected, rtol=0.25)
    np.testing.assert_allclose(rp_points.get_ydata(), 4 * sigma**2, rtol=0.1)
    plt.close(fig)
