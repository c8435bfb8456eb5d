"""Hand-derived NumPy references for the five articles the project rebuilds (000 to 004).

Each module re-derives one article's network in the article's own parameter layout --
``init_params``, ``forward``, ``cost``, ``backprop`` (the exact gradient of ``cost``) and
``to_linear`` / ``from_linear`` (exact conversion to and from the framework's
``Linear`` layout: weight (out, in), bias (out,), y = x @ weight.T + bias) -- and keeps
the article's own formulas where they are wrong, under an ``*_article`` / ``*_prose`` name
whose docstring says which entries differ and why.

=================== ======================================================================
``semeion_000``     256-30-20-10 sigmoid, bias column, BCE + L2; ``backprop_prose``
``digits_001``      64-200-10 sigmoid/softmax, W (in, out); ``backprop_article``,
                    ``cost_article``
``mnist_002``       784-32-10 ReLU (output too) + softmax, column samples;
                    ``relu_prime_article``
``ng_003``          400-(hidden)-10 sigmoid, bias row, flat theta; ``backprop_article``,
                    ``cost_article``
``catvnoncat_004``  12288-20-7-5-1 ReLU/sigmoid, column samples, dict params (correct)
=================== ======================================================================

This package imports NumPy only.
"""

from . import catvnoncat_004, digits_001, mnist_002, ng_003, semeion_000

__all__ = ["catvnoncat_004", "digits_001", "mnist_002", "ng_003", "semeion_000"]
