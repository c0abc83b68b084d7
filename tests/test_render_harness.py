"""The node render harness (KaTeX 0.16 strict, MathJax 3, MathJax 2) really checks: known-bad LaTeX
fails, the constructs we rely on pass."""
from __future__ import annotations

import pytest

from renderers import failures, lint, render

GOOD = [
    r"\boldsymbol{\mu}^\top \Sigma^{-1} \mathbf{x}",
    r"\operatorname{tr}(A) + \det(A) + \operatorname{diag}(\mathbf{w})",
    r"\begin{aligned} f &= x && \text{rule} \\ &\text{numeric check: passed}\ \checkmark \end{aligned}",
    r"\begin{bmatrix}1 & x \\ 2 & 3\end{bmatrix} \odot \mathbf{1} \in \mathbb{R}^{2 \times 2}",
    r"p(\theta \mid X) \propto \theta^{a} \quad \begin{cases} x & x > 0 \\ 0 & \text{otherwise} \end{cases}",
    r"\frac{\partial f}{\partial x} = \left. \frac{\mathrm{d} f}{\mathrm{d} x} \right|_{x = 0} \le \infty",
    r"\text{a}\_\text{b}\%\&\#\{\}{}^{\wedge}\backslash\times\ \log\Gamma(x)",
]

BAD = [
    (r"\mbox{a}", "katex"),  # KaTeX strict: undefined
    (r"\bm{x}", "mathjax"),  # MathJax 3: undefined
    (r"\bm{y}", "mathjax2"),  # MathJax 2 (classic notebook, Colab): undefined
    (r"\frac{2}{", "mathjax2"),  # unbalanced
    (r"\operatorname{tr}(A) \undefinedmacro", "mathjax2"),
    (r"\text{a\_b}", "mathjax"),  # MathJax without textmacros prints \_ literally
    (r"\frac{1}{", "katex"),  # unbalanced
    (r"\undefinedmacro x", "mathjax"),
    ("\\text{σ}", "katex"),  # strict mode: unicode in text KaTeX does not know
]


def test_good_constructs_render_everywhere():
    for tex, result in zip(GOOD, render(GOOD)):
        assert not failures(tex, result), (tex, failures(tex, result))


@pytest.fixture(scope="module")
def rendered_bad():
    return dict(zip([b for b, _ in BAD], render([b for b, _ in BAD])))  # one node process


@pytest.mark.parametrize("tex, engine", BAD, ids=[b for b, _ in BAD])
def test_bad_constructs_are_rejected(rendered_bad, tex, engine):
    result = rendered_bad[tex]
    assert result[engine], f"{engine} accepted {tex!r}"


@pytest.mark.parametrize(
    "tex", [r"\[ x \]", r"\begin{align} x \end{align}", r"x \label{eq}", r"X^{T}", r"\left[\begin{matrix}x\end{matrix}\right]",
            r"\intertext{a}", r"\mathbb{I}"],
)
def test_lint_rejects_constructs_that_break_mathjax2_or_pdflatex(tex):
    assert lint(tex)
