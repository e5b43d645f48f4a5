"""What every command shares: the output option bundle, reading EXPR and values."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from gradcli.errors import InputError

F = TypeVar("F", bound=Callable[..., Any])

FORMATS = ("table", "json", "csv", "tsv", "plain")

# Commands that take variable values accept unknown --NAME options as values.
VALUE_SETTINGS: dict[str, Any] = {"ignore_unknown_options": True,
                                  "help_option_names": ["-h", "--help"]}


def expression_input(metavar: str = "EXPR [NAME=VALUE]...") -> Callable[[F], F]:
    """EXPR (or -f FILE) and the values after it: read back by `split_args`."""

    def wrap(f: F) -> F:
        f = click.option("-f", "--file", type=click.Path(allow_dash=True, dir_okay=False),
                         help="Read the expression or program from FILE "
                              "('-': standard input).")(f)
        return click.argument("args", nargs=-1, type=click.UNPROCESSED, metavar=metavar)(f)

    return wrap


def output_options(f: F) -> F:
    """--format, --digits, --quiet, --wrt: the same on every command."""
    f = click.option("--wrt", "wrt", multiple=True, metavar="NAME",
                     help="Only these partials (repeatable).")(f)
    f = click.option("-q", "--quiet", is_flag=True,
                     help="Print only the numbers asked for, one per line.")(f)
    f = click.option("--digits", type=click.IntRange(1, 17), default=None,
                     help="Significant digits in tables and plain output (default 10; "
                          "JSON always has full precision).")(f)
    f = click.option("--format", "fmt", type=click.Choice(FORMATS), default="table",
                     show_default=True, help="Output format.")(f)
    return f


def subgradient_option(f: F) -> F:
    """--subgradient: the number at a kink or tie, the same on every command that sweeps."""
    from gradcli.reverse import CONVENTIONS

    return click.option("--subgradient", type=click.Choice(CONVENTIONS), default="torch",
                        show_default=True, help="The number to report at a kink or tie: "
                        "PyTorch's, a one-sided slope, their mean, or an error (exit 3).")(f)


def read_text(path: str) -> str:
    """A file's text, or standard input for '-'; bad UTF-8 is an input error.

    Read a chunk at a time and checked as it comes, so `-f /dev/zero` or an endless
    stdin stops at the first NUL or at the size limit instead of filling memory.
    """
    from gradcli.limits import MAX_INPUT_BYTES, READ_CHUNK

    where = "standard input" if path == "-" else path
    chunks: list[bytes] = []
    size = 0
    try:
        f = sys.stdin.buffer if path == "-" else open(path, "rb")  # noqa: SIM115
        try:
            while size <= MAX_INPUT_BYTES:
                chunk = f.read(min(READ_CHUNK, MAX_INPUT_BYTES + 1 - size))
                if not chunk:
                    break
                nul = chunk.find(b"\0")
                if nul >= 0:
                    raise InputError(f"{where} contains a NUL byte (byte {size + nul}); "
                                     "an expression is text")
                chunks.append(chunk)
                size += len(chunk)
        finally:
            if f is not sys.stdin.buffer:
                f.close()
    except OSError as e:
        raise InputError(f"cannot read {path}: {e.strerror}") from None
    if size > MAX_INPUT_BYTES:
        raise InputError(f"{where} is longer than {MAX_INPUT_BYTES:,} bytes, the input limit",
                         hint="see 'Budgets' in the README")
    data = b"".join(chunks)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError(f"{where} is not UTF-8 text (byte {e.start})") from None


def split_args(args: tuple[str, ...], file: str | None) -> tuple[str, dict[str, str]]:
    """EXPR (or the file's text) and the NAME=VALUE pairs after it."""
    from gradcli.cli import VALUE_MARK
    from gradcli.pipeline import is_name

    marked = [a[1:] for a in args if a.startswith(VALUE_MARK)]
    rest = [a for a in args if not a.startswith(VALUE_MARK)]
    if file is not None:
        source = read_text(file)
    else:
        if not rest:
            raise InputError("no expression given", hint='try: gradcli eval "x*y" --x 2 --y 3')
        first = rest.pop(0)
        source = read_text("-") if first == "-" else first
    values: dict[str, str] = {}
    for a in [*marked, *rest]:
        name, eq, value = a.partition("=")
        name = name.strip()
        if not eq or not is_name(name):
            raise InputError(f"unexpected argument {a!r}",
                             hint="give values as --x 2, --x=2 or x=2 after the expression")
        if name in values:
            raise InputError(f"{name} is given two values")
        values[name] = value.strip()
    return source, values
