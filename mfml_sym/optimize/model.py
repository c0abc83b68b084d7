"""The optimisation problem the engine solves, its candidates and its result.

Conventions (MML sec. 7.2, and the conventions of ``examples/lagrange.json``):

* the engine works in *minimisation form*: ``F = f`` for ``min``, ``F = -f`` for ``max``;
* equality constraints ``h_i(x) = 0`` get multipliers ``lambda_i`` (any sign), inequality
  constraints ``g_j(x) <= 0`` get ``mu_j >= 0``;
* the Lagrangian is ``L(x, lambda, mu) = F(x) + sum_i lambda_i h_i(x) + sum_j mu_j g_j(x)``, so
  a textbook's ``grad f = lambda_t grad h`` has ``lambda_t = lambda`` for ``max`` and
  ``lambda_t = -lambda`` for ``min``;
* a variable domain ``positive`` (``x > 0``) is an open domain, not a constraint with a
  multiplier; ``nonnegative`` (``x >= 0``) is turned into an inequality ``-x <= 0``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

import sympy as sp

from ..derivation import Derivation

__all__ = ["OptimisationProblem", "Parameter", "Candidate", "LagrangeResult", "build_problem"]


@dataclass(frozen=True)
class Parameter:
    """A symbolic parameter (``s > 0``) with the box its numeric checks sample from."""

    symbol: sp.Symbol
    sample_range: tuple[float, float] = (-3.0, 3.0)


@dataclass
class OptimisationProblem:
    """``sense f(x)`` over ``variables`` s.t. ``h(x) = 0``, ``g(x) <= 0``, open domains, parameters."""

    sense: str
    objective: sp.Expr
    variables: tuple
    equalities: tuple = ()
    inequalities: tuple = ()
    parameters: tuple = ()  # Parameter
    parameter_conditions: tuple = ()  # relations among parameters (a1**2 + a2**2 > 1/4)
    positive: frozenset = frozenset()  # variables with the open domain x > 0
    box: tuple[float, float] | None = None  # sampling box for numeric starts (variables)
    notes: list = field(default_factory=list)  # how the problem was read (shown with the result)

    @property
    def F(self) -> sp.Expr:
        """The objective in minimisation form."""
        return self.objective if self.sense == "min" else -self.objective

    @property
    def parameter_symbols(self) -> tuple:
        return tuple(p.symbol for p in self.parameters)

    def user_value(self, minimisation_value):
        """Value of ``f`` from a value of ``F``."""
        return minimisation_value if self.sense == "min" else -minimisation_value


@dataclass
class Candidate:
    """A point that may be the optimum: a KKT point, or a point where constraint qualification fails.

    ``multipliers`` maps multiplier names (``lambda_1``, ``mu_2``) to values, in the MML sign
    convention; it is ``None`` where no multipliers exist (LICQ fails). ``kind`` is
    ``"minimum"``, ``"maximum"``, ``"saddle"`` or ``"unknown"`` (local classification of ``f``);
    ``numeric`` marks candidates found by a numeric optimiser instead of exactly.
    """

    point: dict
    multipliers: dict | None
    value: Any
    kind: str = "unknown"
    numeric: bool = False
    active: tuple = ()  # indices of active inequalities
    source: str = "kkt"  # "kkt", "licq" (constraint gradients dependent), "numeric", "face"
    condition: Any = True  # parameter condition under which this candidate exists
    note: str = ""
    representative: dict = field(default_factory=dict)  # a family's free variables -> one member's values

    @property
    def is_family(self) -> bool:
        return bool(self.representative)

    def numeric_point(self, sample: dict | None = None) -> dict:
        """The point as floats at parameter values ``sample`` (a family: its representative member)."""
        out = {}
        for k, v in self.point.items():
            e = sp.sympify(v)
            if self.representative:
                e = e.subs({sp.Symbol(n, real=True): val for n, val in self.representative.items()})
            if sample:
                e = e.subs(sample)
            try:
                out[k] = complex(sp.N(e)).real
            except (TypeError, ValueError):
                out[k] = float("nan")
        return out

    def multiplier_lists(self, problem: OptimisationProblem) -> dict | None:
        """``{'lam': [...], 'mu': [...]}`` in constraint order (the examples' format)."""
        if self.multipliers is None:
            return None
        vals = list(self.multipliers.values())
        m = len(problem.equalities)
        return {"lam": vals[:m], "mu": vals[m:]}

    def __repr__(self) -> str:
        tag = " (numeric)" if self.numeric else ""
        return f"Candidate({self.point}, multipliers={self.multipliers}, value={self.value}, kind={self.kind!r}{tag})"


class LagrangeResult(Derivation):
    """The derivation of a constrained optimum: Lagrangian, KKT conditions, candidates, optimum.

    ``status`` is ``"optimal"`` (a global optimum satisfying KKT), ``"optimal_no_kkt"`` (a global
    optimum where constraint qualification fails, so no multipliers exist), ``"unbounded"``,
    ``"infeasible"`` or ``"unknown"``; ``justification`` says why the optimum is global (or
    that this is not established), ``proven`` whether that reason is a proof.
    """

    def __init__(self, problem: OptimisationProblem, title: str = "") -> None:
        super().__init__(title or "constrained optimisation", kind="lagrange", problem=problem)
        self.candidates: list[Candidate] = []
        self.optimum: Candidate | None = None
        self.optimal_points: list[Candidate] = []
        self.optimal_value: Any = None
        self.status: str = "unknown"
        self.justification: str = ""
        self.proven: bool = False
        self.complete: bool = True  # every stationary point found (symbolically)
        self.dual: dict | None = None
        self.certificate: dict | None = None  # unbounded: {"path": {x: expr(t)}, "parameter": t}
        self.lagrangian: Any = None
        self.multiplier_symbols: tuple = ()

    @property
    def optimisation_problem(self) -> OptimisationProblem:
        return self.problem


def _as_relation_expr(rel) -> tuple[str, sp.Expr]:
    """Relation -> ("eq", h) meaning h = 0, or ("le", g) meaning g <= 0."""
    if isinstance(rel, sp.Equality):
        return "eq", rel.lhs - rel.rhs
    if isinstance(rel, (sp.LessThan, sp.StrictLessThan)):
        return "le", rel.lhs - rel.rhs
    if isinstance(rel, (sp.GreaterThan, sp.StrictGreaterThan)):
        return "le", rel.rhs - rel.lhs
    raise ValueError(f"not a constraint relation: {rel}")


def build_problem(
    sense: str,
    objective: Any,
    variables: Iterable,
    equalities: Iterable = (),
    inequalities: Iterable = (),
    parameters: Any = (),
    domains: dict | None = None,
    parameter_conditions: Iterable = (),
    box: tuple[float, float] | None = None,
) -> OptimisationProblem:
    """An :class:`OptimisationProblem` from sympy objects.

    ``equalities`` are expressions ``h`` (meaning ``h = 0``) or ``Eq``; ``inequalities`` are
    expressions ``g`` (meaning ``g <= 0``) or ``Le/Ge/Lt/Gt`` relations. ``parameters`` are
    symbols, :class:`Parameter` objects, or a dict symbol -> sample range. ``domains`` maps a
    variable (or its name) to ``"real"``, ``"positive"`` or ``"nonnegative"``.
    """
    from ..errors import OptionError

    sense = str(sense).lower()
    if sense in ("minimize", "minimise", "minimum"):
        sense = "min"
    if sense in ("maximize", "maximise", "maximum"):
        sense = "max"
    if sense not in ("min", "max"):
        raise OptionError(f"sense must be 'min' or 'max' (got {sense!r})")
    variables = tuple(variables)
    objective = sp.sympify(objective)
    eqs: list = []
    ineqs: list = []
    for e in equalities:
        e = sp.sympify(e)
        eqs.append(_as_relation_expr(e)[1] if isinstance(e, sp.Rel) else e)
    for g in inequalities:
        g = sp.sympify(g)
        if isinstance(g, sp.Equality):
            eqs.append(g.lhs - g.rhs)
        elif isinstance(g, sp.Rel):
            ineqs.append(_as_relation_expr(g)[1])
        else:
            ineqs.append(g)
    positive = set()
    by_name = {str(v): v for v in variables}
    for key, dom in (domains or {}).items():
        v = by_name.get(str(key), key)
        if v not in variables:
            raise OptionError(f"domain given for {key}, which is not a variable")
        if dom == "positive":
            positive.add(v)
        elif dom == "nonnegative":
            ineqs.append(-v)
        elif dom not in ("real", None):
            raise OptionError(f"unknown domain {dom!r} for {key} (use real, positive or nonnegative)")
    params: list[Parameter] = []
    if isinstance(parameters, dict):
        params = [Parameter(s, tuple(r) if r else _default_range(s)) for s, r in parameters.items()]
    else:
        for p in parameters or ():
            params.append(p if isinstance(p, Parameter) else Parameter(p, _default_range(p)))
    used = set(objective.free_symbols)
    for e in eqs + ineqs:
        used |= e.free_symbols
    known = set(variables) | {p.symbol for p in params}
    for s in sorted(used - known, key=str):
        params.append(Parameter(s, _default_range(s)))  # a symbol nobody declared is a parameter
    return OptimisationProblem(
        sense=sense, objective=objective, variables=variables, equalities=tuple(eqs),
        inequalities=tuple(ineqs), parameters=tuple(params),
        parameter_conditions=tuple(sp.sympify(c) for c in parameter_conditions),
        positive=frozenset(positive), box=box,
    )


def _default_range(symbol) -> tuple[float, float]:
    if getattr(symbol, "is_positive", None) or getattr(symbol, "is_nonnegative", None):
        return (0.5, 3.0)
    if getattr(symbol, "is_negative", None):
        return (-3.0, -0.5)
    return (-3.0, 3.0)
