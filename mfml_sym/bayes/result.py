"""The result of ``posterior``: a :class:`~mfml_sym.derivation.Derivation` with named attributes."""
from __future__ import annotations

from typing import Any

from ..derivation import Derivation

__all__ = ["PosteriorResult", "PARAMETER_ALIASES"]

# other names people use for a posterior family's parameters -> (canonical name, map)
PARAMETER_ALIASES = {
    "Beta": {"alpha": "a", "beta": "b"},
    "Gamma": {"alpha": "shape", "a": "shape", "k": "shape", "beta": "rate", "b": "rate",
              "scale": ("rate", lambda r: 1 / r)},
    "InverseGamma": {"alpha": "shape", "a": "shape", "beta": "scale", "b": "scale"},
    "Normal": {"mu": "mean", "loc": "mean", "m": "mean", "variance": "var", "sigma2": "var",
               "precision": ("var", lambda v: 1 / v), "tau": ("var", lambda v: 1 / v)},
    "Pareto": {"x_m": "scale", "xm": "scale", "k": "shape", "alpha": "shape"},
    "ScaledInvChi2": {"df": "nu", "tau2": "s2", "scale2": "s2"},
    "NormalGamma": {"m": "mu", "mean": "mu", "lambda": "kappa", "nu": "kappa", "a": "alpha", "b": "beta"},
    "NormalInverseGamma": {"m": "mu", "mean": "mu", "lambda": "nu", "kappa": "nu", "a": "alpha", "b": "beta"},
    "MultivariateNormal": {"mu": "mean", "m": "mean", "Sigma": "cov", "S": "cov", "covariance": "cov"},
    "Dirichlet": {"a": "alpha", "concentration": "alpha"},
}


class PosteriorResult(Derivation):
    """What ``posterior`` returns: the posterior, its summaries, and the derivation that found it.

    ``conjugate`` says whether a closed-form posterior was recognised; ``family`` and
    ``parameters`` name it in the book's parameterisation; ``mean``, ``variance``, ``mode`` are
    sympy expressions (dicts keyed by the unknown's name when there are several);
    ``predictive`` is ``{"family", "params", "logpdf"}``; ``log_evidence`` is ``log p(X)``;
    ``statistics`` maps each data summary's name to its meaning; ``numbers`` holds the same
    quantities with the data filled in.
    """

    def __init__(self, title: str = "", *, problem: Any = None) -> None:
        super().__init__(title, kind="posterior", problem=problem)
        self.conjugate: bool = False
        self.family: str | None = None
        self.parameters: dict = {}
        self.mean: Any = None
        self.variance: Any = None
        self.mode: Any = None
        self.predictive: dict | None = None
        self.log_evidence: Any = None
        self.statistics: dict = {}
        self.numbers: dict = {}
        self.unknowns: tuple = ()
        self.mle: Any = None
        self.kernel_family: str | None = None
        self.kernel_parameters: dict = {}
        self.log_posterior: Any = None  # unnormalised, always given
        self.gradient: Any = None
        self.map: Any = None
        self.laplace: dict | None = None
        self.conditionals: dict = {}
        self.reason: str = ""
        self.model: Any = None

    def parameter(self, name: str):
        """A posterior parameter by any usual name (``rate``, ``beta``, ``scale`` for a Gamma, ...)."""
        if name in self.parameters:
            return self.parameters[name]
        for fam in (self.family, self.kernel_family):
            alias = PARAMETER_ALIASES.get(fam or "", {}).get(name)
            params = self.parameters if fam == self.family else self.kernel_parameters
            if isinstance(alias, str) and alias in params:
                return params[alias]
            if isinstance(alias, tuple) and alias[0] in params:
                return alias[1](params[alias[0]])
        if name in self.kernel_parameters:
            return self.kernel_parameters[name]
        from ..errors import OptionError

        raise OptionError(f"the {self.family} posterior has no parameter {name!r}; it has "
                          + ", ".join(self.parameters))
