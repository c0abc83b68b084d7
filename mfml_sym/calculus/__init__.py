"""The calculus engine behind ``%%derive``: derivatives with their rules, checked numerically.

``derive(text, *operations, wrt=..., order=..., at=..., along=...)`` returns a
:class:`~mfml_sym.calculus.context.CalculusDerivation`; see :mod:`mfml_sym.calculus.engine`.
"""
from __future__ import annotations

from .context import CalculusDerivation, Verdict
from .engine import ALIASES, OPERATIONS, derive, problem_from_expression

__all__ = ["derive", "CalculusDerivation", "Verdict", "OPERATIONS", "ALIASES", "problem_from_expression"]
