"""``python -m mfml_sym ...`` is the ``mfml-sym`` command line (see :mod:`mfml_sym.cli`)."""
from __future__ import annotations

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
