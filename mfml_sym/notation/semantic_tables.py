"""Names the semantic pass knows by default, and small shared helpers."""
from __future__ import annotations

import sympy
from sympy import Abs, Eq, Ge, Gt, Le, Lt, MatrixBase, MatrixExpr, Ne, Symbol


_ELEMENTWISE = {"sin": sympy.sin, "cos": sympy.cos, "tan": sympy.tan, "exp": sympy.exp,
                "log": sympy.log, "tanh": sympy.tanh, "sinh": sympy.sinh, "cosh": sympy.cosh,
                "abs": Abs, "sign": sympy.sign, "erf": sympy.erf, "atan": sympy.atan,
                "asin": sympy.asin, "acos": sympy.acos, "cot": sympy.cot, "sec": sympy.sec,
                "csc": sympy.csc, "coth": sympy.coth, "log10": lambda t: sympy.log(t, 10),
                "sqrt": sympy.sqrt, "erfc": sympy.erfc, "sech": sympy.sech, "csch": sympy.csch}
DEFAULT_FUNCTIONS = {"f", "g", "h", "k", "p", "q", "L", "sigma", "phi", "psi", "ell", "F", "G",
                     "J", "T", "relu", "ReLU", "varphi"}
COUNTS = {"N", "K", "D", "T", "M"}
# user functions that act entrywise on a vector argument (the logistic sigma, ReLU)
ELEMENTWISE_NAMES = {"sigma", "ReLU", "relu", "softplus", "varphi"}
# covariance, precision and scale matrices are square by the book's usage
SQUARE_BY_NAME = {"Sigma", "Lambda", "Psi", "I", "H", "S"}
_RELS = {"=": Eq, "<": Lt, ">": Gt, "<=": Le, ">=": Ge, "!=": Ne}


def is_matrix(e) -> bool:
    return isinstance(e, (MatrixExpr, MatrixBase))


def _t():
    return Symbol("t", real=True)
