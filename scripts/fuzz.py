"""Feed the parser and every magic's API mutated cells built from the example corpora.

    .venv/bin/python scripts/fuzz.py --inputs 2000 --seed 1

The only exceptions allowed out are MfmlErrors, and no input may run past its budget
(``--budget`` seconds, enforced by the API's own ``timeout`` plus a hard wall-clock guard).
Prints the counts of inputs tried, results, errors by kind, and anything else (which is a bug).
tests/test_reliability.py runs a short version of the same loop in CI.
"""
from __future__ import annotations

import argparse
import collections
import json
import random
import signal
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT.parent / "shared" / "examples"

# Fragments people actually type, used to splice into corpus cells.
FRAGMENTS = [
    "\\frac{", "}", "{", "^", "_", "\\mathbf{x}", "^\\top", "^{-1}", "\\|", "\\left(", "\\right)",
    "\\sum_{n=1}^{N}", "\\sim", "\\mathcal{N}(", ")", ",", "\\quad", "\\text{s.t.}", "=", "\\le", "+",
    "-", "\\cdot", "\\sqrt{", "\\log", "\\exp", "\\sin", "x", "y", "\\theta", "2", "0.5", "\\\\", "%",
    "\\begin{bmatrix}", "\\end{bmatrix}", "&", "\\mid", "\\in \\mathbb{R}^{n}", "\\nabla", "f'(x) =",
    "\\int", "\\lim_{x \\to 0}", "\\det", "\\operatorname{tr}", "\\odot", "\n", "  ", "\\max_{x}",
]


def corpus() -> list[tuple[str, str]]:
    """(api, cell) pairs from the public examples: which magic each cell belongs to."""
    cells: list[tuple[str, str]] = []
    for name, api in (("calculus", "derive"), ("matrix_calculus", "derive"), ("lagrange", "lagrange"),
                      ("posterior", "posterior")):
        path = EXAMPLES / f"{name}.json"
        if path.exists():
            cells += [(api, case["latex"]) for case in json.loads(path.read_text())["cases"] if case.get("latex")]
    path = EXAMPLES / "notation.json"
    if path.exists():
        cells += [("parse", s["latex"]) for s in json.loads(path.read_text())["snippets"]]
    if not cells:
        cells = [("derive", "f(x, y) = x^2 y + \\sin(x y)"),
                 ("lagrange", "\\max_{x,y}\\; x y \\quad \\text{s.t.} \\quad x^2 + y^2 = 1")]
    return cells


def mutate(text: str, rng: random.Random) -> str:
    """One to three random edits: delete, duplicate or swap a span, or splice in a fragment."""
    for _ in range(rng.randint(1, 3)):
        if not text:
            text = rng.choice(FRAGMENTS)
            continue
        i = rng.randrange(len(text) + 1)
        j = min(len(text), i + rng.randint(1, 6))
        kind = rng.randrange(4)
        if kind == 0:
            text = text[:i] + text[j:]
        elif kind == 1:
            text = text[:i] + text[i:j] * 2 + text[j:]
        elif kind == 2:
            text = text[:i] + rng.choice(FRAGMENTS) + text[i:]
        else:
            k = rng.randrange(len(text) + 1)
            text = text[:i] + text[k:k + 3] + text[i:]
    return text


class _Hang(BaseException):
    pass


def run_one(api: str, text: str, budget: float):
    """Call the API on ``text``; return ('ok'|'MfmlError subclass name'|'BUG: ...'|'HANG', seconds)."""
    import mfml_sym as ms

    def on_alarm(signum, frame):
        raise _Hang()

    start = time.monotonic()
    previous = signal.signal(signal.SIGALRM, on_alarm)
    guard = budget * 3 + 5  # the API's own budget should fire long before this
    try:
        if api == "parse":
            signal.setitimer(signal.ITIMER_REAL, guard)
            ms.parse(text)
        else:
            # the API installs its own timer; our guard is the wall clock measured afterwards
            getattr(ms, api)(text, timeout=budget).check()
        outcome = "ok"
    except ms.MfmlError as exc:
        outcome = type(exc).__name__
    except _Hang:
        outcome = "HANG"
    except RecursionError:
        outcome = "BUG: RecursionError"
    except Exception as exc:  # anything else is a bug to fix
        outcome = f"BUG: {type(exc).__name__}: {str(exc)[:120]}"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    elapsed = time.monotonic() - start
    if outcome != "HANG" and api != "parse" and elapsed > guard:
        outcome = "HANG"
    return outcome, elapsed


def fuzz(inputs: int, seed: int, budget: float, verbose: bool = False) -> dict:
    rng = random.Random(seed)
    cells = corpus()
    counts: collections.Counter = collections.Counter()
    bugs: list[tuple[str, str, str]] = []
    slowest = 0.0
    for _ in range(inputs):
        api, text = rng.choice(cells)
        text = mutate(text, rng)
        outcome, elapsed = run_one(api, text, budget)
        slowest = max(slowest, elapsed)
        counts[outcome if not outcome.startswith("BUG") else "BUG"] += 1
        if outcome.startswith("BUG") or outcome == "HANG":
            bugs.append((api, text, outcome))
            if verbose:
                print(f"{outcome}\n  {api}: {text!r}", flush=True)
    return {"inputs": inputs, "counts": dict(counts), "bugs": bugs, "slowest": slowest}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--budget", type=float, default=5.0, help="seconds for one input's symbolic work")
    args = parser.parse_args(argv)
    start = time.monotonic()
    report = fuzz(args.inputs, args.seed, args.budget, verbose=True)
    print(f"inputs tried: {report['inputs']} in {time.monotonic() - start:.0f} s; slowest {report['slowest']:.1f} s")
    for outcome, n in sorted(report["counts"].items(), key=lambda kv: -kv[1]):
        print(f"  {outcome:>20}: {n}")
    return 1 if report["bugs"] else 0


if __name__ == "__main__":
    sys.exit(main())
