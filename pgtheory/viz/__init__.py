"""Figures and widgets over pgtheory's maths: matplotlib and ipywidgets live here, never in the
maths modules. Data flows one way: book -> pgtheory.viz -> pgtheory.

Import it explicitly (`from pgtheory import viz`); `import pgtheory` does not load matplotlib.
"""

from .lqr import plot_lqr_learning_curves, plot_variance_against_std
from .monte_carlo import plot_estimate_histogram, plot_standard_deviation
from .style import PALETTE, use_book_style
from .surrogate import plot_gradient_angles, plot_surrogate_values
from .training import plot_learning_curves
from .widgets import (
    likelihood_ratio_explorer,
    n_explorer,
    reinforce_explorer,
    variance_vs_n,
)

__all__ = ["PALETTE", "use_book_style", "plot_estimate_histogram", "plot_standard_deviation",
           "plot_learning_curves", "plot_surrogate_values", "plot_gradient_angles",
           "n_explorer", "variance_vs_n", "likelihood_ratio_explorer", "reinforce_explorer",
           "plot_lqr_learning_curves", "plot_variance_against_std"]
