"""Errors a user can cause in the notation: one kind each, the caret pinned, the hint given;
and the safety of the sympy-syntax path (no builtins, no attribute access)."""
from __future__ import annotations

import pytest

from mfml_sym.errors import MfmlError, OptionError, ParseError, ShapeError, UnsupportedError
from mfml_sym.notation import parse, parse_expression


def caret(exc) -> str:
    """The underlined text of an error."""
    return exc.line[exc.column:exc.column + exc.width]


def test_unclosed_brace_points_at_the_brace():
    with pytest.raises(ParseError) as info:
        parse(r"f(x) = \frac{1}{x + 1")
    assert caret(info.value) == "{" and info.value.column == 15
    assert "not closed" in info.value.hint


def test_unknown_command_is_named():
    with pytest.raises(ParseError, match=r"unknown command \\sinn") as info:
        parse(r"f(x) = \sinn x")
    assert caret(info.value) == r"\sinn"


def test_known_misspelling_gets_a_hint():
    with pytest.raises(ParseError) as info:
        parse(r"\tr(A)")
    assert r"\operatorname{tr}" in info.value.hint


def test_row_vector_plus_scalar_is_a_shape_error_at_the_place():
    with pytest.raises(ShapeError) as info:
        parse(r"f(\mathbf{x}) = \mathbf{x}^\top + b")
    exc = info.value
    assert caret(exc) == r"\mathbf{x}^\top"
    assert "row vector" in exc.message and "scalar b" in exc.message
    assert exc.hint


def test_declared_shapes_that_do_not_fit():
    with pytest.raises(ShapeError, match="shapes do not fit") as info:
        parse("\\mathbf{x} \\in \\mathbb{R}^{3}\nA \\in \\mathbb{R}^{2 \\times 2}\nf(\\mathbf{x}) = A\\mathbf{x}")
    assert info.value.lineno == 3 and caret(info.value) == r"A\mathbf{x}"


def test_two_column_vectors_side_by_side():
    with pytest.raises(ShapeError, match="both column vectors") as info:
        parse(r"\mathbf{x}\mathbf{y}")
    assert r"\mathbf{x}^\top \mathbf{y}" in info.value.hint


def test_inverse_of_a_vector_and_transpose_of_a_number():
    with pytest.raises(ShapeError, match="no inverse"):
        parse(r"\mathbf{x}^{-1}")
    with pytest.raises(ShapeError, match="no transpose"):
        parse(r"3^\top")


def test_bare_words_are_not_silently_letters():
    with pytest.raises(ParseError, match="read as a product of letters") as info:
        parse(r"f(x) = \alpha + sin(x) \cdot 2")
    assert caret(info.value) == "sin" and info.value.hint == r"write \sin for the function or letter"


def test_python_power_in_latex():
    with pytest.raises(ParseError, match=r"'\*\*' is Python's power"):
        parse(r"\alpha ** 2")


def test_cross_product_is_unsupported_not_misread():
    with pytest.raises(UnsupportedError):
        parse(r"\mathbf{u} \times \mathbf{v}")


def test_plus_minus_has_no_single_meaning():
    with pytest.raises(ParseError, match=r"\\pm"):
        parse(r"x \pm 1")


def test_matrix_rows_of_different_length():
    with pytest.raises(ParseError, match="this row has 1 entries") as info:
        parse(r"\begin{bmatrix} 1 & 2 \\ 3 \end{bmatrix}")
    assert caret(info.value) == "3"


def test_error_on_second_line_reports_that_line():
    with pytest.raises(ParseError) as info:
        parse("f(x) = x^2\ng(x) = (x + 1")
    assert info.value.lineno == 2 and info.value.line == "g(x) = (x + 1"


def test_display_is_one_clean_message():
    with pytest.raises(MfmlError) as info:
        parse(r"f(x) = x +")
    text = info.value.display()
    assert text.startswith("ParseError: ") and "^" in text and "Traceback" not in text


def test_empty_cell_and_bad_option():
    with pytest.raises(ParseError, match="empty"):
        parse("   \n % only a comment\n")
    with pytest.raises(OptionError):
        parse("x", syntax="python")


def test_unknown_distribution_word():
    with pytest.raises(ParseError):
        parse(r"x \sim \mathrm{Foo}(1, 2)")


@pytest.mark.parametrize("text", [
    "f = x.__class__",
    "f = ().__class__.__bases__",
    "f = __import__('os').system('true')",
    "f = eval('1')",
    "f = lambda: 1",
    "f = open('x')",
    "f = x.subs(x, 1)",
])
def test_sympy_syntax_refuses_code(text):
    with pytest.raises(ParseError) as info:
        parse(text, syntax="sympy")
    assert info.value.line == text


def test_sympy_syntax_error_has_a_caret():
    with pytest.raises(ParseError) as info:
        parse("f = x**2 + (y", syntax="sympy")
    assert info.value.column is not None


def test_sympy_syntax_reads_maths():
    assert str(parse_expression("x**2*y + sin(x*y)")) == "x**2*y + sin(x*y)"
    p = parse("f(x, y) = x**2*y\ng = exp(-x)")
    assert p.syntax == "sympy" and [d.name for d in p.definitions] == ["f", "g"]


def test_docstring_examples_of_the_public_api():
    import doctest

    import mfml_sym.notation as notation

    result = doctest.testmod(notation)
    assert result.attempted >= 2 and result.failed == 0


def test_showcase_mistake_guesses_the_quadratic_form():
    """SHOWCASE.md section 6: x^T A + b points at x^T A, guesses x^T A x + b, echoes the reading."""
    with pytest.raises(ShapeError) as info:
        parse(r"f(\mathbf{x}) = \mathbf{x}^\top A + b")
    exc = info.value
    assert caret(exc) == r"\mathbf{x}^\top A"
    assert "row vector" in exc.message and "scalar b" in exc.message
    assert r"did you mean \mathbf{x}^\top A \mathbf{x} + b ?" in exc.hint
    assert "read as: x in R^n" in exc.hint


def test_reading_is_time_bounded(monkeypatch):
    """A sympy-syntax cell whose evaluation would run for minutes stops with BudgetExceeded."""
    import time

    import mfml_sym.notation as notation
    from mfml_sym.errors import BudgetExceeded

    monkeypatch.setattr(notation, "READ_SECONDS", 0.5)
    start = time.perf_counter()
    with pytest.raises(BudgetExceeded):
        parse("f = factorial(10**7) * x", syntax="sympy")
    assert time.perf_counter() - start < 5
