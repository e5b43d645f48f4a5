"""The chain rule as a ledger: forward steps, backward edges, fan-out sums, paths.

`explain()` runs the two sweeps once more, keeping what a student would write
down by hand: each forward step with its value; each backward edge with its
local partial (as a formula from the operations table's own rule, evaluated
over the symbolic builder, and as a number), the upstream gradient and their
product; for a node used more than once, the sum of its contributions; and
for small graphs every path from the output to an input with the product of
its edge weights.  The renderers below turn the ledger into plain text, Rich
text or JSON.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from gradcli.diagnose import args_text, describe, where
from gradcli.errors import DomainError, InputError
from gradcli.forward import forward
from gradcli.ops import OPS, local_partials
from gradcli.tape import CONST, VAR, Tape, expressions, needs_grad, node_names

MAX_STEPS = 500  # operations; a longer ledger is no explanation
MAX_PATH_NODES = 40  # the path view is for small graphs only
MAX_PATHS = 32


@dataclass
class Step:
    number: int
    node: int
    name: str
    expression: str  # in terms of earlier steps: b = 3*a
    value: Any


@dataclass
class Edge:
    node: int  # the consumer
    arg: int  # the input it differentiates by
    formula: str  # the local partial ∂node/∂arg as a formula: 1/e
    local: Any  # its value
    upstream: Any  # ∂out/∂node
    product: Any  # upstream * local, this edge's contribution to ∂out/∂arg


@dataclass
class FanIn:
    node: int  # a node used by several others
    edges: list[Edge]
    total: Any


@dataclass
class Path:
    nodes: list[int]  # output first, input last
    edges: list[Edge]
    product: Any


@dataclass
class Ledger:
    tape: Tape
    names: list[str]
    out: int
    env: dict[str, Any]
    values: list[Any]
    adjoints: list[Any]
    steps: list[Step] = field(default_factory=list)
    backward: list[Edge | FanIn] = field(default_factory=list)  # in the order of the sweep
    paths: dict[str, list[Path]] | None = None  # None: too big for the path view
    notes: list[str] = field(default_factory=list)
    exact: bool = False

    @property
    def gradient(self) -> dict[str, Any]:
        return {n: self.adjoints[i] for n, i in self.tape.variables.items()}


def local_formulas(tape: Tape, i: int, names: list[str]) -> list[str]:
    """∂node/∂arg for each argument of node i, in terms of the names: `1/e`, `2*x`."""
    from gradcli.simplify import formulas, simplify
    from gradcli.symbolic import Builder, Sym, const

    mini = Tape()

    def leaf(j: int) -> Sym:
        if tape.ops[j] == CONST:
            return Sym(mini, mini.const(tape.consts[j], tape.labels[j]))
        return Sym(mini, mini.var(names[j]))

    args = [leaf(j) for j in tape.args[i]]
    out = Sym(mini, mini.var(names[i]))
    partials = OPS[tape.ops[i]].partials(Builder(mini), out, *args)
    mini.outputs = [(p if isinstance(p, Sym) else const(mini, p)).node for p in partials]
    return formulas(simplify(mini))


def _local_values(tape: Tape, i: int, vals: list[Any], exact: bool) -> tuple[Any, ...]:
    argv = [vals[j] for j in tape.args[i]]
    if exact:
        from gradcli.exact import local_partials as exact_partials

        return exact_partials(tape.ops[i], vals[i], argv)
    return local_partials(tape.ops[i], vals[i], argv)


def _zero(exact: bool) -> Any:
    return Fraction(0) if exact else 0.0


def explain(source: str | Tape, values: dict[str, Any], exact: bool = False) -> Ledger:
    """The ledger of one evaluation at a point (values as floats, or exact ones)."""
    from gradcli.parser import parse
    from gradcli.pipeline import missing_error

    tape = parse(source, known=values) if isinstance(source, str) else source
    missing = [n for n in tape.variables if n not in values]
    if missing:
        raise missing_error(tape, missing, values)
    ops_count = sum(1 for op in tape.ops if op not in (VAR, CONST))
    if ops_count > MAX_STEPS:
        raise InputError(f"the expression has {ops_count:,} operations; explain writes out "
                         f"graphs of up to {MAX_STEPS}", hint="gradcli eval gives the numbers")
    env = {n: values[n] for n in tape.variables}
    if exact:
        from gradcli.exact import exact_forward

        vals = exact_forward(tape, env)
    else:
        vals = forward(tape, env)
    out = tape.outputs[-1]
    names = node_names(tape)
    if tape.labels[out] is None:  # an unnamed output is f, as in ∂f/∂x
        names[out] = "f" if "f" not in names else names[out]
    ledger = Ledger(tape, names, out, env, vals, [], exact=exact)
    ledger_text = expressions(tape, limit=80, names=names)
    for i, op in enumerate(tape.ops):
        if op not in (VAR, CONST):
            ledger.steps.append(Step(len(ledger.steps) + 1, i, names[i], ledger_text[i], vals[i]))
    _backward(ledger)
    _paths(ledger)
    if exact:  # a double 0 that underflowed from a nonzero quantity says so
        from gradcli.exact import underflow_notes

        grad = {n: ledger.adjoints[i] for n, i in tape.variables.items()}
        ledger.notes += [n.message for n in underflow_notes(tape, env, vals[out], grad,
                                                              "torch")]
    else:  # digits lost to underflow, as eval notes them (gradcli/underflow.py)
        from gradcli.underflow import notes_at

        ledger.notes += notes_at(tape, vals, ledger.adjoints, env, out)
    return ledger


def _backward(ledger: Ledger) -> None:
    tape, vals, exact = ledger.tape, ledger.values, ledger.exact
    need = needs_grad(tape)
    adj: list[Any] = [_zero(exact)] * len(tape)
    adj[ledger.out] = Fraction(1) if exact else 1.0
    into: dict[int, list[Edge]] = {}
    for i in range(ledger.out, -1, -1):
        if tape.ops[i] in (VAR, CONST) or not need[i]:
            continue
        if len(into.get(i, [])) > 1:
            ledger.backward.append(FanIn(i, sorted(into[i], key=lambda e: e.node), adj[i]))
        spec = OPS[tape.ops[i]]
        argv = [vals[j] for j in tape.args[i]]
        note = spec.singular(*[float(v) for v in argv]) if spec.singular is not None else None
        if note is not None:
            ledger.notes.append(f"{describe(tape, i)}: {note}"
                                + (f"; reporting {spec.convention} (PyTorch's convention)"
                                   if spec.kink else ""))
        formulas = local_formulas(tape, i, ledger.names)
        local = _local_values(tape, i, vals, exact)
        for j, f, p in zip(tape.args[i], formulas, local, strict=True):
            if not need[j]:
                continue
            if isinstance(p, float) and not math.isfinite(p):
                raise DomainError(f"the derivative of {describe(tape, i)} is undefined"
                                  + where(args_text(tape, i, vals))
                                  + (f": {note}" if note else ""),
                                  text=tape.text, pos=tape.pos[i])
            edge = Edge(i, j, f, p, adj[i], adj[i] * p)
            adj[j] = adj[j] + edge.product
            into.setdefault(j, []).append(edge)
            ledger.backward.append(edge)
    for i in tape.variables.values():
        if len(into.get(i, [])) > 1:
            ledger.backward.append(FanIn(i, sorted(into[i], key=lambda e: e.node), adj[i]))
    ledger.adjoints = adj


def _paths(ledger: Ledger) -> None:
    """Every output-to-input path with its product, when there are few enough."""
    tape = ledger.tape
    edges = [e for e in ledger.backward if isinstance(e, Edge)]
    if not ledger.steps or not tape.variables or len(ledger.steps) > MAX_PATH_NODES:
        return
    down: dict[int, list[Edge]] = {}
    for e in edges:
        down.setdefault(e.node, []).append(e)
    # count paths first (a DAG can have exponentially many)
    count = [0] * len(tape)
    count[ledger.out] = 1
    for i in range(ledger.out, -1, -1):
        for e in down.get(i, []):
            count[e.arg] += count[i]
    if sum(count[i] for i in tape.variables.values()) > MAX_PATHS:
        return
    one = Fraction(1) if ledger.exact else 1.0
    paths: dict[str, list[Path]] = {n: [] for n in tape.variables}
    var_name = {i: n for n, i in tape.variables.items()}
    stack: list[tuple[int, list[Edge]]] = [(ledger.out, [])]
    while stack:
        node, taken = stack.pop()
        if node in var_name:
            product = one
            for e in taken:
                product = product * e.local
            paths[var_name[node]].append(Path([ledger.out, *[e.arg for e in taken]], taken,
                                              product))
            continue
        for e in reversed(down.get(node, [])):
            stack.append((e.arg, [*taken, e]))
    ledger.paths = paths


def as_factor(formula: str) -> str:
    """A formula as a factor of a product: bracketed when it is a sum or starts with a
    minus (the scalar ledger's paths and the array ledger's rules)."""
    depth = 0
    for k, ch in enumerate(formula):
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0 and ch in "+-" and k > 0:
            return f"({formula})"
    return f"({formula})" if formula.startswith("-") else formula
