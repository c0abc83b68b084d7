"""The chain rule written out: total derivatives through substitutions, and the backprop view.

Total derivative (MML eqs. 5.41-5.49): for ``f(x_1, ..., x_k)`` with ``x_i = g_i(t)``,
``df/dt = Σ_i ∂f/∂x_i · dx_i/dt``; with several inner variables ``s, t`` each gets its own sum
(eq. 5.49). The backpropagation view (MML sec. 5.6, Example 5.14) splits the function into
intermediate variables, one elementary operation each, lists their local derivatives and
accumulates ∂f/∂(each variable) backwards from the output (eq. 5.128 style).
"""
from __future__ import annotations

import string
from typing import Any

import sympy as sp

from .checks import derivative_check
from .context import Context, add_step, tex
from .forms import in_form

__all__ = ["substitute_through", "fully_substituted", "total_derivative", "backprop", "intermediate_variables"]


def _mapping(ctx: Context) -> dict:
    return {s.target: s.expr for s in ctx.problem.substitutions if s.target is not None}


def fully_substituted(expr, mapping: dict, rounds: int = 12):
    """``expr`` with the substitutions applied until no target is left (nested chains too)."""
    for _ in range(rounds):
        new = expr.xreplace(mapping) if mapping else expr
        if new == expr:
            break
        expr = new
    return expr


def substitute_through(ctx: Context) -> None:
    """Replace the body by the composite function of the inner variables (for gradient, Hessian, ...)."""
    mapping = _mapping(ctx)
    composite = fully_substituted(ctx.f, mapping)
    if ctx.options.steps:
        ctx.d.add_heading("Substitute the inner functions")
        add_step(ctx.d, ctx.flabel(), composite, rule="substitute " + ", ".join(
            f"${tex(k)} = {sp.latex(v)}$" for k, v in mapping.items()))
    ctx.f = composite
    ctx.d.function = composite


def _register(ctx: Context, name: str, function, value, variables, what: str) -> None:
    from .derivatives import numpy_of

    ctx.d.add_numeric(name, lambda: numpy_of(ctx, value))
    if ctx.options.check:
        params = sorted(set(getattr(function, "free_symbols", set())) - set(variables), key=str)
        ctx.d.add_check(lambda: derivative_check(function, value, variables, parameters=params, what=what))


def _d_latex(top: str, v, total: bool) -> str:
    dsym = "d" if total else "\\partial "
    return rf"\frac{{{dsym}{top}}}{{{dsym}{tex(v)}}}"


def total_derivative(ctx: Context) -> None:
    """df/dt = Σ ∂f/∂x_i dx_i/dt for every inner variable t, written out and substituted."""
    mapping = _mapping(ctx)
    if not mapping:
        from .derivatives import derivative

        derivative(ctx)
        return
    f = ctx.f
    composite = fully_substituted(f, mapping)
    total = len(ctx.variables) == 1
    fl = ctx.flabel()
    gradient = []
    for v in ctx.variables:
        value = _chain(ctx, f, fl, v, mapping, total, top_level=True)
        gradient.append(value)
        label = _d_latex(fl, v, total)
        name = "derivative" if total else f"d{ctx.name}/d{v}"
        ctx.d.add_result(name, value, label=label)
        _register(ctx, name, composite, value, [v], f"chain rule d{ctx.name}/d{v}")
        ctx.d.partials[v] = value
    if not total:
        g = sp.Matrix(gradient)
        ctx.d.add_result("gradient", g, label=rf"\nabla {fl}")
        _register(ctx, "gradient", composite, g, ctx.variables, "gradient")


def _chain(ctx: Context, f, flabel: str, v, mapping: dict, total: bool, top_level: bool = False):
    """The derivative of ``f`` by ``v`` through the substitutions, with the sum over paths as steps."""
    direct = [x for x in sorted(f.free_symbols, key=str) if x in mapping]
    if not direct:
        return in_form(sp.diff(f, v), ctx.options.form)
    outer = [(x, sp.diff(f, x)) for x in direct]
    inner = [(x, _chain(ctx, mapping[x], tex(x), v, mapping, total)) for x in direct]
    own = sp.diff(f, v) if f.has(v) else sp.S.Zero  # v may also appear directly in f
    symbolic = " + ".join(
        rf"\frac{{\partial {flabel}}}{{\partial {tex(x)}}}{_d_latex(tex(x), v, total)}" for x in direct)
    if own != 0:
        symbolic = rf"\frac{{\partial {flabel}}}{{\partial {tex(v)}}} + " + symbolic
    written = sp.Add(*([own] if own != 0 else []),
                     *[sp.Mul(o, i, evaluate=False) for (_, o), (_, i) in zip(outer, inner)], evaluate=False)
    raw = own + sum((o * i for (_, o), (_, i) in zip(outer, inner)), sp.S.Zero)
    substituted = fully_substituted(raw, mapping)
    value = in_form(substituted, ctx.options.form)
    if ctx.options.steps:
        label = _d_latex(flabel, v, total)
        ctx.d.add_heading(f"Chain rule for {ctx.name}" if top_level else f"Inner derivative d{f}/d{v}" if total
                          else f"Inner derivative ∂({f})/∂{v}")
        add_step(ctx.d, label, symbolic, rule="chain rule: sum over the paths from " + str(v) + " (MML eq. 5.41)")
        add_step(ctx.d, None, written, rule="partial derivatives of the outer function; inner derivatives")
        add_step(ctx.d, None, substituted, rule="substitute " + ", ".join(
            f"${tex(k)} = {sp.latex(mapping[k])}$" for k in direct))
        if value != substituted:
            add_step(ctx.d, None, value, rule="simplify")
    return value


# -- backpropagation ---------------------------------------------------------------------------

def _fresh_names(count: int, taken: set) -> list:
    letters = [c for c in string.ascii_lowercase if c not in taken and c not in "xyzt"]
    if count <= len(letters):
        return letters[:count]
    return [f"a_{i + 1}" for i in range(count)]


def intermediate_variables(expr, output: str = "f") -> tuple[list[tuple[Any, Any]], dict]:
    """Split ``expr`` into elementary operations: [(symbol, operation on earlier symbols)], node -> symbol.

    Equal subexpressions share one intermediate variable (as ``a`` and ``c`` in MML Example 5.14).
    """
    order: list = []
    seen: set = set()

    def visit(node):
        if node in seen or node.is_Atom:
            return
        for a in node.args:
            visit(a)
        seen.add(node)
        order.append(node)

    visit(expr)
    taken = {str(s) for s in expr.free_symbols} | {output}
    names = _fresh_names(len(order), taken)
    if order:
        names[len(order) - 1] = output
    symbol_of: dict = {}
    ops = []
    for node, name in zip(order, names):
        sym = sp.Symbol(name, real=True)
        op = node.func(*[symbol_of.get(a, a) for a in node.args])
        symbol_of[node] = sym
        ops.append((sym, op))
    return ops, symbol_of


def backprop(ctx: Context) -> None:
    """The backward pass of MML sec. 5.6: intermediate variables, local derivatives, accumulated gradient."""
    mapping = _mapping(ctx)
    f = fully_substituted(ctx.f, mapping) if mapping else ctx.f
    if isinstance(f, sp.MatrixBase):
        from ..errors import UnsupportedError

        raise UnsupportedError("the backprop view is shown for a scalar function")
    ops, symbol_of = intermediate_variables(f, ctx.name)
    if not ops:
        from .derivatives import gradient

        gradient(ctx)
        return
    forward = {}
    for sym, op in ops:
        forward[sym] = op.xreplace(forward)
    out_sym = ops[-1][0]
    # local derivatives ∂(node)/∂(child) for children that are variables or intermediate symbols
    children: dict = {}
    local: dict = {}
    for sym, op in ops:
        kids = [a for a in dict.fromkeys(op.args) if isinstance(a, sp.Symbol)]
        children[sym] = kids
        for k in kids:
            local[(sym, k)] = sp.diff(op, k)
    adjoint: dict = {out_sym: sp.S.One}
    parents: dict = {}
    for sym, _ in ops:
        for k in children[sym]:
            parents.setdefault(k, []).append(sym)
    steps = ctx.options.steps
    fl = ctx.flabel()
    if steps:
        ctx.d.add_heading("Forward pass: intermediate variables")
        for sym, op in ops:
            add_step(ctx.d, sym, op, rule="elementary operation")
        ctx.d.add_heading("Local derivatives")
        for (sym, k), value in local.items():
            add_step(ctx.d, rf"\frac{{\partial {tex(sym)}}}{{\partial {tex(k)}}}", value, rule="")
        ctx.d.add_heading(f"Backward pass: ∂{ctx.name}/∂(each variable), from the output back")
    order = [s for s, _ in reversed(ops)] + [v for v in ctx.variables]
    for node in order[1:]:
        ps = parents.get(node, [])
        if not ps:
            adjoint[node] = sp.S.Zero
            continue
        adjoint[node] = sum((adjoint[p] * local[(p, node)] for p in ps), sp.S.Zero)
        if steps and ps == [out_sym]:
            add_step(ctx.d, rf"\frac{{\partial {fl}}}{{\partial {tex(node)}}}", adjoint[node], rule="local derivative")
        elif steps:
            written = " + ".join(
                (rf"\frac{{\partial {fl}}}{{\partial {tex(p)}}}" if p != out_sym else "")
                + rf"\frac{{\partial {tex(p)}}}{{\partial {tex(node)}}}" for p in ps)
            add_step(ctx.d, rf"\frac{{\partial {fl}}}{{\partial {tex(node)}}}", written,
                           rule="chain rule (sum over the variables that use " + str(node) + ")")
            add_step(ctx.d, None, adjoint[node], rule="")
    grad = [in_form(fully_substituted(adjoint[v], forward), ctx.options.form) for v in ctx.variables]
    if steps:
        ctx.d.add_heading("Accumulated gradient")
    for v, g in zip(ctx.variables, grad):
        if steps:
            add_step(ctx.d, rf"\frac{{\partial {fl}}}{{\partial {tex(v)}}}", g, rule="substitute the forward values")
        ctx.d.partials[v] = g
    if len(grad) == 1:
        value, label = grad[0], rf"\frac{{d{fl}}}{{d{tex(ctx.variables[0])}}}"
    else:
        value, label = sp.Matrix(grad), rf"\nabla {fl}"
    name = "gradient" if len(grad) > 1 else "derivative"
    if name not in ctx.d.results:
        ctx.d.add_result(name, value, label=label)
        _register(ctx, name, f, value, ctx.variables, "backprop " + name)
