"""Coverage-guided fuzzing of the notation front end and the three APIs with atheris.

    .venv/bin/pip install -e '.[fuzz]'
    .venv/bin/python scripts/fuzz_atheris.py -atheris_runs=20000      # libFuzzer options pass through

Seeds are the LaTeX cells of the public examples (scripts/fuzz.py's corpus). A byte string is
decoded as a cell; the first byte picks the API (parse, derive, lagrange, posterior). Anything
but an MfmlError is a crash that libFuzzer reports with the input that caused it; each API call
runs under a small time budget so that a slow input cannot stall the run.
"""
from __future__ import annotations

import sys
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fuzz import corpus  # noqa: E402  (the harness itself is not instrumented)

# instrument the engine's modules, imported eagerly here (the package imports them lazily)
with atheris.instrument_imports(include=["mfml_sym"]):
    import mfml_sym as ms
    import mfml_sym.bayes
    import mfml_sym.calculus
    import mfml_sym.matrix_calculus
    import mfml_sym.notation
    import mfml_sym.notation.statements
    import mfml_sym.optimize
    import mfml_sym.render.derivation_text

APIS = ("parse", "derive", "lagrange", "posterior")
BUDGET = 2.0


def one_input(data: bytes) -> None:
    if not data:
        return
    api = APIS[data[0] % len(APIS)]
    text = data[1:].decode("utf-8", errors="replace")
    try:
        if api == "parse":
            ms.parse(text)
        else:
            getattr(ms, api)(text, timeout=BUDGET).check()
    except ms.MfmlError:
        pass


def seeds(folder: Path) -> Path:
    """Write the corpus cells as seed files (libFuzzer reads a directory of inputs)."""
    folder.mkdir(parents=True, exist_ok=True)
    for k, (api, text) in enumerate(corpus()):
        (folder / f"seed{k:04d}").write_bytes(bytes([APIS.index(api) if api in APIS else 0]) + text.encode())
    return folder


if __name__ == "__main__":
    import tempfile

    seed_dir = seeds(Path(tempfile.mkdtemp(prefix="mfml-fuzz-seeds-")))
    atheris.Setup(sys.argv + [str(seed_dir)], one_input)
    atheris.Fuzz()
