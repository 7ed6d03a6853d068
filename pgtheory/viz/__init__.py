"""Figures and widgets over pgtheory's maths: matplotlib and ipywidgets live here, never in the
maths modules. Data flows one way: book -> pgtheory.viz -> pgtheory.

Import it explicitly (`from pgtheory import viz`); `import pgtheory` does not load matplotlib.
"""

from .style import PALETTE, use_book_style

__all__ = ["PALETTE", "use_book_style"]
