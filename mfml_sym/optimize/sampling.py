"""Random parameter values that satisfy the parameters' assumptions, and deciding conditions on them.

A parametric answer (``x* = s/3`` for ``s > 0``) is checked at parameter values drawn from each
parameter's sampling box, kept only when every assumption (positive, nonzero, ...) and every
stated parameter condition holds. A condition the assumptions cannot decide symbolically is
decided on such samples: true at all of them, false at all, or "depends".
"""
from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from ..budget import bounded
from .model import OptimisationProblem

__all__ = ["parameter_samples", "decide", "numeric_value"]


def _satisfies_assumptions(sym: sp.Symbol, value: float) -> bool:
    a = sym.assumptions0
    if a.get("positive") and not value > 0:
        return False
    if a.get("negative") and not value < 0:
        return False
    if a.get("nonnegative") and not value >= 0:
        return False
    if a.get("nonpositive") and not value <= 0:
        return False
    if a.get("nonzero") and abs(value) < 1e-3:
        return False
    return True


def parameter_samples(problem: OptimisationProblem, count: int = 4, seed: int = 7) -> list[dict]:
    """Up to ``count`` dicts symbol -> float satisfying assumptions and parameter conditions."""
    params = problem.parameters
    if not params:
        return [{}]
    gen = np.random.default_rng(seed)
    out: list[dict] = []
    tries = 0
    while len(out) < count and tries < 400 * count:
        tries += 1
        vals = {}
        for p in params:
            lo, hi = p.sample_range
            v = float(gen.uniform(lo, hi))
            if p.symbol.is_integer:
                v = float(round(v))
            vals[p.symbol] = v
        if not all(_satisfies_assumptions(s, v) for s, v in vals.items()):
            continue
        ok = True
        for c in problem.parameter_conditions:
            try:
                ok = bool(c.subs(vals))
            except TypeError:
                ok = False
            if not ok:
                break
        if ok:
            out.append(vals)
    return out


_ROOTS: dict = {}


def root_value(r):
    """A ``CRootOf`` to 40 digits, computed once (isolating a root again is slow)."""
    if r not in _ROOTS:
        _ROOTS[r] = r.evalf(40)
    return _ROOTS[r]


def numeric_value(expr: Any, values: dict) -> complex:
    """``expr`` at ``values`` as a complex number (nan when undefined)."""
    try:
        e = sp.sympify(expr)
        if e.has(sp.CRootOf):
            e = e.xreplace({r: root_value(r) for r in e.atoms(sp.CRootOf)})
        v = complex(sp.N(e.subs(values), 30))
    except (TypeError, ValueError, ZeroDivisionError):
        return complex("nan")
    return v


def decide(condition: Any, samples: list[dict], tol: float = 1e-9) -> bool | None:
    """Decide a relation (``x > 0``, ``Eq(e, 0)``) symbolically, else on parameter samples.

    Returns True/False when decided (symbolically or unanimously on the samples), None when it
    depends on the parameters.
    """
    if condition is True or condition is sp.true:
        return True
    if condition is False or condition is sp.false:
        return False
    if isinstance(condition, sp.Rel):
        diff = condition.lhs - condition.rhs
        simplified = bounded(sp.simplify, diff, seconds=1.0, fallback=diff)
        sym = _sign_decision(condition, simplified)
        if sym is not None:
            return sym
        exact = _univariate_decision(condition)
        if exact is not None or len(condition.free_symbols) == 1 and exact is None and _UNIVARIATE_DONE.get(condition):
            return exact
        results = []
        for s in samples:
            v = numeric_value(simplified, s)
            if not np.isfinite(v.real) or abs(v.imag) > 1e-9 * (1 + abs(v.real)):
                results.append(False)
                continue
            r = v.real
            scale = tol * (1 + max(abs(complex(numeric_value(condition.lhs, s))), 1.0))
            if isinstance(condition, sp.Equality):
                results.append(abs(r) <= scale)
            elif isinstance(condition, sp.Unequality):
                results.append(abs(r) > scale)
            elif isinstance(condition, (sp.StrictGreaterThan,)):
                results.append(r > scale)
            elif isinstance(condition, (sp.GreaterThan,)):
                results.append(r >= -scale)
            elif isinstance(condition, (sp.StrictLessThan,)):
                results.append(r < -scale)
            else:
                results.append(r <= scale)
        if not results:
            return None
        if all(results):
            return True
        if not any(results):
            return False
        return None
    try:
        return bool(condition)
    except TypeError:
        return None


_UNIVARIATE_DONE: dict = {}


def _domain(sym):
    if sym.is_positive:
        return sp.Interval.open(0, sp.oo)
    if sym.is_nonnegative:
        return sp.Interval(0, sp.oo)
    if sym.is_negative:
        return sp.Interval.open(-sp.oo, 0)
    if sym.is_nonpositive:
        return sp.Interval(-sp.oo, 0)
    return sp.S.Reals


def _univariate_decision(condition) -> bool | None:
    """A condition on one parameter decided exactly over the parameter's domain (its assumptions)."""
    syms = condition.free_symbols
    if len(syms) != 1 or isinstance(condition, (sp.Equality, sp.Unequality)):
        return None
    s = next(iter(syms))
    dom = _domain(s)
    sol = bounded(sp.solve_univariate_inequality, condition, s, False, dom, seconds=1.0, fallback=None)
    if sol is None or not isinstance(sol, sp.Set):
        return None
    _UNIVARIATE_DONE[condition] = True
    inter = sp.Intersection(sol, dom)
    if inter is sp.S.EmptySet or inter.measure == 0:
        return False
    if (dom - sol) is sp.S.EmptySet or (dom - sol).measure == 0:
        return True
    return None


def _sign_decision(condition, diff) -> bool | None:
    pos, neg, zero = diff.is_positive, diff.is_negative, diff.is_zero
    nonneg, nonpos = diff.is_nonnegative, diff.is_nonpositive
    if isinstance(condition, sp.Equality):
        if zero:
            return True
        if zero is False or pos or neg:
            return False
        return None
    if isinstance(condition, sp.Unequality):
        if zero:
            return False
        if zero is False:
            return True
        return None
    if isinstance(condition, sp.StrictGreaterThan):
        return True if pos else (False if nonpos else None)
    if isinstance(condition, sp.GreaterThan):
        return True if nonneg else (False if neg else None)
    if isinstance(condition, sp.StrictLessThan):
        return True if neg else (False if nonneg else None)
    if isinstance(condition, sp.LessThan):
        return True if nonpos else (False if pos else None)
    return None
