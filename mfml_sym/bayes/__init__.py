"""Bayesian inference behind ``%%posterior``: conjugate posteriors recognised, not looked up.

>>> from mfml_sym.bayes import update
>>> r = update("Bernoulli", ["theta"], "Beta", ["alpha", "beta"], "theta", check=False)
>>> r.family, r.parameters["a"], r.parameters["b"]
('Beta', alpha + s, beta + n - s)
"""
from __future__ import annotations

from .api import posterior, update
from .result import PosteriorResult

__all__ = ["posterior", "update", "PosteriorResult"]
