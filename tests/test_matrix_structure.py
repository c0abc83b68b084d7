"""Structure, conventions and the other operations: symmetric variables, SPD simplification,
stationary points, derivatives by lists of scalars, the row layout, user errors."""
from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from matrix_cases import S, dim
from mfml_sym.errors import MfmlError, OptionError, UnsupportedError
from mfml_sym.matrix_calculus import Norm, derive_matrix, gradient
from mfml_sym.numeric.finite_differences import central_difference, relative_error
from mfml_sym.problem import Definition, Problem, SymbolInfo

n, N, D = dim("n"), dim("N"), dim("D")
x, mu = sp.MatrixSymbol("x", n, 1), sp.MatrixSymbol("mu", n, 1)
Sig, A, B, C = (sp.MatrixSymbol(s, n, n) for s in ("Sigma", "A", "B", "C"))
X, y, w = sp.MatrixSymbol("X", N, D), sp.MatrixSymbol("y", N, 1), sp.MatrixSymbol("w", D, 1)
lam = sp.Symbol("lambda", positive=True)
s, t = sp.Symbol("s", real=True), sp.Symbol("t", real=True)


def problem(expr, props=None):
    props = props or {}
    infos = {}
    for sym in expr.free_symbols | expr.atoms(sp.MatrixSymbol):
        if isinstance(sym, sp.MatrixSymbol):
            kind = "vector" if sym.shape[1] == 1 else "matrix"
            infos[sym.name] = SymbolInfo(sym.name, sym.name, kind, sym, sym.shape, frozenset(props.get(sym, ())))
        elif sym.name not in ("n", "N", "D"):
            infos[sym.name] = SymbolInfo(sym.name, sym.name, "scalar", sym)
    return Problem(source="", symbols=infos)


def run(expr, ops, wrt, props=None, **options):
    return derive_matrix(problem(expr, props), Definition(line=1, text="", name="L", expr=expr), ops, wrt, options)


def spd(k, gen):
    M = gen.standard_normal((k, k))
    return M @ M.T / k + np.eye(k)


def gaussian_numpy(x, mu, Sigma):
    r = x - mu
    return -0.5 * np.linalg.slogdet(Sigma)[1] - 0.5 * r @ np.linalg.solve(Sigma, r)


GAUSS = -sp.log(sp.Determinant(Sig)) / 2 - S((x - mu).T * Sig.I * (x - mu)) / 2


@pytest.mark.parametrize("convention", ["cookbook", "symmetric-part"])
def test_gaussian_loglik_in_sigma_follows_the_stated_convention(convention):
    d = run(GAUSS, ["gradient"], [Sig], {Sig: {"spd", "symmetric"}}, structure=convention)
    assert d.check().passed, d.check().summary()
    assert any(("Cookbook" if convention == "cookbook" else "symmetric-part") in note for note in d.notes)
    gen = np.random.default_rng(1)
    k = 4
    xs, ms, Ss = gen.standard_normal(k), gen.standard_normal(k), spd(k, gen)
    # independent truth: perturb the free parameters of the symmetric matrix (S_ij and S_ji together)
    free = np.zeros((k, k))
    h = 1e-5
    for i in range(k):
        for j in range(k):
            E = np.zeros((k, k))
            E[i, j] = E[j, i] = 1.0
            free[i, j] = (gaussian_numpy(xs, ms, Ss + h * E) - gaussian_numpy(xs, ms, Ss - h * E)) / (2 * h)
    if convention == "symmetric-part":  # half the off-diagonal free-parameter derivative
        free = np.where(np.eye(k) == 1, free, free / 2)
    got = d.numpy("gradient")(x=xs, mu=ms, Sigma=Ss)
    assert relative_error(got, free) < 1e-7


def test_gaussian_loglik_in_sigma_reads_as_the_book():
    g = gradient(GAUSS, Sig, symmetric={Sig}).result
    text = sp.sstr(g)
    assert "Sigma**(-1)" in text and "Sigma.T" not in text  # Σ⁻ᵀ = Σ⁻¹ used


def test_symmetric_declaration_simplifies():
    assert gradient(S(x.T * A * x), x, symmetric={A}).result == 2 * A * x
    assert gradient(S(x.T * A * x), x).result == (A + A.T) * x


@pytest.mark.parametrize("ridge", [True, False])
def test_stationary_point_normal_equations(ridge):
    L = Norm(y - X * w) ** 2 + (lam * Norm(w) ** 2 if ridge else 0)
    d = run(L, ["stationary"], [w])
    assert d.check().passed, d.check().summary()
    sol = d["stationary"]
    assert sol.has(sp.Inverse)
    gen = np.random.default_rng(2)
    Xv, yv, lv = gen.standard_normal((7, 3)), gen.standard_normal(7), 0.7
    args = {"X": Xv, "y": yv, "lambda": lv} if ridge else {"X": Xv, "y": yv}
    want = np.linalg.solve(Xv.T @ Xv + (lv if ridge else 0) * np.eye(3), Xv.T @ yv)
    np.testing.assert_allclose(d.numpy("stationary")(**args), want, rtol=1e-10)


def test_stationary_refuses_a_nonlinear_gradient():
    L = sp.log(1 + S(w.T * w))
    with pytest.raises(UnsupportedError, match="not linear"):
        run(L, ["stationary"], [w])


def test_derivative_by_a_list_of_scalars_is_stacked():
    f = sp.log(sp.Determinant(A + s * B + t * C))
    d = run(f, ["derivative"], [s, t])
    assert d.check().passed, d.check().summary()
    gen = np.random.default_rng(4)
    Av, Bv, Cv = 3 * np.eye(3) + 0.1 * gen.standard_normal((3, 3)), gen.standard_normal((3, 3)), gen.standard_normal((3, 3))
    got = d.numpy("derivative")(A=Av, B=Bv, C=Cv, s=0.1, t=-0.2)
    f_np = lambda v: np.linalg.slogdet(Av + v[0] * Bv + v[1] * Cv)[1]  # noqa: E731
    assert got.shape == (2,)
    assert relative_error(got, central_difference(f_np, np.array([0.1, -0.2]))) < 1e-8


def test_matrix_function_of_a_scalar():
    F = (A + t * B).I
    d = run(F, ["derivative"], [t])
    assert d.check().passed
    assert sp.sstr(d["derivative"]).count("**(-1)") == 2


def test_row_layout_is_the_transpose_and_is_stated():
    M = sp.MatrixSymbol("M", N, D)
    f = S(y.T * M * w)
    col = run(f, ["gradient"], [M])
    row = run(f, ["gradient"], [M], layout="row")
    assert row["gradient"].shape == (D, N) and col["gradient"].shape == (N, D)
    assert any("row" in note for note in row.notes)
    assert row.check().passed


def test_hessian_of_a_matrix_variable_is_a_four_way_array():
    f = sp.Trace(Sig.T * A * Sig)
    d = run(f, ["hessian"], [Sig])
    assert d.check().passed, d.check().summary()
    gen = np.random.default_rng(5)
    Av, Sv = gen.standard_normal((3, 3)), gen.standard_normal((3, 3))
    H = d.numpy("hessian")(A=Av, Sigma=Sv)
    want = np.einsum("ik,jl->ijkl", Av + Av.T, np.eye(3))  # d/dS_kl of (A + Aᵀ) S
    assert H.shape == (3, 3, 3, 3)
    np.testing.assert_allclose(H, want, atol=1e-12)


def test_gradient_of_a_vector_is_refused_with_a_clear_message():
    with pytest.raises(MfmlError, match="scalar"):
        run(X * w, ["gradient"], [w])


def test_unknown_operation_is_an_option_error():
    with pytest.raises(OptionError):
        run(S(w.T * w), ["taylor"], [w])


def test_steps_name_the_rules():
    d = run(sp.log(sp.Determinant(Sig)), ["gradient"], [Sig])
    rules = " ".join(getattr(st, "rule", "") for st in d.steps)
    assert "log det" in rules and "identification" in rules
