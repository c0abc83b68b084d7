"""Pass 3: each statement's trees converted to sympy (:class:`.semantics.Scope`) and classified
into the Problem's statements: definitions, claims, substitutions, points, objectives and
constraints, distributions, index ranges, data and declarations."""
from __future__ import annotations


import sympy
from sympy import Derivative, MatrixSymbol, Symbol

from ..problem import (
    Claim, Constraint, DataAssignment, Declaration, Definition, ExpressionStatement, IndexRange,
    Objective, Point, Statement, Substitution,
)
from .lexer import line_of
from .semantics import Scope, is_matrix
from .syntax_tree import Name, Node, walk
from .reading import Raw
from .survey import _is_index_range, _lhs_names, _names_in
from .builder_distributions import DistributionStatements

__all__ = ["Builder"]


# ---------------------------------------------------------------------------- pass 3
class Builder(DistributionStatements):
    def __init__(self, text: str, scope: Scope, facts: dict):
        self.text = text
        self.scope = scope
        self.facts = facts
        self.statements: list[Statement] = []
        self.defined: set = set()
        self.has_objective = any(True for _ in ())
        self.definition_args: set = set()

    def where(self, node_or_start, end=None):
        start = node_or_start.start if isinstance(node_or_start, Node) else node_or_start
        if end is None:
            end = node_or_start.end if isinstance(node_or_start, Node) else start
        lineno, line, col = line_of(self.text, start)
        return {"line": lineno, "text": line.strip(), "span": (col, col + max(0, end - start))}

    def conv(self, node):
        return self.scope.convert(node)

    # ---- objective
    def objective(self, raw: Raw):
        variables, conditions = [], []
        pending = []
        for item in raw.variables:
            if item.kind == "name":
                pending.append(item)
                continue
            if item.kind == "rel":
                lhs = item.args[0]
                names = _lhs_names(lhs) or []
                for nm_node in pending + ([lhs] if lhs.kind == "name" else list(lhs.args)):
                    v = self.conv(nm_node)
                    variables.append(v)
                    if item.value[0] in (">", ">=", "<", "<=", "!="):
                        conditions.append(self.scope.relation(item.value[0], v, self.conv(item.args[1]), item))
                pending = []
                continue
            raise self.scope.err(item, "cannot read this optimisation variable")
        variables += [self.conv(p) for p in pending]
        if len(raw.items) != 1:
            raise self.scope.err(raw.items[1], "one objective expected")
        expr = self.conv(raw.items[0])
        if is_matrix(expr):
            raise self.scope.err(raw.items[0], "the objective must be a scalar", cls=__import__("mfml_sym.errors", fromlist=["ShapeError"]).ShapeError)
        if not variables:
            variables = self.free_in_order(raw.items[0])
        pos = self.where(raw.items[0])
        st = Objective(**pos, sense=raw.sense, variables=tuple(variables), expr=expr,
                       variable_conditions=tuple(conditions))
        st.line, st.text = self.where(raw.start)["line"], line_of(self.text, raw.start)[1].strip()
        self.statements.append(st)
        self.objective_vars = set(variables)
        for group in raw.constraints:
            for c in group:
                self.constraint(c)

    def free_in_order(self, node, expr=None):
        """The symbols of ``expr`` (or of the tree) in order of first appearance in the text."""
        if expr is None:
            expr = self.conv(node)
        try:
            free = set(expr.free_symbols)
        except AttributeError:
            free = set()
        for M in getattr(expr, "atoms", lambda *a: set())(MatrixSymbol):
            free.add(M)
        free = {s for s in free if not (isinstance(s, Symbol) and s.is_integer)}
        def first(s):
            key = str(s)
            for n in walk(node):
                if n.kind == "name" and n.value.ident == key:
                    return n.start
            return 10 ** 9
        return sorted(free, key=lambda s: (first(s), str(s)))

    def constraint(self, node):
        if node.kind != "rel":
            if node.kind == "set":
                self.data_set(node)
                return
            raise self.scope.err(node, "a constraint must be a relation (=, \\le, \\ge, <, >, \\neq)")
        if node.value[0] == "=" and node.args[0].kind == "name" and node.args[1].kind in ("tuple", "matrix", "num", "neg", "frac"):
            if node.args[0].value.ident not in {str(v) for v in getattr(self, "objective_vars", ())}:
                self.assignment(node)
                return
        rel = self.conv(node)
        free = rel.free_symbols if hasattr(rel, "free_symbols") else set()
        obj_vars = getattr(self, "objective_vars", set())
        involved = any(v in free or (is_matrix(v) and v in free) for v in obj_vars) or _mentions_matrix(rel, obj_vars)
        if not involved and node.value[0] in (">", ">=", "!=", "<", "<="):
            self.statements.append(Declaration(**self.where(node), names=tuple(str(s) for s in free), relation=rel))
            return
        if isinstance(rel, sympy.And):
            for part in rel.args:
                self.statements.append(Constraint(**self.where(node), relation=part))
            return
        self.statements.append(Constraint(**self.where(node), relation=rel))

    def data_set(self, node):
        value = sympy.Tuple(*[self.conv(a) for a in node.args])
        self.statements.append(DataAssignment(**self.where(node), target=None, value=value))

    # ---- plain statements
    def plain(self, raw: Raw):
        items = raw.items
        if _is_index_range(items):
            rel, _, upper = items
            idx = Symbol(rel.args[0].value.ident, integer=True)
            self.statements.append(IndexRange(**self.where(rel.start, upper.end), index=idx,
                                              lower=self.conv(rel.args[1]), upper=self.conv(upper)))
            return
        pending = []
        for item in items:
            if item.kind == "name" and len(items) > 1:
                pending.append(item)
                continue
            if item.kind == "rel" and pending and item.value[0] in ("in", ">", ">=", "succ", "succeq", "<", "<="):
                self.declaration(item, extra=pending)
                pending = []
                continue
            if pending:
                raise self.scope.err(pending[0], "cannot read this list", hint="write one statement per line")
            if len(items) > 1 and item.kind not in ("rel",):
                if item.kind == "set":
                    self.data_set(item)
                    continue
                if item.kind == "note":
                    continue
            self.plain_item(item)
        if pending:
            if len(items) == len(pending):
                values = sympy.Tuple(*[self.conv(p) for p in pending])
                self.statements.append(ExpressionStatement(**self.where(pending[0].start, pending[-1].end), expr=values))
            else:
                raise self.scope.err(pending[0], "cannot read this list")

    def declaration(self, node, extra=()):
        lhs = node.args[0]
        names = [p.value for p in extra] + (_lhs_names(lhs) or [])
        objs = []
        op = node.value[0]
        for nm_node in list(extra) + ([lhs] if lhs.kind == "name" else list(lhs.args)):
            if nm_node.kind == "name" and op != "colon":
                objs.append(self.conv(nm_node))
        relation = None
        if op in (">", ">=", "<", "<=", "!="):
            rhs = self.conv(node.args[1])
            rels = [self.scope.relation(op, o, rhs, node) for o in objs]
            relation = rels[0] if len(rels) == 1 else sympy.And(*rels)
        elif op == "in":
            domain = self.scalar_domain(node.args[1])
            if domain is not None and objs and not any(is_matrix(o) for o in objs):
                rels = [sympy.Contains(o, domain, evaluate=False) for o in objs]
                relation = rels[0] if len(rels) == 1 else sympy.And(*rels, evaluate=False)
        self.statements.append(Declaration(**self.where(node), names=tuple(n.ident for n in names), relation=relation))

    def scalar_domain(self, node):
        r"""\{0, 1\}, \{1, \dots, K\}, \{0, 1, \dots\}, \mathbb{N}, \mathbb{Z}, \mathbb{R} as a sympy set."""
        if node.kind == "mathbb":
            return {"R": sympy.S.Reals, "N": sympy.S.Naturals0, "Z": sympy.S.Integers}.get(node.value)
        if node.kind != "set":
            return None
        items = list(node.args)
        if any(a.kind == "ellipsis" for a in items):
            if len(items) >= 2 and items[-1].kind == "ellipsis" and items[0].kind == "num":
                lo = int(items[0].value)
                return sympy.Range(lo, sympy.oo)
            if items[0].kind == "num" and items[-1].kind != "ellipsis":
                return sympy.Range(int(items[0].value), self.conv(items[-1]) + 1)
            return None
        return sympy.FiniteSet(*[self.conv(a) for a in items])

    def plain_item(self, item):
        if item.kind == "set":
            self.data_set(item)
            return
        if item.kind != "rel":
            expr = self.conv(item)
            if getattr(self, "objective_vars", None) is not None and False:
                pass
            self.statements.append(ExpressionStatement(**self.where(item), expr=expr))
            return
        op = item.value[0]
        if op == "=" and len(item.value) == 1 and item.args[1].kind == "mul" and item.args[1].args[1].kind == "paren" \
                and item.args[1].args[1].args[0].kind == "rel" and item.args[1].value == "juxt":
            # f(x) = 1/x \quad (x \neq 0): the parenthesised relation is a condition
            cond = item.args[1].args[1].args[0]
            item = Node("rel", (item.args[0], item.args[1].args[0]), item.start, item.args[1].args[0].end, value=item.value)
            self.plain_item(item)
            self.plain_item(cond)
            return
        if len(item.value) > 1:
            rel = self.conv(item)
            self.statements.append(self._constraint_or_expr(item, rel))
            return
        lhs, rhs = item.args
        if op in ("in", "succ", "succeq", "colon", "subset", "notin"):
            if op == "colon" and not (lhs.kind == "name" and rhs.kind == "rel" and rhs.value == ("to",)):
                raise self.scope.err(item, "cannot read ':' here", hint=r"a signature is written f : \mathbb{R}^2 \to \mathbb{R}")
            self.declaration(item)
            return
        if op in (">", ">=", "<", "<=", "!=") and _lhs_names(lhs) is not None and rhs.kind in ("num",) \
                and not self.involves_objective(lhs):
            self.declaration(item)
            return
        if op == "=" and rhs.kind == "transpose" and lhs.kind == "name" and rhs.args[0].kind == "name" \
                and rhs.args[0].value.ident == lhs.value.ident:
            self.declaration(item)
            return
        if op == "propto":
            st = Claim(**self.where(item), what="proportional", lhs=self.conv(lhs), rhs=self.conv(rhs))
            self.statements.append(st)
            return
        if op in ("~", "to", "approx", "subset", "notin", "prec", "preceq"):
            raise self.scope.err(item, f"cannot read the relation {op} here")
        if op != "=":
            if getattr(self, "objective_vars", None):
                self.constraint(item)
                return
            rel = self.conv(item)
            self.statements.append(ExpressionStatement(**self.where(item), expr=rel))
            return
        self.equation(item, lhs, rhs)

    def involves_objective(self, node) -> bool:
        obj = getattr(self, "objective_vars", None)
        if not obj:
            return False
        names = {nm.ident for nm in _names_in(node)}
        return bool(names & {str(v) for v in obj})

    def _constraint_or_expr(self, item, rel):
        if getattr(self, "objective_vars", None):
            return Constraint(**self.where(item), relation=rel)
        return ExpressionStatement(**self.where(item), expr=rel)

    def equation(self, item, lhs, rhs):
        pos = self.where(item)
        # claims: f'(x) = ..., \frac{df}{dx} = ..., \nabla f = ...
        if lhs.kind == "apply" and lhs.args[0].kind in ("name", "pow"):
            fn = lhs.args[0]
            name = fn.value if fn.kind == "name" else fn.args[0].value
            order = name.primes if fn.kind == "name" else int(self.conv(fn.args[1]))
            args = list(lhs.args[1]) + list(lhs.extra.get("given", ()))
            ident = name.stem + ("_" + name.subtext if name.subtext else "")
            if order:
                rhs_v = self.conv(rhs)
                lhs_v = self.conv(lhs)
                wrt = tuple(self.conv(a) for a in lhs.args[1])
                self.statements.append(Claim(**pos, what="derivative", function=ident, wrt=wrt, order=order,
                                             lhs=lhs_v, rhs=rhs_v))
                return
            if lhs.extra.get("given") and ident not in self.defined:
                self.scope.functions.add(ident)
            if ident in self.defined and name.stem in ("p", "q") and all(a.kind == "name" for a in args) \
                    and tuple(self.conv(a) for a in args) != tuple(self.defs_by_name()[ident].args):
                # p(x | theta) = ... and p(theta) = ...: two densities, both named p
                self.defined.discard(ident)
            if ident in self.scope.functions or ident in self.defined:
                if ident in self.defined or not all(a.kind == "name" for a in args):
                    lhs_v = self.conv(lhs)
                    rhs_v = self.conv(rhs)
                    self.statements.append(Claim(**pos, what="value", function=ident, lhs=lhs_v, rhs=rhs_v))
                    return
                arg_vals = tuple(self.conv(a) for a in args)
                body = self.conv(rhs)
                st = Definition(**pos, name=ident, args=arg_vals, expr=body)
                st._lhs = sympy.Function(ident)(*arg_vals) if not name.bold else None
                st._written_args = True
                self.scope.function_args[ident] = arg_vals
                self.defined.add(ident)
                self.statements.append(st)
                return
        if lhs.kind == "deriv" and lhs.extra.get("func") is not None and lhs.extra["func"].kind == "name":
            fname = lhs.extra["func"].value.ident
            lhs_v = self.conv(lhs)
            rhs_v = self.conv(rhs)
            wrt = tuple(self.conv(v) for v, _ in lhs.extra["vars"])
            order = sum(int(self.conv(p)) if p is not None else 1 for _, p in lhs.extra["vars"])
            expanded = []
            for v, p in lhs.extra["vars"]:
                k = int(self.conv(p)) if p is not None else 1
                expanded.extend([self.conv(v)] * k)
            d = self.defs_by_name().get(fname)
            multi = d is not None and len(d.args) > 1
            if is_matrix(getattr(d, "expr", None)) and any(is_matrix(w) or True for w in wrt) and (is_matrix(rhs_v)):
                what = "jacobian"
            elif any(is_matrix(w) for w in wrt):
                what = "gradient"
            elif lhs.value == "partial" or multi or len(set(expanded)) > 1:
                what = "partial"
            else:
                what = "derivative"
            if what == "jacobian":
                fn = lhs.extra["func"].value.ident
                args = self.scope.function_args.get(fn, wrt)
                lhs_v = sympy.ImmutableMatrix([[Derivative(sympy.Function(fn)(*args), v) for v in wrt]])
                order = 1
            self.statements.append(Claim(**pos, what=what, function=fname, wrt=tuple(expanded) if what == "partial" else wrt,
                                         order=order, lhs=lhs_v, rhs=rhs_v))
            return
        if lhs.kind == "nabla" and lhs.extra.get("operand") is not None:
            operand = lhs.extra["operand"]
            fname = operand.value.ident if operand.kind == "name" else (
                operand.args[0].value.ident if operand.kind == "apply" and operand.args[0].kind == "name" else None)
            power = lhs.extra.get("power")
            order = int(self.conv(power)) if power is not None else 1
            lhs_v = self.conv(lhs)
            rhs_v = self.conv(rhs)
            sub = lhs.extra.get("sub")
            wrt = ()
            if sub is not None:
                wrt = tuple(self.conv(a) for a in (sub.args if sub.kind == "tuple" else (sub,)))
            elif fname in self.scope.function_args:
                wrt = tuple(self.scope.function_args[fname])
            self.statements.append(Claim(**pos, what="gradient" if order == 1 else "hessian", function=fname,
                                         wrt=wrt, order=order, lhs=lhs_v, rhs=rhs_v))
            return
        # points: (x_0, y_0) = (1, 2)
        if lhs.kind == "tuple" and all(a.kind == "name" for a in lhs.args):
            if rhs.kind != "tuple" or len(rhs.args) != len(lhs.args):
                raise self.scope.err(rhs, f"{len(lhs.args)} values expected on the right")
            values = {}
            for a, b in zip(lhs.args, rhs.args):
                var = self.point_variable(a)
                values[var] = self.vector_value(var, self.conv(b), b)
            self.statements.append(Point(**pos, values=values))
            return
        if lhs.kind == "name":
            self.name_equation(item, lhs, rhs, pos)
            return
        rel = self.conv(item)
        self.statements.append(self._constraint_or_expr(item, rel))

    def defs_by_name(self):
        return {d.name: d for d in self.statements if isinstance(d, Definition)}

    def point_variable(self, node):
        nm = node.value
        if nm.subtext == "0":
            base = Name(nm.base, bold=nm.bold, accent=nm.accent, greek=nm.greek, latex=nm.latex)
            if base.ident in self.facts["def_args"] or base.ident in self.facts["body_names"] or base.ident in self.scope.objects:
                return self.scope.symbol_for(base, node)
        return self.conv(node)

    def name_equation(self, item, lhs, rhs, pos):
        nm = lhs.value
        ident = nm.ident
        base_ident = nm.stem + ("_" + nm.subtext if nm.subtext else "")
        if nm.primes and base_ident in self.scope.function_args:
            # f' = 3x^2 after f(x) = x^3: a derivative claim
            args = self.scope.function_args[base_ident]
            if len(args) != 1:
                raise self.scope.err(lhs, "a prime on a function of several variables is ambiguous",
                                     hint=r"write \frac{\partial f}{\partial x}")
            v = args[0]
            lhs_v = Derivative(sympy.Function(base_ident)(v), (v, nm.primes))
            self.statements.append(Claim(**pos, what="derivative", function=base_ident, wrt=(v,), order=nm.primes,
                                         lhs=lhs_v, rhs=self.conv(rhs)))
            return
        constant = _is_constant(rhs)
        in_defs = ident in self.facts["def_args"] or ident in self.facts["body_names"]
        if in_defs and ident not in self.defined:
            value = self.conv(rhs)
            target = self.conv(lhs)
            if constant:
                if ident in self.facts["def_args"]:
                    self.statements.append(Point(**pos, values={target: value}))
                else:
                    self.statements.append(DataAssignment(**pos, target=target, value=value))
            else:
                self.statements.append(Substitution(**pos, target=target, expr=value))
            return
        if constant:
            value = self.conv(rhs)
            if nm.subtext == "0" and not self.scope.data_context:
                var = self.point_variable(lhs)
                self.statements.append(Point(**pos, values={var: self.vector_value(var, value, rhs)}))
            else:
                target = self.conv(lhs)
                self.statements.append(DataAssignment(**pos, target=target, value=self.vector_value(target, value, rhs)))
            return
        # a named quantity: L = ..., \bar{x} = ...
        if ident in self.defined:
            lhs_v = self.conv(lhs)
            self.statements.append(Claim(**pos, what="value", function=ident, lhs=lhs_v, rhs=self.conv(rhs)))
            return
        body = self.conv(rhs)
        if getattr(self, "objective_vars", None) and ident in self.scope.objects:
            # a parameter of the optimisation problem given a (symbolic) value
            self.statements.append(DataAssignment(**pos, target=self.scope.objects[ident], value=body))
            return
        if is_matrix(body):
            target = self.scope.objects.get(ident) or MatrixSymbol(ident, *body.shape)
        else:
            inf = self.scope.info.get(ident)
            target = self.scope.symbol_for(nm, lhs) if inf is not None and inf.source == "declaration" and not is_matrix(self.scope.symbol_for(nm, lhs)) \
                else Symbol(ident, real=True)
        args = tuple(self.free_in_order(rhs, body))
        st = Definition(**pos, name=ident, args=args, expr=body)
        st._lhs = target
        st._written_args = False
        self.defined.add(ident)
        self.statements.append(st)

    def vector_value(self, target, value, node):
        """A tuple given to a vector is its column; the vector's length follows from it."""
        if isinstance(target, MatrixSymbol) and isinstance(value, sympy.Tuple):
            value = sympy.ImmutableMatrix([[v] for v in value])
        if isinstance(target, MatrixSymbol) and is_matrix(value):
            for a, b in zip(target.shape, value.shape):
                if not self.scope.dims.unify(a, b):
                    raise self.scope.err(node, f"{target} has shape {target.shape}, the value has shape {value.shape}",
                                         cls=__import__("mfml_sym.errors", fromlist=["ShapeError"]).ShapeError)
        return value

    def _used_elsewhere(self, ident, item) -> bool:
        return ident in self.facts["body_names"] or ident in {str(v) for v in getattr(self, "objective_vars", ())} \
            or getattr(self, "objective_vars", None) is not None

    def about(self, raw: Raw):
        values = {}
        for item in raw.items:
            if item.kind == "rel" and item.value == ("=",):
                lhs, rhs = item.args
                if lhs.kind == "tuple":
                    for a, b in zip(lhs.args, rhs.args if rhs.kind == "tuple" else ()):
                        values[self.point_variable(a)] = self.conv(b)
                else:
                    var = self.point_variable(lhs)
                    values[var] = self.vector_value(var, self.conv(rhs), rhs)
            elif item.kind == "name":
                var = self.point_variable(item)
                value = self.conv(item)
                if is_matrix(var) and is_matrix(value) and var is not value:
                    for a, b in zip(var.shape, value.shape):
                        self.scope.dims.unify(b, a)
                values[var] = value
            else:
                raise self.scope.err(item, r"cannot read this point; write \text{about } x = 0")
        self.statements.append(Point(**self.where(raw.start, raw.end), values=values))


def _mentions_matrix(rel, obj_vars) -> bool:
    try:
        atoms = rel.atoms(MatrixSymbol)
    except AttributeError:
        return False
    return any(v in atoms for v in obj_vars)


def _is_constant(node: Node) -> bool:
    return all(n.kind not in ("name",) or (n.value.base in ("pi", "e") and not n.value.subtext)
               for n in walk(node)) and node.kind not in ("set",)

