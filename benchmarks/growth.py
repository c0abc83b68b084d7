"""(c) Growth with n: our derivation at symbolic n versus raw sympy elementwise at n = 2, 5, 10, 20.

Ours: ``derive(cell, "gradient", wrt=...)`` on the cell with symbolic sizes (one derivation
serves every n), then its numeric check, each timed cold (sympy cache cleared). Raw sympy: the
objective built from n² + … scalar symbols, ``diff`` for every entry of the variable, then
``lambdify`` — in a forked child stopped at a time limit (">X s"); once a size is over the
limit the larger sizes are not tried (they only cost more).
"""
from __future__ import annotations

import statistics
import time

from objectives import OBJECTIVES
from timing import Figure, capped, fmt_seconds

SIZES = (2, 5, 10, 20)


def _ours(cell: str, wrt: str, repeats: int) -> tuple[list[float], list[float], str]:
    """In the child: cold derivations (and checks) of the gradient at symbolic n."""
    from sympy.core.cache import clear_cache

    from ours import checked, derive_cell

    derive_times, check_times = [], []
    for _ in range(repeats):
        clear_cache()
        t0 = time.perf_counter()
        d = derive_cell(cell, ("gradient",), wrt=wrt)
        t1 = time.perf_counter()
        checked(d)
        t2 = time.perf_counter()
        derive_times.append(t1 - t0)
        check_times.append(t2 - t1)
    return derive_times, check_times, str(d["gradient"])[:120]


def _sympy_matrix(key: str) -> tuple[float, str]:
    """In the child: sympy's ``MatrixSymbol`` diff at symbolic n, timed cold, then judged at n = 3.

    The verdict compares ``lambdify`` of sympy's result with the hand-written gradient; an array
    expression that ``lambdify`` cannot evaluate is "not evaluable", not a time to admire.
    """
    import numpy as np
    import sympy as sp
    from sympy.core.cache import clear_cache

    from objectives import OBJECTIVES, make_data, matrix_expression

    obj = next(o for o in OBJECTIVES if o.key == key)
    f, variable, symbols = matrix_expression(key)
    clear_cache()
    t0 = time.perf_counter()
    g = f.diff(variable)
    seconds = time.perf_counter() - t0
    data = make_data(key, 3)
    expected = np.asarray(obj.grad(data))
    if getattr(g, "is_zero", False) or g == 0 or getattr(g, "is_ZeroMatrix", False):
        return seconds, "WRONG: returns 0"
    try:
        fn = sp.lambdify(list(symbols.values()), g, modules="numpy")
        args = [np.asarray(data[k], dtype=float).reshape(-1, 1) if getattr(s, "shape", (0, 0))[1] == 1
                else data[k] for k, s in symbols.items()]
        got = np.asarray(fn(*args), dtype=float)
        got = got.reshape(expected.shape)
    except Exception as exc:  # noqa: BLE001
        return seconds, f"not evaluable: {type(exc).__name__}"
    err = float(np.max(np.abs(got - expected)) / max(np.max(np.abs(expected)), 1e-300))
    if err < 1e-8:
        return seconds, "right"
    if obj.unstructured_grad is not None:
        other = np.asarray(obj.unstructured_grad(data))
        if float(np.max(np.abs(got - other)) / max(np.max(np.abs(other)), 1e-300)) < 1e-8:
            return seconds, "right (unstructured convention: ignores Σ = Σᵀ)"
    return seconds, f"WRONG (rel. error {err:.1e})"


def _warm_imports() -> None:
    """Import, in the parent, what both contenders load lazily on first use (lambdify's printers,
    our engines), so that the forked children time derivation work, not module imports."""
    import sympy as sp

    x = sp.Symbol("x", real=True)
    sp.lambdify([x], [sp.diff(sp.log(1 + sp.exp(x)) * sp.tanh(x), x)], modules="numpy")(0.5)
    try:
        from ours import derive_cell

        derive_cell(OBJECTIVES[0].cell, ("gradient",), wrt=OBJECTIVES[0].wrt).check()
    except Exception:  # noqa: BLE001 - the measurement itself reports what is missing
        pass


def run(quick: bool) -> tuple[list[str], list[str]]:
    _warm_imports()
    sizes = (2,) if quick else SIZES
    limit = 2.0 if quick else 10.0
    objectives = OBJECTIVES[:1] if quick else OBJECTIVES
    repeats = 1 if quick else 3
    head = "| objective | ours: derive (symbolic n) | ours: check | sympy MatrixSymbol diff (symbolic n) | " + \
        " | ".join(f"raw sympy n={n}" for n in sizes) + " |"
    lines = [head, "|" + "---|" * (4 + len(sizes))]
    slower: list[str] = []
    bar: dict[str, float | None] = {}  # objective -> our derivation time at symbolic n
    for obj in objectives:
        fig = capped(_ours, obj.cell, obj.wrt, repeats, limit=60.0)
        if fig.value is not None:
            dt, ct, _ = fig.value
            ours = Figure(median=statistics.median(dt), worst=max(dt), repeats=len(dt))
            check = Figure(median=statistics.median(ct), worst=max(ct), repeats=len(ct))
        else:
            ours = fig
            check = Figure(reason="—")
        msym = capped(_sympy_matrix, obj.key, limit=limit)
        if msym.value is not None:
            seconds, verdict = msym.value
            msym_text = f"{fmt_seconds(seconds)}, {verdict}"
            if ours.ok and verdict == "right" and ours.median > seconds:
                slower.append(f"growth: {obj.title} derivation {ours} vs sympy MatrixSymbol diff "
                              f"{fmt_seconds(seconds)} ({ours.median / seconds:.2g}×)")
        else:
            msym_text = str(msym)
        cells = []
        over = False
        for n in sizes:
            if over:
                cells.append(f">{limit:g} s (not run: smaller n already over)")
                continue
            raw = capped(obj.raw_sympy, n, limit=limit)
            if raw.at_least is not None:
                over = True
            text = str(raw)
            if ours.ok and raw.ok:
                r = ours.median / raw.median
                text += f" (ours ÷ raw {r:.2g}×)"
                if r > 1:
                    slower.append(f"growth: {obj.title} derivation {ours} vs raw sympy at n={n} {raw} ({r:.2g}×) — "
                                  "ours is one derivation for every n (reading the cell, index form, back to "
                                  "matrix form) and costs the same at any n; elementwise sympy is cheap only "
                                  "while n is tiny")
            cells.append(text)
        bar[obj.title] = ours.median
        check_text = str(check) if check.ok else ("—" if not ours.ok else str(check))
        lines.append(f"| {obj.title} | {ours} | {check_text} | {msym_text} | " + " | ".join(cells) + " |")
    lines.append("")
    missed = [f"{k} ({'n/a' if t is None else fmt_seconds(t)})" for k, t in bar.items() if t is None or t >= 1.0]
    lines.append(f"Bar of issue 5 — derivation at symbolic n under one second: met for {len(bar) - len(missed)} of "
                 f"{len(bar)}" + (f"; not met: {', '.join(missed)}" if missed else "") + ".")
    lines.append("")
    lines.append(f"Ours: median of {repeats} cold runs (sympy cache cleared), gradient only, valid for every n. "
                 f"Raw sympy: one cold run per n (build, `diff` per entry, `lambdify`), stopped at {limit:g} s; "
                 "the gradient only, no simplification, no check. Sizes: every matrix n × n, vectors n. Both sides run "
                 "in forked children of a process that has already imported sympy, `lambdify`'s printers and our "
                 "engines, so module imports are not counted on either side. sympy's own matrix expressions: "
                 "`f.diff(w)` on `MatrixSymbol`s (one cold run), judged by evaluating its result with `lambdify` "
                 "at n = 3 against the hand-written gradient.")
    return lines, slower
