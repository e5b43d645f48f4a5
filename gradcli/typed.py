"""Formulas written with the user's own spellings: `ln` when they wrote `ln`.

The grammar reads `ln` and `log` as one operation (ops.py's `log`, alias `ln`), so
the tape does not keep the word; each log node's position in the source does.
"""

from __future__ import annotations

import re

from gradcli.tape import Tape

_PATTERNS: dict[str, re.Pattern[str]] = {}  # compiled on first use (start-up time)


def _pattern(text: str) -> re.Pattern[str]:
    found = _PATTERNS.get(text)
    if found is None:
        found = _PATTERNS[text] = re.compile(text)
    return found


def log_name(tape: Tape) -> str:
    """`ln` when every log of the source was typed `ln` (or `\\ln`), else `log`."""
    typed = set()
    for i, op in enumerate(tape.ops):
        if op != "log":
            continue
        word = tape.text[tape.pos[i]:tape.pos[i] + 4].lstrip("\\")
        if word.startswith("ln"):
            typed.add("ln")
        elif word.startswith("log"):
            typed.add("log")
    # ln(x) + log(x) is one node: the word log elsewhere (not log2, log10, log_b, log₂)
    if typed == {"ln"} and _pattern(r"log(?![0-9_₀-₉{])").search(tape.text):
        typed.add("log")
    return "ln" if typed == {"ln"} else "log"


def as_typed(formula: str, name: str) -> str:
    """`formula` (gradcli syntax) with its natural logs written `name(…)`."""
    if name == "log":
        return formula
    return _pattern(r"(?<![A-Za-z0-9_])log\(").sub(name + "(", formula)
