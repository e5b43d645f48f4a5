"""One exception hierarchy and the exit statuses it maps to (gradcli/cli.py applies them)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import IntEnum

LONG_WORD = 80  # characters of one quoted run (a literal, a name) shown whole in a message
LONG_LINE = 600  # characters of a whole message or hint
_WORD = rf"\S{{{LONG_WORD + 1},}}"  # compiled on the first error, not at every start-up


def shorten(text: str) -> str:
    """`text` with its long runs cut in the middle (a 5000-digit literal echoed back is
    no help and floods the terminal), so an error stays one line of sane length."""
    text = re.sub(_WORD, lambda m: _cut(m.group(), 40, 20), text)
    return _cut(text, LONG_LINE // 2, LONG_LINE // 4) if len(text) > LONG_LINE else text


def _cut(run: str, head: int, tail: int) -> str:
    return f"{run[:head]}…[{len(run) - head - tail:,} characters]…{run[-tail:]}"


class ExitStatus(IntEnum):
    """What a command's exit status means (as httpie's ExitStatus); the README lists them."""

    OK = 0
    CHECK_FAILED = 1  # a finite-difference check or `gradcli check` said no
    BAD_INPUT = 2  # bad input or usage
    DOMAIN = 3  # a math domain error at the point
    INTERNAL = 70  # a bug in gradcli; never expected
    INTERRUPTED = 130  # Ctrl-C (128 + SIGINT, as shells report it)

    @classmethod
    def of(cls, ok: bool) -> ExitStatus:
        """OK when every check passed, else CHECK_FAILED."""
        return cls.OK if ok else cls.CHECK_FAILED


class GradcliError(Exception):
    """Anything gradcli reports to the user as one line.  Exit status 2."""

    exit_code: ExitStatus = ExitStatus.BAD_INPUT

    def __init__(self, message: str, *, hint: str = "", text: str = "",
                 pos: int | None = None) -> None:
        message, hint = shorten(message), shorten(hint)
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.text = text  # the source the position points into
        self.pos = pos  # 0-based character offset, when there is one

    def location(self) -> str:
        """'line 2, column 5' (or 'column 5' for one-line text), or ''."""
        if self.pos is None:
            return ""
        line = self.text.count("\n", 0, self.pos) + 1
        col = self.pos - (self.text.rfind("\n", 0, self.pos) + 1) + 1
        return f"line {line}, column {col}" if "\n" in self.text else f"column {col}"


class InputError(GradcliError):
    """Bad input or usage: syntax, unknown names, missing values.  Exit 2."""


class ParseError(InputError):
    """The text does not follow the grammar."""


def check_wrt(wrt: Iterable[str], variables: Iterable[str]) -> None:
    """Every name in --wrt must be a variable of the expression (the one place that says so)."""
    known = list(variables)
    for w in wrt:
        if w not in known:
            raise InputError(f"--wrt {w}: {w} is not a variable of the expression",
                             hint="variables: " + (", ".join(known) or "none"))


class DomainError(GradcliError):
    """A value or derivative is undefined at the requested point.  Exit 3."""

    exit_code = ExitStatus.DOMAIN
