"""What the two grammars' parsers share: where the grammar files are, and the dispatcher
Lark calls, which hands each rule to the current parse's builder with its span of text.

gradcli/parser.py (grammar/expr.lark, gradcli/builder.py's rules) and gradcli/texinput.py
(grammar/latex.lark, LaTeX's rules on top of those) both use them.
"""

from __future__ import annotations

import os
from typing import Any


def grammar_path() -> str:
    """The grammar file: inside the installed package, else the checkout's."""
    # os.path rather than pathlib: this runs on every start-up, and pathlib costs ms
    here = os.path.dirname(os.path.realpath(__file__))
    for candidate in (os.path.join(here, "grammar", "expr.lark"),
                      os.path.join(os.path.dirname(here), "grammar", "expr.lark")):
        if os.path.isfile(candidate):
            return candidate
    raise FileNotFoundError("grammar/expr.lark is missing from this installation")


class Dispatch:
    """The transformer Lark holds; forwards each rule to the current parse's builder.

    Lark binds callbacks once when the parser is built, and building it is the
    slow part, so one parser serves every parse and only the target changes.
    Each value travels with the span of text it came from (`At`): the builder
    reads a run of factors by its spacing (`sin 2x` against `sin 2 x`), and a
    shared node (`x` twice) has no one position of its own.
    """

    target: Any = None
    builder: type = object  # whose methods are the rules (set below, once Builder exists)
    spans_attr = "spans"  # where the builder reads the current rule's children's spans

    def __getattr__(self, rule: str) -> Any:
        # only rules: Lark also asks for terminal callbacks (NAME, ...), which we lack
        if rule.startswith("_") or rule.isupper() or not hasattr(self.builder, rule):
            raise AttributeError(rule)

        def callback(children: list[Any]) -> At:
            target = self.target
            values: list[Any] = []
            spans: list[tuple[int, int] | None] = []
            for c in children:
                if type(c) is At:
                    values.append(c.value)
                    spans.append((c.start, c.end))
                elif c is None:
                    values.append(None)
                    spans.append(None)
                else:  # a token
                    values.append(c)
                    spans.append((c.start_pos, c.end_pos))
            setattr(target, self.spans_attr, spans)
            value = getattr(target, rule)(values)
            real = [sp for sp in spans if sp is not None]
            return At(value, real[0][0], real[-1][1]) if real else At(value, 0, 0)

        return callback


class At:  # a value and the span of text it was read from
    __slots__ = ("value", "start", "end")

    def __init__(self, value: Any, start: int, end: int) -> None:
        self.value = value
        self.start = start
        self.end = end
