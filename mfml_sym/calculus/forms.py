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


def _compact_scalar(expr, seconds: float):
    if not isinstance(expr, sp.Expr) or expr.is_Number or expr.is_Symbol:
        return expr
    if expr.atoms(sp.Derivative, sp.Subs):
        return expr
    import time

    deadline = time.monotonic() + seconds  # the whole search for a shorter form, not each try
    candidates = [expr]
    rewrites = [(sp.cancel, 0.3), (sp.factor, 0.4), (sp.together, 0.2)]
    if size(expr)[0] <= 120:  # simplify on a long expression rarely finishes in time
        rewrites.append((sp.simplify, 0.7 * seconds))
    for fn, budget in rewrites:
        left = deadline - time.monotonic()
        if left <= 0.05:
            break
        c = bounded(fn, expr, seconds=min(budget, left), fallback=None)
        if c is not None and c not in candidates:
            candidates.append(c)
    # factor the result of simplify too (simplify often leaves a sum that factors)
    for c in list(candidates[1:]):
        left = deadline - time.monotonic()
        if left <= 0.05:
            break
        f = bounded(sp.factor, c, seconds=min(0.3, left), fallback=None)
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
