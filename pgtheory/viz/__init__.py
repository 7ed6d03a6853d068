"""Figures and widgets over pgtheory's maths: matplotlib and ipywidgets live here, never in the
maths modules. Data flows one way: book -> pgtheory.viz -> pgtheory.

Needs the ``viz`` extra (``pip install pgtheory[viz]``: matplotlib, ipywidgets). Import it
explicitly (``from pgtheory import viz``); ``import pgtheory`` does not load it.

Everything is imported lazily (PEP 562, a module ``__getattr__``): ``import pgtheory.viz`` loads
neither matplotlib nor ipywidgets; the first use of a name loads the submodule that defines it,
so ``viz.plot_learning_curves`` loads matplotlib and ``viz.n_explorer`` ipywidgets.
Submodules are reached the same way (``viz.cartpole``) or imported as usual
(``from pgtheory.viz.cartpole import learning_curves_figure``).
"""

from __future__ import annotations

import importlib
from typing import Any

#: Public name -> the submodule of pgtheory.viz that defines it.
_EXPORTS = {
    "PALETTE": "style",
    "use_book_style": "style",
    "plot_estimate_histogram": "monte_carlo",
    "plot_standard_deviation": "monte_carlo",
    "plot_learning_curves": "training",
    "plot_lqr_learning_curves": "lqr",
    "plot_variance_against_std": "lqr",
    "plot_surrogate_values": "surrogate",
    "plot_gradient_angles": "surrogate",
    "n_explorer": "widgets",
    "likelihood_ratio_explorer": "widgets",
    "reinforce_explorer": "widgets",
    "baseline_explorer": "widgets",
}

__all__ = list(_EXPORTS)


def _submodule(name: str) -> Any:
    try:
        return importlib.import_module(f"{__name__}.{name}")
    except ModuleNotFoundError as error:
        if error.name == f"{__name__}.{name}":
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
        if error.name and not error.name.startswith("pgtheory"):
            raise ModuleNotFoundError(
                f"{error.name} is not installed; pgtheory.viz needs the viz extra: "
                "pip install 'pgtheory[viz]'", name=error.name) from error
        raise


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(_submodule(_EXPORTS[name]), name)
    else:
        value = _submodule(name)
    globals()[name] = value  # later look-ups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
