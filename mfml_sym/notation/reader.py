"""Recursive-descent reader: LaTeX tokens of one statement -> syntax tree.

Precedence, lowest first: relations (``= \\le \\sim \\in \\propto``), sums ``+ -``, products
(``\\cdot``, ``\\times``, ``/``, ``\\odot``, ``\\otimes`` and juxtaposition), unary minus,
postfix (``^``, ``_``, primes, ``!``, application ``f(x)``), atoms. Choices that need the
cell's declarations (is ``f(x)`` an application or a product? is ``|A|`` a determinant?) are
left to :mod:`mfml_sym.notation.semantics`; the tree records what was written.

Two readings are built in because the book relies on them:
* ``\\sin x y`` applies ``\\sin`` to the juxtaposed product ``x y``, stopping at the next
  function (``\\sin x \\cos x`` is a product of two functions);
* the body of ``\\sum_{n}`` runs over following ``+``/``-`` terms while they use the index
  ``n`` (``\\sum_n \\log(1+e^{z_n}) - y_n z_n`` is one sum), and stops at the first that
  does not.
"""
from __future__ import annotations

from ..errors import ParseError
from .lexer import Token, error_at
from .syntax_tree import Name, Node, walk
from .vocabulary import (
    CAL_FAMILIES,
    FUNCTIONS,
    GREEK_LOWER,
    GREEK_UPPER,
    OPERATOR_WORDS,
    SUSPICIOUS_WORDS,
    family_of,
)

__all__ = ["Reader", "RELATIONS"]

RELATIONS = {
    "=": "=", "<": "<", ">": ">", r"\le": "<=", r"\leq": "<=", r"\leqslant": "<=", r"\ge": ">=",
    r"\geq": ">=", r"\geqslant": ">=", r"\neq": "!=", r"\ne": "!=", r"\sim": "~", r"\in": "in",
    r"\notin": "notin", r"\propto": "propto", r"\succ": "succ", r"\succeq": "succeq",
    r"\prec": "prec", r"\preceq": "preceq", r"\to": "to", r"\rightarrow": "to", r"\mapsto": "to",
    r"\approx": "approx", r"\equiv": "=", r"\coloneqq": "=", r"\triangleq": "=", r"\defeq": "=",
    r"\subseteq": "subset", r"\subset": "subset", r"\stackrel": "=",
}
PRODUCTS = {r"\cdot": "cdot", "*": "star", r"\times": "times", r"\odot": "odot",
            r"\otimes": "otimes", r"\circ": "odot", "/": "div", r"\div": "div", r"\ast": "star"}
BOLD = {r"\mathbf", r"\boldsymbol", r"\bm", r"\vec", r"\mathbfit", r"\pmb", r"\symbf", r"\bf",
        r"\boldsymbol*", r"\mathbold", r"\vb", r"\underline", r"\overrightarrow"}
TEXTLIKE = {r"\mathrm", r"\operatorname", r"\operatorname*", r"\text", r"\textrm", r"\mathit",
            r"\textit", r"\mathsf", r"\textsf", r"\mathtt", r"\texttt", r"\textbf", r"\mbox",
            r"\mathop", r"\textnormal", r"\mathnormal"}
ACCENTS = {r"\hat": "hat", r"\widehat": "hat", r"\bar": "bar", r"\overline": "bar",
           r"\tilde": "tilde", r"\widetilde": "tilde", r"\dot": "dot", r"\ddot": "ddot",
           r"\check": "check", r"\breve": "breve", r"\acute": "acute"}
ELLIPSES = {r"\dots", r"\ldots", r"\cdots", r"\vdots", r"\dotsc", r"\dotsb"}
NORM_OPEN = {r"\|", r"\lVert", r"\Vert", r"\lvert\lvert"}
NORM_CLOSE = {r"\|", r"\rVert", r"\Vert"}
TRANSPOSE_MARKS = {r"\top", r"\intercal", r"\mathsf{T}", r"\mathrm{T}", "T", r"\mathsf T",
                   r"\textsf{T}", r"\mathrm T", r"\text{T}", r"\textsf T", r"\sf T", "{T}"}
STOP_CMDS = {r"\mid", r"\rangle", r"\rVert", r"\rvert", r"\end", r"\top", r"\right",
             r"\quad", r"\qquad", r"\pm", r"\mp", r"\vert", r"\Vert", r"\intercal", r"\prime",
             r"\colon"} | set(RELATIONS) | set(PRODUCTS)


class Reader:
    """Reads the tokens of one statement of ``text`` (the whole cell, for positions)."""

    def __init__(self, text: str, tokens: list[Token]):
        self.text = text
        self.toks = [t for t in tokens if t.kind != "space" and t.kind != "nl"]
        self.pos = 0
        self.abs_depth = 0
        self.integral = 0
        self.left_dot = 0
        self.end_offset = tokens[-1].end if tokens else 0

    # ------------------------------------------------------------------ helpers
    def peek(self, k: int = 0) -> Token | None:
        i = self.pos + k
        return self.toks[i] if i < len(self.toks) else None

    def at(self, *texts: str, k: int = 0) -> bool:
        t = self.peek(k)
        return t is not None and t.text in texts

    def next(self) -> Token:
        t = self.peek()
        if t is None:
            raise self.error_end("the statement ends too early")
        self.pos += 1
        return t

    def expect(self, text: str, what: str | None = None, opened: Token | None = None) -> Token:
        t = self.peek()
        if t is None or t.text != text:
            hint = None
            if opened is not None:
                hint = f"the {opened.text!r} opened here is not closed"
                err = error_at(self.text, opened.start, opened.end, f"missing {text!r}", hint=hint)
                raise err
            if t is None:
                raise self.error_end(f"expected {what or repr(text)} before the end")
            raise self.error(t, f"expected {what or repr(text)}, found {t.text!r}")
        self.pos += 1
        return t

    def error(self, tok: Token, message: str, hint: str | None = None) -> ParseError:
        return error_at(self.text, tok.start, tok.end, message, hint=hint)

    def error_span(self, start: int, end: int, message: str, hint: str | None = None):
        return error_at(self.text, start, end, message, hint=hint)

    def error_end(self, message: str) -> ParseError:
        off = max(0, self.end_offset - 1)
        return error_at(self.text, off, off + 1, message)

    def done(self) -> bool:
        return self.pos >= len(self.toks)

    def raw(self, start: int, end: int) -> str:
        return self.text[start:end]

    def raw_group(self) -> tuple[str, int, int]:
        """The raw text of a ``{...}`` group (or one token) and its span."""
        t = self.peek()
        if t is None:
            raise self.error_end("a command is missing its argument")
        if t.text != "{":
            self.pos += 1
            return t.text, t.start, t.end
        depth = 0
        start = t.end
        while True:
            t = self.next()
            if t.text == "{":
                depth += 1
            elif t.text == "}":
                depth -= 1
                if depth == 0:
                    return self.text[start:t.start], start, t.start

    # ------------------------------------------------------------------ grammar
    def statement(self) -> Node:
        node = self.relation()
        if not self.done():
            t = self.peek()
            hint = None
            if t.text in (")", "]", "}", r"\}", r"\right"):
                hint = "an extra closing bracket, or a missing opening one"
            elif t.text == "&" or t.text == "\\\\":
                hint = "use & and \\\\ only inside \\begin{bmatrix} ... \\end{bmatrix}"
            raise self.error(t, f"cannot read {t.text!r} here", hint=hint)
        return node

    def relation(self) -> Node:
        start_tok = self.peek()
        first = self.expr()
        items, ops = [first], []
        while True:
            t = self.peek()
            if t is None:
                break
            op = RELATIONS.get(t.text)
            if t.text == ":" and not self.at("=", k=1):
                op = "colon"
            if t.text == ":" and self.at("=", k=1):
                self.pos += 1
                op = "="
            if t.text == "<" and self.at("=", k=1) or t.text == ">" and self.at("=", k=1):
                self.pos += 1
                op = t.text + "="
            if t.text == "=" and self.at("=", k=1):
                self.pos += 1
            if op is None:
                break
            self.pos += 1
            if op == "colon":
                ops.append(op)
                items.append(self.relation() if not self.done() else Node("text", value="", start=t.end, end=t.end))
                break
            ops.append(op)
            items.append(self.expr())
        if not ops:
            return first
        return Node("rel", tuple(items), start_tok.start, items[-1].end, value=tuple(ops))

    def expr(self) -> Node:
        t = self.peek()
        if t is None:
            raise self.error_end("an expression is missing")
        sign = None
        if t.text in ("+", "-", r"\pm", r"\mp"):
            self.pos += 1
            sign = t.text
        node = self.term()
        if sign == "-":
            node = Node("neg", (node,), t.start, node.end)
        elif sign in (r"\pm", r"\mp"):
            node = Node("pm", (node,), t.start, node.end, value=sign)
        while self.at("+", "-", r"\pm", r"\mp"):
            op = self.next()
            rhs = self.term()
            kind = {"+": "add", "-": "sub"}.get(op.text, "pm")
            node = Node(kind, (node, rhs), node.start, rhs.end, value=op.text)
        bar = self.peek()
        if bar is not None and bar.text == "|" and self.abs_depth == 0 and not self.left_dot and self.at("_", "^", k=1):
            # f(x) \Big|_{x=0}: an evaluation bar closes everything before it
            self.pos += 1
            node = self.evaluation_bar(node, bar)
        return node

    def can_start_atom(self) -> bool:
        t = self.peek()
        if t is None:
            return False
        if t.kind in ("letter", "num"):
            return True
        if t.kind == "esc":
            return t.text in (r"\{", r"\|") and not (t.text == r"\|" and self.abs_depth < 0)
        if t.text in ("(", "[", "{"):
            return True
        if t.text == "|":
            return self.abs_depth == 0 and self._closing_bar_ahead()
        if t.kind == "cmd":
            if t.text in (r"\lVert", r"\Vert"):
                return self.abs_depth >= 0
            return t.text not in STOP_CMDS
        return False

    def _closing_bar_ahead(self) -> bool:
        depth = 0
        for t in self.toks[self.pos + 1:]:
            if t.text in ("(", "[", "{"):
                depth += 1
            elif t.text in (")", "]", "}"):
                depth -= 1
                if depth < 0:
                    return False
            elif t.text == "|" and depth == 0:
                return True
        return False

    def term(self) -> Node:
        node = self.factor()
        while True:
            t = self.peek()
            if t is None:
                break
            if self.integral and self._differential_ahead():
                break
            op = PRODUCTS.get(t.text)
            if op is not None:
                self.pos += 1
                rhs = self.factor(allow_sign=True)
                kind = "div" if op == "div" else "mul"
                node = Node(kind, (node, rhs), node.start, rhs.end, value=op)
                continue
            if node.kind == "deriv" and node.extra.get("operand") is None and node.extra.get("func") is None:
                operand = self.term()
                node = Node("deriv", node.args, node.start, operand.end, value=node.value,
                            extra={**node.extra, "operand": operand})
                continue
            if node.kind == "nabla" and node.extra.get("operand") is None:
                operand = self.factor()
                node = Node("nabla", node.args, node.start, operand.end, value=node.value,
                            extra={**node.extra, "operand": operand})
                continue
            if self.can_start_atom():
                rhs = self.factor()
                node = Node("mul", (node, rhs), node.start, rhs.end, value="juxt")
                continue
            break
        if node.kind == "deriv" and node.extra.get("operand") is None and node.extra.get("func") is None:
            raise self.error_span(node.start, node.end, "a derivative operator without anything to differentiate",
                                  hint=r"write \frac{d}{dx} f(x) or \frac{df}{dx}")
        return node

    def _differential_ahead(self) -> bool:
        t = self.peek()
        if t.text == "d" and t.kind == "letter":
            nxt = self.peek(1)
            return nxt is not None and (nxt.kind == "letter" or nxt.text in GREEK_CMDS or nxt.text in BOLD)
        if t.text in (r"\mathrm", r"\text", r"\operatorname") and self.at("{", k=1) and self.at("d", k=2) and self.at("}", k=3):
            return True
        return False

    def factor(self, allow_sign: bool = False) -> Node:
        t = self.peek()
        if allow_sign and t is not None and t.text in ("-", "+"):
            self.pos += 1
            inner = self.factor()
            return Node("neg", (inner,), t.start, inner.end) if t.text == "-" else inner
        return self.postfix(self.atom())

    # ------------------------------------------------------------------ postfix
    def postfix(self, node: Node) -> Node:
        while True:
            t = self.peek()
            if t is None:
                return node
            if t.text == "^":
                self.pos += 1
                node = self.superscript(node, t)
            elif t.text == "_":
                self.pos += 1
                node = self.subscript(node, t)
            elif t.kind == "prime" or t.text == r"\prime":
                self.pos += 1
                node = self.add_primes(node, len(t.text) if t.kind == "prime" else 1, t)
            elif t.text == "!" :
                self.pos += 1
                node = Node("factorial", (node,), node.start, t.end)
            elif t.text == "(" and self._applicable(node):
                node = self.application(node)
            else:
                return node

    def _applicable(self, node: Node) -> bool:
        if node.kind == "name":
            return True
        return node.kind == "pow" and node.args[0].kind == "name" and node.extra.get("derivative_order")

    def add_primes(self, node: Node, count: int, tok: Token) -> Node:
        if node.kind != "name":
            raise self.error(tok, "a prime ' can follow only a name (f'(x), x')")
        name = node.value
        new = Name(**{**name.__dict__, "primes": name.primes + count})
        return Node("name", (), node.start, tok.end, value=new)

    def superscript(self, base: Node, caret: Token) -> Node:
        t = self.peek()
        if t is None:
            raise self.error(caret, "a superscript ^ without its exponent")
        raw, start, end = self._peek_raw_arg()
        flat = raw.replace(" ", "")
        bare = flat[1:-1] if flat.startswith("{") and flat.endswith("}") else flat
        if flat in TRANSPOSE_MARKS or bare in TRANSPOSE_MARKS or bare.replace("{", "").replace("}", "") in (
                r"\mathsfT", r"\mathrmT", r"\textT", r"\textsfT", r"\sfT", r"\rmT", "T", r"\top", r"\intercal"):
            self._skip_arg()
            return Node("transpose", (base,), base.start, end)
        if flat in ("-1", "{-1}"):
            self._skip_arg()
            return Node("inverse", (base,), base.start, end)
        if flat.lstrip("{").rstrip("}") in (r"-\top", "-T", r"-\intercal", r"-\mathsf{T}"):
            self._skip_arg()
            return Node("transpose", (Node("inverse", (base,), base.start, end),), base.start, end)
        if flat in ("*", "{*}", r"\star", r"{\star}", r"{\ast}"):
            self._skip_arg()
            return self._rename(base, "star", end)
        if flat in (r"\prime", r"{\prime}", r"{\prime\prime}"):
            self._skip_arg()
            return self.add_primes(base, flat.count("prime"), Token("prime", "'", start, end))
        if flat.startswith("{(") and flat.endswith(")}"):
            inner_raw = flat[2:-2]
            self._expect_group()
            self.expect("(")
            inner = self.expr()
            self.expect(")")
            self.expect("}")
            if base.kind == "name":
                if inner.kind == "num" or (inner_raw.isalpha() and len(inner_raw) == 1 and inner_raw in "kmnr" and self._function_like(base)):
                    return Node("pow", (base, inner), base.start, end, extra={"derivative_order": True})
                return Node("supindex", (base, inner), base.start, end)
        arg = self.argument()
        return Node("pow", (base, arg), base.start, arg.end if arg.end else end)

    def _function_like(self, node: Node) -> bool:
        return node.kind == "name" and node.value.base in ("f", "g", "h", "y", "u")

    def _rename(self, node: Node, suffix: str, end: int) -> Node:
        if node.kind != "name":
            return node
        name = node.value
        new = Name(**{**name.__dict__, "subtext": (name.subtext + suffix) if name.subtext else "", "base": name.base if name.subtext else name.base + suffix})
        return Node("name", (), node.start, end, value=new)

    def _peek_raw_arg(self) -> tuple[str, int, int]:
        save = self.pos
        raw, s, e = self.raw_group_with_braces()
        self.pos = save
        return raw, s, e

    def raw_group_with_braces(self) -> tuple[str, int, int]:
        t = self.next()
        if t.text != "{":
            if t.kind == "cmd" and t.text in (r"\mathsf", r"\mathrm", r"\text", r"\textsf") :
                raw, s, e = self.raw_group()
                return self.text[t.start:e + (1 if self.text[e:e + 1] == "}" else 0)], t.start, e
            if t.kind == "num" and len(t.text) > 1 and "." not in t.text:
                return t.text[0], t.start, t.start + 1
            return t.text, t.start, t.end
        depth = 1
        while depth:
            u = self.next()
            if u.text == "{":
                depth += 1
            elif u.text == "}":
                depth -= 1
        return self.text[t.start:u.end], t.start, u.end

    def _skip_arg(self) -> None:
        self.raw_group_with_braces()

    def _expect_group(self) -> None:
        self.expect("{")

    def argument(self) -> Node:
        """A command's argument: ``{...}`` or a single token (``x^2``, ``\\frac12``)."""
        t = self.peek()
        if t is None:
            raise self.error_end("an argument is missing")
        if t.text == "{":
            self.pos += 1
            if self.at("}"):
                raise self.error(t, "an empty group {}")
            inner = self.relation()
            close = self.expect("}", opened=t)
            inner.extra["braced"] = True
            return inner
        if t.kind == "num":
            self.pos += 1
            if len(t.text) > 1 and "." not in t.text:
                # \frac12 and x^23 read one digit: split the token
                self.toks.insert(self.pos, Token("num", t.text[1:], t.start + 1, t.end))
                return Node("num", (), t.start, t.start + 1, value=t.text[0])
            return Node("num", (), t.start, t.end, value=t.text)
        if t.kind == "letter":
            self.pos += 1
            return self._name_node(Name(t.text, latex=t.text), t.start, t.end)
        if t.text == "-":
            self.pos += 1
            inner = self.argument()
            return Node("neg", (inner,), t.start, inner.end)
        if t.kind == "cmd" or t.kind == "esc":
            return self.atom()
        raise self.error(t, f"cannot use {t.text!r} as an argument")

    def subscript(self, base: Node, tok: Token) -> Node:
        t = self.peek()
        if t is None:
            raise self.error(tok, "a subscript _ without its index")
        start = t.start
        if base.kind == "name":
            name = base.value
            if name.subtext:
                raise self.error(t, "a second subscript", hint="write x_{ij} for two indices")
            sub = self.argument()
            raw = self.text[start:sub.end if sub.end > start else t.end]
            new = Name(**{**name.__dict__, "sub": sub, "subtext": _flat_subscript(raw)})
            new.latex = self.text[base.start:sub.end]
            return Node("name", (), base.start, sub.end, value=new)
        if base.kind in ("norm",) and base.value is None:
            raw, s, e = self.raw_group_with_braces()
            return Node("norm", base.args, base.start, e, value=_flat_subscript(raw))
        if base.kind in ("transpose", "inverse", "pow") and base.args[0].kind == "name" and not base.args[0].value.subtext:
            # x^\top_n reads as (x_n)^\top
            inner = self.subscript(base.args[0], tok)
            return Node(base.kind, (inner,) + tuple(base.args[1:]), base.start, inner.end, value=base.value, extra=base.extra)
        raise self.error(tok, "a subscript can follow only a name here")

    def application(self, fn: Node) -> Node:
        open_tok = self.expect("(")
        args, given = self.arguments(")", open_tok)
        close = self.toks[self.pos - 1]
        return Node("apply", (fn, tuple(args)), fn.start, close.end, extra={"given": tuple(given)})

    def arguments(self, closer: str, open_tok: Token) -> tuple[list, list]:
        """Comma-separated arguments up to ``closer``; after ``\\mid`` or ``|`` come the given ones."""
        args, given = [], []
        target = args
        if self.at(closer):
            self.pos += 1
            return args, given
        saved_abs = self.abs_depth
        self.abs_depth = 0
        while True:
            if self.peek() is None:
                raise error_at(self.text, open_tok.start, open_tok.end, f"missing {closer!r}",
                               hint=f"the {open_tok.text!r} opened here is not closed")
            target.append(self.relation())
            t = self.peek()
            if t is None:
                raise error_at(self.text, open_tok.start, open_tok.end, f"missing {closer!r}",
                               hint=f"the {open_tok.text!r} opened here is not closed")
            if t.text == ",":
                self.pos += 1
                continue
            if t.text in (r"\mid", "|", r"\vert", ";") and target is args:
                self.pos += 1
                target = given
                continue
            if t.text == closer:
                self.pos += 1
                break
            raise self.error(t, f"expected ',' or {closer!r}, found {t.text!r}")
        self.abs_depth = saved_abs
        return args, given

    def evaluation_bar(self, node: Node, bar: Token) -> Node:
        lower = upper = None
        while self.at("_", "^"):
            t = self.next()
            arg = self.argument()
            if t.text == "_":
                lower = arg
            else:
                upper = arg
        return Node("evalbar", (node,), node.start, (upper or lower).end, extra={"at": lower, "upper": upper})

    # ------------------------------------------------------------------ atoms
    def atom(self) -> Node:
        t = self.peek()
        if t is None:
            raise self.error_end("an expression is missing")
        if t.kind == "num":
            self.pos += 1
            return Node("num", (), t.start, t.end, value=t.text)
        if t.kind == "letter":
            return self.letters()
        if t.text == "(":
            return self.paren("(", ")")
        if t.text == "[":
            return self.paren("[", "]")
        if t.text == "{":
            self.pos += 1
            inner = self.relation()
            close = self.expect("}", opened=t)
            return Node("paren", (inner,), t.start, close.end, value="{")
        if t.text == r"\{":
            return self.paren(r"\{", r"\}")
        if t.text == "|" or t.text in (r"\lvert", r"\vert"):
            return self.bars(t)
        if t.text in NORM_OPEN:
            return self.norm(t)
        if t.text == ".":
            # \left. f \right|_{x=0}: the invisible delimiter of an evaluation bar
            self.pos += 1
            self.left_dot += 1
            try:
                inner = self.expr()
            finally:
                self.left_dot -= 1
            bar = self.peek()
            if bar is None or bar.text != "|":
                raise self.error(t, "a '.' here (\\left.) must be closed by \\right|_{...}")
            self.pos += 1
            return self.evaluation_bar(inner, bar)
        if t.kind == "cmd":
            return self.command(t)
        if t.text in (")", "]", "}", r"\}"):
            raise self.error(t, f"unexpected {t.text!r}", hint="an extra closing bracket, or something missing before it")
        if t.text in ("=", "<", ">"):
            raise self.error(t, f"a relation {t.text!r} with nothing on its left")
        if t.text == "&" or t.text == "\\\\":
            raise self.error(t, f"{t.text!r} outside a matrix", hint=r"use \begin{bmatrix} a & b \\ c & d \end{bmatrix}")
        if t.text == "**":
            raise self.error(t, "'**' is Python's power", hint="write x^2 in LaTeX, or the whole cell in sympy syntax")
        raise self.error(t, f"cannot read {t.text!r} here")

    def letters(self) -> Node:
        t = self.next()
        # bare words such as "sin" or "alpha" are almost surely a missing backslash
        if t.kind == "letter":
            run = self._letter_run(t)
            for word in SUSPICIOUS_WORDS:
                if run.startswith(word) and (len(word) >= 3 or len(run) == len(word)):
                    raise self.error_span(t.start, t.start + len(word), f"'{word}' is read as a product of letters",
                                          hint=f"write \\{word} for the function or letter")
        return self._name_node(Name(t.text, latex=t.text), t.start, t.end)

    def _letter_run(self, t: Token) -> str:
        i = self.pos - 1
        run = t.text
        end = t.end
        while i + 1 < len(self.toks) and self.toks[i + 1].kind == "letter" and self.toks[i + 1].start == end:
            i += 1
            run += self.toks[i].text
            end = self.toks[i].end
        return run

    def _name_node(self, name: Name, start: int, end: int) -> Node:
        if not name.latex:
            name.latex = self.text[start:end]
        return Node("name", (), start, end, value=name)

    def paren(self, opener: str, closer: str) -> Node:
        open_tok = self.next()
        if self.at(closer):
            raise self.error(open_tok, "empty brackets")
        saved_abs, saved_int = self.abs_depth, self.integral
        self.abs_depth, self.integral = 0, 0
        items = [self.relation()]
        while self.at(","):
            self.pos += 1
            items.append(self.relation())
        note = None
        close = self.peek()
        if close is None or close.text != closer:
            if closer == ")" and close is not None and close.text == "]" or closer == "]" and close is not None and close.text == ")":
                pass  # half-open interval (0, 1] reads as a pair
            else:
                self.abs_depth, self.integral = saved_abs, saved_int
                raise error_at(self.text, open_tok.start, open_tok.end, f"missing {closer!r}",
                               hint=f"the {open_tok.text!r} opened here is not closed")
        self.pos += 1
        self.abs_depth, self.integral = saved_abs, saved_int
        if any(n.kind == "text" for n in items for n in walk(n)):
            words = " ".join(n.value for item in items for n in walk(item) if n.kind == "text")
            if any(w in words for w in ("known", "fixed", "given", "unknown")):
                note = words
        if note is not None:
            return Node("note", tuple(items), open_tok.start, close.end, value=note)
        if opener == r"\{":
            return Node("set", tuple(items), open_tok.start, close.end)
        if len(items) > 1:
            return Node("tuple", tuple(items), open_tok.start, close.end, value=opener)
        return Node("paren", (items[0],), open_tok.start, close.end, value=opener)

    def bars(self, open_tok: Token) -> Node:
        self.pos += 1
        saved = self.abs_depth
        self.abs_depth = 1
        inner = self.expr()
        self.abs_depth = saved
        close = self.peek()
        if close is None or close.text not in ("|", r"\rvert", r"\vert"):
            raise error_at(self.text, open_tok.start, open_tok.end, "missing closing '|'",
                           hint="the '|' opened here is not closed")
        self.pos += 1
        return Node("abs", (inner,), open_tok.start, close.end)

    def norm(self, open_tok: Token) -> Node:
        self.pos += 1
        saved = self.abs_depth
        self.abs_depth = -1
        inner = self.expr()
        self.abs_depth = saved
        close = self.peek()
        if close is None or close.text not in NORM_CLOSE:
            raise error_at(self.text, open_tok.start, open_tok.end, "missing closing norm bars",
                           hint=r"close \| with \| (or \lVert with \rVert)")
        self.pos += 1
        node = Node("norm", (inner,), open_tok.start, close.end, value=None)
        if self.at("_"):
            self.pos += 1
            raw, s, e = self.raw_group_with_braces()
            node = Node("norm", (inner,), open_tok.start, e, value=_flat_subscript(raw))
        return node

    # ------------------------------------------------------------------ commands
    def command(self, t: Token) -> Node:
        c = t.text
        name = c[1:]
        if name in GREEK_LOWER or name in GREEK_UPPER:
            self.pos += 1
            base = GREEK_LOWER.get(name) or GREEK_UPPER[name]
            if c == r"\chi" and self.at("^") and self._peek_is_two():
                self.pos += 2
                return self.distribution(Token("cmd", c, t.start, self.toks[self.pos - 1].end), "ChiSquared")
            return self._name_node(Name(base, greek=True, latex=c), t.start, t.end)
        if c in BOLD:
            self.pos += 1
            return self.bold(t)
        if c in ACCENTS:
            self.pos += 1
            inner = self.argument()
            if inner.kind != "name":
                raise self.error_span(t.start, inner.end, f"{c} can decorate only a name")
            nm = inner.value
            new = Name(**{**nm.__dict__, "accent": ACCENTS[c] + nm.accent})
            new.latex = self.text[t.start:inner.end]
            return Node("name", (), t.start, inner.end, value=new)
        if c in TEXTLIKE:
            return self.text_command(t)
        if c == r"\mathcal" or c == r"\mathscr":
            self.pos += 1
            raw, s, e = self.raw_group()
            word = raw.strip()
            if word in CAL_FAMILIES and self.at("("):
                return self.distribution(Token("cmd", c, t.start, e), CAL_FAMILIES[word])
            if len(word) == 1 and word.isalpha():
                return self._name_node(Name(word, font="cal", latex=self.text[t.start:e + 1]), t.start, e + 1)
            raise self.error_span(t.start, e + 1, f"cannot read {self.text[t.start:e + 1]}")
        if c == r"\mathbb":
            self.pos += 1
            raw, s, e = self.raw_group()
            word = raw.strip()
            end = e + 1 if self.text[e:e + 1] == "}" else e
            if word == "E":
                return self.expectation(t, "E", end)
            if word in ("R", "N", "Z", "C", "Q"):
                return Node("mathbb", (), t.start, end, value=word)
            if word == "1":
                return Node("ones", (), t.start, end, value="indicator")
            if word == "P":
                return self.expectation(t, "P", end)
            raise self.error_span(t.start, end, f"cannot read \\mathbb{{{word}}}")
        if c in (r"\frac", r"\dfrac", r"\tfrac", r"\cfrac"):
            self.pos += 1
            return self.fraction(t)
        if c == r"\sqrt":
            self.pos += 1
            index = None
            if self.at("["):
                self.pos += 1
                index = self.expr()
                self.expect("]")
            arg = self.argument()
            return Node("sqrt", (arg,), t.start, arg.end, extra={"index": index})
        if name in FUNCTIONS:
            self.pos += 1
            return self.function(t, FUNCTIONS[name])
        if c in (r"\sum", r"\prod"):
            self.pos += 1
            return self.big_operator(t, name)
        if c in (r"\int", r"\iint", r"\oint"):
            self.pos += 1
            return self.integral_(t)
        if c == r"\lim":
            self.pos += 1
            return self.limit(t)
        if c == r"\nabla":
            self.pos += 1
            return self.nabla(t)
        if c == r"\partial":
            raise self.error(t, r"a lone \partial", hint=r"write \frac{\partial f}{\partial x}")
        if c in (r"\infty",):
            self.pos += 1
            return Node("const", (), t.start, t.end, value="oo")
        if c in ELLIPSES:
            self.pos += 1
            return Node("ellipsis", (), t.start, t.end)
        if c == r"\langle":
            self.pos += 1
            a = self.expr()
            if not self.at(","):
                raise self.error(t, r"\langle needs two arguments: \langle a, b \rangle")
            self.pos += 1
            b = self.expr()
            close = self.expect(r"\rangle", opened=t)
            return Node("inner", (a, b), t.start, close.end)
        if c == r"\begin":
            self.pos += 1
            return self.environment(t)
        if c in (r"\binom", r"\dbinom", r"\tbinom", r"\choose"):
            self.pos += 1
            n = self.argument()
            k = self.argument()
            return Node("binom", (n, k), t.start, k.end)
        if c in (r"\max", r"\min", r"\sup", r"\inf"):
            self.pos += 1
            if self.at("_"):
                raise self.error(t, f"{c}_{{...}} starts an optimisation problem; write it as its own statement",
                                 hint=r"\max_{x,y}\; f(x,y) \quad \text{s.t.} \quad g(x,y) = 0")
            if not self.at("(", "{", r"\{"):
                raise self.error(t, f"{c} needs its arguments in parentheses: {c}(a, b)")
            open_tok = self.next()
            closer = {"(": ")", "{": "}", r"\{": r"\}"}[open_tok.text]
            args, _ = self.arguments(closer, open_tok)
            return Node("func", tuple(args), t.start, self.toks[self.pos - 1].end, value=name)
        if c in (r"\emptyset", r"\varnothing"):
            raise self.error(t, "the empty set cannot be used in an expression")
        if c == r"\cdot":
            raise self.error(t, r"a placeholder \cdot with no operand", hint=r"write \sigma(z) with a variable")
        if c in (r"\hbar", r"\imath", r"\jmath"):
            raise self.error(t, f"{c} is not supported")
        if c in (r"\arg",):
            raise self.error(t, r"\arg\min / \arg\max start an optimisation problem; write it as its own statement")
        if c in (r"\mid",):
            raise self.error(t, r"\mid is allowed only inside p(a \mid b) or a distribution's parentheses")
        if c in (r"\top", r"\intercal"):
            raise self.error(t, f"{c} must be a superscript", hint=r"write \mathbf{x}^\top")
        if c in (r"\right", r"\left"):
            raise self.error(t, f"{c} is not followed by a delimiter")
        if c == r"\Pr":
            self.pos += 1
            return self.expectation(t, "P", t.end)
        raise self.error(t, f"unknown command {c}", hint=_command_hint(c))

    def _peek_is_two(self) -> bool:
        t = self.peek(1)
        if t is None:
            return False
        if t.text == "2":
            return True
        return False

    def bold(self, t: Token) -> Node:
        inner_tok = self.peek()
        if inner_tok is None:
            raise self.error(t, f"{t.text} needs an argument")
        if inner_tok.text == "{":
            raw, s, e = self.raw_group()
            end = e + 1
            word = raw.strip()
        else:
            self.pos += 1
            word, s, e = inner_tok.text, inner_tok.start, inner_tok.end
            end = e
            if inner_tok.kind == "num" and len(word) > 1:
                word = word[0]
        if word.startswith("\\"):
            g = word[1:].strip()
            if g in GREEK_LOWER or g in GREEK_UPPER:
                base = GREEK_LOWER.get(g) or GREEK_UPPER[g]
                return self._name_node(Name(base, bold=True, greek=True, font="bf", latex=self.text[t.start:end]), t.start, end)
            raise self.error_span(t.start, end, f"cannot make {word} bold")
        if word in ("0", "1"):
            return Node("ones" if word == "1" else "zeros", (), t.start, end)
        if len(word) == 1 and word.isalpha():
            font = "vec" if t.text == r"\vec" else "bf"
            return self._name_node(Name(word, bold=True, font=font, latex=self.text[t.start:end]), t.start, end)
        raise self.error_span(t.start, end, f"cannot read {self.text[t.start:end]}",
                              hint="bold names are single letters: \\mathbf{x}, \\boldsymbol{\\mu}")

    def text_command(self, t: Token) -> Node:
        self.pos += 1
        raw, s, e = self.raw_group()
        end = e + 1 if self.text[e:e + 1] == "}" and self.toks[self.pos - 1].text == "}" else e
        word = raw.replace(r"\,", "").replace(r"\!", "").replace(" ", "").strip()
        if word in ("d",) and t.text in (r"\mathrm", r"\text", r"\operatorname"):
            return self._name_node(Name("d", font="rm", latex=self.text[t.start:end]), t.start, end)
        if word == "e":
            return Node("const", (), t.start, end, value="E")
        if word in OPERATOR_WORDS:
            op = OPERATOR_WORDS[word]
            if op in ("E", "Var", "Cov", "P", "KL"):
                return self.expectation(t, op, end)
            return self.function(Token("cmd", "\\" + word, t.start, end), op)
        if family_of(word) and self.at("("):
            return self.distribution(Token("cmd", word, t.start, end), family_of(word))
        low = word.lower()
        if low.startswith(("scaled-inv-", "scale-inv-", "scaledinv", "inv-")) and self.at(r"\chi"):
            self.pos += 1
            if self.at("^"):
                self.pos += 1
                self._skip_arg()
            fam = "InvChi2" if low.startswith("inv-") else "ScaledInvChi2"
            return self.distribution(Token("cmd", word, t.start, self.toks[self.pos - 1].end), fam)
        if len(word) == 1 and word.isalpha():
            return self._name_node(Name(word, font="rm", latex=self.text[t.start:end]), t.start, end)
        if word.replace("_", "").isalnum() and self.at("("):
            # a named user function such as \operatorname{ReLU}(x)
            return self._name_node(Name(word, font="rm", latex=self.text[t.start:end]), t.start, end)
        return Node("text", (), t.start, end, value=word)

    def distribution(self, t: Token, family: str) -> Node:
        if not self.at("("):
            raise self.error(t, f"the distribution {family} needs its parameters in parentheses")
        open_tok = self.next()
        args, given = self.arguments(")", open_tok)
        close = self.toks[self.pos - 1]
        return Node("dist", tuple(args), t.start, close.end, value=family, extra={"given": tuple(given)})

    def expectation(self, t: Token, op: str, end: int) -> Node:
        sub = None
        if self.at("_"):
            self.pos += 1
            sub = self.argument()
        open_tok = self.peek()
        if open_tok is None or open_tok.text not in ("[", "(", r"\{"):
            raise self.error_span(t.start, end, f"{op} needs brackets: {op}[x]")
        self.pos += 1
        closer = {"[": "]", "(": ")", r"\{": r"\}"}[open_tok.text]
        args, given = self.arguments(closer, open_tok)
        close = self.toks[self.pos - 1]
        return Node("expect", tuple(args), t.start, close.end, value=op, extra={"sub": sub, "given": tuple(given)})

    def function(self, t: Token, fname: str) -> Node:
        power = None
        base = None
        if self.at("_") and fname in ("log",):
            self.pos += 1
            base = self.argument()
        if self.at("^"):
            self.pos += 1
            power = self.argument()
        if fname in ("sqrt",):
            arg = self.argument()
            return Node("sqrt", (arg,), t.start, arg.end, extra={"index": None})
        arg = self.function_argument(t)
        node = Node("func", (arg,), t.start, arg.end, value=fname, extra={"base": base})
        if power is not None:
            if power.kind == "neg" and power.args[0].kind == "num" and power.args[0].value == "1":
                node.extra["inverse"] = True
                return node
            node = Node("pow", (node, power), t.start, arg.end)
        return node

    def function_argument(self, t: Token) -> Node:
        nxt = self.peek()
        if nxt is None:
            raise self.error(t, f"{t.text} needs an argument")
        if nxt.text in ("(", "[", r"\{"):
            closer = {"(": ")", "[": "]", r"\{": r"\}"}[nxt.text]
            node = self.paren(nxt.text, closer)
            if node.kind == "set" and len(node.args) == 1:
                return Node("paren", node.args, node.start, node.end, value="{")
            if node.kind == "tuple":
                return node
            # \exp(x)^2 squares the function value; handled by the caller's postfix
            return node
        if nxt.text in ("|",) or nxt.text in NORM_OPEN:
            return self.factor()
        # unparenthesised: \sin x y, \log\det\Sigma, \log \sum_k ...
        if nxt.kind == "cmd" and (nxt.text[1:] in FUNCTIONS or nxt.text in (r"\sum", r"\prod", r"\operatorname", r"\mathrm")):
            first = self.factor()
            if first.kind in ("sum", "prod", "func"):
                return first
            node = first
        else:
            node = self.factor()
        while self.can_start_atom():
            t2 = self.peek()
            if t2.kind == "cmd" and (t2.text[1:] in FUNCTIONS or t2.text in (r"\sum", r"\prod", r"\int", r"\frac", r"\operatorname", r"\mathrm", r"\text", r"\left", r"\nabla", r"\sqrt")):
                break
            if t2.text in ("(", "[") and node.kind in ("num", "name"):
                break
            if self.integral and self._differential_ahead():
                break
            rhs = self.factor()
            node = Node("mul", (node, rhs), node.start, rhs.end, value="juxt")
        return node

    def fraction(self, t: Token) -> Node:
        num_start = self.pos
        deriv = self._try_derivative(t)
        if deriv is not None:
            return deriv
        self.pos = num_start
        num = self.argument()
        den = self.argument()
        return Node("frac", (num, den), t.start, den.end)

    def _group_tokens(self) -> tuple[int, int] | None:
        """Token index range of the next {...} group (exclusive of braces), or None."""
        if not self.at("{"):
            return None
        depth = 0
        for i in range(self.pos, len(self.toks)):
            tx = self.toks[i].text
            if tx == "{":
                depth += 1
            elif tx == "}":
                depth -= 1
                if depth == 0:
                    return self.pos + 1, i
        return None

    def _d_marker(self, i: int, stop: int) -> tuple[str, int] | None:
        """At token i: d, \\mathrm{d}, \\partial, \\text{d}, \\operatorname{d} -> (kind, next index)."""
        if i >= stop:
            return None
        tk = self.toks[i]
        if tk.text == r"\partial":
            return "partial", i + 1
        if tk.text == "d" and tk.kind == "letter":
            return "d", i + 1
        if tk.text in (r"\mathrm", r"\text", r"\operatorname", r"\mathit") and i + 3 <= stop and \
                self.toks[i + 1].text == "{" and self.toks[i + 2].text == "d" and self.toks[i + 3].text == "}":
            return "d", i + 4
        if tk.text in (r"\mathrm", r"\text") and i + 1 < stop and self.toks[i + 1].text == "d":
            return "d", i + 2
        return None

    def _try_derivative(self, t: Token) -> Node | None:
        rng = self._group_tokens()
        if rng is None:
            return None
        a, b = rng
        mark = self._d_marker(a, b)
        if mark is None:
            return None
        kind, i = mark
        # numerator: d^k [f]
        sub = Reader(self.text, [])
        sub.toks = self.toks[i:b]
        sub.end_offset = self.toks[b].start
        order = None
        if sub.at("^"):
            sub.pos += 1
            order = sub.argument()
        func = None
        if not sub.done():
            try:
                func = sub.expr()
            except ParseError:
                return None
            if not sub.done():
                return None
        self.pos = b + 1
        den = self._group_tokens()
        if den is None:
            if self.peek() is None:
                return None
            return None
        c, d = den
        variables = []
        j = c
        while j < d:
            m = self._d_marker(j, d)
            if m is None or m[0] != kind and not (kind == "d" and m[0] == "d"):
                return None
            j = m[1]
            vs = Reader(self.text, [])
            vs.toks = self.toks[j:d]
            vs.end_offset = self.toks[d].start
            try:
                var = vs.postfix(vs.atom())
            except ParseError:
                return None
            power = None
            if var.kind == "pow":
                var, power = var.args
            if var.kind == "tuple" and all(a.kind == "name" for a in var.args) and power is None:
                variables.extend((a, None) for a in var.args)
                j += vs.pos
                continue
            if var.kind != "name":
                return None
            variables.append((var, power))
            j += vs.pos
        if not variables:
            return None
        self.pos = d + 1
        end = self.toks[d].end
        node = Node("deriv", (), t.start, end, value=kind,
                    extra={"func": func, "order": order, "vars": tuple(variables), "operand": None})
        if func is not None:
            node.extra["operand"] = None
        return node

    def big_operator(self, t: Token, which: str) -> Node:
        lower = upper = None
        while self.at("_", "^"):
            tok = self.next()
            if tok.text == "_":
                lower = self.argument()
            else:
                upper = self.argument()
        if lower is None:
            raise self.error(t, f"\\{which} needs an index: \\{which}_{{i=1}}^{{N}}")
        index_names = _bound_names(lower)
        body = self.term()
        if which == "sum" and index_names:
            while self.at("+", "-"):
                save = self.pos
                op = self.next()
                try:
                    nxt = self.term()
                except ParseError:
                    self.pos = save
                    break
                if _mentions(nxt, index_names):
                    body = Node("add" if op.text == "+" else "sub", (body, nxt), body.start, nxt.end, value=op.text)
                else:
                    self.pos = save
                    break
        return Node(which, (body,), t.start, body.end, extra={"lower": lower, "upper": upper})

    def integral_(self, t: Token) -> Node:
        lower = upper = None
        while self.at("_", "^"):
            tok = self.next()
            if tok.text == "_":
                lower = self.argument()
            else:
                upper = self.argument()
        self.integral += 1
        try:
            body = self.expr()
        finally:
            self.integral -= 1
        variables = []
        while self.peek() is not None and self._differential_ahead():
            if self.at("d"):
                self.pos += 1
            else:
                self.pos += 4
            var = self.postfix(self.atom())
            variables.append(var)
        if not variables:
            raise self.error(t, "an integral without its differential", hint=r"end it with dx: \int_0^1 x^2 \, dx")
        return Node("int", (body,), t.start, variables[-1].end, extra={"lower": lower, "upper": upper, "vars": tuple(variables)})

    def limit(self, t: Token) -> Node:
        if not self.at("_"):
            raise self.error(t, r"\lim needs a subscript: \lim_{x \to 0}")
        self.pos += 1
        sub = self.argument()
        body = self.term()
        return Node("lim", (body,), t.start, body.end, extra={"sub": sub})

    def nabla(self, t: Token) -> Node:
        sub = power = None
        while self.at("_", "^"):
            tok = self.next()
            if tok.text == "_":
                sub = self.argument()
            else:
                power = self.argument()
        end = self.toks[self.pos - 1].end
        return Node("nabla", (), t.start, end, extra={"sub": sub, "power": power, "operand": None})

    def environment(self, t: Token) -> Node:
        raw, s, e = self.raw_group()
        env = raw.strip()
        if env not in ("bmatrix", "pmatrix", "matrix", "vmatrix", "Bmatrix", "smallmatrix", "array"):
            raise self.error_span(t.start, e + 1, f"the environment {env!r} is not supported here",
                                  hint="use bmatrix or pmatrix for matrices")
        if env == "array" and self.at("{"):
            self.raw_group()
        rows, row = [], []
        while True:
            if self.peek() is None:
                raise self.error(t, f"\\begin{{{env}}} is not closed", hint=f"end it with \\end{{{env}}}")
            if self.at(r"\end"):
                end_tok = self.next()
                raw2, s2, e2 = self.raw_group()
                if raw2.strip() != env:
                    raise self.error_span(end_tok.start, e2 + 1, f"\\end{{{raw2.strip()}}} does not match \\begin{{{env}}}")
                if row:
                    rows.append(row)
                break
            cell = self.expr()
            row.append(cell)
            if self.at("&"):
                self.pos += 1
                continue
            if self.at("\\\\"):
                self.pos += 1
                rows.append(row)
                row = []
                continue
            if not self.at(r"\end"):
                tk = self.peek()
                if tk is None:
                    raise self.error(t, f"\\begin{{{env}}} is not closed", hint=f"end it with \\end{{{env}}}")
                raise self.error(tk, f"expected & or \\\\ in the matrix, found {tk.text!r}")
        rows = [r for r in rows if r]
        if not rows:
            raise self.error(t, "an empty matrix")
        width = len(rows[0])
        for r in rows:
            if len(r) != width:
                raise self.error_span(r[0].start, r[-1].end, f"this row has {len(r)} entries, the first has {width}")
        return Node("matrix", tuple(tuple(r) for r in rows), t.start, e2 + 1, value=env)


GREEK_CMDS = {"\\" + g for g in list(GREEK_LOWER) + list(GREEK_UPPER)}


def _flat_subscript(raw: str) -> str:
    out = raw.strip()
    for w in (r"\mathrm", r"\text", r"\mathbf", r"\boldsymbol", r"\operatorname", r"\mathit", r"\bm"):
        out = out.replace(w, "")
    for ch in "{} \\,":
        out = out.replace(ch, "")
    return out


def _bound_names(lower: Node) -> set:
    """Names bound by a big operator's subscript: ``i=1`` -> {i}, ``i`` -> {i}, ``i,j`` -> {i, j}."""
    out = set()
    node = lower
    if node.kind == "rel":
        node = node.args[0]
    if node.kind == "name":
        out.add(node.value.ident)
    elif node.kind == "tuple":
        for a in node.args:
            if a.kind == "name":
                out.add(a.value.ident)
    elif node.kind == "mul":
        for n in walk(node):
            if n.kind == "name":
                out.add(n.value.ident)
    return out


def _mentions(node: Node, names: set) -> bool:
    for n in walk(node):
        if n.kind == "name":
            nm = n.value
            if nm.ident in names:
                return True
            if nm.sub is not None:
                for m in walk(nm.sub):
                    if m.kind == "name" and m.value.ident in names:
                        return True
            if nm.subtext and all(ch in names for ch in nm.subtext):
                return True
    return False


def _command_hint(c: str) -> str | None:
    known = {r"\Var": r"write \operatorname{Var}[x]", r"\tr": r"write \operatorname{tr}(A)",
             r"\diag": r"write \operatorname{diag}(x)", r"\softmax": r"write \operatorname{softmax}(z)",
             r"\argmin": r"write \operatorname*{arg\,min}_{x} as its own statement",
             r"\argmax": r"write \operatorname*{arg\,max}_{x} as its own statement",
             r"\E": r"write \mathbb{E}[x]", r"\Tr": r"write \operatorname{tr}(A)",
             r"\R": r"write \mathbb{R}", r"\transpose": r"write ^\top"}
    return known.get(c, "check the spelling, or write the function as \\operatorname{name}")
