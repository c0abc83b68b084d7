"""Numeric verification of a constrained-optimisation result (``LagrangeResult.check()``).

* optimal: the claimed optimum is feasible, satisfies the KKT conditions with its multipliers
  (finite-difference gradients), is not beaten by SLSQP from many random starts in the problem's
  sampling box, nor by feasible points near it (random perturbations projected back onto the
  constraints); a parametric optimum is checked at random parameter values.
* unbounded: the certificate path is feasible and the objective keeps improving along it.
* infeasible: no start of a violation-minimising search reaches a feasible point.
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from ..derivation import CheckReport
from .model import LagrangeResult
from .numeric import NumericProblem, min_violation, multistart, numeric_multipliers, project, repair
from .sampling import numeric_value, parameter_samples

__all__ = ["make_checker"]


def _box(result: LagrangeResult, sample) -> tuple[float, float]:
    p = result.problem
    if p.box is not None:
        lo, hi = p.box
        scale = 1.0
        return (lo * scale, hi * scale)
    mags = [3.0]
    for c in result.candidates:
        for v in c.point.values():
            z = numeric_value(v, sample)
            if np.isfinite(z.real):
                mags.append(2 * abs(z.real))
    B = max(mags)
    return (-B, B)


def _point_array(result, cand, sample):
    pt = cand.numeric_point(sample)
    return np.array([pt[str(v)] for v in result.problem.variables])


def check_optimal(result: LagrangeResult, starts: int) -> CheckReport:
    p = result.problem
    samples = parameter_samples(p, 3, seed=101) if p.parameters else [{}]
    worst = 0.0
    details = []
    n_points = 0
    for s in samples:
        npb = NumericProblem(p, s)
        box = _box(result, s)
        if p.box is not None and p.parameters:
            # a box given relative to a parameter's scale in the examples: widen generously
            box = (min(box[0], -10.0), max(box[1], 10.0))
        for cand in result.optimal_points or [result.optimum]:
            x = _point_array(result, cand, s)
            Fstar = npb.F(x)
            scale = 1.0 + abs(Fstar)
            viol = npb.violation(x)
            n_points += 1
            if viol > (1e-6 if cand.numeric else 1e-8) * (1 + np.max(np.abs(x))):
                return CheckReport(False, "feasibility of the claimed optimum", points=n_points, max_error=viol,
                                   what="constraints", counterexample={**{str(k): v for k, v in s.items()}, "violation": viol},
                                   details=[f"the claimed optimum violates the constraints by {viol:.2e}"])
            if cand.multipliers is not None and not cand.numeric:
                lam, mu, active, residual = numeric_multipliers(p, s, x)
                lam_c = [numeric_value(cand.multipliers[str(l)], s).real for l in result.multiplier_symbols[0]]
                mu_c = [numeric_value(cand.multipliers[str(m)], s).real for m in result.multiplier_symbols[1]]
                gF = _fd_grad(npb.F, x)
                total = gF.copy()
                for k, l in enumerate(lam_c):
                    total += l * _fd_grad(lambda z, k=k: npb.h(z)[k], x)
                for j, m in enumerate(mu_c):
                    if m != 0:
                        total += m * _fd_grad(lambda z, j=j: npb.g(z)[j], x)
                gs = npb.g(x)
                comp = max([abs(m * g) for m, g in zip(mu_c, gs)], default=0.0)
                kkt_err = float(np.linalg.norm(total)) / (1 + float(np.linalg.norm(gF)))
                err = max(kkt_err, comp / scale, max([-m for m in mu_c], default=0.0))
                worst = max(worst, err)
                if err > 1e-5:
                    return CheckReport(False, "KKT conditions with finite-difference gradients", points=n_points,
                                       max_error=err, tolerance=1e-5, what="multipliers",
                                       counterexample={str(k): v for k, v in s.items()} or None,
                                       details=[f"stationarity/complementarity residual {err:.2e} at the claimed optimum"])
            found = multistart(npb, box, count=starts, seed=17, centre=x)
            if found:
                xb, Fb, vb = _trusted(p, s, npb, found, Fstar, scale)
                # a point that is feasible only up to vb may gain up to ~|grad F| sqrt(vb) where the
                # feasible set is degenerate (tangent constraints): such a gap is not a counterexample
                slack = 10.0 * float(np.linalg.norm(_fd_grad(npb.F, xb))) * float(np.sqrt(vb))
                if Fb < Fstar - max(1e-6 * scale, slack):
                    ce = {str(v): float(xi) for v, xi in zip(p.variables, xb)}
                    ce.update({str(k): v for k, v in s.items()})
                    ce["f"] = p.user_value(Fb)
                    return CheckReport(False, f"SLSQP from {starts} starts", points=n_points,
                                       max_error=(Fstar - Fb) / scale, what="global optimum", counterexample=ce,
                                       details=[f"the optimiser found f = {p.user_value(Fb):.10g}, better than the claimed "
                                                f"{p.user_value(Fstar):.10g}"])
                worst = max(worst, max(0.0, (Fstar - Fb - slack) / scale))
            gen = np.random.default_rng(23)
            for _ in range(8):
                target = x + gen.normal(size=x.shape) * 1e-3 * np.maximum(1.0, np.abs(x))
                y = project(npb, target, x_start=target)
                if y is not None:
                    y = repair(p, s, y)
                if y is None or npb.violation(y) > 1e-9 * (1 + float(np.max(np.abs(y)))):
                    continue
                Fy = npb.F(y)
                slack = 10.0 * float(np.linalg.norm(_fd_grad(npb.F, y))) * float(np.sqrt(npb.violation(y)))
                if Fy < Fstar - max(1e-7 * scale, slack):
                    return CheckReport(False, "feasible perturbations", points=n_points, max_error=(Fstar - Fy) / scale,
                                       what="local optimality", counterexample={str(v): float(c) for v, c in zip(p.variables, y)})
        details.append(f"parameters {({str(k): round(v, 4) for k, v in s.items()})}" if s else "")
    what = "optimum"
    method = f"KKT residuals (finite differences), SLSQP from {starts} starts, feasible perturbations"
    if p.parameters:
        method += f", at {len(samples)} random parameter values"
    return CheckReport(True, method, points=n_points, max_error=worst, tolerance=1e-6, what=what,
                       details=[d for d in details if d])


def _trusted(p, s, npb, found, Fstar, scale):
    """The best numeric point that survives a high-precision repair onto the equalities."""
    for xb, Fb, vb in found[:5]:
        if Fb >= Fstar - 1e-6 * scale:
            break
        y = repair(p, s, xb)
        if y is None:
            continue
        vy = npb.violation(y)
        if vy > 1e-9 * (1 + float(np.max(np.abs(y)))):
            continue
        return y, npb.F(y), vy
    return found[0] if found and found[0][1] >= Fstar - 1e-6 * scale else (found[0][0], Fstar, 0.0)


def _fd_grad(f, x):
    g = np.zeros(len(x))
    for i in range(len(x)):
        h = 1e-6 * max(1.0, abs(x[i]))
        e = np.zeros(len(x))
        e[i] = h
        g[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g


def check_unbounded(result: LagrangeResult) -> CheckReport:
    p = result.problem
    cert = result.certificate
    t = cert["parameter"]
    samples = parameter_samples(p, 3, seed=101) if p.parameters else [{}]
    for s in samples:
        npb = NumericProblem(p, s)
        prev = None
        for tv in (100.0, 1000.0, 10000.0, 100000.0):  # the path is claimed for t -> oo
            x = np.array([numeric_value(sp.sympify(cert["path"][str(v)]), {**s, t: tv}).real for v in p.variables])
            viol = npb.violation(x)
            if viol > 1e-7 * (1 + np.max(np.abs(x))):
                return CheckReport(False, "feasibility along the certificate path", max_error=viol, what="unboundedness")
            F = npb.F(x)
            if prev is not None and not F < prev:
                return CheckReport(False, "objective along the certificate path", what="unboundedness",
                                   details=[f"the objective does not improve at t = {tv:g}"])
            prev = F
    return CheckReport(True, "the certificate path is feasible at t = 1e2 ... 1e5 and the objective improves along it",
                       points=4 * len(samples), what="unboundedness")


def check_infeasible(result: LagrangeResult, starts: int) -> CheckReport:
    p = result.problem
    samples = parameter_samples(p, 2, seed=101) if p.parameters else [{}]
    worst = np.inf
    for s in samples:
        npb = NumericProblem(p, s)
        best, x = min_violation(npb, _box(result, s), count=starts)
        worst = min(worst, best)
        if best < 1e-10:
            return CheckReport(False, f"violation minimisation from {starts} starts", what="infeasibility",
                               counterexample={str(v): float(c) for v, c in zip(p.variables, x)},
                               details=["a (numerically) feasible point was found"])
    return CheckReport(True, f"violation minimisation from {starts} starts: smallest squared violation {worst:.2e}",
                       points=starts, what="infeasibility")


def make_checker(result: LagrangeResult, starts: int):
    def run() -> CheckReport:
        try:
            return _run()
        except Exception as exc:  # noqa: BLE001 - a check that cannot run is reported, not raised
            return CheckReport(False, f"the numeric check could not run ({type(exc).__name__}: {str(exc)[:100]})")

    def _run() -> CheckReport:
        if result.status in ("optimal", "optimal_no_kkt") and result.optimum is not None:
            return check_optimal(result, starts)
        if result.status == "unbounded" and result.certificate:
            return check_unbounded(result)
        if result.status == "infeasible":
            return check_infeasible(result, starts)
        numeric = [c for c in result.candidates if c.numeric]
        if numeric:
            p = result.problem
            npb = NumericProblem(p, {})
            worst = max(npb.violation(_point_array(result, c, {})) for c in numeric)
            ok = worst <= 1e-6 * (1 + max(abs(v) for c in numeric for v in _point_array(result, c, {})))
            return CheckReport(ok, "feasibility of the numeric candidates (no optimum is claimed)",
                               points=len(numeric), max_error=worst, what="numeric candidates")
        return CheckReport(True, f"no optimum is claimed (status {result.status}); nothing to verify")
    return run
