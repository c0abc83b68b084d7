"""(d) Generated code: our numpy gradient/Hessian against hand-written numpy and jax under jit.

Our functions come from one derivation at symbolic size (``d.numpy("gradient")``); every n
uses the same function. Before timing, each result is compared with the hand-written formula
(relative error ≤ 1e-8): a fast wrong answer shows as ``n/a (wrong result …)``, never as a time.
jax runs in float64 (``jax_enable_x64``), on the CPU, with arrays already on the device;
steady state is timed after the first (compiling) call, whose time is reported separately.
"""
from __future__ import annotations

import time
from typing import Any

import numpy as np

from objectives import OBJECTIVES, Objective, jax_arguments, make_data
from ours import Unavailable, as_array, derive_cell, numpy_function, relative_error
from timing import Figure, fmt_ratio, guarded, measure_interleaved, na, ratio

SIZES = (10, 100, 1000, 4000)
HESSIAN_SIZES = (10, 100, 1000)  # a dense n × n Hessian at 4000 costs O(n³) for every contender
JAX_MISSING = "n/a (pip install -e .[bench])"


def _jax():
    try:
        import jax

        jax.config.update("jax_enable_x64", True)
        return jax
    except ImportError:
        return None


def _our_function(derivation: Any, name: str, data: dict, expected: np.ndarray):
    """Our numpy function bound to the data, after checking its value against the hand-written one."""
    fn = numpy_function(derivation, name, data)
    got = as_array(fn(), expected)
    err = relative_error(got, expected)
    if not np.isfinite(err) or err > 1e-8:
        raise Unavailable(f"wrong result: rel. error {err:.1e} against the hand-written formula")
    return fn


def _jax_function(jax, obj: Objective, data: dict, which: str, expected: np.ndarray):
    """(steady-state callable, first-call figure) of jax.jit(jax.grad / jax.hessian), value checked."""
    transform = jax.grad if which == "gradient" else jax.hessian
    jitted = jax.jit(transform(obj.jax_f))
    variable, rest = jax_arguments(obj, data)
    variable = jax.device_put(variable)
    rest = tuple(jax.device_put(r) if isinstance(r, np.ndarray) else r for r in rest)
    t0 = time.perf_counter()
    out = jitted(variable, *rest).block_until_ready()
    first = Figure(median=time.perf_counter() - t0, repeats=1)
    err = relative_error(np.asarray(out), expected)
    if not np.isfinite(err) or err > 1e-8:
        raise Unavailable(f"jax disagrees with the hand-written formula: rel. error {err:.1e}")
    return (lambda: jitted(variable, *rest).block_until_ready()), first


def _derive(obj: Objective, operation: str):
    from ours import clear_sympy_cache

    clear_sympy_cache()
    return derive_cell(obj.cell, (operation,), wrt=obj.wrt)


def run(quick: bool) -> tuple[list[str], list[str]]:
    jax = _jax()
    sizes = (10,) if quick else SIZES
    hsizes = (10,) if quick else HESSIAN_SIZES
    objectives = OBJECTIVES[:1] if quick else OBJECTIVES
    timing = dict(repeats=3, warmup=1, max_seconds=1.0) if quick else dict(repeats=9, warmup=1, max_seconds=8.0)
    slower: list[str] = []
    tables = {"gradient": [], "hessian": []}
    for obj in objectives:
        derivations = {}
        for op in ("gradient", "hessian"):
            if op == "hessian" and obj.hess is None:
                continue
            derivations[op] = None
            try:
                derivations[op] = _derive(obj, op)
            except Exception as exc:  # noqa: BLE001
                derivations[op] = exc
        for n in sizes:
            data = make_data(obj.key, n)
            for op, derivation in derivations.items():
                if op == "hessian" and n not in hsizes:
                    continue
                handwritten = obj.grad if op == "gradient" else obj.hess
                contenders: dict[str, Any] = {"hand": lambda: handwritten(data)}
                expected = np.asarray(contenders["hand"]())
                missing: dict[str, Figure] = {}
                if isinstance(derivation, Exception):
                    text = str(derivation).strip().splitlines()[0] if str(derivation).strip() else ""
                    missing["ours"] = na(f"{type(derivation).__name__}: {text}"[:90])
                else:
                    built = guarded(lambda: Figure(value=_our_function(derivation, op, data, expected)))
                    if built.value is not None and callable(built.value):
                        contenders["ours"] = built.value
                    else:
                        missing["ours"] = built
                first = None
                if jax is not None:
                    built = guarded(lambda: Figure(value=_jax_function(jax, obj, data, op, expected)))
                    if isinstance(built.value, tuple):
                        contenders["jax"], first = built.value
                    else:
                        missing["jax"] = built
                        first = na("—")
                figures = measure_interleaved(contenders, **timing)
                figures.update(missing)
                hand, ours = figures["hand"], figures["ours"]
                jx = figures.get("jax")
                r_np = fmt_ratio(ours, hand)
                r_jx = fmt_ratio(ours, jx) if jx is not None else "n/a"
                row = (f"| {obj.title} | {n} | {hand} | {ours} | {r_np} | "
                       f"{jx if jx is not None else JAX_MISSING} | {r_jx} | "
                       f"{first if first is not None else JAX_MISSING} |")
                tables[op].append(row)
                rn = ratio(ours, hand)
                if rn is not None and rn > 1.0:
                    slower.append(f"{op}: {obj.title}, n={n}: ours {ours} vs hand-written numpy {hand} ({r_np})")
                rj = ratio(ours, jx) if jx is not None else None
                if rj is not None and rj > 1.0:
                    slower.append(f"{op}: {obj.title}, n={n}: ours {ours} vs jax.jit {jx} ({r_jx})")
            del data
    header = ("| objective | n | hand-written numpy | ours (generated) | ours ÷ numpy | jax jit | ours ÷ jax | "
              "jax first call (trace + compile + run) |")
    rule = "|---|---|---|---|---|---|---|---|"
    lines = ["**Gradient**", "", header, rule, *tables["gradient"], ""]
    lines += ["**Hessian**", "", header, rule, *tables["hessian"], ""]
    hand_formulas = "; ".join(f"{o.title}: ∇ = {o.formula}" + (f", H = {o.hessian_formula}" if o.hess else "")
                              for o in objectives)
    lines.append(f"Median time per call over up to {timing['repeats']} samples after one warm-up call, the "
                 "contenders sampled in alternation so that load on the machine hits all alike (each sample "
                 "loops fast calls to ~30 ms). Every matrix is n × n, vectors have n entries; "
                 f"Hessians at n ≤ {max(hsizes)} (the dense n × n Hessian costs O(n³) for every contender). "
                 f"Hand-written formulas — {hand_formulas}. jax: float64, `jax.jit(jax.grad(f))` / "
                 "`jax.jit(jax.hessian(f))`, device arrays, `block_until_ready()`.")
    if jax is None:
        lines.append("")
        lines.append("jax is not installed: " + JAX_MISSING)
    return lines, slower
