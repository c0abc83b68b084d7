"""The Bayesian model an engine works on: a likelihood for i.i.d. data and priors on the unknowns.

Three ways in, one model out: the structured form of the examples
(``{"likelihood": {"family": "Binomial", "params": {"N": "N", "p": "mu"}}, "prior": ..., ...}``),
a parsed :class:`~mfml_sym.problem.Problem` (``x_i \\sim \\mathrm{Bernoulli}(\\theta)``), or sympy
objects given directly to :func:`mfml_sym.bayes.update`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import re

import sympy as sp

from ..errors import UnsupportedError
from .families import Family, canonical_params, family

__all__ = ["Likelihood", "Prior", "Model", "observation_symbol"]

_FUNCTION_NAMES = {"exp", "log", "sqrt", "eye", "zeros", "ones", "pi", "Max", "Min", "loggamma"}

# parameter slots whose values may be negative (all others are positive scales, shapes, counts)
REAL_SLOTS = {"mean", "mu", "loc", "m", "lower", "upper"}

SUPPORT_ASSUMPTIONS = {
    "binary": dict(integer=True, nonnegative=True), "count": dict(integer=True, nonnegative=True),
    "count<=N": dict(integer=True, nonnegative=True), "count>=1": dict(integer=True, positive=True),
    "positive": dict(positive=True), "unit": dict(positive=True), "real": dict(real=True),
    "interval": dict(real=True), "above scale": dict(positive=True),
}


def observation_symbol(fam: Family, name: str = "x"):
    """The symbol for one observation, with the assumptions of the family's support."""
    return sp.Symbol(name, **SUPPORT_ASSUMPTIONS.get(fam.support, dict(real=True)))


@dataclass
class Likelihood:
    """``x_i ~ family(params)`` i.i.d.; ``params`` are sympy expressions in unknowns and constants."""

    family: Family
    params: tuple
    data_name: str = "x"
    extra: dict = field(default_factory=dict)  # regression inputs, features, vector dimension ...


@dataclass
class Prior:
    """``over ~ family(params)``; ``over`` holds one symbol (two for Normal-Gamma / NIG)."""

    family: Family
    params: tuple
    over: tuple
    written: dict = field(default_factory=dict)  # how the user named the parameters


@dataclass
class Model:
    likelihood: Likelihood
    priors: list
    unknowns: tuple  # sympy symbols, in the order the user gave them
    count: sp.Symbol = field(default_factory=lambda: sp.Symbol("n", integer=True, positive=True))
    symbols: dict = field(default_factory=dict)  # name -> sympy symbol (unknowns and constants)
    kind: str = "iid_scalar"

    @property
    def unknown_names(self) -> tuple[str, ...]:
        inverse = {v: k for k, v in self.symbols.items()}
        return tuple(inverse.get(u, str(u)) for u in self.unknowns)

    def constants(self) -> set:
        free = set()
        for p in self.likelihood.params:
            free |= getattr(sp.sympify(p), "free_symbols", set())
        for pr in self.priors:
            for p in pr.params:
                free |= getattr(sp.sympify(p), "free_symbols", set())
        return free - set(self.unknowns)

    def describe(self) -> str:
        lik = f"{self.likelihood.data_name}_i ~ {self.likelihood.family.name}({', '.join(map(str, self.likelihood.params))})"
        pri = "; ".join(f"{', '.join(map(str, p.over))} ~ {p.family.name}({', '.join(map(str, p.params))})"
                        for p in self.priors)
        return f"{lik}; {pri}"


# ---------------------------------------------------------------------------------------------
# structured form (the examples' "structured" entry)
# ---------------------------------------------------------------------------------------------
def _symbol_for(name: str, positive: bool, integer: bool = False):
    if integer:
        return sp.Symbol(name, integer=True, positive=True)
    return sp.Symbol(name, positive=True) if positive else sp.Symbol(name, real=True)


def _slot_positive(fam: Family, slot: str) -> bool:
    canonical = fam.aliases.get(slot, slot)
    if slot in fam.alternatives:
        canonical = fam.alternatives[slot][0]
    return canonical not in REAL_SLOTS


def from_structured(spec: dict) -> Model:
    """Build a :class:`Model` from the structured form used by ``examples/posterior.json``."""
    lik_spec, prior_spec = spec["likelihood"], spec["prior"]
    lik_fam = family(lik_spec["family"])
    prior_specs = prior_spec if isinstance(prior_spec, list) else [prior_spec]
    unknown_specs = spec.get("unknown", [])
    names: dict[str, sp.Symbol] = {}

    # unknowns: positive when their stated support starts at a non-negative bound
    for u in unknown_specs:
        sup = u.get("support")
        positive = isinstance(sup, list) and sup[0] not in ("-oo",) and sup[0] != "-inf"
        if u.get("shape", "scalar") != "scalar":
            raise UnsupportedError(f"unknown {u['name']!r} of shape {u['shape']} is handled by the "
                                   "multivariate engine")
        names[u["name"]] = _symbol_for(u["name"], positive)

    # constants: positive unless they fill a location slot
    slots: dict[str, bool] = {}
    for fam_name, params in [(lik_spec["family"], lik_spec["params"])] + [(p["family"], p["params"]) for p in prior_specs]:
        fam = family(fam_name)
        for slot, text in params.items():
            free = set(re.findall(r"[A-Za-z_][A-Za-z_0-9]*", str(text))) - _FUNCTION_NAMES
            for name in free:
                slots[name] = slots.get(name, True) and _slot_positive(fam, slot)
    for name in list(spec.get("known", [])) + list(spec.get("hyper", [])):
        if name not in names:
            integer = name in ("N", "M", "K", "r") and lik_fam.name in ("Binomial", "Multinomial", "NegBinFailures")
            names[name] = _symbol_for(name, slots.get(name, False), integer)

    def parse(text):
        # every name is a symbol of the model: "beta", "gamma", "N", "S", "E" are not sympy's functions here
        for word in re.findall(r"[A-Za-z_][A-Za-z_0-9]*", str(text)):
            if word not in names and word not in _FUNCTION_NAMES:
                names[word] = sp.Symbol(word, positive=True)
        return sp.parse_expr(str(text), local_dict=dict(names))

    lik_params = canonical_params(lik_fam, {k: parse(v) for k, v in lik_spec["params"].items()})
    priors = []
    for p in prior_specs:
        fam = family(p["family"])
        over = tuple(names[o] for o in p.get("over", [u["name"] for u in unknown_specs]))
        priors.append(Prior(fam, canonical_params(fam, {k: parse(v) for k, v in p["params"].items()}), over,
                            written=dict(p["params"])))
    unknowns = tuple(names[u["name"]] for u in unknown_specs)
    count_name = "n" if "n" not in names else "n_obs"
    return Model(Likelihood(lik_fam, lik_params), priors, unknowns,
                 sp.Symbol(count_name, integer=True, positive=True), names,
                 spec.get("data", {}).get("kind", "iid_scalar"))
