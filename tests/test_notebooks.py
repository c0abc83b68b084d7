"""Every notebook in notebooks/ runs top to bottom in a real Jupyter kernel, without errors,
and its key outputs say what they should."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "tests"))
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))

# Text each notebook's outputs must contain: the content that shows the magic did its job.
KEY_OUTPUTS = {
    "00_tour.ipynb": ["numeric check", "passed", "differs by a sign", "Beta"],
    "01_linear_algebra_and_geometry.ipynb": ["numeric check", "largest eigenvalue"],
    "02_vector_calculus.ipynb": ["numeric check", "chain rule", "differs by a sign", "h^3"],
    "03_matrix_calculus.ipynb": ["numeric check", "softmax"],
    "04_optimisation.ipynb": ["numeric check", "unbounded", "LICQ", "5/18"],
    "05_bayesian_inference.ipynb": ["numeric check", "Beta", "Gamma", "not conjugate", "Laplace"],
    "06_statistics.ipynb": ["numeric check", "s/N"],
}


def _all_text(nb) -> str:
    parts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            parts.append(output.get("text", ""))
            for value in output.get("data", {}).values():
                parts.append(value if isinstance(value, str) else "")
    return "\n".join(parts)


@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs_in_a_real_kernel(path, tmp_path):
    from run_notebooks import error_outputs, execute

    nb = execute(path)
    assert error_outputs(nb) == []
    text = _all_text(nb)
    for expected in KEY_OUTPUTS.get(path.name, ["numeric check"]):
        assert expected in text, f"{path.name}: no output mentions {expected!r}"
    assert "FAILED" not in text, f"{path.name}: a numeric check failed"
    # every LaTeX payload the notebook shows renders in KaTeX (strict) and MathJax 3
    from renderers import assert_renders

    payloads = [o["data"]["text/latex"] for c in nb.cells for o in c.get("outputs", [])
                if "text/latex" in o.get("data", {})]
    assert payloads, f"{path.name}: no rendered derivation"
    assert_renders(payloads, notation=False)


def test_there_is_a_tour_notebook():
    assert (ROOT / "notebooks" / "00_tour.ipynb").exists()
