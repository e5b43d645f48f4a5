"""The computational graph as a tape: nodes in topological (creation) order.

A node is an index into parallel lists, which keeps the sweeps plain loops over
lists and a million-node graph a few hundred bytes per node.  Building goes
through `Tape.apply`, which hash-conses: the same operation on the same
arguments is one node, so a repeated sub-expression fans out instead of being
computed twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from gradcli.numfmt import number_text as number_text  # re-exported (a constant label)
from gradcli.ops import OPS, PREC_ADD

VAR = "var"
CONST = "const"


class Call:
    """A call of a program's function: `label` (f(x)) names the nodes of its body.
    (A plain class, not a NamedTuple: every command imports this module at start-up.)"""

    __slots__ = ("name", "label", "result", "args", "nodes")

    def __init__(self, name: str, label: str, result: int, args: tuple[int, ...],
                 nodes: tuple[int, ...]) -> None:
        self.name = name  # the function
        self.label = label  # the call as written out: f(x)
        self.result = result
        self.args = args
        self.nodes = nodes  # the body's operations, the result among them

    def __repr__(self) -> str:
        return f"Call({self.name!r}, {self.label!r}, {self.result}, {self.args}, {self.nodes})"


@dataclass
class Tape:
    """Nodes in topological order, plus the outputs and the variables."""

    text: str = ""  # the source, for positions in messages
    ops: list[str] = field(default_factory=list)  # op name, or VAR / CONST
    args: list[tuple[int, ...]] = field(default_factory=list)
    consts: list[float] = field(default_factory=list)  # a CONST's value, else 0.0
    labels: list[str | None] = field(default_factory=list)  # var name, const text, step name
    pos: list[int] = field(default_factory=list)  # where the node starts in `text`
    outputs: list[int] = field(default_factory=list)
    output_names: list[str] = field(default_factory=list)
    variables: dict[str, int] = field(default_factory=dict)  # in order of first use
    hints: dict[str, str] = field(default_factory=dict)  # name -> how the parser read it
    derivative: tuple[str, int] | None = None  # a leading d/dx: (variable, order)
    calls: list[Call] = field(default_factory=list)  # function calls (gradcli/definitions.py)
    _index: dict[tuple[object, ...], int] = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return len(self.ops)

    def _add(self, key: tuple[object, ...], op: str, args: tuple[int, ...], const: float,
             label: str | None, pos: int) -> int:
        found = self._index.get(key)
        if found is not None:
            return found
        i = len(self.ops)
        self._index[key] = i
        self.ops.append(op)
        self.args.append(args)
        self.consts.append(const)
        self.labels.append(label)
        self.pos.append(pos)
        return i

    def var(self, name: str, pos: int = 0) -> int:
        """The node of variable `name` (one per name)."""
        i = self._add((VAR, name), VAR, (), 0.0, name, pos)
        self.variables.setdefault(name, i)
        return i

    def const(self, value: float, label: str | None = None, pos: int = 0) -> int:
        """A constant node; equal values share one node."""
        # -0.0 == 0.0 but prints differently: key on the text form too
        return self._add((CONST, value, repr(value)), CONST, (), value,
                         label if label is not None else number_text(value), pos)

    def apply(self, op: str, args: tuple[int, ...], pos: int = 0) -> int:
        """The node `op(*args)`; an identical earlier node is reused."""
        return self._add((op, *args), op, args, 0.0, None, pos)

    def name_step(self, node: int, name: str) -> None:
        """Give an intermediate node the user's name for it (first name wins)."""
        if self.labels[node] is None:
            self.labels[node] = name

    def is_leaf(self, node: int) -> bool:
        return self.ops[node] in (VAR, CONST)


def node_names(tape: Tape) -> list[str]:
    """A short unique name per node: the user's, else t1, t2, ... in forward order."""
    taken = {lab for lab in tape.labels if lab is not None}
    names: list[str] = []
    k = 0
    for lab in tape.labels:
        if lab is not None:
            names.append(lab)
            continue
        k += 1
        while f"t{k}" in taken:
            k += 1
        names.append(f"t{k}")
    return names


def needs_grad(tape: Tape) -> list[bool]:
    """Whether each node depends on some variable (constants' gradients are moot)."""
    need = [False] * len(tape)
    for i, op in enumerate(tape.ops):
        if op == VAR:
            need[i] = True
        elif op != CONST:
            need[i] = any(need[a] for a in tape.args[i])
    return need


# ---------------------------------------------------------------- printing

def _wrap(text: str, prec: int, need: int) -> str:
    return f"({text})" if prec < need else text


def expressions(tape: Tape, limit: int = 60, upto: int | None = None,
                names: list[str] | None = None) -> list[str]:
    """Each node's sub-expression as text, bottom-up, abbreviated past `limit`.

    With `names`, arguments that are named steps print as their names instead
    (the ledger form `b = 3*a`).  Abbreviating children keeps this linear.
    """
    n = len(tape) if upto is None else upto
    out: list[str] = []
    precs: list[int] = []
    for i in range(n):
        op = tape.ops[i]
        if op == VAR or op == CONST:
            label = tape.labels[i] or ""
            out.append(label)
            precs.append(9 if not label.startswith("-") else 3)
            continue
        kids = []
        for a in tape.args[i]:
            if names is not None and not tape.is_leaf(a):
                kids.append((names[a], 9))
            else:
                kids.append((out[a], precs[a]))
        text, prec = format_op(op, kids)
        if len(text) > limit:
            text = text[: limit - 1] + "…"
        out.append(text)
        precs.append(prec)
    return out


def format_op(op: str, kids: list[tuple[str, int]]) -> tuple[str, int]:
    """Text and precedence of `op` applied to already-printed arguments."""
    spec = OPS.get(op)
    if spec is None:  # an array op (issue 15): printed by gradcli/arrays/names.py
        from gradcli.arrays.names import format_array_op

        return format_array_op(op, kids)
    if not spec.infix:
        return f"{op}({', '.join(t for t, _ in kids)})", 9
    p = spec.prec
    if op == "neg":
        (t, q), = kids
        return "-" + _wrap(t, q, p + (1 if q == p else 0)), p
    (lt, lp), (rt, rp) = kids
    if op == "pow":  # right-associative, and binds tighter than a unary minus
        return f"{_wrap(lt, lp, p + 1)}^{_wrap(rt, rp, p)}", p
    # left-associative: the right operand of - and / needs brackets at equal precedence
    right_need = p + 1 if op in ("sub", "div") else p
    sym = f" {spec.infix} " if p == PREC_ADD else spec.infix
    return f"{_wrap(lt, lp, p)}{sym}{_wrap(rt, rp, right_need)}", p


def reaches(tape: Tape, roots: Iterable[int]) -> list[bool]:
    """Whether each node feeds one of `roots` (a root feeds itself); one backward loop."""
    live = [False] * len(tape)
    for o in roots:
        live[o] = True
    for i in range(len(tape) - 1, -1, -1):
        if live[i]:
            for a in tape.args[i]:
                live[a] = True
    return live


def unused_steps(tape: Tape) -> list[int]:
    """The named steps of a program that reach no output (kept, evaluated, marked)."""
    live = reaches(tape, tape.outputs)
    return [i for i, lab in enumerate(tape.labels)
            if lab is not None and not live[i] and tape.ops[i] not in (VAR, CONST)]


def prune(tape: Tape, keep: Iterable[int] = ()) -> Tape:
    """Drop nodes that feed neither an output nor a node in `keep` (folded literals;
    the parser keeps a program's named steps, which are shown even when unused)."""
    n = len(tape)
    live = reaches(tape, [*tape.outputs, *keep])
    if all(live):
        return tape
    new_index = [-1] * n
    out = Tape(text=tape.text)
    for i in range(n):
        if not live[i]:
            continue
        new_index[i] = len(out.ops)
        out.ops.append(tape.ops[i])
        out.args.append(tuple(new_index[a] for a in tape.args[i]))
        out.consts.append(tape.consts[i])
        out.labels.append(tape.labels[i])
        out.pos.append(tape.pos[i])
        if tape.ops[i] == VAR:
            out.variables[tape.labels[i] or ""] = new_index[i]
    out.outputs = [new_index[o] for o in tape.outputs]
    out.output_names = list(tape.output_names)
    out.hints = dict(tape.hints)
    out.derivative = tape.derivative
    out.calls = [Call(c.name, c.label, new_index[c.result],
                      tuple(new_index[a] for a in c.args),
                      tuple(new_index[n] for n in c.nodes if live[n]))
                 for c in tape.calls if live[c.result]]
    # variables keep their order of first use in the text
    order = {name: k for k, name in enumerate(tape.variables)}
    out.variables = dict(sorted(out.variables.items(), key=lambda kv: order[kv[0]]))
    return out
