"""Dimensions of vectors and matrices, inferred from how they are multiplied and added.

An undeclared vector or matrix gets placeholder dimensions; products and sums unify them
(``\\mathbf{x}^\\top A \\mathbf{x}`` makes ``A`` n x n). At the end of the cell every
placeholder left is named (``n``, ``m``, ``p``, ... avoiding the cell's own names) and
substituted everywhere, so one name is one MatrixSymbol throughout the Problem.
"""
from __future__ import annotations

import sympy

__all__ = ["Dimensions"]

_NAMES = ["n", "m", "p", "q", "r", "d", "l", "s", "u", "v"]


class Dimensions:
    """Union-find over dimension placeholders (positive integer Symbols named ``_dim<k>``)."""

    def __init__(self):
        self.parent: dict = {}
        self.count = 0
        self.preferred: dict = {}  # placeholder -> preferred final name

    def fresh(self, prefer: str | None = None) -> sympy.Symbol:
        self.count += 1
        d = sympy.Symbol(f"_dim{self.count}", integer=True, positive=True)
        self.parent[d] = d
        if prefer:
            self.preferred[d] = prefer
        return d

    def is_placeholder(self, d) -> bool:
        return d in self.parent

    def find(self, d):
        if d not in self.parent:
            return d
        while self.parent[d] != d:
            self.parent[d] = self.parent.get(self.parent[d], self.parent[d])
            d = self.parent[d]
            if d not in self.parent:
                return d
        return d

    def unify(self, a, b) -> bool:
        """Make a and b the same dimension; False when both are fixed and different."""
        a, b = self.find(a), self.find(b)
        if a == b:
            return True
        if self.is_placeholder(a) and self.parent.get(a) == a:
            if b == 1 or b == sympy.Integer(1):
                return False
            self.parent[a] = b
            if b in self.parent and a in self.preferred and b not in self.preferred:
                self.preferred[b] = self.preferred[a]
            return True
        if self.is_placeholder(b) and self.parent.get(b) == b:
            if a == 1:
                return False
            self.parent[b] = a
            return True
        return sympy.simplify(a - b) == 0 if isinstance(a, sympy.Expr) and isinstance(b, sympy.Expr) else False

    def mapping(self) -> dict:
        return {d: self.find(d) for d in self.parent if self.find(d) != d}

    def resolve(self, expr):
        m = self.mapping()
        if not m or expr is None:
            return expr
        try:
            return expr.xreplace(m)
        except AttributeError:
            return expr

    def finalise(self, order: list, taken: set) -> dict:
        """Name every remaining placeholder; ``order`` lists placeholders by priority."""
        names = {}
        used = set(taken)
        roots = []
        for d in order + list(self.parent):
            r = self.find(d)
            if self.is_placeholder(r) and r not in roots:
                roots.append(r)
        for r in roots:
            pref = self.preferred.get(r)
            if pref and pref not in used:
                name = pref
            else:
                name = next((c for c in _NAMES if c not in used), None)
                if name is None:
                    name = f"n_{len(used)}"
            used.add(name)
            names[r] = sympy.Symbol(name, integer=True, positive=True)
        final = {}
        for d in self.parent:
            r = self.find(d)
            final[d] = names.get(r, r)
        return final
