"""Independent numeric truth for derivatives: central finite differences.

Every derivative the engines report is compared with these before it is shown. The layout is
the generalised numerator layout of the examples: the derivative of ``f`` (output shape ``F``)
with respect to ``x`` (shape ``S``) has shape ``F + S``, entry ``[I, J] = ∂f_I / ∂x_J``. A
scalar function's gradient therefore has the shape of the variable.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

__all__ = ["central_difference", "relative_error", "rng", "step_size"]


def rng(seed: int | None = None) -> np.random.Generator:
    """The generator every check uses: deterministic by default (``settings.seed``)."""
    if seed is None:
        from ..budget import settings

        seed = settings.seed
    return np.random.default_rng(seed)


def step_size(x: np.ndarray) -> np.ndarray:
    """Per-entry step that balances truncation (h²) and rounding (ε/h) error for central differences."""
    eps = np.finfo(float).eps
    return eps ** (1 / 3) * np.maximum(1.0, np.abs(x))


def central_difference(f: Callable[[np.ndarray], np.ndarray], x, h: float | np.ndarray | None = None) -> np.ndarray:
    """∂f/∂x at ``x`` by central differences, shape ``f(x).shape + x.shape``.

    Uses the 4th-order stencil (−f(x+2h) + 8f(x+h) − 8f(x−h) + f(x−2h)) / 12h, so a correct
    derivative agrees to about 1e-10 relative error on smooth functions.
    """
    x = np.asarray(x, dtype=float)
    steps = step_size(x) if h is None else np.broadcast_to(np.asarray(h, dtype=float), x.shape)
    f0 = np.asarray(f(x.copy()), dtype=float)
    out = np.empty(f0.shape + x.shape)
    flat_x = x.reshape(-1)
    flat_h = np.asarray(steps).reshape(-1)
    for k in range(flat_x.size):
        def at(delta: float) -> np.ndarray:
            moved = flat_x.copy()
            moved[k] += delta
            return np.asarray(f(moved.reshape(x.shape)), dtype=float)

        hk = flat_h[k]
        d = (-at(2 * hk) + 8 * at(hk) - 8 * at(-hk) + at(-2 * hk)) / (12 * hk)
        out[(...,) + np.unravel_index(k, x.shape)] = d
    return out


def relative_error(a, b, floor: float = 1e-8) -> float:
    """Largest entrywise error relative to the size of the values compared.

    The scale is ``max(|b|_max, floor)`` over the whole array, so entries that should be 0 are
    judged against the array's magnitude rather than divided by zero.
    """
    a = np.asarray(a, dtype=complex if np.iscomplexobj(a) or np.iscomplexobj(b) else float)
    b = np.asarray(b, dtype=a.dtype)
    if a.shape != b.shape:
        try:
            a, b = np.broadcast_arrays(a, b)
        except ValueError:
            return float("inf")
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return float("inf") if not np.array_equal(np.isfinite(a), np.isfinite(b)) else 0.0
    scale = max(float(np.max(np.abs(b))) if b.size else 0.0, floor)
    return float(np.max(np.abs(a - b))) / scale if a.size else 0.0
