"""A step-by-step differentiator: derivatives written out with the rule used at each step.

The differentiator walks the expression tree itself (it does not decorate sympy's answer): the
derivative to take is an unevaluated ``Derivative(u, x)``; one *step* rewrites every pending
``Derivative`` node by one level of a named rule (sum, constant multiple, power, product,
quotient, chain, exponential, logarithm, trigonometric, ...), leaving new pending derivatives of
the inner functions. The step list ends when no pending derivative is left. Each step is checked
to follow from the one before (the two sides agree numerically at random points, or their
difference simplifies to 0 under a budget). Rules as in MML sec. 5.1-5.2 (eqs. 5.29-5.32).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp
from sympy.core.function import AppliedUndef

from ..budget import bounded

__all__ = ["RuleStep", "StepwiseDerivative", "differentiate_stepwise", "rule_name_of_function"]

_MAX_STEPS = 14

_FUNCTION_RULES = {
    sp.exp: "exponential rule",
    sp.log: "logarithm rule",
    sp.sin: "trigonometric rule",
    sp.cos: "trigonometric rule",
    sp.tan: "trigonometric rule",
    sp.cot: "trigonometric rule",
    sp.sec: "trigonometric rule",
    sp.csc: "trigonometric rule",
    sp.asin: "inverse trigonometric rule",
    sp.acos: "inverse trigonometric rule",
    sp.atan: "inverse trigonometric rule",
    sp.acot: "inverse trigonometric rule",
    sp.sinh: "hyperbolic rule",
    sp.cosh: "hyperbolic rule",
    sp.tanh: "hyperbolic rule",
    sp.asinh: "inverse hyperbolic rule",
    sp.acosh: "inverse hyperbolic rule",
    sp.atanh: "inverse hyperbolic rule",
    sp.Abs: "absolute value rule",
    sp.erf: "error function rule",
    sp.loggamma: "log-gamma rule",
    sp.gamma: "gamma function rule",
}


def rule_name_of_function(func) -> str:
    """The name of the rule that differentiates the outer function ``func``."""
    if func in _FUNCTION_RULES:
        return _FUNCTION_RULES[func]
    if isinstance(func, type) and issubclass(func, AppliedUndef):
        return f"derivative of {func.__name__}"
    return f"derivative of {getattr(func, '__name__', str(func))}"


@dataclass
class RuleStep:
    """One line ``= expr`` of a derivation with the rules used to reach it from the previous line."""

    expr: Any
    rules: list[str]
    checked: bool | None = None  # True: verified to follow; None: could not be verified


@dataclass
class StepwiseDerivative:
    """The steps from ``Derivative(f, x)`` to the derivative, and the derivative itself."""

    function: Any
    variable: Any
    steps: list[RuleStep] = field(default_factory=list)
    result: Any = None
    complete: bool = True  # False when the step limit was hit and sympy finished the job
    verified: bool = True  # every step followed from the previous one

    @property
    def rules(self) -> list[str]:
        seen: dict[str, None] = {}
        for s in self.steps:
            for r in s.rules:
                seen.setdefault(r, None)
        return list(seen)


def _is_pending(node, x) -> bool:
    if not isinstance(node, sp.Derivative) or tuple(node.variables) != (x,):
        return False
    inner = node.expr
    if isinstance(inner, AppliedUndef) and all(isinstance(a, sp.Symbol) for a in inner.args):
        return False  # d g(x)/dx of an unknown g: nothing more to say
    return True


def _pending(expr, x) -> list:
    found = []
    for node in sp.preorder_traversal(expr):
        if _is_pending(node, x):
            found.append(node)
    return list(dict.fromkeys(found))


def _D(u, x):
    """An unevaluated derivative, or its value when it is immediate (0 or 1)."""
    if not u.has(x):
        return sp.S.Zero
    if u == x:
        return sp.S.One
    return sp.Derivative(u, x)


def _monomial(u, x) -> bool:
    """``c * x**n`` with ``c`` and ``n`` free of ``x``."""
    _, rest = u.as_independent(x, as_Add=False)
    if rest == x:
        return True
    return rest.is_Pow and rest.base == x and not rest.exp.has(x)


def one_level(u, x) -> tuple[Any, list[str]]:
    """Rewrite ``d/dx u`` by one rule: the new expression (with pending inner derivatives) and rule names."""
    if not u.has(x):
        return sp.S.Zero, ["constant rule"]
    if u == x:
        return sp.S.One, ["dx/dx = 1"]
    if _monomial(u, x):
        c, rest = u.as_independent(x, as_Add=False)
        rule = "constant multiple rule" if rest == x else "power rule"
        return sp.diff(u, x), [rule]
    if u.is_Add:
        terms = [t for t in u.args if t.has(x)]
        rules = ["sum rule"]
        if len(terms) < len(u.args):
            rules.append("constant rule")
        return sp.Add(*[_D(t, x) for t in terms]), rules
    if u.is_Mul:
        const, dep = u.as_independent(x, as_Add=False)
        if const != 1:
            inner, _ = dep, None
            return const * _D(inner, x), ["constant multiple rule"]
        num, den = sp.fraction(dep)
        if den != 1 and den.has(x) and num.has(x):
            value = (den * _D(num, x) - num * _D(den, x)) / den**2
            return value, ["quotient rule"]
        factors = list(sp.Mul.make_args(dep))
        terms = []
        for i, f in enumerate(factors):
            others = sp.Mul(*(factors[:i] + factors[i + 1:]))
            terms.append(others * _D(f, x))
        return sp.Add(*terms), ["product rule"]
    if isinstance(u, sp.exp) or (u.is_Pow and u.base == sp.E):
        arg = u.args[0] if isinstance(u, sp.exp) else u.exp
        rules = ["exponential rule"] + (["chain rule"] if arg != x else [])
        return sp.exp(arg) * _D(arg, x), rules
    if u.is_Pow:
        b, e = u.base, u.exp
        if not e.has(x):
            rules = ["power rule"] + (["chain rule"] if b != x else [])
            return e * b ** (e - 1) * _D(b, x), rules
        if not b.has(x):
            return u * sp.log(b) * _D(e, x), ["exponential rule (a^u = e^{u ln a})", "chain rule"]
        # x^x and the like: d/dx e^{e ln b}
        return u * _D(e * sp.log(b), x), ["logarithmic differentiation"]
    if isinstance(u, sp.Function) and len(u.args) == 1:
        arg = u.args[0]
        try:
            outer = u.fdiff(1)
        except Exception:  # noqa: BLE001 - functions without a known derivative
            return sp.diff(u, x), ["differentiation (sympy)"]
        rules = [rule_name_of_function(u.func)] + (["chain rule"] if arg != x else [])
        return outer * _D(arg, x), rules
    return sp.diff(u, x), ["differentiation (sympy)"]


def _numeric_equal(a, b, symbols, rng, points: int = 3) -> bool | None:
    """a == b at random points (None when neither could be evaluated)."""
    symbols = sorted(symbols, key=str)
    try:
        fa = sp.lambdify(symbols, a, modules=["numpy", "scipy"])
        fb = sp.lambdify(symbols, b, modules=["numpy", "scipy"])
    except Exception:  # noqa: BLE001
        return None
    tried = 0
    for _ in range(points * 6):
        vals = []
        for s in symbols:
            v = rng.uniform(0.3, 2.0)
            if not (s.is_positive or s.is_nonnegative) and rng.random() < 0.5:
                v = -v
            vals.append(v)
        with np.errstate(all="ignore"):
            try:
                va = complex(fa(*vals))
                vb = complex(fb(*vals))
            except Exception:  # noqa: BLE001
                return None
        if not (np.isfinite(va) and np.isfinite(vb)):
            continue
        tried += 1
        if abs(va - vb) > 1e-8 * max(1.0, abs(va), abs(vb)):
            return False
        if tried >= points:
            return True
    return None if tried == 0 else True


def _follows(prev, new, rng) -> bool | None:
    """Does ``new`` equal ``prev`` (after evaluating the pending derivatives of both)?"""
    a = prev.doit()
    b = new.doit()
    if a == b:
        return True
    syms = (a.free_symbols | b.free_symbols)
    if not (a.atoms(AppliedUndef) or b.atoms(AppliedUndef) or a.atoms(sp.Derivative, sp.Subs)):
        same = _numeric_equal(a, b, syms, rng)
        if same is not None:
            return same
    zero = bounded(lambda: sp.simplify(a - b) == 0, seconds=1.0, fallback=None)
    return True if zero else None


def differentiate_stepwise(f, x, *, verify: bool = True, seed: int = 7) -> StepwiseDerivative:
    """``d f / d x`` as a list of :class:`RuleStep` from the structure of ``f``.

    >>> x, y = sp.symbols("x y", real=True)
    >>> d = differentiate_stepwise(x**2 * y + sp.sin(x * y), x)
    >>> d.steps[0].rules
    ['sum rule']
    >>> sp.simplify(d.result - (2*x*y + y*sp.cos(x*y)))
    0
    """
    rng = np.random.default_rng(seed)
    out = StepwiseDerivative(function=f, variable=x)
    current = _D(f, x)
    if not isinstance(current, sp.Derivative):
        out.steps.append(RuleStep(current, ["constant rule"] if current == 0 else ["dx/dx = 1"], True))
        out.result = current
        return out
    for _ in range(_MAX_STEPS):
        pending = _pending(current, x)
        if not pending:
            break
        rules: list[str] = []
        mapping = {}
        for node in pending:
            value, used = one_level(node.expr, x)
            mapping[node] = value
            rules.extend(r for r in used if r not in rules)
        new = current.xreplace(mapping)
        checked = _follows(current, new, rng) if verify else None
        if checked is False:
            out.verified = False
        out.steps.append(RuleStep(new, rules, checked))
        current = new
    else:
        if _pending(current, x):
            current = current.doit()
            out.steps.append(RuleStep(current, ["remaining derivatives evaluated"], None))
            out.complete = False
    out.result = current
    return out
