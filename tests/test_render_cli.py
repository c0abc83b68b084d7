"""The ``mfml-sym`` command line, run as a real subprocess (``python -m mfml_sym``)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mfml_sym.derivation import CheckReport, Derivation
from renderers import assert_renders, ensure_pdflatex
from test_render_derivation import showcase_gradient

GRADIENT = "f(x, y) = x^2 y + \\sin(x y)"
CIRCLE = "\\max_{x,y} x y \\quad \\text{s.t.} \\quad x^2 + y^2 = 1"


def run(*args: str, stdin: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """A real ``python -m mfml_sym`` process (used where the process boundary matters)."""
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    return subprocess.run([sys.executable, "-m", "mfml_sym", *args], input=stdin, capture_output=True,
                          text=True, timeout=300, cwd=cwd, env=env)


@pytest.fixture
def cli(monkeypatch, capsys):
    """``mfml_sym.cli.main`` in-process (fast: the engines are imported once) with stdin text."""
    import io

    from mfml_sym.cli import main

    def _run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        if stdin is not None:
            monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = main(list(args))
        out = capsys.readouterr()
        return subprocess.CompletedProcess(args, code, out.out, out.err)

    return _run


def test_derive_text_argument():
    proc = run("derive", GRADIENT, "gradient", "hessian")
    assert proc.returncode == 0, proc.stderr
    # the known gradient of x^2 y + sin(xy) (by hand: 2xy + y cos(xy), x^2 + x cos(xy))
    assert "2·x·y + y·cos(x·y)" in proc.stdout and "x² + x·cos(x·y)" in proc.stdout
    assert proc.stdout.strip().splitlines()[-1].startswith("✓ numeric check")


def test_derive_from_file_as_latex_renders(cli, tmp_path):
    (tmp_path / "f.tex").write_text("f(x) = \\log(1 + e^{-x})\n")
    proc = cli("derive", "-f", str(tmp_path / "f.tex"), "derivative", "--latex")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.strip()
    assert out.startswith("\\begin{aligned}") and out.endswith("\\end{aligned}") and "\\checkmark" in out
    assert "\\frac{1}{e^{x} + 1}" in out  # f'(x) = -1/(1 + e^x), the sigmoid's sign flipped
    assert_renders([out])


def test_lagrange_from_stdin_with_tex_export(cli, tmp_path):
    proc = cli("lagrange", "--no-steps", "--tex", str(tmp_path / "notes.tex"), stdin=CIRCLE + "\n")
    assert proc.returncode == 0, proc.stderr
    assert "1/2" in proc.stdout  # max of xy on the unit circle is 1/2
    assert "\\begin{align*}" in (tmp_path / "notes.tex").read_text()


@pytest.mark.render
def test_document_output_compiles(cli, tmp_path):
    proc = cli("derive", GRADIENT, "gradient", "--document")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("% Written by mfml_sym") and proc.stdout.rstrip().endswith("\\end{document}")
    (tmp_path / "g.tex").write_text(proc.stdout)
    from renderers import compile_tex

    assert compile_tex(tmp_path / "g.tex").returncode == 0


def test_posterior_with_data_file(cli, tmp_path):
    (tmp_path / "flips.txt").write_text("1\n0\n1\n1\n")
    model = "x_i \\sim \\mathrm{Bernoulli}(\\theta)\n\\theta \\sim \\mathrm{Beta}(2, 2)"
    proc = cli("posterior", model, "--data", f"x=@{tmp_path / 'flips.txt'}", "--no-steps")
    assert proc.returncode == 0, proc.stderr
    assert "Beta" in proc.stdout


def test_user_error_is_one_message_exit_1(cli):
    proc = cli("derive", "f(x) = \\log(1 + ")
    assert proc.returncode == 1
    assert proc.stderr.startswith("ParseError") and "Traceback" not in proc.stderr
    assert "^" in proc.stderr  # the caret under the place


def test_usage_error_exit_2(cli):
    proc = cli("derive", GRADIENT, "--no-such-option")
    assert proc.returncode == 2 and "usage:" in proc.stderr


def test_wrong_claim_exit_4(cli, tmp_path):
    (tmp_path / "claim.tex").write_text("f(x) = \\log(1 + e^{-x})\nf'(x) = \\frac{1}{1 + e^{x}}\n")
    proc = cli("derive", "-f", str(tmp_path / "claim.tex"), "--verify")
    assert proc.returncode == 4, proc.stdout + proc.stderr
    assert "wrong" in proc.stdout


def _notebook(path: Path, derivations: list[Derivation]) -> None:
    """An executed notebook as Jupyter saves it: magic cells with their display_data outputs."""
    cells = [{"cell_type": "markdown", "metadata": {}, "source": ["# Notes"]},
             {"cell_type": "code", "metadata": {}, "execution_count": 1, "source": ["%load_ext mfml_sym"], "outputs": []},
             {"cell_type": "code", "metadata": {}, "execution_count": 2, "source": ["x = 1"],
              "outputs": [{"output_type": "display_data", "metadata": {},
                           "data": {"text/latex": ["$x$"], "text/plain": ["x"]}}]}]
    for k, d in enumerate(derivations):
        bundle = d._repr_mimebundle_()
        cells.append({"cell_type": "code", "metadata": {}, "execution_count": 3 + k,
                      "source": [f"%%derive gradient --as d{k}\n", "f(x, y) = x^2 y + \\sin(x y)"],
                      "outputs": [{"output_type": "display_data", "metadata": {},
                                   "data": {"text/latex": bundle["text/latex"].splitlines(True),
                                            "text/plain": bundle["text/plain"].splitlines(True)}}]})
    nb = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(nb))


def test_export_notebook_to_pdf(tmp_path):
    ensure_pdflatex()
    failed = Derivation("bad")
    failed.add_step("x", "2x", rule="nonsense")
    failed.add_check(lambda: CheckReport(False, "central differences", points=3, max_error=0.5))
    _notebook(tmp_path / "tour.ipynb", [showcase_gradient(), failed])
    proc = run("export", str(tmp_path / "tour.ipynb"), "-o", str(tmp_path / "out" / "notes.tex"), "--pdf")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "wrote 2 derivations" in proc.stdout
    tex = (tmp_path / "out" / "notes.tex").read_text()
    assert tex.count("\\begin{align*}") == 2 and "% In: %%derive gradient --as d0" in tex
    assert "FAILED" in tex and "\\section*{tour}" in tex
    assert (tmp_path / "out" / "notes.pdf").stat().st_size > 1000


def test_export_notebook_without_derivations_says_why(cli, tmp_path):
    _notebook(tmp_path / "empty.ipynb", [])
    proc = cli("export", str(tmp_path / "empty.ipynb"))
    assert proc.returncode == 1 and "execute the notebook first" in proc.stderr


def test_console_script_is_installed():
    script = Path(sys.executable).parent / "mfml-sym"
    if not script.exists():
        pytest.skip("package not installed with its console script (pip install -e .)")
    proc = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and "derive" in proc.stdout and "export" in proc.stdout


@pytest.mark.slow
@pytest.mark.render
@pytest.mark.notebook
def test_tour_executed_in_a_real_kernel_renders_and_exports(tmp_path):
    """The tour as a user runs it: every text/latex payload renders; export compiles to a PDF."""
    import nbformat

    root = Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(root / "scripts"))
    from run_notebooks import execute

    nb = execute(root / "notebooks" / "00_tour.ipynb")
    payloads = [out["data"]["text/latex"] for cell in nb.cells for out in cell.get("outputs", [])
                if "text/latex" in out.get("data", {})]
    derivations = [p for p in payloads if "\\begin{aligned}" in p]
    assert derivations, "the tour displays no derivation"
    assert_renders(derivations)  # ours: renderers and the book's notation
    assert_renders([p for p in payloads if p not in derivations], notation=False)  # sympy's own display
    executed = tmp_path / "00_tour.ipynb"
    nbformat.write(nb, executed)
    ensure_pdflatex()
    proc = run("export", str(executed), "-o", str(tmp_path / "notes.tex"), "--pdf")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (tmp_path / "notes.pdf").exists()
