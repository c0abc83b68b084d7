"""``posterior(...)`` and ``update(...)``: the public entry points of the Bayesian engine."""
from __future__ import annotations

import re
from typing import Any

import sympy as sp

from ..budget import settings, time_budget
from ..errors import MfmlError, UnsupportedError
from .families import family
from .model import Model, from_structured
from .result import PosteriorResult

__all__ = ["posterior", "update"]

_UNKNOWN_SUPPORT = {"unit": ["0", "1"], "positive": ["0", "oo"], "real": ["-oo", "oo"],
                    "above scale": ["0", "oo"], "interval": ["-oo", "oo"]}


def posterior(text_or_problem: Any, data: dict | None = None, check: bool = True, steps: bool = True,
              timeout: float | None = None) -> PosteriorResult:
    """The posterior of a model written in LaTeX / sympy syntax, a parsed Problem or a structured dict.

    ``data={"x": [0, 1, 1]}`` (the observations under the data's name; constants may be given
    too, ``"alpha": 2``) adds the numbers; ``check`` registers the quadrature check (run by
    ``result.check()`` and before display); ``steps`` shows the derivation.

    >>> r = posterior({"likelihood": {"family": "Poisson", "params": {"rate": "lam"}},
    ...                "prior": {"family": "Exponential", "params": {"rate": "beta"}, "over": ["lam"]},
    ...                "unknown": [{"name": "lam", "support": ["0", "oo"]}], "hyper": ["beta"]}, check=False)
    >>> r.family, r.parameters["shape"], r.parameters["rate"]
    ('Gamma', s + 1, beta + n)
    """
    from .engine import infer
    from .multivariate import infer_multivariate, is_multivariate

    seconds = timeout if timeout is not None else settings.timeout
    with time_budget(seconds, step="posterior"):
        problem = None
        if isinstance(text_or_problem, Model):
            model = text_or_problem
        elif isinstance(text_or_problem, dict):
            spec = text_or_problem.get("structured", text_or_problem)
            if is_multivariate(spec):
                return infer_multivariate(spec, data=data, check=check, steps=steps)
            model = from_structured(spec)
        else:
            from .from_problem import model_from_problem, vector_spec

            if isinstance(text_or_problem, str):
                from .. import parse

                problem = parse(text_or_problem)
            else:
                problem = text_or_problem
            spec = vector_spec(problem)
            if spec is not None:
                return infer_multivariate(spec, data=data, check=check, steps=steps)
            from .multivariate import link_nonconjugate_from_problem

            linked = link_nonconjugate_from_problem(problem)
            if linked is not None:
                return linked
            model = model_from_problem(problem)
        return infer(model, data=data, check=check, steps=steps, problem=problem)


def _as_dict(fam_name: str, params) -> dict:
    fam = family(fam_name)
    if isinstance(params, dict):
        return {k: sp.sstr(v) for k, v in params.items()}
    params = list(params) if isinstance(params, (list, tuple)) else [params]
    if len(params) != len(fam.params):
        raise UnsupportedError(f"{fam.name} takes {len(fam.params)} parameters ({', '.join(fam.params)}), "
                               f"got {len(params)}")
    return {k: sp.sstr(v) for k, v in zip(fam.params, params)}


def update(likelihood_family: str, likelihood_params, prior_family: str | list, prior_params,
           unknown: str | tuple, data: dict | None = None, check: bool = True, steps: bool = True,
           known: tuple = (), timeout: float | None = None) -> PosteriorResult:
    """Posterior of ``x_i ~ likelihood_family(likelihood_params)``, ``unknown ~ prior_family(prior_params)``.

    Parameters are positional lists (canonical order: ``Normal(mean, var)``, ``Gamma(shape, rate)``)
    or dicts with any usual names (``{"shape": "k", "scale": "s"}``); values are sympy objects
    or strings. Several priors: pass lists of families and parameter lists, and ``over`` tuples
    through ``unknown`` (``("mu", "sigma2")``).
    """
    unknowns = [unknown] if isinstance(unknown, str) else list(unknown)
    unknowns = [str(u) for u in unknowns]
    families = prior_family if isinstance(prior_family, list) else [prior_family]
    params = prior_params if isinstance(prior_family, list) else [prior_params]
    priors = []
    support = {}
    for k, (fname, p) in enumerate(zip(families, params)):
        fam = family(fname)
        over = unknowns if fam.over == 2 or len(families) == 1 else [unknowns[k]]
        priors.append({"family": fam.name, "params": _as_dict(fam.name, p), "over": over})
        if fam.over == 2:
            support[over[0]], support[over[1]] = ["-oo", "oo"], ["0", "oo"]
        else:
            support[over[0]] = _UNKNOWN_SUPPORT.get(fam.support, ["-oo", "oo"])
            if fam.name == "Uniform":
                lo = priors[-1]["params"]["lower"]
                support[over[0]] = ["0", "oo"] if sp.sympify(lo).is_nonnegative else ["-oo", "oo"]
    lik = {"family": family(likelihood_family).name, "params": _as_dict(likelihood_family, likelihood_params)}
    names = set()
    for spec in [lik] + priors:
        for v in spec["params"].values():
            names |= set(re.findall(r"[A-Za-z_][A-Za-z_0-9]*", str(v))) - {"exp", "log", "sqrt", "pi"}
    spec = {"likelihood": lik, "prior": priors if len(priors) > 1 else priors[0],
            "unknown": [{"name": u, "shape": "scalar", "support": support.get(u, ["-oo", "oo"])} for u in unknowns],
            "known": list(known), "hyper": sorted(names - set(unknowns) - set(known))}
    try:
        return posterior(spec, data=data, check=check, steps=steps, timeout=timeout)
    except MfmlError:
        raise
