"""``torch.linalg``'s norms: `vector_norm` and `matrix_norm` (ops built from primitives in
``tinygrad_edu.ops``; matrix ords that need an SVD raise NotImplementedError)."""

from .ops import matrix_norm, vector_norm

__all__ = ["matrix_norm", "vector_norm"]
