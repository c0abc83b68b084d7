"""The Lagrangian, the KKT conditions and every KKT point, one active set at a time.

For inequality constraints the complementary-slackness condition ``mu_j g_j = 0`` splits the
problem into cases: an *active set* ``A`` (``g_j = 0`` for ``j in A``, ``mu_j = 0`` otherwise).
Each case is a square system of equations (stationarity, equalities, active inequalities); its
solutions are kept only if they are real, inside the variables' domains, primal feasible
(``g_k <= 0`` for the inactive ``k``) and dual feasible (``mu_j >= 0``) -- MML sec. 7.2. The
reason each case is kept or discarded is recorded. Points where the constraint gradients are
linearly dependent (LICQ fails) are found separately: the optimum may be one of them without
satisfying the Lagrange conditions (``min x`` s.t. ``y^2 = x^3`` at the origin).
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from ..budget import bounded, remaining
from .model import Candidate, OptimisationProblem
from .sampling import decide
from .systems import solve_system

__all__ = ["multiplier_symbols", "lagrangian", "ActiveSetCase", "kkt_points", "licq_failure_points"]

MAX_INEQUALITIES = 10  # 2**10 active sets


def _fresh(name: str, taken: set) -> sp.Symbol:
    base = name
    k = 0
    while name in taken:
        k += 1
        name = f"{base}{'_' * (k == 1)}{k}" if k > 1 else base + "_"
    taken.add(name)
    return sp.Symbol(name, real=True)


def multiplier_symbols(problem: OptimisationProblem) -> tuple[tuple, tuple]:
    """``lambda`` (or ``lambda_1, lambda_2, ...``) per equality, ``mu`` / ``mu_j`` per inequality."""
    taken = {str(s) for s in problem.variables} | {str(p.symbol) for p in problem.parameters}
    m, p = len(problem.equalities), len(problem.inequalities)
    lams = tuple(_fresh("lambda" if m == 1 else f"lambda_{i + 1}", taken) for i in range(m))
    mus = tuple(_fresh("mu" if p == 1 else f"mu_{j + 1}", taken) for j in range(p))
    return lams, mus


def lagrangian(problem: OptimisationProblem, lams, mus) -> sp.Expr:
    """``L = F + sum lambda_i h_i + sum mu_j g_j`` (minimisation form, MML eq. (7.20)-style)."""
    L = problem.F
    for lam, h in zip(lams, problem.equalities):
        L += lam * h
    for mu, g in zip(mus, problem.inequalities):
        L += mu * g
    return L


@dataclass
class ActiveSetCase:
    """One case of the active-set enumeration and what became of it."""

    active: tuple
    equations: list
    solutions: list = field(default_factory=list)  # (solution dict, verdict str, kept bool)
    complete: bool = True
    notes: list = field(default_factory=list)
    method: str = ""


def _point_key(point: dict, samples) -> tuple:
    s = samples[0] if samples else {}
    out = []
    for k in sorted(point, key=str):
        try:
            v = complex(sp.N(sp.sympify(point[k]).subs(s)))
            out.append((str(k), round(v.real, 8), round(v.imag, 8)))
        except (TypeError, ValueError):
            out.append((str(k), str(point[k])))
    return tuple(out)


def kkt_points(problem: OptimisationProblem, lams, mus, samples, budget: float = 20.0):
    """All KKT points over all active sets: (candidates, cases, complete)."""
    x = list(problem.variables)
    F = problem.F
    p = len(problem.inequalities)
    if p > MAX_INEQUALITIES:
        from ..errors import UnsupportedError

        raise UnsupportedError(
            f"{p} inequality constraints give 2^{p} active sets; at most {MAX_INEQUALITIES} are enumerated"
        )
    subsets = [c for r in range(p + 1) for c in itertools.combinations(range(p), r)]
    # more active constraints than variables + equalities only in degenerate cases: keep them last
    cases: list[ActiveSetCase] = []
    candidates: list[Candidate] = []
    seen: dict = {}
    complete = True
    for active in subsets:
        if len(active) + len(problem.equalities) > len(x) + 1:
            cases.append(ActiveSetCase(active, [], notes=["more active constraints than variables: skipped"]))
            continue
        L = F + sum((l * h for l, h in zip(lams, problem.equalities)), sp.Integer(0))
        L += sum((mus[j] * problem.inequalities[j] for j in active), sp.Integer(0))
        eqs = [sp.diff(L, v) for v in x] + list(problem.equalities) + [problem.inequalities[j] for j in active]
        unknowns = x + list(lams) + [mus[j] for j in active]
        left = remaining()
        seconds = budget if left is None else max(0.5, min(budget, left - 1.0))
        sol = solve_system(eqs, unknowns, positive=problem.positive, seconds=seconds)
        case = ActiveSetCase(active, eqs, complete=sol.complete, notes=list(sol.notes), method=sol.method)
        complete &= sol.complete
        for s in sol.solutions:
            point = {v: s.get(v, v) for v in x}
            mult = {}
            for l in lams:
                mult[l] = s.get(l, l)
            for j in range(p):
                mult[mus[j]] = s.get(mus[j], mus[j]) if j in active else sp.Integer(0)
            free = [v for v in x if any(sp.sympify(e).has(v) for e in list(point.values()) + list(mult.values()))]
            rep, family = {}, ""
            used = samples
            if free:
                rep, family = _family_member(problem, point, mult, active, mus, free, samples)
                if rep is None:
                    case.solutions.append((s, "discarded: no point of this family of solutions is feasible", False))
                    continue
                used = [{**smp, **rep} for smp in samples]
            verdict, kept, condition = _verdict(problem, point, mult, active, mus, used)
            if family:
                verdict += f"; a family of KKT points: {family}"
            case.solutions.append((s, verdict, kept))
            if not kept:
                continue
            point = {v: _tidy(val) for v, val in point.items()}
            mult = {k: _tidy(val) for k, val in mult.items()}
            key = _point_key({**point, **mult}, used) + (("family",) if free else ())
            if key in seen:
                continue
            seen[key] = True
            value = _tidy(problem.objective.subs(point))
            candidates.append(Candidate(
                point={str(k): v for k, v in point.items()},
                multipliers={str(k): v for k, v in mult.items()},
                value=value, active=tuple(active), source="kkt", condition=True if free else condition,
                representative={str(v): val for v, val in rep.items()},
                note=f"a family of KKT points: {family}" if free else "",
            ))
        cases.append(case)
    return candidates, cases, complete


def _family_member(problem, point, mult, active, mus, free, samples):
    """A feasible member of a family of solutions (free variables), and the family's conditions."""
    conds = [sp.Gt(point[v], 0) for v in problem.positive]
    conds += [sp.Ge(mult[mus[j]], 0) for j in active]
    conds += [sp.Le(g.subs(point), 0) for k, g in enumerate(problem.inequalities) if k not in active]
    conds = [c for c in conds if c is not sp.true and isinstance(c, sp.Rel) and c.free_symbols & set(free)]
    smp = samples[0] if samples else {}
    trial_values = [sp.Rational(1, 2), sp.Rational(1, 3), 0, 1, -1, 2, -2, sp.Rational(-1, 2), 3, -3]
    gen = np.random.default_rng(0)
    tries = [{v: val for v in free} for val in trial_values]
    tries += [{v: sp.Rational(int(gen.integers(-60, 60)), 20) for v in free} for _ in range(200)]
    member = None
    for t in tries:
        ok = True
        for c in conds:
            r = c.subs(t).subs(smp)
            if r is not sp.true and r is not True:
                ok = False
                break
        if ok:
            member = t
            break
    if member is None:
        return None, ""
    desc = []
    if len(free) == 1:
        v = free[0]
        try:
            from ..budget import bounded as _b

            box = _b(sp.reduce_inequalities, [c.subs(smp) for c in conds] or [sp.true], v, seconds=2.0, fallback=None)
        except Exception:  # noqa: BLE001 - a description only
            box = None
        if box is not None and box is not sp.true:
            desc.append(str(box))
    if not desc:
        desc = [str(c) for c in conds] or ["every value of " + ", ".join(str(v) for v in free)]
    return member, ", ".join(str(v) for v in free) + " free with " + " and ".join(desc)


def _tidy(value):
    value = sp.sympify(value)
    if value.has(sp.CRootOf) or value.atoms(sp.Float):
        return value  # exact algebraic numbers of high degree: simplify only slows down
    simpler = bounded(sp.simplify, value, seconds=1.0, fallback=value)

    def odd_powers(e):  # x**(1/3 - sqrt(13)/6): what simplify makes of p log p terms
        return sum(1 for a in e.atoms(sp.Pow) if not a.exp.is_Rational)

    if sp.count_ops(simpler) <= sp.count_ops(value) and odd_powers(simpler) <= odd_powers(value):
        value = simpler
    return value


_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def pretty(symbol) -> str:
    """``mu_2`` -> ``μ₂``, ``lambda`` -> ``λ`` for plain-text reasons."""
    name = str(symbol)
    head, _, tail = name.partition("_")
    head = {"lambda": "λ", "mu": "μ"}.get(head, head)
    return head + (tail.translate(_SUB) if tail.isdigit() else ("_" + tail if tail else ""))


def _verdict(problem, point, mult, active, mus, samples):
    """Why a solution of one active-set system is kept or discarded, and under which condition."""
    conditions = []
    for v in problem.positive:
        d = decide(sp.Gt(point[v], 0), samples)
        if d is False:
            return f"discarded: {v} = {point[v]} is outside the domain {v} > 0", False, False
        if d is None:
            conditions.append(sp.Gt(point[v], 0))
    for j in active:
        mu = mult[mus[j]]
        d = decide(sp.Ge(mu, 0), samples)
        if d is False:
            return f"discarded: {pretty(mus[j])} = {mu} < 0 (dual feasibility fails)", False, False
        if d is None:
            conditions.append(sp.Ge(mu, 0))
    for k, g in enumerate(problem.inequalities):
        if k in active:
            continue
        gk = g.subs(point)
        d = decide(sp.Le(gk, 0), samples)
        if d is False:
            return f"discarded: violates constraint {k + 1} ({g} ≤ 0 gives {_tidy(gk)} > 0)", False, False
        if d is None:
            conditions.append(sp.Le(gk, 0))
    if conditions:
        return "kept when " + ", ".join(str(c) for c in conditions), True, sp.And(*conditions)
    return "kept: feasible, multipliers dual feasible", True, True


def licq_failure_points(problem: OptimisationProblem, samples, budget: float = 5.0) -> list[Candidate]:
    """Feasible points where the gradients of the active constraints are linearly dependent."""
    x = list(problem.variables)
    n = len(x)
    p = len(problem.inequalities)
    found: list[Candidate] = []
    seen = set()
    for r in range(p + 1):
        for active in itertools.combinations(range(p), r):
            cons = list(problem.equalities) + [problem.inequalities[j] for j in active]
            if not cons or len(cons) > n:
                continue
            J = sp.Matrix([[sp.diff(c, v) for v in x] for c in cons])
            k = len(cons)
            minors = []
            for cols in itertools.combinations(range(n), k):
                minors.append(sp.expand(J[:, list(cols)].det()))
            minors = [m for m in minors if m != 0]
            if len(minors) < sum(1 for cols in itertools.combinations(range(n), k)):
                pass
            if not minors and any(J):
                # rank deficient everywhere (e.g. duplicated constraint): not a pointwise failure
                continue
            left = remaining()
            seconds = budget if left is None else max(0.5, min(budget, left - 1.0))
            sol = solve_system(cons + minors, x, positive=problem.positive, seconds=seconds)
            for s in sol.solutions:
                point = {v: s.get(v, v) for v in x}
                if any(v not in s for v in x):
                    continue  # a whole family: not handled pointwise
                ok = True
                for v in problem.positive:
                    if decide(sp.Gt(point[v], 0), samples) is False:
                        ok = False
                for kk, g in enumerate(problem.inequalities):
                    if kk not in active and decide(sp.Le(g.subs(point), 0), samples) is False:
                        ok = False
                if not ok:
                    continue
                key = _point_key(point, samples)
                if key in seen:
                    continue
                seen.add(key)
                found.append(Candidate(
                    point={str(v): _tidy(val) for v, val in point.items()}, multipliers=None,
                    value=_tidy(problem.objective.subs(point)), active=tuple(active), source="licq",
                    note="the active constraint gradients are linearly dependent here (LICQ fails)",
                ))
    return found
