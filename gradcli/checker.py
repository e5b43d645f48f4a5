"""Is G the derivative of F?  A verdict at many reproducible points, decided exactly.

Points come from a seeded generator over several scales, each coordinate a
4-digit decimal (easy to redo by hand, and exact as a fraction).  Doubles only
pre-screen: they find F's domain (a point is kept where F, the derivative and G
are all defined, away from kinks) and the decimal range of its values.  Each
kept point is then decided by gradcli/precise.py: in exact rational arithmetic
when both sides are rational there, otherwise in mpmath with DIGITS + GUARD
digits beyond that range.  So `right` means equal at every point, exactly or
to at least 30 significant digits, and `wrong` means a point where the two
differ as numbers, whatever their size.

The true side is the reverse sweep of F (the numbers `eval` prints, not the
formula `diff` prints, so `check` also tests `diff`); for --order N and mixed
partials it is the reverse sweep of the simplified formula of the order before
(gradcli/symbolic.py's sweep applied N-1 times).  What a wrong answer's mistake
is, gradcli/mistakes.py says, and only where it can verify it.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from typing import Any

from gradcli.errors import GradcliError, InputError, check_wrt
from gradcli.forward import forward
from gradcli.piecewise import (
    choose,
    is_piecewise,
    parse_answer,
    piecewise,
    read_pieces,
    shown_text,
)
from gradcli.precise import (
    DIGITS,
    FAILURES,
    GUARD,
    MAX_DPS,
    SLACK,
    Arith,
    decimal_range,
    rational,
    working_digits,
)
from gradcli.reverse import Note, reverse
from gradcli.tape import CONST, Tape
from gradcli.verdict import (
    MAX_SHOWN,
    Number,
    Problem,
    Reading,
    Sample,
    Verdict,
    point_text,
    row_digits,
    shown,
)

__all__ = ["MAX_SHOWN", "Verdict", "agree", "check_one", "parse_points", "row_digits", "shown"]

MAX_TRIES = 40  # candidate points drawn per point wanted, before giving up
MAX_SKIPS = 40  # points in a row that no precision we allow could decide: give up
SIGNIFICANT = 4  # digits of a drawn coordinate
MORE = 40  # digits added for a second look at a point too close to call
REL_SCREEN = 1e-8  # the doubles' agreement (shown nowhere: a hint for the pre-screen only)


def agree(a: float, b: float) -> bool:
    """Doubles that look equal (a pre-screen only: verdicts never rest on it)."""
    return abs(a - b) <= REL_SCREEN * max(abs(a), abs(b)) + 1e-12


# ---------------------------------------------------------------- sampling

def _draw(rng: random.Random) -> Fraction:
    """One coordinate, from a scale picked at random (values near 0, 1, 10, 1000 all occur),
    rounded to a 4-digit decimal."""
    k = rng.randrange(6)
    if k == 0:
        v = rng.uniform(-3, 3)
    elif k == 1:
        v = rng.uniform(-10, 10)
    elif k == 2:
        v = rng.uniform(0, 1)
    elif k == 3:
        v = math.copysign(10 ** rng.uniform(-3, 3), rng.random() - 0.5)
    elif k == 4:
        v = 10 ** rng.uniform(-2, 2)
    else:
        v = rng.uniform(1, 3)
    return Fraction(f"{v:.{SIGNIFICANT - 1}e}")


def exact_value(name: str, text: str) -> Fraction:
    """A value typed by the user, exactly: 0.1 is 1/10; pi/4 is the double nearest it."""
    from gradcli.pipeline import parse_value

    v = parse_value(name, text)  # its checks and messages
    try:
        return Fraction(text.strip())
    except (ValueError, ZeroDivisionError):
        return Fraction(v)


def parse_points(specs: tuple[str, ...]) -> list[dict[str, Fraction]]:
    """--at x=1.5,y=2 (repeatable) as points."""
    from gradcli.pipeline import is_name

    points = []
    for spec in specs:
        point: dict[str, Fraction] = {}
        for part in spec.split(","):
            name, eq, value = part.partition("=")
            name = name.strip()
            if not eq or not is_name(name):
                raise InputError(f"--at {spec!r}: write points as --at x=1.5,y=2")
            if name in point:  # never silently keep the last of two
                raise InputError(f"--at {spec!r} gives {name} twice")
            point[name] = exact_value(name, value.strip())
        points.append(point)
    return points


# ---------------------------------------------------------------- the problem

def lower_order(f: Tape, spec: Sequence[str]) -> Tape:
    """F's partial along `spec` as a simplified formula (exact coefficients), for the
    next order to differentiate: each order differentiates the one before, as diff does."""
    from gradcli.limits import formula_budget
    from gradcli.simplify import simplify
    from gradcli.symbolic import differentiate

    t = f
    for v in spec:
        if v not in t.variables:  # the order before no longer depends on v
            zero = Tape(text=f.text)
            zero.outputs = [zero.const(0.0)]
            return zero
        raw = differentiate(t, [v], output=t.outputs[-1]).tape
        formula_budget(raw)  # the next order differentiates this formula: it must be one
        t = simplify(raw, exact=True)
    return t


def derivative_formula(p: Problem) -> str:
    """The true derivative as diff prints it (a placeholder when too long to print)."""
    from gradcli.simplify import formulas, simplify
    from gradcli.symbolic import differentiate

    if p.wrt not in p.base.variables:
        return "0"
    from gradcli.limits import formula_budget

    try:
        d = differentiate(p.base, [p.wrt], output=p.base.outputs[-1])
        formula_budget(d.tape)  # before simplifying: its cost grows with the formula
        text = formulas(simplify(d.tape, exact=False))[0]
        if "sign(" in text and p.base is p.f:  # abs, max, min: piece by piece, as diff
            pw = piecewise(p.f, [(p.wrt,)], p.f.outputs[-1], False)
            if pw is not None and pw[0] is not None:
                return shown_text(pw[0])
        return text
    except InputError:  # too long to print: the check itself does not need it
        return "(a formula too long to print)"


# ---------------------------------------------------------------- one point

class _Skip(Exception):
    """This point is not used (a kink, or undecidable at the precision we allow)."""


class _Undefined(Exception):
    def __init__(self, side: str) -> None:
        super().__init__(side)
        self.side = side  # "derivative" or "answer"


def _double(v: Any) -> float:
    try:
        return float(v)
    except OverflowError:
        return math.copysign(math.inf, v)


class Judge:
    """Decides points for one problem: screens in doubles, reads exactly or in mpmath."""

    def __init__(self, p: Problem) -> None:
        self.p = p
        self.exact_ok = rational(p.base) and rational(p.g)
        self._ariths: dict[int, Arith] = {}
        self.spent = 0.0  # nodes read at high precision, weighted by digits (limits.py)

    def arith(self, dps: int) -> Arith:
        if dps not in self._ariths:
            self._ariths[dps] = Arith(dps)
        return self._ariths[dps]

    def screen(self, env: Mapping[str, float], pinned: bool) -> tuple[int, float, bool]:
        """Doubles: raises _Undefined or _Skip; else the point's decimal range, its largest
        magnitude, and whether a value underflowed to 0 (the range is then re-measured)."""
        p = self.p
        try:
            if p.base is not p.f:
                forward(p.f, env)  # F itself must be defined at the point
            vals = forward(p.base, env)
            adj, notes = reverse(p.base, vals)
        except FAILURES:
            raise _Undefined("derivative") from None
        if notes and not pinned:
            raise _Skip  # a convention, not calculus, picks the number at a kink
        try:
            answer = self.answer(lambda t: forward(t, {n: env[n] for n in t.variables})
                                 [t.outputs[-1]])
            gv = forward(answer, {n: env[n] for n in answer.variables})
        except FAILURES:
            raise _Undefined("answer") from None
        d = adj[p.base.variables[p.wrt]] if p.wrt in p.base.variables else 0.0
        g = gv[answer.outputs[-1]]
        if not (math.isfinite(d) and math.isfinite(g)):
            raise _Skip
        spread, scale = decimal_range([*vals, *adj, *gv])
        zeros = any(v == 0 or abs(v) < 1e-290 for t, vs in ((p.base, vals), (answer, gv))
                    for v, op in zip(vs, t.ops, strict=True) if op != CONST)
        return spread, scale, zeros

    def answer(self, value: Callable[[Tape], Any]) -> Tape:
        """The answer's tape at a point (`value`: a tape's value there): the piece that
        holds, for one given piece by piece (none holds, or too near a tie to say: the
        point is skipped)."""
        if self.p.pieces is None:
            return self.p.g
        piece = choose(self.p.pieces, value)
        if piece is None:
            raise _Skip
        return piece

    def read(self, point: Mapping[str, Fraction], dps: int, scale: float) -> Reading:
        """Both sides at `point` with `dps` digits (0: exactly); raises _Skip."""
        a = self.arith(dps)
        p = self.p
        # mpmath costs about the same up to ~120 digits, then grows faster than the digits
        self.spent += (len(p.base) + len(p.g)) * max(1.0, dps / 120) ** 1.5
        notes: list[Note] = []
        try:
            with a:
                env = a.point(point)
                answer = self.answer(lambda t: a.values(t, env)[t.outputs[-1]])
                vals = a.values(p.base, env)
                d = a.slope(p.base, vals, p.wrt, notes=notes)
                gv = a.values(answer, env)
        except FAILURES:
            raise _Skip from None
        g = gv[answer.outputs[-1]]
        if notes or not (a.is_number(d) and a.is_number(g)):
            raise _Skip
        return Reading(p, a, env, d, g, scale, vals, gv)

    def spread(self, r: Reading) -> int:
        """The decimal range of a reading's own values (for points that underflow in doubles)."""
        import mpmath

        mags = [int(mpmath.mag(v)) for v in (*r.base_vals, *r.g_vals, r.true, r.yours) if v]
        if not mags:
            return 0
        bits = max(mags) - min(mags)  # an int, perhaps past a double (x^1e308 at x = 0.5)
        return MAX_DPS + 1 if bits > 4 * MAX_DPS else math.ceil(bits * math.log10(2)) + 1

    def decide(self, point: Mapping[str, Fraction], pinned: bool) -> Sample:
        """One point, start to end; raises _Undefined or _Skip."""
        shown = {n: float(v) for n, v in point.items()}
        spread, scale, zeros = self.screen(shown, pinned)
        if self.exact_ok:
            try:
                r = self.read(point, 0, scale)
            except _Skip:
                pass
            else:
                if isinstance(r.true, Fraction) and isinstance(r.yours, Fraction):
                    return self._sample(shown, r, r.true == r.yours, 0)
        dps = working_digits(spread)
        if dps > MAX_DPS:
            raise _Skip
        r = self.read(point, dps, scale)
        if zeros:  # underflow hid part of the range from the doubles
            wider = working_digits(self.spread(r))
            if wider > dps:
                if wider > MAX_DPS:
                    raise _Skip
                r = self.read(point, wider, scale)
        call, digits = self._call(r)
        if call != "agree":  # a difference is only believed once it survives more digits
            r2 = self.read(point, r.arith.dps + MORE, scale)
            call, digits = self._second_look(r, r2)
            r = r2
        return self._sample(shown, r, call == "agree", digits)

    def _sample(self, shown: dict[str, float], r: Reading, ok: bool, digits: int) -> Sample:
        return Sample(shown, _double(r.true), _double(r.yours), ok, r, digits)

    def _call(self, r: Reading) -> tuple[str, int]:
        """agree (with its significant digits), or differ/close: not equal within rounding
        (an ill-conditioned step, sin of 1e27, can spoil more digits than SLACK allows, so
        neither is final)."""
        a = r.arith
        with a:
            big = max(abs(r.true), abs(r.yours), a.number(r.scale) if r.scale else 0)
            if a.same(r.true, r.yours, big):
                digits = a.digits(r.true, r.yours, big)
                return ("agree", digits) if digits >= DIGITS else ("close", digits)
        return "differ", 0

    def _second_look(self, r1: Reading, r2: Reading) -> tuple[str, int]:
        """The same point with MORE digits.  A difference that stays is real; one that
        shrinks with the precision was rounding (the sides agree to as many digits as the
        shrunken difference leaves); values that both shrink are zeros; else undecided."""
        call, digits = self._call(r2)
        if call == "agree":
            return call, digits
        a2 = r2.arith
        with a2:
            zero = a2.number(0)
            m1 = max(abs(zero + r1.true), abs(zero + r1.yours))
            m2 = max(abs(r2.true), abs(r2.yours))
            d1, d2 = zero + r1.true - r1.yours, r2.true - r2.yours
            if d2 and abs(d1 - d2) <= abs(d2) / 1000:
                return "differ", 0
            shrunk = abs(d2) <= abs(d1) * a2.number(10) ** -(MORE // 2)
            if shrunk and m2 <= m1 * a2.number(10) ** -(MORE // 2):
                return "agree", DIGITS + GUARD  # both zero: they shrank with the rounding
            if shrunk and m2 and abs(d2) <= m2 * a2.number(10) ** -DIGITS:
                # the digits they share: what the difference, now only rounding, leaves
                return "agree", _shared_digits(m2, d2, a2.dps - SLACK)
        raise _Skip


def _shared_digits(m: Any, d: Any, most: int) -> int:
    """floor(log10(m/|d|)): how many leading digits two values of size m share when they
    differ by d (`most` when d is 0)."""
    import mpmath

    return most if not d else min(most, int(mpmath.floor(mpmath.log10(m / abs(d)))))


# ---------------------------------------------------------------- one partial

def _spec_of(f: Tape, wrt: str | Sequence[str]) -> tuple[str, ...]:
    spec = (wrt,) if isinstance(wrt, str) else tuple(wrt)
    if not spec:
        raise InputError("say which partial with --wrt")
    check_wrt(spec, f.variables)
    return spec

# ---------------------------------------------------------------- which partial

MAX_ORDER = 10


def specs(f: Tape, wrt: Sequence[str], order: int | None) -> list[tuple[str, ...]]:
    """Each --wrt as the variables differentiated by, in order: x (or x N times with
    --order N), or x,y for the mixed partial ∂²f/∂x∂y (by x, then by y), as diff reads it."""
    out = []
    for text in wrt:
        spec = tuple(p.strip() for p in text.split(","))
        if not all(spec):
            raise InputError(f"--wrt {text}: an empty name",
                             hint="a mixed partial is written --wrt x,y (by x, then by y)")
        if len(spec) > 1 and order is not None and order != len(spec):
            raise InputError(f"--wrt {text} is a partial of order {len(spec)}; --order {order} "
                             "does not apply to it",
                             hint="list every step instead, e.g. --wrt x,x,y for ∂³f/∂x²∂y")
        if len(spec) == 1 and order is not None:
            spec = spec * order
        if len(spec) > MAX_ORDER:
            raise InputError(f"--wrt {text}: the order must be at most {MAX_ORDER}")
        out.append(_spec_of(f, spec))
    return out


def label(f: str, spec: Sequence[str]) -> str:
    """∂f/∂x, ∂²f/∂x², ∂²f/∂x∂y, ∂³f/∂x²∂y (in the order differentiated)."""
    sup = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
    runs: list[list[Any]] = []
    for v in spec:
        if runs and runs[-1][0] == v:
            runs[-1][1] += 1
        else:
            runs.append([v, 1])
    n = len(spec)
    top = "∂" + (str(n).translate(sup) if n > 1 else "") + f
    return top + "/" + "".join("∂" + v + (str(k).translate(sup) if k > 1 else "")
                               for v, k in runs)



def _answer(f: Tape, expect: str) -> Tape:
    from gradcli.parser import refuse_unknown_calls

    try:
        # f's names read the same in the answer; `A if u > v; B if u < v` (diff's pieces)
        g = parse_answer(expect, f.variables)
        refuse_unknown_calls(g)
    except GradcliError as e:
        raise InputError(f"--expect {expect!r}: {e.message}", hint=e.hint) from None
    if len(g.outputs) != 1:
        raise InputError(f"--expect {expect!r} is several expressions; give one formula")
    extra = [n for n in g.variables if n not in f.variables]
    if extra:
        raise InputError(f"--expect {expect!r} uses {', '.join(extra)}, which the "
                         "expression does not", hint="variables: " + ", ".join(f.variables))
    return g


def check_one(f: Tape, wrt: str | Sequence[str], expect: str, points: int = 200, seed: int = 0,
              pinned: Sequence[Mapping[str, Number]] | None = None,
              fixed: Mapping[str, Number] | None = None) -> Verdict:
    """Compare the partial of f along `wrt` (a name, or names in the order differentiated)
    with the formula `expect` at `points` points plus the pinned ones."""
    spec = _spec_of(f, wrt)
    g = _answer(f, expect)
    base = f if len(spec) == 1 else lower_order(f, spec[:-1])
    from gradcli.limits import check_budget, precise_budget

    if base is not f:  # a higher order: the points sweep the derivative of the order before
        check_budget(points, len(pinned or ()), len(base) + len(g))
    problem = Problem(f, spec, base, g)
    if is_piecewise(expect):  # each point is judged by the piece that holds there
        problem.pieces = read_pieces(expect, f.variables)
    verdict = Verdict(",".join(spec), expect, derivative_formula(problem), answer=g,
                      problem=problem)
    judge = Judge(problem)
    rng = random.Random(seed)
    fixed_exact = {n: Fraction(v) for n, v in (fixed or {}).items()}
    names = [n for n in f.variables if n not in fixed_exact]
    pins = [{**fixed_exact, **{n: Fraction(v) for n, v in p.items()}} for p in (pinned or [])]
    for pin in pins:
        missing = [n for n in f.variables if n not in pin]
        if missing:
            raise InputError(f"--at gives no value for {', '.join(missing)}")
    tried = skipped = 0
    while len(verdict.samples) < points + len(pins) and tried < MAX_TRIES * points + len(pins) \
            and skipped < MAX_SKIPS:
        is_pin = tried < len(pins)
        env = pins[tried] if is_pin else {**fixed_exact, **{n: _draw(rng) for n in names}}
        tried += 1
        skipped += 1  # reset by a decided point: a run of skips means values past any precision
        try:
            verdict.samples.append(judge.decide(env, is_pin))
            skipped = 0
        except _Undefined as e:
            skipped -= 1  # (outside the domain: cheap, and not a precision problem)
            # only points where both are defined are compared; how many were not is
            # reported, and an answer defined nowhere is wrong
            if e.side == "answer":
                verdict.undefined_answer += 1
            if is_pin:
                whose = "the derivative" if e.side == "derivative" else "your formula"
                raise InputError(f"{whose} is undefined at the --at point "
                                 f"{point_text(env)}") from None
        except _Skip:
            if is_pin:
                raise InputError(f"at the --at point {point_text(env)} the two sides cannot "
                                 f"be told equal or apart with up to {MAX_DPS} digits") from None
        precise_budget(judge.spent, len(verdict.samples), points)
    if not verdict.samples and verdict.undefined_answer == 0:
        if skipped >= MAX_SKIPS:
            raise InputError(f"found no point where the two sides can be compared: their "
                             f"values are past what {MAX_DPS} digits hold ({tried} tried)",
                             hint="pin one with --at " + ",".join(f"{n}=1" for n in f.variables))
        raise InputError(f"found no point where the derivative with respect to {spec[-1]} is "
                         f"defined ({tried} tried)",
                         hint="pin one with --at " + ",".join(f"{n}=1" for n in f.variables))
    if not verdict.equivalent:
        from gradcli.mistakes import diagnose

        verdict.diagnosis = diagnose(verdict)
    return verdict


