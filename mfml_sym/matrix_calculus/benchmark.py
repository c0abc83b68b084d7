"""Benchmark objectives of issue 5: derivation time at symbolic size, and the speed of the
generated numpy gradient/Hessian against the hand-written numpy formula.

``python -m mfml_sym.matrix_calculus.benchmark [n ...]`` prints a table; :func:`derivation_times`
and :func:`speed_ratios` return the numbers (the repository's ``benchmarks/`` may call them).
"""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np
import sympy as sp

__all__ = ["Objective", "objectives", "derivation_times", "speed_ratios"]


@dataclass
class Objective:
    name: str
    expr: object
    variable: object
    operations: tuple
    inputs: Callable[[int, np.random.Generator], dict]  # n -> keyword values
    hand: dict  # operation -> hand-written numpy function of the same keywords


def _sig(z):
    return 1.0 / (1.0 + np.exp(-z))


def objectives() -> list[Objective]:
    from .functions import Norm, Scalar

    N, D, n, h, k = (sp.Symbol(s, integer=True, positive=True) for s in ("N", "D", "n", "h", "k"))
    X, y, w = sp.MatrixSymbol("X", N, D), sp.MatrixSymbol("y", N, 1), sp.MatrixSymbol("w", D, 1)
    lam = sp.Symbol("lambda", positive=True)
    x, mu, Sig = sp.MatrixSymbol("x", n, 1), sp.MatrixSymbol("mu", n, 1), sp.MatrixSymbol("Sigma", n, n)
    W1, W2, xi, t = sp.MatrixSymbol("W_1", h, n), sp.MatrixSymbol("W_2", k, h), sp.MatrixSymbol("x", n, 1), sp.MatrixSymbol("t", k, 1)
    i = sp.Symbol("i", integer=True)

    def data(n_, gen):
        return {"X": gen.standard_normal((2 * n_, n_)), "y": gen.standard_normal(2 * n_), "w": gen.standard_normal(n_)}

    def labels(n_, gen):
        v = data(n_, gen)
        v["y"] = (gen.random(2 * n_) < 0.5).astype(float)
        v["X"] /= np.sqrt(n_)
        return v

    def gauss(n_, gen):
        M = gen.standard_normal((n_, n_))
        return {"x": gen.standard_normal(n_), "mu": gen.standard_normal(n_), "Sigma": M @ M.T / n_ + np.eye(n_)}

    def net(n_, gen):
        return {"W_1": gen.standard_normal((n_, n_)) / np.sqrt(n_), "W_2": gen.standard_normal((10, n_)) / np.sqrt(n_),
                "x": gen.standard_normal(n_), "t": gen.standard_normal(10)}

    logistic = sp.Sum(sp.log(1 + sp.exp(Scalar(X[i - 1, :] * w))) - y[i - 1, 0] * Scalar(X[i - 1, :] * w), (i, 1, N))
    gauss_f = -sp.log(sp.Determinant(Sig)) / 2 - Scalar((x - mu).T * Sig.I * (x - mu)) / 2

    def gauss_sigma(x, mu, Sigma):
        Si = np.linalg.inv(Sigma)
        r = Si @ (x - mu)
        return -0.5 * Si + 0.5 * np.outer(r, r)

    def net_grad(W_1, W_2, x, t):
        hid = np.tanh(W_1 @ x)
        return 2 * np.outer((W_2.T @ (W_2 @ hid - t)) * (1 - hid * hid), x)

    def logistic_hess(X, y, w):
        s = _sig(X @ w)
        return (X.T * (s * (1 - s))) @ X

    return [
        Objective("least squares", Norm(y - X * w) ** 2, w, ("gradient", "hessian"), data,
                  {"gradient": lambda X, y, w: 2 * (X.T @ (X @ w - y)), "hessian": lambda X, y, w: 2 * (X.T @ X)}),
        Objective("ridge", Norm(y - X * w) ** 2 + lam * Norm(w) ** 2, w, ("gradient", "hessian"),
                  lambda n_, gen: {**data(n_, gen), "lambda": 0.3},
                  {"gradient": lambda X, y, w, **kw: 2 * (X.T @ (X @ w - y)) + 2 * kw["lambda"] * w,
                   "hessian": lambda X, y, w, **kw: 2 * (X.T @ X) + 2 * kw["lambda"] * np.eye(X.shape[1])}),
        Objective("logistic regression", logistic, w, ("gradient", "hessian"), labels,
                  {"gradient": lambda X, y, w: X.T @ (_sig(X @ w) - y), "hessian": logistic_hess}),
        Objective("Gaussian log-likelihood in mu", gauss_f, mu, ("gradient", "hessian"), gauss,
                  {"gradient": lambda x, mu, Sigma: np.linalg.solve(Sigma, x - mu),
                   "hessian": lambda x, mu, Sigma: -np.linalg.inv(Sigma)}),
        Objective("Gaussian log-likelihood in Sigma", gauss_f, Sig, ("gradient",), gauss,
                  {"gradient": gauss_sigma}),
        Objective("two-layer net", Norm(W2 * (W1 * xi).applyfunc(sp.tanh) - t) ** 2, W1, ("gradient",), net,
                  {"gradient": net_grad}),
    ]


def _derive(obj: Objective, check: bool = False):
    from ..problem import Definition, Problem, SymbolInfo
    from .derive import derive_matrix

    spd = {m for m in obj.expr.atoms(sp.MatrixSymbol) if m.name == "Sigma"}  # Σ ≻ 0 declared
    problem = Problem(source="", symbols={m.name: SymbolInfo(m.name, m.name, "matrix", m, m.shape,
                                                             frozenset({"spd", "symmetric"})) for m in spd})
    return derive_matrix(problem, Definition(line=1, text="", name="f", expr=obj.expr),
                         list(obj.operations), [obj.variable], {"check": check, "structure": "symmetric-part"})


def derivation_times(repeat: int = 3) -> dict[str, float]:
    """Best-of-``repeat`` seconds to derive each objective at symbolic size (no numeric check)."""
    out = {}
    for obj in objectives():
        best = float("inf")
        for _ in range(repeat):
            start = time.perf_counter()
            d = _derive(obj)
            for op in obj.operations:
                d[op]
            best = min(best, time.perf_counter() - start)
        out[obj.name] = best
    return out


def _interleaved(ours, hand, values, repeat: int = 9) -> tuple[float, float]:
    """Best time per call of each, measured alternately (robust on a busy machine)."""
    import timeit

    ours(**values), hand(**values)
    start = time.perf_counter()
    hand(**values)
    number = max(1, int(0.02 / max(time.perf_counter() - start, 1e-7)))
    best_ours = best_hand = float("inf")
    for _ in range(repeat):
        best_ours = min(best_ours, timeit.timeit(lambda: ours(**values), number=number) / number)
        best_hand = min(best_hand, timeit.timeit(lambda: hand(**values), number=number) / number)
    return best_ours, best_hand


def speed_ratios(n: int = 1000, seed: int = 0) -> dict[tuple[str, str], float]:
    """generated / hand-written evaluation time for every objective and operation at size n."""
    gen = np.random.default_rng(seed)
    out = {}
    for obj in objectives():
        d = _derive(obj)
        values = obj.inputs(n, gen)
        for op in obj.operations:
            ours = d.numpy(op)
            hand = obj.hand[op]
            np.testing.assert_allclose(ours(**values), hand(**values), rtol=1e-8, atol=1e-8)
            t_ours, t_hand = _interleaved(ours, hand, values)
            out[(obj.name, op)] = t_ours / t_hand
    return out


def main(argv: list[str]) -> None:
    sizes = [int(a) for a in argv] or [10, 100, 1000]
    print("derivation time at symbolic n (s):")
    for name, sec in derivation_times().items():
        print(f"  {name:35s} {sec:.3f}")
    for n in sizes:
        print(f"generated / hand-written numpy at n = {n}:")
        for (name, op), r in speed_ratios(n).items():
            print(f"  {name:35s} {op:9s} {r:.2f}x")


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
