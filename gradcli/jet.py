"""Truncated Taylor arithmetic (jets): f, f′, … f⁽ᴺ⁾ of one variable in O(N²)–O(N³).

A `Jet` holds the Taylor coefficients c₀ … c_N of a quantity along one variable
(cₖ = f⁽ᵏ⁾/k!).  Nested Duals (gradcli/dual.py) carry the same numbers but store
each mixed derivative separately, which costs ~3ᴺ per node; jets store each
once.

Arithmetic (+ - * / neg) uses the Cauchy-product recurrences.  Every other op
takes its derivative from the operations table: w = f(u) has w′ = Σ ∂f/∂uᵢ · uᵢ′,
so the op's `partials` rule is evaluated over jets one degree lower (over `NUM`
at degree 0, so the float rules' conventions hold), multiplied by the arguments'
derivatives, and integrated.  Results are memoised per (op, arguments, degree)
within a sweep, which keeps chains like sin → cos → -sin linear in N.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from functools import partial
from typing import Any

from gradcli.ops import NUM, OPS
from gradcli.overload import ERRORS, ByValue, TableArithmetic, lenient

_keys = itertools.count(1)
_memo: dict[tuple[Any, ...], Jet] = {}
_ARITH = {"add", "sub", "mul", "div", "neg"}


class Jet(TableArithmetic, ByValue):
    """Taylor coefficients c[0..N] along one variable; `key` names the root it truncates."""

    __slots__ = ("c", "key")

    def __init__(self, c: list[float], key: int | None = None) -> None:
        self.c = c
        self.key = next(_keys) if key is None else key

    @property
    def degree(self) -> int:
        return len(self.c) - 1

    def upto(self, d: int) -> Jet:
        """The same quantity to degree d (shares the key, so memo entries match)."""
        return self if d == self.degree else Jet(self.c[: d + 1], self.key)

    def derivative(self) -> list[float]:
        """Coefficients of d/dt, one degree lower."""
        return [(k + 1) * self.c[k + 1] for k in range(self.degree)]

    def __repr__(self) -> str:
        return f"Jet({self.c!r})"

    # arithmetic and comparisons: gradcli/overload.py, through these two
    def _op(self, name: str, *args: Any) -> Any:
        return apply(name, *args)

    def _value(self) -> Any:
        return self.c[0]

    def __abs__(self) -> Any:
        return apply("abs", self)

    def __bool__(self) -> bool:
        return any(v != 0 for v in self.c)

    def bad_order(self) -> int | None:
        """The lowest derivative order whose coefficient is inf or nan, or None."""
        return next((k for k, v in enumerate(self.c) if not math.isfinite(v)), None)


def _value(v: Any) -> Any:
    return v.c[0] if isinstance(v, Jet) else v


def variable(x: float, order: int) -> Jet:
    """The variable itself at x: x + t, to degree `order`."""
    return Jet([float(x), 1.0] + [0.0] * (order - 1) if order else [float(x)])


def derivatives(j: Any, order: int) -> list[float]:
    """f⁽ᵏ⁾ = k!·cₖ for k = 0 … order (a constant has zero derivatives)."""
    if not isinstance(j, Jet):
        return [float(j)] + [0.0] * order
    return [math.factorial(k) * j.c[k] for k in range(order + 1)]


def reset() -> None:
    """Forget the memo (call before a sweep; entries only hold within one)."""
    _memo.clear()


# ---------------------------------------------------------------- the recurrences

def _coeffs(a: Any, n: int) -> list[float]:
    return a.c if isinstance(a, Jet) else [float(a)] + [0.0] * (n - 1)


def _arith(name: str, args: tuple[Any, ...], n: int) -> Jet:
    if name == "neg":
        return Jet([-v for v in _coeffs(args[0], n)])
    x, y = (_coeffs(a, n) for a in args)
    if name == "add":
        return Jet([p + q for p, q in zip(x, y, strict=True)])
    if name == "sub":
        return Jet([p - q for p, q in zip(x, y, strict=True)])
    if name == "mul":
        return Jet([math.fsum(x[j] * y[k - j] for j in range(k + 1)) for k in range(n)])
    # div: w·y = x, so w_k = (x_k - Σ_{j>=1} y_j w_{k-j}) / y_0
    w = [OPS["div"].fn(x[0], y[0])]  # raises on a zero divisor, as the floats do
    for k in range(1, n):
        w.append((x[k] - math.fsum(y[j] * w[k - j] for j in range(1, k + 1))) / y[0])
    return Jet(w)


def _int_power(x: Jet, k: int, n: int) -> Jet:
    """x^k by repeated squaring of Cauchy products (exact coefficients where x's are)."""
    result = Jet([1.0] + [0.0] * (n - 1))
    base = x
    while k:
        if k & 1:
            result = _arith("mul", (result, base), n)
        k >>= 1
        if k:
            base = _arith("mul", (base, base), n)
    return result


def apply(name: str, *args: Any) -> Any:
    """`op(*args)` where arguments may be Jets (of one degree): coefficients from the table."""
    jets = [a for a in args if isinstance(a, Jet)]
    if not jets:
        return OPS[name].fn(*args)
    n = len(jets[0].c)
    if name in _ARITH:
        return _arith(name, args, n)
    if name == "pow" and not isinstance(args[1], Jet) and float(args[1]).is_integer() \
            and 0 <= args[1] <= 1024:
        # x^n as a product: the table's y·x^(y-1) would step through x^-1 at x = 0
        return _int_power(args[0], int(args[1]), n)
    key = (name, n, *((a.key, len(a.c)) if isinstance(a, Jet) else ("c", a) for a in args))
    got = _memo.get(key)
    if got is not None:
        return got
    prim = [a.c[0] if isinstance(a, Jet) else a for a in args]
    w0 = OPS[name].fn(*prim)
    if n == 1:
        out = Jet([float(w0)])
    else:
        low_args = [a.upto(n - 2) if isinstance(a, Jet) else a for a in args]
        low = apply(name, *low_args)
        rule_args = [_value(a) for a in low_args] if n == 2 else low_args
        try:
            slopes = OPS[name].partials(NUM if n == 2 else JET, _value(low) if n == 2 else low,
                                        *rule_args)
        except ERRORS:
            slopes = (math.nan,) * len(args)
        dw = [0.0] * (n - 1)
        for a, p in zip(args, slopes, strict=True):
            if not isinstance(a, Jet):
                continue
            da = a.derivative()
            if not any(da):
                continue  # this argument does not move: its partial is not needed
            pc = _coeffs(p, n - 1)
            for k in range(n - 1):
                dw[k] += math.fsum(pc[j] * da[k - j] for j in range(k + 1))
        out = Jet([float(w0)] + [dw[k] / (k + 1) for k in range(n - 1)])
    _memo[key] = out
    return out


class _Namespace:
    """The namespace partial rules are evaluated over, on jets (nan where undefined)."""

    def __init__(self) -> None:
        for name in vars(NUM):
            setattr(self, name, lenient(apply, name))


JET: Any = _Namespace()

# The function table for `forward(tape, env, fns=FNS)`: raises where a value is undefined.
FNS: dict[str, Callable[..., Any]] = {name: partial(apply, name) for name in OPS}
