"""One fraction over a common denominator: a spelling gradcli/simplify.py may choose.

`together(cn, e)` writes a canonical expression as coefficient * numerator /
denominator, the denominator a product of powers (kept factored: (x - 1)^2) and the
numerator with its products of sums multiplied out, so that terms cancel:

    2*x/(x - 1) - (x^2 + 1)/(x - 1)^2   ->   (x^2 - 2*x - 1)/(x - 1)^2
    -y/(x^2*(y^2/x^2 + 1))              ->   -y/(x^2 + y^2)

Function arguments are not entered (each prints its own best spelling); the walk
over sums and products is a loop over interned ids, children first, never recursion.
Only integer powers of a sum are split into numerator and denominator, and a power
base that is the same on both sides cancels: x/x -> 1 only extends the domain, as
every rewrite of the simplifier does.
"""

from __future__ import annotations

from fractions import Fraction

from gradcli.canon import ADD, MUL, NUM, Canon

MAX_TERMS = 64  # a numerator multiplied out past this is left as it is: not shorter
MAX_EXPAND = 6  # nor a sum raised past this power

Parts = tuple[Fraction, dict[int, Fraction], dict[int, Fraction]]  # c, top, bottom


def has_fraction(cn: Canon, e: int) -> bool:
    """A sum with a term under a fraction bar (a negative power)?"""
    if cn.kinds[e] != ADD:
        return False
    for m, _ in cn.data[e]:
        _, f = cn.as_product(m)
        if any((cn.value(x) or 0) < 0 for x in f.values()):
            return True
    return False


def together(cn: Canon, e: int) -> int:
    """e as one fraction (a new canonical id), or e itself when that is no different."""
    memo: dict[int, Parts | None] = {}
    todo: set[int] = set()
    stack = [e]
    while stack:  # the sums and products under e, not entering function arguments
        x = stack.pop()
        if x in todo:
            continue
        todo.add(x)
        if cn.kinds[x] == ADD:
            stack.extend(m for m, _ in cn.data[x])
        elif cn.kinds[x] == MUL:
            stack.extend(b for b, _ in cn.data[x][1])
    for x in sorted(todo):  # children have smaller ids
        memo[x] = _parts(cn, x, memo)
    parts = memo[e]
    if parts is None:
        return e
    c, top, bottom = parts
    factors = {b: cn.num(k) for b, k in top.items()}
    for b, k in bottom.items():
        factors[b] = cn.num(-k)
    return cn.product(c, factors)


def _parts(cn: Canon, e: int, memo: dict[int, Parts | None]) -> Parts | None:
    kind = cn.kinds[e]
    if kind == NUM:
        return cn.data[e], {}, {}
    if kind == MUL:
        c, factors = cn.data[e]
        return _product_parts(cn, Fraction(c), dict(factors), memo)
    if kind == ADD:
        return _sum_parts(cn, e, memo)
    return Fraction(1), {e: Fraction(1)}, {}


def _merge(into: dict[int, Fraction], base: int, k: Fraction) -> None:
    into[base] = into.get(base, Fraction(0)) + k


def _product_parts(cn: Canon, c: Fraction, factors: dict[int, int],
                   memo: dict[int, Parts | None]) -> Parts | None:
    top: dict[int, Fraction] = {}
    bottom: dict[int, Fraction] = {}
    for b, x in factors.items():
        k = cn.value(x)
        if k is None:  # b^y: an atom
            _merge(top, cn.product(Fraction(1), {b: x}), Fraction(1))
            continue
        inner = memo.get(b)
        if k.denominator != 1 or inner is None:  # a root, or a base left as it is
            _merge(top if k > 0 else bottom, b, abs(k))
            continue
        ic, itop, ibottom = inner
        n = int(k)
        up, down = (itop, ibottom) if n > 0 else (ibottom, itop)
        if ic == 0:
            if n < 0:
                return None  # 1/0: not a rewrite to make
            return Fraction(0), {}, {}
        c *= ic ** n
        for base, j in up.items():
            _merge(top, base, j * abs(n))
        for base, j in down.items():
            _merge(bottom, base, j * abs(n))
    for b in list(bottom):  # the same base above and below cancels
        if b in top:
            low = min(top[b], bottom[b])
            top[b] -= low
            bottom[b] -= low
    top = {b: k for b, k in top.items() if k}
    bottom = {b: k for b, k in bottom.items() if k}
    # a numeric base below (a number under the bar) joins the coefficient
    for b in [b for b in bottom if cn.kinds[b] == NUM and bottom[b].denominator == 1]:
        c /= cn.data[b] ** int(bottom.pop(b))
    return c, top, bottom


def _sum_parts(cn: Canon, e: int, memo: dict[int, Parts | None]) -> Parts | None:
    terms: list[Parts] = []
    for m, c in cn.data[e]:
        p = memo.get(m) if m != cn.ONE else (Fraction(1), {}, {})
        if p is None:
            return None
        terms.append((c * p[0], p[1], p[2]))
    if not any(t[2] for t in terms):
        return Fraction(1), {e: Fraction(1)}, {}  # no fraction bar in it: itself
    common: dict[int, Fraction] = {}
    for _, _, bottom in terms:
        for b, k in bottom.items():
            common[b] = max(common.get(b, Fraction(0)), k)
    total: dict[int, Fraction] = {}
    for c, top, bottom in terms:
        scaled = dict(top)
        for b, k in common.items():
            extra = k - bottom.get(b, Fraction(0))
            if extra:
                _merge(scaled, b, extra)
        expanded = expand(cn, c, scaled)
        if expanded is None:
            return None
        for mono, k in expanded.items():
            total[mono] = total.get(mono, Fraction(0)) + k
        if len(total) > MAX_TERMS:
            return None
    for b in list(common):  # a power every term of the numerator has cancels
        low = min(_exponent(cn, m, b) for m in total)
        low = min(low, common[b])
        if low > 0:
            common[b] -= low
            less = cn.product(Fraction(1), {b: cn.num(-low)})
            total = {cn.mul(m, less): k for m, k in total.items()}
    numerator = cn.sum(total)
    if numerator == cn.ZERO:
        return Fraction(0), {}, {}
    nc, nf = cn.as_product(numerator)
    top = {b: Fraction(cn.value(x) or 1) for b, x in nf.items()}
    if any(cn.value(x) is None for x in nf.values()):
        top, nc = {numerator: Fraction(1)}, Fraction(1)
    for b in list(common):  # a factor of the numerator's content cancels too
        if b in top:
            low = min(top[b], common[b])
            top[b] -= low
            common[b] -= low
    return nc, {b: k for b, k in top.items() if k}, {b: k for b, k in common.items() if k}


def expand(cn: Canon, c: Fraction, factors: dict[int, Fraction]) -> dict[int, Fraction] | None:
    """c * prod(base^k) multiplied out: monomial -> coefficient (None: too many terms)."""
    acc: dict[int, Fraction] = {cn.ONE: c}
    for b, k in sorted(factors.items()):
        if cn.kinds[b] == ADD and k.denominator == 1 and 0 < k <= MAX_EXPAND:
            for _ in range(int(k)):
                nxt: dict[int, Fraction] = {}
                for m1, c1 in acc.items():
                    for m2, c2 in cn.data[b]:
                        m = cn.mul(m1, m2)
                        mc, mf = cn.as_product(m)
                        key = cn.product(Fraction(1), mf)
                        nxt[key] = nxt.get(key, Fraction(0)) + c1 * c2 * mc
                acc = {m: v for m, v in nxt.items() if v}
                if len(acc) > MAX_TERMS:
                    return None
            continue
        power = cn.product(Fraction(1), {b: cn.num(k)})
        nxt = {}
        for m, v in acc.items():
            mono, mc = _monomial(cn, m, power)
            nxt[mono] = nxt.get(mono, Fraction(0)) + v * mc
        acc = {m: v for m, v in nxt.items() if v}
    return acc


def _monomial(cn: Canon, m: int, power: int) -> tuple[int, Fraction]:
    """m * power as (monomial with coefficient 1, its coefficient)."""
    prod = cn.mul(m, power)
    c, f = cn.as_product(prod)
    return cn.product(Fraction(1), f), c


def _exponent(cn: Canon, m: int, b: int) -> Fraction:
    """The numeric power of base b in monomial m (0 when absent or symbolic)."""
    if m == b:
        return Fraction(1)
    if cn.kinds[m] != MUL:
        return Fraction(0)
    for base, x in cn.data[m][1]:
        if base == b:
            return cn.value(x) or Fraction(0)
    return Fraction(0)
