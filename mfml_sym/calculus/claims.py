"""Verification of a hand derivation: every result the cell states is checked.

A claim (``f'(x) = ...``, ``\\nabla f = ...``, ``\\frac{\\partial f}{\\partial y} = ...``) is compared
with the derivative we derive: symbolically (the difference simplifies to 0 under a budget) and
numerically at random points of the declared domain. A wrong claim gets a counterexample point
with both values, the correct expression and a short diagnosis when one is simple (differs by a
sign, by a constant factor, by a constant); a claim right only on part of the domain says where.
A wrong claim is a finding about the user's work, recorded in ``d.verdicts`` -- not a failure of
our own check.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp
from sympy.core.function import AppliedUndef

from ..budget import bounded
from ..errors import UnsupportedError
from ..problem import Claim, Definition
from .checks import sample_points, values_agree
from .context import Context, Verdict, add_step

__all__ = ["verify_claims", "compare", "verify_matrix_claims"]

_POINTS = 16


def _fmt(v) -> str:
    a = np.asarray(v, dtype=float)
    if a.ndim == 0:
        return f"{float(a):.4g}"
    return np.array2string(a, precision=4, suppress_small=True, separator=", ", max_line_width=10**6).replace("\n", "")


def _claim_label(claim: Claim) -> str:
    """The left side as the user wrote it (``f'(x)``), else sympy's LaTeX of it."""
    text = (claim.text or "").split("=")[0].strip().rstrip("\\,; ")
    if text and "," not in text:
        return text
    if claim.lhs is not None and isinstance(claim.lhs, sp.Basic):
        return sp.latex(claim.lhs)
    return text or (claim.function or "f")


def _plain_label(claim: Claim) -> str:
    text = (claim.text or "").split("=")[0].strip()
    if text:
        return text
    return str(claim.lhs) if claim.lhs is not None else "claim"


def _definition_for(ctx: Context, name: str | None) -> tuple[Any, list]:
    for s in ctx.problem.statements:
        if isinstance(s, Definition) and (name is None or s.name == name):
            body = s.expr
            if isinstance(body, sp.MatrixBase) and body.shape[0] == 1 and body.shape[1] > 1:
                body = body.T
            if name is None or s.name == ctx.name:
                return ctx.f, list(ctx.variables)
            args = [a for a in s.args if isinstance(a, sp.Symbol)] or sorted(body.free_symbols, key=str)
            return body, args
    return ctx.f, list(ctx.variables)


def _correct_value(ctx: Context, claim: Claim) -> tuple[Any, str]:
    """What the claim should equal, and the name of that result."""
    f, variables = _definition_for(ctx, claim.function)
    if ctx.problem.substitutions:
        from .chain import fully_substituted

        mapping = {s.target: s.expr for s in ctx.problem.substitutions}
        if claim.wrt and any(w not in getattr(f, "free_symbols", set()) for w in claim.wrt):
            f = fully_substituted(f, mapping)
    what = claim.what
    if what == "derivative":
        wrt = list(claim.wrt) or variables[:1]
        free = getattr(f, "free_symbols", set())
        if wrt and wrt[0] in free or wrt and wrt[0] in variables:
            var, at = wrt[0], None
        else:  # f'(0) = ...: the derivative of a one-variable function at a point
            var = variables[0] if variables else None
            at = wrt[0] if wrt else None
        if var is None:
            raise UnsupportedError(f"cannot tell which variable {claim.text!r} differentiates by")
        value = sp.diff(f, var, claim.order)
        if at is not None:
            value = value.subs(var, at)
        return value, "derivative" if claim.order == 1 and at is None else (
            f"derivative of order {claim.order}" if at is None else "derivative at the point")
    if what == "partial":
        value = f
        for v in claim.wrt:
            value = sp.diff(value, v)
        return value, "d" + (claim.function or ctx.name) + "/" + "".join("d" + str(v) for v in claim.wrt)
    if what == "gradient":
        wrt = list(claim.wrt) or variables
        return sp.Matrix([sp.diff(f, v) for v in wrt]), "gradient"
    if what == "hessian":
        wrt = list(claim.wrt) or variables
        return sp.hessian(f, wrt), "hessian"
    if what == "jacobian":
        wrt = list(claim.wrt) or variables
        F = f if isinstance(f, sp.MatrixBase) else sp.Matrix([f])
        return F.jacobian(wrt), "jacobian"
    if what == "value":
        lhs = claim.lhs
        if isinstance(lhs, sp.Basic) and lhs.atoms(AppliedUndef):
            return _evaluate_functions(ctx, lhs), "value"
        return f, "value"
    if what != "relation":
        raise UnsupportedError(f"claims of the kind {what!r} are not checked by %%derive")
    # a relation: evaluate the left side with the cell's functions substituted
    lhs = claim.lhs
    if lhs is None:
        raise UnsupportedError(f"cannot tell what this line claims: {claim.text}")
    return _evaluate_functions(ctx, lhs), "relation"


def _evaluate_functions(ctx: Context, expr):
    """Replace applied user functions f(x) by their definitions and evaluate derivatives."""
    defs = {s.name: s for s in ctx.problem.statements if isinstance(s, Definition)}
    repl = {}
    for app in expr.atoms(AppliedUndef):
        d = defs.get(app.func.__name__)
        if d is not None and len(d.args) == len(app.args):
            repl[app] = d.expr.xreplace(dict(zip(d.args, app.args)))
    out = expr.xreplace(repl) if repl else expr
    return out.doit() if out.atoms(sp.Derivative) else out


def _symbolic_zero(difference) -> bool | None:
    def test():
        if isinstance(difference, sp.MatrixBase):
            return all(sp.simplify(e) == 0 for e in difference)
        return sp.simplify(difference) == 0

    return bounded(test, seconds=2.0, fallback=None)


def _orient(claimed, correct):
    """Vectors may be written as rows (MML layout) or columns: compare in the correct's shape."""
    if isinstance(claimed, sp.MatrixBase) and isinstance(correct, sp.MatrixBase):
        if claimed.shape != correct.shape and claimed.T.shape == correct.shape and 1 in claimed.shape:
            return claimed.T, "written as a row vector (the book's layout); compared entry by entry"
    if isinstance(correct, sp.MatrixBase) and correct.shape == (1, 1) and not isinstance(claimed, sp.MatrixBase):
        return sp.Matrix([[claimed]]), ""
    if isinstance(claimed, sp.MatrixBase) and claimed.shape == (1, 1) and not isinstance(correct, sp.MatrixBase):
        return claimed[0, 0], ""
    return claimed, ""


def _diagnose(rows) -> str:
    """A short reason when the claimed and correct values differ simply."""
    ys = np.array([np.ravel(r[1]) for r in rows], dtype=float)
    cs = np.array([np.ravel(r[2]) for r in rows], dtype=float)
    mask = np.abs(cs) > 1e-9
    if mask.sum() >= 2:
        ratios = ys[mask] / cs[mask]
        if np.allclose(ratios, ratios[0], rtol=1e-7, atol=1e-10):
            r = ratios[0]
            if abs(r + 1) < 1e-7:
                return "your expression differs by a sign"
            if abs(r) < 1e-12:
                return "your expression is 0 where it should not be"
            return f"your expression is off by a constant factor {sp.nsimplify(r, rational=True, tolerance=1e-8)}"
    diffs = ys - cs
    if diffs.size >= 2 and np.allclose(diffs, diffs.flat[0], rtol=1e-7, atol=1e-9):
        return f"your expression differs by the constant {sp.nsimplify(diffs.flat[0], tolerance=1e-8)}"
    return ""


def _condition(rows, symbols) -> str:
    """When agreement depends on the sign of one variable, say where the claim holds."""
    good = [r[0] for r in rows if r[3]]
    bad = [r[0] for r in rows if not r[3]]
    if not good or not bad:
        return ""
    for s in symbols:
        if all(p.get(s, 0) > 0 for p in good) and all(p.get(s, 0) < 0 for p in bad):
            return f"{s} > 0"
        if all(p.get(s, 0) < 0 for p in good) and all(p.get(s, 0) > 0 for p in bad):
            return f"{s} < 0"
    return ""


def compare(claimed, correct, symbols) -> Verdict:
    """Compare a claimed expression with the correct one; the verdict carries the evidence."""
    claimed, layout_note = _orient(claimed, correct)
    if isinstance(claimed, sp.MatrixBase) != isinstance(correct, sp.MatrixBase) or (
            isinstance(correct, sp.MatrixBase) and claimed.shape != correct.shape):
        shape_of = lambda e: e.shape if isinstance(e, sp.MatrixBase) else "a scalar"  # noqa: E731
        return Verdict(None, False, f"your result has shape {shape_of(claimed)}, the correct one {shape_of(correct)}",
                       correct_value=correct, diagnosis="wrong shape")
    difference = claimed - correct
    symbolic = _symbolic_zero(difference)
    symbols = sorted(set(symbols) | claimed.free_symbols | correct.free_symbols, key=str)
    points = sample_points(symbols, _POINTS, must_be_finite=[correct])
    numeric, rows = values_agree(claimed, correct, symbols, points=points, tolerance=1e-8)
    if numeric is None and symbolic is None:
        return Verdict(None, None, "could not be decided: neither side could be evaluated at random points",
                       correct_value=correct)
    if numeric is None:
        numeric = bool(symbolic)
    if numeric and symbolic is not False:
        how = "symbolically and " if symbolic else ""
        msg = f"confirmed {how}at {len(rows)} random points" if symbols else "confirmed exactly"
        if layout_note:
            msg += f" ({layout_note})"
        return Verdict(None, True, msg, correct_value=correct)
    if numeric and symbolic is False:
        # sympy could not show the difference is 0, yet every point agrees: trust the numbers, say so
        return Verdict(None, True, f"agrees at {len(rows)} random points (sympy could not simplify the difference to 0)",
                       correct_value=correct)
    bad = next(r for r in rows if not r[3])
    point = {str(k): round(float(v), 4) for k, v in bad[0].items()}
    where = ", ".join(f"{k} = {v:g}" for k, v in point.items())
    condition = _condition(rows, symbols)
    diagnosis = _diagnose(rows) if not condition else ""
    counter = dict(point)
    counter["yours"] = np.asarray(bad[1]).tolist()
    counter["correct"] = np.asarray(bad[2]).tolist()
    msg = f"at {where}: yours = {_fmt(bad[1])}, correct = {_fmt(bad[2])}"
    if condition:
        msg += f"; yours holds only for {condition}"
    return Verdict(None, False, msg, correct_value=correct, counterexample=counter, diagnosis=diagnosis,
                   condition=condition)


def verify_claims(ctx: Context) -> None:
    """Check every Claim of the cell; record verdicts, steps and notes; add the correct results."""
    from .forms import in_form

    claims = ctx.problem.claims
    if not claims:
        ctx.d.notes.append("no claim to check in this cell (write e.g. f'(x) = ... on a line of its own)")
        return
    if ctx.options.steps:
        ctx.d.add_heading("Checking your results")
    for claim in claims:
        label = _claim_label(claim)
        try:
            correct, name = _correct_value(ctx, claim)
        except UnsupportedError as exc:
            verdict = Verdict(claim, None, str(exc))
            ctx.d.verdicts.append(verdict)
            ctx.d.notes.append(f"? {_plain_label(claim)}: {exc}")
            continue
        claimed = claim.rhs
        if claim.what == "relation" and claimed is not None:
            claimed = _evaluate_functions(ctx, claimed)
        verdict = compare(claimed, correct, ctx.variables)
        verdict.claim = claim
        shown = in_form(correct, ctx.options.form)
        verdict.correct_value = shown
        ctx.d.verdicts.append(verdict)
        plain = _plain_label(claim)
        if verdict.correct:
            line = f"✓ your {plain} is right: {verdict.message}"
            ctx.d.notes.append(line)
            if ctx.options.steps:
                add_step(ctx.d, label, claimed, rule="✓ " + verdict.message)
        elif verdict.correct is False:
            line = f"✗ your {plain} is wrong. {verdict.message}"
            if verdict.diagnosis:
                line += f"; {verdict.diagnosis}"
            line += f". correct: {plain} = {shown}"
            ctx.d.notes.append(line)
            if ctx.options.steps:
                add_step(ctx.d, label, claimed, rule="✗ wrong: " + verdict.message
                         + (f"; {verdict.diagnosis}" if verdict.diagnosis else ""), relation=r"\neq")
                _correct_derivation(ctx, claim, label, shown)
        else:
            ctx.d.notes.append(f"? your {plain}: {verdict.message}")
        if name not in ("value", "relation", "derivative at the point"):
            _add_correct(ctx, name, shown, claim)
        elif name == "derivative at the point" and ctx.options.check:
            ctx.d.add_check(lambda claim=claim, value=correct: _point_derivative_check(ctx, claim, value))
        elif ctx.options.check:
            ctx.d.add_check(lambda verdict=verdict: _evaluation_report(verdict))


def _correct_derivation(ctx: Context, claim: Claim, label: str, shown) -> None:
    """The right derivative with its rules, step by step, when the claim is a first derivative."""
    from .derivatives import add_steps

    f, variables = _definition_for(ctx, claim.function)
    var = None
    if claim.what == "derivative" and claim.order == 1:
        var = claim.wrt[0] if claim.wrt and claim.wrt[0] in variables else None
    elif claim.what == "partial" and len(claim.wrt) == 1:
        var = claim.wrt[0]
    if var is None or isinstance(f, sp.MatrixBase) or not getattr(f, "has", lambda v: False)(var):
        add_step(ctx.d, label, shown, rule="correct")
        return
    ctx.d.add_heading("The correct derivation")
    add_steps(ctx, f, var, label)


def _evaluation_report(verdict: Verdict):
    """For a claim that states a value (not a derivative): our evaluation of both sides is the check."""
    from ..derivation import CheckReport

    decided = verdict.correct is not None
    return CheckReport(decided, "both sides evaluated at random points" if decided else verdict.message,
                       points=_POINTS if decided else 0, what="claim")


def _point_derivative_check(ctx: Context, claim: Claim, value):
    """f^{(k)}(a) by finite differences (of the (k-1)-th derivative) against our value."""
    from ..derivation import CheckReport
    from ..numeric.finite_differences import central_difference, relative_error

    f, variables = _definition_for(ctx, claim.function)
    var = variables[0]
    inner = sp.diff(f, var, claim.order - 1) if claim.order > 1 else f
    params = sorted((inner.free_symbols | value.free_symbols) - {var}, key=str)
    gen = np.random.default_rng(3)
    from .checks import sample_value

    pv = {p: sample_value(p, gen) for p in params}
    try:
        at = float(sp.sympify(claim.wrt[0]).subs(pv))
        fn = sp.lambdify([var], inner.subs(pv), "numpy")
        fd = float(central_difference(lambda a: fn(a[0]), np.array([at]))[0])
        ours = float(sp.sympify(value).subs(pv))
    except (TypeError, ValueError, ZeroDivisionError) as exc:
        return CheckReport(False, f"could not evaluate ({type(exc).__name__})", what=str(claim.text))
    err = relative_error(np.array(ours), np.array(fd))
    return CheckReport(err <= 1e-6, "central differences (4th order) at the point", points=1, max_error=err,
                       tolerance=1e-6, what="derivative at the point")


def _add_correct(ctx: Context, name: str, value, claim: Claim) -> None:
    """The correct result joins the derivation's results, with its own finite-difference check."""
    if name in ctx.d:
        return
    ctx.d.add_result(name, value, label=_claim_label(claim))
    from .derivatives import numpy_of

    ctx.d.add_numeric(name, lambda: numpy_of(ctx, value))
    if not ctx.options.check:
        return
    from .checks import derivative_check

    if claim.what == "partial" and claim.wrt:
        last = claim.wrt[-1]
        f, _ = _definition_for(ctx, claim.function)
        inner = f
        for v in claim.wrt[:-1]:
            inner = sp.diff(inner, v)
        ctx.d.add_check(lambda: derivative_check(inner, value, [last], what=name))
    elif claim.what == "derivative":
        f, variables = _definition_for(ctx, claim.function)
        var = claim.wrt[0] if claim.wrt and claim.wrt[0] in variables else (variables or ctx.variables)[0]
        inner = sp.diff(f, var, claim.order - 1) if claim.order > 1 else f
        ctx.d.add_check(lambda: derivative_check(inner, value, [var], what=name))
    elif claim.what in ("gradient", "jacobian"):
        f, variables = _definition_for(ctx, claim.function)
        wrt = list(claim.wrt) or variables
        ctx.d.add_check(lambda: derivative_check(f, value, wrt, what=name))
    elif claim.what == "hessian":
        f, variables = _definition_for(ctx, claim.function)
        wrt = list(claim.wrt) or variables
        g = sp.Matrix([sp.diff(f, v) for v in wrt])
        ctx.d.add_check(lambda: derivative_check(g, value, wrt, what=name))


# -- vector / matrix claims ----------------------------------------------------------------------

def verify_matrix_claims(problem, definition, derivation) -> None:
    """Claims about vector/matrix derivatives: compare numerically at random sizes and values."""
    from .matrix_claims import check_matrix_claim

    if not hasattr(derivation, "verdicts"):
        derivation.verdicts = []
    for claim in problem.claims:
        verdict = check_matrix_claim(problem, definition, derivation, claim)
        derivation.verdicts.append(verdict)
        plain = _plain_label(claim)
        if verdict.correct:
            derivation.notes.append(f"✓ your {plain} is right: {verdict.message}")
        elif verdict.correct is False:
            derivation.notes.append(f"✗ your {plain} is wrong. {verdict.message}"
                                    + (f"; {verdict.diagnosis}" if verdict.diagnosis else ""))
        else:
            derivation.notes.append(f"? your {plain}: {verdict.message}")
