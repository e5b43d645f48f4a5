"""The chain rule over arrays, written out: `explain` and `graph` for array graphs.

An array graph's backward pass is a vector-Jacobian product per edge, not a number
times a number.  `array_ledger` keeps what a student writes down for each one: the
rule (`∂L/∂W = g · xᵀ`, g the node's upstream adjoint), the factors it multiplies
(g, x: values and shapes) and the product (the edge's contribution, shaped like the
argument).  The rule is a template over named factors, so a view can write it three
ways: in names, with the numbers, and in shapes (`(2,) · (2,)ᵀ → (2, 2)`).

The numbers are the array path's own: the forward values and adjoints come from
gradcli/arrays/pipeline.py (`evaluate_arrays`), and each edge's product is its op's
vector-Jacobian product from gradcli/arrays/table.py (unbroadcast as the engine does),
so the ledger's sums are the gradient `eval` prints.  The rule texts live here, one
per op: they describe the table's rules, they do not compute them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gradcli.arrays.engine import needs_grad, op_of
from gradcli.arrays.names import INDEX
from gradcli.arrays.table import shape_text, unbroadcast
from gradcli.errors import InputError
from gradcli.explain import as_factor, local_formulas
from gradcli.tape import CONST, VAR, Tape, expressions, node_names

MAX_STEPS = 500  # operations, as the scalar ledger (gradcli/explain.py)

Array = Any


@dataclass
class Factor:
    """A named factor of a rule: `x` with its value, or literal text (`ones(3,)`)."""

    name: str
    value: Array | None = None  # None: the name is the whole story (a literal)


@dataclass
class ArrayStep:
    number: int
    node: int
    name: str
    expression: str  # over earlier steps' names: t2 = t1 + b
    value: Array


@dataclass
class Upstream:
    """A node reached by the sweep: its adjoint g = ∂L/∂node is complete here."""

    node: int
    grad: Array


@dataclass
class ArrayEdge:
    """One vector-Jacobian product: the contribution of `node` to ∂L/∂`arg`."""

    node: int
    arg: int
    template: str  # the rule over factor keys: "{g} · {b}ᵀ"
    factors: dict[str, Factor]
    product: Array  # shaped like the argument
    summed: bool = False  # broadcasting undone: summed over the stretched axes

    def text(self, show: Callable[[Factor], str]) -> str:
        """The rule with each factor written by `show` (its name, number or shape)."""
        return self.template.format(**{k: show(f) for k, f in self.factors.items()})


@dataclass
class ArrayFanIn:
    node: int  # used by several nodes: its contributions add up
    edges: list[ArrayEdge]
    total: Array


@dataclass
class ArrayLedger:
    tape: Tape
    names: list[str]
    out: int
    env: dict[str, Array]
    values: list[Array]
    adjoints: list[Array | None]
    steps: list[ArrayStep] = field(default_factory=list)
    backward: list[Upstream | ArrayEdge | ArrayFanIn] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def gradient(self) -> dict[str, Array]:
        return {n: (self.adjoints[i] if self.adjoints[i] is not None
                    else np.zeros_like(self.values[i]))
                for n, i in self.tape.variables.items()}

    @property
    def edges(self) -> list[ArrayEdge]:
        return [e for e in self.backward if isinstance(e, ArrayEdge)]


def shape_of(a: Array) -> str:
    return shape_text(tuple(np.shape(a)))


def output_names(tape: Tape) -> list[str]:
    """Node names, an unnamed output called f (as gradcli/explain.py does)."""
    names = node_names(tape)
    out = tape.outputs[-1]
    if tape.labels[out] is None and "f" not in names:
        names[out] = "f"
    return names


def array_ledger(tape: Tape, values: Mapping[str, Any], convention: str = "torch") -> \
        ArrayLedger:
    """The array ledger of `tape` at `values` (arrays or numbers; the output a number)."""
    from gradcli.arrays.pipeline import evaluate_arrays

    ops_count = sum(1 for op in tape.ops if op not in (VAR, CONST))
    if ops_count > MAX_STEPS:
        raise InputError(f"the expression has {ops_count:,} operations; explain writes out "
                         f"graphs of up to {MAX_STEPS}", hint="gradcli eval gives the numbers")
    ev = evaluate_arrays(tape, values, check=False, convention=convention)
    names = output_names(tape)
    out = tape.outputs[-1]
    ledger = ArrayLedger(tape, names, out, dict(ev.env), ev.values, ev.adjoints[-1],
                         notes=list(ev.notes), warnings=list(ev.warnings))
    text = expressions(tape, limit=80, names=names)
    for i, op in enumerate(tape.ops):
        if op not in (VAR, CONST):
            ledger.steps.append(ArrayStep(len(ledger.steps) + 1, i, names[i], text[i],
                                          ev.values[i]))
    _backward(ledger)
    return ledger


def _backward(ledger: ArrayLedger) -> None:
    """Each node from the output back, its upstream g, then one edge per argument."""
    tape, adj = ledger.tape, ledger.adjoints
    need = needs_grad(tape)
    into: dict[int, list[ArrayEdge]] = {}
    with np.errstate(all="ignore"):
        for i in range(ledger.out, -1, -1):
            g = adj[i]
            if g is None or tape.ops[i] in (VAR, CONST) or not need[i]:
                continue
            if len(into.get(i, [])) > 1:
                ledger.backward.append(ArrayFanIn(i, sorted(into[i], key=lambda e: e.node), g))
            ledger.backward.append(Upstream(i, g))
            for edge in node_edges(ledger, i, need):
                into.setdefault(edge.arg, []).append(edge)
                ledger.backward.append(edge)
    for i in tape.variables.values():
        total = adj[i]
        if len(into.get(i, [])) > 1 and total is not None:
            ledger.backward.append(ArrayFanIn(i, sorted(into[i], key=lambda e: e.node),
                                               total))


def node_edges(ledger: ArrayLedger, i: int, need: list[bool]) -> list[ArrayEdge]:
    """The vector-Jacobian products of node i into each argument that needs one."""
    tape, vals = ledger.tape, ledger.values
    g = ledger.adjoints[i]
    op = tape.ops[i]
    spec = op_of(op)
    args = tape.args[i]
    argv = [vals[j] for j in args]
    want = tuple(need[j] for j in args)
    if spec.wants_need:
        grads = spec.vjp(g, vals[i], *argv, need=want)
    else:
        grads = spec.vjp(g, vals[i], *argv)
    rules = _elementwise_rules(ledger, i, want) if spec.elementwise else \
        _array_rules(ledger, i)
    edges = []
    for k, (j, gj) in enumerate(zip(args, grads, strict=True)):
        if not need[j] or gj is None:
            continue
        gj = np.asarray(gj, dtype=float)
        summed = False
        if spec.elementwise and gj.shape != vals[j].shape:
            gj = unbroadcast(gj, vals[j].shape)
            summed = True
        template, factors = rules[k]
        edges.append(ArrayEdge(i, j, template, factors, gj, summed))
    return edges


# ---------------------------------------------------------------- the rules, as text

Rule = tuple[str, dict[str, Factor]]


def _elementwise_rules(ledger: ArrayLedger, i: int, want: tuple[bool, ...]) -> list[Rule]:
    """`g ⊙ 2*t3`: the upstream times the scalar table's local partial, elementwise.

    The partial's formula is the scalar explain's (gradcli/explain.py, from ops.py's
    rule); its value at every element is the op's vjp of a g of ones.
    """

    tape, vals, names = ledger.tape, ledger.values, ledger.names
    spec = op_of(tape.ops[i])
    argv = [vals[j] for j in tape.args[i]]
    ones = np.ones_like(vals[i])
    if spec.wants_need:
        locals_ = spec.vjp(ones, vals[i], *argv, need=want)
    else:
        locals_ = spec.vjp(ones, vals[i], *argv)
    formulas = local_formulas(tape, i, names)
    g = Factor("g", ledger.adjoints[i])
    rules: list[Rule] = []
    for formula, local in zip(formulas, locals_, strict=True):
        if formula == "1":
            rules.append(("{g}", {"g": g}))
        elif formula == "-1":
            rules.append(("-{g}", {"g": g}))
        elif _is_number(formula):
            rules.append((f"{formula}·{{g}}", {"g": g}))
        else:
            p = Factor(as_factor(formula),
                       None if local is None else np.asarray(local, dtype=float))
            rules.append(("{g} ⊙ {p}", {"g": g, "p": p}))
    return rules


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _array_rules(ledger: ArrayLedger, i: int) -> list[Rule]:
    """The rule of an array op (matmul, sum, softmax, ...) for each of its arguments."""
    tape, vals, names = ledger.tape, ledger.values, ledger.names
    op = tape.ops[i]
    args = tape.args[i]
    g = Factor("g", ledger.adjoints[i])
    o = Factor(names[i], vals[i])
    a = [Factor(names[j], vals[j]) for j in args]
    x = vals[args[0]]
    with np.errstate(all="ignore"):
        if op == "matmul":
            A, B = a
            if x.ndim == 1 and vals[args[1]].ndim == 1:  # a dot product: g is a number
                return [("{g}·{b}", {"g": g, "b": B}), ("{g}·{a}", {"g": g, "a": A})]
            if x.ndim == 1:  # (n,) @ (n, p)
                return [("{b} · {g}", {"g": g, "b": B}), ("{a} · {g}ᵀ", {"g": g, "a": A})]
            return [("{g} · {b}ᵀ", {"g": g, "b": B}), ("{a}ᵀ · {g}", {"g": g, "a": A})]
        if op.startswith(INDEX + "["):
            where = op[len(INDEX):]
            return [(f"{{g}} placed at {where} in zeros{shape_of(x)}", {"g": g})]
        if op == "stack":
            return [(f"{{g}}[{k}]", {"g": g}) for k in range(len(args))]
        if op in ("dot", "outer"):
            X, Y = a
            if op == "dot":
                return [("{g}·{b}", {"g": g, "b": Y}), ("{g}·{a}", {"g": g, "a": X})]
            return [("{g} · {b}", {"g": g, "b": Y}), ("{g}ᵀ · {a}", {"g": g, "a": X})]
        if op == "solve":
            A, B = a
            gb = np.linalg.solve(x.T, np.asarray(ledger.adjoints[i]))
            p = Factor(f"solve({names[args[0]]}ᵀ, g)", gb)
            return [("-{p} · {o}ᵀ", {"p": p, "o": o}),
                    ("solve({a}ᵀ, {g})", {"a": A, "g": g})]
        (X,) = a
        ones = Factor(f"ones{shape_of(x)}")
        rowsum = "sum" if x.ndim == 1 else "rowsum"  # softmax: along the last axis
        rule: Rule
        if op == "sum":
            rule = ("{g} · {ones}", {"g": g, "ones": ones})
        elif op == "mean":
            rule = (f"{{g}}/{x.size} · {{ones}}", {"g": g, "ones": ones})
        elif op == "prod":
            rule = ("{g} · {p}", {"g": g, "p": Factor(f"prod({X.name})/{X.name}",
                                                      op_of(op).vjp(np.ones(()), vals[i], x)[0])})
        elif op in ("amax", "amin"):
            which = "max" if op == "amax" else "min"
            hits = op_of(op).vjp(np.ones(()), vals[i], x)[0]
            rule = ("{g} · {p}", {"g": g, "p": Factor(f"[{X.name} = {which}({X.name})]/ties",
                                                      hits)})
        elif op == "norm":
            rule = ("{g} · {a}/{o}", {"g": g, "a": X, "o": o})
        elif op == "norm1":
            rule = ("{g} · {p}", {"g": g, "p": Factor(f"sign({X.name})", np.sign(x))})
        elif op == "transpose":
            rule = ("{g}ᵀ", {"g": g})
        elif op == "trace":
            rule = ("{g} · {p}", {"g": g, "p": Factor(f"I{shape_of(x)}", np.eye(*x.shape))})
        elif op == "softmax":
            rule = (f"{{o}} ⊙ ({{g}} - {rowsum}({{g}} ⊙ {{o}}))", {"g": g, "o": o})
        elif op == "log_softmax":
            rule = (f"{{g}} - {{p}} ⊙ {rowsum}({{g}})",
                    {"g": g, "p": Factor(f"softmax({X.name})", np.exp(vals[i]))})
        elif op == "logsumexp":
            rule = ("{g} · {p}", {"g": g, "p": Factor(f"softmax({X.name})",
                                                      np.exp(x - vals[i]))})
        elif op == "det":  # the cofactor matrix: det(A)·inv(A)ᵀ where A is invertible
            rule = ("{g} · {p}", {"g": g, "p": Factor(f"cof({X.name})", op_of(op).vjp(
                np.ones(()), vals[i], x)[0])})
        elif op == "logdet":
            rule = ("{g} · {p}", {"g": g, "p": Factor(f"inv({X.name})ᵀ", _inv_t(x))})
        elif op == "inv":
            rule = ("-{o}ᵀ · {g} · {o}ᵀ", {"g": g, "o": o})
        else:  # an op without a written rule still has its numbers
            rule = (f"vjp of {op}({{g}})", {"g": g})
        return [rule]


def _inv_t(a: Array) -> Array | None:
    try:
        return np.linalg.inv(a).T
    except np.linalg.LinAlgError:
        return None
