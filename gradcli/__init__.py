"""gradcli: a command-line gradient calculator built on a computational graph.

The Python API mirrors `gradcli eval`:

    >>> import gradcli
    >>> r = gradcli.gradient("x*y", x=2, y=3)
    >>> r.value, r.gradient
    (6.0, {'x': 3.0, 'y': 2.0})
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from gradcli.pipeline import Evaluation


def gradient(expression: str, check: bool = True, **values: float) -> Evaluation:
    """Value, gradient and per-node table (`.nodes`) of `expression` at `values`."""
    from gradcli.pipeline import evaluate

    return evaluate(expression, values, check=check)


def __getattr__(name: str) -> Any:  # lazy, so `import gradcli` stays cheap
    if name in ("GradcliError", "InputError", "DomainError", "ParseError"):
        from gradcli import errors

        return getattr(errors, name)
    raise AttributeError(name)
