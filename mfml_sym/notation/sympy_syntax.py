"""Cells written in sympy/Python syntax (``f = x**2*y + sin(x*y)``), read safely.

The text goes through sympy's own expression parser with a restricted namespace: no Python
builtins, only sympy's mathematical names, and input that tries attribute access (``.``
followed by a name), dunder names, lambdas, imports or string literals is refused before
parsing. LaTeX input never reaches this module.
"""
from __future__ import annotations

import re

import sympy

from ..errors import ParseError
from ..problem import (
    Claim, Constraint, Declaration, Definition, ExpressionStatement, Problem, SymbolInfo, Substitution,
)

__all__ = ["parse_sympy", "looks_like_sympy"]

_SAFE_FUNCTIONS = (
    "sin cos tan cot sec csc sinh cosh tanh asin acos atan atan2 exp log sqrt Abs sign erf gamma "
    "loggamma beta binomial factorial Max Min pi E oo Rational Integer Matrix Piecewise floor ceiling "
    "Sum Product Derivative Integral diff Function Symbol Eq Ne Lt Le Gt Ge"
).split()
_FORBIDDEN = re.compile(r"__|\blambda\b|\bimport\b|\bexec\b|\beval\b|\bopen\b|\bglobals\b|\blocals\b|['\"`]|\.\s*[A-Za-z_]")
_SYMPY_HINT = re.compile(r"\*\*|\b(sin|cos|tan|exp|log|sqrt|tanh|sinh|cosh|Abs|alpha|beta|theta|lambda_|sigma|mu)\s*\(|\b[A-Za-z]{2,}\b")


def looks_like_sympy(text: str) -> bool:
    """True for a cell with no LaTeX command or brace and Python-style ``**`` or function calls
    (``sin(x)``) or multi-letter Greek names (``alpha*x``); ``2xy`` stays LaTeX."""
    body = re.sub(r"%.*|#.*", "", text)
    if "\\" in body or "{" in body:
        return False
    if "**" in body:
        return True
    if re.search(r"\b(sin|cos|tan|exp|log|ln|sqrt|tanh|sinh|cosh|Abs|atan|asin|acos|erf|gamma|Max|Min)\s*\(", body):
        return True
    return bool(re.search(r"\b(alpha|beta|gamma|delta|epsilon|theta|lambda_|lam|sigma|mu|nu|rho|tau|phi|omega|kappa|eta)\b", body))


def _namespace():
    ns = {"__builtins__": {}}
    for name in _SAFE_FUNCTIONS:
        ns[name] = getattr(sympy, name)
    ns["ln"] = sympy.log
    return ns


def _error(text: str, lineno: int, message: str, column: int = 0, width: int = 1, hint=None):
    line = text.split("\n")[lineno - 1]
    return ParseError(message, line=line, column=column, width=width, hint=hint, lineno=lineno)


def _expr(src: str, text: str, lineno: int, offset: int, local: dict):
    from sympy.parsing.sympy_parser import (
        convert_xor, implicit_multiplication_application, parse_expr, standard_transformations,
    )

    bad = _FORBIDDEN.search(src)
    if bad:
        raise _error(text, lineno, f"{bad.group(0)!r} is not allowed in sympy syntax", offset + bad.start(),
                     len(bad.group(0)), hint="write mathematics only: names, numbers, + - * / ** and functions")
    if re.search(r"\d\.\d", src) is None and "." in src:
        pos = src.index(".")
        raise _error(text, lineno, "'.' is not allowed here", offset + pos)
    try:
        expr = parse_expr(src, local_dict=local, global_dict=_namespace(),
                          transformations=standard_transformations + (convert_xor,), evaluate=True)
    except SyntaxError as exc:
        col = (exc.offset or 1) - 1
        raise _error(text, lineno, "cannot read this sympy expression", offset + max(0, min(col, len(src) - 1)),
                     hint="check brackets and operators (use * for products and ** for powers)") from None
    except Exception as exc:  # noqa: BLE001 - sympy's parser raises many kinds
        raise _error(text, lineno, f"cannot read this sympy expression ({type(exc).__name__})", offset) from None
    if not isinstance(expr, (sympy.Basic, int, float)):
        raise _error(text, lineno, "this is not a mathematical expression", offset)
    return sympy.sympify(expr)


def parse_sympy(text: str) -> Problem:
    statements, symbols = [], {}
    local: dict = {}
    defined = {}

    def sym(name):
        if name not in local:
            local[name] = sympy.Symbol(name, real=True)
        return local[name]

    lines = text.split("\n")
    for lineno, line in enumerate(lines, 1):
        code = re.sub(r"#.*|%.*", "", line)
        if not code.strip():
            continue
        for part_match in re.finditer(r"[^;]+", code):
            part = part_match.group(0)
            if not part.strip():
                continue
            offset = part_match.start() + (len(part) - len(part.lstrip()))
            src = part.strip()
            for name in set(re.findall(r"(?<![A-Za-z_0-9])([A-Za-z_][A-Za-z_0-9]*)(?![A-Za-z_0-9]*\s*\()", src)):
                if name not in ("pi", "E", "oo", "I") and not name.startswith("_"):
                    sym(name)
            info = dict(line=lineno, text=line.strip(), span=(offset, offset + len(src)))
            rel = re.search(r"(<=|>=|==|!=|(?<![<>=!])=(?!=)|<|>)", src)
            if rel is None:
                statements.append(ExpressionStatement(**info, expr=_expr(src, text, lineno, offset, local)))
                continue
            op = rel.group(1)
            lhs_src, rhs_src = src[:rel.start()].strip(), src[rel.end():].strip()
            rhs_off = offset + rel.end() + (len(src[rel.end():]) - len(src[rel.end():].lstrip()))
            if op == "=":
                m = re.fullmatch(r"([A-Za-z_][A-Za-z_0-9]*)\s*(\(\s*([A-Za-z_0-9,\s]*)\))?", lhs_src)
                if m:
                    name = m.group(1)
                    rhs = _expr(rhs_src, text, lineno, rhs_off, local)
                    if m.group(2):
                        args = tuple(sym(a.strip()) for a in m.group(3).split(",") if a.strip())
                    else:
                        args = tuple(sorted(rhs.free_symbols, key=lambda s: src.find(str(s))))
                    if name in defined:
                        statements.append(Claim(**info, what="value", function=name, lhs=defined[name], rhs=rhs))
                        continue
                    target = sympy.Function(name)(*args) if m.group(2) else sympy.Symbol(name, real=True)
                    if not m.group(2) and any(name == str(s) for st in statements if isinstance(st, Definition) for s in st.expr.free_symbols):
                        statements.append(Substitution(**info, target=sym(name), expr=rhs))
                        continue
                    st = Definition(**info, name=name, args=args, expr=rhs)
                    st._lhs = target
                    st._written_args = bool(m.group(2))
                    defined[name] = target
                    statements.append(st)
                    local.pop(name, None) if m.group(2) else None
                    continue
                lhs = _expr(lhs_src, text, lineno, offset, local)
                rhs = _expr(rhs_src, text, lineno, rhs_off, local)
                statements.append(ExpressionStatement(**info, expr=sympy.Eq(lhs, rhs, evaluate=False)))
                continue
            lhs = _expr(lhs_src, text, lineno, offset, local)
            rhs = _expr(rhs_src, text, lineno, rhs_off, local)
            cls = {"<=": sympy.Le, ">=": sympy.Ge, "<": sympy.Lt, ">": sympy.Gt, "==": sympy.Eq, "!=": sympy.Ne}[op]
            relation = cls(lhs, rhs, evaluate=False)
            if isinstance(lhs, sympy.Symbol) and rhs.is_number:
                statements.append(Declaration(**info, names=(str(lhs),), relation=relation))
            else:
                statements.append(Constraint(**info, relation=relation))
    # x > 0 written in the cell: the symbol is positive everywhere (one name, one symbol)
    assume = {}
    for st in statements:
        if isinstance(st, Declaration) and isinstance(st.relation, (sympy.StrictGreaterThan, sympy.GreaterThan)) \
                and st.relation.rhs == 0 and isinstance(st.relation.lhs, sympy.Symbol):
            kind = "positive" if isinstance(st.relation, sympy.StrictGreaterThan) else "nonnegative"
            assume[st.relation.lhs] = sympy.Symbol(st.relation.lhs.name, real=True, **{kind: True})
    if assume:
        def fix(v):
            if isinstance(v, sympy.Rel):
                return type(v)(fix(v.lhs), fix(v.rhs), evaluate=False)
            return v.xreplace(assume) if isinstance(v, sympy.Basic) else (
                tuple(fix(x) for x in v) if isinstance(v, tuple) else v)
        for st in statements:
            for fld in ("expr", "args", "relation", "lhs", "rhs", "target"):
                if hasattr(st, fld):
                    setattr(st, fld, fix(getattr(st, fld)))
            if hasattr(st, "_lhs"):
                st._lhs = fix(st._lhs)
        for old_sym, new_sym in assume.items():
            local[old_sym.name] = new_sym
    for name, s in local.items():
        if isinstance(s, sympy.Symbol):
            props = frozenset({"positive"} if s.is_positive else {"nonnegative"} if s.is_nonnegative else set())
            symbols[name] = SymbolInfo(name=name, latex=name, kind="scalar", symbol=s, properties=props,
                                       source="declaration" if props else "convention")
    for st in statements:
        if isinstance(st, Definition):
            symbols[st.name] = SymbolInfo(name=st.name, latex=st.name, kind="function",
                                          symbol=sympy.Function(st.name), source="definition")
    return Problem(source=text, syntax="sympy", symbols=symbols, statements=statements)
