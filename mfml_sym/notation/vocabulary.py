"""The words of the notation: Greek letters, function names, distribution families."""
from __future__ import annotations

import re

GREEK_LOWER = {
    "alpha": "alpha", "beta": "beta", "gamma": "gamma", "delta": "delta", "epsilon": "epsilon",
    "varepsilon": "epsilon", "zeta": "zeta", "eta": "eta", "theta": "theta", "vartheta": "theta",
    "iota": "iota", "kappa": "kappa", "lambda": "lambda", "mu": "mu", "nu": "nu", "xi": "xi",
    "pi": "pi", "varpi": "varpi", "rho": "rho", "varrho": "rho", "sigma": "sigma",
    "varsigma": "sigma", "tau": "tau", "upsilon": "upsilon", "phi": "phi", "varphi": "varphi",
    "chi": "chi", "psi": "psi", "omega": "omega", "ell": "ell",
}
GREEK_UPPER = {g: g for g in "Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega".split()}

# \sin x: functions of one argument that may be written without parentheses
FUNCTIONS = {
    "sin": "sin", "cos": "cos", "tan": "tan", "cot": "cot", "sec": "sec", "csc": "csc",
    "sinh": "sinh", "cosh": "cosh", "tanh": "tanh", "coth": "coth",
    "arcsin": "asin", "arccos": "acos", "arctan": "atan", "exp": "exp", "log": "log", "ln": "log",
    "lg": "log10", "det": "det", "sgn": "sign", "erf": "erf",
}
# \operatorname{...} / \mathrm{...} / \text{...} words
OPERATOR_WORDS = {
    "tr": "trace", "Tr": "trace", "trace": "trace", "diag": "diag", "softmax": "softmax",
    "softplus": "softplus", "sigmoid": "sigmoid", "logsumexp": "logsumexp", "LSE": "logsumexp",
    "lse": "logsumexp", "sign": "sign", "sgn": "sign", "ReLU": "relu", "relu": "relu",
    "exp": "exp", "log": "log", "ln": "log", "det": "det", "logdet": "logdet", "erf": "erf",
    "sin": "sin", "cos": "cos", "tanh": "tanh", "vec": "vec", "rank": "rank",
    "Var": "Var", "var": "Var", "Cov": "Cov", "cov": "Cov", "E": "E", "KL": "KL",
    "Tanh": "tanh", "abs": "abs", "sqrt": "sqrt", "Abs": "abs", "atan": "atan", "asin": "asin",
    "acos": "acos", "arctan": "atan", "arcsin": "asin", "arccos": "acos", "sinh": "sinh", "cosh": "cosh",
    "tan": "tan", "erfc": "erfc", "sech": "sech", "csch": "csch",
}
OBJECTIVE_WORDS = {
    "argmin": "min", "argmax": "max", "arg min": "min", "arg max": "max", "min": "min",
    "max": "max", "minimize": "min", "maximize": "max", "minimise": "min", "maximise": "max",
}

# distribution spellings -> canonical family (keys are lower-case alphanumerics)
FAMILIES = {
    "n": "Normal", "normal": "Normal", "gauss": "Normal", "gaussian": "Normal",
    "mvn": "MultivariateNormal", "multivariatenormal": "MultivariateNormal",
    "ber": "Bernoulli", "bern": "Bernoulli", "bernoulli": "Bernoulli",
    "bin": "Binomial", "binom": "Binomial", "binomial": "Binomial",
    "beta": "Beta", "gamma": "Gamma", "gam": "Gamma", "ga": "Gamma",
    "invgamma": "InverseGamma", "inversegamma": "InverseGamma", "ig": "InverseGamma",
    "invgam": "InverseGamma", "inverseg": "InverseGamma",
    "poisson": "Poisson", "pois": "Poisson", "poi": "Poisson", "po": "Poisson",
    "exp": "Exponential", "expon": "Exponential", "exponential": "Exponential",
    "u": "Uniform", "unif": "Uniform", "uniform": "Uniform",
    "pareto": "Pareto", "cat": "Categorical", "categorical": "Categorical",
    "mult": "Multinomial", "multinomial": "Multinomial", "mu": "Multinomial",
    "dir": "Dirichlet", "dirichlet": "Dirichlet",
    "iw": "InverseWishart", "invwishart": "InverseWishart", "inversewishart": "InverseWishart",
    "w": "Wishart", "wishart": "Wishart", "laplace": "Laplace", "lap": "Laplace",
    "lognormal": "LogNormal", "lognorm": "LogNormal", "ln": "LogNormal",
    "geom": "Geometric", "geometric": "Geometric", "geo": "Geometric",
    "weibull": "Weibull", "scaledinvchi2": "ScaledInvChi2", "scaleinvchi2": "ScaledInvChi2",
    "invchi2": "InvChi2", "chi2": "ChiSquared", "chisquared": "ChiSquared",
    "st": "StudentT", "t": "StudentT", "studentt": "StudentT", "student": "StudentT",
    "ng": "NormalGamma", "normalgamma": "NormalGamma",
    "nig": "NormalInverseGamma", "normalinversegamma": "NormalInverseGamma",
    "niw": "NormalInverseWishart", "normalinversewishart": "NormalInverseWishart",
    "nw": "NormalWishart", "normalwishart": "NormalWishart",
    "nb": "NegativeBinomial", "negbin": "NegativeBinomial", "negativebinomial": "NegativeBinomial",
    "lomax": "Lomax", "betaprime": "BetaPrime", "cauchy": "Cauchy",
    "halfnormal": "HalfNormal", "logistic": "Logistic", "vonmises": "VonMises",
    "gp": "GaussianProcess",
}
# \mathcal letters that name a distribution (\mathcal{L} is a loss, not a family)
CAL_FAMILIES = {"N": "Normal", "U": "Uniform", "IW": "InverseWishart", "W": "Wishart",
                "IG": "InverseGamma", "GP": "GaussianProcess", "NIW": "NormalInverseWishart",
                "NIG": "NormalInverseGamma", "NG": "NormalGamma", "NW": "NormalWishart",
                "B": "Beta", "T": "StudentT", "MN": "MatrixNormal"}


def family_key(word: str) -> str:
    return re.sub(r"[^a-z0-9]", "", word.lower())


def family_of(word: str) -> str | None:
    """Canonical family for a written name (``Bin`` -> ``Binomial``), or None."""
    return FAMILIES.get(family_key(word))


# words that, written as bare letters in LaTeX, are almost surely meant as a command
SUSPICIOUS_WORDS = sorted(
    {"sin", "cos", "tan", "exp", "log", "sqrt", "tanh", "sinh", "cosh", "alpha", "beta", "gamma",
     "delta", "theta", "lambda", "sigma", "omega", "epsilon", "Beta", "Gamma", "Normal",
     "softmax", "sigmoid", "det", "frac", "sum", "prod", "int", "lim", "infty", "nabla",
     "partial", "cdot", "Bernoulli", "Poisson", "Dir", "Bin", "kappa", "mu", "nu", "rho", "tau"},
    key=len, reverse=True,
)
