"""Change of variables for densities in several variables (MML sec. 6.7, eq. 6.144 generalised).

For an invertible transformation ``y = g(x)`` of a random vector with density ``p_X``:
``p_Y(y) = Σ_k p_X(h_k(y)) |det J_{h_k}(y)|`` over the branches ``h_k`` of ``g^{-1}``.
The check is pointwise and independent of the symbolic inverse Jacobian: at random ``y`` the
result must equal ``Σ_k p_X(x_k) / |det J_g(x_k)|`` with ``J_g`` from central differences of
the forward map at the preimages ``x_k``.
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from ..budget import remaining, time_budget
from ..derivation import CheckReport
from ..errors import BudgetExceeded, UnsupportedError
from ..numeric.finite_differences import central_difference, relative_error
from .checks import sample_value
from .context import Context, add_step, tex
from .forms import in_form

__all__ = ["change_of_variables_multivariate"]


def change_of_variables_multivariate(ctx: Context) -> None:
    xs = list(ctx.variables)
    subs = [s for s in ctx.problem.substitutions if s.expr is not None and any(s.expr.has(x) for x in xs)]
    if len(subs) != len(xs):
        raise UnsupportedError(f"a change of variables in {len(xs)} variables needs {len(xs)} equations "
                               f"y_i = g_i({', '.join(map(str, xs))}); found {len(subs)}")
    ys = [s.target for s in subs]
    g = [s.expr for s in subs]
    try:
        with time_budget(min(10.0, remaining() or 10.0), step="inverting the transformation"):
            branches = sp.solve([sp.Eq(y, gi) for y, gi in zip(ys, g)], xs, dict=True)
    except BudgetExceeded:
        raise UnsupportedError("could not invert the transformation within the time budget") from None
    branches = [b for b in branches if all(x in b for x in xs) and all(v.is_real is not False for v in b.values())]
    branches = _real_branches(branches, xs, g, ys)
    if not branches:
        raise UnsupportedError("sympy found no inverse of the transformation")
    # |det J_{g^{-1}}(y)| = 1 / |det J_g(x)| at x = g^{-1}(y) (inverse function theorem): no derivative
    # of the (possibly awkward) inverse is needed
    forward_det = in_form(sp.Matrix(g).jacobian(xs).det(), "auto")
    terms, dets = [], []
    for b in branches:
        det = in_form(1 / forward_det.subs(b, simultaneous=True), "auto")
        dets.append(det)
        terms.append(ctx.f.subs(b, simultaneous=True) * sp.Abs(det))
    pY = in_form(sp.Add(*terms), ctx.options.form)
    ylabel = ", ".join(tex(y) for y in ys)
    if ctx.options.steps:
        ctx.d.add_heading("Change of variables")
        add_step(ctx.d, rf"p_Y({ylabel})", r"\sum_k p_X(h_k(\mathbf{y}))\,\left|\det J_{h_k}(\mathbf{y})\right|",
                 rule="change of variables (MML sec. 6.7)")
        add_step(ctx.d, r"\det J_g", forward_det, rule="Jacobian determinant of the transformation")
        for b, det in zip(branches, dets):
            inverse = ", ".join(f"{x} = {sp.sstr(b[x])}" for x in xs)
            add_step(ctx.d, r"\det J_{g^{-1}}", det, rule=f"= 1/det J_g at the inverse {inverse}")
        add_step(ctx.d, rf"p_Y({ylabel})", pY, rule="substitute and simplify")
    ctx.d.add_result("change_of_variables", pY, label=rf"p_Y({ylabel})")
    from .derivatives import numpy_of

    ctx.d.add_numeric("change_of_variables", lambda: numpy_of(ctx, pY, own=True))
    if ctx.options.check:
        ctx.d.add_check(lambda: _pointwise_check(ctx.f, xs, g, ys, pY, branches))


def _odd_roots_real(e):
    """x^(1/3) -> the real cube root (sign(x)|x|^(1/3)): the inverse of an odd power on all of R."""
    return e.replace(lambda a: a.is_Pow and a.exp.is_Rational and a.exp.p == 1 and a.exp.q % 2 == 1 and a.exp.q > 1,
                     lambda a: sp.sign(a.base) * sp.Abs(a.base) ** a.exp)


def _real_branches(branches, xs, g, ys) -> list:
    """Keep the branches of g^{-1} that are real on the image of g (checked at random points)."""
    gen = np.random.default_rng(4)
    samples = []
    G = sp.lambdify(xs, g, "numpy")
    for _ in range(8):
        x0 = [sample_value(x, gen) for x in xs]
        with np.errstate(all="ignore"):
            try:
                samples.append(np.asarray(G(*x0), dtype=float))
            except (TypeError, ValueError):
                continue
    kept = []
    for b in branches:
        b = {x: _odd_roots_real(v) for x, v in b.items()}
        h = sp.lambdify(ys, [b[x] for x in xs], "numpy")
        real = 0
        for y0 in samples:
            with np.errstate(all="ignore"):
                try:
                    v = np.asarray(h(*y0), dtype=complex)
                except (TypeError, ValueError, ZeroDivisionError):
                    continue
            if np.all(np.isfinite(v)) and np.all(np.abs(v.imag) < 1e-9):
                real += 1
        if real:
            kept.append(b)
    return kept


def _pointwise_check(pX, xs, g, ys, pY, branches, count: int = 6) -> CheckReport:
    gen = np.random.default_rng(10)
    params = {s: sample_value(s, gen) for s in (pX.free_symbols | pY.free_symbols) - set(xs) - set(ys)}
    for gi in g:
        params.update({s: sample_value(s, gen) for s in gi.free_symbols - set(xs) if s not in params})
    fX = sp.lambdify(xs, pX.subs(params), "numpy")
    fY = sp.lambdify(ys, pY.subs(params), "numpy")
    G = sp.lambdify(xs, [gi.subs(params) for gi in g], "numpy")
    H = [sp.lambdify(ys, [b[x].subs(params) for x in xs], "numpy") for b in branches]
    worst, used = 0.0, 0
    for _ in range(count * 10):
        x0 = np.array([sample_value(x, gen) for x in xs])
        with np.errstate(all="ignore"):
            try:
                y0 = np.asarray(G(*x0), dtype=float)
                ours = complex(fY(*y0))
                if abs(ours.imag) > 1e-9 * max(1.0, abs(ours)):
                    raise ValueError
                ours = ours.real
                total = 0.0
                for h in H:
                    xk = np.asarray(h(*y0), dtype=complex)
                    if np.any(np.abs(xk.imag) > 1e-9) or not np.all(np.isfinite(xk)):
                        continue
                    xk = xk.real
                    J = central_difference(lambda v: np.asarray(G(*v), dtype=float), xk)
                    total += float(fX(*xk)) / abs(np.linalg.det(J))
            except (TypeError, ValueError, ZeroDivisionError, np.linalg.LinAlgError):
                continue
        if not (np.isfinite(ours) and np.isfinite(total)):
            continue
        used += 1
        worst = max(worst, relative_error(np.array(ours), np.array(total)))
        if used >= count:
            break
    if not used:
        return CheckReport(False, "could not evaluate the densities at any point", what="transformed density")
    return CheckReport(worst <= 1e-6, "p_Y(y) against Σ p_X(x_k)/|det J_g(x_k)| (J_g by central differences)",
                       points=used, max_error=worst, tolerance=1e-6, what="transformed density")
