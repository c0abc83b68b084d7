#!/usr/bin/env bash
# Set up from a fresh clone and run the whole test suite (what CI runs).
# Extra arguments go to pytest, e.g.  bash scripts/test.sh -m "not slow"
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
set +e
.venv/bin/python -m pytest "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests (exit 5): treating as failure, a test run must test something"
  exit 1
fi
exit "$status"
