"""Gaussian posteriors over a vector: MVN mean with known covariance, Bayesian linear regression.

The log joint is written with sympy matrix expressions and expanded into terms
``c · aᵀ M b``; the terms quadratic in the unknown ``w`` (``wᵀ A w``) and linear in it
(``wᵀ b`` or ``bᵀ w``) are collected, so ``log p(w | ·) = −½ wᵀ Λ w + wᵀ b + const`` is read as
``N(Λ⁻¹ b, Λ⁻¹)`` — completing the square (MML Sec. 6.5.2 / 9.3.3 eqs. (9.60)–(9.61);
Bishop PRML (2.116), (3.50)–(3.51)). The evidence follows from the candidate's identity at
``w = 0``; the check is a quadrature of prior × likelihood for two-dimensional ``w``.
"""
from __future__ import annotations

import math

import numpy as np
import sympy as sp

from ..derivation import CheckReport
from ..errors import DataError, UnsupportedError
from ..numeric.finite_differences import relative_error, rng as make_rng
from .checks import guarded
from .result import PosteriorResult
from ..render.latex_printer import to_latex

__all__ = ["collect_quadratic", "infer_gaussian_vector", "is_gaussian_vector", "REGRESSION_FAMILIES"]

REGRESSION_FAMILIES = {"linearregression", "lineargaussian", "gaussianlinear", "normallinear", "linearnormal",
                       "bayesianlinearregression", "blr", "linearregressionknownnoise"}
MVN_NAMES = {"multivariatenormal", "mvn", "mvnormal", "gaussian", "normal", "multivariategaussian"}


def _key(name) -> str:
    return str(name).lower().replace("_", "").replace("-", "")


def is_gaussian_vector(spec: dict) -> bool:
    lik = _key(spec["likelihood"]["family"])
    prior = spec["prior"]
    pf = _key(prior["family"]) if isinstance(prior, dict) else ""
    kind = spec.get("data", {}).get("kind", "")
    return pf in MVN_NAMES and (lik in REGRESSION_FAMILIES or (lik in MVN_NAMES and (
        kind.startswith("regression") or kind in ("iid_vector", "iid_mvn", "iid_vector_known_cov"))))


def collect_quadratic(expr, w):
    """(A, b, rest) with ``expr = wᵀ A w + bᵀ w + rest`` for a 1×1 matrix expression ``expr``."""
    expanded = sp.expand(expr)
    terms = expanded.args if isinstance(expanded, sp.MatAdd) else (expanded,)
    A, b, rest = [], [], []
    for t in terms:
        if isinstance(t, sp.MatMul):
            coeff, mm = t.as_coeff_mmul()
            mats = list(mm.args) if isinstance(mm, sp.MatMul) else [mm]
        else:
            coeff, mats = sp.S.One, [t]
        nw = sum(1 for m in mats if m == w) + sum(1 for m in mats if m == w.T)
        if nw == 0:
            rest.append(t)
        elif nw == 2 and mats[0] == w.T and mats[-1] == w:
            A.append(coeff * (sp.MatMul(*mats[1:-1]) if len(mats) > 2 else sp.Identity(w.shape[0])))
        elif nw == 1 and mats[0] == w.T:
            b.append(coeff * sp.MatMul(*mats[1:]))
        elif nw == 1 and mats[-1] == w:
            b.append(coeff * sp.MatMul(*mats[:-1]).T)
        else:
            raise UnsupportedError(f"the term {t} is not a quadratic form in {w}")
    return (sp.MatAdd(*A) if A else None), (sp.MatAdd(*b) if b else None), rest


def _symmetric(expr, names):
    """Use the symmetry of covariance / precision matrices: Sᵀ = S, (S⁻¹)ᵀ = S⁻¹."""
    rep = {}
    for S in names:
        rep[S.T] = S
        rep[sp.Inverse(S).T] = sp.Inverse(S)
        rep[sp.Inverse(S.T)] = sp.Inverse(S)
    out = expr
    for _ in range(3):
        new = out.xreplace(rep).doit() if hasattr(out, "xreplace") else out
        new = new.xreplace(rep)
        if new == out:
            break
        out = new
    return out


def _matrix_symbols(spec, D, N):
    """MatrixSymbols for the names of the spec, by the slot they fill."""
    names: dict = {}
    lik, prior = spec["likelihood"], spec["prior"]
    for u in spec["unknown"]:
        names[u["name"]] = sp.MatrixSymbol(u["name"], D, 1)
    for slot, text in list(lik["params"].items()) + list(prior["params"].items()):
        if not isinstance(text, str) or not text.isidentifier() or text in names:
            continue
        if slot in ("mean", "mu", "loc", "m", "m0", "mean0"):
            names[text] = sp.MatrixSymbol(text, D, 1)
        elif slot in ("cov", "Sigma", "covariance", "precision", "S", "S0"):
            names[text] = sp.MatrixSymbol(text, D, D)
        else:
            names[text] = sp.Symbol(text, positive=True)
    import re

    words = list(spec.get("known", [])) + list(spec.get("hyper", []))
    for text in list(lik["params"].values()) + list(prior["params"].values()):
        words += re.findall(r"[A-Za-z_][A-Za-z_0-9]*", str(text))
    skip = {"D", "N", "M", "K", "eye", "zeros", "ones", "Identity", "I", "sqrt", "exp", "log", "pi",
            spec.get("design", "Phi"), spec.get("target", "y")}
    for text in words:
        if text not in names and text not in skip:
            names[text] = sp.Symbol(text, positive=True)
    return names


def _parse(text, names, D, N):
    local = {**names, "eye": sp.eye, "zeros": sp.zeros, "ones": sp.ones, "Identity": sp.Identity, "D": D, "N": N}
    value = sp.parse_expr(str(text), local_dict=local)
    return sp.ImmutableMatrix(value) if isinstance(value, sp.MatrixBase) else value


def _explicit_size(spec):
    for text in spec["prior"]["params"].values():
        try:
            v = sp.parse_expr(str(text), local_dict={"eye": sp.eye, "zeros": sp.zeros, "ones": sp.ones})
        except Exception:  # noqa: BLE001 - a name we do not know yet: no explicit size here
            continue
        if isinstance(v, sp.MatrixBase):
            return v.shape[0]
    return None


def infer_gaussian_vector(spec: dict, data=None, check=True, steps=True) -> PosteriorResult:
    size = _explicit_size(spec)
    D = sp.Integer(size) if size else sp.Symbol("D", integer=True, positive=True)
    N = sp.Symbol("N", integer=True, positive=True)
    names = _matrix_symbols(spec, D, N)
    uname = spec["unknown"][0]["name"]
    w = names[uname]
    lik, prior = spec["likelihood"], spec["prior"]
    pp = {k: _parse(v, names, D, N) for k, v in prior["params"].items()}
    m0 = pp.get("mean", pp.get("mu", pp.get("m")))
    S0 = pp.get("cov", pp.get("Sigma"))
    if S0 is None and "precision" in pp:
        S0 = sp.Inverse(pp["precision"])
    if m0 is None or S0 is None:
        raise UnsupportedError("a multivariate normal prior needs a mean and a covariance (or precision)")
    regression = _key(lik["family"]) in REGRESSION_FAMILIES or spec.get("data", {}).get("kind", "").startswith("regression")
    res = PosteriorResult(f"posterior: {lik['family']} likelihood, multivariate normal prior on {uname}")
    res.show_steps = steps
    res.unknowns = (uname,)
    sym_mats = [v for v in [S0] + [names.get(str(x)) for x in names] if isinstance(v, sp.MatrixSymbol) and v.shape[0] == v.shape[1]]
    log_prior_q = -((w - m0).T * _inv(S0) * (w - m0)) / 2
    log_prior_c = -(D * sp.log(2 * sp.pi) + sp.log(sp.Determinant(S0) if not isinstance(S0, sp.MatrixBase) else S0.det())) / 2
    if regression:
        Phi = sp.MatrixSymbol(spec.get("design", "Phi"), N, D)
        y = sp.MatrixSymbol(spec.get("target", "y"), N, 1)
        lp = {k: _parse(v, names, D, N) for k, v in lik["params"].items()}
        var = lp.get("var", lp.get("sigma2", lp.get("noise", lp.get("variance"))))
        if var is None and "precision" in lp:
            var = 1 / lp["precision"]
        if var is None:
            raise UnsupportedError("linear regression needs the noise variance (params: var)")
        loglik_q = -((y - Phi * w).T * (y - Phi * w)) / (2 * var)
        loglik_c = -N * sp.log(2 * sp.pi * var) / 2
        data_names = {"Phi": Phi, "y": y}
        names.pop(Phi.name, None)
        names.pop(y.name, None)
        res.statistics = {"N": "number of observations", "Phi^T Phi": "Gram matrix of the features",
                          "Phi^T y": "features times targets", "y^T y": "sum of squared targets"}
        res.add_heading("Likelihood")
        res.add_step(r"\log p(\mathbf{y} \mid \Phi, " + uname + ")", _show(loglik_q, loglik_c),
                     rule="y ~ N(Φw, σ² I)")
    else:
        lp = {k: _parse(v, names, D, N) for k, v in lik["params"].items()}
        Sigma = lp.get("cov", lp.get("Sigma"))
        if Sigma is None and "precision" in lp:
            Sigma = sp.Inverse(lp["precision"])
        s = sp.MatrixSymbol("s", D, 1)
        Sxx = sp.MatrixSymbol("S_xx", D, D)
        n = sp.Symbol("n", integer=True, positive=True)
        N = n
        x = sp.MatrixSymbol("x", D, 1)
        per = sp.expand(-((x - w).T * _inv(Sigma) * (x - w)) / 2)
        loglik_q = _sum_over_data(per, x, s, Sxx, n)
        loglik_c = -n * (D * sp.log(2 * sp.pi) + sp.log(_det(Sigma))) / 2
        data_names = {"x": x}
        res.statistics = {"n": "number of observations", "s": "sum_i x_i", "S_xx": "sum_i x_i x_i^T"}
        res.add_heading("Likelihood (i.i.d. vectors)")
        res.add_step(r"\log p(X \mid " + uname + ")", _show(loglik_q, loglik_c),
                     rule="Σ_i log N(x_i | μ, Σ); s = Σ_i x_i, S_xx = Σ_i x_i x_iᵀ")
    res.add_heading("Prior")
    res.add_step(rf"\log p({uname})", _show(log_prior_q, log_prior_c), rule="N(m_0, S_0)")
    A, b, rest = collect_quadratic(loglik_q + log_prior_q, w)
    if A is None:
        raise UnsupportedError("the log joint has no quadratic term in the unknown")  # pragma: no cover
    Lam = _symmetric(-2 * A, sym_mats)
    bvec = _symmetric(b if b is not None else sp.ZeroMatrix(D, 1), sym_mats)
    SN = sp.Inverse(Lam) if not isinstance(Lam, sp.MatrixBase) else Lam.inv()
    mN = SN * bvec
    res.add_heading("Terms collected: complete the square")
    res.add_step(rf"\log p({uname} \mid \cdot)", _show(-(w.T * Lam * w) / 2 + w.T * bvec, sp.Symbol(r"\text{const}")),
                 rule="quadratic and linear terms in w: −½ wᵀΛw + wᵀb, the kernel of a Gaussian")
    res.conjugate, res.family, res.kernel_family = True, "MultivariateNormal", "MultivariateNormal"
    res.parameters = {"mean": mN, "cov": SN}
    res.kernel_parameters = {"precision": Lam, "mean": mN, "cov": SN}
    res.mean, res.mode, res.variance = mN, mN, SN
    res.add_step(rf"p({uname} \mid \cdot)", sp.Function("N")(mN, SN), rule="S_N = Λ⁻¹, m_N = S_N b")
    # evidence: log p(data) = log p(data | 0) + log p(0) − log p(0 | data)
    at0 = sum((r for r in rest), sp.ZeroMatrix(1, 1)) if rest else sp.ZeroMatrix(1, 1)
    ev_q = _symmetric(at0 + (bvec.T * SN * bvec) / 2, sym_mats)
    ev = _first(ev_q) + loglik_c + log_prior_c + D * sp.log(2 * sp.pi) / 2 - sp.log(_det(Lam)) / 2
    res.log_evidence = ev
    res.add_step(r"\log p(\mathcal{D})", ev, rule="log p(D | 0) + log p(0) − log p(0 | D)")
    if regression:
        phi = sp.MatrixSymbol("phi_new", D, 1)
        res.predictive = {"family": "Normal", "params": {"mean": _first(phi.T * mN), "var": _first(phi.T * SN * phi) + var},
                          "logpdf": None, "variable": phi}
    else:
        res.predictive = {"family": "MultivariateNormal", "params": {"mean": mN, "cov": SN + Sigma}, "logpdf": None}
    for label, value in (("posterior_mean", mN), ("posterior_cov", SN), ("log_evidence", ev)):
        res.add_result(label, value)
    ctx = dict(w=w, names=names, D=D, N=N, regression=regression, data_names=data_names, spec=spec,
               Sigma=None if regression else Sigma)
    if data is not None:
        _numbers(res, ctx, data)
    if check:
        res.add_check(guarded(lambda: _check(res, ctx, data)))
    return res


def _show(q, c) -> str:
    """LaTeX of a 1×1 matrix expression plus a scalar (sympy cannot add the two)."""
    return to_latex(q) + " + " + to_latex(c)


def _inv(M):
    return M.inv() if isinstance(M, sp.MatrixBase) else sp.Inverse(M)


def _det(M):
    return M.det() if isinstance(M, sp.MatrixBase) else sp.Determinant(M)


def _first(e):
    """The entry of a 1×1 matrix expression, as a scalar."""
    return sp.Trace(e) if hasattr(e, "shape") and e.shape == (1, 1) else e


def _sum_over_data(per, x, s, Sxx, n):
    """Σ_i of a per-observation quadratic form in x: x ↦ s (once), xᵀ A x ↦ tr(A S_xx), else × n."""
    terms = per.args if isinstance(per, sp.MatAdd) else (per,)
    out = []
    for t in terms:
        coeff, mm = t.as_coeff_mmul() if isinstance(t, sp.MatMul) else (sp.S.One, t)
        mats = list(mm.args) if isinstance(mm, sp.MatMul) else [mm]
        k = sum(1 for m in mats if m in (x, x.T))
        if k == 0:
            out.append(n * t)
        elif k == 1:
            out.append(coeff * sp.MatMul(*[s if m == x else s.T if m == x.T else m for m in mats]))
        elif mats[0] == x.T and mats[-1] == x:
            inner = sp.MatMul(*mats[1:-1]) if len(mats) > 2 else sp.Identity(x.shape[0])
            out.append(coeff * sp.ImmutableMatrix([[sp.Trace(inner * Sxx)]]))
        else:
            raise UnsupportedError(f"cannot sum {t} over the data")
    return sp.MatAdd(*out)


# ---- numbers and checks ----------------------------------------------------------------------
def _values(ctx, data, gen=None):
    """Numeric values (symbol -> number/matrix) for every name, from data or at random (D = 2)."""
    names, D = ctx["names"], ctx["D"]
    data = dict(data or {})
    d = int(D) if D.is_number else None
    for key in ("x", ctx["data_names"].get("Phi", sp.Symbol("Phi")).name if ctx["regression"] else "x"):
        if d is None and key in data and np.ndim(data[key]) == 2:
            d = np.shape(data[key])[1]
    for name, sym in names.items():
        if d is None and name in data and isinstance(sym, sp.MatrixSymbol):
            d = int(np.shape(data[name])[0])
    d = d or 2
    vals, arrays = {}, {}
    gen = gen or make_rng()
    for name, sym in names.items():
        if name == ctx["spec"]["unknown"][0]["name"]:
            continue
        if name in data:
            v = np.asarray(data[name], dtype=float)
        elif isinstance(sym, sp.MatrixSymbol) and sym.shape[1] == 1:
            v = gen.normal(0, 1, d)
        elif isinstance(sym, sp.MatrixSymbol):
            a = gen.normal(0, 0.5, (d, d))
            v = a @ a.T + np.eye(d) * 1.5
        else:
            v = np.array(gen.uniform(0.5, 2.0))
        arrays[name] = v
        vals[sym] = sp.ImmutableMatrix(v.reshape(sym.shape[0] if not sym.shape[0].is_Symbol else d, -1)) \
            if isinstance(sym, sp.MatrixSymbol) else sp.Float(float(v))
    if ctx["regression"]:
        pn, yn = ctx["data_names"]["Phi"].name, ctx["data_names"]["y"].name
        if pn in data:
            Phi = np.asarray(data[pn], dtype=float)
            y = np.asarray(data[yn], dtype=float).reshape(-1)
        elif data:
            raise DataError(f"linear regression data must give {pn!r} (N x D features) and {yn!r} (N targets)")
        else:
            Phi = np.column_stack([np.ones(7), gen.uniform(-1, 1, 7)])[:, :d]
            y = gen.normal(0, 1, 7)
        if Phi.ndim != 2 or Phi.shape[0] != y.shape[0] or Phi.shape[1] != d:
            raise DataError(f"{pn} must be N x {d} and {yn} of length N; got shapes {Phi.shape} and {y.shape}")
        arrays.update(Phi=Phi, y=y)
        vals[ctx["N"]] = Phi.shape[0]

    else:
        x = np.asarray(data["x"], dtype=float) if "x" in data else gen.normal(0.3, 1.0, (6, d))
        if x.ndim != 2 or x.shape[1] != d:
            raise DataError(f"x must be an n x {d} array (one observation per row); got shape {x.shape}")
        arrays["x"] = x
        vals[ctx["N"]] = x.shape[0]
    return vals, arrays, d


def _evaluate(expr, ctx, vals, arrays, d):
    D, N = ctx["D"], ctx["N"]
    n = arrays["Phi"].shape[0] if ctx["regression"] else arrays["x"].shape[0]
    e = expr.subs({D: d}) if D.is_Symbol else expr
    e = e.subs(N, n)
    rep = {}
    for k, v in vals.items():
        if isinstance(k, sp.MatrixSymbol):
            rep[sp.MatrixSymbol(k.name, *[int(s.subs({D: d, N: n})) for s in k.shape])] = v
        elif k not in (N,):
            rep[k] = sp.sympify(v)
    if ctx["regression"]:
        rep[sp.MatrixSymbol(ctx["data_names"]["Phi"].name, n, d)] = sp.ImmutableMatrix(arrays["Phi"])
        rep[sp.MatrixSymbol(ctx["data_names"]["y"].name, n, 1)] = sp.ImmutableMatrix(arrays["y"].reshape(-1, 1))
    else:
        x = arrays["x"]
        rep[sp.MatrixSymbol("s", d, 1)] = sp.ImmutableMatrix(x.sum(0).reshape(-1, 1))
        rep[sp.MatrixSymbol("S_xx", d, d)] = sp.ImmutableMatrix(x.T @ x)
    out = sp.sympify(e).xreplace(rep).doit()
    out = out.xreplace(rep).doit()
    left = out.free_symbols if hasattr(out, "free_symbols") else set()
    if left:
        raise DataError("no value for " + ", ".join(sorted(map(str, left))) + " in the data")
    if hasattr(out, "shape"):
        return np.array(sp.Matrix(out).evalf(), dtype=float)
    return float(sp.N(out))


def _numbers(res, ctx, data):
    vals, arrays, d = _values(ctx, data)
    res.numbers = {"parameters": {"mean": _evaluate(res.parameters["mean"], ctx, vals, arrays, d),
                                  "cov": _evaluate(res.parameters["cov"], ctx, vals, arrays, d)},
                   "log_evidence": _evaluate(res.log_evidence, ctx, vals, arrays, d)}
    res.numbers["mean"] = res.numbers["parameters"]["mean"]
    res.numbers["mode"] = res.numbers["parameters"]["mean"]
    res.numbers["variance"] = res.numbers["parameters"]["cov"]


def _check(res, ctx, data) -> CheckReport:
    """Independent densities (numpy) integrated on a grid (D = 2) or sampled (D > 2)."""
    from scipy import stats

    gen = make_rng()
    vals, arrays, d = _values(ctx, data, gen)
    mean = _evaluate(res.parameters["mean"], ctx, vals, arrays, d).reshape(-1)
    cov = _evaluate(res.parameters["cov"], ctx, vals, arrays, d)
    ev = _evaluate(res.log_evidence, ctx, vals, arrays, d)
    names = ctx["names"]
    spec = ctx["spec"]
    pp = {k: _evaluate(_parse(v, names, ctx["D"], ctx["N"]), ctx, vals, arrays, d) for k, v in spec["prior"]["params"].items()}
    m0 = np.asarray(pp.get("mean", pp.get("mu", pp.get("m"))), dtype=float).reshape(-1)
    S0 = pp.get("cov", pp.get("Sigma"))
    S0 = np.linalg.inv(pp["precision"]) if S0 is None else np.asarray(S0, dtype=float)
    lp = {k: _evaluate(e, ctx, vals, arrays, d) for k, e in
          ((k, _parse(v, names, ctx["D"], ctx["N"])) for k, v in spec["likelihood"]["params"].items())
          if not e.has(ctx["w"])}

    def log_joint(W):  # W: (..., d)
        out = stats.multivariate_normal(m0, S0).logpdf(W)
        if ctx["regression"]:
            var = float(lp.get("var", lp.get("sigma2", lp.get("noise", lp.get("variance", 0.0)))) or 1 / lp["precision"])
            r = arrays["y"] - W @ arrays["Phi"].T
            out = out - (r**2).sum(-1) / (2 * var) - len(arrays["y"]) * math.log(2 * math.pi * var) / 2
        else:
            Sigma = lp.get("cov", lp.get("Sigma"))
            Sigma = np.linalg.inv(lp["precision"]) if Sigma is None else np.asarray(Sigma, dtype=float)
            for x in arrays["x"]:
                out = out + stats.multivariate_normal(x, Sigma).logpdf(W)
        return out
    if d == 2:
        g, wts = np.polynomial.legendre.leggauss(160)
        sd = np.sqrt(np.diag(cov))
        axes = [mean[k] + 12 * sd[k] * g for k in range(2)]
        W = np.stack(np.meshgrid(*axes, indexing="ij"), -1)
        weight = np.outer(12 * sd[0] * wts, 12 * sd[1] * wts)
        dens = np.exp(log_joint(W) - ev) * weight
        z = dens.sum()
        m_q = np.einsum("ijk,ij->k", W, dens) / z
        c = W - m_q
        cov_q = np.einsum("ijk,ijl,ij->kl", c, c, dens) / z
        err = max(abs(math.log(z)), relative_error(mean, m_q), relative_error(cov, cov_q))
        method = "quadrature of prior × likelihood on a 160² Gauss–Legendre grid"
        tol = 1e-7
    else:
        draws = gen.multivariate_normal(m0, S0, 200000)
        lik = log_joint(draws) - stats.multivariate_normal(m0, S0).logpdf(draws)
        z = np.exp(lik - ev).mean()
        err = abs(math.log(z))
        method = "Monte Carlo evidence (200 000 prior draws)"
        tol = 5e-2
    return CheckReport(passed=bool(err < tol), method=method, points=1, max_error=float(err), tolerance=tol,
                       what="Gaussian posterior and evidence")
