"""Claims about vector and matrix derivatives, checked numerically at random sizes and values.

The claimed expression and the derived one (from :mod:`mfml_sym.matrix_calculus`) are both
evaluated with numpy on a few random instances: every symbolic dimension gets a random size,
every matrix a random value respecting its declared structure (symmetric, SPD, positive, 0/1).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from ..numeric.finite_differences import relative_error
from .checks import sample_value
from .context import Verdict

__all__ = ["check_matrix_claim", "random_instance"]

_RESULT_FOR = {"gradient": "gradient", "hessian": "hessian", "jacobian": "jacobian",
               "derivative": "gradient", "partial": "gradient", "value": None}


def random_instance(symbols_of: list, problem: Any, gen: np.random.Generator, symmetric: bool = False) -> dict:
    """Random values for every MatrixSymbol / scalar / dimension in the expressions."""
    values: dict = {}
    mats, scalars, dims = set(), set(), set()
    for e in symbols_of:
        if not isinstance(e, (sp.Basic, sp.MatrixBase)):
            continue
        for m in e.atoms(sp.MatrixSymbol):
            mats.add(m)
            for d in m.shape:
                dims |= sp.sympify(d).free_symbols
        scalars |= {s for s in e.free_symbols if isinstance(s, sp.Symbol)}
    scalars -= dims
    sizes: dict = {}
    for d in sorted(dims, key=str):
        sizes[d] = int(gen.integers(2, 5))
    values.update(sizes)
    props = {}
    for info in getattr(problem, "symbols", {}).values():
        props[info.symbol] = set(info.properties)
    for m in sorted(mats, key=str):
        r, c = (int(sp.sympify(s).subs(sizes)) for s in m.shape)
        a = gen.normal(size=(r, c))
        p = props.get(m, set())
        if "spd" in p or "positive_definite" in p:
            a = a @ a.T / r + np.eye(r)
        elif "symmetric" in p:
            a = (a + a.T) / 2
        elif "positive" in p:
            a = np.abs(a) + 0.5
        elif "binary" in p:
            a = (gen.random(size=(r, c)) < 0.5).astype(float)
        elif symmetric and r == c and r > 1 and m.shape[0] == m.shape[1]:
            a = (a + a.T) / 2
        values[m] = a
    for s in sorted(scalars, key=str):
        if s not in values:
            values[s] = sample_value(s, gen)
    return values


def _evaluate(e, values):
    try:
        from ..matrix_calculus.evaluate import evaluate
    except ImportError:  # pragma: no cover - the matrix helper is part of the package
        evaluate = None
    if evaluate is not None:
        return np.asarray(evaluate(e, values), dtype=float)
    from ..numeric.codegen import argument_name, numpy_function

    fn = numpy_function(e)
    kwargs = {argument_name(k): v for k, v in values.items() if not (isinstance(k, sp.Symbol) and k.is_integer)}
    return np.asarray(fn(**{k: v for k, v in kwargs.items() if k in fn.arguments}), dtype=float)


def check_matrix_claim(problem, definition, derivation, claim) -> Verdict:
    """Compare ``claim.rhs`` with the derived result numerically on random instances."""
    name = _RESULT_FOR.get(claim.what, claim.what)
    if name is None:
        derived = definition.expr
    elif name in getattr(derivation, "results", {}):
        derived = derivation.results[name]
    else:
        try:
            from ..matrix_calculus import derive_matrix

            wrt = [str(w) for w in claim.wrt] or None
            derived = derive_matrix(problem, definition, [name], wrt, {"steps": False, "check": False})[name]
        except Exception as exc:  # noqa: BLE001 - any failure means: cannot decide
            return Verdict(claim, None, f"could not derive the {name} to compare with ({exc})")
    claimed = claim.rhs
    gen = np.random.default_rng(5)
    worst, rows = 0.0, []
    for _ in range(3):
        values = random_instance([claimed, derived, definition.expr], problem, gen)
        try:
            a = _evaluate(claimed, values)
            b = _evaluate(derived, values)
        except Exception as exc:  # noqa: BLE001
            return Verdict(claim, None, f"could not evaluate numerically ({type(exc).__name__}: {exc})",
                           correct_value=derived)
        if a.shape != b.shape and a.size == b.size and 1 in a.shape:
            a = a.reshape(b.shape)
        if a.shape != b.shape:
            return Verdict(claim, False, f"your result has shape {a.shape}, the correct one {b.shape} "
                           f"(sizes {', '.join(f'{k} = {v}' for k, v in values.items() if isinstance(v, int))})",
                           correct_value=derived, diagnosis="wrong shape")
        err = relative_error(a, b)
        rows.append((values, a, b, err))
        worst = max(worst, err)
    if worst <= 1e-8:
        return Verdict(claim, True, f"agrees numerically on {len(rows)} random instances (max rel. error {worst:.1e})",
                       correct_value=derived)
    values, a, b, _ = max(rows, key=lambda r: r[3])
    sizes = ", ".join(f"{k} = {v}" for k, v in values.items() if isinstance(v, int))
    diagnosis = ""
    mask = np.abs(b) > 1e-9
    if mask.any():
        ratio = a[mask] / b[mask]
        if np.allclose(ratio, ratio.flat[0], rtol=1e-7):
            diagnosis = ("your expression differs by a sign" if abs(ratio.flat[0] + 1) < 1e-7
                         else "your expression is off by a constant factor "
                         + str(sp.nsimplify(float(ratio.flat[0]), rational=True, tolerance=1e-8)))
    if not diagnosis and a.ndim == 2 and a.shape[0] == a.shape[1] and a.shape[1] > 1 and relative_error(a.T, b) <= 1e-8:
        diagnosis = "your expression is the transpose of the correct one"
    condition = ""
    if not diagnosis and _holds_when_symmetric(claimed, derived, definition, problem):
        condition = "the square matrices are symmetric"
        diagnosis = ("it holds only when the square matrices are symmetric; declare e.g. A = A^\\top "
                     "if yours is")
    return Verdict(claim, False, f"on a random instance ({sizes}): yours and the correct value differ, "
                   f"max rel. error {relative_error(a, b):.2g}", correct_value=derived,
                   counterexample={"sizes": sizes, "yours": a.round(4).tolist(), "correct": b.round(4).tolist()},
                   diagnosis=diagnosis, condition=condition)


def _holds_when_symmetric(claimed, derived, definition, problem) -> bool:
    gen = np.random.default_rng(7)
    for _ in range(3):
        values = random_instance([claimed, derived, definition.expr], problem, gen, symmetric=True)
        try:
            a, b = _evaluate(claimed, values), _evaluate(derived, values)
        except Exception:  # noqa: BLE001
            return False
        if a.size != b.size or relative_error(a.reshape(b.shape), b) > 1e-8:
            return False
    return True
