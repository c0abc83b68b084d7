"""Numeric checks of matrix derivatives against central differences of the original function.

A random instance: every symbolic dimension gets a distinct small size (so a transposed
result cannot pass by accident), every input a random value respecting its declared structure
(SPD, symmetric, positive, binary, probability vector; square matrices well conditioned so
inverses and log-determinants exist). The original expression is evaluated by the independent
interpreter of :mod:`.evaluate` (sums over data as loops), differentiated by central
differences (:mod:`mfml_sym.numeric.finite_differences`) and compared with the generated numpy
function of the derived result.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import sympy as sp

from ..derivation import CheckReport
from ..numeric.finite_differences import central_difference, relative_error
from .evaluate import evaluate

__all__ = ["Instance", "random_instance", "derivative_check", "tensor_function", "concrete_functions"]

SIZES_SECOND = (3, 2, 4, 5, 6)  # second derivatives: n² central differences of n differences
SIZES = (5, 4, 3, 6, 2, 7, 8)  # first-seen (row) dimensions larger: XᵀX invertible, as for data


def concrete_functions(expr):
    """Undefined user functions replaced by fixed smooth ones, so a check can evaluate them."""
    from sympy.core.function import AppliedUndef

    from .normalize import _SIGMOID_NAMES
    from .functions import sigmoid

    found = {a.func for a in expr.atoms(AppliedUndef)} if isinstance(expr, sp.Basic) else set()
    for f in [f for f in found if str(f) in _SIGMOID_NAMES]:
        expr = expr.replace(f, sigmoid)  # the convention: σ undefined in the cell is the logistic function
        found.discard(f)
    for k, f in enumerate(sorted(found, key=str)):
        t = sp.Dummy("t")
        expr = expr.replace(f, sp.Lambda(t, sp.sin(t + k) + t ** 2 / 3))
    return expr.doit() if found else expr


class Instance:
    """Concrete sizes and input values for one check."""

    def __init__(self, dims: dict, values: dict) -> None:
        self.dims = dims  # dimension symbol -> int
        self.values = values  # symbol -> array (2-D for matrix symbols) or float

    def env(self) -> dict:
        return {**self.dims, **self.values}

    def user(self, sym) -> Any:
        """The value as a user passes it: vectors 1-D."""
        v = self.values[sym]
        if isinstance(sym, sp.MatrixSymbol) and sym.shape[1] == 1:
            return v[:, 0].copy()
        if isinstance(sym, sp.MatrixSymbol) and sym.shape[0] == 1:
            return v[0, :].copy()
        return v


def _size(d, dims):
    return int(sp.sympify(d).subs(dims))


def _draw(kind: str, shape, gen: np.random.Generator):
    r, c = shape
    if kind == "spd" and r == c:
        M = gen.standard_normal((r, r))
        return M @ M.T / r + np.eye(r)
    if kind == "symmetric" and r == c:
        M = gen.standard_normal((r, r))
        return (M + M.T) / 2 + 2 * np.eye(r)
    if kind == "wellcond" and r == c:
        return 2 * np.eye(r) + 0.5 * gen.standard_normal((r, r)) / np.sqrt(r)
    if kind == "positive":
        return np.abs(gen.standard_normal((r, c))) + 0.5
    if kind == "binary":
        return (gen.random((r, c)) < 0.5).astype(float)
    if kind == "prob":
        z = gen.standard_normal((r, c))
        e = np.exp(z - z.max())
        return e / e.sum()
    return gen.standard_normal((r, c))


def random_instance(symbols, kinds: dict, gen: np.random.Generator, positive: bool = False,
                    equal_sizes: bool = False, sizes=SIZES) -> Instance:
    """Sizes for every dimension, values for every symbol (``kinds``: symbol -> kind name).

    Sizes are distinct per dimension (a transposed result cannot pass by accident); with
    ``equal_sizes`` every dimension is 3 (for functions defined only then, e.g. det(XᵀAX)).
    """
    dims: dict = {}
    for s in symbols:
        if isinstance(s, sp.MatrixSymbol):
            for d in s.shape:
                for x in sorted(sp.sympify(d).free_symbols, key=str):
                    if x not in dims:
                        dims[x] = 3 if equal_sizes else sizes[len(dims) % len(sizes)]
    values: dict = {}
    for s in symbols:
        kind = kinds.get(s, "general")
        if positive and kind == "general":
            kind = "positive"
        if isinstance(s, sp.MatrixSymbol):
            shape = (_size(s.shape[0], dims), _size(s.shape[1], dims))
            if kind == "general" and shape[0] == shape[1] and shape[0] > 1:
                kind = "wellcond"
            values[s] = _draw(kind, shape, gen)
        else:
            if kind in ("positive",) or s.is_positive:
                values[s] = float(abs(gen.standard_normal()) + 0.5)
            elif s.is_nonnegative:
                values[s] = float(abs(gen.standard_normal()))
            else:
                values[s] = float(gen.standard_normal())
    return Instance(dims, values)


def tensor_function(differential, dvar, variable, arguments: dict) -> Callable:
    """The full derivative array from a differential dF = L(dX): L applied to each unit dX.

    The result has shape F.shape + X.shape (generalised numerator layout); the cost is one
    evaluation of the (linear) differential per entry of X.
    """
    from .numpy_code import argument_name, numpy_function

    d_fn = numpy_function(differential, {**arguments, "d__": dvar})
    var_name = [n for n, s in arguments.items() if s == variable][0]

    def fn(**values):
        shape = np.shape(values[var_name])
        size = int(np.prod(shape)) if shape else 1
        out = None
        for k in range(size):
            unit = np.zeros(size)
            unit[k] = 1.0
            col = np.asarray(d_fn(**values, d__=unit.reshape(shape) if shape else 1.0), dtype=float)
            if out is None:
                out = np.empty(col.shape + (size,))
            out[..., k] = col
        return out.reshape(out.shape[:-1] + tuple(shape))

    return fn


def derivative_check(
    original, variable, result_fn: Callable, arguments: dict, kinds: dict, *, what: str,
    structure: str = "none", order: int = 1, layout: str = "column", instances: int = 3,
    tolerance: float = 1e-6, seed: int = 20201,
) -> CheckReport:
    """Compare ``result_fn`` with central differences of ``original`` at random instances.

    ``order`` 2 differentiates twice (a Hessian: differences of differences would be noisy, so
    the first derivative is differenced from the derived gradient's own check — here we take
    differences of the interpreter's gradient by differences of f with a larger step).
    """
    replaced = concrete_functions(original)
    user_functions = replaced != original and not _only_sigmoid(original)
    original = replaced
    gen = np.random.default_rng(seed)
    symbols = [s for s in arguments.values()]
    worst = 0.0
    counter = None
    done = 0
    for attempt in range(instances * 6):
        if done >= instances:
            break
        inst = random_instance(symbols, kinds, gen, positive=instances * 2 <= attempt < instances * 4,
                               equal_sizes=attempt >= instances * 4 and done == 0,
                               sizes=SIZES if order == 1 else SIZES_SECOND)
        env = inst.env()
        x0 = inst.user(variable)

        def f_user(x, env=env):
            local = dict(env)
            arr = np.asarray(x, dtype=float)
            if isinstance(variable, sp.MatrixSymbol):
                if variable.shape[1] == 1:
                    local[variable] = arr.reshape(-1, 1)
                elif variable.shape[0] == 1:
                    local[variable] = arr.reshape(1, -1)
                else:
                    local[variable] = arr
            else:
                local[variable] = float(arr)
            v = evaluate(original, local)
            v = np.asarray(v, dtype=float)
            if v.ndim == 2 and v.shape[1] == 1 and _is_column(original):
                v = v[:, 0]
            if v.shape == (1, 1):
                v = v.reshape(())
            return v

        try:
            with np.errstate(all="ignore"):
                f0 = f_user(x0)
            if not np.all(np.isfinite(f0)):
                continue
            if order == 1:
                truth = central_difference(f_user, x0)
            else:
                h = 1e-3 * max(1.0, float(np.max(np.abs(x0))))
                truth = central_difference(lambda x: central_difference(f_user, x, h=h), x0, h=h)
            user_values = {name: inst.user(sym) for name, sym in arguments.items()}
            with np.errstate(all="ignore"):
                got = np.asarray(result_fn(**user_values), dtype=float)
        except (np.linalg.LinAlgError, FloatingPointError, ZeroDivisionError):
            continue
        if not np.all(np.isfinite(truth)):
            continue
        truth = np.asarray(truth, dtype=float)
        if structure in ("cookbook", "symmetric-part") and truth.ndim == 2:
            if structure == "cookbook":
                truth = truth + truth.T - np.diag(np.diag(truth))
            else:
                truth = (truth + truth.T) / 2
        if layout == "row" and got.ndim == 2 and truth.ndim == 2:
            got = got.T
        if got.shape != truth.shape and got.size == truth.size:
            got = got.reshape(truth.shape)
        # second differences carry rounding ~ eps |f| / h², so judge them against |f| too
        floor = 1e-8 if order == 1 else 1e-3 * max(1.0, float(np.max(np.abs(f0))))
        err = relative_error(got, truth, floor=floor)
        tol = tolerance if order == 1 else 1e-5
        done += 1
        if err > worst or not np.isfinite(err):
            worst = err if np.isfinite(err) else float("inf")
            if err > tol:
                counter = {"sizes": {str(k): v for k, v in inst.dims.items()}, "max abs error": float(np.max(np.abs(got - truth))) if got.shape == truth.shape else "shape " + str(got.shape) + " vs " + str(truth.shape)}
    if done == 0:
        return CheckReport(passed=False, method="central differences: no random instance where the function is finite",
                           what=what)
    tol = tolerance if order == 1 else 1e-5
    sizes = ", ".join(f"{k}={v}" for k, v in inst.dims.items())
    extra = "; user functions taken as sin(t + k) + t²/3 for the check" if user_functions else ""
    return CheckReport(
        passed=worst <= tol,
        method=f"central differences of the original function ({sizes}), {done} random instances{extra}",
        points=done, max_error=worst, tolerance=tol, what=what, counterexample=counter,
    )


def _only_sigmoid(e) -> bool:
    from sympy.core.function import AppliedUndef

    from .normalize import _SIGMOID_NAMES

    return all(str(a.func) in _SIGMOID_NAMES for a in e.atoms(AppliedUndef))


def _is_column(e) -> bool:
    return hasattr(e, "shape") and e.shape[1] == 1 and e.shape[0] != 1
