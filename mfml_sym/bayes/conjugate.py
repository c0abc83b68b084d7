"""A recognised (conjugate) posterior and everything that comes with it.

* evidence by the candidate's identity ``log p(X) = log p(X | θ) + log p(θ) − log p(θ | X)``,
  which holds for every θ in the support (Besag 1989; Chib 1995) — with both densities fully
  normalised, the θ-terms cancel and what is left is the closed-form log marginal likelihood;
* predictive by the same identity one observation later:
  ``log p(x* | X) = log p(X, x*) − log p(X)``, the statistics updated with ``x*``;
* mean, variance and mode from the recognised family;
* the MLE from the score equation of the collected log likelihood, for comparison.
"""
from __future__ import annotations

import sympy as sp

from ..budget import bounded
from .kernels import Kernel
from .predictive import name_predictive
from .recognition import LogJoint, Recognition, expand_terms

__all__ = ["log_evidence", "predictive_logpdf", "present", "summaries", "unknown_slot", "mle"]


def log_evidence(joint: LogJoint, rec: Recognition) -> sp.Expr:
    """``log p(X)`` in closed form (statistics and hyperparameters)."""
    kernel: Kernel = rec.kernel
    log_post = kernel.logpdf(rec.order, rec.parameters)
    diff = expand_terms(joint.expression() - log_post)
    left = diff.free_symbols & set(rec.order)
    if left:  # mathematically constant in θ; evaluate at a point of the support
        point = kernel.point(rec.parameters, [joint.supports[joint.model.unknowns.index(u)] for u in rec.order])
        point = point if isinstance(point, tuple) else (point,)
        diff = expand_terms(diff.subs(dict(zip(rec.order, point))))
    return diff


def updated_statistics(joint: LogJoint, x_new) -> dict:
    """Statistics after one more observation ``x_new`` (n + 1, s + x*, max(x_max, x*), ...)."""
    subs = {joint.model.count: joint.model.count + 1}
    for s in joint.statistics:
        if s.kind == "sum":
            subs[s.symbol] = s.symbol + s.function.subs(joint.x, x_new)
        elif s.kind == "max":
            subs[s.symbol] = sp.Max(s.symbol, x_new)
        else:
            subs[s.symbol] = sp.Min(s.symbol, x_new)
    return subs


def predictive_logpdf(joint: LogJoint, evidence: sp.Expr, x_new) -> sp.Expr:
    """``log p(x* | X) = log p(X ∪ {x*}) − log p(X)``."""
    return expand_terms(evidence.xreplace(updated_statistics(joint, x_new)) - evidence)


def unknown_slot(joint: LogJoint, rec: Recognition) -> tuple[str, dict]:
    """Which likelihood parameter the posterior is over, and the known ones by name."""
    lik = joint.model.likelihood
    names = lik.family.params
    known = {n: v for n, v in zip(names, lik.params) if not (getattr(v, "free_symbols", set()) & set(rec.order))}
    if len(rec.order) == 2:
        return "joint", known
    u = rec.order[0]
    for n, v in zip(names, lik.params):
        if v == u:
            return n, known
        if sp.simplify(v - 1 / u) == 0:
            return ("precision" if n == "var" else "inverse " + n), known
    return "other", known


def present(joint: LogJoint, rec: Recognition) -> tuple[str, dict]:
    """The family and parameters to show: the prior's own parameterisation when it is closed.

    A scaled-inverse-χ² prior gives a scaled-inverse-χ² posterior (ν = 2α, s² = β/α); a Gamma
    prior written with a scale keeps the scale; otherwise the recognised family as is.
    """
    name, params = rec.kernel.name, dict(rec.parameters)
    priors = joint.model.priors
    if len(priors) == 1:
        prior = priors[0]
        if prior.family.name == "ScaledInvChi2" and name == "InverseGamma":
            a, b = params["shape"], params["scale"]
            return "ScaledInvChi2", {"nu": _tidy(2 * a), "s2": _tidy(b / a)}
        if prior.family.name == "Gamma" and name == "Gamma" and ("scale" in prior.written or "theta" in prior.written):
            params["scale"] = _tidy(1 / params["rate"])
    return name, params


def _tidy(e):
    return bounded(lambda v: sp.factor_terms(sp.cancel(v)), e, fallback=e, step="tidy")


def summaries(rec: Recognition, names: dict) -> tuple:
    """(mean, variance, mode) of the recognised posterior; dicts keyed by name for joint posteriors."""
    p = rec.parameters
    k = rec.kernel
    mean, var, mode = k.mean(p), k.variance(p), k.mode(p)

    def factored(v):
        return bounded(sp.factor, v, fallback=_tidy(v), step="factor the variance")
    if isinstance(mean, tuple):
        keys = [names[u] for u in rec.order]
        return ({kk: _tidy(v) for kk, v in zip(keys, mean)}, {kk: factored(v) for kk, v in zip(keys, var)},
                {kk: _tidy(v) for kk, v in zip(keys, mode)})
    return _tidy(mean), factored(var), _tidy(mode)


def mle(joint: LogJoint) -> dict | None:
    """Maximum-likelihood estimate from the score equations of the collected log likelihood."""
    unknowns = joint.model.unknowns
    loglik = joint.log_likelihood()
    bounds = [s.data_lower for s in joint.supports]
    if len(unknowns) == 1 and bounds[0]:
        # a likelihood decreasing in θ on θ ≥ max x_i (Uniform(0, θ)): the MLE is the bound
        d = sp.diff(loglik, unknowns[0])
        if d.is_negative:
            return {unknowns[0]: sp.Max(*bounds[0]) if len(bounds[0]) > 1 else bounds[0][0]}
    score = [sp.diff(loglik, u) for u in unknowns]

    def solve():
        try:
            return sp.solve(score, list(unknowns), dict=True)
        except (NotImplementedError, ValueError, TypeError):
            return None

    solutions = bounded(solve, seconds=1.5, fallback=None, step="solve the score equation")
    if not solutions:
        return None
    for sol in solutions:
        if len(sol) == len(unknowns):
            return {u: _tidy(sol[u]) for u in unknowns}
    return None


def named_predictive(joint: LogJoint, rec: Recognition, family: str, params: dict):
    slot, known = unknown_slot(joint, rec)
    lik_name = joint.model.likelihood.family.name.replace(" (density as written)", "")
    return name_predictive(lik_name, known, family, params, slot) or \
        name_predictive(lik_name, known, rec.kernel.name, rec.parameters, slot)
