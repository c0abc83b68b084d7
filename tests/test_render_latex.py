"""The notation printer: the MML book's notation, and every string renders in KaTeX and MathJax 3."""
from __future__ import annotations

import pytest
import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from mfml_sym.render.latex_printer import to_latex
from renderers import assert_renders, lint

N, D, n = sp.symbols("N D n", integer=True, positive=True)
x, y, t = sp.symbols("x y t", real=True)
X = sp.MatrixSymbol("X", N, D)
A = sp.MatrixSymbol("A", D, D)
S = sp.MatrixSymbol("Sigma", D, D)
W1 = sp.MatrixSymbol("W_1", D, D)
w = sp.MatrixSymbol("w", D, 1)
w1 = sp.MatrixSymbol("w_1", D, 1)
yv = sp.MatrixSymbol("y", N, 1)
mu = sp.MatrixSymbol("mu", D, 1)
sigma = sp.Function("sigma")
f = sp.Function("f")
u = sp.Dummy("u")
xi = sp.IndexedBase("x")
i = sp.Symbol("i", integer=True)

# (expression, exact LaTeX in the book's notation)
EXACT = [
    (X.T * w, r"X^\top \mathbf{w}"),
    ((X * w).T, r"\mathbf{w}^\top X^\top"),
    (mu.T * S.inv() * mu, r"\boldsymbol{\mu}^\top \Sigma^{-1} \boldsymbol{\mu}"),
    (W1 * w1, r"W_{1} \mathbf{w}_{1}"),
    (sp.Trace(S), r"\operatorname{tr}(\Sigma)"),
    (sp.Determinant(A), r"\det(A)"),
    (sp.log(x), r"\log(x)"),
    (sigma(x), r"\sigma(x)"),
    (sp.Heaviside(x), r"H(x)"),
    (sp.Identity(D), "I"),
    (sp.HadamardProduct(X * w, yv), r"X \mathbf{w} \odot \mathbf{y}"),
    (ElementwiseApplyFunction(sp.Lambda(u, sigma(u)), X * w), r"\sigma(X \mathbf{w})"),
    (sp.Function("softmax")(x), r"\operatorname{softmax}(x)"),
    (sp.DiagMatrix(w), r"\operatorname{diag}(\mathbf{w})"),
    (xi[i], "x_{i}"),
    (sp.Matrix([[1, x], [2, 3]]), r"\begin{bmatrix}1 & x \\ 2 & 3\end{bmatrix}"),
    (sp.Derivative(f(x, y), x), r"\frac{\partial f}{\partial x}"),
    (sp.Derivative(f(x), x, 2), r"\frac{\mathrm{d}^{2} f}{\mathrm{d} x^{2}}"),
    (sp.Inverse(X.T * X), r"\left(X^\top X\right)^{-1}"),
    (sp.Inverse(A.T), r"\left(A^\top\right)^{-1}"),
    (X[n - 1, :].T, r"\mathbf{x}_{n}"),
    (X[n - 1, :], r"\mathbf{x}_{n}^\top"),
    (yv[n - 1, 0], "y_{n}"),
    (A[0, 1], "A_{1,2}"),
    (2 * X.T * (X * w - yv), r"2 X^\top \left(X \mathbf{w} - \mathbf{y}\right)"),
    (sp.Symbol("lambda"), r"\lambda"),
    (sp.MatrixSymbol("theta_0", D, 1), r"\boldsymbol{\theta}_{0}"),
    (sp.MatrixSymbol("Lambda", D, D), r"\Lambda"),
    (sp.ZeroMatrix(D, 1), r"\mathbf{0}"),
    (sp.OneMatrix(N, 1), r"\mathbf{1}"),
    (sp.loggamma(x), r"\log\Gamma(x)"),
]

# Everything else the engines are likely to print: must render and pass the lint.
MORE = [
    sp.log(1 + sp.exp(-x)),
    sigma(x) * (1 - sigma(x)),
    ElementwiseApplyFunction(sp.Lambda(u, u * (1 - u)), X * w),
    ElementwiseApplyFunction(sp.Lambda(u, sp.log(1 + sp.exp(u))), X * w),
    sp.Sum(xi[i] ** 2, (i, 1, N)),
    sp.Product(t ** xi[i] * (1 - t) ** (1 - xi[i]), (i, 1, N)),
    sp.Piecewise((x, x > 0), (0, True)),
    sp.Eq(x, 1), sp.Le(x, 2), sp.Ne(x, y),
    sp.sqrt(x**2 + 1), sp.beta(x, y), sp.gamma(x), sp.exp(-x**2 / 2) / sp.sqrt(2 * sp.pi),
    sp.Derivative(x**2 * y, x, y), sp.Derivative(sp.sin(x * y), x),
    sp.Matrix([x, x**2]), sp.hessian(x**2 * y + sp.sin(x * y), (x, y)),
    sp.Abs(x), sp.sign(x), sp.Max(x, 0), sp.oo, -sp.oo, sp.pi, sp.E, sp.Rational(-3, 4), sp.Float(2.5e-10),
    sp.asin(x), sp.tanh(x), sp.sin(x) ** 2, sp.erf(x), sp.polygamma(0, x),
    sp.MatPow(A, 2), sp.Transpose(sp.Inverse(A)), sp.KroneckerProduct(A, A), sp.HadamardPower(X, 2),
    sp.Symbol("x_1") ** 2 + sp.Symbol("alpha_1"), sp.Symbol("θ") + sp.Symbol("σ"),
    sp.Subs(f(x).diff(x), x, 0), sp.Integral(sp.exp(-x**2), (x, -sp.oo, sp.oo)),
    sp.Lambda(x, x**2), sp.Tuple(x, y), sp.FiniteSet(x, y), sp.Interval(0, 1),
    sp.MatrixSymbol("Phi", N, D).T * sp.MatrixSymbol("Phi", N, D) + t * sp.Identity(D),
    (sp.MatrixSymbol("x", D, 1) - mu).T * S.inv() * (sp.MatrixSymbol("x", D, 1) - mu),
]


@pytest.mark.parametrize("expr, expected", EXACT, ids=[e for _, e in EXACT])
def test_book_notation(expr, expected):
    assert to_latex(expr) == expected


@pytest.mark.parametrize(
    "expr, absent",
    [
        (X.T, "^{T}"), (sp.Determinant(A), r"\left|"), (sp.Heaviside(x), r"\theta"),
        (sp.Identity(D), r"\mathbb{I}"), (sp.Matrix([x, y]), r"\begin{matrix}"),
        (sp.log(x), r"\ln"), (w, r"\bm"),
    ],
)
def test_no_sympy_defaults_that_clash(expr, absent):
    assert absent not in to_latex(expr)


def test_strings_are_latex_already():
    assert to_latex(r"\mathbf{x}^\top A") == r"\mathbf{x}^\top A"


def test_every_printed_string_renders_in_katex_and_mathjax():
    strings = [to_latex(e) for e, _ in EXACT] + [to_latex(e) for e in MORE]
    assert_renders(strings)


def test_lint_rejects_sympy_defaults():
    assert lint(sp.latex(X.T))  # ^{T}
    assert lint(sp.latex(sp.Matrix([x, y])))  # \left[\begin{matrix}
    assert not lint(to_latex(X.T))
