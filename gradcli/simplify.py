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

from fractions import Fraction

from gradcli.canon import ADD, EXTREMES, FUNC, MUL, NUM, SYMBOL, VARIABLE, Canon
from gradcli.canon import fold as fold  # re-exported: gradcli/exact.py folds with it
from gradcli.ops import CONSTANTS
from gradcli.tape import CONST, VAR, Tape, format_op, prune
from gradcli.together import has_fraction, together

_RANK = {NUM: 0, SYMBOL: 1, VARIABLE: 2, FUNC: 3, MUL: 4, ADD: 5}
MAX_NODES = 1_000_000  # nodes of the printed formula: past this no one reads it
_BIGGEST = int(1.7e308)  # a literal past this does not read back as a double


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
    return tape.ops[i] == "sub" and tape.ops[a[0]] in EXTREMES and a[1] in tape.args[a[0]]


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
        if has_fraction(cn, e):  # one fraction over the common denominator
            options.extend(self.together(e))
        return min(options, key=lambda n: self.out.length[n])

    def together(self, e: int) -> list[int]:
        """e written over one denominator (gradcli/together.py), if that is another form."""
        one = together(self.cn, e)
        return [] if one == e else [self.ensure(one)]

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
            written = self.product(d[0], dict(d[1]))
            if not any(has_fraction(cn, b) for b, _ in d[1]):
                return written
            # -y/(x^2*(y^2/x^2 + 1)) is -y/(x^2 + y^2): the shorter wins
            return min([written, *self.together(e)], key=lambda n: p.length[n])
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
