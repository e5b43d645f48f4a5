"""One exception hierarchy; only gradcli/cli.py maps it to exit codes."""

from __future__ import annotations


class GradcliError(Exception):
    """Anything gradcli reports to the user as one line.  Exit status 2."""

    exit_code = 2

    def __init__(self, message: str, *, hint: str = "", text: str = "",
                 pos: int | None = None) -> None:
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


class DomainError(GradcliError):
    """A value or derivative is undefined at the requested point.  Exit 3."""

    exit_code = 3
