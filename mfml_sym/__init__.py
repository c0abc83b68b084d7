"""mfml_sym: exact, checked derivations for the mathematics of machine learning.

The Python API is the same as the three cell magics::

    import mfml_sym as ms
    d = ms.derive("f(x, y) = x^2 y + \\sin(x y)", "gradient", "hessian")
    d["gradient"], d.check().passed, d.numpy("gradient")(x=0.3, y=-1.2)

Importing the package has no side effects and defers the heavy imports (sympy, numpy) until
a function is first used; ``%load_ext mfml_sym`` registers the magics.
"""
from __future__ import annotations

from importlib import import_module
from typing import Any

from .errors import (
    BudgetExceeded,
    CheckFailed,
    DataError,
    MfmlError,
    OptionError,
    ParseError,
    ShapeError,
    UnsupportedError,
)

__version__ = "0.1.0"

# public name -> module that defines it (imported on first use)
_LAZY = {
    "parse": "mfml_sym.notation",
    "parse_expression": "mfml_sym.notation",
    "derive": "mfml_sym.calculus",
    "lagrange": "mfml_sym.optimize",
    "posterior": "mfml_sym.bayes",
    "export": "mfml_sym.render.export",
    "Derivation": "mfml_sym.derivation",
    "CheckReport": "mfml_sym.derivation",
    "Problem": "mfml_sym.problem",
    "settings": "mfml_sym.budget",
}

# the API functions a user calls: only MfmlErrors may leave them
_BOUNDARY = {"parse", "parse_expression", "derive", "lagrange", "posterior", "export"}

__all__ = sorted(
    [
        "MfmlError",
        "ParseError",
        "ShapeError",
        "UnsupportedError",
        "CheckFailed",
        "BudgetExceeded",
        "DataError",
        "OptionError",
        *_LAZY,
    ]
)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'mfml_sym' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    if name in _BOUNDARY:
        from .errors import at_the_boundary

        value = at_the_boundary(value)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


def load_ipython_extension(ipython) -> None:
    """``%load_ext mfml_sym``: register %%derive, %%lagrange and %%posterior."""
    from .magics import load_ipython_extension as load

    load(ipython)


def unload_ipython_extension(ipython) -> None:
    """``%unload_ext mfml_sym``: remove the magics again."""
    from .magics import unload_ipython_extension as unload

    unload(ipython)
