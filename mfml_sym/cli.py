"""``mfml-sym``: the three magics in a terminal, and notebook -> notes export.

::

    mfml-sym derive 'f(x, y) = x^2 y + \\sin(x y)' gradient hessian
    mfml-sym derive -f model.tex gradient --wrt w --latex
    echo '\\max_{x,y} x y \\quad \\text{s.t.} \\quad x^2 + y^2 = 1' | mfml-sym lagrange
    mfml-sym posterior -f model.tex --data 'x=[1,0,1,1]'
    mfml-sym export notebooks/00_tour.ipynb -o notes.tex --pdf

The cell text is the first argument, the file given with ``-f`` (``-f -`` for stdin), or stdin
when no text is given; the remaining words are operations (for ``derive``). The output is the
derivation as text, its LaTeX with ``--latex`` (one ``aligned`` block), or a complete document
with ``--document``; ``--tex FILE`` appends it to a notes file. Exit status: 0 done (check passed or none
available), 1 an error in the input (one message, no traceback), 2 a usage error, 3 the numeric
check FAILED, 4 a result stated in the text (``derive --verify``) is wrong -- so a Makefile stops
on a wrong result.
"""
from __future__ import annotations

import argparse
import ast
import json
import re
import sys
from pathlib import Path
from typing import Any, Sequence

from .errors import MfmlError, OptionError

__all__ = ["main", "build_parser", "notebook_derivations", "export_notebook"]

MAGICS = ("derive", "lagrange", "posterior")
EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_CHECK_FAILED, EXIT_CLAIM_WRONG = 0, 1, 2, 3, 4


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("words", nargs="*", metavar="TEXT/OPERATION",
                        help="the cell text (quoted) and then operations; omit the text to read -f FILE or stdin")
    parser.add_argument("-f", "--file", metavar="FILE", help="read the cell text from FILE ('-' for stdin)")
    parser.add_argument("--latex", action="store_true", help="print the LaTeX (one aligned block) instead of text")
    parser.add_argument("--document", action="store_true",
                        help="print a complete LaTeX document (compiles with pdflatex) instead of text")
    parser.add_argument("--no-steps", dest="steps", action="store_false", default=True,
                        help="show only the results and the check")
    parser.add_argument("--no-check", dest="check", action="store_false", default=True,
                        help="skip the numeric check (not recommended)")
    parser.add_argument("--tex", metavar="FILE", help="also append the derivation to the .tex file FILE")
    parser.add_argument("--timeout", type=float, metavar="SECONDS", help="time budget for the symbolic work")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mfml-sym",
        description="Exact, numerically checked derivations for the maths of machine learning.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=(
            "examples:\n"
            "  mfml-sym derive 'f(x, y) = x^2 y + \\sin(x y)' gradient hessian\n"
            "  mfml-sym derive -f model.tex gradient --wrt w --latex\n"
            "  echo '\\max_{x,y} x y \\quad \\text{s.t.} \\quad x^2 + y^2 = 1' | mfml-sym lagrange\n"
            "  mfml-sym posterior -f model.tex --data x=@flips.txt\n"
            "  mfml-sym export notebook.ipynb -o notes.tex --pdf\n\n"
            "exit status: 0 done, 1 input error, 2 usage error, 3 numeric check FAILED, 4 a stated result is wrong"
        ),
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    derive = sub.add_parser("derive", help="derivatives, gradients, Hessians, Taylor polynomials, ...")
    _common(derive)
    derive.add_argument("--wrt", metavar="NAMES", help="variables to differentiate with respect to, comma-separated")
    derive.add_argument("--order", type=int, help="order of a Taylor polynomial or of a derivative")
    derive.add_argument("--at", metavar="POINT", help="expansion/evaluation point, e.g. 'x=0,y=1'")
    derive.add_argument("--along", metavar="VECTOR", help="direction of a directional derivative, e.g. '1,2'")
    derive.add_argument("--verify", "--check-claims", dest="verify", action="store_true",
                        help="verify the results stated in the text (the magic's --check)")
    derive.add_argument("--layout", choices=("column", "row"), default="column",
                        help="gradient layout: column (shape of the variable, default) or the book's row vector")
    derive.add_argument("--syntax", choices=("auto", "latex", "sympy"), default="auto", help="input syntax")
    form = derive.add_mutually_exclusive_group()
    form.add_argument("--expand", action="store_true", help="show results expanded")
    form.add_argument("--raw", action="store_true", help="show results as differentiated, unsimplified")

    lagrange = sub.add_parser("lagrange", help="constrained optima with Lagrange multipliers / KKT")
    _common(lagrange)
    lagrange.add_argument("--sense", choices=("min", "max"), help="override the sense written in the text")
    lagrange.add_argument("--starts", type=int, metavar="N", help="random starts of the numeric cross-check")

    posterior = sub.add_parser("posterior", help="conjugate posteriors, predictive, evidence")
    _common(posterior)
    posterior.add_argument("--data", action="append", default=[], metavar="NAME=VALUE",
                           help="observed data: a literal list (x=[1,0,1]) or numbers in a file (x=@flips.txt)")

    export = sub.add_parser("export", help="collect the derivations of an executed notebook into one .tex document")
    export.add_argument("notebook", metavar="NOTEBOOK.ipynb")
    export.add_argument("-o", "--output", metavar="FILE.tex", help="output file (default: NOTEBOOK.tex beside it)")
    export.add_argument("--title", help="document title (default: the notebook's name)")
    export.add_argument("--pdf", action="store_true", help="also compile the document with pdflatex")
    return parser


# -- the three magics ---------------------------------------------------------------------------
_OPERATION = re.compile(r"[A-Za-z_][\w-]*")


def _split_words(args: argparse.Namespace) -> tuple[str, list[str]]:
    """(cell text, operations) from ``TEXT [OPS...]``, ``-f FILE [OPS...]`` or stdin."""
    words = list(args.words)
    if args.file:
        if args.file == "-":
            return sys.stdin.read(), words
        try:
            return Path(args.file).read_text(encoding="utf-8"), words
        except OSError as exc:
            raise OptionError(f"cannot read {args.file!r}: {exc.strerror or exc}") from None
    if words and not _OPERATION.fullmatch(words[0]):
        return words[0], words[1:]
    if sys.stdin is None or sys.stdin.isatty():
        raise OptionError("no input: give the text as the first argument, with -f FILE, or on stdin")
    return sys.stdin.read(), words


def _data(items: Sequence[str]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name or not value:
            raise OptionError(f"--data expects NAME=VALUE, got {item!r}")
        if value.startswith("@"):
            import numpy as np

            try:
                data[name] = np.loadtxt(value[1:], ndmin=1).tolist()
            except (OSError, ValueError) as exc:
                raise OptionError(f"--data {name}={value}: cannot read numbers from {value[1:]!r}: {exc}") from None
            continue
        try:
            data[name] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            raise OptionError(f"--data {name}={value}: not a literal (write e.g. {name}=[1,0,1] or {name}=@file.txt)") from None
    return data


def _run_magic(args: argparse.Namespace) -> Any:
    import mfml_sym

    text, words = _split_words(args)
    if not text.strip():
        raise OptionError("the input text is empty")
    options: dict[str, Any] = {"steps": args.steps, "check": args.check}
    if args.timeout is not None:
        options["timeout"] = args.timeout
    if args.command == "derive":
        operations = list(words)
        if args.verify and "check" not in operations:
            operations.append("check")
        if args.wrt:
            options["wrt"] = [w.strip() for w in args.wrt.split(",") if w.strip()]
        for key in ("order", "at", "along"):
            if getattr(args, key) is not None:
                options[key] = getattr(args, key)
        options["layout"] = args.layout
        if args.expand or args.raw:
            options["form"] = "expand" if args.expand else "raw"
        if args.syntax != "auto":
            options["syntax"] = args.syntax
        return mfml_sym.derive(text, *operations, **options)
    if words:
        raise OptionError(f"{args.command} takes no operations (got {' '.join(words)!r}); quote the text as one argument")
    if args.command == "lagrange":
        if args.sense:
            options["sense"] = args.sense
        if args.starts is not None:
            options["numeric_starts"] = args.starts
        return mfml_sym.lagrange(text, **options)
    data = _data(args.data)
    return mfml_sym.posterior(text, data=data or None, **options)


def _check_failed(result: Any) -> bool:
    try:
        report = result.check()
    except Exception:
        return True
    method = getattr(report, "method", "")
    return not report.passed and not (not report.points and method.startswith("no numeric check"))


# -- notebook export ----------------------------------------------------------------------------
_MAGIC_LINE = re.compile(r"^\s*%%(derive|lagrange|posterior)\b")


def notebook_derivations(path: str | Path) -> list[tuple[str, str]]:
    """``(cell source, LaTeX payload)`` for every derivation output of an executed notebook, in order."""
    path = Path(path)
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise OptionError(f"cannot read {str(path)!r}: {exc.strerror or exc}") from None
    except json.JSONDecodeError as exc:
        raise OptionError(f"{str(path)!r} is not a notebook (invalid JSON: {exc.msg}, line {exc.lineno})") from None
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if cells is None:
        raise OptionError(f"{str(path)!r} is not a notebook (no 'cells')")
    found = []
    for cell in cells:
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        if not _MAGIC_LINE.match(source):
            continue
        for output in cell.get("outputs", []):
            payload = output.get("data", {}).get("text/latex") if isinstance(output, dict) else None
            if payload is None:
                continue
            payload = "".join(payload) if isinstance(payload, list) else str(payload)
            if "\\begin{aligned}" in payload:
                found.append((source, payload))
    return found


def export_notebook(notebook: str | Path, output: str | Path | None = None, title: str | None = None,
                    pdf: bool = False) -> tuple[Path, Path | None, int]:
    """Write every derivation of ``notebook`` into one document; returns (tex, pdf or None, count)."""
    from .render.export import _comment, compile_pdf, latex_document, to_align

    notebook = Path(notebook)
    items = notebook_derivations(notebook)
    if not items:
        raise OptionError(
            f"no derivations found in {str(notebook)!r}: execute the notebook first "
            "(jupyter nbconvert --to notebook --execute) so its %%derive/%%lagrange/%%posterior outputs are saved"
        )
    blocks = [_comment("In: " + source.strip()) + "\n" + to_align(payload) for source, payload in items]
    output = Path(output) if output else notebook.with_suffix(".tex")
    text = latex_document(blocks, title=title if title is not None else notebook.stem)
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise OptionError(f"cannot write {str(output)!r}: {exc.strerror or exc}") from None
    return output, compile_pdf(output) if pdf else None, len(items)


# -- entry point ----------------------------------------------------------------------------------
def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (see the module docstring)."""
    for stream in (sys.stdout, sys.stderr):  # σ, ∇, ✓ on a terminal without UTF-8
        if hasattr(stream, "reconfigure") and (getattr(stream, "encoding", "") or "").lower().replace("-", "") != "utf8":
            stream.reconfigure(errors="backslashreplace")
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits on --help and on usage errors
        return int(exc.code or 0)
    try:
        if args.command == "export":
            tex, pdf, count = export_notebook(args.notebook, args.output, args.title, args.pdf)
            print(f"wrote {count} derivation{'s' if count != 1 else ''} to {tex}" + (f" and {pdf}" if pdf else ""))
            return EXIT_OK
        result = _run_magic(args)
        if args.tex:
            from .render.export import append_fragment

            append_fragment(result, args.tex)
        if args.document:
            from .render.export import latex_document

            print(latex_document([result]), end="")
        else:
            print(result.latex() if args.latex else result.text())
        if args.check and _check_failed(result):
            return EXIT_CHECK_FAILED
        if any(getattr(v, "correct", None) is False for v in getattr(result, "verdicts", None) or []):
            return EXIT_CLAIM_WRONG
        return EXIT_OK
    except MfmlError as exc:
        print(exc.display(), file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `mfml-sym ... | head`: the reader left, nothing more to say
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
