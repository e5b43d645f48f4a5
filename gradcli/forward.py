"""The forward sweep: every node's value, in one loop over the tape."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from gradcli.diagnose import finite, nonfinite_error, value_error
from gradcli.ops import OPS
from gradcli.tape import CONST, VAR, Tape

_FNS: dict[str, Callable[..., Any]] = {name: op.fn for name, op in OPS.items()}


def forward(tape: Tape, env: Mapping[str, Any],
            fns: Mapping[str, Callable[..., Any]] | None = None) -> list[Any]:
    """Values of all nodes at the point `env` (name -> number)."""
    table = _FNS if fns is None else fns
    ops, args, consts, labels = tape.ops, tape.args, tape.consts, tape.labels
    vals: list[Any] = [0.0] * len(ops)
    for i, op in enumerate(ops):
        if op == CONST:
            vals[i] = consts[i]
        elif op == VAR:
            vals[i] = env[labels[i]]  # type: ignore[index]
        else:
            a = args[i]
            try:
                if len(a) == 1:
                    vals[i] = table[op](vals[a[0]])
                elif len(a) == 2:
                    vals[i] = table[op](vals[a[0]], vals[a[1]])
                else:
                    vals[i] = table[op](*[vals[j] for j in a])
            except (ValueError, ZeroDivisionError, OverflowError) as exc:
                raise value_error(tape, i, vals, exc) from None
    if not all(map(finite, vals)):
        raise nonfinite_error(tape, vals, "value")
    return vals
