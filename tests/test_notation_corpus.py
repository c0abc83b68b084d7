"""The project's notation corpus (tests/corpus/notation_cases.py): meanings, statements, errors."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
import sympy

sys.path.insert(0, str(Path(__file__).parent / "corpus"))
from notation_cases import ERRORS, EXTRA_NAMESPACE, MEANINGS, STATEMENTS  # noqa: E402
from notation_judge import load, namespace, same_meaning  # noqa: E402

import mfml_sym.errors as errors  # noqa: E402
from mfml_sym.notation import parse, parse_expression  # noqa: E402

NS = namespace(load("notation"))
exec(EXTRA_NAMESPACE, NS)  # noqa: S102 - the corpus's own helper names


@pytest.mark.parametrize("case", MEANINGS, ids=[c[0] for c in MEANINGS])
def test_meaning(case):
    _, _, latex, intended = case
    got = parse_expression(latex)
    want = eval(intended, dict(NS))  # noqa: S307 - corpus data
    assert same_meaning(got, want), f"{latex!r} read as {got}, intended {want}"


@pytest.mark.parametrize("case", STATEMENTS, ids=[c[0] for c in STATEMENTS])
def test_statement(case):
    _, latex, predicate = case
    P = parse(latex)  # noqa: N806 - the name the predicates use
    assert eval(predicate, {"P": P, "sympy": sympy}), [type(s).__name__ for s in P.statements]  # noqa: S307


@pytest.mark.parametrize("case", ERRORS, ids=[c[0] for c in ERRORS])
def test_error_points_at_the_place(case):
    _, latex, cls_name, column, width = case
    cls = getattr(errors, cls_name)
    with pytest.raises(errors.MfmlError) as info:
        parse(latex)
    exc = info.value
    assert type(exc) is cls, f"{type(exc).__name__}: {exc}"
    assert exc.line is not None, str(exc)
    assert exc.message and "Traceback" not in str(exc)
    if column is not None:
        assert (exc.column, exc.width) == (column, width), str(exc)


def test_corpus_size():
    assert len(MEANINGS) + len(STATEMENTS) + len(ERRORS) >= 200
