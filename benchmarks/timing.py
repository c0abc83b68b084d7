"""Timing primitives of the benchmark suite: medians over repeats, capped runs, "n/a" results.

Every figure in the table is a :class:`Figure`: a median in seconds (with the worst repeat), a
lower bound when a capped run hit its time limit (``">8s"``), or ``n/a`` with the reason. A
measurement that raises never stops the suite: :func:`guarded` turns the exception into an
``n/a`` figure, so a capability our engine does not have yet shows up in the table as such.
"""
from __future__ import annotations

import gc
import multiprocessing as mp
import statistics
import time
import traceback
from dataclasses import dataclass
from typing import Any, Callable

__all__ = ["Figure", "measure", "measure_interleaved", "guarded", "capped", "fmt_seconds", "fmt_ratio", "ratio"]


@dataclass
class Figure:
    """One measured figure: median seconds, or a lower bound (timed out), or n/a with a reason."""

    median: float | None = None
    worst: float | None = None
    repeats: int = 0
    at_least: float | None = None  # the run was stopped after this many seconds
    reason: str = ""  # why there is no figure
    value: Any = None  # what the measured call returned (first run), for correctness checks

    @property
    def ok(self) -> bool:
        return self.median is not None

    def __str__(self) -> str:
        if self.median is not None:
            return fmt_seconds(self.median)
        if self.at_least is not None:
            return f">{self.at_least:g} s"
        return f"n/a ({self.reason})" if self.reason else "n/a"


def na(reason: str) -> Figure:
    return Figure(reason=reason)


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    text = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return text if len(text) <= 90 else text[:87] + "..."


def measure(fn: Callable[[], Any], *, repeats: int = 5, warmup: int = 1, target: float = 0.05,
            max_seconds: float = 6.0, setup: Callable[[], Any] | None = None) -> Figure:
    """Median wall time of ``fn()`` in seconds, ``timeit``-style.

    Runs ``warmup`` untimed calls, then ``repeats`` timed samples; a sample loops ``fn`` enough
    times to last about ``target`` seconds (so fast calls are not dominated by timer noise) and
    records the time per call. Slow calls use fewer repeats so one measurement stays near
    ``max_seconds`` (never fewer than 3 samples unless a single call exceeds the budget).
    ``setup`` runs before each timed call (not timed) — e.g. clearing sympy's cache.
    """
    value = None
    for i in range(warmup):
        if setup:
            setup()
        out = fn()
        if i == 0:
            value = out
    # calibrate: how long does one call take?
    if setup:
        setup()
    t0 = time.perf_counter()
    out = fn()
    one = time.perf_counter() - t0
    if warmup == 0:
        value = out
    if setup is not None or one >= target:
        loops = 1
    else:
        loops = max(1, int(target / max(one, 1e-7)))
    per_sample = one * loops
    n = repeats if per_sample * repeats <= max_seconds else max(1 if one > max_seconds / 3 else 3,
                                                                 int(max_seconds / max(per_sample, 1e-9)))
    n = min(n, repeats)
    samples = [one] if n == 1 else []
    gc_was = gc.isenabled()
    gc.disable()
    try:
        while len(samples) < n:
            if setup:
                setup()
            t0 = time.perf_counter()
            for _ in range(loops):
                fn()
            samples.append((time.perf_counter() - t0) / loops)
    finally:
        if gc_was:
            gc.enable()
    return Figure(median=statistics.median(samples), worst=max(samples), repeats=len(samples), value=value)


def guarded(measurement: Callable[[], Figure]) -> Figure:
    """Run a measurement; any exception becomes an ``n/a (reason)`` figure instead of a crash."""
    try:
        return measurement()
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # noqa: BLE001 - a benchmark must never take the suite down
        if isinstance(exc, SystemExit):
            return na(f"exited: {exc}")
        fig = na(_short(exc))
        fig.value = traceback.format_exc(limit=3)
        return fig


def _child(conn, fn, args):
    try:
        t0 = time.perf_counter()
        out = fn(*args)
        conn.send(("ok", time.perf_counter() - t0, out))
    except BaseException as exc:  # noqa: BLE001
        conn.send(("error", 0.0, _short(exc)))
    finally:
        conn.close()


def capped(fn: Callable[..., Any], *args: Any, limit: float) -> Figure:
    """Time one call of ``fn(*args)`` in a forked child process, stopped after ``limit`` seconds.

    Used for raw sympy elementwise expansion, whose cost explodes with n: the child is killed
    at the limit and the figure reads ``>limit s``. ``fn`` must return something picklable
    (or None). The time is measured inside the child, so process start-up is not counted.
    """
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, fn, args), daemon=True)
    proc.start()
    child.close()
    deadline = time.monotonic() + limit + 1.0  # the child's own timer starts slightly later
    result = None
    if parent.poll(max(0.0, deadline - time.monotonic())):
        try:
            result = parent.recv()
        except EOFError:
            result = None
    if result is None:
        proc.kill()
        proc.join()
        if proc.exitcode not in (None, 0) and proc.exitcode != -9:
            return na(f"child process died (exit code {proc.exitcode})")
        return Figure(at_least=limit)
    proc.join()
    status, seconds, out = result
    if status == "error":
        return na(out)
    if seconds > limit:
        return Figure(at_least=limit)
    return Figure(median=seconds, worst=seconds, repeats=1, value=out)


def fmt_seconds(s: float | None) -> str:
    """Human units: 12.3 µs, 4.56 ms, 1.23 s."""
    if s is None:
        return "n/a"
    if s < 1e-3:
        return f"{s * 1e6:.3g} µs"
    if s < 1:
        return f"{s * 1e3:.3g} ms"
    return f"{s:.3g} s"


def ratio(ours: Figure, anchor: Figure) -> float | None:
    """ours / anchor (> 1 means we are slower), or None when either side has no median."""
    if ours.median is None or anchor.median is None or anchor.median <= 0:
        return None
    return ours.median / anchor.median


def fmt_ratio(ours: Figure, anchor: Figure) -> str:
    """Ratio cell: '1.07×', or a bound when the anchor timed out, or 'n/a'."""
    r = ratio(ours, anchor)
    if r is not None:
        return f"{r:.3g}×" if r >= 0.01 else f"{r:.1e}×"
    if ours.median is not None and anchor.at_least is not None:
        return f"<{ours.median / anchor.at_least:.2g}×"
    return "n/a"


def measure_interleaved(fns: dict[str, Callable[[], Any]], *, repeats: int = 7, warmup: int = 1,
                        target: float = 0.03, max_seconds: float = 6.0) -> dict[str, Figure]:
    """Median time per call of several contenders, sampled in alternation (A B C, B C A, C A B, ...).

    On a shared machine the load drifts during a run; alternating the samples makes every
    contender see the same conditions, so their ratio is fair even when absolute times wobble.
    Each sample loops a fast call to last about ``target`` seconds. The number of rounds is cut
    (to no fewer than 3) when all contenders together would exceed ``max_seconds``.
    """
    loops: dict[str, int] = {}
    one: dict[str, float] = {}
    values: dict[str, Any] = {}
    for name, fn in fns.items():
        for _ in range(max(0, warmup - 1)):
            values.setdefault(name, fn())
        t0 = time.perf_counter()  # the last warm-up call also calibrates the loop count
        out = fn()
        one[name] = time.perf_counter() - t0
        values.setdefault(name, out)
        loops[name] = 1 if one[name] >= target else max(1, int(target / max(one[name], 1e-7)))
    per_round = sum(one[k] * loops[k] for k in fns)
    rounds = repeats if per_round * repeats <= max_seconds else max(3, int(max_seconds / max(per_round, 1e-9)))
    rounds = min(rounds, repeats)
    samples: dict[str, list[float]] = {k: [] for k in fns}
    gc_was = gc.isenabled()
    gc.disable()
    try:
        names = list(fns)
        for r in range(rounds):
            for name in names[r % len(names):] + names[:r % len(names)]:  # rotate: no contender always first
                fn = fns[name]
                t0 = time.perf_counter()
                for _ in range(loops[name]):
                    fn()
                samples[name].append((time.perf_counter() - t0) / loops[name])
    finally:
        if gc_was:
            gc.enable()
    return {k: Figure(median=statistics.median(v), worst=max(v), repeats=len(v), value=values[k])
            for k, v in samples.items()}
