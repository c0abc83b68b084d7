"""A parsed cell (:class:`~mfml_sym.problem.Problem`) as a Bayesian :class:`Model`.

The likelihood is the statement about indexed data (``x_i \\sim ...``); every other ``\\sim``
statement is a prior and its variable an unknown. A variance written ``\\sigma^2`` becomes one
positive unknown ``sigma2``. Constants that fill a scale, shape or rate slot are positive.
"""
from __future__ import annotations

import sympy as sp

from ..errors import UnsupportedError
from .families import family
from .model import REAL_SLOTS, Likelihood, Model, Prior

__all__ = ["model_from_problem", "vector_spec"]

_VECTOR_LIKELIHOODS = {"categorical": "Categorical", "cat": "Categorical", "multinomial": "Multinomial",
                       "mult": "Multinomial"}


def vector_spec(problem) -> dict | None:
    """The structured form of a Categorical/Multinomial–Dirichlet cell (handled by the vector engine)."""
    dists = list(problem.distributions)
    gaussian = _gaussian_vector_spec(dists)
    if gaussian is not None:
        return gaussian
    lik = [d for d in dists if str(d.family).lower() in _VECTOR_LIKELIHOODS]
    pri = [d for d in dists if str(d.family).lower() in ("dirichlet", "dir")]
    if not lik or not pri:
        return None
    return {"likelihood": {"family": _VECTOR_LIKELIHOODS[str(lik[0].family).lower()],
                           "params": {"p": str(lik[0].params[-1])}},
            "prior": {"family": "Dirichlet", "params": {"alpha": str(pri[0].params[0])},
                      "over": [str(pri[0].variable)]},
            "unknown": [{"name": str(pri[0].variable), "shape": "simplex(K)"}]}


def _is_data(dist) -> bool:
    v = dist.variable
    return dist.index is not None or isinstance(v, sp.Indexed) or (
        isinstance(v, sp.Symbol) and "_" in v.name and v.name.rsplit("_", 1)[1] in ("i", "n", "j"))


def _data_name(v) -> str:
    if isinstance(v, sp.Indexed):
        return str(v.base)
    name = str(v)
    return name.rsplit("_", 1)[0] if "_" in name else name


_SIGMOIDS = ("sigma", "sigmoid", "logistic", "expit")


def _known_functions(e):
    """The logistic sigmoid σ(t) = 1/(1 + e^{−t}) where an undeclared σ(·) is applied (the ML reading)."""
    rep = {}
    for f in e.atoms(sp.core.function.AppliedUndef):
        if f.func.__name__ in _SIGMOIDS and len(f.args) == 1 and not getattr(f.args[0], "is_Matrix", False):
            rep[f] = 1 / (1 + sp.exp(-f.args[0]))
    return e.xreplace(rep) if rep else e


def _written_density(problem, lik_stmt, unknowns, final):
    """A density the user wrote out, ``p(x \\mid \\theta) = ...``: (data symbol, expression) or None."""
    data_name = _data_name(lik_stmt.variable)
    for d in problem.definitions:
        args = [a for a in d.args]
        data_args = [a for a in args if isinstance(a, sp.Symbol) and _data_name(a) == data_name]
        if not data_args or d.expr is None:
            continue
        expr = final(d.expr)
        if not any(u in expr.free_symbols for u in unknowns):
            continue
        return data_args[0], expr
    return None


def _family_from_density(named, written, params):
    """The named family's support with the log of the density as written (it wins over the name)."""
    from dataclasses import replace as dc_replace

    x_sym, expr = written

    def logpdf(x, *ignored):
        return sp.log(expr.subs(x_sym, x)), []
    return dc_replace(named, name=f"{named.name} (density as written)", logpdf=logpdf)


def model_from_problem(problem) -> Model:
    dists = list(problem.distributions)
    if len(dists) < 2:
        raise UnsupportedError("a posterior needs a likelihood and a prior: two or more '\\sim' statements",
                               hint=r"e.g. x_i \sim \mathrm{Bernoulli}(\theta) and \theta \sim \mathrm{Beta}(a, b)")
    data = [d for d in dists if _is_data(d)]
    lik_stmt = data[0] if data else dists[0]
    prior_stmts = [d for d in dists if d is not lik_stmt]
    lik_fam = family(lik_stmt.family)

    # unknowns: the priors' variables; sigma^2 -> one positive symbol sigma2
    replace: dict = {}
    unknowns, overs = [], []
    for d in prior_stmts:
        fam = family(d.family)
        vars_ = list(d.variable) if isinstance(d.variable, (tuple, sp.Tuple)) else [d.variable]
        over = []
        for j, v in enumerate(vars_):
            positive = fam.support in ("unit", "positive", "above scale") or (fam.over == 2 and j == 1)
            if isinstance(v, sp.Pow) and v.exp == 2 and isinstance(v.base, sp.Symbol):
                new = sp.Symbol(f"{v.base.name}2", positive=True)
                replace[v] = new
                replace[v.base] = sp.sqrt(new)
            elif isinstance(v, sp.Symbol):
                new = sp.Symbol(v.name, positive=True) if positive else sp.Symbol(v.name, real=True)
                replace[v] = new
            else:
                raise UnsupportedError(f"cannot take {v} as an unknown of the model")
            over.append(new)
            if new not in unknowns:
                unknowns.append(new)
        overs.append(tuple(over))

    def sub(e):
        e = sp.sympify(e)
        # replace sigma**2 before sigma so that sigma**2 -> sigma2 rather than sqrt(sigma2)**2
        first = {k: v for k, v in replace.items() if isinstance(k, sp.Pow)}
        return e.xreplace(first).xreplace({k: v for k, v in replace.items() if not isinstance(k, sp.Pow)})

    # constants in positive slots become positive symbols
    consts: dict = {}
    for d in [lik_stmt] + prior_stmts:
        fam = family(d.family)
        for slot, p in zip(fam.params, d.params):
            p = sub(p)
            for s in p.free_symbols:
                if s in unknowns or s in consts:
                    continue
                if slot in REAL_SLOTS:
                    consts[s] = sp.Symbol(s.name, real=True)
            if isinstance(p, sp.Symbol) and p not in unknowns and slot not in REAL_SLOTS:
                integer = slot in ("N", "r") and lik_fam.name in ("Binomial", "NegBinFailures")
                consts[p] = sp.Symbol(p.name, integer=True, positive=True) if integer else sp.Symbol(p.name, positive=True)
    for d in [lik_stmt] + prior_stmts:
        for p in d.params:
            for s in sub(p).free_symbols:
                if s not in unknowns and s not in consts:
                    consts[s] = sp.Symbol(s.name, positive=True)

    def final(e):
        return _known_functions(sub(e).xreplace(consts))

    lik_params = tuple(final(p) for p in lik_stmt.params)
    written = _written_density(problem, lik_stmt, unknowns, final)
    if written is not None:
        lik_fam = _family_from_density(lik_fam, written, lik_params)
    lik = Likelihood(lik_fam, lik_params, _data_name(lik_stmt.variable))
    priors = [Prior(family(d.family), tuple(final(p) for p in d.params), o) for d, o in zip(prior_stmts, overs)]
    symbols = {str(u): u for u in unknowns}
    symbols.update({str(v): v for v in consts.values()})
    count_name = "n"
    ranges = [r for r in problem.index_ranges] + ([lik_stmt.index_range] if lik_stmt.index_range else [])
    for r in ranges:
        upper = getattr(r, "upper", None) if not isinstance(r, tuple) else r[-1]
        if isinstance(upper, sp.Symbol) and upper.name not in symbols:
            count_name = upper.name
    return Model(lik, priors, tuple(unknowns), sp.Symbol(count_name, integer=True, positive=True), symbols)


def _gaussian_vector_spec(dists) -> dict | None:
    """MVN mean (``x_i ~ N(mu, Sigma)``) or linear regression (``y | X, w ~ N(Xw, s^2 I)``) cells."""
    mvn = [d for d in dists if str(d.family) == "MultivariateNormal"]
    if len(dists) != 2 or len(mvn) != 2:
        return None
    lik = next((d for d in dists if _is_data(d) or d.given), dists[0])
    prior = dists[1] if lik is dists[0] else dists[0]
    w = prior.variable
    if not isinstance(w, sp.MatrixSymbol):
        return None
    mean, cov = lik.params
    spec_prior = {"family": "MultivariateNormal", "params": {"mean": str(prior.params[0]), "cov": str(prior.params[1])},
                  "over": [w.name]}
    if isinstance(mean, sp.MatMul) and mean.has(w):
        design = [a for a in mean.args if isinstance(a, sp.MatrixSymbol) and a != w]
        coeff, mm = cov.as_coeff_mmul() if isinstance(cov, sp.MatMul) else (None, cov)
        if not design or coeff is None or not isinstance(mm, sp.Identity | sp.MatMul):
            return None
        return {"data": {"kind": "regression"}, "design": design[0].name, "target": str(lik.variable),
                "unknown": [{"name": w.name, "shape": "vector(D)"}],
                "likelihood": {"family": "LinearRegression", "params": {"weights": w.name, "var": str(coeff)}},
                "prior": spec_prior}
    if mean == w and isinstance(cov, sp.MatrixSymbol):
        return {"data": {"kind": "iid_vector"}, "unknown": [{"name": w.name, "shape": "vector(D)"}],
                "likelihood": {"family": "MultivariateNormal", "params": {"mean": w.name, "cov": cov.name}},
                "prior": spec_prior}
    return None
