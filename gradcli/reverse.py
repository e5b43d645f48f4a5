"""The reverse sweep: ∂output/∂node for every node, in one loop backwards.

Each node passes its adjoint to its arguments times the local partial from the
operations table; a node used several times collects the sum over its uses,
which is the chain rule summed over every path.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gradcli.diagnose import (
    args_text,
    bad_order,
    describe,
    finite,
    nonfinite_error,
    order_word,
    where,
)
from gradcli.errors import DomainError
from gradcli.numfmt import number_text
from gradcli.ops import NUM, OPS, local_partials
from gradcli.tape import CONST, VAR, Tape, needs_grad

Partials = Callable[[str, Any, list[Any], Any], tuple[Any, ...]]


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
            convention: str = "torch", *, seed: Any = 1.0, zero: Any = 0.0,
            partials: Partials = local_partials) -> tuple[list[Any], list[Note]]:
    """Adjoints of every node for one output, and the notes about singular points.

    The caller chooses the arithmetic, as autograd's backward_pass(g, end_node)
    does: the output's adjoint starts at `seed`, every other at `zero`, and
    `partials(op, out, args, m)` gives the local slopes (exact arithmetic passes
    Fractions and its own rules: gradcli/exact.py).  `convention` picks the
    number at a kink or tie: PyTorch's ("torch"), the operation's one-sided
    slope ("left", "right"), their mean, or an error.
    """
    out = tape.outputs[-1] if output is None else output
    need = needs_grad(tape) if need is None else need
    ops, args = tape.ops, tape.args
    adj: list[Any] = [zero] * len(ops)
    adj[out] = seed
    notes: list[Note] = []
    # the table's rules for + - * / and neg, inlined: only when the caller uses the table's
    inline = partials is local_partials
    reach: list[bool] | None = None  # which nodes feed the output, worked out when needed
    for i in range(out, -1, -1):
        g = adj[i]
        op = ops[i]
        if op == VAR or op == CONST or not need[i]:
            continue
        a = args[i]
        if not g:
            # a zero adjoint multiplies this node's partials, but an infinite or undefined
            # one is no number to multiply (sqrt(x)^2 at 0: 0·∞): a domain error all the
            # same, wherever the node feeds the output.  + - * / and neg are always finite.
            if op not in _ARITH or not inline:
                reach = feeds(tape, out) if reach is None else reach
                if reach[i]:
                    _undefined_slope(tape, i, vals, need, partials(op, vals[i],
                                                                   [vals[j] for j in a], m))
            continue
        # the arithmetic operators: partials always finite, no singular points
        if inline:
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
        slopes = partials(op, vals[i], argv, m)
        if note is not None and spec.kink:
            slopes, note = _at_kink(tape, i, spec, argv, slopes, note, convention, zero)
        _undefined_slope(tape, i, vals, need, slopes, note)
        for j, p in zip(a, slopes, strict=True):
            if need[j]:
                adj[j] += g * p
        if note is not None:
            notes.append(Note(i, f"{describe(tape, i)}: {note}"))
    if not all(map(finite, adj)):
        raise nonfinite_error(tape, adj, "gradient")
    return adj, notes


_ARITH = frozenset(("add", "sub", "mul", "div", "neg"))


def _undefined_slope(tape: Tape, i: int, vals: list[Any], need: list[bool],
                     slopes: tuple[Any, ...], note: str | None = None) -> None:
    """Raise where a slope node i passes on is inf or nan (a Dual: it or one of its own)."""
    singular = OPS[tape.ops[i]].singular
    if note is None and singular is not None:
        note = singular(*[vals[j] for j in tape.args[i]])
    for j, p in zip(tape.args[i], slopes, strict=True):
        if not need[j]:
            continue
        k = bad_order(p) if not isinstance(p, (float, int)) or p - p != 0 else None
        if k is not None:
            raise DomainError(
                f"the {order_word(k + 1)} of {describe(tape, i)} is undefined"
                + where(args_text(tape, i, vals)) + (f": {note}" if note else ""),
                text=tape.text, pos=tape.pos[i])


def feeds(tape: Tape, out: int) -> list[bool]:
    """Whether each node is on some path to `out` (a program step may not be)."""
    reach = [False] * len(tape.ops)
    reach[out] = True
    for i in range(out, -1, -1):
        if reach[i]:
            for j in tape.args[i]:
                reach[j] = True
    return reach


def _at_kink(tape: Tape, i: int, spec: Any, argv: list[Any], partials: tuple[Any, ...],
             note: str, convention: str, zero: Any) -> tuple[tuple[Any, ...], str]:
    """The partials a convention picks at a kink, and the note that says so.

    The table's one-sided slopes are ints; `zero +` makes them numbers of the
    caller's arithmetic (1.0, or Fraction(1) for exact sweeps).
    """
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
    picked = {"left": tuple(zero + p for p in left), "right": tuple(zero + q for q in right),
              "mean": tuple((zero + p + q) / 2 for p, q in zip(left, right, strict=True))
              }[convention]
    return picked, f"{note}{slopes}; reporting the {convention} one (--subgradient {convention})"


def _slopes(ps: tuple[Any, ...]) -> str:
    texts = [number_text(float(p)) for p in ps]
    return texts[0] if len(texts) == 1 else "(" + ", ".join(texts) + ")"
