"""Data for a model: checked against the likelihood's support, then summarised.

A value outside the support (a 2 for a Bernoulli, a negative count, a non-positive value for a
positive family, a wrong shape) is a :class:`~mfml_sym.errors.DataError` that names the value
and its position.
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from ..errors import DataError
from .families import Family

__all__ = ["validate", "evaluate_statistics", "synthetic_data"]


def _fail(fam: Family, i: int, value, expected: str, name: str = "x"):
    raise DataError(f"{name}[{i}] = {value!r} is not a possible observation of a {fam.name}: "
                    f"expected {expected}")


def validate(fam: Family, values, known: dict | None = None, name: str = "x") -> np.ndarray:
    """The observations as a float array, or a DataError naming the first impossible value."""
    known = known or {}
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise DataError(f"data {name!r} must be a list or array of numbers (got {values!r})") from exc
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise DataError(f"data {name!r} for a {fam.name} likelihood must be one-dimensional "
                        f"(one number per observation); got shape {arr.shape}")
    if arr.size == 0:
        raise DataError(f"data {name!r} is empty")
    for i, v in enumerate(arr):
        if not np.isfinite(v):
            _fail(fam, i, values[i], "a finite number", name)
    support = fam.support
    integer = np.equal(np.mod(arr, 1), 0)
    for i, v in enumerate(arr):
        original = values[i] if hasattr(values, "__getitem__") else v
        if support == "binary" and v not in (0.0, 1.0):
            _fail(fam, i, original, "0 or 1", name)
        elif support in ("count", "count<=N") and (v < 0 or not integer[i]):
            _fail(fam, i, original, "a non-negative integer count", name)
        elif support == "count>=1" and (v < 1 or not integer[i]):
            _fail(fam, i, original, "an integer >= 1", name)
        elif support in ("positive", "above scale") and v <= 0:
            _fail(fam, i, original, "a positive number", name)
        elif support == "unit" and not 0 < v < 1:
            _fail(fam, i, original, "a number strictly between 0 and 1", name)
        if support == "count<=N":
            N = known.get("N")
            if N is not None and v > N:
                _fail(fam, i, original, f"a count between 0 and N = {N:g}", name)
    return arr


def evaluate_statistics(statistics, x_symbol, values: np.ndarray, count, constants: dict | None = None) -> dict:
    """Numbers for every statistic symbol (and the count) from the data; ``constants`` fill known values."""
    out = {count: int(values.size)}
    constants = constants or {}
    for s in statistics:
        if s.kind == "max":
            out[s.symbol] = float(values.max())  # noqa: the bound of a continuous support
        elif s.kind == "min":
            out[s.symbol] = float(values.min())
        else:
            body = s.function.subs(constants)
            if body.free_symbols - {x_symbol}:
                continue  # depends on a constant without a value: stays symbolic
            g = sp.lambdify(x_symbol, body, modules=["scipy", "numpy"])
            total = float(np.sum(np.broadcast_to(g(values), values.shape)))
            out[s.symbol] = int(total) if s.function == x_symbol and np.all(np.mod(values, 1) == 0) else total
    return out


def synthetic_data(fam: Family, known: dict, rng: np.random.Generator, size: int = 9) -> np.ndarray:
    """Observations in the family's support (any data in the support will do for a check)."""
    support = fam.support
    if fam.name == "Uniform":
        return rng.uniform(0.1, 3.0, size)
    if support == "binary":
        return rng.integers(0, 2, size).astype(float)
    if support == "count<=N":
        return rng.integers(0, int(known.get("N", 5)) + 1, size).astype(float)
    if support == "count":
        return rng.poisson(2.5, size).astype(float)
    if support == "count>=1":
        return 1.0 + rng.poisson(2.0, size)
    if support == "above scale":
        return known.get("scale", 1.0) + rng.gamma(2.0, 1.0, size)
    if support == "positive":
        return rng.gamma(2.0, 1.0, size)
    if support == "unit":
        return rng.uniform(0.05, 0.95, size)
    return rng.normal(0.5, 1.5, size)
