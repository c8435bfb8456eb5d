"""``tinygrad_edu.compile``: trace a step once, replay it as readable NumPy source.

`trace` records the NumPy operations of one eager call, `state` finds what the step reads
and changes and swaps it for traced views, `codegen` writes the operations as a Python
function, `compiled` runs the warm-up / trace / check / replay cycle with its guards.
"""

from .compiled import CompiledFunction, compile
from .trace import TraceError, TraceWarning

__all__ = ["CompiledFunction", "TraceError", "TraceWarning", "compile"]
