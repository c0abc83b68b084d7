r"""The notation front end: a cell of maths (LaTeX in the MML book's notation, or sympy syntax)
-> a typed :class:`~mfml_sym.problem.Problem`.

>>> from mfml_sym.notation import parse, parse_expression
>>> p = parse(r"f(x, y) = x^2 y + \sin(x y)")
>>> p.definitions[0].expr
x**2*y + sin(x*y)
>>> parse_expression(r"\frac{1}{1 + e^{-x}}")
1/(1 + exp(-x))

Pipeline (one module per arrow):

* :mod:`.lexer` -- lark tokenizer (grammar built once, on first use); :mod:`.splitting` -- the
  cell cut into statements (new lines, ``;``, ``\\``, ``,\ ``, ``\qquad``, ``\text{for}``);
* :mod:`.reader` + :mod:`.commands` -- recursive-descent syntax tree (tables in
  :mod:`.latex_tables`, words in :mod:`.vocabulary`);
* :mod:`.reading` (pass 1: objectives, s.t., points, ``\sim``), :mod:`.survey` (pass 2: what the
  cell declares), :mod:`.builder` (pass 3: classification), driven by :mod:`.statements`;
* :mod:`.semantics` + :mod:`.semantic_functions` + :mod:`.semantic_calculus` -- trees to sympy
  with the declarations; :mod:`.shapes` infers dimensions; :mod:`.distributions` densities.
  The representation of vectors, matrices, elementwise functions, 1 x 1 products and data sums
  is listed in :mod:`.semantics`' docstring.

Sympy-syntax cells go through :mod:`.sympy_syntax` (sympy's parser, restricted namespace, no
builtins, no attribute access). Every failure is an :class:`~mfml_sym.errors.MfmlError` with
the line and a caret.
"""
from __future__ import annotations

from ..errors import MfmlError, ParseError

__all__ = ["parse", "parse_expression", "statement_value"]


def parse(text: str, syntax: str = "auto"):
    """Read a cell into a :class:`~mfml_sym.problem.Problem`.

    ``syntax`` is "latex", "sympy" or "auto" (sympy syntax when the cell has no backslash and
    uses ``**`` or multi-letter names such as ``sin(x)``).
    """
    if not isinstance(text, str):
        raise ParseError(f"expected the cell's text as a string, got {type(text).__name__}")
    if syntax not in ("auto", "latex", "sympy"):
        from ..errors import OptionError

        raise OptionError(f"unknown syntax {syntax!r}; use 'latex', 'sympy' or 'auto'")
    if not text.strip():
        raise ParseError("the cell is empty", hint=r"write a definition such as f(x) = x^2")
    from ..budget import time_budget
    from .sympy_syntax import looks_like_sympy, parse_sympy

    # reading never hangs: a pasted factorial(10**7) or a huge explicit matrix stops here
    with time_budget(READ_SECONDS, step="reading the cell"):
        if syntax == "sympy" or (syntax == "auto" and looks_like_sympy(text)):
            return _safely(parse_sympy, text)
        from .statements import parse_latex

        return _safely(parse_latex, text)


READ_SECONDS = 10.0


def _safely(reader, text: str):
    try:
        return reader(text)
    except MfmlError:
        raise
    except RecursionError:
        raise ParseError("the input is nested too deeply to read") from None
    except Exception as exc:  # noqa: BLE001 - never let a raw exception reach the user
        raise ParseError(f"cannot read this input ({type(exc).__name__}: {exc})") from None


def statement_value(st):
    """The sympy object a statement stands for (what ``parse_expression`` returns)."""
    import sympy

    from ..problem import (
        Claim, Constraint, DataAssignment, Declaration, Definition, Distribution, ExpressionStatement,
        IndexRange, Objective, Point, Substitution,
    )

    if isinstance(st, ExpressionStatement):
        return st.expr
    if isinstance(st, Definition):
        lhs = getattr(st, "_lhs", None)
        if lhs is None:
            lhs = sympy.Function(st.name)(*st.args)
        return sympy.Eq(lhs, st.expr, evaluate=False)
    if isinstance(st, Claim):
        if st.what == "proportional":
            raise _unsupported(st, "a proportionality has no single sympy value; use parse() to read it")
        return sympy.Eq(st.lhs, st.rhs, evaluate=False)
    if isinstance(st, (Substitution,)):
        return sympy.Eq(st.target, st.expr, evaluate=False)
    if isinstance(st, DataAssignment):
        return st.value if st.target is None else sympy.Eq(st.target, st.value, evaluate=False)
    if isinstance(st, Constraint):
        return st.relation
    if isinstance(st, Declaration):
        if st.relation is not None:
            return st.relation
        return sympy.Tuple(*[sympy.Symbol(n) for n in st.names])
    if isinstance(st, Point):
        return sympy.Tuple(*[sympy.Eq(k, v, evaluate=False) for k, v in st.values.items()])
    if isinstance(st, IndexRange):
        return sympy.Tuple(st.index, st.lower, st.upper)
    if isinstance(st, Objective):
        return st.expr
    if isinstance(st, Distribution):
        from .distributions import distribution_object

        def err(node, message, hint=None, cls=ParseError):
            return cls(message, line=st.text, column=0, width=len(st.text), lineno=st.line)

        return distribution_object(st.family, list(st.params), err, None)
    raise ParseError(f"cannot give a value for this statement: {st.text}")


def _unsupported(st, message):
    from ..errors import UnsupportedError

    return UnsupportedError(message, line=st.text, column=0, width=max(1, len(st.text)), lineno=st.line)


def parse_expression(text: str, syntax: str = "auto"):
    """The sympy object of the cell's last line; earlier lines are declarations.

    A definition ``f(x) = ...`` gives ``Eq(f(x), ...)``, a claim ``Eq(lhs, rhs)``, a
    declaration ``\\mathbf{A} \\in \\mathbb{R}^{m \\times n}`` the declared symbol.
    """
    problem = parse(text, syntax)
    if not problem.statements:
        raise ParseError("nothing to read in this cell")
    last = problem.statements[-1]
    from ..problem import Declaration

    if isinstance(last, Declaration) and last.relation is None:
        infos = [problem.symbols.get(n) for n in last.names]
        if infos and all(i is not None for i in infos):
            import sympy

            return infos[0].symbol if len(infos) == 1 else sympy.Tuple(*[i.symbol for i in infos])
    return statement_value(last)
