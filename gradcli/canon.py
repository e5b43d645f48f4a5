"""Interned canonical expressions: the normal form gradcli/simplify.py writes formulas from.

A sum is a map monomial -> exact rational coefficient, a product a coefficient and a
map base -> exponent; building one folds constants, combines like terms and merges
powers of one base, and equal sub-expressions are one entry.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

NUM, VARIABLE, SYMBOL, FUNC, MUL, ADD = "n", "v", "s", "f", "m", "a"
EXTREMES = ("min", "max")
MAX_POWER = 64  # fold c^n only for |n| up to this: 10^10^10 stays a formula
MAX_BITS = 4096  # nor when the exact result would be enormous

# f(number) that is an exact number: folded; anything else stays a formula (log(2)).
_EXACT_AT_ZERO = {"sin": 0, "tan": 0, "sinh": 0, "tanh": 0, "asin": 0, "atan": 0,
                  "cos": 1, "cosh": 1, "exp": 1}


class Canon:
    """Interned canonical expressions; an expression is its index here."""

    def __init__(self) -> None:
        self.kinds: list[str] = []
        self.data: list[Any] = []
        self._index: dict[tuple[Any, ...], int] = {}
        self.ZERO = self.num(Fraction(0))
        self.ONE = self.num(Fraction(1))

    def _intern(self, kind: str, data: Any) -> int:
        key = (kind, data)
        found = self._index.get(key)
        if found is not None:
            return found
        self._index[key] = len(self.kinds)
        self.kinds.append(kind)
        self.data.append(data)
        return len(self.kinds) - 1

    # ------------------------------------------------------------ atoms
    def num(self, v: Fraction) -> int:
        return self._intern(NUM, Fraction(v))

    def var(self, name: str) -> int:
        return self._intern(VARIABLE, name)

    def symbol(self, name: str) -> int:
        return self._intern(SYMBOL, name)

    def value(self, e: int) -> Fraction | None:
        """The number `e` is, if it is one."""
        return self.data[e] if self.kinds[e] == NUM else None

    # ------------------------------------------------------------ views
    def as_product(self, e: int) -> tuple[Fraction, dict[int, int]]:
        """e = coefficient * prod(base^exponent)."""
        k = self.kinds[e]
        if k == NUM:
            return self.data[e], {}
        if k == MUL:
            c, factors = self.data[e]
            return c, dict(factors)
        if k == ADD:  # pull the content out, so 2x+2 and 2*(x+1) are one form
            g, prim = self.content(e)
            if g != 1:
                return g, {prim: self.ONE}
        return Fraction(1), {e: self.ONE}

    def as_sum(self, e: int) -> dict[int, Fraction]:
        """e = sum(coefficient * monomial)."""
        k = self.kinds[e]
        if k == NUM:
            return {self.ONE: self.data[e]} if self.data[e] != 0 else {}
        if k == ADD:
            return dict(self.data[e])
        c, factors = self.as_product(e)
        return {self.product(Fraction(1), factors): c}

    def content(self, e: int) -> tuple[Fraction, int]:
        """A sum as g * primitive sum: integer coefficients, coprime, first one positive."""
        terms = self.data[e]
        num = 0
        den = 1
        for _, c in terms:
            num = math.gcd(num, c.numerator)
            den = den * c.denominator // math.gcd(den, c.denominator)
        g = Fraction(num, den)
        if terms[0][1] < 0:
            g = -g
        if g == 1:
            return g, e
        return g, self.sum({m: c / g for m, c in terms})

    # ------------------------------------------------------------ builders
    def product(self, c: Fraction, factors: dict[int, int]) -> int:
        """The canonical c * prod(base^exponent)."""
        f: dict[int, int] = {}
        # sqrt(2x)*sqrt(2x) is 2*x, not the base (2x)^1: one form per value, so that
        # like terms meet
        flat = [b for b, x in factors.items() if self._flattens(b, x)]
        if flat:
            factors = dict(factors)
        while flat:
            b = flat.pop()
            x = factors.pop(b)
            bc, bf = self.data[b]
            c *= _int_power(bc, self.data[x]) or 0
            for bb, e in bf:
                e = self.mul(e, x)
                factors[bb] = self.add(factors[bb], e) if bb in factors else e
                if self._flattens(bb, factors[bb]) and bb not in flat:
                    flat.append(bb)
        for b, x in factors.items():
            xv = self.value(x)
            if xv == 0:
                continue
            bv = self.value(b)
            if bv is not None and xv is not None and xv.denominator == 1:
                folded = _int_power(bv, xv)
                if folded is not None:
                    c *= folded
                    continue
            f[b] = x
        if c == 0:
            return self.ZERO
        if not f:
            return self.num(c)
        if len(f) == 1:
            (b, x), = f.items()
            if x == self.ONE:
                if c == 1:
                    return b
                if self.kinds[b] == ADD:  # c*(x+1) is the sum cx + c
                    return self.sum({m: c * k for m, k in self.data[b]})
        return self._intern(MUL, (c, tuple(sorted(f.items()))))

    def _flattens(self, b: int, x: int) -> bool:
        """A product raised to an integer power (foldable): written out as its factors."""
        xv = self.value(x)
        return self.kinds[b] == MUL and xv is not None and xv.denominator == 1 and \
            _int_power(self.data[b][0], xv) is not None

    def sum(self, terms: dict[int, Fraction]) -> int:
        """The canonical sum of coefficient * monomial."""
        live = {m: c for m, c in terms.items() if c != 0}
        if not live:
            return self.ZERO
        if len(live) == 1:
            (m, c), = live.items()
            if m == self.ONE:
                return self.num(c)
            _, factors = self.as_product(m)
            return self.product(c, factors)
        return self._intern(ADD, tuple(sorted(live.items())))

    def add(self, a: int, b: int) -> int:
        terms = self.as_sum(a)
        for m, c in self.as_sum(b).items():
            terms[m] = terms.get(m, Fraction(0)) + c
        return self.sum(terms)

    def mul(self, a: int, b: int) -> int:
        ca, fa = self.as_product(a)
        cb, fb = self.as_product(b)
        for base, x in fb.items():
            fa[base] = self.add(fa[base], x) if base in fa else x
        return self.product(ca * cb, fa)

    def scale(self, c: Fraction, a: int) -> int:
        return self.mul(self.num(c), a)

    def pow(self, a: int, x: int) -> int:
        xv = self.value(x)
        if xv == 0:
            return self.ONE
        if xv == 1:
            return a
        av = self.value(a)
        if av is not None and (av == 1 or (av == 0 and xv is not None and xv > 0)):
            return self.num(av)
        if xv is not None and xv.denominator == 1:
            # (c * prod b^e)^n = c^n * prod b^(e n) holds for integer n
            c, factors = self.as_product(a)
            cn = _int_power(c, xv)
            if cn is not None:
                return self.product(cn, {b: self.mul(e, x) for b, e in factors.items()})
        return self.product(Fraction(1), {a: x})

    def fn(self, op: str, args: tuple[int, ...]) -> int:
        if op == "sqrt":
            return self.pow(args[0], self.num(Fraction(1, 2)))
        if op in EXTREMES:  # max(u, u, v) is max(u, v); max(u, u) is u
            args = tuple(dict.fromkeys(args))
            if len(args) == 1:
                return args[0]
        vals = [self.value(a) for a in args]
        if all(v is not None for v in vals):
            folded = fold(op, vals)  # type: ignore[arg-type]
            if folded is not None:
                return self.num(folded)
        a0 = args[0]
        if op == "log" and self.kinds[a0] == FUNC and self.data[a0][0] == "exp":
            return int(self.data[a0][1][0])
        if op == "exp" and self.kinds[a0] == FUNC and self.data[a0][0] == "log":
            return int(self.data[a0][1][0])
        return self._intern(FUNC, (op, args))

    def opaque(self, op: str, args: tuple[int, ...]) -> int:
        """`op(*args)` kept exactly as written: an atom to the algebra."""
        return self._intern(FUNC, (op, args))

    def children(self, e: int) -> list[int]:
        k = self.kinds[e]
        if k == FUNC:
            return list(self.data[e][1])
        if k == MUL:
            return [i for bx in self.data[e][1] for i in bx]
        if k == ADD:
            return [m for m, _ in self.data[e]]
        return []


def _int_power(b: Fraction, n: Fraction) -> Fraction | None:
    """b^n exactly for integer n, or None when undefined or too large to fold."""
    k = int(n)
    if b == 0 and k < 0:
        return None
    if abs(k) > MAX_POWER or max(abs(b.numerator), b.denominator).bit_length() * abs(k) > MAX_BITS:
        return None
    return b ** k


def fold(op: str, vals: list[Fraction]) -> Fraction | None:
    """op(*vals) when that is an exact rational (abs, sign, sin(0), log(1)), else None."""
    x = vals[0]
    if op == "abs":
        return abs(x)
    if op == "sign":
        return Fraction((x > 0) - (x < 0))
    if op == "step":
        return Fraction(1 if x > 0 else 0)
    if op == "relu":
        return max(x, Fraction(0))
    if op == "min":
        return min(vals)
    if op == "max":
        return max(vals)
    if x == 0 and op in _EXACT_AT_ZERO:
        return Fraction(_EXACT_AT_ZERO[op])
    if x == 1 and op in ("log", "log2", "log10"):
        return Fraction(0)
    return None
