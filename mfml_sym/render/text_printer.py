"""One-line plain text of sympy objects in the book's notation, for terminals.

sympy's ``sstr`` is Python (``x**2*y``, ``X.T``), its 2-D pretty printer breaks the column layout
of a derivation. :func:`to_text` writes one readable line instead: ``x²·y + sin(x·y)``, ``Xᵀ(σ(Xw) − y)``,
``tr(Σ⁻¹)``, Greek names as letters, matrix elements 1-based like the LaTeX printer.
"""
from __future__ import annotations

from typing import Any

import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.matrices.expressions.matexpr import MatrixElement
from sympy.printing.precedence import PRECEDENCE, precedence
from sympy.printing.str import StrPrinter

from .latex_printer import GREEK, _split_name

__all__ = ["to_text", "MMLTextPrinter"]

_GREEK_LETTERS = dict(
    zip(
        "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi pi rho "
        "sigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega".split(),
        "αβγδϵεζηθϑικλμνξπρστυφϕχψωΓΔΘΛΞΠΣΥΦΨΩ",
    )
)
_SUPERSCRIPT = str.maketrans("0123456789-+n", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺ⁿ")
_SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _name(name: str) -> str:
    if "\\" in name or "{" in name:  # a name that is LaTeX already (\text{const}, \hat{\theta})
        from .derivation_text import latex_to_plain

        return latex_to_plain(name)
    base, sub = _split_name(name)
    base = _GREEK_LETTERS.get(base, base)
    if not sub:
        return base
    if sub.isdigit():
        return base + sub.translate(_SUBSCRIPT)
    return base + "_" + (_GREEK_LETTERS.get(sub, sub) if sub in GREEK else sub)


def _superscript(text: str) -> str | None:
    if all(ch in "0123456789-+n" for ch in text):
        return text.translate(_SUPERSCRIPT)
    return None


class MMLTextPrinter(StrPrinter):
    """StrPrinter with unicode exponents, ``·`` products, ``ᵀ``, Greek letters, 1-based elements."""

    def _print(self, expr: Any, **kwargs: Any) -> str:
        if isinstance(expr, sp.Indexed):  # Indexed has its own _sympystr, which wins otherwise
            return self._print_Indexed(expr)
        if isinstance(expr, MatrixElement) and expr.parent.shape == (1, 1) and not isinstance(expr.parent, sp.MatrixSymbol):
            return self._print(expr.parent)  # the scalar xᵀAx is the 1 x 1 product itself
        return super()._print(expr, **kwargs)

    def _print_Symbol(self, expr: Any) -> str:
        return _name(expr.name)

    _print_Dummy = _print_Symbol

    def _print_MatrixSymbol(self, expr: Any) -> str:
        return _name(expr.name)

    def _print_Pow(self, expr: Any, rational: bool = False) -> str:
        base, exp = expr.as_base_exp()
        if exp == sp.S.Half:
            return "√(%s)" % self._print(base)
        if exp == -sp.S.Half:
            return "1/√(%s)" % self._print(base)
        base_text = self.parenthesize(base, PRECEDENCE["Pow"], strict=True)
        if isinstance(base, (sp.Function,)) and not isinstance(base, AppliedUndef):
            base_text = "(%s)" % self._print(base) if not base_text.startswith("(") else base_text
        if exp.is_Integer or (exp.is_Symbol and len(exp.name) == 1 and exp.name == "n"):
            sup = _superscript(self._print(exp) if not exp.is_Symbol else "n")
            if sup is not None:
                return base_text + sup
        if exp.is_Rational and exp.q != 1 and exp.p == 1:
            return "%s^(1/%s)" % (base_text, exp.q)
        return "%s^%s" % (base_text, self.parenthesize(exp, PRECEDENCE["Pow"], strict=False))

    def _print_Mul(self, expr: Any) -> str:
        text = super()._print_Mul(expr)
        return text.replace("*", "·")

    def _print_MatMul(self, expr: Any) -> str:
        from .latex_printer import _flat_matmul

        flat = _flat_matmul(expr)
        coeff = sp.Mul(*[a for a in flat if not getattr(a, "is_Matrix", False)])
        factors = [a for a in flat if getattr(a, "is_Matrix", False)]
        parts = [self.parenthesize(f, precedence(expr), strict=False) for f in factors]
        # Xw, Xᵀ(σ(Xw) − y): juxtaposition, as in the book; a space after a subscript (x_n w)
        body = "".join(p if i == 0 or "_" not in parts[i - 1] else " " + p for i, p in enumerate(parts))
        if coeff == 1:
            return body
        if coeff == -1:
            return "-" + body
        from .latex_printer import _is_negative

        if _is_negative(coeff):
            return "-" + self.parenthesize(-coeff, PRECEDENCE["Mul"], strict=False) + "·" + body
        return self.parenthesize(coeff, PRECEDENCE["Mul"], strict=False) + "·" + body

    def _print_Add(self, expr: Any, order: Any = None) -> str:
        return self._signed_sum(self._as_ordered_terms(expr, order=order))

    def _print_MatAdd(self, expr: Any) -> str:
        return self._signed_sum(list(expr.args))

    def _signed_sum(self, terms: list) -> str:
        """``x - μ`` rather than ``-μ + x``: lead with the first positive term."""
        from .latex_printer import _is_negative, positive_first

        terms = positive_first(terms)
        out = ""
        for k, term in enumerate(terms):
            negative = _is_negative(term)
            if negative:
                term = -term
            text = self.parenthesize(term, PRECEDENCE["Add"], strict=False)
            out += ("-" if negative else "") + text if k == 0 else (" - " if negative else " + ") + text
        return out

    def _print_HadamardProduct(self, expr: Any) -> str:
        return " ⊙ ".join(self.parenthesize(a, PRECEDENCE["Mul"], strict=True) for a in expr.args)

    def _print_HadamardPower(self, expr: Any) -> str:
        # elementwise (Hadamard) power: x^(⊙2)
        return self._postfix(expr.base) + "^(⊙" + self._print(expr.exp) + ")"

    def _print_KroneckerProduct(self, expr: Any) -> str:
        return " ⊗ ".join(self.parenthesize(a, PRECEDENCE["Mul"], strict=True) for a in expr.args)

    def _postfix(self, m: Any) -> str:
        text = self._print(m)
        if isinstance(m, (sp.MatrixSymbol, sp.Identity)) or (isinstance(m, sp.MatrixSlice) and _data_row(m)):
            return text
        return "(%s)" % text

    def _print_Transpose(self, expr: Any) -> str:
        row = _data_row(expr.arg)
        if row is not None:
            return self._row_name(expr.arg, row)
        return self._postfix(expr.arg) + "ᵀ"

    def _row_name(self, m: Any, index: Any) -> str:
        base, _ = _split_name(m.parent.name)
        base = base[0].lower() + base[1:]
        return _GREEK_LETTERS.get(base, base) + "_" + self._print(index)

    def _print_MatrixSlice(self, expr: Any) -> str:
        row = _data_row(expr)
        if row is not None:
            return self._row_name(expr, row) + "ᵀ"
        return super()._print_MatrixSlice(expr)

    def _print_Inverse(self, expr: Any) -> str:
        return self._postfix(expr.arg) + "⁻¹"

    def _print_MatPow(self, expr: Any) -> str:
        sup = _superscript(self._print(expr.exp))
        return self._postfix(expr.base) + (sup if sup else "^" + self._print(expr.exp))

    def _print_Trace(self, expr: Any) -> str:
        return "tr(%s)" % self._print(expr.arg)

    def _print_Determinant(self, expr: Any) -> str:
        return "det(%s)" % self._print(expr.arg)

    def _print_Identity(self, expr: Any) -> str:
        return "I"

    def _print_ZeroMatrix(self, expr: Any) -> str:
        return "0"

    def _print_OneMatrix(self, expr: Any) -> str:
        rows, cols = expr.shape
        if rows == 1 and cols == 1:
            return "1"
        if cols == 1:
            return "1"
        if rows == 1:
            return "1ᵀ"
        return "1_(%s×%s)" % (self._print(rows), self._print(cols))

    def _print_DiagMatrix(self, expr: Any) -> str:
        return "diag(%s)" % self._print(expr.args[0])

    _print_DiagonalizeVector = _print_DiagonalMatrix = _print_DiagonalOf = _print_DiagMatrix

    def _print_ElementwiseApplyFunction(self, expr: Any) -> str:
        func, arg = expr.function, expr.expr
        variables = getattr(func, "variables", None)
        body = getattr(func, "expr", None)
        if variables and len(variables) == 1 and body is not None:
            from .latex_printer import _entrywise

            (u,) = variables
            if isinstance(body, sp.Function) and body.args == (u,):
                return "%s(%s)" % (_name(body.func.__name__), self._print(arg))
            try:
                return self._print(_entrywise(body, u, arg))
            except Exception:
                return "(%s ↦ %s)(%s)" % (self._print(u), self._print(body), self._print(arg))
        return "%s(%s)" % (getattr(func, "__name__", str(func)), self._print(arg))

    def _print_MatrixElement(self, expr: Any) -> str:
        parent = expr.parent
        if parent.shape == (1, 1) and not isinstance(parent, sp.MatrixSymbol):
            return self._print(parent)
        name = self._print(parent) if isinstance(parent, sp.MatrixSymbol) else "(%s)" % self._print(parent)
        if parent.shape[1] == 1:
            index = self._print(sp.expand(expr.i + 1))
        elif parent.shape[0] == 1:
            index = self._print(sp.expand(expr.j + 1))
        else:
            index = "%s,%s" % (self._print(sp.expand(expr.i + 1)), self._print(sp.expand(expr.j + 1)))
        return "%s_%s" % (name, index if len(index) == 1 else "{%s}" % index)

    def _print_Indexed(self, expr: Any) -> str:
        index = ",".join(self._print(i) for i in expr.indices)
        return "%s_%s" % (self._print(expr.base.label), index if len(index) == 1 else "{%s}" % index)

    _KNOWN = {"sigmoid": "σ", "gamma": "Γ", "beta": "B", "loggamma": "log Γ", "Heaviside": "H", "polygamma": "ψ"}

    def _print_Function(self, expr: Any) -> str:
        name = expr.func.__name__
        head = _name(name) if isinstance(expr, AppliedUndef) else self._KNOWN.get(name, name)
        return head + "(%s)" % self.stringify(expr.args, ", ")

    def _print_Heaviside(self, expr: Any) -> str:
        return "H(%s)" % self._print(expr.args[0])

    def _print_exp(self, expr: Any) -> str:
        arg = self._print(expr.args[0])
        sup = _superscript(arg)
        return "e" + sup if sup else "exp(%s)" % arg

    def _print_Abs(self, expr: Any) -> str:
        return "|%s|" % self._print(expr.args[0])

    def _print_Derivative(self, expr: Any) -> str:
        inner = expr.expr
        variables = expr.variable_count
        order = sum(n for _, n in variables)
        order_text = "" if order == 1 else (_superscript(str(order)) or "^%s" % order)
        den = "".join(
            "∂%s" % self._print(v) + ("" if n == 1 else (_superscript(str(n)) or "^%s" % n))
            for v, n in reversed(variables)
        )
        if isinstance(inner, AppliedUndef):
            return "∂%s%s/%s" % (order_text, _name(inner.func.__name__), den)
        if isinstance(inner, (sp.Symbol, sp.MatrixSymbol)):
            return "∂%s%s/%s" % (order_text, self._print(inner), den)
        return "∂%s/%s (%s)" % (order_text, den, self._print(inner))

    def _print_Sum(self, expr: Any) -> str:
        limits = ", ".join(
            "%s=%s..%s" % (self._print(i), self._print(a), self._print(b)) for i, a, b in expr.limits
        )
        return "Σ_{%s} %s" % (limits, self.parenthesize(expr.function, PRECEDENCE["Mul"], strict=True))

    def _print_Product(self, expr: Any) -> str:
        limits = ", ".join(
            "%s=%s..%s" % (self._print(i), self._print(a), self._print(b)) for i, a, b in expr.limits
        )
        return "∏_{%s} %s" % (limits, self.parenthesize(expr.function, PRECEDENCE["Mul"], strict=True))

    def _print_MatrixBase(self, expr: Any) -> str:
        if expr.cols == 1 and expr.rows > 1:
            return "[%s]ᵀ" % ", ".join(self._print(e) for e in expr)
        rows = ["[%s]" % ", ".join(self._print(e) for e in expr.row(i)) for i in range(expr.rows)]
        return "[%s]" % ", ".join(rows)

    _print_ImmutableMatrix = _print_ImmutableDenseMatrix = _print_MatrixBase
    _print_MutableDenseMatrix = _print_Matrix = _print_MatrixBase

    def _print_Relational(self, expr: Any) -> str:
        ops = {"==": "=", "<=": "≤", ">=": "≥", "!=": "≠"}
        return "%s %s %s" % (self._print(expr.lhs), ops.get(expr.rel_op, expr.rel_op), self._print(expr.rhs))

    def _print_Infinity(self, expr: Any) -> str:
        return "∞"

    def _print_NegativeInfinity(self, expr: Any) -> str:
        return "-∞"

    def _print_Pi(self, expr: Any) -> str:
        return "π"

    def _print_Exp1(self, expr: Any) -> str:
        return "e"


def _data_row(m: Any) -> Any:
    """The 1-based index n when ``m`` is one full row ``X[n-1, :]`` of a matrix symbol, else None."""
    if not isinstance(m, sp.MatrixSlice) or not isinstance(m.parent, sp.MatrixSymbol):
        return None
    (r0, r1, _), (c0, c1, cs) = m.rowslice, m.colslice
    if sp.simplify(r1 - r0) != 1 or c0 != 0 or sp.simplify(c1 - m.parent.shape[1]) != 0 or cs != 1:
        return None
    if _split_name(m.parent.name)[1]:
        return None
    return sp.expand(r0 + 1)


_PRINTER = MMLTextPrinter()


def to_text(expr: Any) -> str:
    """One line of readable text for ``expr`` (strings pass through).

    >>> import sympy as sp
    >>> x, y = sp.symbols("x y")
    >>> to_text(x**2 * y + sp.sin(x * y))
    'x²·y + sin(x·y)'
    """
    if isinstance(expr, str):
        return expr
    return _PRINTER.doprint(expr)
