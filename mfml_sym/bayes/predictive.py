"""Names for posterior predictive distributions, and their log densities for cross-checks.

The predictive density itself is always *derived* (ratio of evidences with and without the new
observation, :mod:`.conjugate`); this module only names the result when it is a known
compound distribution (Beta-binomial, negative binomial, Student-t, Lomax, ...) and gives that
distribution's own log density, so the check can compare the two numerically.
Sources: Bishop PRML (2.113) Student-t, Murphy (2007) Secs. 3–8, Wikipedia "Conjugate prior".
"""
from __future__ import annotations

import sympy as sp

__all__ = ["name_predictive", "PREDICTIVE_LOGPDF"]

lg = sp.loggamma


def _student_t(x, df, loc, scale2):
    return (lg((df + 1) / 2) - lg(df / 2) - sp.log(sp.pi * df * scale2) / 2
            - (df + 1) / 2 * sp.log(1 + (x - loc) ** 2 / (df * scale2)))


PREDICTIVE_LOGPDF = {
    "Bernoulli": lambda x, p: x * sp.log(p["p"]) + (1 - x) * sp.log(1 - p["p"]),
    "BetaBinomial": lambda x, p: (lg(p["N"] + 1) - lg(x + 1) - lg(p["N"] - x + 1) + lg(p["a"] + x)
                                  + lg(p["b"] + p["N"] - x) - lg(p["a"] + p["b"] + p["N"])
                                  - lg(p["a"]) - lg(p["b"]) + lg(p["a"] + p["b"])),
    "BetaNegBin": lambda x, p: (lg(p["r"] + x) - lg(x + 1) - lg(p["r"]) + lg(p["a"] + p["r"]) + lg(p["b"] + x)
                                - lg(p["a"] + p["b"] + p["r"] + x) - lg(p["a"]) - lg(p["b"]) + lg(p["a"] + p["b"])),
    "NegBinFailures": lambda x, p: (lg(x + p["r"]) - lg(p["r"]) - lg(x + 1) + p["r"] * sp.log(p["p"])
                                    + x * sp.log(1 - p["p"])),
    "Lomax": lambda x, p: sp.log(p["shape"]) + p["shape"] * sp.log(p["scale"]) - (p["shape"] + 1) * sp.log(p["scale"] + x),
    "BetaPrime": lambda x, p: ((p["a"] - 1) * sp.log(x) - (p["a"] + p["b"]) * sp.log(1 + x / p["scale"])
                               - p["a"] * sp.log(p["scale"]) - lg(p["a"]) - lg(p["b"]) + lg(p["a"] + p["b"])),
    "Normal": lambda x, p: -sp.log(2 * sp.pi * p["var"]) / 2 - (x - p["mean"]) ** 2 / (2 * p["var"]),
    "LogNormal": lambda x, p: -sp.log(x) - sp.log(2 * sp.pi * p["var"]) / 2 - (sp.log(x) - p["mu"]) ** 2 / (2 * p["var"]),
    "StudentT": lambda x, p: _student_t(x, p["df"], p["loc"], p["scale2"]),
}


def name_predictive(likelihood: str, lik_params: dict, posterior: str, post: dict, unknown_slot: str) -> tuple[str, dict] | None:
    """(family, parameters) of the predictive of ``likelihood`` under a ``posterior``, when named.

    ``unknown_slot`` is the likelihood parameter the posterior is over ("p", "rate", "mean",
    "var", "precision", ...); ``lik_params`` holds the known ones.
    """
    L, P = likelihood, posterior
    if P == "Beta" and unknown_slot == "p":
        a, b = post["a"], post["b"]
        if L == "Bernoulli":
            return "Bernoulli", {"p": a / (a + b)}
        if L == "Binomial":
            return "BetaBinomial", {"N": lik_params["N"], "a": a, "b": b}
        if L == "Geometric":
            return "BetaNegBin", {"r": sp.S.One, "a": a, "b": b}
        if L == "NegBinFailures":
            return "BetaNegBin", {"r": lik_params["r"], "a": a, "b": b}
    if P == "Gamma" and unknown_slot == "rate":
        al, be = post["shape"], post["rate"]
        if L == "Poisson":
            return "NegBinFailures", {"r": al, "p": be / (be + 1)}
        if L == "Exponential":
            return "Lomax", {"shape": al, "scale": be}
        if L == "Gamma":
            return "BetaPrime", {"a": lik_params["shape"], "b": al, "scale": be}
    if P == "InverseGamma" and unknown_slot == "inverse rate":  # the unknown is a scale θ = 1/rate
        al, be = post["shape"], post["scale"]
        if L == "Exponential":
            return "Lomax", {"shape": al, "scale": be}
        if L == "Gamma":
            return "BetaPrime", {"a": lik_params["shape"], "b": al, "scale": be}
    if P == "Normal" and unknown_slot in ("mean", "mu"):
        if L == "Normal":
            return "Normal", {"mean": post["mean"], "var": post["var"] + lik_params["var"]}
        if L == "LogNormal":
            return "LogNormal", {"mu": post["mean"], "var": post["var"] + lik_params["var"]}
    if L == "Normal" and unknown_slot in ("var", "precision"):
        m = lik_params["mean"]
        if P == "InverseGamma" and unknown_slot == "var":
            return "StudentT", {"df": 2 * post["shape"], "loc": m, "scale2": post["scale"] / post["shape"]}
        if P == "Gamma" and unknown_slot == "precision":
            return "StudentT", {"df": 2 * post["shape"], "loc": m, "scale2": post["rate"] / post["shape"]}
        if P == "ScaledInvChi2" and unknown_slot == "var":
            return "StudentT", {"df": post["nu"], "loc": m, "scale2": post["s2"]}
    if L == "Normal" and unknown_slot == "joint":
        if P == "NormalInverseGamma":
            return "StudentT", {"df": 2 * post["alpha"], "loc": post["mu"],
                                "scale2": post["beta"] * (post["nu"] + 1) / (post["alpha"] * post["nu"])}
        if P == "NormalGamma":
            return "StudentT", {"df": 2 * post["alpha"], "loc": post["mu"],
                                "scale2": post["beta"] * (post["kappa"] + 1) / (post["alpha"] * post["kappa"])}
    return None
