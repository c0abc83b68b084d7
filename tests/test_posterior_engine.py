"""The recognition engine on sympy input: unusual parameterisations, non-conjugate models,
sequential = batch updating, data errors, numeric checks."""
from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from scipy import integrate, optimize, stats

from mfml_sym.bayes import posterior, update
from mfml_sym.errors import DataError


def num(expr, subs):
    return float(sp.N(sp.sympify(expr).subs(subs)))


def by_name(r, values):
    """Substitution dict from names to the result's own symbols."""
    return {r.model.symbols[k]: v for k, v in values.items() if k in r.model.symbols}


def stat(r, name):
    for s in r.model.symbols.values():
        pass
    return sp.Symbol(name, real=True)


# ---- recognition of conjugacy under unusual parameterisations ---------------------------------
@pytest.mark.parametrize("lik, lik_p, prior, prior_p, unknown, family", [
    ("Poisson", ["lam"], "Gamma", {"shape": "k", "scale": "c"}, "lam", "Gamma"),          # Gamma in scale form
    ("Normal", ["m", "1/tau"], "Gamma", ["a", "b"], "tau", "Gamma"),                       # prior on the precision
    ("Normal", {"mean": "m", "precision": "tau"}, "Gamma", ["a", "b"], "tau", "Gamma"),    # precision by name
    ("Normal", ["m", "v"], "InverseGamma", ["a", "b"], "v", "InverseGamma"),
    ("Bernoulli", ["p"], "Uniform", [0, 1], "p", "Beta"),                                  # Uniform(0,1) = Beta(1,1)
    ("Poisson", ["lam"], "Exponential", ["b"], "lam", "Gamma"),                            # Exp(b) = Gamma(1, b)
    ("Exponential", ["lam"], "Gamma", ["a", "b"], "lam", "Gamma"),
    ("Gamma", ["k", "beta"], "Gamma", ["a", "b"], "beta", "Gamma"),                        # known shape, rate unknown
    ("Normal", ["mu", "s2"], "Normal", ["m0", "v0"], "mu", "Normal"),
    ("NegBinFailures", ["r", "p"], "Beta", ["a", "b"], "p", "Beta"),
    ("Lomax", ["alpha", "lam"], "Gamma", ["a", "b"], "alpha", "Gamma"),                    # unknown shape
    ("Pareto", ["xm", "k"], "Gamma", ["a", "b"], "k", "Gamma"),                            # Pareto shape
    ("Rayleigh", ["s2"], "InverseGamma", ["a", "b"], "s2", "InverseGamma"),
    ("GeometricTrials", ["p"], "Beta", ["a", "b"], "p", "Beta"),
    ("Exponential", {"scale": "theta"}, "InverseGamma", ["a", "b"], "theta", "InverseGamma"),  # scale unknown
    ("Gamma", {"shape": "k", "scale": "theta"}, "InverseGamma", ["a", "b"], "theta", "InverseGamma"),
    ("Normal", {"mean": "m", "precision": "tau"}, "Gamma", {"shape": "a", "scale": "c"}, "tau", "Gamma"),
])
def test_recognised_and_checked_by_quadrature(lik, lik_p, prior, prior_p, unknown, family):
    r = update(lik, lik_p, prior, prior_p, unknown)
    assert r.conjugate and r.family == family
    report = r.check()
    assert report.passed, report.details


@pytest.mark.parametrize("lik, lik_p, prior, prior_p, unknown, predictive", [
    ("Exponential", {"scale": "theta"}, "InverseGamma", ["a", "b"], "theta", "Lomax"),
    ("Exponential", ["lam"], "Gamma", ["a", "b"], "lam", "Lomax"),
    ("Gamma", {"shape": "k", "scale": "theta"}, "InverseGamma", ["a", "b"], "theta", "BetaPrime"),
    ("Gamma", ["k", "lam"], "Gamma", ["a", "b"], "lam", "BetaPrime"),
    ("Poisson", ["lam"], "Gamma", ["a", "b"], "lam", "NegBinFailures"),
    ("Normal", ["m", "1/tau"], "Gamma", ["a", "b"], "tau", "StudentT"),
    ("NegBinFailures", ["r", "p"], "Beta", ["a", "b"], "p", "BetaNegBin"),
])
def test_named_predictive_equals_derived_predictive(lik, lik_p, prior, prior_p, unknown, predictive):
    r = update(lik, lik_p, prior, prior_p, unknown)
    assert r.predictive["family"] == predictive
    report = r.check()  # includes: derived predictive == the named distribution's density
    assert report.passed and any(predictive in d for d in report.details), report.details


def test_normal_normal_matches_textbook_formula():
    # MML (6.?) / Bishop (2.141)-(2.142): posterior precision 1/v0 + n/s2, mean v_N (m0/v0 + s/s2)
    r = update("Normal", ["mu", "s2"], "Normal", ["m0", "v0"], "mu", check=False)
    S = r.model.symbols
    n, s = sp.Symbol("n", integer=True, positive=True), sp.Symbol("s", real=True)
    vN = 1 / (1 / S["v0"] + n / S["s2"])
    assert sp.simplify(r.parameters["var"] - vN) == 0
    assert sp.simplify(r.parameters["mean"] - vN * (S["m0"] / S["v0"] + s / S["s2"])) == 0


def test_gamma_scale_prior_keeps_scale():
    r = update("Poisson", ["lam"], "Gamma", {"shape": "k", "scale": "c"}, "lam", check=False)
    n, s = sp.Symbol("n", integer=True, positive=True), sp.Symbol("s", real=True)
    c = r.model.symbols["c"]
    assert sp.simplify(r.parameter("scale") - c / (1 + n * c)) == 0
    assert sp.simplify(r.parameter("rate") - (1 / c + n)) == 0


def test_normal_gamma_from_two_conditional_priors():
    # mu | tau ~ N(m, 1/(kappa tau)), tau ~ Gamma(a, b): Normal-Gamma, recognised jointly
    r = update("Normal", ["mu", "1/tau"], ["Normal", "Gamma"], [["m", "1/(kappa*tau)"], ["a", "b"]], ("mu", "tau"))
    assert r.conjugate and r.family == "NormalGamma"
    assert set(r.mean) == {"mu", "tau"}
    assert r.check().passed


@pytest.mark.parametrize("lik, lik_p, prior, prior_p, unknown", [
    ("Poisson", ["lam"], "LogNormal", ["m", "v"], "lam"),          # log-normal prior on a Poisson rate
    ("Bernoulli", ["1/(1 + exp(-t))"], "Normal", ["0", "1"], "t"),  # Gaussian prior on a Bernoulli logit
    ("Normal", ["mu", "s2"], "Laplace", ["0", "b"], "mu"),
    ("Poisson", ["lam"], "Uniform", ["0", "5"], "lam"),             # truncated: no named family
])
def test_not_conjugate(lik, lik_p, prior, prior_p, unknown):
    r = update(lik, lik_p, prior, prior_p, unknown)
    assert not r.conjugate and r.family is None
    assert "not conjugate" in r.reason
    assert r.log_posterior is not None and r.gradient is not None
    report = r.check()  # the gradient formula against finite differences
    assert report.passed, report.summary()


@pytest.mark.slow
def test_independent_normal_and_inverse_gamma_priors_not_jointly_conjugate():
    r = update("Normal", ["mu", "v"], ["Normal", "InverseGamma"], [["m", "w"], ["a", "b"]], ("mu", "v"), check=False)
    assert not r.conjugate


def test_logit_model_map_and_laplace_against_scipy():
    x = np.array([1, 1, 0, 1, 1, 0, 1, 1, 1, 0, 1, 1], dtype=float)
    r = update("Bernoulli", ["1/(1 + exp(-t))"], "Normal", ["0", "1"], "t", data={"x": x})
    s, N = x.sum(), x.size

    def nlp(t):  # independent: -log posterior written by hand
        return t**2 / 2 - s * t + N * np.log1p(np.exp(t))
    ref = optimize.minimize_scalar(nlp).x
    assert abs(r.map["t"] - ref) < 1e-6
    h = 1 + N * np.exp(ref) / (1 + np.exp(ref)) ** 2
    assert abs(r.laplace["cov"][0][0] - 1 / h) < 1e-5
    assert r.check().passed
    # gradient formula against finite differences of the hand-written log posterior
    g = sp.lambdify(sp.Symbol("t", real=True), r.gradient.subs(r.numbers["substitutions"]) if False else
                    r.gradient.subs({sp.Symbol("n", integer=True, positive=True): N, sp.Symbol("s", real=True): s}))
    assert abs(g(0.3) - (-(nlp(0.3 + 1e-6) - nlp(0.3 - 1e-6)) / 2e-6)) < 1e-5


# ---- sequential = batch ---------------------------------------------------------------------
def by_names(expr, values: dict):
    """Substitute by symbol *name* (results re-create their symbols with their own assumptions)."""
    expr = sp.sympify(expr)
    return expr.xreplace({s: values.get(s.name, sp.Symbol(s.name)) for s in expr.free_symbols})


@pytest.mark.parametrize("lik, lik_p, prior, prior_p, unknown", [
    ("Bernoulli", ["theta"], "Beta", ["a", "b"], "theta"),
    ("Poisson", ["lam"], "Gamma", ["a", "b"], "lam"),
    ("Normal", ["mu", "v"], "Normal", ["m", "w"], "mu"),
    ("Normal", ["m", "v"], "InverseGamma", ["a", "b"], "v"),
    pytest.param("Normal", ["mu", "v"], "NormalInverseGamma", ["m", "k", "a", "b"], ("mu", "v"),
                 marks=pytest.mark.slow),
])
def test_sequential_equals_batch(lik, lik_p, prior, prior_p, unknown):
    """Posterior after batch 1 used as the prior of batch 2 = one update on both (symbolically)."""
    r1 = update(lik, lik_p, prior, prior_p, unknown, check=False)
    names = list(r1.parameters)
    stats = list(r1.statistics)  # n, s, ss, t_1, ...: all sums over the data, hence additive
    b1 = {k: sp.Symbol(f"{k}_A", real=True) for k in stats}
    b2 = {k: sp.Symbol(f"{k}_B", real=True) for k in stats}
    both = {k: b1[k] + b2[k] for k in stats}
    first = [by_names(r1.parameters[k], b1) for k in names]
    r2 = update(lik, lik_p, prior, first, unknown, check=False)
    assert r2.family == r1.family
    for k in names:
        diff = by_names(r2.parameters[k], b2) - by_names(r1.parameters[k], both)
        assert sp.cancel(sp.together(by_names(diff, {}))) == 0, k
    # evidence chains: log p(X1) + log p(X2 | X1) = log p(X1, X2), at random numbers
    gen = np.random.default_rng(5)
    vals = {"a": 3.3, "b": 1.7, "m": 0.4, "w": 1.9, "v": 0.8, "k": 1.3}
    vals.update({b1[k].name: float(gen.integers(3, 7)) for k in stats})
    vals.update({b2[k].name: float(gen.integers(3, 7)) for k in stats})
    vals.update({"ss_A": vals["s_A"] ** 2, "ss_B": vals["s_B"] ** 2 + 1.0} if "ss" in stats else {})
    e1 = by_names(by_names(r1.log_evidence, b1), vals)
    e2 = by_names(by_names(r2.log_evidence, b2), vals)
    e12 = by_names(by_names(r1.log_evidence, both), vals)
    assert abs(float(e1 + e2 - e12)) < 1e-9


# ---- data -------------------------------------------------------------------------------------
BERN = ("Bernoulli", ["theta"], "Beta", ["a", "b"], "theta")


@pytest.mark.parametrize("model, data, message", [
    (BERN, [0, 1, 2], r"x\[2\] = 2 .*Bernoulli"),
    (("Poisson", ["lam"], "Gamma", ["a", "b"], "lam"), [3, -1], r"x\[1\] = -1 .*non-negative"),
    (("Poisson", ["lam"], "Gamma", ["a", "b"], "lam"), [3, 1.5], r"x\[1\] = 1.5"),
    (("Exponential", ["lam"], "Gamma", ["a", "b"], "lam"), [1.0, 0.0], r"x\[1\] = 0.0 .*positive"),
    (BERN, [[0, 1], [1, 0]], r"shape \(2, 2\)"),
    (("Binomial", ["3", "p"], "Beta", ["a", "b"], "p"), [1, 4], r"x\[1\] = 4 .*N = 3"),
])
def test_bad_data_is_a_clear_error(model, data, message):
    with pytest.raises(DataError, match=message):
        update(*model, data={"x": data}, check=False)


def test_data_gives_numbers_and_keeps_symbols():
    flips = [1, 0, 1, 1, 0, 1, 1, 1, 0, 1]
    r = update(*BERN, data={"x": flips})
    a, b = r.model.symbols["a"], r.model.symbols["b"]
    assert r.numbers["parameters"]["a"] == a + 7
    assert r.numbers["parameters"]["b"] == b + 3
    r = update(*BERN, data={"x": flips, "a": 2, "b": 2})
    assert r.numbers["parameters"] == {"a": 9, "b": 5}
    assert abs(float(r.numbers["mean"]) - stats.beta(9, 5).mean()) < 1e-12
    assert r.check().passed


def test_evidence_against_direct_quadrature():
    x = np.array([2.0, 0.0, 3.0, 1.0])
    r = update("Poisson", ["lam"], "Gamma", ["a", "b"], "lam", data={"x": x, "a": 2.5, "b": 1.5})
    f = lambda l: np.prod(stats.poisson(l).pmf(x)) * stats.gamma(2.5, scale=1 / 1.5).pdf(l)  # noqa: E731
    z, _ = integrate.quad(f, 0, np.inf)
    assert abs(float(r.numbers["log_evidence"]) - np.log(z)) < 1e-8


def test_steps_name_statistics_and_kernel():
    r = update(*BERN, check=False)
    rules = " ".join(getattr(s, "rule", "") for s in r.steps)
    assert "kernel of a Beta" in rules and "s = sum_i x_i" in rules
    assert r.statistics["s"] == "sum_i x_i"


@pytest.mark.parametrize("corrupt", ["mean", "variance", "log_evidence"])
def test_check_catches_a_wrong_result(corrupt):
    """The quadrature check is independent: a result that is slightly off must fail it."""
    r = update("Poisson", ["lam"], "Gamma", ["a", "b"], "lam")
    setattr(r, corrupt, getattr(r, corrupt) * sp.Rational(101, 100) + (sp.Rational(1, 100) if corrupt == "log_evidence" else 0))
    assert not r.check().passed


def test_names_that_are_sympy_functions_are_plain_symbols():
    # posterior.json conventions: 'beta', 'gamma', 'E', 'N', 'S' are plain names
    r = update("Poisson", ["lam"], "Gamma", ["gamma", "beta"], "lam", check=False)
    assert r.family == "Gamma" and str(r.parameters["rate"]) == "beta + n"
    r = update("Normal", ["mu", "S"], "Normal", ["E", "N"], "mu")
    assert r.family == "Normal" and r.check().passed


from hypothesis import given, settings as hsettings, strategies as st  # noqa: E402


@hsettings(max_examples=8, deadline=None)
@given(st.lists(st.integers(0, 6), min_size=2, max_size=12), st.integers(1, 11),
       st.floats(0.5, 5.0), st.floats(0.5, 5.0))
def test_sequential_equals_batch_on_data(counts, cut, a, b):
    """Law: updating on batch 1 and then on batch 2 equals one update on all the data (Poisson–Gamma)."""
    cut = min(cut, len(counts) - 1)
    first, second = counts[:cut], counts[cut:]
    r1 = update("Poisson", ["lam"], "Gamma", ["a", "b"], "lam", data={"x": first, "a": a, "b": b}, check=False)
    p1 = r1.numbers["parameters"]
    r2 = update("Poisson", ["lam"], "Gamma", ["a", "b"], "lam",
                data={"x": second, "a": float(p1["shape"]), "b": float(p1["rate"])}, check=False)
    rb = update("Poisson", ["lam"], "Gamma", ["a", "b"], "lam", data={"x": counts, "a": a, "b": b}, check=False)
    for k in ("shape", "rate"):
        assert abs(float(r2.numbers["parameters"][k]) - float(rb.numbers["parameters"][k])) < 1e-9
    # the evidence factorises: log p(X1) + log p(X2 | X1) = log p(X1, X2)
    e = float(r1.numbers["log_evidence"]) + float(r2.numbers["log_evidence"]) - float(rb.numbers["log_evidence"])
    assert abs(e) < 1e-8
