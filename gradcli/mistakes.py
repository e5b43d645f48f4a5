"""What a wrong derivative's mistake is: said only where it is verified.

Each diagnosis is a claim relating your answer G to the true derivative D at
every point: G = k·D (a constant factor; k = -1 a sign error), G = D + c,
D = G·u′ (the chain factor u′ of an inner u forgotten), G = u′·v′ (the product
rule as a product), G = (u′v + uv′)/v² (the quotient rule's sign slip), one term
of a sum wrong or missing, G = D·x (a power one too high).  A claim is tried on
a few points, then verified at every point of the check in the arithmetic that
decided it (exact, or 30+ digits: gradcli/precise.py); one that fails anywhere
is not printed.  Numbers in a claim are exact (2, -1/3, 1/log(2)): found at one
point, verified at all.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from itertools import combinations
from typing import Any

from gradcli.precise import DIGITS, FAILURES, Arith
from gradcli.tape import CONST, VAR, Tape, expressions, needs_grad
from gradcli.verdict import Reading, Verdict, point_text, shown

MIN_POINTS = 3  # a claim needs at least this many points behind it
SCREEN = 4  # points a candidate is tried on before it is verified at all of them
DIAGNOSE_NODES = 400  # the diagnoses that try every inner node stop at this size
MAX_TERMS = 40
MAX_SUBSET = 12  # in answers with more terms, only one or two are looked for as wrong
MAX_DENOMINATOR = 10_000  # of a factor or shift found in floating point (exact ones: any)

Relation = Callable[[Reading], tuple[Any, Any]]  # (left, right): claimed equal at each point


# ---------------------------------------------------------------- verifying

def _readings(v: Verdict) -> list[Reading]:
    return [s.reading for s in v.samples if s.reading is not None]


def _at(r: Reading, rel: Relation) -> bool:
    try:
        with r.arith:
            left, right = rel(r)
            return r.arith.same(left, right, r.scale)
    except FAILURES:
        return False


def holds(v: Verdict, rel: Relation) -> bool:
    """The relation at every point of the check (a few first: most candidates fail there)."""
    rs = _readings(v)
    return len(rs) >= MIN_POINTS and all(_at(r, rel) for r in rs)


def _screen(v: Verdict, rel: Relation) -> bool:
    rs = _readings(v)[:SCREEN]
    return len(rs) >= MIN_POINTS and all(_at(r, rel) for r in rs)


def tried(v: Verdict, rel: Relation) -> bool:
    """Screened on a few points, then verified at all of them."""
    return _screen(v, rel) and holds(v, rel)


# ---------------------------------------------------------------- exact constants

_SYMBOLS = ("pi", "e", "log(2)", "log(10)")


@dataclass(frozen=True)
class Const:
    """q, q*s or q/s for a rational q and a constant s (pi, e, log(2), log(10))."""

    q: Fraction
    symbol: str = ""
    over: bool = False

    def value(self, a: Arith) -> Any:
        if not self.symbol:
            return a.number(self.q)
        if a.exact:
            raise TypeError("irrational")  # never equal to an exact value
        s = _symbol(self.symbol)
        return a.number(self.q) / s if self.over else a.number(self.q) * s

    def text(self) -> str:
        q, s = self.q, self.symbol
        if not s:
            return number_text(q)
        sign = "-" if q < 0 else ""
        q = abs(q)
        if self.over:  # q/s
            top = str(q.numerator)
            under = s if q.denominator == 1 else f"({q.denominator}*{s})"
            return f"{sign}{top}/{under}"
        top = s if q.numerator == 1 else f"{q.numerator}*{s}"
        return f"{sign}{top}" if q.denominator == 1 else f"{sign}{top}/{q.denominator}"

    @property
    def one(self) -> bool:
        return self.q == 1 and not self.symbol

    @property
    def simple(self) -> int:
        return len(self.text())


def number_text(q: Fraction) -> str:
    """An exact number in its shortest exact spelling: 3, -1/3, 0.25, 1e-10."""
    from decimal import Decimal

    texts = [str(q)]
    for k in range(400):  # a terminating decimal: q * 10^k is an integer
        if (q * 10 ** k).denominator == 1:
            d = Decimal(int(q * 10 ** k)).scaleb(-k)
            texts += [format(d, "f"), format(d.normalize(), "e").replace("e+", "e")]
            break
    return min(texts, key=len)


def _symbol(name: str) -> Any:
    import mpmath

    return {"pi": mpmath.mp.pi, "e": mpmath.mp.e, "log(2)": mpmath.log(2),
            "log(10)": mpmath.log(10)}[name]


def _fraction(x: Any) -> Fraction:
    """An mpf as the exact fraction it is."""
    import mpmath

    sign, man, exp, _ = mpmath.mpf(x)._mpf_  # (-1)^sign * man * 2^exp
    value: Fraction = Fraction(int(man)) * Fraction(2) ** int(exp)
    return -value if sign else value


def identify(k: Any, a: Arith) -> Const | None:
    """The exact number k is: itself when exact, else a small fraction times (or over)
    pi, e, log(2) or log(10) that matches it to DIGITS digits; None if none does."""
    if isinstance(k, Fraction):
        return Const(k)
    import mpmath

    with a:
        k = mpmath.mpf(k)
        if not mpmath.isfinite(k):
            return None
        tol = abs(k) * mpmath.mpf(10) ** -DIGITS
        for symbol in ("", *_SYMBOLS):
            for over in ((False,) if not symbol else (False, True)):
                x = k if not symbol else (k * _symbol(symbol) if over else k / _symbol(symbol))
                for q in _rationals(x):
                    c = Const(q, symbol, over)
                    if abs(c.value(a) - k) <= tol:
                        return c
    return None


def _rationals(x: Any) -> list[Fraction]:
    """Candidates for the exact number near x: a small fraction, a short decimal."""
    import mpmath

    out = [_fraction(x).limit_denominator(MAX_DENOMINATOR)]
    try:
        out.append(Fraction(mpmath.nstr(x, 15)))
    except (ValueError, ZeroDivisionError):
        pass
    return out


# ---------------------------------------------------------------- the diagnosis

def diagnose(v: Verdict) -> str:
    """What the wrong answer's values say about the mistake, in one sentence."""
    s = v.samples
    if not s:
        return (f"your answer is undefined at all {v.undefined_answer} points where the "
                "derivative is defined")
    # an answer given piece by piece has no one tape to read terms from: values only
    attempts = (_constant, _chain, _rule, _terms, _power) if v.problem is None or \
        v.problem.pieces is None else ()
    for attempt in attempts:
        said = attempt(v)
        if said:
            return said
    good = [x for x in s if x.agrees]
    if good:
        return (f"agrees at {len(good)} of {len(s)} points (e.g. {point_text(good[0].point)}) "
                f"but not at the others (e.g. {point_text(shown(v, 1)[0].point)}): equal at "
                "some points is not equal everywhere")
    return "differs at every point tested" + (
        "; no constant factor or shift explains it" if _varies(v) else "")


def _first(v: Verdict, nonzero: Callable[[Reading], Any]) -> Reading | None:
    for r in _readings(v):
        with r.arith:
            if nonzero(r):
                return r
    return None


def _constant(v: Verdict) -> str:
    """G = k·D or G = D + c for an exact k or c (when both hold, the simpler number)."""
    found: list[tuple[int, str]] = []
    r = _first(v, lambda r: r.true != 0)
    k = None
    if r is not None:
        with r.arith:
            k = identify(r.yours / r.true, r.arith)
    if k is not None and not k.one and tried(v, _times(k)):
        found.append((0 if k.q == -1 and not k.symbol else k.simple, _factor_text(v, k)))
    rs = _readings(v)
    c = None
    if rs:
        with rs[0].arith:
            c = identify(rs[0].yours - rs[0].true, rs[0].arith)
    if c is not None and c.q != 0 and tried(v, _plus(c)):
        found.append((c.simple, _shift_text(v, c)))
    return min(found)[1] if found else ""


def _times(k: Const) -> Relation:
    return lambda r: (r.yours, k.value(r.arith) * r.true)


def _plus(c: Const) -> Relation:
    return lambda r: (r.yours - r.true, c.value(r.arith))


def _factor_text(v: Verdict, k: Const) -> str:
    if k.q == 0:
        return "your answer is 0 at every point tested, and the derivative is not"
    if k.q == -1 and not k.symbol:
        hint = ""
        p = v.problem
        if p is not None and p.base.ops[p.base.outputs[-1]] == "div":
            hint = " (for a quotient the numerator is u'*v - u*v', not u*v' - u'*v)"
        return "sign error: your answer is the negative of the derivative" + hint
    text = k.text()
    chain = _chain(v)
    if chain:  # the factor is an inner derivative: say which (verified by _chain)
        hint = f" ({chain})"
    elif k.symbol in ("log(2)", "log(10)"):
        hint = f" (is a factor {k.symbol} dropped or misplaced?)"
    else:
        hint = " (is a chain-rule factor dropped or doubled?)"
    return f"off by a constant factor: your answer is {text} times the derivative{hint}"


def _shift_text(v: Verdict, c: Const) -> str:
    text = c.text()
    plus = f"- {text[1:]}" if text.startswith("-") else f"+ {text}"
    n = len(v.samples)
    how = (f"it differs by exactly {text} at all {n} points tested"
           if all(s.exact for s in v.samples) else
           f"the difference is {text} at all {n} points tested, to at least {_digits(v)} "
           "significant digits")
    return f"off by an additive constant: your answer is the derivative {plus} ({how})"


def _digits(v: Verdict) -> int:
    d = v.decided()["significant_digits"]
    return int(d) if d is not None else DIGITS


def _varies(v: Verdict) -> bool:
    """Whether G/D and G - D both take two clearly different values (so no constant factor
    or shift can explain the answer)."""
    rs = [r for r in _readings(v) if r.true != 0]

    def spread(values: list[Any]) -> bool:
        import mpmath

        if len(values) < 2:
            return False
        a, b = mpmath.mpf(values[0]), mpmath.mpf(values[-1])
        return bool(abs(a - b) > mpmath.mpf(10) ** -10 * max(abs(a), abs(b)))

    ratios, shifts = [], []
    for r in rs:
        with r.arith:
            ratios.append(_frac_or_mpf(r.yours / r.true))
            shifts.append(_frac_or_mpf(r.yours - r.true))
    return spread(ratios) and spread(shifts)


def _frac_or_mpf(x: Any) -> Any:
    import mpmath

    return mpmath.mpf(x.numerator) / x.denominator if isinstance(x, Fraction) else +x


# ---------------------------------------------------------------- structure

def _texts(t: Tape) -> list[str]:
    return expressions(t, limit=60)


def _inner_formula(v: Verdict, node: int, sign: int = 1) -> str:
    """The derivative of a node of the base tape (negated for sign -1), as diff prints it."""
    from gradcli.simplify import formulas, simplify
    from gradcli.symbolic import differentiate

    p = v.problem
    assert p is not None
    d = differentiate(p.base, [p.wrt], output=node).tape
    if sign < 0:
        d.outputs = [d.apply("neg", (d.outputs[0],))]
    return formulas(simplify(d, exact=False))[0]


def _signed(sign: int, text: str) -> str:
    if sign > 0:
        return text
    return f"-({text})" if text.startswith("-") else f"-{text}"


def _chain(v: Verdict) -> str:
    """D = G·u′ for an inner node u of the base: the chain factor u′ is missing."""
    p = v.problem
    if p is None or len(p.base) > DIAGNOSE_NODES:
        return ""
    t = p.base
    need = needs_grad(t)
    texts = _texts(t)
    for u in range(len(t)):
        if not need[u] or t.ops[u] in (VAR, CONST) or u == t.outputs[-1]:
            continue
        if tried(v, _missing_factor(u)):
            return (f"chain rule: a factor is missing, {_inner_formula(v, u)}, the derivative "
                    f"of the inner {texts[u]}")
    return ""


def _missing_factor(u: int) -> Relation:
    return lambda r: (r.yours * r.slope(u), r.true)


Rule = Callable[[Any, Any, Any, Any], Any]  # (u, v, u', v') -> a wrong rule's value


def _rule(v: Verdict) -> str:
    """The base is u*v or u/v and G is one of the classic wrong product or quotient rules."""
    p = v.problem
    if p is None or len(p.base) > DIAGNOSE_NODES:
        return ""
    t = p.base
    out = t.outputs[-1]
    op = t.ops[out]
    if op not in ("mul", "div"):
        return ""
    u, w = t.args[out]
    texts = _texts(t)
    a, b = texts[u], texts[w]

    rules: list[tuple[str, Rule]]
    if op == "mul":
        rules = [
            ("product rule: the derivative of a product is not the product of the derivatives; "
             f"(u*v)' = u'*v + u*v' with u = {a}, v = {b}", lambda U, W, dU, dW: dU * dW),
            (f"product rule: the term u*v' is missing (u = {a}, v = {b}: (u*v)' = u'*v + u*v')",
             lambda U, W, dU, dW: dU * W),
            (f"product rule: the term u'*v is missing (u = {a}, v = {b}: (u*v)' = u'*v + u*v')",
             lambda U, W, dU, dW: U * dW),
        ]
    else:
        rules = [
            ("quotient rule: the derivative of a quotient is not the quotient of the "
             f"derivatives; (u/v)' = (u'*v - u*v')/v^2 with u = {a}, v = {b}",
             lambda U, W, dU, dW: dU / dW),
            ("quotient rule: the sign in the numerator is wrong, it is u'*v - u*v', not "
             f"u'*v + u*v' (u = {a}, v = {b}: (u/v)' = (u'*v - u*v')/v^2)",
             lambda U, W, dU, dW: (dU * W + U * dW) / (W * W)),
            (f"quotient rule: the denominator v^2 is missing (u = {a}, v = {b}: "
             "(u/v)' = (u'*v - u*v')/v^2)", lambda U, W, dU, dW: dU * W - U * dW),
            (f"quotient rule: the denominator is v^2, not v (u = {a}, v = {b}: "
             "(u/v)' = (u'*v - u*v')/v^2)", lambda U, W, dU, dW: (dU * W - U * dW) / W),
            (f"quotient rule: only u'/v, the term -u*v'/v^2 is missing (u = {a}, v = {b})",
             lambda U, W, dU, dW: dU / W),
            (f"quotient rule: only -u*v'/v^2, the term u'/v is missing (u = {a}, v = {b})",
             lambda U, W, dU, dW: -U * dW / (W * W)),
        ]
    for message, rule in rules:
        if tried(v, _by_rule(rule, u, w)):
            return message
    return ""


def _by_rule(rule: Rule, u: int, w: int) -> Relation:
    return lambda r: (r.yours, rule(r.base_vals[u], r.base_vals[w], r.slope(u), r.slope(w)))


def terms(tape: Tape) -> list[tuple[int, int]]:
    """The output as a signed sum of terms: (node, +1 or -1), left to right."""
    found: list[tuple[int, int]] = []
    stack = [(tape.outputs[-1], 1)]
    while stack:
        node, sign = stack.pop()
        op = tape.ops[node]
        a = tape.args[node]
        if op == "add":
            stack += [(a[1], sign), (a[0], sign)]
        elif op == "sub":
            stack += [(a[1], -sign), (a[0], sign)]
        elif op == "neg":
            stack.append((a[0], -sign))
        else:
            found.append((node, sign))
    return found


Part = Callable[[Reading], Any]  # a quantity at each point


def _slope_part(node: int, sign: int) -> Part:
    return lambda r: r.slope(node) if sign > 0 else -r.slope(node)


def _value_part(node: int, sign: int) -> Part:
    return lambda r: r.g_vals[node] if sign > 0 else -r.g_vals[node]


def _zero(r: Reading) -> Any:
    return r.arith.number(0)


def _pair(x: Part, y: Part) -> Relation:
    return lambda r: (x(r), y(r))


def _fixed(yours: Part, right: Part) -> Relation:
    """G - yours + right = D: replacing your term by the right one gives the derivative."""
    return lambda r: (r.yours - yours(r) + right(r), r.true)


def _terms(v: Verdict) -> str:
    """For sums: which terms of the answer are the wrong derivative of one term of the
    function (or which is missing, or extra), and what they should be.

    Found by subset sums in doubles at a few points (your terms that add up to the
    derivative of every other term), then verified at every point: replacing your terms
    by the right derivative gives the derivative."""
    p, g = v.problem, v.answer
    if p is None or g is None or len(p.base) > DIAGNOSE_NODES:
        return ""
    need = needs_grad(p.base)
    f_terms = [t for t in terms(p.base) if need[t[0]]]
    g_terms = terms(g)
    if (len(f_terms) < 2 and len(g_terms) < 2) or len(f_terms) > MAX_TERMS \
            or len(g_terms) > MAX_TERMS:
        return ""
    rs = _readings(v)[:SCREEN]
    if len(rs) < MIN_POINTS:
        return ""
    d_parts = [_slope_part(n, s) for n, s in f_terms]
    g_parts = [_value_part(n, s) for n, s in g_terms]
    try:
        dv = [[_float(r, part) for r in rs] for part in d_parts]
        gv = [[_float(r, part) for r in rs] for part in g_parts]
        tv = [_float(r, _true) for r in rs]
    except FAILURES:
        return ""
    candidates = []
    for j in (None, *range(len(f_terms))):
        if j is not None and all(_at(r, _pair(d_parts[j], _zero)) for r in rs):
            continue  # a term whose derivative is 0 here: nothing to be wrong about
        target = [t - (dv[j][i] if j is not None else 0.0) for i, t in enumerate(tv)]
        yours = _rest(gv, target, at_least=1 if j is None else 0)
        if yours is not None:
            candidates.append((len(yours), -1 if j is None else j, yours))
    for _, j, yours in sorted(candidates):
        mine = _sum_part([g_parts[k] for k in yours])
        text = _sum_text([(g_terms[k][1], _texts(g)[g_terms[k][0]]) for k in yours])
        if j < 0:
            if tried(v, _fixed(mine, _zero)):
                return (f"a term is extra: your {text} is not part of the derivative"
                        if len(yours) == 1 else
                        f"terms are extra: your {text} are not part of the derivative")
            continue
        node, sign = f_terms[j]
        if not tried(v, _fixed(mine, d_parts[j])):
            continue
        right = _inner_formula(v, node, sign)
        of = f"the derivative of {_signed(sign, _texts(p.base)[node])}"
        if not yours:
            return f"a term is missing: {right}, {of}"
        return f"one term is wrong: your {text} should be {right} ({of}{_why(v, mine, d_parts[j])})"
    return ""


def _float(r: Reading, part: Part) -> float:
    with r.arith:
        x = part(r)
    try:
        return float(x)
    except OverflowError:
        return math.copysign(math.inf, x)


def _rest(gv: list[list[float]], target: list[float], at_least: int) -> tuple[int, ...] | None:
    """The fewest of your terms (at least `at_least`, not all) whose removal leaves terms
    that add up to `target` at each point (in doubles: a pre-screen)."""
    n = len(gv)
    total = [sum(col) for col in zip(*gv, strict=True)] if gv else [0.0] * len(target)
    size = [sum(abs(x) for x in col) + abs(t) for col, t in
            zip(zip(*gv, strict=True), target, strict=True)] if gv else [abs(t) for t in target]
    biggest = n - 1 if n <= MAX_SUBSET else min(n - 1, 2)
    for c in range(at_least, biggest + 1):
        for yours in combinations(range(n), c):
            if all(abs(total[i] - sum(gv[k][i] for k in yours) - t) <= 1e-9 * size[i]
                   for i, t in enumerate(target)):
                return yours
    return None


def _sum_part(parts: list[Part]) -> Part:
    def f(r: Reading) -> Any:
        out = r.arith.number(0)
        for part in parts:
            out = out + part(r)
        return out
    return f


def _sum_text(signed: list[tuple[int, str]]) -> str:
    """Terms with their signs as one sum: -a + b - c."""
    out = ""
    for k, (sign, text) in enumerate(signed):
        if k == 0:
            out = _signed(sign, text)
        else:
            body = f"({text})" if text.startswith("-") else text
            out += (" - " if sign < 0 else " + ") + body
    return out


def _why(v: Verdict, yours: Part, right: Part) -> str:
    """How a wrong term relates to the right one, when one relation holds everywhere."""
    r0 = _first(v, lambda r: right(r) != 0)
    if r0 is not None:
        with r0.arith:
            k = identify(yours(r0) / right(r0), r0.arith)
        if k is not None and tried(v, _pair(yours, _scaled(right, k))):
            return "; a sign error" if k.q == -1 and not k.symbol else \
                f"; off by the factor {k.text()}"
    p = v.problem
    assert p is not None
    for name in p.f.variables:
        for e, word in ((1, "one too high"), (-1, "one too low")):
            if tried(v, _pair(yours, _powered(right, name, e))):
                return f"; a power {word}"
    return ""


def _scaled(x: Part, k: Const) -> Part:
    return lambda r: k.value(r.arith) * x(r)


def _powered(x: Part, name: str, e: int) -> Part:
    return lambda r: x(r) * r.env[name] ** e


def _true(r: Reading) -> Any:
    return r.true


def _yours(r: Reading) -> Any:
    return r.yours


def _power(v: Verdict) -> str:
    """G = D·x^k for a variable x, or G = D·u^k for the base u of a power in F, and a
    small integer k: a power one too high (or low)."""
    p = v.problem
    if p is None:
        return ""
    for name in p.f.variables:
        for k in (1, -1, 2, -2):
            if not tried(v, _pair(_yours, _powered(_true, name, k))):
                continue
            power = name if abs(k) == 1 else f"{name}^{abs(k)}"
            if k > 0:
                return (f"wrong power: your answer is the derivative times {power} "
                        f"(a power one too high? d/d{name} {name}^n = n*{name}^(n-1))")
            return (f"wrong power: your answer is the derivative divided by {power} "
                    f"(a factor {power} missing, or a power too low?)")
    t = p.base
    if len(t) > DIAGNOSE_NODES:
        return ""
    texts = _texts(t)
    for i, op in enumerate(t.ops):
        b = t.args[i][0] if op == "pow" else -1
        if b < 0 or t.ops[b] in (VAR, CONST) or t.ops[t.args[i][1]] != CONST:
            continue
        for k in (1, -1):
            if tried(v, _pair(_yours, _times_node(b, k))):
                word = "times" if k > 0 else "divided by"
                return (f"wrong power: your answer is the derivative {word} ({texts[b]}) "
                        f"(a power one {'too high' if k > 0 else 'too low'}? "
                        "(u^n)' = n*u^(n-1)*u')")
    return ""


def _times_node(node: int, k: int) -> Part:
    return lambda r: r.true * r.base_vals[node] ** k
