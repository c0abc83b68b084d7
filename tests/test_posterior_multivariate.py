"""Vector unknowns: MVN mean (known covariance), Bayesian linear regression, Dirichlet, logistic.

Truth: the textbook closed forms written out in numpy here (MML (9.60)-(9.61), Bishop (2.141)),
and the engines' own quadrature / identity checks, which use scipy densities.
"""
from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from mfml_sym.bayes import posterior
from mfml_sym.errors import DataError

MVN = {"data": {"kind": "iid_vector"}, "unknown": [{"name": "mu", "shape": "vector(D)"}], "known": ["Sigma"],
       "hyper": ["m_0", "S_0"],
       "likelihood": {"family": "MultivariateNormal", "params": {"mean": "mu", "cov": "Sigma"}},
       "prior": {"family": "MultivariateNormal", "params": {"mean": "m_0", "cov": "S_0"}, "over": ["mu"]}}
REG = {"data": {"kind": "regression"}, "unknown": [{"name": "w", "shape": "vector(M)"}], "known": ["sigma2"],
       "hyper": ["m_0", "S_0"],
       "likelihood": {"family": "LinearRegression", "params": {"weights": "w", "var": "sigma2"}},
       "prior": {"family": "MultivariateNormal", "params": {"mean": "m_0", "cov": "S_0"}, "over": ["w"]}}


def spd(rng, d):
    a = rng.normal(size=(d, d))
    return a @ a.T + d * np.eye(d)


@pytest.mark.parametrize("d", [2, 3])
def test_mvn_mean_known_covariance(d):
    rng = np.random.default_rng(d)
    Sigma, S0, m0 = spd(rng, d), spd(rng, d), rng.normal(size=d)
    x = rng.multivariate_normal(np.ones(d), Sigma, 7)
    r = posterior(MVN, data={"x": x, "Sigma": Sigma, "S_0": S0, "m_0": m0}, check=(d == 2))
    assert r.conjugate and r.family == "MultivariateNormal"
    SN = np.linalg.inv(np.linalg.inv(S0) + len(x) * np.linalg.inv(Sigma))
    mN = SN @ (np.linalg.solve(S0, m0) + np.linalg.solve(Sigma, x.sum(0)))
    assert np.allclose(r.numbers["parameters"]["cov"], SN, rtol=1e-10)
    assert np.allclose(r.numbers["parameters"]["mean"].reshape(-1), mN, rtol=1e-10)
    # evidence: the stacked observations are jointly Gaussian with mean m0 and cov Sigma (x) I + 1 1^T (x) S0
    n = len(x)
    cov = np.kron(np.eye(n), Sigma) + np.kron(np.ones((n, n)), S0)
    want = stats.multivariate_normal(np.tile(m0, n), cov).logpdf(x.reshape(-1))
    assert abs(r.numbers["log_evidence"] - want) < 1e-8
    if d == 2:
        assert r.check().passed


def test_bayesian_linear_regression():
    rng = np.random.default_rng(7)
    N, d, s2 = 12, 2, 0.3
    Phi = np.column_stack([np.ones(N), rng.uniform(-1, 1, N)])
    y = Phi @ np.array([0.5, -1.0]) + rng.normal(0, np.sqrt(s2), N)
    S0, m0 = spd(rng, d), rng.normal(size=d)
    r = posterior(REG, data={"Phi": Phi, "y": y, "sigma2": s2, "S_0": S0, "m_0": m0})
    SN = np.linalg.inv(np.linalg.inv(S0) + Phi.T @ Phi / s2)           # MML (9.61)
    mN = SN @ (np.linalg.solve(S0, m0) + Phi.T @ y / s2)                # MML (9.60)
    assert np.allclose(r.numbers["parameters"]["cov"], SN, rtol=1e-10)
    assert np.allclose(r.numbers["parameters"]["mean"].reshape(-1), mN, rtol=1e-10)
    want = stats.multivariate_normal(Phi @ m0, Phi @ S0 @ Phi.T + s2 * np.eye(N)).logpdf(y)  # MML (9.67)
    assert abs(r.numbers["log_evidence"] - want) < 1e-8
    assert r.check().passed
    assert r.predictive["family"] == "Normal"


def test_regression_symbolic_form():
    r = posterior(REG, check=False)
    assert str(r.parameters["cov"]) == "(S_0**(-1) + 1/sigma2*Phi.T*Phi)**(-1)"
    assert str(r.parameters["mean"]) == "(S_0**(-1) + 1/sigma2*Phi.T*Phi)**(-1)*(S_0**(-1)*m_0 + 1/sigma2*Phi.T*y)"


def test_regression_bad_shapes():
    with pytest.raises(DataError, match="Phi must be"):
        posterior(REG, data={"Phi": np.ones((5, 2)), "y": np.ones(4), "sigma2": 1.0,
                             "S_0": np.eye(2), "m_0": np.zeros(2)}, check=False)


CAT = {"data": {"kind": "iid_label"}, "unknown": [{"name": "theta", "shape": "simplex(K)"}], "known": ["K"],
       "hyper": ["alpha"], "likelihood": {"family": "Categorical", "params": {"p": "theta"}},
       "prior": {"family": "Dirichlet", "params": {"alpha": "alpha"}, "over": ["theta"]}}


def test_categorical_bad_label():
    with pytest.raises(DataError, match=r"x\[2\] = 3 is not a category label"):
        posterior(CAT, data={"x": [0, 1, 3], "alpha": [1.0, 1.0, 1.0], "K": 3}, check=False)


def test_multinomial_rows_must_sum_to_M():
    spec = dict(CAT, likelihood={"family": "Multinomial", "params": {"N": "M", "p": "theta"}})
    with pytest.raises(DataError, match=r"sums to 4, not to M = 5"):
        posterior(spec, data={"x": [[1, 2, 2], [1, 1, 2]], "alpha": [1.0, 1.0, 1.0], "K": 3, "M": 5}, check=False)


IW = {"data": {"kind": "iid_vector"}, "unknown": [{"name": "Sigma", "shape": "matrix(D,D)"}], "known": ["mu"],
      "hyper": ["nu_0", "Psi_0"],
      "likelihood": {"family": "MultivariateNormal", "params": {"mean": "mu", "cov": "Sigma"}},
      "prior": {"family": "InverseWishart", "params": {"df": "nu_0", "scale": "Psi_0"}, "over": ["Sigma"]}}
WI = {"data": {"kind": "iid_vector"}, "unknown": [{"name": "Lambda", "shape": "matrix(D,D)"}], "known": ["mu"],
      "hyper": ["nu_0", "W_0"],
      "likelihood": {"family": "MultivariateNormal", "params": {"mean": "mu", "precision": "Lambda"}},
      "prior": {"family": "Wishart", "params": {"df": "nu_0", "scale": "W_0"}, "over": ["Lambda"]}}


@pytest.mark.parametrize("d", [2, 3])
def test_inverse_wishart_and_wishart(d):
    from scipy.special import multigammaln

    rng = np.random.default_rng(10 + d)
    x, mu, P, nu = rng.normal(size=(9, d)), rng.normal(size=d), spd(rng, d), d + 1.7
    S = (x - mu).T @ (x - mu)
    r = posterior(IW, data={"x": x, "mu": mu, "nu_0": nu, "Psi_0": P})
    assert r.family == "InverseWishart"
    assert np.allclose(r.numbers["parameters"]["scale"], P + S) and r.numbers["parameters"]["df"] == nu + 9
    nu_n, Pn = nu + 9, P + S  # Murphy (2012) eq. (4.209)-style evidence, written independently
    want = (-9 * d / 2 * np.log(np.pi) + multigammaln(nu_n / 2, d) - multigammaln(nu / 2, d)
            + nu / 2 * np.linalg.slogdet(P)[1] - nu_n / 2 * np.linalg.slogdet(Pn)[1])
    assert abs(r.numbers["log_evidence"] - want) < 1e-9
    assert np.allclose(r.numbers["mean"], Pn / (nu_n - d - 1))
    assert r.check().passed
    W = np.linalg.inv(P)
    r = posterior(WI, data={"x": x, "mu": mu, "nu_0": nu, "W_0": W})
    assert r.family == "Wishart"
    assert np.allclose(r.numbers["parameters"]["scale"], np.linalg.inv(np.linalg.inv(W) + S))
    assert abs(r.numbers["log_evidence"] - want) < 1e-9  # same model, precision parameterisation
    assert r.check().passed


@pytest.mark.parametrize("text", [
    r"""\mathbf{y} \mid X, \mathbf{w} \sim \mathcal{N}(X\mathbf{w}, \sigma^2 I)
\mathbf{w} \sim \mathcal{N}(\mathbf{m}_0, S_0)""",
    r"""\mathbf{x}_i \sim \mathcal{N}(\boldsymbol{\mu}, \Sigma)
\boldsymbol{\mu} \sim \mathcal{N}(\mathbf{m}_0, S_0)""",
])
def test_text_gaussian_vector(text):
    r = posterior(text)
    assert r.conjugate and r.family == "MultivariateNormal"
    assert r.check().passed


def test_text_regression_with_data_matches_formula():
    rng = np.random.default_rng(3)
    X = np.column_stack([np.ones(8), rng.uniform(-1, 1, 8)])
    y = rng.normal(size=8)
    r = posterior(r"""\mathbf{y} \mid X, \mathbf{w} \sim \mathcal{N}(X\mathbf{w}, \sigma^2 I)
\mathbf{w} \sim \mathcal{N}(\mathbf{m}_0, S_0)""", data={"X": X, "y": y, "sigma": 0.5, "m_0": [0, 0], "S_0": np.eye(2)})
    SN = np.linalg.inv(np.eye(2) + X.T @ X / 0.25)
    assert np.allclose(r.numbers["parameters"]["mean"].ravel(), SN @ X.T @ y / 0.25)


REG_NIG = {"data": {"kind": "regression"},
           "unknown": [{"name": "w", "shape": "vector(M)"}, {"name": "sigma2", "shape": "scalar"}],
           "hyper": ["m_0", "Lambda_0", "a_0", "b_0"],
           "likelihood": {"family": "LinearRegression", "params": {"weights": "w", "var": "sigma2"}},
           "prior": {"family": "MVNInverseGamma", "params": {"mean": "m_0", "Lambda": "Lambda_0", "a": "a_0", "b": "b_0"},
                     "over": ["w", "sigma2"]}}


def test_regression_unknown_noise_normal_inverse_gamma():
    from scipy.special import gammaln

    rng = np.random.default_rng(1)
    Phi = np.column_stack([np.ones(10), rng.uniform(-1, 1, 10)])
    y = rng.normal(size=10)
    m0, L0, a0, b0 = np.array([0.2, -0.1]), np.array([[2.0, 0.3], [0.3, 1.0]]), 2.5, 1.2
    r = posterior(REG_NIG, data={"Phi": Phi, "y": y, "m_0": m0, "Lambda_0": L0, "a_0": a0, "b_0": b0})
    assert r.conjugate and r.family == "MVNInverseGamma"
    LN = L0 + Phi.T @ Phi  # Bishop PRML Exercise 3.12, written out independently
    mN = np.linalg.solve(LN, L0 @ m0 + Phi.T @ y)
    aN, bN = a0 + 5, b0 + 0.5 * (y @ y + m0 @ L0 @ m0 - mN @ LN @ mN)
    p = r.numbers["parameters"]
    assert np.allclose(p["Lambda"], LN) and np.allclose(p["mean"].ravel(), mN)
    assert abs(p["a"] - aN) < 1e-12 and abs(p["b"] - bN) < 1e-10
    ev = (-5 * np.log(2 * np.pi) + 0.5 * np.linalg.slogdet(L0)[1] - 0.5 * np.linalg.slogdet(LN)[1]
          + a0 * np.log(b0) - aN * np.log(bN) + gammaln(aN) - gammaln(a0))
    assert abs(r.numbers["log_evidence"] - ev) < 1e-9
    assert r.check().passed


NIW = {"data": {"kind": "iid_vector"},
       "unknown": [{"name": "mu", "shape": "vector(D)"}, {"name": "Sigma", "shape": "matrix(D,D)"}],
       "hyper": ["m_0", "kappa_0", "nu_0", "Psi_0"],
       "likelihood": {"family": "MultivariateNormal", "params": {"mean": "mu", "cov": "Sigma"}},
       "prior": {"family": "NormalInverseWishart",
                 "params": {"mu": "m_0", "kappa": "kappa_0", "nu": "nu_0", "Psi": "Psi_0"}, "over": ["mu", "Sigma"]}}
NW = {"data": {"kind": "iid_vector"},
      "unknown": [{"name": "mu", "shape": "vector(D)"}, {"name": "Lambda", "shape": "matrix(D,D)"}],
      "hyper": ["m_0", "kappa_0", "nu_0", "W_0"],
      "likelihood": {"family": "MultivariateNormal", "params": {"mean": "mu", "precision": "Lambda"}},
      "prior": {"family": "NormalWishart", "params": {"mu": "m_0", "kappa": "kappa_0", "nu": "nu_0", "W": "W_0"},
                "over": ["mu", "Lambda"]}}


@pytest.mark.parametrize("d", [2, 3])
def test_normal_inverse_wishart_and_normal_wishart(d):
    from scipy.special import multigammaln

    rng = np.random.default_rng(20 + d)
    n = 9
    x, m0, P0, k0, nu0 = rng.normal(size=(n, d)), rng.normal(size=d), spd(rng, d), 1.4, d + 1.6
    xbar = x.mean(0)
    Sc = (x - xbar).T @ (x - xbar)
    kn, nun = k0 + n, nu0 + n       # Murphy (2012) eqs. (4.214)-(4.217), written independently
    mn = (k0 * m0 + n * xbar) / kn
    Pn = P0 + Sc + k0 * n / kn * np.outer(xbar - m0, xbar - m0)
    ev = (-n * d / 2 * np.log(np.pi) + multigammaln(nun / 2, d) - multigammaln(nu0 / 2, d)
          + nu0 / 2 * np.linalg.slogdet(P0)[1] - nun / 2 * np.linalg.slogdet(Pn)[1] + d / 2 * np.log(k0 / kn))
    r = posterior(NIW, data={"x": x, "m_0": m0, "kappa_0": k0, "nu_0": nu0, "Psi_0": P0})
    p = r.numbers["parameters"]
    assert r.family == "NormalInverseWishart"
    assert np.allclose(p["mu"].ravel(), mn) and abs(p["kappa"] - kn) < 1e-12 and abs(p["nu"] - nun) < 1e-12
    assert np.allclose(p["Psi"], Pn)
    assert abs(r.numbers["log_evidence"] - ev) < 1e-9
    assert r.check().passed
    r = posterior(NW, data={"x": x, "m_0": m0, "kappa_0": k0, "nu_0": nu0, "W_0": np.linalg.inv(P0)})
    assert r.family == "NormalWishart"
    assert np.allclose(r.numbers["parameters"]["W"], np.linalg.inv(Pn))
    assert abs(r.numbers["log_evidence"] - ev) < 1e-9
    assert r.check().passed
