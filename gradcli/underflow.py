"""Digits lost to underflow: a value or a slope that became 0 or subnormal from nonzero inputs.

A double keeps its 16 significant digits only down to 2.2e-308; below that it keeps
fewer, and at 0 none.  Twenty squarings of 0.999 give 0 where the exact value is
2.4e-456, the gradient 0 with it, and finite differences of those zeros agree: the
check passed on a number with no digits left.  Addition and subtraction never
underflow (a sum that small is exact); a product, quotient, power or function can.
The rule, the same on every path (eval, batches and grids, the API, --order, taylor,
hessian, jacobian):

- a node's value underflowed where it is 0 or subnormal and the operation on the same
  arguments at 50 digits (mpmath) is another number (by more than half its digits);
- an output's value that is 0 or subnormal downstream of such a node, or a gradient
  that is 0 or subnormal where a term of the reverse sweep (adjoint × partial) or a
  local partial underflowed from factors that are not 0, is compared with the 50-digit
  sweep: where it lost its digits a note says so, and its
  check cannot pass (failed or inconclusive by cancellation.py's rule).

The fast batch paths (gradcli/compile.py) send a row that may have underflowed to
the interpreter, which decides with this module.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from typing import Any

from gradcli.cancellation import DIGITS, DOUBLE_DIGITS, digits_lost, spoil
from gradcli.diagnose import describe
from gradcli.ops import local_partials
from gradcli.reverse import Note, feeds
from gradcli.tape import CONST, VAR, Tape, needs_grad, node_names

TINY = sys.float_info.min  # the smallest normal double: below it, digits are lost
REPORT = DOUBLE_DIGITS - 8  # digits lost past which a number is reported (cancellation's)
# operations that are exact on doubles near 0: their small result is no underflow
EXACT = frozenset(("add", "sub", "neg", "abs", "relu", "min", "max", "sign", "step"))


class Underflow(Note):  # no @dataclass of its own: Note's fields, no start-up cost
    """A note about digits lost to underflow (the other paths look for it by type)."""


def tiny(v: Any) -> bool:
    """0 or subnormal: a double with fewer than its 16 digits (none at 0)."""
    return -TINY < float(v) < TINY


def _text(v: Any, digits: int = 3) -> str:
    """A number of any size (an mpmath number below a double's range too)."""
    import mpmath

    return "0" if v == 0 else mpmath.nstr(mpmath.mpf(v), digits, min_fixed=-4, max_fixed=6)


def underflowed_nodes(tape: Tape, vals: list[Any]) -> dict[int, Any]:
    """The nodes whose own operation underflowed, with their value at 50 digits."""
    found: dict[int, Any] = {}
    candidates = [i for i, v in enumerate(vals) if -TINY < v < TINY
                  and tape.ops[i] not in (CONST, VAR) and tape.ops[i] not in EXACT]
    if not candidates:
        return found
    import mpmath

    from gradcli.mpops import mp_tables

    fns = mp_tables()[0]  # an operation without a form raises TypeError there
    with mpmath.workdps(DIGITS):
        for i in candidates:
            if any(j in found for j in tape.args[i]):
                continue  # its argument's underflow is the one to report
            try:
                exact = fns[tape.ops[i]](*[mpmath.mpf(vals[j]) for j in tape.args[i]])
            except (ValueError, ZeroDivisionError, OverflowError, TypeError):
                continue
            if digits_lost(float(vals[i]), exact) >= REPORT:
                found[i] = +exact
    return found


def _terms_underflow(tape: Tape, vals: list[Any], adj: list[Any], need: list[bool]) -> bool:
    """Whether a term adjoint × partial of the reverse sweep is 0 or subnormal from
    factors that are not 0, or a partial is from arguments that are not 0 (one pass
    over the tape, as the sweep's own: a node's adjoint is whole when it is reached)."""
    ops, args = tape.ops, tape.args
    for i in range(len(ops) - 1, -1, -1):
        g = adj[i]
        if not g or ops[i] in (CONST, VAR) or not need[i]:
            continue
        argv = [vals[j] for j in args[i]]
        try:
            ps = local_partials(ops[i], vals[i], argv)
        except (ValueError, ZeroDivisionError, OverflowError):
            continue
        for j, p in zip(args[i], ps, strict=True):
            if not need[j] or p != p:
                continue
            if tiny(p) and ops[i] not in EXACT and all(argv):  # the partial itself
                return True
            if p and tiny(g * p):  # the term
                return True
    return False


def review(ev: Any, convention: str = "torch") -> None:
    """Note each node, output value and gradient of `ev` (a pipeline.Evaluation) that
    lost its digits to underflow; their checks cannot pass.  Changes `ev` in place."""
    tape, vals = ev.tape, ev.values
    nodes = underflowed_nodes(tape, vals)
    shown = node_names(tape) if nodes else []  # as the node table names them
    for i, exact in nodes.items():
        lost = DOUBLE_DIGITS if exact != exact else digits_lost(float(vals[i]), exact)
        says = "not 0" if exact != exact else f"{_text(exact, 6)} at {DIGITS} digits"
        ev.notes.append(Underflow(i, f"{shown[i]} = {describe(tape, i)} underflowed to "
                                     f"{_text(vals[i])}: it is {says} (about {lost:.0f} of "
                                     f"its 16 digits "
                                     "lost: a double has fewer below 2.2e-308, none below "
                                     "4.9e-324)"))
    names = {i: n for n, i in tape.variables.items()}
    need = needs_grad(tape)
    precise_vals: list[Any] | None | bool = False
    for k, out in enumerate(tape.outputs):
        f = tape.output_names[k] if k < len(tape.output_names) and \
            tape.output_names[k].isidentifier() else "f"
        of = f" of {describe(tape, out)}" if len(tape.outputs) > 1 else ""
        reach = feeds(tape, out) if nodes else None
        upstream = reach is not None and any(reach[i] for i in nodes)
        if out in nodes:  # finite differences of digits that are gone
            for name in names.values():
                spoil(ev, k, name, 0.0, "the value lost its digits to underflow (see the note)")
        elif upstream and tiny(vals[out]):
            if precise_vals is False:
                from gradcli.mpops import precise_sweep  # mpmath only past this point

                sweep = precise_sweep(tape, ev.env, None, convention, DIGITS, gradient=False)
                precise_vals = None if sweep is None else sweep[0]
            truth = precise_vals[out] if isinstance(precise_vals, list) else None
            lost = DOUBLE_DIGITS if truth is None else digits_lost(float(vals[out]), truth)
            if lost >= REPORT:
                at = "" if truth is None else f"; at {DIGITS} digits it is {_text(truth)}"
                ev.notes.append(Underflow(out, f"the value{of}, {_text(vals[out])}, lost "
                                               f"about {lost:.0f} of its 16 digits to "
                                               f"underflow{at}"))
                for name in names.values():  # finite differences of digits that are gone
                    spoil(ev, k, name, 0.0, "the value lost its digits to underflow "
                                             "(see the note)")
        adj = ev.adjoints[k]
        if adj is None:  # an output whose sweep the caller did not run (explain)
            continue
        small = [i for i in names if need[i] and tiny(adj[i])]
        if not small:
            continue
        # a term of the sweep (adjoint × partial) or a local partial that fell below the
        # doubles (atan's 1/(1 + x²) past x = 1e154): then 50 digits decide
        if not (upstream or _terms_underflow(tape, vals, adj, need)):
            continue
        from gradcli.mpops import precise_sweep  # mpmath only past this point

        whole = precise_sweep(tape, ev.env, out, convention, DIGITS)
        precise = None if whole is None else whole[1]
        for i in small:
            truth = precise[i] if precise is not None else None
            if truth is None or truth == 0:
                continue
            lost = digits_lost(float(adj[i]), truth)
            if lost < REPORT:
                continue
            ev.notes.append(Underflow(i, f"∂{f}/∂{names[i]}{of} underflowed to "
                                         f"{_text(adj[i])}: at {DIGITS} digits it is "
                                         f"{_text(truth)} (about {lost:.0f} of its 16 "
                                         "significant digits lost)"))
            spoil(ev, k, names[i], lost, f"about {lost:.0f} of 16 digits lost to underflow "
                                          "(see the note)")


def notes_at(tape: Tape, vals: list[Any], adj: list[Any], env: dict[str, float],
             out: int) -> list[str]:
    """review's notes for one output's sweep done by the caller (explain's ledger)."""
    from types import SimpleNamespace

    ev = SimpleNamespace(tape=tape, values=vals, env=env, notes=[], checks=[],
                         adjoints=[adj if o == out else None for o in tape.outputs])
    review(ev)
    return [n.message for n in ev.notes]


def tainted(ev: Any) -> bool:
    """Whether underflow reached `ev`'s results: a number derived from them (a higher
    derivative, a Hessian entry) that is 0 or subnormal may have no digits left."""
    return any(isinstance(n, Underflow) for n in ev.notes)


def derived(ev: Any, numbers: list[Any], checks: list[Any]) -> list[Any]:
    """`checks` of numbers derived from `ev` (higher derivatives, Hessian entries), with
    each one of a 0 or subnormal number made inconclusive where underflow reached `ev`:
    finite differences of values with no digits left agree with anything."""
    if not tainted(ev):
        return checks
    reason = "a number this small may have lost its digits to underflow (see the note)"
    return [replace(c, verdict="inconclusive", reason=reason)
            if c is not None and tiny(v) and c.verdict in ("ok", "kink") else c
            for v, c in zip(numbers, checks, strict=True)]
