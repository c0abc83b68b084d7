#!/usr/bin/env bash
# The main job, from a fresh clone: set up, execute the tour notebook in a real Jupyter kernel,
# and write out/00_tour.ipynb (executed), out/00_tour.html, and the exported notes
# out/notes.tex / out/notes.pdf (the PDF when pdflatex is available).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
start=$(date +%s)
.venv/bin/python scripts/run_notebooks.py notebooks/00_tour.ipynb --out out
pdf_flag=""
if command -v pdflatex >/dev/null 2>&1; then pdf_flag="--pdf"; fi
.venv/bin/mfml-sym export out/00_tour.ipynb -o out/notes.tex $pdf_flag
echo
echo "done in $(( $(date +%s) - start )) s. Open:"
echo "  out/00_tour.html     the executed tour, rendered"
echo "  out/00_tour.ipynb    the executed notebook"
echo "  out/notes.tex        every derivation of the tour, as LaTeX for your notes"
[ -f out/notes.pdf ] && echo "  out/notes.pdf        the same, compiled"
exit 0
