"""Time budgets stop runaway symbolic work and report which step ran out."""
from __future__ import annotations

import time

import pytest
import sympy as sp

from mfml_sym.budget import bounded, time_budget
from mfml_sym.errors import BudgetExceeded, MfmlError


def _spin():
    while True:
        pass


def test_budget_interrupts_a_loop_and_names_the_step():
    start = time.monotonic()
    with pytest.raises(BudgetExceeded, match="^simplify the Hessian ran past its time budget"):
        with time_budget(0.2, step="simplify the Hessian"):
            _spin()
    assert time.monotonic() - start < 2


def test_budget_interrupts_sympy():
    x = sp.Symbol("x")
    start = time.monotonic()
    with pytest.raises(BudgetExceeded):
        with time_budget(0.3, step="expand"):
            sp.expand((x + 1) ** 400 * (x - 3) ** 300 * (x + 7) ** 200)
    assert time.monotonic() - start < 2


def test_inner_budget_expiry_leaves_outer_running():
    with time_budget(5, step="outer"):
        with pytest.raises(BudgetExceeded, match="inner"):
            with time_budget(0.1, step="inner"):
                _spin()
        assert sum(range(1000)) == 499500


def test_outer_budget_wins_over_a_longer_inner_one():
    with pytest.raises(BudgetExceeded, match="^outer"):
        with time_budget(0.2, step="outer"):
            with time_budget(10, step="inner"):
                _spin()


def test_bounded_returns_fallback_on_overrun_and_value_otherwise():
    assert bounded(_spin, seconds=0.1, fallback="kept") == "kept"
    assert bounded(lambda: 42, seconds=1) == 42


def test_budget_error_is_an_mfml_error_with_hint():
    with pytest.raises(MfmlError) as info:
        with time_budget(0.05, step="solve"):
            _spin()
    assert "--timeout" in str(info.value)
