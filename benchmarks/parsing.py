"""(e) Parsing: LaTeX cells per second over the notation corpus (``notation.json`` snippets).

Ours: ``mfml_sym.parse(latex)`` (declaration-aware reading into a typed Problem). Anchor:
sympy's own LaTeX parser with its lark backend (``parse_latex(s, backend="lark")``), on the
same snippets. Rates count only the snippets a parser accepted; how many it rejected is shown
(whether an accepted reading is *right* is the notation tests' business, not this table's).
"""
from __future__ import annotations

import json
import statistics
import time
import warnings

from latency import examples_dir
from timing import fmt_seconds


def snippets() -> list[str]:
    with open(examples_dir() / "notation.json", encoding="utf-8") as fh:
        return [s["latex"] for s in json.load(fh)["snippets"]]


def _rate(parse, texts: list[str], repeats: int) -> tuple[int, float | None, float, str]:
    """(accepted count, cells per second over accepted, first-call seconds, first rejection)."""
    accepted: list[str] = []
    first_error = ""
    t0 = time.perf_counter()
    for text in texts:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                parse(text)
            accepted.append(text)
        except Exception as exc:  # noqa: BLE001
            if not first_error:
                first_error = f"{type(exc).__name__}"
    first_pass = time.perf_counter() - t0
    if not accepted:
        return 0, None, first_pass, first_error
    samples = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for text in accepted:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                parse(text)
        samples.append(time.perf_counter() - t0)
    return len(accepted), len(accepted) / statistics.median(samples), first_pass, first_error


def _ours(text: str):
    import mfml_sym

    return mfml_sym.parse(text)


def _sympy_lark(text: str):
    from sympy.parsing.latex import parse_latex

    return parse_latex(text, backend="lark")


def run(quick: bool) -> tuple[list[str], list[str]]:
    texts = snippets()
    if quick:
        texts = texts[:5]
    repeats = 1 if quick else 3
    rows = {}
    for name, fn in (("mfml_sym.parse", _ours), ("sympy parse_latex (lark backend)", _sympy_lark)):
        try:
            rows[name] = _rate(fn, texts, repeats)
        except Exception as exc:  # noqa: BLE001
            rows[name] = (0, None, 0.0, f"{type(exc).__name__}: {exc}"[:80])
    lines = ["| parser | snippets accepted | cells per second (accepted) | first pass (cold) | ours ÷ this parser (time per cell) |",
             "|---|---|---|---|---|"]
    ours_rate = rows["mfml_sym.parse"][1]
    slower: list[str] = []
    for name, (ok, rate, first, err) in rows.items():
        rejected = f" (first rejection: {err})" if err and ok < len(texts) else ""
        rate_text = f"{rate:,.0f}" if rate else "n/a"
        if name == "mfml_sym.parse" or not rate or not ours_rate:
            rel = "—"
        else:
            rel = f"{rate / ours_rate:.3g}×"
            if rate > ours_rate:
                slower.append(f"parsing: ours {ours_rate:,.0f} cells/s vs {name} {rate:,.0f} cells/s ({rel} time per cell)")
        lines.append(f"| {name} | {ok}/{len(texts)}{rejected} | {rate_text} | {fmt_seconds(first)} | {rel} |")
    lines.append("")
    lines.append(f"Median of {repeats} passes over the accepted snippets, after one cold pass (the cold pass "
                 "includes building each parser's grammar). A rate over fewer accepted snippets is not "
                 "comparable one-to-one.")
    return lines, slower
