"""The book's interactive figures: ipywidgets controls over matplotlib views of the maths.

Every figure here is a widget that a chapter creates in one line:

* :func:`likelihood_ratio_explorer` -- grad pi = pi grad log pi on a softmax bandit
  (book/likelihood_ratio);
* :func:`n_explorer` -- the distribution of N-episode gradient estimates (book/monte_carlo);
* :func:`reinforce_explorer` -- REINFORCE learning curves against exact ascent
  (book/reinforce);
* :func:`baseline_explorer` -- the variance of one episode's estimate against a constant
  baseline b (book/baselines).

One module per widget, and :mod:`.base` for what they share: each control is declared once
(:class:`~.base.Slider`, :class:`~.base.Choice`, :class:`~.base.Seed`), and that declaration
makes the live control, the web version's control and grid of values, and the state passed to
the widget's ``draw``.

Three ways to be seen
---------------------
*Live*, in Jupyter, each widget holds one matplotlib figure. Moving a control changes the data
of the figure's existing artists and re-renders that figure with Agg into an
:class:`ipywidgets.Image`; no figure is created per update, and no pyplot state is touched.
Displaying a widget renders its current frame once, and nothing more.

*Before the notebook is run* (a notebook opened from a clone is untrusted and has no kernel),
JupyterLab shows the first "safe" MIME type of the output: the widget's ``text/markdown``, a
picture of the frame it showed when it was run and the line "Run this cell for the live
controls." The same picture is the output's ``image/png``, which the PDF prints.

*On the web page* (no kernel), the output's ``text/html``: precomputed PNG frames over a grid
of control values, with labelled native controls switched by ``_static/pgwidgets.js`` (see
:mod:`pgtheory.viz.static`). Computing them takes seconds, so a widget adds them only when the
environment variable :data:`~.base.FRAMES_ENV` (``PGTHEORY_WIDGET_FRAMES``) is set, as
``tools/build_book.py`` does for the book's kernels; ``nb_mime_priority_overrides`` in
``_config.yml`` makes the HTML builder prefer them. For a fixed seed they are byte-for-byte
reproducible.
"""

from .base import FRAMES_ENV, RUN_LINE, FigureWidget
from .baselines import BaselineExplorer, baseline_explorer
from .likelihood_ratio import LikelihoodRatioExplorer, likelihood_ratio_explorer
from .monte_carlo import NExplorer, n_explorer
from .reinforce import ReinforceExplorer, reinforce_explorer

__all__ = [
    "FRAMES_ENV",
    "RUN_LINE",
    "FigureWidget",
    "NExplorer",
    "LikelihoodRatioExplorer",
    "ReinforceExplorer",
    "BaselineExplorer",
    "n_explorer",
    "likelihood_ratio_explorer",
    "reinforce_explorer",
    "baseline_explorer",
]
