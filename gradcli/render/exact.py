"""How `gradcli eval --exact` prints: 9/14 (0.6428571429), ≈ for a value that is not exact."""

from __future__ import annotations

from typing import Any

from gradcli.exact import ExactAnswer, is_exact, jvalue, show
from gradcli.render import Options, Result

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
    return [str(v) if is_exact(v) else f"≈{v!r}" for v in pick]


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
