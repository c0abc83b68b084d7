"""Functions of the semantic pass: ``\\sin``, ``\\log``, ``\\det``, ``\\operatorname{tr}``,
softmax/softplus/log-sum-exp, elementwise functions of vectors, norms, inner products, explicit
matrices and cases. Mixed into :class:`.semantics.Scope`."""
from __future__ import annotations

import sympy
from sympy import Abs, Function, Lambda, MatrixBase, OneMatrix, Symbol, ZeroMatrix
from sympy.matrices.expressions.matexpr import MatrixElement

from ..errors import ShapeError, UnsupportedError
from .semantic_tables import _ELEMENTWISE, _t, is_matrix

__all__ = ["FunctionSemantics"]


class FunctionSemantics:
    """Conversion of function-like nodes."""

    def c_sqrt(self, node):
        v = self.convert(node.args[0])
        idx = node.extra.get("index")
        if is_matrix(v):
            return self.elementwise(sympy.sqrt, v, node)
        if idx is not None:
            return sympy.root(v, self.convert(idx))
        return sympy.sqrt(v)

    def c_factorial(self, node):
        v = self.convert(node.args[0])
        return sympy.factorial(v, evaluate=not (v.is_number and abs(v) > 1000))

    def c_binom(self, node):
        n, k = self.convert(node.args[0]), self.convert(node.args[1])
        return sympy.binomial(n, k, evaluate=not (n.is_number and abs(n) > 1000))

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

    def c_element(self, node):
        base = self.convert(node.args[0])
        if not is_matrix(base):
            raise self.err(node, "a subscript on a scalar expression", hint="subscripts index vectors: softmax(z)_k")
        idx = self.convert(node.args[1])
        r, c = self.shape(base)
        if isinstance(idx, sympy.Symbol) and not idx.is_integer:
            idx = Symbol(str(idx), integer=True)
        if c != 1:
            raise self.err(node, "one index for a matrix expression", hint="index a vector")
        return MatrixElement(self.resolve(base), idx - 1, 0)

    def c_cases(self, node):
        pieces = []
        for value_node, cond_node in node.args:
            value = self.convert(value_node)
            if is_matrix(value):
                raise self.err(value_node, "a vector or matrix inside cases is not supported", cls=UnsupportedError)
            cond = sympy.true if cond_node is None else self.convert(cond_node)
            if not isinstance(cond, (sympy.logic.boolalg.Boolean, sympy.Rel)):
                raise self.err(cond_node, "a condition must be a relation (x > 0)")
            pieces.append((value, cond))
        return sympy.Piecewise(*pieces)

    def c_ones(self, node):
        if node.value == "indicator":
            raise self.err(node, r"the indicator \mathbb{1} is not supported", cls=UnsupportedError)
        return OneMatrix(self.dims.fresh(), 1)

    def c_zeros(self, node):
        return ZeroMatrix(self.dims.fresh(), 1)
