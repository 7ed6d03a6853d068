"""No committed notebook output that nbval compares carries a number at rounding level.

nbval compares each fresh output with the committed one. A value such as ``max |difference| =
4.4e-16`` or ``2.9e-11`` depends on the CPU's SIMD kernels, the BLAS and its thread count, so it
differs between machines even though the assert that guards it passes everywhere. Such cells must
print the bound the assert checks (``max |difference| < 1e-10``) or digits that are the same on
every machine. A negative zero (``-0.0000``) is the same trap: the sign of a rounding error.

Flagged: a number in scientific notation below 1e-8 in size that is not a bound (preceded by
``<``, ``≤`` or ``<=``), and a printed negative zero. The scanner is tested on made-up outputs,
so it can fail.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

BOOK = Path(__file__).resolve().parents[1] / "book"
NOTEBOOKS = sorted(BOOK.glob("*.ipynb"))

# A float in scientific notation with a negative exponent of 9 or more: |x| < 1e-8.
_TINY = re.compile(
    r"(?P<before>(?:<=|[<≤])\s*)?(?<![\w.])[-+−]?\d+(?:\.\d+)?[eE]-0*(?:9|[1-9]\d)\b"
)
# A negative zero in fixed notation: -0.0, -0.000, −0.00 (not -0.001).
_NEGATIVE_ZERO = re.compile(r"(?<![\w.])[-−]0\.0+(?![\d])")


def rounding_noise(text: str) -> list[str]:
    """The substrings of TEXT that print rounding-level numbers (empty when clean)."""
    found = [m.group(0).strip() for m in _TINY.finditer(text) if not m.group("before")]
    found += [m.group(0) for m in _NEGATIVE_ZERO.finditer(text)]
    return found


def compared_text(output: nbformat.NotebookNode) -> str:
    """The text nbval compares for one output: stream text and text/plain data."""
    if output.output_type == "stream":
        return output.text
    if output.output_type in ("execute_result", "display_data"):
        return output.get("data", {}).get("text/plain", "")
    return ""


def test_scanner_flags_noise_and_passes_bounds() -> None:
    assert rounding_noise("max |RHS - exact| = 4.4e-16") == ["4.4e-16"]
    assert rounding_noise("max |difference| = 2.9e-11;") == ["2.9e-11"]
    assert rounding_noise("gap 2e-12 and 3.3E-09") == ["2e-12", "3.3E-09"]
    assert rounding_noise("mean -0.0000 and −0.00") == ["-0.0000", "−0.00"]
    assert rounding_noise("max |difference| < 1e-10, gap <= 1e-12, ≤ 1e-9") == []
    assert rounding_noise("J = 7.29, se 1.2e-3, p = 5e-05, -0.0012, x0.0") == []


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_outputs_print_no_rounding_noise(notebook: Path) -> None:
    nb = nbformat.read(notebook, as_version=4)
    problems = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            noise = rounding_noise(compared_text(output))
            if noise:
                problems.append(f"cell {index}: {', '.join(noise)}")
    assert problems == [], (
        f"{notebook.name} prints rounding-level numbers that differ between machines; print "
        f"the bound the assert checks instead: {problems}")
