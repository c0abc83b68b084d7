"""What every calculus operation works on: the function, its variables, the options, the result.

:class:`CalculusDerivation` is the :class:`~mfml_sym.derivation.Derivation` that ``derive``
returns, with the function and variables it was derived for and the verdicts on the user's
claims (``d.verdicts``, each with ``.correct``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from ..derivation import Derivation

__all__ = ["Verdict", "CalculusDerivation", "Options", "Context", "latex_name"]


@dataclass
class Verdict:
    """The finding on one claim of the cell: right or wrong, and the evidence."""

    claim: Any  # the Claim statement
    correct: bool | None  # None: could not be decided
    message: str
    correct_value: Any = None
    counterexample: dict | None = None
    diagnosis: str = ""
    condition: str = ""  # "holds only for x > 0"

    def __bool__(self) -> bool:
        return bool(self.correct)


class CalculusDerivation(Derivation):
    """A Derivation with the function, its variables and the verdicts on the cell's claims."""

    def __init__(self, title: str = "", *, problem: Any = None) -> None:
        super().__init__(title, kind="derive", problem=problem)
        self.function: Any = None
        self.function_name: str = "f"
        self.variables: list = []
        self.verdicts: list[Verdict] = []
        self.partials: dict = {}

    # other names a result is known by (one result shown once): d["total"] is d["derivative"]
    ALIASES = {"total": "derivative", "backprop": "gradient", "linearization": "taylor", "linearize": "taylor",
               "grad": "gradient", "diff": "derivative", "partials": "gradient", "partial": "derivative",
               "jac": "jacobian", "hess": "hessian"}

    def _name(self, name: str) -> str:
        if name in self.results:
            return name
        alias = self.ALIASES.get(name)
        if alias in self.results:
            return alias
        if name == "backprop" and "derivative" in self.results:
            return "derivative"
        if name in ("partials", "partial") and len(self.partials) == 1 and "derivative" in self.results:
            return "derivative"
        return name

    def __getitem__(self, name: str) -> Any:
        return super().__getitem__(self._name(name))

    def __contains__(self, name: str) -> bool:
        return self._name(name) in self.results

    def numpy(self, name: str):
        return super().numpy(self._name(name))

    def partial(self, name: str) -> Any:
        """The first partial derivative with respect to the variable called ``name``."""
        for v, value in self.partials.items():
            if str(v) == name:
                return value
        from ..errors import OptionError

        raise OptionError(f"no partial derivative with respect to {name!r}; have: "
                          + ", ".join(str(v) for v in self.partials))


@dataclass
class Options:
    order: int | None = None
    at: Any = None
    along: Any = None
    steps: bool = True
    check: bool = True
    form: str = "auto"
    layout: str = "column"


@dataclass
class Context:
    """One derivation in progress."""

    problem: Any
    d: CalculusDerivation
    name: str
    f: Any
    variables: list
    options: Options
    partial_cache: dict = field(default_factory=dict)

    @property
    def vector_valued(self) -> bool:
        return isinstance(self.f, sp.MatrixBase)

    @property
    def parameters(self) -> list:
        free = self.f.free_symbols if hasattr(self.f, "free_symbols") else set()
        return sorted((s for s in free if s not in self.variables), key=str)

    def flabel(self) -> str:
        """LaTeX of the function's name: ``f``, ``\\mathbf{f}``."""
        return latex_name(self.problem, self.name, bold=self.vector_valued)

    def vlabel(self, v) -> str:
        return tex(v)


def tex(v) -> str:
    """LaTeX of a symbol with one-character subscripts unbraced (``x_1``), so plain-text renderers read it."""
    import re

    return re.sub(r"_\{(\w)\}", r"_\1", sp.latex(v))


def latex_name(problem: Any, name: str, bold: bool = False) -> str:
    info = getattr(problem, "symbols", {}).get(name) if problem is not None else None
    if info is not None and getattr(info, "latex", ""):
        return info.latex
    base = sp.latex(sp.Symbol(name))
    return rf"\mathbf{{{base}}}" if bold and len(name) == 1 else base


# -- plain text of the LaTeX labels this engine writes ----------------------------------------------

_PLAIN = [
    (r"\mathrm{d}", "d"), (r"\partial", "∂"), (r"\nabla", "∇"), (r"^\top", "ᵀ"), (r"\tfrac12", "½"),
    (r"\mathcal{O}", "O"), (r"\big(", "("), (r"\big)", ")"), (r"\|", "‖"), (r"\left|", "|"), (r"\right|", "|"),
    (r"\sum_k", "Σ_k"), (r"\,", " "), (r"\mapsto", "↦"), (r"\neq", "≠"), (r"\left(", "("), (r"\right)", ")"),
]


def _group(s: str, i: int) -> tuple[str, int]:
    """The brace group starting at s[i] == '{' -> (content, index after it)."""
    depth = 0
    for j in range(i, len(s)):
        if s[j] == "{":
            depth += 1
        elif s[j] == "}":
            depth -= 1
            if depth == 0:
                return s[i + 1:j], j + 1
    return s[i + 1:], len(s)


def plain(tex: str) -> str:
    """Plain text of a LaTeX label: fractions as a/b, ∂, ∇, ᵀ; the rest by the renderer's converter."""
    for a, b in _PLAIN:
        tex = tex.replace(a, b)
    out, i = [], 0
    while i < len(tex):
        if tex.startswith(r"\frac{", i):
            num, j = _group(tex, i + 5)
            den, k = _group(tex, j) if j < len(tex) and tex[j] == "{" else ("", j)
            num, den = plain(num), plain(den)
            wrap = lambda s: s if len(s.split()) <= 1 or s.startswith(("d", "∂")) else f"({s})"  # noqa: E731
            if out and (out[-1][-1:].isalnum() or out[-1][-1:] in ")}"):
                out.append("·")
            out.append(f"{wrap(num).replace(' ', '')}/{wrap(den).replace(' ', '')}")
            i = k
            if i < len(tex) and (tex[i].isalnum() or tex[i] in "(\\"):
                out.append("·")
            continue
        out.append(tex[i])
        i += 1
    text = "".join(out)
    try:
        from ..render.derivation_text import latex_to_plain

        return latex_to_plain(text)
    except Exception:  # noqa: BLE001 - the renderer is optional here
        return text.replace("{", "").replace("}", "").replace("\\", "")


def add_step(d, lhs, rhs, rule: str = "", relation: str = "=", text: str | None = None) -> None:
    """``d.add_step`` with a plain-text form when a side is a LaTeX string."""
    if text is None and isinstance(rhs, str):
        def side(v):
            if isinstance(v, str):
                return plain(v)
            try:
                from ..render.derivation_text import value_to_text

                return value_to_text(v)
            except Exception:  # noqa: BLE001
                return str(v)

        rel = {"=": "=", r"\neq": "≠", r"\mapsto": "↦"}.get(relation, relation)
        text = (f"{side(lhs)} {rel} " if lhs is not None else f"{rel} ") + side(rhs)
    d.add_step(lhs, rhs, rule=rule, relation=relation, text=text)
