"""The syntax tree the reader builds: small nodes with their place in the cell text."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Node", "Name", "walk"]


@dataclass
class Name:
    """A written name: ``\\boldsymbol{\\mu}_k`` is base "mu", bold, subscript "k".

    ``sub`` is the subscript's own tree (for indices bound by a sum), ``subtext`` its flat
    spelling used in the symbol's name (``x_{ij}`` -> "ij").
    """

    base: str
    bold: bool = False
    font: str = ""  # "bf", "cal", "rm", "bb", "vec", ""
    accent: str = ""  # "hat", "bar", "tilde", ...
    sub: Any = None
    subtext: str = ""
    primes: int = 0
    greek: bool = False
    latex: str = ""

    @property
    def ident(self) -> str:
        """The symbol's name without font: ``haty_i``, ``W_1``, ``x'``."""
        core = self.accent + self.base
        if self.subtext:
            core += "_" + self.subtext
        return core + "'" * self.primes

    @property
    def stem(self) -> str:
        return self.accent + self.base

    @property
    def upper(self) -> bool:
        return self.base[:1].isupper()


@dataclass
class Node:
    """kind: num, name, const, add, sub, neg, mul, div, pow, frac, func, apply, paren, tuple,
    abs, norm, inner, matrix, sum, prod, int, lim, deriv, nabla, expect, dist, rel, text,
    set, ellipsis, mathbb, transpose, inverse, factorial, binom, evalbar, given, pm."""

    kind: str
    args: tuple = ()
    start: int = 0
    end: int = 0
    value: Any = None
    extra: dict = field(default_factory=dict)


def walk(node):
    """Every node of a tree, depth first (names included)."""
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, Node):
            yield n
            for a in n.args:
                if isinstance(a, (list, tuple)):
                    stack.extend(a)
                else:
                    stack.append(a)
            for v in n.extra.values():
                if isinstance(v, Node):
                    stack.append(v)
                elif isinstance(v, (list, tuple)):
                    stack.extend(x for x in v if isinstance(x, (Node, list, tuple)))
            if isinstance(n.value, Name) and isinstance(n.value.sub, Node):
                stack.append(n.value.sub)
        elif isinstance(n, (list, tuple)):
            stack.extend(n)
