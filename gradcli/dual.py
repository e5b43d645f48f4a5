"""Dual numbers: forward-mode derivatives computed from the operations table.

A `Dual(primal, tangent)` carries a value and its derivative along one
direction.  Either part may itself be a Dual, so `Dual(Dual(x, 1), 1)` carries
f, f′ and f″ at once (nested duals give derivatives of any order).

Every derivative comes from `gradcli/ops.py`: `apply(op, *args)` computes the
value by applying the op to the primal parts, and the tangent from the op's
`partials` rule, evaluated over `NUM` when the primals are floats and over
`DUAL` when they are Duals themselves.  So `FNS` (for `forward(..., fns=FNS)`)
and `DUAL` (for `reverse(..., m=DUAL)`, forward-over-reverse Hessians) add no
calculus of their own.

Comparisons look at the innermost value only, like the float rules expect
(`x == 0`, `x > 0`); `bool(d)` says whether *any* part is nonzero, which is what
the reverse sweep asks when it skips a zero adjoint.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from types import SimpleNamespace
from typing import Any

from gradcli.forward import forward
from gradcli.ops import NUM, OPS
from gradcli.overload import ERRORS, ByValue, TableArithmetic, lenient


class Dual(TableArithmetic, ByValue):
    """A value and its derivative along one direction; either may be a Dual."""

    __slots__ = ("primal", "tangent")

    def __init__(self, primal: Any, tangent: Any = 0.0) -> None:
        self.primal = primal
        self.tangent = tangent

    def __repr__(self) -> str:
        return f"Dual({self.primal!r}, {self.tangent!r})"

    # arithmetic and comparisons: gradcli/overload.py, through these two
    def _op(self, name: str, *args: Any) -> Any:
        return apply(name, *args)

    def _value(self) -> Any:
        return value(self)

    def __pos__(self) -> Dual:
        return self

    def __abs__(self) -> Any:
        return apply("abs", self)

    def __bool__(self) -> bool:
        """Whether any part is nonzero: a zero value with a slope is not zero."""
        return any(p != 0 for p in parts(self))

    def bad_order(self) -> int | None:
        """The lowest derivative order inside that is inf or nan (0: the value), or None."""
        return bad_order(self)


def value(v: Any) -> Any:
    """The innermost primal: the plain number a Dual stands for."""
    while isinstance(v, Dual):
        v = v.primal
    return v


def parts(v: Any) -> list[Any]:
    """Every plain number inside `v` (itself, for a number)."""
    out: list[Any] = []
    stack = [v]
    while stack:
        x = stack.pop()
        if isinstance(x, Dual):
            stack.append(x.tangent)
            stack.append(x.primal)
        else:
            out.append(x)
    return out


def bad_order(v: Any) -> int | None:
    """The lowest derivative order inside `v` that is inf or nan (0: the value), or None."""
    worst: int | None = None
    stack: list[tuple[Any, int]] = [(v, 0)]
    while stack:
        x, k = stack.pop()
        if isinstance(x, Dual):
            stack.append((x.primal, k))
            stack.append((x.tangent, k + 1))
        elif hasattr(x, "bad_order"):  # a Jet (gradcli/jet.py) knows its own
            j = x.bad_order()
            if j is not None and (worst is None or k + j < worst):
                worst = k + j
        elif not math.isfinite(x) and (worst is None or k < worst):
            worst = k
    return worst


def apply(name: str, *args: Any) -> Any:
    """`op(*args)` where any argument may be a Dual: the value, and its slope from the table."""
    if not any(isinstance(a, Dual) for a in args):
        return OPS[name].fn(*args)
    prim = [a.primal if isinstance(a, Dual) else a for a in args]
    out = apply(name, *prim)  # recursion only as deep as the nesting (the order)
    m = DUAL if any(isinstance(p, Dual) for p in prim) else NUM
    try:
        slopes = OPS[name].partials(m, out, *prim)
    except ERRORS:
        slopes = (math.nan,) * len(args)
    tangent: Any = 0.0
    for a, p in zip(args, slopes, strict=True):
        # a constant argument, or one this direction does not move, adds nothing;
        # skipping it keeps an undefined partial we do not need (d/dy x^y at x < 0) out
        if isinstance(a, Dual) and a.tangent:
            tangent = tangent + p * a.tangent
    return Dual(out, tangent)


# The namespace partial rules are evaluated over when their arguments are Duals.
# An undefined elementary function gives nan rather than raising, so one undefined
# partial (d/dy x^y = x^y log x at x < 0) does not spoil the others of the same
# op; the sweeps report nan wherever it is actually used.
DUAL = SimpleNamespace(**{name: lenient(apply, name) for name in vars(NUM)})

# The function table for `forward(tape, env, fns=FNS)`: like the floats', it raises
# where a value is undefined, so forward names the node.
FNS: dict[str, Callable[..., Any]] = {name: partial(apply, name) for name in OPS}


def seed(x: float, order: int) -> Any:
    """x as a nested Dual carrying its derivatives up to `order` (dx/dx = 1)."""
    v: Any = float(x)
    for _ in range(order):
        v = Dual(v, 1.0)
    return v


def component(v: Any, k: int, order: int) -> float:
    """The k-th derivative inside a nested Dual made from `seed(x, order)`."""
    for depth in range(order):
        if not isinstance(v, Dual):
            return 0.0 if depth < k else float(v)  # a constant part: no slope
        # the outer k levels give tangents, the rest primals
        v = v.tangent if depth < k else v.primal
    return float(v)


def jvp(tape: Any, env: dict[str, float], direction: dict[str, float]) -> list[float]:
    """J·v: each output's derivative along `direction`, by one forward sweep on Duals."""
    point = {n: Dual(x, float(direction.get(n, 0.0))) for n, x in env.items()}
    vals = forward(tape, point, fns=FNS)
    return [float(vals[o].tangent) if isinstance(vals[o], Dual) else 0.0 for o in tape.outputs]
