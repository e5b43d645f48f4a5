"""Higher derivatives of a one-variable function, and its Taylor polynomial as text.

f, f′, …, f⁽ᴺ⁾ come from one forward sweep over jets (truncated Taylor series,
gradcli/jet.py), so every order is the operations table's rules applied N times,
not a difference quotient.  The check differentiates the order k-1 sweep by
finite differences.

The polynomial prints as a formula gradcli parses back.  A derivative within 256
units in the last place of a whole number or a simple fraction is taken as exact,
and its coefficient f⁽ᵏ⁾/k! prints as a reduced fraction (`x^4/24`); any other
coefficient prints as the shortest decimal that reads back as the same double.
The allowed denominators (at most 1000) shrink as the value grows, so that a
double landing that close to such a fraction by chance stays below one in a
million: past about 3·10⁷ nothing counts as exact.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from functools import partial

from gradcli import jet
from gradcli.diagnose import describe
from gradcli.errors import DomainError, GradcliError, InputError, check_wrt
from gradcli.fdcheck import PartialCheck, can_kink, check_one
from gradcli.forward import forward
from gradcli.numfmt import number_text
from gradcli.ops import OPS
from gradcli.pipeline import Evaluation, evaluate
from gradcli.reverse import Note
from gradcli.tape import Tape
from gradcli.underflow import derived

MAX_ORDER = 30  # plenty for a Taylor polynomial; keeps a typo (--order 3000) from hanging
EXACT_DENOMINATOR = 1000
EXACT_ULPS = 256  # high orders round more: order 17 of exp(x)·sin(x) is 68 ulps off 256
# chance of a false "exact": ~0.3·q²·(2·ULPS·eps·|v|) <= 1e-6  ⇔  q² <= CHANCE / |v|
CHANCE = 1e-6 / (0.6 * EXACT_ULPS * sys.float_info.epsilon)


@dataclass
class Derivatives:
    """f(a), f′(a), …, f⁽ᴺ⁾(a) of one variable, with a check of each order."""

    evaluation: Evaluation  # the float sweep: value, f′, notes, and f′'s check
    name: str
    point: float
    values: list[float]  # index k: the k-th derivative
    checks: list[PartialCheck | None] = field(default_factory=list)  # index k >= 1

    @property
    def order(self) -> int:
        return len(self.values) - 1

    @property
    def passed(self) -> bool:
        return all(c is None or c.passed for c in self.checks)

    def coefficients(self) -> list[float]:
        return [d / math.factorial(k) for k, d in enumerate(self.values)]


def single_variable(tape: Tape, what: str) -> str:
    """The one variable of `tape`, or a clear error."""
    if len(tape.outputs) != 1:
        raise InputError(f"{what} need one output; this has {len(tape.outputs)}")
    if len(tape.variables) != 1:
        names = ", ".join(tape.variables) or "none"
        raise InputError(f"{what} need a function of one variable; this one has "
                         f"{len(tape.variables)} ({names})",
                         hint="gradcli hessian gives second derivatives in several variables")
    return next(iter(tape.variables))


def derivatives(tape: Tape, values: Mapping[str, float], order: int, *,
                check: bool = True, convention: str = "torch",
                wrt: str | None = None) -> Derivatives:
    """f and its derivatives up to `order` at the point, each order checked.

    `convention` (--subgradient) as for the gradient: "error" refuses a kink (exit
    3); the jets follow PyTorch's convention, so a one-sided or mean one is refused
    at a kink rather than mixed with it.  With `wrt`, f may have other variables:
    they stay fixed at their values (partial derivatives ∂ᵏf/∂wrtᵏ).
    """
    if not 1 <= order <= MAX_ORDER:
        raise InputError(f"--order {order}: the order must be between 1 and {MAX_ORDER}")
    if wrt is None:
        name = single_variable(tape, "higher derivatives (--order, taylor)")
    else:
        if len(tape.outputs) != 1:
            raise InputError(f"higher derivatives need one output; this has "
                             f"{len(tape.outputs)}")
        check_wrt([wrt], tape.variables)
        name = wrt
    ev = evaluate(tape, values, check=check, convention=convention)
    kinked = _kinks(ev, convention, order)
    x = ev.env[name]
    ds = _sweep(tape, name, ev.env, order)
    if kinked:  # the first derivative is the gradient's, under the convention asked for
        ds[1] = float(ev.gradient[name])
    result = Derivatives(ev, name, x, ds, [None])
    # one sweep to the full order per point serves the check of every order: the
    # points x ± h, x ± 2h are the same for all k (30 orders of 400 nested sines:
    # 5 sweeps instead of 175, 30 s -> 3 s)
    sweeps: dict[float, list[float]] = {x: ds}
    for k in range(1, order + 1):
        if not check:
            result.checks.append(None)
        elif k == 1 and ev.check is not None:
            result.checks.append(ev.check.partials[name])
        else:
            result.checks.append(check_one(partial(_kth, tape, name, k - 1, sweeps, order),
                                           ev.env, name, ds[k], at_kink=bool(ev.notes),
                                           kinks=can_kink(tape.ops)))
    result.checks = derived(ev, ds, result.checks)  # no pass for digits lost to underflow
    return result


def _kinks(ev: Evaluation, convention: str, order: int) -> bool:
    """--subgradient for the higher orders; whether a kink sits at the point.

    A kink shapes the orders past the first even where the gradient does not see it
    (relu(x)^2 at 0: f' = 0 either way, f'' is 0 or 2): "error" refuses it, a
    one-sided or mean convention is refused (the jets follow PyTorch's), and
    PyTorch's is noted where the gradient's sweep did not note it."""
    tape, vals = ev.tape, ev.values
    noted = {n.node for n in ev.notes}
    kinked = False
    for i, op in enumerate(tape.ops):
        spec = OPS.get(op)
        if spec is None or not spec.kink or spec.singular is None:
            continue
        why = spec.singular(*[vals[j] for j in tape.args[i]])
        if why is None:
            continue
        kinked = True
        if order == 1:  # the gradient's sweep applied the convention (or refused)
            continue
        if convention == "error":
            raise DomainError(f"{describe(tape, i)}: {why}; the derivatives of order 2 and up "
                              "do not exist here (choose a convention with --subgradient)",
                              text=tape.text, pos=tape.pos[i])
        if convention != "torch":
            raise InputError(f"--subgradient {convention} gives one-sided first derivatives; "
                             f"at the kink of {describe(tape, i)} the higher derivatives "
                             "follow PyTorch's convention",
                             hint="use --subgradient torch, or error to refuse the kink")
        if i not in noted:
            ev.notes.append(Note(i, f"{describe(tape, i)}: {why}; the higher derivatives "
                                    f"take {spec.convention} (PyTorch's convention)"))
    return kinked


def _kth(tape: Tape, name: str, k: int, sweeps: dict[float, list[float]], order: int,
         point: Mapping[str, float]) -> float:
    x = point[name]
    ds = sweeps.get(x)
    if ds is None:
        try:
            ds = sweeps[x] = _sweep(tape, name, point, order)
        except GradcliError:  # a higher order undefined here: this order alone may not be
            return _sweep(tape, name, point, k)[k]
    return ds[k]


def _sweep(tape: Tape, name: str, point: Mapping[str, float], order: int) -> list[float]:
    """Derivatives by `name` up to `order`, the other variables held at `point`."""
    env: dict[str, object] = {n: float(v) for n, v in point.items() if n in tape.variables}
    env[name] = jet.variable(point[name], order)
    jet.reset()
    try:
        out = forward(tape, env, fns=jet.FNS)[tape.outputs[0]]
    finally:
        jet.reset()
    return jet.derivatives(out, order)


# ---------------------------------------------------------------- the polynomial

def exact(v: float) -> Fraction | None:
    """`v` as a simple fraction when it is one, up to the sweeps' rounding."""
    if not math.isfinite(v):
        return None
    if v == 0:
        return Fraction(0)
    # a large double is a whole number by representation, not because the
    # derivative is one: the same chance bound applies to whole numbers (q = 1)
    q = min(EXACT_DENOMINATOR, math.isqrt(int(CHANCE / abs(v))))
    if q < 1:
        return None
    f = Fraction(v).limit_denominator(q)
    return f if abs(float(f) - v) <= EXACT_ULPS * math.ulp(v) else None


def polynomial(d: Derivatives) -> str:
    """The Taylor polynomial of degree N around the point, as gradcli-readable text."""
    a = d.point
    if a == 0:
        base = d.name
    else:
        base = f"({d.name} {'-' if a > 0 else '+'} {number_text(abs(a))})"
    terms: list[tuple[bool, str]] = []  # (negative, text without its sign)
    for k, dk in enumerate(d.values):
        if dk == 0:
            continue
        power = "" if k == 0 else base if k == 1 else f"{base}^{k}"
        ex = exact(dk)
        # a high derivative (11! = 39916800) is too large to be recognised itself;
        # its coefficient f⁽ᵏ⁾/k! may still be a simple fraction (1)
        c_exact = ex / math.factorial(k) if ex is not None else exact(dk / math.factorial(k))
        if c_exact is not None:
            c = c_exact
            num, den = abs(c.numerator), c.denominator
            if not power:
                text = f"{num}/{den}" if den != 1 else f"{num}"
            else:
                text = power if num == 1 else f"{num}*{power}"
                text += f"/{den}" if den != 1 else ""
            terms.append((c < 0, text))
        else:
            c_f = dk / math.factorial(k)
            mag = number_text(abs(c_f))
            terms.append((c_f < 0, mag if not power else f"{mag}*{power}"))
    if not terms:
        return "0"
    neg, first = terms[0]
    parts = [("-" if neg else "") + first]
    parts.extend(f"{'-' if neg else '+'} {text}" for neg, text in terms[1:])
    return " ".join(parts)
