"""Solving the Lagrange/KKT equations without silently losing solutions.

The system ``grad_x L = 0, h = 0, g_active = 0`` is first brought to polynomial form where that
is exact:

* rational functions -> numerators (the denominators are remembered: a solution making one
  vanish is not a solution);
* fractional powers of a positive variable, ``x**(3/4)``, -> ``x = u**4`` with ``u > 0``;
* a variable that appears only as ``log(x)`` in one equation is isolated, ``x = exp(...)``, and
  ``exp`` of a linear form in the remaining unknowns becomes a product of new positive unknowns.

A polynomial system goes through a lex Gröbner basis (``[1]`` proves there is no solution; a
zero-dimensional basis is triangular, so every solution is found). Anything else is handed to
``sympy.solve`` and marked *possibly incomplete*, so that the caller adds numeric candidates.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import reduce
from math import lcm

import sympy as sp

from ..budget import bounded, time_budget
from ..errors import BudgetExceeded

__all__ = ["SystemSolution", "solve_system"]


@dataclass
class SystemSolution:
    solutions: list = field(default_factory=list)  # dicts unknown -> value
    complete: bool = True
    method: str = ""
    notes: list = field(default_factory=list)
    excluded: list = field(default_factory=list)  # expressions that must not vanish


def _is_polynomial(eqs, unknowns) -> bool:
    try:
        return all(sp.Poly(e, *unknowns) is not None for e in eqs)
    except (sp.PolynomialError, sp.GeneratorsNeeded):
        return False
    except Exception:
        return False


def _numerators(eqs, unknowns):
    nums, dens = [], []
    for e in eqs:
        e = sp.together(sp.expand_power_base(e))
        n, d = sp.fraction(e)
        n = sp.expand(n)
        if n == 0:
            continue
        if d.free_symbols & set(unknowns):
            dens.append(d)
        nums.append(n)
    return nums, dens


def _rational_power_substitution(eqs, unknowns, positive):
    """x**(p/q) of a positive unknown x -> u**p with x = u**q; returns (eqs, back-substitution)."""
    back = {}
    new_unknowns = list(unknowns)
    for x in unknowns:
        if x not in positive:
            continue
        qs = []
        for e in eqs:
            for pw in e.atoms(sp.Pow):
                if pw.base == x and pw.exp.is_Rational and not pw.exp.is_Integer:
                    qs.append(int(pw.exp.q))
        if not qs:
            continue
        q = reduce(lcm, qs)
        u = sp.Dummy(f"{x.name}_root", positive=True)
        eqs = [sp.powdenest(e.subs(x, u**q), force=True) for e in eqs]
        back[u] = (x, u**q)
        new_unknowns[new_unknowns.index(x)] = u
    return eqs, new_unknowns, back


def _isolate_logs(eqs, unknowns, positive):
    """Eliminate x from an equation linear in log(x) (and free of x otherwise): x = exp(...)."""
    eqs = list(eqs)
    solved: dict = {}
    changed = True
    while changed:
        changed = False
        for i, e in enumerate(eqs):
            for x in unknowns:
                if x in solved or not e.has(sp.log(x)):
                    continue
                t = sp.Dummy("t")
                rest = e.subs(sp.log(x), t)
                if rest.has(x) or any(rest.has(y) for y in solved):
                    continue
                if not sp.Poly(rest, t).degree() == 1:
                    continue
                sol = sp.solve(rest, t)
                if len(sol) != 1:
                    continue
                value = sp.exp(sol[0])
                solved[x] = value
                eqs = [sp.expand_log(sp.expand(q.subs(x, value)), force=True) for j, q in enumerate(eqs) if j != i]
                eqs = [q for q in eqs if q != 0]
                changed = True
                break
            if changed:
                break
    return eqs, solved


def _exp_substitution(eqs, unknowns):
    """exp(c0 + sum c_k u_k) with integer c_k -> exp(c0) prod Y_k**c_k, Y_k = exp(u_k) > 0."""
    exps = set()
    for e in eqs:
        exps |= {a for a in e.atoms(sp.exp) if a.free_symbols & set(unknowns)}
    if not exps:
        return None
    targets = [u for u in unknowns if any(a.has(u) for a in exps)]
    ys = {u: sp.Dummy(f"exp_{u}", positive=True) for u in targets}
    repl = {}
    for a in exps:
        arg = sp.expand(a.args[0])
        try:
            poly = sp.Poly(arg, *targets)
        except sp.PolynomialError:
            return None
        if poly.total_degree() > 1:
            return None
        c0 = arg.subs({u: 0 for u in targets})
        term = sp.exp(c0)
        for u in targets:
            c = arg.coeff(u)
            if not (c.is_Integer):
                return None
            term *= ys[u] ** int(c)
        repl[a] = term
    new = [sp.expand(e.xreplace(repl)) for e in eqs]
    if any(e.has(u) for e in new for u in targets):
        return None
    return new, ys


def _real_enough(value) -> bool | None:
    v = sp.sympify(value)
    if v.is_real:
        return True
    if v.is_real is False:
        return False
    if not v.free_symbols:
        try:
            c = complex(sp.N(v, 30))
        except (TypeError, ValueError):
            return None
        return abs(c.imag) <= 1e-12 * (1 + abs(c.real))
    return None


def solve_system(eqs, unknowns, positive=frozenset(), seconds: float = 10.0) -> SystemSolution:
    """Every solution of ``eqs = 0`` in ``unknowns`` (see the module docstring for the method)."""
    out = SystemSolution()
    eqs = [sp.sympify(e) for e in eqs]
    eqs = [e for e in eqs if e != 0]
    unknowns = list(unknowns)
    if any(e.is_number and e != 0 for e in eqs):
        out.method = "a constant equation 0 = c, c ≠ 0"
        return out
    original_eqs = list(eqs)
    # positive unknowns as positive symbols: sqrt(x*y) = sqrt(x)*sqrt(y), log(x*y) = log x + log y
    pos_map = {u: sp.Dummy(str(u), positive=True) for u in unknowns if u in positive and not u.is_positive}
    if pos_map:
        inner = solve_system([sp.expand_log(e.xreplace(pos_map), force=True) for e in eqs],
                             [pos_map.get(u, u) for u in unknowns],
                             positive={pos_map.get(u, u) for u in positive}, seconds=seconds)
        inv = {d: u for u, d in pos_map.items()}
        inner.solutions = [{inv.get(k, k): sp.sympify(v).xreplace(inv) for k, v in sol.items()}
                           for sol in inner.solutions]
        inner.solutions = [sol for sol in inner.solutions if _check_denominators(original_eqs, sol)]
        inner.excluded = [sp.sympify(e).xreplace(inv) for e in inner.excluded]
        return inner
    work, work_unknowns, back = _rational_power_substitution(eqs, unknowns, positive)
    logs: dict = {}
    if not _is_polynomial(_numerators(work, work_unknowns)[0], work_unknowns):
        work, logs = _isolate_logs(work, work_unknowns, positive)
    remaining = [u for u in work_unknowns if u not in logs]
    nums, dens = _numerators(work, remaining)
    exp_map: dict = {}
    if not _is_polynomial(nums, remaining):
        sub = _exp_substitution(nums, remaining)
        if sub is not None:
            nums, exp_map = sub
            remaining = [exp_map.get(u, u) for u in remaining]
            nums, dens2 = _numerators(nums, remaining)
            dens += dens2
    out.excluded = dens
    polynomial = _is_polynomial(nums, remaining)
    raw: list[dict] = []
    try:
        with time_budget(seconds, step="solving the Lagrange equations"):
            if polynomial and remaining:
                G = sp.groebner(nums, *remaining, order="lex")
                if list(G.exprs) == [1]:
                    out.method = "Gröbner basis (lex) = {1}: no solution"
                    return out
                out.method = "Gröbner basis (lex), then back-substitution"
                zero_dim = G.is_zero_dimensional
                numeric_coefficients = not set().union(*[e.free_symbols for e in G.exprs]) - set(remaining)
                raw = None
                if zero_dim and numeric_coefficients:
                    from .triangular import real_solutions

                    raw = real_solutions(G, remaining)
                    if raw is not None:
                        out.method = "Gröbner basis (lex), exact real roots of the triangular system"
                if raw is None:
                    raw = sp.solve(list(G.exprs), remaining, dict=True)
                if not zero_dim:
                    out.notes.append("the solution set is not finite (a family of stationary points)")
            elif not remaining:
                raw = [{}] if all(sp.simplify(n) == 0 for n in nums) else []
                out.method = "elimination"
            else:
                out.method = "sympy.solve (not polynomial: the solution list may be incomplete)"
                out.complete = False
                raw = sp.solve(nums, remaining, dict=True)
    except BudgetExceeded:
        out.complete = False
        out.notes.append(f"solving ran past its time budget ({seconds:.0f} s); solutions may be missing")
        return out
    except (NotImplementedError, ValueError, TypeError, sp.PolynomialError) as exc:
        out.complete = False
        out.notes.append(f"the symbolic solver gave up ({type(exc).__name__}: {str(exc)[:80]})")
        return out
    # unknowns introduced as positive (x = u**q, Y = exp(u), x > 0): a root <= 0 is not a solution
    kept = []
    for sol in raw:
        bad = False
        for k, v in sol.items():
            if getattr(k, "is_positive", False) and sp.sympify(v).is_number:
                try:
                    bad = bad or not float(sp.N(v if not v.has(sp.CRootOf) else v.evalf(30))) > 0
                except (TypeError, ValueError):
                    bad = True
        if not bad:
            kept.append(sol)
    raw = kept
    inverse_exp = {y: u for u, y in exp_map.items()}
    complex_dropped = 0
    for sol in raw:
        full = dict(sol)
        # undo exp substitution: u = log(Y)
        for y, u in inverse_exp.items():
            if y in full:
                val = full.pop(y)
                if _real_enough(val) is False or (val.is_number and (sp.N(val) <= 0) == True):  # noqa: E712
                    full = None
                    break
                full[u] = sp.log(val)
            else:
                full[u] = sp.log(y)
        if full is None:
            complex_dropped += 1
            continue
        for x, value in logs.items():
            full[x] = value
        full = {k: sp.sympify(v).subs(full) if hasattr(v, "subs") else v for k, v in full.items()}
        for x, value in list(logs.items()):
            full[x] = value.subs(full)
        for u, (x, expr) in back.items():
            if u in full:
                full[x] = expr.subs(u, full.pop(u))
            else:
                full[x] = expr.subs(full)
        full = {k: v for k, v in full.items() if k in unknowns}
        cleaned = {}
        bad = False
        for k, v in full.items():
            if not v.has(sp.CRootOf):
                v = bounded(lambda e: sp.radsimp(sp.nsimplify(e) if e.is_Float else e), v, seconds=0.5, fallback=v)
            real = _real_enough(v)
            if real is False:
                bad = True
                break
            cleaned[k] = v
        if bad:
            complex_dropped += 1
            continue
        if (dens or not polynomial) and not _check_denominators(original_eqs, cleaned):
            continue
        out.solutions.append(cleaned)
    if complex_dropped:
        out.notes.append(f"{complex_dropped} complex solution(s) discarded (real variables only)")
    return out


def _check_denominators(eqs, sol) -> bool:
    """Reject solutions at which the original equations are undefined (a vanishing denominator)."""
    for e in eqs:
        if sol and not (set(sol) >= (e.free_symbols & set(sol))):
            continue
        try:
            v = e.subs(sol)
        except Exception:
            return False
        if v.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
            return False
    return True
