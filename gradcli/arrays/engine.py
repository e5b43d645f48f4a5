"""The two sweeps over arrays: forward values, then one reverse sweep of adjoints.

The same tape as the scalar path (gradcli/tape.py); each node's value is a float64
ndarray and so is its adjoint, of the node's shape.  Both loops are plain `for` loops
over the node list (no recursion), and every operation is one vectorised NumPy call
(gradcli/arrays/table.py), so a 1000×1000 product is one BLAS call, not a loop.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from gradcli.arrays.names import INDEX
from gradcli.arrays.table import (
    ARRAY_TABLE,
    KINKS,
    ArrayOp,
    ShapeError,
    Undefined,
    broadcast_shape,
    index_op,
    shape_text,
    unbroadcast,
)
from gradcli.diagnose import describe
from gradcli.errors import DomainError, InputError
from gradcli.numfmt import number_text
from gradcli.ops import OPS
from gradcli.tape import CONST, VAR, Tape, expressions

Array = Any


@dataclass(frozen=True)
class ArrayNote:
    """A point where a convention picked the slope (a kink or a tie), as reverse.Note."""

    node: int
    message: str


def op_of(op: str) -> ArrayOp:
    """The table entry of an op name (an index op is built from its subscript)."""
    if op.startswith(INDEX + "["):
        return index_op(op)
    return ARRAY_TABLE[op]


def element(index: tuple[int, ...]) -> str:
    """'[1, 0]': an element's position as the user indexes it."""
    return "[" + ", ".join(map(str, index)) + "]"


def _bad(a: Array) -> tuple[int, ...] | None:
    """The first non-finite element of `a`, or None."""
    if a.ndim == 0:
        return None if np.isfinite(a) else ()
    flat = np.flatnonzero(~np.isfinite(a))
    return None if flat.size == 0 else tuple(int(k) for k in np.unravel_index(flat[0], a.shape))


def _at(tape: Tape, i: int, vals: list[Array], index: tuple[int, ...],
        shape: tuple[int, ...]) -> str:
    """'where x[2] = -1': the node's non-constant arguments at one element of its output."""
    texts = []
    for j in dict.fromkeys(tape.args[i]):
        if tape.ops[j] == CONST:
            continue
        v = vals[j]
        name = describe_short(tape, j)
        if v.ndim == 0:
            texts.append(f"{name} = {number_text(float(v))}")
        elif OPS.get(tape.ops[i]) is not None and len(index) == len(shape):
            # elementwise: the argument's element under broadcasting
            sub = tuple(0 if n == 1 else k for k, n in
                        zip(index[len(index) - v.ndim:], v.shape, strict=True))
            texts.append(f"{name}{element(sub)} = {number_text(float(v[sub]))}")
    return (" where " + ", ".join(texts)) if texts else ""


def describe_short(tape: Tape, j: int) -> str:
    return expressions(tape, limit=40, upto=j + 1)[j]


def forward(tape: Tape, env: Mapping[str, Array]) -> list[Array]:
    """Every node's value as an ndarray, in tape order."""
    vals: list[Array] = []
    ops, args = tape.ops, tape.args
    with np.errstate(all="ignore"):
        for i, op in enumerate(ops):
            if op == VAR:
                vals.append(env[tape.labels[i] or ""])
                continue
            if op == CONST:
                vals.append(np.asarray(tape.consts[i], dtype=float))
                continue
            spec = op_of(op)
            argv = [vals[j] for j in args[i]]
            try:
                if spec.elementwise and len(argv) > 1:
                    broadcast_shape(*(a.shape for a in argv))
                out = np.asarray(spec.fn(*argv), dtype=float)
            except ShapeError as e:
                raise InputError(f"{describe(tape, i)}: {e}", text=tape.text,
                                 pos=tape.pos[i]) from None
            except Undefined as e:
                raise DomainError(f"{describe(tape, i)} is undefined: {e.message}",
                                  text=tape.text, pos=tape.pos[i]) from None
            bad = _bad(out)
            if bad is not None:
                raise _value_error(tape, i, vals, out, bad)
            vals.append(out)
    return vals


def _value_error(tape: Tape, i: int, vals: list[Array], out: Array,
                 index: tuple[int, ...]) -> DomainError:
    scalar = OPS.get(tape.ops[i])
    at = f" at element {element(index)}" if out.ndim else ""
    overflow = bool(np.isinf(out[index])) and tape.ops[i] in ("exp", "sinh", "cosh", "pow",
                                                              "mul", "add", "sub", "matmul")
    why = "it overflows a double" if overflow else \
        (f"{tape.ops[i]} needs {scalar.domain}" if scalar is not None and scalar.domain
         else "the value is not a finite number")
    where = _at(tape, i, vals, index, out.shape)
    return DomainError(f"{describe(tape, i)} is undefined{at}{where}: {why}",
                       text=tape.text, pos=tape.pos[i])


def needs_grad(tape: Tape) -> list[bool]:
    """Whether each node depends on a variable."""
    need = [False] * len(tape)
    for i, op in enumerate(tape.ops):
        need[i] = op == VAR or (op != CONST and any(need[a] for a in tape.args[i]))
    return need


def reverse(tape: Tape, vals: list[Array], out: int, seed: Array | None = None,
            convention: str = "torch") -> tuple[list[Array | None], list[ArrayNote]]:
    """Adjoints of every node for output `out`, seeded with `seed` (ones of its shape).

    A node's adjoint has its shape; None where no gradient flows (constants, nodes
    off every path to the output).  Kinks and ties follow PyTorch's convention and
    are noted; --subgradient error refuses them (exit 3).
    """
    need = needs_grad(tape)
    adj: list[Array | None] = [None] * len(tape)
    adj[out] = np.ones_like(vals[out]) if seed is None else seed
    notes: list[ArrayNote] = []
    ops, args = tape.ops, tape.args
    with np.errstate(all="ignore"):
        for i in range(out, -1, -1):
            g = adj[i]
            op = ops[i]
            if g is None or op == VAR or op == CONST or not need[i]:
                continue
            spec = op_of(op)
            argv = [vals[j] for j in args[i]]
            picked: float | None = None  # a one-sided slope at the kink's elements
            if op in KINKS:
                kink = _kink(tape, i, vals, argv)
                if kink is not None:
                    note, torch_number = kink
                    if convention == "error":
                        raise DomainError(f"{note}; it is not differentiable here (choose a "
                                          "convention with --subgradient)", text=tape.text,
                                          pos=tape.pos[i])
                    if convention == "torch":
                        notes.append(ArrayNote(i, f"{note}; {torch_number} (PyTorch's "
                                                  "convention)"))
                    elif op in ONE_SIDED:
                        left, right = ONE_SIDED[op]
                        picked = {"left": left, "right": right,
                                  "mean": (left + right) / 2}[convention]
                        notes.append(ArrayNote(i, f"{note}; reporting the {convention} one "
                                                  f"(--subgradient {convention})"))
                    else:
                        raise InputError(f"{note}; --subgradient {convention} is not "
                                         "supported here for arrays (torch and error are; "
                                         "left, right and mean at abs, relu and norm(x, 1))")
            try:
                if spec.wants_need:
                    grads = spec.vjp(g, vals[i], *argv, need=tuple(need[j] for j in args[i]))
                else:
                    grads = spec.vjp(g, vals[i], *argv)
                if picked is not None:  # the kink's elements take the one-sided slope
                    grads = (np.where(argv[0] == 0, g * picked, grads[0]),)
            except Undefined as e:
                raise DomainError(f"the derivative of {describe(tape, i)} is undefined: "
                                  f"{e.message}", text=tape.text, pos=tape.pos[i]) from None
            for j, gj in zip(args[i], grads, strict=True):
                if not need[j] or gj is None:
                    continue
                gj = np.asarray(gj, dtype=float)
                if spec.elementwise:
                    bad = _bad(gj)
                    if bad is not None:
                        raise _slope_error(tape, i, vals, bad)
                    gj = unbroadcast(gj, vals[j].shape)
                prev = adj[j]
                adj[j] = gj if prev is None else prev + gj
    for i, a in enumerate(adj):
        if a is not None:
            bad = _bad(a)
            if bad is not None:
                at = f" at element {element(bad)}" if a.ndim else ""
                raise DomainError(f"the gradient through {describe(tape, i)} is not a finite "
                                  f"number{at}", text=tape.text, pos=tape.pos[i])
    return adj, notes


# the left and right slopes at 0 of the kinks a --subgradient convention can pick from
# (the scalar table's `sides`): abs and norm(x, 1) -1 and 1, relu 0 and 1
ONE_SIDED = {"abs": (-1.0, 1.0), "norm1": (-1.0, 1.0), "relu": (0.0, 1.0)}


def _slope_error(tape: Tape, i: int, vals: list[Array], index: tuple[int, ...]) -> DomainError:
    out = vals[i]
    at = f" at element {element(index)}" if out.ndim and len(index) == out.ndim else ""
    scalar = OPS.get(tape.ops[i])
    why = ""
    if scalar is not None and scalar.singular is not None:
        sub = _args_at(tape, i, vals, index)
        if sub is not None:
            why = scalar.singular(*sub) or ""
    return DomainError(f"the derivative of {describe(tape, i)} is undefined{at}"
                       f"{_at(tape, i, vals, index, out.shape)}" + (f": {why}" if why else ""),
                       text=tape.text, pos=tape.pos[i])


def _args_at(tape: Tape, i: int, vals: list[Array], index: tuple[int, ...]) -> list[float] | None:
    try:
        shape = vals[i].shape
        return [float(np.broadcast_to(vals[j], shape)[index]) for j in tape.args[i]]
    except (ValueError, IndexError):
        return None


def _kink(tape: Tape, i: int, vals: list[Array],
          argv: list[Array]) -> tuple[str, str] | None:
    """Where node i sits at a kink or a tie (at its first such element), and what PyTorch's
    convention reports there; None when it does not."""
    op = tape.ops[i]
    out = vals[i]
    if op in ("amax", "amin"):
        hits = int((argv[0] == out).sum())
        if hits > 1:
            return (f"{describe(tape, i)}: {hits} elements tie for the {op[1:]}imum",
                    "the gradient is split evenly among them")
        return None
    if op in ("max", "min"):
        shape = out.shape
        count = sum(np.broadcast_to(a == out, shape).astype(int) for a in argv)
        tied = np.argwhere(np.atleast_1d(np.asarray(count) > 1))  # (argwhere of a 0-d is empty)
        if tied.size:
            at = f" at element {element(tuple(int(k) for k in tied[0]))}" if out.ndim else ""
            return (f"{describe(tape, i)}: the arguments tie{at}",
                    "the gradient is split evenly")
        return None
    if op == "norm":
        return (f"{describe(tape, i)}: the norm has a kink at 0", "reporting a slope of 0") \
            if out == 0 else None
    zeros = np.argwhere(np.atleast_1d(argv[0] == 0))
    if zeros.size == 0:
        return None
    at = f" at element {element(tuple(int(k) for k in zeros[0]))}" if argv[0].ndim else ""
    shown = {"norm1": "abs", "abs": "abs", "relu": "relu", "sign": "sign", "step": "step"}[op]
    conv = OPS[shown].convention
    return f"{describe(tape, i)}: {shown} has a kink at 0{at}", f"reporting {conv}"


def shape_of(a: Array) -> str:
    """'(2, 3)', '(3,)', '()': a shape as NumPy prints it."""
    return shape_text(tuple(a.shape))
