"""Vector unknowns: a probability vector under a Dirichlet prior, and coupled vector models.

Categorical / multinomial likelihoods with a Dirichlet prior are recognised component by
component: the summand over categories k of the log joint is collected in ``log θ_k`` and
matched against the Dirichlet kernel ``Σ_k (α_k − 1) log θ_k`` (MML Table 6.2; Bishop PRML
(2.41)). A vector model whose log likelihood couples data and weights inseparably (logistic
regression, ``y_i ~ Ber(σ(wᵀφ(x_i)))``) is reported as not conjugate, with the log posterior,
its gradient and, given data, the MAP and Laplace approximation (Bishop PRML Sec. 4.5).
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from ..derivation import CheckReport
from ..errors import DataError, UnsupportedError
from ..numeric.finite_differences import central_difference, rng as make_rng
from .recognition import expand_terms
from .checks import guarded
from .result import PosteriorResult
from ..render.latex_printer import to_latex

__all__ = ["is_multivariate", "infer_multivariate"]

lg = sp.loggamma


def is_multivariate(spec: dict) -> bool:
    return any(u.get("shape", "scalar") != "scalar" for u in spec.get("unknown", []))


def infer_multivariate(spec: dict, data=None, check=True, steps=True) -> PosteriorResult:
    from .gaussian_vector import infer_gaussian_vector, is_gaussian_vector

    from .covariance import infer_covariance, is_covariance_model

    from .regression_nig import infer_regression_nig, is_regression_nig

    from .normal_wishart import infer_normal_wishart, is_normal_wishart

    if is_normal_wishart(spec):
        return infer_normal_wishart(spec, data, check, steps)
    if is_regression_nig(spec):
        return infer_regression_nig(spec, data, check, steps)
    if is_gaussian_vector(spec):
        return infer_gaussian_vector(spec, data, check, steps)
    if is_covariance_model(spec):
        return infer_covariance(spec, data, check, steps)
    lik = spec["likelihood"]["family"]
    prior = spec["prior"]["family"] if isinstance(spec["prior"], dict) else None
    if lik in ("Categorical", "Multinomial", "Cat", "Mult") and prior in ("Dirichlet", "Dir"):
        return _dirichlet(spec, data, check, steps)
    if lik in ("BernoulliLogitLinear", "LogisticRegression"):
        return _logistic(spec, data, check, steps)
    raise UnsupportedError(f"a {lik} likelihood with a {prior} prior on a vector unknown is not supported yet",
                           hint="supported vector models: Categorical/Multinomial with a Dirichlet prior; "
                                "logistic regression (not conjugate)")


# ---------------------------------------------------------------------------------------------
# Dirichlet
# ---------------------------------------------------------------------------------------------
def _dirichlet(spec, data, check, steps) -> PosteriorResult:
    multinomial = spec["likelihood"]["family"] in ("Multinomial", "Mult")
    K = sp.Symbol("K", integer=True, positive=True)
    k = sp.Symbol("k", integer=True, positive=True)
    n = sp.Symbol("n", integer=True, positive=True)
    M = sp.Symbol("M", integer=True, positive=True)
    name = spec["unknown"][0]["name"]
    hyper = spec["prior"]["params"].get("alpha", "alpha")
    theta, alpha, c = sp.IndexedBase(name, positive=True), sp.IndexedBase(str(hyper), positive=True), sp.IndexedBase("c")
    res = PosteriorResult(f"posterior: x_i ~ {spec['likelihood']['family']}({name}); {name} ~ Dirichlet({hyper})")
    res.show_steps = steps
    res.unknowns = (name,)
    # summand over categories k of the log joint (counts c_k = Σ_i [x_i = k] or Σ_i x_ik)
    lik_k = c[k] * sp.log(theta[k])
    prior_k = (alpha[k] - 1) * sp.log(theta[k])
    res.add_heading("Likelihood and prior, per category k")
    res.add_step(r"\log p(X \mid \theta)", sp.Sum(lik_k, (k, 1, K)) + (sp.Symbol("t") if multinomial else 0),
                 rule="product over i of " + ("multinomial pmfs; t = Σ_i log(M!/Π_k x_ik!)" if multinomial
                                              else "θ_{x_i}; c_k = Σ_i [x_i = k]"))
    res.add_step(r"\log p(\theta)", sp.Sum(prior_k, (k, 1, K)) + lg(sp.Sum(alpha[k], (k, 1, K)))
                 - sp.Sum(lg(alpha[k]), (k, 1, K)), rule="Dirichlet(α)")
    coeffs = {}
    for term in sp.Add.make_args(expand_terms(lik_k + prior_k)):
        indep, dep = term.as_independent(theta[k], as_Add=False)
        coeffs[dep] = coeffs.get(dep, 0) + indep
    if set(coeffs) != {sp.log(theta[k])}:
        raise UnsupportedError("the log joint is not a combination of log θ_k")  # pragma: no cover
    a_n = sp.expand(1 + coeffs[sp.log(theta[k])])
    res.add_heading("Kernel recognised")
    res.add_step(r"\log p(\theta \mid X)", sp.Sum((a_n - 1) * sp.log(theta[k]), (k, 1, K)) + sp.Symbol(r"\text{const}"),
                 rule="collect the terms in log θ_k: the kernel of a Dirichlet")
    A0 = sp.Sum(alpha[k], (k, 1, K))
    total = n * M if multinomial else n
    An = A0 + total
    res.conjugate, res.family, res.kernel_family = True, "Dirichlet", "Dirichlet"
    res.parameters = {"alpha": a_n}
    res.kernel_parameters = dict(res.parameters)
    res.mean = a_n / An
    res.mode = (a_n - 1) / (An - K)
    res.variance = a_n * (An - a_n) / (An**2 * (An + 1))
    t = sp.Symbol("t", real=True)
    res.log_evidence = (lg(A0) - sp.Sum(lg(alpha[k]), (k, 1, K)) + sp.Sum(lg(a_n), (k, 1, K)) - lg(An)
                        + (t if multinomial else 0))
    if multinomial:
        res.predictive = {"family": "DirichletMultinomial", "params": {"N": M, "alpha": a_n}, "logpdf": None}
        res.statistics = {"n": "number of observations", "c_k": "sum_i x_ik", "t": "sum_i log(M!/prod_k x_ik!)"}
    else:
        res.predictive = {"family": "Categorical", "params": {"p": a_n / An}, "logpdf": None}
        res.statistics = {"n": "number of observations", "c_k": "sum_i [x_i = k]"}
    for label, value in (("posterior", sp.Function("Dirichlet")(a_n)), ("mean", res.mean), ("mode", res.mode),
                         ("variance", res.variance), ("log_evidence", res.log_evidence)):
        res.add_result(label, value)
    res.add_step(r"p(\theta \mid X)", sp.Function("Dirichlet")(a_n), rule="α_k + c_k, component k")
    res.add_step(r"\log p(X)", res.log_evidence, rule="ratio of Dirichlet normalisers")
    res.index = k
    arrays = None
    if data is not None:
        arrays = _dirichlet_numbers(res, spec, data, multinomial, alpha, c, k, K, n, M, t)
    if check:
        res.add_check(guarded(lambda: _dirichlet_check(res, spec, arrays, multinomial, alpha, c, k, K, n, M, t, theta)))
    return res


def _dirichlet_data(data, multinomial, K, M):
    x = np.asarray(data, dtype=float)
    if multinomial:
        if x.ndim != 2 or (K is not None and x.shape[1] != K):
            raise DataError(f"multinomial data must be an n x K array of counts (K = {K}); got shape {x.shape}")
        bad = np.argwhere((x < 0) | (np.mod(x, 1) != 0))
        if bad.size:
            i, j = bad[0]
            raise DataError(f"x[{i}, {j}] = {x[i, j]:g} is not a non-negative integer count")
        if M is not None:
            rows = np.nonzero(x.sum(1) != M)[0]
            if rows.size:
                raise DataError(f"row x[{rows[0]}] sums to {x[rows[0]].sum():g}, not to M = {M}")
        return x, x.sum(0)
    if x.ndim != 1:
        raise DataError(f"categorical data must be a 1-D array of labels 0..K-1; got shape {x.shape}")
    for i, v in enumerate(x):
        if v < 0 or v != int(v) or (K is not None and v >= K):
            raise DataError(f"x[{i}] = {v:g} is not a category label in 0..{(K or 0) - 1}")
    return x, np.bincount(x.astype(int), minlength=K)


def _dirichlet_numbers(res, spec, data, multinomial, alpha, c, k, K, n, M, t):
    data = dict(data)
    a_vals = np.asarray(data.get(str(alpha), []), dtype=float)
    Kv = int(data.get("K", a_vals.size or 0)) or None
    Mv = int(data["M"]) if "M" in data else None
    x, counts = _dirichlet_data(data["x"], multinomial, Kv, Mv)
    Kv = Kv or counts.size
    from scipy.special import gammaln

    tv = float(np.sum(gammaln(Mv + 1) - gammaln(x + 1).sum(1))) if multinomial else 0.0
    subs = {K: Kv, n: x.shape[0], t: tv}
    if Mv is not None:
        subs[M] = Mv

    def numeric(expr, per_component):
        if per_component:
            return [numeric(expr.subs(k, j + 1), False) for j in range(Kv)]
        e = sp.sympify(expr).subs(subs).doit()
        rep = {c[j + 1]: int(counts[j]) for j in range(Kv)}
        if a_vals.size:
            rep.update({alpha[j + 1]: float(a_vals[j]) for j in range(Kv)})
        return e.xreplace(rep)
    res.numbers = {"statistics": {"n": x.shape[0], "c": counts.tolist(), "t": tv},
                   "parameters": {"alpha": numeric(res.parameters["alpha"], True)},
                   "mean": numeric(res.mean, True), "mode": numeric(res.mode, True),
                   "variance": numeric(res.variance, True), "log_evidence": numeric(res.log_evidence, False),
                   "predictive": {kk: numeric(v, True) if kk != "N" else v.subs(subs)
                                  for kk, v in res.predictive["params"].items()}}
    return x, counts, a_vals, Kv, Mv


def _dirichlet_check(res, spec, arrays, multinomial, alpha, c, k, K, n, M, t, theta) -> CheckReport:
    """log p(X | θ) + log p(θ) − log p(θ | X) equals log p(X) at random θ on the simplex."""
    from scipy.special import gammaln

    gen = make_rng()
    if arrays is None:
        Kv, Mv = 3, 4
        a_vals = gen.uniform(1.5, 4.0, Kv)
        x = gen.multinomial(Mv, np.ones(Kv) / Kv, 7) if multinomial else gen.integers(0, Kv, 9)
        data = {"x": x, str(alpha): a_vals, "K": Kv, "M": Mv}
        arrays = _dirichlet_numbers(res, spec, data, multinomial, alpha, c, k, K, n, M, t)
    x, counts, a_vals, Kv, Mv = arrays
    a_post = np.array([float(v) for v in res.numbers["parameters"]["alpha"]])
    ev = float(res.numbers["log_evidence"])
    errs = []
    for _ in range(5):
        th = gen.dirichlet(np.ones(Kv))
        if multinomial:
            ll = float(np.sum(gammaln(Mv + 1) - gammaln(x + 1).sum(1) + (x * np.log(th)).sum(1)))
        else:
            ll = float(np.sum(np.log(th[x.astype(int)])))
        lp = gammaln(a_vals.sum()) - gammaln(a_vals).sum() + ((a_vals - 1) * np.log(th)).sum()
        lq = gammaln(a_post.sum()) - gammaln(a_post).sum() + ((a_post - 1) * np.log(th)).sum()
        errs.append(abs(ll + lp - lq - ev))
    worst = max(errs)
    return CheckReport(passed=worst < 1e-8, method="log p(X|θ) + log p(θ) − log p(θ|X) = log p(X) at random θ",
                       points=len(errs), max_error=worst, tolerance=1e-8, what="Dirichlet posterior and evidence")


# ---------------------------------------------------------------------------------------------
# logistic regression (not conjugate)
# ---------------------------------------------------------------------------------------------
def _logistic(spec, data, check, steps) -> PosteriorResult:
    name = spec["unknown"][0]["name"]
    prior = spec["prior"]
    local = {s: sp.Symbol(s, positive=True) for s in spec.get("hyper", [])}
    local.update({"zeros": sp.zeros, "eye": sp.eye, "ones": sp.ones})
    mean = sp.Matrix(sp.parse_expr(prior["params"]["mean"], local_dict=local))
    cov = sp.Matrix(sp.parse_expr(prior["params"]["cov"], local_dict=local))
    D = mean.shape[0]
    w = sp.Matrix([sp.Symbol(f"{name}_{j}", real=True) for j in range(D)])
    x, y = sp.Symbol("x", real=True), sp.Symbol("y", integer=True, nonnegative=True)
    phi = sp.Matrix([x**j for j in range(D)])  # phi(x) = [1, x, ...]
    eta = (w.T * phi)[0, 0]
    per_obs = y * eta - sp.log(1 + sp.exp(eta))
    diff = w - mean
    log_prior = -(diff.T * cov.inv() * diff)[0, 0] / 2 - sp.log((2 * sp.pi) ** D * cov.det()) / 2
    res = PosteriorResult(f"posterior: y_i ~ Ber(sigma({name}^T phi(x_i))); {name} ~ N(m0, S0)")
    res.show_steps = steps
    res.unknowns = (name,)
    res.conjugate, res.family = False, None
    res.reason = ("not conjugate: the term log(1 + exp(wᵀφ(x_i))) of the log likelihood couples the data and w "
                  "inseparably, so no finite set of sufficient statistics exists and the posterior is not Gaussian")
    i = sp.Symbol("i", integer=True, positive=True)
    n = sp.Symbol("n", integer=True, positive=True)
    X, Y = sp.IndexedBase("x"), sp.IndexedBase("y")
    lp = sp.Sum(per_obs.subs({x: X[i], y: Y[i]}), (i, 1, n)) + log_prior
    res.log_posterior = lp
    res.gradient = sp.Matrix([sp.diff(lp, v) for v in w])
    res.add_heading("Not conjugate")
    res.add_step(rf"\log p({name} \mid X, y)", lp + sp.Symbol(r"\text{const}"), rule=res.reason)
    res.add_step(rf"\nabla_{{{name}}} \log p", res.gradient, rule="differentiate term by term (σ' = σ(1 − σ))")
    res.add_result("log_posterior", lp)
    res.add_result("gradient", res.gradient)
    if data is not None:
        xs = np.asarray(data.get("x_in", data.get("x")), dtype=float)
        ys = np.asarray(data["y"], dtype=float)
        if xs.shape != ys.shape:
            raise DataError(f"inputs and labels differ in shape: {xs.shape} vs {ys.shape}")
        bad = np.nonzero((ys != 0) & (ys != 1))[0]
        if bad.size:
            raise DataError(f"y[{bad[0]}] = {ys[bad[0]]:g} is not a possible observation of a Bernoulli: expected 0 or 1")
        subs = {local[k]: v for k, v in data.items() if k in local and k not in ("zeros", "eye", "ones")}
        f_obs = sp.lambdify([x, y] + list(w), per_obs, modules="numpy")
        f_pri = sp.lambdify(list(w), log_prior.subs(subs), modules="numpy")

        def f(t):
            return float(np.sum(f_obs(xs, ys, *t)) + f_pri(*t))
        from scipy import optimize

        out = optimize.minimize(lambda t: -f(t), np.zeros(D), method="BFGS", options={"gtol": 1e-10})
        h = central_difference(lambda t: central_difference(f, t), out.x)
        cov_l = np.linalg.inv(-(h + h.T) / 2)
        res.map = {f"{name}_{j}": float(v) for j, v in enumerate(out.x)}
        res.laplace = {"mean": out.x.tolist(), "cov": cov_l.tolist()}
        res.add_step(r"\hat w_{\mathrm{MAP}}", sp.Matrix(out.x).evalf(6), rule="maximise numerically (scipy BFGS)")
        res.add_step(r"\text{Laplace}", sp.Matrix(cov_l).evalf(6), rule="N(w_MAP, (−∇² log p)⁻¹)")
        if check:
            def checker():
                g = central_difference(f, out.x)
                err = float(np.max(np.abs(g))) / max(1.0, float(np.max(np.abs(h))))
                return CheckReport(passed=err < 1e-5, method="finite-difference gradient at the MAP", points=1,
                                   max_error=err, tolerance=1e-5, what="MAP")
            res.add_check(guarded(checker))
    return res


def link_nonconjugate_from_problem(problem) -> PosteriorResult | None:
    """``y_i ~ Ber(σ(wᵀφ(x_i)))`` with a Gaussian prior on a weight vector, read from text: not conjugate.

    The gradient is derived by the chain rule through ``η_i = wᵀφ(x_i)``:
    ``∂/∂w log p(y_i | w) = (∂ℓ/∂η)(η_i) ∂η_i/∂w`` with ``∂ℓ/∂η`` computed by sympy.
    """
    dists = list(problem.distributions)
    if len(dists) != 2:
        return None
    lik = next((d for d in dists if d.family == "Bernoulli"), None)
    prior = next((d for d in dists if d.family == "MultivariateNormal" and isinstance(d.variable, sp.MatrixSymbol)), None)
    if lik is None or prior is None or not lik.params[0].has(prior.variable):
        return None
    w = prior.variable
    link = lik.params[0]
    eta_expr = link.args[0] if isinstance(link, sp.Function) or link.func.__name__ in ("sigma", "sigmoid") else link
    eta, y = sp.Symbol("eta", real=True), sp.Symbol("y", integer=True, nonnegative=True)
    p = 1 / (1 + sp.exp(-eta))
    ell = sp.expand_log(y * sp.log(p) + (1 - y) * sp.log(1 - p), force=True)
    dell = sp.simplify(sp.diff(ell, eta))
    if sp.simplify(dell - (y - p)) == 0:  # the familiar form y − σ(η)
        dell = y - p
    i = sp.Symbol("i", integer=True, positive=True)
    n = sp.Symbol("N", integer=True, positive=True)
    Y = sp.IndexedBase(str(lik.variable.base) if isinstance(lik.variable, sp.Indexed) else "y")
    m0, S0 = prior.params
    res = PosteriorResult(f"posterior: {lik.variable} ~ Bernoulli(sigma({eta_expr})); {w} ~ N({m0}, {S0})")
    res.conjugate, res.family = False, None
    res.unknowns = (w.name,)
    res.reason = (f"not conjugate: the term log(1 + exp({eta_expr})) of the log likelihood couples the data and "
                  f"{w} inseparably (no finite sufficient statistics); the posterior is not Gaussian")
    res.log_posterior = sp.Sum(ell.subs({y: Y[i], eta: sp.Symbol(r"\eta_i")}), (i, 1, n))
    res.gradient = sp.Symbol(r"\sum_{i=1}^{N}") * dell.subs({y: Y[i], eta: sp.Symbol(r"\eta_i")})
    res.add_heading("Not conjugate")
    res.add_step(rf"\log p({w.name} \mid X, y)", to_latex(res.log_posterior) + r" + \log \mathcal{N}("
                 + to_latex(w) + r" \mid " + to_latex(m0) + ", " + to_latex(S0) + ")",
                 rule=res.reason + f"; η_i = {eta_expr}")
    res.add_step(r"\partial \ell / \partial \eta", dell, rule="differentiate the Bernoulli log-pmf in the logit")
    res.add_step(rf"\nabla_{{{w.name}}} \log p", r"\sum_i \left(" + to_latex(dell.subs(eta, sp.Symbol(r"\eta_i")))
                 + r"\right) \phi(x_i) - " + to_latex(S0) + r"^{-1}(" + to_latex(w) + " - " + to_latex(m0) + ")",
                 rule="chain rule: ∂η_i/∂w = φ(x_i); Gaussian prior gradient −S₀⁻¹(w − m₀)")
    res.add_result("log_posterior", res.log_posterior)
    res.notes.append("give data (and features) through the structured form to get the MAP and the Laplace approximation")
    return res
