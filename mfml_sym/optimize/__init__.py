"""Constrained optimisation behind ``%%lagrange``: Lagrangian, KKT, every candidate, the optimum and why.

>>> import mfml_sym as ms
>>> r = ms.lagrange(r"\\max_{x,y}\\; x y \\quad \\text{s.t.}\\quad x^2 + y^2 = 1")  # doctest: +SKIP
>>> r.status, r.optimal_value                                                        # doctest: +SKIP
('optimal', 1/2)

The structured entry :func:`solve_problem` takes sympy objects directly.
"""
from __future__ import annotations

from .engine import solve, solve_problem
from .entry import lagrange, problem_from_dict, problem_from_statements
from .model import Candidate, LagrangeResult, OptimisationProblem, Parameter, build_problem

__all__ = [
    "lagrange",
    "solve_problem",
    "solve",
    "problem_from_dict",
    "problem_from_statements",
    "build_problem",
    "Candidate",
    "LagrangeResult",
    "OptimisationProblem",
    "Parameter",
]
