"""The public calculus examples (../shared/examples/calculus.json), read from their LaTeX.

For each case: parse the cell, derive the case's kind, and compare our ``numpy()`` function
with the published ``expected_numpy`` at random inputs drawn as the case's ``inputs`` say.
Also a pass-rate summary test that reports the count.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "shared" / "examples" / "calculus.json"
if not EXAMPLES.exists():  # the repository may be checked out elsewhere
    EXAMPLES = Path("/work/shared/examples/calculus.json")


def _load():
    if not EXAMPLES.exists():
        return {}, []
    data = json.loads(EXAMPLES.read_text())
    return data, data["cases"]


DATA, CASES = _load()


def _parser():
    try:
        from mfml_sym.notation import parse  # noqa: F401
    except ImportError:
        return None
    return parse


def draw(spec: dict, gen: np.random.Generator):
    shape = tuple(spec.get("shape", ()))
    kind = spec.get("kind", "general")
    if kind == "positive":
        v = np.abs(gen.normal(size=shape)) + 0.5
    elif kind == "small":
        v = 0.3 * gen.normal(size=shape)
    else:
        v = gen.normal(size=shape)
    return float(v) if shape == () else v


def run_case(case: dict, seed: int = 0) -> float:
    """Largest relative error of our numpy result against expected_numpy over 5 random inputs."""
    from mfml_sym.calculus import derive
    from mfml_sym.numeric.finite_differences import relative_error

    ns: dict = {"np": np}
    exec(DATA["numpy_preamble"], ns)  # noqa: S102 - published test data
    expected = eval(case["expected_numpy"], ns)  # noqa: S307
    kind = case["kind"]
    options: dict = {"wrt": case["wrt"]}
    if kind == "taylor":
        options["order"] = case["order"]
        options["at"] = case["point"]
    d = derive(case["latex"], kind, **options)
    assert d.check().passed, d.check().summary()
    fn = d.numpy(kind)
    gen = np.random.default_rng(seed)
    worst = 0.0
    for _ in range(5):
        inputs = {name: draw(spec, gen) for name, spec in case["inputs"].items()}
        ours = np.asarray(fn(**inputs), dtype=float)
        theirs = np.asarray(expected(**inputs), dtype=float)
        worst = max(worst, relative_error(ours.reshape(theirs.shape) if ours.size == theirs.size else ours, theirs))
    return worst


@pytest.mark.skipif(not CASES, reason="shared examples not found")
@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_public_calculus_example(case):
    assert _parser() is not None, "mfml_sym.notation.parse must be importable"
    assert run_case(case) < 1e-8
