"""Property tests: mutated corpus inputs raise nothing but MfmlError, quickly; printing and
parsing back is the identity on scalar expressions."""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent / "corpus"))
from notation_cases import ERRORS, MEANINGS, STATEMENTS  # noqa: E402

from mfml_sym.errors import MfmlError  # noqa: E402
from mfml_sym.notation import parse, parse_expression  # noqa: E402

EXAMPLES = Path("/work/shared/examples")
SEEDS = [c[2] for c in MEANINGS] + [c[1] for c in STATEMENTS] + [c[1] for c in ERRORS]
for name in ("calculus", "matrix_calculus", "lagrange", "posterior"):
    SEEDS += [c["latex"] for c in json.loads((EXAMPLES / f"{name}.json").read_text())["cases"]]
PIECES = ["{", "}", "(", ")", "[", "]", "|", r"\|", "^", "_", "=", r"\le", ",", r"\\", "&", r"\frac",
          r"\mathbf{x}", r"\top", r"\sum_{i=1}^{N}", r"\sim", r"\mid", "-", "+", "x", "2", r"\sin",
          r"\begin{bmatrix}", r"\end{bmatrix}", r"\text{s.t.}", r"\max_{x}", "'", ".", r"\left(", r"\right)",
          r"\int", "d", r"\partial", r"\nabla", "\n", ";", r"\quad", "%", r"\mathcal{N}", r"\in", r"\mathbb{R}^{n}"]


@st.composite
def mutated(draw):
    text = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 4))):
        pos = draw(st.integers(0, len(text)))
        op = draw(st.sampled_from(["insert", "delete", "replace"]))
        piece = draw(st.sampled_from(PIECES))
        if op == "insert":
            text = text[:pos] + piece + text[pos:]
        elif op == "delete":
            text = text[:pos] + text[pos + draw(st.integers(1, 6)):]
        else:
            text = text[:pos] + piece + text[pos + len(piece):]
    return text


def _parse_bounded(text: str) -> float:
    start = time.perf_counter()
    try:
        parse(text)
    except MfmlError as exc:
        assert exc.message
    return time.perf_counter() - start


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_inputs_raise_only_mfml_errors(text):
    assert _parse_bounded(text) < 2.0, text


@pytest.mark.slow
@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_inputs_long_run(text):
    assert _parse_bounded(text) < 2.0, text


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="xy12+-*/^_(){}[]|\\ab=,.'&", max_size=30))
def test_random_text_raises_only_mfml_errors(text):
    assert _parse_bounded(text) < 2.0, text


_x, _y, _z = sympy.symbols("x y z", real=True)
_atoms = st.sampled_from([_x, _y, _z, sympy.Integer(2), sympy.Integer(3), sympy.Rational(1, 2)])


def _expressions():
    return st.recursive(
        _atoms,
        lambda inner: st.one_of(
            st.tuples(inner, inner).map(lambda t: t[0] + t[1]),
            st.tuples(inner, inner).map(lambda t: t[0] * t[1]),
            st.tuples(inner, st.integers(2, 3)).map(lambda t: t[0] ** t[1]),
            inner.map(sympy.sin), inner.map(sympy.exp), inner.map(lambda e: sympy.log(e ** 2 + 1)),
            inner.map(lambda e: sympy.sqrt(e ** 2 + 1)), st.tuples(inner, inner).map(lambda t: t[0] / (t[1] ** 2 + 1)),
        ),
        max_leaves=6,
    )


@settings(max_examples=60, deadline=None)
@given(_expressions())
def test_sympy_latex_printer_round_trips(expr):
    """sympy's own LaTeX printer (independent of us) parses back to the same expression."""
    text = sympy.latex(expr)
    got = parse_expression(text)
    for point in ({_x: 0.3, _y: -1.1, _z: 0.7}, {_x: 1.7, _y: 0.4, _z: -0.9}):
        want = expr.subs(point).evalf(30)
        have = got.subs(point).evalf(30)
        assert abs(want - have) <= 1e-9 * max(1, abs(want)), (text, got)


@settings(max_examples=60, deadline=None)
@given(_expressions())
def test_our_latex_printer_round_trips(expr):
    """The project's printer (mfml_sym.render) prints LaTeX that parses back to the same value."""
    printer = pytest.importorskip("mfml_sym.render.latex_printer")
    text = printer.to_latex(expr)
    got = parse_expression(text)
    for point in ({_x: 0.3, _y: -1.1, _z: 0.7}, {_x: 1.7, _y: 0.4, _z: -0.9}):
        want = expr.subs(point).evalf(30)
        have = got.subs(point).evalf(30)
        assert abs(want - have) <= 1e-9 * max(1, abs(want)), (text, got)


MATRIX_ROUND_TRIP = [
    r"\mathbf{x}^\top A \mathbf{x}", r"\|\mathbf{y} - X\mathbf{w}\|^2 + \lambda \|\mathbf{w}\|^2",
    r"\operatorname{tr}(A X^{-1} B)", r"\log\det\Sigma", r"\sigma(W\mathbf{x} + \mathbf{b})",
    r"(\mathbf{x} - \boldsymbol{\mu})^\top \Sigma^{-1} (\mathbf{x} - \boldsymbol{\mu})",
    r"\tanh(W_1 \mathbf{x})", r"\operatorname{diag}(\mathbf{x}) A", r"\mathbf{x} \odot \mathbf{y}",
    r"A^\top B^{-1} C", r"\det(X)^{2}", r"\lambda I + X^\top X",
    r"\sum_{n=1}^{N} \log(1 + e^{\mathbf{x}_n^\top \mathbf{w}}) - y_n \mathbf{x}_n^\top \mathbf{w}",
]


@pytest.mark.parametrize("text", MATRIX_ROUND_TRIP)
def test_our_printer_round_trips_matrix_expressions(text):
    sys.path.insert(0, str(Path(__file__).parent / "corpus"))
    from notation_judge import same_meaning

    printer = pytest.importorskip("mfml_sym.render.latex_printer")
    expr = parse_expression(text)
    printed = printer.to_latex(expr)
    assert same_meaning(parse_expression(printed), expr), printed
