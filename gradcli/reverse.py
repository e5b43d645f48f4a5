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
from gradcli.forward import (
    _args_text,
    _finite,
    _where,
    bad_order,
    describe,
    nonfinite_error,
    order_word,
)
from gradcli.ops import NUM, OPS
from gradcli.tape import CONST, VAR, Tape, needs_grad


@dataclass(frozen=True)
class Note:
    """A point where a convention, not calculus, picked the number we report."""

    node: int
    message: str  # "abs(x) (column 1): abs has a kink at x = 0; reporting abs'(0) = 0"


CONVENTIONS = ("torch", "left", "right", "mean", "error")


def value_notes(tape: Tape, vals: list[Any]) -> list[Note]:
    """Conventions that picked a *value* (0^0 = 1): they matter even where the node's
    own adjoint is 0, since the value flows into its consumers' partials."""
    notes = []
    for i, op in enumerate(tape.ops):
        if op == "pow":
            a, b = tape.args[i]
            if vals[a] == 0 and vals[b] == 0 and tape.ops[b] != CONST:
                notes.append(Note(i, f"{describe(tape, i)}: 0^0 is taken as 1, but x^y has "
                                     "no limit there"))
    return notes


def reverse(tape: Tape, vals: list[Any], output: int | None = None,
            need: list[bool] | None = None, m: Any = NUM,
            convention: str = "torch") -> tuple[list[Any], list[Note]]:
    """Adjoints of every node for one output, and the notes about singular points.

    `convention` picks the number at a kink or tie: PyTorch's ("torch"), the
    operation's one-sided slope ("left", "right"), their mean, or an error.
    """
    out = tape.outputs[-1] if output is None else output
    need = needs_grad(tape) if need is None else need
    ops, args = tape.ops, tape.args
    adj: list[Any] = [0.0] * len(ops)
    adj[out] = 1.0
    notes: list[Note] = []
    for i in range(out, -1, -1):
        g = adj[i]
        op = ops[i]
        if not g or op == VAR or op == CONST or not need[i]:
            continue
        a = args[i]
        # the arithmetic operators: partials always finite, no singular points
        if op == "add":
            adj[a[0]] += g
            adj[a[1]] += g
            continue
        if op == "mul":
            adj[a[0]] += g * vals[a[1]]
            adj[a[1]] += g * vals[a[0]]
            continue
        if op == "sub":
            adj[a[0]] += g
            adj[a[1]] -= g
            continue
        if op == "neg":
            adj[a[0]] -= g
            continue
        if op == "div":  # the forward sweep already refused a zero divisor
            gy = g / vals[a[1]]
            adj[a[0]] += gy
            adj[a[1]] -= gy * vals[i]
            continue
        spec = OPS[op]
        argv = [vals[j] for j in a]
        note = spec.singular(*argv) if spec.singular is not None else None
        try:
            partials = spec.partials(m, vals[i], *argv)
        except (ZeroDivisionError, ValueError, OverflowError):
            partials = (math.nan,) * len(a)
        if note is not None and spec.kink:
            partials, note = _at_kink(tape, i, spec, argv, partials, note, convention)
        for j, p in zip(a, partials, strict=True):
            if not need[j]:
                continue
            # inf or nan: the slope is undefined here (a Dual: the slope or one of its own)
            k = bad_order(p) if not isinstance(p, (float, int)) or p - p != 0 else None
            if k is not None:
                raise DomainError(
                    f"the {order_word(k + 1)} of {describe(tape, i)} is undefined"
                    + _where(_args_text(tape, i, vals)) + (f": {note}" if note else ""),
                    text=tape.text, pos=tape.pos[i])
            adj[j] += g * p
        if note is not None:
            notes.append(Note(i, f"{describe(tape, i)}: {note}"))
    if not all(map(_finite, adj)):
        raise nonfinite_error(tape, adj, "gradient")
    return adj, notes


def _at_kink(tape: Tape, i: int, spec: Any, argv: list[Any], partials: tuple[Any, ...],
             note: str, convention: str) -> tuple[tuple[Any, ...], str]:
    """The partials a convention picks at a kink, and the note that says so."""
    sides = spec.sides(*argv) if spec.sides is not None else None
    slopes = "" if sides is None else f" (left slope {_slopes(sides[0])}, right slope " \
                                      f"{_slopes(sides[1])})"
    if convention == "error":
        raise DomainError(f"{describe(tape, i)}: {note}{slopes}; it is not differentiable "
                          "here (choose a convention with --subgradient)",
                          text=tape.text, pos=tape.pos[i])
    if convention == "torch":
        return partials, f"{note}{slopes}; reporting {spec.convention} (PyTorch's convention)"
    if sides is None:
        raise DomainError(f"{describe(tape, i)}: {note}, so it has no one-sided derivative "
                          f"for --subgradient {convention}", text=tape.text, pos=tape.pos[i])
    left, right = sides
    picked = {"left": left, "right": right,
              "mean": tuple((p + q) / 2 for p, q in zip(left, right, strict=True))}[convention]
    return picked, f"{note}{slopes}; reporting the {convention} one (--subgradient {convention})"


def _slopes(ps: tuple[Any, ...]) -> str:
    from gradcli.tape import number_text

    texts = [number_text(float(p)) for p in ps]
    return texts[0] if len(texts) == 1 else "(" + ", ".join(texts) + ")"
