"""Derivation cost at symbolic size and the shape of the generated numpy code.

Wall-clock speed of the generated code against hand-written numpy is measured by
``python -m mfml_sym.matrix_calculus.benchmark`` (not asserted here: the machine is shared).
"""
from __future__ import annotations

import time

import numpy as np
import pytest

from mfml_sym.matrix_calculus.benchmark import _derive, objectives

OBJECTIVES = objectives()


@pytest.mark.parametrize("obj", OBJECTIVES, ids=[o.name for o in OBJECTIVES])
def test_derivation_at_symbolic_size_is_fast(obj):
    _derive(obj)  # warm caches (imports, sympy's first-use costs)
    start = time.process_time()
    d = _derive(obj)
    results = [d[op] for op in obj.operations]
    spent = time.process_time() - start
    assert spent < 1.0, f"{obj.name}: {spent:.2f} s of CPU"
    assert all(r is not None for r in results)


@pytest.mark.parametrize("obj", OBJECTIVES, ids=[o.name for o in OBJECTIVES])
def test_generated_code_uses_matrix_operations_and_agrees_with_hand_written(obj):
    d = _derive(obj)
    gen = np.random.default_rng(11)
    for size in (7, 40):
        values = obj.inputs(size, gen)
        for op in obj.operations:
            fn = d.numpy(op)
            source = fn.source
            assert "for " not in source and any(op_ in source for op_ in ("@", "_solve(", "_inv("))
            assert "_inv(" not in source or source.count("_inv(") == 1  # an inverse is computed once at most
            np.testing.assert_allclose(fn(**values), obj.hand[op](**values), rtol=1e-8, atol=1e-10)


def test_derived_results_read_as_the_book():
    texts = {o.name: {op: str(_derive(o)[op]) for op in o.operations} for o in OBJECTIVES}
    assert texts["least squares"]["gradient"] == "2*X.T*(X*w - y)"
    assert texts["logistic regression"]["gradient"] == "X.T*(sigmoid(X*w) - y)"
    assert texts["logistic regression"]["hessian"].startswith("X.T*diag(")
    assert "Sigma**(-1)*(-mu + x)" in texts["Gaussian log-likelihood in mu"]["gradient"]
