"""(b) Derivation latency of each magic over the public example corpora.

Each case is run as a user would run the cell: the API call behind the magic, then the numeric
check (the magic runs it before showing anything). Each case runs in a forked child with a time
limit (a runaway case cannot stall the suite), with sympy's cache cleared before every repeat.
"""
from __future__ import annotations

import json
import statistics
import time
from pathlib import Path
from typing import Any

from timing import Figure, capped, fmt_seconds

EXAMPLES = Path(__file__).resolve().parents[2] / "shared" / "examples"
MAGICS = ("calculus", "matrix_calculus", "lagrange", "posterior")
MAGIC_NAME = {"calculus": "%%derive (calculus)", "matrix_calculus": "%%derive (matrix calculus)",
              "lagrange": "%%lagrange", "posterior": "%%posterior"}


def examples_dir() -> Path:
    for candidate in (EXAMPLES, Path("/work/shared/examples")):
        if candidate.is_dir():
            return candidate
    return EXAMPLES


def load_cases(corpus: str) -> list[dict]:
    path = examples_dir() / f"{corpus}.json"
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)["cases"]


def _call(corpus: str, case: dict) -> Any:
    """The API call the magic makes for this case, then the check the magic shows."""
    import mfml_sym

    if corpus in ("calculus", "matrix_calculus"):
        options: dict[str, Any] = {}
        if case.get("order") is not None:
            options["order"] = case["order"]
        if case.get("point"):
            options["at"] = case["point"]
        wrt = case.get("wrt")
        result = mfml_sym.derive(case["latex"], case["kind"], wrt=wrt, **options)
    elif corpus == "lagrange":
        result = mfml_sym.lagrange(case["latex"])
    else:
        result = mfml_sym.posterior(case["latex"])
    report = result.check() if hasattr(result, "check") else None
    passed = None if report is None else bool(getattr(report, "passed", report))
    return result, passed


def _timed_case(corpus: str, case: dict, repeats: int) -> tuple[list[float], bool | None, str]:
    """Runs in the child: repeats of (clear cache, call + check); returns times and the check verdict."""
    from sympy.core.cache import clear_cache

    times, passed, note = [], None, ""
    for _ in range(repeats):
        clear_cache()
        t0 = time.perf_counter()
        result, passed = _call(corpus, case)
        times.append(time.perf_counter() - t0)
        warnings = getattr(result, "warnings", None) or []
        note = warnings[0][:80] if warnings else ""
        if times[-1] > 2.0:  # slow case: one sample is enough
            break
    return times, passed, note


def warm_imports() -> None:
    """Import the engines in the parent once, so that no forked child times module imports
    (start-up is section (a)'s business); a cold first call would otherwise count in every case."""
    import importlib

    for module in ("numpy", "scipy.optimize", "scipy.integrate", "scipy.special", "sympy", "mfml_sym.notation",
                   "mfml_sym.calculus", "mfml_sym.matrix_calculus", "mfml_sym.optimize", "mfml_sym.bayes",
                   "mfml_sym.render", "mfml_sym.numeric"):
        try:
            importlib.import_module(module)
        except Exception:  # noqa: BLE001 - a missing engine is reported by its cases
            pass
    try:
        import mfml_sym

        mfml_sym.parse("f(x) = x^2")  # builds the lexer once
    except Exception:  # noqa: BLE001
        pass


def run(quick: bool) -> tuple[list[str], list[str]]:
    warm_imports()
    repeats = 1 if quick else 3
    limit = 10.0 if quick else 30.0
    lines = [
        "| magic | cases | ran | check passed | median | worst | worst case |",
        "|---|---|---|---|---|---|---|",
    ]
    details = ["", "<details><summary>cases that did not run or whose check did not pass</summary>", ""]
    slower: list[str] = []
    failures = 0
    every_case = ["", "<details><summary>every case that ran (median time, check)</summary>", "",
                  "| magic | case | time | check |", "|---|---|---|---|"]
    for corpus in MAGICS:
        try:
            cases = load_cases(corpus)
        except OSError as exc:
            lines.append(f"| {MAGIC_NAME[corpus]} | n/a ({exc.strerror}) | | | | | |")
            continue
        if quick:
            cases = cases[:1]
        per_case: list[tuple[str, float]] = []
        passed = 0
        for case in cases:
            fig: Figure = capped(_timed_case, corpus, case, repeats, limit=limit)
            if fig.value is not None:
                times, ok, note = fig.value
                per_case.append((case["id"], statistics.median(times)))
                passed += bool(ok)
                verdict = "passed" if ok else ("FAILED" if ok is False else "none")
                every_case.append(f"| {MAGIC_NAME[corpus]} | `{case['id']}` | {fmt_seconds(per_case[-1][1])} | "
                                  f"{verdict} |")
                if not ok:
                    failures += 1
                    details.append(f"- {MAGIC_NAME[corpus]} `{case['id']}`: ran, but its numeric check "
                                   f"{'did not pass' if ok is False else 'is missing'}" + (f" ({note})" if note else ""))
            elif fig.at_least is not None:
                failures += 1
                details.append(f"- {MAGIC_NAME[corpus]} `{case['id']}`: over the {limit:g} s limit")
            else:
                failures += 1
                details.append(f"- {MAGIC_NAME[corpus]} `{case['id']}`: {fig.reason}")
        if per_case:
            med = statistics.median(t for _, t in per_case)
            worst_id, worst = max(per_case, key=lambda p: p[1])
            lines.append(f"| {MAGIC_NAME[corpus]} | {len(cases)} | {len(per_case)} | {passed} | "
                         f"{fmt_seconds(med)} | {fmt_seconds(worst)} | `{worst_id}` |")
        else:
            lines.append(f"| {MAGIC_NAME[corpus]} | {len(cases)} | 0 | 0 | n/a | n/a | |")
    lines.append("")
    lines.append(f"Per case: median of up to {repeats} runs (sympy cache cleared before each; one run when a "
                 f"case takes over 2 s) of the API call behind the magic plus its numeric check, in a forked child "
                 f"(of a process that has already imported the engines) stopped after {limit:g} s. "
                 "'ran' = returned a result; 'check passed' = its numeric check passed. "
                 "The table's median and worst are over the cases that ran.")
    if failures:
        lines.extend(details + ["", "</details>"])
    lines.extend(every_case + ["", "</details>"])
    return lines, slower
