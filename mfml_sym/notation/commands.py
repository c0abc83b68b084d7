"""The commands of the reader: ``\\frac`` (and derivatives written as fractions), functions
(``\\sin x``, ``\\log_2``), fonts, ``\\text``-words, distributions, ``\\sum``/``\\prod``/``\\int``/
``\\lim``, ``\\nabla``, matrix and cases environments. Mixed into :class:`.reader.Reader`."""
from __future__ import annotations

import re

from ..errors import ParseError
from .lexer import Token
from .syntax_tree import Name, Node
from .latex_tables import (
    ACCENTS, BOLD, ELLIPSES, INVERSE_FAMILIES, NORM_OPEN, TEXTLIKE, bound_names, command_hint,
    mentions,
)
from .vocabulary import CAL_FAMILIES, FUNCTIONS, GREEK_LOWER, GREEK_UPPER, OPERATOR_WORDS, family_of

__all__ = ["CommandReader"]


class CommandReader:
    """Methods of :class:`~mfml_sym.notation.reader.Reader` that read one command each."""

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
            if word in CAL_FAMILIES and (self.at("(") or self.at("^") and CAL_FAMILIES[word] in INVERSE_FAMILIES):
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
        if c in (r"\Reals", r"\Naturals", r"\Integers"):
            self.pos += 1
            return Node("mathbb", (), t.start, t.end, value=c[1])
        if c == r"\substack":
            # \sum_{\substack{0 \leq i \leq n-1 \\ 1 \leq j \leq N}}: several index ranges
            self.pos += 1
            open_tok = self.expect("{")
            rows = [self.relation()]
            while self.at("\\\\"):
                self.pos += 1
                rows.append(self.relation())
            close = self.expect("}", opened=open_tok)
            return Node("substack", tuple(rows), t.start, close.end)
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
        if c == r"\partial" and self.at("_", k=1):
            self.pos += 2
            sub = self.argument()
            power = None
            if self.at("^"):
                self.pos += 1
                power = self.argument()
            return Node("nabla", (), t.start, sub.end, value="partial", extra={"sub": sub, "power": power, "operand": None})
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
        raise self.error(t, f"unknown command {c}", hint=command_hint(c))

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
        if family_of(word) and (self.at("(") or self.at("^") and family_of(word) in INVERSE_FAMILIES):
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
        if self.at("^") and self.peek(1) is not None:
            # \mathcal{W}^{-1}(\nu, \Psi), \mathrm{Gamma}^{-1}(a, b): the inverse family
            raw, s, e = self._peek_raw_arg_after_caret()
            if raw.replace(" ", "") in ("-1", "{-1}") and family in INVERSE_FAMILIES:
                self.pos += 1
                self._skip_arg()
                family = INVERSE_FAMILIES[family]
        if not self.at("("):
            raise self.error(t, f"the distribution {family} needs its parameters in parentheses")
        open_tok = self.next()
        args, given = self.arguments(")", open_tok)
        close = self.toks[self.pos - 1]
        return Node("dist", tuple(args), t.start, close.end, value=family, extra={"given": tuple(given)})

    def _peek_raw_arg_after_caret(self):
        save = self.pos
        self.pos += 1
        try:
            return self.raw_group_with_braces()
        finally:
            self.pos = save

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
        if nxt.text == "{":
            # \log{\left(x \right)}^{2} (sympy's printer): the braces hold the argument and
            # a following power belongs to the function value
            return self.atom()
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
        sub = type(self)(self.text, [])
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
            vs = type(self)(self.text, [])
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
        if lower.kind == "substack":
            lower = Node("tuple", lower.args, lower.start, lower.end)
        index_names = bound_names(lower)
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
                if mentions(nxt, index_names):
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
            if self.integral:
                break  # \int\int f \,dx\,dy: the outer integral takes dy
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

    def cases(self, t: Token, env: str) -> Node:
        r"""\begin{cases} value & condition \\ ... \end{cases} -> a piecewise node."""
        rows = []
        while True:
            if self.peek() is None:
                raise self.error(t, f"\\begin{{{env}}} is not closed", hint=f"end it with \\end{{{env}}}")
            if self.at(r"\end"):
                end_tok = self.next()
                raw2, s2, e2 = self.raw_group()
                break
            value = self.expr()
            cond = None
            if self.at(",") and self.at("&", k=1):
                self.pos += 1
            if self.at("&"):
                self.pos += 1
                words = []
                while self.peek() is not None and self.peek().text in (r"\text", r"\mathrm", r"\textrm", r"\mbox") :
                    save = self.pos
                    self.pos += 1
                    raw, s0, e0 = self.raw_group()
                    word = re.sub(r"\\[,;:! ]|\\quad|~", " ", raw).strip().lower().rstrip(",").strip()
                    if word in ("otherwise", "else", "sonst", "elsewhere"):
                        words.append("otherwise")
                        continue
                    if word in ("if", "for", "when", "if ", "where"):
                        continue
                    self.pos = save
                    break
                if "otherwise" not in words:
                    if self.at(",") :
                        self.pos += 1
                    cond = self.relation()
            if self.at("\\\\"):
                self.pos += 1
            elif not self.at(r"\end"):
                tk = self.peek()
                if tk is None:
                    continue
                raise self.error(tk, f"expected & or \\\\ in the cases, found {tk.text!r}")
            rows.append((value, cond))
        if not rows:
            raise self.error(t, "empty cases")
        return Node("cases", tuple(rows), t.start, e2 + 1)

    def environment(self, t: Token) -> Node:
        raw, s, e = self.raw_group()
        env = raw.strip()
        if env in ("cases", "dcases"):
            return self.cases(t, env)
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
