"""The examples' LaTeX, read by the notation layer, solved by %%lagrange's engine: same answers.

Parameter names as the notation reads them (``\\sigma_1`` -> ``sigma_1``) are mapped to the
examples' names; values are compared at random parameter values from the examples' boxes.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

import mfml_sym as ms

EXAMPLES = Path("/work/shared/examples/lagrange.json")
CASES = json.loads(EXAMPLES.read_text())["cases"]
RENAMED = {"sigma_1": "s1", "sigma_2": "s2"}

_SOLVED: dict = {}


def solved(case):
    if case["id"] not in _SOLVED:
        _SOLVED[case["id"]] = ms.lagrange(case["latex"], check=False)  # the check runs in its own test
    return _SOLVED[case["id"]]


def expected_symbols(case):
    spec = case["problem"]
    local = {p["name"]: sp.Symbol(p["name"], **{a: True for a in p["assumptions"]}) for p in spec["parameters"]}
    ranges = {p["name"]: p["sample_range"] for p in spec["parameters"]}
    return local, ranges


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_text_gives_the_expected_answer(case):
    res = solved(case)
    exp = case["expected"]
    assert res.status == exp["status"], res.warnings
    assert len(res.optimal_points) == len(exp["optimal_points"])
    if exp["optimal_value"] in ("oo", "-oo"):
        assert res.optimal_value == sp.sympify(exp["optimal_value"])
        return
    local, ranges = expected_symbols(case)
    want = sp.sympify(exp["optimal_value"], locals=local)
    got = sp.sympify(res.optimal_value)
    gen = np.random.default_rng(3)
    conds = [sp.sympify(c, locals=local) for c in case["problem"]["parameter_conditions"]]
    checked = 0
    while checked < 3:
        vals = {n: float(gen.uniform(*r)) for n, r in ranges.items()}
        if not all(bool(c.subs({local[k]: v for k, v in vals.items()})) for c in conds):
            continue
        w = float(sp.N(want.subs({local[k]: v for k, v in vals.items()})))
        g = float(sp.N(got.subs({s: vals[RENAMED.get(s.name, s.name)] for s in got.free_symbols})))
        assert abs(g - w) <= 1e-8 * (1 + abs(w))
        checked += 1
        if not ranges:
            break


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_text_result_checks_numerically(case):
    res = solved(case)
    assert res.check().passed, res.check().summary()
