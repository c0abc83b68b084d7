"""Readable forms of results: compact (factored/cancelled when shorter), expanded, or raw.

``compact`` tries a few rewritings, each under a time budget, keeps the shortest (fewest
operations, then shortest text) and rejects any candidate that does not agree numerically
with the input -- a rewriting must never change the value.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from ..budget import bounded

__all__ = ["compact", "in_form", "size"]


def size(expr) -> tuple[int, int]:
    """How long a result reads: (operation count, length of its text)."""
    try:
        ops = int(sp.count_ops(expr))
    except Exception:  # noqa: BLE001
        ops = 10**6
    return ops, len(str(expr))


def _same_value(a, b) -> bool:
    syms = sorted(a.free_symbols | b.free_symbols, key=str)
    if not syms:
        try:
            return abs(complex(a) - complex(b)) <= 1e-9 * max(1.0, abs(complex(a)))
        except (TypeError, ValueError):
            return a == b
    gen = np.random.default_rng(3)
    try:
        fa = sp.lambdify(syms, a, modules=["numpy", "scipy"])
        fb = sp.lambdify(syms, b, modules=["numpy", "scipy"])
    except Exception:  # noqa: BLE001
        return False
    agreed = 0
    for _ in range(20):
        vals = [gen.uniform(0.3, 2.0) * (1 if (s.is_positive or s.is_nonnegative) else gen.choice([-1, 1]))
                for s in syms]
        with np.errstate(all="ignore"):
            try:
                va, vb = complex(fa(*vals)), complex(fb(*vals))
            except Exception:  # noqa: BLE001
                return False
        if not (np.isfinite(va) and np.isfinite(vb)):
            continue
        if abs(va - vb) > 1e-8 * max(1.0, abs(va)):
            return False
        agreed += 1
        if agreed >= 4:
            return True
    return agreed > 0


# How much work the search for a compact form may do is limited by the size of the expression,
# not by the clock, so that the same cell shows the same form on a busy machine as on a quiet
# one (issue: determinism). The time budget stays only as a safety net for pathological input.
REWRITE_MAX_OPS = 400  # cancel / factor / together
SIMPLIFY_MAX_OPS = 120  # simplify on a long expression rarely pays off
SAFETY_SECONDS = 8.0


def _compact_scalar(expr, seconds: float):
    if not isinstance(expr, sp.Expr) or expr.is_Number or expr.is_Symbol:
        return expr
    if expr.atoms(sp.Derivative, sp.Subs):
        return expr
    ops0 = size(expr)[0]
    if ops0 > REWRITE_MAX_OPS:
        return expr
    candidates = [expr]
    rewrites = [sp.cancel, sp.factor, sp.together]
    if ops0 <= SIMPLIFY_MAX_OPS:
        rewrites.append(sp.simplify)
    safety = max(seconds, SAFETY_SECONDS)
    for fn in rewrites:
        c = bounded(fn, expr, seconds=safety, fallback=None)
        if c is not None and c not in candidates:
            candidates.append(c)
    # factor the result of simplify too (simplify often leaves a sum that factors)
    for c in list(candidates[1:]):
        if size(c)[0] > REWRITE_MAX_OPS:
            continue
        f = bounded(sp.factor, c, seconds=safety, fallback=None)
        if f is not None and f not in candidates:
            candidates.append(f)
    best = expr
    ops0, len0 = size(expr)
    for c in sorted(candidates[1:], key=size):
        ops, length = size(c)
        # a rewriting must be clearly shorter to replace what the rules produced
        if not (ops <= ops0 - 3 or (ops < ops0 and length < 0.9 * len0) or (ops <= ops0 and length < 0.7 * len0)):
            continue
        if _same_value(c, expr):
            best = c
            break
    return best


def compact(expr: Any, seconds: float = 1.0) -> Any:
    """The shortest of a few equivalent forms of ``expr`` (entrywise for a Matrix)."""
    if isinstance(expr, sp.MatrixBase):
        return expr.applyfunc(lambda e: _compact_scalar(e, seconds))
    return _compact_scalar(expr, seconds)


def in_form(expr: Any, form: str, seconds: float = 1.5) -> Any:
    """``form`` is "auto" (compact), "expand" or "raw"."""
    if form == "raw":
        return expr
    if form == "expand":
        def expand(e):
            return bounded(sp.expand, e, seconds=seconds, fallback=e)

        return expr.applyfunc(expand) if isinstance(expr, sp.MatrixBase) else expand(expr)
    return compact(expr, seconds)
