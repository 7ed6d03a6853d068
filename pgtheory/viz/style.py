"""One look for every figure in the book: a colour-blind-safe palette and legible sizes.

The palette is Okabe and Ito's (2008), distinguishable under the common forms of colour-vision
deficiency; figures also vary line style or marker where lines must be told apart.
"""

from __future__ import annotations

import matplotlib as mpl
from cycler import cycler

#: Okabe–Ito colours: blue, orange, bluish green, vermillion, sky blue, reddish purple,
#: yellow, black.
PALETTE: tuple[str, ...] = (
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#000000",
)


def tex_number(n: int) -> str:
    """An integer with thousands separators for maths mode: 20000 -> ``20{,}000``.

    Inside ``$...$`` matplotlib's mathtext (like TeX) spaces a bare comma as punctuation;
    ``{,}`` keeps it tight, so ``f"$N = {tex_number(n)}$"`` reads "N = 20,000".
    """
    return f"{int(n):,}".replace(",", "{,}")


def use_book_style() -> None:
    """Set matplotlib's defaults for the book: palette, font sizes, grid, figure size."""
    mpl.rcParams.update({
        "axes.prop_cycle": cycler(color=PALETTE),
        "figure.figsize": (7.0, 4.0),
        "figure.dpi": 100,
        "savefig.dpi": 100,
        "font.size": 11,
        "axes.titlesize": 12,
        "axes.labelsize": 11,
        "legend.fontsize": 10,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "figure.constrained_layout.use": True,
    })
