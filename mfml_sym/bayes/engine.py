"""From a model to a :class:`PosteriorResult`: recognise, derive, summarise, check.

This module puts the pieces together and writes the derivation's steps: the likelihood as a
product (summed in logs), the prior, the log joint with the sufficient statistics named, the
kernel recognised, the normaliser, the posterior and its summaries.
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from ..budget import bounded, settings, time_budget
from ..errors import DataError
from ..numeric.finite_differences import rng as make_rng
from . import conjugate as cj
from .checks import guarded, quadrature_check, random_constants
from .data import evaluate_statistics, synthetic_data, validate
from .model import Model
from .nonconjugate import explain_not_conjugate, nonconjugate_result
from .predictive import PREDICTIVE_LOGPDF
from .recognition import LogJoint, Recognition, log_joint, recognise
from .result import PosteriorResult
from ..render.latex_printer import to_latex

__all__ = ["infer", "tidy_log_sum"]


def tidy_log_sum(expr):
    """Group a sum by its log / log-gamma terms and cancel each coefficient and the rest."""
    def work(e):
        e = sp.expand(e)
        atoms = sorted(e.atoms(sp.log, sp.loggamma, sp.Max, sp.Min), key=sp.default_sort_key)
        if not atoms:
            return sp.factor_terms(sp.cancel(e))
        parts = sp.collect(e, atoms, evaluate=False)
        out = sp.S.Zero
        for atom, coeff in parts.items():
            small = sp.count_ops(coeff) < 120  # cancelling a huge rational function costs more than it reads better
            out += (sp.factor_terms(sp.cancel(coeff)) if small else coeff) * atom
        return out
    return bounded(work, expr, fallback=expr, step="tidy the log evidence")


def _statistics_table(joint: LogJoint) -> dict:
    out = {str(joint.model.count): "number of observations"}
    for s in joint.statistics:
        xi = sp.Symbol(f"{joint.x}_i")
        body = sp.sstr(s.function.subs(joint.x, xi))
        out[str(s.symbol)] = (f"sum_i {body}" if s.kind == "sum" else f"{s.kind}_i {body}")
    return out


def _likelihood_steps(res: PosteriorResult, joint: LogJoint) -> None:
    model = joint.model
    i = sp.Symbol("i", integer=True, positive=True)
    xi = sp.Indexed(sp.IndexedBase(str(joint.x)), i)
    theta = model.unknowns
    cond = ", ".join(to_latex(u) for u in theta)
    lik = model.likelihood
    res.add_heading("Likelihood (i.i.d. observations)")
    one = joint.per_observation.subs(joint.x, xi)
    res.add_step(rf"\log p(X \mid {cond})", sp.Sum(one, (i, 1, model.count)),
                 rule=f"log of a product of {lik.family.name} densities is a sum")
    if not joint.nonseparable:
        res.add_step(None, joint.log_likelihood(), rule="sums over i replaced by the statistics "
                     + ", ".join(f"{k} = {v}" for k, v in _statistics_table(joint).items()))
    res.add_heading("Prior")
    for p in model.priors:
        over = ", ".join(to_latex(u) for u in p.over)
        res.add_step(rf"\log p({over})", p.family.logpdf(*p.over, *p.params)[0],
                     rule=f"{p.family.name}({', '.join(map(str, p.params))})")


def _conjugate(res: PosteriorResult, joint: LogJoint, rec: Recognition) -> None:
    model = joint.model
    names = dict(zip(model.unknowns, model.unknown_names))
    cond = ", ".join(to_latex(u) for u in model.unknowns)
    kernel_expr = sum((c * h for h, c in joint.coefficients.items()), sp.S.Zero)
    res.add_heading("Log joint, terms collected")
    res.add_step(rf"\log p(X, {cond})", kernel_expr + sp.Symbol(r"\text{const}"),
                 rule="collect the terms in " + ", ".join(sp.sstr(h) for h in joint.coefficients))
    family, params = cj.present(joint, rec)
    res.conjugate = True
    res.kernel_family, res.kernel_parameters = rec.kernel.name, dict(rec.parameters)
    res.family, res.parameters = family, params
    pretty = ", ".join(f"{k} = {sp.sstr(v)}" for k, v in params.items())
    res.add_heading("Kernel recognised")
    res.add_step(rf"p({cond} \mid X)", sp.exp(kernel_expr), relation=r"\propto",
                 rule=f"kernel of a {rec.kernel.name}: {rec.kernel.description}")
    res.add_step(None, sp.Function(rec.kernel.name)(*rec.order, *rec.parameters.values()),
                 rule="read off the parameters: " + pretty)
    # normaliser and evidence by the candidate's identity
    with time_budget(settings.timeout, step="log evidence"):
        evidence = tidy_log_sum(cj.log_evidence(joint, rec))
    res.log_evidence = evidence
    res.add_heading("Normaliser and evidence")
    res.add_step(r"\log p(X)", evidence, rule="log p(X) = log p(X | θ) + log p(θ) − log p(θ | X), for any θ")
    mean, var, mode = cj.summaries(rec, names)
    res.mean, res.variance, res.mode = mean, var, mode
    res.add_heading("Posterior summaries")
    res.add_result("posterior", sp.Function(family)(*[params[k] for k in params]), label=rf"p({cond} \mid X)")
    for label, value in (("mean", mean), ("variance", var), ("mode", mode)):
        res.add_result(label, value if not isinstance(value, dict) else sp.Matrix(list(value.values())))
        res.add_step(rf"\mathrm{{{label}}}", value if not isinstance(value, dict) else sp.Tuple(*value.values()),
                     rule=f"{label} of a {rec.kernel.name}")
    res.add_result("log_evidence", evidence, label=r"\log p(X)")
    # predictive
    x_new = sp.Symbol(f"{joint.x}_new", **joint.x.assumptions0)
    pred_logpdf = bounded(lambda: tidy_log_sum(cj.predictive_logpdf(joint, evidence, x_new)),
                          seconds=settings.timeout, fallback=None, step="posterior predictive")
    named = cj.named_predictive(joint, rec, family, params)
    res.predictive = {"family": named[0] if named else None, "params": named[1] if named else None,
                      "logpdf": pred_logpdf, "variable": x_new}
    if pred_logpdf is not None:
        res.add_result("predictive_logpdf", pred_logpdf, label=rf"\log p({to_latex(x_new)} \mid X)")
        res.add_step(rf"\log p({to_latex(x_new)} \mid X)", pred_logpdf,
                     rule="log p(X ∪ {x*}) − log p(X)" + (f": a {named[0]}({', '.join(f'{k} = {sp.sstr(v)}' for k, v in named[1].items())})" if named else ""))
    ml = cj.mle(joint)
    if ml:
        res.mle = {names[u]: v for u, v in ml.items()} if len(ml) > 1 else next(iter(ml.values()))
        res.add_step(r"\hat\theta_{\mathrm{ML}}", sp.Tuple(*ml.values()) if len(ml) > 1 else next(iter(ml.values())),
                     rule="maximum likelihood, for comparison (score equation)")


def infer(model: Model, data: dict | None = None, check: bool = True, steps: bool = True,
          title: str = "", problem=None) -> PosteriorResult:
    """Run the whole derivation for ``model``; ``data`` maps the data name (and constants) to values."""
    res = PosteriorResult(title or "posterior: " + model.describe(), problem=problem)
    res.model = model
    res.show_steps = steps
    res.unknowns = model.unknown_names
    joint = log_joint(model)
    res.statistics = _statistics_table(joint)
    _likelihood_steps(res, joint)
    values, arr = _data_values(model, data)
    rec = recognise(joint)
    if rec is not None:
        _conjugate(res, joint, rec)
    else:
        res.reason = explain_not_conjugate(joint)
        nonconjugate_result(res, joint, values, arr)
        if len(model.unknowns) > 1:
            _conditionals(res, model)
    if arr is not None:
        _numbers(res, joint, values, arr)
    if check and rec is not None:
        _register_check(res, joint, rec, values, arr)
    return res


def _conditionals(res: PosteriorResult, model: Model) -> None:
    """Full conditionals p(θ_j | θ_-j, X): each recognised with the other unknowns held fixed."""
    from dataclasses import replace

    found = {}
    for k, u in enumerate(model.unknowns):
        priors = [p for p in model.priors if u in p.over]
        if any(len(p.over) > 1 for p in priors):
            return
        sub = replace(model, priors=priors, unknowns=(u,))
        rec = recognise(log_joint(sub))
        if rec is None:
            found = {}
            break
        family, params = rec.kernel.name, rec.parameters
        found[model.unknown_names[k]] = {"family": family, "parameters": params}
    if found:
        res.conditionals = found
        res.add_heading("Conditionally conjugate")
        for name, c in found.items():
            others = ", ".join(n for n in model.unknown_names if n != name)
            res.add_step(rf"p({name} \mid {others}, X)", sp.Function(c["family"])(*c["parameters"].values()),
                         rule="kernel recognised with the other unknowns held fixed (a Gibbs sampler's update)")


def _data_values(model: Model, data: dict | None):
    if not data:
        return {}, None
    data = dict(data)
    name = model.likelihood.data_name
    raw = data.pop(name, None)
    values = {}
    for k, v in data.items():
        sym = model.symbols.get(k)
        if sym is None or sym in model.unknowns:
            raise DataError(f"data names {k!r}, which is not a constant of this model "
                            f"(data: {name!r}; constants: {', '.join(sorted(str(s) for s in model.constants()))})")
        values[sym] = v
    if raw is None:
        return values, None
    known = {str(k): float(v) for k, v in values.items()}
    for slot, p in zip(model.likelihood.family.params, model.likelihood.params):
        if slot == "N" and p.is_number:
            known["N"] = float(p)
        elif slot == "N" and str(p) in known:
            known["N"] = known[str(p)]
    return values, validate(model.likelihood.family, raw, known, name)


def _numbers(res: PosteriorResult, joint: LogJoint, values: dict, arr: np.ndarray) -> None:
    stats = evaluate_statistics(joint.statistics, joint.x, arr, joint.model.count, values)
    subs = {**values, **stats}

    def ev(e):
        if e is None:
            return None
        if isinstance(e, dict):
            return {k: ev(v) for k, v in e.items()}
        return sp.sympify(e).subs(subs)
    res.numbers = {"statistics": {str(k): v for k, v in stats.items()}, "substitutions": subs,
                   "parameters": ev(res.parameters),
                   "mean": ev(res.mean), "variance": ev(res.variance), "mode": ev(res.mode),
                   "log_evidence": ev(res.log_evidence), "mle": ev(res.mle), "map": res.map,
                   "laplace": res.laplace}
    if res.conjugate:
        res.add_step(r"\text{with the data}", sp.Function(res.family)(*ev(res.parameters).values()),
                     rule=", ".join(f"{k} = {v:g}" for k, v in res.numbers["statistics"].items()))


def _register_check(res, joint, rec, values, arr):
    def checker():
        gen = make_rng()
        vals = dict(values)
        vals.update({s: v for s, v in random_constants(joint.model.constants() - set(vals), gen).items()})
        known = {str(k): v for k, v in vals.items()}
        for slot, p in zip(joint.model.likelihood.family.params, joint.model.likelihood.params):
            value = sp.sympify(p).subs(vals)
            if value.is_number:
                known[slot] = float(value)
        data = arr if arr is not None else synthetic_data(joint.model.likelihood.family, known, gen)
        xs = _predictive_points(joint, data)
        report = quadrature_check(joint, rec, res, vals, data, xs)
        named = (res.predictive or {}).get("family")
        if named in PREDICTIVE_LOGPDF and res.predictive.get("logpdf") is not None:
            _compare_named(report, joint, res, vals, data, xs)
        return report
    res.add_check(guarded(checker))


def _predictive_points(joint, data):
    sup = joint.model.likelihood.family.support
    if sup == "binary":
        return [0.0, 1.0]
    if sup.startswith("count"):
        return [float(np.min(data)), float(np.max(data))]
    return [float(np.quantile(data, 0.3)), float(np.quantile(data, 0.8)), float(np.max(data)) * 1.3 + 0.1]


def _compare_named(report, joint, res, vals, data, xs):
    """The derived predictive density equals the named compound distribution's density."""
    from ..numeric.finite_differences import relative_error

    stats = evaluate_statistics(joint.statistics, joint.x, data, joint.model.count, vals)
    subs = {**vals, **stats}
    x_new = res.predictive["variable"]
    named = PREDICTIVE_LOGPDF[res.predictive["family"]](x_new, res.predictive["params"])
    f1 = sp.lambdify(x_new, sp.sympify(res.predictive["logpdf"]).subs(subs).evalf(), modules=["scipy", "numpy"])
    f2 = sp.lambdify(x_new, named.subs(subs).evalf(), modules=["scipy", "numpy"])
    err = max(relative_error(np.exp(float(f1(x))), np.exp(float(f2(x)))) for x in xs)
    report.details.append(f"predictive equals the {res.predictive['family']} density: max rel. error {err:.1e}")
    report.max_error = max(report.max_error, err)
    report.passed = report.passed and err < report.tolerance
