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
    head = "| objective | ours: derive (symbolic n) | ours: check | " + \
        " | ".join(f"raw sympy n={n}" for n in sizes) + " |"
    lines = [head, "|" + "---|" * (3 + len(sizes))]
    slower: list[str] = []
    for obj in objectives:
        fig = capped(_ours, obj.cell, obj.wrt, repeats, limit=60.0)
        if fig.value is not None:
            dt, ct, _ = fig.value
            ours = Figure(median=statistics.median(dt), worst=max(dt), repeats=len(dt))
            check = Figure(median=statistics.median(ct), worst=max(ct), repeats=len(ct))
        else:
            ours = fig
            check = Figure(reason="—")
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
                    slower.append(f"growth: {obj.title} derivation {ours} vs raw sympy at n={n} {raw} ({r:.2g}×)")
            cells.append(text)
        check_text = str(check) if check.ok else ("—" if not ours.ok else str(check))
        lines.append(f"| {obj.title} | {ours} | {check_text} | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append(f"Ours: median of {repeats} cold runs (sympy cache cleared), gradient only, valid for every n. "
                 f"Raw sympy: one cold run per n (build, `diff` per entry, `lambdify`), stopped at {limit:g} s; "
                 "the gradient only, no simplification, no check. Sizes: every matrix n × n, vectors n. Both sides run "
                 "in forked children of a process that has already imported sympy, `lambdify`'s printers and our "
                 "engines, so module imports are not counted on either side.")
    return lines, slower
