"""Higher and mixed partial derivatives at a point: ∂ⁿf/∂x∂y… as numbers, each checked.

One forward sweep on nested duals (gradcli/dual.py) per partial: level k of the
nesting carries the derivative along the k-th variable of the spec, so the
innermost tangent of the result is the mixed partial, from the operations
table's rules alone (2ⁿ parts per node; n is at most 10).  The check takes
finite differences of the order n-1 partial (the same sweep one level
shallower) along the last variable.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from gradcli.dual import FNS, Dual
from gradcli.errors import InputError
from gradcli.fdcheck import PartialCheck, can_kink, check_one
from gradcli.forward import forward
from gradcli.pipeline import Evaluation, evaluate
from gradcli.tape import Tape


@dataclass
class PartialValue:
    """One partial at the point: the spec (by x, then y, …), its value, its check."""

    spec: tuple[str, ...]
    value: float
    check: PartialCheck | None = None


@dataclass
class PartialsAt:
    """Several partials of one output at one point."""

    evaluation: Evaluation
    partials: list[PartialValue] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(p.check is None or p.check.passed for p in self.partials)


def partial_at(tape: Tape, spec: tuple[str, ...], point: Mapping[str, float]) -> float:
    """∂ⁿf/∂spec[n-1]…∂spec[0] at `point` (f itself for an empty spec)."""
    env: dict[str, Any] = {}
    for name in tape.variables:
        v: Any = float(point[name])
        for by in spec:  # level k moves the k-th variable of the spec
            v = Dual(v, 1.0 if by == name else 0.0)
        env[name] = v
    out = forward(tape, env, fns=FNS)[tape.outputs[-1]]
    for _ in spec:
        if not isinstance(out, Dual):  # a part that does not depend on that variable
            return 0.0
        out = out.tangent
    return float(out)


def wants_partials(tape: Tape, wrt: list[str]) -> bool:
    """Whether `eval --order/--wrt` asks for partials (several, or mixed) rather than
    f′ … f⁽ᴺ⁾ along one variable (the jets of gradcli/taylor.py)."""
    if wrt:
        return len(wrt) > 1 or "," in wrt[0]
    return len(tape.variables) > 1


def partials_at(tape: Tape, values: Mapping[str, float], specs: list[tuple[str, ...]], *,
                check: bool = True, convention: str = "torch") -> PartialsAt:
    """Each spec's partial at the point (every variable needs a value), checked.

    `convention` (--subgradient) is the gradient's; past the first order a kink
    takes the duals' rules (PyTorch's), noted as the gradient's sweep notes it.
    """
    if len(tape.outputs) != 1:
        raise InputError(f"higher partials need one output; this has {len(tape.outputs)}")
    ev = evaluate(tape, values, check=check, convention=convention)
    result = PartialsAt(ev)
    for spec in specs:
        value = partial_at(tape, spec, ev.env)
        pc = None
        if check:
            lower = partial(partial_at, tape, spec[:-1])
            pc = check_one(lower, ev.env, spec[-1], value, at_kink=bool(ev.notes),
                           kinks=can_kink(tape.ops))
        result.partials.append(PartialValue(spec, value, pc))
    return result
