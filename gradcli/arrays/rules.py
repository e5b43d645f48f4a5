"""The parser's rules for array syntax: `[a, b]`, `x[0]`, `A[1, 0]`, `x[1:3]`, `A @ B`,
`A^T`, and the array functions (`sum(x)`, `max(x)` of one argument, ...).

Functions of gradcli/builder.py's builder, which imports this module on first use (as
definitions.py's rules): a plain scalar parse never loads it.  Only a builder made
with `arrays=True` (gradcli eval and jacobian) accepts array syntax; elsewhere it is
refused with the reason, never read another way.  No NumPy here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from gradcli.arrays.names import ARRAY_FUNCTIONS, INDEX, ONE_ARGUMENT

if TYPE_CHECKING:
    from gradcli.errors import InputError
    from gradcli.tape import Tape

_TAKERS = "gradcli eval and gradcli jacobian take arrays (at one point: not with --exact, " \
          "--order, --batch or a grid)"


class Slice:
    """`a:b` inside an index, its ends constant whole numbers (None: open)."""

    __slots__ = ("start", "stop")

    def __init__(self, start: int | None, stop: int | None) -> None:
        self.start = start
        self.stop = stop

    def text(self) -> str:
        return f"{'' if self.start is None else self.start}:" \
               f"{'' if self.stop is None else self.stop}"


class ArrayBuilder(Protocol):
    """What these rules use of gradcli/builder.py's builder."""

    arrays: bool
    tape: Tape
    text: str
    steps: dict[str, int]
    known: frozenset[str]

    def _fail(self, message: str, pos: int, hint: str = "") -> InputError: ...

    def _node(self, v: Any) -> int: ...

    def _pos(self, v: Any) -> int: ...

    def _apply(self, op: str, args: tuple[int, ...], pos: int) -> int: ...


def arrays_only(b: ArrayBuilder, what: str, pos: int, hint: str = "") -> None:
    """Refuse array syntax where the command does not take arrays."""
    if not b.arrays:
        raise b._fail(f"{what} works on arrays, which are not taken here", pos,
                      hint=hint + _TAKERS)


def matmul(b: ArrayBuilder, c: list[Any]) -> int:
    left, tok, right = c
    arrays_only(b, "@ (the matrix product)", tok.start_pos)
    return b._apply("matmul", (b._node(left), b._node(right)), b._pos(left))


def array(b: ArrayBuilder, c: list[Any]) -> int:
    tok = c[0]
    arrays_only(b, "[...] (an array)", tok.start_pos, hint="to group, use round brackets ( ); ")
    items = tuple(b._node(v) for v in c[1:-1])
    return b._apply("stack", items, tok.start_pos)


def slice_(b: ArrayBuilder, c: list[Any]) -> Slice:
    start, tok, stop = c
    return Slice(_whole(b, start, tok.start_pos), _whole(b, stop, tok.start_pos))


def index(b: ArrayBuilder, c: list[Any]) -> int:
    base, tok = c[0], c[1]
    arrays_only(b, "an index x[...]", tok.start_pos)
    parts = []
    for v in c[2:-1]:
        parts.append(v.text() if isinstance(v, Slice) else str(_whole(b, v, tok.start_pos)))
    return b._apply(f"{INDEX}[{','.join(parts)}]", (b._node(base),), tok.start_pos)


def _whole(b: ArrayBuilder, v: Any, pos: int) -> int | None:
    """A constant whole number inside an index (None for an open end of a slice)."""
    if v is None:
        return None
    node = b._node(v)
    value = b.tape.consts[node] if b.tape.ops[node] == "const" else None
    if value is None or value != int(value) or abs(value) > 2**62:
        raise b._fail("an index is a constant whole number (x[0], x[-1], x[1:3])",
                      b.tape.pos[node] if value is None else pos,
                      hint="an index by a variable is not supported")
    return int(value)


def array_call(b: ArrayBuilder, name: str, raw: list[Any], pos: int) -> int | None:
    """`sum(x)`, `norm(x, 1)`, `max(x)`: the node, or None when `name` is no array
    function here (a name given a value stays a variable: --mean 3)."""
    if name in b.known or name in b.steps or \
            not (name in ARRAY_FUNCTIONS or name in ONE_ARGUMENT and len(raw) == 1):
        return None
    if name in ONE_ARGUMENT and not b.arrays:  # the scalar error: two or more
        return None
    args = tuple(b._node(a) for a in raw)
    if name in ONE_ARGUMENT:
        return b._apply(ONE_ARGUMENT[name], args, pos)
    op, arity = ARRAY_FUNCTIONS[name]
    arrays_only(b, f"{name}(...)", pos)
    if name == "norm" and len(args) == 2:  # norm(x, 1): the 1-norm; norm(x, 2) = norm(x)
        p = args[1]
        order = b.tape.consts[p] if b.tape.ops[p] == "const" else None
        if order not in (1.0, 2.0):
            raise b._fail("norm(x, p) takes p = 1 or 2", pos,
                          hint="norm(x) is the 2-norm (Frobenius for a matrix)")
        return b._apply("norm1" if order == 1.0 else "norm", args[:1], pos)
    if len(args) != arity:
        count = "one argument" if arity == 1 else f"{arity} arguments"
        raise b._fail(f"{name} takes {count}, got {len(args)}", pos,
                      hint=f"write {name}(x)" if arity == 1 else f"write {name}(a, b)")
    return b._apply(op, args, pos)


def bare_array_function(b: ArrayBuilder, name: str, pos: int) -> None:
    """`sum x` without brackets: refused (it is no product of letters either)."""
    if name in ARRAY_FUNCTIONS and name not in b.known:
        raise b._fail(f"{name} needs brackets: {name}(x)", pos)
