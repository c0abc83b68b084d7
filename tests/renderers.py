"""Real renderers for the tests: KaTeX 0.16 (strict), MathJax 3 and MathJax 2 under node; pdflatex.

``render(strings)`` renders a batch in ONE node process (tests/js/render.js) and returns, per
string, ``{"katex": None | error, "mathjax": None | error, "mathjax2": None | error}``. The npm packages are pinned in
tests/js/package-lock.json and installed on first use (``npm ci``), so a fresh clone sets itself
up. ``lint(latex)`` rejects constructs that break MathJax 2 / classic notebook or pdflatex even
where KaTeX and MathJax 3 accept them (issue 2, item 3). ``compile_tex(path)`` runs pdflatex.

Use from a test module::

    from renderers import render, assert_renders
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

JS_DIR = Path(__file__).resolve().parent / "js"
ROOT = JS_DIR.parent.parent
_CACHE: dict[str, dict] = {}

# Constructs that break at least one of JupyterLab / VS Code / classic notebook / pdflatex.
BREAKS = [
    (r"\\mbox\b", "\\mbox (KaTeX strict rejects it)"),
    (r"\\bm\b", "\\bm (not in MathJax; use \\boldsymbol)"),
    (r"\\label\b", "\\label"),
    (r"\\eqref\b", "\\eqref"),
    (r"\\intertext\b", "\\intertext"),
    (r"\\\[|\\\]", "\\[ ... \\] display delimiters"),
    (r"\\begin\{align\}", "bare align environment"),
    (r"\\text\{[^{}]*\\", "backslash inside \\text{} (MathJax prints it literally)"),
    (r"[^\x00-\x7f]", "non-ASCII character (KaTeX strict / pdflatex)"),
]
# sympy defaults that clash with the book's notation (they render, but say the wrong thing).
NOTATION = [
    (r"\\begin\{matrix\}", "\\left[\\begin{matrix} (use bmatrix)"),
    (r"\^\{T\}", "^{T} for the transpose (use ^\\top)"),
    (r"\\mathbb\{I\}", "\\mathbb{I} for the identity"),
]
FORBIDDEN = BREAKS + NOTATION


def lint(latex: str, notation: bool = True) -> list[str]:
    """Problems with ``latex`` that a renderer in our matrix would choke on (and notation clashes)."""
    rules = FORBIDDEN if notation else BREAKS
    return [why for pattern, why in rules if re.search(pattern, latex)]


def node_available() -> bool:
    return shutil.which("node") is not None and shutil.which("npm") is not None


def ensure_node_modules() -> None:
    """``npm ci`` into tests/js when its node_modules is missing (under a lock for parallel runs)."""
    needed = ("katex", "mathjax-full", "mathjax-node")
    if all((JS_DIR / "node_modules" / name).is_dir() for name in needed):
        return
    if not node_available():
        pytest.skip("node/npm not on PATH: cannot render LaTeX with KaTeX/MathJax (install Node.js >= 18)")
    import fcntl

    with open(JS_DIR / ".install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not all((JS_DIR / "node_modules" / name).is_dir() for name in needed):
            proc = subprocess.run(
                ["npm", "ci", "--prefix", str(JS_DIR), "--no-audit", "--no-fund", "--loglevel=error"],
                capture_output=True, text=True, timeout=600,
            )
            if proc.returncode != 0:
                raise RuntimeError("npm ci in tests/js failed:\n" + proc.stdout + proc.stderr)


def render(strings: list[str]) -> list[dict]:
    """Render every string with KaTeX and MathJax 3 (one node process for the uncached ones)."""
    todo = list(dict.fromkeys(s for s in strings if s not in _CACHE))
    if todo:
        ensure_node_modules()
        proc = subprocess.run(
            ["node", str(JS_DIR / "render.js")], input=json.dumps(todo), capture_output=True,
            text=True, timeout=300, cwd=JS_DIR,
        )
        if proc.returncode != 0:
            raise RuntimeError("tests/js/render.js failed:\n" + proc.stderr)
        for s, result in zip(todo, json.loads(proc.stdout)):
            _CACHE[s] = result
    return [_CACHE[s] for s in strings]


def failures(latex: str, result: dict, notation: bool = True) -> list[str]:
    """Human-readable reasons why ``latex`` does not render everywhere (empty when it does)."""
    out = [f"{engine}: {error}" for engine, error in result.items() if error]
    return out + [f"lint: {why}" for why in lint(latex, notation)]


def assert_renders(strings: list[str], notation: bool = True) -> None:
    """Fail with every problem of every string (KaTeX, MathJax 3, lint; ``notation`` adds the clashes)."""
    problems = []
    for s, result in zip(strings, render(strings)):
        reasons = failures(s, result, notation)
        if reasons:
            problems.append(f"{s!r}:\n    " + "\n    ".join(reasons))
    assert not problems, "LaTeX that does not render everywhere:\n" + "\n".join(problems)


# -- pdflatex ---------------------------------------------------------------------------------
def ensure_pdflatex() -> str:
    """Path of pdflatex, installing texlive-latex-base via scripts/install-latex.sh if needed."""
    found = shutil.which("pdflatex")
    if found:
        return found
    script = ROOT / "scripts" / "install-latex.sh"
    if os.environ.get("MFML_NO_LATEX_INSTALL") != "1" and script.exists():
        proc = subprocess.run(["sh", str(script)], capture_output=True, text=True, timeout=900)
        found = shutil.which("pdflatex")
        if found:
            return found
        pytest.skip("pdflatex unavailable and could not be installed: " + (proc.stderr.strip()[-300:] or "no reason given"))
    pytest.skip("pdflatex unavailable (MFML_NO_LATEX_INSTALL=1 or no install script)")
    raise AssertionError  # unreachable


def compile_tex(path: Path) -> subprocess.CompletedProcess:
    """Compile ``path`` with pdflatex (nonstopmode, halt on error) in its own folder."""
    pdflatex = ensure_pdflatex()
    return subprocess.run(
        [pdflatex, "-interaction=nonstopmode", "-halt-on-error", path.name],
        cwd=path.parent, capture_output=True, text=True, timeout=300,
    )
