"""Execute notebooks top to bottom in a real Jupyter kernel; write the executed copy and HTML.

    .venv/bin/python scripts/run_notebooks.py notebooks/00_tour.ipynb --out out/

Used by the README's main-job command (scripts/tour.sh) and by tests/test_notebooks.py. The
kernel is the project's own (``mfml-sym``, installed into .venv by scripts/setup.sh), so the
notebook sees the installed package whatever other kernels the machine has.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

KERNEL = "mfml-sym"


def ensure_kernel() -> str:
    """Install this environment's kernel spec under the name ``mfml-sym`` if it is missing."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(KERNEL)
    except NoSuchKernel:
        from ipykernel.kernelspec import install

        install(kernel_name=KERNEL, display_name="Python (mfml_sym)", prefix=sys.prefix)
    return KERNEL


def error_outputs(nb) -> list[str]:
    """Every error output of an executed notebook, as 'cell N: ename: evalue'."""
    found = []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                found.append(f"cell {index}: {output.get('ename')}: {output.get('evalue')}")
    return found


def execute(path: Path, timeout: int = 600):
    """Run the notebook in a fresh kernel, from its own folder; return the executed notebook."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=timeout, kernel_name=ensure_kernel(), allow_errors=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    return nb


def write_outputs(nb, path: Path, out: Path) -> tuple[Path, Path]:
    from nbconvert import HTMLExporter

    out.mkdir(parents=True, exist_ok=True)
    executed = out / path.name
    nbformat.write(nb, executed)
    html, _ = HTMLExporter().from_notebook_node(nb)
    page = out / (path.stem + ".html")
    page.write_text(html, encoding="utf-8")
    return executed, page


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, default=Path("out"))
    args = parser.parse_args(argv)
    status = 0
    for path in args.notebooks:
        start = time.monotonic()
        print(f"executing {path} in a real kernel ...", flush=True)
        try:
            nb = execute(path)
        except Exception as exc:  # report and go on with the next notebook
            print(f"FAILED {path}: {type(exc).__name__}: {str(exc)[:2000]}")
            status = 1
            continue
        executed, page = write_outputs(nb, path, args.out)
        print(f"  ok in {time.monotonic() - start:.1f} s -> {executed} and {page}")
    return status


if __name__ == "__main__":
    sys.exit(main())
