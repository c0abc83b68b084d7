"""Rendering: the book's notation in LaTeX and plain text, derivations as blocks, export to .tex.

* :mod:`.latex_printer` -- ``to_latex(expr)``: sympy objects in the MML book's notation.
* :mod:`.text_printer` -- ``to_text(expr)``: the same as one readable line for terminals.
* :mod:`.derivation_latex` -- ``derivation_to_latex(d)``: one ``aligned`` block (notebook display).
* :mod:`.derivation_text` -- ``derivation_to_text(d)``: the ``text/plain`` form.
* :mod:`.export` -- ``export(results, path)``, ``append_fragment(d, path)``: documents for pdflatex.

Engines that build LaTeX strings themselves should print sympy parts with ``to_latex`` (never
``sympy.latex``), so that notebook display, export and the text form agree.
"""
