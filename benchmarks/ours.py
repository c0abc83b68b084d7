"""Adapters from the benchmark to our public API, tolerant of engines still being written.

Each helper returns a value or raises; the sections wrap them with :func:`timing.guarded`, so
a missing capability (notation layer not there yet, an operation not supported, a check that
fails) reads as ``n/a (reason)`` in the table.
"""
from __future__ import annotations

import inspect
from typing import Any, Callable

import numpy as np

__all__ = ["derive_cell", "numpy_function", "checked", "clear_sympy_cache", "Unavailable"]

# canonical data key -> names our generated function may use for it
_ALIASES = {
    "lambda": ("lambda", "lambda_", "lam", "lmbda", "λ"),
    "W_1": ("W_1", "W1", "W_{1}"),
    "W_2": ("W_2", "W2", "W_{2}"),
    "mu": ("mu", "μ", "boldsymbol_mu"),
    "Sigma": ("Sigma", "Σ", "S"),
}


class Unavailable(Exception):
    """Our engine cannot do this (yet); the message is the reason shown in the table."""


def clear_sympy_cache() -> None:
    """Start each symbolic timing cold, so repeats do not just hit sympy's cache."""
    from sympy.core.cache import clear_cache

    clear_cache()


def derive_cell(cell: str, operations: tuple[str, ...], wrt: Any = None, **options: Any):
    """``mfml_sym.derive(cell, *operations, wrt=wrt, **options)`` with the result's warnings surfaced."""
    import mfml_sym

    d = mfml_sym.derive(cell, *operations, wrt=wrt, **options)
    missing = [op for op in operations if op not in d]
    if missing:
        why = "; ".join(getattr(d, "warnings", [])[:1]) or f"no {missing[0]} in the result"
        raise Unavailable(why)
    return d


def checked(d) -> bool:
    """Run the derivation's numeric check (what the magic does before showing anything)."""
    report = d.check()
    if not report.passed:
        raise Unavailable("numeric check failed: " + report.summary()[:80])
    return True


def numpy_function(d, name: str, data: dict[str, Any]) -> Callable[[], np.ndarray]:
    """A zero-argument closure calling ``d.numpy(name)`` with the benchmark data by keyword."""
    fn = d.numpy(name)
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        params = []
    var_kw = any(p.kind is p.VAR_KEYWORD for p in params)
    names = [p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    kwargs: dict[str, Any] = {}
    if names and not var_kw:
        for key, value in data.items():
            for alias in _ALIASES.get(key, (key,)):
                if alias in names:
                    kwargs[alias] = value
                    break
        missing = [n for n in names if n not in kwargs]
        if missing:
            raise Unavailable(f"generated function wants {', '.join(missing)}; cannot map to the data")
    else:
        kwargs = dict(data)
    return lambda: fn(**kwargs)


def as_array(value: Any, like: np.ndarray) -> np.ndarray:
    """Our result as an array of the hand-written result's shape (column vectors -> 1-D)."""
    arr = np.asarray(value, dtype=float)
    if arr.shape != like.shape:
        if arr.size != like.size:
            raise Unavailable(f"result has shape {arr.shape}, expected {like.shape}")
        arr = arr.reshape(like.shape)
    return arr


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    scale = max(np.max(np.abs(b)), 1e-300)
    return float(np.max(np.abs(a - b)) / scale)
