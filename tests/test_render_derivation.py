"""Derivation -> one aligned block (LaTeX) and plain text; everything renders in KaTeX and MathJax 3."""
from __future__ import annotations

import re

import pytest
import sympy as sp

from mfml_sym.derivation import CheckReport, Derivation
from mfml_sym.render.derivation_latex import derivation_to_latex, text_to_latex
from mfml_sym.render.derivation_text import derivation_to_text, latex_to_plain
from renderers import assert_renders, render

x, y = sp.symbols("x y", real=True)
f = sp.Function("f")

PASSED = CheckReport(True, "central differences", points=8, max_error=2.1e-10, tolerance=1e-6, what="gradient")
FAILED = CheckReport(False, "central differences", points=8, max_error=0.5, tolerance=1e-6, counterexample={"x": 0.7})


def showcase_gradient(report=PASSED) -> Derivation:
    """SHOWCASE.md §1 built by hand (the values are the known derivatives of x^2 y + sin(xy))."""
    d = Derivation("gradient of f")
    d.add_heading("Partial derivative in x")
    d.add_step(sp.Derivative(f(x, y), x), sp.Derivative(x**2 * y, x) + sp.Derivative(sp.sin(x * y), x), rule="sum rule")
    d.add_step(None, 2 * x * y + sp.cos(x * y) * sp.Derivative(x * y, x), rule="power rule; chain rule")
    d.add_step(None, 2 * x * y + y * sp.cos(x * y))
    d.add_step(r"\frac{\partial f}{\partial y}", x**2 + x * sp.cos(x * y), rule="(same steps)")
    d.add_result("gradient", sp.Matrix([2 * x * y + y * sp.cos(x * y), x**2 + x * sp.cos(x * y)]), label=r"\nabla f")
    d.add_result("hessian", sp.hessian(x**2 * y + sp.sin(x * y), (x, y)), label=r"\nabla^2 f")
    d.notes.append("read as: x, y real scalars")
    d.add_check(lambda: report)
    return d


def awkward() -> Derivation:
    """Rules, notes and warnings with every character that is special in TeX or not ASCII."""
    d = Derivation("awkward")
    d.add_step(x, 2 * x, rule=r"5% of a_b & {c} # ^ \ ~ < > | σ(u) ⊙ du — ≈ ∝ ∈ ℝ² ∇ ∂ ✓ é “q”", relation="≈")
    d.add_step(None, 3 * x, rule="inline LaTeX: $\\sigma'(u) = \\sigma(u)(1 - \\sigma(u))$", relation="<=")
    d.add_step(None, 4 * x, rule="d(X⁻¹) = -X⁻¹ dX X⁻¹; jacobian ∂F_I/∂X_J; x₁₂ Aᵀ; w in R^D x R^{N x D}")
    d.add_step(sp.Symbol("p"), sp.exp(x), relation="∝")
    d.add_result("stationary_points", [(0, 0), {"x": 1}], label=None)
    d.add_result("flag", True)
    d.add_result("_private", 1)
    d.warnings.append("x_1 < 0 when λ ≥ 1 (100% sure) & more")
    d.notes.append("Σ_{i} x_i — {set} \\ backslash; a lone $ sign")
    d.add_check(lambda: FAILED)
    return d


def several_checks() -> Derivation:
    d = Derivation("two checks")
    d.add_step(x, x)
    d.add_check(lambda: PASSED)
    d.add_check(lambda: FAILED)
    return d


def crashing_check() -> Derivation:
    d = Derivation("crash")
    d.add_result("value", x)
    d.add_check(lambda: 1 / 0)
    return d


def unchecked() -> Derivation:
    d = Derivation("no checks")
    d.add_result("value", x**2)
    return d


BUILDERS = [showcase_gradient, awkward, several_checks, crashing_check, unchecked, Derivation]


def test_one_aligned_block_with_rules_results_and_check():
    tex = derivation_to_latex(showcase_gradient())
    assert tex.startswith("\\begin{aligned}") and tex.endswith("\\end{aligned}")
    assert tex.count("\\begin{aligned}") == 1
    lines = tex.split(" \\\\\n")
    assert lines[1].startswith("&\\text{Partial derivative in x}") or "Partial derivative in x" in lines[0]
    assert r"\frac{\partial f}{\partial x} &= " in tex
    assert "&= 2 x y + y \\cos(x y)" in tex  # a continuation line
    assert "&& \\text{sum rule}" in tex
    assert "\\nabla f &= \\begin{bmatrix}" in tex
    assert tex.rstrip().endswith("\\ \\checkmark\n\\end{aligned}")
    assert "FAILED" not in tex


def test_steps_false_keeps_results_and_check_only():
    tex = derivation_to_latex(showcase_gradient(), steps=False)
    assert "sum rule" not in tex and "\\nabla f &=" in tex and "\\checkmark" in tex


def test_check_false_omits_the_check():
    assert "numeric check" not in derivation_to_latex(showcase_gradient(), check=False)


@pytest.mark.parametrize("builder", [awkward, several_checks, crashing_check])
def test_failed_checks_are_loud_and_never_ticked(builder):
    d = builder()
    tex, text = derivation_to_latex(d), derivation_to_text(d)
    check_part = tex[tex.index("numeric check"):]
    assert "FAILED" in check_part and "\\checkmark" not in check_part
    assert text[text.index("numeric check") - 2] == "✗"
    assert "✓ numeric" not in text and "passed" not in text.splitlines()[-1]


def test_unchecked_result_is_not_presented_as_checked():
    tex, text = derivation_to_latex(unchecked()), derivation_to_text(unchecked())
    assert "\\checkmark" not in tex and "passed" not in tex and "not checked numerically" in tex
    assert "✓" not in text and "not checked numerically" in text


def test_counterexample_is_shown():
    assert "x = 0.7" in derivation_to_text(awkward())
    assert "x = 0.7" in derivation_to_latex(awkward())


def test_text_layout_like_showcase():
    text = derivation_to_text(showcase_gradient())
    lines = text.splitlines()
    first = next(line for line in lines if line.startswith("∂f/∂x"))
    cont = next(line for line in lines if line.lstrip().startswith("= 2·x·y + cos"))
    assert first.index("=") == cont.index("=")  # continuation aligned under the first '='
    rule_cols = {line.index(rule) for line, rule in [(first, "sum rule"), (cont, "power rule")]}
    assert len(rule_cols) == 1  # rules in one column
    assert lines[-1].startswith("✓ numeric check (gradient): passed")
    assert "∇f" in text and "∇²f" in text.replace(" ", "") and "x²" in text


def test_private_results_are_hidden_and_python_values_printed():
    tex = derivation_to_latex(awkward())
    assert "private" not in tex
    assert "\\text{yes}" in tex and "\\text{stationary points}" in tex


@pytest.mark.parametrize(
    "text, expected",
    [
        ("sum rule", "\\text{sum rule}"),
        ("rel_err", "\\text{rel}\\_\\text{err}"),
        ("x_n = n-th row", "x_{n}\\text{ = n-th row}"),
        ("w in R^D; X in R^{N x D}", "\\text{w in R}^{D}\\text{; X in R}^{\\text{N x D}}"),
        ("5 ^ 2", "\\text{5 }{}^{\\wedge}\\text{ 2}"),
        ("d(X⁻¹)", "\\text{d(X}^{-1}\\text{)}"),
        ("∂F_I", "\\partial F_{I}"),
        ("costs $5", "\\text{costs }\\$\\text{5}"),
        ("50%", "\\text{50}\\%"),
        ("σ(u)", "\\sigma\\text{(u)}"),
        ("$x^2$ term", "{x^2}\\text{ term}"),
        ("", "\\text{}"),
    ],
)
def test_text_to_latex(text, expected):
    assert text_to_latex(text) == expected


@pytest.mark.parametrize(
    "tex, plain",
    [(r"\nabla_{\mathbf{w}} L", "∇_w L"), (r"\frac{\partial f}{\partial y}", "∂f/∂y"), (r"\hat{\theta}", "θ̂"),
     (r"\mathbf{x}^\top A \mathbf{x}", "xᵀ A x"), (r"\Sigma^{-1}", "Σ⁻¹")],
)
def test_latex_to_plain(tex, plain):
    assert latex_to_plain(tex) == plain


def test_every_derivation_renders_in_katex_and_mathjax():
    payloads = []
    for builder in BUILDERS:
        d = builder()
        payloads += [derivation_to_latex(d), derivation_to_latex(d, steps=False)]
        payloads.append(d._repr_mimebundle_()["text/latex"])
    assert_renders(payloads)


def test_rendering_is_not_vacuous():
    """The same payloads with a sympy default or a forbidden macro injected must fail."""
    good = derivation_to_latex(showcase_gradient())
    bad = [good.replace("\\checkmark", "\\bm{x}"), good.replace("\\text{sum rule}", "\\mbox{sum rule}"),
           good.replace("\\end{aligned}", "")]
    for tex, result in zip(bad, render(bad)):
        assert result["katex"] or result["mathjax"], tex


# -- what the engines produce ------------------------------------------------------------------
ENGINE_CASES = [
    ("derive", ("f(x, y) = x^2 y + \\sin(x y)", "gradient", "hessian")),
    ("derive", ("f(x) = \\log(1 + e^{-x})", "derivative")),
    ("derive", ("X \\in \\mathbb{R}^{N \\times D}, \\mathbf{y} \\in \\mathbb{R}^{N}\n"
                "L(\\mathbf{w}) = \\|\\mathbf{y} - X \\mathbf{w}\\|^2", "gradient")),
    ("lagrange", ("\\max_{x,y} x y \\quad \\text{s.t.} \\quad x^2 + y^2 = 1",)),
    ("posterior", ("x_i \\sim \\mathrm{Bernoulli}(\\theta), \\quad i = 1, \\dots, N\n\\theta \\sim \\mathrm{Beta}(\\alpha, \\beta)",)),
    ("posterior", ("x_i \\sim \\mathcal{N}(\\mu, \\sigma^2), \\quad i = 1, \\dots, N\n\\mu \\sim \\mathcal{N}(\\mu_0, \\sigma_0^2)",)),
]


@pytest.fixture(scope="module")
def engine_outputs():
    """Every engine case derived once and all payloads rendered in one node process."""
    import mfml_sym

    outputs = {}
    for k, (engine, args) in enumerate(ENGINE_CASES):
        try:
            d = getattr(mfml_sym, engine)(*args)
            outputs[k] = (d._repr_mimebundle_()["text/latex"], d.latex(steps=False), d.text())
        except Exception as exc:  # the engines' own tests own their crashes; here we test rendering
            outputs[k] = f"{engine} could not derive this input (engine's concern): {type(exc).__name__}: {exc}"
    render([s for out in outputs.values() if isinstance(out, tuple) for s in out[:2]])  # one batch, cached
    return outputs


@pytest.mark.parametrize("k", range(len(ENGINE_CASES)), ids=[f"{e}-{i}" for i, (e, _) in enumerate(ENGINE_CASES)])
def test_engine_output_renders(engine_outputs, k):
    out = engine_outputs[k]
    if isinstance(out, str):
        pytest.skip(out)
    payload, results_only, text = out
    assert payload.startswith("$\\displaystyle \\begin{aligned}") and payload.endswith("\\end{aligned}$")
    assert_renders([payload, results_only])
    assert re.search(r"^(✓|✗|not checked)", text.splitlines()[-1])


@pytest.mark.parametrize("module", ["latex_printer", "text_printer", "derivation_latex", "derivation_text", "export"])
def test_docstring_examples(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(f"mfml_sym.render.{module}"))
    assert result.attempted > 0 and result.failed == 0


def long_matrix_derivation(steps: int = 40) -> Derivation:
    """Longer than MathJax 2's 5 KB macro buffer, full of \\mathbf, \\mathrm and \\mathcal."""
    n = sp.Symbol("n", integer=True, positive=True)
    w, X, S = sp.MatrixSymbol("w", n, 1), sp.MatrixSymbol("X", n, n), sp.MatrixSymbol("Sigma", n, n)
    d = Derivation("long")
    for k in range(steps):
        d.add_step(r"\mathrm{d} L_{%d}" % k, (k + 1) * w.T * X.T * S.inv() * X * w,
                   rule=r"rule $\mathcal{N}(\mathbf{x} \mid \boldsymbol{\mu}, \Sigma)$ \ne ℝ")
    d.add_check(lambda: PASSED)
    return d


def test_long_derivations_render_in_mathjax2():
    tex = derivation_to_latex(long_matrix_derivation())
    assert len(tex) > 5120 and "\\mathbf" not in tex and "{\\bf w}" in tex
    assert_renders([tex, "$\\displaystyle " + tex + "$"])


def test_short_derivations_keep_the_book_macros():
    tex = derivation_to_latex(long_matrix_derivation(steps=2))
    assert "\\mathbf{w}" in tex and "{\\bf" not in tex


def test_a_very_wide_line_moves_rules_next_to_their_equations():
    """A Hessian-wide line would push an aligned rule column off the page (seen in the PDF)."""
    import sympy as sp

    from mfml_sym.derivation import Derivation

    x = sp.Symbol("x", real=True)
    narrow = Derivation("narrow")
    narrow.add_step(sp.Derivative(x**2, x), 2 * x, rule="power rule")
    assert "&& \\text{power rule}" in narrow.latex()
    wide = Derivation("wide")
    wide.add_step(sp.Derivative(x**2, x), 2 * x, rule="power rule")
    wide.add_step(None, sp.Add(*[sp.sin(k * x) * sp.exp(x / k) for k in range(1, 12)]), rule="sum rule")
    tex = wide.latex()
    assert "&&" not in tex and "\\qquad \\text{power rule}" in tex
