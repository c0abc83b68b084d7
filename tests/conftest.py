"""Shared fixtures: a real in-process IPython shell with the extension loaded."""
from __future__ import annotations

import os
import tempfile

import pytest


@pytest.fixture(scope="session")
def shell():
    """IPython's InteractiveShell (not the terminal one: its LaTeX formatter is on), extension loaded."""
    os.environ.setdefault("IPYTHONDIR", tempfile.mkdtemp(prefix="mfml-ipython-"))
    from IPython.core.interactiveshell import InteractiveShell

    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "mfml_sym")
    yield ip


@pytest.fixture
def run(shell):
    """Run a cell the way a notebook does; return (result, outputs) with the display data captured."""
    from IPython.utils.capture import capture_output

    def _run(source: str):
        with capture_output(display=True) as captured:
            result = shell.run_cell(source)
        return result, captured

    return _run
