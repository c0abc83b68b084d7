"""Taylor polynomials of any order, in one or several variables, about any point.

``T_k(x) = Σ_{|α| ≤ k} D^α f(x_0) / α! · (x - x_0)^α`` (MML eqs. 5.137 and 5.151-5.152); order 2
is shown in the book's quadratic form ``f(x_0) + ∇f(x_0)^T δ + ½ δ^T H(x_0) δ``, order 1 is the
linearisation. The remainder is O(‖δ‖^{k+1}). The numeric check measures the rate: the error
``|f(x_0 + h u) - T_k(x_0 + h u)|`` must shrink like ``h^{k+1}`` as ``h`` halves.
"""
from __future__ import annotations

from itertools import product
from math import factorial

import numpy as np
import sympy as sp

from ..budget import bounded
from ..derivation import CheckReport
from ..errors import OptionError
from .checks import sample_value
from .context import Context, add_step, tex
from .forms import in_form

__all__ = ["taylor", "expansion_point", "taylor_polynomial", "taylor_rate_check"]


def expansion_point(ctx: Context) -> tuple[dict, bool]:
    """The point x_0 (variable -> value) from ``at=`` or the cell's Point statement; (point, given?)."""
    variables = ctx.variables
    at = ctx.options.at
    by_name = {str(v): v for v in variables}

    def key_of(k):
        if k in variables:
            return k
        name = str(k)
        if name in by_name:
            return by_name[name]
        for suffix in ("_0", "_{0}", "0"):
            if name.endswith(suffix) and name[: -len(suffix)] in by_name:
                return by_name[name[: -len(suffix)]]
        raise OptionError(f"the expansion point names {name!r}, which is not a variable "
                          f"({', '.join(by_name)})")

    values: dict = {}
    if at is not None:
        if isinstance(at, str):
            parts = [p for p in at.replace(";", ",").split(",") if p.strip()]
            if all("=" in p for p in parts):
                for p in parts:
                    k, v = p.split("=", 1)
                    values[key_of(k.strip())] = sp.sympify(v.strip())
            else:
                nums = [sp.sympify(p.strip().strip("()[]")) for p in parts]
                values = dict(zip(variables, nums))
        elif isinstance(at, dict):
            values = {key_of(k): sp.sympify(v) for k, v in at.items()}
        elif isinstance(at, (list, tuple, sp.MatrixBase, np.ndarray)):
            values = dict(zip(variables, [sp.sympify(v) for v in list(at)]))
        else:
            values = {variables[0]: sp.sympify(at)}
    else:
        for point in ctx.problem.points:
            for k, v in point.values.items():
                values[key_of(k)] = sp.sympify(v)
    if not values:
        return {v: sp.S.Zero for v in variables}, False
    missing = [v for v in variables if v not in values]
    if missing:
        raise OptionError("the expansion point gives no value for " + ", ".join(map(str, missing)))
    return {v: values[v] for v in variables}, True


def taylor_polynomial(f, variables: list, point: dict, order: int, derivatives: dict | None = None):
    """(polynomial, terms by degree): terms[j] is the list of (coefficient, multi-index) of degree j."""
    cache = {} if derivatives is None else derivatives
    n = len(variables)
    terms: dict[int, list] = {j: [] for j in range(order + 1)}

    def deriv(alpha: tuple):
        if alpha in cache:
            return cache[alpha]
        if sum(alpha) == 0:
            cache[alpha] = f
            return f
        i = max(k for k in range(n) if alpha[k] > 0)
        lower = list(alpha)
        lower[i] -= 1
        cache[alpha] = sp.diff(deriv(tuple(lower)), variables[i])
        return cache[alpha]

    for alpha in product(range(order + 1), repeat=n):
        j = sum(alpha)
        if j > order:
            continue
        value = deriv(alpha).subs(point, simultaneous=True)
        coef = sp.nsimplify(value) if value.is_Float else value
        coef = bounded(sp.simplify, coef, seconds=0.5, fallback=coef) if coef.free_symbols else coef
        coef = coef / sp.Mul(*[factorial(a) for a in alpha])
        if coef != 0:
            terms[j].append((coef, alpha))
    return terms, cache


def _monomial(variables, point, alpha, evaluate=True):
    factors = []
    for v, a in zip(variables, alpha):
        if a:
            base = v - point[v]
            factors.append(base**a if evaluate or a == 1 else sp.Pow(base, a, evaluate=False))
    return sp.Mul(*factors) if evaluate else (sp.Mul(*factors, evaluate=False) if factors else sp.S.One)


def taylor(ctx: Context) -> None:
    """The order-k Taylor polynomial about the point, with the book's presentation and a rate check."""
    if ctx.vector_valued:
        from ..errors import UnsupportedError

        raise UnsupportedError("Taylor polynomials are computed here for a scalar function")
    order = ctx.options.order if ctx.options.order is not None else 2
    if order < 0:
        raise OptionError(f"the order of a Taylor polynomial is 0 or more (got {order})")
    point, given = expansion_point(ctx)
    variables = ctx.variables
    terms, cache = taylor_polynomial(ctx.f, variables, point, order)
    shown_terms = []
    for j in range(order + 1):
        for coef, alpha in terms[j]:
            mono = _monomial(variables, point, alpha, evaluate=False)
            factors = list(mono.args) if isinstance(mono, sp.Mul) else [mono]
            shown_terms.append(coef if mono == 1 else sp.Mul(coef, *factors, evaluate=False) if coef != 1 else mono)
    poly = sp.Add(*shown_terms, evaluate=False) if shown_terms else sp.S.Zero
    evaluated = sp.Add(*[c * _monomial(variables, point, a) for j in terms for c, a in terms[j]])
    if ctx.options.form == "expand":
        poly = sp.expand(evaluated)
    fl = ctx.flabel()
    x0 = ", ".join(f"{v} = {sp.sstr(point[v])}" for v in variables)
    label = rf"T_{{{order}}}({', '.join(tex(v) for v in variables)})"
    if not given:
        ctx.d.notes.append("expansion point not given: expanded about 0 (Maclaurin polynomial); use --at x=1,y=2")
    if ctx.options.steps:
        ctx.d.add_heading(f"Taylor polynomial of order {order} about {x0}")
        _present(ctx, fl, label, variables, point, order, cache)
        add_step(ctx.d, None, poly, rule="evaluate the derivatives at the point")
        add_step(ctx.d, rf"{fl} - {label}", rf"\mathcal{{O}}\big(\|\boldsymbol{{\delta}}\|^{{{order + 1}}}\big)"
                       if len(variables) > 1 else rf"\mathcal{{O}}\big(({sp.latex(variables[0] - point[variables[0]])})^{{{order + 1}}}\big)",
                       rule="remainder (Taylor's theorem)")
    ctx.d.add_result("taylor", poly, label=label)
    if order == 1:
        ctx.d.add_result("linearization", poly, label=label)
    from .derivatives import numpy_of

    ctx.d.add_numeric("taylor", lambda: numpy_of(ctx, evaluated))
    if order == 1:
        ctx.d.add_numeric("linearization", lambda: numpy_of(ctx, evaluated))
    if ctx.options.check:
        ctx.d.add_check(lambda: taylor_rate_check(ctx.f, evaluated, variables, point, order))


def _present(ctx: Context, fl: str, label: str, variables, point, order, cache) -> None:
    d = ctx.d
    n = len(variables)
    if n == 1:
        x = variables[0]
        x0 = point[x]
        general = " + ".join(
            (rf"{fl}({sp.latex(x0)})" if j == 0 else
             rf"\frac{{{fl}^{{({j})}}({sp.latex(x0)})}}{{{j}!}}({sp.latex(x - x0)})^{{{j}}}")
            for j in range(order + 1))
        add_step(d, label, general, rule="Taylor polynomial (MML eq. 5.137)")
        for j in range(1, order + 1):
            dj = cache.get((j,), sp.diff(ctx.f, x, j))
            add_step(d, rf"{fl}^{{({j})}}({tex(x)})", in_form(dj, ctx.options.form),
                       rule="differentiate" + (" again" if j > 1 else ""))
        return
    delta = sp.Matrix([v - point[v] for v in variables])
    f0 = cache[(0,) * n].subs(point, simultaneous=True)
    if order <= 2:
        pieces = [rf"{fl}(\mathbf{{x}}_0)"]
        if order >= 1:
            pieces.append(rf"\nabla {fl}(\mathbf{{x}}_0)^\top \boldsymbol{{\delta}}")
        if order == 2:
            pieces.append(rf"\tfrac12 \boldsymbol{{\delta}}^\top H(\mathbf{{x}}_0) \boldsymbol{{\delta}}")
        add_step(d, label, " + ".join(pieces), rule=r"MML eq. 5.151 with δ = x − x_0")
        grad0 = sp.Matrix([_partial_at(cache, n, (i,), point) for i in range(n)])
        numbers = [sp.latex(f0)]
        plain = [_text(f0)]
        if order >= 1:
            numbers.append(sp.latex(grad0.T) + sp.latex(delta))
            plain.append(f"{_text(grad0.T)} δ")
        if order == 2:
            H0 = sp.Matrix(n, n, lambda i, j: _partial_at(cache, n, (i, j), point))
            numbers.append(r"\tfrac12 " + sp.latex(delta.T) + sp.latex(H0) + sp.latex(delta))
            plain.append(f"½ δᵀ {_text(H0)} δ")
        add_step(d, None, " + ".join(numbers), rule="the value, gradient and Hessian at the point",
                 text="= " + " + ".join(plain) + f",  δ = {_text(delta.T)}ᵀ")
        return
    pieces = [rf"{fl}(\mathbf{{x}}_0)", rf"\nabla {fl}(\mathbf{{x}}_0)^\top \boldsymbol{{\delta}}",
              rf"\tfrac12 \boldsymbol{{\delta}}^\top H(\mathbf{{x}}_0) \boldsymbol{{\delta}}"]
    pieces += [rf"\tfrac{{1}}{{{k}!}} D^{{{k}}} {fl}(\mathbf{{x}}_0)[\boldsymbol{{\delta}}]^{{{k}}}"
               for k in range(3, order + 1)]
    add_step(d, label, " + ".join(pieces),
             rule="MML eqs. 5.151-5.152: D^k f(x_0) contracted k times with δ = x − x_0")
    for k in range(3, order + 1):
        terms = []
        for alpha, value in sorted(cache.items()):
            if sum(alpha) != k:
                continue
            coef = value.subs(point, simultaneous=True) / sp.Mul(*[sp.factorial(a) for a in alpha])
            if coef != 0:
                mono = [sp.Pow(v - point[v], a, evaluate=False) if a > 1 else v - point[v]
                        for v, a in zip(variables, alpha) if a]
                terms.append(sp.Mul(coef, *mono, evaluate=False))
        add_step(d, rf"\tfrac{{1}}{{{k}!}} D^{{{k}}} {fl}(\mathbf{{x}}_0)[\boldsymbol{{\delta}}]^{{{k}}}",
                 sp.Add(*terms, evaluate=False) if terms else sp.S.Zero,
                 rule=f"the order-{k} partial derivatives at the point, each over α! (sum over |α| = {k})")


def _text(value) -> str:
    try:
        from ..render.derivation_text import value_to_text

        return value_to_text(value)
    except Exception:  # noqa: BLE001
        return sp.sstr(value)


def _partial_at(cache, n, indices, point):
    alpha = [0] * n
    for i in indices:
        alpha[i] += 1
    alpha = tuple(alpha)
    if alpha not in cache:
        return sp.nan
    return cache[alpha].subs(point, simultaneous=True)


def taylor_rate_check(f, poly, variables, point, order, directions: int = 5) -> CheckReport:
    """The error f − T_k along random directions must shrink like h^{k+1} (and vanish at x_0).

    The rate along one direction is log2(e(h)/e(h/2)) at the smallest steps; the median over
    directions is compared with k + 1 (a missing or wrong term of degree j ≤ k gives rate j).
    """
    gen = np.random.default_rng(11)
    others = sorted((f.free_symbols | poly.free_symbols) - set(variables), key=str)
    for v in point.values():
        others += [s for s in getattr(v, "free_symbols", set()) if s not in others]
    symbols = list(variables) + others
    fn = sp.lambdify(symbols, f, modules=["numpy", "scipy"])
    tn = sp.lambdify(symbols, poly, modules=["numpy", "scipy"])
    hs = [0.2, 0.1, 0.05, 0.025]
    rates, worst_at_point = [], 0.0
    method = f"error of T_{order} shrinks like h^{order + 1}"
    for _ in range(directions * 5):
        params = {s: sample_value(s, gen) for s in others}
        x0 = np.array([float(sp.sympify(point[v]).subs(params)) for v in variables])
        u = gen.normal(size=len(variables))
        u /= np.linalg.norm(u)
        errs = []
        with np.errstate(all="ignore"):
            try:
                at0 = [fn(*x0, *params.values()), tn(*x0, *params.values())]
                for h in hs:
                    xs = x0 + h * u
                    errs.append(abs(complex(fn(*xs, *params.values())) - complex(tn(*xs, *params.values()))))
                scale = max(1.0, abs(complex(at0[0])))
            except Exception:  # noqa: BLE001
                continue
        if not all(np.isfinite(e) for e in errs) or not np.isfinite(complex(at0[0])):
            continue
        worst_at_point = max(worst_at_point, abs(complex(at0[0]) - complex(at0[1])) / scale)
        floor = 1e-11 * scale
        if errs[-1] <= floor:
            rates.append(float("inf"))  # exact (f is a polynomial of degree <= k) or below rounding
        else:
            usable = [(a, b) for a, b in zip(errs, errs[1:]) if b > floor]
            rates.append(min(np.log2(a / b) for a, b in usable[-2:]))
        if len(rates) >= directions:
            break
    if not rates:
        return CheckReport(False, method + ": could not evaluate near the point", what="Taylor polynomial")
    # the median over directions: along a single direction the h^{k+1} term can nearly cancel
    observed = float(np.median(rates))
    passed = bool(observed >= order + 1 - 0.35 and worst_at_point <= 1e-9)
    shown = "exact" if observed == float("inf") else f"{observed:.2f}"
    report = CheckReport(passed, method + f" (observed rate {shown})", points=len(rates) * len(hs),
                         max_error=worst_at_point, tolerance=1e-9, what="Taylor polynomial")
    if not passed:
        report.counterexample = {"expected rate": order + 1, "observed rate": shown,
                                 "T(x0) - f(x0)": worst_at_point}
    return report
