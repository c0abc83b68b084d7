r"""Syntax tree -> sympy objects, with the cell's declarations (the semantic pass).

Representation choices (binding for the engines that read a Problem):

* scalars ``Symbol(name, real=True)`` (+ declared assumptions); dimensions and counts
  ``Symbol(name, integer=True, positive=True)``; sum/product indices ``Symbol(i, integer=True)``.
* vectors ``MatrixSymbol(name, n, 1)``, matrices ``MatrixSymbol(name, r, c)``; ``I``/``I_n``
  ``Identity``, ``\mathbf{1}`` ``OneMatrix(n, 1)``, ``\mathbf{0}`` ``ZeroMatrix(n, 1)``.
* a product whose shape is 1 x 1 (``\mathbf{w}^\top\mathbf{x}``, ``\|x\|^2``) is the scalar
  ``(w.T*x)[0, 0]`` (a ``MatrixElement``); note that ``sympy.diff`` of such an element with
  respect to a MatrixSymbol is not reliable - unwrap ``expr.parent`` first.
* elementwise functions of a vector/matrix ``ElementwiseApplyFunction(f, M)`` with ``f`` the
  sympy function class (``exp``, ``log``, ``tanh``, ``Abs``) or an undefined
  ``Function('sigma')`` (the logistic sigmoid when the cell does not define it);
  ``\operatorname{softplus}`` is ``Lambda(t, log(1 + exp(t)))``, ``\operatorname{sigmoid}``
  ``Lambda(t, 1/(1 + exp(-t)))``; ``\operatorname{softmax}(z)`` is
  ``exp.(z) * 1/(1^T exp.(z))`` and ``\log\operatorname{softmax}(z)`` is
  ``z - log(1^T exp.(z)) 1``.
* ``\|x\|`` is ``sqrt((x.T*x)[0,0])`` (so ``\|x\|^2`` is ``(x.T*x)[0,0]``), ``\|A\|_F`` is
  ``sqrt(Trace(A.T*A))``; ``|A|`` of a square matrix is ``Determinant(A)``.
* data in sums (problem.py): ``\mathbf{x}_n`` -> ``X[n-1, :].T``; ``y_n`` of a vector
  ``\mathbf{y}`` -> ``y[n-1, 0]``; other indexed scalars ``IndexedBase("x")[i]``."""
from __future__ import annotations

import sympy
from sympy import (
    Derivative, Eq, Function, Identity, IndexedBase, Integer, MatrixBase, MatrixSymbol, Ne, Rational, Symbol,
    ZeroMatrix,
)
from sympy.matrices.expressions.matexpr import MatrixElement

from ..errors import ParseError, ShapeError, UnsupportedError
from .lexer import error_at
from .shapes import Dimensions
from .syntax_tree import Name, Node
from .semantic_calculus import CalculusSemantics
from .semantic_data import DataSemantics
from .semantic_functions import FunctionSemantics
from .semantic_tables import COUNTS, SQUARE_BY_NAME, _RELS, is_matrix

__all__ = ["Scope", "is_matrix"]


class Info:
    """What the pre-pass learned about one name (by identifier, font dropped)."""

    def __init__(self):
        self.kind = None  # scalar, vector, matrix, function, dimension, index
        self.shape = None  # declared (rows, cols) as sympy dims
        self.props: set = set()
        self.latex = ""
        self.source = "convention"


class Scope(DataSemantics, FunctionSemantics, CalculusSemantics):
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

    def c_add(self, node, sign=1):
        a = self.convert(node.args[0])
        b = self.convert(node.args[1])
        return self.add(a, b if sign > 0 else self.negate(b), node)

    def c_sub(self, node):
        return self.c_add(node, sign=-1)

    def negate(self, e):
        return -e

    def require_value(self, v, node):
        """A number, scalar expression, vector or matrix -- not a distribution, set or relation."""
        if isinstance(v, (sympy.Expr, MatrixBase)) or is_matrix(v):
            return v
        what = type(v).__name__
        if "Distribution" in what:
            what = "a distribution"
        raise self.err(node, f"{what} cannot be used in arithmetic here",
                       hint=r"a distribution belongs in x \sim ...; a density is written \mathcal{N}(x \mid \mu, \sigma^2)")

    def add(self, a, b, node):
        self.require_value(a, node.args[0])
        self.require_value(b, node.args[1])
        ma, mb = is_matrix(a), is_matrix(b)
        if not ma and not mb:
            return a + b
        if ma and mb:
            self.unify_shapes(a, b, node, "add")
            a, b = self.resolve(a), self.resolve(b)
            if isinstance(a, MatrixBase) and isinstance(b, MatrixBase):
                return self.as_scalar(a + b)
            # MatAdd without evaluation keeps (w.T*x)[0, 0] unexpanded inside the terms
            return self.as_scalar(sympy.MatAdd(a, b))
        mat, sca = (a, b) if ma else (b, a)
        if sca == 0:
            return mat
        if any(isinstance(d, Derivative) and any(is_matrix(v) for v, _ in d.variable_count)
               for d in sympy.preorder_traversal(sca)):
            raise self.err(node, "a gradient with respect to a vector inside a larger expression is not supported",
                           hint=r"state it on its own: \nabla_{\mathbf{w}} L = ...", cls=UnsupportedError)
        left = node.args[0] if ma else node.args[1]
        other = node.args[1] if ma else node.args[0]
        hint = r"check the transposes; add a vector of ones with \mathbf{1} if that is meant"
        vec = _leading_transposed_vector(left)
        r, c = self.shape(mat)
        if vec is not None and r == 1 and left.kind == "mul":
            # x^T A + b: a quadratic form missing its last factor
            left_text = self._latex(left)
            guess = self.text[node.start:node.end].replace(left_text, f"{left_text} {self._latex(vec)}", 1)
            hint = f"did you mean {guess} ?"
        elif other.kind == "name" and not other.value.bold and c == 1:
            nm = other.value
            hint = (f"if {nm.ident} is a vector, write \\mathbf{{{nm.ident}}} or declare "
                    f"{nm.latex or nm.ident} \\in \\mathbb{{R}}^{{{self._dim_text(r)}}}")
        reading = self.reading_so_far()
        raise self.err(left, f"{self._latex(left)} is {self.describe(mat)}; it cannot be added to the scalar {self._latex(other)}",
                       hint=hint + ("\n  " + reading if reading else ""), cls=ShapeError)

    def _latex(self, node) -> str:
        return self.text[node.start:node.end].strip() or "this"

    def unify_shapes(self, a, b, node, what):
        (r1, c1), (r2, c2) = self.shape(a), self.shape(b)
        ok = (self.dims.unify(r1, r2) or r1 == r2) and (self.dims.unify(c1, c2) or c1 == c2)
        if not ok:
            raise self.err(node, f"shapes do not fit for {what}: {self._shape_text(a)} and {self._shape_text(b)}",
                           hint="check the transposes and the declared dimensions", cls=ShapeError)

    def c_neg(self, node):
        return -self.require_value(self.convert(node.args[0]), node.args[0])

    def c_mul(self, node):
        r"""A product chain: scalars gathered, matrices multiplied left to right.

        ``\lambda \mathbf{w}^\top\mathbf{x}\,\mathbf{z}`` is ``lambda*(w.T*x)[0,0]*z``: a 1 x 1
        intermediate becomes a scalar factor instead of a matrix to be multiplied further.
        """
        chain = []
        n = node
        while n.kind == "mul" and n.value in ("juxt", "star", "cdot", "times"):
            chain.append((n.value, n.args[1]))
            n = n.args[0]
        chain.append((None, n))
        chain.reverse()
        if len(chain) == 2 and node.value not in ("juxt", "star", "cdot", "times"):
            chain = [(None, node.args[0]), (node.value, node.args[1])]
        scalars, mat, mat_start = [], None, None
        for op, fnode in chain:
            if op is None and fnode.kind == "mul" and fnode.value not in ("juxt", "star", "cdot", "times"):
                v = self.multiply(self.convert(fnode.args[0]), self.convert(fnode.args[1]), fnode.value, fnode)
            else:
                v = self.convert(fnode)
            if isinstance(v, sympy.Rel) or isinstance(v, sympy.logic.boolalg.Boolean) and not isinstance(v, sympy.Expr):
                raise self.err(fnode, "a relation cannot be multiplied", hint="write conditions as their own statement")
            if isinstance(v, sympy.Tuple):
                raise self.err(fnode, "a tuple (a, b) cannot be multiplied", hint="use \\begin{bmatrix} for vectors")
            self.require_value(v, fnode)
            if not is_matrix(v):
                scalars.append(v)
                continue
            if mat is None:
                mat, mat_start = v, fnode.start
                continue
            mat = self.multiply(mat, v, op or "juxt", Node("mul", (Node("x", start=mat_start, end=fnode.start), fnode), mat_start, fnode.end))
            if not is_matrix(mat):
                scalars.append(mat)
                mat = None
        coeff = sympy.Mul(*scalars) if scalars else sympy.Integer(1)
        if mat is None:
            return coeff
        mat = self.resolve(mat)
        if coeff == 1:
            return mat
        if isinstance(mat, MatrixBase):
            return coeff * mat
        return sympy.MatMul(coeff, mat)

    def multiply(self, a, b, op, node):
        ma, mb = is_matrix(a), is_matrix(b)
        if isinstance(a, sympy.Tuple) or isinstance(b, sympy.Tuple):
            raise self.err(node, "a tuple (a, b) cannot be multiplied", hint="use \\begin{bmatrix} for vectors")
        if not ma and not mb:
            if op == "odot" or op == "otimes":
                return a * b
            return a * b
        if not ma or not mb:
            mat = a if ma else b
            sca = b if ma else a
            r, c = self.shape(mat)
            if r == 1 and c == 1:
                return self.as_scalar(mat) * sca
            if isinstance(mat, MatrixBase):
                return sca * mat
            return sympy.MatMul(sca, mat) if not ma else sympy.MatMul(mat, sca)
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
        self.require_value(a, node.args[0])
        self.require_value(b, node.args[1])
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
        base = self.require_value(self.convert(base_node), base_node)
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
        if base.is_number and ex.is_number and (abs(ex) > 1000 or abs(base) > 10 ** 6):
            return sympy.Pow(base, ex, evaluate=False)  # 10^{10^{10}} stays unevaluated
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

    def c_and(self, node):
        return sympy.And(self.convert(node.args[0]), self.convert(node.args[1]))

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
            size = (lhs if is_matrix(lhs) else rhs).shape
            if not all(sympy.sympify(d).is_Integer for d in size) or size[0] * size[1] > 400:
                raise self.err(node, f"an elementwise {op} between vectors needs a small numeric length",
                               hint="declare the dimension as a number, e.g. x \\in \\mathbb{R}^3", cls=UnsupportedError)
            lhs_e = lhs.as_explicit() if is_matrix(lhs) else lhs
            rhs_e = rhs.as_explicit() if is_matrix(rhs) else rhs
            try:
                rels = [cls(lhs_e[i] if is_matrix(lhs) else lhs, rhs_e[i] if is_matrix(rhs) else rhs, evaluate=False)
                        for i in range(len(lhs_e if is_matrix(lhs) else rhs_e))]
            except (TypeError, ValueError, IndexError):
                raise self.err(node, f"an elementwise {op} between vectors of symbolic length is not supported",
                               hint="declare the dimension as a number", cls=UnsupportedError) from None
            return sympy.And(*rels, evaluate=False) if len(rels) > 1 else rels[0]
        if cls is not Eq:
            # g(x) <= 0 with g of a vector argument: sympy takes g(x) for non-real; a function
            # compared by an inequality is a real-valued function
            from sympy.core.function import AppliedUndef

            def real(e):
                return sympy.sympify(e).replace(
                    lambda a: isinstance(a, AppliedUndef) and a.is_real is False,
                    lambda a: Function(a.func.__name__, real=True)(*a.args))
            lhs, rhs = real(lhs), real(rhs)
        try:
            return cls(lhs, rhs, evaluate=False)
        except TypeError:
            raise self.err(node, f"cannot compare these with {op}", hint="compare real scalars") from None


def _leading_transposed_vector(node):
    """The v of a product written v^T ...; None otherwise."""
    while node.kind == "mul":
        node = node.args[0]
    if node.kind == "transpose" and node.args[0].kind == "name" and not node.args[0].value.upper:
        return node.args[0]
    return None

