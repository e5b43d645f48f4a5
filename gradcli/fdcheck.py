"""Finite-difference check of the reverse sweep, with an error estimate.

For each input: central differences at steps h and 2h, combined by Richardson
extrapolation (error O(h^4)); their disagreement plus the rounding error
eps·|f|/h is the error estimate.  A disagreement with the sweep is classified:
where the one-sided slopes differ, the point is a kink and the sweep's number is
a convention, not a mistake.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from gradcli.errors import GradcliError

EPS = sys.float_info.epsilon
REL_TOL = 1e-6  # accepted |sweep - fd| relative to the slope's size, beyond the estimate


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
    verdict: str  # "ok", "kink", "mismatch", "n/a"

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


METHOD = "central difference at h and 2h, Richardson-extrapolated"


def fd_check(f: Callable[[Mapping[str, float]], float], env: Mapping[str, float],
             grad: Mapping[str, float], at_kink: bool = False) -> Check:
    """Check each d f/d name in `grad` at `env`; `f` evaluates the output at a point.

    `at_kink` says the sweep met a kink on the way (a Note): only then may a
    disagreement be called a kink rather than a mismatch.
    """
    result = Check(METHOD)
    for name, ad in grad.items():
        result.partials[name] = check_one(f, env, name, ad, at_kink)
    return result


def _at(f: Callable[[Mapping[str, float]], float], env: Mapping[str, float], name: str,
        x: float) -> float | None:
    point = dict(env)
    point[name] = x
    try:
        v = f(point)
    except GradcliError:
        return None
    return v if math.isfinite(v) else None


STEPS = 16  # a sweep of steps h, h/4, h/16, ... while the estimate is not yet tight


def check_one(f: Callable[[Mapping[str, float]], float], env: Mapping[str, float],
              name: str, ad: float, at_kink: bool = False) -> PartialCheck:
    """The finite-difference verdict for one partial derivative.

    Starts at h ~ eps^(1/3)·max(1, |x|) and, while the verdict is not ok, shrinks
    the step (curvature near a domain edge needs smaller steps); the result with
    the smallest error estimate is reported.
    """
    x = float(env[name])
    h = EPS ** (1 / 3) * max(1.0, abs(x))
    # exactly representable steps keep x ± h - x == ±h
    h = math.ldexp(1.0, math.frexp(h)[1])
    # near a domain edge (log at 1e-12) the step must come down to the scale of x
    floor = EPS ** (1 / 3) * abs(x) / 64
    best: PartialCheck | None = None
    for k in range(64):
        if k >= STEPS and h < floor:
            break
        got = _check_at_step(f, env, name, ad, at_kink, x, h)
        if got.verdict == "ok" and got.error_estimate <= 1e-6 * max(abs(ad), 1e-300):
            return got
        if best is None or (got.fd is not None and (best.fd is None or
                                                    got.error_estimate < best.error_estimate)):
            best = got
        h /= 4
    assert best is not None
    return best


def _check_at_step(f: Callable[[Mapping[str, float]], float], env: Mapping[str, float],
                   name: str, ad: float, at_kink: bool, x: float, h: float) -> PartialCheck:
    f0 = _at(f, env, name, x)
    fp1, fm1 = _at(f, env, name, x + h), _at(f, env, name, x - h)
    fp2, fm2 = _at(f, env, name, x + 2 * h), _at(f, env, name, x - 2 * h)
    scale = max(abs(v) for v in (f0, fp1, fm1, fp2, fm2, 0.0) if v is not None)
    rounding = 4 * EPS * scale / h
    fd: float | None
    if None not in (fp1, fm1, fp2, fm2):
        d1 = (fp1 - fm1) / (2 * h)  # type: ignore[operator]
        d2 = (fp2 - fm2) / (4 * h)  # type: ignore[operator]
        fd = d1 + (d1 - d2) / 3
        estimate = abs(d1 - d2) / 3 + rounding
    elif f0 is not None and fp1 is not None and fp2 is not None:  # one-sided, 2nd order
        fd = (-3 * f0 + 4 * fp1 - fp2) / (2 * h)
        estimate = abs(fd - (fp1 - f0) / h) + rounding
    elif f0 is not None and fm1 is not None and fm2 is not None:
        fd = (3 * f0 - 4 * fm1 + fm2) / (2 * h)
        estimate = abs(fd - (f0 - fm1) / h) + rounding
    else:
        return PartialCheck(name, ad, None, math.nan, h, None, None, "n/a")
    abs_error = abs(ad - fd)
    size = max(abs(ad), abs(fd))
    rel_error = abs_error / size if size > 0 else 0.0
    verdict = "ok" if abs_error <= 10 * estimate + REL_TOL * max(size, 1e-300) else "mismatch"
    if verdict == "mismatch" and at_kink and None not in (f0, fp1, fm1):
        # a kink: the one-sided slopes differ, and the sweep's convention lies between them
        right = (fp1 - f0) / h  # type: ignore[operator]
        left = (f0 - fm1) / h  # type: ignore[operator]
        slack = 10 * estimate + 1e-4 * max(abs(right), abs(left), 1.0)
        if abs(right - left) > slack and min(left, right) - slack <= ad <= max(left, right) + slack:
            verdict = "kink"
    return PartialCheck(name, ad, fd, estimate, h, abs_error, rel_error, verdict)
