"""Numbers for a symbolic posterior quantity once the data and hyperparameters are known."""
from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp


def evaluate_with(expr: Any, dimensions: dict, replacements: dict) -> Any:
    """``expr`` with the dimensions fixed and matrix symbols replaced by numeric matrices.

    Returns a float for a scalar and a numpy array for a matrix. Replacement runs twice because
    ``doit`` can unfold expressions (inverses, traces) that expose symbols again.
    """
    e = sp.sympify(expr).subs(dimensions)
    out = e.xreplace(replacements).doit()
    out = out.xreplace(replacements).doit()
    if hasattr(out, "shape"):
        return np.array(sp.Matrix(out).evalf(), dtype=float)
    return float(sp.N(out))
