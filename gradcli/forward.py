"""The forward sweep: every node's value, in one loop over the tape."""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping
from typing import Any

from gradcli.errors import DomainError
from gradcli.ops import OPS
from gradcli.tape import CONST, VAR, Tape, expressions, number_text

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
    if not all(map(_finite, vals)):
        raise nonfinite_error(tape, vals, "value")
    return vals


def _finite(v: Any) -> bool:
    # a Dual (gradcli/dual.py) is finite when every part of it is
    return math.isfinite(v) if isinstance(v, (int, float)) else bad_order(v) is None


def bad_order(v: Any) -> int | None:
    """The lowest derivative order in `v` that is inf or nan (0: the value), or None."""
    if isinstance(v, (int, float)):
        return None if math.isfinite(v) else 0
    if isinstance(v, numbers.Rational):  # a Fraction (--exact) is finite, however large
        return None
    from gradcli.dual import bad_order as dual_bad_order

    return dual_bad_order(v)


def order_word(k: int) -> str:
    """'derivative', 'second derivative', ... for the k-th derivative."""
    return {1: "derivative", 2: "second derivative", 3: "third derivative"}.get(
        k, f"derivative of order {k}")


def describe(tape: Tape, i: int) -> str:
    """'log(x - 1) at column 5': a node as the user wrote it, and where."""
    text = expressions(tape, upto=i + 1)[i]
    from gradcli.errors import GradcliError

    where = GradcliError("", text=tape.text, pos=tape.pos[i]).location()
    return f"{text} ({where})" if where else text


def _args_text(tape: Tape, i: int, vals: list[Any]) -> str:
    """'x - 1 = -1': the node's non-constant arguments and their values."""
    texts = expressions(tape, upto=i + 1)
    parts = [f"{texts[j]} = {_value_text(vals[j])}" for j in dict.fromkeys(tape.args[i])
             if tape.ops[j] != CONST]
    return ", ".join(parts)


def _where(at: str) -> str:
    return f" where {at}" if at else ""


def _value_text(v: Any) -> str:
    if isinstance(v, numbers.Rational) and not isinstance(v, int):  # --exact's Fractions
        text = str(v)
        return text if len(text) <= 40 else text[:37] + "…"
    return number_text(float(v))


def value_error(tape: Tape, i: int, vals: list[Any], exc: Exception) -> DomainError:
    """The error for node i's value being undefined or too large."""
    op = OPS[tape.ops[i]]
    at = _args_text(tape, i, vals)
    if isinstance(exc, OverflowError):
        return DomainError(f"{describe(tape, i)} overflows a double" + _where(at),
                           text=tape.text, pos=tape.pos[i])
    if isinstance(exc, ZeroDivisionError) and op.name in ("div", "pow", "csc", "cot"):
        why = "division by zero" if op.name == "div" else "a pole"
        return DomainError(f"{describe(tape, i)} is undefined ({why})" + _where(at)
                           + _underflow(tape, i, vals), text=tape.text, pos=tape.pos[i])
    need = f": {op.name} needs {op.domain}" if op.domain else ""
    return DomainError(f"{describe(tape, i)} is undefined{_where(at)}{need}",
                       text=tape.text, pos=tape.pos[i])


def _underflow(tape: Tape, i: int, vals: list[Any]) -> str:
    """'; exp(x) underflowed to 0' when a zero came from nonzero inputs, not from math."""
    for j in tape.args[i]:
        if vals[j] == 0 and tape.ops[j] in ("exp", "mul", "div", "pow", "sigmoid", "softplus") \
                and all(vals[k] != 0 for k in tape.args[j]):
            return f"; {expressions(tape, upto=j + 1)[j]} underflowed to 0"
    return ""


def nonfinite_error(tape: Tape, vals: list[Any], what: str) -> DomainError:
    """Name the first node whose value became inf or nan from finite inputs."""
    for i, v in enumerate(vals):
        k = bad_order(v)
        if k is None:
            continue
        if k > 0:  # a Dual whose value is fine but a derivative carried with it is not
            return DomainError(f"the {order_word(k)} of the {what} of {describe(tape, i)} "
                               "is undefined here", text=tape.text, pos=tape.pos[i])
        x = float(v)
        word = "nan" if x != x else ("inf" if x > 0 else "-inf")
        return DomainError(f"the {what} of {describe(tape, i)} is {word} "
                           f"(overflow at this node)", text=tape.text, pos=tape.pos[i])
    raise AssertionError("no non-finite value")
