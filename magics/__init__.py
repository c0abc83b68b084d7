"""IPython layer of mfml_sym (installed as ``mfml_sym.magics``)."""
