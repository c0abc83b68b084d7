"""Data and messages in the semantic pass: ``x_n`` bound by a sum as a row of the data matrix or an
entry of a data vector (problem.py conventions), and the shapes and 'read as' line used in
error messages. Mixed into :class:`.semantics.Scope`."""
from __future__ import annotations

from sympy import IndexedBase, Integer, MatrixSymbol, Symbol

from ..errors import ShapeError
from .syntax_tree import Name, Node, walk

__all__ = ["DataSemantics"]


class DataSemantics:
    """Methods mixed into :class:`Scope`."""

    def indexed(self, name: Name, node: Node):
        """``x_i`` with ``i`` bound: an element of data (problem.py conventions)."""
        bound = {}
        for scope in self.bound:
            bound.update(scope)
        sub = name.sub
        idx_exprs = None
        if sub.kind == "name" and sub.value.ident in bound:
            idx_exprs = [bound[sub.value.ident]]
        elif all(ch in bound for ch in name.subtext) and name.subtext.isalpha():
            idx_exprs = [bound[ch] for ch in name.subtext]
        elif sub.kind == "tuple" and all(a.kind == "name" and a.value.ident in bound for a in sub.args):
            idx_exprs = [bound[a.value.ident] for a in sub.args]
        else:
            names = {n.value.ident for n in walk(sub) if n.kind == "name"}
            if names & set(bound):
                idx_exprs = [self.convert(sub)]
        if idx_exprs is None:
            return None
        stem = name.accent + name.base
        stem_info = self.info.get(stem)
        if name.bold and not name.upper and len(idx_exprs) == 1:
            # the n-th data point: row n of the data matrix X (N x D)
            i = idx_exprs[0]
            upper = self.upper_of(i)
            if name.greek:
                mat_ident = stem[:1].upper() + stem[1:]  # \boldsymbol{\phi}_n: row n of Phi
            else:
                mat_ident = stem.upper() if stem.islower() else stem + "_data"
            minfo = self.of(mat_ident)
            if mat_ident not in self.objects:
                if minfo.shape:
                    rows, cols = minfo.shape
                else:
                    rows = upper if upper is not None else self.dimension_symbol("N")
                    cols = self.dims.fresh(prefer="D")
                self.objects[mat_ident] = MatrixSymbol(mat_ident, rows, cols)
                minfo.kind = "matrix"
                minfo.latex = minfo.latex or mat_ident
                self.order.append(mat_ident)
            X = self.objects[mat_ident]
            if upper is not None and X.shape[0] != upper and not self.dims.unify(X.shape[0], upper):
                if X.shape[1] == upper:
                    return X[:, i - 1]  # X declared D x N: the data points are its columns
                raise self.err(node, f"{name.latex or name.ident} runs to {upper} but {mat_ident} has {X.shape[0]} rows",
                               hint=f"declare {mat_ident} \\in \\mathbb{{R}}^{{{upper} \\times D}}", cls=ShapeError)
            return X[i - 1, :].T
        if self.data_matrix and not name.bold and len(idx_exprs) == 1 and (stem_info is None or stem_info.kind in (None, "scalar")) \
                and stem_info is None or (stem_info is not None and stem_info.source != "declaration" and stem_info.kind is None and self.data_matrix):
            upper = self.upper_of(idx_exprs[0])
            if upper is not None and len(idx_exprs) == 1 and not name.upper:
                inf = self.of(stem)
                inf.kind = "vector"
                inf.shape = inf.shape or (upper, Integer(1))
                stem_info = inf
        if stem_info is not None and stem_info.kind == "vector" and len(idx_exprs) == 1:
            vec = self.symbol_for(Name(name.base, bold=True, accent=name.accent, latex=name.base), node)
            upper = self.upper_of(idx_exprs[0])
            if upper is not None and self.dims.is_placeholder(self.dims.find(vec.shape[0])):
                # \alpha_n under \sum_{n=1}^{N}: the vector alpha has N entries
                self.dims.unify(vec.shape[0], upper)
                vec = self.resolve(vec)
            return vec[idx_exprs[0] - 1, 0]
        if stem_info is not None and stem_info.kind == "matrix" and len(idx_exprs) == 2:
            mat = self.symbol_for(Name(name.base, accent=name.accent), node)
            return mat[idx_exprs[0] - 1, idx_exprs[1] - 1]
        assumptions = {}
        if stem_info is not None:
            for p in ("positive", "nonnegative"):
                if p in stem_info.props:
                    assumptions[p] = True
        base = IndexedBase(stem, real=True, **assumptions)
        return base[tuple(idx_exprs)] if len(idx_exprs) > 1 else base[idx_exprs[0]]

    def upper_of(self, index):
        for ident, (lo, hi) in self.index_bounds.items():
            if ident == str(index):
                return hi
        return None

    def describe(self, e) -> str:
        s = self.shape(e)
        if s is None:
            return "a scalar"
        r, c = s
        if c == 1:
            return _article(self._dim_text(r)) + f" {self._dim_text(r)} x 1 column vector"
        if r == 1:
            return f"a 1 x {self._dim_text(c)} row vector"
        return _article(self._dim_text(r)) + f" {self._dim_text(r)} x {self._dim_text(c)} matrix"

    def _provisional_names(self) -> dict:
        """Names the open dimensions would get now (for messages before the cell is finished)."""
        taken = {str(k) for k in self.objects} | set(self.standalone) | set(self.index_bounds)
        return self.dims.finalise([], taken)

    def _dim_text(self, d) -> str:
        d = self.dims.find(d)
        if self.dims.is_placeholder(d):
            return str(self._provisional_names().get(d, "?"))
        return str(d)

    def reading_so_far(self) -> str:
        """'read as: ...' for the names met so far, for error hints."""
        names = self._provisional_names()
        parts = []
        for ident in self.order:
            obj = self.objects.get(ident)
            if isinstance(obj, MatrixSymbol):
                r, c = (str(names.get(self.dims.find(d), self.dims.find(d))) for d in obj.shape)
                parts.append(f"{ident} in R^{r}" if c == "1" else f"{ident} in R^({r} x {c})")
            elif isinstance(obj, Symbol) and not obj.is_integer:
                parts.append(f"{ident} scalar")
        return "read as: " + ", ".join(parts) if parts else ""

    def _shape_text(self, e) -> str:
        r, c = self.shape(e)
        def nm(d):
            return "?" if self.dims.is_placeholder(d) else str(d)
        return f"{nm(r)} x {nm(c)}"


def _article(word: str) -> str:
    """'an' before a letter or number read with a vowel sound (an n x 1, an 8 x 2)."""
    first = word[:1].lower()
    return "an" if first in "aefhilmnorsx8" or word.startswith(("11", "18")) else "a"
