"""Every case of examples/posterior.json: family, parameters, mean, mode, predictive, evidence.

Truth is the case's own closed forms (``definitions``/``expected``) evaluated with the case's
numpy ``summaries`` on random data in the likelihood's support and randomly perturbed
hyperparameters; ours comes from ``posterior(...)`` with the same data.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
from scipy.special import gammaln

from mfml_sym.bayes import posterior

CASES = json.loads((Path(__file__).resolve().parents[2] / "shared/examples/posterior.json").read_text())["cases"] \
    if (Path(__file__).resolve().parents[2] / "shared/examples/posterior.json").exists() else \
    json.loads(Path("/work/shared/examples/posterior.json").read_text())["cases"]
CONJUGATE = [c for c in CASES if c["conjugate"]]
NONCONJUGATE = [c for c in CASES if not c["conjugate"]]
FUNCS = {"loggamma": sp.loggamma, "log": sp.log, "Max": sp.Max, "Min": sp.Min, "pi": sp.pi, "sqrt": sp.sqrt,
         "Piecewise": sp.Piecewise, "exp": sp.exp, "ones": sp.ones, "zeros": sp.zeros, "eye": sp.eye,
         "multigamma": sp.multigamma, "True": True}


def simulate(case, rng, known):
    st = case["structured"]
    sup = st["data"]["support"]
    n = case["check_config"].get("n", 10)
    if st["data"]["kind"] == "iid_label":
        return rng.integers(0, known["K"], n)
    if st["data"]["kind"] == "iid_count_vector":
        return rng.multinomial(known["M"], np.ones(known["K"]) / known["K"], n)
    if sup == "{0,1}":
        return rng.integers(0, 2, n).astype(float)
    if sup.startswith("{0.."):
        return rng.integers(0, int(known["N"]) + 1, n).astype(float)
    if sup == "{0,1,...}":
        return rng.poisson(3.0, n).astype(float)
    if sup == "(0, theta)":
        return rng.uniform(0, case["check_config"]["true"]["theta"], n)
    if sup.startswith("(0"):
        return rng.gamma(2.0, 1.0, n)
    return rng.normal(0.5, 1.5, n)


def evaluate(case, text, env):
    if text is None:
        return None
    return sp.parse_expr(str(text), local_dict={**FUNCS, **env})


def setup(case, seed):
    rng = np.random.default_rng(seed)
    cfg = case["check_config"]
    hyper = {k: (np.array(v) * rng.uniform(0.8, 1.25) if isinstance(v, list) else v * rng.uniform(0.8, 1.25))
             for k, v in cfg["hyper"].items()}
    known = dict(cfg["known"])
    x = simulate(case, rng, known)
    ns = {"np": np, "gammaln": gammaln, "x": x, **known}
    summ = {k: eval(v["numpy"], ns) for k, v in case["summaries"].items()}
    env = {k: (sp.Matrix(v) if isinstance(v, np.ndarray) else sp.Float(v) if isinstance(v, float) else sp.S(v))
           for k, v in {**hyper, **known, **summ}.items()}
    for k, v in case.get("definitions", {}).items():
        env[k] = evaluate(case, v, env)
    return hyper, known, x, env


def close(a, b, tol=1e-8):
    a, b = complex(sp.N(a)), complex(sp.N(b))
    return abs(a - b) <= tol * max(1.0, abs(b))


@pytest.mark.parametrize("case", [c for c in CONJUGATE if c["structured"]["unknown"][0]["shape"] == "scalar"],
                         ids=lambda c: c["id"])
@pytest.mark.parametrize("seed", [1, 2])
def test_conjugate_case(case, seed):
    hyper, known, x, env = setup(case, seed)
    r = posterior(case, data={"x": x, **hyper, **known}, check=False)
    assert r.conjugate is True
    exp = case["expected"]
    assert r.family == exp["posterior"]["family"]
    subs = r.numbers["substitutions"]
    for name, text in exp["posterior"]["params"].items():
        assert close(sp.sympify(r.parameter(name)).subs(subs), evaluate(case, text, env)), name
    unknown = case["structured"]["unknown"]
    for what, mine in (("posterior_mean", r.mean), ("posterior_mode", r.mode)):
        for name, text in exp[what].items():
            value = mine[name] if isinstance(mine, dict) else mine
            assert close(sp.sympify(value).subs(subs), evaluate(case, text, env)), (what, name)
    assert close(r.log_evidence.subs(subs), evaluate(case, exp["log_marginal_likelihood"], env))
    pred = exp["posterior_predictive"]
    assert r.predictive["family"] == pred["family"]
    xn = r.predictive["variable"]
    for xv in case["check_config"]["x_new"]:
        want = evaluate(case, pred["logpdf"], {**env, "x_new": sp.S(xv)})
        assert close(r.predictive["logpdf"].subs(subs).subs(xn, xv), want), xv
    if pred["params"]:
        for name, text in pred["params"].items():
            assert close(sp.sympify(r.predictive["params"][name]).subs(subs), evaluate(case, text, env)), name
    assert len(unknown) == len(r.unknowns)


@pytest.mark.parametrize("case", [c for c in CONJUGATE if c["structured"]["unknown"][0]["shape"] == "scalar"],
                         ids=lambda c: c["id"])
def test_conjugate_case_numeric_check_passes(case):
    r = posterior(case)
    report = r.check()
    assert report.passed, report.details


@pytest.mark.parametrize("case", NONCONJUGATE, ids=lambda c: c["id"])
def test_nonconjugate_flagged(case):
    r = posterior(case, check=False)
    assert r.conjugate is False
    assert r.family is None
    assert "not conjugate" in r.reason
    assert r.log_posterior is not None and r.gradient is not None
    if case["structured"]["unknown"][0]["shape"] == "scalar":
        assert r.check().passed  # gradient formula against finite differences


@pytest.mark.parametrize("case", [c for c in CONJUGATE if c["structured"]["unknown"][0]["shape"] != "scalar"],
                         ids=lambda c: c["id"])
def test_vector_case(case):
    hyper, known, x, env = setup(case, 3)
    r = posterior(case, data={"x": x, **{k: list(v) for k, v in hyper.items()}, **known})
    exp = case["expected"]
    assert r.conjugate and r.family == exp["posterior"]["family"]
    got = sp.Matrix(r.numbers["parameters"]["alpha"])
    want = evaluate(case, exp["posterior"]["params"]["alpha"], env)
    assert all(close(a, b) for a, b in zip(got, want))
    for what, mine in (("posterior_mean", "mean"), ("posterior_mode", "mode")):
        want = evaluate(case, exp[what]["theta"], env)
        assert all(close(a, b) for a, b in zip(r.numbers[mine], want)), what
    assert close(r.numbers["log_evidence"], evaluate(case, exp["log_marginal_likelihood"], env))
    assert r.predictive["family"] == exp["posterior_predictive"]["family"]
    assert r.check().passed


# text level: the `latex` of each case, through mfml_sym.parse
@pytest.mark.parametrize("case", CASES, ids=lambda c: c["id"])
def test_text_case(case):
    r = posterior(case["latex"], check=False)
    assert r.conjugate == case["conjugate"]
    if case["conjugate"]:
        assert r.family == case["expected"]["posterior"]["family"]
        assert set(case["expected"]["posterior"]["params"]) <= set(r.parameters)


ALIASES = {"Beta": {"a": "alpha", "b": "beta"}, "Gamma": {"shape": "alpha", "rate": "beta"},
           "InverseGamma": {"shape": "alpha", "scale": "beta"}, "Normal": {"mean": "mu", "var": "sigma2"},
           "Pareto": {"scale": "x_m", "shape": "alpha"}, "Poisson": {"rate": "lambda"}, "Binomial": {"N": "n", "p": "theta"}}


@pytest.mark.parametrize("case", [c for c in CONJUGATE if c["structured"]["unknown"][0]["shape"] == "scalar"],
                         ids=lambda c: c["id"])
def test_other_parameter_names_give_the_same_posterior(case):
    import copy

    spec = copy.deepcopy(case["structured"])
    for part in [spec["likelihood"]] + ([spec["prior"]] if isinstance(spec["prior"], dict) else spec["prior"]):
        alias = ALIASES.get(part["family"], {})
        part["params"] = {alias.get(k, k): v for k, v in part["params"].items()}
    a, b = posterior(case, check=False), posterior(spec, check=False)
    assert a.family == b.family

    def plain(e):  # by name: 'beta', 'N' are plain symbols here
        import re
        return sp.parse_expr(str(e), local_dict={w: sp.Symbol(w) for w in re.findall(r"[A-Za-z_]\w*", str(e))
                                                 if w not in ("Max", "Min", "log", "exp")})
    for k, v in a.parameters.items():
        assert sp.simplify(plain(v) - plain(b.parameters[k])) == 0, k
