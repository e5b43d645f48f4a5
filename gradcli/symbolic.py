"""Reverse mode that produces a graph: ∂output/∂variable as a new tape.

The sweep is the same loop as gradcli/reverse.py and the local partials are the
same rules from gradcli/ops.py; only the namespace they are evaluated over
differs.  Here every number is a `Sym`, a handle on a node of a fresh `Tape`,
and every operation appends (hash-consed) nodes to it, so the adjoint of a
variable *is* a formula.  gradcli/simplify.py turns that raw graph into the
formula a person would write.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gradcli.errors import check_wrt
from gradcli.ops import FUNCTIONS, OPS
from gradcli.overload import TableArithmetic
from gradcli.tape import CONST, VAR, Tape, needs_grad

Operand = Any  # a Sym, or a plain number appearing in a partial rule


@dataclass(frozen=True, eq=False)
class Sym(TableArithmetic):
    """A node of the tape being built, with arithmetic that appends nodes."""

    tape: Tape
    node: int

    def __eq__(self, other: object) -> bool:  # the same node (not a symbolic equation)
        return isinstance(other, Sym) and other.tape is self.tape and other.node == self.node

    def __hash__(self) -> int:
        return hash((id(self.tape), self.node))

    # Trivial identities are skipped here (x*1, x+0) only to keep the raw graph
    # small; all real simplification is gradcli/simplify.py's job.
    def _num(self) -> float | None:
        t = self.tape
        return t.consts[self.node] if t.ops[self.node] == CONST else None

    def _lift(self, v: Operand) -> Sym:
        return v if isinstance(v, Sym) else const(self.tape, v)

    def _op(self, name: str, *args: Operand) -> Sym:  # + - * / ** and unary -
        if name == "neg":
            v = self._num()
            if v is not None:
                return const(self.tape, -v)
            return Sym(self.tape, self.tape.apply("neg", (self.node,)))
        a, b = args
        return binary(name, self._lift(a), self._lift(b))


def const(tape: Tape, v: Any) -> Sym:
    """A constant node for a number appearing in a rule (0, 1, 2, -1, ...)."""
    return Sym(tape, tape.const(float(v)))


def binary(op: str, a: Sym, b: Sym) -> Sym:
    """`a op b`, skipping the identities that would only bloat the raw graph."""
    x, y = a._num(), b._num()
    t = a.tape
    if op == "add":
        if x == 0:
            return b
        if y == 0:
            return a
    elif op == "sub":
        if y == 0:
            return a
        if x == 0:
            return b._op("neg", b)  # -b, typed
    elif op == "mul":
        if x == 0 or y == 0:
            return const(t, 0)
        if x == 1:
            return b
        if y == 1:
            return a
    elif op == "div":
        if x == 0:
            return const(t, 0)
        if y == 1:
            return a
    elif op == "pow" and y == 1:
        return a
    return Sym(t, t.apply(op, (a.node, b.node)))


class Builder:
    """The namespace `m` of the partial rules, building nodes instead of numbers."""

    def __init__(self, tape: Tape) -> None:
        self.tape = tape

    def __getattr__(self, name: str) -> Any:
        op = FUNCTIONS.get(name)
        if op is None:
            raise AttributeError(name)

        def apply(*xs: Operand) -> Sym:
            nodes = tuple((x if isinstance(x, Sym) else const(self.tape, x)).node for x in xs)
            return Sym(self.tape, self.tape.apply(op.name, nodes))

        return apply


@dataclass
class Derivatives:
    """The raw graph of the partials: `tape.outputs[k]` is ∂f/∂`wrt[k]`."""

    tape: Tape
    wrt: list[str]
    source: Tape


def copy_into(src: Tape, dst: Tape) -> list[int]:
    """Append every node of `src` to `dst`; the map from old to new indices."""
    new: list[int] = []
    for i, op in enumerate(src.ops):
        if op == VAR:
            new.append(dst.var(src.labels[i] or ""))
        elif op == CONST:
            new.append(dst.const(src.consts[i], src.labels[i]))
        else:
            new.append(dst.apply(op, tuple(new[a] for a in src.args[i])))
    return new


def differentiate(tape: Tape, wrt: list[str] | None = None, output: int | None = None) -> \
        Derivatives:
    """∂output/∂v for each v in `wrt` (default: every variable), as one new tape."""
    names = list(tape.variables) if not wrt else list(wrt)
    check_wrt(names, tape.variables)
    out = tape.outputs[-1] if output is None else output
    dst = Tape(text=tape.text)
    new = copy_into(tape, dst)
    m = Builder(dst)
    need = needs_grad(tape)
    zero = const(dst, 0)
    adj: list[Sym | None] = [None] * len(tape)
    adj[out] = const(dst, 1)
    for i in range(out, -1, -1):
        g = adj[i]
        op = tape.ops[i]
        if g is None or op in (VAR, CONST) or not need[i]:
            continue
        a = tape.args[i]
        partials = OPS[op].partials(m, Sym(dst, new[i]), *[Sym(dst, new[j]) for j in a])
        for j, p in zip(a, partials, strict=True):
            if not need[j]:
                continue
            term = g * p
            prev = adj[j]
            adj[j] = term if prev is None else prev + term
    dst.outputs = [(adj[tape.variables[v]] or zero).node for v in names]
    dst.output_names = [f"d/d{v}" for v in names]
    return Derivatives(dst, names, tape)
