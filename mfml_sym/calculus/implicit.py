"""Implicit differentiation: dy/dx on a curve F(x, y) = 0.

Differentiate both sides with y = y(x) (chain rule on every y), collect dy/dx:
``F_x + F_y · y' = 0 ⇒ y' = −F_x / F_y`` wherever ``F_y ≠ 0`` (implicit function theorem).
The check walks the curve itself: points on it are found numerically, y(x) is followed by
Newton's method at x ± h, and the slope from central differences is compared with ours.
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from ..derivation import CheckReport
from ..errors import OptionError
from ..numeric.finite_differences import central_difference, relative_error
from .checks import sample_value
from .context import Context, add_step, tex
from .forms import in_form

__all__ = ["implicit_relation", "implicit_derivative"]


def implicit_relation(problem) -> sp.Eq | None:
    """The first equation of the cell that is a curve F(x, y) = 0 (not a definition)."""
    for s in problem.expressions:
        e = getattr(s, "expr", None)
        if isinstance(e, sp.Equality) and len(e.free_symbols) >= 2:
            return e
    return None


def _pick(relation, problem, wrt) -> tuple:
    free = sorted(relation.free_symbols, key=str)
    names = {str(s): s for s in free}
    if wrt:
        w = wrt[0] if isinstance(wrt, (list, tuple)) else wrt
        w = str(w).split(",")[0].strip()
        if w not in names:
            raise OptionError(f"no variable named {w!r} in this equation (known: {', '.join(names)})")
        x = names[w]
    else:
        x = names.get("x", free[0])
    others = [s for s in free if s != x]
    y = names.get("y") if "y" in names and names["y"] != x else others[0]
    return x, y


def implicit_derivative(ctx: Context, relation, wrt=None) -> None:
    x, y = _pick(relation, ctx.problem, wrt)
    F = relation.lhs - relation.rhs
    Fx, Fy = sp.diff(F, x), sp.diff(F, y)
    value = in_form(-Fx / Fy, ctx.options.form)
    Y = sp.Function(str(y))(x)
    if ctx.options.steps:
        ctx.d.add_heading(f"Implicit differentiation ({y} = {y}({x}))")
        lhs_d = sp.diff(relation.lhs.subs(y, Y), x)
        rhs_d = sp.diff(relation.rhs.subs(y, Y), x)
        add_step(ctx.d, sp.Derivative(relation.lhs.subs(y, Y), x), lhs_d,
                 rule=f"differentiate the left side; chain rule on {y}({x})")
        add_step(ctx.d, sp.Derivative(relation.rhs.subs(y, Y), x), rhs_d, rule="and the right side")
        add_step(ctx.d, rf"\frac{{d{tex(y)}}}{{d{tex(x)}}}", -Fx / Fy,
                 rule=r"collect $\frac{dy}{dx}$: $F_x + F_y y' = 0$ (where $F_y \neq 0$)")
        add_step(ctx.d, None, value, rule="simplify")
    label = rf"\frac{{d{tex(y)}}}{{d{tex(x)}}}"
    ctx.d.add_result("derivative", value, label=label)
    ctx.d.function, ctx.d.variables = F, [x]
    from .derivatives import numpy_of

    ctx.d.add_numeric("derivative", lambda: numpy_of(ctx, value))
    if ctx.options.check:
        ctx.d.add_check(lambda: _curve_check(F, x, y, value))


def _curve_check(F, x, y, value, count: int = 5) -> CheckReport:
    from scipy.optimize import brentq

    gen = np.random.default_rng(12)
    params = {s: sample_value(s, gen) for s in F.free_symbols - {x, y}}
    Fn = sp.lambdify([x, y], F.subs(params), "numpy")
    Vn = sp.lambdify([x, y], value.subs(params), "numpy")
    grid = np.linspace(-4, 4, 161)
    worst, used = 0.0, 0

    def y_on_curve(x0, near):
        lo, hi = near - 0.05, near + 0.05
        with np.errstate(all="ignore"):
            if np.sign(Fn(x0, lo)) == np.sign(Fn(x0, hi)):
                raise FloatingPointError
            return brentq(lambda t: Fn(x0, t), lo, hi, xtol=1e-15, rtol=1e-15, maxiter=200)

    for _ in range(count * 20):
        x0 = float(gen.uniform(-2, 2))
        with np.errstate(all="ignore"):
            vals = np.array([Fn(x0, t) for t in grid], dtype=float)
        crossings = np.nonzero(np.sign(vals[:-1]) * np.sign(vals[1:]) < 0)[0]
        if not len(crossings):
            continue
        i = int(gen.choice(crossings))
        try:
            y0 = brentq(lambda t: Fn(x0, t), grid[i], grid[i + 1], xtol=1e-15, rtol=1e-15)
            slope = central_difference(lambda v: np.array(y_on_curve(v[0], y0)), np.array([x0]), h=1e-4)[0]
            ours = float(Vn(x0, y0))
        except (FloatingPointError, ValueError, ZeroDivisionError):
            continue
        if not (np.isfinite(slope) and np.isfinite(ours)) or abs(ours) > 50:  # near a vertical tangent
            continue
        used += 1
        worst = max(worst, relative_error(np.array(ours), np.array(slope)))
        if used >= count:
            break
    if not used:
        return CheckReport(False, "no point of the curve found to check at", what="implicit derivative")
    return CheckReport(worst <= 1e-6, "slope of the curve followed numerically (central differences)",
                       points=used, max_error=worst, tolerance=1e-6, what="implicit derivative")
