"""``derive_matrix``: a checked Derivation of gradients, Jacobians, Hessians, stationary points.

Called by :func:`mfml_sym.derive` when the variable is a vector or matrix or the definition
holds matrix symbols. Every result gets its differential steps, a numpy function (matrix
operations) and a numeric check against central differences of the original function.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixElement

from ..budget import settings, time_budget
from ..derivation import CheckReport, Derivation
from ..errors import OptionError, UnsupportedError
from .checks import derivative_check, tensor_function
from .engine import MatrixDerivative, gradient, hessian, jacobian
from .evaluate import evaluate
from .functions import is_matrix, is_scalar_matrix
from .normalize import to_engine_form
from .numpy_code import argument_name, numpy_function
from .simplify import simplify_matrix, transpose
from ..render.latex_printer import to_latex

__all__ = ["derive_matrix", "input_kinds", "arguments_of"]

_KIND_OF_PROPERTY = [
    ("spd", "spd"), ("positive_definite", "spd"), ("symmetric", "symmetric"), ("binary", "binary"),
    ("probability", "prob"), ("prob", "prob"), ("simplex", "prob"), ("positive", "positive"),
]
OPERATIONS = ("gradient", "jacobian", "hessian", "derivative", "stationary")


def _infos(problem) -> dict:
    """sympy symbol -> SymbolInfo for the problem's names."""
    out = {}
    for info in getattr(problem, "symbols", {}).values():
        try:
            out[info.symbol] = info
        except TypeError:
            continue
    return out


def input_kinds(problem, symbols) -> dict:
    """symbol -> kind of random input ('spd', 'symmetric', 'positive', 'binary', 'prob', 'general')."""
    infos = _infos(problem)
    kinds = {}
    for s in symbols:
        props = set(getattr(infos.get(s), "properties", ()) or ())
        kind = "general"
        for prop, k in _KIND_OF_PROPERTY:
            if prop in props:
                kind = k
                break
        if kind == "general" and isinstance(s, sp.Symbol) and s.is_positive:
            kind = "positive"
        kinds[s] = kind
    return kinds


def symmetric_symbols(problem) -> set:
    return {info.symbol for info in _infos(problem).values()
            if {"symmetric", "spd", "positive_definite"} & set(info.properties or ())}


def arguments_of(expr, problem=None, extra=()) -> dict:
    """Argument name -> symbol for the inputs of the original expression (not dimensions/indices)."""
    infos = _infos(problem) if problem is not None else {}
    mats = set(expr.atoms(sp.MatrixSymbol)) | {s for s in extra if isinstance(s, sp.MatrixSymbol)}
    dims = {x for m in mats for d in m.shape for x in sp.sympify(d).free_symbols}
    bound = set()
    for s in expr.atoms(sp.Sum):
        bound |= {lim[0] for lim in s.limits}
    for lam in expr.atoms(sp.Lambda):
        bound |= set(lam.variables)
    scal = {s for s in expr.free_symbols if isinstance(s, sp.Symbol) and s not in dims and s not in bound}
    scal |= {s for s in extra if isinstance(s, sp.Symbol)}
    out = {}
    for s in sorted(mats | scal, key=lambda s: str(s)):
        name = infos[s].name if s in infos else argument_name(s)
        out[name] = s
    return out


def _latex_of(sym, problem) -> str:
    info = _infos(problem).get(sym)
    if info is not None and getattr(info, "latex", ""):
        return info.latex
    return to_latex(sym)


def derive_matrix(problem, definition, operations, wrt, options) -> Derivation:
    ops = [op for op in operations] or ["gradient"]
    for op in ops:
        if op not in OPERATIONS:
            raise OptionError(f"the matrix engine does not do {op!r}; it does {', '.join(OPERATIONS)}")
    wrt = resolve_variables(problem, definition, wrt)
    layout = options.get("layout") or "column"
    structure_option = options.get("structure") or "cookbook"
    timeout = options.get("timeout") or settings.timeout
    name = getattr(definition, "name", "") or "f"
    original = definition.expr
    symmetric = symmetric_symbols(problem)

    with time_budget(timeout, step="matrix derivation"):
        f = to_engine_form(original)
        d = Derivation(f"{', '.join(ops)} of {name}", kind="derive", problem=problem)
        d.show_steps = options.get("steps", True)
        arguments = arguments_of(original, problem, extra=wrt)
        d.set_arguments(arguments)
        fname = to_latex(sp.Symbol(name))
        if isinstance(original, sp.Basic) and original.has(sp.Sum) and not f.has(sp.Sum):
            d.add_step(fname, simplify_matrix(f, symmetric),
                       rule="sums written with the data matrix: x_n = n-th row of X, y_n = n-th entry of y (exact)")
        reading = problem.reading() if hasattr(problem, "reading") else ""
        if reading:
            d.notes.append(reading)
        kinds = input_kinds(problem, list(arguments.values()))
        check = options.get("check", True) is not False
        multi = len(wrt) > 1
        all_scalar = all(not isinstance(v, sp.MatrixSymbol) for v in wrt)
        stacked: dict[str, list] = {}
        for var in wrt:
            vlatex = _latex_of(var, problem)
            structure = "none"
            if isinstance(var, sp.MatrixSymbol) and var in symmetric and var.shape[0] == var.shape[1] \
                    and var.shape[1] != 1:
                structure = structure_option
            grad_cache: dict = {}
            for op in ops:
                kind = op
                if op == "derivative":
                    kind = "gradient" if (not is_matrix(f) or is_scalar_matrix(f)) else "jacobian"
                key = op if not multi or all_scalar else f"{op}[{argument_name(var)}]"
                if op == "stationary":
                    _stationary(d, f, original, var, vlatex, fname, symmetric, arguments, kinds, check)
                    continue
                res = _one(kind, f, var, symmetric, structure, grad_cache)
                shown = _record(d, key, op, res, fname, vlatex, layout, symmetric)
                if shown is not res.result:
                    res = replace(res, result=shown)
                if multi and all_scalar:
                    stacked.setdefault(op, []).append(res)
                    continue
                _numeric(d, key, res, arguments, layout)
                if check:
                    _add_check(d, key, res, original, f, var, arguments, kinds, structure, layout)
        for op, parts in stacked.items():
            _stack(d, op, parts, original, f, wrt, arguments, kinds, check)
    return d


def resolve_variables(problem, definition, wrt) -> list:
    """The sympy objects to differentiate by: names resolved in the problem, else the arguments."""
    if wrt is None or wrt == [] or wrt == ():
        args = [a for a in (getattr(definition, "args", ()) or ()) if isinstance(a, (sp.MatrixSymbol, sp.Symbol))]
        if args:
            return args
        expr = definition.expr
        candidates = sorted((m for m in expr.atoms(sp.MatrixSymbol)
                             if m.shape[1] == 1), key=str) if isinstance(expr, sp.Basic) else []
        if len(candidates) == 1:
            return candidates
        names = ", ".join(str(c) for c in candidates) or "none"
        raise OptionError(f"say which variable to differentiate by (--wrt); vectors here: {names}")
    if isinstance(wrt, (str, sp.Basic)):
        wrt = [wrt]
    out = []
    for w in wrt:
        if isinstance(w, str):
            for part in (p.strip() for p in w.split(",")):
                if not part:
                    continue
                if problem is not None and part in getattr(problem, "symbols", {}):
                    out.append(problem.symbol(part))
                    continue
                found = [m for m in definition.expr.free_symbols | definition.expr.atoms(sp.MatrixSymbol)
                         if str(m) == part]
                if not found:
                    raise OptionError(f"no variable named {part!r} in {getattr(definition, 'name', 'f')}")
                out.append(found[0])
        else:
            out.append(w)
    return out


def _one(kind, f, var, symmetric, structure, cache) -> MatrixDerivative:
    if kind == "gradient":
        if "g" not in cache:
            cache["g"] = gradient(f, var, symmetric, structure=structure)
        return cache["g"]
    if kind == "jacobian":
        return jacobian(f, var, symmetric)
    if kind == "hessian":
        if "g0" not in cache:
            cache["g0"] = gradient(f, var, symmetric) if structure != "none" else cache.get("g") or gradient(f, var, symmetric)
        if structure != "none":
            raise UnsupportedError("the Hessian with respect to a symmetric matrix is not supported; "
                                   "ask for the gradient, or drop the symmetry declaration")
        return hessian(f, var, symmetric, grad=cache["g0"])
    raise OptionError(f"unknown operation {kind}")


def _record(d: Derivation, key, op, res: MatrixDerivative, fname, vlatex, layout, symmetric):
    d.add_heading(f"{op} with respect to ${vlatex}$" if op != "derivative" else f"derivative with respect to ${vlatex}$")
    for lhs, rhs, rule in res.steps:
        if lhs in ("d f", "d F"):
            lhs = r"\mathrm{d}" + fname
        elif lhs == r"d(\nabla f)":
            lhs = rf"\mathrm{{d}}(\nabla {fname})"
        d.add_step(lhs, rhs, rule=rule)
    result = res.result
    if layout == "row" and res.kind == "gradient" and is_matrix(result) and res.closed:
        result = transpose(result, symmetric)
        d.notes.append("layout: row (the book's convention: the gradient of a scalar is a row vector)")
    elif res.kind == "gradient" and isinstance(res.variable, sp.MatrixSymbol):
        d.notes.append("layout: the gradient has the shape of the variable (column convention; MML writes its transpose)")
    if res.kind == "gradient":
        label = rf"\nabla_{{{vlatex}}} {fname}" if isinstance(res.variable, sp.MatrixSymbol) else rf"\frac{{\partial {fname}}}{{\partial {vlatex}}}"
    elif res.kind == "hessian":
        label = rf"\nabla^2_{{{vlatex}}} {fname}"
    else:
        label = rf"\frac{{\partial {fname}}}{{\partial {vlatex}}}"
    if not res.closed:
        label = rf"d\left({label}\right)" if res.kind == "hessian" else rf"d {fname}"
        d.notes.append(f"{key}: a {('4' if res.variable.shape[1] != 1 else '3')}-way array, given in differential "
                       f"(index) form; the numpy function returns the full array, shape F.shape + X.shape")
    if res.convention:
        d.notes.append(f"{key}: {res.convention}")
    d.add_result(key, result, label=label)
    return result


def _numeric(d: Derivation, key, res: MatrixDerivative, arguments, layout):
    if res.closed:
        expr = res.result

        def build(expr=expr):
            return numpy_function(_concrete_or_fail(expr), arguments)
    else:
        def build(res=res):
            return tensor_function(res.differential, res.dvar, res.variable, arguments)
    d.add_numeric(key, build)


def _concrete_or_fail(expr):
    from sympy.core.function import AppliedUndef

    if isinstance(expr, sp.Basic) and (expr.atoms(AppliedUndef) or expr.atoms(sp.Derivative)):
        raise UnsupportedError("the result holds a user function without a formula; numpy needs its definition")
    return expr


def _checked_function(res: MatrixDerivative, arguments):
    """numpy function of the result for the check (user functions replaced consistently)."""
    from .checks import concrete_functions

    if res.closed:
        return numpy_function(concrete_functions(res.result), arguments)
    return tensor_function(concrete_functions(res.differential), res.dvar, res.variable, arguments)


def _add_check(d, key, res, original, f, var, arguments, kinds, structure, layout):
    order = 2 if res.kind == "hessian" else 1

    def checker():
        try:
            fn = _checked_function(res, arguments)
        except Exception as exc:  # a result we cannot evaluate is not shown as verified
            return CheckReport(passed=False, method=f"numpy code could not be built: {exc}", what=key)
        target = original
        try:
            report = derivative_check(target, var, fn, arguments, kinds, what=key, structure=structure,
                                      order=order, layout=layout if res.kind == "gradient" else "column")
        except UnsupportedError:
            report = derivative_check(f, var, fn, arguments, kinds, what=key, structure=structure,
                                      order=order, layout=layout if res.kind == "gradient" else "column")
            report.method += " (function in matrix form)"
        return report

    d.add_check(checker)


def _stack(d, op, parts, original, f, wrt, arguments, kinds, check):
    """Derivatives by a list of scalars, stacked along the last axis (in list order)."""
    exprs = [p.result for p in parts]
    d.add_result(op, sp.Tuple(*exprs), label=rf"\partial f / \partial ({', '.join(to_latex(v) for v in wrt)})")

    def build():
        fns = [numpy_function(_concrete_or_fail(e), arguments) for e in exprs]
        return lambda **values: np.stack([np.asarray(fn(**values), dtype=float) for fn in fns], axis=-1)

    d.add_numeric(op, build)
    if check:
        for p, v in zip(parts, wrt):
            _add_check(d, f"{op} in {v}", p, original, f, v, arguments, kinds, "none", "column")


def _stationary(d, f, original, var, vlatex, fname, symmetric, arguments, kinds, check):
    """∇f = 0 solved in matrix form when the gradient is affine in a vector variable."""
    if not isinstance(var, sp.MatrixSymbol) or var.shape[1] != 1:
        raise UnsupportedError("stationary points in matrix form are solved for a vector variable")
    g = gradient(f, var, symmetric)
    H = hessian(f, var, symmetric, grad=g)
    A = H.result
    if A.has(var):
        raise UnsupportedError(
            f"the gradient {sp.sstr(g.result)} is not linear in {var}; no closed-form stationary point",
            hint="use a numeric optimiser on the gradient (d.numpy('gradient'))")
    b = simplify_matrix(g.result.subs(var, sp.ZeroMatrix(*var.shape)).doit(), symmetric)
    sol = simplify_matrix(-sp.Inverse(A) * b, symmetric)
    d.add_heading(f"stationary point in ${vlatex}$")
    d.add_step(rf"\nabla_{{{vlatex}}} {fname}", g.result, rule="gradient (derived above)")
    d.add_step(None, sp.MatAdd(A * var, b) if not isinstance(b, sp.ZeroMatrix) else A * var,
               rule="affine in the variable: ∇ = H x + b")
    d.add_step(r"0", sp.MatAdd(A * var, b) if not isinstance(b, sp.ZeroMatrix) else A * var,
               rule="set the gradient to zero", relation="=")
    d.add_step(vlatex + r"^{*}", sol, rule="x* = −H⁻¹ b (H invertible)")
    d.add_result("stationary", sol, label=vlatex + r"^{*}")
    data_arguments = {k: v for k, v in arguments.items() if v != var}
    d.add_numeric("stationary", lambda: numpy_function(sol, data_arguments))
    if check:
        def checker():
            grad_fn = numpy_function(g.result, arguments)
            sol_fn = numpy_function(sol, data_arguments)
            from .checks import random_instance

            gen = np.random.default_rng(settings.seed)
            worst = 0.0
            for _ in range(3):
                inst = random_instance(list(arguments.values()), kinds, gen)
                values = {n: inst.user(s) for n, s in data_arguments.items()}
                xs = sol_fn(**values)
                values[[n for n, s in arguments.items() if s == var][0]] = xs
                gv = grad_fn(**values)
                scale = max(1.0, float(np.max(np.abs(xs))))
                worst = max(worst, float(np.max(np.abs(gv))) / scale)
            return CheckReport(passed=worst < 1e-8, method="gradient at the solution, 3 random instances",
                               points=3, max_error=worst, tolerance=1e-8, what="stationary")
        d.add_check(checker)
