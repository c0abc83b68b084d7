"""``solve_problem``: Lagrangian, KKT points, classification, the global optimum and its reason.

The order of the argument (each step is recorded in the derivation):

1. the Lagrangian in minimisation form and the KKT conditions (MML sec. 7.2);
2. every KKT point, active set by active set, with the reason each solution is kept or dropped;
3. points where constraint qualification fails (they may be the optimum without multipliers);
4. numeric candidates when the symbolic solution set may be incomplete;
5. second-order classification of each candidate;
6. the verdict: convex problem -> a KKT point is global; compact feasible set and a complete
   candidate list -> the best value is global; a feasible path to infinity -> unbounded; no
   feasible point -> infeasible; otherwise the best candidate with the warning that global
   optimality is not established, backed by a numeric search.
"""
from __future__ import annotations

import time

import numpy as np
import sympy as sp

from ..budget import BudgetExceeded, bounded, settings, time_budget
from ..errors import MfmlError
from .checks import _fd_grad, _trusted, make_checker
from .classify import classify
from .globality import bounded_closure, convexity, face_values, farkas_certificate, slater_point, unbounded_path
from .kkt import kkt_points, lagrangian, licq_failure_points, multiplier_symbols
from .model import Candidate, LagrangeResult, OptimisationProblem, build_problem
from .numeric import NumericProblem, min_violation, multistart, numeric_multipliers
from .duality import dual_function
from .presentation import record_candidates, record_dual, record_kkt, record_verdict
from .sampling import decide, numeric_value, parameter_samples

__all__ = ["solve_problem", "solve"]


def solve_problem(sense, objective, variables, equalities=(), inequalities=(), parameters=(), domains=None,
                  parameter_conditions=(), box=None, timeout=None, check=True, steps=True,
                  numeric_starts=20) -> LagrangeResult:
    """Solve ``sense objective`` over ``variables`` s.t. ``equalities = 0``, ``inequalities <= 0``.

    >>> import sympy as sp
    >>> x, y = sp.symbols("x y", real=True)
    >>> r = solve_problem("max", x*y, [x, y], equalities=[x**2 + y**2 - 1])
    >>> r.status, r.optimal_value
    ('optimal', 1/2)
    """
    problem = build_problem(sense, objective, variables, equalities, inequalities, parameters, domains,
                            parameter_conditions, box)
    return solve(problem, timeout=timeout, check=check, steps=steps, numeric_starts=numeric_starts)


def solve(problem: OptimisationProblem, timeout=None, check=True, steps=True, numeric_starts=20,
          title: str = "") -> LagrangeResult:
    """Run the whole argument on an :class:`OptimisationProblem` (see the module docstring)."""
    timeout = settings.timeout if timeout is None else timeout
    result = LagrangeResult(problem, title=title)
    result.show_steps = steps
    result.notes.extend(problem.notes)
    started = time.monotonic()
    try:
        with time_budget(timeout, step="the Lagrange/KKT derivation"):
            _solve(problem, result, numeric_starts, timeout)
    except BudgetExceeded as exc:
        result.complete = False
        result.status = "unknown"
        result.optimum, result.optimal_points, result.optimal_value = None, [], None
        result.warnings.append(f"{exc.message}: the derivation is incomplete")
        _after_overrun(problem, result, numeric_starts)
    except MfmlError:
        raise
    except Exception as exc:  # noqa: BLE001 - an engine failure must not reach the user as a traceback
        result.complete = False
        result.status = "unknown"
        result.optimum, result.optimal_points, result.optimal_value = None, [], None
        result.warnings.append(f"the symbolic derivation failed ({type(exc).__name__}: {str(exc)[:120]}); "
                               "numeric candidates only")
        _after_overrun(problem, result, numeric_starts)
    result.elapsed = time.monotonic() - started
    result.add_check(make_checker(result, numeric_starts))
    if check and result.status != "unknown":
        report = result.check()
        if not report.passed:
            result.warnings.insert(0, "NUMERIC CHECK FAILED: " + report.summary())
    return result


def _after_overrun(problem: OptimisationProblem, result: LagrangeResult, starts: int) -> None:
    """Out of time: numeric local optima (clearly marked) instead of nothing; no optimum is claimed."""
    if not result.multiplier_symbols:
        result.multiplier_symbols = multiplier_symbols(problem)
    if problem.parameters:
        return
    if not any(c.numeric for c in result.candidates):
        result.candidates = list(result.candidates) + _numeric_candidates(
            problem, result, [{}], result.candidates, max(5, starts // 2))
    numeric = [c for c in result.candidates if c.numeric]
    if numeric:
        best = min(numeric, key=lambda c: c.value if problem.sense == "min" else -c.value)
        result.warnings.append(
            f"best point found numerically: f = {float(best.value):.10g} at "
            + ", ".join(f"{k} = {v:.6g}" for k, v in best.point.items())
            + " (numeric, local search only; global optimality not established)")
    record_candidates(result, problem, [])


def _solve(problem: OptimisationProblem, result: LagrangeResult, starts: int, timeout: float) -> None:
    samples = parameter_samples(problem, 4)
    if problem.parameters and not samples:
        result.warnings.append("no parameter values satisfy the stated assumptions and conditions")
        samples = [{}]
    lams, mus = multiplier_symbols(problem)
    result.multiplier_symbols = (lams, mus)
    L = lagrangian(problem, lams, mus)
    result.lagrangian = L
    result.add_result("lagrangian", L, label=r"\mathcal{L}")
    result.add_result("objective", problem.objective, label="f")
    if problem.equalities or problem.inequalities:
        result.add_result("constraints", sp.Matrix(list(problem.equalities) + list(problem.inequalities)),
                          label=r"(h, g)")
    record_kkt(result, problem, L, lams, mus)

    cands, cases, complete = kkt_points(problem, lams, mus, samples, budget=max(2.0, timeout * 0.4))
    result.complete = complete
    result.cases = cases
    licq = licq_failure_points(problem, samples, budget=max(1.0, timeout * 0.1))
    kkt_keys = {_key(c, samples) for c in cands}
    for c in licq:
        if _key(c, samples) in kkt_keys:
            for k in cands:
                if _key(k, samples) == _key(c, samples):
                    k.note = "LICQ fails here: the multipliers need not be unique"
            continue
        cands.append(c)
    for c in cands:
        c.kind = classify(problem, L, c, lams, mus, samples)
    if not complete:
        result.warnings.append("the symbolic solution of the KKT system may be incomplete; numeric candidates added")
        cands += _numeric_candidates(problem, result, samples, cands, starts)
    result.candidates = cands
    record_candidates(result, problem, cases)
    _verdict(problem, result, samples, starts)
    record_verdict(result, problem)
    if getattr(result, "convex", False):
        result.dual = dual_function(problem, result)
        if result.dual is not None:
            record_dual(result)


def _key(c: Candidate, samples):
    s = samples[0] if samples else {}
    out = []
    pt = c.numeric_point(s)
    for k in sorted(pt):
        out.append((k, round(pt[k], 7)))
    return tuple(out)


def _numeric_candidates(problem, result, samples, known, starts) -> list[Candidate]:
    if problem.parameters:
        return []
    import warnings

    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _numeric_candidates_quiet(problem, result, known, starts)


def _numeric_candidates_quiet(problem, result, known, starts) -> list[Candidate]:
    npb = NumericProblem(problem, {})
    box = problem.box or (-5.0, 5.0)
    found = multistart(npb, box, count=starts, seed=29)
    out: list[Candidate] = []
    seen = [np.array([c.numeric_point({})[str(v)] for v in problem.variables]) for c in known]
    for x, Fv, _ in found:
        if any(np.linalg.norm(x - y) <= 1e-4 * (1 + np.linalg.norm(y)) for y in seen):
            continue
        seen.append(x)
        pt = {str(v): float(xi) for v, xi in zip(problem.variables, x)}
        c = Candidate(point=pt, multipliers=None, value=problem.user_value(Fv), numeric=True, source="numeric")
        lam, mu, active, residual = numeric_multipliers(problem, {}, x)
        lams, mus = result.multiplier_symbols
        if residual < 1e-5 * (1 + abs(Fv)):
            c.multipliers = {str(l): v for l, v in zip(lams, lam)}
            c.multipliers.update({str(m): v for m, v in zip(mus, mu)})
        c.active = tuple(active)
        c.kind = "minimum" if problem.sense == "min" else "maximum"
        c.note = "local optimum found by SLSQP (numeric)"
        out.append(c)
    return out


def _F_at(problem, cand, sample) -> float:
    pt = cand.numeric_point(sample)
    return numeric_value(problem.F.subs({v: pt[str(v)] for v in problem.variables}), sample).real


def _best(problem, cands, samples):
    """Candidates with the smallest F (ties kept), comparing at every parameter sample."""
    if not cands:
        return []
    # a candidate that exists only under a parameter condition competes only where it holds
    table = np.array([[_F_at(problem, c, s) if (c.condition is True or decide(c.condition, [s]) is not False)
                       else np.inf for s in samples] for c in cands])
    table = np.where(np.isfinite(table), table, np.inf)
    best_rows = []
    for j in range(table.shape[1]):
        col = table[:, j]
        m = col.min()
        best_rows.append({i for i, v in enumerate(col) if v <= m + 1e-9 * (1 + abs(m))})
    common = set.intersection(*best_rows)
    if not common:
        return None  # the best candidate depends on the parameters
    best = [cands[i] for i in sorted(common)]
    if problem.parameters:
        # sampled agreement is not enough when the parameters' domain allows the other order
        for c in cands:
            if c in best:
                continue
            diff = _F_sym(problem, best[0]) - _F_sym(problem, c)
            if decide(sp.Le(diff, 0), samples) is not True:
                return None
    return best


def _F_sym(problem, cand):
    return problem.F.subs({v: cand.point[str(v)] for v in problem.variables})


def _piecewise_by_comparison(problem, result, cands, why) -> bool:
    """Compact parametric problem whose best candidate depends on the parameters: a Piecewise optimum."""
    pieces = []
    for i, c in enumerate(cands):
        conds = [] if c.condition is True else [c.condition]
        for j, d in enumerate(cands):
            if j != i:
                conds.append(sp.Le(_F_sym(problem, c) - _F_sym(problem, d), 0))
        cond = _simplify_condition(sp.And(*conds)) if conds else sp.true
        if cond is not sp.false:
            pieces.append((c, cond))
    if not pieces:
        return False
    def pw(get):
        return sp.Piecewise(*[(get(c), cond) for c, cond in pieces])
    names = list(cands[0].point)
    point = {n: pw(lambda c, n=n: c.point[n]) for n in names}
    mult = None
    if all(c.multipliers is not None for c, _ in pieces):
        mult = {k: pw(lambda c, k=k: c.multipliers[k]) for k in cands[0].multipliers}
    opt = Candidate(point=point, multipliers=mult, value=pw(lambda c: c.value), kind=cands[0].kind,
                    note="which candidate is best depends on the parameters")
    _set_optimum(problem, result, [opt], proven=True,
                 why=why + "; which candidate is best depends on the parameters, hence a piecewise answer")
    return True


def _verdict(problem: OptimisationProblem, result: LagrangeResult, samples, starts) -> None:
    cands = [c for c in result.candidates if c.condition is True or decide(c.condition, samples) is not False]
    conditional = [c for c in cands if c.condition is not True]
    kkt = [c for c in cands if c.multipliers is not None]
    convex, convex_proven, convex_reason = convexity(problem, samples)
    result.convex = convex
    if convex and problem.inequalities:
        ok, best = slater_point(problem, samples[0])
        if not ok:
            result.warnings.append(
                f"Slater's condition fails: no strictly feasible point (min over x of max_j g_j = {best:.3g}); "
                "the KKT conditions need not hold at the optimum")
    if convex and kkt and conditional and problem.parameters:
        if _piecewise_optimum(problem, result, kkt, convex_proven, convex_reason):
            return
    if convex and kkt and not conditional:
        best = _best(problem, kkt, samples)
        if best:
            _set_optimum(problem, result, best, proven=convex_proven,
                         why=convex_reason + ": every KKT point is a global minimum (B&V sec. 5.5.3)"
                         + ("" if convex_proven else " [convexity checked at sampled points only]"))
            return
    compact = bounded_closure(problem, samples)
    coercive = not compact and bounded_closure(problem, samples, sublevel=True)
    result.compact = compact
    if (compact or coercive) and cands and result.complete:
        best = _best(problem, cands, samples)
        faces_ok = True
        face_note = ""
        if best and problem.positive:
            fv = face_values(problem)
            if fv is None:
                faces_ok = False
            else:
                Fb = [_F_at(problem, best[0], s) for s in samples]
                for val in fv:
                    Fface = [numeric_value(problem.F.subs({}) * 0 + (val if problem.sense == "min" else -val), s).real
                             for s in samples]
                    if not all(a < b - 1e-12 for a, b in zip(Fb, Fface)):
                        faces_ok = False
                face_note = "; on the boundary x_i = 0 of the open domain the objective is worse" if faces_ok else ""
        if best and faces_ok:
            if compact:
                what = "bounded and closed" if not problem.positive else "bounded (its closure is compact)"
                why = f"the feasible set is {what}, so the optimum is attained (Weierstrass) at a candidate"
            else:
                why = ("the objective grows without bound (positive definite leading form), so the feasible points "
                       "better than a candidate form a bounded set and the optimum is attained at a candidate")
            _set_optimum(problem, result, best, proven=True,
                         why=why + f"; the best candidate value is the optimum{face_note}")
            return
        if best is None and problem.parameters and (compact or coercive):
            if _piecewise_by_comparison(problem, result, cands,
                                        "the optimum is attained at a candidate (bounded feasible or sublevel set)"):
                return
        if best is None:
            result.warnings.append("the best candidate depends on the parameter values")
    cert = unbounded_path(problem, samples)
    if cert:
        _set_unbounded(problem, result, cert, cands)
        return
    if not cands:
        _infeasible_or_unknown(problem, result, samples, starts)
        return
    _numeric_verdict(problem, result, starts, samples)


def _set_unbounded(problem, result, cert, cands) -> None:
    result.status = "unbounded"
    result.certificate = cert
    result.optimal_value = -sp.oo if problem.sense == "min" else sp.oo
    path = ", ".join(f"{k} = {v}" for k, v in cert["path"].items())
    word = "below" if problem.sense == "min" else "above"
    result.justification = f"no global {'minimum' if problem.sense == 'min' else 'maximum'}: the objective is unbounded {word} on the feasible set ({path}, t -> oo)"
    result.proven = cert["limit"] == "exact"
    result.warnings.append(result.justification)
    local = [c for c in cands if c.kind in ("minimum", "maximum")]
    if local:
        result.warnings.append("the candidates are only local: " + "; ".join(
            f"({', '.join(str(v) for v in c.point.values())}) is a local {c.kind}" for c in local))


def _simplify_condition(cond):
    """A parameter condition in its simplest form (``2*a - 2 >= 0`` -> ``a >= 1``)."""
    cond = sp.sympify(cond)
    parts = cond.args if isinstance(cond, sp.And) else (cond,)
    out = []
    for rel in parts:
        syms = sorted(rel.free_symbols, key=str)
        if len(syms) == 1 and isinstance(rel, sp.Rel):
            simpler = bounded(sp.solve_univariate_inequality, rel, syms[0], relational=True, seconds=2.0,
                              fallback=rel)
            if isinstance(simpler, sp.And):  # drop the -oo < a < oo parts
                simpler = sp.And(*[a for a in simpler.args if not a.has(sp.oo, -sp.oo)])
            rel = simpler
        out.append(rel)
    return sp.And(*out)


def _piecewise_optimum(problem, result, kkt, proven, reason) -> bool:
    """Convex parametric problem whose active set depends on the parameters: a Piecewise optimum."""
    many = parameter_samples(problem, 16, seed=77)
    covered = all(any(decide(c.condition, [s]) is not False for c in kkt) for s in many)
    if not covered:
        return False
    pieces = [(c, _simplify_condition(c.condition)) for c in kkt]
    def pw(get):
        return sp.Piecewise(*[(get(c), cond) for c, cond in pieces])
    names = list(kkt[0].point)
    point = {n: pw(lambda c, n=n: c.point[n]) for n in names}
    mult = {k: pw(lambda c, k=k: c.multipliers[k]) for k in kkt[0].multipliers}
    value = pw(lambda c: c.value)
    opt = Candidate(point=point, multipliers=mult, value=value, kind=kkt[0].kind, source="kkt",
                    note="the active set depends on the parameters")
    _set_optimum(problem, result, [opt], proven=proven,
                 why=reason + ": every KKT point is a global minimum (B&V sec. 5.5.3); which constraints are "
                 "active depends on the parameters, hence a piecewise answer")
    return True


def _infeasible_or_unknown(problem, result, samples, starts) -> None:
    G = None
    if problem.equalities:
        try:
            G = sp.groebner(list(problem.equalities), *problem.variables, order="lex")
        except Exception:
            G = None
    if G is not None and list(G.exprs) == [1]:
        result.status = "infeasible"
        result.proven = True
        result.justification = "the equality constraints have no common solution (Gröbner basis {1})"
        result.warnings.append("infeasible: " + result.justification)
        return
    farkas = farkas_certificate(problem)
    if farkas:
        result.status = "infeasible"
        result.proven = True
        ws = ", ".join(str(w) for w in farkas["weights"])
        result.justification = (f"adding the constraints with weights ({ws}) gives 0 ≤ {farkas['sum']} "
                                "(Farkas' lemma): no point satisfies them all")
        result.warnings.append("infeasible: " + result.justification)
        return
    if len(problem.equalities) == 1 and not problem.inequalities and not problem.positive and not problem.parameters:
        sign = _sign_everywhere(problem.equalities[0], problem.variables)
        if sign:
            result.status = "infeasible"
            result.proven = True
            result.justification = (f"{problem.equalities[0]} is {sign} for every real point (its global "
                                    f"{'minimum' if sign == 'positive' else 'maximum'} found by the same method), "
                                    "so it never vanishes")
            result.warnings.append("infeasible: " + result.justification)
            return
    npb = NumericProblem(problem, samples[0])
    best, _ = min_violation(npb, problem.box or (-5.0, 5.0), count=starts)
    if best > 1e-8:
        result.status = "infeasible"
        result.justification = (f"no feasible point: violation minimisation from {starts} starts ends at "
                                f"squared violation {best:.3g} > 0 (numeric evidence)")
        result.warnings.append("infeasible: " + result.justification)
        return
    result.status = "unknown"
    where = ("on the boundary of the open domain " + ", ".join(f"{v} > 0" for v in sorted(problem.positive, key=str))
             + " or ") if problem.positive else ""
    result.warnings.append(
        "no KKT point, no point where constraint qualification fails, and no feasible path to infinity was found: "
        f"the infimum/supremum may be approached {where}at infinity without being attained")


def _sign_everywhere(h, variables) -> str | None:
    """'positive' / 'negative' when h has that sign on all of R^n (proven by solving min h / max h)."""
    for sense, word in (("min", "positive"), ("max", "negative")):
        sub = build_problem(sense, h, variables)
        inner = LagrangeResult(sub)
        try:
            _solve(sub, inner, 8, 5.0)
        except (MfmlError, ValueError, TypeError):
            continue
        if inner.status == "optimal" and inner.proven and not inner.optimal_value.free_symbols:
            v = inner.optimal_value
            if (v > 0) == True and word == "positive" or (v < 0) == True and word == "negative":  # noqa: E712
                return word
    return None


def _numeric_verdict(problem, result, starts, samples=None) -> None:
    samples = samples or parameter_samples(problem, 3) or [{}]
    cands = [c for c in result.candidates if c.condition is True]
    best = _best(problem, cands, samples) if cands else []
    if not best:
        result.status = "unknown"
        result.warnings.append("no candidate is best for every parameter value; no optimum reported")
        return
    Fbest = min(_F_at(problem, best[0], s) for s in samples[:1])
    npb = NumericProblem(problem, samples[0])
    mags = [5.0] + [2 * abs(numeric_value(v, samples[0]).real) for c in cands for v in c.point.values()]
    B = max(m for m in mags if np.isfinite(m))
    found = multistart(npb, problem.box or (-B, B), count=starts, seed=31)
    slack = 0.0
    if found:
        found = [_trusted(problem, samples[0], npb, found, Fbest, 1 + abs(Fbest))]
        slack = 10.0 * float(np.linalg.norm(_fd_grad(npb.F, found[0][0]))) * float(np.sqrt(found[0][2]))
    if found and found[0][1] < Fbest - max(1e-6 * (1 + abs(Fbest)), slack):
        cert = unbounded_path(problem, samples, hint=found[0][0])
        if cert:
            _set_unbounded(problem, result, cert, result.candidates)
            return
        result.status = "unknown"
        result.warnings.append(
            f"no optimum established: a numeric search found f = {problem.user_value(found[0][1]):.6g}, better than "
            f"every candidate (the problem may be unbounded, or candidates are missing)")
        return
    _set_optimum(problem, result, best, proven=False,
                 why="best candidate found; global optimality not established symbolically (the feasible set is not "
                     f"known to be compact and the problem is not known to be convex); SLSQP from {starts} starts found "
                     "nothing better")
    result.warnings.append("global optimality not established symbolically (numeric evidence only)")


def _set_optimum(problem, result, best, proven: bool, why: str) -> None:
    result.optimal_points = best
    result.optimum = best[0]
    result.optimal_value = best[0].value
    result.proven = proven
    result.justification = why
    if any(c.multipliers is None for c in best):
        result.status = "optimal_no_kkt"
        result.warnings.append(
            "the optimum is not a KKT point: the constraint gradients are linearly dependent there (LICQ fails), "
            "so no multipliers satisfy the KKT conditions; it was found by examining that point separately")
    else:
        result.status = "optimal"
    if any(c.numeric for c in best):
        result.warnings.append("the optimum was found numerically (marked numeric)")
    result.add_result("optimal_value", result.optimal_value, label="f^*")
    pt = best[0].point
    result.add_result("optimal_point", sp.Matrix([pt[str(v)] for v in problem.variables]), label="x^*")
