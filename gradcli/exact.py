"""Exact arithmetic: integers and fractions stay `Fraction`s, everything else is marked.

A value is a `Fraction` when it is known exactly (through + - * /, integer
powers, exact roots, abs, sign, min, max and the like) and a `float` when it is
not (ln 42): floats are contagious, so a result is exact exactly when every step
that led to it was.  The forward sweep is gradcli/forward.py's with this file's
function table; the reverse sweep is gradcli/reverse.py's, seeded with
Fraction(1) and run over the table's partial rules in this file's arithmetic
(`SWEEP`).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from gradcli.errors import DomainError, GradcliError, InputError
from gradcli.forward import forward
from gradcli.ops import NUM, OPS
from gradcli.ops import local_partials as table_partials
from gradcli.reverse import Note, reverse
from gradcli.tape import CONST, VAR, Tape, needs_grad

if TYPE_CHECKING:
    from gradcli.render import Result

Value = Fraction | float
MAX_EXPONENT = 10_000  # x^n exactly only for |n| up to this: past it a float is kinder
# The budget: a numerator or denominator of at most 4,000 digits (under Python's 4,300-digit
# limit for printing an int, and fast to multiply).  A power past it becomes a float (≈);
# any other step past it is refused (20 squarings of 0.999 would need 3 million digits).
MAX_DIGITS = 4_000
MAX_BITS = int(MAX_DIGITS * math.log2(10))


class ExactBudget(InputError):
    """An exact value past MAX_DIGITS: --exact refuses it rather than run on."""


def _bounded(v: Value) -> Value:
    if isinstance(v, Fraction) and max(v.numerator.bit_length(),
                                       v.denominator.bit_length()) > MAX_BITS:
        raise ExactBudget(f"--exact: a value would need more than {MAX_DIGITS:,} digits in "
                          "its numerator or denominator, past the budget for exact arithmetic",
                          hint="leave out --exact to compute in doubles")
    return v


def _checked(f: Callable[..., Value]) -> Callable[..., Value]:
    return lambda *xs: _bounded(f(*xs))


def is_exact(v: Any) -> bool:
    return isinstance(v, Fraction)


def _root(x: Fraction, q: int) -> Fraction | None:
    """The rational q-th root of x, if there is one."""
    if x < 0 and q % 2 == 0:
        return None
    sign = -1 if x < 0 else 1
    n, d = abs(x.numerator), x.denominator
    rn, rd = round(n ** (1 / q)), round(d ** (1 / q))
    for a in (rn - 1, rn, rn + 1):
        for b in (rd - 1, rd, rd + 1):
            if a >= 0 and b > 0 and a ** q == n and b ** q == d:
                return sign * Fraction(a, b)
    return None


def _pow(x: Value, y: Value) -> Value:
    if isinstance(x, Fraction) and isinstance(y, Fraction):
        if x == 0 and y < 0:
            raise ZeroDivisionError
        p, q = y.numerator, y.denominator
        size = max(abs(x.numerator), x.denominator).bit_length() * abs(p)
        if abs(p) <= MAX_EXPONENT and size <= MAX_BITS and q <= 64:
            base = x if q == 1 else _root(x, q)
            if base is not None:
                return base ** p
    return float(OPS["pow"].fn(float(x), float(y)))


def _div(x: Value, y: Value) -> Value:
    if y == 0:
        raise ZeroDivisionError
    return x / y


def _sqrt(x: Value) -> Value:
    if isinstance(x, Fraction) and x >= 0:
        r = _root(x, 2)
        if r is not None:
            return r
    return float(math.sqrt(x))


def _sign(x: Value) -> Value:
    return Fraction((x > 0) - (x < 0)) if isinstance(x, Fraction) else float(OPS["sign"].fn(x))


def _inexact(name: str) -> Callable[..., Value]:
    fn = OPS[name].fn

    def f(*xs: Value) -> Value:
        from gradcli.simplify import fold

        if all(isinstance(x, Fraction) for x in xs):
            folded = fold(name, list(xs))  # type: ignore[arg-type]
            if folded is not None:  # sin(0), exp(0), log(1): exact after all
                return folded
        return float(fn(*[float(x) for x in xs]))

    return f


def _log_of(name: str, base: float) -> Callable[..., Value]:
    """log, log2, log10 of a fraction past a double's range (2^-2048 is 0 as a double,
    and log(0) raised, so x^2's partial in its exponent made the whole sweep undefined):
    Python's math.log takes integers of any size."""
    inexact = _inexact(name)

    def f(x: Value) -> Value:
        if isinstance(x, Fraction) and x > 0:
            try:
                if 0 < float(x) < math.inf:
                    return inexact(x)
            except OverflowError:
                pass
            return (math.log(x.numerator) - math.log(x.denominator)) / base
        return inexact(x)

    return f


def _exact_or(name: str, exact: Callable[..., Value]) -> Callable[..., Value]:
    inexact = _inexact(name)
    return lambda *xs: exact(*xs) if all(isinstance(x, Fraction) for x in xs) else inexact(*xs)


FNS: dict[str, Callable[..., Value]] = {name: _inexact(name) for name in OPS}
FNS.update({
    "add": _checked(lambda x, y: x + y), "sub": _checked(lambda x, y: x - y),
    "mul": _checked(lambda x, y: x * y), "div": _checked(_div), "neg": lambda x: -x,
    "pow": _checked(_pow), "sqrt": _sqrt, "sign": _sign, "log": _log_of("log", 1.0),
    "log2": _log_of("log2", math.log(2)), "log10": _log_of("log10", math.log(10)),
    "abs": _exact_or("abs", abs), "step": _exact_or("step", lambda x: Fraction(int(x > 0))),
    "relu": _exact_or("relu", lambda x: max(x, Fraction(0))),
    # the extreme argument itself, exact or not: the tie test compares it with each argument
    "min": lambda *xs: min(xs), "max": lambda *xs: max(xs),
})

# the namespace the partial rules are evaluated over: the same functions, and a tie's
# even split (a ratio of counts, gradcli/ops.py's min/max) as the fraction it is
NS = SimpleNamespace(**{name: FNS[name] for name in vars(NUM)}, ratio=Fraction)


def literal(label: str | None, value: float) -> Value:
    """A constant node's exact value: 0.1 is 1/10, pi and e are floats."""
    try:
        return Fraction(label or "")
    except (ValueError, ZeroDivisionError):
        return value


def exact_tape(tape: Tape) -> Tape:
    """The same tape with its literals as Fractions (the parser stores floats)."""
    out = copy.copy(tape)
    out.consts = [literal(tape.labels[i], c) if op == CONST else c  # type: ignore[misc]
                  for i, (op, c) in enumerate(zip(tape.ops, tape.consts, strict=True))]
    return out


def parse_exact(name: str, text: str) -> Value:
    """A variable's value: 1.5 is 3/2, 2/3 stays 2/3, pi/4 is a float."""
    from gradcli.parser import parse
    from gradcli.pipeline import refuse_typo

    refuse_typo(name, text)  # Fraction() would take 1_000 and full-width digits
    try:
        return Fraction(text.strip())
    except (ValueError, ZeroDivisionError):
        pass
    try:
        tape = parse(text)
    except GradcliError as e:
        raise InputError(f"the value of {name}, {text!r}, is not a number: {e.message}") from None
    if tape.variables or len(tape.outputs) != 1:
        raise InputError(f"the value of {name}, {text!r}, must be one number made of numbers, "
                         "pi and e")
    try:
        value: Value = forward(exact_tape(tape), {}, fns=FNS)[tape.outputs[0]]
        return value
    except GradcliError as e:
        raise InputError(f"the value of {name}: {e.message}") from None


def exact_forward(tape: Tape, env: Mapping[str, Value]) -> list[Value]:
    """Every node's value, exact where the arithmetic allows."""
    return forward(exact_tape(tape), env, fns=FNS)


def local_partials(op: str, out: Value, args: list[Value], m: Any = NS) -> tuple[Value, ...]:
    """∂op/∂argument at a point: the table's rules over exact arithmetic (`NS`).

    The rules' literal 1s and -1s become Fractions, so a partial is exact
    exactly when its inputs were; nan where a rule is undefined.
    """
    return tuple(_bounded(Fraction(p)) if type(p) is int else _bounded(p)
                 for p in table_partials(op, out, args, m))


# The reverse sweep in exact arithmetic is gradcli/reverse.py's, seeded with
# Fraction(1): `reverse(tape, vals, **SWEEP)`.
SWEEP: dict[str, Any] = {"m": NS, "seed": Fraction(1), "zero": Fraction(0),
                         "partials": local_partials}


# ---------------------------------------------------------------- eval --exact

def eval_exact(source: str, raw: Mapping[str, str], convention: str = "torch") -> Result:
    """`gradcli eval --exact`: the value and gradient, exact where they can be."""
    try:
        return _eval_exact(source, raw, convention)
    except OverflowError:  # an exact value met a step that needs a double (log, a decimal)
        raise DomainError("a value is too large for a double where a step needs one "
                          "(--exact keeps fractions exact, but log, sqrt of a non-square "
                          "and the like work in doubles)") from None


def _eval_exact(source: str, raw: Mapping[str, str], convention: str = "torch") -> Result:
    from gradcli.parser import parse
    from gradcli.pipeline import missing_error
    from gradcli.reading import read_as
    from gradcli.render import Result

    tape = parse(source, known=raw)
    if len(tape.outputs) > 1:
        raise InputError("--exact takes one output; for several, drop --exact (gradcli "
                         "jacobian) or evaluate them one at a time")
    values = {n: parse_exact(n, t) for n, t in raw.items()}
    missing = [n for n in tape.variables if n not in values]
    if missing:
        raise missing_error(tape, missing, values)  # type: ignore[arg-type]
    env = {n: values[n] for n in tape.variables}
    vals = exact_forward(tape, env)
    adj, notes = reverse(tape, vals, convention=convention, **SWEEP)
    lost = _lost_doubles(tape, adj)
    # a fraction that a double's contribution never reached is not exact: it becomes the
    # double the sum would have been (float(3/4) + 0.0), marked ≈
    gradient = {n: float(adj[i]) if lost[i] and is_exact(adj[i]) else _bounded(adj[i])
                for n, i in tape.variables.items()}
    value = vals[tape.outputs[-1]]
    notes += underflow_notes(tape, env, value, gradient, convention)
    answer = ExactAnswer(tape, env, value, gradient, notes)
    return Result("exact", answer, list(tape.variables), read_as(tape),
                  [n.message for n in notes])


def _lost_doubles(tape: Tape, adj: list[Value]) -> list[bool]:
    """The nodes whose adjoint is missing a double's contribution.

    The reverse sweep passes nothing on from a node whose adjoint is 0, which is
    right for an exact 0; but a double 0 (an underflow: 0.999^(2^20) in doubles)
    then leaves the fractions below it looking exact, and ∂f/∂x printed an exact
    0 for a slope of 1e-450.  Every node below such a double is marked.
    """
    lost = [False] * len(tape.ops)
    need = needs_grad(tape)
    for i in range(tape.outputs[-1], -1, -1):
        if tape.ops[i] in (VAR, CONST) or not need[i]:
            continue
        if lost[i] or (adj[i] == 0 and not is_exact(adj[i])):
            for j in tape.args[i]:
                lost[j] = True
    return lost


def underflow_notes(tape: Tape, env: Mapping[str, Value], value: Value,
                    gradient: Mapping[str, Value], convention: str) -> list[Note]:
    """A note for each double 0 (value or slope) whose true value is not 0.

    A double that underflowed reads 0 where the quantity is 1e-450: ≈ 0 alone
    would be a wrong number, so the point is swept again at 50 digits (mpmath,
    whose exponents do not underflow) and the note gives the true size.
    """
    zeros: list[tuple[str | None, Value]] = [(None, value)] if value == 0 and not \
        is_exact(value) else []
    zeros += [(n, g) for n, g in gradient.items() if g == 0 and not is_exact(g)]
    if not zeros:
        return []
    precise = _precise(tape, env, convention)
    out = tape.outputs[-1]
    notes = []
    for name, _ in zeros:
        what = "the value" if name is None else f"∂/∂{name}"
        node = out if name is None else tape.variables[name]
        if precise is None:
            notes.append(Note(node, f"{what} ≈ 0 is a double, which may have underflowed: "
                                    "a nonzero number below about 1e-308 in size reads 0"))
            continue
        true = precise[0] if name is None else precise[1][node]
        if true != 0:
            notes.append(Note(node, f"{what} ≈ 0 is a double that underflowed: the true "
                                    f"value is {_mp_text(true)} (at 50 digits), below the "
                                    "smallest double"))
    return notes


def _precise(tape: Tape, env: Mapping[str, Value],
             convention: str) -> tuple[Any, list[Any]] | None:
    """The value and adjoints at 50 digits (mpmath), or None where that cannot be run."""
    import mpmath

    from gradcli.cancellation import DIGITS
    from gradcli.mpops import precise_sweep

    def mp(v: Value) -> Any:  # a fraction exactly to 50 digits, not through a double
        if isinstance(v, Fraction):
            return mpmath.mpf(v.numerator) / v.denominator
        return mpmath.mpf(v)

    sweep = precise_sweep(exact_tape(tape), env, None, convention, DIGITS, lift=mp)
    if sweep is None or sweep[1] is None:
        return None
    return sweep[0][tape.outputs[-1]], sweep[1]


def _mp_text(v: Any) -> str:
    import mpmath

    return str(mpmath.nstr(v, 3))


@dataclass
class ExactAnswer:
    """`eval --exact` at a point: Fractions where exact, floats where not."""

    tape: Tape
    env: dict[str, Any]
    value: Any
    gradient: dict[str, Any]
    notes: list[Note]
