"""Judging a parsed meaning against an intended sympy meaning (notation.json conventions).

Names are compared after stripping fonts and braces; then structural equality, then
``simplify`` of the difference, then numeric evaluation with random values and random
matrices (n=3, m=2, N=4, D=3, K=3). Independent of the parser under test: it only uses sympy.
"""
from __future__ import annotations

import json
import random
import re
from pathlib import Path

import sympy
from sympy import Indexed, IndexedBase, MatrixBase, MatrixExpr, MatrixSymbol, Symbol

EXAMPLES = Path("/work/shared/examples")
DIMS = {"n": 3, "m": 2, "N": 4, "D": 3, "K": 3}
_WRAPPERS = r"\\(mathbf|boldsymbol|bm|mathrm|mathcal|text|operatorname|mathbb|mathit|vec)"


def norm_name(name: str) -> str:
    s = re.sub(_WRAPPERS, "", name)
    for ch in "\\{} *":
        s = s.replace(ch, "")
    return s


def normalise(e):
    """Rename every symbol to its plain normalised name, without assumptions."""
    if isinstance(e, (list, tuple)):
        return type(e)(normalise(x) for x in e)
    if not isinstance(e, sympy.Basic):
        return e
    from sympy.matrices.expressions.matexpr import MatrixElement
    e = e.replace(lambda a: isinstance(a, MatrixElement) and not isinstance(a.parent, MatrixSymbol),
                  lambda a: a.doit())
    rep = {}
    for s in e.atoms(Symbol):
        rep[s] = Symbol(norm_name(s.name))
    for ix in e.atoms(Indexed):
        base = IndexedBase(norm_name(str(ix.base.label)))
        rep[ix] = base[tuple(i.xreplace({s: Symbol(norm_name(s.name)) for s in i.atoms(Symbol)}) for i in ix.indices)]
    for M in e.atoms(MatrixSymbol):
        shape = [sympy.sympify(d).xreplace({s: Symbol(norm_name(s.name)) for s in sympy.sympify(d).atoms(Symbol)}) for d in M.shape]
        rep[M] = MatrixSymbol(norm_name(M.name), *shape)
    out = e.xreplace(rep)
    # index symbols may remain with assumptions inside Sum limits
    return out.xreplace({s: Symbol(norm_name(s.name)) for s in out.atoms(Symbol)})


def namespace(data: dict) -> dict:
    ns: dict = {}
    exec(data["namespace"], ns)  # noqa: S102 - the public examples' own namespace
    return ns


def align_dimensions(got, intended):
    """Rename got's dimension symbols so that each named matrix has intended's shape.

    Which letter an inferred dimension gets is arbitrary; consistency is what matters: one
    dimension symbol may map to one size only (a conflict keeps got unchanged and fails).
    """
    if not isinstance(got, sympy.Basic) or not isinstance(intended, sympy.Basic):
        return got
    want = {}
    for M in intended.atoms(MatrixSymbol):
        want[M.name] = tuple(sympy.sympify(d).xreplace({s: sympy.Integer(DIMS.get(s.name, 3)) for s in sympy.sympify(d).atoms(Symbol)}) for d in M.shape)
    rename = {}
    for M in got.atoms(MatrixSymbol):
        if M.name not in want:
            continue
        for d, size in zip(M.shape, want[M.name]):
            d = sympy.sympify(d)
            if isinstance(d, Symbol):
                if rename.get(d, size) != size:
                    return got
                rename[d] = size
            elif d != size:
                return got
    return got.xreplace(rename) if rename else got


def numeric_equal(a, b, trials: int = 3, seed: int = 0) -> bool:
    rnd = random.Random(seed)
    for _ in range(trials):
        vals = {}
        def value_of(sym):
            if sym.name in DIMS:
                return sympy.Integer(DIMS[sym.name])
            if sym not in vals:
                vals[sym] = sympy.Float(rnd.uniform(0.3, 1.4))
            return vals[sym]
        mats = {}
        def sub(e):
            e = sympy.sympify(e) if not isinstance(e, (MatrixBase, MatrixExpr)) else e
            dims = {s: sympy.Integer(DIMS[s.name]) for s in e.atoms(Symbol) if s.name in DIMS}
            e = e.xreplace(dims) if dims else e
            for M in sorted(e.atoms(MatrixSymbol), key=str):
                key = (M.name, tuple(M.shape))
                if key not in mats:
                    r, c = (int(d) for d in M.shape)
                    mats[key] = sympy.ImmutableMatrix(r, c, lambda i, j: sympy.Float(rnd.gauss(0, 1)))
                    if r == c:  # keep determinants and logs well defined
                        mats[key] = mats[key] * mats[key].T + sympy.eye(r)
                e = e.xreplace({M: mats[key]})
            e = e.doit() if hasattr(e, "doit") else e
            if isinstance(e, MatrixExpr):
                e = e.as_explicit()
            ind = {}
            for ix in (e.atoms(Indexed) if hasattr(e, "atoms") else ()):
                k = str(ix)
                if k not in vals:
                    vals[k] = sympy.Float(rnd.uniform(0.3, 1.4))
                ind[ix] = vals[k]
            if ind:
                e = e.xreplace(ind)
            e = e.xreplace({s: value_of(s) for s in e.atoms(Symbol)})
            return sympy.N(e)
        try:
            va, vb = sub(a), sub(b)
        except Exception:  # noqa: BLE001
            return None
        if isinstance(va, MatrixBase) or isinstance(vb, MatrixBase):
            if not (isinstance(va, MatrixBase) and isinstance(vb, MatrixBase)) or va.shape != vb.shape:
                return False
            diffs = [complex(x - y) for x, y in zip(va, vb)]
            scale = max([1.0] + [abs(complex(x)) for x in va])
            if max(abs(d) for d in diffs) > 1e-8 * scale:
                return False
            continue
        if isinstance(va, sympy.Rel) or isinstance(vb, sympy.Rel):
            return False
        try:
            if abs(complex(va - vb)) > 1e-8 * max(1.0, abs(complex(va))):
                return False
        except TypeError:
            return None
    return True


def as_parts(e):
    """A relation -> (type, lhs, rhs); anything else -> (None, e, None)."""
    if isinstance(e, sympy.Rel) or isinstance(e, sympy.Equality):
        return type(e), e.lhs, e.rhs
    return None, e, None


def same_meaning(got, intended) -> bool:
    got, intended = normalise(got), normalise(intended)
    try:
        if got == intended:
            return True
    except Exception:  # noqa: BLE001
        pass
    tg, lg, rg = as_parts(got)
    ti, li, ri = as_parts(intended)
    if tg is not ti:
        return False
    pairs = [(lg, li)] + ([(rg, ri)] if tg is not None else [])
    for a, b in pairs:
        if a == b:
            continue
        if isinstance(a, (MatrixExpr, MatrixBase)) != isinstance(b, (MatrixExpr, MatrixBase)):
            # a 1x1 matrix against its scalar entry
            if isinstance(a, (MatrixExpr, MatrixBase)) and a.shape == (1, 1):
                a = a[0, 0]
            elif isinstance(b, (MatrixExpr, MatrixBase)) and b.shape == (1, 1):
                b = b[0, 0]
            else:
                return False
        verdict = numeric_equal(align_dimensions(a, b), b)
        if verdict:
            continue
        if verdict is None:  # not evaluable numerically (undefined functions, derivatives)
            try:
                if not isinstance(a, (MatrixExpr, MatrixBase)) and sympy.simplify(a - b) == 0:
                    continue
            except Exception:  # noqa: BLE001
                pass
        return False
    return True


def load(name: str) -> dict:
    return json.loads((EXAMPLES / f"{name}.json").read_text())
