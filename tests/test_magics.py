"""The magics as a notebook sees them, through a real IPython InteractiveShell."""
from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import mfml_sym as ms
from mfml_sym.numeric.finite_differences import central_difference, relative_error

CELL = "%%derive gradient hessian --as g\nf(x, y) = x^2 y + \\sin(x y)\n"


def test_derive_magic_displays_latex_and_text_and_stores_the_result(run, shell):
    result, captured = run(CELL)
    assert result.success, result.error_in_exec
    assert result.result is None  # nothing duplicated into Out[]
    bundles = [o.data for o in captured.outputs]
    latex = [b["text/latex"] for b in bundles if "text/latex" in b]
    plain = [b["text/plain"] for b in bundles if "text/latex" in b]  # the result, not a progress line
    assert latex and latex[0].startswith("$\\displaystyle") and "\\begin{aligned}" in latex[0]
    assert "numeric check" in plain[0] and "passed" in plain[0]
    g = shell.user_ns["g"]
    assert shell.user_ns["_"] is g
    x, y = sorted(g["gradient"].free_symbols, key=str)
    expected = sp.Matrix([2 * x * y + y * sp.cos(x * y), x**2 + x * sp.cos(x * y)])
    assert sp.simplify(sp.Matrix(g["gradient"]) - expected) == sp.zeros(2, 1)
    assert g.check().passed


def test_magic_result_is_the_api_result_and_numpy_matches_finite_differences(shell, run):
    run(CELL)
    d = ms.derive("f(x,y) = x^2 y + \\sin(x y)", "gradient", "hessian")
    assert sp.simplify(sp.Matrix(d["gradient"]) - sp.Matrix(shell.user_ns["g"]["gradient"])) == sp.zeros(2, 1)
    grad = d.numpy("gradient")
    f = lambda v: v[0] ** 2 * v[1] + np.sin(v[0] * v[1])
    fd = central_difference(f, np.array([0.3, -1.2]))
    assert relative_error(grad(x=0.3, y=-1.2), fd) < 1e-8
    hess = d.numpy("hessian")
    fd2 = central_difference(lambda v: grad(x=v[0], y=v[1]), np.array([0.3, -1.2]))
    assert relative_error(hess(x=0.3, y=-1.2), fd2) < 1e-6


def test_user_mistake_is_one_message_with_a_caret_not_a_traceback(run):
    result, captured = run("%%derive gradient\nf(x, y) = x^2 +* y\n")
    assert isinstance(result.error_in_exec, ms.MfmlError)
    shown = captured.stdout + captured.stderr
    assert "Traceback" not in shown
    assert "^" in shown and "x^2 +* y" in shown


def test_bad_option_is_a_usage_error(run):
    from IPython.core.error import UsageError

    result, _ = run("%%derive --no-such-option\nf(x) = x^2\n")
    assert isinstance(result.error_in_exec, UsageError)
    result, _ = run("%%derive gradiant\nf(x) = x^2\n")
    assert isinstance(result.error_in_exec, UsageError)
    assert "gradiant" in str(result.error_in_exec)


def test_help_is_available(shell):
    from IPython.utils.capture import capture_output

    with capture_output() as captured:
        shell.run_line_magic("pinfo", "%%derive")
    assert "--wrt" in captured.stdout and "gradient" in captured.stdout


def test_unload_removes_and_reload_restores_the_magics(shell):
    shell.run_line_magic("unload_ext", "mfml_sym")
    assert "derive" not in shell.magics_manager.magics["cell"]
    shell.run_line_magic("load_ext", "mfml_sym")
    assert {"derive", "lagrange", "posterior"} <= set(shell.magics_manager.magics["cell"])


def test_importing_the_package_registers_nothing_and_stays_light():
    import subprocess
    import sys

    code = "import sys, mfml_sym; print('sympy' in sys.modules, 'IPython' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_engine_never_imports_ipython():
    import pathlib
    import re

    root = pathlib.Path(ms.__file__).parent
    pattern = re.compile(r"^\s*(from|import)\s+IPython", re.M)
    offenders = [str(p.relative_to(root)) for p in root.rglob("*.py") if pattern.search(p.read_text())]
    assert offenders == []


def test_slow_cell_shows_progress_naming_the_step_then_clears_it(run, monkeypatch):
    from mfml_sym import magics as layer

    monkeypatch.setattr(layer._Progress.__init__, "__defaults__", (0.0,))
    result, captured = run("%%derive gradient\nf(x, y) = x^2 y + \\sin(x y)\n")
    assert result.success
    texts = [o.data.get("text/plain", "") for o in captured.outputs]
    assert any(t.startswith("working (") and "..." in t for t in texts)
    assert "" in texts  # the progress line is cleared before the result is shown
    assert "numeric check" in texts[-1]


def test_a_failing_cell_leaves_the_namespace_and_the_magics_as_they_were(run, shell):
    before = {k for k in shell.user_ns if not k.startswith("_")}
    result, _ = run("%%derive gradient --as broken\nf(x) = \\frac{1}{\n")
    assert isinstance(result.error_in_exec, ms.MfmlError)
    after = {k for k in shell.user_ns if not k.startswith("_")}
    assert after == before and "broken" not in shell.user_ns
    ok, _ = run("%%derive derivative --as fine\nf(x) = x^3\n")
    assert ok.success and sp.simplify(shell.user_ns["fine"]["derivative"] - 3 * sp.Symbol("x", real=True) ** 2) == 0


def test_sympy_results_display_in_the_book_notation_while_loaded(run, shell):
    run("%%derive gradient --as gq\nf(\\mathbf{x}) = \\mathbf{x}^\\top A \\mathbf{x}\n")
    result, captured = run("gq['gradient']")
    latex = [o.data["text/latex"] for o in captured.outputs if "text/latex" in o.data]
    shown = latex[0] if latex else result.result and shell.display_formatter.format(result.result)[0]["text/latex"]
    assert "\\mathbf{x}" in shown and "^{T}" not in shown
    transpose = sp.MatrixSymbol("X", 2, 2).T
    assert "\\top" in shell.display_formatter.format(transpose)[0]["text/latex"]
    shell.run_line_magic("unload_ext", "mfml_sym")
    try:
        again = shell.display_formatter.format(transpose)[0].get("text/latex", "")
        assert again == transpose._repr_latex_()  # sympy's own display is back
    finally:
        shell.run_line_magic("load_ext", "mfml_sym")


def test_loading_the_extension_does_not_import_sympy():
    import subprocess
    import sys

    code = (
        "import sys; from IPython.core.interactiveshell import InteractiveShell; "
        "ip = InteractiveShell.instance(); ip.run_line_magic('load_ext', 'mfml_sym'); "
        "print('sympy' in sys.modules, 'derive' in ip.magics_manager.magics['cell'])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "True"]


def test_an_interrupted_cell_leaves_the_kernel_and_the_extension_working(run, shell, monkeypatch):
    import signal

    from mfml_sym.budget import time_budget

    handler = signal.getsignal(signal.SIGALRM)

    def interrupted(*args, **kwargs):
        with time_budget(30, step="simplification"):
            raise KeyboardInterrupt  # what Ctrl-C / the kernel's interrupt raises mid-step

    monkeypatch.setattr(ms, "derive", interrupted)
    result, _ = run("%%derive gradient\nf(x) = x^2\n")
    assert isinstance(result.error_in_exec, KeyboardInterrupt)
    assert signal.getitimer(signal.ITIMER_REAL)[0] == 0 and signal.getsignal(signal.SIGALRM) == handler
    monkeypatch.undo()
    ok, _ = run("%%derive derivative --as after\nf(x) = x^3\n")
    assert ok.success and "after" in shell.user_ns
