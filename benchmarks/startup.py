"""(a) Start-up: ``import mfml_sym``, ``%load_ext mfml_sym``, the first ``%%derive`` cell.

Each figure is measured in a fresh Python process (so nothing is cached in memory), timing
only the statement itself inside the child; the anchors are ``import sympy`` alone and the
same first derivative done by hand with sympy (``diff`` + ``lambdify``).
"""
from __future__ import annotations

import statistics
import subprocess
import sys
from dataclasses import dataclass

from timing import Figure, fmt_ratio, fmt_seconds, na

FIRST_CELL = "%%derive gradient\nf(x, y) = x^2 y + \\sin(x y)"

_PRELUDE = "import time, sys, io\n"
SCRIPTS = {
    "import sympy": "t = time.perf_counter(); import sympy; T = time.perf_counter() - t",
    "import numpy": "t = time.perf_counter(); import numpy; T = time.perf_counter() - t",
    "import mfml_sym": "t = time.perf_counter(); import mfml_sym; T = time.perf_counter() - t",
    "%load_ext mfml_sym": (
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "sh = InteractiveShell.instance()\n"
        "t = time.perf_counter(); sh.run_line_magic('load_ext', 'mfml_sym'); T = time.perf_counter() - t"
    ),
    "first %%derive cell": (
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "sh = InteractiveShell.instance()\n"
        "sh.run_line_magic('load_ext', 'mfml_sym')\n"
        "out = io.StringIO(); real = sys.stdout; sys.stdout = out\n"
        f"t = time.perf_counter(); r = sh.run_cell({FIRST_CELL!r}); T = time.perf_counter() - t\n"
        "sys.stdout = real\n"
        "text = out.getvalue()\n"
        "bad = [l for l in text.splitlines() if 'Error' in l or 'FAILED' in l]\n"
        "if not r.success:\n"
        "    print('BENCH_FAIL=' + repr(r.error_in_exec or r.error_before_exec)[:100]); sys.exit(0)\n"
        "if bad:\n"
        "    print('BENCH_FAIL=' + bad[0][:100]); sys.exit(0)"
    ),
    "sympy first derivative (import, diff, lambdify)": (
        "t = time.perf_counter()\n"
        "import sympy as sp\n"
        "x, y = sp.symbols('x y', real=True)\n"
        "f = x**2 * y + sp.sin(x * y)\n"
        "g = sp.lambdify((x, y), [sp.diff(f, v) for v in (x, y)])\n"
        "g(0.3, -1.2)\n"
        "T = time.perf_counter() - t"
    ),
}


@dataclass
class StartupRow:
    what: str
    figure: Figure
    anchor: str | None


ROWS = [
    ("import mfml_sym", "import sympy"),
    ("%load_ext mfml_sym", "import sympy"),
    ("first %%derive cell", "sympy first derivative (import, diff, lambdify)"),
    ("import sympy", None),
    ("import numpy", None),
    ("sympy first derivative (import, diff, lambdify)", None),
]


MODULES_LOADED: dict[str, str] = {}
# heavy modules the statement loaded (those already loaded before it, e.g. by IPython, not counted)
HEAVY = ["sympy", "numpy", "scipy", "scipy.special", "scipy.optimize", "scipy.integrate", "scipy.stats",
         "sympy.physics.units", "sympy.stats", "lark", "matplotlib", "jax"]
_BEFORE = "_before = set(sys.modules)\n"
_AFTER = ("\nprint('BENCH_MODS=' + ','.join(m for m in " + repr(HEAVY)
          + " if m in sys.modules and m not in _before))")


def _run_child(script: str, timeout: float) -> float:
    code = _PRELUDE + _BEFORE + script + _AFTER + "\nprint('BENCH_T=%r' % T)\n"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout)
    for line in proc.stdout.splitlines():
        if line.startswith("BENCH_MODS="):
            MODULES_LOADED[script] = line[len("BENCH_MODS="):]
        if line.startswith("BENCH_FAIL="):
            raise RuntimeError(line[len("BENCH_FAIL="):])
        if line.startswith("BENCH_T="):
            return float(line[len("BENCH_T="):])
    tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
    raise RuntimeError(tail[:100])


def fresh_process_figure(name: str, repeats: int, timeout: float = 120.0) -> Figure:
    samples = []
    for _ in range(repeats):
        try:
            samples.append(_run_child(SCRIPTS[name], timeout))
        except subprocess.TimeoutExpired:
            return Figure(at_least=timeout)
        except Exception as exc:  # noqa: BLE001
            return na(str(exc))
    return Figure(median=statistics.median(samples), worst=max(samples), repeats=len(samples))


def run(quick: bool) -> tuple[list[str], list[str]]:
    """Markdown lines of the section and the list of figures where we are slower than the anchor."""
    repeats = 1 if quick else 5
    names = ["import mfml_sym", "import sympy"] if quick else list(SCRIPTS)
    figures = {name: fresh_process_figure(name, repeats) for name in names}
    lines = [
        "| what (fresh process each) | median | worst | anchor | ours ÷ anchor | heavy modules it loaded |",
        "|---|---|---|---|---|---|",
    ]
    slower = []
    for what, anchor in ROWS:
        if what not in figures:
            continue
        fig = figures[what]
        loaded = MODULES_LOADED.get(SCRIPTS[what], "").replace(",", ", ") or "none"
        worst = fmt_seconds(fig.worst) if fig.worst is not None else ""
        if anchor and anchor in figures:
            r = fmt_ratio(fig, figures[anchor])
            lines.append(f"| {what} | {fig} | {worst} | {anchor} ({figures[anchor]}) | {r} | {loaded} |")
            if fig.ok and figures[anchor].ok and fig.median > figures[anchor].median:
                why = ""
                if what == "first %%derive cell":
                    why = (" — the first cell pays for the imports deferred until then"
                           + (f" (it loaded: {loaded})" if loaded != "none" else "")
                           + ", plus reading the cell, the derivation, its numeric check and rendering")
                slower.append(f"start-up: {what} {fig} vs {anchor} {figures[anchor]} ({r})" + why)
        else:
            lines.append(f"| {what} | {fig} | {worst} | — | — | {loaded} |")
    lines.append("")
    lines.append(f"Median of {repeats} fresh processes; the time of the statement itself, measured inside "
                 "the child (interpreter start-up excluded). The first cell is `" + FIRST_CELL.replace("\n", " ⏎ ")
                 + "` run through a real IPython `InteractiveShell`, numeric check and display included.")
    return lines, slower
