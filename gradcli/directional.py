"""The directional derivative ∇f·v (a Jacobian-vector product) at a point, checked.

The product comes from one forward sweep on Duals and is checked against finite
differences of f(x + t·v) at t = 0.  Used by `gradcli eval --direction` and
`gradcli jacobian --direction`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gradcli.errors import InputError
from gradcli.fdcheck import PartialCheck, can_kink, check_one
from gradcli.pipeline import Evaluation, parse_value


@dataclass
class Directional:
    """J·v at the point: one number per output, each checked by finite differences."""

    vector: dict[str, float]
    values: list[float]
    checks: list[PartialCheck | None]

    @property
    def passed(self) -> bool:
        return all(c is None or c.passed for c in self.checks)


def parse_direction(text: str, variables: list[str]) -> dict[str, float]:
    """'1,2' or 'x=1,y=2' (values may be constant expressions) → {name: component}."""
    items, depth, cur = [], 0, ""
    for ch in text:  # split on commas outside brackets: a value may be atan2(1, 2)
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            items.append(cur)
            cur = ""
        else:
            cur += ch
    items.append(cur)
    items = [i.strip() for i in items]
    if any(not i for i in items):
        raise InputError(f"--direction {text!r}: an empty component",
                         hint="give numbers separated by commas, e.g. --direction 1,2")
    named = ["=" in i for i in items]
    out: dict[str, float] = {}
    if all(named):
        for item in items:
            name, _, value = item.partition("=")
            name = name.strip()
            if name not in variables:
                raise InputError(f"--direction: {name} is not a variable of the expression",
                                 hint="variables: " + (", ".join(variables) or "none"))
            if name in out:  # never silently keep the last of two
                raise InputError(f"--direction {text!r} gives {name} twice")
            out[name] = parse_value(f"--direction {name}", value.strip())
        return {n: out.get(n, 0.0) for n in variables}
    if any(named):
        raise InputError(f"--direction {text!r} mixes named and positional components")
    if len(items) != len(variables):
        raise InputError(f"--direction has {len(items)} components but the expression has "
                         f"{len(variables)} variables ({', '.join(variables) or 'none'})",
                         hint="give one number per variable, in this order, or name them: "
                              + ",".join(f"{n}=…" for n in variables))
    return {n: parse_value(f"--direction component {k + 1}", v)
            for k, (n, v) in enumerate(zip(variables, items, strict=True))}


def directional(ev: Evaluation, text: str, check: bool) -> Directional:
    """∇f·v for every output of `ev`, along the direction in `text`."""
    from gradcli.dual import jvp
    from gradcli.forward import forward

    tape = ev.tape
    v = parse_direction(text, list(ev.env))
    values = jvp(tape, ev.env, v)
    checks: list[PartialCheck | None] = []
    for k, out in enumerate(tape.outputs):
        if not check:
            checks.append(None)
            continue

        def along(p: Any, o: int = out) -> float:
            t = p["t"]
            return float(forward(tape, {n: x + t * v[n] for n, x in ev.env.items()})[o])

        checks.append(check_one(along, {"t": 0.0}, "t", values[k], at_kink=bool(ev.notes),
                                kinks=can_kink(tape.ops)))
    return Directional(v, values, checks)
