"""Digits lost to underflow on the array path: gradcli/underflow.py's rule, per element.

An element of a product, quotient, power or function that is 0 or subnormal while its
arguments' elements are not 0 is a candidate (sums, differences and the structural
ops -- stacking, indexing, transposing, sums and extremes -- are exact that small, and
a sum that cancels to 0 is no underflow).  Each candidate of an elementwise operation
is decided at 50 digits (mpmath) as the scalar path decides it; `prod` of elements
that are not 0 cannot be 0 or subnormal unless it underflowed.  Where a node that
feeds an output underflowed, every entry of that output's check whose gradient is 0 or
subnormal, or all of them when the output's own value is, is inconclusive: finite
differences of digits that are gone agree with anything (as sum(x*1e-200*1e-200)
at [1, 2, 3], which gave 0, gradient 0 and a passing check).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from gradcli.arrays.engine import element
from gradcli.cancellation import DIGITS
from gradcli.diagnose import describe
from gradcli.fdcheck import Check
from gradcli.ops import OPS
from gradcli.reverse import feeds
from gradcli.tape import CONST, VAR, Tape
from gradcli.underflow import EXACT, TINY

CONFIRM = 20  # candidates decided at 50 digits per node; the first is the one reported
REASON = "a number this small lost its digits to underflow (see the note)"


def _tiny(a: Any) -> Any:
    return np.abs(a) < TINY


def _first_underflow(tape: Tape, i: int, vals: list[Any]) -> tuple[tuple[int, ...], Any] | None:
    """The first element of node i that underflowed, with its value at 50 digits."""
    op, out = tape.ops[i], vals[i]
    if op == "prod":
        (x,) = (vals[j] for j in tape.args[i])
        if np.all(x != 0) and _tiny(out):
            return (), None
        return None
    if op not in OPS or op in EXACT:
        return None
    args = [np.broadcast_to(vals[j], out.shape) for j in tape.args[i]]
    hit = _tiny(out)
    for a in args:
        hit &= a != 0
    if not hit.any():
        return None
    import mpmath

    from gradcli.mpops import mp_tables

    fn = mp_tables()[0][op]
    with mpmath.workdps(DIGITS):
        for index in list(zip(*np.nonzero(hit), strict=True))[:CONFIRM]:
            index = tuple(int(k) for k in index)
            try:
                exact = fn(*[mpmath.mpf(float(a[index])) for a in args])
            except (ValueError, ZeroDivisionError, OverflowError, TypeError):
                continue
            if exact != 0 and abs(float(out[index]) - exact) > abs(exact) * 1e-8:
                return index, +exact
    return None


def review(tape: Tape, vals: list[Any], checks: list[Check]) -> list[str]:
    """Notes for the nodes that underflowed; `checks` (one per output) lose their
    passing verdicts where the digits are gone: an entry whose gradient is 0 or subnormal, or every
    entry where the output itself is.  Changes `checks` in place."""
    under: dict[int, str] = {}
    for i, op in enumerate(tape.ops):
        if op in (CONST, VAR) or any(j in under for j in tape.args[i]):
            continue  # its argument's underflow is the one to report
        found = _first_underflow(tape, i, vals)
        if found is None:
            continue
        index, exact = found
        at = f"element {element(index)} of " if index else ""
        true = "" if exact is None else f": it is {mpmath_text(exact)} at {DIGITS} digits"
        under[i] = (f"{at}{describe(tape, i)} underflowed to {float(vals[i][index]):g}{true} "
                    "(a double has fewer than 16 digits below 2.2e-308, none below 4.9e-324)")
    if not under:
        return []
    for k, out in enumerate(tape.outputs):
        if k >= len(checks):
            continue
        reach = feeds(tape, out)
        if not any(reach[i] for i in under):
            continue
        whole = bool(np.all(_tiny(vals[out])))
        for key, p in list(checks[k].partials.items()):
            if (whole or abs(p.ad) < TINY) and p.verdict in ("ok", "kink"):
                checks[k].partials[key] = replace(p, verdict="inconclusive", reason=REASON)
    return list(under.values())


def mpmath_text(v: Any) -> str:
    import mpmath

    return str(mpmath.nstr(v, 3, min_fixed=-4, max_fixed=6))
