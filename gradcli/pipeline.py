"""Text and values → an evaluation: parse, forward, reverse, finite-difference check.

The one place the stages are composed; the CLI and the Python API both call it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from gradcli.errors import GradcliError, InputError
from gradcli.fdcheck import Check, fd_check
from gradcli.forward import forward
from gradcli.parser import parse
from gradcli.reverse import Note, reverse, value_notes
from gradcli.tape import CONST, Tape, expressions, needs_grad, node_names


@dataclass
class Evaluation:
    """Everything one point gives: node values, adjoints per output, notes, checks."""

    tape: Tape
    env: dict[str, float]  # the variables the expression uses, in order of first use
    values: list[Any]
    adjoints: list[list[Any]]  # one list of node adjoints per output
    notes: list[Note] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)  # one per output, when checked
    warnings: list[str] = field(default_factory=list)

    @property
    def value(self) -> Any:
        """The (last) output's value."""
        return self.values[self.tape.outputs[-1]]

    @property
    def gradient(self) -> dict[str, Any]:
        """∂output/∂variable for the (last) output."""
        return self.gradient_of(len(self.tape.outputs) - 1)

    def gradient_of(self, k: int) -> dict[str, Any]:
        adj = self.adjoints[k]
        return {name: adj[i] for name, i in self.tape.variables.items()}

    @property
    def check(self) -> Check | None:
        return self.checks[-1] if self.checks else None

    def names(self) -> list[str]:
        return node_names(self.tape)

    @property
    def nodes(self) -> list[dict[str, Any]]:
        """One row per node in forward order: name, op, expression, inputs, value, grad."""
        tape = self.tape
        names = self.names()
        exprs = expressions(tape, limit=200)
        adj = self.adjoints[-1]
        return [{"name": names[i], "op": op, "expression": exprs[i],
                 "inputs": [names[a] for a in tape.args[i]], "value": self.values[i],
                 "grad": None if op == CONST else adj[i]}
                for i, op in enumerate(tape.ops)]


_NUMBER_CHARS = frozenset("0123456789.eE+-")


def parse_value(name: str, text: str) -> float:
    """A variable's value: a number or a constant expression like pi/4 or sqrt(2)."""
    if text and _NUMBER_CHARS.issuperset(text):  # a plain number: no parser needed
        try:
            v = float(text)
        except ValueError:
            pass  # "1-2", "e": an expression after all
        else:
            if math.isfinite(v) and (v != 0 or not any(c in "123456789" for c in
                                                       text.lower().split("e")[0])):
                return v
    try:
        tape = parse(text)
    except GradcliError as e:
        raise InputError(f"the value of {name}, {text!r}, is not a number: {e.message}") from None
    if tape.variables:
        raise InputError(f"the value of {name}, {text!r}, uses {', '.join(tape.variables)}; "
                         "a value may only use numbers, pi and e")
    if len(tape.outputs) != 1:
        raise InputError(f"the value of {name}, {text!r}, is several numbers")
    try:
        return float(forward(tape, {})[tape.outputs[0]])
    except GradcliError as e:
        raise InputError(f"the value of {name}: {e.message}") from None


def bind(tape: Tape, values: Mapping[str, float]) -> tuple[dict[str, float], list[str]]:
    """The point for `tape`'s variables, and warnings; all missing names in one error."""
    missing = [n for n in tape.variables if n not in values]
    if missing:
        raise missing_error(tape, missing, values)
    warnings = unused_values(tape, values)
    return {n: float(values[n]) for n in tape.variables}, warnings


def unused_values(tape: Tape, names: Iterable[str], what: str = "value") -> list[str]:
    """A warning for each given name the expression does not use as a variable."""
    from gradcli.ops import CONSTANTS

    out = []
    for n in names:
        if n in tape.variables:
            continue
        if n in CONSTANTS:
            out.append(f"{n} is the constant {CONSTANTS[n]!r} here, so its {what} is ignored; "
                       f"to make it a variable, rename it or assign it in a program ({n} = ...)")
        else:
            out.append(f"{n} is not in the expression; its {what} is ignored")
    return out


def missing_error(tape: Tape, missing: list[str], values: Mapping[str, float]) -> InputError:
    """'no value for y, z' with the fix, and what juxtaposition did, when it matters."""
    flags = " ".join(f"--{n} VALUE" for n in missing)
    plural = "s" if len(missing) > 1 else ""
    hints = [tape.hints[n] for n in missing if n in tape.hints]
    given = set(values) | set(tape.variables) - set(missing)
    for n in missing:
        split = _split_name(n, given)
        if split:
            hints.append(f"{n} is one name; for a product write {'*'.join(split)}")
    hint = "; ".join(hints) if hints else f"give {'them' if plural else 'it'}: {flags}"
    return InputError(f"no value for the variable{plural} {', '.join(missing)}", hint=hint)


def _split_name(name: str, known: set[str]) -> list[str] | None:
    """Split `xy` into known names ['x', 'y'] if it can be (word break, no recursion)."""
    if not 2 <= len(name) <= 64 or not known:
        return None
    longest = max(map(len, known))
    # best[i]: the parts of name[:i], or None when name[:i] does not split
    best: list[list[str] | None] = [None] * (len(name) + 1)
    best[0] = []
    for end in range(1, len(name) + 1):
        for start in range(max(0, end - longest), end):
            head = best[start]
            if head is not None and name[start:end] in known:
                best[end] = [*head, name[start:end]]
                break
    parts = best[-1]
    return parts if parts is not None and len(parts) > 1 else None


def _output_at(tape: Tape, out: int) -> Callable[[Mapping[str, float]], float]:
    """The function point -> value of node `out`, for the finite-difference check."""
    return lambda point: float(forward(tape, point)[out])


def evaluate(source: str | Tape, values: Mapping[str, float], *, check: bool = True,
             strict_names: bool = False, convention: str = "torch") -> Evaluation:
    """Parse (unless given a tape), bind values, sweep forward and back, and check."""
    tape = parse(source) if isinstance(source, str) else source
    env, warnings = bind(tape, values)
    if strict_names and warnings:
        raise InputError(warnings[0])
    vals = forward(tape, env)
    need = needs_grad(tape)
    adjoints: list[list[Any]] = []
    notes: list[Note] = value_notes(tape, vals)
    for out in tape.outputs:
        adj, out_notes = reverse(tape, vals, out, need, convention=convention)
        adjoints.append(adj)
        notes.extend(n for n in out_notes if n not in notes)
    result = Evaluation(tape, env, vals, adjoints, notes, [], warnings)
    if check:
        for k, out in enumerate(tape.outputs):
            result.checks.append(fd_check(_output_at(tape, out), env, result.gradient_of(k),
                                          at_kink=bool(notes)))
    return result
