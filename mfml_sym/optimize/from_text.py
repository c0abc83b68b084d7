"""A parsed cell (:class:`mfml_sym.problem.Problem`) -> an :class:`OptimisationProblem` over scalars.

The notation layer keeps the user's vectors and matrices (``\\mathbf{w}^\\top S \\mathbf{w}``,
``\\sum_{i=1}^{3} p_i \\log p_i``, ``\\mathbf{x} \\ge 0``). For a concrete dimension the engine
works on components: a vector variable ``w`` in R^2 becomes ``w1, w2``; a vector or matrix given
as data (``S = [[2, 1], [1, 2]]``, ``\\alpha = (1/4, 1/2, 3/2)``) is substituted; a parameter
vector ``a`` becomes ``a1, ..., an``; sums with numeric bounds are expanded. A constraint indexed
by the data (``y_n(\\mathbf{w}^\\top\\mathbf{x}_n + b) \\ge 1`` with pairs ``((x_n), y_n)``) is
written out once per data point. Relations between vectors hold entrywise.
"""
from __future__ import annotations

from typing import Any

import sympy as sp

from ..errors import UnsupportedError
from .model import OptimisationProblem, build_problem

__all__ = ["problem_from_statements"]


def _components(sym, n: int, positive: bool = False) -> sp.Matrix:
    kw = {"positive": True} if positive else {"real": True}
    return sp.Matrix([sp.Symbol(f"{sym.name}{i + 1}", **kw) for i in range(n)])


def _as_matrix(value) -> sp.Matrix:
    if isinstance(value, sp.MatrixBase):
        return sp.Matrix(value)
    if isinstance(value, (tuple, list, sp.Tuple)):
        if value and isinstance(value[0], (tuple, list, sp.Tuple)):
            return sp.Matrix([list(r) for r in value])
        return sp.Matrix([sp.sympify(v) for v in value])
    return sp.Matrix([[sp.sympify(value)]])


def _dimension(sym, fallback: int | None) -> int | None:
    n = sym.shape[0]
    if getattr(n, "is_Integer", False):
        return int(n)
    return fallback


def _explicit(expr, repl: dict) -> Any:
    """Expand sums, substitute matrices, evaluate matrix products; 1x1 matrices -> scalars."""
    if isinstance(expr, bool) or expr is None:
        return expr
    e = sp.sympify(expr)
    e = e.replace(lambda a: isinstance(a, sp.Sum), lambda a: a.doit())
    e = e.xreplace(repl)
    e = _doit_matrix(e)
    if isinstance(e, sp.MatrixBase) and e.shape == (1, 1):
        e = e[0, 0]
    return e


def _doit_matrix(e):
    if isinstance(e, sp.Rel):
        return e.func(_doit_matrix(e.lhs), _doit_matrix(e.rhs), evaluate=False)
    if isinstance(e, (sp.And, sp.Or)):
        return e.func(*[_doit_matrix(a) for a in e.args])
    try:
        out = e.doit()
    except (TypeError, ValueError, sp.ShapeError) as exc:
        raise UnsupportedError(f"cannot write {e} out in components ({exc})") from exc
    if isinstance(out, sp.MatrixExpr) and not isinstance(out, sp.MatrixBase):
        try:
            out = out.as_explicit()
        except (TypeError, ValueError, AttributeError):
            pass
    return out


def _split_relations(rel) -> list:
    """And(...) -> its parts; vector relations -> entrywise scalar relations."""
    if isinstance(rel, sp.And):
        return [r for a in rel.args for r in _split_relations(a)]
    if isinstance(rel, sp.Rel):
        lhs, rhs = rel.lhs, rel.rhs
        if isinstance(lhs, sp.MatrixBase) or isinstance(rhs, sp.MatrixBase):
            if isinstance(lhs, sp.MatrixBase) and lhs.shape == (1, 1):
                lhs = lhs[0, 0]
            if isinstance(rhs, sp.MatrixBase) and rhs.shape == (1, 1):
                rhs = rhs[0, 0]
            if isinstance(lhs, sp.MatrixBase) or isinstance(rhs, sp.MatrixBase):
                L = lhs if isinstance(lhs, sp.MatrixBase) else None
                R = rhs if isinstance(rhs, sp.MatrixBase) else None
                n = len(L) if L is not None else len(R)
                Ls = list(L) if L is not None else [lhs] * n
                Rs = list(R) if R is not None else [rhs] * n
                return [rel.func(a, b) for a, b in zip(Ls, Rs)]
        return [rel.func(lhs, rhs)]
    return [rel]


def problem_from_statements(parsed, sense: str | None = None) -> OptimisationProblem:
    """An :class:`OptimisationProblem` from a parsed cell (see the module docstring)."""
    obj = parsed.objective
    if obj is None:
        raise UnsupportedError("%%lagrange needs an objective such as \\min_{x,y} f(x, y)")
    pairs = None
    repl: dict = {}
    for d in parsed.data:
        if d.target is None:
            pairs = d.value
        elif isinstance(d.target, sp.MatrixSymbol):
            repl[d.target] = sp.ImmutableMatrix(_as_matrix(d.value).reshape(*[int(s) for s in d.target.shape])
                                                if all(getattr(s, "is_Integer", False) for s in d.target.shape)
                                                else _as_matrix(d.value))
        else:
            repl[d.target] = sp.sympify(d.value)
    for df in parsed.definitions:
        if not df.args and df.name in parsed.symbols:
            repl[parsed.symbols[df.name].symbol] = df.expr
    data_dim = None
    if pairs:
        first = pairs[0][0] if isinstance(pairs[0], (tuple, list, sp.Tuple)) else None
        data_dim = len(first) if isinstance(first, (tuple, list, sp.Tuple)) else None
    variables: list = []
    positive_vec = set()
    for cond in obj.variable_conditions or ():
        for r in _split_relations(cond):
            if isinstance(r, sp.StrictGreaterThan) and r.rhs == 0 and isinstance(r.lhs, sp.MatrixSymbol):
                positive_vec.add(r.lhs)
    domains: dict = {}
    for v in obj.variables:
        if isinstance(v, sp.Symbol) and (v.is_positive or v.is_nonnegative):
            real = sp.Symbol(v.name, real=True)  # x > 0 under the operator: an open domain, not an assumption
            repl[v] = real
            variables.append(real)
            domains[real] = "positive" if v.is_positive else "nonnegative"
        elif isinstance(v, sp.MatrixSymbol):
            n = _dimension(v, data_dim)
            if n is None:
                raise UnsupportedError(
                    f"the vector variable {v} has a symbolic dimension {v.shape[0]}; give a concrete size "
                    "(\\mathbf{x} \\in \\mathbb{R}^3) or write the components")
            comps = _components(v, n)
            repl[v] = sp.ImmutableMatrix(comps)
            variables.extend(comps)
        else:
            variables.append(v)
    # parameter vectors (not variables, not data): components are parameters
    exprs = [obj.expr] + [c.relation for c in parsed.constraints]
    for e in exprs:
        for m in sp.sympify(e).atoms(sp.MatrixSymbol) if hasattr(e, "atoms") else ():
            if m in repl or m.name.endswith("_n"):
                continue
            n = _dimension(m, data_dim or (len(variables) if m.shape[1] == 1 else None))
            if n is None or not (m.shape[1] == 1 or getattr(m.shape[1], "is_Integer", False)):
                raise UnsupportedError(f"{m} has a symbolic size; give its entries or a concrete dimension")
            if m.shape[1] == 1:
                repl[m] = sp.ImmutableMatrix(_components(m, n))
            else:
                raise UnsupportedError(f"the matrix {m} is not given; write its entries (e.g. {m.name} = [[...]])")
    equalities, inequalities = [], []
    conditions = []

    def add(rel, from_operator: bool = False):
        for r in _split_relations(_explicit(rel, repl)):
            if r is True or r == sp.true:
                continue
            if r is False or r == sp.false:
                raise UnsupportedError(f"the constraint {rel} can never hold")
            free = r.free_symbols
            if not (free & set(variables)):
                conditions.append(r)  # a condition on parameters only (a != 0, s > 0)
                continue
            if isinstance(r, sp.Unequality):
                raise UnsupportedError(f"a constraint {r} (not equal) is not supported")
            if isinstance(r, sp.Equality):
                equalities.append(r.lhs - r.rhs)
            elif isinstance(r, (sp.StrictGreaterThan, sp.StrictLessThan)):
                big, small = (r.lhs, r.rhs) if isinstance(r, sp.StrictGreaterThan) else (r.rhs, r.lhs)
                if big in variables and small == 0:
                    domains[big] = "positive"
                else:
                    inequalities.append(small - big)  # its closure
            elif isinstance(r, sp.GreaterThan):
                inequalities.append(r.rhs - r.lhs)
            elif isinstance(r, sp.LessThan):
                inequalities.append(r.lhs - r.rhs)
            else:
                raise UnsupportedError(f"cannot use {r} as a constraint")

    for cond in obj.variable_conditions or ():
        add(cond, from_operator=True)
    for c in parsed.constraints:
        rel = c.relation
        indexed = [s for s in rel.free_symbols | set(getattr(rel, "atoms", lambda *a: set())(sp.MatrixSymbol))
                   if getattr(s, "name", "").endswith("_n")]
        if indexed and pairs:
            for point, label in pairs:
                sub = {}
                for s in indexed:
                    if isinstance(s, sp.MatrixSymbol):
                        sub[s] = sp.ImmutableMatrix(_as_matrix(point))
                    else:
                        sub[s] = sp.sympify(label)
                add(rel.xreplace(sub))
            continue
        add(rel)
    for d in parsed.declarations:
        rel = d.relation
        if rel is None:
            continue
        if isinstance(rel, sp.Unequality) and isinstance(rel.lhs, sp.MatrixSymbol) and rel.lhs in repl:
            vec = repl[rel.lhs]
            conditions.append(sp.Gt(sum(e**2 for e in vec), 0))  # a != 0 for a vector
            continue
        try:
            for r in _split_relations(_explicit(rel, repl)):
                if isinstance(r, sp.Rel) and not (r.free_symbols & set(variables)):
                    conditions.append(r)
        except UnsupportedError:
            continue
    expr = _explicit(obj.expr, repl)
    if isinstance(expr, sp.MatrixBase):
        raise UnsupportedError("the objective must be a scalar")
    params = _parameters(expr, equalities + inequalities, variables, conditions)
    sub_params = {p: q for p, q in params.items() if p is not q}
    if sub_params:
        expr = expr.xreplace(sub_params)
        equalities = [e.xreplace(sub_params) for e in equalities]
        inequalities = [g.xreplace(sub_params) for g in inequalities]
        conditions = [c.xreplace(sub_params) for c in conditions]
    conditions = [c for c in conditions if not _implied(c)]
    # a parameter that enters only through its square (semi-axes a, b, c of an ellipsoid) is taken
    # positive without loss of generality; the result's note says so
    even = {}
    for p in list(dict.fromkeys(params.values())):
        if p.is_positive or p.is_negative or any(c.has(p) for c in conditions):
            continue
        q = sp.Dummy("q", positive=True)
        items = [expr] + equalities + inequalities
        if all(sp.expand(e.xreplace({p: -p}) - e) == 0 for e in items):
            even[p] = sp.Symbol(p.name, positive=True)
    if even:
        expr = expr.xreplace(even)
        equalities = [e.xreplace(even) for e in equalities]
        inequalities = [g.xreplace(even) for g in inequalities]
        params = {k: even.get(v, v) for k, v in params.items()}
    problem = build_problem(sense or obj.sense, expr, variables, equalities, inequalities,
                         list(dict.fromkeys(params.values())), domains, conditions)
    problem.notes = [f"{p} enters only as {p}**2: taken {p} > 0 without loss of generality (read |{p}| otherwise)"
                     for p in even]
    return problem


def _parameters(expr, constraints, variables, conditions) -> dict:
    """Parameters -> the same symbols with the assumptions their declarations give (s > 0)."""
    used = set(sp.sympify(expr).free_symbols)
    for c in constraints:
        used |= c.free_symbols
    params = sorted(used - set(variables), key=str)
    out = {}
    for p in params:
        kw = {"real": True}
        for c in conditions:
            if isinstance(c, sp.StrictGreaterThan) and c.lhs == p and c.rhs == 0:
                kw = {"positive": True}
            elif isinstance(c, sp.StrictLessThan) and c.lhs == p and c.rhs == 0:
                kw = {"negative": True}
            elif isinstance(c, sp.Unequality) and c.lhs == p and c.rhs == 0:
                kw = {"real": True, "nonzero": True}
        if p.is_positive or p.is_negative:
            out[p] = p
        else:
            out[p] = sp.Symbol(p.name, **kw)
    return out


def _implied(cond) -> bool:
    """A parameter condition that its symbols' assumptions already give (s > 0 for positive s)."""
    try:
        return bool(cond) is True
    except TypeError:
        return False
