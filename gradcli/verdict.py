"""What `gradcli check` found: the problem, each point's reading, the verdict.

Plain data shared by gradcli/checker.py (which fills it), gradcli/mistakes.py
(which reads the points again to name a mistake) and the renderers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from gradcli.numfmt import fmt
from gradcli.precise import Arith
from gradcli.tape import Tape

MAX_SHOWN = 5  # counterexample rows

Number = Fraction | float


@dataclass
class Problem:
    """What is differentiated by what, and the answer.

    `base` is what the last differentiation acts on: F itself, or for --order N
    its simplified (N-1)-th partial along spec[:-1].
    """

    f: Tape
    spec: tuple[str, ...]  # the variables differentiated by, in order
    base: Tape
    g: Tape
    # an answer given piece by piece (gradcli/piecewise.py): at each point the piece
    # whose conditions hold is the answer there; `g` is their sum times the conditions
    pieces: Any = None

    @property
    def wrt(self) -> str:
        return self.spec[-1]


@dataclass
class Reading:
    """Both sides at one point, in the arithmetic that decided it, and more on demand."""

    problem: Problem
    arith: Arith
    env: dict[str, Any]  # the point in that arithmetic
    true: Any
    yours: Any
    scale: Any  # the largest magnitude at the point: what rounding is measured against
    base_vals: list[Any]
    g_vals: list[Any]
    _slopes: dict[int, Any] = field(default_factory=dict)

    @property
    def exact(self) -> bool:
        return self.arith.exact

    def slope(self, node: int) -> Any:
        """∂node/∂wrt of a node of the base tape, in this arithmetic."""
        if node not in self._slopes:
            p = self.problem
            with self.arith:
                self._slopes[node] = self.arith.slope(p.base, self.base_vals, p.wrt, node)
        return self._slopes[node]


@dataclass
class Sample:
    """One point: where, both sides (as doubles, for showing), the verdict, how it was decided."""

    point: dict[str, float]
    true: float
    yours: float
    agrees: bool
    reading: Reading | None = None
    digits: int = 0  # significant digits of an mpmath agreement (0: exact, or a difference)

    @property
    def exact(self) -> bool:
        return self.reading is not None and self.reading.exact

    @property
    def dps(self) -> int:
        return 0 if self.reading is None else self.reading.arith.dps


@dataclass
class Verdict:
    """The check of one partial (--wrt, or a mixed/higher spec) against one --expect."""

    wrt: str  # the spec as typed: x, or x,y for ∂²/∂x∂y, x,x for --order 2
    expect: str
    derivative: str  # the correct formula, simplified
    samples: list[Sample] = field(default_factory=list)
    diagnosis: str = ""
    answer: Tape | None = None  # G, parsed
    undefined_answer: int = 0  # points where the derivative is defined but G is not
    problem: Problem | None = None

    @property
    def spec(self) -> tuple[str, ...]:
        return self.problem.spec if self.problem is not None else (self.wrt,)

    @property
    def order(self) -> int:
        return len(self.spec)

    @property
    def equivalent(self) -> bool:
        return bool(self.samples) and all(s.agrees for s in self.samples)

    @property
    def counterexamples(self) -> list[Sample]:
        return [s for s in self.samples if not s.agrees]

    def decided(self) -> dict[str, Any]:
        """How the points were decided: how many exactly, how many in mpmath, and the
        fewest significant digits an mpmath agreement had (None when there was none)."""
        exact = sum(s.exact for s in self.samples)
        precise = [s for s in self.samples if not s.exact]
        agreed = [s.digits for s in precise if s.agrees]
        dps = [s.dps for s in precise]
        method = ("exact" if not precise else "high-precision" if not exact
                  else "exact+high-precision") if self.samples else "none"
        return {"method": method, "exact_points": exact, "high_precision_points": len(precise),
                "significant_digits": min(agreed) if agreed else None,
                "working_digits": [min(dps), max(dps)] if dps else None}

    def decided_text(self) -> str:
        """How the points were decided, in words: exactly, or to N significant digits."""
        d = self.decided()
        n_exact, n_mp = d["exact_points"], d["high_precision_points"]
        digits = d["significant_digits"]
        if not n_mp:
            return "exactly (rational arithmetic)"
        if digits is not None:
            mp_text = f"to at least {digits} significant digits (mpmath)"
        else:
            lo, hi = d["working_digits"]
            mp_text = f"in mpmath at {lo} digits" if lo == hi else f"in mpmath at {lo}-{hi} digits"
        if not n_exact:
            return mp_text
        return (f"exactly at {n_exact} point{'s' * (n_exact != 1)} (rational arithmetic), "
                f"{mp_text} at {n_mp}")


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


def row_digits(s: Sample, digits: int) -> int:
    """Significant digits that show a counterexample's two values as different numbers
    (1.48814e+06 and 1.48814e+06 are not a counterexample anyone can read)."""
    k = digits
    while k < 17 and s.true != s.yours and fmt(s.true, k) == fmt(s.yours, k):
        k += 1
    return k


def point_text(env: Mapping[str, Number]) -> str:
    """x=1.5, y=2: a point for a message."""
    return ", ".join(f"{n}={fmt(float(v), 6)}" for n, v in env.items())
