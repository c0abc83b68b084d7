"""Shared helpers for the matrix-calculus tests: the public examples, symbols, random inputs.

Not a test module (no ``test_`` prefix): the tests import it.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixElement

from mfml_sym.matrix_calculus import LogSumExp, Norm, Softmax, sigmoid
from mfml_sym.problem import Definition, Problem, SymbolInfo

EXAMPLES = Path(__file__).resolve().parents[2] / "shared" / "examples" / "matrix_calculus.json"
if not EXAMPLES.exists():  # the repository may be checked out elsewhere
    EXAMPLES = Path("/work/shared/examples/matrix_calculus.json")


def load_examples() -> dict:
    return json.loads(EXAMPLES.read_text())


def dim(name):
    return sp.Symbol(name, integer=True, positive=True)


def symbols_for(inputs: dict) -> dict:
    """name -> sympy object from a case's ``inputs`` (shape [] scalar, [n] vector, [r, c] matrix)."""
    out = {}
    for name, spec in inputs.items():
        shape = spec["shape"]
        if not shape:
            out[name] = sp.Symbol(name, positive=True) if spec["kind"] == "positive" else sp.Symbol(name, real=True)
        elif len(shape) == 1:
            out[name] = sp.MatrixSymbol(name, dim(shape[0]), 1)
        else:
            out[name] = sp.MatrixSymbol(name, dim(shape[0]), dim(shape[1]))
    return out


def S(m):
    """A 1 x 1 matrix expression as a scalar (the notation layer's convention)."""
    return MatrixElement(m, 0, 0)


def _sq_norm(v):
    return Norm(v) ** 2


i_ = sp.Symbol("i", integer=True)
k_ = sp.Symbol("k", integer=True)

# sympy transcriptions of the public examples' formulas (written by hand from their LaTeX)
BUILDERS = {
    "cb071_aTXTb": lambda s: s["a"].T * s["X"].T * s["b"],
    "cb082_bTXTDXc": lambda s: s["b"].T * s["X"].T * s["D"] * s["X"] * s["c"],
    "cb088_wls_wrt_A": lambda s: (s["x"] - s["A"] * s["s"]).T * s["W"] * (s["x"] - s["A"] * s["s"]),
    "cb063_trAXinvB": lambda s: sp.Trace(s["A"] * s["X"].I * s["B"]),
    "cb062_detXinv": lambda s: sp.Determinant(s["X"].I),
    "cb114_trAXBX": lambda s: sp.Trace(s["A"] * s["X"] * s["B"] * s["X"]),
    "cb119_frobAXBC": lambda s: sp.Trace((s["A"] * s["X"] * s["B"] + s["C"]) * (s["A"] * s["X"] * s["B"] + s["C"]).T),
    "cb129_norm2": lambda s: Norm(s["x"] - s["a"]),
    "tensor_AXB_wrt_X": lambda s: s["A"] * s["X"] * s["B"],
    "mml_ex5_11_least_squares": lambda s: _sq_norm(s["y"] - s["Phi"] * s["theta"]),
    "ml_ridge_grad": lambda s: _sq_norm(s["y"] - s["X"] * s["w"]) + s["lam"] * _sq_norm(s["w"]),
    "ml_logreg_grad": lambda s: sp.Sum(
        sp.log(1 + sp.exp(S(s["X"][i_ - 1, :] * s["w"]))) - s["y"][i_ - 1, 0] * S(s["X"][i_ - 1, :] * s["w"]),
        (i_, 1, s["X"].shape[0])),
    "ml_softmax_ce_grad": lambda s: -S(s["y"].T * Softmax(s["z"]).applyfunc(sp.log)),
    "ml_logsumexp_grad": lambda s: sp.log(sp.Sum(sp.exp(s["z"][k_, 0]), (k_, 0, s["z"].shape[0] - 1))),
    "ml_nn_sigmoid_W": lambda s: _sq_norm((s["W"] * s["x"] + s["b"]).applyfunc(sigmoid) - s["y"]),
    "ml_nn_2layer_tanh_W1": lambda s: _sq_norm(s["W2"] * (s["W1"] * s["x"]).applyfunc(sp.tanh) - s["y"]),
}


def draw(kind: str, shape, gen):
    """Random input per the examples' ``input_kinds``."""
    if kind == "general":
        return gen.standard_normal(shape)
    if kind == "wellcond":
        n = shape[0]
        return 2 * np.eye(n) + 0.5 * gen.standard_normal((n, n)) / np.sqrt(n)
    if kind == "spd":
        n = shape[0]
        M = gen.standard_normal((n, n))
        return M @ M.T / n + np.eye(n)
    if kind == "symmetric":
        M = gen.standard_normal(shape)
        return (M + M.T) / 2
    if kind == "positive":
        return np.abs(gen.standard_normal(shape)) + 0.5
    if kind == "prob":
        z = gen.standard_normal(shape)
        e = np.exp(z - z.max())
        return e / e.sum()
    if kind == "binary":
        return (gen.random(shape) < 0.5).astype(float)
    if kind == "small":
        return 0.3 * gen.standard_normal(shape)
    raise ValueError(kind)


def draw_inputs(case: dict, gen) -> dict:
    out = {}
    for name, spec in case["inputs"].items():
        shape = tuple(case["dims"][d] for d in spec["shape"])
        v = draw(spec["kind"], shape, gen)
        out[name] = float(v) if shape == () else v
    return out


def problem_for(case: dict, symbols: dict) -> Problem:
    """A Problem with the declared structure: symmetric/SPD inputs other than an unstructured variable."""
    infos = {}
    wrt = case["wrt"] if isinstance(case["wrt"], str) else None
    for name, spec in case["inputs"].items():
        sym = symbols[name]
        props = set()
        kind = spec["kind"]
        if kind in ("symmetric", "spd") and (name != wrt or case.get("wrt_structure") == "symmetric"):
            props.add(kind)
        if name == wrt and case.get("wrt_structure") == "symmetric":
            props.add("symmetric")
        if kind in ("positive", "binary", "prob"):
            props.add(kind)
        if kind == "spd":
            props.add("symmetric")
        shape = getattr(sym, "shape", ())
        kind_name = "scalar" if not shape else ("vector" if shape[1] == 1 else "matrix")
        infos[name] = SymbolInfo(name, name, kind_name, sym, tuple(shape), frozenset(props))
    return Problem(source=case.get("latex", ""), symbols=infos)


def definition(expr, name="f") -> Definition:
    return Definition(line=1, text="", name=name, expr=expr)


def namespace(preamble: str) -> dict:
    ns: dict = {}
    exec(preamble, ns)
    return ns
