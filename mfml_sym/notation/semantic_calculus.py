"""Calculus in the semantic pass: applications ``f(x)``, sums and products over indices,
integrals, limits, evaluation bars, expectations, densities, derivatives and ``\\nabla``.
Mixed into :class:`.semantics.Scope`."""
from __future__ import annotations

import sympy
from sympy import Derivative, Function, Integer, MatrixSymbol, Symbol

from ..errors import ShapeError, UnsupportedError
from .syntax_tree import Name, Node, walk
from .semantic_tables import DEFAULT_FUNCTIONS, ELEMENTWISE_NAMES, is_matrix

__all__ = ["CalculusSemantics"]


class CalculusSemantics:
    """Conversion of applications, big operators and derivatives."""

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
        if name.upper and not name.bold and args and all(a.kind == "name" for a in args) \
                and not (inf is not None and inf.source == "declaration"):
            # E_D(\mathbf{w}), A(x): an upper-case name applied to bare names is a function
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
        if lower.kind == "rel" and lower.value in (("<=", "<="), ("<", "<")) and lower.args[1].kind == "name":
            # 1 \leq i \leq N: the index in the middle
            lo_node, idx_node, hi_node = lower.args
            if lower.value == ("<", "<"):
                raise self.err(lower, "strict index bounds are ambiguous", hint=r"write \sum_{i=1}^{N}")
            rewritten = Node(node.kind, node.args, node.start, node.end,
                             extra={"lower": Node("rel", (idx_node, lo_node), lower.start, lower.end, value=("=",)),
                                    "upper": hi_node})
            return self.big(rewritten, cls)
        if lower.kind == "tuple" and upper is None and all(a.kind == "rel" for a in lower.args):
            # \substack rows: the last row is the outermost index (sympy's printing order)
            inner = node.args[0]
            for row in lower.args[:-1]:
                inner = Node(node.kind, (inner,), node.start, node.end, extra={"lower": row, "upper": None})
            outer = Node(node.kind, (inner,), node.start, node.end, extra={"lower": lower.args[-1], "upper": None})
            return self.big(outer, cls)
        if lower.kind == "tuple" and upper is None and all(a.kind == "name" for a in lower.args):
            # \sum_{i,j} A_{ij}: one sum per index, the first outermost
            inner = node.args[0]
            for idx in reversed(lower.args[1:]):
                inner = Node(node.kind, (inner,), node.start, node.end, extra={"lower": idx, "upper": None})
            outer = Node(node.kind, (inner,), node.start, node.end, extra={"lower": lower.args[0], "upper": None})
            return self.big(outer, cls)
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
            x = params[0]
            if is_matrix(x) and node.value == "Normal" and len(gvals) == 2:
                # N(x | mu, Sigma): mean like x, covariance square of x's length
                mu, cov = gvals
                if is_matrix(mu):
                    self.unify_shapes(x, mu, node, "the mean")
                if is_matrix(cov):
                    r = self.shape(x)[0]
                    if not (self.dims.unify(cov.shape[0], r) and self.dims.unify(cov.shape[1], r)):
                        raise self.err(node, "the covariance does not fit the variable", cls=ShapeError)
                params = [self.resolve(x)]
                gvals = [self.resolve(g) for g in gvals]
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
                # an undefined f of several variables takes them in name order, so that
                # \partial x \partial y and \partial y \partial x differentiate the same f(x, y)
                args = list(dict.fromkeys(variables))
                if len(args) > 1 and all(isinstance(a, Symbol) for a in args):
                    args = sorted(args, key=lambda a: a.name)
                return Function(ident)(*args)
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
        if node.value == "partial":
            spec = [(w, order) if order > 1 else w for w in wrt]
            return Derivative(expr, *spec)
        if order not in (1, 2):
            raise self.err(node, r"\nabla^k is supported for k = 1, 2")
        if len(wrt) == 1 and not is_matrix(wrt[0]):
            # the gradient with respect to one scalar is the derivative
            return Derivative(expr, wrt[0]) if order == 1 else Derivative(expr, (wrt[0], 2))
        if len(wrt) == 1 and is_matrix(wrt[0]):
            return Derivative(expr, wrt[0]) if order == 1 else Derivative(expr, wrt[0], wrt[0])
        if order == 1:
            return sympy.ImmutableMatrix([[Derivative(expr, v)] for v in wrt])
        return sympy.ImmutableMatrix([[Derivative(expr, a, b) for b in wrt] for a in wrt])
