"""Derivations into ``.tex`` files for notes: whole documents and appendable fragments.

``export(results, "notes.tex")`` writes a complete document that compiles with plain pdflatex
(amsmath and amssymb; bm only if a block uses ``\\bm``); each derivation becomes an ``align*``
block -- the ``aligned`` block of :meth:`Derivation.latex` with its outer environment swapped,
so long derivations may break across pages -- and its numeric check is kept as a comment
above it. ``append_fragment(d, "notes.tex")`` appends one self-contained fragment (what the
magics' ``--tex FILE`` option does). ``compile_pdf`` runs pdflatex when it is installed.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

from ..errors import OptionError, UnsupportedError
from .derivation_latex import _MATH_CHARS, _plain_char, derivation_to_latex

__all__ = ["export", "append_fragment", "fragment", "latex_document", "text_mode", "compile_pdf", "to_align"]

CheckMode = str  # "comment" (default), "line" (shown in the block), "none"

_TEXT_SPECIALS = {
    "_": "\\_", "%": "\\%", "&": "\\&", "#": "\\#", "{": "\\{", "}": "\\}", "$": "\\$",
    "\\": "\\textbackslash{}", "^": "\\textasciicircum{}", "~": "\\textasciitilde{}",
    "<": "$<$", ">": "$>$", "|": "$|$",
}


def text_mode(text: str) -> str:
    """Plain text for LaTeX text mode (section titles): specials escaped, symbols as ``$\\sigma$``."""
    out = []
    for ch in str(text):
        if ch in _TEXT_SPECIALS:
            out.append(_TEXT_SPECIALS[ch])
        elif ch in _MATH_CHARS:
            out.append("$%s$" % _MATH_CHARS[ch])
        else:
            out.append(_plain_char(ch))
    return "".join(out)


def _comment(text: str) -> str:
    lines = str(text).splitlines() or [""]
    return "\n".join("% " + "".join(_plain_char(ch) if ord(ch) > 127 else ch for ch in line) for line in lines)


def to_align(block: str) -> str:
    """``\\begin{aligned}..\\end{aligned}`` (optionally in ``$\\displaystyle ..$``) -> ``align*``."""
    s = block.strip()
    if s.startswith("$$") and s.endswith("$$"):
        s = s[2:-2].strip()
    elif s.startswith("$") and s.endswith("$"):
        s = s[1:-1].strip()
    s = re.sub(r"^\\displaystyle\s*", "", s)
    if s.startswith("\\begin{aligned}") and s.endswith("\\end{aligned}"):
        body = s[len("\\begin{aligned}"):-len("\\end{aligned}")].strip("\n")
        return "\\begin{align*}\n" + body + "\n\\end{align*}"
    return "\\begin{equation*}\n" + s + "\n\\end{equation*}"


def _check_summary(d: Any) -> str | None:
    try:
        report = d.check()
    except Exception as exc:
        return f"numeric check FAILED to run: {type(exc).__name__}: {exc}"
    method = getattr(report, "method", "")
    if not report.passed and not report.points and method.startswith("no numeric check"):
        return "not checked numerically: " + method
    return report.summary()


def fragment(d: Any, check: CheckMode = "comment", heading: bool = False) -> str:
    """One derivation as a self-contained ``align*`` fragment (needs only amsmath/amssymb)."""
    if isinstance(d, str):
        comments = [line for line in d.strip().splitlines() if line.startswith("%")]
        body = "\n".join(line for line in d.strip().splitlines() if not line.startswith("%"))
        if not re.match(r"\\begin\{(align\*|equation\*)\}", body.strip()):
            body = to_align(body)
        return "\n".join(comments + [body.strip()]) + "\n"
    if check not in ("comment", "line", "none"):
        raise OptionError(f"check must be 'comment', 'line' or 'none' (got {check!r})")
    parts = []
    title = getattr(d, "title", "") or ""
    if heading and title:
        parts.append("\\subsection*{%s}" % text_mode(title))
    elif title:
        parts.append(_comment(title))
    show_check = check == "line"
    if check == "comment":
        summary = _check_summary(d)
        if summary:
            parts.append(_comment(summary))
            # a failed check is never hidden in a comment: the reader of the PDF must see it
            show_check = "FAILED" in summary
    parts.append(to_align(derivation_to_latex(d, steps=getattr(d, "show_steps", True), check=show_check)))
    return "\n".join(parts) + "\n"


def _packages(body: str) -> list[str]:
    packages = ["amsmath", "amssymb"]
    if re.search(r"\\bm\b", body):
        packages.append("bm")
    return packages


def latex_document(items: Iterable[Any], title: str | None = None, check: CheckMode = "comment") -> str:
    """A complete document holding every item (a Derivation or an aligned LaTeX block)."""
    blocks = [fragment(item, check=check, heading=True) for item in items]
    body = "\n".join(blocks) if blocks else "% (no derivations)\n"
    preamble = [
        "%% Written by mfml_sym on %s. Compile with: pdflatex FILE.tex" % datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "\\documentclass[10pt]{article}",
        *["\\usepackage{%s}" % p for p in _packages(body)],
        "\\allowdisplaybreaks",
        "\\setlength{\\textwidth}{6.5in}\\setlength{\\oddsidemargin}{0in}",
        "\\begin{document}",
    ]
    if title:
        preamble.append("\\section*{%s}" % text_mode(title))
    return "\n".join(preamble) + "\n\n" + body + "\n\\end{document}\n"


def _items(results: Any) -> list[Any]:
    from ..derivation import Derivation

    if isinstance(results, (Derivation, str)) or hasattr(results, "latex") and not isinstance(results, (list, tuple, dict)):
        return [results]
    if isinstance(results, dict):
        return list(results.values())
    try:
        return list(results)
    except TypeError:
        raise OptionError(
            f"export needs a Derivation, a LaTeX block or a list of them (got {type(results).__name__})"
        ) from None


def export(results: Any, path: str | Path, standalone: bool = True, *, title: str | None = None,
           check: CheckMode = "comment") -> Path:
    """Write derivations to ``path``: a complete document (``standalone``) or fragments only.

    >>> import sympy as sp, tempfile, os
    >>> from mfml_sym.derivation import Derivation
    >>> d = Derivation("demo"); d.add_result("value", sp.Symbol("x") ** 2)
    >>> p = export(d, os.path.join(tempfile.mkdtemp(), "notes.tex"))
    >>> "\\\\begin{align*}" in p.read_text()
    True
    """
    path = Path(path)
    items = _items(results)
    text = latex_document(items, title=title, check=check) if standalone else "\n".join(
        fragment(item, check=check) for item in items
    )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise OptionError(f"cannot write {str(path)!r}: {exc.strerror or exc}") from exc
    return path


def append_fragment(derivation: Any, path: str | Path, check: CheckMode = "comment") -> Path:
    """Append one derivation to ``path`` as an ``align*`` fragment (the magics' ``--tex FILE``)."""
    path = Path(path)
    stamp = "%% --- mfml_sym %s ---\n" % datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            if handle.tell() > 0:
                handle.write("\n")
            handle.write(stamp + fragment(derivation, check=check))
    except OSError as exc:
        raise OptionError(f"cannot append to {str(path)!r}: {exc.strerror or exc}") from exc
    return path


def compile_pdf(tex_path: str | Path, timeout: float = 300) -> Path:
    """Run pdflatex on ``tex_path`` (in its folder); return the PDF path or raise with the log's error."""
    tex_path = Path(tex_path).resolve()
    pdflatex = shutil.which("pdflatex")
    if pdflatex is None:
        raise UnsupportedError(
            "pdflatex is not installed; install a small TeX (scripts/install-latex.sh: "
            "apt-get install texlive-latex-base) or compile the .tex file elsewhere"
        )
    try:
        proc = subprocess.run(
            [pdflatex, "-interaction=nonstopmode", "-halt-on-error", tex_path.name],
            cwd=tex_path.parent, capture_output=True, text=True, timeout=timeout,
        )
    except subprocess.TimeoutExpired as exc:
        raise UnsupportedError(f"pdflatex did not finish within {timeout:.0f} s on {tex_path.name}") from exc
    pdf = tex_path.with_suffix(".pdf")
    if proc.returncode != 0 or not pdf.exists():
        errors = [line for line in proc.stdout.splitlines() if line.startswith("!")]
        raise UnsupportedError(
            f"pdflatex failed on {tex_path.name}: " + ("; ".join(errors[:3]) or f"exit code {proc.returncode}")
            + f" (log: {tex_path.with_suffix('.log')})"
        )
    return pdf
