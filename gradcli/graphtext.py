"""The graph as a picture's data: what every drawing of it shows.

`picture` gathers each node's name, operation, value and gradient
(∂output/∂node), and each edge's local partial (∂node/∂input) from the
operations table at the point.  gradcli/render/graph.py writes it as DOT,
Mermaid, JSON and rows; gradcli/render/graph_tree.py draws it in the terminal.
Without values the picture is the structure only: names and operations, no numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gradcli.numfmt import fmt
from gradcli.ops import local_partials
from gradcli.tape import CONST, VAR, Tape, expressions, needs_grad, node_names


@dataclass
class Picture:
    """A graph ready to draw; the numbers are None in a structure-only picture."""

    tape: Tape
    names: list[str]  # a short unique name per node
    ledger: list[str]  # `3*a`: each node's operation over its inputs' names
    output: str  # the name in ∂output/∂node
    env: dict[str, float] = field(default_factory=dict)
    values: list[float] | None = None
    grads: list[float | None] | None = None  # None where moot (constants)
    # per node, per argument: ∂node/∂argument, None where the argument is constant
    partials: list[tuple[float | None, ...]] | None = None
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def has_values(self) -> bool:
        return self.values is not None

    def label(self, i: int) -> str:
        """`a = x^2` for an operation, the name for a variable, the number for a constant."""
        op = self.tape.ops[i]
        return self.names[i] if op in (VAR, CONST) else f"{self.names[i]} = {self.ledger[i]}"

    def shows_value(self, i: int) -> bool:
        """Whether the value is worth a line: not for a constant written as its number."""
        if self.values is None:
            return False
        if self.tape.ops[i] != CONST:
            return True
        return self.names[i] != fmt(self.values[i])

    def edge_name(self, node: int, arg: int) -> str:
        """`∂a/∂x`: the local partial on the edge from `arg` into `node`."""
        return f"∂{self.names[node]}/∂{self.names[arg]}"

    def grad_name(self, i: int) -> str:
        return f"∂{self.output}/∂{self.names[i]}"


def num(v: float | None, digits: int | None) -> str:
    """A number on a picture: `digits` significant digits, 'undefined' for nan."""
    if v is None:
        return ""
    if v != v:
        return "undefined"
    return fmt(v, digits)


def edge_partials(tape: Tape, vals: list[Any],
                   need: list[bool] | None = None) -> list[tuple[float | None, ...]]:
    """∂node/∂argument for every edge, from the operations table at the point.

    None for an argument that is a constant (its partial is moot, and may be
    undefined, like ∂(x^2)/∂2 at x < 0); nan where the rule itself is undefined.
    """
    need = needs_grad(tape) if need is None else need
    out: list[tuple[float | None, ...]] = []
    for i, op in enumerate(tape.ops):
        a = tape.args[i]
        if op in (VAR, CONST):
            out.append(())
            continue
        ps = [float(p) for p in local_partials(op, vals[i], [vals[j] for j in a])]
        out.append(tuple(p if need[j] else None for j, p in zip(a, ps, strict=True)))
    return out


def _names(tape: Tape) -> tuple[list[str], str]:
    """Node names, with an unnamed single output called f (when f is free)."""
    names = node_names(tape)
    out_node = tape.outputs[-1]
    if tape.labels[out_node] is None and "f" not in names:
        names[out_node] = "f"
    given = tape.output_names[-1] if tape.output_names else ""
    output = given if given.isidentifier() else names[out_node]
    if not output.isidentifier():
        output = "f"
    return names, output


def picture(tape: Tape, values: Mapping[str, float] | None) -> Picture:
    """The picture of `tape`; with values, its numbers at that point (else structure)."""
    names, output = _names(tape)
    pic = Picture(tape, names, expressions(tape, limit=40, names=names), output)
    if values is None:
        return pic
    from gradcli.pipeline import evaluate

    ev = evaluate(tape, values, check=False)
    need = needs_grad(tape)
    adj = ev.adjoints[-1]
    pic.env = dict(ev.env)
    pic.values = [float(v) for v in ev.values]
    pic.grads = [float(g) if need[i] else None for i, g in enumerate(adj)]
    pic.partials = edge_partials(tape, ev.values, need)
    pic.notes = [n.message for n in ev.notes]
    pic.warnings = list(ev.warnings)
    return pic
