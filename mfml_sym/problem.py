"""The typed problem a cell describes: symbols with kinds and shapes, and its statements.

The notation layer (:mod:`mfml_sym.notation`) turns cell text into a :class:`Problem`; the
engines (calculus, matrix calculus, optimisation, Bayesian inference) read only this model,
never the text. Nothing here is solved or simplified: relations stay unevaluated.

Conventions that every producer and consumer of a Problem follows
------------------------------------------------------------------
* Scalars are ``sympy.Symbol(name, real=True)`` unless a declaration adds assumptions
  (``\\lambda > 0`` gives ``Symbol("lambda", positive=True)``); one name is one symbol in a
  cell, so every occurrence carries the same assumptions.
* Vectors are ``MatrixSymbol(name, n, 1)`` (column vectors), matrices
  ``MatrixSymbol(name, r, c)``; dimensions are ``Symbol(.., integer=True, positive=True)``
  unless declared as numbers. ``name`` drops the font: ``\\boldsymbol{\\mu}`` -> ``mu``,
  ``\\mathbf{W}_1`` -> ``W_1``.
* A sum over data ``\\sum_{n=1}^{N}`` keeps the user's range, ``Sum(body, (n, 1, N))``; in the
  body the n-th data point ``\\mathbf{x}_n`` of a data matrix ``X`` (N x D) is the column
  ``X[n - 1, :].T`` and ``y_n`` of a vector ``\\mathbf{y}`` is ``y[n - 1, 0]`` -- exact sympy
  meaning, 0-based matrix indices. Scalar data without a vector behind it is
  ``IndexedBase("x")[i]``.
* User functions (``f``, ``g``, ``\\sigma`` when not defined) are undefined ``sympy.Function``s.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "SymbolInfo",
    "Statement",
    "Declaration",
    "Definition",
    "Substitution",
    "Claim",
    "Point",
    "Objective",
    "Constraint",
    "Distribution",
    "IndexRange",
    "DataAssignment",
    "ExpressionStatement",
    "Problem",
]

Kind = Literal["scalar", "vector", "matrix", "function", "index", "dimension"]


@dataclass(frozen=True)
class SymbolInfo:
    """One name of the cell: how it was written, what it is, and its sympy object."""

    name: str  # identifier without font: "mu", "W_1", "x_n"
    latex: str  # as the user wrote it: r"\boldsymbol{\mu}"
    kind: Kind
    symbol: Any  # Symbol, MatrixSymbol, Function class, Idx ...
    shape: tuple = ()  # () for scalars, (n, 1) vectors, (r, c) matrices
    properties: frozenset = frozenset()  # "positive", "nonnegative", "integer", "symmetric", "spd", "binary", ...
    source: Literal["convention", "declaration", "definition"] = "convention"

    def describe(self) -> str:
        """Plain words for the 'read as' line: ``x ∈ ℝⁿ (bold lower-case)``."""
        if self.kind == "scalar":
            extra = ", ".join(sorted(self.properties))
            return f"{self.name} real scalar" + (f" ({extra})" if extra else "")
        if self.kind in ("vector", "matrix"):
            dims = " x ".join(str(d) for d in (self.shape[:1] if self.kind == "vector" else self.shape))
            extra = ", ".join(sorted(self.properties))
            return f"{self.name} in R^{dims}" + (f" ({extra})" if extra else "")
        return f"{self.name} {self.kind}"


@dataclass
class Statement:
    """One statement of the cell, with where it came from (1-based line, text, columns)."""

    line: int
    text: str
    span: tuple[int, int] = (0, 0)


@dataclass
class Declaration(Statement):
    """``\\mathbf{x} \\in \\mathbb{R}^n``, ``\\lambda > 0``, ``S = S^\\top``, ``\\Sigma \\succ 0``."""

    names: tuple[str, ...] = ()
    relation: Any = None  # the declared relation when there is one (Gt(lambda, 0))


@dataclass
class Definition(Statement):
    """``f(x, y) = x^2 y``: the function's name, its arguments and its body.

    ``expr`` is a scalar ``Expr``, an explicit ``Matrix`` (a vector written with
    ``\\begin{bmatrix}``) or a ``MatrixExpr``.
    """

    name: str = ""
    args: tuple = ()
    expr: Any = None


@dataclass
class Substitution(Statement):
    """``x_1 = \\sin t``: a variable of the cell defined in terms of others (chain rule)."""

    target: Any = None
    expr: Any = None


@dataclass
class Claim(Statement):
    """A result the user states and wants verified: ``f'(x) = ...``, ``\\nabla f = ...``.

    ``what`` is one of "derivative" (``f'``, ``df/dx``, order in ``order``), "partial"
    (``wrt`` lists the variables in order of differentiation), "gradient", "hessian",
    "jacobian", "value" (``f(x) = ...`` restating the function) or "relation" (anything else,
    with the whole left side in ``lhs``).
    """

    what: str = "relation"  # also "proportional" for p(θ | X) ∝ p(X | θ) p(θ)
    function: str | None = None
    wrt: tuple = ()
    order: int = 1
    lhs: Any = None
    rhs: Any = None


@dataclass
class Point(Statement):
    """An expansion or evaluation point: ``(x_0, y_0) = (1, 2)``, ``\\text{about } x = 0``."""

    values: dict = field(default_factory=dict)  # variable -> value (sympy)


@dataclass
class Objective(Statement):
    """``\\max_{x,y} xy``: sense, the optimisation variables and the objective."""

    sense: Literal["min", "max"] = "min"
    variables: tuple = ()
    expr: Any = None
    variable_conditions: tuple = ()  # relations written under the operator: (x > 0, ...)


@dataclass
class Constraint(Statement):
    """One constraint after ``\\text{s.t.}``: an unevaluated relation (Eq, Le, Ge, Lt, Gt, Ne)."""

    relation: Any = None


@dataclass
class Distribution(Statement):
    """``x_i \\sim \\mathrm{Bernoulli}(\\theta)`` or a density ``p(x \\mid \\mu) = \\mathcal{N}(...)``.

    ``family`` is a canonical name ("Bernoulli", "Binomial", "Beta", "Normal",
    "MultivariateNormal", "Gamma", ...); ``params`` are positional, as written (for "Normal" the
    second is the variance, the MML convention). ``given`` lists conditioning variables
    (``\\mathbf{y} \\mid X, \\mathbf{w}``); ``index`` and ``index_range`` the i.i.d. index.
    """

    variable: Any = None
    family: str = ""
    params: tuple = ()
    given: tuple = ()
    index: Any = None
    index_range: tuple | None = None
    notes: tuple = ()  # remarks written beside the statement: ("k known",)


@dataclass
class IndexRange(Statement):
    """``i = 1, \\dots, N``."""

    index: Any = None
    lower: Any = None
    upper: Any = None


@dataclass
class DataAssignment(Statement):
    """Data given inline: ``x_1 = (1, 1),\\ y_1 = +1`` or ``\\mathbf{x} = [0, 1, 1]``."""

    target: Any = None
    value: Any = None


@dataclass
class ExpressionStatement(Statement):
    """A bare expression line (what ``parse_expression`` returns for the last line)."""

    expr: Any = None


@dataclass
class Problem:
    """Everything a cell says, typed: its symbols and its statements in order."""

    source: str
    syntax: Literal["latex", "sympy"] = "latex"
    symbols: dict[str, SymbolInfo] = field(default_factory=dict)
    statements: list[Statement] = field(default_factory=list)

    def _of(self, cls):
        return [s for s in self.statements if isinstance(s, cls)]

    @property
    def declarations(self) -> list[Declaration]:
        return self._of(Declaration)

    @property
    def definitions(self) -> list[Definition]:
        return self._of(Definition)

    @property
    def substitutions(self) -> list[Substitution]:
        return self._of(Substitution)

    @property
    def claims(self) -> list[Claim]:
        return self._of(Claim)

    @property
    def points(self) -> list[Point]:
        return self._of(Point)

    @property
    def objective(self) -> Objective | None:
        found = self._of(Objective)
        return found[0] if found else None

    @property
    def constraints(self) -> list[Constraint]:
        return self._of(Constraint)

    @property
    def distributions(self) -> list[Distribution]:
        return self._of(Distribution)

    @property
    def index_ranges(self) -> list[IndexRange]:
        return self._of(IndexRange)

    @property
    def data(self) -> list[DataAssignment]:
        return self._of(DataAssignment)

    @property
    def expressions(self) -> list[ExpressionStatement]:
        return self._of(ExpressionStatement)

    def symbol(self, name: str):
        """The sympy object for a name as the user would type it (``mu``, ``W_1``)."""
        info = self.symbols.get(name)
        if info is None:
            from .errors import OptionError

            known = ", ".join(sorted(self.symbols)) or "none"
            raise OptionError(f"no symbol named {name!r} in this cell (known: {known})")
        return info.symbol

    def reading(self) -> str:
        """The 'read as' line that echoes how each name was understood."""
        shown = [i.describe() for i in self.symbols.values() if i.kind in ("scalar", "vector", "matrix")]
        return "read as: " + "; ".join(shown) if shown else ""
