"""The derivation's steps: Lagrangian, KKT conditions, active-set cases, candidates, verdict.

Each step is an equation or relation with the rule that justifies it, in LaTeX (for notes and
the notebook) with a plain-text form for terminals.
"""
from __future__ import annotations

import sympy as sp

from .model import LagrangeResult, OptimisationProblem
from .kkt import pretty
from .sampling import root_value

__all__ = ["record_kkt", "record_candidates", "record_verdict", "describe_point"]


def _tex(e) -> str:
    try:
        from ..render.latex_printer import to_latex

        return to_latex(e)
    except Exception:  # the shared printer is optional here
        return sp.latex(e)


def shown(v):
    """A value as displayed: a long exact algebraic number (CRootOf) by its 12-digit value."""
    e = sp.sympify(v)
    if not isinstance(e, sp.CRootOf) and e.has(sp.CRootOf) and not e.free_symbols:
        try:
            roots = {r: root_value(r) for r in e.atoms(sp.CRootOf)}
            return sp.Float(e.xreplace(roots).evalf(12), 12)
        except (TypeError, ValueError):
            return e
    return e


def describe_point(point: dict) -> str:
    return "(" + ", ".join(f"{k} = {shown(v)}" for k, v in point.items()) + ")"


def _point_tex(point: dict) -> str:
    return r"\left(" + ", ".join(f"{_tex(sp.Symbol(k))} = {_tex(shown(v))}" for k, v in point.items()) + r"\right)"


def record_kkt(result: LagrangeResult, problem: OptimisationProblem, L, lams, mus) -> None:
    x = problem.variables
    args = ", ".join(_tex(v) for v in (*x, *lams, *mus))
    result.add_heading("Lagrangian (minimisation form, MML sec. 7.2)")
    form = "f" if problem.sense == "min" else "-f"
    result.add_step(rf"\mathcal{{L}}({args})", L,
                    rule=f"minimisation form: {form} + λ·(equalities h = 0) + μ·(inequalities g ≤ 0), μ ≥ 0",
                    text=f"L({', '.join(str(v) for v in (*x, *lams, *mus))}) = {L}")
    if problem.positive:
        result.notes.append("open domain: " + ", ".join(f"{v} > 0" for v in sorted(problem.positive, key=str))
                            + " (no multiplier; candidates outside are discarded)")
    result.add_heading("KKT conditions")
    for v in x:
        d = sp.diff(L, v)
        result.add_step(rf"\frac{{\partial \mathcal{{L}}}}{{\partial {_tex(v)}}}", _tex(d) + " = 0",
                        rule="stationarity", text=f"dL/d{v} = {d} = 0")
    for lam, h in zip(lams, problem.equalities):
        result.add_step(h, sp.Integer(0), rule="primal feasibility (equality)", text=f"{h} = 0")
    for mu, g in zip(mus, problem.inequalities):
        result.add_step(g, sp.Integer(0), relation=r"\le", rule=f"primal feasibility; {pretty(mu)} ≥ 0, {pretty(mu)}·g = 0 "
                        "(dual feasibility, complementary slackness)", text=f"{g} <= 0")


def record_candidates(result: LagrangeResult, problem: OptimisationProblem, cases) -> None:
    lams, mus = result.multiplier_symbols
    if problem.inequalities:
        result.add_heading(f"Active sets ({len(cases)} cases of complementary slackness)")
    else:
        result.add_heading("Solving the Lagrange equations")
    for case in cases:
        active = "{" + ", ".join(str(j + 1) for j in case.active) + "}"
        label = f"active set {active}" if problem.inequalities else "system"
        label_tex = (r"\text{active set } \{" + ", ".join(str(j + 1) for j in case.active) + r"\}"
                     if problem.inequalities else r"\text{system}")
        if not case.equations:
            result.add_step(label_tex, r"\text{skipped}", rule="; ".join(case.notes), relation=":",
                            text=f"{label}: skipped")
            continue
        if not case.solutions:
            why = "no solution" + (f" ({case.method})" if case.method else "")
            if case.notes:
                why += "; " + "; ".join(case.notes)
            result.add_step(label_tex, r"\varnothing", rule=why, relation=":", text=f"{label}: no solution")
            continue
        for sol, verdict, kept in case.solutions:
            order = [*problem.variables, *lams, *mus]
            named = {str(k): sol[k] for k in sorted(sol, key=lambda k: order.index(k) if k in order else len(order))}
            rule = verdict + (f"  [{case.method}]" if case.method else "")
            result.add_step(label_tex, _point_tex(named), rule=rule, relation=":",
                            text=f"{label}: {describe_point(named)}")
        if case.notes:
            result.notes.extend(case.notes)
    result.add_heading("Candidates")
    for c in result.candidates:
        mult = "no multipliers (LICQ fails)" if c.multipliers is None else ", ".join(
            f"{pretty(k)} = {shown(v)}" for k, v in c.multipliers.items())
        tag = " (numeric)" if c.numeric else ""
        if not c.numeric and sp.sympify(c.value).has(sp.CRootOf):
            try:
                tag = f" (f ≈ {float(sp.N(c.value)):.10g})"
            except (TypeError, ValueError):
                pass
        result.add_step(_point_tex(c.point), shown(c.value), relation=r"\mapsto f =",
                        rule=f"{c.kind}{tag}; {mult}" + (f"; {c.note}" if c.note else ""),
                        text=f"{describe_point(c.point)}: f = {shown(c.value)}")


def record_verdict(result: LagrangeResult, problem: OptimisationProblem) -> None:
    result.add_heading("Optimum")
    if result.status in ("optimal", "optimal_no_kkt"):
        pts = ", ".join(describe_point(c.point) for c in result.optimal_points)
        result.add_step("f^*", shown(result.optimal_value), rule=result.justification,
                        text=f"f* = {shown(result.optimal_value)} at {pts}")
    elif result.status == "unbounded":
        result.add_step("f^*", result.optimal_value, rule=result.justification,
                        text=f"f* = {result.optimal_value}")
    else:
        result.add_step(r"\text{status}", rf"\text{{{result.status}}}", relation=":",
                        rule=result.justification or "; ".join(result.warnings), text=f"status: {result.status}")


def record_dual(result: LagrangeResult) -> None:
    """The dual function, its domain and the dual optimum (MML eq. (7.27))."""
    dual = result.dual
    args = ", ".join(str(v) for v in dual["variables"])
    result.add_heading("Lagrange dual")
    result.add_step(rf"g({', '.join(_tex(v) for v in dual['variables'])})", dual["function"],
                    rule="min over x of the Lagrangian (stationarity is linear in x)",
                    text=f"g({args}) = {dual['function']}")
    for c in dual["constraints"]:
        result.add_step(c, r"\text{dual constraint}", relation=":", rule="domain of the dual problem", text=f"{c}")
    if dual["value"] is not None:
        rule = "strong duality: d* = p*" if dual["strong_duality"] else "dual value at the optimal multipliers"
        result.add_step("d^*", dual["value"], rule=rule, text=f"d* = {dual['value']} ({rule})")
    result.add_result("dual_function", dual["function"], label="g")
