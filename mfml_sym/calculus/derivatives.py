"""Partial derivatives, gradient, Hessian, Jacobian, directional and higher derivatives.

Conventions (DESIGN.md, examples/calculus.json): the gradient of a scalar function has the
shape of the variable (a column; the MML book's row vector, eq. 5.52, with ``layout="row"``),
the Jacobian of a vector-valued function is in numerator layout (MML eq. 5.58: entry (i, j) is
∂f_i/∂x_j), the Hessian H[i, j] = ∂²f/∂x_i∂x_j (MML eq. 5.147) is symmetric (Schwarz).
Every result is registered with a finite-difference check.
"""
from __future__ import annotations

from itertools import combinations_with_replacement
from typing import Any

import sympy as sp

from .checks import derivative_check
from .context import Context, add_step, tex
from .forms import in_form
from .steps import differentiate_stepwise

__all__ = [
    "first_partial",
    "partials",
    "gradient",
    "hessian",
    "jacobian",
    "directional",
    "derivative",
    "higher_partial",
    "add_steps",
    "partial_label",
]


def partial_label(ctx: Context, v, single: bool | None = None, fname: str | None = None) -> str:
    f = fname if fname is not None else ctx.flabel()
    single = (len(ctx.variables) == 1 and not ctx.parameters) if single is None else single
    if single:
        return rf"\frac{{d{f}}}{{d{tex(v)}}}"
    return rf"\frac{{\partial {f}}}{{\partial {tex(v)}}}"


def add_steps(ctx: Context, expr, v, label: str, heading: str | None = None) -> Any:
    """Differentiate ``expr`` by ``v`` step by step into the derivation; return the readable result."""
    d = ctx.d
    sd = differentiate_stepwise(expr, v, verify=ctx.options.check)
    raw = sd.result
    truth = sp.diff(expr, v)
    agrees = raw == truth or _agree(raw, truth)
    if not agrees:
        d.warnings.append(f"the step-by-step rules disagreed with sympy for {label}; sympy's derivative is used")
        raw = truth
    if sd.verified is False:
        d.warnings.append(f"a step for {label} could not be confirmed to follow from the previous one")
    result = in_form(raw, ctx.options.form)
    if ctx.options.steps and agrees:
        if heading:
            d.add_heading(heading)
        first = True
        for s in sd.steps:
            rule = "; ".join(s.rules)
            if s.checked is False:
                rule += " (step NOT confirmed)"
            add_step(d, label if first else None, s.expr, rule=rule)
            first = False
        if result != raw:
            add_step(d, None, result, rule="simplify")
    return result


def _agree(a, b) -> bool:
    from .checks import values_agree

    ok, _ = values_agree(a, b, a.free_symbols | b.free_symbols, count=4, tolerance=1e-9)
    if ok is None:
        return sp.simplify(a - b) == 0
    return ok


def first_partial(ctx: Context, v, *, show: bool = True) -> Any:
    """∂f/∂v (cached), with its steps the first time it is shown."""
    key = (v,)
    if key in ctx.partial_cache:
        return ctx.partial_cache[key]
    label = partial_label(ctx, v)
    if ctx.vector_valued:
        value = ctx.f.applyfunc(lambda e: in_form(sp.diff(e, v), ctx.options.form))
    elif show:
        value = add_steps(ctx, ctx.f, v, label, heading=f"Partial derivative with respect to {v}"
                          if len(ctx.variables) > 1 else None)
    else:
        value = in_form(sp.diff(ctx.f, v), ctx.options.form)
    ctx.partial_cache[key] = value
    ctx.d.partials[v] = value
    return value


def partials(ctx: Context) -> None:
    """Every first partial derivative, each with its steps and its own check."""
    order = ctx.options.order or 1
    if order > 1:
        for combo in combinations_with_replacement(ctx.variables, order):
            higher_partial(ctx, combo)
        return
    for v in ctx.variables:
        value = first_partial(ctx, v)
        name = f"d{ctx.name}/d{v}"
        ctx.d.add_result(name, value, label=partial_label(ctx, v))
        _register(ctx, name, ctx.f, value, [v], f"∂{ctx.name}/∂{v}")
    if len(ctx.variables) == 1:
        ctx.d.add_result("derivative", ctx.d[name], label=partial_label(ctx, ctx.variables[0]))
        _register(ctx, "derivative", ctx.f, ctx.d["derivative"], ctx.variables, None)


def gradient_column(ctx: Context, *, show: bool = True) -> sp.Matrix:
    return sp.Matrix([first_partial(ctx, v, show=show) for v in ctx.variables])


def gradient(ctx: Context) -> None:
    """∇f: a column with the shape of the variable (or the book's row vector with layout='row')."""
    if ctx.vector_valued:
        return jacobian(ctx)
    g = gradient_column(ctx)
    label = rf"\nabla {ctx.flabel()}"
    if ctx.options.layout == "row":
        g = g.T
        label = rf"\frac{{d{ctx.flabel()}}}{{d\mathbf{{x}}}}"
        ctx.d.notes.append("gradient shown as a row vector (the MML book's layout, eq. 5.52)")
    if ctx.options.steps:
        ctx.d.add_heading("Gradient")
        add_step(ctx.d, label, g, rule="collect the partial derivatives"
                       + (" (row vector)" if ctx.options.layout == "row" else " (column: shape of the variable)"))
    ctx.d.add_result("gradient", g, label=label)
    _register(ctx, "gradient", ctx.f, g, ctx.variables, "gradient")


def hessian(ctx: Context) -> None:
    """H[i, j] = ∂²f/∂x_i∂x_j, computed on and above the diagonal and mirrored (Schwarz's theorem)."""
    if ctx.vector_valued:
        from ..errors import UnsupportedError

        raise UnsupportedError("the Hessian is defined here for a scalar function; this function is vector-valued")
    g = gradient_column(ctx, show=ctx.options.steps and "gradient" not in ctx.d)
    n = len(ctx.variables)
    H = sp.zeros(n, n)
    for i in range(n):
        for j in range(i, n):
            H[i, j] = in_form(sp.diff(g[i], ctx.variables[j]), ctx.options.form, seconds=0.5)
            H[j, i] = H[i, j]
    label = rf"\nabla^2 {ctx.flabel()}" if n > 1 else rf"\frac{{d^2 {ctx.flabel()}}}{{d{tex(ctx.variables[0])}^2}}"
    if ctx.options.steps:
        ctx.d.add_heading("Hessian")
        add_step(ctx.d, label, H, rule="differentiate each partial again; symmetric by Schwarz's theorem (MML eq. 5.147)")
    ctx.d.add_result("hessian", H, label=label)
    _register(ctx, "hessian", g, H, ctx.variables, "Hessian")


def jacobian(ctx: Context) -> None:
    """J[i, j] = ∂f_i/∂x_j (numerator layout, MML eq. 5.58)."""
    f = ctx.f if ctx.vector_valued else sp.Matrix([ctx.f])
    if f.shape[1] != 1 and f.shape[0] == 1:
        f = f.T
    m, n = f.shape[0], len(ctx.variables)
    J = sp.zeros(m, n)
    shown = 0
    for i in range(m):
        for j, v in enumerate(ctx.variables):
            label = rf"\frac{{\partial {ctx.flabel()}_{{{i + 1}}}}}{{\partial {tex(v)}}}"
            if ctx.options.steps and shown < 8 and f[i, 0].has(v) and not _simple(f[i, 0], v):
                J[i, j] = add_steps(ctx, f[i, 0], v, label)
                shown += 1
            else:
                J[i, j] = in_form(sp.diff(f[i, 0], v), ctx.options.form)
    label = rf"J = \frac{{\partial {ctx.flabel()}}}{{\partial ({', '.join(tex(v) for v in ctx.variables)})}}"
    if ctx.options.steps:
        ctx.d.add_heading("Jacobian")
        add_step(ctx.d, label, J, rule="row i: gradient of component i (numerator layout, MML eq. 5.58)")
    ctx.d.add_result("jacobian", J, label=label)
    _register(ctx, "jacobian", f, J, ctx.variables, "Jacobian")


def _simple(e, v) -> bool:
    _, rest = e.as_independent(v, as_Add=False)
    return rest == v


def derivative(ctx: Context) -> None:
    """d f/dx (any order with ``order``); a list of variables stacks first derivatives (gradient/Jacobian)."""
    order = ctx.options.order or 1
    if len(ctx.variables) > 1:
        if order > 1:
            for combo in combinations_with_replacement(ctx.variables, order):
                higher_partial(ctx, combo)
            return
        if ctx.vector_valued:
            jacobian(ctx)
            ctx.d.add_result("derivative", ctx.d["jacobian"], label=ctx.d.labels.get("jacobian"))
        else:
            gradient(ctx)
            ctx.d.add_result("derivative", ctx.d["gradient"], label=ctx.d.labels.get("gradient"))
        ctx.d._numeric.setdefault("derivative", ctx.d._numeric.get("gradient") or ctx.d._numeric.get("jacobian"))
        return
    v = ctx.variables[0]
    if ctx.vector_valued:
        value = first_partial(ctx, v)
        label = partial_label(ctx, v)
        ctx.d.add_result("derivative", value, label=label)
        _register(ctx, "derivative", ctx.f, value, [v], "derivative")
        return
    if order == 1:
        value = first_partial(ctx, v)
        label = partial_label(ctx, v)
        ctx.d.add_result("derivative", value, label=label)
        _register(ctx, "derivative", ctx.f, value, [v], "derivative")
        return
    higher_partial(ctx, (v,) * order, name="derivative")


def higher_partial(ctx: Context, combo: tuple, name: str | None = None) -> Any:
    """∂^k f / ∂x_{i_k} ... ∂x_{i_1}: differentiate in the order given; steps for the last one."""
    current = ctx.f
    for k, v in enumerate(combo):
        key = tuple(combo[: k + 1])
        if key in ctx.partial_cache:
            current = ctx.partial_cache[key]
            continue
        previous = current
        if k == len(combo) - 1 and not ctx.vector_valued and ctx.options.steps:
            inner = _combo_label(ctx, combo[:k]) if k else ctx.flabel()
            current = add_steps(ctx, previous, v, _combo_label(ctx, key),
                                heading=None) if k else first_partial(ctx, v)
        else:
            current = in_form(sp.diff(previous, v), ctx.options.form) if not ctx.vector_valued else \
                previous.applyfunc(lambda e: in_form(sp.diff(e, v), ctx.options.form))
        ctx.partial_cache[key] = current
        if k == len(combo) - 1:
            label = _combo_label(ctx, key)
            rname = name or "d" + str(len(combo)) + ctx.name + "/" + "".join("d" + str(s) for s in reversed(combo))
            ctx.d.add_result(rname, current, label=label)
            _register(ctx, rname, previous, current, [v], label)
    return current


def _combo_label(ctx: Context, combo: tuple) -> str:
    k = len(combo)
    if k == 0:
        return ctx.flabel()
    single = len(ctx.variables) == 1 and not ctx.parameters
    dsym = "d" if single else r"\partial"
    if len(set(combo)) == 1:
        den = rf"{dsym} {tex(combo[0])}" + (f"^{{{k}}}" if k > 1 else "")
    else:
        den = " ".join(rf"{dsym} {tex(s)}" for s in reversed(combo))
    top = f"{dsym}^{{{k}}} {ctx.flabel()}" if k > 1 else f"{dsym} {ctx.flabel()}"
    return rf"\frac{{{top}}}{{{den}}}"


def directional(ctx: Context) -> None:
    """D_v f(x) = ∇f(x)·v (MML sec. 5.2: the rate of change of f along v; v is not normalised)."""
    from ..errors import OptionError

    v = _direction(ctx)
    if len(v) != len(ctx.variables):
        raise OptionError(f"the direction has {len(v)} entries but the function has {len(ctx.variables)} variables "
                          f"({', '.join(map(str, ctx.variables))})")
    g = gradient_column(ctx, show=ctx.options.steps and "gradient" not in ctx.d)
    value = in_form(sum((g[i] * v[i] for i in range(len(v))), sp.S.Zero), ctx.options.form)
    label = rf"D_{{\mathbf{{v}}}} {ctx.flabel()}"
    if ctx.options.steps:
        ctx.d.add_heading("Directional derivative")
        add_step(ctx.d, label, r"\nabla " + ctx.flabel() + r"^\top \mathbf{v}", rule="definition (v not normalised)")
        terms = [g[i] if v[i] == 1 else sp.Mul(v[i], g[i], evaluate=False) for i in range(len(v)) if v[i] != 0]
        written = sp.Add(*terms, evaluate=False) if terms else sp.S.Zero
        add_step(ctx.d, None, written, rule="with v = (" + ", ".join(sp.sstr(c) for c in v) + ")")
        if sp.sstr(written) != sp.sstr(value):
            add_step(ctx.d, None, value, rule="simplify")
    ctx.d.add_result("directional", value, label=label)
    t = sp.Dummy("t")
    along_f = ctx.f.subs({x: x + t * v[i] for i, x in enumerate(ctx.variables)}, simultaneous=True)
    _register_along(ctx, along_f, t, value, v)


def _direction(ctx: Context) -> list:
    from ..errors import OptionError

    along = ctx.options.along
    if along is None:
        raise OptionError("a directional derivative needs a direction: --along 1,2 (or along=[1, 2])")
    if isinstance(along, str):
        parts = [p for p in along.replace("(", "").replace(")", "").replace("[", "").replace("]", "").split(",") if p.strip()]
        return [sp.sympify(p.strip()) for p in parts]
    if isinstance(along, (sp.MatrixBase,)):
        return list(along)
    if isinstance(along, dict):
        return [sp.sympify(along.get(str(x), along.get(x, 0))) for x in ctx.variables]
    return [sp.sympify(a) for a in along]


def _register(ctx: Context, name: str, function, result, variables, what) -> None:
    ctx.d.add_numeric(name, lambda: numpy_of(ctx, result))
    if ctx.options.check:
        params = [p for p in ctx.parameters if p not in variables] + [v for v in ctx.variables if v not in variables]
        ctx.d.add_check(lambda: derivative_check(function, result, variables, parameters=params, what=what or name))


# a user may type the plain name of a variant Greek letter (phi for \varphi) and vice versa
_ALIASES = {"phi": "varphi", "varphi": "phi", "epsilon": "varepsilon", "varepsilon": "epsilon",
            "theta": "vartheta", "vartheta": "theta", "rho": "varrho", "varrho": "rho", "sigma": "varsigma"}


def numpy_of(ctx: Context, expr, own: bool = False):
    """The numpy function of ``expr`` with the cell's inputs as keywords (variant Greek names accepted).

    ``own=True``: only the symbols of ``expr`` itself (a density in new variables y, not the old x).
    """
    from ..numeric.codegen import argument_name, numpy_function

    try:
        if own:
            names = {info.symbol: key for key, info in getattr(ctx.problem, "symbols", {}).items()}
            arguments = {names.get(s, argument_name(s)): s for s in sorted(expr.free_symbols, key=str)}
        else:
            arguments = _args_for(ctx, expr)
        fn = numpy_function(expr, arguments)
    except Exception as exc:  # noqa: BLE001 - an expression numpy cannot compute
        from sympy.core.function import AppliedUndef

        from ..errors import UnsupportedError

        unknown = sorted({str(a.func) for a in getattr(expr, "atoms", lambda *_: set())(AppliedUndef)})
        why = (f"it contains the undefined function(s) {', '.join(unknown)}: define them in the cell"
               if unknown else f"{type(exc).__name__}: {exc}")
        raise UnsupportedError(f"no numpy function for this result: {why}") from exc
    names = list(getattr(fn, "arguments", []))

    def call(**values):
        fixed = {}
        for k, v in values.items():
            if k not in names and _ALIASES.get(k) in names:
                k = _ALIASES[k]
            fixed[k] = v
        return fn(**fixed)

    call.arguments = names  # type: ignore[attr-defined]
    call.__doc__ = fn.__doc__
    call.__name__ = fn.__name__
    return call


def _args_for(ctx: Context, result) -> dict | None:
    """Keyword arguments: the function's inputs (all of them, in order), named as written."""
    from ..numeric.codegen import argument_name

    if not ctx.d._arguments:
        return None
    args = dict(ctx.d._arguments)
    names = {s: n for n, s in args.items()}
    for s in sorted(getattr(result, "free_symbols", set()), key=str):
        if s not in names:
            args[argument_name(s)] = s
    return args


def _register_along(ctx: Context, along_f, t, value, v) -> None:
    """Check D_v f against d/dt f(x + t v): at any t both sides are evaluated at x + t v."""
    ctx.d.add_numeric("directional", lambda: numpy_of(ctx, value))
    if not ctx.options.check:
        return

    def run():
        shifted = sp.Symbol("t_shift", real=True)
        f_t = along_f.subs(t, shifted)
        moved = value.subs({x: x + shifted * v[i] for i, x in enumerate(ctx.variables)}, simultaneous=True)
        params = sorted((f_t.free_symbols | moved.free_symbols) - {shifted}, key=str)
        return derivative_check(f_t, moved, [shifted], parameters=params, what="directional derivative")

    ctx.d.add_check(run)
