"""A LaTeX cell -> typed :class:`~mfml_sym.problem.Problem`.

Three passes: (1) cut the cell into statements and read each into a syntax tree, recognising
objectives (``\\max_{x,y}``), constraints after ``\\text{s.t.}``, ``\\text{about}`` points and
``\\sim`` statements by their leading or separating words; (2) survey every tree for what the
cell declares (kinds, shapes, assumptions, functions, dimensions); (3) convert each tree to
sympy in that light and classify it (definition, claim, substitution, point, ...).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import sympy
from sympy import Derivative, MatrixSymbol, Symbol

from ..errors import ParseError
from ..problem import (
    Claim, Constraint, DataAssignment, Declaration, Definition, Distribution, ExpressionStatement,
    IndexRange, Objective, Point, Problem, Statement, Substitution, SymbolInfo,
)
from .lexer import Token, error_at, line_of, tokenize
from .reader import Reader
from .semantics import Scope, is_matrix
from .splitting import ST_WORDS, depth_scan, split_statements, strip_comments, text_word
from .syntax_tree import Name, Node, walk
from .vocabulary import OBJECTIVE_WORDS

__all__ = ["parse_latex"]


@dataclass
class Raw:
    kind: str  # plain, objective, constraint, about, dist
    tokens: list
    items: list = field(default_factory=list)  # parsed trees
    sense: str = ""
    variables: list = field(default_factory=list)
    constraints: list = field(default_factory=list)
    lhs: list = field(default_factory=list)
    given: list = field(default_factory=list)
    start: int = 0
    end: int = 0


# ---------------------------------------------------------------------------- pass 1
def _read_list(text: str, tokens: list[Token]) -> list[Node]:
    """Comma-separated relations of one statement."""
    r = Reader(text, tokens)
    if r.done():
        return []
    items = [r.relation()]
    while r.at(","):
        r.pos += 1
        if r.done():
            break
        items.append(r.relation())
    if not r.done():
        t = r.peek()
        hint = None
        if t.text in (")", "]", "}", r"\}"):
            hint = "an extra closing bracket, or a missing opening one"
        elif t.text in ("&", "\\\\"):
            hint = r"use & and \\ only inside \begin{bmatrix} ... \end{bmatrix}"
        raise r.error(t, f"cannot read {t.text!r} here", hint=hint)
    return items


def _objective_prefix(text: str, toks: list[Token]) -> tuple[str, int] | None:
    if not toks:
        return None
    t = toks[0]
    if t.text in (r"\max", r"\min", r"\sup", r"\inf") and len(toks) > 1 and toks[1].text in ("(", r"\{"):
        return None  # \max(a, b) is the function
    if t.text in (r"\max", r"\min", r"\sup", r"\inf", r"\argmax", r"\argmin"):
        return OBJECTIVE_WORDS.get(t.text[1:], "max" if "max" in t.text or "sup" in t.text else "min"), 1
    if t.text == r"\arg" and len(toks) > 1 and toks[1].text in (r"\max", r"\min"):
        return toks[1].text[1:], 2
    w = text_word(toks, 0, text)
    if w is not None:
        word = re.sub(r"\\[,;!: ]|\s|\\", "", w[0]).lower()
        word = word.replace("mathrm", "")
        if word in OBJECTIVE_WORDS:
            return OBJECTIVE_WORDS[word], w[1]
    if t.kind == "letter":
        run, j, end = "", 0, t.start
        while j < len(toks) and toks[j].kind == "letter" and (j == 0 or toks[j].start == end):
            run += toks[j].text
            end = toks[j].end
            j += 1
        if run.lower() in OBJECTIVE_WORDS and (run.lower() not in ("min", "max") or (j < len(toks) and toks[j].text in ("_",))):
            return OBJECTIVE_WORDS[run.lower()], j
    return None


def _st_marker(text: str, toks: list[Token], i: int) -> int | None:
    """If a 'subject to' marker starts at toks[i], the index after it."""
    w = text_word(toks, i, text)
    if w is not None:
        word = re.sub(r"\s|\\[,;!: ]", "", w[0]).lower()
        if word in ST_WORDS and word != "where":
            return w[1]
        return None
    t = toks[i]
    if t.kind == "letter" and t.text == "s" and i + 3 < len(toks) and [x.text for x in toks[i:i + 4]] == ["s", ".", "t", "."]:
        return i + 4
    if t.kind == "letter" and t.text == "s":
        run = "".join(x.text for x in toks[i:i + 9] if x.kind == "letter")
        if run.startswith("subjectto"):
            return i + 9
    return None


def _split_top(toks: list[Token], seps=(",",)) -> list[list[Token]]:
    out, cur = [], []
    for _, t, depth in depth_scan(toks):
        if depth == 0 and t.text in seps:
            out.append(cur)
            cur = []
        else:
            cur.append(t)
    out.append(cur)
    return [c for c in out if any(x.kind not in ("space", "nl") for x in c)]


def _skip_space(toks, i):
    while i < len(toks) and toks[i].kind in ("space", "nl"):
        i += 1
    return i


def read_statement(text: str, toks: list[Token]) -> Raw:
    toks = [t for t in toks if t.kind != "nl"]
    i = _skip_space(toks, 0)
    # leading connective words: "where", "and", "with", "for"
    while True:
        w = text_word(toks, i, text)
        if w is not None and w[0].strip().lower().rstrip(":,") in ("where", "and", "with", "for", "given", "let", "if", "such that"):
            i = _skip_space(toks, w[1])
            continue
        break
    toks = toks[i:]
    raw = Raw("plain", toks, start=toks[0].start if toks else 0, end=toks[-1].end if toks else 0)
    core = [t for t in toks if t.kind != "space"]
    st = _st_marker(text, core, 0) if core else None
    if st is not None:
        raw.kind = "constraint"
        rest = core[st:]
        raw.constraints = [_read_list(text, part) for part in _split_top(_quad_split(toks, st, text), seps=(",", r"\quad"))]
        return raw
    w = text_word(core, 0, text)
    if w is not None and w[0].strip().lower() in ("about", "at", "around", "about the point", "at the point", "near"):
        raw.kind = "about"
        raw.items = _read_list(text, core[w[1]:])
        return raw
    obj = _objective_prefix(text, core)
    if obj is not None:
        return _read_objective(text, core, obj, raw)
    # a \sim statement: lhs [\mid given] \sim family(...)
    sim = [i for i, t, d in depth_scan(core) if d == 0 and t.text == r"\sim"]
    if sim:
        k = sim[0]
        lhs, rhs = core[:k], core[k + 1:]
        mid = [i for i, t, d in depth_scan(lhs) if d == 0 and t.text in (r"\mid", "|")]
        if mid:
            raw.lhs = _read_list(text, lhs[:mid[0]])
            raw.given = _read_list(text, lhs[mid[0] + 1:])
        else:
            raw.lhs = _read_list(text, lhs)
        if not rhs:
            raise error_at(text, core[k].start, core[k].end, r"\sim needs a distribution on its right",
                           hint=r"x \sim \mathcal{N}(\mu, \sigma^2)")
        raw.kind = "dist"
        raw.items = _read_list(text, rhs)
        raw.start = core[0].start
        return raw
    raw.items = _read_list(text, core)
    return raw


def _quad_split(toks, start_core_index, text):
    """Tokens after the s.t. marker with \\quad kept (for splitting constraints)."""
    core_seen = -1
    for i, t in enumerate(toks):
        if t.kind != "space":
            core_seen += 1
        if core_seen == start_core_index:
            return [x for x in toks[i:] if x.kind != "space" or x.text == r"\quad"]
    return []


def _read_objective(text, core, obj, raw):
    sense, i = obj
    raw.kind = "objective"
    raw.sense = sense
    if i < len(core) and core[i].text == "_":
        i += 1
        if i < len(core) and core[i].text == "{":
            depth, j = 0, i
            while j < len(core):
                if core[j].text == "{":
                    depth += 1
                elif core[j].text == "}":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            if j >= len(core):
                raise error_at(text, core[i].start, core[i].end, "missing '}'")
            raw.variables = _read_list(text, core[i + 1:j])
            i = j + 1
        elif i < len(core):
            raw.variables = _read_list(text, core[i:i + 1])
            i += 1
    # the objective runs up to the s.t. marker
    st_at = None
    for k, t, d in depth_scan(core[i:]):
        if d == 0 and _st_marker(text, core, i + k) is not None:
            st_at = i + k
            break
    body = core[i:st_at] if st_at is not None else core[i:]
    if not body:
        raise error_at(text, core[0].start, core[i - 1].end if i else core[0].end, "the objective is missing")
    raw.items = _read_list(text, body)
    if st_at is not None:
        after = _st_marker(text, core, st_at)
        # re-find the raw tokens (with \quad) after the marker
        rest_start = core[after].start if after < len(core) else None
        if rest_start is None:
            raise error_at(text, core[st_at].start, core[-1].end, "no constraint after 'subject to'")
        rest = [t for t in raw.tokens if t.start >= rest_start and (t.kind != "space" or t.text == r"\quad")]
        for part in _split_top(rest, seps=(",", r"\quad")):
            raw.constraints.append(_read_list(text, [t for t in part if t.kind != "space"]))
    return raw


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
        return scope.convert(node)
    except ParseError:
        raise error_at(scope.text, node.start, node.end, "cannot read this dimension") from None


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
                _declare(scope, names, "scalar", props=("integer",))
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


# ---------------------------------------------------------------------------- pass 3
class Builder:
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

    # ---- distributions
    def distribution(self, raw: Raw):
        if len(raw.lhs) != 1:
            raise self.scope.err(raw.lhs[1] if len(raw.lhs) > 1 else Node("x", start=raw.start, end=raw.start + 1),
                                 r"one variable before \sim")
        lhs = raw.lhs[0]
        rhs = raw.items[0]
        extra_def = None
        if rhs.kind == "rel" and rhs.value[0] == "colon":
            rhs, extra_def = rhs.args[0], rhs.args[1]
        notes = ()
        if rhs.kind == "mul" and rhs.args[1].kind == "note":
            notes = (rhs.args[1].value,)
            rhs = rhs.args[0]
        if rhs.kind != "dist":
            raise self.scope.err(rhs, "the right side of \\sim must be a named distribution",
                                 hint=r"e.g. \mathcal{N}(\mu, \sigma^2), \mathrm{Beta}(\alpha, \beta), \mathrm{Bernoulli}(\theta)")
        family = rhs.value
        index = None
        var_node = lhs
        if lhs.kind == "name" and lhs.value.subtext and len(lhs.value.subtext) == 1 and lhs.value.subtext.isalpha() \
                and lhs.value.subtext in "ijnkt":
            index = Symbol(lhs.value.subtext, integer=True)
            base = sympy.IndexedBase(lhs.value.stem, real=True)
            variable = base[index]
        else:
            variable = self.conv(var_node)
        params = tuple(self.conv(p) for p in rhs.args)
        given = tuple(self.conv(g) for g in raw.given)
        if family == "Normal" and is_matrix(variable):
            family = "MultivariateNormal"
        if family == "Normal" and lhs.kind == "name" and lhs.value.bold:
            family = "MultivariateNormal"
        if family == "MultivariateNormal" and is_matrix(variable) and len(params) == 2:
            r = variable.shape[0]
            mean, cov = params
            if is_matrix(mean):
                self.scope.dims.unify(mean.shape[0], r)
            if is_matrix(cov):
                self.scope.dims.unify(cov.shape[0], r)
                self.scope.dims.unify(cov.shape[1], r)
            params = tuple(self.scope.resolve(p) for p in params)
        st = Distribution(**self.where(raw.start, rhs.end), variable=variable, family=family, params=params,
                          given=given, index=index, index_range=None)
        st.notes = notes
        self.statements.append(st)
        if extra_def is not None:
            self.plain_item(extra_def)

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
        for nm_node in list(extra) + ([lhs] if lhs.kind == "name" else list(lhs.args)):
            if nm_node.kind == "name":
                objs.append(self.conv(nm_node))
        op = node.value[0]
        relation = None
        if op in (">", ">=", "<", "<=", "!="):
            rhs = self.conv(node.args[1])
            rels = [self.scope.relation(op, o, rhs, node) for o in objs]
            relation = rels[0] if len(rels) == 1 else sympy.And(*rels)
        elif op == "in":
            rhs = node.args[1]
            if rhs.kind == "set" or (rhs.kind == "mathbb" and rhs.value in ("N", "Z")):
                relation = None
        self.statements.append(Declaration(**self.where(node), names=tuple(n.ident for n in names), relation=relation))

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
                values[self.point_variable(a)] = self.conv(b)
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
                self.statements.append(Point(**pos, values={self.point_variable(lhs): value}))
            elif ident in self.scope.used_names and self._used_elsewhere(ident, item) or self.scope.data_context \
                    or isinstance(value, (sympy.Tuple, sympy.MatrixBase)):
                target = self.conv(lhs)
                self.statements.append(DataAssignment(**pos, target=target, value=value))
            else:
                target = self.conv(lhs)
                self.statements.append(Point(**pos, values={target: value}))
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
                    values[self.point_variable(lhs)] = self.conv(rhs)
            elif item.kind == "name":
                nm = item.value
                var = self.point_variable(item)
                values[var] = self.conv(item) if var is not None else None
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


# ---------------------------------------------------------------------------- driver
def parse_latex(text: str) -> Problem:
    clean = strip_comments(text)
    tokens = tokenize(clean)
    raws = [read_statement(clean, piece) for piece in split_statements(tokens)]
    raws = [r for r in raws if r.items or r.constraints or r.lhs]
    scope = Scope(clean)
    facts = survey(raws, scope)
    builder = Builder(clean, scope, facts)
    # definitions first so that claims and substitutions know their functions' arguments
    order = sorted(range(len(raws)), key=lambda i: 0 if _is_definition(raws[i], scope) else 1)
    for i in order:
        raw = raws[i]
        before = len(builder.statements)
        if raw.kind == "objective":
            builder.objective(raw)
        elif raw.kind == "constraint":
            for group in raw.constraints:
                for c in group:
                    builder.constraint(c)
        elif raw.kind == "dist":
            builder.distribution(raw)
        elif raw.kind == "about":
            builder.about(raw)
        else:
            builder.plain(raw)
        for st in builder.statements[before:]:
            st._order = i
    statements = sorted(builder.statements, key=lambda s: getattr(s, "_order", 0))
    return _finish(text, scope, statements)


def _is_definition(raw: Raw, scope: Scope) -> bool:
    if raw.kind == "objective":
        return True
    if raw.kind != "plain" or len(raw.items) != 1:
        return False
    item = raw.items[0]
    return item.kind == "rel" and item.value == ("=",) and item.args[0].kind == "apply" \
        and item.args[0].args[0].kind == "name" and not item.args[0].args[0].value.primes \
        and all(a.kind == "name" for a in item.args[0].args[1])


def _finish(text: str, scope: Scope, statements: list) -> Problem:
    # name the dimensions left open, vectors first (x in R^n), then matrices
    order = []
    for ident in scope.order:
        obj = scope.objects.get(ident)
        if isinstance(obj, MatrixSymbol) and obj.shape[1] == 1:
            order.append(scope.dims.find(obj.shape[0]))
    taken = {str(s) for s in scope.objects} | set(scope.standalone) | set(scope.index_bounds) | {
        str(s) for st in statements for s in _free(st)}
    final = scope.dims.finalise(order, taken)

    def fix(v):
        if v is None:
            return None
        if isinstance(v, dict):
            return {fix(k): fix(x) for k, x in v.items()}
        if isinstance(v, tuple):
            return tuple(fix(x) for x in v)
        try:
            return scope.dims.resolve(v).xreplace(final) if final else scope.dims.resolve(v)
        except AttributeError:
            return v

    for st in statements:
        for fld in ("expr", "rhs", "lhs", "relation", "target", "value", "variable", "params", "given",
                    "values", "variables", "variable_conditions", "args", "wrt", "lower", "upper", "index"):
            if hasattr(st, fld):
                setattr(st, fld, fix(getattr(st, fld)))
        if hasattr(st, "_lhs"):
            st._lhs = fix(st._lhs)
    symbols: dict[str, SymbolInfo] = {}
    for ident in scope.order:
        obj = fix(scope.objects[ident])
        inf = scope.info.get(ident)
        kind = inf.kind if inf and inf.kind else "scalar"
        if isinstance(obj, MatrixSymbol):
            kind = "vector" if obj.shape[1] == 1 else "matrix"
            shape = tuple(obj.shape)
        else:
            shape = ()
            if kind not in ("dimension", "index"):
                kind = "scalar"
        props = frozenset(inf.props) if inf else frozenset()
        symbols[ident] = SymbolInfo(name=ident, latex=(inf.latex if inf else ident) or ident, kind=kind,
                                    symbol=obj, shape=shape, properties=props,
                                    source=inf.source if inf and inf.source in ("declaration",) else "convention")
    dims = {}
    for info in list(symbols.values()):
        for d in info.shape:
            if isinstance(d, Symbol):
                dims[d.name] = d
    for ident, inf in scope.info.items():
        if inf.kind == "dimension" and ident not in dims:
            dims[ident] = scope.dimension_symbol(ident)
    for name, d in dims.items():
        if name not in symbols:
            symbols[name] = SymbolInfo(name=name, latex=name, kind="dimension", symbol=d,
                                       properties=frozenset({"integer", "positive"}))
    for st in statements:
        if isinstance(st, Definition) and st.name not in symbols:
            symbols[st.name] = SymbolInfo(name=st.name, latex=st.name, kind="function",
                                          symbol=sympy.Function(st.name), source="definition")
    return Problem(source=text, syntax="latex", symbols=symbols, statements=statements)


def _free(st):
    out = set()
    for fld in ("expr", "rhs", "relation"):
        v = getattr(st, fld, None)
        if v is not None and hasattr(v, "free_symbols"):
            try:
                out |= v.free_symbols
            except Exception:  # noqa: BLE001 - free_symbols on odd objects
                pass
    return out
