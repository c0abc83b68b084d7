"""A :class:`~mfml_sym.derivation.Derivation` as one ``aligned`` block of LaTeX.

One ``\\begin{aligned} ... \\end{aligned}`` is the form that renders in JupyterLab (MathJax 3),
VS Code (KaTeX 0.16) and classic notebook / Colab (MathJax 2), and pastes into a LaTeX document
inside ``\\[ \\]`` or ``equation*`` (see issue 2, item 3). Each line is
``lhs &= rhs && \\text{rule}``; headings, notes and warnings are ``&\\text{...}`` lines; the numeric
check is the last line, with ``\\checkmark`` when it passed and ``\\text{FAILED}`` when it did not.

Plain text (rules, notes, the check summary) goes through :func:`text_to_latex`, which keeps
``\\text{}`` free of backslash escapes and unicode: characters that are special in TeX or are
mathematical symbols (σ, ⊙, ≈, ², ...) are set in math mode between ``\\text{}`` runs, because
MathJax without its ``textmacros`` package prints ``\\_`` inside ``\\text{}`` literally, and
KaTeX's strict mode rejects unicode it does not know.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Any

from .latex_printer import to_latex

__all__ = ["derivation_to_latex", "text_to_latex", "value_to_latex", "relation_to_latex", "check_lines"]

# Characters set in math mode when they occur in plain text.
_MATH_CHARS = {
    "_": "\\_", "%": "\\%", "&": "\\&", "#": "\\#", "{": "\\{", "}": "\\}", "\\": "\\backslash",
    "^": "{}^{\\wedge}", "~": "\\sim", "<": "<", ">": ">", "|": "|",
    "α": "\\alpha", "β": "\\beta", "γ": "\\gamma", "δ": "\\delta", "ε": "\\varepsilon", "ϵ": "\\epsilon",
    "ζ": "\\zeta", "η": "\\eta", "θ": "\\theta", "ι": "\\iota", "κ": "\\kappa", "λ": "\\lambda",
    "μ": "\\mu", "ν": "\\nu", "ξ": "\\xi", "π": "\\pi", "ρ": "\\rho", "σ": "\\sigma", "τ": "\\tau",
    "υ": "\\upsilon", "φ": "\\phi", "ϕ": "\\phi", "χ": "\\chi", "ψ": "\\psi", "ω": "\\omega",
    "Γ": "\\Gamma", "Δ": "\\Delta", "Θ": "\\Theta", "Λ": "\\Lambda", "Ξ": "\\Xi", "Π": "\\Pi",
    "Σ": "\\Sigma", "Φ": "\\Phi", "Ψ": "\\Psi", "Ω": "\\Omega",
    "⊙": "\\odot", "⊗": "\\otimes", "≈": "\\approx", "∝": "\\propto", "∈": "\\in", "∉": "\\notin",
    "ℝ": "\\mathbb{R}", "ℕ": "\\mathbb{N}", "ℤ": "\\mathbb{Z}", "·": "\\cdot", "×": "\\times",
    "∞": "\\infty", "≤": "\\le", "≥": "\\ge", "≠": "\\neq", "∂": "\\partial", "∇": "\\nabla",
    "√": "\\surd", "→": "\\to", "←": "\\leftarrow", "⇒": "\\Rightarrow", "⇔": "\\Leftrightarrow",
    "↦": "\\mapsto", "±": "\\pm", "∓": "\\mp", "−": "-", "…": "\\dots", "⋯": "\\cdots",
    "∑": "\\sum", "∏": "\\prod", "∫": "\\int", "′": "'", "⊤": "\\top", "ᵀ": "^{\\top}",
    "≻": "\\succ", "⪰": "\\succeq", "≺": "\\prec", "⪯": "\\preceq", "∀": "\\forall", "∃": "\\exists",
    "∅": "\\emptyset", "∩": "\\cap", "∪": "\\cup", "⊂": "\\subset", "⊆": "\\subseteq",
    "✓": "\\checkmark", "✗": "\\times", "𝓛": "\\mathcal{L}", "ℒ": "\\mathcal{L}", "ℓ": "\\ell",
    "𝒩": "\\mathcal{N}", "⟨": "\\langle", "⟩": "\\rangle", "‖": "\\|", "∥": "\\|", "≡": "\\equiv",
    "∼": "\\sim", "∘": "\\circ", "⋅": "\\cdot", "∣": "\\mid", "½": "\\tfrac{1}{2}",
    "⁰": "^{0}", "¹": "^{1}", "²": "^{2}", "³": "^{3}", "⁴": "^{4}", "⁵": "^{5}", "⁶": "^{6}",
    "⁷": "^{7}", "⁸": "^{8}", "⁹": "^{9}", "⁻": "^{-}", "ⁿ": "^{n}", "₀": "_{0}", "₁": "_{1}",
    "₂": "_{2}", "₃": "_{3}", "₄": "_{4}", "₅": "_{5}", "₆": "_{6}", "₇": "_{7}", "₈": "_{8}",
    "₉": "_{9}", "ₙ": "_{n}", "ᵢ": "_{i}",
}
# Punctuation that has a plain-text equivalent.
_TEXT_CHARS = {"—": "-", "–": "-", "‘": "'", "’": "'", "“": "''", "”": "''", "\u00a0": " ", "\t": " ", "\n": " ", "\"": "''", "`": "'"}

_RELATIONS = {
    "=": "=", "==": "=", "<": "<", ">": ">", "<=": "\\le", ">=": "\\ge", "!=": "\\neq",
    "≤": "\\le", "≥": "\\ge", "≠": "\\neq", "≈": "\\approx", "~=": "\\approx", "∝": "\\propto",
    "propto": "\\propto", "⇒": "\\Rightarrow", "=>": "\\Rightarrow", "⇔": "\\Leftrightarrow",
    "<=>": "\\Leftrightarrow", "~": "\\sim", "∼": "\\sim", "->": "\\to", "→": "\\to", ":=": "\\coloneqq",
    "≡": "\\equiv", "∈": "\\in", "≻": "\\succ", "⪰": "\\succeq",
}


def relation_to_latex(relation: str) -> str:
    """``"<="`` -> ``\\le``, ``"∝"`` -> ``\\propto``; LaTeX relations pass through unchanged."""
    relation = (relation or "=").strip()
    out = _RELATIONS.get(relation, relation)
    if out == "\\coloneqq":  # needs mathtools in LaTeX; spell it with amsmath only
        return ":="
    return out


def _math_for_char(ch: str) -> str | None:
    if ch in _MATH_CHARS:
        return _MATH_CHARS[ch]
    return None


def _plain_char(ch: str) -> str:
    if ch in _TEXT_CHARS:
        return _TEXT_CHARS[ch]
    if ord(ch) < 128:
        return ch
    ascii_form = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode()
    return ascii_form or "?"


def text_to_latex(text: str) -> str:
    """Plain text as math-mode LaTeX: ``\\text{}`` runs with symbols set in math between them.

    ``$...$`` segments are LaTeX already and are kept as math (``"chain rule: $\\sigma'(u)$"``).

    >>> text_to_latex("d softplus(u) = σ(u) ⊙ du")
    '\\\\text{d softplus(u) = }\\\\sigma\\\\text{(u) }\\\\odot\\\\text{ du}'
    >>> text_to_latex("rel_err 5%")
    '\\\\text{rel}\\\\_\\\\text{err 5}\\\\%'
    """
    out: list[str] = []
    buffer: list[str] = []

    def flush() -> None:
        if buffer:
            out.append("\\text{%s}" % "".join(buffer))
            buffer.clear()

    parts = re.split(r"(?<!\\)\$(.+?)(?<!\\)\$", str(text))
    for k, part in enumerate(parts):
        if k % 2 == 1:  # a $...$ segment: LaTeX as is
            flush()
            out.append("{%s}" % part)
            continue
        for ch in part:
            math = _math_for_char(ch)
            if math is not None:
                flush()
                out.append(math)
            else:
                buffer.append(_plain_char(ch))
    flush()
    return "".join(out) or "\\text{}"


def value_to_latex(value: Any) -> str:
    """LaTeX of a result value: sympy objects, LaTeX strings, numbers, sequences, objects with ``latex()``."""
    if isinstance(value, str):
        return value
    if value is None:
        return "\\text{none}"
    if isinstance(value, bool):
        return "\\text{%s}" % ("yes" if value else "no")
    latex_method = getattr(value, "latex", None)
    if callable(latex_method) and not _is_sympy(value):
        try:
            tex = latex_method()
            if isinstance(tex, str):
                return tex
        except Exception:
            pass
    if isinstance(value, (list, tuple)):
        inner = ", ".join(value_to_latex(v) for v in value)
        return "\\left(%s\\right)" % inner if isinstance(value, tuple) else "\\left[%s\\right]" % inner
    if isinstance(value, dict):
        return "\\left\\{%s\\right\\}" % ", ".join(
            "%s = %s" % (value_to_latex(k), value_to_latex(v)) for k, v in value.items()
        )
    if isinstance(value, set):
        return "\\left\\{%s\\right\\}" % ", ".join(value_to_latex(v) for v in value)
    if _is_sympy(value) or isinstance(value, (int, float, complex)):
        return to_latex(value)
    try:
        import numpy as np

        if isinstance(value, np.ndarray):
            import sympy as sp

            return to_latex(sp.Matrix(value) if value.ndim == 2 else sp.Matrix(value.reshape(-1)))
        if isinstance(value, np.generic):
            return to_latex(value.item())
    except Exception:
        pass
    return text_to_latex(str(value))


def _is_sympy(value: Any) -> bool:
    try:
        from sympy import Basic, MatrixBase
    except ImportError:  # pragma: no cover
        return False
    return isinstance(value, (Basic, MatrixBase))


def _label(name: str, labels: dict[str, str]) -> str:
    label = labels.get(name)
    if label is not None:
        return label
    return text_to_latex(name.replace("_", " "))


def check_lines(report: Any) -> list[str]:
    """The check as ``&\\text{...}`` lines: ``\\checkmark`` when passed, ``\\text{FAILED}`` otherwise."""
    method = getattr(report, "method", "")
    if not report.passed and not report.points and method.startswith("no numeric check"):
        return ["&" + text_to_latex("not checked numerically: " + method)]
    summary = report.summary()
    if report.passed:
        return ["&" + text_to_latex(summary) + "\\ \\checkmark"]
    lines = ["&\\times\\ " + text_to_latex(summary)]
    details = [d for d in getattr(report, "details", []) if "FAILED" in d]
    lines += ["&\\qquad " + text_to_latex(d) for d in details]
    return lines


def _run_check(d: Any) -> list[str]:
    try:
        report = d.check()
    except Exception as exc:  # a checker that crashes must not hide the derivation, nor pass
        return ["&\\times\\ " + text_to_latex(f"numeric check FAILED to run: {type(exc).__name__}: {exc}")]
    return check_lines(report)


def derivation_to_latex(d: Any, steps: bool = True, check: bool = True) -> str:
    """One ``\\begin{aligned} ... \\end{aligned}`` block for derivation ``d``.

    ``steps=False`` keeps only the results, notes, warnings and the check.
    """
    from ..derivation import Heading, Step

    lines: list[str] = []
    if steps:
        for item in d.steps:
            if isinstance(item, Heading):
                lines.append("&" + text_to_latex(item.title))
            elif isinstance(item, Step):
                rel = relation_to_latex(item.relation)
                lhs = "" if item.lhs is None else value_to_latex(item.lhs) + " "
                line = "%s&%s %s" % (lhs, rel, value_to_latex(item.rhs))
                if item.rule:
                    line += " && " + text_to_latex(item.rule)
                lines.append(line)
    for name, value in d.results.items():
        if name.startswith("_"):
            continue
        lines.append("%s &= %s" % (_label(name, d.labels), value_to_latex(value)))
    for note in d.notes:
        lines.append("&" + text_to_latex(note))
    for warning in d.warnings:
        lines.append("&" + text_to_latex("warning: " + warning))
    if check:
        lines.extend(_run_check(d))
    if not lines:
        lines.append("&\\text{(nothing derived)}")
    return "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}"
