"""From a raw derivative graph to the formula a person would write.

Two passes, both plain loops in tape order (children always come first):

1. *Normal form.*  Each node becomes an interned canonical expression: a sum is
   a map monomial -> exact rational coefficient, a product is a coefficient and
   a map base -> exponent.  So constants fold, `x*1`, `x+0`, `x^1`, `0*x` vanish,
   like terms and coefficients combine and powers of one base merge as a side
   effect of building, and equal sub-expressions are one entry.
2. *Presentation.*  Each canonical expression reachable from an output becomes
   nodes of a new `Tape`: negative powers go under a fraction bar, `x^(1/2)`
   prints as `sqrt(x)`, a sum whose terms share a denominator (what reverse mode
   produces when a node fans out) is written over it, and of the spellings tried
   the shortest wins.  gradcli/tape.py's `expressions()` prints the result, so
   it reads back through gradcli's own grammar.

Rewrites only ever *extend* a formula's domain (x/x -> 1, sqrt(x)^2 -> x), never
change a value where the original is defined: `(x^2)^(1/2)` stays `sqrt(x^2)`.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

from gradcli.ops import CONSTANTS
from gradcli.tape import CONST, VAR, Tape, format_op, prune

NUM, VARIABLE, SYMBOL, FUNC, MUL, ADD = "n", "v", "s", "f", "m", "a"
_RANK = {NUM: 0, SYMBOL: 1, VARIABLE: 2, FUNC: 3, MUL: 4, ADD: 5}
_EXTREMES = ("min", "max")
MAX_NODES = 1_000_000  # nodes of the printed formula: past this no one reads it
_BIGGEST = int(1.7e308)  # a literal past this does not read back as a double
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
        if op in _EXTREMES:  # max(u, u, v) is max(u, v); max(u, u) is u
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


def _const_number(label: str | None, value: float) -> tuple[str, Fraction | str]:
    """A literal as an exact rational, or a named constant (pi, e)."""
    text = label or ""
    sign = 1
    while text.startswith("-"):
        sign, text = -sign, text[1:]
    if text in CONSTANTS:
        return ("-" if sign < 0 else "+"), ("pi" if text == "π" else text)
    try:
        return "+", sign * Fraction(text)
    except (ValueError, ZeroDivisionError):
        return "+", Fraction(repr(value))


_SUMS = ("add", "sub", "neg")
_PRODUCTS = ("mul", "div")


def _tie_test(tape: Tape, i: int) -> bool:
    """Is node i `max(u, v) - u`, the indicator's tie test (kept exactly as written)?"""
    a = tape.args[i]
    return tape.ops[i] == "sub" and tape.ops[a[0]] in _EXTREMES and a[1] in tape.args[a[0]]


def canonicalize(tape: Tape, canon: Canon | None = None) -> tuple[Canon, list[int]]:
    """Each node of `tape` in normal form; the canonical id of every output.

    A tree of sums (or of products) whose inner nodes are used only inside it is
    normalised once at its root, from all its leaves: adding the terms one at a
    time would copy the growing sum at every step, quadratic in its length.
    """
    cn = Canon() if canon is None else canon
    n = len(tape)
    family = [0] * n  # 1: part of a sum, 2: part of a product
    for i, op in enumerate(tape.ops):
        family[i] = 1 if op in _SUMS and not _tie_test(tape, i) else 2 if op in _PRODUCTS else 0
    uses = [0] * n
    consumer = [-1] * n
    for i in range(n):
        for j in tape.args[i]:
            uses[j] += 1
            consumer[j] = i
    for o in tape.outputs:
        uses[o] += 2
    inner = [family[i] != 0 and uses[i] == 1 and family[consumer[i]] == family[i]
             for i in range(n)]
    ids: list[int] = [0] * n
    minus_one = cn.num(Fraction(-1))
    for i, op in enumerate(tape.ops):
        if inner[i]:
            continue  # its root reads its leaves
        if family[i] == 1:
            ids[i] = _sum_tree(cn, tape, i, ids, inner)
            continue
        if family[i] == 2:
            ids[i] = _product_tree(cn, tape, i, ids, inner, minus_one)
            continue
        a = [ids[j] for j in tape.args[i]]
        if op == VAR:
            ids[i] = cn.var(tape.labels[i] or "")
        elif op == CONST:
            sign, v = _const_number(tape.labels[i], tape.consts[i])
            if isinstance(v, str):
                s = cn.symbol(v)
                ids[i] = cn.mul(minus_one, s) if sign == "-" else s
            else:
                ids[i] = cn.num(v)
        elif op == "sub":
            # max(u, v) - u is max's tie test: kept as written, so that it is exactly
            # 0 at a tie, which a rearranged sum would not be after rounding
            ids[i] = cn.opaque("sub", (a[0], a[1]))
        elif op == "pow":
            ids[i] = cn.pow(a[0], a[1])
        else:
            ids[i] = cn.fn(op, tuple(a))
    return cn, [ids[o] for o in tape.outputs]


def _sum_tree(cn: Canon, tape: Tape, root: int, ids: list[int], inner: list[bool]) -> int:
    terms: dict[int, Fraction] = {}
    stack = [(root, 1)]
    while stack:
        j, sign = stack.pop()
        if j == root or inner[j]:
            a, op = tape.args[j], tape.ops[j]
            if op == "neg":
                stack.append((a[0], -sign))
            else:
                stack.append((a[0], sign))
                stack.append((a[1], -sign if op == "sub" else sign))
            continue
        for m, c in cn.as_sum(ids[j]).items():
            terms[m] = terms.get(m, Fraction(0)) + sign * c
    return cn.sum(terms)


def _product_tree(cn: Canon, tape: Tape, root: int, ids: list[int], inner: list[bool],
                  minus_one: int) -> int:
    coef = Fraction(1)
    factors: dict[int, int] = {}
    stack = [(root, 1)]
    while stack:
        j, sign = stack.pop()
        if j == root or inner[j]:
            a = tape.args[j]
            stack.append((a[0], sign))
            stack.append((a[1], -sign if tape.ops[j] == "div" else sign))
            continue
        c, f = cn.as_product(ids[j] if sign > 0 else cn.pow(ids[j], minus_one))
        coef *= c
        for b, x in f.items():
            factors[b] = cn.add(factors[b], x) if b in factors else x
    return cn.product(coef, factors)


# ---------------------------------------------------------------- presentation

class _Printer:
    """A tape being written, with each node's printed length and precedence known."""

    def __init__(self, text: str = "") -> None:
        self.tape = Tape(text=text)
        self.length: list[int] = []
        self.prec: list[int] = []

    def _track(self, node: int, length: int, prec: int) -> int:
        while len(self.length) <= node:
            self.length.append(length)
            self.prec.append(prec)
        return node

    def leaf(self, node: int) -> int:
        label = self.tape.labels[node] or ""
        return self._track(node, len(label), 3 if label.startswith("-") else 9)

    def const(self, value: float, label: str) -> int:
        return self.leaf(self.tape.const(value, label))

    def var(self, name: str) -> int:
        return self.leaf(self.tape.var(name))

    def apply(self, op: str, *kids: int) -> int:
        node = self.tape.apply(op, kids)
        if node < len(self.length):
            return node
        if node >= MAX_NODES:
            from gradcli.errors import InputError

            raise InputError(f"the derivative is too large to write out (more than "
                             f"{MAX_NODES:,} operations)",
                             hint="gradcli eval gives its value at a point")
        # the operators and brackets op adds around its arguments, however long they are
        shape, prec = format_op(op, [("", self.prec[k]) for k in kids])
        return self._track(node, len(shape) + sum(self.length[k] for k in kids), prec)


def _number_label(v: Fraction, exact: bool) -> tuple[float, str] | None:
    """An integer's label; or a long fraction's decimal when not asked to be exact."""
    if v.denominator == 1:
        return float(v), str(v.numerator)
    if not exact and v.denominator > 10**6:
        f = float(v)
        return f, repr(f)
    return None


class Presenter:
    """Canonical expressions -> printable nodes, choosing the shortest spelling."""

    def __init__(self, canon: Canon, exact: bool = True, text: str = "") -> None:
        self.cn = canon
        self.exact = exact
        self.out = _Printer(text)
        self.node: dict[int, int] = {}
        self._leading: dict[int, Fraction] = {}
        self._negated: dict[int, int] = {}

    # ------------------------------------------------------------ numbers
    def number(self, v: Fraction) -> int:
        """A number as nodes: 3, -3 (one literal), 2/3, -2/3."""
        p = self.out
        if max(abs(v.numerator), v.denominator) > _BIGGEST:
            from gradcli.errors import InputError

            raise InputError(f"the derivative has a coefficient of about 10^"
                             f"{len(str(abs(v.numerator))) - len(str(v.denominator))}, too "
                             "large for a double", hint="gradcli eval gives its value at a point")
        lab = _number_label(v, self.exact)
        if lab is not None:
            return p.const(*lab)
        return p.apply("div", p.const(float(v.numerator), str(v.numerator)),
                       p.const(float(v.denominator), str(v.denominator)))

    def exponent(self, x: int) -> int:
        v = self.cn.value(x)
        if v is None:
            return self.node[x]
        d = v.denominator
        # an exact short decimal reads better as an exponent: x^1.5, not x^(3/2)
        if d != 1 and 10**6 % d == 0 and v > 0:
            text = f"{float(v)!r}"
            return self.out.const(float(v), text)
        return self.number(v)

    # ------------------------------------------------------------ keys
    def key(self, e: int) -> tuple[int, str, int]:
        k = self.cn.kinds[e]
        d = self.cn.data[e]
        name = d if k in (VARIABLE, SYMBOL) else d[0] if k == FUNC else ""
        return _RANK[k], str(name), e

    def degree(self, factors: dict[int, int]) -> float:
        total = 0.0
        for x in factors.values():
            v = self.cn.value(x)
            if v is not None and v > 0:
                total += float(v)
        return total

    # ------------------------------------------------------------ products
    def power(self, b: int, x: int) -> int:
        """base^x for a positive exponent x."""
        p = self.out
        v = self.cn.value(x)
        if v == 1:
            return self.node[b]
        if v == Fraction(1, 2):
            return p.apply("sqrt", self.node[b])
        return p.apply("pow", self.node[b], self.exponent(x))

    def chain(self, nodes: list[int]) -> int | None:
        acc: int | None = None
        for n in nodes:
            acc = n if acc is None else self.out.apply("mul", acc, n)
        return acc

    def product(self, c: Fraction, factors: dict[int, int]) -> int:
        """c * prod(base^x), negative exponents under the fraction bar."""
        cn, p = self.cn, self.out
        top: list[int] = []
        bottom: list[int] = []
        c, flip = self.flips(c, factors)
        for b in sorted(factors, key=self.key):
            x = factors[b]
            v = cn.value(x)
            if b in flip:
                b = self.negated(b)
            if v is not None and v < 0:
                bottom.append(self.power(b, cn.num(-v)))
            else:
                top.append(self.power(b, x))
        a = abs(c)
        sign = -1 if c < 0 else 1
        if not self.exact and a.denominator > 10**6:  # a long fraction as one decimal
            top.insert(0, self.number(sign * a))
        else:
            if a.numerator != 1 or not top:
                top.insert(0, self.number(sign * Fraction(a.numerator)))
            elif sign < 0:  # the sign on the first factor: -x/y, not -(x/y)
                top[0] = p.apply("neg", top[0])
            if a.denominator != 1:
                bottom.insert(0, self.number(Fraction(a.denominator)))
        num = self.chain(top)
        assert num is not None
        den = self.chain(bottom)
        return num if den is None else p.apply("div", num, den)

    # ------------------------------------------------------------ sums
    def _order(self, terms: list[tuple[Fraction, dict[int, int]]]) -> \
            list[tuple[Fraction, dict[int, int]]]:
        """Terms the way they are written: highest degree first."""
        return sorted(terms, key=lambda t: (-self.degree(t[1]),
                                            [self.key(b) for b in sorted(t[1], key=self.key)]))

    def leading(self, e: int) -> Fraction:
        """The coefficient of a sum's leading term."""
        found = self._leading.get(e)
        if found is None:
            cn = self.cn
            terms = [(c, cn.as_product(m)[1] if m != cn.ONE else {}) for m, c in cn.data[e]]
            found = self._leading[e] = self._order(terms)[0][0]
        return found

    def negated(self, e: int) -> int:
        """-e, written out (for a sum shown with its leading term positive)."""
        found = self._negated.get(e)
        if found is None:
            found = self._negated[e] = self.cn.scale(Fraction(-1), e)
            self.ensure(found)
        return found

    def flips(self, c: Fraction, factors: dict[int, int]) -> tuple[Fraction, set[int]]:
        """Sums to write negated, and the coefficient after: (1 - x)^2 reads better as
        (x - 1)^2, and -1/(1 - x) as 1/(x - 1); but (2 - x)*x stays, not -(x - 2)*x."""
        flip: set[int] = set()
        for b in sorted(factors, key=self.key):
            v = self.cn.value(factors[b])
            if v is None or v.denominator != 1 or self.cn.kinds[b] != ADD or \
                    self.leading(b) > 0:
                continue
            if v.numerator % 2 == 0:
                flip.add(b)
            elif c < 0:  # an odd power: flip only to cancel a minus sign
                flip.add(b)
                c = -c
        return c, flip

    def shown_sign(self, c: Fraction, factors: dict[int, int]) -> int:
        """The sign a term prints with, after `product`'s flips."""
        return 1 if self.flips(c, factors)[0] > 0 else -1

    def plain_sum(self, terms: list[tuple[Fraction, dict[int, int]]]) -> int:
        order = [(c, f, self.shown_sign(c, f)) for c, f in self._order(terms)]
        first = next((k for k, t in enumerate(order) if t[2] > 0), 0)
        order = [order[first], *order[:first], *order[first + 1:]]
        p = self.out
        acc = self.product(order[0][0], order[0][1])
        for c, f, sign in order[1:]:
            # the term printed positive, after a + or a -
            acc = p.apply("add" if sign > 0 else "sub", acc, self.product(c * sign, f))
        return acc

    def common(self, terms: list[tuple[Fraction, dict[int, int]]], positive: bool) -> \
            dict[int, int]:
        """Factors every term shares: the weakest denominator, or the lowest power."""
        cn = self.cn
        shared = set(terms[0][1])
        for _, f in terms[1:]:
            shared &= set(f)
        out: dict[int, int] = {}
        for b in shared:
            xs = [f[b] for _, f in terms]
            vs = [v for v in (cn.value(x) for x in xs) if v is not None]
            if len(vs) < len(xs):  # a symbolic exponent: shared only if the same
                if positive and all(x == xs[0] for x in xs):
                    out[b] = xs[0]
                continue
            if all(v < 0 for v in vs):
                out[b] = cn.num(max(vs))
            elif positive and all(v > 0 for v in vs):
                out[b] = cn.num(min(vs))
        return out

    def factored_sum(self, terms: list[tuple[Fraction, dict[int, int]]],
                     shared: dict[int, int]) -> int:
        """shared * (the sum of what is left of each term), the leftover sum simplified."""
        cn = self.cn
        left: dict[int, Fraction] = {}
        for c, f in terms:
            g = dict(f)
            for b, x in shared.items():
                rest = cn.add(g[b], cn.scale(Fraction(-1), x))
                if cn.value(rest) == 0:
                    del g[b]
                else:
                    g[b] = rest
            for m, k in cn.as_sum(cn.product(c, g)).items():
                left[m] = left.get(m, Fraction(0)) + k
        inner = cn.sum(left)
        # -exp(-x)*(cos(x) + sin(x)), not exp(-x)*(-cos(x) - sin(x))
        negative = all(k < 0 for k in left.values())
        if negative:
            inner = cn.scale(Fraction(-1), inner)
        key = lambda bx: self.key(bx[0])  # noqa: E731
        pos = [self.power(b, x) for b, x in sorted(shared.items(), key=key)
               if (cn.value(x) or 1) > 0]
        neg = [self.power(b, cn.num(-(cn.value(x) or Fraction(0))))
               for b, x in sorted(shared.items(), key=key) if (cn.value(x) or 1) < 0]
        first = [*pos, self.ensure(inner)]
        if negative:
            first[0] = self.out.apply("neg", first[0])
        top = self.chain(first)
        assert top is not None
        den = self.chain(neg)
        return top if den is None else self.out.apply("div", top, den)

    def sum(self, e: int) -> int:
        cn = self.cn
        terms = [(c, cn.as_product(m)[1] if m != cn.ONE else {}) for m, c in cn.data[e]]
        options = [self.plain_sum(terms)]
        for positive in (False, True):
            shared = self.common(terms, positive)
            if shared:
                options.append(self.factored_sum(terms, shared))
        return min(options, key=lambda n: self.out.length[n])

    # ------------------------------------------------------------ driver
    def present(self, outputs: list[int]) -> list[int]:
        """Nodes for the given canonical expressions (and everything they use)."""
        cn = self.cn
        live = [False] * len(cn.kinds)
        for o in outputs:
            live[o] = True
        for e in range(len(cn.kinds) - 1, -1, -1):
            if live[e]:
                for c in cn.children(e):
                    live[c] = True
        for e in range(len(cn.kinds)):
            if live[e] and e not in self.node:
                self.node[e] = self._one(e)
        return [self.node[o] for o in outputs]

    def _one(self, e: int) -> int:
        """The nodes of canonical expression e, whose parts are all written already."""
        cn, p = self.cn, self.out
        k, d = cn.kinds[e], cn.data[e]
        if k == NUM:
            return self.number(d)
        if k == VARIABLE:
            return p.var(d)
        if k == SYMBOL:
            return p.const(CONSTANTS[d], d)
        if k == FUNC:
            return p.apply(d[0], *[self.node[a] for a in d[1]])
        if k == MUL:
            return self.product(d[0], dict(d[1]))
        return self.sum(e)

    def ensure(self, e: int) -> int:
        """The nodes of e, an expression made while writing (a flipped or a leftover sum)."""
        if e in self.node:
            return self.node[e]
        todo: set[int] = set()
        stack = [e]
        while stack:
            x = stack.pop()
            if x not in self.node and x not in todo:
                todo.add(x)
                stack.extend(self.cn.children(x))
        for x in sorted(todo):  # children have smaller ids
            if x not in self.node:
                self.node[x] = self._one(x)
        return self.node[e]


def simplify(tape: Tape, exact: bool = True) -> Tape:
    """A new tape with the same outputs, each simplified and ready to print."""
    cn, outs = canonicalize(tape)
    pres = Presenter(cn, exact=exact, text=tape.text)
    nodes = pres.present(outs)
    result = pres.out.tape
    result.outputs = nodes
    result.output_names = list(tape.output_names)
    return prune(result)


MAX_FORMULA = 5_000_000  # characters: a longer derivative is refused, not printed


def _templates(tape: Tape) -> tuple[list[list[str]], list[int]]:
    """Each node's text around its arguments (from format_op), and its printed length."""
    mark = "\x00"
    parts: list[list[str]] = []
    prec: list[int] = []
    length: list[int] = []
    for i, op in enumerate(tape.ops):
        if op in (VAR, CONST):
            label = tape.labels[i] or ""
            parts.append([label])
            prec.append(3 if label.startswith("-") else 9)
            length.append(len(label))
            continue
        kids = tape.args[i]
        text, p = format_op(op, [(mark, prec[a]) for a in kids])
        parts.append(text.split(mark))
        prec.append(p)
        length.append(len(text) - len(kids) + sum(length[a] for a in kids))
    return parts, length


def formulas(tape: Tape) -> list[str]:
    """Each output of a (simplified) tape as one line of gradcli syntax.

    `expressions()` keeps every node's whole text, which is quadratic for a long
    chain; this writes only the outputs, with an explicit stack (no recursion),
    each node's shape coming from the same `format_op`.
    """
    from gradcli.errors import InputError

    parts, length = _templates(tape)
    out = []
    for o in tape.outputs:
        if length[o] > MAX_FORMULA:
            raise InputError(f"the derivative is {length[o]:,} characters long; the limit "
                             f"is {MAX_FORMULA:,}", hint="gradcli eval gives its value at a point")
        pieces: list[str] = []
        stack: list[tuple[int, int]] = [(o, 0)]  # (node, how many of its pieces written)
        while stack:
            node, k = stack.pop()
            segs = parts[node]
            pieces.append(segs[k])
            if k + 1 < len(segs):
                stack.append((node, k + 1))
                stack.append((tape.args[node][k], 0))
        out.append("".join(pieces))
    return out
