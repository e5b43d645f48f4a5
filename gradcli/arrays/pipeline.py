"""Arrays end to end: bind the values, sweep forward and back, check.  The array
counterpart of gradcli/pipeline.py's `evaluate`; see gradcli/arrays/__init__.py for how
a result is represented.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gradcli.arrays.engine import forward, reverse, shape_of
from gradcli.arrays.underflow import review as underflow_review
from gradcli.errors import InputError
from gradcli.fdcheck import Check
from gradcli.tape import CONST, Tape, expressions, node_names, reaches

MAX_JACOBIAN = 10_000  # output elements × nodes per jacobian: one reverse sweep per element


@dataclass
class ArrayEvaluation:
    """One point with arrays: every node's value and, per output, every node's adjoint.

    `values[i]` is node i's ndarray (shape () for a scalar); `adjoints[k][i]` is
    ∂output_k/∂node_i, an ndarray of node i's shape, or None where no gradient flows.
    `jacobians[k][name]`, for the jacobian command, has the shape
    output_k.shape + input.shape.
    """

    tape: Tape
    env: dict[str, Any]  # name -> ndarray, in order of first use
    values: list[Any]
    adjoints: list[list[Any]]  # one list per output (empty lists for jacobian)
    notes: list[str] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    jacobians: list[dict[str, Any]] = field(default_factory=list)

    @property
    def value(self) -> Any:
        return self.values[self.tape.outputs[-1]]

    @property
    def gradient(self) -> dict[str, Any]:
        """∂output/∂input for the last output, each shaped like its input."""
        return self.gradient_of(len(self.tape.outputs) - 1)

    def gradient_of(self, k: int) -> dict[str, Any]:
        adj = self.adjoints[k]
        return {name: (adj[i] if adj[i] is not None else np.zeros_like(self.values[i]))
                for name, i in self.tape.variables.items()}

    def names(self) -> list[str]:
        return node_names(self.tape)

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    @property
    def nodes(self) -> list[dict[str, Any]]:
        """One row per node: name, op, expression, inputs, shape, value, grad (ndarrays)."""
        tape = self.tape
        names = self.names()
        exprs = expressions(tape, limit=200)
        adj = self.adjoints[-1] if self.adjoints else [None] * len(tape)
        live = reaches(tape, tape.outputs)
        return [{"name": names[i], "op": op, "expression": exprs[i],
                 "inputs": [names[a] for a in tape.args[i]], "shape": list(self.values[i].shape),
                 "value": self.values[i],
                 "grad": None if op == CONST or adj[i] is None else adj[i],
                 "reaches_output": live[i]}
                for i, op in enumerate(tape.ops)]


def bind_arrays(tape: Tape, values: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Each variable's value as a float64 ndarray, and warnings for unused values."""
    from gradcli.pipeline import missing_error, point_value, unused_values

    missing = [n for n in tape.variables if n not in values]
    if missing:
        raise missing_error(tape, missing, values)
    env: dict[str, Any] = {}
    for n in tape.variables:
        v = values[n]
        if hasattr(v, "shape"):
            a = np.asarray(v, dtype=float)
            if a.size == 0:
                raise InputError(f"the value of {n} is an empty array")
            if not np.all(np.isfinite(a)):
                raise InputError(f"the value of {n} has an element that is not finite")
            env[n] = a
        else:
            env[n] = np.asarray(point_value(n, v), dtype=float)
    return env, unused_values(tape, values)


def evaluate_arrays(tape: Tape, values: Mapping[str, Any], *, check: bool = True,
                    convention: str = "torch") -> ArrayEvaluation:
    """Values, gradients (each output a scalar) and their check, for `gradcli eval`."""
    from gradcli.pipeline import unused_warnings

    env, warnings = bind_arrays(tape, values)
    vals = forward(tape, env)
    for k, out in enumerate(tape.outputs):
        if vals[out].shape != ():
            name = tape.output_names[k] if k < len(tape.output_names) else "the output"
            raise InputError(f"the output {name} has shape {shape_of(vals[out])}; a gradient "
                             "needs a number (a scalar) as the output",
                             hint="reduce it (sum(...), mean(...), norm(...)), index it, or "
                                  "use gradcli jacobian for an array output")
    adjoints = []
    notes: list[str] = []
    at_kink = []
    for out in tape.outputs:
        adj, out_notes = reverse(tape, vals, out, convention=convention)
        adjoints.append(adj)
        notes.extend(n.message for n in out_notes if n.message not in notes)
        at_kink.append(bool(out_notes))
    result = ArrayEvaluation(tape, env, vals, adjoints, notes, [],
                             [*warnings, *unused_warnings(tape)])
    if check:
        from gradcli.arrays.check import check_arrays

        for k, out in enumerate(tape.outputs):
            result.checks.append(check_arrays(tape, env, out, result.gradient_of(k),
                                              at_kink[k]))
    result.notes.extend(underflow_review(tape, vals, result.checks))
    return result


def jacobian_arrays(tape: Tape, values: Mapping[str, Any], *, check: bool = True,
                    convention: str = "torch") -> ArrayEvaluation:
    """Every output's Jacobian with respect to every input, for `gradcli jacobian`.

    `jacobians[k][name]` has the shape output_k.shape + input.shape, one reverse sweep
    per output element.  The check compares uᵀJ, for a random u, with finite
    differences of the number ∑ u·f (gradcli/arrays/check.py).
    """
    from gradcli.pipeline import unused_warnings

    env, warnings = bind_arrays(tape, values)
    vals = forward(tape, env)
    size = sum(vals[out].size for out in tape.outputs)
    if size * len(tape) > MAX_JACOBIAN * 100 or size > MAX_JACOBIAN:
        raise InputError(f"the outputs have {size:,} elements: a Jacobian here takes one "
                         f"reverse sweep each, and the limit is {MAX_JACOBIAN:,} elements "
                         f"over a graph of 100 nodes", hint="index or reduce the output")
    notes: list[str] = []
    jacobians: list[dict[str, Any]] = []
    at_kink = []
    for out in tape.outputs:
        shape = vals[out].shape
        jac = {name: np.zeros(shape + vals[i].shape) for name, i in tape.variables.items()}
        kink = False
        for index in np.ndindex(shape):
            seed = np.zeros(shape)
            seed[index] = 1.0
            adj, out_notes = reverse(tape, vals, out, seed=seed, convention=convention)
            kink = kink or bool(out_notes)
            notes.extend(n.message for n in out_notes if n.message not in notes)
            for name, i in tape.variables.items():
                if adj[i] is not None:
                    jac[name][index] = adj[i]
        jacobians.append(jac)
        at_kink.append(kink)
    result = ArrayEvaluation(tape, env, vals, [], notes, [], [*warnings, *unused_warnings(tape)],
                             jacobians)
    if check:
        from gradcli.arrays.check import check_arrays

        rng = np.random.default_rng(15)
        for k, out in enumerate(tape.outputs):
            u = rng.standard_normal(vals[out].shape)
            shape = vals[out].shape
            vjp = {name: np.tensordot(u, j, axes=len(shape)) for name, j in jacobians[k].items()}
            result.checks.append(check_arrays(tape, env, out, vjp, at_kink[k], cotangent=u))
    result.notes.extend(underflow_review(tape, vals, result.checks))
    return result
