"""Implicit differentiation: dy/dx, d²y/dx², … on a curve F(x, y) = 0, as formulas and numbers.

The curve is `lhs = rhs` (gradcli/parser.py's `parse_equation`), F = lhs - rhs.
The derivative is the implicit function theorem, dy/dx = -F_x / F_y, with F_x and
F_y from the symbolic reverse sweep (gradcli/symbolic.py); each higher order
differentiates the one before along the curve, d/dx g(x, y) = g_x + g_y · y′.
Every formula is simplified the way `gradcli diff` simplifies.

At a point: the point must lie on the curve (|F| / |∇F|, the distance to first
order, within `ON_CURVE` of the point's scale), and each order is checked
against finite differences of the order before taken *along the curve*: y(x ± h)
is solved from F = 0 by Newton's method.

A student's formula is judged on the curve only, where the implicit derivative
means anything: at points found by Newton's method (around the given point, else
from spread-out starts), with parameters of the curve (a in x^2 + y^2 = a^2)
drawn too.  So -25/y^3 is right for d²y/dx² on x^2 + y^2 = 25, as it is on paper.
"""

from __future__ import annotations

import math
import random
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from gradcli.errors import DomainError, GradcliError, InputError
from gradcli.fdcheck import PartialCheck, can_kink, check_one
from gradcli.forward import forward
from gradcli.numfmt import number_text
from gradcli.reverse import reverse
from gradcli.tape import Tape, needs_grad
from gradcli.typed import as_typed, log_name

MAX_ORDER = 6  # each order roughly doubles the formula; past this nobody reads it
ON_CURVE = 1e-9  # distance to the curve, relative to max(1, |x|, |y|), still "on it"
NEWTON_STEPS = 60
AGREE = 1e-8  # relative agreement of a student's formula in doubles: only a pre-screen
PRECISE_DPS = 50  # the digits an agreement is then decided at (it must hold to 30 of them)


@dataclass
class Curve:
    """F = lhs - rhs = 0 and the pair of variables: `of` as a function of `wrt`."""

    tape: Tape  # one output, F
    wrt: str
    of: str
    equation: str  # as read back: "x^2 + y^2 = 25"

    @property
    def parameters(self) -> list[str]:
        """The other variables: held constant (∂z/∂x of a surface with y fixed)."""
        return [v for v in self.tape.variables if v not in (self.wrt, self.of)]


@dataclass
class Order:
    """dᵏy/dxᵏ: its formula (a simplified tape), and at the point its value and check."""

    k: int
    formula: Tape
    text: str
    value: float | None = None
    check: PartialCheck | None = None


@dataclass
class Implicit:
    """The derivatives of every order up to N, and the point if one was given."""

    curve: Curve
    orders: list[Order]
    point: dict[str, float] | None = None
    residual: float | None = None  # F at the point
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # the reverse sweep's: kinks, conventions
    read_as: list[tuple[str, str]] = field(default_factory=list)  # gradcli/reading.py

    @property
    def passed(self) -> bool:
        return all(o.check is None or o.check.passed for o in self.orders)


# ---------------------------------------------------------------- reading

def read_curve(source: str, wrt: str | None = None, of: str | None = None) -> Curve:
    """Parse `lhs = rhs` (or an expression F, read as F = 0) and pick the two variables."""
    from gradcli.parser import parse_equation, refuse_unknown_calls

    tape, equation = parse_equation(source)
    refuse_unknown_calls(tape)
    equation = as_typed(equation, log_name(tape))  # ln as typed
    names = list(tape.variables)
    if wrt is None and of is None and len(names) > 2:
        # a surface, not a curve: which partial is meant is the user's to say (at
        # (0, 0, z) of x^2 + y^2 + z^2 = 14, dy/dx would be a false "singular point")
        a, b = ("x", "y") if "x" in names and "y" in names else (names[0], names[1])
        rest = [n for n in names if n not in (a, b)]
        raise InputError(f"{equation} has {len(names)} variables ({', '.join(names)}), more "
                         "than two: say which one is a function of which",
                         hint=f"--wrt {a} --of {b} gives ∂{b}/∂{a} with "
                              f"{', '.join(rest)} held constant")
    if wrt is None and of is None:
        if "x" in names and "y" in names:
            wrt, of = "x", "y"
        elif len(names) == 2:
            raise InputError(f"which is the function of which: {names[1]} of {names[0]} or "
                             f"{names[0]} of {names[1]}?",
                             hint=f"say --wrt {names[0]} --of {names[1]} (d{names[1]}/"
                                  f"d{names[0]}) or --wrt {names[1]} --of {names[0]}")
        else:
            raise InputError("say which variable is differentiated with respect to which",
                             hint="--wrt x --of y gives dy/dx; variables: "
                                  + (", ".join(names) or "none"))
    elif wrt is None or of is None:
        given = wrt or of
        others = [n for n in names if n != given]
        if len(others) != 1:
            raise InputError("give both --wrt and --of", hint="variables: " + ", ".join(names))
        wrt, of = (wrt, others[0]) if wrt else (others[0], of)
    assert wrt is not None and of is not None
    if wrt == of:
        raise InputError(f"--wrt and --of are both {wrt}")
    for v, opt in ((wrt, "--wrt"), (of, "--of")):
        if v not in names:
            raise InputError(f"{opt} {v}: {v} is not in the equation",
                             hint="variables: " + (", ".join(names) or "none"))
    return Curve(tape, wrt, of, equation)


def equation_read_as(c: Curve) -> list[tuple[str, str]]:
    """[("f", the equation as read)] when that differs from what was typed, as
    gradcli/reading.py's read_as does for an expression; else []."""
    from gradcli.reading import MAX_SHOWN

    text = c.tape.text
    if not text or len(text) > MAX_SHOWN or "".join(text.split()) == "".join(
            c.equation.split()):
        return []
    return [("f", c.equation)]


# ---------------------------------------------------------------- formulas

def _reread(tape: Tape) -> Tape:
    """A simplified formula read back from its text (as `diff` of diff's output reads it)."""
    from gradcli.parser import parse
    from gradcli.simplify import formulas

    return parse(formulas(tape)[0])


def _total(g: Tape, first: Tape | None, c: Curve,
           at: tuple[Mapping[str, float], str] | None = None) -> Tape:
    """d/dx g(x, y(x)) = g_x + g_y·y′ (just -F_x/F_y when `first` is None: g is F).

    `at` = (point, convention): each kink of g that the point sits on takes the
    convention's slopes (as the reverse sweep does), so the result holds there only.
    """
    from gradcli.simplify import simplify
    from gradcli.symbolic import Sym, const, copy_into, differentiate

    present = [v for v in (c.wrt, c.of) if v in g.variables]
    if not present:
        zero = Tape(text=g.text)
        zero.outputs = [zero.const(0.0)]
        return zero
    fixed = None if at is None else kink_slopes(g, at[0], at[1])
    d = differentiate(g, present, output=g.outputs[-1], fixed=fixed)
    t = d.tape
    parts = dict(zip(present, t.outputs, strict=True))
    gx = Sym(t, parts[c.wrt]) if c.wrt in parts else const(t, 0)
    gy = Sym(t, parts[c.of]) if c.of in parts else const(t, 0)
    if first is None:
        if c.of not in parts:
            raise InputError(f"{c.of} does not appear in the equation, so d{c.of}/d{c.wrt} "
                             "is not defined by it")
        result = -gx / gy
    else:
        y1 = Sym(t, copy_into(first, t)[first.outputs[-1]])
        result = gx + gy * y1
    t.outputs = [result.node]
    t.output_names = ["d"]
    return simplify(t)


def derivative_formulas(c: Curve, order: int,
                        at: tuple[Mapping[str, float], str] | None = None) -> list[Tape]:
    """dy/dx … dᴺy/dxᴺ on the curve, each a simplified one-output tape.

    With `at` (a point on a kink, and a --subgradient convention), formulas that
    hold at that point only: every order differentiates the order before with the
    kinks' slopes fixed at the convention's, so order 1 is the reverse sweep's
    -F_x/F_y there and each higher order follows from it (one-sided for left and
    right: the derivatives of that side's branch of the curve).
    """
    if not 1 <= order <= MAX_ORDER:
        raise InputError(f"--order {order}: the order must be between 1 and {MAX_ORDER}")
    first = _total(c.tape, None, c, at)
    out = [first]
    first_read = _reread(first)
    for _ in range(1, order):
        out.append(_total(_reread(out[-1]), first_read, c, at))
    return out


def kink_slopes(g: Tape, point: Mapping[str, float],
                convention: str) -> dict[int, tuple[float, ...]]:
    """The local partials `convention` picks at each kink of g the point sits on."""
    from gradcli.ops import OPS, local_partials

    vals = forward(g, {n: point[n] for n in g.variables})
    fixed: dict[int, tuple[float, ...]] = {}
    for i, op in enumerate(g.ops):
        spec = OPS.get(op)
        if spec is None or not spec.kink or spec.singular is None:
            continue
        argv = [float(vals[j]) for j in g.args[i]]
        if spec.singular(*argv) is None:
            continue
        sides = spec.sides(*argv) if spec.sides is not None else None
        if convention == "torch" or sides is None:  # (a jump: its slope is 0 either way)
            fixed[i] = tuple(float(p) for p in local_partials(op, float(vals[i]), argv))
        else:
            left, right = sides
            fixed[i] = {"left": tuple(map(float, left)), "right": tuple(map(float, right)),
                        "mean": tuple((p + q) / 2 for p, q in zip(left, right, strict=True))
                        }[convention]
    return fixed


# ---------------------------------------------------------------- numbers on the curve

def value_and_partials(c: Curve, point: Mapping[str, float]) -> tuple[float, float, float]:
    """F, F_x, F_y at the point (raises DomainError where F is undefined)."""
    f, fx, fy, _ = sweep(c, point)
    return f, fx, fy


def sweep(c: Curve, point: Mapping[str, float],
          convention: str = "torch") -> tuple[float, float, float, list[str]]:
    """F, F_x, F_y at the point and the reverse sweep's notes (a kink: which slope was
    taken, by gradcli/reverse.py's `convention`; "error" raises DomainError there)."""
    tape = c.tape
    vals = forward(tape, point)
    adj, notes = reverse(tape, vals, None, needs_grad(tape), convention=convention)
    v = tape.variables
    return (float(vals[tape.outputs[-1]]), float(adj[v[c.wrt]]), float(adj[v[c.of]]),
            [n.message for n in notes])


def solve_of(c: Curve, point: Mapping[str, float], guess: float) -> float:
    """The `of` value on the curve at point[wrt] (and the parameters), by Newton from `guess`."""
    p = dict(point)
    y = guess
    for _ in range(NEWTON_STEPS):
        p[c.of] = y
        f, _, fy = value_and_partials(c, p)
        if fy == 0 or not math.isfinite(fy):
            break
        step = f / fy
        y -= step
        if not math.isfinite(y):
            break
        if abs(step) <= 2 * sys.float_info.epsilon * max(1.0, abs(y)):
            return y
    raise DomainError(f"no point of the curve found near {c.of} = {guess:g} at "
                      f"{c.wrt} = {point[c.wrt]:g}")


def on_curve_error(c: Curve, point: Mapping[str, float], f: float, fx: float,
                   fy: float) -> InputError | None:
    """Why the point is not on the curve (with the nearest point), or None when it is."""
    scale = max(1.0, abs(point[c.wrt]), abs(point[c.of]))
    grad = math.hypot(fx, fy)
    if f == 0 or (grad > 0 and abs(f) / grad <= ON_CURVE * scale):
        return None
    hint = ""
    try:
        near = solve_of(c, point, point[c.of])
        hint = f"the point of the curve at {c.wrt} = {point[c.wrt]:g} nearest to it has " \
               f"{c.of} = {number_text(near)}"
    except GradcliError:
        pass
    return InputError(f"the point ({c.wrt} = {number_text(point[c.wrt])}, {c.of} = "
                      f"{number_text(point[c.of])}) is not on the curve {c.equation}: "
                      f"lhs - rhs = {f:.6g} there", hint=hint)


def _y_of_x(c: Curve, base: Mapping[str, float], y0: float, slope: float,
            point: Mapping[str, float]) -> float:
    """y on the curve's branch through (x0, y0), at point[wrt]: for finite differences."""
    dx = point[c.wrt] - base[c.wrt]
    return solve_of(c, {**base, c.wrt: point[c.wrt]}, y0 + slope * dx)


def _order_along(formula: Tape, c: Curve, branch: Callable[[Mapping[str, float]], float],
                 base: Mapping[str, float], point: Mapping[str, float]) -> float:
    """The formula of order k-1 at (x, y(x)) on the branch: what order k's check differences."""
    p = {**base, c.wrt: point[c.wrt]}
    p[c.of] = branch(point)
    return float(forward(formula, {n: p[n] for n in formula.variables})[formula.outputs[-1]])


def implicit(source: str, values: Mapping[str, float], order: int = 1, *,
             wrt: str | None = None, of: str | None = None, check: bool = True,
             convention: str = "torch") -> Implicit:
    """The formulas up to `order`; with a point (values for every variable), numbers too.

    At a kink of lhs - rhs the slope is `convention`'s (gradcli/reverse.py), and noted;
    "error" refuses it (a DomainError)."""
    from gradcli.pipeline import unused_values
    from gradcli.simplify import formulas

    c = read_curve(source, wrt, of)
    tapes = derivative_formulas(c, order)
    log = log_name(c.tape)  # ln as typed
    result = Implicit(c, [Order(k + 1, t, as_typed(formulas(t)[0], log))
                          for k, t in enumerate(tapes)])
    result.warnings = unused_values(c.tape, values)
    result.read_as = equation_read_as(c)
    if not values:
        return result
    missing = [n for n in c.tape.variables if n not in values]
    if missing:
        from gradcli.pipeline import missing_error

        raise missing_error(c.tape, missing, values)
    point = {n: float(values[n]) for n in c.tape.variables}
    f, fx, fy, result.notes = sweep(c, point, convention)
    bad = on_curve_error(c, point, f, fx, fy)
    if bad is not None:
        raise bad
    if fy == 0:
        what = (f"the tangent is vertical there (d{c.wrt}/d{c.of} = 0)" if fx != 0 else
                "both partial derivatives of lhs - rhs are 0 there (a singular point)")
        raise DomainError(f"d{c.of}/d{c.wrt} is undefined at this point: {what}",
                          hint=f"try --wrt {c.of} --of {c.wrt}" if fx != 0 else "")
    result.point, result.residual = point, f
    slope = -fx / fy
    branch = partial(_y_of_x, c, point, point[c.of], slope)
    at_kink = bool(result.notes)  # a convention's slope: fd sees only one side of it
    # on a kink the general formulas' own split is PyTorch's: every order above the
    # first follows the chosen convention instead (formulas that hold at this point)
    valued = derivative_formulas(c, order, (point, convention)) if at_kink and order > 1 \
        else tapes
    for o, t in zip(result.orders, valued, strict=True):
        o.value = slope if o.k == 1 else \
            float(forward(t, {n: point[n] for n in t.variables})[t.outputs[-1]])
        if not math.isfinite(o.value):
            raise DomainError(f"d{'' if o.k == 1 else o.k}{c.of}/d{c.wrt}"
                              f"{'' if o.k == 1 else o.k} is undefined at this point")
        if check:
            if o.k == 1:
                along: Callable[[Mapping[str, float]], float] = branch
            else:
                along = partial(_order_along, result.orders[o.k - 2].formula, c, branch, point)
            o.check = check_one(along, point, c.wrt, o.value, at_kink,
                                kinks=can_kink(c.tape.ops))
    return result


# ---------------------------------------------------------------- a student's answer

@dataclass
class Verdict:
    """A student's formula against dᵏy/dxᵏ at points of the curve."""

    expect: str
    order: int
    wrt: str
    of: str
    correct: str
    points: list[dict[str, float]]
    counterexample: dict[str, float] | None = None
    true_value: float | None = None
    their_value: float | None = None
    method: str = (f"moved onto the curve and compared at {PRECISE_DPS} digits (mpmath), "
                   f"agreeing to {PRECISE_DPS - 20}")

    @property
    def right(self) -> bool:
        return self.counterexample is None and bool(self.points)


def curve_points(c: Curve, around: Mapping[str, float] | None, n: int = 60,
                 seed: int = 0) -> list[dict[str, float]]:
    """Up to n points of the curve, spread out (parameters drawn as well, when free)."""
    rng = random.Random(seed)
    found: list[dict[str, float]] = []
    tries = 0
    while len(found) < n and tries < 40 * n:
        tries += 1
        if around is not None:
            scale = max(1.0, abs(around[c.wrt]))
            x = around[c.wrt] + rng.choice([-1, 1]) * scale * 10 ** rng.uniform(-3, -0.5)
            start = dict(around)
            start[c.wrt] = x
        else:
            start = {v: rng.choice([-1, 1]) * 10 ** rng.uniform(-1, 1) for v in c.tape.variables}
        try:
            y = solve_of(c, start, start[c.of])
            p = {**start, c.of: y}
            _, _, fy = value_and_partials(c, p)
        except GradcliError:
            continue
        if fy == 0 or not math.isfinite(y):
            continue
        found.append(p)
    return found


def judge(source: str, expect: str, order: int = 1, *, wrt: str | None = None,
          of: str | None = None, values: Mapping[str, float] | None = None,
          points: int = 60, seed: int = 0) -> Verdict:
    """Is `expect` dᵏy/dxᵏ on the curve?  Compared at points of the curve, in doubles."""
    from gradcli.parser import parse, refuse_unknown_calls
    from gradcli.simplify import formulas

    c = read_curve(source, wrt, of)
    tapes = derivative_formulas(c, order)
    true = tapes[-1]
    g = parse(expect)
    refuse_unknown_calls(g)
    if len(g.outputs) != 1:
        raise InputError("--expect takes one formula")
    stray = [v for v in g.variables if v not in c.tape.variables]
    if stray:
        raise InputError(f"--expect uses {', '.join(stray)}, which the equation does not",
                         hint="variables: " + ", ".join(c.tape.variables))
    around = None
    if values:
        around = {n: float(values[n]) for n in c.tape.variables if n in values}
        if len(around) != len(c.tape.variables):
            around = None
    pts = curve_points(c, around, points, seed)
    if around is not None:
        pts.insert(0, around)
    v = Verdict(expect, order, c.wrt, c.of, formulas(true)[0], [])
    for p in pts:
        try:
            want = float(forward(true, {n: p[n] for n in true.variables})[true.outputs[-1]])
        except GradcliError:
            continue
        try:
            got = float(forward(g, {n: p[n] for n in g.variables})[g.outputs[-1]])
        except GradcliError:
            got = math.nan
        v.points.append(p)
        # doubles pre-screen; an agreement is decided at high precision, where a
        # 1e-8 tolerance cannot hide an off-by-one in a 9-digit coefficient
        same = abs(got - want) <= AGREE * max(abs(got), abs(want)) + 1e-12
        if same:
            same = precise_same(c, true, g, p) is not False
        if not same:
            v.counterexample, v.true_value, v.their_value = p, want, got
            break
    if not v.points:
        raise DomainError("no points of the curve were found to compare at",
                          hint="give one with --" + c.wrt + " and --" + c.of)
    return v


# ---------------------------------------------------------------- high precision

def precise_same(c: Curve, true: Tape, g: Tape, p: Mapping[str, float]) -> bool | None:
    """Whether the two formulas agree at the point moved onto the curve, at high precision.

    The double point is on the curve only to rounding, so Newton's method in `of`
    moves it on at PRECISE_DPS digits (with the slope from a high-precision
    difference of F); both formulas are then evaluated there and must agree to
    PRECISE_DPS - 20 digits.  None: undecidable here (an operation without an
    mpmath version, or no convergence), and the double verdict stands.
    """
    import mpmath

    from gradcli.mpops import UNAVAILABLE, mp_tables

    fns = mp_tables()[0]
    if any(op in UNAVAILABLE for t in (c.tape, true, g) for op in t.ops):
        return None

    def value(t: Tape, env: Mapping[str, Any]) -> Any:
        consts = [mpmath.mpf(lab) if lab not in (None, "pi", "e") and _decimal(lab)
                  else (mpmath.pi if lab == "pi" else mpmath.e if lab == "e" else
                        mpmath.mpf(t.consts[i]))
                  for i, lab in enumerate(t.labels)]
        vals: list[Any] = []
        for i, op in enumerate(t.ops):
            if op == "var":
                vals.append(env[t.labels[i] or ""])
            elif op == "const":
                vals.append(consts[i])
            else:
                vals.append(fns[op](*[vals[j] for j in t.args[i]]))
        return vals[t.outputs[-1]]

    with mpmath.workdps(PRECISE_DPS):
        env = {n: mpmath.mpf(v) for n, v in p.items()}
        try:
            for _ in range(NEWTON_STEPS):
                f = value(c.tape, env)
                h = mpmath.mpf(10) ** (-PRECISE_DPS // 2) * max(1, abs(env[c.of]))
                hi, lo = dict(env), dict(env)
                hi[c.of] += h
                lo[c.of] -= h
                fy = (value(c.tape, hi) - value(c.tape, lo)) / (2 * h)
                if fy == 0:
                    return None
                step = f / fy
                env[c.of] -= step
                if abs(step) <= mpmath.mpf(10) ** (5 - PRECISE_DPS) * max(1, abs(env[c.of])):
                    break
            else:
                return None
            want = value(true, env)
        except (ValueError, ZeroDivisionError, ArithmeticError, TypeError, KeyError):
            return None
        try:
            got = value(g, env)
        except (ValueError, ZeroDivisionError, ArithmeticError, TypeError):
            return False
        scale = max(abs(want), abs(got))
        return bool(abs(want - got) <= mpmath.mpf(10) ** (20 - PRECISE_DPS) * scale)


def _decimal(label: str) -> bool:
    """A literal's text that reads as an exact decimal (not pi, e, or a step's name)."""
    try:
        float(label)
    except ValueError:
        return False
    return True
