"""Syntax tree -> sympy objects, with the cell's declarations (the semantic pass).

Representation choices (binding for the engines that read a Problem):

* scalars ``Symbol(name, real=True)`` (+ declared assumptions); dimensions and counts
  ``Symbol(name, integer=True, positive=True)``; sum/product indices ``Symbol(i, integer=True)``.
* vectors ``MatrixSymbol(name, n, 1)``, matrices ``MatrixSymbol(name, r, c)``; ``I``/``I_n``
  ``Identity``, ``\\mathbf{1}`` ``OneMatrix(n, 1)``, ``\\mathbf{0}`` ``ZeroMatrix(n, 1)``.
* a product whose shape is 1 x 1 (``\\mathbf{w}^\\top\\mathbf{x}``, ``\\|x\\|^2``) is the scalar
  ``(w.T*x)[0, 0]`` (a ``MatrixElement``); note that ``sympy.diff`` of such an element with
  respect to a MatrixSymbol is not reliable - unwrap ``expr.parent`` first.
* elementwise functions of a vector/matrix ``ElementwiseApplyFunction(f, M)`` with ``f`` the
  sympy function class (``exp``, ``log``, ``tanh``, ``Abs``) or an undefined
  ``Function('sigma')`` (the logistic sigmoid when the cell does not define it);
  ``\\operatorname{softplus}`` is ``Lambda(t, log(1 + exp(t)))``, ``\\operatorname{sigmoid}``
  ``Lambda(t, 1/(1 + exp(-t)))``; ``\\operatorname{softmax}(z)`` is
  ``exp.(z) * 1/(1^T exp.(z))`` and ``\\log\\operatorname{softmax}(z)`` is
  ``z - log(1^T exp.(z)) 1``.
* ``\\|x\\|`` is ``sqrt((x.T*x)[0,0])`` (so ``\\|x\\|^2`` is ``(x.T*x)[0,0]``), ``\\|A\\|_F`` is
  ``sqrt(Trace(A.T*A))``; ``|A|`` of a square matrix is ``Determinant(A)``.
* data in sums (problem.py): ``\\mathbf{x}_n`` -> ``X[n-1, :].T``; ``y_n`` of a vector
  ``\\mathbf{y}`` -> ``y[n-1, 0]``; other indexed scalars ``IndexedBase("x")[i]``.
"""
from __future__ import annotations

import sympy
from sympy import (
    Abs, Derivative, Eq, Function, Ge, Gt, Identity, IndexedBase, Integer, Lambda, Le, Lt,
    MatrixBase, MatrixExpr, MatrixSymbol, Ne, OneMatrix, Rational, Symbol, ZeroMatrix,
)

from sympy.matrices.expressions.matexpr import MatrixElement

from ..errors import ParseError, ShapeError, UnsupportedError
from .lexer import error_at
from .shapes import Dimensions
from .syntax_tree import Name, Node, walk

__all__ = ["Scope", "is_matrix"]

_ELEMENTWISE = {"sin": sympy.sin, "cos": sympy.cos, "tan": sympy.tan, "exp": sympy.exp,
                "log": sympy.log, "tanh": sympy.tanh, "sinh": sympy.sinh, "cosh": sympy.cosh,
                "abs": Abs, "sign": sympy.sign, "erf": sympy.erf, "atan": sympy.atan,
                "asin": sympy.asin, "acos": sympy.acos, "cot": sympy.cot, "sec": sympy.sec,
                "csc": sympy.csc, "coth": sympy.coth, "log10": lambda t: sympy.log(t, 10),
                "sqrt": sympy.sqrt}
DEFAULT_FUNCTIONS = {"f", "g", "h", "k", "p", "q", "L", "sigma", "phi", "psi", "ell", "F", "G",
                     "J", "T", "u", "relu", "ReLU", "pi", "varphi", "kappa", "r"}
COUNTS = {"N", "K", "D", "T", "M"}
# user functions that act entrywise on a vector argument (the logistic sigma, ReLU)
ELEMENTWISE_NAMES = {"sigma", "ReLU", "relu", "softplus", "varphi"}
# covariance, precision and scale matrices are square by the book's usage
SQUARE_BY_NAME = {"Sigma", "Lambda", "Psi", "I", "H", "S"}
_RELS = {"=": Eq, "<": Lt, ">": Gt, "<=": Le, ">=": Ge, "!=": Ne}


def is_matrix(e) -> bool:
    return isinstance(e, (MatrixExpr, MatrixBase))


class Info:
    """What the pre-pass learned about one name (by identifier, font dropped)."""

    def __init__(self):
        self.kind = None  # scalar, vector, matrix, function, dimension, index
        self.shape = None  # declared (rows, cols) as sympy dims
        self.props: set = set()
        self.latex = ""
        self.source = "convention"


class Scope:
    """Symbols of one cell and the conversion of its trees to sympy."""

    def __init__(self, text: str):
        self.text = text
        self.info: dict[str, Info] = {}
        self.dims = Dimensions()
        self.objects: dict[str, object] = {}  # ident -> sympy object
        self.order: list[str] = []
        self.functions: set = set()
        self.function_args: dict[str, tuple] = {}
        self.applied_only: set = set()
        self.standalone: set = set()
        self.bound: list[dict] = []
        self.index_bounds: dict[str, tuple] = {}
        self.vector_hints: set = set()
        self.data_context = False
        self.data_matrix = False
        self.declared_bounds: dict = {}
        self.used_names: set = set()

    # ---------------------------------------------------------------- errors
    def err(self, node: Node, message: str, hint: str | None = None, cls=ParseError):
        return error_at(self.text, node.start, max(node.end, node.start + 1), message, hint=hint, cls=cls)

    def of(self, ident: str) -> Info:
        if ident not in self.info:
            self.info[ident] = Info()
        return self.info[ident]

    # ---------------------------------------------------------------- kinds
    def kind_of(self, name: Name) -> str:
        ident = name.ident
        inf = self.info.get(ident)
        if inf is not None and inf.kind:
            return inf.kind
        stem = self.info.get(name.stem)
        if stem is not None and stem.kind == "vector" and not name.bold and name.subtext.isdigit():
            return "element"
        if stem is not None and stem.kind in ("vector", "matrix") and name.subtext:
            # \mathbf{W}_1 when W is declared: same kind, its own symbol
            return stem.kind
        if name.bold:
            return "matrix" if name.upper else "vector"
        if ident in self.vector_hints:
            return "vector"
        if name.upper and not name.accent:
            if name.base in COUNTS and not name.subtext:
                return "dimension"
            if name.font == "cal":
                return "scalar"
            return "matrix"
        return "scalar"

    def dimension_symbol(self, ident: str):
        return Symbol(ident, integer=True, positive=True)

    def symbol_for(self, name: Name, node: Node):
        """The sympy object for a written name (no index binding)."""
        ident = name.ident
        if ident in self.objects:
            return self.objects[ident]
        kind = self.kind_of(name)
        inf = self.of(ident)
        if not inf.latex:
            inf.latex = name.latex or ident
        if kind == "dimension":
            obj = self.dimension_symbol(ident)
            inf.kind = "dimension"
        elif kind == "index":
            obj = Symbol(ident, integer=True)
        elif kind == "vector":
            if inf.shape:
                rows = inf.shape[0]
            else:
                rows = self.dims.fresh()
            obj = MatrixSymbol(ident, rows, 1)
            inf.kind = "vector"
        elif kind == "matrix":
            if name.base == "I" and not inf.shape and inf.source != "declaration":
                n = self.dimension_symbol(name.subtext) if name.subtext and name.subtext.isalpha() else (
                    Integer(int(name.subtext)) if name.subtext.isdigit() else self.dims.fresh())
                return Identity(n)
            if inf.shape:
                rows, cols = inf.shape
            else:
                rows, cols = self.dims.fresh(), self.dims.fresh()
                if name.base in SQUARE_BY_NAME and not name.subtext or "symmetric" in inf.props or "spd" in inf.props or "psd" in inf.props:
                    cols = rows
            obj = MatrixSymbol(ident, rows, cols)
            inf.kind = "matrix"
        else:
            assumptions = {"real": True}
            for p in ("positive", "nonnegative", "integer", "negative", "nonzero"):
                if p in inf.props:
                    assumptions[p] = True
            if "integer" in inf.props and "positive" not in inf.props and "nonnegative" not in inf.props:
                pass
            obj = Symbol(ident, **assumptions)
            inf.kind = inf.kind or "scalar"
        self.objects[ident] = obj
        if ident not in self.order:
            self.order.append(ident)
        return obj

    def resolve(self, expr):
        return self.dims.resolve(expr)

    # ---------------------------------------------------------------- conversion
    def convert(self, node: Node):
        method = getattr(self, "c_" + node.kind, None)
        if method is None:
            raise self.err(node, f"cannot use this ({node.kind}) in an expression")
        try:
            out = method(node)
        except (ParseError, UnsupportedError):
            raise
        except (TypeError, ValueError, AttributeError, IndexError, NotImplementedError,
                sympy.ShapeError if hasattr(sympy, "ShapeError") else TypeError) as exc:
            raise self.err(node, f"cannot read this expression ({type(exc).__name__}: {exc})") from None
        return out

    def c_num(self, node):
        text = node.value
        if "." in text:
            return Rational(text)
        return Integer(int(text))

    def c_const(self, node):
        return {"oo": sympy.oo, "E": sympy.E}[node.value]

    def c_name(self, node):
        name: Name = node.value
        ident = name.ident
        # index bound by an enclosing sum/product
        for scope in reversed(self.bound):
            if ident in scope:
                return scope[ident]
        if name.sub is not None and self.bound:
            indexed = self.indexed(name, node)
            if indexed is not None:
                return indexed
        if ident in self.functions and name.primes == 0 and ident not in self.standalone_scalar():
            raise self.err(node, f"{ident} is a function here; apply it to its arguments",
                           hint=f"write {name.latex or ident}(x)")
        if not name.bold and not name.subtext and not name.accent and not name.primes and ident not in self.info_declared():
            if name.base == "e" and name.font != "cal":
                return sympy.E
            if name.base == "pi" and name.greek:
                return sympy.pi
        if self.kind_of(name) == "element":
            vec = self.symbol_for(Name(name.base, bold=True, accent=name.accent, greek=name.greek, latex=name.base), node)
            k = int(name.subtext)
            rows = self.dims.find(vec.shape[0])
            if k < 1 or (rows.is_number and k > rows):
                raise self.err(node, f"{name.ident}: index {k} is outside the vector {name.stem} of length {rows}", cls=ShapeError)
            return vec[k - 1, 0]
        if name.font == "rm" and len(name.base) > 1:
            raise self.err(node, f"unknown word {name.base}", hint=r"write a known function (\operatorname{tr}, \exp, ...) or a single letter")
        self.used_names.add(ident)
        return self.symbol_for(name, node)

    def standalone_scalar(self) -> set:
        return self.standalone

    def info_declared(self) -> set:
        return {k for k, v in self.info.items() if v.source == "declaration"}

    def indexed(self, name: Name, node: Node):
        """``x_i`` with ``i`` bound: an element of data (problem.py conventions)."""
        bound = {}
        for scope in self.bound:
            bound.update(scope)
        sub = name.sub
        idx_exprs = None
        if sub.kind == "name" and sub.value.ident in bound:
            idx_exprs = [bound[sub.value.ident]]
        elif all(ch in bound for ch in name.subtext) and name.subtext.isalpha():
            idx_exprs = [bound[ch] for ch in name.subtext]
        elif sub.kind == "tuple" and all(a.kind == "name" and a.value.ident in bound for a in sub.args):
            idx_exprs = [bound[a.value.ident] for a in sub.args]
        else:
            names = {n.value.ident for n in walk(sub) if n.kind == "name"}
            if names & set(bound):
                idx_exprs = [self.convert(sub)]
        if idx_exprs is None:
            return None
        stem = name.accent + name.base
        stem_info = self.info.get(stem)
        if name.bold and not name.upper and len(idx_exprs) == 1:
            # the n-th data point: row n of the data matrix X (N x D)
            i = idx_exprs[0]
            upper = self.upper_of(i)
            mat_ident = stem.upper() if stem.islower() else stem + "_data"
            minfo = self.of(mat_ident)
            if mat_ident not in self.objects:
                if minfo.shape:
                    rows, cols = minfo.shape
                else:
                    rows = upper if upper is not None else self.dimension_symbol("N")
                    cols = self.dims.fresh(prefer="D")
                self.objects[mat_ident] = MatrixSymbol(mat_ident, rows, cols)
                minfo.kind = "matrix"
                minfo.latex = minfo.latex or mat_ident
                self.order.append(mat_ident)
            X = self.objects[mat_ident]
            if upper is not None and X.shape[0] != upper and not self.dims.unify(X.shape[0], upper):
                pass
            return X[i - 1, :].T
        if self.data_matrix and not name.bold and len(idx_exprs) == 1 and (stem_info is None or stem_info.kind in (None, "scalar")) \
                and stem_info is None or (stem_info is not None and stem_info.source != "declaration" and stem_info.kind is None and self.data_matrix):
            upper = self.upper_of(idx_exprs[0])
            if upper is not None and len(idx_exprs) == 1 and not name.upper:
                inf = self.of(stem)
                inf.kind = "vector"
                inf.shape = inf.shape or (upper, Integer(1))
                stem_info = inf
        if stem_info is not None and stem_info.kind == "vector" and len(idx_exprs) == 1:
            vec = self.symbol_for(Name(name.base, bold=True, accent=name.accent, latex=name.base), node)
            return vec[idx_exprs[0] - 1, 0]
        if stem_info is not None and stem_info.kind == "matrix" and len(idx_exprs) == 2:
            mat = self.symbol_for(Name(name.base, accent=name.accent), node)
            return mat[idx_exprs[0] - 1, idx_exprs[1] - 1]
        assumptions = {}
        if stem_info is not None:
            for p in ("positive", "nonnegative"):
                if p in stem_info.props:
                    assumptions[p] = True
        base = IndexedBase(stem, real=True, **assumptions)
        return base[tuple(idx_exprs)] if len(idx_exprs) > 1 else base[idx_exprs[0]]

    def upper_of(self, index):
        for ident, (lo, hi) in self.index_bounds.items():
            if ident == str(index):
                return hi
        return None

    # ---- arithmetic with shapes
    def shape(self, e):
        if is_matrix(e):
            r, c = e.shape
            return self.dims.find(r), self.dims.find(c)
        return None

    def as_scalar(self, e):
        """A 1 x 1 matrix expression as its scalar entry."""
        if is_matrix(e):
            r, c = self.shape(e)
            if r == 1 and c == 1:
                e = self.resolve(e)
                if isinstance(e, MatrixBase):
                    return e[0, 0]
                if isinstance(e, MatrixSymbol) or e.is_Identity if hasattr(e, "is_Identity") else False:
                    return e[0, 0]
                # kept unevaluated: (w.T*x)[0, 0], not an expanded sum over entries
                return MatrixElement(e, 0, 0)
        return e

    def describe(self, e) -> str:
        s = self.shape(e)
        if s is None:
            return "a scalar"
        r, c = s
        if c == 1:
            return "a column vector"
        if r == 1:
            return "a row vector"
        return "a matrix"

    def c_add(self, node, sign=1):
        a = self.convert(node.args[0])
        b = self.convert(node.args[1])
        return self.add(a, b if sign > 0 else self.negate(b), node)

    def c_sub(self, node):
        return self.c_add(node, sign=-1)

    def negate(self, e):
        return -e

    def add(self, a, b, node):
        ma, mb = is_matrix(a), is_matrix(b)
        if not ma and not mb:
            return a + b
        if ma and mb:
            self.unify_shapes(a, b, node, "add")
            a, b = self.resolve(a), self.resolve(b)
            return self.as_scalar(a + b)
        mat, sca = (a, b) if ma else (b, a)
        if sca == 0:
            return mat
        left = node.args[0] if ma else node.args[1]
        raise self.err(left, f"{self._latex(left)} is {self.describe(mat)}; it cannot be added to the scalar {self._latex(node.args[1] if ma else node.args[0])}",
                       hint=r"check the transposes; add a vector of ones with \mathbf{1} if that is meant", cls=ShapeError)

    def _latex(self, node) -> str:
        return self.text[node.start:node.end].strip() or "this"

    def unify_shapes(self, a, b, node, what):
        (r1, c1), (r2, c2) = self.shape(a), self.shape(b)
        ok = (self.dims.unify(r1, r2) or r1 == r2) and (self.dims.unify(c1, c2) or c1 == c2)
        if not ok:
            raise self.err(node, f"shapes do not fit for {what}: {self._shape_text(a)} and {self._shape_text(b)}",
                           hint="check the transposes and the declared dimensions", cls=ShapeError)

    def _shape_text(self, e) -> str:
        r, c = self.shape(e)
        def nm(d):
            return "?" if self.dims.is_placeholder(d) else str(d)
        return f"{nm(r)} x {nm(c)}"

    def c_neg(self, node):
        return -self.convert(node.args[0])

    def c_mul(self, node):
        a = self.convert(node.args[0])
        op = node.value
        b = self.convert(node.args[1])
        return self.multiply(a, b, op, node)

    def multiply(self, a, b, op, node):
        ma, mb = is_matrix(a), is_matrix(b)
        if isinstance(a, sympy.Tuple) or isinstance(b, sympy.Tuple):
            raise self.err(node, "a tuple (a, b) cannot be multiplied", hint="use \\begin{bmatrix} for vectors")
        if not ma and not mb:
            if op == "odot" or op == "otimes":
                return a * b
            return a * b
        if not ma or not mb:
            return self.as_scalar(a * b) if (ma or mb) else a * b
        a, b = self.resolve(a), self.resolve(b)
        (r1, c1), (r2, c2) = self.shape(a), self.shape(b)
        if op == "odot":
            self.unify_shapes(a, b, node, "the elementwise product")
            a, b = self.resolve(a), self.resolve(b)
            return sympy.HadamardProduct(a, b)
        if op == "otimes":
            return sympy.KroneckerProduct(a, b)
        if op == "times" and c1 == 1 and c2 == 1:
            raise self.err(node, "the cross product of two vectors is not supported",
                           hint=r"write the components, or \mathbf{u}^\top\mathbf{v} for a dot product", cls=UnsupportedError)
        if op == "cdot" and c1 == 1 and c2 == 1:
            # a dot between two column vectors is the inner product
            if not self.dims.unify(r1, r2):
                raise self.err(node, f"the vectors have different lengths ({self._shape_text(a)} and {self._shape_text(b)})", cls=ShapeError)
            a, b = self.resolve(a), self.resolve(b)
            return MatrixElement(a.T * b, 0, 0)
        if c1 == 1 and c2 == 1 and r1 != 1 and r2 != 1:
            raise self.err(node, f"{self._latex(node.args[0])} and {self._latex(node.args[1])} are both column vectors; their product is not defined",
                           hint=r"write \mathbf{x}^\top \mathbf{y} for the inner product or \mathbf{x}\mathbf{y}^\top for the outer product", cls=ShapeError)
        if not self.dims.unify(c1, r2):
            # a scalar-like 1 x 1 on either side multiplies as a scalar
            if r1 == 1 and c1 == 1:
                return self.as_scalar(a) * b
            if r2 == 1 and c2 == 1:
                return a * self.as_scalar(b)
            raise self.err(node, f"shapes do not fit for the product: {self._shape_text(a)} times {self._shape_text(b)}",
                           hint="check the transposes and the declared dimensions", cls=ShapeError)
        a, b = self.resolve(a), self.resolve(b)
        if isinstance(a, MatrixBase) and isinstance(b, MatrixBase):
            return self.as_scalar(a * b)
        return self.as_scalar(sympy.MatMul(a, b))

    def c_div(self, node):
        a = self.convert(node.args[0])
        b = self.convert(node.args[1])
        return self.divide(a, b, node)

    def divide(self, a, b, node):
        if is_matrix(b):
            raise self.err(node.args[1], f"division by {self.describe(b)}", hint=r"write the inverse, A^{-1}", cls=ShapeError)
        if is_matrix(a):
            return a * (1 / b)
        return a / b

    def c_frac(self, node):
        return self.divide(self.convert(node.args[0]), self.convert(node.args[1]), node)

    def c_paren(self, node):
        return self.convert(node.args[0])

    def c_tuple(self, node):
        return sympy.Tuple(*[self.convert(a) for a in node.args])

    def c_pow(self, node):
        base_node, exp_node = node.args
        if node.extra.get("derivative_order"):
            raise self.err(node, "f^{(k)} is a derivative; apply it: f^{(2)}(x)")
        if base_node.kind == "apply" and base_node.args[0].kind == "name":
            fn_name = base_node.args[0].value
            if not (fn_name.base == "Gamma" and fn_name.greek) and not self.is_function(
                    fn_name, bool(base_node.extra.get("given")), base_node.args[1]) and len(base_node.args[1]) == 1:
                # p(1 - p)^{x}: the power belongs to the parenthesis, not to the product
                left = self.convert(base_node.args[0])
                inner = Node("pow", (Node("paren", (base_node.args[1][0],), base_node.args[1][0].start,
                                          base_node.args[1][0].end), exp_node), base_node.start, node.end)
                return self.multiply(left, self.convert(inner), "juxt", node)
        base = self.convert(base_node)
        if base_node.kind == "const" and base_node.value == "E" or base is sympy.E:
            ex = self.convert(exp_node)
            if is_matrix(ex):
                return ex.applyfunc(sympy.exp) if not isinstance(ex, MatrixBase) else ex.applyfunc(sympy.exp)
            return sympy.exp(ex)
        ex = self.convert(exp_node)
        if is_matrix(ex):
            raise self.err(exp_node, "a vector or matrix exponent", cls=ShapeError)
        if is_matrix(base):
            r, c = self.shape(base)
            if c == 1 and r != 1:
                raise self.err(node, f"{self._latex(base_node)} is a vector; a power of a vector is not defined",
                               hint=r"write \|\mathbf{x}\|^2 or \mathbf{x}^\top\mathbf{x}", cls=ShapeError)
            if not self.dims.unify(r, c):
                raise self.err(node, "a power of a non-square matrix", cls=ShapeError)
            base = self.resolve(base)
            if isinstance(base, MatrixBase):
                return base ** ex
            return sympy.MatPow(base, ex)
        return base ** ex

    def c_transpose(self, node):
        inner = node.args[0]
        v = self.convert(inner)
        if is_matrix(v):
            return self.resolve(v).T
        if inner.kind in ("num",) or (inner.kind == "name" and not is_matrix(v)):
            raise self.err(node, f"{self._latex(inner)} is a scalar; it has no transpose",
                           hint=r"declare it as a vector, e.g. \mathbf{x} \in \mathbb{R}^n", cls=ShapeError)
        return v  # a scalar such as (x^T A x)^T

    def c_inverse(self, node):
        inner = node.args[0]
        v = self.convert(inner)
        if is_matrix(v):
            r, c = self.shape(v)
            if c == 1 or r == 1:
                raise self.err(node, f"{self._latex(inner)} is a vector; it has no inverse", cls=ShapeError)
            if not self.dims.unify(r, c):
                raise self.err(node, f"{self._latex(inner)} is not square ({self._shape_text(v)}); it has no inverse", cls=ShapeError)
            v = self.resolve(v)
            if isinstance(v, MatrixBase):
                return v.inv()
            return sympy.Inverse(v)
        return 1 / v

    def c_sqrt(self, node):
        v = self.convert(node.args[0])
        idx = node.extra.get("index")
        if is_matrix(v):
            return self.elementwise(sympy.sqrt, v, node)
        if idx is not None:
            return sympy.root(v, self.convert(idx))
        return sympy.sqrt(v)

    def c_factorial(self, node):
        return sympy.factorial(self.convert(node.args[0]))

    def c_binom(self, node):
        return sympy.binomial(self.convert(node.args[0]), self.convert(node.args[1]))

    def elementwise(self, fn, v, node):
        v = self.resolve(v)
        if isinstance(v, MatrixBase):
            return v.applyfunc(fn)
        from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
        return ElementwiseApplyFunction(fn, v)

    def c_func(self, node):
        fname = node.value
        if fname in ("max", "min"):
            args = [self.convert(a) for a in node.args]
            return (sympy.Max if fname == "max" else sympy.Min)(*args)
        arg_node = node.args[0]
        if fname == "log" and arg_node.kind in ("func",) and arg_node.value == "softmax":
            z = self.convert(arg_node.args[0])
            if not is_matrix(z):
                raise self.err(arg_node, "softmax needs a vector", cls=ShapeError)
            n = self.shape(z)[0]
            ez = self.elementwise(sympy.exp, z, node)
            lse = sympy.log(MatrixElement(OneMatrix(n, 1).T * ez, 0, 0))
            return self.resolve(z) - lse * OneMatrix(n, 1)
        arg = self.convert(arg_node)
        if isinstance(arg, sympy.Tuple):
            if fname in ("max", "min"):
                return (sympy.Max if fname == "max" else sympy.Min)(*arg)
            raise self.err(arg_node, f"{fname} takes one argument")
        base = node.extra.get("base")
        if node.extra.get("inverse"):
            inv = {"sin": sympy.asin, "cos": sympy.acos, "tan": sympy.atan}
            if fname in inv:
                return inv[fname](arg)
        if fname == "log" and base is not None:
            b = self.convert(base)
            if is_matrix(arg):
                return self.elementwise(Lambda(_t(), sympy.log(_t(), b)), arg, node)
            return sympy.log(arg, b)
        if fname == "det":
            return self.square_op(arg, node, sympy.Determinant, "determinant")
        if fname == "trace":
            return self.square_op(arg, node, sympy.Trace, "trace")
        if fname == "logdet":
            return sympy.log(self.square_op(arg, node, sympy.Determinant, "determinant"))
        if fname == "diag":
            if not is_matrix(arg):
                raise self.err(node, "diag needs a vector or a matrix", cls=ShapeError)
            from sympy.matrices.expressions.diagonal import DiagMatrix, DiagonalOf
            r, c = self.shape(arg)
            return DiagMatrix(self.resolve(arg)) if c == 1 else DiagonalOf(self.resolve(arg))
        if fname == "softmax":
            if not is_matrix(arg):
                raise self.err(node, "softmax needs a vector", cls=ShapeError)
            n = self.shape(arg)[0]
            ez = self.elementwise(sympy.exp, arg, node)
            return ez * (1 / MatrixElement(OneMatrix(n, 1).T * ez, 0, 0))
        if fname == "logsumexp":
            if not is_matrix(arg):
                raise self.err(node, "log-sum-exp needs a vector", cls=ShapeError)
            n = self.shape(arg)[0]
            return sympy.log(MatrixElement(OneMatrix(n, 1).T * self.elementwise(sympy.exp, arg, node), 0, 0))
        if fname == "softplus":
            fn = Lambda(_t(), sympy.log(1 + sympy.exp(_t())))
            return self.elementwise(fn, arg, node) if is_matrix(arg) else fn(arg)
        if fname == "sigmoid":
            fn = Lambda(_t(), 1 / (1 + sympy.exp(-_t())))
            return self.elementwise(fn, arg, node) if is_matrix(arg) else fn(arg)
        if fname == "relu":
            fn = Function("ReLU")
            return self.elementwise(fn, arg, node) if is_matrix(arg) else fn(arg)
        if fname in ("vec", "rank"):
            raise self.err(node, f"{fname} is not supported yet", cls=UnsupportedError)
        fn = _ELEMENTWISE.get(fname)
        if fn is None:
            raise self.err(node, f"unknown function {fname}")
        if is_matrix(arg):
            r, c = self.shape(arg)
            if r == 1 and c == 1:
                return fn(self.as_scalar(arg))
            return self.elementwise(fn, arg, node)
        return fn(arg)

    def square_op(self, arg, node, op, what):
        if not is_matrix(arg):
            raise self.err(node, f"the {what} of a scalar", hint="apply it to a square matrix", cls=ShapeError)
        r, c = self.shape(arg)
        if not self.dims.unify(r, c):
            raise self.err(node, f"the {what} needs a square matrix, this is {self._shape_text(arg)}", cls=ShapeError)
        arg = self.resolve(arg)
        if isinstance(arg, MatrixBase):
            return arg.det() if op is sympy.Determinant else arg.trace()
        return op(arg)

    def c_abs(self, node):
        v = self.convert(node.args[0])
        if is_matrix(v):
            r, c = self.shape(v)
            if c == 1 or r == 1:
                raise self.err(node, f"|{self._latex(node.args[0])}| of a vector is ambiguous",
                               hint=r"write \|\mathbf{x}\| for the norm", cls=ShapeError)
            return self.square_op(v, node, sympy.Determinant, "determinant")
        return Abs(v)

    def c_norm(self, node):
        v = self.convert(node.args[0])
        kind = node.value
        if not is_matrix(v):
            if kind in (None, "", "2", "1", "F"):
                return Abs(v)
            raise self.err(node, f"unknown norm subscript {kind}")
        r, c = self.shape(v)
        v = self.resolve(v)
        is_vector = c == 1 or r == 1
        if kind in (None, "", "2") and is_vector:
            vv = v if c == 1 else v.T
            return sympy.sqrt(MatrixElement(vv.T * vv, 0, 0))
        if kind == "F" or (kind in (None, "") and not is_vector) or (kind == "2" and not is_vector and False):
            if kind in (None, "") and not is_vector:
                raise self.err(node, "the norm of a matrix is ambiguous", hint=r"write \|A\|_F for the Frobenius norm")
            return sympy.sqrt(sympy.Trace(v.T * v))
        if kind == "1" and is_vector:
            vv = v if c == 1 else v.T
            n = self.shape(vv)[0]
            return MatrixElement(OneMatrix(n, 1).T * self.elementwise(Abs, vv, node), 0, 0)
        raise self.err(node, f"the norm with subscript {kind} is not supported", cls=UnsupportedError)

    def c_inner(self, node):
        a, b = self.convert(node.args[0]), self.convert(node.args[1])
        if is_matrix(a) and is_matrix(b):
            (r1, c1), (r2, c2) = self.shape(a), self.shape(b)
            if c1 == 1 and c2 == 1:
                if not self.dims.unify(r1, r2):
                    raise self.err(node, "the vectors have different lengths", cls=ShapeError)
                return MatrixElement(self.resolve(a).T * self.resolve(b), 0, 0)
            self.unify_shapes(a, b, node, "the inner product")
            return sympy.Trace(self.resolve(a).T * self.resolve(b))
        if not is_matrix(a) and not is_matrix(b):
            return a * b
        raise self.err(node, "an inner product of a vector and a scalar", cls=ShapeError)

    def c_matrix(self, node):
        rows = []
        for row in node.args:
            cells = []
            for cell in row:
                v = self.convert(cell)
                if is_matrix(v):
                    raise self.err(cell, "a matrix entry that is itself a vector or matrix is not supported",
                                   cls=UnsupportedError)
                cells.append(v)
            rows.append(cells)
        m = sympy.Matrix(rows)
        if node.value == "vmatrix":
            return m.det()
        return sympy.ImmutableMatrix(m)

    def c_ones(self, node):
        if node.value == "indicator":
            raise self.err(node, r"the indicator \mathbb{1} is not supported", cls=UnsupportedError)
        return OneMatrix(self.dims.fresh(), 1)

    def c_zeros(self, node):
        return ZeroMatrix(self.dims.fresh(), 1)

    def c_supindex(self, node):
        base_node, idx_node = node.args
        name = base_node.value
        idx = self.convert(idx_node)
        if isinstance(idx, Symbol) and not idx.is_integer:
            idx = Symbol(str(idx), integer=True)
        return IndexedBase(name.stem, real=True)[idx]

    def c_pm(self, node):
        raise self.err(node, r"\pm has two meanings; write the two cases separately")

    def c_ellipsis(self, node):
        raise self.err(node, r"\dots can appear only in an index range (i = 1, \dots, N) or a set")

    def c_text(self, node):
        raise self.err(node, f"cannot read \\text{{{node.value}}} here")

    def c_mathbb(self, node):
        raise self.err(node, f"the set \\mathbb{{{node.value}}} can appear only in a declaration (x \\in \\mathbb{{R}})")

    def c_set(self, node):
        raise self.err(node, r"a set \{...\} can appear only in a declaration")

    def c_note(self, node):
        raise self.err(node, "an annotation in parentheses cannot be used in an expression")

    def c_rel(self, node):
        items = [self.convert(a) for a in node.args]
        ops = node.value
        rels = []
        for op, lhs, rhs, ln in zip(ops, items, items[1:], node.args):
            rels.append(self.relation(op, lhs, rhs, node))
        if len(rels) == 1:
            return rels[0]
        return sympy.And(*rels)

    def relation(self, op, lhs, rhs, node):
        cls = _RELS.get(op)
        if cls is None:
            raise self.err(node, f"the relation {op} cannot be used here")
        lhs, rhs = self.resolve(lhs), self.resolve(rhs)
        if is_matrix(lhs) or is_matrix(rhs):
            if op == "!=":
                zero = lambda e, other: ZeroMatrix(*other.shape) if e == 0 else e  # noqa: E731
                return Ne(zero(lhs, rhs), zero(rhs, lhs), evaluate=False)
            if is_matrix(lhs) and is_matrix(rhs):
                self.unify_shapes(lhs, rhs, node, "the relation")
                lhs, rhs = self.resolve(lhs), self.resolve(rhs)
            elif not (lhs == 0 or rhs == 0):
                raise self.err(node, "a relation between a vector/matrix and a scalar", cls=ShapeError)
            if op == "=":
                return Eq(lhs, rhs, evaluate=False)
            lhs_e = lhs.as_explicit() if is_matrix(lhs) else lhs
            rhs_e = rhs.as_explicit() if is_matrix(rhs) else rhs
            try:
                rels = [cls(lhs_e[i] if is_matrix(lhs) else lhs, rhs_e[i] if is_matrix(rhs) else rhs, evaluate=False)
                        for i in range(len(lhs_e if is_matrix(lhs) else rhs_e))]
            except (TypeError, ValueError, IndexError):
                raise self.err(node, f"an elementwise {op} between vectors of symbolic length is not supported",
                               hint="declare the dimension as a number", cls=UnsupportedError) from None
            return sympy.And(*rels, evaluate=False) if len(rels) > 1 else rels[0]
        return cls(lhs, rhs, evaluate=False)

    # ---- applications, sums, derivatives: see statements/calculus handling
    def c_apply(self, node):
        fn_node, args = node.args
        given = node.extra.get("given", ())
        name: Name = fn_node.value if fn_node.kind == "name" else fn_node.args[0].value
        ident = name.stem + ("_" + name.subtext if name.subtext else "")
        order = name.primes
        if fn_node.kind == "pow":
            order = int(self.convert(fn_node.args[1]))
        if name.base == "Gamma" and name.greek and not name.subtext and not name.bold and ident not in self.functions \
                and not (self.info.get(ident) and self.info[ident].source == "declaration"):
            vals = [self.convert(a) for a in args]
            if len(vals) != 1 or given:
                raise self.err(node, r"\Gamma(\cdot) is the gamma function of one argument")
            return sympy.gamma(vals[0])
        if self.is_function(name, bool(given), args):
            vals = [self.convert(a) for a in list(args) + list(given)]
            f = Function(ident)
            if len(vals) == 1 and is_matrix(vals[0]) and (name.stem in ELEMENTWISE_NAMES) and not order:
                r, c = self.shape(vals[0])
                if r == 1 and c == 1:
                    return f(self.as_scalar(vals[0]))
                return self.elementwise(f, vals[0], node)
            if name.bold:
                # a vector-valued function of data (features phi(x)): a vector symbol
                label = f"{ident}({', '.join(str(v) for v in vals)})"
                obj = MatrixSymbol(label, self.dims.fresh(), 1)
                return obj
            if order:
                if len(vals) != 1:
                    raise self.err(node, "a prime on a function of several variables is ambiguous",
                                   hint=r"write \frac{\partial f}{\partial x}")
                v = vals[0]
                if isinstance(v, Symbol):
                    return Derivative(f(v), (v, order))
                t = Symbol("t", real=True)
                return sympy.Subs(Derivative(f(t), (t, order)), t, v)
            return f(*vals)
        if given:
            raise self.err(node, f"{ident}(a \\mid b) is read as a density; {ident} is not a function here")
        left = self.convert(fn_node)
        if len(args) > 1:
            raise self.err(node, f"{self._latex(fn_node)}(...) with several arguments, but {ident} is not a function",
                           hint=f"define it first: {ident}(x, y) = ...")
        right = self.convert(args[0])
        return self.multiply(left, right, "juxt", node)

    def is_function(self, name: Name, has_given: bool, args) -> bool:
        ident = name.stem + ("_" + name.subtext if name.subtext else "")
        if name.primes or has_given:
            return True
        if ident in self.standalone and not all(a.kind == "name" for a in args):
            return False  # p(1 - p) with p a parameter: a product
        if ident in self.functions or name.stem in self.functions and not name.subtext:
            return True
        inf = self.info.get(ident)
        if inf is not None and inf.kind in ("scalar", "vector", "matrix", "dimension") and inf.source == "declaration":
            return False
        if ident in self.standalone and ident not in self.functions:
            return False
        if name.stem in DEFAULT_FUNCTIONS and (len(name.stem) > 1 or not name.bold or name.stem == "phi"):
            return True
        if name.bold and name.stem in ("phi", "f", "g", "h"):
            return True
        if name.font == "rm" and len(name.base) > 1:
            return True
        if name.upper and name.subtext and name.base in ("T", "P", "L", "F"):
            return True
        return False

    def c_given(self, node):
        raise self.err(node, r"\mid outside a density")

    def bind(self, idx_node, lower_val, upper_val):
        """Bind a sum/product index; returns the index Symbol."""
        ident = idx_node.value.ident
        sym = Symbol(ident, integer=True)
        self.index_bounds[ident] = (lower_val, upper_val)
        return ident, sym

    def big(self, node, cls):
        lower = node.extra["lower"]
        upper = node.extra["upper"]
        if lower.kind == "rel" and lower.value == ("=",) and lower.args[0].kind == "name":
            idx_node, lo_node = lower.args
            lo = self.convert(lo_node)
        elif lower.kind == "name":
            idx_node, lo_node, lo = lower, None, None
        elif lower.kind == "rel" and lower.value == ("in",) and lower.args[0].kind == "name":
            raise self.err(lower, r"a sum over a set is not supported; write \sum_{i=1}^{N}", cls=UnsupportedError)
        else:
            raise self.err(lower, "cannot read the index of this sum/product", hint=r"write \sum_{i=1}^{N}")
        hi = self.convert(upper) if upper is not None else None
        ident, sym = self.bind(idx_node, lo, hi)
        if hi is None:
            hi = self.known_upper(ident)
        if lo is None:
            lo = Integer(1)
        self.bound.append({ident: sym})
        try:
            if hi is None:
                hi = self.infer_upper(node.args[0], ident)
            self.index_bounds[ident] = (lo, hi)
            body = self.convert(node.args[0])
        finally:
            self.bound.pop()
        if is_matrix(body):
            body = self.resolve(body)
            r, c = self.shape(body)
            if r == 1 and c == 1:
                body = body[0, 0]
            else:
                raise self.err(node, "a sum of vectors or matrices over an index is not supported yet",
                               hint="write it with the data matrix, e.g. X^\\top X", cls=UnsupportedError)
        return cls(body, (sym, lo, hi))

    def known_upper(self, ident):
        node = self.declared_bounds.get(ident)
        return self.convert(node) if node is not None else None

    def infer_upper(self, body_node, ident):
        # \sum_k \exp(z_k) with z a vector: k runs over its entries
        for n in walk(body_node):
            if n.kind == "name" and n.value.subtext == ident:
                stem_info = self.info.get(n.value.stem)
                if stem_info is not None and stem_info.kind == "vector" and stem_info.shape:
                    return stem_info.shape[0]
                if stem_info is not None and stem_info.kind == "vector":
                    vec = self.symbol_for(Name(n.value.base, bold=True), n)
                    return vec.shape[0]
                if n.value.bold:
                    return self.dimension_symbol("N")
        return self.dimension_symbol("K" if ident == "k" else "N")

    def c_sum(self, node):
        return self.big(node, sympy.Sum)

    def c_prod(self, node):
        return self.big(node, sympy.Product)

    def c_int(self, node):
        body = self.convert(node.args[0])
        variables = [self.convert(v) for v in node.extra["vars"]]
        lower, upper = node.extra["lower"], node.extra["upper"]
        if len(variables) == 1 and (lower is not None or upper is not None):
            if lower is None or upper is None:
                raise self.err(node, "an integral needs both limits or none")
            return sympy.Integral(body, (variables[0], self.convert(lower), self.convert(upper)))
        return sympy.Integral(body, *variables)

    def c_lim(self, node):
        sub = node.extra["sub"]
        if sub.kind != "rel" or sub.value != ("to",):
            raise self.err(sub, r"cannot read the limit; write \lim_{x \to 0}")
        var = self.convert(sub.args[0])
        to = self.convert(sub.args[1])
        body = self.convert(node.args[0])
        return sympy.Limit(body, var, to, dir="+-" if to not in (sympy.oo, -sympy.oo) else "-" if to == sympy.oo else "+")

    def c_evalbar(self, node):
        body = self.convert(node.args[0])
        at, upper = node.extra["at"], node.extra["upper"]
        if at is not None and upper is None and at.kind == "rel" and at.value == ("=",):
            var = self.convert(at.args[0])
            val = self.convert(at.args[1])
            return sympy.Subs(body, var, val)
        if at is not None and upper is not None and at.kind == "rel" and upper.kind == "rel":
            var = self.convert(at.args[0])
            return sympy.Subs(body, var, self.convert(upper.args[1])) - sympy.Subs(body, var, self.convert(at.args[1]))
        free = sorted(body.free_symbols, key=str) if hasattr(body, "free_symbols") else []
        if at is not None and upper is not None and len(free) == 1:
            return sympy.Subs(body, free[0], self.convert(upper)) - sympy.Subs(body, free[0], self.convert(at))
        raise self.err(node, "cannot read this evaluation bar", hint=r"write \right|_{x=0}")

    def c_expect(self, node):
        from sympy import stats  # noqa: F401  (heavy: only when used)
        from sympy.stats import Covariance, Expectation, Probability, Variance
        args = [self.convert(a) for a in node.args]
        given = [self.convert(g) for g in node.extra.get("given", ())]
        op = node.value
        if op == "E":
            # kept unevaluated even when nothing in it is declared random
            return sympy.Expr.__new__(Expectation, *([args[0]] + given[:1]))
        if op == "Var":
            return Variance(args[0])
        if op == "Cov":
            if len(args) != 2:
                raise self.err(node, "Cov needs two arguments")
            return Covariance(*args)
        if op == "P":
            return Probability(args[0])
        raise self.err(node, f"{op} is not supported", cls=UnsupportedError)

    def c_dist(self, node):
        from .distributions import density, distribution_object
        params = [self.convert(a) for a in node.args]
        given = node.extra.get("given", ())
        if given:
            # N(x | mu, s^2): the density at x
            gvals = [self.convert(g) for g in given]
            if len(params) != 1:
                raise self.err(node, "a density has one variable before the bar")
            return density(node.value, params[0], gvals, self.err, node)
        return distribution_object(node.value, params, self.err, node)

    def c_deriv(self, node):
        variables = []
        for var_node, power in node.extra["vars"]:
            v = self.convert(var_node)
            k = int(self.convert(power)) if power is not None else 1
            variables.append((v, k))
        total = sum(k for _, k in variables)
        order_node = node.extra.get("order")
        if order_node is not None and int(self.convert(order_node)) != total:
            raise self.err(node, f"the order in the numerator ({int(self.convert(order_node))}) differs from the denominator ({total})")
        func = node.extra.get("func")
        operand = node.extra.get("operand")
        if func is not None and operand is not None:
            raise self.err(node, "a derivative followed by more factors is ambiguous", hint="use parentheses")
        target = func if func is not None else operand
        if target is None:
            raise self.err(node, "nothing to differentiate")
        expr = self.function_value(target, [v for v, _ in variables])
        spec = []
        for v, k in variables:
            spec.append((v, k) if k > 1 else v)
        return Derivative(expr, *spec)

    def function_value(self, target: Node, variables):
        """``f`` in ``df/dx``: the function applied to its arguments (defined or the variables)."""
        if target.kind == "name":
            name = target.value
            ident = name.ident
            inf = self.info.get(ident)
            if ident in self.function_args:
                return Function(ident)(*self.function_args[ident])
            if ident in self.functions or (name.stem in DEFAULT_FUNCTIONS and (inf is None or inf.source != "declaration")) \
                    or (inf is None and not name.bold and not name.upper) and ident not in self.standalone:
                return Function(ident)(*variables)
        return self.convert(target)

    def c_nabla(self, node):
        operand = node.extra.get("operand")
        if operand is None:
            raise self.err(node, r"\nabla needs a function: \nabla f")
        sub = node.extra.get("sub")
        power = node.extra.get("power")
        order = int(self.convert(power)) if power is not None else 1
        if sub is not None:
            wrt = [self.convert(a) for a in (sub.args if sub.kind == "tuple" else (sub,))]
        else:
            fname = operand.value.ident if operand.kind == "name" else None
            if operand.kind == "apply" and operand.args[0].kind == "name":
                wrt = [self.convert(a) for a in operand.args[1]]
            elif fname and fname in self.function_args:
                wrt = list(self.function_args[fname])
            else:
                raise self.err(node, r"\nabla of what variables?", hint=r"write \nabla_{\mathbf{x}} f or f(\mathbf{x})")
        expr = self.function_value(operand, wrt) if operand.kind == "name" else self.convert(operand)
        if order not in (1, 2):
            raise self.err(node, r"\nabla^k is supported for k = 1, 2")
        if len(wrt) == 1 and is_matrix(wrt[0]):
            return Derivative(expr, wrt[0]) if order == 1 else Derivative(expr, wrt[0], wrt[0])
        if order == 1:
            return sympy.ImmutableMatrix([[Derivative(expr, v)] for v in wrt])
        return sympy.ImmutableMatrix([[Derivative(expr, a, b) for b in wrt] for a in wrt])


def _t():
    return Symbol("t", real=True)
