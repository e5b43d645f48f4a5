"""How gradcli read what was typed: the canonical text shown as `read as: ...`.

A result carries `read_as`, a list of (label, canonical text); render/write
prints it.  This module decides what the reading is; the grammar (parser.py)
decides how text is read.
"""

from __future__ import annotations

from gradcli.tape import Tape, expressions
from gradcli.typed import as_typed, log_name

MAX_SHOWN = 500  # characters of input; a reading of a longer text is no help to read


def canonical(tape: Tape) -> str | None:
    """The parsed expression as gradcli prints it, when that differs from what was typed
    (ignoring whitespace only); None when it does not, and for programs (named steps)."""
    text = tape.text
    if not text or len(text) > MAX_SHOWN or not tape.outputs:
        return None
    shown = expressions(tape, limit=4 * MAX_SHOWN)
    outs = [shown[o] for o in tape.outputs]
    if list(tape.output_names) != outs:
        return None  # a program: its steps are named as typed
    reading = as_typed(", ".join(outs), log_name(tape))  # ln as typed
    same = "".join(reading.split()) == "".join(text.split())
    return None if same else reading


def read_as(tape: Tape, label: str = "f") -> list[tuple[str, str]]:
    """[(label, canonical text)] when the reading differs from the typing, else []."""
    reading = canonical(tape)
    return [] if reading is None else [(label, reading)]
