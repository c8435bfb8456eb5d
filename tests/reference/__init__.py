"""Tests of ``tinygrad_edu.reference``: the articles' hand-derived gradients."""
