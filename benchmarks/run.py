"""Run the whole benchmark suite and write the markdown table (see benchmarks/README.md).

    .venv/bin/python benchmarks/run.py [--quick] [--out benchmarks/RESULTS.md]

Sections: (a) start-up, (b) derivation latency per magic over the public examples, (c) growth
with n against raw sympy, (d) generated numpy against hand-written numpy and jax, (e) parsing.
Every comparison is a ratio of two medians measured in this same run. A measurement that cannot
be made (an engine that lacks a capability, jax not installed) reads ``n/a (reason)``; nothing
here asserts a time. ``--quick`` runs a token version of every section in seconds (smoke test).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def limit_threads(threads: int) -> None:
    """Run every contender with ``threads`` threads (numpy's BLAS and XLA alike).

    Set before numpy or jax is imported, for this benchmark process and its children only.
    On this shared 2-core machine a 2-thread OpenBLAS was measured 2-1000x *slower* than one
    thread whenever another process (or jax's own thread pool) held the other core, which made
    medians meaningless; one thread each is the like-for-like, repeatable comparison.
    ``--threads 0`` leaves the libraries' defaults alone.
    """
    if threads <= 0:
        return
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(threads)
    if threads == 1:
        flags = os.environ.get("XLA_FLAGS", "")
        os.environ["XLA_FLAGS"] = (flags + " --xla_cpu_multi_thread_eigen=false"
                                   " intra_op_parallelism_threads=1").strip()


import machine  # noqa: E402

SECTIONS = [
    ("a", "Start-up", "startup"),
    ("b", "Derivation latency per magic (public examples)", "latency"),
    ("c", "Growth with n: symbolic n versus raw sympy elementwise", "growth"),
    ("d", "Generated code: evaluation time of gradients and Hessians", "generated"),
    ("e", "Parsing: LaTeX cells per second", "parsing"),
]
# jax is imported by (d) only; it runs last, so no forked child (sections b, c) inherits its threads
ORDER = ("a", "b", "c", "e", "d")


def _section(module_name: str, quick: bool) -> tuple[list[str], list[str], float]:
    t0 = time.perf_counter()
    try:
        module = __import__(module_name)
        lines, slower = module.run(quick)
    except Exception as exc:  # noqa: BLE001 - one broken section must not hide the others
        tail = traceback.format_exc().strip().splitlines()[-1]
        lines, slower = [f"n/a — the section failed: `{tail[:160]}`"], []
        print(f"section {module_name} failed: {exc!r}", file=sys.stderr)
    return lines, slower, time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="token version of every section (seconds)")
    parser.add_argument("--out", default=str(HERE / "RESULTS.md"), help="markdown file to write")
    parser.add_argument("--only", default="", help="comma-separated section letters to run (a-e)")
    parser.add_argument("--threads", type=int, default=1,
                        help="threads for BLAS and XLA (default 1: repeatable on a shared machine; 0 = library default)")
    args = parser.parse_args(argv)
    limit_threads(args.threads)
    only = set(args.only.replace(",", "")) if args.only else set(ORDER)

    started = time.perf_counter()
    results = {}
    for letter in ORDER:
        if letter not in only:
            continue
        title, module = next((t, m) for l, t, m in SECTIONS if l == letter)
        print(f"[{letter}] {title} ...", file=sys.stderr, flush=True)
        results[letter] = _section(module, args.quick)
        print(f"[{letter}] done in {results[letter][2]:.1f} s", file=sys.stderr, flush=True)
    total = time.perf_counter() - started

    info = machine.machine_info()
    command = ".venv/bin/python benchmarks/run.py" + (" --quick" if args.quick else "") + \
        (f" --only {args.only}" if args.only else "") + (f" --threads {args.threads}" if args.threads != 1 else "")
    threads = f"{args.threads} (BLAS and XLA; `--threads`)" if args.threads > 0 else "library defaults"
    out: list[str] = [
        "# mfml_sym benchmarks" + (" (quick smoke run — not representative)" if args.quick else ""),
        "",
        f"- **date**: {info['date']}",
        f"- **machine**: {info['cpu']}, {info['cores']} cores, {info['platform']}",
        f"- **python** {info['python']}, **numpy** {info['numpy']}, **sympy** {info['sympy']}, **jax** {info['jax']}",
        f"- **BLAS**: {info['blas']}; OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE: {info['openblas env']}",
        f"- **threads per contender**: {threads}; load average at the end: {machine.load_average()}",
        f"- **command**: `{command}` (whole suite: {total:.0f} s)",
        "",
        "Ratios are ours ÷ anchor, from medians measured in this same run: below 1 we are faster, "
        "above 1 slower. `n/a (reason)` marks a figure that could not be measured.",
        "",
    ]
    slower_all: list[str] = []
    for letter, title, _ in SECTIONS:
        if letter not in results:
            continue
        lines, slower, seconds = results[letter]
        out += [f"## ({letter}) {title}", "", *lines, "", f"_section time: {seconds:.0f} s_", ""]
        slower_all += slower
    out += ["## Where we are slower than an anchor", ""]
    clear = [s for s in slower_all if "within noise" not in s]
    close = [s for s in slower_all if "within noise" in s]
    out += [f"- {s}" for s in clear] or ["- none in this run (beyond noise)"]
    if close:
        out += ["", "Within noise (ours ÷ anchor below 1.1×):", ""]
        out += [f"- {s.replace(' — within noise', '')}" for s in close]
    out.append("")
    Path(args.out).write_text("\n".join(out), encoding="utf-8")
    print(f"wrote {args.out} ({total:.0f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    os.chdir(HERE.parent)
    sys.exit(main())
