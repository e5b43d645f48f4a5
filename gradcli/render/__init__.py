"""Results → text: the one output path every command ends in.

A command builds a `Result` (the core's answer as plain data, which view prints
it, the names --wrt may pick, how its input was read) and hands it to `write`,
which turns any result into a table, JSON, CSV/TSV, plain lines or bare
numbers (-q), as sqlite-utils' `output_rows` does for every command there.
The per-command layouts live beside this file, one module each
(gradcli/render/eval.py, check.py, ...); each may define

    data(r, o)   -> the JSON document (required)
    rows(r, o)   -> a header and rows for CSV/TSV (else csv/tsv is refused)
    plain(r, o)  -> lines of `name = value`
    quiet(r, o)  -> the numbers -q prints: numbers, words, or lists (a matrix row)
    table(r, o)  -> the Rich view for people (Rich is imported only there)

Everything that must be the same for every command is done here, once: the
--wrt check, the CSV delimiter, the number rule (shortest round-trip unless
--digits asks otherwise), `read as` lines, and no control character on output.
Non-finite numbers are written "inf", "-inf", "nan" everywhere (JSON strings,
since JSON has no literal for them).
"""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from gradcli.errors import ExitStatus, InputError, check_wrt
from gradcli.numfmt import fmt as fmt  # re-exported: gradcli.render.fmt, .jnum
from gradcli.numfmt import jnum as jnum

FORMATS = ("table", "json", "csv", "tsv", "plain")
TABLE_DIGITS = 10  # significant digits in a table for people, unless --digits says


def to_json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


# Never written raw: C0 and C1 controls but newline and tab, and DEL (an ESC from the
# input would reach a terminal or a pipe as an escape sequence); and the invisible
# format characters (Unicode Cf, line and paragraph separators, lone surrogates),
# among them the bidi controls that reorder what a terminal shows (U+202E turns
# `x+1` into `1+x` on screen).  tests/test_hostile.py holds this list to unicodedata.
_CONTROL = (
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2"
    r"\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ud800-\udfff\ufeff"
    r"\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
    r"\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]")


@lru_cache(maxsize=1)
def control() -> re.Pattern[str]:
    """CONTROL, compiled on first use: ~0.7 ms of start-up (the surrogate and astral
    ranges) that a result written as JSON never needs."""
    return re.compile(_CONTROL)


def __getattr__(name: str) -> Any:  # `from gradcli.render import CONTROL` compiles it then
    if name == "CONTROL":
        return control()
    raise AttributeError(name)


def clean(text: str) -> str:
    """`text` with each control or invisible character written as a visible escape
    (\\x1b, \\u202e)."""
    return control().sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                         else f"\\u{ord(m.group()):04x}" if ord(m.group()) < 0x10000
                         else f"\\U{ord(m.group()):08x}", text)


def selected(wrt: Sequence[str], variables: Sequence[str]) -> list[str]:
    """The variables --wrt picks (all when it is empty); an unknown name is an input error."""
    check_wrt(wrt, variables)
    return [n for n in variables if n in wrt] if wrt else list(variables)


def delimited(rows: Sequence[Sequence[Any]], fmt_name: str,
              digits: int | None = None) -> str:
    """CSV or TSV text: numbers by the one rule, words with control characters escaped."""
    import csv
    import io

    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter(fmt_name), lineterminator="\n")
    writer.writerows([[cell(v, digits) for v in row] for row in rows])
    return buf.getvalue()


def delimiter(fmt_name: str) -> str:
    """The field separator of --format csv or tsv."""
    return "," if fmt_name == "csv" else "\t"


def cell(v: Any, digits: int | None = None) -> str:
    """One CSV/TSV/plain field: '' for None, true/false, a number by `fmt`, or clean text."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return fmt(v, digits)
    return clean(str(v))


# Result, Options and Output are plain classes rather than dataclasses: defining a
# dataclass generates and compiles its methods, which every command would pay at
# start-up (about 0.3 ms each); nothing compares or copies them.
class Result:
    """A command's answer as plain data, and how to print it."""

    def __init__(self, view: str, value: Any, variables: list[str] | None = None,
                 read_as: list[tuple[str, str]] | None = None, notes: list[str] | None = None,
                 ok: bool = True, extra: dict[str, Any] | None = None) -> None:
        self.view = view  # the module of gradcli/render/ that lays it out
        self.value = value  # the core's answer: an Evaluation, a list of verdicts, ...
        self.variables = variables  # what --wrt may name (None: --wrt does not apply)
        # (label, canonical text) of each input whose reading differs from what was typed
        self.read_as: list[tuple[str, str]] = [] if read_as is None else read_as
        self.notes: list[str] = [] if notes is None else notes  # conventions: on stderr under -q
        self.ok = ok  # False: a check said no (exit 1)
        self.extra: dict[str, Any] = {} if extra is None else extra  # the view's own options


class Options:
    """The shared output options (--format, --digits, -q, --wrt) and the terminal."""

    def __init__(self, fmt: str = "table", quiet: bool = False, digits: int | None = None,
                 wrt: list[str] | None = None, width: int | None = None,
                 color: bool = False) -> None:
        self.fmt = fmt
        self.quiet = quiet
        self.digits = digits
        self.wrt: list[str] = [] if wrt is None else wrt
        self.width = width
        self.color = color
        self.picked: list[str] = []  # the variables --wrt selects (write sets it)

    def num(self, v: Any, default: int | None = None) -> str:
        """A number by the one rule: --digits if given, else `default` (a table's), else
        the shortest round-trip text."""
        return fmt(v, self.digits if self.digits is not None else default)

    @property
    def table_digits(self) -> int:
        """The significant digits of a table for people: --digits, else TABLE_DIGITS."""
        return TABLE_DIGITS if self.digits is None else self.digits

    def point(self, point: Mapping[str, Any]) -> str:
        """`x = 3, y = 4`: a point as a table shows it."""
        return ", ".join(f"{n} = {self.num(v, self.table_digits)}" for n, v in point.items())


class Output:
    """What `write` made: the text for stdout and the lines for stderr."""

    def __init__(self, text: str, messages: list[str], status: ExitStatus) -> None:
        self.text = text
        self.messages = messages  # whole lines for stderr ("read as: ...", warnings)
        self.status = status


def plain_check(checked: bool, passed: bool, notes: Sequence[str]) -> list[str]:
    """The last lines of a plain view: `check = passed|FAILED` (when checked), the notes."""
    return ([f"check = {'passed' if passed else 'FAILED'}"] if checked else []) + \
        [f"note: {n}" for n in notes]


def read_as_lines(read_as: Sequence[tuple[str, str]]) -> list[str]:
    """'read as: x^2 + x*y' (the expression), 'your answer read as: 2*x' (anything else)."""
    return [clean(f"read as: {text}" if label in ("", "f") else f"{label} read as: {text}")
            for label, text in read_as]


def _view(result: Result, o: Options) -> Any:
    """The result's view module, once the options are checked against it (the same
    refusals for every command, streamed or not)."""
    view = importlib.import_module(f"gradcli.render.{result.view}")
    o.picked = selected(o.wrt, result.variables) if result.variables is not None else []
    if o.wrt and result.variables is None:
        raise InputError("--wrt does not apply to this command")
    if o.fmt == "json" and o.digits is not None:
        raise InputError("--digits does not apply to --format json: JSON always carries "
                         "every digit", hint="drop --digits, or use --format plain or csv")
    return view


def write(result: Result, o: Options) -> Output:
    """Any result in any format: the one place the formats are told apart."""
    view = _view(result, o)
    reading = read_as_lines(result.read_as)
    status = ExitStatus.of(result.ok)
    if o.quiet:
        items = view.quiet(result, o)
        if o.fmt == "json":  # -q --format json: the same numbers, as a JSON array
            text = to_json([_jitem(v) for v in items])
        else:
            text = "".join(_qline(v, o) + "\n" for v in items)
        return Output(text, reading + [f"gradcli: warning: {n}" for n in result.notes], status)
    if o.fmt == "json":
        data = view.data(result, o)
        if result.read_as:
            data["read_as"] = [{"label": label, "text": text} for label, text in result.read_as]
        return Output(to_json(data), [], status)
    if o.fmt in ("csv", "tsv"):
        rows = getattr(view, "rows", None)
        if rows is None:
            raise InputError(f"{getattr(view, 'COMMAND', result.view)} has no --format {o.fmt}",
                             hint="use --format json, plain or table")
        return Output(delimited(rows(result, o), o.fmt, o.digits), reading, status)
    if o.fmt == "plain":
        lines = view.plain(result, o)
        if getattr(view, "PLAIN_IS_DATA", False):  # lines that paste back: nothing else on them
            return Output("".join(clean(line) + "\n" for line in lines), reading, status)
        return Output("".join(clean(line) + "\n" for line in [*reading, *lines]), [], status)
    if o.fmt in getattr(view, "FORMATS", ()):  # a command's own: diff's latex, graph's dot
        return Output(clean(getattr(view, o.fmt)(result, o)), reading, status)
    text = view.table(result, o)
    head = "".join(line + "\n" for line in reading)
    return Output(head + (text if o.color else clean(text)), [], status)


class Stream:
    """`write` for a result too long to hold, a chunk of rows at a time (a batch: millions
    of rows, the first out before the last is read).

    The same checks and rules as `write`: --wrt and --digits refused alike, numbers by
    the one rule (--digits honoured in every text format), control characters
    escaped, -q --format json as a JSON array of each row's numbers, `read as` before
    a table or plain lines and otherwise on stderr (`messages`).  The view lays out
    the rows (gradcli/render/batch.py says how); JSON is one array, written as it goes.
    """

    def __init__(self, result: Result, o: Options) -> None:
        self.view = _view(result, o)
        self.result, self.o = result, o
        reading = read_as_lines(result.read_as)
        in_text = o.fmt in ("table", "plain") and not o.quiet
        self.messages = [] if in_text else reading  # whole lines for stderr
        self.reading = "".join(line + "\n" for line in reading) if in_text else ""
        self.first = True  # no JSON item written yet

    def header(self) -> str:
        """What precedes the first row."""
        o, r = self.o, self.result
        if o.fmt == "json":  # a JSON array of rows (-q: of each row's numbers)
            return "["
        if o.quiet:
            return ""
        if o.fmt in ("csv", "tsv"):
            return delimited([self.view.columns(r, o)], o.fmt)
        if o.fmt == "table":
            return self.reading + "".join(clean(line) + "\n" for line in
                                          self.view.table_head(r, o))
        return self.reading

    def rows(self, rows: Sequence[Any]) -> str:
        """A chunk of rows in the format asked for."""
        o, r, view = self.o, self.result, self.view
        if o.quiet:
            items = view.quiet_rows(r, o, rows)
            if o.fmt == "json":
                return self._items([to_json_line([_jitem(v) for v in item])
                                    if item is not None else "null" for item in items])
            # a row's numbers side by side: tab-separated, as the columns of a table
            return "".join(("\t".join(_qline(v, o) for v in item) if item is not None
                            else "error") + "\n" for item in items)
        if o.fmt == "json":
            return self._items([to_json_line(doc) for doc in view.data_rows(r, o, rows)])
        if o.fmt in ("csv", "tsv"):
            return delimited(view.csv_rows(r, o, rows), o.fmt, o.digits)
        lines = view.table_rows(r, o, rows) if o.fmt == "table" else view.plain_rows(r, o, rows)
        return "".join(clean(line) + "\n" for line in lines)

    def footer(self) -> str:
        """What follows the last row."""
        if self.o.fmt == "json":
            return "]\n" if self.first else "\n]\n"
        return ""

    def _items(self, parts: list[str]) -> str:
        """JSON array items, comma-separated across chunks."""
        sep = "\n" if self.first else ",\n"
        self.first = False
        return sep + ",\n".join(parts) if parts else ""


def to_json_line(data: Any) -> str:
    """`data` as JSON on one line (an item of a streamed array)."""
    return json.dumps(data, ensure_ascii=False, allow_nan=False)


def _qline(v: Any, o: Options) -> str:
    if isinstance(v, (list, tuple)):
        return " ".join(_qline(x, o) for x in v)
    return clean(v) if isinstance(v, str) else fmt(v, o.digits)


def _jitem(v: Any) -> Any:
    if isinstance(v, (list, tuple)):
        return [_jitem(x) for x in v]
    return v if isinstance(v, str) else jnum(v)
