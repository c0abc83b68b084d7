"""The six matrix objectives of the benchmark, each written five ways.

For every objective: the cell our engine reads (MML notation, symbolic sizes), the hand-written
numpy gradient and Hessian a careful user would type (Matrix Cookbook / MML ch. 5 formulas),
the same objective for ``jax.grad``/``jax.hessian``, and a raw-sympy elementwise construction
at an explicit size n (scalar symbols, ``diff`` entry by entry, then ``lambdify``), and sympy's own
matrix expressions at symbolic n (``MatrixSymbol.diff``) — what a user picks instead of us.
Sizes: the variable has n entries (n × n for the network's W_1 and for Σ) and every data
matrix is n × n, so "n" is one number per row of the table.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

__all__ = ["Objective", "OBJECTIVES", "make_data"]


@dataclass
class Objective:
    key: str
    title: str
    cell: str  # LaTeX cell for mfml_sym.derive
    wrt: str  # the variable as the user names it (--wrt)
    variable: str  # canonical data key of the variable
    formula: str  # the gradient, as the hand-written code computes it
    grad: Callable[[dict], np.ndarray]
    hess: Callable[[dict], np.ndarray] | None
    jax_f: Callable[..., Any]  # jax_f(variable, **rest) -> scalar
    raw_sympy: Callable[[int], Any]  # builds f elementwise at size n, returns gradient function
    hessian_formula: str = ""
    notes: list[str] = field(default_factory=list)
    max_n: int | None = None  # largest n benchmarked (an O(n³) inverse per call caps it)
    jax_post: Callable[[Any], Any] | None = None  # applied to jax.grad's result (a convention)
    unstructured_grad: Callable[[dict], np.ndarray] | None = None  # the other accepted convention


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def make_data(key: str, n: int, seed: int = 0) -> dict[str, np.ndarray | float]:
    """Random float64 instance of size n (SPD Σ for the Gaussian; labels in {0,1} for logistic)."""
    rng = np.random.default_rng(seed + n)
    if key in ("least_squares", "ridge", "logistic"):
        X = rng.standard_normal((n, n)) / np.sqrt(n)
        w = rng.standard_normal(n)
        if key == "logistic":
            y = (rng.random(n) < 0.5).astype(float)
        else:
            y = rng.standard_normal(n)
        data = {"X": X, "y": y, "w": w}
        if key == "ridge":
            data["lambda"] = 0.3
        return data
    if key in ("gaussian_mu", "gaussian_sigma"):
        A = rng.standard_normal((n, n)) / np.sqrt(n)
        Sigma = A @ A.T + np.eye(n)
        return {"x": rng.standard_normal(n), "mu": rng.standard_normal(n), "Sigma": Sigma}
    if key == "two_layer":
        return {"x": rng.standard_normal(n), "y": rng.standard_normal(n),
                "W_1": rng.standard_normal((n, n)) / np.sqrt(n), "W_2": rng.standard_normal((n, n)) / np.sqrt(n)}
    raise KeyError(key)


# -- hand-written numpy (what a careful user types) -----------------------------------------

def _ls_grad(d):
    X, y, w = d["X"], d["y"], d["w"]
    return -2.0 * (X.T @ (y - X @ w))  # parenthesised: `-2.0 * X.T @ r` would scale all of X first


def _ls_hess(d):
    X = d["X"]
    return 2.0 * (X.T @ X)


def _ridge_grad(d):
    X, y, w = d["X"], d["y"], d["w"]
    return -2.0 * (X.T @ (y - X @ w)) + 2.0 * d["lambda"] * w


def _ridge_hess(d):
    X = d["X"]
    H = 2.0 * (X.T @ X)
    H[np.diag_indices_from(H)] += 2.0 * d["lambda"]
    return H


def _logistic_grad(d):
    X, y, w = d["X"], d["y"], d["w"]
    return X.T @ (_sigmoid(X @ w) - y)


def _logistic_hess(d):
    X, w = d["X"], d["w"]
    s = _sigmoid(X @ w)
    return (X.T * (s * (1.0 - s))) @ X


def _gauss_grad(d):
    return np.linalg.solve(d["Sigma"], d["x"] - d["mu"])


def _gauss_hess(d):
    return -np.linalg.inv(d["Sigma"])


def _gauss_sigma_unstructured(d):
    """∂ℓ/∂Σ with independent entries: ½(Σ⁻¹rrᵀΣ⁻¹ − Σ⁻¹), r = x − μ (Matrix Cookbook eqs. 57, 61)."""
    Si = np.linalg.inv(d["Sigma"])
    v = Si @ (d["x"] - d["mu"])
    return 0.5 * (np.outer(v, v) - Si)


def _gauss_sigma_grad(d):
    """The gradient for a symmetric Σ, Matrix Cookbook §2.8 convention: G + Gᵀ − diag(G) = 2G − diag(G)."""
    G = _gauss_sigma_unstructured(d)
    return 2.0 * G - np.diag(np.diag(G))


def _nn_grad(d):
    x, y, W1, W2 = d["x"], d["y"], d["W_1"], d["W_2"]
    h = np.tanh(W1 @ x)
    r = W2 @ h - y
    return np.outer((1.0 - h * h) * (2.0 * (W2.T @ r)), x)


# -- jax versions (imported lazily: jax is an optional extra) ------------------------------

def _jnp():
    import jax.numpy as jnp

    return jnp


def _jax_ls(w, X, y):
    jnp = _jnp()
    r = y - X @ w
    return jnp.sum(r * r)


def _jax_ridge(w, X, y, lam):
    jnp = _jnp()
    r = y - X @ w
    return jnp.sum(r * r) + lam * jnp.sum(w * w)


def _jax_logistic(w, X, y):
    jnp = _jnp()
    z = X @ w
    return jnp.sum(jnp.logaddexp(0.0, z) - y * z)


def _jax_gauss(mu, x, Sigma):
    jnp = _jnp()
    r = x - mu
    _, logdet = jnp.linalg.slogdet(Sigma)
    return -0.5 * r @ jnp.linalg.solve(Sigma, r) - 0.5 * logdet - 0.5 * r.shape[0] * jnp.log(2 * jnp.pi)


def _jax_gauss_sigma(Sigma, x, mu):
    return _jax_gauss(mu, x, Sigma)


def _symmetric_convention(G):
    jnp = _jnp()
    return 2.0 * G - jnp.diag(jnp.diag(G))


def _jax_nn(W1, W2, x, y):
    jnp = _jnp()
    r = W2 @ jnp.tanh(W1 @ x) - y
    return jnp.sum(r * r)


# -- raw sympy, elementwise at an explicit size -------------------------------------------

def _vec(name, n):
    import sympy as sp

    return sp.Matrix(sp.symbols(f"{name}0:{n}", real=True))


def _mat(name, r, c, symmetric=False):
    import sympy as sp

    if symmetric:
        entries = {}
        for i in range(r):
            for j in range(i, c):
                entries[(i, j)] = entries[(j, i)] = sp.Symbol(f"{name}_{i}_{j}", real=True)
        return sp.Matrix(r, c, lambda i, j: entries[(i, j)])
    return sp.Matrix(r, c, lambda i, j: sp.Symbol(f"{name}_{i}_{j}", real=True))


def _raw_gradient(f, variable, arguments):
    """The raw-sympy route: ∂f/∂v for every scalar entry v, then one lambdified function."""
    import sympy as sp

    entries = list(variable)
    gradient = [sp.diff(f, v) for v in entries]
    fn = sp.lambdify(arguments, gradient, modules="numpy")
    return fn


def _raw_ls(n, ridge=False):
    import sympy as sp

    X, y, w = _mat("X", n, n), _vec("y", n), _vec("w", n)
    r = y - X * w
    f = sum(r[i] ** 2 for i in range(n))
    args = [list(X), list(y), list(w)]
    if ridge:
        lam = sp.Symbol("lambda", positive=True)
        f = f + lam * sum(wi ** 2 for wi in w)
        args.append(lam)
    _raw_gradient(f, w, args)
    return None


def _raw_logistic(n):
    import sympy as sp

    X, y, w = _mat("X", n, n), _vec("y", n), _vec("w", n)
    z = X * w
    f = sum(sp.log(1 + sp.exp(z[i])) - y[i] * z[i] for i in range(n))
    _raw_gradient(f, w, [list(X), list(y), list(w)])
    return None


def _raw_gauss(n):
    import sympy as sp

    x, mu, S = _vec("x", n), _vec("mu", n), _mat("S", n, n, symmetric=True)
    r = x - mu
    f = -sp.Rational(1, 2) * (r.T * S.inv() * r)[0, 0] - sp.Rational(1, 2) * sp.log(S.det()) \
        - sp.Rational(n, 2) * sp.log(2 * sp.pi)
    _raw_gradient(f, mu, [list(x), list(mu), list(S)])
    return None


def _raw_gauss_sigma(n):
    """Elementwise with one symbol per pair S_ij = S_ji: ∂/∂S_ij then is the Cookbook's symmetric gradient."""
    import sympy as sp

    x, mu, S = _vec("x", n), _vec("mu", n), _mat("S", n, n, symmetric=True)
    r = x - mu
    f = -sp.Rational(1, 2) * (r.T * S.inv() * r)[0, 0] - sp.Rational(1, 2) * sp.log(S.det())
    _raw_gradient(f, list(S), [list(x), list(mu), list(S)])
    return None


def _raw_nn(n):
    import sympy as sp

    x, y = _vec("x", n), _vec("y", n)
    W1, W2 = _mat("A", n, n), _mat("B", n, n)
    h = (W1 * x).applyfunc(sp.tanh)
    r = W2 * h - y
    f = sum(r[i] ** 2 for i in range(n))
    _raw_gradient(f, W1, [list(x), list(y), list(W1), list(W2)])
    return None


# -- sympy's own matrix expressions at symbolic n (MatrixSymbol.diff) -------------------------

def matrix_expression(key: str):
    """(f, variable, {data key: MatrixSymbol or Symbol}) in sympy's matrix-expression language.

    This is the other thing a sympy user tries: ``f.diff(w)`` on ``MatrixSymbol`` objects, which
    works at symbolic n for linear/quadratic forms and inverses and returns array expressions
    (not evaluable with ``lambdify``) once an elementwise function appears.
    """
    import sympy as sp
    from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

    n = sp.Symbol("n", integer=True, positive=True)
    if key in ("least_squares", "ridge", "logistic"):
        X, y, w = sp.MatrixSymbol("X", n, n), sp.MatrixSymbol("y", n, 1), sp.MatrixSymbol("w", n, 1)
        symbols = {"X": X, "y": y, "w": w}
        if key == "logistic":
            z = X * w
            softplus = ElementwiseApplyFunction(_softplus_lambda(), z)
            return (sp.OneMatrix(1, n) * softplus - y.T * z), w, symbols
        r = y - X * w
        f = r.T * r
        if key == "ridge":
            lam = sp.Symbol("lambda", positive=True)
            symbols["lambda"] = lam
            f = f + lam * w.T * w
        return f, w, symbols
    if key in ("gaussian_mu", "gaussian_sigma"):
        x, mu, S = sp.MatrixSymbol("x", n, 1), sp.MatrixSymbol("mu", n, 1), sp.MatrixSymbol("Sigma", n, n)
        f = -sp.Rational(1, 2) * (x - mu).T * S.I * (x - mu)
        if key == "gaussian_sigma":  # a scalar plus log det needs the trace form to type-check
            f = sp.Trace(f) - sp.Rational(1, 2) * sp.log(sp.Determinant(S))
            return f, S, {"x": x, "mu": mu, "Sigma": S}
        return f, mu, {"x": x, "mu": mu, "Sigma": S}
    if key == "two_layer":
        x, y = sp.MatrixSymbol("x", n, 1), sp.MatrixSymbol("y", n, 1)
        W1, W2 = sp.MatrixSymbol("W_1", n, n), sp.MatrixSymbol("W_2", n, n)
        r = W2 * ElementwiseApplyFunction(sp.tanh, W1 * x) - y
        return r.T * r, W1, {"x": x, "y": y, "W_1": W1, "W_2": W2}
    raise KeyError(key)


def _softplus_lambda():
    import sympy as sp

    t = sp.Dummy("t")
    return sp.Lambda(t, sp.log(1 + sp.exp(t)))


_DECL_LS = (
    "X \\in \\mathbb{R}^{N \\times D}\n"
    "\\mathbf{y} \\in \\mathbb{R}^{N}\n"
    "\\mathbf{w} \\in \\mathbb{R}^{D}\n"
)

OBJECTIVES: list[Objective] = [
    Objective(
        key="least_squares", title="least squares",
        cell=_DECL_LS + "L(\\mathbf{w}) = \\lVert \\mathbf{y} - X\\mathbf{w} \\rVert^2",
        wrt="w", variable="w", formula="-2Xᵀ(y − Xw)", hessian_formula="2XᵀX",
        grad=_ls_grad, hess=_ls_hess, jax_f=_jax_ls, raw_sympy=lambda n: _raw_ls(n),
    ),
    Objective(
        key="ridge", title="ridge",
        cell=_DECL_LS + "\\lambda > 0\n"
        "L(\\mathbf{w}) = \\lVert \\mathbf{y} - X\\mathbf{w} \\rVert^2 + \\lambda \\lVert \\mathbf{w} \\rVert^2",
        wrt="w", variable="w", formula="-2Xᵀ(y − Xw) + 2λw", hessian_formula="2XᵀX + 2λI",
        grad=_ridge_grad, hess=_ridge_hess, jax_f=_jax_ridge, raw_sympy=lambda n: _raw_ls(n, ridge=True),
    ),
    Objective(
        key="logistic", title="logistic regression",
        cell=_DECL_LS + "L(\\mathbf{w}) = \\sum_{n=1}^{N} \\log\\bigl(1 + e^{\\mathbf{x}_n^\\top \\mathbf{w}}\\bigr)"
        " - y_n \\mathbf{x}_n^\\top \\mathbf{w}",
        wrt="w", variable="w", formula="Xᵀ(σ(Xw) − y)", hessian_formula="Xᵀdiag(σ(1−σ))X",
        grad=_logistic_grad, hess=_logistic_hess, jax_f=_jax_logistic, raw_sympy=_raw_logistic,
    ),
    Objective(
        key="gaussian_mu", title="Gaussian log-likelihood in μ",
        cell=(
            "\\mathbf{x} \\in \\mathbb{R}^{D}\n"
            "\\boldsymbol{\\mu} \\in \\mathbb{R}^{D}\n"
            "\\Sigma \\in \\mathbb{R}^{D \\times D}\n"
            "\\Sigma \\succ 0\n"
            "\\ell(\\boldsymbol{\\mu}) = -\\frac{1}{2}(\\mathbf{x} - \\boldsymbol{\\mu})^\\top \\Sigma^{-1}"
            "(\\mathbf{x} - \\boldsymbol{\\mu}) - \\frac{1}{2}\\log\\det\\Sigma - \\frac{D}{2}\\log(2\\pi)"
        ),
        wrt="mu", variable="mu", formula="solve(Σ, x − μ)", hessian_formula="−inv(Σ)",
        grad=_gauss_grad, hess=_gauss_hess, jax_f=_jax_gauss, raw_sympy=_raw_gauss,
    ),
    Objective(
        key="gaussian_sigma", title="Gaussian log-likelihood in Σ",
        cell=(
            "\\mathbf{x} \\in \\mathbb{R}^{D}\n"
            "\\boldsymbol{\\mu} \\in \\mathbb{R}^{D}\n"
            "\\Sigma \\in \\mathbb{R}^{D \\times D}\n"
            "\\Sigma \\succ 0\n"
            "\\ell(\\Sigma) = -\\frac{1}{2}(\\mathbf{x} - \\boldsymbol{\\mu})^\\top \\Sigma^{-1}"
            "(\\mathbf{x} - \\boldsymbol{\\mu}) - \\frac{1}{2}\\log\\det\\Sigma - \\frac{D}{2}\\log(2\\pi)"
        ),
        wrt="Sigma", variable="Sigma", formula="2G − diag(G), G = ½(Σ⁻¹rrᵀΣ⁻¹ − Σ⁻¹) (symmetric Σ, Cookbook §2.8)",
        grad=_gauss_sigma_grad, hess=None, jax_f=_jax_gauss_sigma, raw_sympy=_raw_gauss_sigma,
        max_n=1000, jax_post=_symmetric_convention, unstructured_grad=_gauss_sigma_unstructured,
        notes=["every contender inverts Σ (O(n³)) on each call"],
    ),
    Objective(
        key="two_layer", title="two-layer network (∂/∂W₁)",
        cell=(
            "\\mathbf{x} \\in \\mathbb{R}^{D}\n"
            "\\mathbf{y} \\in \\mathbb{R}^{K}\n"
            "\\mathbf{W}_1 \\in \\mathbb{R}^{H \\times D}\n"
            "\\mathbf{W}_2 \\in \\mathbb{R}^{K \\times H}\n"
            "L(\\mathbf{W}_1) = \\lVert \\mathbf{W}_2 \\tanh(\\mathbf{W}_1 \\mathbf{x}) - \\mathbf{y} \\rVert^2"
        ),
        wrt="W_1", variable="W_1", formula="((1 − h²) ⊙ 2W₂ᵀr) xᵀ",
        grad=_nn_grad, hess=None, jax_f=_jax_nn, raw_sympy=_raw_nn,
        notes=["Hessian with respect to a matrix (n⁴ entries) is not benchmarked"],
    ),
]


def jax_arguments(obj: Objective, data: dict) -> tuple[Any, tuple]:
    """(variable, other positional arguments) for ``obj.jax_f`` from a data dict."""
    if obj.key in ("least_squares", "logistic"):
        return data["w"], (data["X"], data["y"])
    if obj.key == "ridge":
        return data["w"], (data["X"], data["y"], data["lambda"])
    if obj.key == "gaussian_mu":
        return data["mu"], (data["x"], data["Sigma"])
    if obj.key == "two_layer":
        return data["W_1"], (data["W_2"], data["x"], data["y"])
    if obj.key == "gaussian_sigma":
        return data["Sigma"], (data["x"], data["mu"])
    raise KeyError(obj.key)
