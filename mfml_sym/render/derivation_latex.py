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

__all__ = ["derivation_to_latex", "text_to_latex", "value_to_latex", "relation_to_latex", "check_lines",
           "mathjax2_safe", "MATHJAX2_SAFE_LENGTH"]

# MathJax 2 (classic notebook, Colab) expands "Macro" commands (\mathbf, \mathrm, \mathbb, \ , \neq, ...)
# by string substitution and refuses when the rest of the formula is longer than 5 KB
# ("MathJax internal buffer size exceeded"). Blocks longer than this use the equivalent
# non-macro forms ({\bf x}, {\rm d}, \;, \not=), which render the same everywhere.
MATHJAX2_SAFE_LENGTH = 4000

# Characters set in math mode when they occur in plain text.
_MATH_CHARS = {
    "$": "\\$", "_": "\\_", "%": "\\%", "&": "\\&", "#": "\\#", "{": "\\{", "}": "\\}", "\\": "\\backslash",
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
    "∑": "\\sum", "∏": "\\prod", "∫": "\\int", "′": "'", "⊤": "\\top",
    "≻": "\\succ", "⪰": "\\succeq", "≺": "\\prec", "⪯": "\\preceq", "∀": "\\forall", "∃": "\\exists",
    "∅": "\\emptyset", "∩": "\\cap", "∪": "\\cup", "⊂": "\\subset", "⊆": "\\subseteq",
    "✓": "\\checkmark", "✗": "\\times", "𝓛": "\\mathcal{L}", "ℒ": "\\mathcal{L}", "ℓ": "\\ell",
    "𝒩": "\\mathcal{N}", "⟨": "\\langle", "⟩": "\\rangle", "‖": "\\|", "∥": "\\|", "≡": "\\equiv",
    "∼": "\\sim", "∘": "\\circ", "⋅": "\\cdot", "∣": "\\mid", "½": "\\tfrac{1}{2}",
    
    
    
    
}
_SUPERSCRIPTS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺ⁿᵀ", ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "-", "+", "n", "\\top "]))
_SUBSCRIPTS = dict(zip("₀₁₂₃₄₅₆₇₈₉ₙᵢ", "0123456789ni"))
# Punctuation that has a plain-text equivalent.
_TEXT_CHARS = {"—": "-", "–": "-", "‘": "'", "’": "'", "“": "''", "”": "''", "\u00a0": " ", "\t": " ", "\n": " ", "\"": "''", "`": "'"}

_RELATIONS = {
    "=": "=", "==": "=", "<": "<", ">": ">", "<=": "\\le", ">=": "\\ge", "!=": "\\neq",
    "≤": "\\le", "≥": "\\ge", "≠": "\\neq", "≈": "\\approx", "~=": "\\approx", "∝": "\\propto",
    "propto": "\\propto", "⇒": "\\Rightarrow", "=>": "\\Rightarrow", "⇔": "\\Leftrightarrow",
    "<=>": "\\Leftrightarrow", "~": "\\sim", "∼": "\\sim", "->": "\\to", "→": "\\to", ":=": "\\coloneqq",
    "≡": "\\equiv", "∈": "\\in", "≻": "\\succ", "⪰": "\\succeq",
}


# LaTeX characters of an equation beyond which rules no longer get their own column
WIDE_LINE = 140

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
    >>> text_to_latex("x_n in R^D")
    'x_{n}\\\\text{ in R}^{D}'
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
        k = 0
        while k < len(part):
            ch = part[k]
            if ch in "^_":
                script, end = _script(part, k + 1)
                single = ch == "_" and len(buffer) >= 1 and buffer[-1].isalpha() and (
                    len(buffer) == 1 or not buffer[-2].isalnum())
                if script is not None and ch == "^":  # R^D, e^{-x}: a real superscript
                    flush()
                    out.append("%s^{%s}" % ("" if out else "{}", script))
                    k = end
                    continue
                if script is not None and single:  # x_n, y_{n}: a subscript on a one-letter name
                    letter = buffer.pop()
                    flush()
                    out.append("%s_{%s}" % (letter, script))
                    k = end
                    continue
            for marks, sign in ((_SUPERSCRIPTS, "^"), (_SUBSCRIPTS, "_")):
                if ch in marks:  # X⁻¹, x₁₂: one script group for the whole run
                    end = k
                    while end < len(part) and part[end] in marks:
                        end += 1
                    flush()
                    out.append("%s%s{%s}" % ("" if out else "{}", sign, "".join(marks[c] for c in part[k:end])))
                    k = end
                    break
            else:
                math = _math_for_char(ch)
                if math is not None:
                    flush()
                    out.append(math)
                else:
                    buffer.append(_plain_char(ch))
                k += 1
    flush()
    return _join(out) or "\\text{}"


def _join(items: list[str]) -> str:
    """Concatenate, with a space where a control word would otherwise swallow a letter."""
    text = ""
    for item in items:
        if re.search(r"\\[A-Za-z]+$", text) and item[:1].isalpha():
            text += " "
        text += item
    return text


def _script(text: str, start: int) -> tuple[str | None, int]:
    """The super/subscript after ``^``/``_`` at ``start``: ``{...}`` or a run of letters/digits."""
    if start < len(text) and text[start] == "{":
        close = text.find("}", start)
        if close > start + 1 and "{" not in text[start + 1:close]:
            inner = text[start + 1:close]
            return (inner if re.fullmatch(r"[A-Za-z0-9+\-]+", inner) else text_to_latex(inner)), close + 1
        return None, start
    match = re.match(r"-?[A-Za-z0-9]+", text[start:])
    if match:
        return match.group(0), start + match.end()
    return None, start


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
        rendered = [
            (item, ("" if item.lhs is None else value_to_latex(item.lhs) + " "), value_to_latex(item.rhs))
            for item in d.steps if isinstance(item, Step)
        ]
        # Rules go in their own aligned column, unless one line is so wide (a Hessian, a long
        # posterior) that the column would push every rule off the page: then each rule sits
        # right after its own equation.
        widest = max((len(lhs) + len(rhs) for _, lhs, rhs in rendered), default=0)
        separator = " && " if widest <= WIDE_LINE else r" \qquad "
        by_step = {id(item): (lhs, rhs) for item, lhs, rhs in rendered}
        for item in d.steps:
            if isinstance(item, Heading):
                lines.append("&" + text_to_latex(item.title))
            elif isinstance(item, Step):
                rel = relation_to_latex(item.relation)
                lhs, rhs = by_step[id(item)]
                line = "%s&%s %s" % (lhs, rel, rhs)
                if item.rule:
                    line += separator + text_to_latex(item.rule)
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
    tex = "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}"
    return mathjax2_safe(tex) if len(tex) > MATHJAX2_SAFE_LENGTH else tex


_FONT_SWITCH = {"mathbf": "bf", "mathrm": "rm", "mathit": "it", "mathsf": "sf", "mathtt": "tt",
                "mathcal": "cal", "mathscr": "cal", "mathbb": "bf"}
_TEXT_FONTS = ("textrm", "textbf", "textit", "textsf", "texttt")
_MACRO_WORDS = {"neq": "\\not=", "ne": "\\not=", "implies": "\\;\\Longrightarrow\\;",
                "impliedby": "\\;\\Longleftarrow\\;", "iff": "\\;\\Longleftrightarrow\\;"}


def mathjax2_safe(tex: str) -> str:
    """``tex`` without MathJax 2 "Macro" commands (see :data:`MATHJAX2_SAFE_LENGTH`): same output.

    >>> mathjax2_safe(r"\\mathbf{x}^\\top \\mathrm{d}\\mathbf{w} \\neq 0\\ \\checkmark \\\\ a")
    '{\\\\bf x}^\\\\top {\\\\rm d}{\\\\bf w} \\\\not= 0\\\\;\\\\checkmark \\\\\\\\ a'
    """
    out: list[str] = []
    i = 0
    while i < len(tex):
        if tex[i] != "\\":
            out.append(tex[i])
            i += 1
            continue
        if tex.startswith("\\\\", i):  # a row separator (or an escaped backslash): keep as is
            out.append("\\\\")
            i += 2
            continue
        if tex.startswith("\\ ", i):  # control space: a Macro in MathJax 2
            out.append("\\;")
            i += 2
            continue
        match = re.match(r"\\([A-Za-z]+)", tex[i:])
        if not match:
            out.append(tex[i:i + 2])
            i += 2
            continue
        name, end = match.group(1), i + match.end()
        if name in _FONT_SWITCH or name in _TEXT_FONTS:
            arg, after = _argument(tex, end)
            if arg is not None:
                if name in _TEXT_FONTS:
                    out.append("\\text{%s}" % arg)
                else:
                    out.append("{\\%s %s}" % (_FONT_SWITCH[name], mathjax2_safe(arg)))
                i = after
                continue
        if name in _MACRO_WORDS:
            out.append(_MACRO_WORDS[name])
            i = end
            continue
        out.append(tex[i:end])
        i = end
    return "".join(out)


def _argument(tex: str, start: int) -> tuple[str | None, int]:
    """The braced (or single-token) argument at ``start``, and the index after it."""
    j = start
    while j < len(tex) and tex[j] == " ":
        j += 1
    if j >= len(tex):
        return None, start
    if tex[j] != "{":
        if tex[j] == "\\":
            match = re.match(r"\\[A-Za-z]+|\\.", tex[j:])
            return (match.group(0), j + match.end()) if match else (None, start)
        return tex[j], j + 1
    depth = 0
    for k in range(j, len(tex)):
        if tex[k] == "\\":
            continue
        if tex[k] == "{" and (k == 0 or tex[k - 1] != "\\"):
            depth += 1
        elif tex[k] == "}" and tex[k - 1] != "\\":
            depth -= 1
            if depth == 0:
                return tex[j + 1:k], k + 1
    return None, start
