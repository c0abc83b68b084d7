"""Numeric checks of derived results: central finite differences at random points.

Points are drawn on the declared domain (a positive symbol gets positive values), away from
singularities (a point where the function or the result is not finite, or where the function
is complex, is rejected and redrawn), deterministically (``settings.seed``). The comparison is
the largest entrywise error relative to the size of the finite-difference value, against a
stated tolerance. A failed check is reported as failed, with the point.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np
import sympy as sp

from ..budget import settings
from ..derivation import CheckReport
from ..numeric.finite_differences import central_difference, relative_error, rng as make_rng

__all__ = [
    "DERIVATIVE_TOLERANCE",
    "sample_value",
    "sample_points",
    "scalar_function",
    "derivative_check",
    "values_agree",
]

DERIVATIVE_TOLERANCE = 1e-6


def sample_value(symbol, gen: np.random.Generator) -> float:
    """One random value on the symbol's declared domain."""
    if symbol.is_integer:
        return float(gen.integers(1, 6) * (1 if (symbol.is_positive or symbol.is_nonnegative) else gen.choice([-1, 1])))
    magnitude = gen.uniform(0.25, 2.0)
    if symbol.is_positive or symbol.is_nonnegative:
        return float(magnitude)
    if symbol.is_negative or symbol.is_nonpositive:
        return float(-magnitude)
    return float(magnitude * gen.choice([-1.0, 1.0]))


def _lambdify(symbols: Sequence, expr) -> Callable:
    return sp.lambdify(list(symbols), expr, modules=["numpy", "scipy"])


def _evaluate(fn: Callable, values: Sequence[float]) -> np.ndarray | None:
    """fn at a point as a float array, or None when not finite / not real."""
    with np.errstate(all="ignore"):
        try:
            out = np.asarray(fn(*values))
        except (ZeroDivisionError, OverflowError, ValueError, TypeError, FloatingPointError):
            return None
    if out.dtype == object:
        try:
            out = out.astype(complex)
        except (TypeError, ValueError):
            return None
    if np.iscomplexobj(out):
        if np.any(np.abs(out.imag) > 1e-12 * np.maximum(1.0, np.abs(out.real))):
            return None
        out = out.real
    out = out.astype(float)
    if not np.all(np.isfinite(out)) or np.any(np.abs(out) > 1e12):
        return None
    return out


def sample_points(symbols: Sequence, count: int, *, must_be_finite: Sequence = (), seed: int | None = None,
                  tries: int = 40) -> list[dict]:
    """Up to ``count`` random points (symbol -> float) where every expression in ``must_be_finite`` is real and finite."""
    symbols = list(symbols)
    gen = make_rng(settings.seed if seed is None else seed)
    fns = []
    for e in must_be_finite:
        try:
            fns.append(_lambdify(symbols, e))
        except Exception:  # noqa: BLE001
            continue
    points: list[dict] = []
    for _ in range(count * tries):
        values = [sample_value(s, gen) for s in symbols]
        if all(_evaluate(fn, values) is not None for fn in fns):
            points.append(dict(zip(symbols, values)))
            if len(points) >= count:
                break
    return points


def scalar_function(expr, symbols: Sequence) -> Callable:
    """A numpy function of ``expr`` (scalar or explicit Matrix) taking positional floats."""
    if isinstance(expr, sp.MatrixBase):
        fn = _lambdify(symbols, list(expr))
        shape = expr.shape

        def call(*values):
            return np.asarray(fn(*values), dtype=complex).reshape(shape)

        return call
    return _lambdify(symbols, expr)


def _as_vector_shape(a: np.ndarray) -> np.ndarray:
    """Column vectors (n, 1) compare as (n,): the generalised numerator layout drops the 1."""
    if a.ndim == 2 and a.shape[1] == 1:
        return a[:, 0]
    return a


def derivative_check(function, result, variables: Sequence, *, what: str, parameters: Sequence = (),
                     count: int | None = None, tolerance: float = DERIVATIVE_TOLERANCE) -> CheckReport:
    """Compare ``result`` (the derivative of ``function`` w.r.t. ``variables``) with central differences.

    ``function`` is a scalar or a column ``Matrix``; ``result`` has the generalised numerator
    layout once column vectors are read as 1-D: ``function.shape + (len(variables),)`` (a single
    variable drops the last axis).
    """
    count = settings.check_points if count is None else count
    variables = list(variables)
    all_symbols = variables + [p for p in parameters if p not in variables]
    extra = sorted((_free(function) | _free(result)) - set(all_symbols), key=str)
    all_symbols += extra
    method = "central differences (4th order)"
    try:
        f_num = scalar_function(function, all_symbols)
        r_num = scalar_function(result, all_symbols)
    except Exception as exc:  # noqa: BLE001
        from sympy.core.function import AppliedUndef

        unknown = sorted({str(a.func) for e in (function, result) for a in getattr(e, "atoms", lambda *_: set())(AppliedUndef)})
        why = (f"undefined function(s) {', '.join(unknown)}" if unknown else type(exc).__name__)
        return CheckReport(False, f"not checked: could not evaluate numerically ({why})", what=what)
    points = sample_points(all_symbols, count, must_be_finite=[function, result])
    if not points:
        return CheckReport(False, method + ": no point found where the function is real and finite", what=what)
    worst, worst_point, used = 0.0, None, 0
    for point in points:
        values = [point[s] for s in all_symbols]
        n = len(variables)

        def g(v, values=values):
            full = list(v) + values[n:]
            out = _evaluate(f_num, full)
            if out is None:
                raise FloatingPointError
            return _as_vector_shape(out)

        try:
            fd = central_difference(g, np.array(values[:n], dtype=float))
        except FloatingPointError:
            continue
        got = _evaluate(r_num, values)
        if got is None:
            continue
        got = _as_vector_shape(got)
        if len(variables) == 1:
            fd = fd[..., 0]
        # a derivative that is 0 is compared on the scale of the function (rounding in f is ~eps |f| / h)
        f_scale = float(np.max(np.abs(g(np.array(values[:n], dtype=float))))) if n else 1.0
        err = relative_error(got.reshape(fd.shape) if got.size == fd.size else got, fd,
                             floor=1e-4 * max(1.0, f_scale))
        used += 1
        if err > worst:
            worst, worst_point = err, (point, got, fd)
    if used == 0:
        return CheckReport(False, method + ": finite differences could not be evaluated", what=what)
    passed = worst <= tolerance
    counter = None
    if not passed and worst_point is not None:
        point, got, fd = worst_point
        counter = {str(k): round(v, 6) for k, v in point.items()}
        counter["derived"] = np.round(got, 8).tolist()
        counter["finite differences"] = np.round(fd, 8).tolist()
    return CheckReport(passed, method, points=used, max_error=worst, tolerance=tolerance, what=what,
                       counterexample=counter)


def _free(expr) -> set:
    return set(getattr(expr, "free_symbols", set()))


def values_agree(a, b, symbols: Sequence, *, count: int = 12, tolerance: float = 1e-8, seed: int | None = None,
                 points: list[dict] | None = None) -> tuple[bool | None, list[tuple[dict, Any, Any, bool]]]:
    """Evaluate ``a`` and ``b`` at random points: (all agree?, [(point, a, b, agree), ...]).

    Returns ``None`` for the verdict when no point could be evaluated.
    """
    symbols = sorted(set(symbols) | _free(a) | _free(b), key=str)
    fa, fb = scalar_function(a, symbols), scalar_function(b, symbols)
    if points is None:
        points = sample_points(symbols, count, must_be_finite=[a, b], seed=seed)
    rows = []
    for p in points:
        values = [p.get(s, 0.0) for s in symbols]
        va, vb = _evaluate(fa, values), _evaluate(fb, values)
        if va is None or vb is None:
            continue
        va, vb = _as_vector_shape(va), _as_vector_shape(vb)
        if va.shape != vb.shape and va.size == vb.size:
            va = va.reshape(vb.shape)
        ok = va.shape == vb.shape and relative_error(va, vb) <= tolerance
        rows.append((p, va, vb, ok))
    if not rows:
        return None, rows
    return all(r[3] for r in rows), rows
