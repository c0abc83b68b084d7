"""One result model for all three magics: ordered steps with their rules, named results, checks.

A :class:`Derivation` is what ``derive``, ``lagrange`` and ``posterior`` return. It renders as
one ``aligned`` block (``latex()``, ready for notes), displays in Jupyter through
``_repr_mimebundle_`` (``$\\displaystyle\\begin{aligned}...\\end{aligned}$``, the form that renders
in MathJax 2/3 and KaTeX alike), prints as plain text in a terminal, gives numpy functions of
its results (``numpy(name)``) and carries its numeric checks (``check()``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

__all__ = ["Step", "Heading", "CheckReport", "Derivation"]


@dataclass
class Step:
    """One line of a derivation: ``lhs relation rhs`` justified by ``rule``.

    ``lhs``/``rhs`` are sympy objects or LaTeX strings (a string is taken as LaTeX as is);
    ``lhs=None`` continues the previous line (``= ...``). ``text`` is an optional plain-text
    form for terminals when the sympy form would read badly.
    """

    lhs: Any
    rhs: Any
    rule: str = ""
    relation: str = "="
    text: str | None = None


@dataclass
class Heading:
    """A short label that opens a group of steps ("Partial derivative in x", "Candidates")."""

    title: str


@dataclass
class CheckReport:
    """The outcome of a numeric check: did it pass, how, at how many points, the worst error.

    ``counterexample`` holds a point where a check failed and the two values compared there.
    """

    passed: bool
    method: str
    points: int = 0
    max_error: float = 0.0
    tolerance: float = 0.0
    what: str = ""
    counterexample: dict | None = None
    details: list[str] = field(default_factory=list)

    def summary(self) -> str:
        mark = "passed" if self.passed else "FAILED"
        where = f" at {self.points} random points" if self.points else ""
        subject = f" ({self.what})" if self.what else ""
        line = f"numeric check{subject}: {mark} — {self.method}{where}, max rel. error {self.max_error:.1e}"
        if self.tolerance:
            line += f" (tolerance {self.tolerance:.0e})"
        if not self.passed and self.counterexample:
            line += "; counterexample: " + ", ".join(f"{k} = {v}" for k, v in self.counterexample.items())
        return line

    def __bool__(self) -> bool:
        return self.passed


class Derivation:
    """Steps, named results and checks of one derivation.

    >>> import sympy as sp
    >>> x = sp.Symbol("x", real=True)
    >>> d = Derivation("derivative of x^2")
    >>> d.add_step(sp.Derivative(x**2, x), 2 * x, rule="power rule")
    >>> d.add_result("derivative", 2 * x, label=r"f'(x)")
    >>> d["derivative"]
    2*x
    >>> "power rule" in d.latex()
    True
    """

    def __init__(self, title: str = "", *, kind: str = "derive", problem: Any = None) -> None:
        self.title = title
        self.kind = kind
        self.problem = problem
        self.steps: list[Step | Heading] = []
        self.results: dict[str, Any] = {}
        self.labels: dict[str, str] = {}
        self.notes: list[str] = []
        self.warnings: list[str] = []
        self.show_steps = True
        self._checkers: list[Callable[[], CheckReport]] = []
        self._reports: list[CheckReport] | None = None
        self._numeric: dict[str, Callable[[], Callable]] = {}
        self._arguments: dict[str, Any] = {}

    # -- building ---------------------------------------------------------------------------
    def add_heading(self, title: str) -> None:
        self.steps.append(Heading(title))

    def add_step(self, lhs: Any, rhs: Any, rule: str = "", relation: str = "=", text: str | None = None) -> None:
        self.steps.append(Step(lhs, rhs, rule, relation, text))

    def add_result(self, name: str, value: Any, label: str | None = None) -> None:
        """Store a named result; ``label`` is the LaTeX left-hand side shown for it."""
        self.results[name] = value
        if label is not None:
            self.labels[name] = label

    def add_check(self, checker: Callable[[], CheckReport]) -> None:
        """Register a numeric check; it runs on the first ``check()`` (and so before display)."""
        self._checkers.append(checker)
        self._reports = None

    def add_numeric(self, name: str, builder: Callable[[], Callable]) -> None:
        """Register how to build the numpy function of result ``name`` (built on demand)."""
        self._numeric[name] = builder

    def set_arguments(self, arguments: dict[str, Any]) -> None:
        """Argument names (as the user writes them) -> sympy symbols, for ``numpy()``."""
        self._arguments = dict(arguments)

    # -- reading ----------------------------------------------------------------------------
    def __getitem__(self, name: str) -> Any:
        try:
            return self.results[name]
        except KeyError:
            from .errors import OptionError

            raise OptionError(
                f"no result named {name!r}; this derivation has: {', '.join(self.results) or 'none'}"
            ) from None

    def __contains__(self, name: str) -> bool:
        return name in self.results

    def keys(self):
        return self.results.keys()

    def check(self) -> CheckReport:
        """Run (once) every registered numeric check and return the combined report."""
        if self._reports is None:
            from .budget import report_progress

            report_progress("numeric check")
            self._reports = [_run_checker(checker) for checker in self._checkers]
        reports = self._reports
        if not reports:
            return CheckReport(passed=False, method="no numeric check available for this result")
        if len(reports) == 1:
            return reports[0]
        worst = max(reports, key=lambda r: (not r.passed, r.max_error))
        return CheckReport(
            passed=all(r.passed for r in reports),
            method="; ".join(dict.fromkeys(r.method for r in reports)),
            points=max(r.points for r in reports),
            max_error=max(r.max_error for r in reports),
            tolerance=max(r.tolerance for r in reports),
            counterexample=worst.counterexample if not worst.passed else None,
            details=[r.summary() for r in reports],
        )

    @property
    def reports(self) -> list[CheckReport]:
        self.check()
        return list(self._reports or [])

    def numpy(self, name: str) -> Callable:
        """A numpy function of result ``name``; keyword arguments are named after the symbols."""
        if name not in self.results:
            self[name]  # raises the helpful OptionError
        builder = self._numeric.get(name)
        if builder is not None:
            return builder()
        from .numeric.codegen import numpy_function

        return numpy_function(self.results[name], self._arguments or None)

    # -- rendering --------------------------------------------------------------------------
    def latex(self, steps: bool | None = None, check: bool = True) -> str:
        """One ``aligned`` block with the steps, the results and the check, for notes."""
        from .render.derivation_latex import derivation_to_latex

        return derivation_to_latex(self, steps=self.show_steps if steps is None else steps, check=check)

    def text(self, steps: bool | None = None) -> str:
        """The same content as plain text, for terminals."""
        from .render.derivation_text import derivation_to_text

        return derivation_to_text(self, steps=self.show_steps if steps is None else steps)

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/latex": "$\\displaystyle " + self.latex() + "$", "text/plain": self.text()}

    def __repr__(self) -> str:
        return self.text()


def _run_checker(checker: Callable[[], CheckReport]) -> CheckReport:
    """A check that crashes, or runs past the session's time budget, has not verified anything:
    it is reported as failed, never skipped."""
    from .budget import settings, time_budget

    try:
        with time_budget(settings.timeout, step="numeric check"):
            return checker()
    except Exception as exc:  # noqa: BLE001 - the display must still say FAILED
        return CheckReport(
            passed=False,
            method="the numeric check itself failed to run",
            details=[f"{type(exc).__name__}: {str(exc)[:200]}"],
        )
