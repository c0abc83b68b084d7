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
        return sub(e).xreplace(consts)

    lik = Likelihood(lik_fam, tuple(final(p) for p in lik_stmt.params), _data_name(lik_stmt.variable))
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
