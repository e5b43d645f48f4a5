"""Digits lost to cancellation in the reverse sweep, and the note that says so.

An adjoint is a sum of terms (one per path); when large terms of opposite signs
cancel, the rounding errors they carry survive and the sum can be noise:
x/(3x) at 1e-100 sums two 3.3e99 terms to 4.9e83 where the slope is 0, as
PyTorch does.  The measure is the sweep run on |partials| (`magnitudes`): the
sum of |terms| along every path, against the result.  A ratio past 1e6 is only
suspicious (x^2 - 2x at 1 cancels 2 - 2 exactly), so the point is swept again
at 50 digits (mpmath); where the double result differs from it in more than
its last half, the note gives the digits lost and the check cannot pass.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from gradcli.diagnose import describe
from gradcli.errors import DomainError
from gradcli.fdcheck import REL_TOL
from gradcli.ops import NUM, local_partials
from gradcli.reverse import Note, reverse
from gradcli.tape import Tape, needs_grad

SUSPECT = 1e6  # sum of |terms| over |result| past which the result is re-swept
LOST = 1e-8  # relative error (against 50 digits) past which digits are reported lost
DIGITS = 50  # the second opinion's precision (gradcli/mpops.py): far past a double's 16
DOUBLE_DIGITS = 15.95  # log10(2^53)


def abs_partials(op: str, out: Any, args: list[Any], m: Any = NUM) -> tuple[Any, ...]:
    """|∂op/∂argument|: the reverse sweep over these sums |terms| along every path."""
    return tuple(abs(p) for p in local_partials(op, out, args, m))


def magnitudes(tape: Tape, vals: list[Any], out: int, need: list[bool],
               convention: str) -> list[float]:
    """Every node's sum of |terms| (the adjoint the sweep would give with no cancellation)."""
    try:
        mags, _ = reverse(tape, vals, out, need, convention=convention, partials=abs_partials)
    except DomainError:  # the sum of |terms| overflows where the adjoint does not: suspect all
        return [math.inf] * len(tape.ops)
    return [float(v) for v in mags]


def suspects(adj: list[Any], mags: list[float], nodes: list[int]) -> list[int]:
    """The nodes among `nodes` whose adjoint is far smaller than its sum of |terms|."""
    return [i for i in nodes if mags[i] > 0 and mags[i] > SUSPECT * abs(float(adj[i]))]


def digits_lost(value: float, precise: Any) -> float:
    """How many of a double's ~16 significant digits `value` gets wrong (0 to 16)."""
    err = abs(value - precise)
    if err == 0:
        return 0.0
    if precise == 0:
        return DOUBLE_DIGITS
    rel = float(err / abs(precise))
    return max(0.0, min(DOUBLE_DIGITS, DOUBLE_DIGITS + math.log10(rel))) if rel else 0.0


def spoil(ev: Any, k: int, name: str, lost: float, reason: str) -> None:
    """The check of ∂(output k)/∂name cannot pass on digits that are lost: failed past
    REL_TOL (the check's own tolerance), else inconclusive.  Changes `ev.checks`."""
    if k >= len(ev.checks) or name not in ev.checks[k].partials:
        return
    p = ev.checks[k].partials[name]
    if lost > DOUBLE_DIGITS + math.log10(REL_TOL) and p.verdict != "mismatch":
        ev.checks[k].partials[name] = replace(p, verdict="mismatch", reason=reason)
    elif p.verdict in ("ok", "kink"):
        ev.checks[k].partials[name] = replace(p, verdict="inconclusive", reason=reason)


def review(ev: Any, convention: str = "torch") -> None:
    """Note each partial of `ev` (a pipeline.Evaluation) that lost digits to cancellation;
    its check cannot pass.

    Past REL_TOL (the check's own tolerance) the partial's check fails; below it, an
    agreeing check becomes inconclusive.  Changes `ev.notes` and `ev.checks` in place.
    """
    tape = ev.tape
    need = needs_grad(tape)
    names = {i: n for n, i in tape.variables.items()}
    f = tape.output_names[-1] if tape.output_names and tape.output_names[-1].isidentifier() \
        else "f"
    for k, out in enumerate(tape.outputs):
        adj = ev.adjoints[k]
        mags = magnitudes(tape, ev.values, out, need, convention)
        hit = suspects(adj, mags, list(names))
        if not hit:
            continue
        from gradcli.mpops import precise_sweep  # mpmath only where cancellation is suspected

        sweep = precise_sweep(tape, ev.env, out, convention, DIGITS)
        precise = None if sweep is None else sweep[1]
        for i in hit:
            value = float(adj[i])
            if precise is None:  # no second opinion: the ratio alone bounds what is left
                lost = min(DOUBLE_DIGITS, math.log10(mags[i] / abs(value)) if value else
                           DOUBLE_DIGITS)
                truth = ""
            else:
                # the 50-digit sweep cancels too: below its own rounding it is 0
                noise = mags[i] * 10.0 ** (5 - DIGITS) if math.isfinite(mags[i]) else 0.0
                exact = precise[i] if abs(precise[i]) > noise else 0
                lost = digits_lost(value, exact)
                truth = f"; at {DIGITS} digits it is " + (f"{float(exact):.6g}" if exact else
                                                          f"0 (to within {noise:.1g})")
            if lost < DOUBLE_DIGITS + math.log10(LOST):
                continue  # an exact cancellation (2 - 2), or a harmless one
            name = names[i]
            where = f" of {describe(tape, out)}" if len(tape.outputs) > 1 else ""
            ev.notes.append(Note(i, f"∂{f}/∂{name}{where}: cancellation in the reverse sweep: "
                                    f"terms of size {mags[i]:.2g} cancel to {value:.3g}, so "
                                    f"about {lost:.0f} of its 16 significant digits are lost"
                                    f"{truth}"))
            spoil(ev, k, name, lost, f"about {lost:.0f} of 16 digits lost to cancellation "
                                     "(see the note)")
