"""Shared test set-up: make tools/ importable (build and audit helpers used by the tests)."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
