"""Limits, integrals (with the fundamental theorem) and the change-of-variables formula for densities.

* ``limit``: every ``\\lim`` written in the cell (or the function's limit at ``at=``), evaluated
  under a budget; checked by evaluating the expression ever closer to the limit point.
* ``integral``: every ``\\int`` in the cell (or the antiderivative of the function), with the
  rules sympy's manual integrator reports; an antiderivative is checked by differentiating it
  (F' = f at random points), a definite integral by ``scipy.integrate.quad``.
* ``change_of_variables``: for ``y = g(x)`` and a density ``p_X``,
  ``p_Y(y) = Σ_k p_X(h_k(y)) |h_k'(y)|`` over the branches ``h_k`` of ``g^{-1}`` (MML eq. 6.144 /
  sec. 6.7); checked by comparing probabilities of random intervals by quadrature.
"""
from __future__ import annotations


import numpy as np
import sympy as sp

from ..budget import bounded, remaining, time_budget
from ..derivation import CheckReport
from ..errors import BudgetExceeded, OptionError, UnsupportedError
from ..problem import Definition, ExpressionStatement
from .checks import sample_value, values_agree
from .context import Context, add_step, tex
from .forms import in_form

__all__ = ["limit", "integral", "change_of_variables", "integration_rules"]


def _expressions(ctx: Context) -> list:
    out = []
    for s in ctx.problem.statements:
        e = getattr(s, "expr", None) if isinstance(s, (Definition, ExpressionStatement)) else None
        if isinstance(e, sp.Basic):
            out.append(e)
    return out


def _find(ctx: Context, cls) -> list:
    found = []
    for e in _expressions(ctx):
        for node in sp.preorder_traversal(e):
            if isinstance(node, cls) and node not in found:
                found.append(node)
    return found


def _budget() -> float:
    return min(10.0, remaining() or 10.0)


# -- limits ------------------------------------------------------------------------------------

def limit(ctx: Context) -> None:
    limits = _find(ctx, sp.Limit)
    if not limits:
        if ctx.options.at is None or not ctx.variables:
            raise OptionError("no \\lim in the cell; write \\lim_{x \\to 0} ... or give --at x=0")
        from .taylor import expansion_point

        point, _ = expansion_point(ctx)
        v = ctx.variables[0]
        limits = [sp.Limit(ctx.f, v, point[v])]
    for k, lim in enumerate(limits):
        expr, v, a = lim.args[0], lim.args[1], lim.args[2]
        direction = str(lim.args[3]) if len(lim.args) > 3 else "+-"
        try:
            with time_budget(_budget(), step="the limit"):
                value = lim.doit()
        except BudgetExceeded:
            ctx.d.warnings.append(f"the limit {sp.sstr(lim)} was not found within the time budget")
            continue
        name = "limit" if k == 0 else f"limit {k + 1}"
        if ctx.options.steps:
            ctx.d.add_heading("Limit")
            direct = bounded(lambda: expr.subs(v, a), seconds=0.5, fallback=None)
            if direct is not None and (direct.has(sp.nan, sp.zoo) or direct is sp.nan):
                add_step(ctx.d, sp.latex(lim), r"\text{indeterminate form at } " + tex(v) + " = " + sp.latex(a),
                               rule="direct substitution fails")
            add_step(ctx.d, sp.Limit(expr, v, a, dir=direction) if direction != "+-" else lim, value,
                           rule="limit (series expansion / L'Hôpital, by sympy)")
        ctx.d.add_result(name, value, label=sp.latex(lim))
        if ctx.options.check:
            ctx.d.add_check(lambda expr=expr, v=v, a=a, value=value, direction=direction:
                            _limit_check(expr, v, a, value, direction))


def _limit_check(expr, v, a, value, direction) -> CheckReport:
    gen = np.random.default_rng(1)
    params = {s: sample_value(s, gen) for s in expr.free_symbols if s != v}
    f = sp.lambdify([v], expr.subs(params), "mpmath")
    target = complex(sp.sympify(value).subs(params)) if value.is_finite is not False else None
    import mpmath

    mpmath.mp.dps = 40
    errs = []
    sides = [1, -1] if direction == "+-" else ([1] if direction == "+" else [-1])
    for side in sides:
        for h in (1e-6, 1e-9):
            if a in (sp.oo, -sp.oo):
                x = mpmath.mpf(1 / h) * (1 if a == sp.oo else -1)
            else:
                x = mpmath.mpf(complex(sp.sympify(a).subs(params)).real) + side * h
            try:
                y = complex(f(x))
            except (ZeroDivisionError, ValueError, TypeError):
                continue
            if target is None:
                errs.append(0.0 if abs(y) > 1e5 else float("inf"))
            else:
                errs.append(abs(y - target) / max(1.0, abs(target)))
    mpmath.mp.dps = 15
    if not errs:
        return CheckReport(False, "could not evaluate near the limit point", what="limit")
    worst = min(errs[-1], max(errs)) if len(errs) else float("inf")
    worst = max(errs[1::2]) if len(errs) > 1 else errs[0]  # the closest evaluation of each side
    return CheckReport(worst < 1e-4, "evaluated at distance 1e-6 and 1e-9 from the point (40 digits)",
                       points=len(errs), max_error=worst, tolerance=1e-4, what="limit")


# -- integrals ---------------------------------------------------------------------------------

def integration_rules(integrand, v) -> list[str]:
    """Names of the rules sympy's manual integrator uses (power rule, u-substitution, parts, ...)."""
    try:
        from sympy.integrals.manualintegrate import integral_steps
    except ImportError:  # pragma: no cover
        return []
    steps = bounded(integral_steps, integrand, v, seconds=2.0, fallback=None)
    if steps is None:
        return []
    names: list[str] = []

    def walk(node):
        import dataclasses

        name = type(node).__name__
        readable = {
            "PowerRule": "power rule", "ConstantRule": "constant rule", "ConstantTimesRule": "constant multiple",
            "AddRule": "sum rule", "PartsRule": "integration by parts",
            "CyclicPartsRule": "integration by parts (cyclic)", "ExpRule": "exponential rule",
            "ReciprocalRule": "1/u rule", "RewriteRule": "rewrite", "ArctanRule": "arctan rule",
            "SinRule": "trigonometric rule", "CosRule": "trigonometric rule", "DontKnowRule": "no elementary rule",
        }.get(name, name.replace("Rule", " rule").lower())
        if name == "URule":
            readable = f"substitution u = {sp.sstr(getattr(node, 'u_func', '?'))}"
        if readable not in names and name != "AlternativeRule":
            names.append(readable)
        if not dataclasses.is_dataclass(node):
            return
        if name == "AlternativeRule":
            alternatives = getattr(node, "alternatives", [])
            if alternatives:
                walk(alternatives[0])
            return
        for f in dataclasses.fields(node):
            value = getattr(node, f.name)
            for sub in (value if isinstance(value, (list, tuple)) else [value]):
                if dataclasses.is_dataclass(sub) and hasattr(sub, "integrand"):
                    walk(sub)

    walk(steps)
    return names


def integral(ctx: Context) -> None:
    integrals = _find(ctx, sp.Integral)
    if not integrals:
        if not ctx.variables:
            raise OptionError("no \\int in the cell and no function to integrate")
        v = ctx.variables[0]
        bounds = ctx.options.at
        if isinstance(bounds, str) and "," in bounds:
            bounds = [sp.sympify(b) for b in bounds.split(",")]
        if isinstance(bounds, (list, tuple)) and len(bounds) == 2:
            integrals = [sp.Integral(ctx.f, (v, sp.sympify(bounds[0]), sp.sympify(bounds[1])))]
        else:
            integrals = [sp.Integral(ctx.f, v)]
    for k, itg in enumerate(integrals):
        integrand, limits = itg.function, itg.limits
        name = "integral" if k == 0 else f"integral {k + 1}"
        try:
            with time_budget(_budget(), step="the integral"):
                value = itg.doit()
        except BudgetExceeded:
            ctx.d.warnings.append(f"the integral {sp.sstr(itg)} was not found within the time budget")
            continue
        if value.has(sp.Integral):
            ctx.d.warnings.append(f"no closed form found for {sp.sstr(itg)}; left as an integral")
        value = in_form(value, ctx.options.form)
        definite = all(len(lim) == 3 for lim in limits)
        if ctx.options.steps:
            ctx.d.add_heading("Definite integral" if definite else "Antiderivative")
            rules = integration_rules(integrand, limits[0][0]) if len(limits) == 1 else []
            if definite and len(limits) == 1:
                v, lo, hi = limits[0]
                F = bounded(lambda: sp.integrate(integrand, v), seconds=_budget(), fallback=None)
                if F is not None and not F.has(sp.Integral):
                    add_step(ctx.d, itg, sp.Subs(F, v, hi) - sp.Subs(F, v, lo),
                                   rule="fundamental theorem of calculus: F(b) − F(a), $F = "
                                   + sp.latex(in_form(F, ctx.options.form)) + "$")
                    add_step(ctx.d, None, value, rule="; ".join(rules) if rules else "evaluate")
                else:
                    add_step(ctx.d, itg, value, rule="; ".join(rules) if rules else "integrate")
            else:
                add_step(ctx.d, itg, sp.Add(value, sp.Symbol("C"), evaluate=False) if not definite else value,
                               rule="; ".join(rules) if rules else "integrate")
        ctx.d.add_result(name, value, label=sp.latex(itg))
        if ctx.options.check and not value.has(sp.Integral):
            ctx.d.add_check(lambda itg=itg, value=value, definite=definite: _integral_check(itg, value, definite))


def _integral_check(itg, value, definite) -> CheckReport:
    integrand, limits = itg.function, itg.limits
    if not definite:
        v = limits[0][0]
        ok, rows = values_agree(sp.diff(value, v), integrand, value.free_symbols | integrand.free_symbols,
                                count=8, tolerance=1e-8)
        return CheckReport(bool(ok), "differentiated the antiderivative: F' = f", points=len(rows),
                           max_error=0.0 if ok else 1.0, tolerance=1e-8, what="antiderivative")
    if len(limits) != 1:
        return CheckReport(False, "numeric check of multiple integrals not available", what="integral")
    from scipy.integrate import quad

    v, lo, hi = limits[0]
    gen = np.random.default_rng(6)
    params = {s: sample_value(s, gen) for s in (integrand.free_symbols | value.free_symbols) - {v}}
    try:
        f = sp.lambdify([v], integrand.subs(params), "numpy")
        a = float(sp.sympify(lo).subs(params)) if lo not in (-sp.oo,) else -np.inf
        b = float(sp.sympify(hi).subs(params)) if hi not in (sp.oo,) else np.inf
        with np.errstate(all="ignore"):
            q, est = quad(lambda t: float(f(t)), a, b, limit=200)
        exact = complex(sp.sympify(value).subs(params))
    except (TypeError, ValueError, ZeroDivisionError) as exc:
        return CheckReport(False, f"quadrature not possible ({type(exc).__name__})", what="integral")
    err = abs(exact - q) / max(1.0, abs(q))
    return CheckReport(err < 1e-7, "scipy.integrate.quad", points=1, max_error=err, tolerance=1e-7,
                       what="definite integral")


# -- change of variables -----------------------------------------------------------------------

def change_of_variables(ctx: Context) -> None:
    """p_Y(y) = Σ_k p_X(h_k(y)) |h_k'(y)| for y = g(x) (h_k the branches of g^{-1})."""
    subs = ctx.problem.substitutions
    if not subs or not ctx.variables:
        raise UnsupportedError("change of variables needs a density p(x) = ... and a transformation y = g(x)")
    if len(ctx.variables) > 1:
        from .densities import change_of_variables_multivariate

        change_of_variables_multivariate(ctx)
        return
    x = ctx.variables[0]
    sub = next((s for s in subs if s.expr is not None and s.expr.has(x)), None)
    inverse_given = None
    if sub is None:
        sub = next((s for s in subs if s.target == x), None)
        if sub is None:
            raise UnsupportedError(f"no transformation of {x} found: write y = g({x})")
        inverse_given = sub.expr  # x = h(y)
    if inverse_given is not None:
        y = sorted(inverse_given.free_symbols - set(ctx.parameters), key=str)[0] if inverse_given.free_symbols else None
        branches = [inverse_given]
        g = None
    else:
        y, g = sub.target, sub.expr
        try:
            with time_budget(_budget(), step="inverting the transformation"):
                branches = sp.solve(sp.Eq(y, g), x)
        except BudgetExceeded:
            raise UnsupportedError(f"could not invert {y} = {sp.sstr(g)} within the time budget") from None
        branches = [b for b in branches if b.is_real is not False]
        if not branches:
            raise UnsupportedError(f"{y} = {sp.sstr(g)} has no real inverse found by sympy")
    pX = ctx.f
    terms = []
    for h in branches:
        dh = sp.diff(h, y)
        terms.append(pX.subs(x, h) * sp.Abs(dh))
    pY = in_form(sp.Add(*terms), ctx.options.form)
    if ctx.options.steps:
        ctx.d.add_heading("Change of variables")
        inv = ", ".join(f"{tex(x)} = {sp.latex(h)}" for h in branches)
        add_step(ctx.d, r"p_Y(" + sp.latex(y) + ")", r"\sum_k p_X(h_k(y))\,\left|h_k'(y)\right|" if len(branches) > 1
                       else r"p_X(g^{-1}(y))\left|\frac{\mathrm{d} g^{-1}}{\mathrm{d} y}\right|",
                       rule="change of variables (MML sec. 6.7)")
        add_step(ctx.d, None, sp.Add(*terms, evaluate=False), rule=f"inverse: {inv}")
        add_step(ctx.d, None, pY, rule="simplify")
    ctx.d.add_result("change_of_variables", pY, label=rf"p_{{{sp.latex(y)}}}({sp.latex(y)})")
    from .derivatives import numpy_of

    ctx.d.add_numeric("change_of_variables", lambda: numpy_of(ctx, pY, own=True))
    if ctx.options.check:
        ctx.d.add_check(lambda: _density_check(pX, x, pY, y, branches))


def _density_check(pX, x, pY, y, branches) -> CheckReport:
    """P(Y ∈ [a, b]) two ways: ∫ p_Y over [a, b], and Σ_k |∫ p_X over h_k([a, b])|."""
    from scipy.integrate import quad

    gen = np.random.default_rng(9)
    params = {s: sample_value(s, gen) for s in (pX.free_symbols | pY.free_symbols) - {x, y}}
    fy = sp.lambdify([y], pY.subs(params), "numpy")
    fx = sp.lambdify([x], pX.subs(params), "numpy")
    hs = [sp.lambdify([y], h.subs(params), "numpy") for h in branches]
    worst, used = 0.0, 0
    for _ in range(20):
        a = sample_value(y, gen)
        b = a + gen.uniform(0.1, 0.8)
        with np.errstate(all="ignore"):
            try:
                if not all(np.isfinite(float(h(a))) and np.isfinite(float(h(b))) for h in hs):
                    continue
                lhs = quad(lambda t: float(fy(t)), a, b)[0]
                rhs = sum(abs(quad(lambda t: float(fx(t)), float(h(a)), float(h(b)))[0]) for h in hs)
            except (TypeError, ValueError, ZeroDivisionError):
                continue
        if not (np.isfinite(lhs) and np.isfinite(rhs)):
            continue
        used += 1
        worst = max(worst, abs(lhs - rhs) / max(1e-12, abs(rhs), 1e-3))
        if used >= 5:
            break
    if not used:
        return CheckReport(False, "no interval found where both sides could be integrated", what="density")
    return CheckReport(worst < 1e-6, "probabilities of random intervals by quadrature, both ways", points=used,
                       max_error=worst, tolerance=1e-6, what="transformed density")
