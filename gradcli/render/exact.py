"""How `gradcli eval --exact` prints: 9/14 (0.6428571429), ≈ for a value that is not exact."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from gradcli.exact import ExactAnswer, is_exact
from gradcli.render import Options, Result, fmt, jnum

COMMAND = "eval --exact"  # in messages


def _picked(a: ExactAnswer, o: Options) -> list[tuple[str, Any]]:
    return [(n, a.gradient[n]) for n in o.picked]


def data(r: Result, o: Options) -> dict[str, Any]:
    a: ExactAnswer = r.value
    return {"expression": a.tape.text, "exact": True,
            "variables": {n: jvalue(v) for n, v in a.env.items()},
            "value": jvalue(a.value),
            "gradient": {n: jvalue(g) for n, g in _picked(a, o)},
            "notes": [n.message for n in a.notes]}


def quiet(r: Result, o: Options) -> list[Any]:
    a: ExactAnswer = r.value
    pick = [g for _, g in _picked(a, o)]
    if not o.wrt:
        pick.insert(0, a.value)
    return [word(v) for v in pick]


def plain(r: Result, o: Options) -> list[str]:
    a: ExactAnswer = r.value
    digits = 10 if o.digits is None else o.digits
    names = a.tape.output_names
    f = names[-1] if names and names[-1].isidentifier() else "f"
    lines = [f"{f} = {show(a.value, digits)}"]
    lines += [f"∂{f}/∂{n} = {show(g, digits)}" for n, g in _picked(a, o)]
    if not all(is_exact(v) for v in [a.value, *(g for _, g in _picked(a, o))]):
        lines.append("≈ marks a value that is not a rational number (or was rounded on the way)")
    lines += [f"note: {n.message}" for n in a.notes]
    return lines


def table(r: Result, o: Options) -> str:
    return "".join(line + "\n" for line in plain(r, o))


# ---------------------------------------------------------------- exact values as text
# (also the ledger's: render/explain.py)

def word(v: Any) -> str:
    """A value under -q: 9/14 when exact, else ≈ and the double's shortest text."""
    return str(v) if is_exact(v) else f"≈{v!r}"


def _decimal(v: Fraction, digits: int | None) -> str:
    try:
        return fmt(float(v), digits)
    except OverflowError:  # too large for a double: the fraction alone says it
        return "beyond double range"


def show(v: Any, digits: int | None = 10) -> str:
    """9/14 (0.6428571429), 12, or ≈ 3.737669618 for a value that is not exact."""
    if isinstance(v, Fraction):
        if v.denominator == 1:
            return str(v.numerator)
        return f"{v} ({_decimal(v, digits)})"
    return f"≈ {fmt(v, digits)}"


def short(v: Any, digits: int | None = 4) -> str:
    """A value inside a ledger line: 9/14, 12, ≈3.738."""
    if isinstance(v, Fraction):
        return str(v)
    return f"≈{fmt(v, digits)}"


def jvalue(v: Any) -> dict[str, Any]:
    """A value for JSON: the float, and the exact fraction as text (null when inexact)."""
    try:
        number = jnum(float(v))
    except OverflowError:  # an exact value beyond double range: "exact" carries it
        number = None
    return {"value": number, "exact": str(v) if isinstance(v, Fraction) else None}
