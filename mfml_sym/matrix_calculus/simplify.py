"""Our own simplification of matrix expressions, towards the book's way of writing results.

Exact rewrites only, valid for every size: transposes pushed onto symbols ((AB)ᵀ = BᵀAᵀ,
(Aᵀ)ᵀ = A, (A⁻¹)ᵀ = (Aᵀ)⁻¹, Sᵀ = S for a declared symmetric S), diag(abᵀ) = a ∘ b, products
expanded into a sum of monomials, like monomials collected (Aᵀx + Ax = 2Ax for symmetric A),
then common left and right factors and common numeric factors pulled out again
(−2Φᵀy + 2ΦᵀΦθ → 2Φᵀ(Φθ − y)). Expansion is capped so the cost stays small.
"""
from __future__ import annotations

from collections import defaultdict

import sympy as sp
from sympy.matrices.expressions.diagonal import DiagonalOf
from sympy.matrices.expressions.matexpr import MatrixElement, MatrixExpr

from .functions import Diag, Elementwise, LogSumExp, Norm, Scalar, Softmax, is_matrix, madd, mmul, ones

__all__ = ["simplify_matrix", "transpose"]

MAX_TERMS = 64


class _Simplifier:
    def __init__(self, symmetric=(), right=()) -> None:
        self.symmetric = set(symmetric)
        self.right = tuple(right)
        self._memo: dict = {}

    # -- transposes ------------------------------------------------------------------------
    def transpose(self, e):
        if not is_matrix(e):
            return e
        if isinstance(e, sp.MatrixSymbol):
            return e if e in self.symmetric else sp.Transpose(e)
        if isinstance(e, sp.Transpose):
            return e.arg
        if isinstance(e, sp.MatAdd):
            return sp.MatAdd(*[self.transpose(a) for a in e.args]).doit(deep=False)
        if isinstance(e, sp.MatMul):
            scalars = [a for a in e.args if not is_matrix(a)]
            mats = [self.transpose(a) for a in reversed([a for a in e.args if is_matrix(a)])]
            return sp.MatMul(*(scalars + mats)).doit(deep=False)
        if isinstance(e, sp.Inverse):
            inner = self.transpose(e.arg)
            return sp.Inverse(inner)
        if isinstance(e, (sp.Identity, sp.ZeroMatrix)) or isinstance(e, Diag):
            return e
        if isinstance(e, sp.OneMatrix):
            return type(e)(e.shape[1], e.shape[0])
        return sp.Transpose(e)

    # -- the pass --------------------------------------------------------------------------
    def __call__(self, e):
        if not isinstance(e, sp.Basic):
            return e
        if e in self._memo:
            return self._memo[e]
        out = self._simplify(e)
        self._memo[e] = out
        return out

    def _simplify(self, e):
        s = self
        if isinstance(e, sp.MatrixBase) and not isinstance(e, MatrixExpr):
            return e.applyfunc(s)
        if not isinstance(e, MatrixExpr):
            if not e.args or isinstance(e, (sp.Symbol, sp.Number)):
                return e
            if isinstance(e, MatrixElement):
                parent = s(e.parent)
                if isinstance(parent, sp.ZeroMatrix):
                    return sp.S.Zero
                return e.func(parent, e.i, e.j)
            if isinstance(e, sp.Trace):
                arg = s(e.arg)
                if isinstance(arg, sp.ZeroMatrix):
                    return sp.S.Zero
                if tuple(arg.shape) == (1, 1):
                    return Scalar(arg)
                if isinstance(arg, sp.MatAdd):
                    return sp.Add(*[s(sp.Trace(a)) for a in arg.args])
                if isinstance(arg, sp.MatMul):
                    scalars = [a for a in arg.args if not is_matrix(a)]
                    mats = [a for a in arg.args if is_matrix(a)]
                    if scalars:
                        return sp.Mul(*scalars) * s(sp.Trace(sp.MatMul(*mats).doit(deep=False)))
                if isinstance(arg, sp.Identity):
                    return arg.shape[0]
                rotated = _rotate_to_scalar(arg)
                if rotated is not None:
                    return Scalar(rotated)
                return sp.Trace(arg)
            if isinstance(e, sp.Determinant):
                return sp.Determinant(s(e.arg))
            if isinstance(e, (LogSumExp, Norm)):
                return type(e)(s(e.arg))
            try:
                return e.func(*[s(a) for a in e.args])
            except Exception:
                return e
        # matrix expressions: normalise the atoms, then expand, collect and factor
        terms = self._expand(e)
        if terms is None:
            return self._normal(e)
        return self._factor(self._collect(terms), e)

    def _normal(self, e):
        """Rebuild e with normalised children, without expanding products."""
        s = self
        if isinstance(e, sp.Transpose):
            inner = s(e.arg)
            t = self.transpose(inner)
            return t if not isinstance(t, sp.Transpose) else sp.Transpose(inner)
        if isinstance(e, sp.Inverse):
            inner = s(e.arg)
            if isinstance(inner, sp.Inverse):
                return inner.arg
            if isinstance(inner, sp.MatMul):
                scalars = [a for a in inner.args if not is_matrix(a)]
                if scalars:
                    mats = [a for a in inner.args if is_matrix(a)]
                    return (1 / sp.Mul(*scalars)) * sp.Inverse(sp.MatMul(*mats).doit(deep=False))
            if isinstance(inner, sp.MatAdd):
                common = _numeric_content([c for c, _ in self._collect(self._expand(inner) or [(1, (inner,))])])
                if common not in (0, 1):
                    return (1 / common) * sp.Inverse(s(inner / common))
            return sp.Inverse(inner)
        if isinstance(e, DiagonalOf):
            inner = s(e.arg)
            if isinstance(inner, Diag):
                return inner.vector
            if isinstance(inner, sp.MatMul):
                mats = [a for a in inner.args if is_matrix(a)]
                scalars = [a for a in inner.args if not is_matrix(a)]
                if len(mats) == 2 and mats[0].shape[1] == 1:
                    a, b = mats[0], self.transpose(mats[1])
                    return sp.Mul(*scalars) * sp.HadamardProduct(a, b)
            return DiagonalOf(inner)
        if isinstance(e, Diag):
            return Diag(s(e.vector))
        if isinstance(e, sp.HadamardProduct):
            args = [s(a) for a in e.args]
            if any(isinstance(a, sp.ZeroMatrix) for a in args):
                return sp.ZeroMatrix(*e.shape)
            args = [a for a in args if not isinstance(a, sp.OneMatrix)]
            scal = sp.S.One
            plain = []
            for a in args:
                if isinstance(a, sp.MatMul) and not is_matrix(a.args[0]):
                    scal *= a.args[0]
                    rest = sp.MatMul(*a.args[1:]).doit(deep=False)
                    plain.append(rest)
                else:
                    plain.append(a)
            if not plain:
                return e
            counts: dict = {}
            for a in plain:
                counts[a] = counts.get(a, 0) + 1
            parts = [a if k == 1 else sp.HadamardPower(a, k) for a, k in counts.items()]
            core = parts[0] if len(parts) == 1 else sp.HadamardProduct(*parts)
            return core if scal == 1 else scal * core
        if isinstance(e, sp.HadamardPower):
            base = s(e.args[0])
            if e.args[1] == 1:
                return base
            return sp.HadamardPower(base, e.args[1])
        if isinstance(e, Elementwise):
            arg = s(e.arg)
            if arg.shape[0] == 1 and arg.shape[1] != 1:  # f(rowᵀ...) is (f(column))ᵀ: one canonical form
                return sp.Transpose(Elementwise(e.function, s(self.transpose(arg))))
            return Elementwise(e.function, arg)
        if isinstance(e, Softmax):
            return Softmax(s(e.arg))
        if isinstance(e, sp.MatPow):
            return sp.MatPow(s(e.args[0]), e.args[1])
        if isinstance(e, (sp.MatAdd, sp.MatMul)):
            return e.func(*[s(a) for a in e.args]).doit(deep=False)
        if isinstance(e, sp.KroneckerProduct):
            return sp.KroneckerProduct(*[s(a) for a in e.args])
        return e

    # -- sum of monomials ------------------------------------------------------------------
    def _expand(self, e):
        """e as [(coefficient, (factor, ...)), ...] or None when it would grow too large."""
        if isinstance(e, sp.MatAdd):
            out = []
            for a in e.args:
                part = self._expand(a)
                if part is None:
                    return None
                out += part
            if len(out) > MAX_TERMS:
                return None
            return self._hadamard_cancel(out)
        if isinstance(e, sp.MatMul):
            out = [(sp.S.One, ())]
            for a in e.args:
                if not is_matrix(a):
                    out = [(c * self(a), f) for c, f in out]
                    continue
                part = self._expand(a)
                if part is None:
                    return None
                out = [(c1 * c2, f1 + f2) for c1, f1 in out for c2, f2 in part]
                if len(out) > MAX_TERMS:
                    return None
            return out
        if isinstance(e, sp.Transpose):
            inner = self._normal(e)
            if isinstance(inner, sp.Transpose):
                return [(sp.S.One, (inner,))]
            return self._expand(inner)
        if isinstance(e, sp.ZeroMatrix):
            return []
        if isinstance(e, sp.Identity):
            return [(sp.S.One, (e,))]
        atom = self._normal(e)
        if isinstance(atom, (sp.MatAdd, sp.MatMul)) and atom != e:
            return self._expand(atom)
        if isinstance(atom, sp.MatMul):
            return [(sp.S.One, (atom,))]
        return [(sp.S.One, (atom,))]

    # -- Hadamard polynomials ---------------------------------------------------------------
    def _hadamard_monomials(self, atom):
        """atom (entrywise product of sums) as [(c, sorted factors)] or None when not applicable."""
        if isinstance(atom, sp.HadamardProduct):
            out = [(sp.S.One, ())]
            for a in atom.args:
                part = self._hadamard_monomials(a)
                if part is None:
                    return None
                out = [(c1 * c2, f1 + f2) for c1, f1 in out for c2, f2 in part]
                if len(out) > MAX_TERMS:
                    return None
            return [(c, tuple(sorted(f, key=sp.srepr))) for c, f in out]
        if isinstance(atom, sp.MatAdd):
            out = []
            for a in atom.args:
                part = self._hadamard_monomials(a)
                if part is None:
                    return None
                out += part
            return out
        if isinstance(atom, sp.MatMul) and not is_matrix(atom.args[0]):
            rest = sp.MatMul(*atom.args[1:]).doit(deep=False)
            part = self._hadamard_monomials(rest)
            return None if part is None else [(atom.args[0] * c, f) for c, f in part]
        if isinstance(atom, sp.OneMatrix):
            return [(sp.S.One, ())]
        return [(sp.S.One, (atom,))]

    def _hadamard_cancel(self, terms):
        """Σ of entrywise products: expanded and collected when that cancels terms
        ((1 − σ) ∘ y + (y − 1) ∘ σ = y − σ); common entrywise factors pulled out again."""
        single = [k for k, (c, f) in enumerate(terms) if len(f) == 1 and f[0].shape[1] == 1 and f[0].shape[0] != 1]
        if len(single) < 2 or not any(isinstance(terms[k][1][0], sp.HadamardProduct) for k in single):
            return terms
        monomials = []
        for k in single:
            c, (atom,) = terms[k]
            part = self._hadamard_monomials(atom)
            if part is None:
                return terms
            monomials += [(c * c2, f) for c2, f in part]
        collected: dict = defaultdict(lambda: sp.S.Zero)
        order = []
        for c, f in monomials:
            if f not in collected:
                order.append(f)
            collected[f] += c
        kept = [(collected[f], f) for f in order if collected[f] != 0]
        if len(kept) >= len(monomials):
            return terms  # nothing cancelled: keep the factored forms
        shape = terms[single[0]][1][0].shape
        rebuilt = self._hadamard_factor(kept, shape)
        rest = [t for k, t in enumerate(terms) if k not in single]
        return rest + [(c, (atom,)) for c, atom in rebuilt]

    def _hadamard_factor(self, kept, shape):
        """[(c, factors)] → [(c, atom)], with a factor common to every monomial pulled out."""
        if not kept:
            return []
        common = set(kept[0][1])
        for _, f in kept[1:]:
            common &= set(f)
        common_list = sorted(common, key=sp.srepr)

        def atom_of(factors, drop=()):
            factors = list(factors)
            for g in drop:
                factors.remove(g)
            if not factors:
                return ones(*shape)
            return factors[0] if len(factors) == 1 else sp.HadamardProduct(*factors)

        if common_list and len(kept) > 1:
            inner = _add([mmul(c, atom_of(f, common_list)) for c, f in kept])
            atoms = common_list + [inner]
            return [(sp.S.One, sp.HadamardProduct(*atoms))]
        out = []
        for c, f in kept:
            out.append((c, atom_of(f) if f else ones(*shape)))
        return out

    def _ones_hadamard(self, c, factors):
        """1ᵀ(a ∘ b) = aᵀb: the factor holding a preferred-right symbol (dX) stays on the right."""
        out = list(factors)
        k = 0
        while k < len(out) - 1:
            a, b = out[k], out[k + 1]
            if isinstance(a, Diag) and isinstance(b, Diag):
                out[k:k + 2] = [Diag(self(sp.HadamardProduct(a.vector, b.vector)))]
                continue
            if _is_ones_row(a) and isinstance(b, Diag):
                out[k:k + 2] = [self.transpose(b.vector)]
                continue
            if isinstance(a, Diag) and isinstance(b, sp.OneMatrix) and b.shape[1] == 1:
                out[k:k + 2] = [a.vector]
                continue
            if _is_ones_row(a) and isinstance(b, sp.HadamardPower) and b.args[1] == 2 and b.shape[1] == 1:
                out[k:k + 2] = [self.transpose(b.args[0]), b.args[0]]
                continue
            if _is_ones_row(a) and isinstance(b, sp.HadamardProduct) and b.shape[1] == 1:
                args = list(b.args)
                pick = next((x for x in args if not any(x.has(r) for r in self.right)), args[0])
                args.remove(pick)
                rest = args[0] if len(args) == 1 else sp.HadamardProduct(*args)
                part = self._expand(rest) if isinstance(rest, sp.MatMul) else None
                if part is not None and len(part) == 1:
                    c = c * part[0][0]
                    rest_factors = list(part[0][1])
                else:
                    rest_factors = [rest]
                out[k:k + 2] = [self.transpose(pick)] + rest_factors
            k += 1
        return c, tuple(out)

    def _collect(self, terms):
        found: dict = defaultdict(lambda: sp.S.Zero)
        order = []
        terms = [self._ones_hadamard(c, f) for c, f in terms]
        for c, f in terms:
            f = tuple(a for a in f if not (isinstance(a, sp.Identity) and len(f) > 1))
            if f not in found:
                order.append(f)
            found[f] += c
        return [(found[f], f) for f in order if found[f] != 0]

    def _merge_products(self, terms):
        """Σ_k a_k L_k R_j-sums with the same right sum: (Σ_k a_k L_k)(Σ_j b_j R_j), e.g. (x − μ)(x − μ)ᵀ."""
        rest = [t for t in terms if len(t[1]) < 2]
        terms = [t for t in terms if len(t[1]) >= 2]
        if len(terms) < 4 or len(terms) > 16:
            return None
        groups: dict = defaultdict(list)
        for c, f in terms:
            groups[f[0]].append((c, f[1:]))
        if len(groups) < 2:
            return None
        reference = None
        lefts = []
        for left, inner in groups.items():
            inner = sorted(inner, key=lambda t: sp.srepr(t[1]))
            key = tuple(r for _, r in inner)
            c0 = inner[0][0]
            ratios = [c / c0 for c, _ in inner]  # cheap: only numeric ratios count as proportional
            if not all(r.is_Number for r in ratios):
                return None
            if reference is None:
                reference = (key, ratios)
            elif key != reference[0] or any(r1 != r2 for r1, r2 in zip(ratios, reference[1])):
                return None
            lefts.append((c0, left))
        if len(reference[0]) < 2:
            return None
        left_terms = sorted([(c, (f,)) for c, f in lefts], key=lambda t: sp.srepr(t[1]))
        right_terms = [(r, f) for r, f in zip(reference[1], reference[0])]
        first = sp.sympify(left_terms[0][0]).as_coeff_Mul()[0]
        if first < 0:
            left_terms = [(-c, f) for c, f in left_terms]
            right_terms = [(-c, f) for c, f in right_terms]
        left = self._factor(left_terms, None)
        right = self._factor(right_terms, None)
        merged = left * right
        if rest:
            merged = merged + self._factor(rest, None)
        return merged

    def _factor(self, terms, like):
        if not terms:
            return sp.ZeroMatrix(*like.shape)
        if len(terms) == 1:
            return _monomial(*terms[0])
        merged = self._merge_products(terms)
        if merged is not None:
            return merged
        if all(len(f) == 1 and isinstance(f[0], Diag) for _, f in terms):
            # Σ cᵢ diag(vᵢ) = diag(Σ cᵢ vᵢ)
            inside = _add([c * f[0].vector if c != 1 else f[0].vector for c, f in terms])
            return Diag(self(inside))
        best = None
        for side in (0, -1):
            groups: dict = defaultdict(list)
            for k, (c, f) in enumerate(terms):
                if len(f) >= 2:
                    groups[f[side]].append(k)
            for factor, members in groups.items():
                if len(members) >= 2 and (best is None or len(members) > len(best[2])):
                    best = (side, factor, members)
        if best is None:
            content = _numeric_content([c for c, _ in terms])
            if content not in (0, 1) and len(terms) > 1:
                inner = _add([_monomial(c / content, f) for c, f in terms])
                return content * inner
            return _add([_monomial(c, f) for c, f in terms])
        side, factor, members = best
        rest = [t for k, t in enumerate(terms) if k not in members]
        if side == 0:
            inner_terms = [(terms[k][0], terms[k][1][1:]) for k in members]
        else:
            inner_terms = [(terms[k][0], terms[k][1][:-1]) for k in members]
        inner_terms = self._collect(self._hadamard_cancel(inner_terms))
        if not inner_terms:
            return self._factor(rest, like) if rest else sp.ZeroMatrix(*like.shape)
        content = _numeric_content([c for c, _ in inner_terms])
        if content not in (0, 1):
            inner_terms = [(c / content, f) for c, f in inner_terms]
        inner = self._factor(inner_terms, None)
        grouped = mmul(factor, inner) if side == 0 else mmul(inner, factor)
        if content not in (0, 1):
            grouped = mmul(content, grouped)
        if not rest:
            return grouped
        return _add([grouped, self._factor(rest, like)])


def _as_transpose_of_sum(e, simp):
    """xᵀ − μᵀ as (x − μ)ᵀ when every term is a transpose (reads as the book writes it)."""
    if not isinstance(e, sp.MatAdd):
        return e
    inner = []
    for t in e.args:
        coeff, rest = (t.args[0], sp.MatMul(*t.args[1:]).doit(deep=False)) if isinstance(t, sp.MatMul) and not is_matrix(t.args[0]) else (sp.S.One, t)
        if not isinstance(rest, sp.Transpose):
            return e
        inner.append(coeff * rest.arg)
    total = inner[0]
    for t in inner[1:]:
        total = total + t
    return sp.Transpose(total)


def _rotate_to_scalar(m):
    """tr(u vᵀ) = vᵀu: a cyclic rotation of a product that makes it 1 × 1 (exact), or None."""
    if not isinstance(m, sp.MatMul):
        return None
    if any(not is_matrix(a) for a in m.args):
        return None
    mats = list(m.args)
    for k in range(1, len(mats)):
        if mats[k].shape[0] == 1:
            return sp.MatMul(*(mats[k:] + mats[:k])).doit(deep=False)
    return None


def _is_ones_row(a) -> bool:
    if isinstance(a, sp.OneMatrix) and a.shape[0] == 1:
        return True
    return isinstance(a, sp.Transpose) and isinstance(a.arg, sp.OneMatrix)


def _numeric_content(coeffs):
    """The common numeric factor of the coefficients (its sign that of the majority)."""
    nums = []
    for c in coeffs:
        n, _ = sp.sympify(c).as_coeff_Mul()
        if not n.is_Rational:
            return sp.S.One
        nums.append(n)
    if not nums:
        return sp.S.One
    g = abs(nums[0])
    for n in nums[1:]:
        g = sp.gcd(g, abs(n))
    negatives = sum(1 for n in nums if n < 0)
    if negatives * 2 > len(nums):
        g = -g
    return g


def _monomial(c, factors):
    if not factors:
        raise ValueError("empty monomial")
    return mmul(*factors) if c == 1 else mmul(c, *factors)


def _add(parts):
    return madd(*parts)


def simplify_matrix(e, symmetric=(), right=(), seconds: float | None = None):
    """The canonical form of ``e`` (matrix or scalar expression) described in the module doc.

    ``right``: symbols (differentials) kept at the right end of products where there is a choice.
    Runs under a time budget (``settings.simplify_timeout``); on overrun ``e`` comes back as is
    (still exact: simplification is optional).
    """
    from ..budget import bounded

    simp = _Simplifier(symmetric, right)
    return bounded(simp, e, seconds=seconds, fallback=e, step="matrix simplification")


def transpose(e, symmetric=()):
    """eᵀ with the transpose pushed onto the symbols."""
    return _Simplifier(symmetric).transpose(e)
