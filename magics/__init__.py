"""IPython layer of mfml_sym (installed as ``mfml_sym.magics``): three thin cell magics.

Each magic parses its line options with IPython's ``magic_arguments`` (so ``%%derive?`` prints
help and a wrong option is a one-line ``UsageError``), calls the Python API function of the same
name, displays the result and returns ``None`` (no duplicate ``Out[]``). ``--as NAME`` stores
the result in the user namespace; it is also left in ``_``. An :class:`~mfml_sym.MfmlError`
shows as one message with the offending line and a caret, never a traceback.
"""
from __future__ import annotations

import ast
import shlex
import time
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring
from IPython.display import display

__all__ = ["MfmlMagics", "load_ipython_extension", "unload_ipython_extension"]

DERIVE_OPERATIONS = (
    "partials", "gradient", "grad", "jacobian", "hessian", "derivative", "diff", "directional",
    "total", "backprop", "taylor", "linearize", "stationary", "limit", "integral",
    "change_of_variables", "check",
)


def _common(func):
    """Options every magic has: storing, display, export and the time budget."""
    for decorator in reversed([
        argument("--as", dest="name", metavar="NAME", help="store the result in the user namespace as NAME"),
        argument("--no-steps", dest="steps", action="store_false", help="show only the results and the check"),
        argument("--steps", dest="steps", action="store_true", default=True, help="show the steps (default)"),
        argument("--latex", action="store_true", help="also print the LaTeX source, ready to paste into notes"),
        argument("--tex", metavar="FILE", help="append the derivation to the .tex file FILE"),
        argument("--timeout", type=float, metavar="SECONDS", help="time budget for the symbolic work"),
    ]):
        func = decorator(func)
    return func


@magics_class
class MfmlMagics(Magics):
    """``%%derive``, ``%%lagrange`` and ``%%posterior``."""

    # -- %%derive -------------------------------------------------------------------------
    @magic_arguments()
    @argument("operations", nargs="*", metavar="OPERATION",
              help="what to derive: " + ", ".join(DERIVE_OPERATIONS) + " (default: chosen from the cell)")
    @argument("--wrt", metavar="NAMES", help="variables to differentiate with respect to, comma-separated")
    @argument("--order", type=int, help="order of a Taylor polynomial or of a derivative")
    @argument("--at", metavar="POINT", help="expansion/evaluation point, e.g. 'x=0,y=1'")
    @argument("--along", metavar="VECTOR", help="direction of a directional derivative, e.g. '1,2'")
    @argument("--check", dest="verify", action="store_true", help="verify the results stated in the cell")
    @argument("--expand", action="store_true", help="show results expanded")
    @argument("--raw", action="store_true", help="show results as differentiated, unsimplified")
    @argument("--layout", choices=("column", "row"), default="column",
              help="gradient layout: column (shape of the variable, default) or the book's row vector")
    @argument("--syntax", choices=("auto", "latex", "sympy"), default="auto", help="input syntax of the cell")
    @_common
    @cell_magic
    def derive(self, line: str, cell: str) -> None:
        """Derive partials, gradients, Jacobians, Hessians, Taylor polynomials, ... of a function
        written in the cell (LaTeX in the MML book's notation, or sympy syntax), with the steps,
        the result, and a numeric check.

        Example::

            %%derive gradient hessian
            f(x, y) = x^2 y + \\sin(x y)
        """
        args = parse_argstring(self.derive, line)
        operations = list(args.operations)
        unknown = [op for op in operations if op not in DERIVE_OPERATIONS]
        if unknown:
            raise UsageError(f"unknown operation {unknown[0]!r}; choose from {', '.join(DERIVE_OPERATIONS)}")
        if args.verify and "check" not in operations:
            operations.append("check")
        options: dict[str, Any] = {"steps": args.steps, "layout": args.layout}
        if args.wrt:
            options["wrt"] = [w.strip() for w in args.wrt.split(",") if w.strip()]
        if args.order is not None:
            options["order"] = args.order
        if args.at:
            options["at"] = args.at
        if args.along:
            options["along"] = args.along
        if args.expand or args.raw:
            options["form"] = "expand" if args.expand else "raw"
        if args.timeout is not None:
            options["timeout"] = args.timeout
        if args.syntax != "auto":
            options["syntax"] = args.syntax
        from mfml_sym import derive

        self._run(lambda: derive(cell, *operations, **options), args)

    # -- %%lagrange -----------------------------------------------------------------------
    @magic_arguments()
    @argument("--starts", type=int, metavar="N", help="random starts of the numeric cross-check")
    @_common
    @cell_magic
    def lagrange(self, line: str, cell: str) -> None:
        """Constrained optimum with Lagrange multipliers / KKT: the Lagrangian, the conditions,
        every candidate with its multipliers, which one is optimal and why, and a numeric check.

        Example::

            %%lagrange
            \\max_{x,y}\\; x y \\quad \\text{s.t.} \\quad x^2 + y^2 = 1
        """
        args = parse_argstring(self.lagrange, line)
        options: dict[str, Any] = {"steps": args.steps}
        if args.timeout is not None:
            options["timeout"] = args.timeout
        if args.starts is not None:
            options["numeric_starts"] = args.starts
        from mfml_sym import lagrange

        self._run(lambda: lagrange(cell, **options), args)

    # -- %%posterior ----------------------------------------------------------------------
    @magic_arguments()
    @argument("--data", action="append", metavar="NAME=VALUE",
              help="observed data: a name from the notebook (x=flips) or a literal list (x=[1,0,1])")
    @_common
    @cell_magic
    def posterior(self, line: str, cell: str) -> None:
        """Exact Bayesian update: the posterior family and parameters recognised from the kernel,
        mean, mode, variance, predictive and evidence, with a quadrature check — or a clear
        statement that the model is not conjugate, with what is given instead.

        Example::

            %%posterior --data x=flips
            x_i \\sim \\mathrm{Bernoulli}(\\theta),\\quad i = 1, \\dots, N
            \\theta \\sim \\mathrm{Beta}(\\alpha, \\beta)
        """
        args = parse_argstring(self.posterior, line)
        options: dict[str, Any] = {"steps": args.steps}
        if args.timeout is not None:
            options["timeout"] = args.timeout
        data = self._data(args.data or [])
        from mfml_sym import posterior

        self._run(lambda: posterior(cell, data=data or None, **options), args)

    # -- shared ---------------------------------------------------------------------------
    def _data(self, items: list[str]) -> dict[str, Any]:
        """``x=flips`` (a notebook name) or ``x=[1,0,1]`` (a literal) -> {"x": value}."""
        data: dict[str, Any] = {}
        for item in items:
            for part in shlex.split(item):
                name, sep, value = part.partition("=")
                if not sep or not name.strip() or not value.strip():
                    raise UsageError(f"--data expects NAME=VALUE, got {part!r}")
                value = value.strip()
                if value in self.shell.user_ns:
                    data[name.strip()] = self.shell.user_ns[value]
                    continue
                try:
                    data[name.strip()] = ast.literal_eval(value)
                except (ValueError, SyntaxError):
                    raise UsageError(
                        f"--data {name}={value}: {value!r} is neither a name in the notebook nor a literal list"
                    ) from None
        return data

    def _run(self, compute, args) -> None:
        """Compute with a progress line (shown once the work takes over a second), then show."""
        from mfml_sym.budget import settings

        progress = _Progress()
        previous, settings.progress = settings.progress, progress
        try:
            result = compute()
            result.check()  # the numeric check runs here, still under the progress line
        finally:
            settings.progress = previous
            progress.close()
        self._show(result, args)

    def _show(self, result: Any, args) -> None:
        if getattr(args, "tex", None):
            from mfml_sym.render.export import append_fragment

            append_fragment(result, args.tex)
        display(result)
        if args.latex:
            print(result.latex())
        self.shell.user_ns["_"] = result
        if args.name:
            self.shell.user_ns[args.name] = result


class _Progress:
    """A one-line progress display naming the current step, shown only after ``delay`` seconds
    so quick cells stay clean; updated in place in a notebook, and removed when done."""

    def __init__(self, delay: float = 1.0) -> None:
        self.start = time.monotonic()
        self.delay = delay
        self.handle = None
        self.shown: tuple[str, int] | None = None

    def __call__(self, step: str) -> None:
        elapsed = time.monotonic() - self.start
        if elapsed < self.delay or self.shown == (step, int(elapsed)):
            return
        self.shown = (step, int(elapsed))
        line = {"text/plain": f"working ({elapsed:.0f} s): {step} ..."}
        if self.handle is None:
            self.handle = display(line, raw=True, display_id=True)
        else:
            self.handle.update(line, raw=True)

    def close(self) -> None:
        if self.handle is not None:
            self.handle.update({"text/plain": ""}, raw=True)


def _latex_formatter(ipython):
    return ipython.display_formatter.formatters["text/latex"]


# sympy's types by name, so that loading the extension does not import sympy (IPython resolves
# a by-name printer the first time it meets an instance of the type or a subclass)
_SYMPY_TYPES = (
    ("sympy.core.basic", "Basic"),
    ("sympy.matrices.matrixbase", "MatrixBase"),  # sympy >= 1.13
    ("sympy.matrices.matrices", "MatrixBase"),  # older sympy
)


def _display_latex(obj) -> str:
    from mfml_sym.render.latex_printer import display_latex

    return display_latex(obj)


def load_ipython_extension(ipython) -> None:
    """Register the three cell magics (``%load_ext mfml_sym``), and show sympy results such as
    ``d["gradient"]`` in the book's notation, like the derivation they came from."""
    ipython.register_magics(MfmlMagics)
    formatter = _latex_formatter(ipython)
    saved = {}
    for module, name in _SYMPY_TYPES:
        saved[(module, name)] = formatter.for_type_by_name(module, name, _display_latex)
    ipython.user_ns.setdefault("_mfml_saved_formatters", saved)


def unload_ipython_extension(ipython) -> None:
    """Remove the three cell magics again (``%unload_ext mfml_sym``) and restore sympy's display."""
    cell_magics = ipython.magics_manager.magics["cell"]
    for name in ("derive", "lagrange", "posterior"):
        cell_magics.pop(name, None)
    ipython.magics_manager.registry.pop("MfmlMagics", None)
    saved = ipython.user_ns.pop("_mfml_saved_formatters", {})
    formatter = _latex_formatter(ipython)
    for (module, name), previous in saved.items():
        formatter.pop(f"{module}.{name}", None)
        if previous is not None:
            formatter.for_type_by_name(module, name, previous)
