r"""Recursive-descent reader: LaTeX tokens of one statement -> syntax tree.

Precedence, lowest first: relations (``= \le \sim \in \propto``), sums ``+ -``, products
(``\cdot``, ``\times``, ``/``, ``\odot``, ``\otimes`` and juxtaposition), unary minus,
postfix (``^``, ``_``, primes, ``!``, application ``f(x)``), atoms. Choices that need the
cell's declarations (is ``f(x)`` an application or a product? is ``|A|`` a determinant?) are
left to :mod:`mfml_sym.notation.semantics`; the tree records what was written.

Two readings are built in because the book relies on them:
* ``\sin x y`` applies ``\sin`` to the juxtaposed product ``x y``, stopping at the next
  function (``\sin x \cos x`` is a product of two functions);
* the body of ``\sum_{n}`` runs over following ``+``/``-`` terms while they use the index
  ``n`` (``\sum_n \log(1+e^{z_n}) - y_n z_n`` is one sum), and stops at the first that
  does not."""
from __future__ import annotations

import re

from ..errors import ParseError
from .lexer import Token, error_at
from .syntax_tree import Name, Node, walk
from .latex_tables import (
    BOLD, GREEK_CMDS, NORM_CLOSE, NORM_OPEN, PRODUCTS, RELATIONS, STOP_CMDS, TRANSPOSE_MARKS,
    flat_subscript,
)
from .vocabulary import SUSPICIOUS_WORDS
from .commands import CommandReader

__all__ = ["Reader", "RELATIONS"]


class Reader(CommandReader):
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
            raise self.unexpected(self.peek())
        return node

    def unexpected(self, t: Token) -> ParseError:
        """The error for a token left over after a complete statement."""
        if t.text == "**":
            return self.error(t, "'**' is Python's power", hint="write x^2 in LaTeX, or the whole cell in sympy syntax")
        hint = None
        if t.text in (")", "]", "}", r"\}"):
            hint = "an extra closing bracket, or a missing opening one"
        elif t.text in ("&", "\\\\"):
            hint = r"use & and \\ only inside \begin{bmatrix} ... \end{bmatrix}"
        elif t.text in ("|", r"\|", r"\rVert", r"\rvert"):
            hint = "a closing bar without its opening one"
        return self.error(t, f"cannot read {t.text!r} here", hint=hint)

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
        node = Node("rel", tuple(items), start_tok.start, items[-1].end, value=tuple(ops))
        if self.at(r"\wedge", r"\land"):
            # 0 \leq x \wedge x \leq 1 (sympy's printing of a chain)
            self.pos += 1
            other = self.relation()
            return Node("and", (node, other), node.start, other.end)
        return node

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
            # a bar followed by _ or ^ closes an evaluation (\right|_{x=0}), it opens nothing
            return self.abs_depth == 0 and not self.at("_", "^", k=1) and self._closing_bar_ahead()
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
                if kind == "div" and self.can_start_atom() and not (self.integral and self._differential_ahead()):
                    nxt = self.peek()
                    raise self.error_span(node.start, nxt.end, f"'{self.text[node.start:nxt.end]}' is ambiguous",
                                          hint=r"write \frac{a}{b c} or (a/b) c")
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
        node = self.postfix(self.atom())
        # operators take what follows: \eta \nabla L(w), 2 \frac{d}{dx} f(x)
        if node.kind == "nabla" and node.extra.get("operand") is None and self.can_start_atom():
            operand = self.factor()
            node = Node("nabla", node.args, node.start, operand.end, value=node.value,
                        extra={**node.extra, "operand": operand})
        elif node.kind == "deriv" and node.extra.get("operand") is None and node.extra.get("func") is None \
                and self.can_start_atom():
            operand = self.term()
            node = Node("deriv", node.args, node.start, operand.end, value=node.value,
                        extra={**node.extra, "operand": operand})
        return node

    # ------------------------------------------------------------------ postfix
    def postfix(self, node: Node) -> Node:
        while True:
            t = self.peek()
            if t is None:
                return node
            if t.text == "^":
                if node.kind == "pow" and not node.extra.get("derivative_order"):
                    raise self.error(t, "a double superscript", hint="write x^{y^z} or (x^y)^z")
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
        flat = re.sub(r"\\(left|right|bigl|bigr|big|Bigl|Bigr|Big)(?![a-zA-Z])|\s", "", raw)
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
                applied = self.at("(")
                if applied and (inner.kind == "num" or (inner_raw.isalpha() and len(inner_raw) == 1 and inner_raw in "kmnr")):
                    return Node("pow", (base, inner), base.start, end, extra={"derivative_order": True})
                nm = base.value
                if inner.kind == "num" or nm.bold or nm.upper:
                    # W^{(1)}, \mathbf{w}^{(t)}: layer / iteration superscripts name a vector or
                    # matrix of their own (plain x^{(i)} is the i-th example, an indexed scalar)
                    label = inner.value if inner.kind == "num" else inner_raw.replace(" ", "")
                    new = Name(**{**nm.__dict__, "base": f"{nm.base}^({label})"})
                    return Node("name", (), base.start, end, value=new)
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
            if self.at(","):
                items = [inner]
                while self.at(","):
                    self.pos += 1
                    items.append(self.relation())
                inner = Node("tuple", tuple(items), items[0].start, items[-1].end, value="{")
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
            new = Name(**{**name.__dict__, "sub": sub, "subtext": flat_subscript(raw)})
            new.latex = self.text[base.start:sub.end]
            return Node("name", (), base.start, sub.end, value=new)
        if base.kind in ("norm",) and base.value is None:
            raw, s, e = self.raw_group_with_braces()
            return Node("norm", base.args, base.start, e, value=flat_subscript(raw))
        if base.kind in ("transpose", "inverse", "pow") and base.args[0].kind == "name" and not base.args[0].value.subtext:
            # x^\top_n reads as (x_n)^\top
            inner = self.subscript(base.args[0], tok)
            return Node(base.kind, (inner,) + tuple(base.args[1:]), base.start, inner.end, value=base.value, extra=base.extra)
        if base.kind in ("func", "apply", "paren", "matrix"):
            sub = self.argument()
            return Node("element", (base, sub), base.start, sub.end)
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
        if opener == r"\{" and (len(items) > 1 or items[0].kind in ("ellipsis", "num")):
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
            node = Node("norm", (inner,), open_tok.start, e, value=flat_subscript(raw))
        return node
