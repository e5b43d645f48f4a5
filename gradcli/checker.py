"""Is G the derivative of F?  Numeric equivalence at many reproducible points.

The true derivative at a point comes from the numeric reverse sweep (not from
the printed formula), so `check` also tests `diff`.  Points are drawn from a
seeded generator over several scales and kept only where F, its derivative and
G are all defined, so the checker finds each function's domain by itself.  Two
values agree when |dF - G| <= 1e-8 max(|dF|, |G|) + 1e-12; a point that fails
in doubles is re-evaluated at 40 and 80 digits (mpmath) so that two
equal formulas that round differently are never called different.

When G is wrong the relation between G and dF is classified: a constant factor
(a sign error, or a dropped constant chain factor), an additive constant, a
dropped inner derivative (the chain rule), a stray power of a variable, or
agreement at some points only.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from gradcli.errors import GradcliError, InputError, check_wrt
from gradcli.forward import forward
from gradcli.numfmt import fmt
from gradcli.ops import NUM, OPS
from gradcli.reverse import reverse
from gradcli.tape import CONST, VAR, Tape, expressions, needs_grad

REL_TOL = 1e-8
ABS_TOL = 1e-12
MAX_TRIES = 40  # candidate points drawn per point wanted, before giving up
MAX_SHOWN = 5  # counterexample rows
CONFIRMATIONS = 5  # differences confirmed at high precision before doubles are trusted
DIAGNOSE_NODES = 400  # the diagnoses that sweep per inner node stop at this size
DIAGNOSE_POINTS = 20


def agree(a: float, b: float) -> bool:
    """The tolerance of the issue: tight relative, tiny absolute floor."""
    return abs(a - b) <= REL_TOL * max(abs(a), abs(b)) + ABS_TOL


# ---------------------------------------------------------------- sampling

def _draw(rng: random.Random) -> float:
    """One coordinate, from a scale picked at random: values near 0, 1, 10, 1000 all occur."""
    k = rng.randrange(6)
    if k == 0:
        return rng.uniform(-3, 3)
    if k == 1:
        return rng.uniform(-10, 10)
    if k == 2:
        return rng.uniform(0, 1)
    if k == 3:
        return math.copysign(10 ** rng.uniform(-3, 3), rng.random() - 0.5)
    if k == 4:
        return 10 ** rng.uniform(-2, 2)
    return rng.uniform(1, 3)


def parse_points(specs: tuple[str, ...]) -> list[dict[str, float]]:
    """--at x=1.5,y=2 (repeatable) as points."""
    from gradcli.pipeline import is_name, parse_value

    points = []
    for spec in specs:
        point: dict[str, float] = {}
        for part in spec.split(","):
            name, eq, value = part.partition("=")
            name = name.strip()
            if not eq or not is_name(name):
                raise InputError(f"--at {spec!r}: write points as --at x=1.5,y=2")
            if name in point:  # never silently keep the last of two
                raise InputError(f"--at {spec!r} gives {name} twice")
            point[name] = parse_value(name, value.strip())
        points.append(point)
    return points


# ---------------------------------------------------------------- high precision

def _mp_table() -> tuple[dict[str, Callable[..., Any]], Any] | None:
    """mpmath versions of every operation (raising outside the real domain), or None."""
    try:
        import mpmath
    except ImportError:  # optional: without it the double-precision verdict stands
        return None
    mp = mpmath.mp

    def real(v: Any) -> Any:
        if isinstance(v, mpmath.mpc):
            raise ValueError
        return v

    def log(x: Any) -> Any:
        if x <= 0:
            raise ValueError
        return mp.log(x)

    def sqrt(x: Any) -> Any:
        if x < 0:
            raise ValueError
        return mp.sqrt(x)

    def sign(x: Any) -> Any:
        return mp.mpf((x > 0) - (x < 0))

    def sigmoid(x: Any) -> Any:
        return 1 / (1 + mp.exp(-x))

    def powf(x: Any, y: Any) -> Any:
        if x == 0 and y < 0:
            raise ZeroDivisionError
        return real(mp.power(x, y))

    def inv(f: Callable[[Any], Any]) -> Callable[[Any], Any]:
        def g(x: Any) -> Any:
            d = f(x)
            if d == 0:
                raise ZeroDivisionError
            return 1 / d
        return g

    def asin(x: Any) -> Any:
        if abs(x) > 1:
            raise ValueError
        return mp.asin(x)

    def acos(x: Any) -> Any:
        if abs(x) > 1:
            raise ValueError
        return mp.acos(x)

    def arc_of_inverse(f: Callable[[Any], Any]) -> Callable[[Any], Any]:
        def g(x: Any) -> Any:  # asec(x) = acos(1/x): |x| >= 1
            if abs(x) < 1:
                raise ValueError
            return f(1 / x)
        return g

    fns: dict[str, Callable[..., Any]] = {
        "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
        "div": lambda a, b: a / b, "neg": lambda a: -a, "pow": powf,
        "sin": mp.sin, "cos": mp.cos, "tan": mp.tan, "sec": inv(mp.cos), "csc": inv(mp.sin),
        "cot": inv(mp.tan), "asin": asin, "acos": acos, "atan": mp.atan, "atan2": mp.atan2,
        "sinh": mp.sinh, "cosh": mp.cosh, "tanh": mp.tanh, "exp": mp.exp, "log": log,
        "log2": lambda x: log(x) / mp.log(2), "log10": lambda x: log(x) / mp.log(10),
        "sqrt": sqrt, "abs": abs, "sign": sign, "step": lambda x: mp.mpf(1 if x > 0 else 0),
        "relu": lambda x: x if x > 0 else mp.mpf(0), "min": min, "max": max,
        "sigmoid": sigmoid, "softplus": lambda x: mp.log(1 + mp.exp(x)),
        "cbrt": lambda x: mp.sign(x) * mp.cbrt(abs(x)), "asec": arc_of_inverse(mp.acos),
        "acsc": arc_of_inverse(mp.asin), "acot": lambda x: mp.pi / 2 - mp.atan(x),
    }
    missing = set(OPS) - set(fns)
    assert not missing, missing
    # the partial rules' namespace: pow's rule asks for log(x) even when only
    # d/dx is needed, so log of a negative is nan here rather than an error
    ns = dict(fns)
    ns["log"] = lambda x: mp.log(x) if x > 0 else mp.mpf("nan")
    from types import SimpleNamespace

    return fns, SimpleNamespace(**ns)


# ---------------------------------------------------------------- one partial

@dataclass
class Sample:
    """One point: where, the true derivative, and the answer's value."""

    point: dict[str, float]
    true: float
    yours: float
    agrees: bool


@dataclass
class Verdict:
    """The check of one --wrt/--expect pair."""

    wrt: str
    expect: str
    derivative: str  # the correct formula, simplified
    samples: list[Sample] = field(default_factory=list)
    diagnosis: str = ""
    answer: Tape | None = None  # G, parsed
    undefined_answer: int = 0  # points where dF is defined but G is not

    @property
    def equivalent(self) -> bool:
        return bool(self.samples) and all(s.agrees for s in self.samples)

    @property
    def counterexamples(self) -> list[Sample]:
        return [s for s in self.samples if not s.agrees]


class _Evaluator:
    """F's derivative and G's value at a point, in doubles and on demand at 40 and 80 digits."""

    def __init__(self, f: Tape, g: Tape, wrt: str) -> None:
        self.f, self.g, self.wrt = f, g, wrt
        self.need = needs_grad(f)
        self._mp: tuple[dict[str, Callable[..., Any]], Any] | None | bool = False

    def derivative(self, env: Mapping[str, Any], fns: Any = None, m: Any = NUM) -> Any:
        vals = forward(self.f, env, fns=fns)
        adj, _ = reverse(self.f, vals, None, self.need, m=m)
        return adj[self.f.variables[self.wrt]]

    def answer(self, env: Mapping[str, Any], fns: Any = None) -> Any:
        return forward(self.g, {n: env[n] for n in self.g.variables}, fns=fns)[self.g.outputs[-1]]

    def _at(self, env: Mapping[str, float], digits: int) -> tuple[Any, Any] | None:
        import mpmath

        fns, ns = self._mp  # type: ignore[misc]
        with mpmath.workdps(digits):
            point = {n: mpmath.mpf(v) for n, v in env.items()}
            try:
                return +self.derivative(point, fns, ns), +self.answer(point, fns)
            except (GradcliError, ValueError, ZeroDivisionError, OverflowError, TypeError):
                return None

    def precise(self, env: Mapping[str, float]) -> str:
        """Re-judge a point at 40 and 80 digits: "agree", "differ", "unstable" or "n/a".

        Unstable: the two precisions disagree with each other (sin of 3^170,
        say), so no precision at hand can tell; such a point is not used.
        """
        if self._mp is False:
            self._mp = _mp_table()
        if self._mp is None:
            return "n/a"
        lo, hi = self._at(env, 40), self._at(env, 80)
        if lo is None or hi is None:
            return "unstable"
        for a, b in zip(lo, hi, strict=True):
            if abs(a - b) > 1e-25 * max(abs(a), abs(b)) + 1e-30:
                return "unstable"
        d, g = float(hi[0]), float(hi[1])
        if not (math.isfinite(d) and math.isfinite(g)):
            return "unstable"
        return "agree" if agree(d, g) else "differ"


def check_one(f: Tape, wrt: str, expect: str, points: int = 200, seed: int = 0,
              pinned: list[dict[str, float]] | None = None,
              fixed: Mapping[str, float] | None = None) -> Verdict:
    """Compare ∂f/∂wrt with the formula `expect` at `points` points plus the pinned ones."""
    from gradcli.limits import formula_budget
    from gradcli.parser import parse, refuse_unknown_calls
    from gradcli.simplify import formulas, simplify
    from gradcli.symbolic import differentiate

    check_wrt([wrt], f.variables)
    try:
        g = parse(expect, known=f.variables)  # f's names read the same in the answer
        refuse_unknown_calls(g)
    except GradcliError as e:
        raise InputError(f"--expect {expect!r}: {e.message}", hint=e.hint) from None
    if len(g.outputs) != 1:
        raise InputError(f"--expect {expect!r} is several expressions; give one formula")
    extra = [n for n in g.variables if n not in f.variables]
    if extra:
        raise InputError(f"--expect {expect!r} uses {', '.join(extra)}, which the "
                         "expression does not", hint="variables: " + ", ".join(f.variables))
    try:
        derivative = differentiate(f, [wrt]).tape
        formula_budget(derivative)  # before simplifying: its cost grows with the formula
        formula = formulas(simplify(derivative, exact=False))[0]
    except InputError:  # too long to print: the check itself does not need it
        formula = "(a formula too long to print)"
    verdict = Verdict(wrt, expect, formula, answer=g)
    ev = _Evaluator(f, g, wrt)
    rng = random.Random(seed)
    fixed = dict(fixed or {})
    names = [n for n in f.variables if n not in fixed]
    candidates: list[tuple[dict[str, float], bool]] = [
        ({**fixed, **p}, True) for p in (pinned or [])]
    tried = 0
    k = 0
    confirmed = 0
    while len(verdict.samples) < points + len(pinned or []) and tried < \
            MAX_TRIES * points + len(candidates):
        if k < len(candidates):
            env, is_pin = candidates[k]
            k += 1
        else:
            env, is_pin = {**fixed, **{n: _draw(rng) for n in names}}, False
        tried += 1
        if is_pin:
            missing = [n for n in f.variables if n not in env]
            if missing:
                raise InputError(f"--at gives no value for {', '.join(missing)}")
        try:
            true = float(ev.derivative(env))
        except (GradcliError, ValueError, ZeroDivisionError, OverflowError):
            if is_pin:
                raise InputError(f"the derivative is undefined at the --at point "
                                 f"{_point_text(env)}") from None
            continue
        try:
            yours = float(ev.answer(env))
        except (GradcliError, ValueError, ZeroDivisionError, OverflowError):
            # only points where both are defined are compared; how many were
            # not is reported, and an answer defined nowhere is wrong
            verdict.undefined_answer += 1
            if is_pin:
                raise InputError(f"your formula is undefined at the --at point "
                                 f"{_point_text(env)}") from None
            continue
        if not (math.isfinite(true) and math.isfinite(yours)):
            continue
        ok = agree(true, yours)
        if not ok and confirmed < CONFIRMATIONS:
            # rounding, or a real difference?  Ask again with more digits (until a few
            # differences are confirmed: then the answer is wrong whatever the rest say)
            again = ev.precise(env)
            if again == "unstable" and not is_pin:
                continue
            ok = again == "agree"
            confirmed += again == "differ"
        verdict.samples.append(Sample(env, true, yours, ok))
    if not verdict.samples and verdict.undefined_answer == 0:
        raise InputError(f"found no point where the derivative with respect to {wrt} is "
                         f"defined ({tried} tried)",
                         hint="pin one with --at " + ",".join(f"{n}=1" for n in f.variables))
    if not verdict.equivalent:
        verdict.diagnosis = diagnose(verdict, f, wrt)
    return verdict


def shown(v: Verdict, n: int = MAX_SHOWN) -> list[Sample]:
    """The counterexamples to show: the plainest first (coordinates nearest 1 in size are
    easiest to redo by hand), but one per sign and scale, so they show where it fails."""
    ranked = sorted(v.counterexamples, key=lambda s: max(
        (abs(math.log10(abs(x))) if x else 0.0 for x in s.point.values()), default=0.0))
    picked: list[Sample] = []
    seen = set()
    for s in ranked:
        key = tuple((x > 0, round(math.log10(abs(x)))) if x else (True, -99)
                    for x in s.point.values())
        if key not in seen:
            seen.add(key)
            picked.append(s)
    return (picked + [s for s in ranked if s not in picked])[:n]


def _point_text(env: Mapping[str, float]) -> str:
    return ", ".join(f"{n}={fmt(v, 6)}" for n, v in env.items())


# ---------------------------------------------------------------- diagnosis

def _nice(v: float) -> str:
    """A factor as a person would say it: 2, -1, 1/3, 0.5, else 6 digits."""
    q = Fraction(v).limit_denominator(100)
    if q != 0 and abs(float(q) - v) <= 1e-9 * abs(v):
        return str(q)
    return fmt(v, 6)


def _constant(values: list[float]) -> float | None:
    if not values:
        return None
    first = values[0]
    return first if all(agree(first, v) or abs(first - v) <= 1e-7 * max(abs(first), abs(v))
                        for v in values) else None


def diagnose(v: Verdict, f: Tape, wrt: str) -> str:
    """What the wrong answer's values say about the mistake, in one sentence."""
    s = v.samples
    if not s:
        return (f"your answer is undefined at all {v.undefined_answer} points where the "
                "derivative is defined")
    bad = v.counterexamples
    good = len(s) - len(bad)
    ratios = [x.yours / x.true for x in s if x.true != 0 and abs(x.true) > 1e-300]
    k = _constant(ratios) if len(ratios) >= 2 else None
    if k is not None and not agree(k, 1):
        if agree(k, -1):
            return "sign error: your answer is the negative of the derivative"
        if abs(k) < 1e-6 or not math.isfinite(k):
            pass
        else:
            nice = _nice(k)
            hint = " (is a chain-rule factor dropped or doubled?)" if "/" in nice or \
                nice.lstrip("-").isdigit() else ""
            return f"off by a constant factor: your answer is {nice} times the derivative{hint}"
    shift = _constant([x.yours - x.true for x in s])
    if shift is not None and not agree(shift, 0):
        return (f"off by an additive constant: your answer is the derivative "
                f"{'+' if shift > 0 else '-'} {_nice(abs(shift))}")
    chain = _dropped_factor(v, f, wrt)
    if chain:
        return chain
    rule = _product_rule(v, f, wrt)
    if rule:
        return rule
    terms = _term_by_term(v, f, wrt)
    if terms:
        return terms
    power = _stray_power(v, f)
    if power:
        return power
    if good:
        where = _point_text(next(x.point for x in s if x.agrees))
        fails = _point_text(shown(v, 1)[0].point)
        return (f"agrees at {good} of {len(s)} points (e.g. {where}) but not at the others "
                f"(e.g. {fails}): equal at some points is not equal everywhere")
    return "differs at every point tested; no constant factor or shift explains it"


def _dropped_factor(v: Verdict, f: Tape, wrt: str) -> str:
    """Is dF = G * (du/dwrt) for an inner node u of F?  That is a forgotten chain factor."""
    if len(f) > DIAGNOSE_NODES:
        return ""
    from gradcli.simplify import formulas, simplify
    from gradcli.symbolic import differentiate

    pts = [x for x in v.samples if x.yours != 0][:DIAGNOSE_POINTS]
    if len(pts) < 3:
        return ""
    need = needs_grad(f)
    x_node = f.variables[wrt]
    inner = [i for i in range(len(f)) if need[i] and f.ops[i] not in (VAR, CONST)
             and i != f.outputs[-1]]
    cached = []
    for p in pts:
        try:
            cached.append(forward(f, p.point))
        except GradcliError:
            return ""
    texts = expressions(f, limit=60)
    for u in inner:
        ok = True
        for p, vals in zip(pts, cached, strict=True):
            try:
                adj, _ = reverse(f, vals, u, need)
            except GradcliError:
                ok = False
                break
            du = adj[x_node]
            if not agree(p.yours * du, p.true) or agree(du, 1):
                ok = False
                break
        if ok:
            # du/dx as a formula, from the same symbolic sweep
            d = differentiate(f, [wrt], output=u)
            sub = simplify(d.tape, exact=False)
            return (f"chain rule: a factor is missing, {formulas(sub)[0]}, the derivative of "
                    f"the inner {texts[u]}")
    return ""


def _product_rule(v: Verdict, f: Tape, wrt: str) -> str:
    """F = u*v or u/v, and G is one of the classic wrong rules: u'v', u'/v', one term only,
    or the quotient rule's terms the wrong way round."""
    out = f.outputs[-1]
    op = f.ops[out]
    if op not in ("mul", "div") or len(f) > DIAGNOSE_NODES:
        return ""
    u, w = f.args[out]
    need = needs_grad(f)
    pts = v.samples[:DIAGNOSE_POINTS]
    rows = []
    try:
        for p in pts:
            vals = forward(f, p.point)
            du = reverse(f, vals, u)[0][f.variables[wrt]] if need[u] else 0.0
            dw = reverse(f, vals, w)[0][f.variables[wrt]] if need[w] else 0.0
            rows.append((vals[u], vals[w], du, dw, p.yours))
    except (GradcliError, ValueError, ZeroDivisionError, OverflowError):
        return ""
    if len(rows) < 3:
        return ""
    texts = expressions(f, limit=40)
    a, b = texts[u], texts[w]
    wrong: dict[str, Callable[[Any, Any, Any, Any], Any]]  # (u, v, u', v') -> a wrong rule
    if op == "mul":
        wrong = {
            "product rule: the derivative of a product is not the product of the derivatives; "
            f"(u*v)' = u'*v + u*v' with u = {a}, v = {b}": lambda U, W, dU, dW: dU * dW,
            f"product rule: the term u*v' is missing (u = {a}, v = {b}: (u*v)' = u'*v + u*v')":
                lambda U, W, dU, dW: dU * W,
            f"product rule: the term u'*v is missing (u = {a}, v = {b}: (u*v)' = u'*v + u*v')":
                lambda U, W, dU, dW: U * dW,
        }
    else:
        wrong = {
            "quotient rule: the derivative of a quotient is not the quotient of the "
            f"derivatives; (u/v)' = (u'*v - u*v')/v^2 with u = {a}, v = {b}":
                lambda U, W, dU, dW: dU / dW,
            f"quotient rule: the numerator is the wrong way round, it is u'*v - u*v' "
            f"(u = {a}, v = {b})": lambda U, W, dU, dW: (U * dW - dU * W) / W ** 2,
            f"quotient rule: the denominator v^2 is missing (u = {a}, v = {b}: "
            "(u/v)' = (u'*v - u*v')/v^2)": lambda U, W, dU, dW: dU * W - U * dW,
            f"quotient rule: only u'/v, the term -u*v'/v^2 is missing (u = {a}, v = {b})":
                lambda U, W, dU, dW: dU / W,
        }
    for message, rule in wrong.items():
        try:
            if all(agree(g, rule(U, W, dU, dW)) for U, W, dU, dW, g in rows):
                return message
        except ZeroDivisionError:
            continue
    return ""


def _terms(tape: Tape) -> list[tuple[int, int]]:
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


def _term_by_term(v: Verdict, f: Tape, wrt: str) -> str:
    """For sums: which term of the answer is wrong, and what it should be."""
    from gradcli.simplify import formulas, simplify
    from gradcli.symbolic import differentiate

    g = v.answer
    if g is None:
        return ""
    f_terms = [t for t in _terms(f) if needs_grad(f)[t[0]]]
    g_terms = _terms(g)
    if len(f_terms) < 2 and len(g_terms) < 2:
        return ""
    if len(f) > DIAGNOSE_NODES or len(f_terms) > 40:
        return ""
    pts = v.samples[:DIAGNOSE_POINTS]
    try:
        d_cols: list[list[float]] = [[] for _ in f_terms]
        for p in pts:
            vals = forward(f, p.point)
            for col, (node, sign) in zip(d_cols, f_terms, strict=True):
                adj, _ = reverse(f, vals, node)
                col.append(sign * adj[f.variables[wrt]])
        g_cols = []
        for node, sign in g_terms:
            g_cols.append([sign * forward(g, {n: p.point[n] for n in g.variables})[node]
                           for p in pts])
    except (GradcliError, ValueError, ZeroDivisionError, OverflowError):
        return ""
    f_left = list(range(len(f_terms)))
    g_left = []
    for k, gc in enumerate(g_cols):
        hit = next((j for j in f_left if all(agree(a, b) for a, b in
                                              zip(gc, d_cols[j], strict=True))), None)
        if hit is None:
            g_left.append(k)
        else:
            f_left.remove(hit)
    f_left = [j for j in f_left if not all(agree(x, 0) for x in d_cols[j])]
    if len(f_left) != 1 or len(g_left) > 1:
        return ""
    j = f_left[0]
    f_texts = expressions(f, limit=60)
    fnode, fsign = f_terms[j]
    d = differentiate(f, [wrt], output=fnode)
    right = formulas(simplify(d.tape, exact=False))[0]
    of = f"the derivative of {f_texts[fnode]}"
    if not g_left:
        return f"a term is missing: {right}, {of}"
    k = g_left[0]
    g_texts = expressions(g, limit=60)
    yours = ("-" if g_terms[k][1] < 0 else "") + g_texts[g_terms[k][0]]
    ratio = [a / b for a, b in zip(g_cols[k], d_cols[j], strict=True) if b != 0]
    why = ""
    c = _constant(ratio) if len(ratio) > 2 else None
    if c is not None:
        why = "; a sign error" if agree(c, -1) else f"; off by the factor {_nice(c)}"
    else:
        for name in f.variables:
            for e in (1, -1):
                if all(p.point[name] != 0 and agree(a, b * p.point[name] ** e) for a, b, p in
                       zip(g_cols[k], d_cols[j], pts, strict=True)):
                    why = f"; a power {'one too high' if e > 0 else 'one too low'}"
    return f"one term is wrong: your {yours} should be {right} ({of}{why})"


def _stray_power(v: Verdict, f: Tape) -> str:
    """Is G = dF * x^k for a variable x and a small integer k?  A wrong power."""
    pts = [x for x in v.samples if x.true != 0]
    if len(pts) < 3:
        return ""
    for name in f.variables:
        for k in (1, -1, 2, -2):
            if all(p.point[name] != 0 and agree(p.yours, p.true * p.point[name] ** k)
                   for p in pts):
                power = name if abs(k) == 1 else f"{name}^{abs(k)}"
                if k > 0:
                    return (f"wrong power: your answer is the derivative times {power} "
                            f"(a power one too high? d/d{name} {name}^n = n*{name}^(n-1))")
                return (f"wrong power: your answer is the derivative divided by {power} "
                        f"(a factor {power} missing, or a power too low?)")
    return ""
