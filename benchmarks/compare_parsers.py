r"""How LaTeX-to-sympy parsers read OUR notation corpus: correct, misread, or error.

For issue 3's note: our own front end beside latex2sympy2, latex2sympy2_extended and sympy's
own ``parse_latex`` (lark and antlr backends), judged on the same snippets by the same judge.

Corpus (the cases with an intended MEANING):
  * ``tests/corpus/notation_cases.py`` MEANINGS (id, category, latex, intended sympy source);
  * ``/work/shared/examples/notation.json`` snippets with ``judge: auto``.
The ERRORS cases (input that must be rejected) are counted separately (raised / returned);
STATEMENTS cases (the structure of a parsed Problem) are ours-only and skipped.

Judging: ``tests/corpus/notation_judge.same_meaning`` -- the judge our tests use (names
normalised by stripping fonts and braces, then structural equality, simplify, numeric
evaluation at random values with random matrices). A foreign parser's reading is first
ADAPTED to the corpus's conventions, generously (it cannot know our declarations):
  * function and symbol names normalised like the judge does (``\mathbf{x}`` -> ``x``,
    ``\hat{y}`` -> ``haty``, ``\sigma`` -> ``sigma``), ``varepsilon/varphi/vartheta`` -> the
    plain letter; symbol assumptions dropped;
  * a symbol whose name is a matrix or vector of the intended meaning becomes that
    MatrixSymbol (same shape);
  * ``x_i`` / ``a_{ij}`` whose subscript letters are all bound by a Sum/Product becomes the
    indexed element ``x[i]`` / ``a[i, j]``;
  * a bare symbol ``f`` where the intended meaning applies an undefined function ``f(...)``
    (once) becomes that application (so ``Derivative(f, x)`` may count as ``f'(x)``).
A multi-line cell (declarations, then the expression) is given to a foreign parser as its
last line only: they cannot read declarations, and the intended meaning is that line's.

Outcomes per case: ``correct``; ``misread`` (returned something the judge does not accept --
the dangerous case; ``detail`` says whether it was even comparable); ``error`` (raised, exceeded the per-case time limit, or returned no sympy object, e.g. a
lark ``Tree('_ambig', ...)``).

Run each parser in an interpreter where it is installed (latex2sympy2 must not be a
dependency of mfml_sym: use throwaway venvs, see benchmarks/PARSERS.md):

    .venv/bin/python benchmarks/compare_parsers.py --parser ours --out /tmp/ours.json
    /tmp/l2s-venv/bin/python benchmarks/compare_parsers.py --parser latex2sympy2 --out /tmp/l2s.json
"""
from __future__ import annotations

import argparse
import json
import re
import signal
import sys
import time
import warnings
from collections import Counter
from pathlib import Path

import sympy

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests" / "corpus"))
from notation_cases import ERRORS, EXTRA_NAMESPACE, MEANINGS  # noqa: E402
from notation_judge import load, namespace, norm_name, same_meaning  # noqa: E402

PARSERS = ("ours", "latex2sympy2", "latex2sympy2_extended", "sympy-lark", "sympy-antlr")
ALIASES = {"varepsilon": "epsilon", "varphi": "phi", "vartheta": "theta", "varrho": "rho",
           "varsigma": "sigma", "varpi": "pi"}


class Timeout(Exception):
    """The per-case time limit was exceeded."""


def _alarm(_signum, _frame):
    raise Timeout


def limited(seconds: float, fn, *args):
    """Run fn(*args) with a SIGALRM time limit (sympy and antlr are pure Python)."""
    signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return fn(*args)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


# ----------------------------------------------------------------------------- parsers
def make_parser(name: str):
    """(parse function latex -> sympy object, version string, is_foreign)."""
    from importlib.metadata import version

    if name == "ours":
        from mfml_sym.notation import parse_expression

        return parse_expression, version("mfml_sym"), False
    if name == "latex2sympy2":
        import latex2sympy2
        from latex2sympy2 import latex2sympy

        def fresh(text):
            # latex2sympy2 1.9.1 keeps module state: after a differential such as
            # "\mathrm{d}x^2" its global `var` dict is left holding a Symbol and every later
            # call raises "argument of type 'Symbol' is not iterable". Each case starts from
            # a fresh state here, as in a new process (the defect is noted in PARSERS.md).
            latex2sympy2.var = {}
            return latex2sympy(text)

        return fresh, f"{version('latex2sympy2')} (antlr4 {version('antlr4-python3-runtime')})", True
    if name == "latex2sympy2_extended":
        from latex2sympy2_extended.latex2sympy2 import ConversionConfig, latex2sympy

        # Fairer than the defaults (made for grading answers): keep letter case (A != a) and
        # read "2 \frac{1}{2}" as a product, as mathematics does, not as a mixed fraction.
        config = ConversionConfig(lowercase_symbols=False, interpret_as_mixed_fractions=False)
        return (lambda s: latex2sympy(s, conversion_config=config),
                f"{version('latex2sympy2_extended')} (antlr4 {version('antlr4-python3-runtime')}; "
                "lowercase_symbols=False, interpret_as_mixed_fractions=False)", True)
    if name in ("sympy-lark", "sympy-antlr"):
        from sympy.parsing.latex import parse_latex

        backend = name.split("-")[1]
        extra = version("lark") if backend == "lark" else version("antlr4-python3-runtime")
        return (lambda s: parse_latex(s, backend=backend),
                f"sympy {sympy.__version__} ({backend} {extra})", True)
    raise SystemExit(f"unknown parser {name!r}; one of {PARSERS}")


# ----------------------------------------------------------------------------- adapting
_BARE_WRAPPERS = r"(?<!\\)(mathbf|boldsymbol|bm|mathrm|mathcal|text|operatorname|mathbb|mathit|vec)\{"


def _name(s: str) -> str:
    """The judge's name normalisation, also for wrappers that lost their backslash."""
    s = norm_name(re.sub(_BARE_WRAPPERS, "{", s)).replace(",", "")
    return ALIASES.get(s, s)


def _is_matrix(e) -> bool:
    return isinstance(e, (sympy.MatrixExpr, sympy.MatrixBase))


def _position(name: str, text: str) -> int:
    """Where a foreign symbol's name first occurs in the LaTeX source (for factor order)."""
    bare = re.sub(r"_.*", "", _name(name))
    for cand in (name, "\\" + name, bare):
        if not cand:
            continue
        pat = re.escape(cand)
        if cand[:1].isalpha():
            pat = r"(?<![A-Za-z])" + pat + r"(?![A-Za-z])"
        m = re.search(pat, text)
        if m:
            return m.start()
    return len(text)


def adapt(got, intended, text: str = ""):
    """A foreign reading in the corpus's conventions (see the module docstring).

    Foreign parsers return commutative scalar products; where the intended meaning has
    matrices, a product's matrix factors are put back in the order the source wrote them,
    and a scalar function of a vector is applied elementwise (the MML convention).
    """
    if isinstance(got, sympy.MatrixBase) and not isinstance(got, sympy.Basic):
        got = sympy.ImmutableMatrix(got)  # a mutable Matrix is not a sympy Basic
    if not isinstance(got, sympy.Basic):
        return got
    from sympy.core.function import AppliedUndef
    from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

    intended = intended if isinstance(intended, sympy.Basic) else sympy.Integer(0)
    mats = {M.name: M for M in intended.atoms(sympy.MatrixSymbol)}
    identities = list(intended.atoms(sympy.Identity))
    apps: dict[str, set] = {}
    for app in intended.atoms(AppliedUndef):
        apps.setdefault(app.func.__name__, set()).add(app)
    bound = {}
    for node in sympy.preorder_traversal(got):
        if isinstance(node, (sympy.Sum, sympy.Product)):
            for lim in node.limits:
                bound[_name(lim[0].name)] = sympy.Symbol(_name(lim[0].name))

    table, pos = {}, {}
    for s in got.atoms(sympy.Symbol):
        nm = _name(s.name)
        pos[s] = _position(s.name, text)
        m = re.fullmatch(r"([A-Za-z]+)_(.+)", nm)
        if nm in bound:
            table[s] = bound[nm]
        elif m and all(ch in bound for ch in m.group(2)):
            base, idx = m.group(1), tuple(bound[ch] for ch in m.group(2))
            if base in mats and mats[base].shape[1] == 1 and len(idx) == 1:
                table[s] = mats[base][idx[0] - 1, 0]
            else:
                table[s] = sympy.IndexedBase(base)[idx]
        elif nm in mats:
            table[s] = mats[nm]
        elif nm == "0":
            table[s] = sympy.Integer(0)
        elif re.fullmatch(r"I(_[A-Za-z0-9]+)?", nm) and identities:
            table[s] = identities[0]
        elif nm in apps and len(apps[nm]) == 1:
            table[s] = next(iter(apps[nm]))
        else:
            table[s] = sympy.Symbol(nm)

    def where(e) -> int:
        if isinstance(e, sympy.MatrixBase) and "\\begin" in text:
            return text.index("\\begin")
        return min((pos.get(s, len(text)) for s in e.atoms(sympy.Symbol)), default=len(text))

    def rebuild(e):
        if e in table:
            return table[e]
        if e == sympy.I and identities:  # "I" read as the imaginary unit where I is the identity
            return identities[0]
        if not e.args:
            return e
        if isinstance(e, AppliedUndef):
            fn, args = sympy.Function(_name(e.func.__name__)), [rebuild(a) for a in e.args]
            if len(args) == 1 and _is_matrix(args[0]) and args[0].shape[1] == 1:
                return ElementwiseApplyFunction(fn, args[0])
            return fn(*args)
        args = [rebuild(a) for a in e.args]
        if not any(_is_matrix(a) for a in args):
            return e.func(*args)
        if isinstance(e, sympy.Mul):
            order = sorted(range(len(args)), key=lambda k: (_is_matrix(args[k]), where(e.args[k])))
            out = args[order[0]]
            for k in order[1:]:
                out = out * args[k]
            return out
        if isinstance(e, sympy.Add):
            args = [a for a in args if not (a == 0 and not _is_matrix(a))]  # "\mathbf{0}" -> 0
            out = args[0]
            for a in args[1:]:
                out = out + a
            return out
        if isinstance(e, sympy.Pow):
            return args[0] ** args[1]
        if isinstance(e, sympy.Function) and len(args) == 1 and args[0].shape[1] == 1:
            return ElementwiseApplyFunction(e.func, args[0])
        return e.func(*args)

    return rebuild(got)


def unknown_functions(reading, intended) -> list[str]:
    """Undefined functions a foreign reading kept that the intended meaning does not have
    (e.g. ``Gamma(a)`` for the gamma function, ``tr(A)``): uninterpreted rather than wrong."""
    from sympy.core.function import AppliedUndef

    if not isinstance(reading, sympy.Basic):
        return []
    want = {a.func.__name__ for a in intended.atoms(AppliedUndef)} if isinstance(intended, sympy.Basic) else set()
    return sorted({a.func.__name__ for a in reading.atoms(AppliedUndef)} - want)


# ----------------------------------------------------------------------------- corpus
def meaning_cases() -> list[dict]:
    cases = [{"id": cid, "source": "corpus", "category": cat, "latex": latex, "intended": src}
             for cid, cat, latex, src in MEANINGS]
    for snip in load("notation")["snippets"]:
        if snip["judge"] == "auto":
            cases.append({"id": snip["id"], "source": "notation.json", "category": snip["category"],
                          "latex": snip["latex"], "intended": snip["intended"]})
    return cases


def last_line(latex: str) -> str:
    lines = [ln for ln in latex.split("\n") if ln.strip()]
    return lines[-1] if lines else latex


def is_reading(obj) -> bool:
    """A sympy object, or a list/tuple of them (latex2sympy2 returns solution lists)."""
    if isinstance(obj, (list, tuple)):
        return bool(obj) and all(isinstance(o, sympy.Basic) for o in obj)
    return isinstance(obj, (sympy.Basic, sympy.MatrixBase))


def show(obj, width: int = 300) -> str:
    """str(obj), or its srepr when sympy cannot print it (ill-formed matrix/scalar mixes)."""
    try:
        return str(obj)[:width]
    except Exception:  # noqa: BLE001
        try:
            return "srepr: " + sympy.srepr(obj)[:width]
        except Exception as exc:  # noqa: BLE001
            return f"<unprintable {type(obj).__name__}: {type(exc).__name__}>"


def judge_case(case: dict, parse, foreign: bool, ns: dict, limit: float) -> dict:
    text = last_line(case["latex"]) if foreign else case["latex"]
    out = {"id": case["id"], "source": case["source"], "category": case["category"], "latex": case["latex"], "intended": case["intended"]}
    intended = eval(case["intended"], dict(ns))  # noqa: S307 - corpus data
    t0 = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            got = limited(limit, parse, text)
    except Timeout:
        out.update(outcome="error", detail=f"timeout > {limit:g} s", seconds=limit)
        return out
    except BaseException as exc:  # noqa: BLE001 - anything a parser raises is an 'error'
        if isinstance(exc, KeyboardInterrupt):
            raise
        out.update(outcome="error", detail=f"{type(exc).__name__}: {str(exc).strip()[:160]}",
                   seconds=round(time.perf_counter() - t0, 4))
        return out
    out["seconds"] = round(time.perf_counter() - t0, 4)
    out["returned"] = show(got)
    if not is_reading(got):
        # e.g. sympy's lark backend returns a lark Tree('_ambig', ...) for an ambiguous parse,
        # or a raw tuple such as ('derivative', t): no sympy reading was produced.
        out.update(outcome="error", detail=f"no sympy object: returned a {type(got).__name__}")
        return out
    try:
        reading = adapt(got, intended, text) if foreign else got
    except Exception as exc:  # noqa: BLE001 - the reading cannot even take the intended shapes
        out.update(outcome="misread", detail=f"not comparable: {type(exc).__name__}: {str(exc)[:120]}")
        return out
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ok = limited(2 * limit, same_meaning, reading, intended)
    except Timeout:
        ok, out["detail"] = False, "judge timeout"
    except Exception as exc:  # noqa: BLE001
        ok, out["detail"] = False, f"judge failed: {type(exc).__name__}: {str(exc)[:120]}"
    out["outcome"] = "correct" if ok else "misread"
    if not ok and foreign:
        out["adapted"] = show(reading)
        kept = unknown_functions(reading, intended)
        if kept:
            out["unknown_functions"] = kept
    return out


def error_case(case: tuple, parse, limit: float) -> dict:
    """Input the corpus says must be rejected: did the parser raise, or return a reading?"""
    cid, latex, cls_name, _col, _width = case
    out = {"id": cid, "latex": latex, "expected": cls_name}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            got = limited(limit, parse, latex)
    except BaseException as exc:  # noqa: BLE001
        if isinstance(exc, KeyboardInterrupt):
            raise
        out.update(outcome="raised", detail=type(exc).__name__)
        return out
    out.update(outcome="returned", returned=show(got))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--parser", required=True, choices=PARSERS)
    ap.add_argument("--out", type=Path, help="JSON of per-case outcomes")
    ap.add_argument("--limit", type=float, default=10.0, help="seconds per case (parse; judge gets twice)")
    ap.add_argument("--only", help="regex on case ids (debugging)")
    args = ap.parse_args(argv)

    parse, ver, foreign = make_parser(args.parser)
    ns = namespace(load("notation"))
    exec(EXTRA_NAMESPACE, ns)  # noqa: S102 - the corpus's own helper names
    cases = [c for c in meaning_cases() if not args.only or re.search(args.only, c["id"])]
    t0 = time.perf_counter()
    results = [judge_case(c, parse, foreign, ns, args.limit) for c in cases]
    errs = [error_case(c, parse, args.limit) for c in ERRORS if not args.only or re.search(args.only, c[0])]
    wall = time.perf_counter() - t0

    def group(rs):
        c = Counter(r["outcome"] for r in rs)
        c["uninterpreted"] = sum(1 for r in rs if r["outcome"] == "misread" and r.get("unknown_functions"))
        c["cases"] = len(rs)
        return c

    latex = [r for r in results if r["category"] != "sympy"]
    groups = {
        "corpus (LaTeX)": group([r for r in latex if r["source"] == "corpus"]),
        "notation.json auto": group([r for r in latex if r["source"] == "notation.json"]),
        "all LaTeX meanings": group(latex),
        "sympy-syntax cells (not LaTeX)": group([r for r in results if r["category"] == "sympy"]),
    }
    err_counts = Counter(r["outcome"] for r in errs)
    print(f"parser: {args.parser}  version: {ver}  python {sys.version.split()[0]}  sympy {sympy.__version__}")
    print(f"{'':>32}  {'cases':>5} {'correct':>7} {'misread':>7} {'error':>6}   misread keeping an unknown function")
    for label, c in groups.items():
        print(f"{label:>32}  {c['cases']:>5} {c['correct']:>7} {c['misread']:>7} {c['error']:>6}   {c['uninterpreted']}")
    print(f"{'must-reject inputs':>32}  {len(errs):>5}  raised {err_counts['raised']}, returned a reading {err_counts['returned']}")
    print(f"wall time {wall:.1f} s")
    if args.out:
        args.out.write_text(json.dumps({
            "parser": args.parser, "version": ver, "python": sys.version.split()[0],
            "sympy": sympy.__version__, "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "groups": {k: dict(v) for k, v in groups.items()},
            "must_reject": dict(err_counts), "cases": results, "error_cases": errs,
        }, indent=1, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
