"""Metamorphic tests: the same maths in another spelling reads the same (fonts, transpose marks,
delimiter sizes, fraction styles, spacing). Truth is the reading of the corpus's own spelling,
which test_notation_corpus checks against the intended meaning."""
from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "corpus"))
from notation_cases import MEANINGS  # noqa: E402
from notation_judge import same_meaning  # noqa: E402

from mfml_sym.notation import parse_expression  # noqa: E402

REWRITES = {
    "boldsymbol": lambda t: t.replace(r"\mathbf{", r"\boldsymbol{"),
    "bm": lambda t: t.replace(r"\mathbf{", r"\bm{"),
    "mathsf-T": lambda t: t.replace(r"^\top", r"^{\mathsf{T}}"),
    "intercal": lambda t: t.replace(r"^\top", r"^{\intercal}"),
    "T": lambda t: t.replace(r"^\top", "^T"),
    "left-right": lambda t: re.sub(r"(?<![\\a-zA-Z])\(([^()]*)\)", lambda m: r"\left(" + m.group(1) + r"\right)", t, count=1),
    "dfrac": lambda t: t.replace(r"\frac", r"\dfrac"),
    "spacing": lambda t: t.replace(" ", r"\, "),
    "cdot": lambda t: t.replace(r"\lambda \mathbf", r"\lambda \cdot \mathbf"),
    "operatorname": lambda t: t.replace(r"\operatorname{tr}", r"\mathrm{tr}"),
    "lVert": lambda t: t.replace(r"\|", r"\lVert ", 1).replace(r"\|", r"\rVert ", 1) if t.count(r"\|") == 2 else t,
}

CASES = []
for cid, cat, latex, _ in MEANINGS:
    if cat == "sympy":
        continue
    for name, rewrite in REWRITES.items():
        variant = rewrite(latex)
        if variant != latex:
            CASES.append((f"{cid}-{name}", latex, variant))


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_spelling_does_not_change_the_meaning(case):
    _, latex, variant = case
    assert same_meaning(parse_expression(variant), parse_expression(latex)), variant
