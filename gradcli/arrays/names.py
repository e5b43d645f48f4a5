"""Array op names, how they print, and whether a job needs the array path (no NumPy here).

The parser (gradcli/arrays/rules.py) builds nodes with these op names; tape.py's
`format_op` asks `format_array_op` to print them.  gradcli/builder.py keeps the typed
names as ARRAY_WORDS (so a scalar parse never imports this package); a test keeps the
two the same.
"""

from __future__ import annotations

# name as typed -> (op, number of arguments)
ARRAY_FUNCTIONS: dict[str, tuple[str, int]] = {
    "sum": ("sum", 1), "mean": ("mean", 1), "prod": ("prod", 1),
    "dot": ("dot", 2), "norm": ("norm", 1), "outer": ("outer", 2),
    "transpose": ("transpose", 1), "trace": ("trace", 1),
    "softmax": ("softmax", 1), "log_softmax": ("log_softmax", 1),
    "logsumexp": ("logsumexp", 1),
    "det": ("det", 1), "inv": ("inv", 1), "logdet": ("logdet", 1), "solve": ("solve", 2),
}
# max(x) and min(x) of ONE argument reduce an array; of several they stay elementwise
ONE_ARGUMENT = {"max": "amax", "min": "amin"}

ARRAY_OPS = frozenset({op for op, _ in ARRAY_FUNCTIONS.values()}
                      | {"amax", "amin", "norm1", "matmul", "stack"})
INDEX = "index"  # op names index[...]: the subscript text is part of the name

# how a reduction or array op prints when its typed name differs from the op name
_SHOWN = {"amax": "max", "amin": "min"}


def is_array_op(op: str) -> bool:
    """Whether `op` needs the array path (the scalar table does not know it)."""
    return op in ARRAY_OPS or op.startswith(INDEX + "[")


def is_array_text(text: str) -> bool:
    """Whether a value as typed is an array: `[1, 2]`, or `@file.csv`."""
    return text.lstrip()[:1] in ("[", "@")


def format_array_op(op: str, kids: list[tuple[str, int]]) -> tuple[str, int]:
    """Text and precedence of an array op applied to printed arguments (tape.format_op)."""
    texts = [t for t, _ in kids]
    if op == "matmul":
        (lt, lp), (rt, rp) = kids
        # @ binds as * does (left-associative): brackets on the right at equal precedence
        return f"{_wrap(lt, lp, 2)} @ {_wrap(rt, rp, 3)}", 2
    if op == "stack":
        return "[" + ", ".join(texts) + "]", 9
    if op.startswith(INDEX + "["):
        (t, p), = kids
        return _wrap(t, p, 9) + op[len(INDEX):], 9
    if op == "norm1":
        return f"norm({texts[0]}, 1)", 9
    return f"{_SHOWN.get(op, op)}({', '.join(texts)})", 9


def _wrap(text: str, prec: int, need: int) -> str:
    return f"({text})" if prec < need else text
