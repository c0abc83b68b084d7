r"""A LaTeX cell -> typed :class:`~mfml_sym.problem.Problem`.

Three passes: (1) cut the cell into statements and read each into a syntax tree, recognising
objectives (``\max_{x,y}``), constraints after ``\text{s.t.}``, ``\text{about}`` points and
``\sim`` statements by their leading or separating words; (2) survey every tree for what the
cell declares (kinds, shapes, assumptions, functions, dimensions); (3) convert each tree to
sympy in that light and classify it (definition, claim, substitution, point, ...)."""
from __future__ import annotations


import sympy
from sympy import MatrixSymbol, Symbol

from ..errors import ParseError
from ..problem import Definition, Distribution, IndexRange, Problem, SymbolInfo
from .lexer import tokenize
from .semantics import Scope
from .splitting import split_statements, strip_comments
from .builder import Builder
from .reading import Raw, read_statement
from .survey import survey

__all__ = ["parse_latex"]


# ---------------------------------------------------------------------------- driver
def parse_latex(text: str) -> Problem:
    clean = strip_comments(text)
    tokens = tokenize(clean)
    raws = [read_statement(clean, piece) for piece in split_statements(tokens, clean)]
    raws = [r for r in raws if r.items or r.constraints or r.lhs]
    if not raws:
        raise ParseError("the cell is empty (only comments or spacing)", hint=r"write a definition such as f(x) = x^2")
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
    # x_i \sim ...,\ i = 1, \dots, N: the range belongs to the i.i.d. statement too
    ranges = {st.index: (st.lower, st.upper) for st in statements if isinstance(st, IndexRange)}
    for st in statements:
        if isinstance(st, Distribution) and st.index is not None and st.index in ranges:
            st.index_range = ranges[st.index]
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
