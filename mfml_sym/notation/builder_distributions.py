"""Distribution statements of pass 3: ``x_i \\sim \\mathrm{Bernoulli}(\\theta)``, conditioning bars,
i.i.d. lists ``x_1, \\dots, x_N``, and keyword parameters in the canonical parameterisation.
Mixed into :class:`.builder.Builder`."""
from __future__ import annotations

import sympy
from sympy import Symbol

from ..problem import Distribution
from .semantics import is_matrix
from .reading import Raw
from .syntax_tree import Node

__all__ = ["DistributionStatements"]


class DistributionStatements:
    """Methods mixed into :class:`Builder`."""

    # ---- distributions
    def distribution(self, raw: Raw):
        if len(raw.lhs) == 3 and raw.lhs[1].kind == "ellipsis" and raw.lhs[0].kind == "name" and raw.lhs[2].kind == "name" \
                and raw.lhs[0].value.stem == raw.lhs[2].value.stem and raw.lhs[0].value.sub is not None:
            # x_1, \dots, x_N \sim ...: i.i.d. data x_i, i = 1..N
            first, last = raw.lhs[0].value, raw.lhs[2].value
            i = Symbol("i", integer=True)
            lo, hi = self.conv(first.sub), self.conv(last.sub)
            params = tuple(self.conv(p) for p in raw.items[0].args) if raw.items[0].kind == "dist" else None
            if params is None:
                raise self.scope.err(raw.items[0], "the right side of \\sim must be a named distribution")
            st = Distribution(**self.where(raw.start, raw.items[0].end), variable=sympy.IndexedBase(first.stem, real=True)[i],
                              family=raw.items[0].value, params=params, given=tuple(self.conv(g) for g in raw.given),
                              index=i, index_range=(lo, hi))
            self.statements.append(st)
            return
        if len(raw.lhs) != 1:
            raise self.scope.err(raw.lhs[1] if len(raw.lhs) > 1 else Node("x", start=raw.start, end=raw.start + 1),
                                 r"one variable before \sim")
        lhs = raw.lhs[0]
        rhs = raw.items[0]
        extra_def = None
        if rhs.kind == "rel" and rhs.value[0] == "colon":
            rhs, extra_def = rhs.args[0], rhs.args[1]
        notes = ()
        if rhs.kind == "mul" and rhs.args[1].kind == "note":
            notes = (rhs.args[1].value,)
            rhs = rhs.args[0]
        if rhs.kind != "dist":
            raise self.scope.err(rhs, "the right side of \\sim must be a named distribution",
                                 hint=r"e.g. \mathcal{N}(\mu, \sigma^2), \mathrm{Beta}(\alpha, \beta), \mathrm{Bernoulli}(\theta)")
        family = rhs.value
        index = None
        var_node = lhs
        if lhs.kind == "name" and lhs.value.subtext and len(lhs.value.subtext) == 1 and lhs.value.subtext.isalpha() \
                and lhs.value.subtext in "ijnkt":
            index = Symbol(lhs.value.subtext, integer=True)
            base = sympy.IndexedBase(lhs.value.stem, real=True)
            variable = base[index]
        else:
            variable = self.conv(var_node)
        params = self.distribution_params(family, rhs)
        given = tuple(self.conv(g) for g in raw.given)
        if family == "Normal" and is_matrix(variable):
            family = "MultivariateNormal"
        if family == "Normal" and lhs.kind == "name" and lhs.value.bold:
            family = "MultivariateNormal"
        if family in ("Wishart", "InverseWishart") and is_matrix(variable) and len(params) == 2 and is_matrix(params[1]):
            for a, b in zip(params[1].shape, variable.shape):
                self.scope.dims.unify(a, b)
            params = tuple(self.scope.resolve(p) for p in params)
        if family == "MultivariateNormal" and not is_matrix(variable) and len(params) == 2 \
                and is_matrix(params[0]) and is_matrix(params[1]):
            r = params[0].shape[0]
            self.scope.dims.unify(params[1].shape[0], r)
            self.scope.dims.unify(params[1].shape[1], r)
            params = tuple(self.scope.resolve(p) for p in params)
        if family == "Normal" and lhs.kind == "name" and lhs.value.bold:
            family = "MultivariateNormal"
        if family == "MultivariateNormal" and is_matrix(variable) and len(params) == 2:
            r = variable.shape[0]
            mean, cov = params
            if is_matrix(mean):
                self.scope.dims.unify(mean.shape[0], r)
            if is_matrix(cov):
                self.scope.dims.unify(cov.shape[0], r)
                self.scope.dims.unify(cov.shape[1], r)
            params = tuple(self.scope.resolve(p) for p in params)
        st = Distribution(**self.where(raw.start, rhs.end), variable=variable, family=family, params=params,
                          given=given, index=index, index_range=None)
        st.notes = notes
        self.statements.append(st)
        if extra_def is not None:
            self.plain_item(extra_def)

    def distribution_params(self, family, rhs):
        r"""Positional parameters in the canonical parameterisation (posterior.json conventions).

        Keyword parameters are converted exactly: ``\mathrm{Gamma}(a, \text{scale}=\theta)`` has
        rate ``1/theta``; ``\mathcal{N}(\mu, \text{sd}=s)`` variance ``s^2``;
        ``\text{precision}=\tau`` variance ``1/tau``; ``\mathrm{Exp}(\text{scale}=s)`` rate ``1/s``.
        """
        values, names = [], []
        for p in rhs.args:
            if p.kind == "rel" and p.value == ("=",) and p.args[0].kind in ("text", "name"):
                word = p.args[0].value if p.args[0].kind == "text" else p.args[0].value.ident
                key = str(word).lower().replace(" ", "")
                if key not in _KEYWORDS:
                    raise self.scope.err(p.args[0], f"unknown parameter name {word!r} for {family}",
                                         hint="name parameters shape, rate, scale, mean, var, sd or precision")
                names.append(_KEYWORDS[key])
                values.append(self.conv(p.args[1]))
            else:
                names.append(None)
                values.append(self.conv(p))
        if not any(names):
            return tuple(values)
        slots = _SLOTS.get(family)
        if slots is None:
            raise self.scope.err(rhs, f"named parameters of {family} are not supported; write them in order")
        out = list(values)
        for i, (name, value) in enumerate(zip(names, values)):
            if name is None:
                continue
            want = slots[i] if i < len(slots) else None
            if name == want:
                continue
            converted = _convert_slot(family, name, want, value)
            if converted is None:
                raise self.scope.err(rhs.args[i], f"{family} has no parameter {name!r} in position {i + 1}",
                                     hint=f"{family} takes ({', '.join(slots)})")
            out[i] = converted
        return tuple(out)


_KEYWORDS = {"shape": "shape", "alpha": "shape", "k": "shape", "rate": "rate", "beta": "rate",
             "scale": "scale", "theta": "scale", "mean": "mean", "mu": "mean", "loc": "mean",
             "location": "mean", "var": "var", "variance": "var", "sigma2": "var", "cov": "var",
             "covariance": "var", "sd": "sd", "std": "sd", "stddev": "sd", "sigma": "sd",
             "precision": "precision", "tau": "precision", "lambda": "rate", "p": "p", "n": "n",
             "df": "df", "nu": "df"}


_SLOTS = {"Gamma": ("shape", "rate"), "Exponential": ("rate",), "Normal": ("mean", "var"),
          "MultivariateNormal": ("mean", "var"), "LogNormal": ("mean", "var"), "Poisson": ("rate",),
          "Bernoulli": ("p",), "Binomial": ("n", "p"), "InverseGamma": ("shape", "scale")}


def _convert_slot(family, given, want, value):
    """value of parameter ``given`` expressed as the canonical parameter ``want`` (exact)."""
    if want == "rate" and given == "scale":
        return 1 / value
    if want == "scale" and given == "rate":
        return 1 / value
    if want == "var" and given == "sd":
        return value ** 2
    if want == "var" and given == "precision":
        if is_matrix(value):
            return sympy.Inverse(value)
        return 1 / value
    return None
