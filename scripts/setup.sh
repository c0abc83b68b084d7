#!/usr/bin/env bash
# Set up everything mfml_sym needs on a fresh clone: a virtual environment with the package
# and its test extra, the node renderers (KaTeX, MathJax) and a LaTeX compiler when possible.
# Idempotent: a second run only checks. Used by scripts/test.sh and scripts/tour.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "[setup] creating .venv with $($PYTHON --version)"
  "$PYTHON" -m venv .venv
fi
if ! .venv/bin/python -c "import mfml_sym, pytest, nbclient, ipykernel, lark" 2>/dev/null \
   || [ pyproject.toml -nt .venv/.mfml_installed ]; then
  echo "[setup] installing mfml_sym and its test extra into .venv"
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e '.[test]'
  touch .venv/.mfml_installed
fi

# Node renderers for the LaTeX tests (versions pinned by tests/js/package-lock.json).
if [ -f tests/js/package-lock.json ] && [ ! -d tests/js/node_modules ]; then
  if command -v npm >/dev/null 2>&1; then
    echo "[setup] installing KaTeX and MathJax for the render tests"
    npm ci --prefix tests/js --no-audit --no-fund --loglevel=error
  else
    echo "[setup] npm not found: the render tests will say so"
  fi
fi

# pdflatex for the export tests and the notes PDF (Debian's texlive-latex-base, ~55 MB).
if ! command -v pdflatex >/dev/null 2>&1 && [ -f scripts/install-latex.sh ]; then
  bash scripts/install-latex.sh || echo "[setup] LaTeX could not be installed: the PDF steps will say so"
fi
