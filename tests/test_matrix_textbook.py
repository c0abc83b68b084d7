"""Textbook matrix derivatives (Matrix Cookbook, MML ch. 5) against central differences of a
hand-written numpy function of the ORIGINAL formula — truth independent of the engine."""
from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from matrix_cases import S, dim
from mfml_sym.matrix_calculus import LogSumExp, Norm, Softmax, derive_matrix, sigmoid
from mfml_sym.numeric.finite_differences import central_difference, relative_error
from mfml_sym.problem import Definition, Problem, SymbolInfo

n, m, N, D, K = (dim(s) for s in "n m N D K".split())
i_ = sp.Symbol("i", integer=True)


def M(name, r, c=1):
    return sp.MatrixSymbol(name, r, c)


x, a, b, mu = M("x", n), M("a", n), M("b", n), M("mu", n)
A, B, C, Sig = M("A", n, n), M("B", n, n), M("C", n, n), M("Sigma", n, n)
X, Xs = M("X", n, n), M("X", N, D)
w, y = M("w", D), M("y", N)
W, Wb, u = M("W", m, n), M("b", m), M("u", m)
z, p = M("z", K), M("p", K)
t, s_, lam = sp.Symbol("t", real=True), sp.Symbol("s", real=True), sp.Symbol("lambda", positive=True)


def sig_np(v):
    return 1 / (1 + np.exp(-v))


# id, expression, wrt, operation, kinds {symbol: kind}, numpy f of the same keyword names, structure
TABLE = [
    ("linear aTx", lambda: S(a.T * x), x, "gradient", {}, lambda x, a: a @ x),
    ("quadratic xTAx", lambda: S(x.T * A * x), x, "gradient", {}, lambda x, A: x @ A @ x),
    ("quadratic xTAx hessian", lambda: S(x.T * A * x), x, "hessian", {}, lambda x, A: x @ A @ x),
    ("quadratic symmetric", lambda: S(x.T * Sig * x), x, "gradient", {Sig: "spd"}, lambda x, Sigma: x @ Sigma @ x),
    ("bilinear (Ax+b)TC(Ax+b)", lambda: S((A * x + b).T * C * (A * x + b)), x, "gradient", {},
     lambda x, A, b, C: (A @ x + b) @ C @ (A @ x + b)),
    ("norm squared", lambda: Norm(A * x - b) ** 2, x, "hessian", {}, lambda x, A, b: np.sum((A @ x - b) ** 2)),
    ("norm", lambda: Norm(x - a), x, "hessian", {}, lambda x, a: np.linalg.norm(x - a)),
    ("log(1 + xTx)", lambda: sp.log(1 + S(x.T * x)), x, "hessian", {}, lambda x: np.log(1 + x @ x)),
    ("exp(aTx)", lambda: sp.exp(S(a.T * x)), x, "hessian", {}, lambda x, a: np.exp(a @ x)),
    ("inverse quadratic", lambda: S(x.T * Sig.I * x), x, "gradient", {Sig: "spd"},
     lambda x, Sigma: x @ np.linalg.solve(Sigma, x)),
    ("gaussian loglik in mu", lambda: -S((x - mu).T * Sig.I * (x - mu)) / 2 - sp.log(sp.Determinant(Sig)) / 2,
     mu, "hessian", {Sig: "spd"},
     lambda x, mu, Sigma: -(x - mu) @ np.linalg.solve(Sigma, x - mu) / 2 - np.linalg.slogdet(Sigma)[1] / 2),
    ("logsumexp hessian", lambda: LogSumExp(z), z, "hessian", {}, lambda z: np.log(np.sum(np.exp(z)))),
    ("softmax jacobian", lambda: Softmax(z), z, "jacobian", {}, lambda z: np.exp(z) / np.sum(np.exp(z))),
    ("sigmoid layer jacobian", lambda: (W * x + Wb).applyfunc(sigmoid), x, "jacobian", {},
     lambda W, x, b: sig_np(W @ x + b)),
    ("tanh layer jacobian", lambda: (W * x).applyfunc(sp.tanh), x, "jacobian", {}, lambda W, x: np.tanh(W @ x)),
    ("Ax jacobian", lambda: A * x, x, "jacobian", {}, lambda A, x: A @ x),
    ("x*x hadamard jacobian", lambda: sp.HadamardProduct(x, x), x, "jacobian", {}, lambda x: x * x),
    ("xT(a*x)", lambda: S(x.T * sp.HadamardProduct(a, x)), x, "gradient", {}, lambda x, a: x @ (a * x)),
    ("poisson regression", lambda: sp.Sum(sp.exp(S(Xs[i_ - 1, :] * w)) - y[i_ - 1, 0] * S(Xs[i_ - 1, :] * w), (i_, 1, N)),
     w, "hessian", {}, lambda w, X, y: np.sum(np.exp(X @ w) - y * (X @ w))),
    ("least squares as a data sum", lambda: sp.Sum((y[i_ - 1, 0] - S(Xs[i_ - 1, :] * w)) ** 2, (i_, 1, N)),
     w, "hessian", {}, lambda w, X, y: np.sum((y - X @ w) ** 2)),
    ("ridge hessian", lambda: Norm(y - Xs * w) ** 2 + lam * Norm(w) ** 2, w, "hessian", {},
     lambda w, X, y, lambda_: np.sum((y - X @ w) ** 2) + lambda_ * w @ w),
    ("two-layer net in W", lambda: Norm(u - (W * x).applyfunc(sp.tanh)) ** 2, W, "gradient", {},
     lambda W, x, u: np.sum((u - np.tanh(W @ x)) ** 2)),
    ("tr X", lambda: sp.Trace(X), X, "gradient", {}, lambda X: np.trace(X)),
    ("tr(XT A X)", lambda: sp.Trace(X.T * A * X), X, "gradient", {}, lambda X, A: np.trace(X.T @ A @ X)),
    ("log det X", lambda: sp.log(sp.Determinant(X)), X, "gradient", {X: "wellcond"},
     lambda X: np.linalg.slogdet(X)[1]),
    ("det X", lambda: sp.Determinant(X), X, "gradient", {X: "wellcond"}, lambda X: np.linalg.det(X)),
    ("tr X^-1", lambda: sp.Trace(X.I), X, "gradient", {X: "wellcond"}, lambda X: np.trace(np.linalg.inv(X))),
    ("aT X^-1 b", lambda: S(a.T * X.I * b), X, "gradient", {X: "wellcond"},
     lambda X, a, b: a @ np.linalg.solve(X, b)),
    ("frobenius squared", lambda: Norm(X) ** 2, X, "gradient", {}, lambda X: np.sum(X * X)),
    ("frobenius", lambda: Norm(A * X - B), X, "gradient", {}, lambda X, A, B: np.linalg.norm(A @ X - B)),
    ("tr(A X B)", lambda: sp.Trace(A * X * B), X, "gradient", {}, lambda X, A, B: np.trace(A @ X @ B)),
    ("tr(diag(a) X)", lambda: sp.Trace(sp.matrices.expressions.diagonal.DiagMatrix(a) * X), X, "gradient", {},
     lambda X, a: np.trace(np.diag(a) @ X)),
    ("aT diag(x) b", lambda: S(a.T * sp.matrices.expressions.diagonal.DiagMatrix(x) * b), x, "gradient", {},
     lambda x, a, b: a @ np.diag(x) @ b),
    ("tr(XT A X) hessian (tensor)", lambda: sp.Trace(X.T * A * X), X, "hessian", {}, lambda X, A: np.trace(X.T @ A @ X)),
    ("X^-1 jacobian (tensor)", lambda: X.I, X, "jacobian", {X: "wellcond"}, lambda X: np.linalg.inv(X)),
    ("XT jacobian (tensor)", lambda: X.T, X, "jacobian", {}, lambda X: X.T),
    ("Wx jacobian in W (3-way)", lambda: W * x, W, "jacobian", {}, lambda W, x: W @ x),
    ("(A + tB)^-1 in t", lambda: (A + t * B).I, t, "derivative", {}, lambda A, B, t: np.linalg.inv(A + t * B)),
    ("log det(A + tB) in t", lambda: sp.log(sp.Determinant(A + t * B)), t, "derivative", {},
     lambda A, B, t: np.linalg.slogdet(A + t * B)[1]),
    ("cross-entropy in logits", lambda: -S(p.T * Softmax(z).applyfunc(sp.log)), z, "hessian", {p: "prob"},
     lambda z, p: -p @ (z - np.log(np.sum(np.exp(z))))),
]


def _draw(sym, kind, sizes, gen):
    if not isinstance(sym, sp.MatrixSymbol):
        return float(abs(gen.standard_normal()) + 0.5) if sym.is_positive else float(gen.standard_normal() * 0.3)
    r, c = (int(sp.sympify(d).subs(sizes)) for d in sym.shape)
    if kind == "spd":
        Mx = gen.standard_normal((r, r))
        v = Mx @ Mx.T / r + np.eye(r)
    elif kind == "wellcond" or (r == c and r > 1):
        v = 2 * np.eye(r) + 0.5 * gen.standard_normal((r, r)) / np.sqrt(r)
    elif kind == "prob":
        e = np.exp(gen.standard_normal(r))
        v = (e / e.sum()).reshape(r, 1)
    else:
        v = gen.standard_normal((r, c))
    return v[:, 0].copy() if c == 1 else v


def _problem(expr, kinds):
    infos = {}
    for s in sorted(expr.free_symbols | expr.atoms(sp.MatrixSymbol), key=str):
        if isinstance(s, sp.MatrixSymbol):
            props = frozenset({kinds[s], "symmetric"} if kinds.get(s) == "spd" else
                              ({kinds[s]} if kinds.get(s) in ("prob",) else ()))
            infos[s.name] = SymbolInfo(s.name, s.name, "vector" if s.shape[1] == 1 else "matrix", s, s.shape, props)
        elif s.name not in "nmNDK":
            infos[s.name] = SymbolInfo(s.name, s.name, "scalar", s)
    return Problem(source="", symbols=infos)


def _name(sym):
    return "lambda_" if str(sym) == "lambda" else str(sym)


def derive(expr, var, op, kinds):
    return derive_matrix(_problem(expr, kinds), Definition(line=1, text="", name="f", expr=expr), [op], [var], {})


@pytest.mark.parametrize("case", TABLE, ids=[c[0] for c in TABLE])
def test_textbook_against_finite_differences(case):
    name, build, var, op, kinds, f_np = case
    expr = build()
    d = derive(expr, var, op, kinds)
    assert d.check().passed, d.check().summary()
    key = op
    fn = d.numpy(key)
    gen = np.random.default_rng(3)
    sizes = {n: 4, m: 3, N: 6, D: 3, K: 5}
    args = f_np.__code__.co_varnames[: f_np.__code__.co_argcount]
    syms = {str(s): s for s in expr.free_symbols | expr.atoms(sp.MatrixSymbol)}
    syms["lambda_"] = lam
    for _ in range(2):
        values = {k: _draw(syms[k], kinds.get(syms[k], "general"), sizes, gen) for k in args}
        wname = _name(var)
        f_at = lambda v: f_np(**{**values, wname: v})  # noqa: E731
        if op == "hessian":
            truth = central_difference(lambda v: central_difference(f_at, v, h=1e-4), values[wname], h=1e-4)
            tol = 1e-5
        else:
            truth = central_difference(f_at, values[wname])
            tol = 1e-7
        call = {("lambda" if k == "lambda_" else k): v for k, v in values.items()}
        got = np.asarray(fn(**call), dtype=float)
        assert got.shape == truth.shape, (got.shape, truth.shape)
        assert relative_error(got, truth) < tol, (name, relative_error(got, truth))
