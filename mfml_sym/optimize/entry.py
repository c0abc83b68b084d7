"""``lagrange(text_or_problem)``: the public entry, from cell text, a parsed Problem or a dict.

Cell text goes through :func:`mfml_sym.parse` to a :class:`mfml_sym.problem.Problem`; its
``Objective`` (sense, variables, objective, conditions under the operator such as ``x > 0``),
``Constraint`` statements and ``Declaration`` statements (parameter assumptions ``s > 0``) become
an :class:`OptimisationProblem`. A dict in the form of ``examples/lagrange.json``'s ``problem``
(strings in sympy syntax) is accepted too.
"""
from __future__ import annotations

from typing import Any

import sympy as sp

from ..errors import MfmlError, OptionError, UnsupportedError
from .engine import solve
from .from_text import problem_from_statements
from .model import LagrangeResult, OptimisationProblem, Parameter, build_problem

__all__ = ["lagrange", "problem_from_dict", "problem_from_statements"]

_ASSUMPTIONS = {"positive", "negative", "nonnegative", "nonpositive", "nonzero", "real", "integer"}


def problem_from_dict(spec: dict) -> OptimisationProblem:
    """An :class:`OptimisationProblem` from the ``problem`` form of ``examples/lagrange.json``."""
    params = []
    local: dict[str, Any] = {}
    for p in spec.get("parameters", []) or []:
        kw = {a: True for a in p.get("assumptions", ["real"]) if a in _ASSUMPTIONS}
        kw.setdefault("real", True)
        s = sp.Symbol(p["name"], **kw)
        local[p["name"]] = s
        params.append(Parameter(s, tuple(p.get("sample_range", (-3, 3)))))
    variables, domains = [], {}
    for v in spec["variables"]:
        v = {"name": v} if isinstance(v, str) else v
        s = sp.Symbol(v["name"], real=True)
        local[v["name"]] = s
        variables.append(s)
        domains[s] = v.get("domain", "real")

    def read(text):
        try:
            return sp.sympify(text, locals=local)
        except (sp.SympifyError, SyntaxError, TypeError) as exc:
            raise OptionError(f"cannot read {text!r} as a sympy expression") from exc

    return build_problem(
        spec.get("sense", "min"), read(spec["objective"]), variables,
        [read(e) for e in spec.get("equalities", []) or []],
        [read(g) for g in spec.get("inequalities", []) or []],
        params, domains, [read(c) for c in spec.get("parameter_conditions", []) or []],
    )


def lagrange(text_or_problem: Any, sense: str | None = None, timeout: float | None = None, check: bool = True,
             steps: bool = True, numeric_starts: int = 20) -> LagrangeResult:
    """Solve a constrained optimisation problem with Lagrange multipliers / KKT, exactly and checked.

    ``text_or_problem`` is cell text (LaTeX or sympy syntax, read by :func:`mfml_sym.parse`), a
    parsed :class:`mfml_sym.problem.Problem`, an :class:`OptimisationProblem`, or a dict in the
    ``problem`` form of ``examples/lagrange.json``. ``sense`` overrides the sense written.
    """
    title = ""
    if isinstance(text_or_problem, OptimisationProblem):
        problem = text_or_problem
    elif isinstance(text_or_problem, dict):
        problem = problem_from_dict(text_or_problem)
    else:
        if isinstance(text_or_problem, str):
            from ..notation import parse

            title = text_or_problem.strip()
            parsed = parse(text_or_problem)
        else:
            parsed = text_or_problem
        from .matrix_form import has_symbolic_dimension, solve_matrix_problem

        if has_symbolic_dimension(parsed) and not parsed.data:
            result = solve_matrix_problem(parsed, sense)
            result.title = title
            if check:
                report = result.check()
                if not report.passed:
                    result.warnings.insert(0, "NUMERIC CHECK FAILED: " + report.summary())
            return result
        try:
            problem = problem_from_statements(parsed, sense)
        except MfmlError:
            raise
        except (TypeError, ValueError, AttributeError) as exc:
            raise UnsupportedError(f"cannot set up the optimisation problem: {exc}") from exc
    if sense is not None and isinstance(text_or_problem, (OptimisationProblem, dict)):
        problem.sense = sense
    return solve(problem, timeout=timeout, check=check, steps=steps, numeric_starts=numeric_starts, title=title)
