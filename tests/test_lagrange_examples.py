"""Every case of the public ../shared/examples/lagrange.json: status, value, points, multipliers, diagnosis.

The problems are built here from the JSON ``problem`` field with sympify (independently of the
engine's own dict reader); expected answers are compared numerically at random parameter values
that satisfy the stated assumptions. Multipliers follow the examples' convention (minimisation
form, MML sec. 7.2), the same as the engine's.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from mfml_sym.optimize import solve_problem

EXAMPLES = Path(__file__).resolve().parents[2] / "shared" / "examples" / "lagrange.json"
if not EXAMPLES.exists():  # the repository may live elsewhere; fall back to the shared folder
    EXAMPLES = Path("/work/shared/examples/lagrange.json")
CASES = json.loads(EXAMPLES.read_text())["cases"]


def build(case):
    spec = case["problem"]
    local, params, ranges = {}, [], {}
    for p in spec.get("parameters", []):
        s = sp.Symbol(p["name"], **{a: True for a in p["assumptions"]})
        local[p["name"]] = s
        params.append(s)
        ranges[s] = p["sample_range"]
    variables, domains = [], {}
    for v in spec["variables"]:
        s = sp.Symbol(v["name"], real=True)
        local[v["name"]] = s
        variables.append(s)
        domains[s] = v["domain"]
    read = lambda t: sp.sympify(t, locals=local)  # noqa: E731
    problem = dict(
        sense=spec["sense"], objective=read(spec["objective"]), variables=variables,
        equalities=[read(e) for e in spec.get("equalities", [])],
        inequalities=[read(g) for g in spec.get("inequalities", [])],
        parameters={s: ranges[s] for s in params}, domains=domains,
        parameter_conditions=[read(c) for c in spec.get("parameter_conditions", [])],
    )
    return problem, local, ranges


def samples(case, local, ranges, count=3):
    gen = np.random.default_rng(1234)
    conds = [sp.sympify(c, locals=local) for c in case["problem"].get("parameter_conditions", [])]
    out = []
    while len(out) < count:
        vals = {s: float(gen.uniform(*r)) for s, r in ranges.items()}
        if all(bool(c.subs(vals)) for c in conds):
            out.append(vals)
    return out or [{}]


def num(expr, vals) -> float:
    return float(sp.N(sp.sympify(expr).subs(vals)))


def close(a, b, tol=1e-7) -> bool:
    return abs(a - b) <= tol * (1 + abs(b))


_RESULTS: dict = {}


def solved(case):
    if case["id"] not in _RESULTS:
        problem, local, ranges = build(case)
        _RESULTS[case["id"]] = (solve_problem(**problem), local, ranges)
    return _RESULTS[case["id"]]


IDS = [c["id"] for c in CASES]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_status(case):
    res, _, _ = solved(case)
    assert res.status == case["expected"]["status"], res.warnings


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_optimal_value(case):
    res, local, ranges = solved(case)
    expected = case["expected"]["optimal_value"]
    if expected in ("oo", "-oo"):
        assert res.optimal_value == sp.sympify(expected)
        return
    for vals in samples(case, local, ranges):
        assert close(num(res.optimal_value, vals), num(sp.sympify(expected, locals=local), vals))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_optimal_points_and_multipliers(case):
    res, local, ranges = solved(case)
    expected = case["expected"]["optimal_points"]
    assert len(res.optimal_points) == len(expected)
    names = [v["name"] for v in case["problem"]["variables"]]
    for vals in samples(case, local, ranges):
        got = [(np.array([num(c.point[n], vals) for n in names]), c) for c in res.optimal_points]
        for e in expected:
            want = np.array([num(sp.sympify(e["point"][n], locals=local), vals) for n in names])
            match = [c for x, c in got if np.allclose(x, want, rtol=1e-7, atol=1e-9)]
            assert len(match) == 1, (want, got)
            cand = match[0]
            if e["multipliers"] is None:
                assert cand.multipliers is None
                continue
            lists = cand.multiplier_lists(res.problem)
            for key in ("lam", "mu"):
                exp_vals = [num(sp.sympify(v, locals=local), vals) for v in e["multipliers"][key]]
                got_vals = [num(v, vals) for v in lists[key]]
                assert np.allclose(got_vals, exp_vals, rtol=1e-7, atol=1e-9), (key, got_vals, exp_vals)


@pytest.mark.parametrize("case", [c for c in CASES if c["expected"].get("stationary_points", {}).get("complete")],
                         ids=lambda c: c["id"])
def test_every_stationary_point_found(case):
    res, local, ranges = solved(case)
    names = [v["name"] for v in case["problem"]["variables"]]
    expected = case["expected"]["stationary_points"]["points"]
    kkt = [c for c in res.candidates if c.source == "kkt"]
    assert len(kkt) == len(expected)
    kinds = {"global max": "maximum", "local max": "maximum", "global min": "minimum", "local min": "minimum",
             "saddle": "saddle"}
    for e in expected:
        want = np.array([num(sp.sympify(e["point"][n], locals=local), {}) for n in names])
        match = [c for c in kkt if np.allclose([num(c.point[n], {}) for n in names], want, atol=1e-9)]
        assert len(match) == 1
        assert close(num(match[0].value, {}), num(sp.sympify(e["value"]), {}))
        assert match[0].kind == kinds[e["type"]]


@pytest.mark.parametrize("case", [c for c in CASES if c["expected"]["status"] == "unbounded"], ids=lambda c: c["id"])
def test_unbounded_certificate_is_a_feasible_path(case):
    res, local, _ = solved(case)
    assert any("unbounded" in w for w in res.warnings)
    cert = res.certificate
    t = cert["parameter"]
    path = {local[k]: sp.sympify(v) for k, v in cert["path"].items()}
    prob, _, _ = build(case)
    for h in prob["equalities"]:
        assert sp.simplify(h.subs(path)) == 0
    f = prob["objective"].subs(path)
    target = -sp.oo if prob["sense"] == "min" else sp.oo
    assert sp.limit(f, t, sp.oo) == target


def test_pathological_warnings():
    two_disks = next(c for c in CASES if c["id"] == "path_two_disks_slater_fails")
    res, _, _ = solved(two_disks)
    text = " ".join(res.warnings)
    assert "LICQ" in text and "Slater" in text
    assert res.optimum.multipliers is None


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_numeric_check_passes(case):
    res, _, _ = solved(case)
    report = res.check()
    assert report.passed, report.summary()
    assert not any("FAILED" in w for w in res.warnings)


def test_least_norm_dual_function():
    case = next(c for c in CASES if c["id"] == "eq_least_norm_two_constraints")
    res, _, _ = solved(case)
    dual = case["expected"]["dual"]
    assert res.dual is not None
    l1, l2 = sp.symbols("l1 l2")
    g_exp = sp.sympify(dual["dual_function"], locals={"l1": l1, "l2": l2})
    lam = res.dual["variables"]
    for pt in dual["check_points"]:
        vals = {l1: sp.sympify(pt["l1"]), l2: sp.sympify(pt["l2"])}
        got = res.dual["function"].subs({lam[0]: vals[l1], lam[1]: vals[l2]})
        assert sp.simplify(got - g_exp.subs(vals)) == 0
    assert sp.simplify(res.dual["value"] - sp.sympify(dual["dual_optimal_value"])) == 0
    assert math.isclose(float(res.dual["value"]), float(res.optimal_value))
