"""Cutting a cell into statements, and recognising the leading words of a statement.

Statements are separated by new lines, ``;``, ``\\\\`` (outside matrices), a comma followed by
spacing (``,\\ ``, ``,\\quad``, ``,\\;``) and ``\\qquad``, all at the top level (not inside
brackets or an environment). ``%`` starts a comment.
"""
from __future__ import annotations

from .lexer import Token

__all__ = ["strip_comments", "split_statements", "depth_scan", "text_word", "ST_WORDS"]

OPEN = {"(", "[", "{", r"\{", r"\langle", r"\lVert"}
CLOSE = {")", "]", "}", r"\}", r"\rangle", r"\rVert"}
ST_WORDS = {"s.t.", "st", "s.t", "subjectto", "suchthat", "subj.to", "subjto", "where"}


def strip_comments(text: str) -> str:
    """Blank out ``% ...`` to the end of each line, keeping offsets (``\\%`` is kept)."""
    out = []
    for line in text.split("\n"):
        cut = None
        i = 0
        while i < len(line):
            if line[i] == "\\":
                i += 2
                continue
            if line[i] == "%":
                cut = i
                break
            i += 1
        out.append(line if cut is None else line[:cut] + " " * (len(line) - cut))
    return "\n".join(out)


def depth_scan(tokens: list[Token]):
    """Yield (index, token, depth) with depth counting brackets and environments."""
    depth = 0
    for i, t in enumerate(tokens):
        if t.text in CLOSE or t.text == r"\end":
            depth = max(0, depth - 1)
            yield i, t, depth
            continue
        yield i, t, depth
        if t.text in OPEN or t.text == r"\begin":
            depth += 1


POINT_WORDS = {"about", "at", "around", "near", "about the point", "at the point"}
CONNECTIVES = {"for", "where", "with", "and", "if", "given", "for all", "such that"}


def split_statements(tokens: list[Token], text: str = "") -> list[list[Token]]:
    pieces: list[list[Token]] = []
    cur: list[Token] = []
    n = len(tokens)
    env_depth = 0
    i = 0
    scanned = list(depth_scan(tokens))
    while i < n:
        _, t, depth = scanned[i]
        if t.text == r"\begin":
            env_depth += 1
        elif t.text == r"\end":
            env_depth -= 1
        top = depth == 0 and env_depth <= 0
        sep = False
        if top:
            if t.kind == "nl" or t.text == ";" or t.text == "\\\\" or t.text == r"\qquad":
                sep = True
            elif text and cur and t.text in (r"\text", r"\mathrm", r"\textrm", r"\mbox"):
                w = text_word(tokens, i, text)
                if w is not None and w[0].strip().lower().rstrip(":,") in POINT_WORDS:
                    # f(x) = ... \quad \text{about } x = 0: the point is its own statement
                    if any(tok.kind not in ("space", "nl") for tok in cur):
                        pieces.append(cur)
                    cur = [t]
                    i += 1
                    continue
                if w is not None and w[0].strip().lower().rstrip(":,") in CONNECTIVES:
                    # f(x) = x^2 \quad \text{for} \quad x > 0: two statements
                    if any(tok.kind not in ("space", "nl") for tok in cur):
                        pieces.append(cur)
                    cur = []
                    i = w[1]
                    continue
            elif t.text == "," and i + 1 < n and tokens[i + 1].kind == "space":
                # ",\ " separates unless an ellipsis follows (i = 1,\, \dots,\, N)
                j = i + 1
                while j < n and tokens[j].kind == "space":
                    j += 1
                nxt = tokens[j].text if j < n else ""
                prev_ellipsis = any(tok.text in (r"\dots", r"\ldots", r"\cdots") for tok in cur[-2:])
                if nxt not in (r"\dots", r"\ldots", r"\cdots") and not prev_ellipsis:
                    sep = True
                    i = j - 1
        if sep:
            if any(tok.kind not in ("space", "nl") for tok in cur):
                pieces.append(cur)
            cur = []
        else:
            cur.append(t)
        i += 1
    if any(tok.kind not in ("space", "nl") for tok in cur):
        pieces.append(cur)
    return pieces


def text_word(tokens: list[Token], i: int, text: str) -> tuple[str, int] | None:
    """At tokens[i] a ``\\text{...}``-like command: (its words, index after it)."""
    if i >= len(tokens):
        return None
    t = tokens[i]
    if t.text not in (r"\text", r"\mathrm", r"\textrm", r"\operatorname", r"\operatorname*", r"\mbox",
                      r"\textit", r"\mathop", r"\textbf", r"\textnormal"):
        return None
    if i + 1 >= len(tokens) or tokens[i + 1].text != "{":
        return None
    depth = 0
    for j in range(i + 1, len(tokens)):
        if tokens[j].text == "{":
            depth += 1
        elif tokens[j].text == "}":
            depth -= 1
            if depth == 0:
                return text[tokens[i + 1].end:tokens[j].start], j + 1
    return None
