"""Time budgets for symbolic work that can run away (simplify, solve, integrate, series).

``with time_budget(seconds, step="simplify the Hessian"):`` raises :class:`BudgetExceeded`
inside the running sympy call when the budget is spent. In the main thread (an IPython
kernel runs cells there) the interruption comes from ``SIGALRM`` via ``setitimer``, which stops
sympy where it stands; budgets nest (the inner one can only shorten the outer). Off the main
thread no signal can be used and the block runs unbounded; ``bounded(fn, ...)`` offers a
fallback value instead of an error for steps that are optional (simplification).
"""
from __future__ import annotations

import contextlib
import signal
import threading
import time
from typing import Any, Callable, Iterator, TypeVar

from .errors import BudgetExceeded

__all__ = ["settings", "time_budget", "bounded", "remaining", "report_progress"]

T = TypeVar("T")


class Settings:
    """Session-wide defaults (``mfml_sym.settings.timeout = 20``)."""

    def __init__(self) -> None:
        self.timeout: float = 30.0  # seconds for one whole derivation
        self.simplify_timeout: float = 3.0  # seconds for one optional simplification
        self.check_points: int = 8  # random points of a numeric check
        self.seed: int = 20201  # numeric checks are deterministic
        # called with the name of each step as it starts (the magics show it after ~1 s)
        self.progress: Callable[[str], None] | None = None


settings = Settings()

_deadlines: list[float] = []


class _Expired(BaseException):
    """Raised by the alarm; BaseException so sympy's ``except Exception`` cannot swallow it."""


def _can_signal() -> bool:
    return threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")


def remaining() -> float | None:
    """Seconds left in the innermost budget, or None when unbounded."""
    if not _deadlines:
        return None
    return max(0.0, min(_deadlines) - time.monotonic())


def report_progress(step: str) -> None:
    """Tell whoever listens (a notebook's progress line) which step is starting."""
    listener = settings.progress
    if listener is not None:
        try:
            listener(step)
        except Exception:  # a display problem must never break a derivation
            pass


def _on_alarm(signum, frame):  # pragma: no cover - timing dependent
    raise _Expired()


@contextlib.contextmanager
def time_budget(seconds: float | None, step: str = "symbolic step") -> Iterator[None]:
    """Run the block under a budget of ``seconds``; raise BudgetExceeded naming ``step``."""
    report_progress(step)
    if seconds is None or not _can_signal():
        yield
        return
    outer = min(_deadlines) if _deadlines else float("inf")
    deadline = min(time.monotonic() + seconds, outer)
    _deadlines.append(deadline)
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, max(1e-3, deadline - time.monotonic()))
    try:
        yield
    except _Expired:
        if outer <= deadline:
            raise  # the enclosing budget is the one that ran out: it reports
        raise BudgetExceeded(
            f"{step} ran past its time budget of {seconds:g} s",
            step=step,
            hint="raise the budget with --timeout (or mfml_sym.settings.timeout), or simplify the input",
        ) from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        _deadlines.pop()
        signal.signal(signal.SIGALRM, previous)
        if _deadlines:
            signal.setitimer(signal.ITIMER_REAL, max(1e-3, min(_deadlines) - time.monotonic()))


def bounded(fn: Callable[..., T], *args: Any, seconds: float | None = None, fallback: Any = None,
            step: str = "simplification", **kwargs: Any) -> T:
    """``fn(*args)`` under a budget; on overrun return ``fallback`` instead of raising."""
    seconds = settings.simplify_timeout if seconds is None else seconds
    try:
        with time_budget(seconds, step=step):
            return fn(*args, **kwargs)
    except BudgetExceeded:
        return fallback
