"""LaTeX in the notation of *Mathematics for Machine Learning* (Deisenroth, Faisal, Ong).

sympy's own printer clashes with the book in ways a reader notices at once: ``X^{T}`` for the
transpose, ``\\left|{A}\\right|`` for the determinant, ``\\theta(x)`` for the Heaviside step,
``\\mathbb{I}`` for the identity, ``\\left[\\begin{matrix}`` for a column vector, and no bold
vectors. :func:`to_latex` prints what the book writes (MML §2, §5; notation table p. xi):

* ``MatrixSymbol`` with a lower-case name is a bold vector (``\\mathbf{x}``, Greek
  ``\\boldsymbol{\\mu}``), upper-case is a plain matrix (``X``, ``\\Sigma``); ``W_1`` -> ``W_{1}``.
* ``^\\top``, ``\\operatorname{tr}``, ``\\det``, ``\\log`` (natural), ``\\operatorname{diag}``,
  ``\\odot``, ``I``, ``\\mathbf{0}``, ``\\mathbf{1}``, ``\\begin{bmatrix}``, ``\\frac{\\partial f}{\\partial x}``.
* The n-th row of a data matrix ``X[n-1, :].T`` is ``\\mathbf{x}_{n}``; matrix elements are
  printed 1-based (``y[n-1, 0]`` -> ``y_{n}``), matching the 0-based indices the notation layer
  builds from the user's 1-based ones (see :mod:`mfml_sym.problem`).

Only constructs that render in KaTeX 0.16 (strict), MathJax 2 and 3, and compile with pdflatex and
amsmath/amssymb are emitted (no ``\\bm``, ``\\mbox``, ``\\label``); the test suite renders them.
"""
from __future__ import annotations

import re
from typing import Any

import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.printing.latex import LatexPrinter, accepted_latex_functions
from sympy.printing.precedence import PRECEDENCE

__all__ = ["MMLLatexPrinter", "to_latex", "display_latex", "symbol_name_latex", "GREEK"]

GREEK = {
    "alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta",
    "vartheta", "iota", "kappa", "lambda", "mu", "nu", "xi", "pi", "rho", "sigma", "tau",
    "upsilon", "phi", "varphi", "chi", "psi", "omega",
    "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi", "Psi", "Omega",
}
# sympy spells "lambda" as "lamda" in some places; both mean the Greek letter.
_ALIASES = {"lamda": "lambda", "Lamda": "Lambda"}

# Unicode Greek letters a user may type as a name -> macro name.
_UNICODE_GREEK = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "ζ": "zeta",
    "η": "eta", "θ": "theta", "ι": "iota", "κ": "kappa", "λ": "lambda", "μ": "mu", "ν": "nu",
    "ξ": "xi", "π": "pi", "ρ": "rho", "σ": "sigma", "τ": "tau", "υ": "upsilon", "φ": "phi",
    "χ": "chi", "ψ": "psi", "ω": "omega", "Γ": "Gamma", "Δ": "Delta", "Θ": "Theta",
    "Λ": "Lambda", "Ξ": "Xi", "Π": "Pi", "Σ": "Sigma", "Φ": "Phi", "Ψ": "Psi", "Ω": "Omega",
}

# Markers of tall material: an argument containing one gets \left( \right), others plain ( ).
_TALL = ("\\frac", "\\sum", "\\prod", "\\int", "\\begin", "\\left", "\\sqrt", "\\binom", "^{\\top}", "\\dfrac")


def _split_name(name: str) -> tuple[str, str]:
    """``"W_1"`` -> ``("W", "1")``, ``"mu_0"`` -> ``("mu", "0")``, ``"x"`` -> ``("x", "")``."""
    name = "".join(_UNICODE_GREEK.get(ch, ch) for ch in name)
    base, _, sub = name.partition("_")
    return _ALIASES.get(base, base), sub.strip("{}")


def _base_latex(base: str) -> str:
    if base in GREEK:
        return "\\" + base
    if len(base) == 1 or base.startswith("\\"):
        return base
    if re.fullmatch(r"[A-Za-z]+", base):
        return "\\mathrm{%s}" % base
    return base


def _sub_latex(sub: str) -> str:
    parts = [_base_latex(p) if p in GREEK else p for p in re.split(r"(?<=\w),(?=\w)", sub)]
    return ",".join(parts)


def symbol_name_latex(name: str, bold: bool = False) -> str:
    """LaTeX of a name as the notation layer stores it (``"mu_0"`` -> ``\\boldsymbol{\\mu}_{0}``)."""
    base, sub = _split_name(name)
    body = _base_latex(base)
    if bold:
        body = ("\\boldsymbol{%s}" if body.startswith("\\") and not body.startswith("\\mathrm") else "\\mathbf{%s}") % (
            body[len("\\mathrm{"):-1] if body.startswith("\\mathrm{") else body
        )
    return body + ("_{%s}" % _sub_latex(sub) if sub else "")


def _is_lower(base: str) -> bool:
    return base[:1].islower()


class MMLLatexPrinter(LatexPrinter):
    """A sympy ``LatexPrinter`` that prints the MML book's notation (see module docstring)."""

    def __init__(self, settings: dict | None = None) -> None:
        defaults = {"mat_delim": "[", "ln_notation": False}
        defaults.update(settings or {})
        super().__init__(defaults)

    # -- helpers ----------------------------------------------------------------------------
    def _paren(self, tex: str) -> str:
        """Brackets around a function argument: ``\\left( \\right)`` only for tall material."""
        if any(t in tex for t in _TALL):
            return "\\left(%s\\right)" % tex
        return "(%s)" % tex

    def _is_atom_matrix(self, m: Any) -> bool:
        return isinstance(m, (sp.MatrixSymbol, sp.Identity, sp.ZeroMatrix, sp.OneMatrix)) or (
            isinstance(m, sp.MatrixSlice) and self._data_row(m) is not None
        )

    def _postfix_base(self, m: Any) -> str:
        """The base of ``^\\top``/``^{-1}``: bare for a symbol, bracketed otherwise."""
        tex = self._print(m)
        if self._is_atom_matrix(m) and "^" not in tex:
            return tex
        if isinstance(m, sp.MatrixBase):
            return tex
        return "\\left(%s\\right)" % tex

    def _data_row(self, m: Any) -> str | None:
        """``X[n-1, :]`` (one full row) -> ``\\mathbf{x}_{n}`` (the n-th data point as a column)."""
        if not isinstance(m, sp.MatrixSlice) or not isinstance(m.parent, sp.MatrixSymbol):
            return None
        (r0, r1, rs), (c0, c1, cs) = m.rowslice, m.colslice
        if sp.simplify(r1 - r0) != 1 or c0 != 0 or sp.simplify(c1 - m.parent.shape[1]) != 0 or cs != 1:
            return None
        base, sub = _split_name(m.parent.name)
        if sub:
            return None
        index = self._print(sp.expand(r0 + 1))
        return symbol_name_latex(base.lower() if base not in GREEK else base[0].lower() + base[1:], bold=True) + "_{%s}" % index

    # -- symbols ----------------------------------------------------------------------------
    def _print_Symbol(self, expr: Any, style: str = "plain") -> str:
        name = expr.name
        if any(ch in _UNICODE_GREEK for ch in name):
            expr = sp.Symbol("".join(_UNICODE_GREEK.get(ch, ch) for ch in name))
        return super()._print_Symbol(expr, style=style)

    def _print_MatrixSymbol(self, expr: Any) -> str:
        base, _ = _split_name(expr.name)
        return symbol_name_latex(expr.name, bold=_is_lower(base))

    def _print_MatrixSlice(self, expr: Any) -> str:
        row = self._data_row(expr)
        if row is not None:
            return row + "^\\top"
        return super()._print_MatrixSlice(expr)

    def _print_MatrixElement(self, expr: Any) -> str:
        parent, i, j = expr.parent, expr.i, expr.j
        if parent.shape == (1, 1) and not isinstance(parent, sp.MatrixSymbol):
            return self._print(parent)  # the scalar x^T A x is the 1 x 1 product itself
        if isinstance(parent, sp.MatrixSymbol):
            base, sub = _split_name(parent.name)
            name = _base_latex(base)
            if sub:
                name = "\\left(%s_{%s}\\right)" % (name, _sub_latex(sub))
        else:
            name = "\\left(%s\\right)" % self._print(parent)
        cols = parent.shape[1]
        rows = parent.shape[0]
        if cols == 1:
            index = self._print(sp.expand(i + 1))
        elif rows == 1:
            index = self._print(sp.expand(j + 1))
        else:
            index = "%s,%s" % (self._print(sp.expand(i + 1)), self._print(sp.expand(j + 1)))
        return "%s_{%s}" % (name, index)

    def _print_Indexed(self, expr: Any) -> str:
        base = self._print(expr.base.label)
        index = ",".join(self._print(i) for i in expr.indices)
        if "_" in base:
            base = "\\left(%s\\right)" % base
        return "%s_{%s}" % (base, index)

    def _print_IndexedBase(self, expr: Any) -> str:
        return self._print(expr.label)

    # -- products: matrix multiplication is associative, so no inner brackets ------------------
    def _print_MatMul(self, expr: Any) -> str:
        factors = _flat_matmul(expr)
        coeff = sp.Mul(*[f for f in factors if not getattr(f, "is_Matrix", False)])
        matrices = [f for f in factors if getattr(f, "is_Matrix", False)]
        body = " ".join(self.parenthesize(m, PRECEDENCE["Mul"], strict=True) for m in matrices)
        if coeff == 1:
            return body
        if coeff == -1:
            return "- " + body
        if _is_negative(coeff):
            return "- " + self.parenthesize(-coeff, PRECEDENCE["Add"], strict=False) + " " + body
        return self.parenthesize(coeff, PRECEDENCE["Add"], strict=False) + " " + body

    # -- sums: a positive term first, as people write them ----------------------------------
    def _print_Add(self, expr: Any, order: Any = None) -> str:
        return self._signed_sum(self._as_ordered_terms(expr, order=order))

    def _print_MatAdd(self, expr: Any) -> str:
        return self._signed_sum(list(expr.args))

    def _signed_sum(self, terms: list) -> str:
        """``x - \\mu`` rather than sympy's ``- \\mu + x``: lead with the first positive term."""
        terms = positive_first(terms)
        tex = ""
        for k, term in enumerate(terms):
            if k == 0:
                if _is_negative(term):
                    tex = "- "
                    term = -term
            elif _is_negative(term):
                tex += " - "
                term = -term
            else:
                tex += " + "
            term_tex = self._print(term)
            if self._needs_add_brackets(term):
                term_tex = "\\left(%s\\right)" % term_tex
            tex += term_tex
        return tex

    # -- matrix operations ------------------------------------------------------------------
    def _print_Transpose(self, expr: Any) -> str:
        row = self._data_row(expr.arg)
        if row is not None:
            return row
        return self._postfix_base(expr.arg) + "^\\top"

    def _print_Adjoint(self, expr: Any) -> str:
        return self._postfix_base(expr.arg) + "^{*}"

    def _print_Inverse(self, expr: Any) -> str:
        return self._postfix_base(expr.arg) + "^{-1}"

    def _print_MatPow(self, expr: Any) -> str:
        base, exp = expr.base, expr.exp
        return self._postfix_base(base) + "^{%s}" % self._print(exp)

    def _print_Trace(self, expr: Any) -> str:
        return "\\operatorname{tr}" + self._paren(self._print(expr.arg))

    def _print_Determinant(self, expr: Any) -> str:
        return "\\det" + self._paren(self._print(expr.arg))

    def _print_Identity(self, expr: Any) -> str:
        return "I"

    def _print_ZeroMatrix(self, expr: Any) -> str:
        return "\\mathbf{0}"

    def _print_OneMatrix(self, expr: Any) -> str:
        # sympy folds the transpose into the shape: OneMatrix(n, 1).T is OneMatrix(1, n)
        rows, cols = expr.shape
        if rows == 1 and cols == 1:
            return "1"
        if cols == 1:
            return "\\mathbf{1}"
        if rows == 1:
            return "\\mathbf{1}^\\top"
        return "\\mathbf{1}_{%s \\times %s}" % (self._print(rows), self._print(cols))

    def _print_HadamardProduct(self, expr: Any) -> str:
        return " \\odot ".join(self.parenthesize(a, PRECEDENCE["Mul"], strict=True) for a in expr.args)

    def _print_HadamardPower(self, expr: Any) -> str:
        return self._postfix_base(expr.base) + "^{\\odot %s}" % self._print(expr.exp)

    def _print_KroneckerProduct(self, expr: Any) -> str:
        return " \\otimes ".join(self.parenthesize(a, PRECEDENCE["Mul"], strict=True) for a in expr.args)

    def _print_DiagMatrix(self, expr: Any) -> str:
        return "\\operatorname{diag}" + self._paren(self._print(expr.args[0]))

    _print_DiagonalizeVector = _print_DiagMatrix

    _print_DiagonalMatrix = _print_DiagonalOf = _print_DiagMatrix

    def _print_ElementwiseApplyFunction(self, expr: Any) -> str:
        """``σ`` applied entrywise to ``Xw`` prints as ``\\sigma(X\\mathbf{w})``.

        A compound body such as ``u (1 - u)`` is rewritten in matrix algebra first
        (products -> ``\\odot``, constants -> multiples of ``\\mathbf{1}``) so it reads as what
        it is: ``\\sigma(X\\mathbf{w}) \\odot (\\mathbf{1} - \\sigma(X\\mathbf{w}))``.
        """
        func, arg = expr.function, expr.expr
        variables = getattr(func, "variables", None)
        body = getattr(func, "expr", None)
        if variables and len(variables) == 1 and body is not None:
            (u,) = variables
            if isinstance(body, sp.exp) and body.args == (u,):
                return "\\exp" + self._paren(self._print(arg))
            if isinstance(body, sp.Function) and body.args == (u,):
                return self._function_head(body) + self._paren(self._print(arg))
            try:
                return self._print(_entrywise(body, u, arg))
            except Exception:  # a body we cannot rewrite: the mapsto form is still exact
                pass
            return "\\left(%s \\mapsto %s\\right)%s" % (
                self._print(u), self._print(body), self._paren(self._print(arg)))
        if isinstance(func, sp.FunctionClass):
            return self._hprint_Function(func.__name__) + self._paren(self._print(arg))
        return super()._print_ElementwiseApplyFunction(expr)

    def _print_MatrixBase(self, expr: Any) -> str:
        rows = [" & ".join(self._print(entry) for entry in expr.row(i)) for i in range(expr.rows)]
        return "\\begin{bmatrix}" + " \\\\ ".join(rows) + "\\end{bmatrix}"

    _print_ImmutableMatrix = _print_ImmutableDenseMatrix = _print_MatrixBase
    _print_Matrix = _print_MutableDenseMatrix = _print_MatrixBase

    # -- functions --------------------------------------------------------------------------
    def _function_head(self, expr: Any) -> str:
        name = expr.func.__name__
        base, sub = _split_name(name)
        if base in GREEK:
            return "\\" + base + ("_{%s}" % _sub_latex(sub) if sub else "")
        if name in accepted_latex_functions:
            return "\\" + name
        return self._hprint_Function(name)

    def _print_Function(self, expr: Any, exp: Any = None) -> str:
        func = expr.func.__name__
        if hasattr(self, "_print_" + func) and not isinstance(expr, AppliedUndef):
            return getattr(self, "_print_" + func)(expr, exp)
        if func.startswith("a") and func[1:] in ("sin", "cos", "tan", "sinh", "cosh", "tanh", "csc", "sec", "cot"):
            return super()._print_Function(expr, exp)
        head = self._function_head(expr)
        args = ", ".join(self._print(a) for a in expr.args)
        if exp is not None and isinstance(expr, AppliedUndef):
            # \sigma^{2}(x) would read as sigma^2 times x: a power of a user function goes outside
            return "%s%s^{%s}" % (head, self._paren(args), exp)
        if exp is not None:
            head = "%s^{%s}" % (head, exp)
        return head + self._paren(args)

    def _print_log(self, expr: Any, exp: Any = None) -> str:
        tex = "\\log" + self._paren(self._print(expr.args[0]))
        return tex if exp is None else "%s^{%s}" % (tex, exp)  # (log x)^2, never log^2 x

    def _print_loggamma(self, expr: Any, exp: Any = None) -> str:
        head = "\\log\\Gamma"
        tex = head + self._paren(self._print(expr.args[0]))
        return tex if exp is None else "\\left(%s\\right)^{%s}" % (tex, exp)

    def _print_Heaviside(self, expr: Any, exp: Any = None) -> str:
        tex = "H" + self._paren(self._print(expr.args[0]))
        return tex if exp is None else "%s^{%s}" % (tex, exp)

    def _print_sign(self, expr: Any, exp: Any = None) -> str:
        tex = "\\operatorname{sign}" + self._paren(self._print(expr.args[0]))
        return tex if exp is None else "%s^{%s}" % (tex, exp)

    def _print_Abs(self, expr: Any, exp: Any = None) -> str:
        tex = "\\left|%s\\right|" % self._print(expr.args[0])
        return tex if exp is None else "%s^{%s}" % (tex, exp)

    # -- derivatives ------------------------------------------------------------------------
    def _print_Derivative(self, expr: Any) -> str:
        """``\\frac{\\partial f}{\\partial x}``; ``\\frac{d f}{d x}`` for one variable (MML §5.1–5.2)."""
        inner = expr.expr
        variables = expr.variable_count
        single = len(variables) == 1 and len(inner.free_symbols) <= 1 and not isinstance(
            inner, sp.MatrixExpr
        ) and not any(isinstance(v, sp.MatrixExpr) for v, _ in variables)
        d = "\\mathrm{d}" if single else "\\partial"
        order = sum(int(n) if n.is_Integer else 0 for _, n in variables) if all(
            n.is_Integer for _, n in variables
        ) else None
        denominator = " ".join(
            "%s %s" % (d, self._print(v)) if n == 1 else "%s %s^{%s}" % (d, self.parenthesize_super(self._print(v)), self._print(n))
            for v, n in reversed(variables)
        )
        top = d if order == 1 else "%s^{%s}" % (d, self._print(order if order is not None else sum(n for _, n in variables)))
        if isinstance(inner, AppliedUndef):
            return "\\frac{%s %s}{%s}" % (top, self._function_head(inner), denominator)
        if isinstance(inner, (sp.Symbol, sp.MatrixSymbol)):
            return "\\frac{%s %s}{%s}" % (top, self._print(inner), denominator)
        body = self._print(inner)
        if not (isinstance(inner, sp.Function) or (isinstance(inner, sp.Pow) and inner.base.is_Symbol)):
            body = "\\left(%s\\right)" % body
        return "\\frac{%s}{%s} %s" % (top, denominator, body)

    def _print_Subs(self, expr: Any) -> str:
        inner, old, new = expr.args
        pairs = ", ".join("%s = %s" % (self._print(o), self._print(n)) for o, n in zip(old, new))
        return "\\left. %s \\right|_{%s}" % (self._print(inner), pairs)


def _flat_matmul(expr: Any) -> list:
    out: list = []
    for arg in expr.args:
        out.extend(_flat_matmul(arg) if isinstance(arg, sp.MatMul) else [arg])
    return out


def positive_first(terms: list) -> list:
    """The terms of a sum with the first positive one moved to the front (``x - μ``, not ``-μ + x``)."""
    lead = next((k for k, t in enumerate(terms) if not _is_negative(t)), 0)
    return [terms[lead]] + terms[:lead] + terms[lead + 1:]


def _is_negative(term: Any) -> bool:
    try:
        return bool(term.could_extract_minus_sign())
    except Exception:
        return False


def _entrywise(body: Any, u: Any, arg: Any) -> Any:
    """The entrywise function ``body(u)`` applied to matrix ``arg``, as a matrix expression."""
    from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

    if body == u:
        return arg
    if not body.has(u):
        return body * sp.OneMatrix(*arg.shape)
    if isinstance(body, sp.Add):
        return sp.MatAdd(*[_entrywise(t, u, arg) for t in body.args])
    if isinstance(body, sp.Mul):
        scalar = sp.Mul(*[f for f in body.args if not f.has(u)])
        factors = [_entrywise(f, u, arg) for f in body.args if f.has(u)]
        product = factors[0] if len(factors) == 1 else sp.HadamardProduct(*factors)
        return product if scalar == 1 else sp.MatMul(scalar, product)
    if isinstance(body, sp.Pow) and not body.exp.has(u):
        return sp.HadamardPower(_entrywise(body.base, u, arg), body.exp)
    if isinstance(body, sp.Function) and len(body.args) == 1:
        return ElementwiseApplyFunction(sp.Lambda(u, body.func(u)), _entrywise(body.args[0], u, arg))
    raise ValueError("not rewritable")


_PRINTER_CACHE: dict[tuple, MMLLatexPrinter] = {}


def to_latex(expr: Any, **settings: Any) -> str:
    """LaTeX of ``expr`` in the MML book's notation.

    Strings are taken as LaTeX already and returned unchanged.

    >>> import sympy as sp
    >>> X, w = sp.MatrixSymbol("X", 3, 3), sp.MatrixSymbol("w", 3, 1)
    >>> to_latex(X.T * w)
    'X^\\\\top \\\\mathbf{w}'
    >>> to_latex(sp.Determinant(X))
    '\\\\det(X)'
    """
    if isinstance(expr, str):
        return expr
    key = tuple(sorted(settings.items()))
    printer = _PRINTER_CACHE.get(key)
    if printer is None:
        printer = _PRINTER_CACHE[key] = MMLLatexPrinter(settings)
    return printer.doprint(expr)


def display_latex(expr: Any) -> str:
    """The ``text/latex`` payload for one sympy object, in the book's notation.

    For IPython's formatter, so that ``d["gradient"]`` shown in a cell reads like the derivation
    (``\\begin{bmatrix}``, ``^\\top``) rather than sympy's ``\\left[\\begin{matrix}``:
    ``ip.display_formatter.formatters["text/latex"].for_type(sympy.Basic, display_latex)``.
    """
    return "$\\displaystyle " + to_latex(expr) + "$"
