"""Pass 1 of reading a cell: each statement's tokens into syntax trees, with its leading words
recognised (an objective ``\\max_{x}`` with constraints after ``\\text{s.t.}``, a point after
``\\text{about}``, a ``\\sim`` statement with its conditioning bar)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field


from .lexer import Token, error_at
from .reader import Reader
from .splitting import ST_WORDS, depth_scan, text_word
from .syntax_tree import Node
from .vocabulary import OBJECTIVE_WORDS

__all__ = ["Raw", "read_statement"]


@dataclass
class Raw:
    kind: str  # plain, objective, constraint, about, dist
    tokens: list
    items: list = field(default_factory=list)  # parsed trees
    sense: str = ""
    variables: list = field(default_factory=list)
    constraints: list = field(default_factory=list)
    lhs: list = field(default_factory=list)
    given: list = field(default_factory=list)
    start: int = 0
    end: int = 0


# ---------------------------------------------------------------------------- pass 1
def _read_list(text: str, tokens: list[Token]) -> list[Node]:
    """Comma-separated relations of one statement."""
    r = Reader(text, tokens)
    if r.done():
        return []
    items = [r.relation()]
    while r.at(","):
        r.pos += 1
        if r.done():
            break
        items.append(r.relation())
    if not r.done():
        raise r.unexpected(r.peek())
    return items


def _objective_prefix(text: str, toks: list[Token]) -> tuple[str, int] | None:
    if not toks:
        return None
    t = toks[0]
    if t.text in (r"\max", r"\min", r"\sup", r"\inf") and len(toks) > 1 and toks[1].text in ("(", r"\{"):
        return None  # \max(a, b) is the function
    if t.text in (r"\max", r"\min", r"\sup", r"\inf", r"\argmax", r"\argmin"):
        return OBJECTIVE_WORDS.get(t.text[1:], "max" if "max" in t.text or "sup" in t.text else "min"), 1
    if t.text == r"\arg" and len(toks) > 1 and toks[1].text in (r"\max", r"\min"):
        return toks[1].text[1:], 2
    w = text_word(toks, 0, text)
    if w is not None:
        word = re.sub(r"\\[,;!: ]|\s|\\(mathrm|operatorname\*?|text|mathop)|[\\{}]", "", w[0]).lower()
        if word in OBJECTIVE_WORDS:
            return OBJECTIVE_WORDS[word], w[1]
    if t.kind == "letter":
        run, j, end = "", 0, t.start
        while j < len(toks) and toks[j].kind == "letter" and (j == 0 or toks[j].start == end):
            run += toks[j].text
            end = toks[j].end
            j += 1
        if run.lower() in OBJECTIVE_WORDS and (run.lower() not in ("min", "max") or (j < len(toks) and toks[j].text in ("_",))):
            return OBJECTIVE_WORDS[run.lower()], j
    return None


def _st_marker(text: str, toks: list[Token], i: int) -> int | None:
    """If a 'subject to' marker starts at toks[i], the index after it."""
    w = text_word(toks, i, text)
    if w is not None:
        word = re.sub(r"\s|\\[,;!: ]", "", w[0]).lower()
        if word in ST_WORDS and word != "where":
            return w[1]
        return None
    t = toks[i]
    if t.kind == "letter" and t.text == "s" and i + 3 < len(toks) and [x.text for x in toks[i:i + 4]] == ["s", ".", "t", "."]:
        return i + 4
    if t.kind == "letter" and t.text == "s":
        run = "".join(x.text for x in toks[i:i + 9] if x.kind == "letter")
        if run.startswith("subjectto"):
            return i + 9
    return None


def _split_top(toks: list[Token], seps=(",",)) -> list[list[Token]]:
    out, cur = [], []
    for _, t, depth in depth_scan(toks):
        if depth == 0 and t.text in seps:
            out.append(cur)
            cur = []
        else:
            cur.append(t)
    out.append(cur)
    return [c for c in out if any(x.kind not in ("space", "nl") for x in c)]


def _skip_space(toks, i):
    while i < len(toks) and toks[i].kind in ("space", "nl"):
        i += 1
    return i


def _rewrite(text: str, toks: list[Token]) -> list[Token]:
    r"""\overset{iid}{\sim} -> \sim; \underset{x}{\operatorname{argmin}} -> \min_{x}."""
    out, i = [], 0
    while i < len(toks):
        t = toks[i]
        if t.text in (r"\overset", r"\stackrel", r"\underset") and i + 1 < len(toks) and toks[i + 1].text == "{":
            first = _group_end(toks, i + 1)
            second = _group_end(toks, first + 1) if first is not None and first + 1 < len(toks) and toks[first + 1].text == "{" else None
            if second is not None:
                inner = toks[first + 2:second]
                inner_text = text[toks[first + 1].end:toks[second].start]
                word = re.sub(r"\\[,;!: ]|\s|\\(operatorname\*?|mathrm|text)|[{}\\]", "", inner_text).lower()
                if t.text != r"\underset" and len(inner) == 1 and inner[0].text in (r"\sim", "=", r"\approx"):
                    out.append(inner[0])
                    i = second + 1
                    continue
                if t.text == r"\underset" and word in OBJECTIVE_WORDS:
                    sense = OBJECTIVE_WORDS[word]
                    out.append(Token("cmd", "\\" + ("max" if sense == "max" else "min"), t.start, toks[second].end))
                    out.append(Token("sym", "_", toks[i + 1].start, toks[i + 1].start))
                    out.extend(toks[i + 1:first + 1])
                    i = second + 1
                    continue
        out.append(t)
        i += 1
    return out


def _group_end(toks, i):
    depth = 0
    for j in range(i, len(toks)):
        if toks[j].text == "{":
            depth += 1
        elif toks[j].text == "}":
            depth -= 1
            if depth == 0:
                return j
    return None


def read_statement(text: str, toks: list[Token]) -> Raw:
    toks = _rewrite(text, [t for t in toks if t.kind != "nl"])
    i = _skip_space(toks, 0)
    # leading connective words: "where", "and", "with", "for"
    while True:
        w = text_word(toks, i, text)
        if w is not None and w[0].strip().lower().rstrip(":,") in ("where", "and", "with", "for", "given", "let", "if", "such that"):
            i = _skip_space(toks, w[1])
            continue
        break
    toks = toks[i:]
    raw = Raw("plain", toks, start=toks[0].start if toks else 0, end=toks[-1].end if toks else 0)
    core = [t for t in toks if t.kind != "space"]
    st = _st_marker(text, core, 0) if core else None
    if st is not None:
        raw.kind = "constraint"
        rest = core[st:]
        raw.constraints = [_read_list(text, part) for part in _split_top(_quad_split(toks, st, text), seps=(",", r"\quad"))]
        return raw
    w = text_word(core, 0, text)
    if w is not None and w[0].strip().lower() in ("about", "at", "around", "about the point", "at the point", "near"):
        raw.kind = "about"
        raw.items = _read_list(text, core[w[1]:])
        return raw
    obj = _objective_prefix(text, core)
    if obj is not None:
        return _read_objective(text, core, obj, raw)
    # a \sim statement: lhs [\mid given] \sim family(...)
    sim = [i for i, t, d in depth_scan(core) if d == 0 and t.text == r"\sim"]
    if sim:
        k = sim[0]
        lhs, rhs = core[:k], core[k + 1:]
        mid = [i for i, t, d in depth_scan(lhs) if d == 0 and t.text in (r"\mid", "|")]
        if mid:
            raw.lhs = _read_list(text, lhs[:mid[0]])
            raw.given = _read_list(text, lhs[mid[0] + 1:])
        else:
            raw.lhs = _read_list(text, lhs)
        if not rhs:
            raise error_at(text, core[k].start, core[k].end, r"\sim needs a distribution on its right",
                           hint=r"x \sim \mathcal{N}(\mu, \sigma^2)")
        raw.kind = "dist"
        raw.items = _read_list(text, rhs)
        raw.start = core[0].start
        return raw
    raw.items = _read_list(text, core)
    return raw


def _quad_split(toks, start_core_index, text):
    """Tokens after the s.t. marker with \\quad kept (for splitting constraints)."""
    core_seen = -1
    for i, t in enumerate(toks):
        if t.kind != "space":
            core_seen += 1
        if core_seen == start_core_index:
            return [x for x in toks[i:] if x.kind != "space" or x.text == r"\quad"]
    return []


def _read_objective(text, core, obj, raw):
    sense, i = obj
    raw.kind = "objective"
    raw.sense = sense
    if i < len(core) and core[i].text == "_":
        i += 1
        if i < len(core) and core[i].text == "{":
            depth, j = 0, i
            while j < len(core):
                if core[j].text == "{":
                    depth += 1
                elif core[j].text == "}":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            if j >= len(core):
                raise error_at(text, core[i].start, core[i].end, "missing '}'")
            raw.variables = _read_list(text, core[i + 1:j])
            i = j + 1
        elif i < len(core):
            raw.variables = _read_list(text, core[i:i + 1])
            i += 1
    # the objective runs up to the s.t. marker
    st_at = None
    for k, t, d in depth_scan(core[i:]):
        if d == 0 and _st_marker(text, core, i + k) is not None:
            st_at = i + k
            break
    body = core[i:st_at] if st_at is not None else core[i:]
    if not body:
        raise error_at(text, core[0].start, core[i - 1].end if i else core[0].end, "the objective is missing")
    raw.items = _read_list(text, body)
    if st_at is not None:
        after = _st_marker(text, core, st_at)
        # re-find the raw tokens (with \quad) after the marker
        rest_start = core[after].start if after < len(core) else None
        if rest_start is None:
            raise error_at(text, core[st_at].start, core[-1].end, "no constraint after 'subject to'")
        rest = [t for t in raw.tokens if t.start >= rest_start and (t.kind != "space" or t.text == r"\quad")]
        for part in _split_top(rest, seps=(",", r"\quad")):
            raw.constraints.append(_read_list(text, [t for t in part if t.kind != "space"]))
    return raw
