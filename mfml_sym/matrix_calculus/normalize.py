"""From what the notation layer builds to the engine's form, with sums over data vectorised.

* sympy's ``ElementwiseApplyFunction`` / ``DiagMatrix`` and a plain ``Function`` applied to a
  vector become :class:`Elementwise` / :class:`Diag` (``\\sigma``, ``sigmoid`` → the logistic σ,
  ``softmax`` → :class:`Softmax`, ``logsumexp`` → :class:`LogSumExp`, ``norm`` → :class:`Norm`).
* Scalar bodies are recognised: log(1 + eᵘ) → softplus(u), 1/(1 + e^{−u}) → σ(u),
  log softmax(z) → z − logsumexp(z)·1 (exact identities).
* A sum over data, ``Sum(body, (n, 1, N))`` with ``x_n = X[n-1, :]ᵀ`` and ``y_n = y[n-1, 0]``,
  is rewritten exactly as ``1ᵀ v`` where v stacks the N values of the body: ``x_nᵀw`` → ``Xw``,
  ``y_n x_nᵀw`` → ``y ∘ Xw``, ``(x_n − μ)ᵀA(x_n − μ)`` → ``((X − 1μᵀ)A ∘ (X − 1μᵀ)) 1``,
  f(scalar) → f(vector) elementwise. An index sum over all entries of a vector
  (``Σ_k exp(z_k)``) is the same rewrite. ``log 1ᵀexp(z)`` becomes logsumexp(z).
"""
from __future__ import annotations

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.matrices.expressions.diagonal import DiagMatrix
from sympy.matrices.expressions.matexpr import MatrixElement, MatrixExpr

from ..errors import UnsupportedError
from .simplify import simplify_matrix
from .functions import Scalar, Diag, Elementwise, LogSumExp, Norm, Softmax, is_matrix, ones, sigmoid, softplus

__all__ = ["to_engine_form", "vectorise_sum", "canonical_scalar"]

_SIGMOID_NAMES = {"sigma", "sigmoid", "logistic", "σ"}


def canonical_scalar(e):
    """Recognise softplus and σ in a scalar expression (exact rewrites)."""
    if not isinstance(e, sp.Basic) or not e.args:
        return e

    def is_one_plus_exp(a):
        if isinstance(a, sp.Add) and len(a.args) == 2 and sp.S.One in a.args:
            other = a.args[0] if a.args[1] == 1 else a.args[1]
            if isinstance(other, sp.exp):
                return other.args[0]
        return None

    def rule(x):
        if isinstance(x, sp.log):
            u = is_one_plus_exp(x.args[0])
            if u is not None:
                return softplus(u)
        if isinstance(x, sp.Pow) and x.exp == -1:
            u = is_one_plus_exp(x.base)
            if u is not None:
                return sigmoid(-u)
        if isinstance(x, sp.Mul):
            args = list(x.args)
            for i, a in enumerate(args):
                if isinstance(a, sp.Pow) and a.exp == -1:
                    u = is_one_plus_exp(a.base)
                    if u is not None and sp.exp(u) in args:
                        rest = [b for j, b in enumerate(args) if j != i]
                        rest.remove(sp.exp(u))
                        return sp.Mul(*rest) * sigmoid(u)
        return None

    new_args = [canonical_scalar(a) for a in e.args]
    if new_args != list(e.args):
        try:
            e = e.func(*new_args)
        except Exception:
            pass
    r = rule(e)
    return r if r is not None else e


def _function_name(f) -> str:
    return str(getattr(f, "__name__", f)).replace("\\", "")


class _Normaliser:
    def __init__(self, sigmoid_names=_SIGMOID_NAMES) -> None:
        self.sigmoid_names = set(sigmoid_names)

    def __call__(self, e):
        if not isinstance(e, sp.Basic):
            return e
        if isinstance(e, (sp.Symbol, sp.Number, sp.MatrixSymbol)):
            return e
        if isinstance(e, ElementwiseApplyFunction):
            return self._apply(e.function, self(e.expr))
        if isinstance(e, MatrixElement) and tuple(e.parent.shape) == (1, 1) and not isinstance(e, Scalar):
            return Scalar(self(e.parent))
        if isinstance(e, DiagMatrix):
            return Diag(self(e.args[0]))
        if isinstance(e, sp.Sum):
            body = self(e.args[0])
            s = sp.Sum(body, *e.args[1:])
            out = _index_contraction(s)
            if out is None:
                out = simplify_matrix(vectorise_sum(s))
            return self._post(out)
        if isinstance(e, sp.Lambda):
            return sp.Lambda(e.variables, canonical_scalar(self(e.expr)))
        if isinstance(e, (sp.Function,)) and not isinstance(e, (sp.Determinant, sp.Trace)) \
                and len(e.args) == 1 and is_matrix(e.args[0]) and tuple(e.args[0].shape) != (1, 1):
            return self._apply(e.func, self(e.args[0]))
        if isinstance(e, sp.Function) and _function_name(e.func) in self.sigmoid_names and len(e.args) == 1:
            return sigmoid(self(e.args[0]))
        if isinstance(e, sp.Function) and _function_name(e.func) in ("logsumexp", "LSE") and len(e.args) == 1:
            return LogSumExp(self(e.args[0]))
        args = [self(a) for a in e.args]
        try:
            out = e.func(*args) if args != list(e.args) else e
        except Exception:
            out = e
        return self._post(out)

    def _apply(self, f, arg):
        name = _function_name(f)
        if isinstance(f, sp.Lambda):
            (t,), body = f.variables, f.expr
            if isinstance(body, sp.Function) and body.args == (t,) and not isinstance(body, sp.core.function.AppliedUndef) \
                    and _function_name(body.func) in ("log", "softmax", "logsumexp", "norm"):
                return self._apply(body.func, arg)
            body = canonical_scalar(self(body))
            if isinstance(body, sp.Function) and body.args == (t,) and _function_name(body.func) in self.sigmoid_names:
                body = sigmoid(t)
            if isinstance(body, sp.log) and isinstance(body.args[0], Softmax):
                pass
            return Elementwise(sp.Lambda(t, body), arg)
        if name in self.sigmoid_names:
            return Elementwise(sigmoid, arg)
        if name == "softmax":
            return Softmax(arg)
        if name in ("logsumexp", "LSE"):
            return LogSumExp(arg)
        if name in ("norm",):
            return Norm(arg)
        if name == "log" and isinstance(arg, Softmax):
            # log softmax(z) = z − logsumexp(z) 1 (exact)
            z = arg.arg
            return z - LogSumExp(z) * ones(z.shape[0], 1)
        return Elementwise(f, arg)

    def _post(self, e):
        """log(1ᵀ exp(z)) → logsumexp(z); exp(z)/1ᵀexp(z) → softmax(z); √(vᵀv) → ‖v‖."""
        if isinstance(e, sp.Pow) and e.exp == sp.Rational(1, 2):
            inner = e.base
            if isinstance(inner, MatrixElement) and tuple(inner.parent.shape) == (1, 1):
                inner = inner.parent
            elif isinstance(inner, sp.Trace):
                inner = inner.arg
            else:
                inner = None
            if isinstance(inner, sp.MatMul) and len(inner.args) == 2 and isinstance(inner.args[0], sp.Transpose) \
                    and inner.args[0].arg == inner.args[1]:
                return Norm(inner.args[1])
        if isinstance(e, sp.MatMul):
            scalars = [a for a in e.args if not is_matrix(a)]
            mats = [a for a in e.args if is_matrix(a)]
            if len(mats) == 1 and isinstance(mats[0], Elementwise) and mats[0].head() == sp.exp and len(scalars) == 1:
                z = mats[0].arg
                sc = scalars[0]
                if isinstance(sc, sp.Pow) and sc.exp == -1 and isinstance(sc.base, MatrixElement):
                    par = sc.base.parent
                    if isinstance(par, sp.MatMul) and len(par.args) == 2 and _is_ones_row(par.args[0]) \
                            and par.args[1] == mats[0]:
                        return Softmax(z)
        if isinstance(e, MatrixElement) and tuple(e.parent.shape) == (1, 1) and not isinstance(e, Scalar):
            e = Scalar(e.parent)
        if isinstance(e, sp.log):
            inner = e.args[0]
            if isinstance(inner, MatrixElement) and isinstance(inner.parent, sp.MatMul):
                mats = inner.parent.args
                if len(mats) == 2 and _is_ones_row(mats[0]) \
                        and isinstance(mats[1], Elementwise) and mats[1].head() == sp.exp:
                    return LogSumExp(mats[1].arg)
        if isinstance(e, Elementwise) and isinstance(e.arg, Softmax) and e.head() == sp.log:
            z = e.arg.arg
            return z - LogSumExp(z) * ones(z.shape[0], 1)
        if not is_matrix(e):
            return canonical_scalar(e)
        return e


def to_engine_form(e, sigmoid_names=_SIGMOID_NAMES):
    """The engine's form of an input expression (see the module docstring)."""
    out = _Normaliser(sigmoid_names)(e)
    if isinstance(out, sp.Basic) and any(isinstance(a, Elementwise) and a.shape[0] == 1 and a.shape[1] != 1
                                         for a in sp.preorder_traversal(out)):
        out = _columns(out)  # σ(xᵀWᵀ) becomes σ(Wx)ᵀ, so equal terms are seen as equal
    return out


def _columns(e):
    """Elementwise functions of rows written as transposes of functions of columns (exact)."""
    from .simplify import transpose

    if not isinstance(e, sp.Basic) or not e.args or isinstance(e, (sp.MatrixSymbol, sp.Lambda)):
        return e
    args = [_columns(a) for a in e.args]
    if isinstance(e, Elementwise):
        arg = args[1]
        if arg.shape[0] == 1 and arg.shape[1] != 1:
            return sp.Transpose(Elementwise(e.function, transpose(arg)))
        return Elementwise(e.function, arg)
    if args == list(e.args):
        return e
    try:
        return e.func(*args)
    except Exception:
        return e


# -- sums over data ---------------------------------------------------------------------------
class _Vectoriser:
    """V(e): the N-row matrix whose n-th row is e(n) (a column e(n) contributes e(n)ᵀ)."""

    def __init__(self, index, lower, upper) -> None:
        self.n = index
        self.lower = lower
        self.count = sp.simplify(upper - lower + 1)

    def fail(self, e, why=""):
        raise UnsupportedError(
            f"cannot write the sum over {self.n} in matrix form at {e}" + (f": {why}" if why else ""),
            hint="write the data as rows of a matrix X (x_n = n-th row) and y_n as entries of a vector",
        )

    def dep(self, e) -> bool:
        return isinstance(e, sp.Basic) and e.has(self.n)

    def _row_of(self, parent, start):
        """Check that index ``start`` runs over all rows 0..N-1 of ``parent`` as n does."""
        if sp.simplify(sp.sympify(start).subs(self.n, self.lower)) != 0 or sp.diff(start, self.n) != 1:
            self.fail(parent, "the index must run over all rows")
        if sp.simplify(parent.shape[0] - self.count) != 0:
            self.fail(parent, f"{parent} has {parent.shape[0]} rows but the sum has {self.count} terms")

    def const_rows(self, e):
        """A constant as N identical rows."""
        N = self.count
        if not is_matrix(e):
            return e * ones(N, 1)
        r, c = e.shape
        if (r, c) == (1, 1):
            return ones(N, 1) * e
        if c == 1:
            return ones(N, 1) * e.T
        if r == 1:
            return ones(N, 1) * e
        self.fail(e, "a matrix-valued term")

    def V(self, e):
        if not self.dep(e):
            return self.const_rows(e)
        n = self.n
        if isinstance(e, sp.MatrixSlice):
            parent = e.parent
            (r0, r1, rs), (c0, c1, cs) = e.rowslice, e.colslice
            if self.dep(c0) or self.dep(c1) or sp.simplify(r1 - r0) != 1:
                self.fail(e)
            self._row_of(parent, r0)
            if sp.simplify(c1 - c0 - parent.shape[1]) != 0:
                return sp.MatrixSlice(parent, (0, parent.shape[0], 1), (c0, c1, cs))
            return parent
        if isinstance(e, MatrixElement):
            parent = e.parent
            if self.dep(parent):
                if tuple(parent.shape) == (1, 1):
                    return self.V(parent)
                self.fail(e)
            if self.dep(e.j):
                if self.dep(e.i):
                    self.fail(e)
                # X[r, i] summed over the columns i: the r-th row of X as a column
                self._row_of(parent.T, e.j)
                return sp.MatrixSlice(parent, (e.i, e.i + 1, 1), (0, parent.shape[1], 1)).T
            self._row_of(parent, e.i)
            if parent.shape[1] == 1:
                return parent
            return sp.MatrixSlice(parent, (0, parent.shape[0], 1), (e.j, e.j + 1, 1))
        if isinstance(e, sp.Transpose):
            return self.V(e.arg)
        if isinstance(e, sp.MatAdd):
            return _add([self.V(a) for a in e.args])
        if isinstance(e, sp.MatMul):
            return self._product(e)
        if isinstance(e, sp.HadamardProduct):
            return sp.HadamardProduct(*[self.V(a) for a in e.args])
        if isinstance(e, sp.HadamardPower):
            return sp.HadamardPower(self.V(e.args[0]), e.args[1])
        if isinstance(e, Elementwise):
            return Elementwise(e.function, self.V(e.arg))
        if isinstance(e, MatrixExpr):
            self.fail(e)
        # scalars: one value per data point, an N-vector
        cores = self._cores(e)
        if len(cores) == 1 and isinstance(e, (sp.Function, sp.Pow, sp.Add, sp.Mul)) and not e.has(sp.Sum):
            # a scalar function of one data-dependent quantity u_n: one elementwise function of V(u)
            (core,) = cores
            t = sp.Dummy("t", real=True)
            body = canonical_scalar(e.xreplace({core: t}))
            if body.is_polynomial(t) and sp.degree(body, t) == 1:
                pass  # affine: keep as matrix algebra (c u + d), read below
            else:
                return Elementwise(sp.Lambda(t, body), self.V(core))
        if isinstance(e, sp.Add):
            return _add([self.V(a) for a in e.args])
        if isinstance(e, sp.Mul):
            const = sp.Mul(*[a for a in e.args if not self.dep(a)])
            deps = [self.V(a) for a in e.args if self.dep(a)]
            core = deps[0] if len(deps) == 1 else sp.HadamardProduct(*deps)
            return core if const == 1 else const * core
        if isinstance(e, sp.Pow):
            if self.dep(e.exp):
                self.fail(e)
            if e.exp.is_Integer:
                return sp.HadamardPower(self.V(e.base), e.exp)
            t = sp.Dummy("t", real=True)
            return Elementwise(sp.Lambda(t, t ** e.exp), self.V(e.base))
        if isinstance(e, sp.Function) and len(e.args) == 1:
            t = sp.Dummy("t", real=True)
            body = e.func(t)
            return Elementwise(sp.Lambda(t, body) if not _is_named(e.func) else e.func, self.V(e.args[0]))
        self.fail(e)

    def _cores(self, e) -> set:
        """The maximal data-dependent scalar leaves of e (entries and 1 × 1 products)."""
        if not self.dep(e):
            return set()
        if isinstance(e, (MatrixElement, sp.Indexed)) or isinstance(e, MatrixExpr):
            return {e}
        if isinstance(e, sp.Symbol):
            return {e}
        out = set()
        for a in e.args:
            out |= self._cores(a)
        return out

    def _product(self, e):
        scalars = [a for a in e.args if not is_matrix(a)]
        mats = [a for a in e.args if is_matrix(a)]
        const = sp.Mul(*[s for s in scalars if not self.dep(s)])
        dep_scalars = [self.V(s) for s in scalars if self.dep(s)]
        core = self._chain(mats)
        for v in dep_scalars:
            core = Diag(v) * core
        return core if const == 1 else const * core

    def _chain(self, mats):
        hits = [i for i, m in enumerate(mats) if self.dep(m)]
        r, c = mats[0].shape[0], mats[-1].shape[1]
        if len(hits) == 1:
            i = hits[0]
            F = mats[i]
            L = _prod(mats[:i])
            R = _prod(mats[i + 1:])
            VF = self.V(F)
            fr, fc = F.shape
            if (fr, fc) == (1, 1):
                M = _prod([m for m in (L, R) if m is not None])
                if M is None:
                    return VF
                return Diag(VF) * self.const_rows(M) if tuple(M.shape) != (1, 1) else VF * M
            if fc == 1:  # F a column: rows of L F R are (F^T L^T) R-scaled
                out = VF if L is None else VF * L.T
                if R is not None:
                    if tuple(R.shape) == (1, 1):
                        out = out * R
                    elif c != 1 or r == 1:  # (L F) is 1x1 then times a row R
                        out = out * R
                    else:
                        self.fail(_prod(mats))
                return out
            if fr == 1:  # F a row
                out = VF if R is None else VF * R
                if L is not None:
                    if tuple(L.shape) == (1, 1):
                        out = out * L
                    else:  # L a column: result rows are (F R) L^T
                        out = out * L.T
                return out
            self.fail(F, "a matrix that depends on the data index")
        # several dependent factors: split into a row and a column, each with one of them
        if (r, c) != (1, 1):
            self.fail(_prod(mats), "a vector-valued product with several data factors")
        for k in range(hits[0] + 1, hits[-1] + 1):
            left, right = mats[:k], mats[k:]
            if sum(1 for m in left if self.dep(m)) == 1 or True:
                lv = self._chain(left)
                rv = self._chain(right)
                p = _prod(left).shape[1]
                if p == 1:
                    return sp.HadamardProduct(lv, rv)
                return sp.HadamardProduct(lv, rv) * ones(p, 1)
        self.fail(_prod(mats))


def _is_ones_row(a) -> bool:
    if isinstance(a, sp.OneMatrix) and a.shape[0] == 1:
        return True
    return isinstance(a, sp.Transpose) and isinstance(a.arg, sp.OneMatrix)


def _is_named(f) -> bool:
    return isinstance(f, type) and issubclass(f, sp.Function)


def _prod(ms):
    ms = [m for m in ms if m is not None]
    if not ms:
        return None
    out = ms[0]
    for m in ms[1:]:
        out = out * m
    return out


def _add(parts):
    out = parts[0]
    for p in parts[1:]:
        out = out + p
    return out


def _index_contraction(s: sp.Sum):
    """An index sum over whole dimensions (Σ_i a_i b_i, Σ_ij x_i A_ij x_j) back in matrix form.

    sympy writes ``(wᵀx)[0, 0]`` as such a sum; its array-expression converters read it back
    (``convert_indexed_to_array`` then ``convert_array_to_matrix``). None when they cannot.
    """
    for (i, lo, hi) in s.limits:
        if lo != 0:
            return None
    try:
        from sympy.tensor.array.expressions import convert_array_to_matrix, convert_indexed_to_array

        out = convert_array_to_matrix(convert_indexed_to_array(s))
    except Exception:
        return None
    if isinstance(out, MatrixElement):
        parent = out.parent
        if not isinstance(parent, (MatrixExpr,)) or parent.has(sp.Sum) or not _plain_matrix(parent):
            return None
        if tuple(parent.shape) == (1, 1):
            return Scalar(parent)
        return out
    return None


def _plain_matrix(e) -> bool:
    """Only matrix algebra sympy prints and differentiates as matrices (no array expressions)."""
    from sympy.tensor.array.expressions.array_expressions import _ArrayExpr

    return not any(isinstance(a, _ArrayExpr) for a in sp.preorder_traversal(e))


def vectorise_sum(s: sp.Sum):
    """Σ_n body(n) as 1ᵀ V(body): a scalar expression without the sum (exact)."""
    body, *limits = s.args
    if len(limits) != 1:
        inner = vectorise_sum(sp.Sum(body, *limits[:-1])) if len(limits) > 1 else body
        return vectorise_sum(sp.Sum(inner, limits[-1]))
    n, lo, hi = limits[0]
    if is_matrix(body) and tuple(body.shape) != (1, 1):
        raise UnsupportedError(f"a sum of matrices {s} is not supported; sums of scalars are")
    vec = _Vectoriser(n, lo, hi)
    if not body.has(n):
        return (hi - lo + 1) * body
    v = vec.V(body)
    total = ones(v.shape[0], 1).T * v
    return Scalar(total)
