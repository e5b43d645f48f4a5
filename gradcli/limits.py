"""Every input budget in one place: past one, a command says so (exit 2) rather than run on.

Each limit is checked where the input arrives (while reading, before parsing, before
a sweep), so an oversized input costs no more than the limit itself.  The README's
"Budgets" table lists them; tests/test_contract.py holds each one to its message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gradcli.tape import Tape

MAX_TEXT = 50_000_000  # characters of an expression or program (about 8 million nodes)
MAX_INPUT_BYTES = MAX_TEXT  # bytes read from a file or stdin for EXPR, checked while reading
READ_CHUNK = 1 << 20  # bytes per read, so an endless stream stops at the limit
MAX_LINE = 1 << 20  # characters in one line of a batch (a CSV/TSV row)
MAX_VALUE = 10_000  # characters in one value or batch cell (a number or pi/4)
MAX_FORMULA_TREE = 400_000  # nodes of a derivative written out as a tree (diff, check)
MAX_CHECK_WORK = 2_000_000  # outputs × variables × nodes for eval/jacobian's fd check
# points × nodes for `check` (its points; F, or the derivative of the order before, and
# G; summed over each --wrt): every point is judged at 15+ digits in mpmath, ~30 µs a
# node when the answer is wrong (two readings), so the limit costs about 8 s
MAX_CHECK_POINTS = 250_000
MAX_GRID = 100_000_000  # points of a grid (every combination of --x 0:1:0.1 ...)


def over(what: str, amount: int, limit: int, hint: str, capped: bool = False) -> None:
    """An InputError (exit 2) when `amount` of `what` is past its `limit`; else nothing."""
    from gradcli.errors import InputError

    if amount > limit:
        shown = f"over {amount - 1:,}" if capped and amount > 10 * limit else f"{amount:,}"
        raise InputError(f"{what} is {shown}, past the budget of {limit:,}",
                         hint=f"{hint}; see 'Budgets' in the README")


def tree_size(tape: Tape, cap: int) -> int:
    """The tape's outputs written out as trees, in nodes (a sub-tree used twice by one
    node counts once, as a^2 prints for a*a), stopping at `cap`.

    Linear in the tape, no recursion: an upper bound on the printed formula's size,
    reached when nothing simplifies, which is what makes a derivative too long to read.
    """
    size = [0] * len(tape.ops)
    for i, args in enumerate(tape.args):
        size[i] = min(cap, 1 + sum(size[a] for a in set(args)))
    return min(cap, sum(size[o] for o in tape.outputs))


def formula_budget(tape: Tape) -> None:
    """Refuse a derivative (a symbolic tape) too long to print, before simplifying it."""
    over("the derivative written out, in nodes,", tree_size(tape, 10 * MAX_FORMULA_TREE + 1),
         MAX_FORMULA_TREE, "gradcli eval gives its value at a point", capped=True)


def check_budget(points: int, pinned: int, size: int) -> None:
    """Refuse a `check` whose (points + --at points) × nodes is past MAX_CHECK_POINTS,
    naming the --points that fits."""
    over(f"--points × nodes ({points + pinned:,} points × {size:,} nodes)",
         (points + pinned) * size, MAX_CHECK_POINTS,
         f"use --points {max(1, MAX_CHECK_POINTS // max(1, size) - pinned)} or fewer for "
         "this expression")


def precise_budget(spent: float, done: int, points: int) -> None:
    """Refuse a `check` whose readings in mpmath have cost more than two readings of every
    point at its budget: points whose values span hundreds of digits are read with that
    many (up to 3,000), each costing many times a plain one."""
    from gradcli.errors import InputError

    if spent > 2 * MAX_CHECK_POINTS:
        raise InputError(f"the check's high-precision readings are past their budget after "
                         f"{done:,} of {points:,} points (the values span many digits)",
                         hint=f"use --points {max(1, done - 1)} or fewer, or pin points with "
                              "--at; see 'Budgets' in the README")
