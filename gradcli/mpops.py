"""The one high-precision table: mpmath versions of ops.py's operations.

Each raises outside the real domain as ops.py's do (a complex result, a pole), so
a sweep over them fails where the double sweep fails.  check's verdicts
(gradcli/precise.py), the 50-digit re-sweep that measures cancellation
(gradcli/cancellation.py), `eval --exact`'s underflow notes (gradcli/exact.py) and
implicit's on-curve comparison (gradcli/implicit.py) all evaluate through it.
mpmath is imported on first use.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from types import SimpleNamespace
from typing import Any

from gradcli.errors import GradcliError
from gradcli.forward import forward
from gradcli.ops import OPS
from gradcli.reverse import reverse
from gradcli.tape import CONST, Tape

_TABLES: tuple[dict[str, Callable[..., Any]], Any] | None = None
UNAVAILABLE: list[str] = []  # operations without an mpmath version


def mp_tables() -> tuple[dict[str, Callable[..., Any]], Any]:
    """mpmath versions of every operation (raising outside the real domain), and the
    namespace the partial rules are evaluated over."""
    global _TABLES
    if _TABLES is None:
        _TABLES = _build_tables()
    return _TABLES


def _build_tables() -> tuple[dict[str, Callable[..., Any]], Any]:
    import mpmath

    mp = mpmath.mp

    def real(v: Any) -> Any:
        if isinstance(v, mpmath.mpc):
            raise ValueError
        return v

    def log(x: Any) -> Any:
        if x <= 0:
            raise ValueError
        return mp.log(x)

    def sqrt(x: Any) -> Any:
        if x < 0:
            raise ValueError
        return mp.sqrt(x)

    def powf(x: Any, y: Any) -> Any:
        if x == 0 and y < 0:
            raise ZeroDivisionError
        return real(mp.power(x, y))

    def inv(f: Callable[[Any], Any]) -> Callable[[Any], Any]:
        def g(x: Any) -> Any:
            d = f(x)
            if d == 0:
                raise ZeroDivisionError
            return 1 / d
        return g

    def unit(f: Callable[[Any], Any]) -> Callable[[Any], Any]:
        def g(x: Any) -> Any:
            if abs(x) > 1:
                raise ValueError
            return f(x)
        return g

    def div(a: Any, b: Any) -> Any:
        if b == 0:
            raise ZeroDivisionError
        return a / b

    fns: dict[str, Callable[..., Any]] = {
        "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
        "div": div, "neg": lambda a: -a, "pow": powf,
        "sin": mp.sin, "cos": mp.cos, "tan": mp.tan, "sec": inv(mp.cos), "csc": inv(mp.sin),
        "cot": inv(mp.tan), "asin": unit(mp.asin), "acos": unit(mp.acos), "atan": mp.atan,
        "atan2": mp.atan2, "sinh": mp.sinh, "cosh": mp.cosh, "tanh": mp.tanh, "exp": mp.exp,
        "log": log, "log2": lambda x: log(x) / mp.log(2), "log10": lambda x: log(x) / mp.log(10),
        "sqrt": sqrt, "abs": abs, "sign": lambda x: mp.mpf((x > 0) - (x < 0)),
        "step": lambda x: mp.mpf(1 if x > 0 else 0), "relu": lambda x: x if x > 0 else mp.mpf(0),
        "min": min, "max": max, "sigmoid": lambda x: 1 / (1 + mp.exp(-x)),
        "softplus": lambda x: mp.log(1 + mp.exp(x)),
        # the notation's additions (used once ops.py has them)
        "asec": lambda x: unit(mp.acos)(div(1, x)), "acsc": lambda x: unit(mp.asin)(div(1, x)),
        "acot": lambda x: mp.pi / 2 - mp.atan(x),
        "cbrt": lambda x: mp.cbrt(x) if x >= 0 else -mp.cbrt(-x),
    }
    for name in OPS:  # an operation added to ops.py without a line here: no digits to
        if name not in fns:  # promise, so its points are not judged (a test lists them)
            fns[name] = _unavailable(name)
            UNAVAILABLE.append(name)
    # the partial rules' namespace: pow's rule asks for log(x) even when only d/dx is
    # needed, so log of a negative is nan here rather than an error
    ns = dict(fns)
    ns["log"] = lambda x: mp.log(x) if x > 0 else mp.mpf("nan")
    return fns, SimpleNamespace(**ns)


def _unavailable(name: str) -> Callable[..., Any]:
    def f(*xs: Any) -> Any:
        raise TypeError(f"no high-precision {name}")
    return f


def mp_partials(op: str, out: Any, args: list[Any], m: Any) -> tuple[Any, ...]:
    """An operation's local partials over the table's namespace `m`; nan where undefined
    (a partial that the sweep multiplies by 0 may be undefined at the point)."""
    import mpmath

    try:
        return tuple(OPS[op].partials(m, out, *args))
    except (ValueError, ZeroDivisionError, OverflowError):
        return (mpmath.mpf("nan"),) * len(args)


def precise_sweep(tape: Tape, env: Mapping[str, Any], out: int | None, convention: str,
                  digits: int, *, lift: Callable[[Any], Any] | None = None,
                  gradient: bool = True) -> tuple[list[Any], list[Any] | None] | None:
    """Every node's value and (with `gradient`) adjoint of output `out` at `digits` digits,
    or None where that sweep cannot be run.  The tape's constants are lifted too (as
    doubles, 1e-200*1e-200 would underflow in the 50-digit sweep as well); `lift` turns
    a value or constant into an mpmath number (mpmath.mpf unless the caller has exact
    fractions).  The one second opinion of cancellation, underflow and --exact."""
    import mpmath

    fns, ns = mp_tables()
    with mpmath.workdps(digits):
        up = lift or mpmath.mpf
        mtape = copy.copy(tape)
        mtape.consts = [up(c) if op == CONST else c
                        for op, c in zip(tape.ops, tape.consts, strict=True)]
        try:
            vals = forward(mtape, {n: up(v) for n, v in env.items()}, fns=fns)
            if not gradient:
                return [+v for v in vals], None
            adj, _ = reverse(mtape, vals, out, None, m=ns, convention=convention,
                             seed=mpmath.mpf(1), zero=mpmath.mpf(0), partials=mp_partials)
        except (GradcliError, ValueError, ZeroDivisionError, OverflowError, TypeError):
            return None
        return [+v for v in vals], [+a for a in adj]
