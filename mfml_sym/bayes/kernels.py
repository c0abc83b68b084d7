"""Exponential-family kernels a posterior can be recognised as, and what each one gives.

A kernel is the part of a log density that depends on the unknown: a linear combination of
the family's sufficient statistics, e.g. ``(a−1) log θ + (b−1) log(1−θ)`` for a Beta. Given
the log joint collected as ``Σ_k c_k T_k(θ)`` (:mod:`.recognition`), a kernel *matches* when
every ``T_k`` present is one of its statistics (the required ones among them) and the support
of θ is the family's; its parameters are then read off the coefficients ``c_k``.

Moments and modes: Beta, Gamma, InverseGamma, Normal, Pareto from their densities (MML
Sec. 6.6, Bishop PRML App. B); Normal-Gamma and Normal-Inverse-Gamma from Murphy (2007),
"Conjugate Bayesian analysis of the Gaussian distribution", Secs. 6 and 8.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import sympy as sp

from .families import FAMILIES

__all__ = ["Kernel", "SCALAR_KERNELS", "JOINT_KERNELS", "Support"]


@dataclass
class Support:
    """Where an unknown lives: constant bounds, plus lower/upper bounds that come from the data."""

    lower: object = -sp.oo
    upper: object = sp.oo
    data_lower: list = field(default_factory=list)  # expressions (statistics such as max_i x_i)
    data_upper: list = field(default_factory=list)

    def effective_lower(self):
        bounds = [b for b in [self.lower] + self.data_lower if b not in (-sp.oo, sp.S.NegativeInfinity)]
        if self.data_lower and self.lower in (0, sp.S.Zero):
            bounds = list(self.data_lower)
        if not bounds:
            return -sp.oo
        return bounds[0] if len(bounds) == 1 else sp.Max(*bounds)

    def is_interval(self, lo, hi) -> bool:
        return not self.data_lower and not self.data_upper and sp.S(self.lower) == lo and sp.S(self.upper) == hi


@dataclass(frozen=True)
class Kernel:
    """One recognisable posterior family."""

    name: str
    params: tuple[str, ...]
    statistics: Callable  # unknowns -> {T(θ): role}
    required: tuple[str, ...]  # roles that must be present
    read: Callable  # (coefficients by role, support) -> dict of parameters
    fits_support: Callable  # list[Support] -> bool
    mean: Callable  # params -> value (scalar) or dict (joint)
    variance: Callable
    mode: Callable
    logpdf: Callable  # (unknowns, params) -> full log density
    point: Callable  # (params, support) -> a point of the support (for the evidence identity)
    description: str = ""


def _c(coeffs, role):
    return coeffs.get(role, sp.S.Zero)


# ---- scalar kernels -------------------------------------------------------------------------
def _beta_read(c, sup):
    return {"a": 1 + _c(c, "log θ"), "b": 1 + _c(c, "log(1 − θ)")}


def _gamma_read(c, sup):
    return {"shape": 1 + _c(c, "log θ"), "rate": -_c(c, "θ")}


def _igamma_read(c, sup):
    return {"shape": -1 - _c(c, "log θ"), "scale": -_c(c, "1/θ")}


def _normal_read(c, sup):
    var = -1 / (2 * _c(c, "θ²"))
    return {"mean": _c(c, "θ") * var, "var": var}


def _pareto_read(c, sup):
    return {"scale": sup[0].effective_lower(), "shape": -1 - _c(c, "log θ")}


def _fam_logpdf(name):
    fam = FAMILIES[name]

    def logpdf(unknowns, p):
        return fam.logpdf(*unknowns, *[p[k] for k in fam.params])[0]
    return logpdf


def _pos(sup):
    return sup[0].is_interval(0, sp.oo)


SCALAR_KERNELS: list[Kernel] = [
    Kernel(
        "Beta", ("a", "b"),
        lambda t: {sp.log(t[0]): "log θ", sp.log(1 - t[0]): "log(1 − θ)"}, (),
        _beta_read, lambda sup: sup[0].is_interval(0, 1),
        lambda p: p["a"] / (p["a"] + p["b"]),
        lambda p: p["a"] * p["b"] / ((p["a"] + p["b"]) ** 2 * (p["a"] + p["b"] + 1)),
        lambda p: (p["a"] - 1) / (p["a"] + p["b"] - 2),
        _fam_logpdf("Beta"), lambda p, sup: sp.Rational(1, 2),
        "statistics log θ and log(1 − θ) on (0, 1)"),
    Kernel(
        "Gamma", ("shape", "rate"),
        lambda t: {sp.log(t[0]): "log θ", t[0]: "θ"}, ("θ",),
        _gamma_read, _pos,
        lambda p: p["shape"] / p["rate"],
        lambda p: p["shape"] / p["rate"] ** 2,
        lambda p: (p["shape"] - 1) / p["rate"],
        _fam_logpdf("Gamma"), lambda p, sup: sp.S.One,
        "statistics log θ and θ on (0, ∞)"),
    Kernel(
        "InverseGamma", ("shape", "scale"),
        lambda t: {sp.log(t[0]): "log θ", 1 / t[0]: "1/θ"}, ("1/θ",),
        _igamma_read, _pos,
        lambda p: p["scale"] / (p["shape"] - 1),
        lambda p: p["scale"] ** 2 / ((p["shape"] - 1) ** 2 * (p["shape"] - 2)),
        lambda p: p["scale"] / (p["shape"] + 1),
        _fam_logpdf("InverseGamma"), lambda p, sup: sp.S.One,
        "statistics log θ and 1/θ on (0, ∞)"),
    Kernel(
        "Normal", ("mean", "var"),
        lambda t: {t[0]: "θ", t[0] ** 2: "θ²"}, ("θ²",),
        _normal_read, lambda sup: sup[0].is_interval(-sp.oo, sp.oo),
        lambda p: p["mean"], lambda p: p["var"], lambda p: p["mean"],
        _fam_logpdf("Normal"), lambda p, sup: sp.S.Zero,
        "statistics θ and θ² on ℝ"),
    Kernel(
        "Pareto", ("scale", "shape"),
        lambda t: {sp.log(t[0]): "log θ"}, (),
        _pareto_read,
        lambda sup: sp.S(sup[0].upper) == sp.oo and sup[0].effective_lower() not in (0, -sp.oo)
        and sp.S(sup[0].lower) != -sp.oo,
        lambda p: p["shape"] * p["scale"] / (p["shape"] - 1),
        lambda p: p["scale"] ** 2 * p["shape"] / ((p["shape"] - 1) ** 2 * (p["shape"] - 2)),
        lambda p: p["scale"],
        lambda t, p: sp.log(p["shape"]) + p["shape"] * sp.log(p["scale"]) - (p["shape"] + 1) * sp.log(t[0]),
        lambda p, sup: p["scale"],
        "statistic log θ on (x_m, ∞) with a lower bound"),
]


# ---- joint kernels over (μ, second unknown) ---------------------------------------------------
def _ng_read(c, sup):
    kappa = -2 * _c(c, "μ²τ")
    m = _c(c, "μτ") / kappa
    return {"mu": m, "kappa": kappa, "alpha": _c(c, "log τ") + sp.Rational(1, 2),
            "beta": -_c(c, "τ") - kappa * m**2 / 2}


def _nig_read(c, sup):
    nu = -2 * _c(c, "μ²/σ²")
    m = _c(c, "μ/σ²") / nu
    return {"mu": m, "nu": nu, "alpha": -_c(c, "log σ²") - sp.Rational(3, 2),
            "beta": -_c(c, "1/σ²") - nu * m**2 / 2}


def _joint_support(sup):
    return sup[0].is_interval(-sp.oo, sp.oo) and sup[1].is_interval(0, sp.oo)


JOINT_KERNELS: list[Kernel] = [
    Kernel(
        "NormalGamma", ("mu", "kappa", "alpha", "beta"),
        lambda t: {sp.log(t[1]): "log τ", t[1]: "τ", t[0] * t[1]: "μτ", t[0] ** 2 * t[1]: "μ²τ"}, ("μ²τ",),
        _ng_read, _joint_support,
        lambda p: (p["mu"], p["alpha"] / p["beta"]),
        lambda p: (p["beta"] / (p["kappa"] * (p["alpha"] - 1)), p["alpha"] / p["beta"] ** 2),
        lambda p: (p["mu"], (p["alpha"] - sp.Rational(1, 2)) / p["beta"]),
        _fam_logpdf("NormalGamma"), lambda p, sup: (sp.S.Zero, sp.S.One),
        "statistics log τ, τ, μτ, μ²τ (μ | τ Gaussian, τ Gamma)"),
    Kernel(
        "NormalInverseGamma", ("mu", "nu", "alpha", "beta"),
        lambda t: {sp.log(t[1]): "log σ²", 1 / t[1]: "1/σ²", t[0] / t[1]: "μ/σ²", t[0] ** 2 / t[1]: "μ²/σ²"},
        ("μ²/σ²",), _nig_read, _joint_support,
        lambda p: (p["mu"], p["beta"] / (p["alpha"] - 1)),
        lambda p: (p["beta"] / ((p["alpha"] - 1) * p["nu"]),
                   p["beta"] ** 2 / ((p["alpha"] - 1) ** 2 * (p["alpha"] - 2))),
        lambda p: (p["mu"], p["beta"] / (p["alpha"] + sp.Rational(3, 2))),
        _fam_logpdf("NormalInverseGamma"), lambda p, sup: (sp.S.Zero, sp.S.One),
        "statistics log σ², 1/σ², μ/σ², μ²/σ² (μ | σ² Gaussian, σ² inverse-gamma)"),
]
