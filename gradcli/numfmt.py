"""How gradcli writes a number, everywhere: tables, plain lines, CSV, JSON, messages.

One rule for whole numbers: an integer-valued float below 1e16 prints as an
integer (3, not 3.0).  1e16 is where Python's shortest round-trip form (`repr`)
turns to exponent notation itself, so below it the integer form is the only one
without a trailing ".0" (repr(2e15) is '2000000000000000.0') and above it repr
is already short ('1e+16').  A constant thus reads the same in a formula, a
table and an error message.  Non-finite numbers are "inf", "-inf" and "nan".

This module imports nothing from gradcli and nothing heavy, so any module may
import it at the top without slowing start-up.
"""

from __future__ import annotations

import math
from typing import Any

INTEGER_BELOW = 1e16  # integer-valued floats below this print as integers


def _nonfinite(v: float) -> str:
    return "nan" if v != v else ("inf" if v > 0 else "-inf")


def number_text(v: float) -> str:
    """A number the way a person writes it: 3 not 3.0, else the shortest round-trip form."""
    if not math.isfinite(v):
        return _nonfinite(v)
    if v == int(v) and abs(v) < INTEGER_BELOW:
        return str(int(v))
    return repr(v)


def fmt(v: Any, digits: int | None = None) -> str:
    """A number for people: 24 not 24.0, inf/nan spelled out; the shortest text that reads
    back as the same double, or `digits` significant digits when that is shorter."""
    if v is None:
        return ""
    v = float(v)
    if digits is None or not math.isfinite(v) or (v == int(v) and abs(v) < INTEGER_BELOW):
        return number_text(v)
    short = f"{v:.{digits}g}"
    # --digits 17 must not print 0.64285714285714279 when 0.6428571428571428 is the same double
    return repr(v) if float(short) == v else short


def cell(v: Any) -> str:
    """`fmt` without digits, faster (a batch writes millions): text passes through."""
    if v.__class__ is str:
        return v
    r = repr(float(v))
    if r[-2:] == ".0" and -INTEGER_BELOW < v < INTEGER_BELOW:
        return "0" if v == 0 else r[:-2]
    return r


def jnum(v: Any) -> Any:
    """A number for JSON: full precision, non-finite as a string (JSON has no literal)."""
    if v is None:
        return None
    v = float(v)
    return v if math.isfinite(v) else _nonfinite(v)
