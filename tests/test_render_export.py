"""Export to .tex: complete documents and fragments that really compile with pdflatex."""
from __future__ import annotations

import re

import pytest

import mfml_sym
from mfml_sym.render.export import append_fragment, export, fragment, latex_document, text_mode, to_align
from renderers import compile_tex
from test_render_derivation import BUILDERS, awkward, showcase_gradient, unchecked


def _derivations():
    return [builder() for builder in BUILDERS]


def test_document_structure(tmp_path):
    path = export(_derivations(), tmp_path / "notes.tex", title="Notes on σ & μ_0")
    text = path.read_text()
    assert text.count("\\begin{align*}") == len(BUILDERS)  # one block each, the empty one too
    assert "\\usepackage{amsmath}" in text and "\\usepackage{amssymb}" in text
    assert "\\usepackage{bm}" not in text  # only when used
    assert "\\begin{aligned}" not in text  # swapped for align* so long derivations can break pages
    assert re.search(r"^% numeric check \(gradient\): passed", text, re.M)
    assert "\\section*{Notes on $\\sigma$ \\& $\\mu$\\_0}" in text


def test_failed_check_is_visible_not_only_a_comment():
    text = fragment(awkward())
    body = text[text.index("\\begin{align*}"):]
    assert "FAILED" in body  # in the typeset block, not only in a comment


def test_passed_check_is_a_comment_by_default():
    text = fragment(showcase_gradient())
    assert "% numeric check (gradient): passed" in text
    assert "\\checkmark" not in text
    assert "\\checkmark" in fragment(showcase_gradient(), check="line")


def test_bm_is_loaded_only_when_used():
    assert "\\usepackage{bm}" in latex_document(["\\begin{aligned}\\bm{x} &= 1\\end{aligned}"])


def test_to_align_accepts_display_payloads():
    payload = showcase_gradient()._repr_mimebundle_()["text/latex"]
    out = to_align(payload)
    assert out.startswith("\\begin{align*}\n") and out.endswith("\n\\end{align*}") and "$" not in out


def test_append_fragment_appends(tmp_path):
    path = tmp_path / "notes" / "frag.tex"
    append_fragment(showcase_gradient(), path)
    append_fragment(unchecked(), path)
    text = path.read_text()
    assert text.count("\\begin{align*}") == 2 and text.count("% --- mfml_sym") == 2


def test_public_api_name():
    # the public name is the same function behind the API's error boundary
    assert getattr(mfml_sym.export, "__wrapped__", mfml_sym.export) is export


def test_unwritable_path_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(mfml_sym.OptionError, match="cannot write"):
        export(showcase_gradient(), blocker / "notes.tex")


@pytest.mark.parametrize("text, expected", [("a_b", "a\\_b"), ("50%", "50\\%"), ("σ", "$\\sigma$"), ("x^2", "x\\textasciicircum{}2")])
def test_text_mode(text, expected):
    assert text_mode(text) == expected


@pytest.mark.render
def test_exported_document_compiles_with_pdflatex(tmp_path):
    path = export(_derivations(), tmp_path / "notes.tex", title="Notes on σ & μ_0 — 100%")
    proc = compile_tex(path)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert (tmp_path / "notes.pdf").stat().st_size > 1000


@pytest.mark.render
def test_fragments_compile_inside_a_minimal_document(tmp_path):
    frag = tmp_path / "frag.tex"
    for d in _derivations():
        append_fragment(d, frag)
    main = tmp_path / "main.tex"
    main.write_text("\\documentclass{article}\\usepackage{amsmath,amssymb}\\begin{document}\n\\input{frag}\n\\end{document}\n")
    proc = compile_tex(main)
    assert proc.returncode == 0, proc.stdout[-3000:]


@pytest.mark.render
def test_pdflatex_really_rejects_bad_latex(tmp_path):
    """The compile test is not vacuous: an undefined macro in a block fails the build."""
    path = tmp_path / "bad.tex"
    path.write_text(latex_document(["\\begin{aligned} x &= \\undefinedmacro{y} \\end{aligned}"]))
    assert compile_tex(path).returncode != 0
