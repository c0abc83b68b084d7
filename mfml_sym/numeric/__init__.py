"""Numeric side of every result: generated numpy code and independent numeric checks."""
