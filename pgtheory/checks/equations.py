"""Where the book defines what the checks test: equation label -> document, in ONE place.

Every message of :mod:`pgtheory.checks` that sends a student back to the book is rendered from
these two tables, so moving an equation to another document is a one-line change here. (The
docstrings of the checks cite the same labels and documents in their text;
``tests/test_checks.py`` fails when one of them disagrees with :data:`EQUATIONS`, or when a label
is not defined in the document named here.)
"""

from __future__ import annotations

__all__ = ["EQUATIONS", "SECTIONS", "cite", "section"]

#: Equation label -> the document that defines it (``$$ ... $$ (label)`` in ``<document>.md``).
EQUATIONS: dict[str, str] = {
    "softmax-score": "book/factorization",
    "grad-log-traj": "book/factorization",
    "pg-theorem": "book/theorem",
    "mc-estimate": "book/monte_carlo",
    "reward-to-go": "book/reward_to_go",
    "baseline": "book/baselines",
    "reinforce-update": "book/reinforce",
    "surrogate-loss": "book/surrogate",
    "stop-gradient": "book/surrogate",
}

#: Sections the messages point at: name -> (heading, document).
SECTIONS: dict[str, tuple[str, str]] = {
    "doubled-gradient": ("A doubled gradient (optional)", "book/theorem"),
    "episodes-not-steps": ("The average runs over episodes, not over time steps",
                           "book/monte_carlo"),
    "state-not-action": ("A baseline must not depend on the action", "book/baselines"),
}


def cite(*labels: str) -> str:
    """``eq. reward-to-go (book/reward_to_go)``; equations of one document are grouped:
    ``eqs. grad-log-traj and softmax-score (book/factorization)``.

    Raises ``KeyError`` for a label missing from :data:`EQUATIONS`.
    """
    documents: dict[str, list[str]] = {}
    for label in labels:
        documents.setdefault(EQUATIONS[label], []).append(label)
    return "; ".join(
        f"{'eq.' if len(names) == 1 else 'eqs.'} {' and '.join(names)} ({document})"
        for document, names in documents.items()
    )


def section(name: str) -> str:
    """``the section "A doubled gradient (optional)" (book/theorem)``."""
    heading, document = SECTIONS[name]
    return f'the section "{heading}" ({document})'
