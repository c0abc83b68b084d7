"""Named distributions written in a cell: densities ``\\mathcal{N}(x \\mid \\mu, \\sigma^2)`` and
distribution objects ``\\mathrm{Beta}(\\alpha, \\beta)``.

Parameterisations follow the MML book and /work/shared/examples/posterior.json: the Normal's
second argument is the variance, Gamma(alpha, beta) has rate beta, InverseGamma(alpha, beta)
scale beta, Exponential(lambda) rate lambda, Pareto(x_m, k) scale x_m and shape k.
"""
from __future__ import annotations

import sympy
from sympy import exp, gamma, pi, sqrt

from ..errors import UnsupportedError

__all__ = ["density", "distribution_object", "ARITY"]

ARITY = {"Normal": 2, "MultivariateNormal": 2, "Bernoulli": 1, "Binomial": 2, "Beta": 2,
         "Gamma": 2, "InverseGamma": 2, "Poisson": 1, "Exponential": 1, "Uniform": 2,
         "Pareto": 2, "Categorical": 1, "Multinomial": 2, "Dirichlet": 1, "Wishart": 2,
         "InverseWishart": 2, "Laplace": 2, "LogNormal": 2, "Geometric": 1, "Weibull": 2,
         "ScaledInvChi2": 2, "InvChi2": 1, "ChiSquared": 1, "StudentT": 3,
         "NormalGamma": 4, "NormalInverseGamma": 4, "NormalInverseWishart": 4, "NormalWishart": 4}


def density(family: str, x, params: list, err, node):
    """The density (or pmf) of ``family`` at ``x`` as a sympy expression."""
    from .semantics import is_matrix

    if is_matrix(x) or any(is_matrix(p) for p in params):
        if family == "Normal" and len(params) == 2:
            mu, cov = params
            r = x.shape[0]
            dx = x - mu
            from sympy.matrices.expressions.matexpr import MatrixElement

            quad = MatrixElement(dx.T * sympy.Inverse(cov) * dx, 0, 0)
            return exp(-quad / 2) / sqrt((2 * pi) ** r * sympy.Determinant(cov))
        raise err(node, f"the {family} density of a vector is not supported here", cls=UnsupportedError)
    want = ARITY.get(family)
    if want is not None and len(params) != want:
        raise err(node, f"{family} takes {want} parameter{'s' if want > 1 else ''}, got {len(params)}")
    p = params
    if family == "Normal":
        mu, var = p
        return exp(-(x - mu) ** 2 / (2 * var)) / sqrt(2 * pi * var)
    if family == "Beta":
        a, b = p
        return gamma(a + b) / (gamma(a) * gamma(b)) * x ** (a - 1) * (1 - x) ** (b - 1)
    if family == "Gamma":
        a, b = p
        return b ** a / gamma(a) * x ** (a - 1) * exp(-b * x)
    if family == "InverseGamma":
        a, b = p
        return b ** a / gamma(a) * x ** (-a - 1) * exp(-b / x)
    if family == "Bernoulli":
        (m,) = p
        return m ** x * (1 - m) ** (1 - x)
    if family == "Binomial":
        n, m = p
        return sympy.binomial(n, x) * m ** x * (1 - m) ** (n - x)
    if family == "Poisson":
        (lam,) = p
        return lam ** x * exp(-lam) / sympy.factorial(x)
    if family == "Exponential":
        (lam,) = p
        return lam * exp(-lam * x)
    if family == "Laplace":
        mu, b = p
        return exp(-sympy.Abs(x - mu) / b) / (2 * b)
    if family == "Geometric":
        (q,) = p
        return q * (1 - q) ** x
    if family == "Pareto":
        xm, k = p
        return k * xm ** k / x ** (k + 1)
    if family == "Uniform":
        a, b = p
        return sympy.Piecewise((1 / (b - a), (x >= a) & (x <= b)), (0, True))
    raise err(node, f"the {family} density is not supported here", cls=UnsupportedError)


def distribution_object(family: str, params: list, err, node):
    """A sympy.stats distribution for ``\\mathrm{Beta}(\\alpha, \\beta)`` written as an expression."""
    from sympy.stats import crv_types, drv_types, frv_types

    want = ARITY.get(family)
    if want is not None and len(params) != want:
        raise err(node, f"{family} takes {want} parameter{'s' if want > 1 else ''}, got {len(params)}")
    p = params
    table = {
        "Normal": lambda: crv_types.NormalDistribution(p[0], sqrt(p[1])),
        "Beta": lambda: crv_types.BetaDistribution(*p),
        "Gamma": lambda: crv_types.GammaDistribution(p[0], 1 / p[1]),
        "InverseGamma": lambda: crv_types.GammaInverseDistribution(*p),
        "Exponential": lambda: crv_types.ExponentialDistribution(*p),
        "Uniform": lambda: crv_types.UniformDistribution(*p),
        "Laplace": lambda: crv_types.LaplaceDistribution(*p),
        "Pareto": lambda: crv_types.ParetoDistribution(*p),
        "Poisson": lambda: drv_types.PoissonDistribution(*p),
        "Bernoulli": lambda: frv_types.BernoulliDistribution(p[0], 1, 0),
        "Binomial": lambda: frv_types.BinomialDistribution(p[0], p[1], 1, 0),
    }
    make = table.get(family)
    if make is None:
        raise err(node, f"{family}(...) as an expression is not supported; use it in a statement x \\sim {family}(...)",
                  cls=UnsupportedError)
    try:
        return make()
    except (ValueError, TypeError) as exc:
        raise err(node, f"invalid parameters for {family}: {exc}") from None
