"""numpy functions of derived results, called with keywords named after the user's symbols.

``numpy_function(expr)`` returns ``fn(**values)``: scalars may be numbers or arrays of points
(results broadcast over them, shape ``points + result``); vectors are 1-D arrays, matrices 2-D;
symbolic dimensions are read off the arrays passed in. Common subexpressions are computed once
(``lambdify(cse=True)``) and matrix expressions stay matrix operations (``@``, ``solve``), never
unrolled entry by entry.
"""
from __future__ import annotations

import keyword
from typing import Any, Callable

import numpy as np
import sympy as sp

__all__ = ["numpy_function", "argument_name", "arguments_of"]


def argument_name(symbol: Any) -> str:
    """The keyword a user passes for ``symbol``: its name as written (``mu``, ``W_1``, ``x_1``)."""
    name = str(getattr(symbol, "name", symbol))
    name = name.replace("\\", "").replace("{", "").replace("}", "").replace(" ", "")
    return name


def _dimension_symbols(expr) -> set:
    dims = set()
    for m in expr.atoms(sp.MatrixSymbol):
        for d in m.shape:
            dims |= sp.sympify(d).free_symbols
    if isinstance(expr, sp.MatrixExpr):
        for d in expr.shape:
            dims |= sp.sympify(d).free_symbols
    return dims


def arguments_of(expr) -> dict[str, Any]:
    """The inputs of ``expr`` keyed by argument name, sorted: scalars and matrix symbols, not dimensions."""
    expr = sp.sympify(expr) if not isinstance(expr, (sp.MatrixBase, sp.MatrixExpr)) else expr
    found: dict[str, Any] = {}
    matrices = set(expr.atoms(sp.MatrixSymbol))
    dims = _dimension_symbols(expr)
    scalars = {s for s in expr.free_symbols if isinstance(s, sp.Symbol) and s not in dims}
    for s in sorted(matrices | scalars, key=lambda s: s.name):
        found[argument_name(s)] = s
    for base in sorted(expr.atoms(sp.IndexedBase), key=lambda b: str(b)):
        found[argument_name(base.label)] = base
        found.pop(argument_name(base.label) + "_", None)
    return found


def _safe(name: str) -> str:
    return name + "_" if keyword.iskeyword(name) else name


def numpy_function(expr: Any, arguments: dict[str, Any] | None = None) -> Callable[..., Any]:
    """A numpy function of ``expr`` taking keyword arguments named after its symbols."""
    if arguments is None:
        arguments = arguments_of(expr)
    names = list(arguments)
    symbols = [arguments[n] for n in names]
    dims = sorted(_dimension_symbols(expr) if isinstance(expr, (sp.Basic, sp.MatrixBase)) else set(), key=str)
    dims = [d for d in dims if d not in symbols]
    matrix_result = isinstance(expr, sp.MatrixBase) and not isinstance(expr, sp.MatrixExpr)

    if matrix_result:
        shape = expr.shape
        entries = list(expr)
        compiled = sp.lambdify(symbols + dims, entries, modules="numpy", cse=True)
    else:
        shape = None
        compiled = sp.lambdify(symbols + dims, expr, modules=["numpy", "scipy"], cse=True)

    def fn(**values):
        missing = [n for n in names if n not in values and _safe(n) not in values]
        unknown = [k for k in values if k not in names and k.rstrip("_") not in names]
        if missing or unknown:
            from ..errors import OptionError

            raise OptionError(
                "this function takes the keyword arguments " + ", ".join(names)
                + (f"; missing: {', '.join(missing)}" if missing else "")
                + (f"; not an input: {', '.join(unknown)}" if unknown else "")
            )
        args = []
        bound: dict = {}
        for n, s in zip(names, symbols):
            v = values[n] if n in values else values[_safe(n)]
            if isinstance(s, sp.MatrixSymbol):
                v = np.asarray(v, dtype=float)
                if v.ndim == 1:
                    v = v.reshape(-1, 1)
                for d, size in zip(s.shape, v.shape):
                    if isinstance(d, sp.Symbol):
                        bound[d] = size
            args.append(v)
        for d in dims:
            if d not in bound:
                from ..errors import OptionError

                raise OptionError(f"cannot tell the dimension {d} from the arrays passed")
            args.append(bound[d])
        out = compiled(*args)
        if matrix_result:
            parts = np.broadcast_arrays(*[np.asarray(e, dtype=float) for e in out])
            stacked = np.stack(parts, axis=-1)
            result_shape = shape if shape[1] != 1 else (shape[0],)
            return stacked.reshape(stacked.shape[:-1] + tuple(result_shape))
        out = np.asarray(out)
        if out.ndim == 2 and out.shape == (1, 1) and isinstance(expr, sp.MatrixExpr) and expr.shape == (1, 1):
            return out[0, 0]
        if out.ndim == 2 and out.shape[1] == 1 and isinstance(expr, sp.MatrixExpr) and expr.shape[1] == 1:
            return out[:, 0]
        return out if out.ndim else out[()]

    fn.__name__ = "mfml_numpy"
    fn.__doc__ = f"numpy function of {expr}; keyword arguments: {', '.join(names)}"
    fn.arguments = names  # type: ignore[attr-defined]
    return fn
