"""The array path of `gradcli eval` and `gradcli jacobian` (issue 15; not a command itself).

The commands call `array_tape` (no NumPy: the parser with array syntax on) and,
when the tape or a value holds an array, `eval_arrays` / `jacobian_arrays_command`,
which import NumPy and end in the one output path (`show`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gradcli.cli import show, warn
from gradcli.errors import InputError
from gradcli.tape import Tape


def read_values(raw: Mapping[str, str]) -> dict[str, Any]:
    """Each value as typed: an array ([1, 2], @file.csv) or a number."""
    from gradcli.arrays.names import is_array_text
    from gradcli.arrays.values import array_value
    from gradcli.grid import is_grid
    from gradcli.pipeline import parse_value

    values: dict[str, Any] = {}
    for name, text in raw.items():
        if is_array_text(text):
            values[name] = array_value(name, text)
        elif is_grid(text):
            raise InputError(f"--{name} {text} is a grid, which does not go with arrays",
                             hint=f"an array value is written in brackets: --{name} "
                                  f"\"[{text}]\"")
        else:
            values[name] = parse_value(name, text)
    return values


def array_tape(source: str, values: Mapping[str, Any]) -> Tape:
    """The tape with array syntax read ([x, 2x], A @ B, sum(x), x[0], A^T)."""
    from gradcli.parser import parse

    return parse(source, known=values, arrays=True)


def refuse_options(**given: Any) -> None:
    """Options the array path does not take yet: exit 2 naming them."""
    for option, value in given.items():
        if value:
            raise InputError(f"--{option} does not work with arrays yet",
                             hint="drop it, or give numbers instead of arrays")


def eval_arrays(source: str | Tape, values: Mapping[str, Any], *, check: bool,
                convention: str, fmt: str, digits: int | None, quiet: bool,
                wrt: tuple[str, ...]) -> int:
    """`gradcli eval` with arrays: values, gradients shaped like the inputs, the check."""
    from gradcli.arrays.values import need_numpy

    need_numpy()
    from gradcli.arrays.pipeline import evaluate_arrays
    from gradcli.render.arrays import array_result

    ev = evaluate_arrays(_tape(source, values), values, check=check, convention=convention)
    return _show(ev, array_result(ev), fmt, digits, quiet, wrt)


def jacobian_arrays_command(source: str | Tape, values: Mapping[str, Any], *, check: bool,
                            convention: str, fmt: str, digits: int | None, quiet: bool,
                            wrt: tuple[str, ...]) -> int:
    """`gradcli jacobian` with arrays: each output's Jacobian, shaped output + input."""
    from gradcli.arrays.values import need_numpy

    need_numpy()
    from gradcli.arrays.pipeline import jacobian_arrays
    from gradcli.render.arrays_jacobian import jacobian_result

    ev = jacobian_arrays(_tape(source, values), values, check=check, convention=convention)
    return _show(ev, jacobian_result(ev), fmt, digits, quiet, wrt)


def _tape(source: str | Tape, values: Mapping[str, Any]) -> Tape:
    return array_tape(source, values) if isinstance(source, str) else source


def _show(computed: Any, result: Any, fmt: str, digits: int | None, quiet: bool,
          wrt: tuple[str, ...]) -> int:
    """Warn what the computation found to warn about, then the one output path."""
    for w in computed.warnings:
        warn(w)
    return show(result, fmt, digits, quiet, wrt)


def explain_arrays(source: str | Tape, values: Mapping[str, Any], *, exact: bool, fmt: str,
                   digits: int | None, quiet: bool, wrt: tuple[str, ...]) -> int:
    """`gradcli explain` with arrays: the backward ledger in matrix form."""
    from gradcli.arrays.values import need_numpy

    need_numpy()
    refuse_options(exact=exact)
    from gradcli.arrays.ledger import array_ledger
    from gradcli.reading import read_as
    from gradcli.render import Result

    tape = _tape(source, values)
    ledger = array_ledger(tape, values)
    return _show(ledger, Result("arrays_explain", ledger, list(ledger.env), read_as(tape),
                                list(ledger.notes)), fmt, digits, quiet, wrt)


def graph_arrays(tape: Tape, values: Mapping[str, Any] | None, max_rows: int) -> Any:
    """`gradcli graph` with arrays: the Result to draw (shapes on every node and edge)."""
    from gradcli.arrays.values import need_numpy

    need_numpy()
    from gradcli.reading import read_as
    from gradcli.render import Result
    from gradcli.render.arrays_graph import array_picture

    pic = array_picture(tape, values)
    notes = [] if pic.ledger is None else list(pic.ledger.notes)
    for w in [] if pic.ledger is None else pic.ledger.warnings:
        warn(w)
    return Result("arrays_graph", pic, read_as=read_as(tape), notes=notes,
                  extra={"max_rows": max_rows})
