"""Pass 2: what the whole cell declares, before any tree is converted -- kinds, shapes and
assumptions of names, functions, dimensions, data matrices -- so that a declaration on the last
line applies to the first."""
from __future__ import annotations


import sympy

from ..errors import ParseError
from .lexer import error_at
from .semantics import Scope
from .syntax_tree import Name, Node, walk
from .reading import Raw

COUNTS_OR_NONE = {"N", "K", "D", "T", "M"}

__all__ = ["survey", "lhs_names", "names_in", "is_index_range"]


# ---------------------------------------------------------------------------- pass 2
def _names_in(node) -> list[Name]:
    return [n.value for n in walk(node) if n.kind == "name"]


def _dims_of_set(node: Node, scope: Scope):
    """``\\mathbb{R}^{n}`` -> (n, 1); ``\\mathbb{R}^{m \\times n}`` -> (m, n); ``\\mathbb{R}`` -> ()."""
    if node.kind == "mathbb":
        return ()
    if node.kind == "pow" and node.args[0].kind in ("mathbb", "set"):
        ex = node.args[1]
        if ex.kind == "mul" and ex.value in ("times", "star", "juxt"):
            return (_dim(ex.args[0], scope), _dim(ex.args[1], scope))
        return (_dim(ex, scope), sympy.Integer(1))
    return None


def _dim(node: Node, scope: Scope):
    if node.kind == "num":
        if "." in node.value or int(node.value) < 1:
            raise error_at(scope.text, node.start, node.end, f"the dimension {node.value} is not a positive whole number")
        return sympy.Integer(int(node.value))
    if node.kind == "name":
        ident = node.value.ident
        scope.of(ident).kind = "dimension"
        return scope.dimension_symbol(ident)
    if node.kind == "paren":
        return _dim(node.args[0], scope)
    try:
        names = _names_in(node)
        for nm in names:
            scope.of(nm.ident).kind = "dimension"
        value = scope.convert(node)
    except ParseError:
        raise error_at(scope.text, node.start, node.end, "cannot read this dimension") from None
    if getattr(value, "is_integer", None) is False or (value.is_number and value < 1):
        raise error_at(scope.text, node.start, node.end, f"the dimension {value} is not a positive whole number")
    return value


def _declare(scope: Scope, names: list[Name], kind: str, shape=None, props=()):
    for nm in names:
        inf = scope.of(nm.ident)
        inf.kind = kind
        inf.source = "declaration"
        if shape is not None:
            inf.shape = shape
        inf.props |= set(props)
        if not inf.latex:
            inf.latex = nm.latex


def _lhs_names(node: Node) -> list[Name] | None:
    if node.kind == "name":
        return [node.value]
    if node.kind in ("tuple", "paren") and all(a.kind == "name" for a in node.args):
        return [a.value for a in node.args]
    return None


def survey(raws: list[Raw], scope: Scope) -> dict:
    facts = {"objective_vars": set(), "definition_names": set(), "body_names": set(), "def_args": set()}
    # optimisation variables first: their conditions are domains, not parameter declarations
    for raw in raws:
        if raw.kind == "objective":
            for item in raw.variables:
                for nm in _names_in(item.args[0] if item.kind == "rel" else item):
                    facts["objective_vars"].add(nm.ident)
    all_items = []
    for raw in raws:
        lists = [raw.items, raw.variables, raw.lhs, raw.given] + raw.constraints
        for lst in lists:
            all_items.extend(lst)
        if raw.kind == "dist":
            scope.data_context = True
            # \pi \sim \mathrm{Dir}(\alpha): a random variable, not the constant
            for item in raw.lhs:
                for n in walk(item):
                    if n.kind == "name" and n.value.base in ("pi", "e") and not n.value.subtext:
                        inf = scope.of(n.value.ident)
                        inf.source = "declaration"
    # bare-name lists before a relation share it: x, y, z > 0
    def apply_rel(names, rel):
        op = rel.value[0]
        rhs = rel.args[1]
        if op == "in":
            shape = _dims_of_set(rhs, scope)
            if rhs.kind == "mathbb" and rhs.value in ("N", "Z"):
                _declare(scope, names, "scalar", props=("integer",) + (("nonnegative",) if rhs.value == "N" else ()))
            elif rhs.kind == "pow" and rhs.args[0].kind == "set":
                _declare(scope, names, "vector", (_dim(rhs.args[1], scope), sympy.Integer(1)), props=("binary",))
            elif rhs.kind == "set":
                items = [a.value if a.kind == "num" else "..." if a.kind == "ellipsis" else None for a in rhs.args]
                if items == ["0", "1"]:
                    props = ("integer", "nonnegative", "binary")
                elif items[:1] == ["0"]:
                    props = ("integer", "nonnegative")
                elif items[:1] == ["1"]:
                    props = ("integer", "positive")
                else:
                    props = ("integer",)
                _declare(scope, names, "scalar", props=props)
            elif shape == ():
                _declare(scope, names, "scalar")
            elif shape is not None:
                r, c = shape
                _declare(scope, names, "vector" if c == 1 else "matrix", shape)
        elif op in (">", ">=") and rhs.kind == "num" and float(rhs.value) == 0:
            if not any(nm.ident in facts["objective_vars"] for nm in names) or rel in var_rels:
                for nm in names:
                    scope.of(nm.ident).props.add("positive" if op == ">" else "nonnegative")
        elif op in ("succ", "succeq"):
            _declare(scope, names, "matrix", props=("spd" if op == "succ" else "psd", "symmetric"))
        elif op == "=" and rhs.kind == "transpose" and rhs.args[0].kind == "name" and len(names) == 1 \
                and rhs.args[0].value.ident == names[0].ident:
            _declare(scope, names, "matrix", props=("symmetric",))
        elif op == "colon":
            for nm in names:
                scope.functions.add(nm.ident)
    var_rels = []
    for raw in raws:
        if raw.kind == "objective":
            var_rels.extend(v for v in raw.variables if v.kind == "rel")
    for lst in [r.items for r in raws] + [r.variables for r in raws] + [c for r in raws for c in r.constraints]:
        pending = []
        for item in lst:
            if item.kind == "name":
                pending.append(item.value)
                continue
            if item.kind == "rel" and len(item.value) == 1:
                names = _lhs_names(item.args[0])
                if names is not None:
                    apply_rel(pending + names, item)
            pending = []
    for raw in raws:
        for item in raw.items:
            if item.kind == "rel" and item.value[0] == "=":
                lhs = item.args[0]
                if lhs.kind == "apply" and lhs.args[0].kind == "name" and not lhs.args[0].value.primes:
                    nm = lhs.args[0].value
                    if all(a.kind == "name" for a in lhs.args[1]) and lhs.args[1]:
                        scope.functions.add(nm.ident)
                        facts["definition_names"].add(nm.ident)
                        for a in list(lhs.args[1]) + list(lhs.extra.get("given", ())):
                            if a.kind == "name":
                                facts["def_args"].add(a.value.ident)
                                if a.value.bold:
                                    scope.of(a.value.ident).kind = scope.of(a.value.ident).kind or ("matrix" if a.value.upper else "vector")
                        for nm2 in _names_in(item.args[1]):
                            facts["body_names"].add(nm2.ident)
                elif lhs.kind == "name" and item.args[1].kind not in ("tuple", "matrix", "num", "neg"):
                    for nm2 in _names_in(item.args[1]):
                        facts["body_names"].add(nm2.ident)
                # tuple / matrix data: kinds and shapes
                rhs = item.args[1]
                if lhs.kind == "name" and rhs.kind == "tuple" and not lhs.value.bold:
                    scope.of(lhs.value.ident).kind = "vector"
                    scope.of(lhs.value.ident).shape = (sympy.Integer(len(rhs.args)), sympy.Integer(1))
                if lhs.kind == "name" and rhs.kind == "matrix":
                    rows, cols = len(rhs.args), len(rhs.args[0])
                    inf = scope.of(lhs.value.ident)
                    if cols == 1 and not lhs.value.upper:
                        inf.kind, inf.shape = "vector", (sympy.Integer(rows), sympy.Integer(1))
                    elif lhs.value.upper or lhs.value.bold:
                        inf.kind, inf.shape = "matrix", (sympy.Integer(rows), sympy.Integer(cols))
    # usage evidence over every tree
    for item in all_items:
        for n in walk(item):
            if n.kind == "transpose" and n.args[0].kind == "name":
                nm = n.args[0].value
                if not nm.upper and not nm.bold:
                    scope.vector_hints.add(nm.ident)
            if n.kind in ("transpose", "inverse") and n.args[0].kind == "name" and n.args[0].value.upper:
                # M M^T, D^{-1}: an upper-case letter used as a matrix is one, count letters included
                inf = scope.of(n.args[0].value.ident)
                if inf.source != "declaration" and inf.kind in (None, "dimension") and n.args[0].value.base in COUNTS_OR_NONE:
                    inf.kind = "matrix"
            if n.kind == "mul" and n.value == "juxt" and n.args[1].kind == "name":
                left = n.args[0]
                while left.kind == "mul":
                    left = left.args[1]
                if left.kind == "transpose" and not n.args[1].value.upper:
                    scope.vector_hints.add(n.args[1].value.ident)
            if n.kind in ("sum", "prod"):
                lower, upper = n.extra["lower"], n.extra["upper"]
                if upper is not None and upper.kind == "name":
                    scope.of(upper.value.ident).kind = "dimension"
                if lower.kind == "rel" and lower.args[0].kind == "name" and upper is not None:
                    facts.setdefault("bounds", {})[lower.args[0].value.ident] = (lower.args[1], upper)
            if n.kind == "apply" and n.args[0].kind == "name":
                pass
            if n.kind == "name":
                scope.used_names.add(n.value.ident)
        # names written without application
        _collect_standalone(item, scope)
    # indexed data beside a data matrix, bounds of sums, optimisation variables indexed in sums
    for item in all_items:
        for n in walk(item):
            if n.kind in ("sum", "prod"):
                lower, upper = n.extra["lower"], n.extra["upper"]
                idx = lower.args[0].value.ident if lower.kind == "rel" and lower.args[0].kind == "name" else (
                    lower.value.ident if lower.kind == "name" else None)
                for m in walk(n.args[0]):
                    if m.kind == "name" and m.value.bold and not m.value.upper and m.value.subtext == idx:
                        scope.data_matrix = True
                    if m.kind == "name" and idx and m.value.subtext == idx and not m.value.bold \
                            and m.value.stem in facts["objective_vars"] and upper is not None:
                        inf = scope.of(m.value.stem)
                        if inf.kind is None:
                            inf.kind = "vector"
                            if upper.kind == "num":
                                inf.shape = (sympy.Integer(int(upper.value)), sympy.Integer(1))
    scope.declared_bounds = {k: v[1] for k, v in facts.get("bounds", {}).items()}
    # index ranges i = 1, \dots, N
    for raw in raws:
        items = raw.items
        if _is_index_range(items) and items[-1].kind == "name":
            scope.of(items[-1].value.ident).kind = "dimension"
    return facts


def _collect_standalone(node, scope):
    if not isinstance(node, Node):
        return
    if node.kind == "deriv":
        # the f of df/dx is a function, not a variable
        for v, _ in node.extra.get("vars", ()):
            _collect_standalone(v, scope)
        if node.extra.get("operand") is not None:
            _collect_standalone(node.extra["operand"], scope)
        return
    if node.kind == "apply":
        for a in node.args[1]:
            _collect_standalone(a, scope)
        for g in node.extra.get("given", ()):
            _collect_standalone(g, scope)
        return
    if node.kind == "name":
        if not node.value.primes:
            scope.standalone.add(node.value.ident)
        return
    for a in node.args:
        if isinstance(a, Node):
            _collect_standalone(a, scope)
        elif isinstance(a, (list, tuple)):
            for x in a:
                if isinstance(x, Node):
                    _collect_standalone(x, scope)
                elif isinstance(x, (list, tuple)):
                    for y in x:
                        _collect_standalone(y, scope)
    for v in node.extra.values():
        if isinstance(v, Node):
            _collect_standalone(v, scope)


def _is_index_range(items: list[Node]) -> bool:
    return (len(items) == 3 and items[0].kind == "rel" and items[0].value == ("=",)
            and items[0].args[0].kind == "name" and items[1].kind == "ellipsis")


lhs_names = _lhs_names
names_in = _names_in
is_index_range = _is_index_range
