"""A :class:`~mfml_sym.derivation.Derivation` as plain text for terminals (``text/plain``).

The layout follows SHOWCASE.md: one line per step, ``lhs = rhs`` with continuation lines
(``lhs=None``) aligned under the first ``=``, the rule in a column on the right, results as
``label = value``, notes and warnings, and the numeric check last with ✓ or ✗.
"""
from __future__ import annotations

import re
from typing import Any

__all__ = ["derivation_to_text", "latex_to_plain", "value_to_text"]

_RULE_COLUMN_MAX = 64  # maths wider than this pushes its rule to the right instead of padding

_MACROS = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ϵ", "varepsilon": "ε",
    "zeta": "ζ", "eta": "η", "theta": "θ", "iota": "ι", "kappa": "κ", "lambda": "λ", "mu": "μ",
    "nu": "ν", "xi": "ξ", "pi": "π", "rho": "ρ", "sigma": "σ", "tau": "τ", "upsilon": "υ",
    "phi": "φ", "varphi": "ϕ", "chi": "χ", "psi": "ψ", "omega": "ω", "Gamma": "Γ", "Delta": "Δ",
    "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ", "Pi": "Π", "Sigma": "Σ", "Phi": "Φ", "Psi": "Ψ",
    "Omega": "Ω", "nabla": "∇", "partial": "∂", "cdot": "·", "times": "×", "odot": "⊙",
    "otimes": "⊗", "top": "ᵀ", "infty": "∞", "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥",
    "neq": "≠", "approx": "≈", "propto": "∝", "in": "∈", "sum": "Σ", "prod": "∏", "int": "∫",
    "Rightarrow": "⇒", "Leftrightarrow": "⇔", "to": "→", "mapsto": "↦", "pm": "±", "mid": "|",
    "sim": "~", "succ": "≻", "succeq": "⪰", "ell": "ℓ", "dots": "…", "ldots": "…", "cdots": "⋯",
    "quad": "  ", "qquad": "    ", "langle": "⟨", "rangle": "⟩", "checkmark": "✓", "log": "log",
    "exp": "exp", "sin": "sin", "cos": "cos", "tan": "tan", "det": "det", "max": "max", "min": "min",
    "lim": "lim", "arg": "arg", "|": "‖", "{": "{", "}": "}", "_": "_", "%": "%", "&": "&",
    "#": "#", "backslash": "\\", "wedge": "^",
}
_FONT = r"\\(?:mathbf|boldsymbol|mathrm|operatorname|text|textbf|textit|mathit|mathsf|mathcal|mathbb|bm)\s*"


def latex_to_plain(tex: str) -> str:
    """A rough, readable plain form of a LaTeX snippet (labels, LaTeX-string steps).

    >>> latex_to_plain(r"\\nabla_{\\mathbf{w}} L")
    '∇_w L'
    """
    s = str(tex)
    s = s.replace("\\left", "").replace("\\right", "").replace("\\!", "")
    s = re.sub(r"\\[,;: ]", " ", s)
    s = re.sub(r"\\(partial|nabla)(?![A-Za-z])\s*", lambda m: "∂" if m.group(1) == "partial" else "∇", s)
    s = re.sub(_FONT + r"\{([^{}]*)\}", r"\1", s)
    for _ in range(4):  # nested \frac{..}{..}
        s = re.sub(r"\\[dt]?frac\{([^{}]*)\}\{([^{}]*)\}", lambda m: _frac(m.group(1), m.group(2)), s)
    s = re.sub(r"\\sqrt\{([^{}]*)\}", r"√(\1)", s)
    s = re.sub(r"\\(hat|bar|tilde)\s*(\{[^{}]*\}|\\[A-Za-z]+|\w)", _accent, s)
    s = re.sub(r"\^\{?\\top\}?", "ᵀ", s)
    s = re.sub(r"\^\{-1\}", "⁻¹", s)
    s = re.sub(r"\\([A-Za-z]+|.)", lambda m: _MACROS.get(m.group(1), m.group(1)), s)
    s = re.sub(r"([_^])\{([^{}]*)\}", lambda m: m.group(1) + (m.group(2) if len(m.group(2)) == 1 else "{" + m.group(2) + "}"), s)
    s = re.sub(r"(?<![_^])\{([^{}]*)\}", r"\1", s)
    s = s.replace("^2", "²").replace("^3", "³").replace("∂ ", "∂").replace("∇ ", "∇")
    s = re.sub(r"\s+([)\],.;}])", r"\1", s)
    return re.sub(r"\s+", " ", s).strip()


_ACCENTS = {"hat": "\u0302", "bar": "\u0304", "tilde": "\u0303"}


def _accent(m: re.Match) -> str:
    inner = latex_to_plain(m.group(2).strip("{}"))
    return inner + _ACCENTS[m.group(1)] if len(inner) == 1 else "%s(%s)" % (m.group(1), inner)


def _frac(num: str, den: str) -> str:
    def wrap(t: str) -> str:
        t = re.sub(r"(^|\s)(d|∂)((?:\^\{?\d+\}?)?)\s+", r"\1\2\3", t.strip())  # "d x" -> "dx"
        tokens = t.split()
        simple = all(re.fullmatch(r"[\w\\{}^∂]+", tok) for tok in tokens) and (
            len(tokens) == 1 or all(tok[0] in "∂d" for tok in tokens))
        return t if simple else "(%s)" % t

    return "%s/%s " % (wrap(num), wrap(den))


def value_to_text(value: Any) -> str:
    """One line of text for a step side or a result value."""
    if isinstance(value, str):
        return latex_to_plain(value)
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    text_method = getattr(value, "text", None)
    if callable(text_method) and not _is_sympy(value):
        try:
            out = text_method()
            if isinstance(out, str):
                return out
        except Exception:
            pass
    if isinstance(value, tuple):
        return "(%s)" % ", ".join(value_to_text(v) for v in value)
    if isinstance(value, list):
        return "[%s]" % ", ".join(value_to_text(v) for v in value)
    if isinstance(value, dict):
        return "{%s}" % ", ".join("%s = %s" % (value_to_text(k), value_to_text(v)) for k, v in value.items())
    if _is_sympy(value):
        from .text_printer import to_text

        try:
            return to_text(value)
        except Exception:  # a construct the text printer does not know: sympy's own form
            import sympy as sp

            return sp.sstr(value)
    return str(value)


def _is_sympy(value: Any) -> bool:
    try:
        from sympy import Basic, MatrixBase
    except ImportError:  # pragma: no cover
        return False
    return isinstance(value, (Basic, MatrixBase))


_RELATION_TEXT = {
    "<=": "≤", ">=": "≥", "!=": "≠", "\\le": "≤", "\\leq": "≤", "\\ge": "≥", "\\geq": "≥",
    "\\approx": "≈", "\\propto": "∝", "propto": "∝", "\\Rightarrow": "⇒", "=>": "⇒",
    "\\Leftrightarrow": "⇔", "\\sim": "~", "\\to": "→", "->": "→", "\\neq": "≠", "\\in": "∈",
}


def _relation(rel: str) -> str:
    rel = (rel or "=").strip()
    return _RELATION_TEXT.get(rel, latex_to_plain(rel) if "\\" in rel else rel)


def _rule_text(rule: str | None) -> str:
    """A rule as text; ``$...$`` segments (LaTeX) become plain."""
    return re.sub(r"(?<!\\)\$(.+?)(?<!\\)\$", lambda m: latex_to_plain(m.group(1)), rule or "")


def check_text(d: Any) -> list[str]:
    """The check as text lines: ``✓ numeric check: ...`` or ``✗ numeric check FAILED ...``."""
    try:
        report = d.check()
    except Exception as exc:
        return [f"✗ numeric check FAILED to run: {type(exc).__name__}: {exc}"]
    method = getattr(report, "method", "")
    if not report.passed and not report.points and method.startswith("no numeric check"):
        return ["not checked numerically: " + method]
    if report.passed:
        return ["✓ " + report.summary()]
    lines = ["✗ " + report.summary().replace(": FAILED", " FAILED", 1)]
    lines += ["    " + detail for detail in getattr(report, "details", []) if "FAILED" in detail]
    return lines


def derivation_to_text(d: Any, steps: bool = True) -> str:
    """Readable plain text of derivation ``d``; ``steps=False`` keeps results, notes and the check."""
    from ..derivation import Heading, Step

    rows: list[tuple[str, str]] = []  # (maths, rule)
    lhs_width = 0
    if steps:
        for item in d.steps:
            if isinstance(item, Heading):
                title = _rule_text(item.title)
                rows.append((latex_to_plain(title) if "\\" in title else title, ""))
                lhs_width = 0
            elif isinstance(item, Step):
                rel = _relation(item.relation)
                rule = _rule_text(item.rule)
                if item.text:
                    maths = item.text
                    if rule and rule in maths:  # the engine's text already carries its rule
                        rule = ""
                    if item.lhs is None:
                        maths = " " * lhs_width + " " + maths.lstrip()
                elif item.lhs is None:
                    maths = "%s %s %s" % (" " * lhs_width, rel, value_to_text(item.rhs))
                else:
                    lhs = value_to_text(item.lhs)
                    lhs_width = len(lhs)
                    maths = "%s %s %s" % (lhs, rel, value_to_text(item.rhs))
                rows.append((maths, rule))
    results = [(name, value) for name, value in d.results.items() if not name.startswith("_")]
    labels = {name: (latex_to_plain(d.labels[name]) if name in d.labels else name) for name, _ in results}
    label_width = max((len(label) for label in labels.values()), default=0)
    for name, value in results:
        rows.append(("%s = %s" % (labels[name].ljust(label_width), value_to_text(value)), ""))
    width = max((len(m) for m, rule in rows if rule and len(m) <= _RULE_COLUMN_MAX), default=0)
    lines = []
    for maths, rule in rows:
        if rule:
            lines.append("%s   %s" % (maths.ljust(width), rule))
        else:
            lines.append(maths)
    lines += list(d.notes)
    lines += ["warning: " + w for w in d.warnings]
    lines += check_text(d)
    return "\n".join(line.rstrip() for line in lines)
