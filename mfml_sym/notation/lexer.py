"""Tokens of a LaTeX cell, produced by a lark lexer built once on first use.

The token grammar lives here; the structure (precedence, implicit multiplication, the
arguments of ``\\sin x``, matching ``|...|``) is read by :mod:`mfml_sym.notation.reader`, a
recursive-descent parser over these tokens. Lark's LALR parser cannot decide implicit
multiplication or ``|`` delimiters without the declarations of the cell, so it is used for
what it does well here: a fast, position-tracking tokenizer with clear errors.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from ..errors import ParseError

__all__ = ["Token", "tokenize", "SIZERS", "SPACES"]

_GRAMMAR = r"""
start: _tok*
_tok: CMD | SPACECMD | ESC | NUMBER | LETTER | NEWLINE | SYM | PRIME | UNICODE
CMD: /\\[A-Za-z]+\*?/
SPACECMD: /\\[,;:! ]/ | /~/
ESC: /\\[{}|\\_%&#$]/
NUMBER: /[0-9]+(\.[0-9]+)?/ | /\.[0-9]+/
LETTER: /[A-Za-z]/
PRIME: /'+/
UNICODE: /[\u0370-\u03ff\u2200-\u22ff\u00b2\u00b3\u00b7\u00d7\u2032\u211d\u2115\u2124\u22a4\u2016\u2212\u00b1\u1d40]/
NEWLINE: /\n/
SYM: /\*\*|[-+*\/^_=<>()\[\]{}|,;:&!.?@"]/
%ignore /[ \t\r]+/
"""

# sizing commands carry no meaning: \left( is (
SIZERS = frozenset(
    r"\left \right \middle \big \Big \bigg \Bigg \bigl \bigr \Bigl \Bigr \biggl \biggr \Biggl \Biggr"
    r" \bigm \Bigm \displaystyle \textstyle \limits \nolimits \mathopen \mathclose".split()
)
# spacing: separates statements when after a comma, otherwise ignored
SPACES = frozenset(r"\quad \qquad \enspace \thinspace \medspace \thickspace \hfill \; \, \: \! \  ~".split())


@dataclass(frozen=True)
class Token:
    """One token: ``kind`` (cmd, esc, num, letter, sym, prime, space, nl), text, offsets."""

    kind: str
    text: str
    start: int
    end: int


@lru_cache(maxsize=1)
def _lexer():
    from lark import Lark

    return Lark(_GRAMMAR, parser="lalr", lexer="basic")


_KIND = {
    "CMD": "cmd",
    "SPACECMD": "space",
    "ESC": "esc",
    "NUMBER": "num",
    "LETTER": "letter",
    "NEWLINE": "nl",
    "SYM": "sym",
    "PRIME": "prime",
    "UNICODE": "unicode",
}

# pasted Unicode maths -> the LaTeX it stands for (the token keeps its place in the text)
UNICODE = {
    "α": r"\alpha", "β": r"\beta", "γ": r"\gamma", "δ": r"\delta", "ε": r"\epsilon", "ζ": r"\zeta",
    "η": r"\eta", "θ": r"\theta", "ι": r"\iota", "κ": r"\kappa", "λ": r"\lambda", "μ": r"\mu",
    "ν": r"\nu", "ξ": r"\xi", "π": r"\pi", "ρ": r"\rho", "σ": r"\sigma", "τ": r"\tau",
    "υ": r"\upsilon", "φ": r"\phi", "χ": r"\chi", "ψ": r"\psi", "ω": r"\omega", "Γ": r"\Gamma",
    "Δ": r"\Delta", "Θ": r"\Theta", "Λ": r"\Lambda", "Ξ": r"\Xi", "Π": r"\Pi", "Σ": r"\Sigma",
    "Φ": r"\Phi", "Ψ": r"\Psi", "Ω": r"\Omega", "≤": r"\le", "≥": r"\ge", "≠": r"\neq",
    "·": r"\cdot", "×": r"\times", "∈": r"\in", "∂": r"\partial", "∇": r"\nabla", "∞": r"\infty",
    "∼": r"\sim", "∝": r"\propto", "⊤": r"\top", "∑": r"\sum", "∏": r"\prod", "∫": r"\int",
    "−": "-", "±": r"\pm", "′": "'", "∣": r"\mid", "→": r"\to", "≈": r"\approx", "⊙": r"\odot",
    "⊗": r"\otimes", "‖": r"\|", "ℝ": r"\Reals", "ℕ": r"\Naturals", "ℤ": r"\Integers",
}


def line_of(text: str, offset: int) -> tuple[int, str, int]:
    """(1-based line number, line text, column) of an offset in the cell."""
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    if end < 0:
        end = len(text)
    return text.count("\n", 0, offset) + 1, text[start:end], offset - start


def error_at(text: str, start: int, end: int, message: str, hint: str | None = None, cls=ParseError):
    """A ParseError (or subclass) with the line and a caret under text[start:end]."""
    lineno, line, col = line_of(text, start)
    width = max(1, min(end, start + len(line) - col) - start)
    return cls(message, line=line, column=col, width=width, hint=hint, lineno=lineno)


def tokenize(text: str) -> list[Token]:
    """The tokens of ``text``; an unknown character is a ParseError pointing at it."""
    from lark.exceptions import LarkError, UnexpectedCharacters

    out: list[Token] = []
    try:
        for tok in _lexer().lex(text):
            kind = _KIND[tok.type]
            value = str(tok)
            if kind == "unicode" and value == "ᵀ":
                out.append(Token("sym", "^", tok.start_pos, tok.end_pos))
                out.append(Token("cmd", r"\top", tok.start_pos, tok.end_pos))
                continue
            if kind == "unicode" and value in ("²", "³"):
                out.append(Token("sym", "^", tok.start_pos, tok.end_pos))
                out.append(Token("num", "2" if value == "²" else "3", tok.start_pos, tok.end_pos))
                continue
            if kind == "unicode":
                mapped = UNICODE.get(value)
                if mapped is None:
                    raise error_at(text, tok.start_pos, tok.end_pos, f"cannot read the character {value!r}",
                                   hint="write it in LaTeX (\\alpha, \\le, \\sum, ...)")
                kind = "cmd" if mapped.startswith("\\") and mapped[1:].isalpha() else (
                    "esc" if mapped == r"\|" else "prime" if mapped == "'" else "sym")
                value = mapped
            if kind == "cmd" and value in SPACES:
                kind = "space"
            elif kind == "cmd" and value in SIZERS:
                continue
            out.append(Token(kind, value, tok.start_pos, tok.end_pos))
    except UnexpectedCharacters as exc:
        pos = exc.pos_in_stream
        char = text[pos] if pos < len(text) else ""
        raise error_at(
            text, pos, pos + 1, f"cannot read the character {char!r}",
            hint="write mathematics in LaTeX (\\alpha, \\le, ...) or sympy syntax",
        ) from None
    except LarkError as exc:  # pragma: no cover - defensive
        raise ParseError(f"cannot read the input: {exc}") from None
    return out
