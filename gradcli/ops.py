"""All of gradcli's calculus: one entry per operation.

Each `Op` says how to compute its value, its local partial derivatives, where it
is defined, where it is not differentiable (and which convention we report
there), and how it prints. The grammar finds functions here by name, the sweeps
call `fn` and `partials`, and the renderers ask `fmt` how to write a node.

Partials are written once over a namespace `m` of elementary functions: the
numeric sweep passes `NUM` (floats), the symbolic differentiator passes a graph
builder with the same names, so the formula `gradcli diff` prints and the number
`gradcli eval` prints come from the same rule.
"""

from __future__ import annotations

import math
import numbers
import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

nan = math.nan
ERRORS = (ValueError, ZeroDivisionError, OverflowError)  # what an undefined value raises
inf = math.inf
_NUMBER: Any = numbers.Real  # floats, ints, Fractions; not symbolic nodes or Duals

# Printing precedences; higher binds tighter.  Juxtaposition is only an input
# spelling: every product prints with `*`.
PREC_ADD, PREC_MUL, PREC_NEG, PREC_POW, PREC_ATOM = 1, 2, 3, 4, 9


@dataclass(frozen=True)
class Op:
    """One operation: value, local partials, domain, singular points, printing."""

    name: str
    arity: int  # -1: two or more arguments (min, max)
    fn: Callable[..., Any]
    # (m, out, *args) -> one local partial per argument, over namespace m
    partials: Callable[..., tuple[Any, ...]]
    domain: str = ""  # where the value is defined, for error messages
    # (*args) -> why the *derivative* is special here, or None.  `kink` means
    # a convention picked the number (PyTorch's); otherwise the slope is undefined.
    singular: Callable[..., str | None] | None = None
    kink: bool = False
    convention: str = ""  # the number we report at a kink, in words
    # (*args) -> (left partials, right partials) at a kink: each argument nudged
    # down or up alone, as ints (exact in any arithmetic).  None where the
    # function jumps (no one-sided slope).
    sides: Callable[..., tuple[tuple[int, ...], tuple[int, ...]]] | None = None
    infix: str = ""  # "+", "-", "*", "/", "^" for operators; "" for functions
    prec: int = PREC_ATOM
    doc: str = ""
    aliases: tuple[str, ...] = field(default=())


# ---------------------------------------------------------------- numerics
# Stable forms: no thresholded shortcuts, no overflow in exp for large |x|.


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def _softplus(x: float) -> float:
    return math.log1p(math.exp(-abs(x))) + max(x, 0.0)


def _sign(x: float) -> float:
    return 1.0 if x > 0 else -1.0 if x < 0 else 0.0 * x  # keeps nan as nan


def _cbrt(x: float) -> float:
    """The real cube root, correctly rounded: libm's cbrt is 1 ulp off on some machines
    (cbrt(-27) = -3.0000000000000004), so its neighbours are tried, compared exactly."""
    r = math.cbrt(abs(x))
    if r == 0 or not math.isfinite(r):
        return math.copysign(r, x)
    n, d = abs(x).as_integer_ratio()  # |x| = n / d, d a power of two
    for _ in range(4):  # libm is at most an ulp or two away
        up, down = math.nextafter(r, math.inf), math.nextafter(r, 0.0)
        if _cube_below(r, up, n, d):  # the cube of the midpoint r..up is below |x|
            r = up
        elif not _cube_below(down, r, n, d):
            r = down
        else:
            break
    return math.copysign(r, x)


def _cube_below(a: float, b: float, n: int, d: int) -> bool:
    """Whether ((a + b)/2)^3 < n/d, in exact integer arithmetic."""
    (na, da), (nb, db) = a.as_integer_ratio(), b.as_integer_ratio()
    den = max(da, db)
    mid = na * (den // da) + nb * (den // db)  # (a + b) = mid / den, so the midpoint mid/(2den)
    return mid ** 3 * d < n * (2 * den) ** 3


def _step(x: float) -> float:
    return 1.0 if x > 0 else 0.0


def _pow(x: float, y: float) -> float:
    # math.pow raises on a negative base with a fractional exponent instead of
    # returning a complex number; 0 to a negative power is a pole, not a domain edge.
    if x == 0 and y < 0:
        raise ZeroDivisionError
    return math.pow(x, y)


def _div(x: float, y: float) -> float:
    return x / y


def _sec(x: float) -> float:
    return 1.0 / math.cos(x)


def _csc(x: float) -> float:
    s = math.sin(x)
    if s == 0:
        raise ZeroDivisionError
    return 1.0 / s


def _cot(x: float) -> float:
    t = math.tan(x)
    if t == 0:
        raise ZeroDivisionError
    return 1.0 / t


def _log(x: float) -> float:
    if x <= 0:
        raise ValueError
    return math.log(x)


def _log2(x: float) -> float:
    if x <= 0:
        raise ValueError
    return math.log2(x)


def _log10(x: float) -> float:
    if x <= 0:
        raise ValueError
    return math.log10(x)


def _asec(x: float) -> float:
    return math.acos(1 / x)  # ValueError for |x| < 1, ZeroDivisionError at 0


def _acsc(x: float) -> float:
    return math.asin(1 / x)


def _acot(x: float) -> float:
    # the range (0, pi) of most calculus books: continuous, acot(0) = pi/2
    return math.pi / 2 - math.atan(x)


def _atan2(y: float, x: float) -> float:
    return math.atan2(y, x)


def _min(*xs: float) -> float:
    return min(xs)


def _max(*xs: float) -> float:
    return max(xs)


def _pow_partials(m: Any, out: Any, x: Any, y: Any) -> tuple[Any, Any]:
    if not isinstance(x, _NUMBER):  # symbolic: the textbook rule
        # but a constant 0 base: 0^y is 0 wherever it has a slope in y (y > 0), so that
        # slope is 0, as the float rule below says, not 0^y*log(0), undefined everywhere
        value = getattr(x, "constant_value", None)
        if value is not None and value() == 0:
            return y * x ** (y - 1), 0
        return y * x ** (y - 1), out * m.log(x)
    # d/dx x^y = y x^(y-1), taking its limits at x = 0 where they exist.  The
    # powers and logs are m's and the constants ints, so exact arithmetic's
    # namespace (gradcli/exact.py) keeps fractions exact through this same rule.
    if y == 0:
        dx: Any = 0
    elif x == 0:
        dx = 0 if y > 1 else 1 if y == 1 else nan
    else:
        dx = y * m.pow(x, y - 1)
    # d/dy x^y = x^y ln x: defined for x > 0, and 0 at x = 0 when y > 0
    try:
        dy = out * m.log(x) if x > 0 else 0 if (x == 0 and y > 0) else nan
    except OverflowError:  # an exact x^y too large for the double that ln x is
        dy = nan
    return dx, dy


def _pow_singular(x: float, y: float) -> str | None:
    # (0^0, a value convention, is noted by reverse.value_notes wherever it is used)
    if x == 0 and 0 < y < 1:
        return "the slope of x^y is infinite at x = 0 when 0 < y < 1"
    if x == 0 and y < 0:
        return "x^y has a pole at x = 0 when y < 0"
    return None


def _extreme_partials(m: Any, out: Any, *xs: Any) -> tuple[Any, ...]:
    if not isinstance(out, _NUMBER):
        # symbolic: the indicator of being the extreme over the number of arguments
        # that are: PyTorch's even split, which is also the true slope where
        # arguments tie on a whole interval (max(u, u), max(x, asin(sin(x))))
        hits = [_indicator(m, out, x) for x in xs]
        total = hits[0]
        for h in hits[1:]:
            total = total + h
        return tuple(h / total for h in hits)
    # PyTorch's convention: a tie splits the gradient evenly.  The split is a ratio
    # of counts, exact whatever the values are: a namespace may say how it writes
    # one (gradcli/exact.py's: as a Fraction); floats divide.
    hits = [1 if x == out else 0 for x in xs]
    n = sum(hits)
    ratio = getattr(m, "ratio", operator.truediv)
    return tuple(ratio(h, n) for h in hits)


def _indicator(m: Any, out: Any, x: Any) -> Any:
    # 1 where x is the extreme, 0 elsewhere: 1 - step(|out - x|) ... written as
    # 1 - sign(|out - x|), which the simplifier and the parser both understand.
    return 1 - m.sign(m.abs(out - x))


def _tie_at(extreme: Callable[..., float]) -> Callable[..., str | None]:
    """A tie only counts among the arguments equal to the result: max(0, 0, 5) has none."""

    def tie(*xs: float) -> str | None:
        top = extreme(*xs)
        return "a tie between arguments" if sum(x == top for x in xs) > 1 else None

    return tie


def _max_sides(*xs: float) -> tuple[tuple[int, ...], tuple[int, ...]]:
    # nudging a tied argument up makes it the maximum (slope 1), down leaves it (slope 0)
    top = max(xs)
    return tuple(0 for _ in xs), tuple(1 if x == top else 0 for x in xs)


def _min_sides(*xs: float) -> tuple[tuple[int, ...], tuple[int, ...]]:
    low = min(xs)
    return tuple(1 if x == low else 0 for x in xs), tuple(0 for _ in xs)


def _at_zero(what: str) -> Callable[[float], str | None]:
    return lambda x: what if x == 0 else None


def _at_pm1(what: str) -> Callable[[float], str | None]:
    return lambda x: what if abs(x) == 1 else None


def _atan2_singular(y: float, x: float) -> str | None:
    return "atan2 has no derivative at the origin" if x == 0 and y == 0 else None


def _atan2_partials(m: Any, out: Any, y: Any, x: Any) -> tuple[Any, Any]:
    r2 = x * x + y * y
    return x / r2, -y / r2


# ---------------------------------------------------------------- the table

_TABLE: list[Op] = [
    # operators
    Op("add", 2, operator.add, lambda m, o, x, y: (1, 1), infix="+", prec=PREC_ADD),
    Op("sub", 2, operator.sub, lambda m, o, x, y: (1, -1), infix="-", prec=PREC_ADD),
    Op("mul", 2, operator.mul, lambda m, o, x, y: (y, x), infix="*", prec=PREC_MUL),
    Op("div", 2, _div, lambda m, o, x, y: (1 / y, -o / y), domain="a nonzero divisor",
       infix="/", prec=PREC_MUL),
    Op("neg", 1, operator.neg, lambda m, o, x: (-1,), infix="-", prec=PREC_NEG),
    Op("pow", 2, _pow, _pow_partials, singular=_pow_singular,
       domain="a positive base, a zero base with an exponent >= 0, or an integer exponent",
       infix="^", prec=PREC_POW),
    # trigonometry
    Op("sin", 1, math.sin, lambda m, o, x: (m.cos(x),)),
    Op("cos", 1, math.cos, lambda m, o, x: (-m.sin(x),)),
    Op("tan", 1, math.tan, lambda m, o, x: (1 + o * o,)),
    Op("sec", 1, _sec, lambda m, o, x: (o * m.tan(x),), domain="an argument whose cos is not 0"),
    Op("csc", 1, _csc, lambda m, o, x: (-o * m.cot(x),), domain="an argument whose sin is not 0"),
    Op("cot", 1, _cot, lambda m, o, x: (-1 - o * o,), domain="an argument whose tan is not 0"),
    Op("asin", 1, math.asin, lambda m, o, x: (1 / m.sqrt(1 - x * x),),
       domain="an argument between -1 and 1",
       singular=_at_pm1("asin has an infinite slope at x = ±1"),
       aliases=("arcsin",)),
    Op("acos", 1, math.acos, lambda m, o, x: (-1 / m.sqrt(1 - x * x),),
       domain="an argument between -1 and 1",
       singular=_at_pm1("acos has an infinite slope at x = ±1"),
       aliases=("arccos",)),
    Op("atan", 1, math.atan, lambda m, o, x: (1 / (1 + x * x),), aliases=("arctan",)),
    Op("asec", 1, _asec, lambda m, o, x: (1 / (m.abs(x) * m.sqrt(x * x - 1)),),
       domain="an argument with |x| >= 1",
       singular=_at_pm1("asec has an infinite slope at x = ±1"), aliases=("arcsec",),
       doc="inverse secant, acos(1/x): values in [0, pi]"),
    Op("acsc", 1, _acsc, lambda m, o, x: (-1 / (m.abs(x) * m.sqrt(x * x - 1)),),
       domain="an argument with |x| >= 1",
       singular=_at_pm1("acsc has an infinite slope at x = ±1"), aliases=("arccsc",),
       doc="inverse cosecant, asin(1/x): values in [-pi/2, pi/2]"),
    Op("acot", 1, _acot, lambda m, o, x: (-1 / (1 + x * x),), aliases=("arccot",),
       doc="inverse cotangent, pi/2 - atan(x): values in (0, pi), as in most calculus books"),
    Op("atan2", 2, _atan2, _atan2_partials, singular=_atan2_singular,
       doc="atan2(y, x): the angle of the point (x, y)"),
    # hyperbolic
    Op("sinh", 1, math.sinh, lambda m, o, x: (m.cosh(x),)),
    Op("cosh", 1, math.cosh, lambda m, o, x: (m.sinh(x),)),
    Op("tanh", 1, math.tanh, lambda m, o, x: (1 - o * o,)),
    # exponentials and logarithms
    Op("exp", 1, math.exp, lambda m, o, x: (o,)),
    Op("log", 1, _log, lambda m, o, x: (1 / x,), domain="a positive argument", aliases=("ln",),
       doc="natural logarithm; log(x, b) is the logarithm to base b"),
    Op("log2", 1, _log2, lambda m, o, x: (1 / (x * m.log(2)),), domain="a positive argument"),
    Op("log10", 1, _log10, lambda m, o, x: (1 / (x * m.log(10)),), domain="a positive argument"),
    Op("sqrt", 1, math.sqrt, lambda m, o, x: (1 / (2 * o),), domain="an argument >= 0",
       singular=_at_zero("sqrt has an infinite slope at x = 0")),
    Op("cbrt", 1, _cbrt, lambda m, o, x: (1 / (3 * o * o),),
       singular=_at_zero("cbrt has an infinite slope at x = 0"),
       doc="the real cube root (∛x), defined for negative x too: cbrt(-8) = -2"),
    # piecewise
    Op("abs", 1, abs, lambda m, o, x: (m.sign(x),), kink=True,
       singular=_at_zero("abs has a kink at x = 0"), convention="abs'(0) = 0",
       sides=lambda x: ((-1,), (1,))),
    Op("sign", 1, _sign, lambda m, o, x: (0,), kink=True,
       singular=_at_zero("sign jumps at x = 0"), convention="sign'(0) = 0"),
    Op("step", 1, _step, lambda m, o, x: (0,), kink=True,
       singular=_at_zero("step jumps at x = 0"), convention="step'(0) = 0",
       doc="1 for x > 0, else 0 (the slope of relu)"),
    Op("relu", 1, lambda x: x if x > 0 else 0.0, lambda m, o, x: (m.step(x),), kink=True,
       singular=_at_zero("relu has a kink at x = 0"), convention="relu'(0) = 0",
       sides=lambda x: ((0,), (1,))),
    Op("min", -1, _min, _extreme_partials, kink=True, singular=_tie_at(_min), sides=_min_sides,
       convention="a tie splits the gradient evenly"),
    Op("max", -1, _max, _extreme_partials, kink=True, singular=_tie_at(_max), sides=_max_sides,
       convention="a tie splits the gradient evenly"),
    # smooth activations
    Op("sigmoid", 1, _sigmoid, lambda m, o, x: (o * (1 - o),)),
    Op("softplus", 1, _softplus, lambda m, o, x: (m.sigmoid(x),)),
]

OPS: dict[str, Op] = {op.name: op for op in _TABLE}

# Function names as the user may type them (operators are not functions).
_OPERATORS = {"add", "sub", "mul", "div", "neg"}
FUNCTIONS: dict[str, Op] = {}
for _op in _TABLE:
    if _op.name not in _OPERATORS:
        FUNCTIONS[_op.name] = _op
        for _alias in _op.aliases:
            FUNCTIONS[_alias] = _op

CONSTANTS: dict[str, float] = {"pi": math.pi, "π": math.pi, "e": math.e}

# The numeric namespace the partial rules are evaluated over.
NUM = SimpleNamespace(**{op.name: op.fn for op in _TABLE if op.name not in _OPERATORS})


def local_partials(op: str, out: Any, args: list[Any] | tuple[Any, ...],
                   m: Any = NUM) -> tuple[Any, ...]:
    """∂op/∂argument for each argument at a point, over namespace m; nan where undefined."""
    try:
        return tuple(OPS[op].partials(m, out, *args))
    except ERRORS:
        return (nan,) * len(args)


def arity_text(op: Op) -> str:
    """How many arguments, in words, for error messages."""
    return "two or more arguments" if op.arity < 0 else (
        "one argument" if op.arity == 1 else f"{op.arity} arguments")
