"""Tangent lines and planes (linearisation) and normal lines, with exact coefficients.

- y = f(x) at x = a: y = f′(a)·x + (f(a) - f′(a)·a); the normal has slope -1/f′(a).
- z = f(x, y, …): the tangent (hyper)plane z = f(a) + ∇f(a)·(v - a); the normal
  line (v, z) = (a, f(a)) + t·(∇f(a), -1).
- a curve lhs = rhs (F = lhs - rhs = 0) at a point on it: F_x (x - a) + F_y (y - b) = 0,
  solved for y (or x = a where the tangent is vertical); the normal runs along ∇F.

The slopes are the reverse sweep's, checked against finite differences.  A
number within 256 ulps of a simple fraction (gradcli/taylor.py's `exact`, whose
false-positive rate is below one in a million) is taken as that fraction, and
the intercept is then computed exactly; otherwise the coefficients are the
shortest decimals that read back as the same doubles.  The equation reads
back into gradcli (`3x` is juxtaposition, `3x/2` is 1.5·x).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from gradcli.errors import DomainError, InputError, ParseError
from gradcli.fdcheck import PartialCheck
from gradcli.numfmt import number_text
from gradcli.tape import Tape

Number = Fraction | float


@dataclass
class Linear:
    """dependent = Σ slopes[v]·v + intercept, or (vertical) `vertical` = intercept."""

    dependent: str
    slopes: dict[str, Number]
    intercept: Number
    vertical: str | None = None  # x = a: no slope in the dependent variable

    def text(self) -> str:
        if self.vertical is not None:
            return f"{self.vertical} = {_num(self.intercept)}"
        return f"{self.dependent} = {linear_text(self.slopes, self.intercept)}"


@dataclass
class Tangent:
    """The tangent (line or plane) at a point, its normal line, and the checks."""

    kind: str  # "line" or "plane" (a hyperplane past two independent variables)
    source: str  # the expression or equation, as read back
    implicit: bool
    point: dict[str, float]  # every coordinate, the dependent one too
    tangent: Linear
    normal_line: Linear | None  # in the plane; None for a surface
    normal_direction: dict[str, Number]  # the direction of the normal line
    checks: list[PartialCheck] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # the reverse sweep's: kinks, conventions
    read_as: list[tuple[str, str]] = field(default_factory=list)  # gradcli/reading.py

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    def normal_text(self) -> str:
        if self.normal_line is not None:
            return self.normal_line.text()
        names = list(self.normal_direction)
        base = ", ".join(_num(_exact(self.point[n])) for n in names)
        d = ", ".join(_num(v) for v in self.normal_direction.values())
        return f"({', '.join(names)}) = ({base}) + t*({d})"


# ---------------------------------------------------------------- numbers and text

def _exact(v: float) -> Number:
    from gradcli.taylor import exact

    f = exact(v)
    return f if f is not None else float(v)


def _num(v: Number) -> str:
    if isinstance(v, Fraction):
        return str(v.numerator) if v.denominator == 1 else f"{v.numerator}/{v.denominator}"
    return number_text(v)


def _safe_juxt(name: str) -> bool:
    # `3e1` would read as the number 30: juxtapose only where the name cannot merge
    return name[:1] not in ("e", "E")


def linear_text(slopes: Mapping[str, Number], intercept: Number) -> str:
    """`3x - 2`, `-3x/4 + 25/4`, `0.5403023058681398*x + 0.30116867893975674`."""
    terms: list[tuple[bool, str]] = []
    for name, c in slopes.items():
        if c == 0:
            continue
        neg = c < 0
        a: Number = -c if neg else c
        if isinstance(a, Fraction):
            num = "" if a.numerator == 1 else str(a.numerator)
            if num and not _safe_juxt(name):
                num += "*"
            terms.append((neg, f"{num}{name}" + (f"/{a.denominator}" if a.denominator != 1
                                                   else "")))
        else:
            terms.append((neg, f"{number_text(a)}*{name}"))
    if intercept != 0 or not terms:
        terms.append((intercept < 0, _num(-intercept if intercept < 0 else intercept)))
    neg, first = terms[0]
    out = ("-" if neg else "") + first
    for neg, t in terms[1:]:
        out += f" {'-' if neg else '+'} {t}"
    return out


def _affine(slopes: Mapping[str, Number], at: Mapping[str, Number], value: Number) -> Number:
    """value - Σ slopes·at: the intercept, exact when every number is."""
    if isinstance(value, Fraction) and all(isinstance(v, Fraction) for v in slopes.values()) \
            and all(isinstance(at[n], Fraction) for n in slopes):
        return value - sum((slopes[n] * at[n] for n in slopes), Fraction(0))
    return math.fsum([float(value), *(-float(slopes[n]) * float(at[n]) for n in slopes)])


def _neg_recip(v: Number) -> Number:
    return -1 / v if isinstance(v, Fraction) else -1.0 / v


# ---------------------------------------------------------------- the tangents

def tangent(source: str, values: Mapping[str, float], *, of: str | None = None,
            check: bool = True, convention: str = "torch") -> Tangent:
    """The tangent of y = f(…) at the point, or of the curve lhs = rhs at a point on it.

    `convention` is gradcli/reverse.py's: the slope taken at a kink (each one noted),
    or "error" to refuse it (a DomainError).
    """
    from gradcli.parser import parse

    try:
        tape = parse(source)
    except ParseError as e:
        if "=" not in source:
            raise
        try:
            return _implicit_tangent(source, values, of, check, convention)
        except ParseError:
            raise e from None
    if of is not None:
        raise InputError("--of is for a curve lhs = rhs; y = f(x) is a function already")
    return _explicit_tangent(tape, values, check, convention)


def _dependent(tape: Tape, names: list[str]) -> str:
    """The line's left side: a program's last step `y = x^3` names it; a header
    `f(x) = x^3` names the function, not the line, which stays y (z for a plane)."""
    named = tape.output_names[0] if tape.output_names else ""
    header = re.search(rf"(?:^|[;\n])\s*{re.escape(named)}\s*\(", tape.text) if named else None
    if named.isidentifier() and named not in names and header is None:
        return named
    return next(d for d in (("y", "z", "w") if len(names) == 1 else ("z", "w", "u", "f"))
                if d not in names)


def _explicit_tangent(tape: Tape, values: Mapping[str, float], check: bool,
                      convention: str) -> Tangent:
    from gradcli.pipeline import evaluate
    from gradcli.reading import read_as

    if len(tape.outputs) != 1:
        raise InputError(f"a tangent needs one output; this has {len(tape.outputs)}")
    names = list(tape.variables)
    if not names:
        raise InputError("the expression has no variable, so no tangent",
                         hint='try: gradcli tangent "x^3" --x 1')
    ev = evaluate(tape, values, check=check, convention=convention)
    dep = _dependent(tape, names)
    point = {n: float(ev.env[n]) for n in names}
    value = float(ev.value)
    at: dict[str, Number] = {n: _exact(v) for n, v in point.items()}
    slopes = {n: _exact(float(g)) for n, g in ev.gradient.items()}
    fa = _exact(value)
    line = Linear(dep, slopes, _affine(slopes, at, fa))
    normal_line: Linear | None = None
    direction: dict[str, Number] = {**slopes, dep: Fraction(-1)}
    if len(names) == 1:
        (x,) = names
        m = slopes[x]
        if m == 0:
            normal_line = Linear(dep, {}, at[x], vertical=x)
        else:
            k = _neg_recip(m)
            normal_line = Linear(dep, {x: k}, _affine({x: k}, at, fa))
    result = Tangent("line" if len(names) == 1 else "plane", tape.text, False,
                     {**point, dep: value}, line, normal_line, direction,
                     list(ev.check.partials.values()) if ev.check else [], ev.warnings,
                     [n.message for n in ev.notes], read_as(tape))
    return result


def _implicit_tangent(source: str, values: Mapping[str, float], of: str | None,
                      check: bool, convention: str) -> Tangent:
    from gradcli.implicit import equation_read_as, implicit, on_curve_error, read_curve, sweep
    from gradcli.parser import parse_equation
    from gradcli.pipeline import missing_error, unused_values

    tape, _ = parse_equation(source)
    names = list(tape.variables)
    if len(names) > 2:
        raise InputError(f"the curve has more than two variables ({', '.join(names)})",
                         hint="a tangent line is for a curve in the plane: write the other "
                              "names as numbers in the equation")
    if of is None and not ("x" in names and "y" in names) and len(names) == 2:
        # the line is the same whichever is solved for; it is written y = … in the second
        c = read_curve(source, names[0], names[1])
    else:
        c = read_curve(source, None, of)
    missing = [n for n in names if n not in values]
    if missing:
        raise missing_error(c.tape, missing, values)
    point = {n: float(values[n]) for n in names}
    f, fx, fy, notes = sweep(c, point, convention)
    bad = on_curve_error(c, point, f, fx, fy)
    if bad is not None:
        raise bad
    if fx == 0 and fy == 0:
        raise DomainError("the curve has no tangent line at this point: both partial "
                          "derivatives of lhs - rhs are 0 there (a singular point)")
    x, y = c.wrt, c.of
    at: dict[str, Number] = {n: _exact(v) for n, v in point.items()}
    ex, ey = _exact(fx), _exact(fy)
    checks: list[PartialCheck] = []
    if fy == 0:  # a vertical tangent: x = a, and the normal is horizontal
        line = Linear(y, {}, at[x], vertical=x)
        normal = Linear(y, {x: Fraction(0)}, at[y])
    else:
        if isinstance(ex, Fraction) and isinstance(ey, Fraction):
            slope: Number = -ex / ey
        else:
            slope = _exact(-fx / fy)
        line = Linear(y, {x: slope}, _affine({x: slope}, at, at[y]))
        if slope == 0:
            normal = Linear(y, {}, at[x], vertical=x)
        else:
            k = _neg_recip(slope)
            normal = Linear(y, {x: k}, _affine({x: k}, at, at[y]))
        if check:  # the slope against a numerical step along the curve
            r = implicit(source, values, 1, wrt=x, of=y, check=True, convention=convention)
            checks = [o.check for o in r.orders if o.check is not None]
    return Tangent("line", c.equation, True, point, line, normal, {x: ex, y: ey}, checks,
                   unused_values(c.tape, values), notes, equation_read_as(c))


def check_point(t: Tangent) -> None:
    """A tangent whose numbers are not finite is a domain error (never printed)."""
    for v in [*t.tangent.slopes.values(), t.tangent.intercept]:
        if not math.isfinite(float(v)):
            raise DomainError("the tangent's coefficients are not finite at this point")
