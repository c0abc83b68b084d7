"""The step-by-step differentiator: named rules, and each step follows from the previous one.

Each step is re-verified here independently of the engine's own check: both sides with their
pending derivatives evaluated by sympy, compared at random points with numpy.
"""
from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from mfml_sym.calculus import derive
from mfml_sym.calculus.steps import differentiate_stepwise

x, y = sp.symbols("x y", real=True)
g = sp.Function("g")

CASES = [
    (x**2 * y + sp.sin(x * y), x, ["sum rule", "power rule", "chain rule", "trigonometric rule"]),
    (sp.exp(x) / (1 + x**2), x, ["quotient rule", "exponential rule", "power rule"]),
    (x**3 * sp.log(x), x, ["product rule", "logarithm rule", "power rule"]),
    (sp.log(1 + sp.exp(-x)), x, ["logarithm rule", "chain rule", "exponential rule"]),
    (sp.sqrt(1 + x**2), x, ["power rule", "chain rule"]),
    (sp.atan(x * y), x, ["inverse trigonometric rule", "chain rule"]),
    (5 * sp.cos(x) ** 2, x, ["constant multiple rule", "power rule", "chain rule", "trigonometric rule"]),
    (x**x, x, ["logarithmic differentiation", "product rule"]),
    (2**x, x, ["exponential rule (a^u = e^{u ln a})"]),
    (sp.tanh(3 * x), x, ["hyperbolic rule", "chain rule"]),
    (y**2 + 7, x, ["constant rule"]),
]


def _value(e, point):
    return complex(e.doit().subs(point).evalf())


@pytest.mark.parametrize("f, v, rules", CASES)
def test_rules_are_named(f, v, rules):
    sd = differentiate_stepwise(f, v)
    used = sd.rules
    for rule in rules:
        assert rule in used, (rule, used)
    assert sp.simplify(sd.result - sp.diff(f, v)) == 0


@pytest.mark.parametrize("f, v, rules", CASES)
def test_each_step_follows_from_the_previous(f, v, rules):
    sd = differentiate_stepwise(f, v)
    gen = np.random.default_rng(4)
    previous = sp.Derivative(f, v)
    for step in sd.steps:
        for _ in range(3):
            point = {s: gen.uniform(0.3, 1.7) for s in (f.free_symbols | {x, y})}
            a, b = _value(previous, point), _value(step.expr, point)
            assert abs(a - b) <= 1e-9 * max(1, abs(a)), (previous, step.expr)
        assert step.checked is not False
        previous = step.expr
    assert not sd.result.atoms(sp.Derivative)


def test_unknown_function_keeps_its_derivative_and_the_chain_rule():
    sd = differentiate_stepwise(g(x**2), x)
    assert "chain rule" in sd.rules
    assert sp.simplify(sd.result - sp.diff(g(x**2), x)) == 0


def test_derivation_shows_the_steps_of_the_showcase():
    d = derive(x**2 * y + sp.sin(x * y), "gradient")
    rules = [s.rule for s in d.steps if hasattr(s, "rule")]
    assert rules[0] == "sum rule"
    assert "chain rule" in rules[1] and "power rule" in rules[1]
    assert "collect the partial derivatives" in " ".join(rules)
    latex = d.latex() if _renderer_available() else ""
    if latex:
        assert "sum rule" in latex


def test_no_steps_option_hides_the_steps():
    d = derive(x**2 * y, "gradient", steps=False)
    assert not [s for s in d.steps if hasattr(s, "rule")]
    assert d.check().passed


def _renderer_available() -> bool:
    try:
        import mfml_sym.render.derivation_latex  # noqa: F401
    except ImportError:
        return False
    return True


# -- property: for random compositions, the rules give the derivative finite differences see ------

from hypothesis import given, settings as hsettings, strategies as st  # noqa: E402

from mfml_sym.numeric.finite_differences import central_difference  # noqa: E402

_UNARY = [sp.sin, sp.cos, sp.exp, lambda u: sp.log(1 + u**2), lambda u: sp.sqrt(1 + u**2), sp.atan, sp.tanh]


def _expressions():
    leaves = st.sampled_from([x, y, sp.Integer(2), sp.Rational(1, 3), x * y])
    return st.recursive(
        leaves,
        lambda children: st.one_of(
            st.tuples(children, children).map(lambda ab: ab[0] + ab[1]),
            st.tuples(children, children).map(lambda ab: ab[0] * ab[1]),
            st.tuples(children, children).map(lambda ab: ab[0] / (2 + ab[1] ** 2)),
            st.tuples(children, st.integers(2, 3)).map(lambda ab: ab[0] ** ab[1]),
            st.tuples(st.sampled_from(_UNARY), children).map(lambda fu: fu[0](fu[1])),
        ),
        max_leaves=6,
    )


@hsettings(max_examples=40, deadline=None)
@given(f=_expressions(), a=st.floats(-1.5, 1.5), b=st.floats(-1.5, 1.5))
def test_stepwise_derivative_matches_finite_differences(f, a, b):
    sd = differentiate_stepwise(f, x, verify=False)
    fn = sp.lambdify([x, y], f, "numpy")
    dn = sp.lambdify([x, y], sd.result, "numpy")
    fd = central_difference(lambda v: fn(v[0], b), np.array([a]))[0]
    got = float(dn(a, b))
    assert abs(got - fd) <= 1e-6 * max(1.0, abs(fd))
