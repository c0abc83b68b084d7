"""Every real solution of a zero-dimensional polynomial system with numeric coefficients.

From a lex Gröbner basis (Cox, Little, O'Shea, *Ideals, Varieties, and Algorithms*, ch. 3, the
Elimination and Extension Theorems) the last variable satisfies a univariate polynomial; its real
roots are found exactly (rational and quadratic factors by radicals, higher-degree irreducible
factors as ``CRootOf``, sympy's exact real-root isolation). Each earlier variable is then fixed by
the basis elements whose leading variable it is: when one of them is linear in it (the generic
"shape" case) exactly, otherwise by the real roots of its univariate specialisation computed in
50-digit arithmetic and kept only where every basis element vanishes. Complex roots never enter,
and no real root is lost, because the basis has the same zeros as the original system.
"""
from __future__ import annotations

import mpmath
import sympy as sp

__all__ = ["real_solutions"]

DIGITS = 50


def _real_roots_exact(poly: sp.Poly) -> list:
    roots = []
    for factor, _ in sp.factor_list(poly.as_expr(), poly.gen)[1]:
        f = sp.Poly(factor, poly.gen)
        if f.degree() <= 0:
            continue
        if f.degree() <= 2:
            for r in sp.roots(f, multiple=True):
                if r.is_real:
                    roots.append(sp.radsimp(r))
        else:
            roots.extend(f.real_roots())
    # distinct values only
    out = []
    for r in roots:
        if not any(sp.N(r - q, 30) == 0 for q in out):
            out.append(r)
    return out


def _numeric(expr) -> mpmath.mpf | None:
    try:
        with mpmath.workdps(DIGITS):
            v = sp.N(expr, DIGITS)
            c = complex(v)
    except (TypeError, ValueError):
        return None
    if abs(c.imag) > 1e-25 * (1 + abs(c.real)):
        return None
    return v


def real_solutions(G: sp.GroebnerBasis, gens: list) -> list[dict] | None:
    """All real solutions ``{gen: value}``; None when the basis is not in a form handled here."""
    polys = [sp.Poly(p, *gens) for p in G.exprs]

    def leading(p: sp.Poly) -> int | None:
        for i, g in enumerate(gens):
            if p.degree(g) > 0:
                return i
        return None

    by_var: dict[int, list] = {}
    for p in polys:
        i = leading(p)
        if i is None:
            return []  # a nonzero constant: no solution
        by_var.setdefault(i, []).append(p.as_expr())
    solutions = [{}]
    for i in reversed(range(len(gens))):
        g = gens[i]
        eqs = by_var.get(i, [])
        new = []
        for sol in solutions:
            if not eqs:
                return None  # a free variable: positive-dimensional, not handled here
            spec = [sp.expand(e.subs(sol)) for e in eqs]
            spec = [e for e in spec if e != 0]
            if not spec:
                return None
            if not sol:
                P = sp.Poly(spec[0], g)
                for e in spec[1:]:
                    P = sp.gcd(P, sp.Poly(e, g))
                cands = _real_roots_exact(P)
            else:
                lin = [e for e in spec if sp.Poly(e, g).degree() == 1]
                cands = []
                if lin:
                    pl = sp.Poly(lin[0], g)
                    a, b = pl.all_coeffs()
                    if _numeric(a) is not None and abs(complex(sp.N(a, 30))) > 1e-25:
                        cands = [sp.radsimp(-b / a) if not a.has(sp.CRootOf) else -b / a]
                    else:
                        lin = []
                if not lin:
                    e0 = sp.Poly(spec[0], g)
                    if all(c.is_Rational for c in e0.all_coeffs()):
                        cands = _real_roots_exact(e0)
                    elif e0.degree() <= 2 and not spec[0].has(sp.CRootOf):
                        cands = [sp.radsimp(r) for r in sp.roots(e0, multiple=True) if r.is_real]
                    else:
                        coeffs = []
                        for c in e0.all_coeffs():
                            re, im = sp.N(c, DIGITS + 10).as_real_imag()
                            coeffs.append(mpmath.mpc(mpmath.mpf(str(re)), mpmath.mpf(str(im))))
                        with mpmath.workdps(DIGITS):
                            rts = mpmath.polyroots(coeffs, maxsteps=400, extraprec=400)
                            cands = [sp.Float(mpmath.nstr(mpmath.re(r), DIGITS), DIGITS) for r in rts
                                     if abs(mpmath.im(r)) < 1e-20]
            for r in cands:
                trial = {**sol, g: r}
                ok = True
                for e in spec:
                    v = sp.N(e.subs(g, r), 40)
                    if abs(complex(v)) > 1e-18:
                        ok = False
                        break
                if ok:
                    new.append(trial)
        solutions = new
    return solutions
