"""LaTeX vocabulary of the reader: relations, product operators, fonts, accents, delimiters."""
from __future__ import annotations

from .syntax_tree import Node, walk
from .vocabulary import GREEK_LOWER, GREEK_UPPER

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
             r"\colon", r"\wedge", r"\land", r"\vee", r"\lor"} | set(RELATIONS) | set(PRODUCTS)
INVERSE_FAMILIES = {"Wishart": "InverseWishart", "Gamma": "InverseGamma", "ChiSquared": "InvChi2"}
_CASE_WORDS = {"if", "for", "when", "otherwise", "else", "if ", "sonst"}
GREEK_CMDS = {"\\" + g for g in list(GREEK_LOWER) + list(GREEK_UPPER)}


def flat_subscript(raw: str) -> str:
    out = raw.strip()
    for w in (r"\mathrm", r"\text", r"\mathbf", r"\boldsymbol", r"\operatorname", r"\mathit", r"\bm"):
        out = out.replace(w, "")
    for ch in "{} \\,":
        out = out.replace(ch, "")
    return out


def bound_names(lower: Node) -> set:
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


def mentions(node: Node, names: set) -> bool:
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


def command_hint(c: str) -> str | None:
    known = {r"\Var": r"write \operatorname{Var}[x]", r"\tr": r"write \operatorname{tr}(A)",
             r"\diag": r"write \operatorname{diag}(x)", r"\softmax": r"write \operatorname{softmax}(z)",
             r"\argmin": r"write \operatorname*{arg\,min}_{x} as its own statement",
             r"\argmax": r"write \operatorname*{arg\,max}_{x} as its own statement",
             r"\E": r"write \mathbb{E}[x]", r"\Tr": r"write \operatorname{tr}(A)",
             r"\R": r"write \mathbb{R}", r"\transpose": r"write ^\top"}
    return known.get(c, "check the spelling, or write the function as \\operatorname{name}")
