"""One family of errors for everything a user can cause.

Every error a user's input can provoke is an :class:`MfmlError`. Where the place in the
input is known, the message carries the offending line and a caret under the place, the way
a compiler points at a typo. The magic layer shows ``str(error)`` and nothing else.
"""
from __future__ import annotations

__all__ = [
    "MfmlError",
    "ParseError",
    "ShapeError",
    "UnsupportedError",
    "CheckFailed",
    "BudgetExceeded",
    "DataError",
    "OptionError",
]


class MfmlError(Exception):
    """Base of every error a user can cause.

    ``line`` is the text of the offending input line, ``column`` the 0-based start of the
    offending place in it and ``width`` how many characters to underline; ``hint`` is an
    optional suggestion shown after the caret.
    """

    kind = "MfmlError"

    def __init__(
        self,
        message: str,
        *,
        line: str | None = None,
        column: int | None = None,
        width: int = 1,
        hint: str | None = None,
        lineno: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column
        self.width = max(1, width)
        self.hint = hint
        self.lineno = lineno

    def __str__(self) -> str:
        parts = [self.message]
        if self.line is not None:
            parts.append("  " + self.line)
            if self.column is not None:
                parts.append("  " + " " * self.column + "^" * self.width)
        if self.hint:
            parts.append("  hint: " + self.hint)
        return "\n".join(parts)

    def display(self) -> str:
        """The one message a notebook user sees: kind, message, line, caret, hint."""
        return f"{type(self).__name__}: {self}"

    def _render_traceback_(self) -> list[str]:
        # IPython shows these lines instead of a traceback: a user's mistake gets one message.
        return self.display().splitlines()


class ParseError(MfmlError):
    """The input could not be read as mathematics (LaTeX or sympy syntax)."""


class ShapeError(ParseError):
    """Shapes do not fit: a row vector added to a scalar, a product of mismatched sizes."""


class UnsupportedError(MfmlError):
    """The input is understood but this operation cannot be done on it (yet)."""


class CheckFailed(MfmlError):
    """A numeric check of a derived result failed; the result must not be trusted."""


class BudgetExceeded(MfmlError):
    """A symbolic step ran past its time budget; ``partial`` holds what was derived so far."""

    def __init__(self, message: str, *, step: str = "", partial=None, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.step = step
        self.partial = partial


class DataError(MfmlError):
    """Data that does not fit the model (a 2 for a Bernoulli, a negative count, a wrong shape)."""


class OptionError(MfmlError):
    """An option value that makes no sense (unknown operation, unknown --wrt symbol, ...)."""


def at_the_boundary(function):
    """Wrap a public API function so that nothing but an MfmlError reaches the user.

    An exception that is not an MfmlError is a defect of ours, not a mistake of the user's; it
    becomes an :class:`UnsupportedError` that says so and names the original exception, chained
    with ``from`` for whoever debugs it. KeyboardInterrupt and budget expiry pass through.
    """
    import functools

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except MfmlError:
            raise
        except RecursionError as exc:
            raise UnsupportedError(
                "this input is nested too deeply to work with",
                hint="split it into smaller definitions (f(x) = ..., g(x) = ...)",
            ) from exc
        except Exception as exc:
            raise UnsupportedError(
                f"{function.__name__} cannot handle this input "
                f"(internal {type(exc).__name__}: {str(exc)[:200]})",
                hint="this is a gap in mfml_sym, not a mistake in your input; please report it with the cell",
            ) from exc

    return wrapper
