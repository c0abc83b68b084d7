"""Log densities of the named distributions, in the parameterisations of the MML book.

Each :class:`Family` knows its canonical parameter names (the book's), the other names people
use for them (``rate``/``beta``, ``var``/``sigma2``), alternative parameterisations that map
onto the canonical one (a Gamma given a *scale*, a Normal given a *precision*), the support of
its variable, and its log density as a sympy expression. Nothing here knows about conjugacy:
the posterior is *recognised* from these densities in :mod:`.recognition`.

Conventions (posterior.json ``meta.conventions``): Gamma(α, β) shape–rate, InverseGamma(α, β)
shape–scale, Normal(μ, σ²) with the variance, Geometric counts failures, NegBinFailures(r, p)
counts failures before the r-th success, Pareto(x_m, k) scale–shape, WeibullTheta(κ, θ) with
θ = λ^κ, ScaledInvChi2(ν, s²) = InverseGamma(ν/2, ν s²/2).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import sympy as sp

from ..errors import UnsupportedError

__all__ = ["Family", "FAMILIES", "family", "canonical_params"]

lg = sp.loggamma


@dataclass(frozen=True)
class Family:
    """A named distribution: parameter names, support of its variable, log density."""

    name: str
    params: tuple[str, ...]
    logpdf: Callable  # (x, *params) -> (log density, [relations that must hold])
    support: str  # "binary", "count", "count<=N", "positive", "real", "unit", "label", "simplex", ...
    aliases: dict = field(default_factory=dict)  # other name -> canonical parameter name
    alternatives: dict = field(default_factory=dict)  # other name -> (canonical name, map value -> canonical)
    names: tuple[str, ...] = ()  # other spellings of the family's name
    over: int = 1  # how many variables the density is over (2 for Normal-Gamma over (mu, tau))
    latex: str = ""

    def param_support(self, index: int) -> tuple:
        """(lower, upper) of a parameter, used for the support of an unknown that is a parameter."""
        return _PARAM_SUPPORT.get((self.name, self.params[index]), (-sp.oo, sp.oo))


def _bernoulli(x, p):
    return x * sp.log(p) + (1 - x) * sp.log(1 - p), []


def _binomial(x, N, p):
    return lg(N + 1) - lg(x + 1) - lg(N - x + 1) + x * sp.log(p) + (N - x) * sp.log(1 - p), []


def _geometric(x, p):  # failures before the first success, x = 0, 1, ...
    return sp.log(p) + x * sp.log(1 - p), []


def _geometric_trials(x, p):  # trials up to and including the first success, x = 1, 2, ...
    return sp.log(p) + (x - 1) * sp.log(1 - p), []


def _negbin(x, r, p):  # failures before the r-th success
    return lg(x + r) - lg(r) - lg(x + 1) + r * sp.log(p) + x * sp.log(1 - p), []


def _poisson(x, lam):
    return x * sp.log(lam) - lam - lg(x + 1), []


def _exponential(x, lam):
    return sp.log(lam) - lam * x, []


def _gamma(x, a, b):  # shape a, rate b
    return a * sp.log(b) - lg(a) + (a - 1) * sp.log(x) - b * x, []


def _inverse_gamma(x, a, b):  # shape a, scale b
    return a * sp.log(b) - lg(a) - (a + 1) * sp.log(x) - b / x, []


def _scaled_inv_chi2(x, nu, s2):
    return _inverse_gamma(x, nu / 2, nu * s2 / 2)


def _normal(x, m, v):  # mean m, variance v (MML convention)
    return -sp.log(2 * sp.pi * v) / 2 - (x - m) ** 2 / (2 * v), []


def _lognormal(x, m, v):
    return -sp.log(x) - sp.log(2 * sp.pi * v) / 2 - (sp.log(x) - m) ** 2 / (2 * v), []


def _uniform(x, lo, hi):
    return -sp.log(hi - lo), [sp.Ge(x, lo), sp.Le(x, hi)]


def _pareto(x, xm, k):
    return sp.log(k) + k * sp.log(xm) - (k + 1) * sp.log(x), [sp.Ge(x, xm)]


def _weibull_theta(x, kappa, theta):
    return sp.log(kappa) - sp.log(theta) + (kappa - 1) * sp.log(x) - x**kappa / theta, []


def _weibull(x, kappa, lam):
    return sp.log(kappa) - kappa * sp.log(lam) + (kappa - 1) * sp.log(x) - (x / lam) ** kappa, []


def _lomax(x, a, lam):  # shape a, scale lam
    return sp.log(a) + a * sp.log(lam) - (a + 1) * sp.log(lam + x), []


def _laplace(x, m, b):
    return -sp.log(2 * b) - sp.Abs(x - m) / b, []


def _beta(x, a, b):
    return lg(a + b) - lg(a) - lg(b) + (a - 1) * sp.log(x) + (b - 1) * sp.log(1 - x), []


def _rayleigh(x, s2):  # x/s2 exp(-x^2 / (2 s2)), parameterised by s2 = sigma^2
    return sp.log(x) - sp.log(s2) - x**2 / (2 * s2), []


def _bernoulli_logit(x, eta):  # p = sigma(eta)
    return x * eta - sp.log(1 + sp.exp(eta)), []


def _poisson_log(x, eta):  # rate = exp(eta)
    return x * eta - sp.exp(eta) - lg(x + 1), []


def _cauchy(x, m, g):
    return -sp.log(sp.pi * g) - sp.log(1 + ((x - m) / g) ** 2), []


def _student_t(x, nu, m, s2):
    return (lg((nu + 1) / 2) - lg(nu / 2) - sp.log(sp.pi * nu * s2) / 2
            - (nu + 1) / 2 * sp.log(1 + (x - m) ** 2 / (nu * s2))), []


def _half_normal(x, s2):
    return sp.log(2) / 2 - sp.log(sp.pi * s2) / 2 - x**2 / (2 * s2), []


def _normal_gamma(mu, tau, m, kappa, a, b):  # mu | tau ~ N(m, 1/(kappa tau)), tau ~ Gamma(a, rate b)
    return (sp.log(kappa) / 2 + sp.log(tau) / 2 - sp.log(2 * sp.pi) / 2 - kappa * tau * (mu - m) ** 2 / 2
            + a * sp.log(b) - lg(a) + (a - 1) * sp.log(tau) - b * tau), []


def _normal_inverse_gamma(mu, v, m, nu, a, b):  # mu | v ~ N(m, v/nu), v ~ InvGamma(a, scale b)
    return (sp.log(nu) / 2 - sp.log(2 * sp.pi * v) / 2 - nu * (mu - m) ** 2 / (2 * v)
            + a * sp.log(b) - lg(a) - (a + 1) * sp.log(v) - b / v), []


def _F(name, params, logpdf, support, aliases=None, alternatives=None, names=(), over=1, latex=""):
    return Family(name, tuple(params), logpdf, support, dict(aliases or {}), dict(alternatives or {}),
                  tuple(names), over, latex or r"\mathrm{" + name + "}")


_inv = lambda v: 1 / v  # noqa: E731
_sq = lambda v: v**2  # noqa: E731

FAMILIES: dict[str, Family] = {f.name: f for f in [
    _F("Bernoulli", ["p"], _bernoulli, "binary", {"mu": "p", "theta": "p", "pi": "p"}, names=("Ber", "Bern")),
    _F("Binomial", ["N", "p"], _binomial, "count<=N", {"n": "N", "trials": "N", "mu": "p", "theta": "p"},
       names=("Bin", "Binom")),
    _F("Geometric", ["p"], _geometric, "count", {"theta": "p"}, names=("Geom", "GeometricFailures")),
    _F("GeometricTrials", ["p"], _geometric_trials, "count>=1", {"theta": "p"}),
    _F("NegBinFailures", ["r", "p"], _negbin, "count", {"theta": "p"},
       names=("NegativeBinomial", "NegBin", "NB")),
    _F("Poisson", ["rate"], _poisson, "count", {"lam": "rate", "lambda": "rate", "mu": "rate", "theta": "rate"},
       names=("Pois", "Poi")),
    _F("Exponential", ["rate"], _exponential, "positive", {"lam": "rate", "lambda": "rate", "beta": "rate"},
       {"scale": ("rate", _inv), "mean": ("rate", _inv)}, names=("Exp", "Expon")),
    _F("Gamma", ["shape", "rate"], _gamma, "positive",
       {"alpha": "shape", "a": "shape", "k": "shape", "beta": "rate", "b": "rate"},
       {"scale": ("rate", _inv), "theta": ("rate", _inv)}, names=("Ga", "Gam")),
    _F("InverseGamma", ["shape", "scale"], _inverse_gamma, "positive",
       {"alpha": "shape", "a": "shape", "k": "shape", "beta": "scale", "b": "scale"},
       names=("InvGamma", "IG", "InverseGam", "IGamma", "Inv-Gamma")),
    _F("ScaledInvChi2", ["nu", "s2"], _scaled_inv_chi2, "positive", {"df": "nu", "tau2": "s2", "scale2": "s2"},
       names=("ScaledInverseChiSquared", "Scaled-Inv-chi2", "ScaledInvChiSquared")),
    _F("Normal", ["mean", "var"], _normal, "real",
       {"mu": "mean", "loc": "mean", "m": "mean", "variance": "var", "sigma2": "var", "cov": "var"},
       {"precision": ("var", _inv), "tau": ("var", _inv), "prec": ("var", _inv), "std": ("var", _sq),
        "sd": ("var", _sq), "sigma": ("var", _sq), "scale": ("var", _sq)}, names=("N", "Gaussian", "Norm")),
    _F("LogNormal", ["mu", "var"], _lognormal, "positive",
       {"mean": "mu", "loc": "mu", "variance": "var", "sigma2": "var"},
       {"precision": ("var", _inv), "tau": ("var", _inv), "sigma": ("var", _sq), "std": ("var", _sq)},
       names=("Lognormal", "LN", "LogN")),
    _F("Uniform", ["lower", "upper"], _uniform, "interval", {"a": "lower", "b": "upper", "low": "lower",
                                                             "high": "upper"}, names=("U", "Unif")),
    _F("Pareto", ["scale", "shape"], _pareto, "above scale", {"x_m": "scale", "xm": "scale", "k": "shape",
                                                              "alpha": "shape"}),
    _F("WeibullTheta", ["kappa", "theta"], _weibull_theta, "positive", {"shape": "kappa", "k": "kappa"}),
    _F("Weibull", ["kappa", "lambda"], _weibull, "positive", {"shape": "kappa", "k": "kappa", "scale": "lambda",
                                                              "lam": "lambda"}),
    _F("Lomax", ["shape", "scale"], _lomax, "positive", {"alpha": "shape", "lambda": "scale", "lam": "scale"}),
    _F("Laplace", ["loc", "scale"], _laplace, "real", {"mu": "loc", "mean": "loc", "b": "scale"}),
    _F("Beta", ["a", "b"], _beta, "unit", {"alpha": "a", "beta": "b"}),
    _F("Rayleigh", ["s2"], _rayleigh, "positive", {"sigma2": "s2", "scale2": "s2"}),
    _F("BernoulliLogit", ["logit"], _bernoulli_logit, "binary", {"eta": "logit", "theta": "logit", "w": "logit"},
       names=("LogitBernoulli", "BernoulliLogistic")),
    _F("PoissonLog", ["log_rate"], _poisson_log, "count", {"eta": "log_rate", "theta": "log_rate", "lograte": "log_rate"},
       names=("PoissonLogRate", "LogPoisson")),
    _F("Cauchy", ["loc", "scale"], _cauchy, "real", {"mu": "loc", "mean": "loc", "gamma": "scale"}),
    _F("StudentT", ["df", "loc", "scale2"], _student_t, "real", {"nu": "df", "mu": "loc", "mean": "loc", "s2": "scale2"},
       {"scale": ("scale2", _sq)}, names=("T", "StudentsT", "Student")),
    _F("HalfNormal", ["s2"], _half_normal, "positive", {"var": "s2", "sigma2": "s2", "scale2": "s2"},
       {"scale": ("s2", _sq), "sigma": ("s2", _sq)}),
    _F("NormalGamma", ["mu", "kappa", "alpha", "beta"], _normal_gamma, "real x positive",
       {"m": "mu", "mean": "mu", "lambda": "kappa", "nu": "kappa", "a": "alpha", "b": "beta"},
       names=("NG", "Normal-Gamma", "GaussianGamma"), over=2),
    _F("NormalInverseGamma", ["mu", "nu", "alpha", "beta"], _normal_inverse_gamma, "real x positive",
       {"m": "mu", "mean": "mu", "lambda": "nu", "kappa": "nu", "a": "alpha", "b": "beta"},
       names=("NIG", "Normal-Inverse-Gamma", "NormalInvGamma", "GaussianInverseGamma"), over=2),
]}

# support of a parameter (when an unknown is that parameter)
_PARAM_SUPPORT = {
    ("Bernoulli", "p"): (0, 1), ("Binomial", "p"): (0, 1), ("Geometric", "p"): (0, 1),
    ("GeometricTrials", "p"): (0, 1), ("NegBinFailures", "p"): (0, 1),
    ("Poisson", "rate"): (0, sp.oo), ("Exponential", "rate"): (0, sp.oo), ("Gamma", "rate"): (0, sp.oo),
    ("Gamma", "shape"): (0, sp.oo), ("InverseGamma", "scale"): (0, sp.oo), ("Normal", "var"): (0, sp.oo),
    ("LogNormal", "var"): (0, sp.oo), ("WeibullTheta", "theta"): (0, sp.oo), ("Lomax", "shape"): (0, sp.oo),
    ("Pareto", "shape"): (0, sp.oo), ("Weibull", "lambda"): (0, sp.oo), ("Rayleigh", "s2"): (0, sp.oo),
    ("Laplace", "scale"): (0, sp.oo), ("Uniform", "upper"): (0, sp.oo), ("HalfNormal", "s2"): (0, sp.oo),
    ("Cauchy", "scale"): (0, sp.oo), ("StudentT", "scale2"): (0, sp.oo),
}

_BY_NAME: dict[str, Family] = {}
for _f in FAMILIES.values():
    for _n in (_f.name,) + _f.names:
        _BY_NAME[_n.lower().replace("-", "").replace("_", "")] = _f


def family(name: str) -> Family:
    """The family called ``name`` (canonical or a common spelling: "Ber", "InvGamma", "N")."""
    key = str(name).lower().replace("-", "").replace("_", "")
    found = _BY_NAME.get(key)
    if found is None:
        raise UnsupportedError(f"unknown distribution family {name!r}",
                               hint="known: " + ", ".join(sorted(FAMILIES)))
    return found


def canonical_params(fam: Family, params) -> tuple:
    """Parameters in the family's canonical order from a positional tuple or a dict of any names."""
    if not isinstance(params, dict):
        params = tuple(params)
        if len(params) != len(fam.params):
            raise UnsupportedError(f"{fam.name} takes {len(fam.params)} parameters "
                                   f"({', '.join(fam.params)}), got {len(params)}")
        return params
    out: dict[str, object] = {}
    for key, value in params.items():
        if key in fam.params:
            out[key] = value
        elif key in fam.aliases:
            out[fam.aliases[key]] = value
        elif key in fam.alternatives:
            target, conv = fam.alternatives[key]
            out[target] = conv(value)
        else:
            raise UnsupportedError(f"{fam.name} has no parameter named {key!r}",
                                   hint="its parameters: " + ", ".join(fam.params))
    missing = [p for p in fam.params if p not in out]
    if missing:
        raise UnsupportedError(f"{fam.name} needs the parameter(s) {', '.join(missing)}")
    return tuple(out[p] for p in fam.params)
