"""Numeric verification of a posterior against quadrature of prior × likelihood.

The integrand is built from the *original* densities (one log density per observation, summed
over the data, plus the log prior) — not from the collected form the recognition produced — and
integrated with ``scipy.integrate.quad`` (one unknown) or nested ``quad`` (two). The evidence
``∫ p(X | θ) p(θ) dθ``, the posterior mean and variance, the closed-form posterior density at a
few points and the predictive density at a few new observations are compared with the
closed forms.
"""
from __future__ import annotations

import math
import warnings

import numpy as np
import sympy as sp
from scipy import integrate

from ..derivation import CheckReport
from ..numeric.finite_differences import relative_error

__all__ = ["quadrature_check", "random_constants", "guarded"]


def random_constants(symbols, rng: np.random.Generator) -> dict:
    """Values for hyperparameters and known constants consistent with their assumptions."""
    out = {}
    for s in sorted(symbols, key=str):
        if s.is_integer:
            out[s] = int(rng.integers(3, 8))
        elif s.is_positive:
            out[s] = float(rng.uniform(1.5, 4.0))
        else:
            out[s] = float(rng.uniform(-1.0, 1.0))
    return out


def _numeric(expr, args):
    return sp.lambdify(args, sp.sympify(expr).evalf(), modules=["scipy", "numpy"])


def _log_joint_function(joint, values: dict, data: np.ndarray):
    """θ ↦ Σ_i log p(x_i | θ) + log p(θ) from the original densities (−inf outside the support)."""
    model = joint.model
    u = list(model.unknowns)
    per_obs = _numeric(joint.per_observation.subs(values), [joint.x] + u)
    prior = _numeric(joint.log_prior.subs(values), u)
    lik = model.likelihood
    _, relations = lik.family.logpdf(joint.x, *[sp.sympify(p).subs(values) for p in lik.params])
    checks = [_numeric(r, [joint.x] + u) for r in relations if r not in (sp.true, True)]
    prior_rel = []
    for p in model.priors:
        if p.family.over == 1:
            _, rels = p.family.logpdf(p.over[0], *[sp.sympify(q).subs(values) for q in p.params])
            prior_rel += [_numeric(r, u) for r in rels if r not in (sp.true, True)]

    def f(*theta):
        with np.errstate(all="ignore"):
            for c in checks:
                if not np.all(c(data, *theta)):
                    return -np.inf
            for c in prior_rel:
                if not c(*theta):
                    return -np.inf
            val = float(np.sum(np.broadcast_to(per_obs(data, *theta), data.shape)) + prior(*theta))
        return val if np.isfinite(val) else -np.inf
    return f


def _pieces(lo, hi, center, scale):
    """Integration intervals that put a fine piece around the bulk of the posterior."""
    a, b = center - 12 * scale, center + 12 * scale
    a, b = max(a, lo), min(b, hi)
    edges = [lo, a, b, hi] if a < b else [lo, hi]
    return [(edges[k], edges[k + 1]) for k in range(len(edges) - 1) if edges[k] < edges[k + 1]]


def _quad(f, lo, hi, center, scale, eps=1e-11):
    total = 0.0
    for a, b in _pieces(lo, hi, center, scale):
        pts = [center] if a < center < b and math.isfinite(a) and math.isfinite(b) else None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            val, _ = integrate.quad(f, a, b, points=pts, limit=200, epsabs=0, epsrel=eps)
        total += val
    return total


def _grid_moments_2d(joint, values, data, order, center, scale, shift, nodes: int = 320):
    """Moments of a posterior over (real, positive) by tensor Gauss–Legendre quadrature.

    The real coordinate is integrated over mean ± 16 sd, the positive one over log-space
    (log mean ± 10), where the integrand is smooth and its tails are negligible.
    """
    model = joint.model
    u = list(model.unknowns)
    per_obs = _numeric(joint.per_observation.subs(values), [joint.x] + u)
    prior = _numeric(joint.log_prior.subs(values), u)
    g, w = np.polynomial.legendre.leggauss(nodes)
    a0, b0 = center[0] - 16 * scale[0], center[0] + 16 * scale[0]
    t0 = (b0 - a0) / 2 * g + (a0 + b0) / 2
    w0 = (b0 - a0) / 2 * w
    c1 = math.log(center[1])
    a1, b1 = c1 - 10, c1 + 10
    l1 = (b1 - a1) / 2 * g + (a1 + b1) / 2
    t1 = np.exp(l1)
    w1 = (b1 - a1) / 2 * w * t1  # dv = v du
    T0, T1 = np.meshgrid(t0, t1, indexing="ij")
    by = dict(zip(order, (T0, T1)))
    args = [by[v] for v in u]
    with np.errstate(all="ignore"):
        total = prior(*args) - shift
        for x in data:
            total = total + per_obs(x, *args)
        dens = np.where(np.isfinite(total), np.exp(total), 0.0) * np.outer(w0, w1)
    z = float(dens.sum())
    m1 = [float((T0 * dens).sum() / z), float((T1 * dens).sum() / z)]
    m2 = [float(((T0 - m1[0]) ** 2 * dens).sum() / z), float(((T1 - m1[1]) ** 2 * dens).sum() / z)]
    return z, m1, m2


def guarded(checker):
    """A check that cannot crash the display: an exception becomes a failed report naming it."""
    def run() -> CheckReport:
        try:
            return checker()
        except Exception as exc:  # noqa: BLE001 - any failure of the check is reported as a failure
            return CheckReport(passed=False, method="numeric check could not run",
                               details=[f"{type(exc).__name__}: {exc}"], max_error=float("inf"))
    return run


def quadrature_check(joint, rec, result, values: dict, data: np.ndarray, x_news=()) -> CheckReport:
    """Compare evidence, mean, variance, density and predictive with quadrature."""
    from .data import evaluate_statistics

    model = joint.model
    stats = evaluate_statistics(joint.statistics, joint.x, data, model.count, values)
    subs = {**values, **stats}
    lj = _log_joint_function(joint, values, data)
    order = rec.order
    idx = [model.unknowns.index(u) for u in order]
    supports = [joint.supports[i] for i in idx]
    bounds = []
    for s in supports:
        lo = float(sp.sympify(s.effective_lower()).subs(subs)) if s.effective_lower() != -sp.oo else -np.inf
        hi = float(sp.sympify(s.upper).subs(subs)) if s.upper != sp.oo else np.inf
        bounds.append((lo, hi))
    names = model.unknown_names
    mean = result.mean if isinstance(result.mean, dict) else {names[0]: result.mean}
    var = result.variance if isinstance(result.variance, dict) else {names[0]: result.variance}
    inv = {v: k for k, v in model.symbols.items()}
    key = [inv.get(u, str(u)) for u in order]
    m_cf = [float(sp.sympify(mean[k]).subs(subs)) for k in key]
    v_cf = [float(sp.sympify(var[k]).subs(subs)) for k in key]
    center = [m if np.isfinite(m) else (b[0] + 1 if np.isfinite(b[0]) else 0.0) for m, b in zip(m_cf, bounds)]
    scale = [math.sqrt(v) if np.isfinite(v) and v > 0 else 1.0 for v in v_cf]
    ev_cf = float(sp.sympify(result.log_evidence).subs(subs))
    log_post = rec.kernel.logpdf(order, rec.parameters)
    lp_cf = _numeric(log_post.subs(subs), list(order))
    details, errors = [], []

    # shift by the closed-form evidence so the integrand is O(1) where the posterior lives
    if len(order) == 1:
        lo, hi = bounds[0]
        post = lambda t: math.exp(lj(t) - ev_cf) if lj(t) > -np.inf else 0.0  # noqa: E731
        z = _quad(post, lo, hi, center[0], scale[0])
        m1 = _quad(lambda t: t * post(t), lo, hi, center[0], scale[0]) / z
        m2 = _quad(lambda t: (t - m1) ** 2 * post(t), lo, hi, center[0], scale[0]) / z
        pts = [center[0] + d * scale[0] for d in (-0.7, 0.1, 0.9)]
        pts = [p for p in pts if lo < p < hi and (not supports[0].data_lower or p > lo)]
    else:
        z, m1, m2 = _grid_moments_2d(joint, values, data, order, center, scale, ev_cf)
        pts = [(center[0] + 0.3 * scale[0], center[1] + 0.2 * scale[1])]
    err_ev = abs(math.log(z)) if z > 0 else float("inf")
    errors.append(err_ev)
    details.append(f"evidence: closed form {ev_cf:.10g}, quadrature {ev_cf + math.log(z) if z > 0 else float('nan'):.10g}")
    m_q = [m1] if len(order) == 1 else m1
    v_q = [m2] if len(order) == 1 else m2
    for k, mc, vc, mq, vq in zip(key, m_cf, v_cf, m_q, v_q):
        if np.isfinite(mc):
            errors.append(relative_error(mc, mq))
            details.append(f"mean of {k}: closed form {mc:.10g}, quadrature {mq:.10g}")
        if np.isfinite(vc) and vc > 0:
            errors.append(relative_error(vc, vq))
            details.append(f"variance of {k}: closed form {vc:.10g}, quadrature {vq:.10g}")
    for p in pts:
        p = p if isinstance(p, tuple) else (p,)
        num = lj(*_unorder(order, model.unknowns, p)) - ev_cf - math.log(z)
        errors.append(abs(float(lp_cf(*p)) - num))
    pred = result.predictive or {}
    if pred.get("logpdf") is not None and len(order) == 1:
        x_new = pred["variable"]
        lp_pred = _numeric(sp.sympify(pred["logpdf"]).subs(subs), [x_new])
        per_obs = _numeric(joint.per_observation.subs(values), [joint.x] + list(model.unknowns))
        lo, hi = bounds[0]
        for xs in x_news:
            def integrand(t):
                v = lj(t)
                if v == -np.inf:
                    return 0.0
                one = per_obs(xs, t)
                if model.likelihood.family.name == "Uniform" and xs > t:
                    return 0.0
                return math.exp(v - ev_cf + float(one)) / z
            q = _quad(integrand, lo, hi, center[0], scale[0])
            closed = math.exp(float(lp_pred(xs)))
            errors.append(relative_error(closed, q))
            details.append(f"predictive at {xs:g}: closed form {closed:.10g}, quadrature {q:.10g}")
    worst = max(errors) if errors else float("inf")
    tol = 1e-6
    return CheckReport(passed=bool(worst < tol), method="quadrature of prior × likelihood (scipy.integrate.quad)",
                       points=len(data), max_error=worst, tolerance=tol, what="posterior, evidence, predictive",
                       details=details,
                       counterexample=None if worst < tol else {str(k): v for k, v in values.items()})


def _unorder(order, unknowns, point):
    """A point given in the kernel's order, rearranged into the model's order of unknowns."""
    by = dict(zip(order, point))
    return tuple(by[u] for u in unknowns)
