"""Recognition of the posterior: log joint → sufficient statistics → exponential-family kernel.

The log likelihood of one observation is expanded into terms ``c · g(x) · h(θ)``; summing over
the data turns each ``g(x_i)`` into a named statistic (``n``, ``s = Σ x_i``, ``Σ log x_i``, …),
so the log joint is ``Σ_h C_h(statistics, hyperparameters) · h(θ) + const`` (MML Sec. 6.6.1:
"collect the terms in θ"). That combination is matched against the kernels of
:mod:`.kernels`; a term in which data and unknown do not separate (``log(1 + e^{w x})``) or a
statistic of θ no kernel has (``|θ|``, ``(log θ)²``) means the model is not conjugate.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from ..budget import bounded
from ..errors import UnsupportedError
from .kernels import JOINT_KERNELS, SCALAR_KERNELS, Kernel, Support
from .model import Model, observation_symbol
from ..render.latex_printer import to_latex

__all__ = ["Statistic", "LogJoint", "log_joint", "recognise", "expand_terms"]


@dataclass
class Statistic:
    """A data summary: ``Σ_i g(x_i)`` (kind "sum"), ``max_i x_i`` or ``min_i x_i``."""

    symbol: sp.Symbol
    function: sp.Expr  # g(x) in the observation symbol
    kind: str = "sum"
    meaning: str = ""

    def latex(self, x) -> str:
        xi = sp.Symbol(f"{x}_i")
        body = to_latex(self.function.subs(x, xi))
        if self.kind == "sum":
            return r"\sum_{i} " + body if self.function != 1 else "N"
        return rf"\{self.kind}_i {body}"


_NICE = [  # (g(x) builder, name, meaning)
    (lambda x: sp.S.One, None, "number of observations"),
    (lambda x: x, "s", "sum of the observations"),
    (lambda x: x**2, "ss", "sum of squares"),
    (lambda x: sp.log(x), "s_log", "sum of log x_i"),
    (lambda x: 1 / x, "s_inv", "sum of 1/x_i"),
    (lambda x: sp.log(x) ** 2, "ss_log", "sum of (log x_i)^2"),
]


@dataclass
class LogJoint:
    """The collected log joint and everything recognition learned about it."""

    model: Model
    x: sp.Symbol
    per_observation: sp.Expr  # log p(x | θ) for one observation
    log_prior: sp.Expr
    likelihood_coefficients: dict  # h(θ) -> coefficient (in statistics)
    prior_coefficients: dict
    likelihood_constant: sp.Expr
    prior_constant: sp.Expr
    statistics: list
    nonseparable: list  # per-observation terms in which x and θ do not separate
    supports: list  # Support per unknown

    @property
    def coefficients(self) -> dict:
        out = dict(self.likelihood_coefficients)
        for h, c in self.prior_coefficients.items():
            out[h] = out.get(h, 0) + c
        return {h: c for h, c in ((h, sp.expand(c)) for h, c in out.items()) if c != 0}

    def statistic(self, function) -> Statistic | None:
        for s in self.statistics:
            if s.kind == "sum" and s.function == function:
                return s
        return None

    def log_likelihood(self) -> sp.Expr:
        """``Σ_i log p(x_i | θ)`` in the statistics (only when the terms separate)."""
        return sum((c * h for h, c in self.likelihood_coefficients.items()), sp.S.Zero) + self.likelihood_constant

    def expression(self) -> sp.Expr:
        """The whole log joint in the statistics."""
        return sum((c * h for h, c in self.coefficients.items()), sp.S.Zero) + self.likelihood_constant + self.prior_constant


def expand_terms(expr) -> sp.Expr:
    """Expanded sum of products with logs split (log(ab) = log a + log b for positive symbols)."""
    return sp.expand(sp.expand_log(sp.expand(expr), force=True))


def _prior_support(model: Model) -> list[Support]:
    supports = []
    lik = model.likelihood
    for u in model.unknowns:
        sup = Support()
        for prior in model.priors:
            if u not in prior.over:
                continue
            fam = prior.family
            kind = fam.support
            if fam.over == 2:
                kind = "real" if prior.over.index(u) == 0 else "positive"
            if kind in ("unit",):
                sup.lower, sup.upper = sp.S.Zero, sp.S.One
            elif kind in ("positive",):
                sup.lower, sup.upper = sp.S.Zero, sp.oo
            _, relations = fam.logpdf(u, *prior.params) if fam.over == 1 else (None, [])
            for rel in relations:
                lo, hi = _bound(rel, u)
                if lo is not None:
                    sup.lower = lo
                if hi is not None:
                    sup.upper = hi
            if fam.name == "Pareto":
                sup.upper = sp.oo
        # a parameter of the likelihood restricts its unknown (a probability lies in (0, 1))
        for slot_index, value in enumerate(lik.params):
            if value == u:
                lo, hi = lik.family.param_support(slot_index)
                if sp.S(sup.lower) == -sp.oo and lo != -sp.oo:
                    sup.lower = sp.S(lo)
                if sp.S(sup.upper) == sp.oo and hi != sp.oo and sp.S(sup.lower) >= 0:
                    sup.upper = sp.S(hi)
        if sp.S(sup.lower) == -sp.oo and getattr(u, "is_positive", False):
            sup.lower = sp.S.Zero
        supports.append(sup)
    return supports


def _bound(rel, u):
    """(lower, upper) on ``u`` from a relation ``u >= a`` / ``u <= b`` (either side)."""
    if rel in (sp.true, True) or not isinstance(rel, sp.core.relational.Relational):
        return None, None
    lhs, rhs = rel.lhs, rel.rhs
    ge = isinstance(rel, (sp.GreaterThan, sp.StrictGreaterThan))
    if lhs == u and u not in rhs.free_symbols:
        return (rhs, None) if ge else (None, rhs)
    if rhs == u and u not in lhs.free_symbols:
        return (None, lhs) if ge else (lhs, None)
    if u in rel.free_symbols:
        raise UnsupportedError(f"the support condition {rel} is not a simple bound on {u}")
    return None, None


class _Statistics:
    def __init__(self, x, taken: set[str], count):
        self.x = x
        self.items: list[Statistic] = []
        self.taken = set(taken)
        self.count = count
        self._k = 0

    def sum_of(self, g) -> sp.Expr:
        if g == 0:
            return sp.S.Zero
        if g == 1:
            return self.count
        for s in self.items:
            if s.kind == "sum" and s.function == g:
                return s.symbol
        name, meaning = None, f"sum over i of {sp.sstr(g)}"
        for build, nice, text in _NICE:
            if build(self.x) == g and nice is not None:
                name, meaning = nice, text
        while name is None or name in self.taken:
            self._k += 1
            name = f"t_{self._k}"
        self.taken.add(name)
        sym = sp.Symbol(name, real=True)
        self.items.append(Statistic(sym, g, "sum", meaning))
        return sym

    def extreme(self, kind: str) -> sp.Expr:
        for s in self.items:
            if s.kind == kind:
                return s.symbol
        name = "x_max" if kind == "max" else "x_min"
        sym = sp.Symbol(name, real=True)
        self.items.append(Statistic(sym, self.x, kind, f"{kind}imum of the observations"))
        return sym


def _split(expr, unknowns, x=None):
    """Terms of ``expr`` as {h(θ): coefficient}, a θ-free constant, and non-separable terms."""
    coefficients: dict = {}
    constant = sp.S.Zero
    nonseparable = []
    for term in sp.Add.make_args(expand_terms(expr)):
        if term.has(*unknowns):  # 1/(k v + n v) -> 1/(k + n) * 1/v
            term = sp.expand_power_base(sp.factor_terms(term), force=True)
        indep, dep = term.as_independent(*unknowns, as_Add=False)
        if dep == 1:
            constant += indep
            continue
        if x is not None and x in dep.free_symbols:
            nonseparable.append(term)
            continue
        coefficients[dep] = coefficients.get(dep, sp.S.Zero) + indep
    return coefficients, constant, nonseparable


def log_joint(model: Model) -> LogJoint:
    """Collect the log joint of ``model`` as a combination of sufficient statistics of the unknowns."""
    lik = model.likelihood
    x = observation_symbol(lik.family, lik.data_name)
    per_obs, relations = lik.family.logpdf(x, *lik.params)
    taken = {str(s) for s in model.constants()} | {str(u) for u in model.unknowns} | {str(model.count)}
    stats = _Statistics(x, taken, model.count)
    supports = _prior_support(model)

    # data bounds from the likelihood's support (Uniform(0, θ): x ≤ θ for every i, so θ ≥ max x_i)
    for rel in relations:
        for k, u in enumerate(model.unknowns):
            if u in getattr(rel, "free_symbols", set()):
                lo, hi = _solve_bound(rel, u, x)
                if lo is not None:
                    supports[k].data_lower.append(stats.extreme("max") if lo == x else lo)
                if hi is not None:
                    supports[k].data_upper.append(stats.extreme("min") if hi == x else hi)

    coeffs_one, const_one, nonsep = _split(per_obs, model.unknowns, x)
    lik_coeffs = {}
    for h, c in coeffs_one.items():
        total = sp.S.Zero
        for term in sp.Add.make_args(sp.expand(c)):
            k, g = term.as_independent(x, as_Add=False)
            total += k * stats.sum_of(g)
        lik_coeffs[h] = total
    lik_const = sp.S.Zero
    for term in sp.Add.make_args(sp.expand(const_one)):
        k, g = term.as_independent(x, as_Add=False)
        lik_const += k * stats.sum_of(g)

    log_prior = sp.S.Zero
    for prior in model.priors:
        log_prior += prior.family.logpdf(*prior.over, *prior.params)[0]
    prior_coeffs, prior_const, _ = _split(log_prior, model.unknowns)
    return LogJoint(model, x, per_obs, log_prior, lik_coeffs, prior_coeffs, lik_const, prior_const,
                    stats.items, nonsep, supports)


def _solve_bound(rel, u, x):
    """Turn a support relation between an observation ``x`` and ``u`` into a bound on ``u``."""
    lo, hi = _bound(rel, u)
    return lo, hi


@dataclass
class Recognition:
    kernel: Kernel
    order: tuple  # the unknowns in the kernel's order
    parameters: dict
    roles: dict = field(default_factory=dict)  # role -> coefficient


def _tidy(expr):
    return bounded(lambda e: sp.factor_terms(sp.cancel(e)), expr, fallback=expr, step="tidy a parameter")


def recognise(joint: LogJoint) -> Recognition | None:
    """The kernel the collected log joint matches, with its parameters, or None (not conjugate)."""
    if joint.nonseparable:
        return None
    coefficients = joint.coefficients
    unknowns = joint.model.unknowns
    if len(unknowns) == 1:
        candidates = [(k, (0,)) for k in SCALAR_KERNELS]
    elif len(unknowns) == 2:
        candidates = [(k, o) for k in JOINT_KERNELS for o in ((0, 1), (1, 0))]
    else:
        return None
    for kernel, order in candidates:
        ordered = tuple(unknowns[i] for i in order)
        supports = [joint.supports[i] for i in order]
        if not kernel.fits_support(supports):
            continue
        statistics = kernel.statistics(ordered)
        if any(h not in statistics for h in coefficients):
            continue
        roles = {statistics[h]: c for h, c in coefficients.items()}
        if any(r not in roles for r in kernel.required):
            continue
        params = {k: _tidy(v) for k, v in kernel.read(roles, supports).items()}
        if any(v.is_positive is False for k, v in params.items() if k not in ("mean", "mu")):
            continue  # improper: a negative precision or shape
        return Recognition(kernel, ordered, params, roles)
    return None
