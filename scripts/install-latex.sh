#!/usr/bin/env sh
# Install a small LaTeX (pdflatex with amsmath, amssymb, bm) when pdflatex is missing.
# Debian/Ubuntu: texlive-latex-base (~55 MB; brings texlive-base with amsfonts and the tools
# bundle with bm). Used by the README commands and .ci/run before the test suite; the tests
# that compile exported notes skip with a visible reason when no LaTeX can be installed.
set -eu
if command -v pdflatex >/dev/null 2>&1; then
    echo "pdflatex present: $(command -v pdflatex)"
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "pdflatex missing and apt-get not available; install a TeX distribution by hand" >&2
    exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
        echo "pdflatex missing and not root (no sudo); cannot install texlive-latex-base" >&2
        exit 1
    fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends texlive-latex-base >/dev/null
command -v pdflatex
