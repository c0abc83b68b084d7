"""Laws checked on random expressions (hypothesis): the generated numpy equals the independent
interpreter, and the derived gradient equals central differences of the function."""
from __future__ import annotations

import numpy as np
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matrix_cases import S, dim
from mfml_sym.matrix_calculus import gradient, numpy_function
from mfml_sym.matrix_calculus.evaluate import evaluate
from mfml_sym.numeric.finite_differences import central_difference

n = dim("n")
SQUARE = [sp.MatrixSymbol(c, n, n) for c in "ABC"]
X = sp.MatrixSymbol("X", n, n)
VEC = [sp.MatrixSymbol(c, n, 1) for c in "uv"]


def _square(draw, depth):
    """A random n x n expression in A, B, C and the variable X."""
    if depth <= 0:
        return draw(st.sampled_from(SQUARE + [X, X]))
    kind = draw(st.sampled_from(["leaf", "add", "mul", "T", "scale", "had", "tanh", "outer", "inv"]))
    sub = lambda: _square(draw, depth - 1)  # noqa: E731
    if kind == "leaf":
        return draw(st.sampled_from(SQUARE + [X]))
    if kind == "add":
        return sub() + sub()
    if kind == "mul":
        return sub() * sub()
    if kind == "T":
        return sub().T
    if kind == "scale":
        return draw(st.sampled_from([2, -1, sp.Rational(1, 2)])) * sub()
    if kind == "had":
        return sp.HadamardProduct(sub(), sub())
    if kind == "tanh":
        return sub().applyfunc(sp.tanh)
    if kind == "outer":
        u, v = draw(st.sampled_from(VEC)), draw(st.sampled_from(VEC))
        return sub() * u * v.T
    # an inverse that exists: 4 I + M Mᵀ/n-like (SPD) built from a sub-expression
    m = sub()
    return (4 * sp.Identity(n) + m * m.T).I


@st.composite
def scalar_functions(draw):
    e = _square(draw, draw(st.integers(1, 3)))
    u, v = VEC
    form = draw(st.sampled_from(["bilinear", "trace", "logdet"]))
    if form == "bilinear":
        return S(u.T * e * v)
    if form == "trace":
        return sp.Trace(e)
    return sp.log(sp.Determinant(4 * sp.Identity(n) + e * e.T))


def _values(gen, k=4):
    vals = {s: gen.standard_normal((k, k)) * 0.5 for s in SQUARE + [X]}
    vals.update({s: gen.standard_normal((k, 1)) for s in VEC})
    vals[n] = k
    return vals


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scalar_functions(), st.integers(0, 10_000))
def test_gradient_matches_central_differences(f, seed):
    gen = np.random.default_rng(seed)
    vals = _values(gen)
    G = gradient(f, X).result
    args = {s.name: s for s in SQUARE + [X] + VEC}
    fn = numpy_function(G, args)
    got = fn(**{name: (vals[s][:, 0] if s in VEC else vals[s]) for name, s in args.items()})

    def f_at(x):
        return float(evaluate(f, {**vals, X: x}))

    truth = central_difference(f_at, vals[X])
    scale = max(1.0, float(np.max(np.abs(truth))))
    assert float(np.max(np.abs(got - truth))) < 1e-6 * scale, (f, G)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), st.integers(0, 10_000))
def test_generated_numpy_equals_the_interpreter(data, seed):
    e = _square(data.draw, 3)
    gen = np.random.default_rng(seed)
    vals = _values(gen)
    args = {s.name: s for s in SQUARE + [X] + VEC}
    fn = numpy_function(e, args)
    got = fn(**{name: (vals[s][:, 0] if s in VEC else vals[s]) for name, s in args.items()})
    want = evaluate(e, vals)
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9)


x = sp.MatrixSymbol("x", n, 1)


def _vector(draw, depth):
    """A random n-vector expression in the variable x."""
    if depth <= 0:
        return draw(st.sampled_from([x, x, VEC[0]]))
    kind = draw(st.sampled_from(["mat", "add", "tanh", "sigmoid", "had", "scale", "leaf"]))
    sub = lambda: _vector(draw, depth - 1)  # noqa: E731
    if kind == "leaf":
        return x
    if kind == "mat":
        return draw(st.sampled_from(SQUARE)) * sub()
    if kind == "add":
        return sub() + sub()
    if kind == "tanh":
        return sub().applyfunc(sp.tanh)
    if kind == "sigmoid":
        from mfml_sym.matrix_calculus import sigmoid

        return sub().applyfunc(sigmoid)
    if kind == "had":
        return sp.HadamardProduct(sub(), sub())
    return draw(st.sampled_from([2, -1, sp.Rational(1, 3)])) * sub()


@st.composite
def vector_functions(draw):
    v = _vector(draw, draw(st.integers(1, 3)))
    if not v.has(x):
        v = v + x
    form = draw(st.sampled_from(["linear", "square", "log"]))
    if form == "linear":
        return S(VEC[1].T * v)
    if form == "square":
        return S(v.T * draw(st.sampled_from(SQUARE)) * v)
    return sp.log(1 + S(v.T * v))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(vector_functions(), st.integers(0, 10_000))
def test_hessian_of_a_vector_variable_matches_second_differences(f, seed):
    from mfml_sym.matrix_calculus import hessian

    gen = np.random.default_rng(seed)
    vals = _values(gen, k=3)
    x0 = gen.standard_normal(3)
    H = hessian(f, x).result
    args = {s.name: s for s in SQUARE + VEC + [x]}
    got = numpy_function(H, args)(**{name: (vals[s][:, 0] if s in VEC else x0 if s == x else vals[s])
                                     for name, s in args.items()})

    def f_at(v):
        return float(evaluate(f, {**vals, x: v.reshape(-1, 1)}))

    truth = central_difference(lambda v: central_difference(f_at, v, h=1e-3), x0, h=1e-3)
    scale = max(1.0, float(np.max(np.abs(truth))), abs(f_at(x0)))
    assert float(np.max(np.abs(got - truth))) < 1e-5 * scale, (f, H)
