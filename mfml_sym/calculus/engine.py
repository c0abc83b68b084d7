"""``derive``: the calculus engine behind ``%%derive`` -- read the cell, pick the operations, run them.

The cell's :class:`~mfml_sym.problem.Problem` gives the function (a ``Definition``), the
substitutions of a chain rule, an expansion point and the claims to verify. Names given in
``wrt`` are resolved against the problem's own symbols (a fresh ``Symbol("mu")`` would be a
different symbol and every derivative would come out 0). Vector and matrix variables go to
:mod:`mfml_sym.matrix_calculus`. Everything symbolic runs under one time budget; on overrun the
derivation returned holds what was derived so far and says so.
"""
from __future__ import annotations

from typing import Any, Iterable

import sympy as sp

from ..budget import settings, time_budget
from ..errors import BudgetExceeded, MfmlError, OptionError, UnsupportedError
from ..problem import Definition, ExpressionStatement, Problem, SymbolInfo
from .context import CalculusDerivation, Context, Options

__all__ = ["derive", "OPERATIONS", "ALIASES"]

OPERATIONS = (
    "partials", "gradient", "jacobian", "hessian", "derivative", "directional", "total", "backprop",
    "taylor", "stationary", "limit", "integral", "change_of_variables", "check",
)
ALIASES = {"grad": "gradient", "diff": "derivative", "linearize": "taylor", "linearise": "taylor",
           "linearization": "taylor", "linearisation": "taylor", "partial": "partials", "jac": "jacobian",
           "hess": "hessian", "verify": "check", "chain": "total", "chain_rule": "total", "lim": "limit",
           "integrate": "integral", "int": "integral", "critical": "stationary", "implicit": "derivative"}

# operations that need no function definition of their own
_STANDALONE = {"limit", "integral", "check", "change_of_variables"}


def derive(text_or_problem: Any, *operations: str, wrt: Any = None, order: int | None = None, at: Any = None,
           along: Any = None, steps: bool = True, check: bool = True, form: str = "auto", layout: str = "column",
           timeout: float | None = None, syntax: str | None = None) -> CalculusDerivation:
    """Derive what ``operations`` ask for from a cell (LaTeX or sympy syntax), a Problem or a sympy expression.

    >>> import sympy as sp
    >>> x, y = sp.symbols("x y", real=True)
    >>> d = derive(x**2 * y + sp.sin(x * y), "gradient")
    >>> d["gradient"]
    Matrix([
    [2*x*y + y*cos(x*y)],
    [ x**2 + x*cos(x*y)]])
    >>> d.check().passed
    True
    >>> float(d.numpy("gradient")(x=0.3, y=-1.2)[0])  # doctest: +ELLIPSIS
    -1.843...
    """
    if form not in ("auto", "expand", "raw"):
        raise OptionError(f"form must be 'auto', 'expand' or 'raw' (got {form!r})")
    if layout not in ("column", "row"):
        raise OptionError(f"layout must be 'column' or 'row' (got {layout!r})")
    problem = _problem(text_or_problem, syntax)
    ops = _operations(operations)
    options = Options(order=order, at=at, along=along, steps=steps, check=check, form=form, layout=layout)
    if "taylor" in ops and options.order is None and any(o.lower().startswith("lineari") for o in operations):
        options.order = 1

    definition = _main_definition(problem)
    d = CalculusDerivation(problem=problem)
    d.show_steps = steps
    reading = problem.reading() if hasattr(problem, "reading") else ""
    if reading:
        d.notes.append(reading)

    if definition is not None and _is_matrix_case(problem, definition, wrt):
        return _matrix(problem, definition, ops, wrt, options, timeout)

    if definition is None and set(ops) <= {"derivative", "partials"}:
        from .implicit import implicit_derivative, implicit_relation

        relation = implicit_relation(problem)
        if relation is not None:
            ctx = Context(problem, d, "y", sp.S.Zero, [], options)
            d.title = "implicit derivative"
            with time_budget(settings.timeout if timeout is None else timeout, step="implicit differentiation"):
                implicit_derivative(ctx, relation, _wrt_names(wrt))
            return d
    if definition is None:
        if not (set(ops) <= _STANDALONE) and not problem.claims:
            raise UnsupportedError("this cell defines no function to differentiate; write e.g. f(x, y) = x^2 y")
        if not ops:
            ops = ["check"] if problem.claims else ["limit"]
        ctx = Context(problem, d, "f", sp.S.Zero, [], options)
    else:
        name = definition.name or "f"
        body = definition.expr
        if isinstance(body, sp.MatrixBase) and body.shape[0] == 1 and body.shape[1] > 1:
            body = body.T  # a vector-valued function is a column
        variables = _variables(problem, definition, wrt, ops)
        ctx = Context(problem, d, name, body, variables, options)
        d.function, d.function_name, d.variables = body, name, variables
        d.set_arguments(_arguments(problem, definition, body, variables))
        if not ops:
            ops = _default_operations(problem, ctx, options)
        composed = getattr(definition, "composed_from", ())
        if composed and steps:
            from .context import add_step

            d.add_heading("Compose the functions of the cell")
            add_step(d, ctx.flabel(), body, rule="substitute " + ", ".join(composed) + " (chain rule through them)")
    d.title = f"{', '.join(ops)} of {ctx.name}" if definition is not None else ", ".join(ops)
    if problem.claims and "check" not in ops:
        ops.append("check")

    seconds = settings.timeout if timeout is None else timeout
    try:
        with time_budget(seconds, step="the derivation"):
            for op in ops:
                try:
                    _run(op, ctx)
                except (MfmlError, BudgetExceeded):
                    raise
                except Exception as exc:  # noqa: BLE001 - never a raw traceback for a cell
                    raise UnsupportedError(f"could not compute the {op} of this input "
                                           f"({type(exc).__name__}: {exc})") from exc
    except BudgetExceeded as exc:
        d.warnings.append(f"stopped: {exc.message}; the results above are what was derived in time "
                          "(raise the budget with --timeout)")
    return d


# -- reading the cell --------------------------------------------------------------------------

def _problem(source: Any, syntax: str | None) -> Problem:
    if isinstance(source, Problem):
        return source
    if isinstance(source, str):
        try:
            from ..notation import parse
        except ImportError as exc:  # the notation layer is not installed yet
            raise UnsupportedError("the notation layer (mfml_sym.notation.parse) is not available") from exc
        if syntax and syntax != "auto":
            try:
                return parse(source, syntax=syntax)
            except TypeError:
                pass
        return parse(source)
    if isinstance(source, (sp.Basic, sp.MatrixBase)):
        return problem_from_expression(source)
    raise OptionError(f"derive() takes cell text, a Problem or a sympy expression (got {type(source).__name__})")


def problem_from_expression(expr: Any, name: str = "f") -> Problem:
    """A Problem holding one definition ``f = expr`` (for the Python API and tests)."""
    expr = sp.Matrix(expr) if isinstance(expr, sp.MatrixBase) else sp.sympify(expr)
    free = sorted(expr.free_symbols, key=str)
    symbols: dict[str, SymbolInfo] = {}
    for s in free:
        symbols[s.name] = SymbolInfo(s.name, sp.latex(s), "scalar", s)
    problem = Problem(source=str(expr), syntax="sympy", symbols=symbols)
    problem.statements.append(Definition(1, f"{name} = {expr}", name=name, args=tuple(free), expr=expr))
    return problem


def _operations(operations: Iterable[str]) -> list[str]:
    ops: list[str] = []
    for raw in operations:
        for part in str(raw).replace(",", " ").split():
            op = ALIASES.get(part.lower(), part.lower())
            if op not in OPERATIONS:
                raise OptionError(f"unknown operation {part!r}; choose from {', '.join(OPERATIONS)} "
                                  f"(aliases: {', '.join(ALIASES)})")
            if op not in ops:
                ops.append(op)
    return ops


def _applied_names(expr) -> set:
    from sympy.core.function import AppliedUndef

    try:
        return {a.func.__name__ for a in expr.atoms(AppliedUndef)}
    except AttributeError:
        return set()


def _main_definition(problem: Problem) -> Definition | None:
    r"""The outermost function of the cell, with the cell's other functions composed into it.

    ``f(x) = e^{g(x)},\ g(x) = x^2`` differentiates f(x) = e^{x^2} (the chain rule through g).
    """
    defs = [s for s in problem.statements if isinstance(s, Definition)]
    if defs:
        used = set().union(*(_applied_names(d.expr) for d in defs))
        top = [d for d in defs if d.name not in used] or defs
        main = top[0]
        inner = {d.name: d for d in defs if d is not main and d.name in used}
        if inner and isinstance(main.expr, (sp.Basic, sp.MatrixBase)):
            return _compose(main, inner)
        return main
    exprs = [s for s in problem.statements if isinstance(s, ExpressionStatement)]
    for s in exprs:
        e = s.expr
        if isinstance(e, (sp.Limit, sp.Integral)) or (isinstance(e, sp.Basic) and e.atoms(sp.Limit, sp.Integral)):
            continue
        if isinstance(e, (sp.Expr, sp.MatrixBase)):
            free = sorted(e.free_symbols, key=str)
            return Definition(s.line, s.text, s.span, name="f", args=tuple(free), expr=e)
    return None


def _compose(main: Definition, inner: dict) -> Definition:
    """Replace g(u) in the body by g's definition with u for its argument (repeatedly, for chains)."""
    from sympy.core.function import AppliedUndef

    body = main.expr
    for _ in range(8):
        repl = {}
        for app in body.atoms(AppliedUndef):
            d = inner.get(app.func.__name__)
            if d is not None and len(d.args) == len(app.args):
                repl[app] = d.expr.xreplace(dict(zip(d.args, app.args)))
        if not repl:
            break
        body = body.xreplace(repl)
    composed = Definition(main.line, main.text, main.span, name=main.name, args=main.args, expr=body)
    composed.composed_from = tuple(inner)  # type: ignore[attr-defined]
    return composed


def _is_matrix_case(problem: Problem, definition: Definition, wrt: Any) -> bool:
    body = definition.expr
    if isinstance(body, sp.MatrixExpr) and not isinstance(body, sp.MatrixBase):
        return True
    if isinstance(body, (sp.Basic, sp.MatrixBase)) and any(True for _ in _matrix_symbols(body)):
        return True
    for name in _wrt_names(wrt):
        info = problem.symbols.get(name)
        if info is not None and info.kind in ("vector", "matrix"):
            return True
    return False


def _matrix_symbols(body) -> list:
    try:
        return list(body.atoms(sp.MatrixSymbol))
    except AttributeError:
        return []


def _matrix(problem, definition, ops, wrt, options: Options, timeout: float | None):
    try:
        from ..matrix_calculus import derive_matrix
    except ImportError as exc:
        raise UnsupportedError(
            "derivatives with respect to vectors and matrices (matrix calculus) are not available yet "
            f"in this installation; the function {definition.name or 'f'} involves "
            + ", ".join(sorted(str(m) for m in _matrix_symbols(definition.expr)) or "a vector variable")
        ) from exc
    opts = {"order": options.order, "at": options.at, "along": options.along, "steps": options.steps,
            "check": options.check, "form": options.form, "layout": options.layout,
            "timeout": settings.timeout if timeout is None else timeout}
    names = _wrt_names(wrt)
    if names:
        variables = [_resolve(problem, n, definition.expr) for n in names]
    else:  # the function's own arguments: f(\mathbf{x}) differentiates by x
        variables = [a for a in (definition.args or ()) if isinstance(a, (sp.Symbol, sp.MatrixSymbol))]
    result = derive_matrix(problem, definition, [o for o in ops if o != "check"], variables or None, opts)
    if problem.claims:
        from .claims import verify_matrix_claims

        verify_matrix_claims(problem, definition, result)
    return result


def _wrt_names(wrt: Any) -> list:
    if wrt is None:
        return []
    if isinstance(wrt, (str, sp.Basic)):
        wrt = [wrt]
    names = []
    for w in wrt:
        if isinstance(w, str):
            names.extend(p.strip() for p in w.split(",") if p.strip())
        else:
            names.append(w)
    return names


def _resolve(problem: Problem, name: Any, body) -> Any:
    """The problem's own symbol for a name (or a symbol with the same name)."""
    by_name = {}
    for key, info in problem.symbols.items():
        by_name.setdefault(key, info.symbol)
    free = getattr(body, "free_symbols", set())
    for s in free:
        by_name.setdefault(str(s), s)
    key = str(name) if not isinstance(name, str) else name.strip()
    key = key.lstrip("\\")
    if key in by_name:
        return by_name[key]
    from .derivatives import _ALIASES

    if _ALIASES.get(key) in by_name:  # phi for \varphi
        return by_name[_ALIASES[key]]
    for info in problem.symbols.values():
        if info.latex.strip("\\{} ") == key or str(info.symbol) == key:
            return info.symbol
    # W1 for W_1, lam for lambda: the spellings numpy code uses for the same names
    loose = {k.replace("_", ""): v for k, v in by_name.items()}
    loose.setdefault("lam", by_name.get("lambda"))
    if loose.get(key.replace("_", "")) is not None:
        return loose[key.replace("_", "")]
    known = ", ".join(sorted(k for k, i in problem.symbols.items() if i.kind in ("scalar", "vector", "matrix"))
                      or sorted(map(str, free))) or "none"
    raise OptionError(f"no variable named {key!r} in this cell (known: {known})")


def _variables(problem: Problem, definition: Definition, wrt: Any, ops: list[str]) -> list:
    body = definition.expr
    names = _wrt_names(wrt)
    if names:
        return [_resolve(problem, n, body) for n in names]
    targets = {s.target for s in problem.substitutions}
    args = [a for a in (definition.args or ()) if isinstance(a, sp.Symbol)]
    if targets and ("total" in ops or not ops or "backprop" in ops):
        # the chain rule: differentiate by the inner variables the substitutions bring in
        inner = set()
        for s in problem.substitutions:
            inner |= getattr(s.expr, "free_symbols", set())
        inner -= targets
        if args and all(a not in targets for a in args):
            return args
        if inner:
            return sorted(inner, key=str)
    if args:
        return args
    dims = set()
    for info in problem.symbols.values():
        if info.kind in ("dimension", "index"):
            dims.add(info.symbol)
    free = sorted((s for s in getattr(body, "free_symbols", set()) if s not in dims), key=str)
    if not free:
        raise UnsupportedError(f"{definition.name or 'f'} does not depend on any variable")
    return free


def _arguments(problem: Problem, definition: Definition, body, variables: list) -> dict:
    """numpy keyword names (as written) -> symbols: the variables first, then the other inputs."""
    from ..numeric.codegen import argument_name

    names = {}
    for key, info in problem.symbols.items():
        if isinstance(info.symbol, sp.Symbol):
            names.setdefault(info.symbol, key)
    ordered = list(variables)
    for s in sorted(getattr(body, "free_symbols", set()), key=str):
        if s not in ordered:
            ordered.append(s)
    for sub in problem.substitutions:
        for s in sorted(getattr(sub.expr, "free_symbols", set()), key=str):
            if s not in ordered:
                ordered.append(s)
    targets = {s.target for s in problem.substitutions}
    out = {}
    for s in ordered:
        if s in targets and s not in variables:
            continue
        out[names.get(s, argument_name(s))] = s
    return out


def _default_operations(problem: Problem, ctx: Context, options: Options) -> list[str]:
    if problem.claims:
        return ["check"]
    if problem.points or options.at is not None:
        return ["taylor"]
    if problem.substitutions:
        return ["total"]
    if ctx.vector_valued:
        return ["jacobian"]
    if len(ctx.variables) == 1:
        return ["derivative"]
    return ["gradient"]


def _run(op: str, ctx: Context) -> None:
    from . import derivatives

    if op in ("partials", "gradient", "derivative") and ctx.problem.substitutions and _needs_chain(ctx) \
            and not ctx.vector_valued and (ctx.options.order or 1) == 1:
        from .chain import total_derivative  # the chain rule written out (MML eqs. 5.41-5.49)

        total_derivative(ctx)
        if op == "gradient" and "gradient" not in ctx.d and len(ctx.variables) == 1:
            ctx.d.add_result("gradient", sp.Matrix([ctx.d["derivative"]]), label=ctx.d.labels.get("derivative"))
        return
    if op in ("partials", "gradient", "hessian", "jacobian", "derivative", "directional"):
        if ctx.problem.substitutions and _needs_chain(ctx):
            from .chain import substitute_through

            substitute_through(ctx)
        getattr(derivatives, op)(ctx)
    elif op == "total":
        from .chain import total_derivative

        total_derivative(ctx)
    elif op == "backprop":
        from .chain import backprop

        backprop(ctx)
    elif op == "taylor":
        from .taylor import taylor

        taylor(ctx)
    elif op == "stationary":
        from .stationary import stationary_points

        stationary_points(ctx)
    elif op in ("limit", "integral", "change_of_variables"):
        from . import analysis

        getattr(analysis, op)(ctx)
    elif op == "check":
        from .claims import verify_claims

        verify_claims(ctx)
    else:  # pragma: no cover - _operations filters
        raise OptionError(f"unknown operation {op!r}")


def _inner_variables(ctx: Context) -> set:
    inner = set()
    for s in ctx.problem.substitutions:
        inner |= getattr(s.expr, "free_symbols", set())
    return inner


def _needs_chain(ctx: Context) -> bool:
    """The variables are not in the body but reach it through the substitutions."""
    body_free = getattr(ctx.f, "free_symbols", set())
    return any(v not in body_free for v in ctx.variables)

