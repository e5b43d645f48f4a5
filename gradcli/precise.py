"""Exact and high-precision values at a point: the arithmetic behind check's verdicts.

`gradcli check` pre-screens a point in doubles and decides it here.  A point is
read exactly (Fractions through gradcli/exact.py's table: polynomials and
rational functions at rational points) when every value on the way is
rational; otherwise in mpmath at a working precision picked for the point:
DIGITS + GUARD significant digits beyond the decimal range of the point's
values, so a small term next to a huge shared one keeps all its digits.

Two numbers are the same when they are equal (exact), or when they differ by no
more than the rounding of that computation: SLACK units of the last working
digit of the largest value at the point, which is at least DIGITS + GUARD -
SLACK digits below every nonzero value there.  No absolute floor: a derivative
of 1e-15 is compared with your 0 as the different number it is.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import Any

from gradcli.errors import GradcliError
from gradcli.exact import FNS as EXACT_FNS
from gradcli.exact import SWEEP, exact_tape
from gradcli.forward import forward
from gradcli.mpops import mp_tables
from gradcli.reverse import Note, reverse
from gradcli.tape import CONST, VAR, Tape

DIGITS = 30  # significant digits a high-precision agreement must reach, at least
GUARD = 20  # working digits beyond DIGITS and the decimal range of the point
SLACK = 10  # of the working digits, rounding over a sweep may spoil this many
MAX_DPS = 3000  # past this a point is not worth its time: it is skipped
# the operations that keep rational numbers rational (sqrt and pow: when the root is)
RATIONAL = frozenset({"add", "sub", "mul", "div", "neg", "pow", "sqrt", "abs", "sign", "step",
                      "relu", "min", "max"})
# what evaluating a formula at a point may raise: the point is outside its domain
FAILURES = (GradcliError, ArithmeticError, ValueError, TypeError)


def rational(tape: Tape) -> bool:
    """Whether the tape can be exact at rational points (no sin, no pi)."""
    return all(op in RATIONAL or op == VAR or (op == CONST and tape.labels[i] not in
                                               ("pi", "e", "π"))
               for i, op in enumerate(tape.ops))


def decimal_range(values: Iterable[Any]) -> tuple[int, float]:
    """Decimal digits from the smallest nonzero magnitude to the largest, and the largest."""
    lo, hi = math.inf, 0.0
    for v in values:
        a = abs(float(v))
        if a:
            lo = min(lo, a)
            hi = max(hi, a)
    if not hi:
        return 0, 0.0
    if math.isinf(hi):
        return MAX_DPS, math.inf
    return max(0, math.ceil(math.log10(hi) - math.log10(lo))), hi


def working_digits(spread: int) -> int:
    """The mpmath precision for a point whose values span `spread` decimal digits."""
    return DIGITS + GUARD + 10 * math.ceil(spread / 10)  # multiples of 10: fewer tables


# ---------------------------------------------------------------- one arithmetic

class Arith:
    """Exact Fractions (dps 0) or mpmath at `dps` digits: values, slopes, equality.

    Use as a context manager around any mpmath work (it sets the precision).
    """

    def __init__(self, dps: int = 0) -> None:
        self.dps = dps
        self.exact = dps == 0
        self._tapes: dict[int, tuple[Tape, Tape]] = {}
        self._saved: list[int] = []
        self._ulp: Any = None  # 10^(SLACK - dps), once

    def __enter__(self) -> Arith:
        if not self.exact:
            import mpmath

            self._saved.append(mpmath.mp.dps)
            mpmath.mp.dps = self.dps
        return self

    def __exit__(self, *exc: object) -> None:
        if not self.exact:
            import mpmath

            mpmath.mp.dps = self._saved.pop()

    def number(self, q: Fraction | float | int) -> Any:
        """An exact number in this arithmetic."""
        q = Fraction(q)
        if self.exact:
            return q
        import mpmath

        return mpmath.mpf(q.numerator) / q.denominator

    def point(self, env: Mapping[str, Fraction]) -> dict[str, Any]:
        return {n: self.number(v) for n, v in env.items()}

    def _tape(self, t: Tape) -> Tape:
        """`t` with its literals in this arithmetic: 0.1 is 1/10, pi is mpmath's."""
        hit = self._tapes.get(id(t))
        if hit is None:
            if self.exact:
                hit = (t, exact_tape(t))
            else:
                import copy

                out = copy.copy(t)
                out.consts = [self._literal(t.labels[i], c) if op == CONST else c
                              for i, (op, c) in enumerate(zip(t.ops, t.consts, strict=True))]
                hit = (t, out)
            self._tapes[id(t)] = hit  # (t kept alive with it: ids are not reused)
        return hit[1]

    def _literal(self, label: str | None, value: float) -> Any:
        """A constant at this precision: from its text (0.1 is 1/10; pi, -e), the double
        only for a label that says nothing more."""
        import mpmath

        text = label or ""
        sign = -1 if text.startswith("-") else 1
        name = text.lstrip("-")
        if name in ("pi", "π"):
            return sign * +mpmath.mp.pi
        if name == "e":
            return sign * +mpmath.mp.e
        try:
            return self.number(Fraction(text))
        except (ValueError, ZeroDivisionError):
            return self.number(value)

    def values(self, t: Tape, env: Mapping[str, Any]) -> list[Any]:
        """Every node's value (raises one of FAILURES outside the domain)."""
        fns = EXACT_FNS if self.exact else mp_tables()[0]
        return forward(self._tape(t), {n: env[n] for n in t.variables}, fns=fns)

    def slope(self, t: Tape, vals: list[Any], var: str, output: int | None = None,
              notes: list[Note] | None = None) -> Any:
        """∂output/∂var by the reverse sweep (0 where var is not on the tape)."""
        if var not in t.variables:
            return self.number(0)
        if self.exact:  # the same sweep, seeded with Fractions (gradcli/exact.py)
            adj, found = reverse(t, vals, output, **SWEEP)
        else:
            adj, found = reverse(t, vals, output, m=mp_tables()[1])
        if notes is not None:
            notes.extend(found)
        return adj[t.variables[var]]

    def is_number(self, v: Any) -> bool:
        """An exact value (Fraction) in exact arithmetic; any finite number in mpmath."""
        if self.exact:
            return isinstance(v, Fraction)
        import mpmath

        return bool(mpmath.isfinite(v))

    def tolerance(self, scale: Any) -> Any:
        """What rounding may spoil in a value computed alongside magnitudes up to `scale`."""
        if self.exact:
            return Fraction(0)
        import mpmath

        if self._ulp is None:
            self._ulp = mpmath.mpf(10) ** (SLACK - self.dps)
        return mpmath.mpf(scale) * self._ulp

    def same(self, a: Any, b: Any, scale: Any = 0) -> bool:
        """a = b: exactly, or (mpmath) within the rounding of a computation at this precision
        among values up to `scale`.  A float in exact arithmetic is never the same."""
        if self.exact:
            return isinstance(a, Fraction) and isinstance(b, Fraction) and a == b
        import mpmath

        a, b = mpmath.mpf(a), mpmath.mpf(b)
        if not (mpmath.isfinite(a) and mpmath.isfinite(b)):
            return False
        return bool(abs(a - b) <= self.tolerance(max(abs(a), abs(b), mpmath.mpf(scale))))

    def digits(self, a: Any, b: Any, scale: Any) -> int:
        """Significant digits to which a and b are known to agree (after `same`)."""
        if self.exact:
            return 0
        import mpmath

        m = max(abs(mpmath.mpf(a)), abs(mpmath.mpf(b)))
        tol = self.tolerance(max(m, mpmath.mpf(scale)))
        if m == 0:
            return self.dps - SLACK
        return max(0, int(mpmath.floor(mpmath.log10(m / tol))))
