"""Digits lost to cancellation in the reverse sweep, and the note that says so.

An adjoint is a sum of terms (one per path); when large terms of opposite signs
cancel, the rounding errors they carry survive and the sum can be noise:
x/(3x) at 1e-100 sums two 3.3e99 terms to 4.9e83 where the slope is 0, as
PyTorch does.  The measure is the sweep run on |partials| (`magnitudes`): the
sum of |terms| along every path, against the result.  A ratio past 1e6 is only
suspicious (x^2 - 2x at 1 cancels 2 - 2 exactly), so the point is swept again
at 50 digits (mpmath); where the double result differs from it in more than
its last half, the note gives the digits lost and the check cannot pass.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from gradcli.diagnose import describe
from gradcli.errors import DomainError, GradcliError
from gradcli.fdcheck import REL_TOL
from gradcli.forward import forward
from gradcli.ops import NUM, OPS, local_partials
from gradcli.reverse import Note, reverse
from gradcli.tape import Tape, needs_grad

SUSPECT = 1e6  # sum of |terms| over |result| past which the result is re-swept
LOST = 1e-8  # relative error (against 50 digits) past which digits are reported lost
DIGITS = 50
DOUBLE_DIGITS = 15.95  # log10(2^53)


def abs_partials(op: str, out: Any, args: list[Any], m: Any = NUM) -> tuple[Any, ...]:
    """|∂op/∂argument|: the reverse sweep over these sums |terms| along every path."""
    return tuple(abs(p) for p in local_partials(op, out, args, m))


def magnitudes(tape: Tape, vals: list[Any], out: int, need: list[bool],
               convention: str) -> list[float]:
    """Every node's sum of |terms| (the adjoint the sweep would give with no cancellation)."""
    try:
        mags, _ = reverse(tape, vals, out, need, convention=convention, partials=abs_partials)
    except DomainError:  # the sum of |terms| overflows where the adjoint does not: suspect all
        return [math.inf] * len(tape.ops)
    return [float(v) for v in mags]


def suspects(adj: list[Any], mags: list[float], nodes: list[int]) -> list[int]:
    """The nodes among `nodes` whose adjoint is far smaller than its sum of |terms|."""
    return [i for i in nodes if mags[i] > 0 and mags[i] > SUSPECT * abs(float(adj[i]))]


def precise_gradient(tape: Tape, env: dict[str, float], out: int,
                     convention: str) -> list[Any] | None:
    """The adjoints at 50 digits (mpmath), or None where that sweep cannot be run."""
    table = mp_table()
    if table is None:
        return None
    import mpmath

    fns, ns = table
    with mpmath.workdps(DIGITS):
        try:
            vals = forward(tape, {n: mpmath.mpf(v) for n, v in env.items()}, fns=fns)
            adj, _ = reverse(tape, vals, out, None, m=ns, convention=convention,
                             seed=mpmath.mpf(1), zero=mpmath.mpf(0), partials=mp_partials)
        except (GradcliError, ValueError, ZeroDivisionError, OverflowError, TypeError):
            return None
        return [+a for a in adj]


def digits_lost(value: float, precise: Any) -> float:
    """How many of a double's ~16 significant digits `value` gets wrong (0 to 16)."""
    err = abs(value - precise)
    if err == 0:
        return 0.0
    if precise == 0:
        return DOUBLE_DIGITS
    rel = float(err / abs(precise))
    return max(0.0, min(DOUBLE_DIGITS, DOUBLE_DIGITS + math.log10(rel)))


def mp_partials(op: str, out: Any, args: list[Any], m: Any) -> tuple[Any, ...]:
    import mpmath

    try:
        return tuple(OPS[op].partials(m, out, *args))
    except (ValueError, ZeroDivisionError, OverflowError):
        return (mpmath.mpf("nan"),) * len(args)


_TABLE: tuple[dict[str, Callable[..., Any]], Any] | None | bool = False


def mp_table() -> tuple[dict[str, Callable[..., Any]], Any] | None:
    """mpmath versions of every operation, raising outside the real domain (as ops.py's)."""
    global _TABLE
    if _TABLE is not False:
        return _TABLE  # type: ignore[return-value]
    try:
        import mpmath
    except ImportError:
        _TABLE = None
        return None
    from types import SimpleNamespace

    mp = mpmath.mp

    def domain(test: Callable[..., bool], f: Callable[..., Any]) -> Callable[..., Any]:
        def g(*xs: Any) -> Any:
            if not test(*xs):
                raise ValueError
            return f(*xs)
        return g

    def inv(f: Callable[[Any], Any]) -> Callable[[Any], Any]:
        def g(x: Any) -> Any:
            d = f(x)
            if d == 0:
                raise ZeroDivisionError
            return 1 / d
        return g

    def powf(x: Any, y: Any) -> Any:
        if x == 0 and y < 0:
            raise ZeroDivisionError
        v = mp.power(x, y)
        if isinstance(v, mpmath.mpc):
            raise ValueError
        return v

    def sign(x: Any) -> Any:
        return mp.mpf((x > 0) - (x < 0))

    positive = lambda x: x > 0  # noqa: E731
    fns: dict[str, Callable[..., Any]] = {
        "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
        "div": lambda a, b: a / b, "neg": lambda a: -a, "pow": powf,
        "sin": mp.sin, "cos": mp.cos, "tan": mp.tan, "sec": inv(mp.cos), "csc": inv(mp.sin),
        "cot": inv(mp.tan), "asin": domain(lambda x: abs(x) <= 1, mp.asin),
        "acos": domain(lambda x: abs(x) <= 1, mp.acos), "atan": mp.atan, "atan2": mp.atan2,
        "sinh": mp.sinh, "cosh": mp.cosh, "tanh": mp.tanh, "exp": mp.exp,
        "log": domain(positive, mp.log), "log2": domain(positive, lambda x: mp.log(x, 2)),
        "log10": domain(positive, mp.log10), "sqrt": domain(lambda x: x >= 0, mp.sqrt),
        "abs": abs, "sign": sign, "step": lambda x: mp.mpf(1 if x > 0 else 0),
        "relu": lambda x: x if x > 0 else mp.mpf(0), "min": min, "max": max,
        "sigmoid": lambda x: 1 / (1 + mp.exp(-x)),
        "softplus": lambda x: mp.log(1 + mp.exp(x)),
        "cbrt": lambda x: mp.sign(x) * mp.cbrt(abs(x)),
        "asec": domain(lambda x: abs(x) >= 1, lambda x: mp.acos(1 / x)),
        "acsc": domain(lambda x: abs(x) >= 1, lambda x: mp.asin(1 / x)),
        "acot": lambda x: mp.pi / 2 - mp.atan(x),
    }
    if set(OPS) - set(fns):  # an op added to the table without a 50-digit form here
        _TABLE = None
        return None
    ns = dict(fns)
    ns["log"] = lambda x: mp.log(x) if x > 0 else mp.mpf("nan")  # pow's rule asks for it
    _TABLE = (fns, SimpleNamespace(**{name: ns[name] for name in vars(NUM)}))
    return _TABLE


def review(ev: Any, convention: str = "torch") -> None:
    """Note each partial of `ev` (a pipeline.Evaluation) that lost digits to cancellation;
    its check cannot pass.

    Past REL_TOL (the check's own tolerance) the partial's check fails; below it, an
    agreeing check becomes inconclusive.  Changes `ev.notes` and `ev.checks` in place.
    """
    tape = ev.tape
    need = needs_grad(tape)
    names = {i: n for n, i in tape.variables.items()}
    f = tape.output_names[-1] if tape.output_names and tape.output_names[-1].isidentifier() \
        else "f"
    for k, out in enumerate(tape.outputs):
        adj = ev.adjoints[k]
        mags = magnitudes(tape, ev.values, out, need, convention)
        hit = suspects(adj, mags, list(names))
        if not hit:
            continue
        precise = precise_gradient(tape, ev.env, out, convention)
        for i in hit:
            value = float(adj[i])
            if precise is None:  # no second opinion: the ratio alone bounds what is left
                lost = min(DOUBLE_DIGITS, math.log10(mags[i] / abs(value)) if value else
                           DOUBLE_DIGITS)
                truth = ""
            else:
                # the 50-digit sweep cancels too: below its own rounding it is 0
                noise = mags[i] * 10.0 ** (5 - DIGITS) if math.isfinite(mags[i]) else 0.0
                exact = precise[i] if abs(precise[i]) > noise else 0
                lost = digits_lost(value, exact)
                truth = f"; at {DIGITS} digits it is " + (f"{float(exact):.6g}" if exact else
                                                          f"0 (to within {noise:.1g})")
            if lost < DOUBLE_DIGITS + math.log10(LOST):
                continue  # an exact cancellation (2 - 2), or a harmless one
            name = names[i]
            where = f" of {describe(tape, out)}" if len(tape.outputs) > 1 else ""
            ev.notes.append(Note(i, f"∂{f}/∂{name}{where}: cancellation in the reverse sweep: "
                                    f"terms of size {mags[i]:.2g} cancel to {value:.3g}, so "
                                    f"about {lost:.0f} of its 16 significant digits are lost"
                                    f"{truth}"))
            if k < len(ev.checks) and name in ev.checks[k].partials:
                p = ev.checks[k].partials[name]
                fails = lost > DOUBLE_DIGITS + math.log10(REL_TOL)
                reason = f"about {lost:.0f} of 16 digits lost to cancellation (see the note)"
                if fails and p.verdict != "mismatch":
                    ev.checks[k].partials[name] = replace(p, verdict="mismatch", reason=reason)
                elif p.verdict in ("ok", "kink"):
                    ev.checks[k].partials[name] = replace(p, verdict="inconclusive",
                                                          reason=reason)
