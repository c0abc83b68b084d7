"""Vector problems of symbolic dimension, solved in matrix form (results hold for every n).

Two classes of MML problems are recognised in ``x in R^n``:

* **least norm**: ``min x^T Q x`` (``Q = I`` for ``||x||^2``; a declared symmetric positive definite
  ``Q`` otherwise) s.t. ``A x = b`` (one row ``a^T x = b`` or a matrix ``A`` of full row rank).
  Stationarity ``2 Q x + A^T lambda = 0`` (Matrix Cookbook eqs. (69), (81)) gives
  ``x = -Q^{-1} A^T lambda / 2``; feasibility ``A x = b`` gives ``lambda = -2 (A Q^{-1} A^T)^{-1} b``,
  so ``x* = Q^{-1} A^T (A Q^{-1} A^T)^{-1} b`` -- for ``Q = I`` and one row, ``x* = b a / (a^T a)``.
  The problem is convex, so this KKT point is the global minimum.
* **Rayleigh quotient / PCA** (MML sec. 10.2): ``max / min x^T S x`` s.t. ``x^T x = 1`` with ``S``
  symmetric: stationarity is ``S x = lambda x`` (textbook lambda), the value at an eigenvector is
  its eigenvalue, and the sphere is compact, so the optimum is the largest (smallest) eigenvalue.

Everything else with a symbolic dimension raises :class:`UnsupportedError` with the reason.
"""
from __future__ import annotations

import numpy as np
import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixElement

from ..derivation import CheckReport
from ..errors import UnsupportedError
from .model import Candidate, LagrangeResult, OptimisationProblem

__all__ = ["solve_matrix_problem", "has_symbolic_dimension"]


def has_symbolic_dimension(parsed) -> bool:
    obj = parsed.objective
    return obj is not None and any(
        isinstance(v, sp.MatrixSymbol) and not getattr(v.shape[0], "is_Integer", False) for v in obj.variables)


def _quadratic_form(expr, x):
    """``x^T Q x`` -> Q (Identity for x^T x), else None."""
    e = expr.args[0] if isinstance(expr, MatrixElement) else expr
    e = sp.sympify(e)
    if isinstance(e, sp.MatMul):
        args = _flat(e)
        factors = [f for f in args if isinstance(f, sp.MatrixExpr)]
        scalars = sp.Mul(*[f for f in args if not isinstance(f, sp.MatrixExpr)])
        if scalars != 1:
            return None
        if len(factors) == 2 and factors[0] == x.T and factors[1] == x:
            return sp.Identity(x.shape[0])
        if len(factors) == 3 and factors[0] == x.T and factors[2] == x:
            return factors[1]
    return None


def _flat(e) -> list:
    if isinstance(e, sp.MatMul):
        return [a for arg in e.args for a in _flat(arg)]
    return [e]


def _scalar(M):
    """A 1 x 1 matrix expression as an unexpanded scalar (``a^T a``, not a sum of squares)."""
    return MatrixElement(M, 0, 0)


def _linear_row(expr, x):
    """``a^T x`` -> a (a vector), ``A x`` -> A; else None."""
    e = expr.args[0] if isinstance(expr, MatrixElement) else expr
    if isinstance(e, sp.MatMul) and len(e.args) == 2 and e.args[1] == x:
        return e.args[0]
    return None


def solve_matrix_problem(parsed, sense=None) -> LagrangeResult:
    obj = parsed.objective
    if len(obj.variables) != 1 or not isinstance(obj.variables[0], sp.MatrixSymbol):
        raise UnsupportedError("in matrix form only one vector variable is supported; give concrete sizes instead")
    x = obj.variables[0]
    n = x.shape[0]
    sense = sense or obj.sense
    Q = _quadratic_form(obj.expr, x)
    cons = parsed.constraints
    if Q is None or len(cons) != 1 or not isinstance(cons[0].relation, sp.Equality):
        raise UnsupportedError(
            "with a symbolic dimension %%lagrange solves min x^T Q x s.t. A x = b (least norm) and "
            "max/min x^T S x s.t. x^T x = 1 (PCA); give concrete sizes for anything else")
    rel = cons[0].relation
    lhs, rhs = rel.lhs, rel.rhs
    spd = _declared(parsed, Q, "spd") or isinstance(Q, sp.Identity)
    problem = OptimisationProblem(sense=sense, objective=obj.expr, variables=(x,), equalities=(lhs - rhs,))
    result = LagrangeResult(problem, title="matrix form")
    lam = sp.Symbol("lambda", real=True)
    result.multiplier_symbols = ((lam,), ())
    if _quadratic_form(lhs, x) == sp.Identity(n) and rhs == 1:
        return _rayleigh(result, x, Q, lam, sense, parsed)
    A = _linear_row(lhs, x)
    if A is None or sense != "min":
        raise UnsupportedError("the constraint must be linear, a^T x = b or A x = b, for a least-norm problem "
                               "(or x^T x = 1 for a Rayleigh quotient)")
    if not spd:
        raise UnsupportedError(f"{Q} must be declared positive definite ({Q} \\succ 0) for the least-norm formula")
    return _least_norm(result, x, Q, A, rhs, lam)


def _declared(parsed, M, prop) -> bool:
    for info in parsed.symbols.values():
        if info.symbol == M and prop in info.properties:
            return True
    return False


def _least_norm(result, x, Q, A, b, lam):
    n = x.shape[0]
    Qi = sp.Identity(n) if isinstance(Q, sp.Identity) else Q.I
    is_row = A.shape[0] == 1
    result.add_heading("Lagrangian (minimisation form, MML sec. 7.2)")
    L = _scalar(x.T * Q * x) + lam * (_scalar(A * x) - b) if is_row else None
    if is_row:
        result.add_step(r"\mathcal{L}(\mathbf{x}, \lambda)", L, rule="one multiplier for the constraint")
        result.add_step(r"\nabla_{\mathbf{x}} \mathcal{L}", 2 * Q * x + lam * A.T,
                        rule="Matrix Cookbook (81): d(xᵀQx)/dx = 2Qx for symmetric Q; (69): d(aᵀx)/dx = a")
        xs = sp.MatMul(-lam / 2, Qi * A.T) if not isinstance(Q, sp.Identity) else sp.MatMul(-lam / 2, A.T)
        result.add_step(r"\mathbf{x}", xs, rule="stationarity: 2Qx + λa = 0")
        denom = _scalar(A * Qi * A.T)
        lam_star = -2 * b / denom
        result.add_step(r"\lambda", lam_star, rule="feasibility: aᵀx = b")
        x_star = sp.MatMul(b / denom, Qi * A.T) if not isinstance(Q, sp.Identity) else sp.MatMul(b / denom, A.T)
        value = b**2 / denom
    else:
        result.add_step(r"\nabla_{\mathbf{x}} \mathcal{L}", 2 * Q * x + A.T * sp.MatrixSymbol("lambda", A.shape[0], 1),
                        rule="Matrix Cookbook (81), (69)")
        M = (A * Qi * A.T).I
        x_star = Qi * A.T * M * b
        lam_star = -2 * M * b
        value = _scalar(b.T * M * b)
    result.add_step(r"\mathbf{x}^*", x_star, rule="substitute λ")
    result.add_step("f^*", value, rule="convex problem (Q ≻ 0, affine constraint): the KKT point is the global minimum")
    cand = Candidate(point={x.name: x_star}, multipliers={"lambda": lam_star}, value=value, kind="minimum")
    result.candidates = [cand]
    result.optimum, result.optimal_points, result.optimal_value = cand, [cand], value
    result.status, result.proven = "optimal", True
    result.justification = "convex problem: every KKT point is a global minimum (B&V sec. 5.5.3)"
    result.add_result("optimal_point", x_star, label=r"\mathbf{x}^*")
    result.add_result("optimal_value", value, label="f^*")
    result.notes.append("requires a ≠ 0 (A of full row rank)")

    def check() -> CheckReport:
        from scipy.optimize import minimize

        gen = np.random.default_rng(8)
        worst = 0.0
        for dim in (2, 3, 5):
            a = gen.normal(size=(A.shape[0] if not is_row else 1, dim))
            bb = gen.normal(size=a.shape[0])
            R = gen.normal(size=(dim, dim))
            Qn = np.eye(dim) if isinstance(Q, sp.Identity) else R @ R.T + dim * np.eye(dim)
            Qi_n = np.linalg.inv(Qn)
            formula = Qi_n @ a.T @ np.linalg.solve(a @ Qi_n @ a.T, bb)
            r = minimize(lambda z: z @ Qn @ z, np.zeros(dim), method="SLSQP",
                         constraints=[{"type": "eq", "fun": lambda z: a @ z - bb}], options={"ftol": 1e-14})
            worst = max(worst, float(np.max(np.abs(r.x - formula))) / (1 + float(np.max(np.abs(formula)))))
        return CheckReport(worst < 1e-6, "SLSQP on random instances (n = 2, 3, 5) vs the formula", points=3,
                           max_error=worst, tolerance=1e-6, what="x*")

    result.add_check(check)
    return result


def _rayleigh(result, x, S, lam, sense, parsed):
    if not (_declared(parsed, S, "symmetric") or _declared(parsed, S, "spd") or isinstance(S, sp.Identity)):
        result.notes.append(f"{S} taken symmetric (only its symmetric part enters x^T {S} x)")
    result.add_heading("Lagrangian (textbook form, MML sec. 10.2)")
    L = _scalar(x.T * S * x) - lam * (_scalar(x.T * x) - 1)
    result.add_step(r"\mathcal{L}(\mathbf{x}, \lambda)", L, rule="textbook multiplier: ∇f = λ∇h")
    result.add_step(r"\nabla_{\mathbf{x}} \mathcal{L}", 2 * S * x - 2 * lam * x, rule="Matrix Cookbook (81)")
    result.add_step(S * x, lam * x, rule="stationarity: x is an eigenvector of S, λ its eigenvalue")
    result.add_step(r"f(\mathbf{x})", lam, rule="xᵀSx = λ xᵀx = λ on the unit sphere")
    word = "largest" if sense == "max" else "smallest"
    value = sp.Symbol(r"lambda_max" if sense == "max" else r"lambda_min", real=True)
    cand = Candidate(point={x.name: sp.Symbol(f"u_{'max' if sense == 'max' else 'min'}")},
                     multipliers={"lambda": value}, value=value, kind="maximum" if sense == "max" else "minimum",
                     note=f"a unit eigenvector of {S} for its {word} eigenvalue")
    result.candidates = [cand]
    result.optimum, result.optimal_points, result.optimal_value = cand, [cand], value
    result.status, result.proven = "optimal", True
    result.justification = (f"the unit sphere is compact, every Lagrange point is an eigenvector with value its "
                            f"eigenvalue, so the optimum is the {word} eigenvalue of {S}, attained at its unit eigenvectors")
    result.add_step("f^*", value, rule=result.justification)
    result.add_result("optimal_value", value, label="f^*")

    def check() -> CheckReport:
        from scipy.optimize import minimize

        gen = np.random.default_rng(9)
        worst = 0.0
        for dim in (2, 3, 4):
            R = gen.normal(size=(dim, dim))
            Sn = (R + R.T) / 2
            eig = np.linalg.eigvalsh(Sn)
            target = eig[-1] if sense == "max" else eig[0]
            sign = -1 if sense == "max" else 1
            best = np.inf
            for _ in range(10):
                r = minimize(lambda z: sign * z @ Sn @ z, gen.normal(size=dim), method="SLSQP",
                             constraints=[{"type": "eq", "fun": lambda z: z @ z - 1}], options={"ftol": 1e-14})
                best = min(best, r.fun)
            worst = max(worst, abs(sign * best - target) / (1 + abs(target)))
        return CheckReport(worst < 1e-6, f"SLSQP on random symmetric S (n = 2, 3, 4) vs the {word} eigenvalue",
                           points=3, max_error=worst, tolerance=1e-6, what="optimal value")

    result.add_check(check)
    return result
