"""The functions of machine learning as sympy objects that print in the book's notation.

Scalar functions: :class:`sigmoid` (σ, the logistic function), :class:`softplus`
(log(1 + eᵘ)). Matrix-valued nodes: :class:`Elementwise` (a scalar function applied entry by
entry, ``σ(Xw)``), :class:`Diag` (``diag(v)``, a vector on a diagonal), :class:`Softmax`;
scalar nodes :class:`LogSumExp` and :class:`Norm` (Euclidean / Frobenius norm).

They replace sympy's ``ElementwiseApplyFunction`` and ``DiagMatrix`` inside this engine because
those print as ``(t ↦ σ(t))∘(Xw)`` and ``DiagMatrix(v)``; :func:`to_engine_form` converts
what the notation layer builds.
"""
from __future__ import annotations

import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixElement, MatrixExpr

__all__ = [
    "sigmoid", "softplus", "Elementwise", "Diag", "Softmax", "LogSumExp", "Norm",
    "ones", "Scalar", "is_matrix", "is_scalar_matrix", "elementwise",
]


class sigmoid(sp.Function):
    """σ(u) = 1 / (1 + e^{-u}); σ' = σ(1 − σ) (MML eq. 5.? / standard)."""

    nargs = 1

    def fdiff(self, argindex=1):
        s = sigmoid(self.args[0])
        return s * (1 - s)

    def _eval_rewrite_as_exp(self, u, **kwargs):
        return 1 / (1 + sp.exp(-u))

    @classmethod
    def eval(cls, u):
        if u == 0:
            return sp.Rational(1, 2)
        return None

    def _latex(self, printer, exp=None):
        body = r"\sigma\left(%s\right)" % printer._print(self.args[0])
        return body if exp is None else r"\sigma^{%s}\left(%s\right)" % (exp, printer._print(self.args[0]))

    def _eval_is_real(self):
        return self.args[0].is_real


class softplus(sp.Function):
    """softplus(u) = log(1 + eᵘ); its derivative is σ(u)."""

    nargs = 1

    def fdiff(self, argindex=1):
        return sigmoid(self.args[0])

    def _eval_rewrite_as_log(self, u, **kwargs):
        return sp.log(1 + sp.exp(u))

    def _latex(self, printer, exp=None):
        out = r"\operatorname{softplus}\left(%s\right)" % printer._print(self.args[0])
        return out if exp is None else r"%s^{%s}" % (out, exp)


def is_matrix(e) -> bool:
    return isinstance(e, (MatrixExpr, sp.MatrixBase))


def is_scalar_matrix(e) -> bool:
    """A 1 × 1 matrix expression (``xᵀAx``), which the engine treats as a scalar."""
    return is_matrix(e) and tuple(e.shape) == (1, 1)


class Ones(sp.OneMatrix):
    """The all-ones matrix, printed as a bold 1 (1ᵀ for a row)."""

    def _eval_transpose(self):
        return Ones(self.shape[1], self.shape[0])

    def _latex(self, printer):
        return r"\mathbf{1}^\top" if self.shape[0] == 1 and self.shape[1] != 1 else r"\mathbf{1}"

    def _sympystr(self, printer):
        return "1ᵀ" if self.shape[0] == 1 and self.shape[1] != 1 else "1"


class Scalar(MatrixElement):
    """A 1 × 1 matrix expression used as a scalar (xᵀAx), printed without an index."""

    def __new__(cls, m, i=0, j=0):
        return sp.Expr.__new__(cls, m, sp.S.Zero, sp.S.Zero)

    def _latex(self, printer, exp=None):
        inner = printer._print(self.parent)
        if exp is not None:
            return r"\left(%s\right)^{%s}" % (inner, exp)
        return inner

    def _sympystr(self, printer):
        inner = printer._print(self.parent)
        return inner if isinstance(self.parent, sp.MatrixSymbol) else "(" + inner + ")"

    def doit(self, **hints):
        # sympy's MatrixElement.doit writes the entry as an index sum; keep the matrix form
        deep = hints.get("deep", True)
        return Scalar(self.parent.doit(**hints) if deep else self.parent)


def ones(rows, cols=1):
    return Ones(rows, cols)


_T = sp.Dummy("t", real=True)


class Elementwise(MatrixExpr):
    """``f(A)`` applied entry by entry; ``function`` is a one-argument ``Lambda``."""

    def __new__(cls, function, arg):
        # one bound variable for every body, so equal functions compare equal
        if not isinstance(function, sp.Lambda):
            function = sp.Lambda(_T, function(_T))
        elif function.variables != (_T,):
            (t,), body = function.variables, function.expr
            function = sp.Lambda(_T, body.xreplace({t: _T}))
        arg = sp.sympify(arg)
        return super().__new__(cls, function, arg)

    @property
    def function(self) -> sp.Lambda:
        return self.args[0]

    @property
    def arg(self):
        return self.args[1]

    @property
    def shape(self):
        return self.arg.shape

    def applied(self, u):
        """The scalar body with the argument replaced by ``u``."""
        return self.function(u)

    def head(self):
        """The function class when the body is f(t) for a named function (σ, tanh, exp), else None."""
        (t,), body = self.function.variables, self.function.expr
        if isinstance(body, sp.Function) and len(body.args) == 1 and body.args[0] == t:
            return body.func
        if isinstance(body, sp.Pow) and body.base == sp.E and body.exp == t:
            return sp.exp
        return None

    def _entry(self, i, j, **kwargs):
        return self.function(self.arg._entry(i, j, **kwargs))

    def _latex(self, printer):
        inner = printer._print(self.arg)
        head = self.head()
        if head is not None:
            name = printer._print(head(sp.Symbol("XX"))).replace(r"\left(XX \right)", "").replace(
                r"\left(XX\right)", "").replace("{\\left(XX \\right)}", "")
            if "XX" not in name:
                return r"%s\left(%s\right)" % (name, inner)
            return printer._print(head(sp.Symbol(r"\left(" + inner + r"\right)")))
        (t,), body = self.function.variables, self.function.expr
        return printer._print(body.subs(t, sp.Symbol(inner)))

    def _sympystr(self, printer):
        head = self.head()
        if head is not None:
            return "%s(%s)" % (getattr(head, "__name__", str(head)), printer._print(self.arg))
        (t,), body = self.function.variables, self.function.expr
        return printer._print(body.subs(t, sp.Symbol("(" + printer._print(self.arg) + ")")))


def elementwise(f, arg):
    """``f(arg)`` entrywise, with the function given as a class (``sigmoid``) or a Lambda."""
    return Elementwise(f, arg)


class Diag(MatrixExpr):
    """diag(v): the vector v on the diagonal of a square matrix."""

    def __new__(cls, v):
        return super().__new__(cls, sp.sympify(v))

    @property
    def vector(self):
        return self.args[0]

    @property
    def shape(self):
        return (self.vector.shape[0], self.vector.shape[0])

    def _entry(self, i, j, **kwargs):
        return sp.KroneckerDelta(i, j) * self.vector._entry(i, 0, **kwargs)

    def _eval_transpose(self):
        return self

    def _latex(self, printer):
        return r"\operatorname{diag}\left(%s\right)" % printer._print(self.vector)

    def _sympystr(self, printer):
        return "diag(%s)" % printer._print(self.vector)


class Softmax(MatrixExpr):
    """softmax(z) = exp(z) / 1ᵀexp(z) for a column vector z."""

    def __new__(cls, z):
        return super().__new__(cls, sp.sympify(z))

    @property
    def arg(self):
        return self.args[0]

    @property
    def shape(self):
        return self.arg.shape

    def _latex(self, printer):
        return r"\operatorname{softmax}\left(%s\right)" % printer._print(self.arg)

    def _sympystr(self, printer):
        return "softmax(%s)" % printer._print(self.arg)


class LogSumExp(sp.Expr):
    """log Σ_k exp(z_k) of a column vector z (a scalar); its gradient is softmax(z)."""

    is_real = True
    is_commutative = True

    def __new__(cls, z):
        return super().__new__(cls, sp.sympify(z))

    @property
    def arg(self):
        return self.args[0]

    def _latex(self, printer, exp=None):
        out = r"\log\sum_{k} e^{\left(%s\right)_k}" % printer._print(self.arg)
        out = r"\operatorname{logsumexp}\left(%s\right)" % printer._print(self.arg)
        return out if exp is None else r"%s^{%s}" % (out, exp)

    def _sympystr(self, printer):
        return "logsumexp(%s)" % printer._print(self.arg)


class Norm(sp.Expr):
    """‖A‖: the Euclidean norm of a vector, the Frobenius norm of a matrix (a scalar)."""

    is_real = True
    is_nonnegative = True
    is_commutative = True

    def __new__(cls, a):
        return super().__new__(cls, sp.sympify(a))

    @property
    def arg(self):
        return self.args[0]

    def _latex(self, printer, exp=None):
        sub = "2" if self.arg.shape[1] == 1 else "F"
        out = r"\left\lVert %s \right\rVert_{%s}" % (printer._print(self.arg), sub)
        return out if exp is None else r"%s^{%s}" % (out, exp)

    def _sympystr(self, printer):
        return "norm(%s)" % printer._print(self.arg)


class DifferentialSymbol(sp.MatrixSymbol):
    """dX: the differential of a matrix variable, printed d followed by the variable."""

    def _latex(self, printer):
        return r"\mathrm{d}" + printer._print(sp.MatrixSymbol(self.name[1:], *self.shape))

    def _sympystr(self, printer):
        return "d" + printer._print(sp.MatrixSymbol(self.name[1:], *self.shape))


class DifferentialScalar(sp.Symbol):
    """dt for a scalar variable t."""

    def _latex(self, printer):
        return r"\mathrm{d}" + printer._print(sp.Symbol(self.name[1:]))

    def _sympystr(self, printer):
        return "d" + printer._print(sp.Symbol(self.name[1:]))


class Vec(MatrixExpr):
    """vec(A): the columns of A stacked (display of Kronecker-form Jacobians)."""

    def __new__(cls, a):
        return super().__new__(cls, a)

    @property
    def shape(self):
        r, c = self.args[0].shape
        return (r * c, 1)

    def _latex(self, printer):
        return r"\operatorname{vec}\left(%s\right)" % printer._print(self.args[0])

    def _sympystr(self, printer):
        return "vec(%s)" % printer._print(self.args[0])


def madd(*terms):
    """A flat sum built without sympy's canonicalisation (whose ``doit`` re-walks whole trees)."""
    flat = []
    for t in terms:
        if t is None:
            continue
        if isinstance(t, sp.MatAdd):
            flat.extend(t.args)
        elif isinstance(t, sp.ZeroMatrix) or (not is_matrix(t) and t == 0):
            continue
        else:
            flat.append(t)
    shaped = [t for t in terms if t is not None and is_matrix(t)]
    if not flat:
        return sp.ZeroMatrix(*shaped[0].shape) if shaped else sp.S.Zero
    if len(flat) == 1:
        return flat[0]
    if any(is_matrix(t) for t in flat):
        return sp.MatAdd(*flat)
    return sp.Add(*flat)


def mmul(*factors):
    """A flat product built without sympy's canonicalisation; scalars in front, identities dropped."""
    coeff = sp.S.One
    mats = []
    for f in factors:
        if f is None:
            continue
        if isinstance(f, sp.MatMul):
            for a in f.args:
                if is_matrix(a):
                    mats.append(a)
                else:
                    coeff = coeff * a
        elif is_matrix(f):
            mats.append(f)
        else:
            coeff = coeff * f
    if not mats:
        return coeff
    if any(isinstance(m, sp.ZeroMatrix) for m in mats) or coeff == 0:
        return sp.ZeroMatrix(mats[0].shape[0], mats[-1].shape[1])
    kept = [m for m in mats if not isinstance(m, sp.Identity)]
    if not kept:
        kept = [mats[0]]
    if coeff == 1 and len(kept) == 1:
        return kept[0]
    return sp.MatMul(*([coeff] if coeff != 1 else []), *kept)
