"""Unknown mean and covariance (or precision) of a multivariate normal, jointly.

Under a Normal–inverse-Wishart prior (or Normal–Wishart on the precision) every term of the log
joint that involves μ sits inside one trace, ``−½ tr(T(U) M(μ))`` with
``M(μ) = Σ_i (x_i − μ)(x_i − μ)ᵀ + κ₀(μ − m₀)(μ − m₀)ᵀ + Ψ₀``. Collecting ``M`` as an outer-product
polynomial in μ — ``κ μμᵀ − μ bᵀ − b μᵀ + C`` — and the coefficient of ``log det U`` reads off
``κ_n``, ``m_n = b/κ_n``, ``Ψ_n = C − κ_n m_n m_nᵀ`` and ``ν_n`` (Murphy 2012 Sec. 4.6.3;
Bishop PRML (2.157)). The evidence is the candidate's identity at (μ, U) = (0, I); the check
evaluates that identity with scipy densities at random points.
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from ..derivation import CheckReport
from ..errors import DataError, UnsupportedError
from ..numeric.finite_differences import rng as make_rng
from .gaussian_vector import _key
from .checks import guarded
from .result import PosteriorResult
from ..render.latex_printer import to_latex
from .numeric_values import evaluate_with

__all__ = ["is_normal_wishart", "infer_normal_wishart", "collect_outer"]


def is_normal_wishart(spec) -> bool:
    prior = spec.get("prior")
    return isinstance(prior, dict) and _key(prior["family"]) in (
        "normalinversewishart", "niw", "normalwishart", "nw", "gaussianinversewishart", "gaussianwishart")


def collect_outer(M, mu):
    """(κ, b, C) with ``M = κ μμᵀ − μbᵀ − bμᵀ + C`` for a matrix expression ``M`` (μ a column)."""
    expanded = sp.expand(M)
    terms = expanded.args if isinstance(expanded, sp.MatAdd) else (expanded,)
    kappa, b, C = sp.S.Zero, [], []
    for t in terms:
        coeff, mm = t.as_coeff_mmul() if isinstance(t, sp.MatMul) else (sp.S.One, t)
        mats = list(mm.args) if isinstance(mm, sp.MatMul) else [mm]
        k = sum(1 for m in mats if m in (mu, mu.T))
        if k == 0:
            C.append(t)
        elif mats == [mu, mu.T]:
            kappa += coeff
        elif k == 1 and mats[0] == mu and len(mats) == 2:
            b.append(-coeff * mats[1].T)
        elif k == 1 and mats[-1] == mu.T and len(mats) == 2:
            b.append(-coeff * mats[0])
        else:
            raise UnsupportedError(f"the term {t} is not an outer product in {mu}")
    # each cross term appears twice (μbᵀ and its transpose bμᵀ): b is half their sum
    bsum = (sp.MatAdd(*b) / 2).doit() if b else sp.ZeroMatrix(*mu.shape)
    return kappa, bsum, (sp.MatAdd(*C) if C else None)


def infer_normal_wishart(spec, data=None, check=True, steps=True) -> PosteriorResult:
    D = sp.Symbol("D", integer=True, positive=True)
    n = sp.Symbol("n", integer=True, positive=True)
    pf = _key(spec["prior"]["family"])
    inverse = pf in ("normalinversewishart", "niw", "gaussianinversewishart")
    vec = next(u["name"] for u in spec["unknown"] if str(u.get("shape", "")).startswith("vector"))
    mat = next(u["name"] for u in spec["unknown"] if str(u.get("shape", "")).startswith("matrix"))
    pp = spec["prior"]["params"]
    mname = str(pp.get("mu", pp.get("mean", pp.get("m", "m_0"))))
    kname = str(pp.get("kappa", pp.get("lambda", "kappa_0")))
    nname = str(pp.get("nu", pp.get("df", "nu_0")))
    sname = str(pp.get("Psi", pp.get("W", pp.get("scale", "Psi_0"))))
    lp = spec["likelihood"]["params"]
    if inverse != any(v == mat for k, v in lp.items() if k in ("cov", "Sigma", "covariance")):
        raise UnsupportedError(f"a {spec['prior']['family']} prior needs the likelihood's "
                               f"{'covariance' if inverse else 'precision'} to be the unknown {mat}")
    mu = sp.MatrixSymbol(vec, D, 1)
    m0, P0 = sp.MatrixSymbol(mname, D, 1), sp.MatrixSymbol(sname, D, D)
    k0, nu0 = sp.Symbol(kname, positive=True), sp.Symbol(nname, positive=True)
    s, Sxx = sp.MatrixSymbol("s", D, 1), sp.MatrixSymbol("S_xx", D, D)
    # Σ_i (x_i − μ)(x_i − μ)ᵀ = S_xx − s μᵀ − μ sᵀ + n μμᵀ
    scatter = Sxx - s * mu.T - mu * s.T + n * mu * mu.T
    base = P0 if inverse else sp.Inverse(P0)
    M = scatter + k0 * (mu - m0) * (mu - m0).T + base
    kn, b, C = collect_outer(M, mu)
    mn = b / kn
    Pn_inv_or = C - kn * mn * mn.T  # Ψ_n (inverse Wishart) or W_n⁻¹ (Wishart)
    sign = -1 if inverse else 1
    # coefficient of log det U: likelihood ∓ n/2, μ-prior ∓ 1/2, (inverse-)Wishart −(ν₀+D+1)/2 or (ν₀−D−1)/2
    c_logdet = sign * (n + 1) / 2 + ((-(nu0 + D + 1) / 2) if inverse else (nu0 - D - 1) / 2)
    nun = sp.expand((-2 * c_logdet - 1 - D - 1) if inverse else (2 * c_logdet - 1 + D + 1))
    res = PosteriorResult(f"posterior: x_i ~ N({vec}, {mat}); ({vec}, {mat}) ~ {spec['prior']['family']}")
    res.show_steps = steps
    res.unknowns = (vec, mat)
    res.add_heading("Log joint: one trace and powers of det")
    res.add_step(rf"\log p(X, {vec}, {mat})", rf"{to_latex(sp.expand(c_logdet))} \log\det {mat} - \tfrac12 "
                 rf"\operatorname{{tr}}\left({mat}^{{{'-1' if inverse else ''}}} \left({to_latex(M)}\right)\right)"
                 r" + \text{const}", rule="s = Σ_i x_i, S_xx = Σ_i x_i x_iᵀ; every μ-term in one trace")
    res.add_step(r"M(\mu)", to_latex(kn) + r"\,\mu\mu^\top - \mu b^\top - b\mu^\top + C",
                 rule=f"collect the outer products in {vec}: κ_n = {kn}, b = {b}")
    if inverse:
        family, names = "NormalInverseWishart", ("mu", "kappa", "nu", "Psi")
        Pn = Pn_inv_or
        mean_U, mode_U = Pn / (nun - D - 1), Pn / (nun + D + 2)
        shape = Pn * (kn + 1) / (kn * (nun - D + 1))
    else:
        family, names = "NormalWishart", ("mu", "kappa", "nu", "W")
        Pn = sp.Inverse(Pn_inv_or)
        mean_U, mode_U = nun * Pn, (nun - D) * Pn
        shape = Pn_inv_or * (kn + 1) / (kn * (nun - D + 1))
    res.conjugate, res.family, res.kernel_family = True, family, family
    res.parameters = dict(zip(names, (mn, kn, nun, Pn)))
    res.kernel_parameters = dict(res.parameters)
    res.add_step(rf"p({vec}, {mat} \mid X)", sp.Function(family)(mn, kn, nun, Pn),
                 rule="m_n = b/κ_n; the rest of the trace, C − κ_n m_n m_nᵀ, is the new scale")
    res.mean = {vec: mn, mat: mean_U}
    res.mode = {vec: mn, mat: mode_U}
    mg = lambda a: sp.log(sp.multigamma(a, D))  # noqa: E731

    def log_density_at_0_I(m, k, nu, P):
        gauss = -D / 2 * sp.log(2 * sp.pi) + D / 2 * sp.log(k) - k / 2 * sp.Trace(m.T * m)
        if inverse:
            return gauss + nu / 2 * sp.log(sp.Determinant(P)) - nu * D / 2 * sp.log(2) - mg(nu / 2) - sp.Trace(P) / 2
        return gauss - nu / 2 * sp.log(sp.Determinant(P)) - nu * D / 2 * sp.log(2) - mg(nu / 2) - sp.Trace(sp.Inverse(P)) / 2
    log_lik0 = -n * D / 2 * sp.log(2 * sp.pi) - sp.Trace(Sxx) / 2
    res.log_evidence = (log_lik0 + log_density_at_0_I(m0, k0, nu0, P0 if inverse else P0)
                        - log_density_at_0_I(mn, kn, nun, Pn))
    res.add_step(r"\log p(X)", res.log_evidence, rule="log p(X | 0, I) + log p(0, I) − log p(0, I | X)")
    res.predictive = {"family": "MultivariateT", "params": {"df": nun - D + 1, "loc": mn, "shape": shape},
                      "logpdf": None}
    res.statistics = {"n": "number of observations", "s": "sum_i x_i", "S_xx": "sum_i x_i x_i^T"}
    res.add_result("log_evidence", res.log_evidence)
    ctx = dict(D=D, n=n, s=s, Sxx=Sxx, m0=m0, P0=P0, k0=k0, nu0=nu0, inverse=inverse,
               names=(mname, kname, nname, sname))
    if data is not None:
        _numbers(res, ctx, data)
    if check:
        res.add_check(guarded(lambda: _check(res, ctx, data)))
    return res


def _arrays(ctx, data, gen):
    data = dict(data or {})
    mname, kname, nname, sname = ctx["names"]
    x = np.asarray(data["x"], dtype=float) if "x" in data else gen.normal(0.2, 1.0, (8, 2))
    if x.ndim != 2:
        raise DataError(f"x must be an n x D array (one observation per row); got shape {x.shape}")
    d = x.shape[1]
    m0 = np.asarray(data.get(mname, gen.normal(0, 1, d)), dtype=float).reshape(-1)
    a = gen.normal(0, 0.5, (d, d))
    P0 = np.asarray(data.get(sname, a @ a.T + np.eye(d)), dtype=float)
    k0, nu0 = float(data.get(kname, 1.3)), float(data.get(nname, d + 2.5))
    if m0.shape != (d,) or P0.shape != (d, d):
        raise DataError(f"{mname} must have {d} entries and {sname} be {d} x {d}")
    return x, m0, P0, k0, nu0


def _evaluate(expr, ctx, arrays):
    x, m0, P0, k0, nu0 = arrays
    n, d = x.shape
    rep = {sp.MatrixSymbol("s", d, 1): sp.ImmutableMatrix(x.sum(0).reshape(-1, 1)),
           sp.MatrixSymbol("S_xx", d, d): sp.ImmutableMatrix(x.T @ x),
           sp.MatrixSymbol(ctx["m0"].name, d, 1): sp.ImmutableMatrix(m0.reshape(-1, 1)),
           sp.MatrixSymbol(ctx["P0"].name, d, d): sp.ImmutableMatrix(P0),
           ctx["k0"]: sp.Float(k0), ctx["nu0"]: sp.Float(nu0)}
    return evaluate_with(expr, {ctx["D"]: d, ctx["n"]: n}, rep)


def _numbers(res, ctx, data):
    arrays = _arrays(ctx, data, make_rng())
    res.numbers = {"parameters": {k: _evaluate(v, ctx, arrays) for k, v in res.parameters.items()},
                   "mean": {k: _evaluate(v, ctx, arrays) for k, v in res.mean.items()},
                   "mode": {k: _evaluate(v, ctx, arrays) for k, v in res.mode.items()},
                   "log_evidence": _evaluate(res.log_evidence, ctx, arrays)}


def _check(res, ctx, data) -> CheckReport:
    """log p(X | μ, U) + log p(μ, U) − log p(μ, U | X) = log p(X) at random points (scipy densities)."""
    from scipy import stats

    gen = make_rng()
    arrays = _arrays(ctx, data, gen)
    x, m0, P0, k0, nu0 = arrays
    p = [_evaluate(v, ctx, arrays) for v in res.parameters.values()]
    mn, kn, nun, Pn = np.asarray(p[0]).reshape(-1), float(p[1]), float(p[2]), np.asarray(p[3])
    ev = _evaluate(res.log_evidence, ctx, arrays)
    d = x.shape[1]

    def log_density(mu, U, m, k, nu, P):
        cov = U if ctx["inverse"] else np.linalg.inv(U)
        matrix = stats.invwishart(nu, P).logpdf(U) if ctx["inverse"] else stats.wishart(nu, P).logpdf(U)
        return stats.multivariate_normal(m, cov / k).logpdf(mu) + matrix
    errs = []
    for _ in range(5):
        a = gen.normal(0, 0.5, (d, d))
        U = a @ a.T + 0.6 * np.eye(d)
        mu = mn + gen.normal(0, 0.4, d)
        cov = U if ctx["inverse"] else np.linalg.inv(U)
        ll = stats.multivariate_normal(mu, cov).logpdf(x).sum()
        errs.append(abs(ll + log_density(mu, U, m0, k0, nu0, P0) - log_density(mu, U, mn, kn, nun, Pn) - ev))
    worst = float(max(errs))
    return CheckReport(passed=worst < 1e-7, method="log p(X|μ,U) + log p(μ,U) − log p(μ,U|X) = log p(X) at random "
                       "(μ, U) (scipy densities)", points=len(errs), max_error=worst, tolerance=1e-7,
                       what=f"{res.family} posterior and evidence")
