"""When no kernel matches: say why, and give what can honestly be given.

The unnormalised log posterior, its gradient, the MAP (the score equation solved symbolically
when sympy can within the budget, numerically with scipy when data are given) and the Laplace
approximation ``N(θ_MAP, (−∇² log p(θ | X))⁻¹)`` at the MAP (MML Sec. 9 / Bishop PRML Sec. 4.4).
Never a closed-form posterior that does not exist.
"""
from __future__ import annotations

import numpy as np
import sympy as sp
from scipy import optimize

from ..budget import bounded
from ..derivation import CheckReport
from ..numeric.finite_differences import central_difference, relative_error
from .checks import guarded
from .kernels import JOINT_KERNELS, SCALAR_KERNELS
from ..render.latex_printer import to_latex

__all__ = ["explain_not_conjugate", "nonconjugate_result", "log_posterior_expression"]


def explain_not_conjugate(joint) -> str:
    """One sentence on why the log joint matches no exponential-family kernel."""
    names = ", ".join(map(str, joint.model.unknowns))
    if joint.nonseparable:
        terms = ", ".join(sp.sstr(t) for t in joint.nonseparable[:2])
        return (f"not conjugate: the term(s) {terms} of the log likelihood couple the data and {names} "
                "inseparably, so no finite set of sufficient statistics exists and the posterior matches "
                "no exponential-family kernel")
    stats = ", ".join(sp.sstr(h) for h in joint.coefficients)
    kernels = SCALAR_KERNELS if len(joint.model.unknowns) == 1 else JOINT_KERNELS
    known = "; ".join(f"{k.name}: {k.description}" for k in kernels)
    return (f"not conjugate: the log posterior is a combination of {stats} in {names}, which matches no "
            f"exponential-family kernel on the support of {names} ({known})")


def log_posterior_expression(joint):
    """Unnormalised log posterior: separable part in the statistics, the rest as a sum over i."""
    model = joint.model
    i = sp.Symbol("i", integer=True, positive=True)
    xi = sp.Indexed(sp.IndexedBase(str(joint.x)), i)
    coupled = sum(joint.nonseparable, sp.S.Zero)
    expr = sum((c * h for h, c in joint.coefficients.items()), sp.S.Zero)
    if coupled != 0:
        expr += sp.Sum(coupled.subs(joint.x, xi), (i, 1, model.count))
    return expr


def nonconjugate_result(res, joint, values: dict, data) -> None:
    model = joint.model
    u = list(model.unknowns)
    res.conjugate = False
    res.family = None
    lp = log_posterior_expression(joint)
    res.log_posterior = lp
    grad = [sp.diff(lp, v) for v in u]
    res.gradient = grad[0] if len(u) == 1 else sp.Matrix(grad)
    cond = ", ".join(to_latex(v) for v in u)
    res.add_heading("Not conjugate")
    res.notes.append(res.reason)
    res.add_step(rf"\log p({cond} \mid X)", lp + sp.Symbol(r"\text{const}"), relation="=",
                 rule=res.reason)
    res.add_step(rf"\nabla \log p({cond} \mid X)", res.gradient, rule="differentiate term by term")
    res.add_result("log_posterior", lp, label=rf"\log \tilde p({cond} \mid X)")
    res.add_result("gradient", res.gradient)
    if not joint.nonseparable:
        def solve():
            try:
                return sp.solve(grad, u, dict=True)
            except (NotImplementedError, ValueError, TypeError):
                return None
        sol = bounded(solve, seconds=1.5, fallback=None, step="score equation")
        if sol:
            res.map = {str(k): v for k, v in sol[0].items()}
            res.add_step(r"\hat\theta_{\mathrm{MAP}}", sp.Tuple(*sol[0].values()), rule="solve the score equation")
    if data is not None:
        _numeric_map(res, joint, values, data)
    else:
        res.add_check(guarded(lambda: _gradient_check(joint, values)))


def _gradient_check(joint, values) -> CheckReport:
    """The gradient formula against finite differences of the log posterior, on synthetic data."""
    from .checks import random_constants
    from .data import synthetic_data
    from ..numeric.finite_differences import rng as make_rng

    model = joint.model
    gen = make_rng()
    vals = dict(values)
    vals.update(random_constants(model.constants() - set(vals), gen))
    known = {}
    for slot, p in zip(model.likelihood.family.params, model.likelihood.params):
        v = sp.sympify(p).subs(vals)
        if v.is_number:
            known[slot] = float(v)
    data = synthetic_data(model.likelihood.family, known, gen)
    f = _numeric_log_posterior(joint, vals, data)
    u = list(model.unknowns)
    d_obs = [sp.lambdify([joint.x] + u, sp.diff(joint.per_observation, v).subs(vals).evalf(), modules=["scipy", "numpy"])
             for v in u]
    d_pri = [sp.lambdify(u, sp.diff(joint.log_prior, v).subs(vals).evalf(), modules=["scipy", "numpy"]) for v in u]
    worst = 0.0
    for _ in range(4):
        theta = []
        for s in joint.supports:
            lo = float(s.lower) if sp.sympify(s.lower).is_number and s.lower != -sp.oo else None
            hi = float(s.upper) if sp.sympify(s.upper).is_number and s.upper != sp.oo else None
            if lo is not None and hi is not None:
                theta.append(gen.uniform(lo + 0.1 * (hi - lo), hi - 0.1 * (hi - lo)))
            elif lo is not None:
                theta.append(lo + gen.uniform(0.5, 2.0))
            else:
                theta.append(gen.normal(0.3, 0.7))
        theta = np.array(theta)
        g = np.array([float(np.sum(np.broadcast_to(d(data, *theta), data.shape))) + float(p(*theta))
                      for d, p in zip(d_obs, d_pri)])
        fd = central_difference(f, theta)
        worst = max(worst, relative_error(g, fd))
    return CheckReport(passed=worst < 1e-6, method="gradient of the log posterior against finite differences "
                       "(synthetic data)", points=4, max_error=worst, tolerance=1e-6, what="gradient")


def _numeric_log_posterior(joint, values, data):
    model = joint.model
    u = list(model.unknowns)
    per_obs = sp.lambdify([joint.x] + u, joint.per_observation.subs(values), modules=["scipy", "numpy"])
    prior = sp.lambdify(u, joint.log_prior.subs(values), modules=["scipy", "numpy"])

    def f(theta):
        theta = np.atleast_1d(theta)
        with np.errstate(all="ignore"):
            v = float(np.sum(np.broadcast_to(per_obs(data, *theta), data.shape)) + prior(*theta))
        return v if np.isfinite(v) else -np.inf
    return f


def _numeric_map(res, joint, values, data) -> None:
    """MAP by numeric optimisation over the support, Laplace approximation, and their check."""
    model = joint.model
    f = _numeric_log_posterior(joint, values, data)
    sups = joint.supports
    bounds = []
    for s in sups:
        lo = float(s.lower) if s.lower != -sp.oo and sp.sympify(s.lower).is_number else None
        hi = float(s.upper) if s.upper != sp.oo and sp.sympify(s.upper).is_number else None
        bounds.append((None if lo is None else lo + 1e-9, None if hi is None else hi - 1e-9))
    x0 = np.array([(b[0] + 0.5 if b[1] is None else (b[0] + b[1]) / 2) if b[0] is not None else
                   (0.0 if b[1] is None else b[1] - 0.5) for b in bounds])
    out = optimize.minimize(lambda t: -f(t), x0, method="L-BFGS-B", bounds=bounds)
    out = optimize.minimize(lambda t: -f(t), out.x, method="Nelder-Mead",
                            options={"xatol": 1e-12, "fatol": 1e-14, "maxiter": 5000})
    theta = np.atleast_1d(out.x)
    h = central_difference(lambda t: central_difference(f, t), theta)
    cov = np.linalg.inv(-(h + h.T) / 2) if np.all(np.isfinite(h)) and np.linalg.det(-h) > 0 else None
    names = model.unknown_names
    res.map = {n: float(t) for n, t in zip(names, theta)}
    res.laplace = {"mean": res.map, "cov": cov.tolist() if cov is not None else None}
    shown = ", ".join(f"{n} = {t:.6g}" for n, t in zip(names, theta))
    res.add_step(r"\hat\theta_{\mathrm{MAP}}", sp.Tuple(*[sp.Float(t, 8) for t in theta]),
                 rule=f"maximise the log posterior numerically (scipy): {shown}")
    if cov is not None:
        res.add_step(r"\text{Laplace}", sp.Matrix(cov).evalf(6), rule="covariance (−Hessian of log posterior at MAP)⁻¹")

    def checker():
        g = central_difference(f, theta)
        scale = max(1.0, float(np.max(np.abs(h))) * float(np.max(np.abs(theta)) + 1))
        err = float(np.max(np.abs(g))) / scale
        # independent: a grid search around the optimum never finds a higher value
        deltas = [d for d in (-1e-3, 1e-3)]
        higher = any(f(theta + d * np.eye(len(theta))[k]) > f(theta) + 1e-12 for k in range(len(theta)) for d in deltas)
        return CheckReport(passed=err < 1e-5 and not higher, method="finite-difference gradient at the MAP",
                           points=1, max_error=err, tolerance=1e-5, what="MAP")
    res.add_check(guarded(checker))
