"""Stationary points of an unconstrained function: solve ∇f = 0, classify with the Hessian.

MML sec. 7.1 and 5.7: at a stationary point a positive definite Hessian means a local minimum,
negative definite a local maximum, indefinite a saddle point; a singular semidefinite Hessian
leaves the second-derivative test inconclusive ("degenerate"). ``solve`` runs under a time
budget; when the system is not polynomial the solution set may be incomplete, and we say so.
The check confirms ∇f ≈ 0 at every point and the classification by sampling f around it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp

from ..budget import bounded, remaining, time_budget
from ..derivation import CheckReport
from ..errors import BudgetExceeded
from .checks import sample_value
from .context import Context, add_step, tex
from .forms import in_form

__all__ = ["StationaryPoint", "stationary_points", "classify"]


@dataclass
class StationaryPoint:
    point: dict
    value: Any
    kind: str  # "minimum", "maximum", "saddle point", "degenerate", "unclassified"
    eigenvalues: list = field(default_factory=list)
    exact: bool = True


def classify(H_at) -> tuple[str, list]:
    """Kind of a stationary point from the Hessian there (numeric eigenvalues)."""
    try:
        A = np.array(H_at.evalf(), dtype=float)
    except (TypeError, ValueError):
        definite = bounded(lambda: (H_at.is_positive_definite, H_at.is_negative_definite), seconds=1.0,
                           fallback=(None, None))
        if definite[0]:
            return "minimum", []
        if definite[1]:
            return "maximum", []
        return "unclassified (depends on the parameters)", []
    ev = np.linalg.eigvalsh((A + A.T) / 2)
    scale = max(1.0, float(np.max(np.abs(ev))))
    tol = 1e-9 * scale
    if np.all(ev > tol):
        return "minimum", ev.tolist()
    if np.all(ev < -tol):
        return "maximum", ev.tolist()
    if np.any(ev > tol) and np.any(ev < -tol):
        return "saddle point", ev.tolist()
    return "degenerate (Hessian singular: the second-derivative test is inconclusive)", ev.tolist()


def _is_polynomial(exprs, variables) -> bool:
    """Is ∇f = 0 equivalent to a polynomial system (numerators, without never-zero exp factors)?"""
    def core(e):
        num = sp.fraction(sp.together(sp.sympify(e)))[0]
        factors = sp.Mul.make_args(bounded(sp.factor, num, seconds=0.5, fallback=num))
        kept = [f for f in factors if not (isinstance(f, sp.exp) or (f.is_Pow and isinstance(f.base, sp.exp)))]
        return sp.Mul(*kept)

    return all(core(e).is_polynomial(*variables) for e in exprs)


def _numeric_roots(grad, variables, params: dict, starts: int = 24) -> list[dict]:
    from scipy.optimize import least_squares

    fn = sp.lambdify(variables, list(grad.subs(params)), "numpy")
    gen = np.random.default_rng(2)
    found: list[np.ndarray] = []
    for _ in range(starts):
        x0 = gen.uniform(-3, 3, size=len(variables))
        try:
            with np.errstate(all="ignore"):
                res = least_squares(lambda v: np.asarray(fn(*v), dtype=float), x0, xtol=1e-14, ftol=1e-14)
        except (ValueError, FloatingPointError):
            continue
        if res.success and np.max(np.abs(res.fun)) < 1e-9 and not any(np.allclose(res.x, f, atol=1e-6) for f in found):
            found.append(res.x)
    return [dict(zip(variables, [sp.Float(v, 10) for v in f])) for f in found]


def stationary_points(ctx: Context) -> None:
    if ctx.vector_valued:
        from ..errors import UnsupportedError

        raise UnsupportedError("stationary points are found here for a scalar function")
    variables = ctx.variables
    grad = sp.Matrix([in_form(sp.diff(ctx.f, v), ctx.options.form) for v in variables])
    H = sp.hessian(ctx.f, variables)
    d = ctx.d
    incomplete = []
    solutions: list[dict] = []
    exact = True
    seconds = min(10.0, remaining() or 10.0)
    try:
        with time_budget(seconds, step="solving ∇f = 0"):
            raw = sp.solve(list(grad), variables, dict=True)
        solutions = raw
    except BudgetExceeded:
        incomplete.append("solving ∇f = 0 exactly ran past its budget; the points below were found numerically")
        exact = False
    except (NotImplementedError, ValueError, TypeError) as exc:
        incomplete.append(f"sympy could not solve ∇f = 0 exactly ({type(exc).__name__}); points found numerically")
        exact = False
    if exact and not _is_polynomial(grad, variables):
        incomplete.append("∇f = 0 is not a polynomial system: the exact solutions found may not be all of them")
    params = ctx.parameters
    if not exact:
        if params:
            incomplete.append("numeric search needs values for the parameters " + ", ".join(map(str, params)))
        else:
            solutions = _numeric_roots(grad, variables, {})
    points: list[StationaryPoint] = []
    dropped = 0
    for sol in solutions:
        if any(v not in sol for v in variables):
            free = [str(v) for v in variables if v not in sol]
            incomplete.append(f"a whole set of stationary points, parametrised by {', '.join(free)}: {sol}")
            continue
        values = {v: sol[v] for v in variables}
        if any(val.is_real is False for val in values.values()):
            dropped += 1
            continue
        value = in_form(ctx.f.subs(values, simultaneous=True), ctx.options.form)
        kind, ev = classify(H.subs(values, simultaneous=True))
        points.append(StationaryPoint(values, value, kind, ev, exact))
    if dropped:
        d.notes.append(f"{dropped} complex solution(s) of ∇f = 0 left out (not real points)")
    d.stationary_points = points  # type: ignore[attr-defined]
    for msg in incomplete:
        d.warnings.append(msg)
    fl = ctx.flabel()
    if ctx.options.steps:
        d.add_heading("Stationary points: solve ∇f = 0")
        add_step(d, rf"\nabla {fl}", grad, rule="gradient (set to 0)")
        add_step(d, rf"\nabla^2 {fl}", H, rule="Hessian (classifies each point)")
        for p in points:
            lhs = "(" + ", ".join(f"{tex(v)} = {sp.latex(p.point[v])}" for v in variables) + ")"
            ev = ", ".join(f"{e:.4g}" for e in p.eigenvalues)
            add_step(d, lhs, p.value, rule=f"{p.kind}" + (f" (Hessian eigenvalues {ev})" if ev else "")
                       + ("" if p.exact else " [numeric]"), relation=r"\mapsto")
        if not points:
            add_step(d, rf"\nabla {fl}", sp.zeros(len(variables), 1), rule="no real solution found", relation=r"\neq")
    d.add_result("stationary", sp.Tuple(*[sp.Tuple(*[p.point[v] for v in variables]) for p in points]),
                 label=r"\text{stationary points } (" + ", ".join(tex(v) for v in variables) + ")")
    if ctx.options.check and points:
        d.add_check(lambda: _check(ctx.f, grad, variables, points, params))


def _check(f, grad, variables, points, params) -> CheckReport:
    """∇f ≈ 0 at each point, and f around it behaves as its kind says (sampled on a small sphere)."""
    gen = np.random.default_rng(8)
    pvals = {s: sample_value(s, gen) for s in params}
    fn = sp.lambdify(variables, f.subs(pvals), "numpy")
    gn = sp.lambdify(variables, list(grad.subs(pvals)), "numpy")
    worst, bad = 0.0, None
    for p in points:
        try:
            x0 = np.array([complex(sp.sympify(p.point[v]).subs(pvals)).real for v in variables])
        except TypeError:
            continue
        with np.errstate(all="ignore"):
            g = np.asarray(gn(*x0), dtype=float)
            f0 = float(fn(*x0))
        scale = max(1.0, abs(f0), float(np.max(np.abs(x0))) if x0.size else 1.0)
        err = float(np.max(np.abs(g))) / scale
        worst = max(worst, err)
        if err > 1e-7:
            bad = {"point": x0.round(6).tolist(), "gradient": g.round(8).tolist()}
            continue
        if p.kind in ("minimum", "maximum", "saddle point"):
            eps = 1e-3 * max(1.0, float(np.max(np.abs(x0))))
            diffs = []
            for _ in range(64):
                u = gen.normal(size=x0.size)
                u /= np.linalg.norm(u)
                with np.errstate(all="ignore"):
                    diffs.append(float(fn(*(x0 + eps * u))) - f0)
            diffs = np.array(diffs)
            tiny = 1e-12 * max(1.0, abs(f0))
            ok = (np.all(diffs > -tiny) if p.kind == "minimum" else np.all(diffs < tiny) if p.kind == "maximum"
                  else (np.any(diffs > tiny) and np.any(diffs < -tiny)))
            if not ok:
                bad = {"point": x0.round(6).tolist(), "kind": p.kind, "sampled change": [diffs.min(), diffs.max()]}
    passed = bad is None
    return CheckReport(passed, "∇f = 0 at each point; f sampled around each point agrees with its kind",
                       points=len(points), max_error=worst, tolerance=1e-7, what="stationary points",
                       counterexample=bad)
