"""The public examples (/work/shared/examples) through the notation front end.

notation.json: each snippet's intended sympy meaning (structural, simplify or numeric).
calculus / matrix_calculus: the parsed definition, evaluated at random inputs, against the
case's own numpy function ``f_numpy`` (independent truth). lagrange: the parsed objective and
constraints against the case's structured problem, numerically. posterior: the families.
"""
from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest
import sympy
from sympy import MatrixSymbol

sys.path.insert(0, str(Path(__file__).parent / "corpus"))
from notation_judge import load, namespace, same_meaning  # noqa: E402

from mfml_sym.errors import MfmlError  # noqa: E402
from mfml_sym.notation import parse, parse_expression  # noqa: E402
from mfml_sym.problem import Definition, Distribution  # noqa: E402

NOTATION = load("notation")
NS = namespace(NOTATION)
AUTO = [c for c in NOTATION["snippets"] if c["judge"] == "auto"]
RULE = [c for c in NOTATION["snippets"] if c["judge"] == "rule"]


@pytest.mark.parametrize("case", AUTO, ids=[c["id"] for c in AUTO])
def test_notation_snippet_meaning(case):
    got = parse_expression(case["latex"])
    intended = eval(case["intended"], dict(NS))  # noqa: S307 - public example data
    assert same_meaning(got, intended), f"{case['latex']!r} read as {got}, intended {intended}"


@pytest.mark.parametrize("case", RULE, ids=[c["id"] for c in RULE])
def test_notation_snippet_rule(case):
    """Rule cases: the rule holds, or (rule False: not judged automatically) a clear error or a result."""
    try:
        got = parse_expression(case["latex"])
    except MfmlError as exc:
        assert case["rule"] == "False", f"{case['id']}: {exc}"
        assert exc.line is not None and exc.column is not None
        return
    if case["rule"] != "False":
        assert eval(case["rule"], {**NS, "R": got, "srepr": sympy.srepr})  # noqa: S307


# ---------------------------------------------------------------- numeric evaluation helpers
ALIASES = {"phi": "varphi", "lam": "lambda", "W1": "W_1", "W2": "W_2", "s1": "sigma_1", "s2": "sigma_2"}


def draw(spec, dims, rng):
    shape = tuple(dims[d] if isinstance(d, str) else d for d in spec["shape"])
    kind = spec["kind"]
    if kind == "positive":
        return np.abs(rng.standard_normal(shape)) + 0.5
    if kind == "wellcond":
        n = shape[0]
        return 2 * np.eye(n) + 0.5 * rng.standard_normal(shape) / np.sqrt(n)
    if kind == "symmetric":
        m = rng.standard_normal(shape)
        return (m + m.T) / 2
    if kind == "binary":
        return (rng.random(shape) < 0.5).astype(float)
    if kind == "prob":
        e = np.exp(rng.standard_normal(shape))
        return e / e.sum()
    return rng.standard_normal(shape)


def evaluate(expr, values: dict):
    """expr at numeric values given by name (vectors 1-D arrays, matrices 2-D)."""
    values = {ALIASES.get(k, k): v for k, v in values.items()}
    rep = {}
    dims = {}
    for M in expr.atoms(MatrixSymbol):
        v = np.asarray(values[M.name], dtype=float)
        v = v.reshape(-1, 1) if v.ndim == 1 else v
        for d, size in zip(M.shape, v.shape):
            if isinstance(d, sympy.Symbol):
                dims[d] = size
    e = expr.xreplace({d: sympy.Integer(s) for d, s in dims.items()})
    for M in e.atoms(MatrixSymbol):
        v = np.asarray(values[M.name], dtype=float)
        v = v.reshape(-1, 1) if v.ndim == 1 else v
        rep[M] = sympy.ImmutableMatrix(v.tolist())
    for s in e.free_symbols:
        if isinstance(s, sympy.Symbol) and s.name in values:
            rep[s] = sympy.Float(float(values[s.name]))
    t = sympy.Symbol("t")
    # the convention: an undefined sigma is the logistic sigmoid
    e = e.xreplace(rep).replace(sympy.Function("sigma"), sympy.Lambda(t, 1 / (1 + sympy.exp(-t)))).doit()
    if isinstance(e, (sympy.MatrixBase, sympy.MatrixExpr)):
        return np.array(sympy.N(sympy.ImmutableMatrix(e)).tolist(), dtype=float).squeeze()
    return float(sympy.N(e))


def numpy_ns():
    ns = {}
    exec(load("calculus")["numpy_preamble"], ns)  # noqa: S102 - public example preamble
    return ns


FUNCTION_CASES = [c for f in ("calculus", "matrix_calculus") for c in load(f)["cases"]]


@pytest.mark.parametrize("case", FUNCTION_CASES, ids=[c["id"] for c in FUNCTION_CASES])
def test_function_definition_matches_numpy(case):
    problem = parse(case["latex"])
    definition = next(s for s in problem.statements if isinstance(s, Definition))
    expr = definition.expr
    for sub in problem.substitutions:  # chain-rule cells: h(t) with x_1 = t cos t
        expr = expr.subs(sub.target, sub.expr)
    f = eval(case["f_numpy"], numpy_ns())  # noqa: S307 - public example data
    rng = np.random.default_rng(7)
    for _ in range(2):
        inputs = {k: draw(v, case["dims"], rng) for k, v in case["inputs"].items()}
        want = np.asarray(f(**inputs), dtype=float)
        got = np.asarray(evaluate(expr, inputs), dtype=float)
        np.testing.assert_allclose(got, want.squeeze(), rtol=1e-9, atol=1e-9)


def test_points_of_taylor_cases():
    for case in load("calculus")["cases"]:
        if "point" in case:
            problem = parse(case["latex"])
            (point,) = problem.points
            got = {str(k): float(v) for k, v in point.values.items()}
            assert got == case["point"]


def test_chain_rule_case_has_substitutions():
    case = next(c for c in load("calculus")["cases"] if c["id"] == "mml_ex5_10_chain_h")
    p = parse(case["latex"])
    assert [str(s.target) for s in p.substitutions] == ["x_1", "x_2"]
    assert p.definitions[0].name == "h" and [str(a) for a in p.definitions[0].args] == ["t"]


# ---------------------------------------------------------------- lagrange
LAGRANGE = load("lagrange")["cases"]


def _flat_variables(problem):
    out = []
    for v in problem.objective.variables:
        if isinstance(v, MatrixSymbol):
            if not v.shape[0].is_Integer:
                return None
            out.extend(v[i, 0] for i in range(int(v.shape[0])))
        else:
            out.append(v)
    return out


def _data(problem):
    rep = {}
    for d in problem.data:
        if d.target is None:
            continue
        value = d.value
        if isinstance(value, sympy.Tuple):
            value = sympy.ImmutableMatrix([[x] for x in value])
        rep[d.target] = value
    return rep


def _instantiate(expr, data, names):
    e = expr.xreplace(data).doit() if data else expr.doit()
    return e.xreplace(names)


@pytest.mark.parametrize("case", LAGRANGE, ids=[c["id"] for c in LAGRANGE])
def test_lagrange_problem_matches_structured(case):
    problem = parse(case["latex"])
    spec = case["problem"]
    assert problem.objective is not None and problem.objective.sense == spec["sense"]
    flat = _flat_variables(problem)
    if flat is None or len(flat) != len(spec["variables"]):
        pytest.skip("variables given by data (symbolic dimension): checked by the optimiser's tests")
    rng = np.random.default_rng(3)
    data = _data(problem)
    params = {p["name"]: p for p in spec.get("parameters", [])}
    for _ in range(3):
        point = {v["name"]: rng.uniform(0.2, 1.5) for v in spec["variables"]}
        pvals = {name: rng.uniform(*p["sample_range"]) for name, p in params.items()}
        names = {}
        for sym, v in zip(flat, spec["variables"]):
            names[sym] = point[v["name"]]
        free = set().union(*[getattr(s, "free_symbols", set()) for s in [problem.objective.expr]])
        for s in problem.symbols.values():
            key = next((k for k in pvals if ALIASES.get(k, k) == s.name), None)
            if key is not None:
                names[s.symbol] = pvals[key]
            elif s.kind == "vector" and s.symbol not in problem.objective.variables and f"{s.name}1" in pvals:
                # a vector parameter a written entrywise a1, a2, ... in the structured form
                data[s.symbol] = sympy.ImmutableMatrix([[pvals[f"{s.name}{i + 1}"]] for i in range(int(s.shape[0]))])
        env = {**{k: sympy.Float(x) for k, x in point.items()}, **{k: sympy.Float(x) for k, x in pvals.items()}}
        want = float(sympy.sympify(spec["objective"], locals=env))
        got = float(_instantiate(problem.objective.expr, data, names))
        assert math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-9)
        # every structured equality / inequality is one of the parsed constraints
        rels = [c.relation for c in problem.constraints]
        for kind, items in (("eq", spec.get("equalities", [])), ("ineq", spec.get("inequalities", []))):
            for h in items:
                hv = float(sympy.sympify(h, locals=env))
                found = False
                for r in rels:
                    if (kind == "eq") != isinstance(r, sympy.Equality):
                        continue
                    g = r.lhs - r.rhs if isinstance(r, (sympy.Equality, sympy.LessThan, sympy.StrictLessThan)) else r.rhs - r.lhs
                    gv = float(_instantiate(g, data, names))
                    if kind == "eq" and (math.isclose(gv, hv, rel_tol=1e-9, abs_tol=1e-12) or math.isclose(gv, -hv, rel_tol=1e-9, abs_tol=1e-12)):
                        found = True
                    if kind == "ineq" and math.isclose(gv, hv, rel_tol=1e-9, abs_tol=1e-12):
                        found = True
                assert found, f"constraint {h} not found among {rels}"


# ---------------------------------------------------------------- posterior
POSTERIOR = load("posterior")["cases"]
FAMILY_ALIASES = {"GeometricFailures": "Geometric", "WeibullTheta": "Weibull",
                  "BernoulliLogitLinear": "Bernoulli"}


@pytest.mark.parametrize("case", POSTERIOR, ids=[c["id"] for c in POSTERIOR])
def test_posterior_families(case):
    problem = parse(case["latex"])
    dists = [s for s in problem.statements if isinstance(s, Distribution)]
    assert dists, case["latex"]
    likelihood = case["structured"]["likelihood"]["family"]
    assert dists[0].family == FAMILY_ALIASES.get(likelihood, likelihood)
    assert dists[0].index is not None  # x_i: i.i.d. data
    prior = case["structured"]["prior"]["family"]
    families = [d.family for d in dists[1:]]
    if prior == "NormalInverseGamma":
        assert families == ["Normal", "InverseGamma"] and dists[1].given
    else:
        assert families == [prior]
        written = str(dists[1].variable).replace("**2", "2").replace("_", "").replace("lambda", "lam")
        over = case["structured"]["prior"]["over"][0].replace("_", "")
        assert written == over or prior in ("Dirichlet", "MultivariateNormal")
