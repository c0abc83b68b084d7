"""Bayesian linear regression with unknown noise: a normal–inverse-gamma prior over (w, σ²).

With ``w | σ² ~ N(m₀, σ² Λ₀⁻¹)`` and ``σ² ~ IG(a₀, b₀)`` every Gaussian term of the log joint
is ``−Q(w)/(2σ²)``; collecting ``Q`` as a quadratic form in ``w`` (the same collector as for
known noise) and the coefficient of ``log σ²`` gives the posterior
``NIG(m_N, Λ_N, a_N, b_N)`` with ``Λ_N = Λ₀ + ΦᵀΦ``, ``m_N = Λ_N⁻¹(Λ₀m₀ + Φᵀy)``,
``a_N = a₀ + N/2``, ``b_N = b₀ + ½(yᵀy + m₀ᵀΛ₀m₀ − m_NᵀΛ_N m_N)`` (Bishop PRML Exercise 3.12;
Murphy 2012 Sec. 7.6.3). Evidence by the candidate's identity at (w, σ²) = (0, 1); the check
evaluates that identity with scipy densities at random points.
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from ..derivation import CheckReport
from ..errors import DataError, UnsupportedError
from ..numeric.finite_differences import rng as make_rng
from .gaussian_vector import _key, collect_quadratic, _symmetric
from .checks import guarded
from .result import PosteriorResult
from ..render.latex_printer import to_latex
from .numeric_values import evaluate_with

__all__ = ["is_regression_nig", "infer_regression_nig"]

lg = sp.loggamma


def is_regression_nig(spec) -> bool:
    prior = spec.get("prior")
    return isinstance(prior, dict) and _key(prior["family"]) in (
        "mvninversegamma", "mvnig", "normalinversegammaregression", "multivariatenormalinversegamma") or (
        isinstance(prior, dict) and _key(prior["family"]) in ("normalinversegamma", "nig")
        and any(u.get("shape", "scalar") != "scalar" for u in spec.get("unknown", [])))


def infer_regression_nig(spec, data=None, check=True, steps=True) -> PosteriorResult:
    D = sp.Symbol("D", integer=True, positive=True)
    N = sp.Symbol("N", integer=True, positive=True)
    unknowns = spec["unknown"]
    wname = next(u["name"] for u in unknowns if u.get("shape", "scalar") != "scalar")
    vname = next((u["name"] for u in unknowns if u.get("shape", "scalar") == "scalar"), "sigma2")
    pp = spec["prior"]["params"]
    mname = str(pp.get("mean", pp.get("mu", pp.get("m0", "m_0"))))
    lname = str(pp.get("Lambda", pp.get("precision", pp.get("Lambda0", "Lambda_0"))))
    aname, bname = str(pp.get("a", pp.get("alpha", "a_0"))), str(pp.get("b", pp.get("beta", "b_0")))
    w, v = sp.MatrixSymbol(wname, D, 1), sp.Symbol(vname, positive=True)
    m0, L0 = sp.MatrixSymbol(mname, D, 1), sp.MatrixSymbol(lname, D, D)
    a0, b0 = sp.Symbol(aname, positive=True), sp.Symbol(bname, positive=True)
    Phi = sp.MatrixSymbol(spec.get("design", "Phi"), N, D)
    y = sp.MatrixSymbol(spec.get("target", "y"), N, 1)
    if not _key(spec["likelihood"]["family"]).startswith(("linear", "gaussianlinear", "normallinear", "blr", "bayesianlinear")) \
            and not spec.get("data", {}).get("kind", "").startswith("regression"):
        raise UnsupportedError("a normal–inverse-gamma prior on a weight vector needs a linear-regression likelihood")
    # log joint = c log σ² − Q(w)/(2σ²) + const
    Q = (y - Phi * w).T * (y - Phi * w) + (w - m0).T * L0 * (w - m0)
    c_log = -N / 2 - D / 2 - (a0 + 1)
    A, bvec, rest = collect_quadratic(Q, w)
    LN = _symmetric(A, [L0])
    bN = _symmetric(-bvec / 2, [L0])  # Q = wᵀ Λ_N w − 2 wᵀ (Λ₀ m₀ + Φᵀ y) + rest
    mN = sp.Inverse(LN) * bN
    rest_q = sp.MatAdd(*rest) if rest else sp.ZeroMatrix(1, 1)
    aN = sp.expand(-c_log - 1 - D / 2)
    bN_scalar = b0 + (sp.Trace(rest_q) - sp.Trace(_symmetric(bN.T * sp.Inverse(LN) * bN, [L0]))) / 2
    res = PosteriorResult(f"posterior: y ~ N(Phi {wname}, {vname} I); ({wname}, {vname}) ~ NIG")
    res.show_steps = steps
    res.unknowns = (wname, vname)
    res.add_heading("Log joint: powers of σ² and a quadratic form in w")
    res.add_step(rf"\log p(\mathbf{{y}}, {wname}, {vname})",
                 rf"{to_latex(c_log)} \log {to_latex(v)} - \frac{{1}}{{2 {to_latex(v)}}}\left({to_latex(Q)} + 2 {to_latex(b0)}\right)"
                 r" + \text{const}", rule="both Gaussians have covariance ∝ σ²; the inverse-gamma adds −(a₀+1) log σ² − b₀/σ²")
    res.add_step(r"Q(w)", to_latex(w.T * LN * w) + " - 2 " + to_latex(w.T * bN) + r" + \text{rest}",
                 rule="collect the quadratic and linear terms in w")
    res.conjugate, res.family, res.kernel_family = True, "MVNInverseGamma", "MVNInverseGamma"
    res.parameters = {"mean": mN, "Lambda": LN, "a": aN, "b": bN_scalar}
    res.kernel_parameters = dict(res.parameters)
    res.add_step(rf"p({wname}, {vname} \mid \mathbf{{y}})", sp.Function("NIG")(mN, LN, aN, bN_scalar),
                 rule="kernel of a normal–inverse-gamma: Λ_N, m_N = Λ_N⁻¹ b, a_N from log σ², b_N from the rest")
    res.mean = {wname: mN, vname: bN_scalar / (aN - 1)}
    res.mode = {wname: mN, vname: bN_scalar / (aN + 1 + D / 2)}
    res.variance = {wname: bN_scalar / (aN - 1) * sp.Inverse(LN)}
    # evidence: candidate's identity at (w, σ²) = (0, 1)
    log_lik0 = -N / 2 * sp.log(2 * sp.pi) - sp.Trace(y.T * y) / 2
    log_pri0 = (-D / 2 * sp.log(2 * sp.pi) + sp.log(sp.Determinant(L0)) / 2 - sp.Trace(m0.T * L0 * m0) / 2
                + a0 * sp.log(b0) - lg(a0) - b0)
    log_post0 = (-D / 2 * sp.log(2 * sp.pi) + sp.log(sp.Determinant(LN)) / 2 - sp.Trace(mN.T * LN * mN) / 2
                 + aN * sp.log(bN_scalar) - lg(aN) - bN_scalar)
    res.log_evidence = log_lik0 + log_pri0 - log_post0
    res.add_step(r"\log p(\mathbf{y})", res.log_evidence, rule="log p(y | 0, 1) + log p(0, 1) − log p(0, 1 | y)")
    phi = sp.MatrixSymbol("phi_new", D, 1)
    res.predictive = {"family": "StudentT", "params": {
        "df": 2 * aN, "loc": sp.Trace(phi.T * mN),
        "scale2": bN_scalar / aN * (1 + sp.Trace(phi.T * sp.Inverse(LN) * phi))}, "logpdf": None, "variable": phi}
    res.statistics = {"N": "number of observations", "Phi^T Phi": "Gram matrix", "Phi^T y": "features times targets",
                      "y^T y": "sum of squared targets"}
    res.add_result("log_evidence", res.log_evidence)
    ctx = dict(D=D, N=N, w=w, v=v, m0=m0, L0=L0, a0=a0, b0=b0, Phi=Phi, y=y, names=(mname, lname, aname, bname))
    if data is not None:
        _numbers(res, ctx, data)
    if check:
        res.add_check(guarded(lambda: _check(res, ctx, data)))
    return res


def _arrays(ctx, data, gen):
    data = dict(data or {})
    pn, yn = ctx["Phi"].name, ctx["y"].name
    mname, lname, aname, bname = ctx["names"]
    if pn in data:
        Phi = np.asarray(data[pn], dtype=float)
        y = np.asarray(data[yn], dtype=float).reshape(-1)
    else:
        Phi = np.column_stack([np.ones(9), gen.uniform(-1, 1, 9)])
        y = gen.normal(0, 1, 9)
    if Phi.ndim != 2 or Phi.shape[0] != y.shape[0]:
        raise DataError(f"{pn} must be N x D and {yn} of length N; got shapes {Phi.shape} and {y.shape}")
    d = Phi.shape[1]
    m0 = np.asarray(data.get(mname, gen.normal(0, 1, d)), dtype=float).reshape(-1)
    a = gen.normal(0, 0.5, (d, d))
    L0 = np.asarray(data.get(lname, a @ a.T + np.eye(d)), dtype=float)
    a0 = float(data.get(aname, gen.uniform(1.5, 3.0)))
    b0 = float(data.get(bname, gen.uniform(0.5, 2.0)))
    if m0.shape != (d,) or L0.shape != (d, d):
        raise DataError(f"{mname} must have {d} entries and {lname} be {d} x {d}")
    return Phi, y, m0, L0, a0, b0


def _evaluate(expr, ctx, arrays):
    Phi, y, m0, L0, a0, b0 = arrays
    n, d = Phi.shape
    rep = {sp.MatrixSymbol(ctx["Phi"].name, n, d): sp.ImmutableMatrix(Phi),
           sp.MatrixSymbol(ctx["y"].name, n, 1): sp.ImmutableMatrix(y.reshape(-1, 1)),
           sp.MatrixSymbol(ctx["m0"].name, d, 1): sp.ImmutableMatrix(m0.reshape(-1, 1)),
           sp.MatrixSymbol(ctx["L0"].name, d, d): sp.ImmutableMatrix(L0),
           ctx["a0"]: sp.Float(a0), ctx["b0"]: sp.Float(b0)}
    return evaluate_with(expr, {ctx["D"]: d, ctx["N"]: n}, rep)


def _numbers(res, ctx, data):
    arrays = _arrays(ctx, data, make_rng())
    res.numbers = {"parameters": {k: _evaluate(v, ctx, arrays) for k, v in res.parameters.items()},
                   "log_evidence": _evaluate(res.log_evidence, ctx, arrays)}
    res.numbers["mean"] = {k: _evaluate(v, ctx, arrays) for k, v in res.mean.items()}
    res.numbers["mode"] = {k: _evaluate(v, ctx, arrays) for k, v in res.mode.items()}


def _check(res, ctx, data) -> CheckReport:
    """log p(y | w, σ²) + log p(w, σ²) − log p(w, σ² | y) = log p(y) at random points (scipy densities)."""
    from scipy import stats

    gen = make_rng()
    arrays = _arrays(ctx, data, gen)
    Phi, y, m0, L0, a0, b0 = arrays
    p = {k: _evaluate(v, ctx, arrays) for k, v in res.parameters.items()}
    mN, LN, aN, bN = p["mean"].reshape(-1), p["Lambda"], p["a"], p["b"]
    ev = _evaluate(res.log_evidence, ctx, arrays)
    errs = []
    for _ in range(5):
        v = gen.uniform(0.3, 2.0)
        w = mN + gen.normal(0, 0.5, mN.size)
        ll = stats.norm(Phi @ w, np.sqrt(v)).logpdf(y).sum()
        lp = stats.multivariate_normal(m0, v * np.linalg.inv(L0)).logpdf(w) + stats.invgamma(a0, scale=b0).logpdf(v)
        lq = stats.multivariate_normal(mN, v * np.linalg.inv(LN)).logpdf(w) + stats.invgamma(aN, scale=bN).logpdf(v)
        errs.append(abs(ll + lp - lq - ev))
    worst = float(max(errs))
    return CheckReport(passed=worst < 1e-7, method="log p(y|w,σ²) + log p(w,σ²) − log p(w,σ²|y) = log p(y) at random "
                       "(w, σ²) (scipy densities)", points=len(errs), max_error=worst, tolerance=1e-7,
                       what="normal–inverse-gamma posterior and evidence")
