"""The reverse sweep: ∂output/∂node for every node, in one loop backwards.

Each node passes its adjoint to its arguments times the local partial from the
operations table; a node used several times collects the sum over its uses,
which is the chain rule summed over every path.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from gradcli.errors import DomainError
from gradcli.forward import _args_text, _where, describe, nonfinite_error
from gradcli.ops import NUM, OPS
from gradcli.tape import CONST, VAR, Tape, needs_grad


@dataclass(frozen=True)
class Note:
    """A point where a convention, not calculus, picked the number we report."""

    node: int
    message: str  # "abs(x) (column 1): abs has a kink at x = 0; reporting abs'(0) = 0"


def reverse(tape: Tape, vals: list[Any], output: int | None = None,
            need: list[bool] | None = None, m: Any = NUM) -> tuple[list[Any], list[Note]]:
    """Adjoints of every node for one output, and the notes about singular points."""
    out = tape.outputs[-1] if output is None else output
    need = needs_grad(tape) if need is None else need
    ops, args = tape.ops, tape.args
    adj: list[Any] = [0.0] * len(ops)
    adj[out] = 1.0
    notes: list[Note] = []
    for i in range(out, -1, -1):
        g = adj[i]
        op = ops[i]
        if g == 0 or op == VAR or op == CONST or not need[i]:
            continue
        spec = OPS[op]
        a = args[i]
        argv = [vals[j] for j in a]
        note = spec.singular(*argv) if spec.singular is not None else None
        try:
            partials = spec.partials(m, vals[i], *argv)
        except (ZeroDivisionError, ValueError, OverflowError):
            partials = (math.nan,) * len(a)
        for j, p in zip(a, partials, strict=True):
            if not need[j]:
                continue
            if p - p != 0:  # inf or nan: the slope is undefined here
                raise DomainError(
                    f"the derivative of {describe(tape, i)} is undefined"
                    + _where(_args_text(tape, i, vals)) + (f": {note}" if note else ""),
                    text=tape.text, pos=tape.pos[i])
            adj[j] += g * p
        if note is not None:
            conv = f"; reporting {spec.convention} (PyTorch's convention)" if spec.kink else ""
            notes.append(Note(i, f"{describe(tape, i)}: {note}{conv}"))
    if not all(map(math.isfinite, adj)):
        raise nonfinite_error(tape, adj, "gradient")
    return adj, notes
