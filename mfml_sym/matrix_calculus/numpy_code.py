"""numpy code for matrix results: matrix operations (BLAS), never entry-by-entry unrolling.

The generated function takes keyword arguments named after the symbols (vectors as 1-D
arrays, matrices 2-D, scalars as numbers), reads the symbolic dimensions off the arrays, and
computes internally with 2-D arrays (vectors as columns, free views). Repeated subexpressions
(σ(Xw), Σ⁻¹) are computed once; ``A⁻¹B`` becomes ``solve(A, B)``; ``diag(v) M`` becomes the
broadcast ``v * M``; ``1ᵀ M`` a column sum; a chain ending in a vector is multiplied from the
right (X^T (X w), never (X^T X) w); ``tr(AB)`` is an elementwise product summed.
"""
from __future__ import annotations

import keyword
from collections import Counter
from typing import Any, Callable

import numpy as np
import sympy as sp
from sympy.matrices.expressions.diagonal import DiagMatrix, DiagonalOf
from sympy.matrices.expressions.matexpr import MatrixElement, MatrixExpr

from ..errors import OptionError, UnsupportedError
from .functions import Diag, Elementwise, LogSumExp, Norm, Softmax, sigmoid, softplus

__all__ = ["numpy_function", "numpy_source", "argument_name"]


def argument_name(symbol: Any) -> str:
    """The keyword for ``symbol``: its name as written, without LaTeX braces (``W_1``, ``mu``)."""
    name = str(getattr(symbol, "name", symbol))
    for ch in "\\{} ":
        name = name.replace(ch, "")
    return name


def _ident(name: str) -> str:
    out = "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in name)
    if not out or out[0].isdigit():
        out = "v_" + out
    return out + "_" if keyword.iskeyword(out) or out in ("np",) else out


try:  # scipy's logistic ufunc: stable for large |x| and as fast as 1/(1 + exp(-x))
    from scipy.special import expit as _expit
except ImportError:  # pragma: no cover
    def _expit(x):
        e = np.exp(-np.abs(x))
        return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _softmax(z):
    q = np.exp(z - z.max())
    return q / q.sum()


def _logsumexp(z):
    m = z.max()
    return m + np.log(np.exp(z - m).sum())


def _logdet(a):
    sign, value = np.linalg.slogdet(a)
    return value if sign > 0 else np.nan


_NAMESPACE = {
    "np": np, "_expit": _expit, "_softmax": _softmax, "_logsumexp": _logsumexp, "_logdet": _logdet,
    "_solve": np.linalg.solve, "_inv": np.linalg.inv,
}

_FUNCS = {
    sp.exp: "np.exp", sp.log: "np.log", sp.tanh: "np.tanh", sp.sin: "np.sin", sp.cos: "np.cos",
    sp.tan: "np.tan", sp.sinh: "np.sinh", sp.cosh: "np.cosh", sp.Abs: "np.abs", sigmoid: "_expit",
    softplus: "np.logaddexp(0.0, {})", sp.atan: "np.arctan", sp.sign: "np.sign",
}


class _Writer:
    def __init__(self, names: dict, dims: dict) -> None:
        self.names = dict(names)  # sympy object -> code name
        self.dims = dims  # dimension symbol -> code
        self.lines: list[str] = []
        self.counts: Counter = Counter()
        self.temps: dict = {}
        self._k = 0

    def count(self, e) -> None:
        if not isinstance(e, sp.Basic) or isinstance(e, (sp.Symbol, sp.Number, sp.MatrixSymbol)):
            return
        self.counts[e] += 1
        if self.counts[e] == 1:
            for a in e.args:
                if isinstance(e, (sp.Lambda,)):
                    continue
                self.count(a)

    def temp(self, code: str) -> str:
        name = f"_t{self._k}"
        self._k += 1
        self.lines.append(f"{name} = {code}")
        return name

    # -- entry ------------------------------------------------------------------------------
    def code(self, e) -> str:
        if e in self.names:
            return self.names[e]
        if e in self.temps:
            return self.temps[e]
        out = self._code(e)
        if self.counts.get(e, 0) >= 2 and not isinstance(e, (sp.Number, sp.Symbol)):
            out = self.temp(out)
            self.temps[e] = out
        return out

    def _dim(self, d) -> str:
        d = sp.sympify(d)
        if d.is_Integer:
            return str(int(d))
        return "(" + self.scalar(d) + ")"

    def scalar(self, e) -> str:
        if e in self.dims:
            return self.dims[e]
        return self.code(e)

    def _code(self, e) -> str:
        c = self.code
        if isinstance(e, MatrixExpr):
            return self._matrix(e)
        if isinstance(e, sp.Integer):
            return f"{int(e)}.0"
        if isinstance(e, sp.Rational):
            return f"({int(e.p)}.0/{int(e.q)}.0)"
        if isinstance(e, sp.Number):
            return repr(float(e))
        if e == sp.pi:
            return "np.pi"
        if e == sp.E:
            return "np.e"
        if isinstance(e, sp.Symbol):
            if e in self.dims:
                return self.dims[e]
            raise UnsupportedError(f"the symbol {e} is not an input of this function")
        if isinstance(e, sp.Add):
            return "(" + " + ".join(c(a) for a in e.args) + ")"
        if isinstance(e, sp.Mul):
            num, den = [], []
            for a in e.args:
                if isinstance(a, sp.Pow) and a.exp.is_Number and a.exp < 0:
                    den.append(a.base if a.exp == -1 else a.base ** (-a.exp))
                elif a == -1:
                    num.insert(0, "-1.0")
                else:
                    num.append(a)
            top = " * ".join(x if isinstance(x, str) else c(x) for x in num) or "1.0"
            if den:
                return f"({top} / ({' * '.join(c(x) for x in den)}))"
            return f"({top})"
        if isinstance(e, sp.Pow):
            if e.exp == sp.Rational(1, 2):
                return f"np.sqrt({c(e.base)})"
            if e.exp == -1:
                return f"(1.0 / {c(e.base)})"
            return f"({c(e.base)} ** {c(e.exp)})"
        if isinstance(e, MatrixElement):
            return f"{c(e.parent)}[{self._dim(e.i)}, {self._dim(e.j)}]"
        if isinstance(e, sp.Trace):
            a = e.arg
            if isinstance(a, sp.MatMul) and all(isinstance(x, MatrixExpr) for x in a.args) and len(a.args) >= 2:
                left = sp.MatMul(*a.args[:-1]) if len(a.args) > 2 else a.args[0]
                return f"np.sum({c(left)} * {c(a.args[-1])}.T)"
            return f"np.trace({c(a)})"
        if isinstance(e, sp.log) and isinstance(e.args[0], sp.Determinant):
            return f"_logdet({c(e.args[0].arg)})"
        if isinstance(e, sp.log) and isinstance(e.args[0], sp.Abs) and isinstance(e.args[0].args[0], sp.Determinant):
            return f"np.linalg.slogdet({c(e.args[0].args[0].arg)})[1]"
        if isinstance(e, sp.Determinant):
            return f"np.linalg.det({c(e.arg)})"
        if isinstance(e, LogSumExp):
            return f"_logsumexp({c(e.arg)})"
        if isinstance(e, Norm):
            return f"np.linalg.norm({c(e.arg)})"
        if isinstance(e, sp.Function) and e.func in _FUNCS:
            f = _FUNCS[e.func]
            args = ", ".join(c(a) for a in e.args)
            return f.format(args) if "{}" in f else f"{f}({args})"
        raise UnsupportedError(f"no numpy code for {type(e).__name__}: {e}")

    def _matrix(self, e) -> str:
        c = self.code
        if isinstance(e, sp.MatAdd):
            plus, minus = [], []
            for a in e.args:
                if isinstance(a, sp.MatMul) and a.args[0] == -1:
                    rest = sp.MatMul(*a.args[1:]).doit(deep=False)
                    minus.append(self._term(rest, e.shape))
                else:
                    plus.append(self._term(a, e.shape))
            if not plus:
                return "(-" + " - ".join(minus) + ")"
            return "(" + " + ".join(plus) + "".join(" - " + m for m in minus) + ")"
        if isinstance(e, sp.MatMul):
            return self._product(e)
        if isinstance(e, sp.Transpose):
            return f"{c(e.arg)}.T"
        if isinstance(e, sp.Inverse):
            return f"_inv({c(e.arg)})"
        if isinstance(e, sp.MatPow):
            return f"np.linalg.matrix_power({c(e.args[0])}, {int(e.args[1])})"
        if isinstance(e, sp.HadamardProduct):
            return "(" + " * ".join(self._term(a, e.shape) for a in e.args) + ")"
        if isinstance(e, sp.HadamardPower):
            if e.args[1] == 2:
                base = c(e.args[0])
                return f"({base} * {base})"
            return f"({c(e.args[0])} ** {c(e.args[1])})"
        if isinstance(e, Elementwise):
            arg = c(e.arg)
            if not (arg.isidentifier()):
                arg = self.temp(arg)
            (t,), body = e.function.variables, e.function.expr
            sub = _Writer({**self.names, t: arg}, self.dims)
            sub._k = self._k + 100
            code = sub.code(body)
            self.lines += sub.lines
            self._k = sub._k + 1
            return code
        if isinstance(e, Softmax):
            return f"_softmax({c(e.arg)})"
        if isinstance(e, Diag):
            v = c(e.vector)
            return f"np.diag({v}[:, 0])"
        if isinstance(e, DiagMatrix):
            return f"np.diag({c(e.args[0])}[:, 0])"
        if isinstance(e, DiagonalOf):
            return f"np.diagonal({c(e.arg)})[:, None]"
        if isinstance(e, sp.KroneckerProduct):
            return "np.kron(" + ", ".join(c(a) for a in e.args) + ")" if len(e.args) == 2 else \
                "np.kron(" + c(e.args[0]) + ", " + c(sp.KroneckerProduct(*e.args[1:])) + ")"
        if isinstance(e, sp.Identity):
            return f"np.eye({self._dim(e.shape[0])})"
        if isinstance(e, sp.ZeroMatrix):
            return f"np.zeros(({self._dim(e.shape[0])}, {self._dim(e.shape[1])}))"
        if isinstance(e, sp.OneMatrix):
            return f"np.ones(({self._dim(e.shape[0])}, {self._dim(e.shape[1])}))"
        if isinstance(e, sp.MatrixSymbol):
            raise UnsupportedError(f"the matrix {e} is not an input of this function")
        raise UnsupportedError(f"no numpy code for the matrix expression {type(e).__name__}")

    def _term(self, a, shape) -> str:
        """A summand or Hadamard factor; c·1 becomes a broadcast scalar when the shape allows."""
        if isinstance(a, sp.OneMatrix):
            return "1.0"
        if isinstance(a, sp.MatMul) and len(a.args) == 2 and not isinstance(a.args[0], MatrixExpr) \
                and isinstance(a.args[1], sp.OneMatrix):
            return self.code(a.args[0])
        return self.code(a)

    def _product(self, e) -> str:
        scalars = [a for a in e.args if not isinstance(a, MatrixExpr)]
        mats = [a for a in e.args if isinstance(a, MatrixExpr)]
        coeff = " * ".join(self.code(s) for s in scalars)
        if coeff and _junction(mats) is not None:
            return self._chain(mats, coeff)  # the scalar scales a vector, not the outer product
        body = self._chain(mats)
        return f"({coeff} * {body})" if coeff else body

    def _chain(self, mats, coeff: str | None = None) -> str:
        j = _junction(mats)
        if coeff is not None and j is None:
            return f"({coeff} * {self._chain(mats)})"
        if j is not None:
            left = self._chain(mats[: j + 1], coeff)
            right = self._chain(mats[j + 1:])
            return f"({left} * {right})"  # column times row: an outer product by broadcasting
        if len(mats) == 1:
            return self.code(mats[0])
        if len(mats) >= 2 and sp.MatMul(*mats).doit(deep=False) in self.temps:
            return self.temps[sp.MatMul(*mats).doit(deep=False)]
        first, last = mats[0], mats[-1]
        # a chain ending in a column: multiply from the right
        if last.shape[1] == 1 or (first.shape[0] != 1 and _cost_right(mats)):
            right = self._chain(mats[1:]) if len(mats) > 2 else self.code(mats[1])
            return self._apply_left(first, right, mats[1:])
        left = self._chain(mats[:-1]) if len(mats) > 2 else self.code(mats[0])
        return self._apply_right(left, last, mats[:-1])

    def _apply_left(self, a, right: str, rest) -> str:
        """a @ right, with the special forms for inverses, diagonals and ones."""
        if isinstance(a, sp.Inverse) and self.counts.get(a, 0) < 2 and a not in self.temps:
            return f"_solve({self.code(a.arg)}, {right})"
        if isinstance(a, Diag):
            return f"({self.code(a.vector)} * {right})"
        if isinstance(a, sp.OneMatrix) and a.shape[0] == 1:
            return f"np.sum({right}, axis=0, keepdims=True)"
        if isinstance(a, sp.Transpose) and isinstance(a.arg, sp.OneMatrix):
            return f"np.sum({right}, axis=0, keepdims=True)"
        return f"({self.code(a)} @ {right})"

    def _apply_right(self, left: str, b, rest) -> str:
        if isinstance(b, sp.Inverse) and self.counts.get(b, 0) < 2 and b not in self.temps:
            return f"_solve({self.code(b.arg)}.T, {left}.T).T"
        if isinstance(b, Diag):
            return f"({left} * {self.code(b.vector)}.T)"
        if isinstance(b, sp.OneMatrix) and b.shape[1] == 1:
            return f"np.sum({left}, axis=1, keepdims=True)"
        return f"({left} @ {self.code(b)})"


def _junction(mats):
    """Index j where a column (… a) meets a row (bᵀ …): the chain is an outer product there."""
    for j in range(len(mats) - 1):
        if mats[j].shape[1] == 1 and mats[j + 1].shape[0] == 1 and mats[j].shape[0] != 1 \
                and mats[j + 1].shape[1] != 1:
            return j
    return None


def _aliases(name: str) -> list[str]:
    """Other spellings a caller may use: W1 for W_1, lam/lamda for lambda."""
    out = [name.replace("_", "")]
    if name.startswith("lambda"):
        out += ["lam" + name[6:], "lamda" + name[6:]]
    return [a for a in out if a != name]


def _cost_right(mats) -> bool:
    return False


def numpy_source(expr, arguments: dict[str, Any]) -> tuple[str, dict]:
    """The source of ``def f(**arguments)`` computing ``expr`` and the namespace it needs."""
    names = {sym: _ident(name) for name, sym in arguments.items()}
    dims: dict = {}
    prologue = []
    for name, sym in arguments.items():
        var = names[sym]
        if isinstance(sym, sp.MatrixSymbol):
            r, k = sym.shape
            if k == 1:
                prologue.append(f"{var} = np.asarray({var}, dtype=float).reshape(-1, 1)")
            elif r == 1:
                prologue.append(f"{var} = np.asarray({var}, dtype=float).reshape(1, -1)")
            else:
                prologue.append(f"{var} = np.asarray({var}, dtype=float)")
            for axis, d in enumerate(sym.shape):
                d = sp.sympify(d)
                if isinstance(d, sp.Symbol) and d not in dims:
                    dims[d] = f"{var}.shape[{axis}]"
    missing = [d for m in (expr.atoms(sp.MatrixSymbol) if isinstance(expr, sp.Basic) else ())
               for d in m.shape if isinstance(d, sp.Symbol) and d not in dims]
    shape = getattr(expr, "shape", None)
    if shape is not None:
        missing += [d for d in shape if isinstance(d, sp.Symbol) and d not in dims]
    if missing:
        raise UnsupportedError(f"cannot tell the dimension {missing[0]} from the inputs")
    w = _Writer(names, dims)
    w.count(expr)
    body = w.code(expr)
    arglist = ", ".join(names[s] for s in arguments.values())
    lines = [f"def f(*, {arglist}):"] if arglist else ["def f():"]
    lines += ["    " + ln for ln in prologue + w.lines]
    if isinstance(expr, MatrixExpr):
        r, k = expr.shape
        if (r, k) == (1, 1):
            lines.append(f"    return float(np.asarray({body}).reshape(-1)[0])")
        elif k == 1:
            lines.append(f"    _out = np.asarray({body}, dtype=float)")
            lines.append(f"    if _out.ndim == 2 and _out.shape[1] == 1:")
            lines.append(f"        return _out.reshape(-1)")
            lines.append(f"    return np.broadcast_to(_out, ({w._dim(r)}, 1)).reshape(-1).copy()")
        else:
            lines.append(f"    _out = np.asarray({body}, dtype=float)")
            lines.append(f"    _shape = ({w._dim(r)}, {w._dim(k)})")
            lines.append(f"    return _out if _out.shape == _shape else np.broadcast_to(_out, _shape).copy()")
    else:
        lines.append(f"    return {body}")
    return "\n".join(lines), dict(_NAMESPACE)


def numpy_function(expr, arguments: dict[str, Any] | None = None) -> Callable[..., Any]:
    """A numpy function of ``expr``; keyword arguments named as in ``arguments`` (name -> symbol)."""
    from .normalize import to_engine_form

    expr = to_engine_form(expr)
    if arguments is None:
        found = sorted(expr.atoms(sp.MatrixSymbol), key=lambda s: s.name)
        dims = {d for m in found for d in m.shape if isinstance(d, sp.Symbol)}
        scal = sorted((s for s in expr.free_symbols if isinstance(s, sp.Symbol) and s not in dims), key=str)
        arguments = {argument_name(s): s for s in [*found, *scal]}
    source, namespace = numpy_source(expr, arguments)
    exec(compile(source, "<mfml_sym numpy>", "exec"), namespace)
    inner = namespace["f"]
    keys = {name: _ident(name) for name in arguments}

    aliases = {}
    for name in keys:
        for alt in _aliases(name):
            aliases.setdefault(alt, name)

    direct = set(keys) == set(keys.values())

    def fn(**values):
        if direct and values.keys() == keys.keys():
            return inner(**values)  # the usual call: no renaming needed
        values = {(k if k in keys or k in keys.values() else aliases.get(k, k)): v for k, v in values.items()}
        unknown = [k for k in values if k not in keys and k not in keys.values()]
        missing = [k for k, v in keys.items() if k not in values and v not in values]
        if unknown or missing:
            raise OptionError(
                "this function takes the keyword arguments " + ", ".join(keys)
                + (f"; missing: {', '.join(missing)}" if missing else "")
                + (f"; not an input: {', '.join(unknown)}" if unknown else "")
            )
        return inner(**{keys.get(k, k): v for k, v in values.items()})

    fn.__name__ = "mfml_numpy"
    fn.__doc__ = f"numpy function of {expr}\n\n{source}"
    fn.source = source  # type: ignore[attr-defined]
    fn.arguments = list(keys)  # type: ignore[attr-defined]
    return fn
