"""Error messages about a node: how it reads, where it stands, what went wrong there.

The sweeps (gradcli/forward.py, gradcli/reverse.py) and the ledger
(gradcli/explain.py) call these when a value or a slope is undefined, so the
same node is described the same way whichever path found it.  A number type
(float, Fraction, Dual, Jet) says itself which derivative order went bad
(`bad_order`): this module knows none of them by name.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

from gradcli.errors import DomainError, GradcliError
from gradcli.numfmt import number_text
from gradcli.ops import OPS
from gradcli.tape import CONST, Tape, expressions


def bad_order(v: Any) -> int | None:
    """The lowest derivative order in `v` that is inf or nan (0: the value), or None."""
    if isinstance(v, (int, float)):
        return None if math.isfinite(v) else 0
    if isinstance(v, numbers.Rational):  # a Fraction (--exact) is finite, however large
        return None
    own = getattr(v, "bad_order", None)  # a Dual or a Jet answers for all its parts
    if own is not None:
        result: int | None = own()
        return result
    return None if math.isfinite(v) else 0  # another real type (an mpmath number)


def finite(v: Any) -> bool:
    """Whether `v` and every derivative it carries are finite."""
    return math.isfinite(v) if isinstance(v, (int, float)) else bad_order(v) is None


def order_word(k: int) -> str:
    """'derivative', 'second derivative', ... for the k-th derivative."""
    return {1: "derivative", 2: "second derivative", 3: "third derivative"}.get(
        k, f"derivative of order {k}")


def describe(tape: Tape, i: int) -> str:
    """'log(x - 1) at column 5': a node as the user wrote it, and where."""
    text = expressions(tape, upto=i + 1)[i]
    at = GradcliError("", text=tape.text, pos=tape.pos[i]).location()
    return f"{text} ({at})" if at else text


def args_text(tape: Tape, i: int, vals: list[Any]) -> str:
    """'x - 1 = -1': the node's non-constant arguments and their values."""
    texts = expressions(tape, upto=i + 1)
    parts = [f"{texts[j]} = {value_text(vals[j])}" for j in dict.fromkeys(tape.args[i])
             if tape.ops[j] != CONST]
    return ", ".join(parts)


def where(at: str) -> str:
    """' where x = 0' for the text of `args_text`, '' when there is none."""
    return f" where {at}" if at else ""


def value_text(v: Any) -> str:
    """A value inside a message: a Fraction as a fraction (cut at 40 characters)."""
    if isinstance(v, numbers.Rational) and not isinstance(v, int):  # --exact's Fractions
        text = str(v)
        return text if len(text) <= 40 else text[:37] + "…"
    return number_text(float(v))


def value_error(tape: Tape, i: int, vals: list[Any], exc: Exception) -> DomainError:
    """The error for node i's value being undefined or too large."""
    if any(bad_order(v) is not None for v in vals[:i]):
        # an earlier node overflowed to inf and this one choked on it (x*x/0 at 1e200):
        # the overflow is the error, where it happened
        return nonfinite_error(tape, vals[:i], "value")
    op = OPS[tape.ops[i]]
    at = args_text(tape, i, vals)
    if isinstance(exc, OverflowError):
        return DomainError(f"{describe(tape, i)} overflows a double" + where(at),
                           text=tape.text, pos=tape.pos[i])
    if isinstance(exc, ZeroDivisionError) and op.name in ("div", "pow", "csc", "cot"):
        why = "division by zero" if op.name == "div" else "a pole"
        return DomainError(f"{describe(tape, i)} is undefined ({why})" + where(at)
                           + _underflow(tape, i, vals), text=tape.text, pos=tape.pos[i])
    need = f": {op.name} needs {op.domain}" if op.domain else ""
    return DomainError(f"{describe(tape, i)} is undefined{where(at)}{need}",
                       text=tape.text, pos=tape.pos[i])


def _underflow(tape: Tape, i: int, vals: list[Any]) -> str:
    """'; exp(x) underflowed to 0' when a zero came from nonzero inputs, not from math."""
    for j in tape.args[i]:
        if vals[j] == 0 and tape.ops[j] in ("exp", "mul", "div", "pow", "sigmoid", "softplus") \
                and all(vals[k] != 0 for k in tape.args[j]):
            return f"; {expressions(tape, upto=j + 1)[j]} underflowed to 0"
    return ""


def nonfinite_error(tape: Tape, vals: list[Any], what: str) -> DomainError:
    """Name the first node whose value (or adjoint) became inf or nan from finite inputs.

    Values go bad first at the lowest index, adjoints at the highest (the reverse sweep
    runs backwards).  Infinity from finite inputs is an overflow, and says so.
    """
    order = range(len(vals)) if what == "value" else range(len(vals) - 1, -1, -1)
    for i in order:
        v = vals[i]
        k = bad_order(v)
        if k is None:
            continue
        if k > 0:  # a Dual whose value is fine but a derivative carried with it is not
            return DomainError(f"the {order_word(k)} of the {what} of {describe(tape, i)} "
                               "is undefined here", text=tape.text, pos=tape.pos[i])
        x = float(v)
        if x != x:
            return DomainError(f"the {what} of {describe(tape, i)} is undefined (nan) at this "
                               "point", text=tape.text, pos=tape.pos[i])
        if what == "value":
            at = args_text(tape, i, vals)
            return DomainError(f"{describe(tape, i)} overflows a double" + where(at),
                               text=tape.text, pos=tape.pos[i])
        return DomainError(f"the {what} at {describe(tape, i)} overflows a double (its "
                           f"adjoint is {'inf' if x > 0 else '-inf'})",
                           text=tape.text, pos=tape.pos[i])
    raise AssertionError("no non-finite value")
