"""Unknown covariance (or precision) of a multivariate normal with known mean.

Every density involved is written in the same two matrix statistics of the unknown ``U``:
``log det U`` and a linear trace functional ``tr(B U⁻¹)`` (covariance) or ``tr(B U)``
(precision). Adding the likelihood's and the prior's pieces and reading the coefficients
against the inverse-Wishart kernel ``−(ν+D+1)/2 log det Σ − ½ tr(Ψ Σ⁻¹)`` or the Wishart kernel
``(ν−D−1)/2 log det Λ − ½ tr(W⁻¹ Λ)`` gives the posterior (Bishop PRML (2.155); Murphy 2012
Sec. 4.6.2). The evidence is the candidate's identity at ``U = I``; the check evaluates that
identity with scipy's densities at random SPD matrices.
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from ..derivation import CheckReport
from ..errors import DataError, UnsupportedError
from ..numeric.finite_differences import rng as make_rng
from .checks import guarded
from .result import PosteriorResult
from ..render.latex_printer import to_latex

__all__ = ["is_covariance_model", "infer_covariance"]


def _key(name):
    return str(name).lower().replace("_", "").replace("-", "")


def is_covariance_model(spec) -> bool:
    prior = spec.get("prior")
    return isinstance(prior, dict) and _key(prior["family"]) in ("inversewishart", "iw", "wishart", "invwishart")


class Pieces:
    """c · log det U + tr(B · T(U)) + const, with T(U) = U⁻¹ (covariance) or U (precision)."""

    def __init__(self, logdet=0, trace=None, const=0):
        self.logdet, self.trace, self.const = sp.sympify(logdet), trace, sp.sympify(const)

    def __add__(self, other):
        trace = self.trace if other.trace is None else other.trace if self.trace is None else self.trace + other.trace
        return Pieces(self.logdet + other.logdet, trace, self.const + other.const)


def infer_covariance(spec, data=None, check=True, steps=True) -> PosteriorResult:
    D = sp.Symbol("D", integer=True, positive=True)
    n = sp.Symbol("n", integer=True, positive=True)
    uname = spec["unknown"][0]["name"]
    lik, prior = spec["likelihood"], spec["prior"]
    lp = dict(lik["params"])
    precision = any(v == uname for k, v in lp.items() if k in ("precision", "Lambda", "prec"))
    if not precision and not any(v == uname for k, v in lp.items() if k in ("cov", "Sigma", "covariance")):
        raise UnsupportedError(f"the likelihood's covariance or precision must be the unknown {uname}")
    U = sp.MatrixSymbol(uname, D, D)
    S = sp.MatrixSymbol("S_mu", D, D)  # Σ_i (x_i − μ)(x_i − μ)ᵀ about the known mean
    pf = _key(prior["family"])
    pp = prior["params"]
    nu = sp.Symbol(str(pp.get("df", pp.get("nu"))), positive=True)
    scale = sp.MatrixSymbol(str(pp.get("scale", pp.get("Psi", pp.get("W")))), D, D)
    mg = lambda a: sp.log(sp.multigamma(a, D))  # noqa: E731  log Γ_D(a)
    # likelihood: n copies of log N(x | μ, U) = −D/2 log 2π ∓ ½ log det U − ½ tr(T(U) (x−μ)(x−μ)ᵀ)
    sign = 1 if precision else -1
    lik_p = Pieces(sign * n / 2, -S / 2, -n * D * sp.log(2 * sp.pi) / 2)
    inverse_wishart = pf in ("inversewishart", "iw", "invwishart")
    if inverse_wishart == precision:
        raise UnsupportedError(f"a {prior['family']} prior on the {'precision' if precision else 'covariance'} "
                               "is not conjugate in this parameterisation")
    if inverse_wishart:  # IW(ν, Ψ) over Σ
        pri_p = Pieces(-(nu + D + 1) / 2, -scale / 2,
                       nu / 2 * sp.log(sp.Determinant(scale)) - nu * D / 2 * sp.log(2) - mg(nu / 2))
    else:  # Wishart(ν, W) over Λ (Bishop's convention: E[Λ] = ν W)
        pri_p = Pieces((nu - D - 1) / 2, -sp.Inverse(scale) / 2,
                       -nu / 2 * sp.log(sp.Determinant(scale)) - nu * D / 2 * sp.log(2) - mg(nu / 2))
    total = lik_p + pri_p
    res = PosteriorResult(f"posterior: x_i ~ N(mu, {uname}); {uname} ~ {prior['family']}")
    res.show_steps = steps
    res.unknowns = (uname,)
    T = "U^{-1}" if not precision else "U"
    res.add_heading("Log joint in log det and trace terms")
    res.add_step(r"\log p(X, " + uname + ")", rf"{to_latex(total.logdet)} \log\det {uname} + "
                 rf"\operatorname{{tr}}\left(({to_latex(sp.expand(-2 * total.trace))}) {T.replace('U', uname)}\right)/(-2)"
                 r" + \text{const}", rule="S_mu = Σ_i (x_i − μ)(x_i − μ)ᵀ; collect log det and the trace")
    B = -2 * total.trace
    if inverse_wishart:
        nu_n = sp.expand(-2 * total.logdet - D - 1)
        scale_n = B
        family, mean, mode = "InverseWishart", scale_n / (nu_n - D - 1), scale_n / (nu_n + D + 1)
        rule = "kernel of an inverse-Wishart: −(ν+D+1)/2 log det Σ − ½ tr(Ψ Σ⁻¹)"
        log_post_at_I = (nu_n / 2 * sp.log(sp.Determinant(scale_n)) - nu_n * D / 2 * sp.log(2) - mg(nu_n / 2)
                         - sp.Trace(scale_n) / 2)
        pred_scale = scale_n / (nu_n - D + 1)
    else:
        nu_n = sp.expand(2 * total.logdet + D + 1)
        scale_n = sp.Inverse(B)
        family, mean, mode = "Wishart", nu_n * scale_n, (nu_n - D - 1) * scale_n
        rule = "kernel of a Wishart: (ν−D−1)/2 log det Λ − ½ tr(W⁻¹ Λ)"
        log_post_at_I = (-nu_n / 2 * sp.log(sp.Determinant(scale_n)) - nu_n * D / 2 * sp.log(2) - mg(nu_n / 2)
                         - sp.Trace(B) / 2)
        pred_scale = B / (nu_n - D + 1)
    res.add_step(rf"p({uname} \mid X)", sp.Function(family)(nu_n, scale_n), rule=rule)
    res.conjugate, res.family, res.kernel_family = True, family, family
    res.parameters = {"df": nu_n, "scale": scale_n}
    res.kernel_parameters = dict(res.parameters)
    res.mean, res.mode = mean, mode
    # candidate's identity at U = I: log det I = 0, tr(B I) = tr(B)
    ev = total.const + sp.Trace(total.trace) - log_post_at_I
    res.log_evidence = ev
    res.add_step(r"\log p(X)", ev, rule="log p(X | I) + log p(I) − log p(I | X)")
    res.predictive = {"family": "MultivariateT", "params": {"df": nu_n - D + 1, "loc": lp.get("mean", lp.get("mu")),
                                                             "shape": pred_scale}, "logpdf": None}
    res.statistics = {"n": "number of observations", "S_mu": "sum_i (x_i - mu)(x_i - mu)^T about the known mean"}
    res.add_result("df", nu_n)
    res.add_result("scale", scale_n)
    res.add_result("log_evidence", ev)
    ctx = dict(D=D, n=n, S=S, nu=nu, scale=scale, U=U, spec=spec, precision=precision)
    if data is not None:
        _numbers(res, ctx, data)
    if check:
        res.add_check(guarded(lambda: _check(res, ctx, data)))
    return res


def _arrays(ctx, data, gen):
    spec = ctx["spec"]
    lp, pp = spec["likelihood"]["params"], spec["prior"]["params"]
    data = dict(data or {})
    mean_name = lp.get("mean", lp.get("mu"))
    scale_name = str(pp.get("scale", pp.get("Psi", pp.get("W"))))
    df_name = str(pp.get("df", pp.get("nu")))
    if "x" in data:
        x = np.asarray(data["x"], dtype=float)
        if x.ndim != 2:
            raise DataError(f"x must be an n x D array (one observation per row); got shape {x.shape}")
    else:
        x = gen.normal(0, 1, (8, 2))
    d = x.shape[1]
    mu = np.asarray(data.get(mean_name, np.zeros(d)), dtype=float).reshape(-1)
    if mu.shape != (d,):
        raise DataError(f"the known mean {mean_name} must have {d} entries; got {mu.shape}")
    a = gen.normal(0, 0.5, (d, d))
    scale = np.asarray(data.get(scale_name, a @ a.T + np.eye(d)), dtype=float)
    nu = float(data.get(df_name, d + 2.5))
    return x, mu, scale, nu, d


def _evaluate(expr, ctx, x, mu, scale, nu, d):
    S = (x - mu).T @ (x - mu)
    D = ctx["D"]
    rep = {ctx["nu"]: sp.Float(nu), ctx["n"]: x.shape[0]}
    e = sp.sympify(expr).subs(D, d).subs(rep)
    e = e.xreplace({sp.MatrixSymbol("S_mu", d, d): sp.ImmutableMatrix(S),
                    sp.MatrixSymbol(ctx["scale"].name, d, d): sp.ImmutableMatrix(scale)}).doit()
    if hasattr(e, "shape"):
        return np.array(sp.Matrix(e).evalf(), dtype=float)
    return float(sp.N(e))


def _numbers(res, ctx, data):
    x, mu, scale, nu, d = _arrays(ctx, data, make_rng())
    res.numbers = {"parameters": {k: _evaluate(v, ctx, x, mu, scale, nu, d) for k, v in res.parameters.items()},
                   "mean": _evaluate(res.mean, ctx, x, mu, scale, nu, d),
                   "mode": _evaluate(res.mode, ctx, x, mu, scale, nu, d),
                   "log_evidence": _evaluate(res.log_evidence, ctx, x, mu, scale, nu, d)}


def _check(res, ctx, data) -> CheckReport:
    """log p(X | U) + log p(U) − log p(U | X) = log p(X) at random SPD U, with scipy densities."""
    from scipy import stats

    gen = make_rng()
    x, mu, scale, nu, d = _arrays(ctx, data, gen)
    df_n = _evaluate(res.parameters["df"], ctx, x, mu, scale, nu, d)
    sc_n = _evaluate(res.parameters["scale"], ctx, x, mu, scale, nu, d)
    ev = _evaluate(res.log_evidence, ctx, x, mu, scale, nu, d)
    prior = stats.wishart(nu, scale) if ctx["precision"] else stats.invwishart(nu, scale)
    post = stats.wishart(df_n, sc_n) if ctx["precision"] else stats.invwishart(df_n, sc_n)
    errs = []
    for _ in range(5):
        a = gen.normal(0, 0.6, (d, d))
        U = a @ a.T + 0.5 * np.eye(d)
        cov = np.linalg.inv(U) if ctx["precision"] else U
        ll = stats.multivariate_normal(mu, cov).logpdf(x).sum()
        errs.append(abs(ll + prior.logpdf(U) - post.logpdf(U) - ev))
    worst = float(max(errs))
    return CheckReport(passed=worst < 1e-7, method="log p(X|U) + log p(U) − log p(U|X) = log p(X) at random SPD U "
                       "(scipy densities)", points=len(errs), max_error=worst, tolerance=1e-7,
                       what=f"{res.family} posterior and evidence")
