"""Finite-difference check of the reverse sweep, with an error estimate.

For each input: central differences at steps h and 2h, combined by Richardson
extrapolation (error O(h^4)); their disagreement plus the rounding error
eps·|f|/h is the error estimate.  When the first step disagrees, a sweep of
smaller steps follows (curvature near a domain edge needs them), and a remaining
disagreement is classified rather than reported bare:

- kink: the one-sided slopes differ and the sweep's number lies between them
  (a convention, see the notes), not a wrong derivative;
- inconclusive: rounding (cancellation in f) swamps the difference at every step;
- mismatch: the derivative disagrees at every step: it is wrong.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace

from gradcli.errors import GradcliError

EPS = sys.float_info.epsilon
TINY = 5e-324  # the smallest subnormal: the resolution of f near 0
REL_TOL = 1e-6  # accepted |sweep - fd| relative to the slope's size, beyond the estimate
STEPS = 16  # a sweep of steps h, h/4, h/16, ... while the estimate is not yet tight
METHOD = "central difference at h and 2h, Richardson-extrapolated, with a step sweep"

Func = Callable[[Mapping[str, float]], float]


@dataclass(frozen=True)
class PartialCheck:
    """One input's check: the estimate, how far off the sweep is, and the verdict."""

    name: str
    ad: float
    fd: float | None  # None when no difference could be taken (domain on both sides)
    error_estimate: float
    step: float
    abs_error: float | None
    rel_error: float | None
    verdict: str  # "ok", "kink", "inconclusive", "mismatch", "n/a"
    reason: str = ""  # why, when the verdict is not a plain first-step "ok"
    left: float | None = None  # one-sided difference quotients, at a kink
    right: float | None = None
    rounding: float = 0.0  # the rounding part of the estimate

    @property
    def passed(self) -> bool:
        return self.verdict != "mismatch"


@dataclass(frozen=True)
class Check:
    method: str
    partials: dict[str, PartialCheck] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return all(p.passed for p in self.partials.values())


def fd_check(f: Func, env: Mapping[str, float], grad: Mapping[str, float],
             at_kink: bool = False, kinks: bool = True) -> Check:
    """Check each d f/d name in `grad` at `env`; `f` evaluates the output at a point.

    `at_kink` says the sweep met a kink on the way (a Note): only then may a
    disagreement be called a kink rather than a mismatch.  `kinks` says whether f
    can have one at all (see `can_kink`): without, a disagreement is never put
    down to a kink nearby.
    """
    result = Check(METHOD)
    for name, ad in grad.items():
        result.partials[name] = check_one(f, env, name, float(ad), at_kink, kinks)
    return result


def can_kink(ops: Iterable[str]) -> bool:
    """Whether a graph of these ops can have a kink or jump: abs, relu, min, max, sign or
    step (the table's `kink` ops).  Elsewhere f is smooth where defined, and a slope
    that disagrees with finite differences is a wrong slope (or a rounding one), not a
    kink nearby (x/(3x) at 1e-100 was excused as 'a kink within 5.9e-109')."""
    from gradcli.ops import OPS

    return any(OPS[op].kink for op in set(ops) if op in OPS)


def _at(f: Func, env: Mapping[str, float], name: str, x: float) -> float | None:
    point = dict(env)
    point[name] = x
    try:
        v = f(point)
    except GradcliError:
        return None
    return v if math.isfinite(v) else None


def check_one(f: Func, env: Mapping[str, float], name: str, ad: float,
              at_kink: bool = False, kinks: bool = True) -> PartialCheck:
    """The finite-difference verdict for one partial derivative."""
    x = float(env[name])
    h = EPS ** (1 / 3) * max(1.0, abs(x))
    h = math.ldexp(1.0, math.frexp(h)[1])  # a power of two: x ± h - x == ±h exactly
    first_h = h
    # the size a slope is judged against: |ad| itself, or where the sweep says 0
    # (an extremum), f's own scale per unit of x
    f0 = _at(f, env, name, x)
    scale = abs(ad) if ad != 0 else max(abs(f0 or 0.0) / max(1.0, abs(x)), 1e-8)
    steps = [h / 4 ** k for k in range(STEPS)]
    # near a domain edge or a log singularity at a tiny x the step must reach x's scale
    hx = EPS ** (1 / 3) * abs(x)
    if 0 < hx < steps[-1]:
        steps += [hx * 4.0 ** j for j in range(2, -6, -1)]
    best: PartialCheck | None = None
    tried: list[PartialCheck] = []
    for h in steps:
        got = _check_at_step(f, env, name, ad, x, h)
        tried.append(got)
        if got.verdict == "ok" and got.error_estimate <= 1e-6 * scale:
            if h != first_h:
                return _with(got, reason=f"the first step ({first_h:.2g}) was too large for "
                                         f"the curvature; agreed at h = {h:.2g}")
            return got
        if best is None or (got.fd is not None and (best.fd is None or
                                                    got.error_estimate < best.error_estimate)):
            best = got
    assert best is not None
    if best.verdict == "mismatch" and 0 < abs(x) < best.step and any(
            p.verdict == "ok" and p.step <= abs(x) for p in tried):
        # Only steps wider than x itself disagree, and they reach x = 0, where f may turn
        # on x's own scale (y^x at y = 6e-94: flat over 6e-6, steep over 6e-94); the steps
        # at x's scale agree within their rounding.  Neither side can refute the other.
        return _with(best, verdict="inconclusive",
                     reason=f"steps wider than |{name}| disagree and steps at its scale "
                            "drown in rounding; the check can neither confirm nor refute")
    if best.verdict == "mismatch" and _drifts(tried, best):
        return _with(best, verdict="inconclusive",
                     reason="the finite differences do not converge as the step shrinks "
                            "(a singularity nearby?); the check can neither confirm nor refute")
    return _classify(f, env, name, ad, x, best, at_kink and kinks, scale,
                     sorted(p.step for p in tried), kinks)


def _drifts(tried: list[PartialCheck], best: PartialCheck) -> bool:
    """Whether neighbouring steps' estimates move by more than the error bars claim."""
    k = tried.index(best)
    assert best.fd is not None
    return any(abs(best.fd - p.fd) > 2 * (best.error_estimate + p.error_estimate)
               for p in tried[max(0, k - 1): k + 2] if p is not best and p.fd is not None)


def _with(p: PartialCheck, **changes: object) -> PartialCheck:
    return replace(p, **changes)  # type: ignore[arg-type]


def _classify(f: Func, env: Mapping[str, float], name: str, ad: float, x: float,
              best: PartialCheck, at_kink: bool, scale: float,
              steps: list[float], kinks: bool = True) -> PartialCheck:
    """Name the cause of a disagreement that survived the step sweep."""
    if best.verdict == "n/a":
        return best
    if best.verdict == "ok":
        if best.error_estimate <= 1e-2 * scale:
            return _with(best, reason=f"agrees, but only to within {best.error_estimate:.2g}")
        cause = "rounding error (cancellation in f)" if best.rounding >= 0.5 * \
            best.error_estimate else "the curvature"
        return _with(best, verdict="inconclusive",
                     reason=f"{cause} makes the estimate too loose to confirm the derivative")
    h = best.step
    f0, fp, fm = _at(f, env, name, x), _at(f, env, name, x + h), _at(f, env, name, x - h)
    if at_kink and None not in (f0, fp, fm):
        right = (fp - f0) / h  # type: ignore[operator]
        left = (f0 - fm) / h  # type: ignore[operator]
        slack = 10 * best.error_estimate + 1e-4 * max(abs(right), abs(left), 1.0)
        if abs(right - left) > slack and min(left, right) - slack <= ad <= max(left, right) + slack:
            return _with(best, verdict="kink", left=left, right=right,
                         reason=f"one-sided slopes differ (left {left:.6g}, right {right:.6g}); "
                                "the reported number is a convention (see the notes)")
    for step in steps if kinks else []:  # smallest first: the first that resolves it
        near = _kink_nearby(f, env, name, ad, x, step)
        if near is not None:
            left, right = near
            return _with(best, verdict="kink", left=left, right=right,
                         reason=f"a kink lies within {step:.2g} of the point (one-sided slopes "
                                f"{left:.6g} and {right:.6g}); the derivative matches its own side")
    if _unresolved(f, env, name, x, steps[0]):
        return _with(best, verdict="inconclusive",
                     reason="f changes faster than the smallest step can resolve (a pole, jump "
                            "or kink within it?); the check can neither confirm nor refute")
    assert best.abs_error is not None
    if best.abs_error <= 100 * best.error_estimate:  # within loose error bars: can't tell
        cause = "rounding error (cancellation in f)" if best.rounding >= 0.5 * \
            best.error_estimate else "the finite differences did not settle, and this"
        return _with(best, verdict="inconclusive",
                     reason=f"{cause} swamps the difference at every step; the check can "
                            "neither confirm nor refute")
    return _with(best, reason="disagrees with finite differences at every step size tried")


def _check_at_step(f: Func, env: Mapping[str, float], name: str, ad: float, x: float,
                   h: float) -> PartialCheck:
    f0 = _at(f, env, name, x)
    fp1, fm1 = _at(f, env, name, x + h), _at(f, env, name, x - h)
    fp2, fm2 = _at(f, env, name, x + 2 * h), _at(f, env, name, x - 2 * h)
    scale = max(abs(v) for v in (f0, fp1, fm1, fp2, fm2, 0.0) if v is not None)
    rounding = 4 * (EPS * scale + TINY) / h  # TINY: values below it have underflowed
    fd: float
    if fp1 is not None and fm1 is not None and fp2 is not None and fm2 is not None:
        d1 = (fp1 - fm1) / (2 * h)
        d2 = (fp2 - fm2) / (4 * h)
        fd = d1 + (d1 - d2) / 3
        estimate = abs(d1 - d2) / 3 + rounding
    elif f0 is not None and fp1 is not None and fp2 is not None:  # one-sided, 2nd order
        fd, estimate = _one_sided(f0, fp1, fp2, _at(f, env, name, x + 4 * h), h)
        estimate += rounding
    elif f0 is not None and fm1 is not None and fm2 is not None:
        fd, estimate = _one_sided(f0, fm1, fm2, _at(f, env, name, x - 4 * h), -h)
        estimate += rounding
    else:
        return PartialCheck(name, ad, None, math.nan, h, None, None, "n/a",
                            reason="f is undefined on both sides of the point")
    abs_error = abs(ad - fd)
    size = max(abs(ad), abs(fd))
    rel_error = abs_error / size if size > 0 else 0.0
    ok = abs_error <= 10 * estimate + REL_TOL * max(size, 1e-300)
    return PartialCheck(name, ad, fd, estimate, h, abs_error, rel_error,
                        "ok" if ok else "mismatch", rounding=rounding)


def _one_sided(f0: float, f1: float, f2: float, f4: float | None, h: float) -> tuple[float, float]:
    """Second-order one-sided difference at h, with its error from the same at 2h."""
    d_h = (-3 * f0 + 4 * f1 - f2) / (2 * h)
    if f4 is None:  # no 4h point: the first-order difference is all we can compare with
        return d_h, abs(d_h - (f1 - f0) / h)
    d_2h = (-3 * f0 + 4 * f2 - f4) / (4 * h)
    return d_h + (d_h - d_2h) / 3, abs(d_h - d_2h) / 3


def _kink_nearby(f: Func, env: Mapping[str, float], name: str, ad: float, x: float,
                 h: float) -> tuple[float, float] | None:
    """(left, right) slopes when a kink sits closer than any step we can take.

    Then every central difference straddles it; but the true derivative at x is
    the slope on x's own side, so it equals one of the two one-sided slopes,
    which a wrong derivative would not.
    """
    f0, fp, fm = _at(f, env, name, x), _at(f, env, name, x + h), _at(f, env, name, x - h)
    if f0 is None or fp is None or fm is None:
        return None
    right, left = (fp - f0) / h, (f0 - fm) / h
    tol = 1e-6 * max(abs(left), abs(right), 1e-8)
    if abs(right - left) > 1e3 * tol and min(abs(ad - left), abs(ad - right)) <= tol:
        return left, right
    return None


def _unresolved(f: Func, env: Mapping[str, float], name: str, x: float, h: float) -> bool:
    """Whether the one-sided slopes at the smallest step still disagree grossly.

    For a smooth f they differ by about h·f'', negligible at the smallest step;
    when they do not, something non-smooth sits within h and no difference
    quotient can judge the derivative.
    """
    f0, fp, fm = _at(f, env, name, x), _at(f, env, name, x + h), _at(f, env, name, x - h)
    if f0 is None or fp is None or fm is None:
        return False
    right, left = (fp - f0) / h, (f0 - fm) / h
    rounding = 4 * (EPS * max(abs(f0), abs(fp), abs(fm)) + TINY) / h
    return abs(right - left) > 1e-3 * max(abs(right), abs(left)) + 10 * rounding
