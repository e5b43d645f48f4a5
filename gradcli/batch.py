"""Many points, one tape: `eval --batch points.csv`, `--batch -` and grids (`--x 0:1:0.1`).

Points stream through in chunks: read, evaluate with the compiled tape (NumPy
over the chunk when installed, else generated straight-line Python per row),
write and flush, so memory stays flat whatever the input size.  A row the fast
path cannot vouch for is evaluated by the interpreter, which names the failing
node; a failing row gets an `error` cell and the batch goes on.

Exit status: 0 every row fine; 2 some row was bad input (not a number, a
missing cell); else 3 some row hit a math domain error; else 1 some row failed
the finite-difference check (`--check`).
"""

from __future__ import annotations

import csv
import io
import itertools
import math
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TextIO

from gradcli.errors import DomainError, ExitStatus, GradcliError, InputError, check_wrt
from gradcli.numfmt import INTEGER_BELOW, cell
from gradcli.render import Options, Result, Stream
from gradcli.render import delimiter as field_separator
from gradcli.render.batch import Layout, Row
from gradcli.tape import Tape

FAST_CHUNK = 8_192  # rows per NumPy block (a block costs ~1.5 kB a row in Python objects)
SLOW_CHUNK = 4_096  # rows per chunk otherwise
PIPE_CHUNK = 256  # from a pipe: chunks of 1, 2, 4, ... up to this, so rows come back soon


# ---------------------------------------------------------------- input

class Lines:
    """The lines of a text stream, each at most MAX_LINE characters, checked as read.

    A stream without a newline (an endless pipe, a binary file) stops at the limit
    with an error instead of being read whole into memory.
    """

    def __init__(self, stream: TextIO, where: str) -> None:
        from gradcli.limits import MAX_LINE

        self.stream, self.where, self.limit = stream, where, MAX_LINE
        self.count = 0

    def readline(self) -> str:
        line = self.stream.readline(self.limit + 1)
        self.count += 1
        if len(line) > self.limit:
            raise InputError(f"line {self.count} of {self.where} is longer than "
                             f"{self.limit:,} characters, the limit for a row",
                             hint="a batch is a CSV/TSV file with one point per line")
        return line

    def __iter__(self) -> Iterator[str]:
        return iter(self.readline, "")


def open_points(path: str) -> tuple[TextIO, bool, bool]:
    """The CSV/TSV text stream for a path or '-' (standard input), whether it is a regular
    file, and whether it is a terminal."""
    import os
    import stat

    try:
        binary = sys.stdin.buffer if path == "-" else open(path, "rb")  # noqa: SIM115
    except OSError as e:
        raise InputError(f"cannot read {path}: {e.strerror}") from None
    try:
        regular = stat.S_ISREG(os.fstat(binary.fileno()).st_mode)
    except (OSError, AttributeError, io.UnsupportedOperation):
        regular = False
    try:
        tty = binary.isatty()
    except (ValueError, AttributeError):
        tty = False
    # bad bytes become U+FFFD: that row's number fails to parse, the rest go on
    stream = io.TextIOWrapper(binary, encoding="utf-8-sig", errors="replace", newline="")
    return stream, regular, tty


def read_header(stream: Lines, where: str) -> tuple[list[str], str, int]:
    """The header (variable names), the delimiter and the number of the first data line.

    TSV when the header has a tab, else CSV.  The stream is left at the data.
    """
    first = stream.readline()
    line = 1
    while first and not first.strip():
        first = stream.readline()
        line += 1
    if not first:
        raise InputError(f"{where} is empty; a batch starts with a header of variable names",
                         hint="e.g. a first line x,y then one point per line")
    delimiter = "\t" if "\t" in first else ","
    try:
        header = [h.strip() for h in next(csv.reader([first], delimiter=delimiter))]
    except csv.Error as e:
        raise InputError(f"the header of {where} is not a CSV row: {e}") from None
    from gradcli.pipeline import is_name

    bad = [h for h in header if not is_name(h)]
    if bad:
        raise InputError(f"the header of {where} has {bad[0]!r}, which is not a variable name",
                         hint="the first line names the variables, e.g. x,y")
    dup = [h for h in header if header.count(h) > 1]
    if dup:
        raise InputError(f"the header of {where} names {dup[0]} twice")
    return header, delimiter, line + 1


def format_column(values: Any, np: Any) -> list[str]:
    """`cell` over a NumPy column: repr, with 24 for 24.0 (found by NumPy, not per item)."""
    texts = list(map(repr, values.tolist()))
    whole = np.flatnonzero((values == np.floor(values)) & (np.abs(values) < INTEGER_BELOW))
    for i in whole.tolist():
        texts[i] = cell(float(values[i]))
    return texts


# ---------------------------------------------------------------- output

class Progress:
    """A counter on stderr for long runs, only when stderr is a terminal."""

    def __init__(self, total: int | None) -> None:
        self.total = total
        self.on = sys.stderr.isatty()
        self.start = self.last = time.monotonic()
        self.shown = False

    def update(self, done: int) -> None:
        now = time.monotonic()
        if not self.on or now - self.last < 0.25:
            return
        self.last = now
        rate = done / max(now - self.start, 1e-9)
        of = f" of {self.total:,} ({100 * done / self.total:.0f}%)" if self.total else ""
        sys.stderr.write(f"\rgradcli: {done:,}{of} rows, {rate:,.0f}/s ")
        sys.stderr.flush()
        self.shown = True

    def done(self) -> None:
        if self.shown:
            sys.stderr.write("\r" + " " * 60 + "\r")
            sys.stderr.flush()


# ---------------------------------------------------------------- evaluation

class Evaluator:
    """The tape, compiled once, turned on chunks of points."""

    def __init__(self, tape: Tape, selected: list[str], check: bool,
                 convention: str = "torch") -> None:
        from gradcli import compile as comp

        self.tape, self.check, self.convention = tape, check, convention
        self.names = list(tape.variables)
        nv, nout = len(self.names), len(tape.outputs)
        sel = [self.names.index(n) for n in selected]
        # kernel result order: values of each output, then each output's gradient
        self.order = [i for k in range(nout) for i in (k, *(nout + k * nv + s for s in sel))]
        self.nps = None if check else comp.numpy_namespace()
        self.vector = comp.vectorizable(tape, self.nps)
        self.kernel = comp.compile_tape(tape) if not check and comp.compilable(tape) and \
            not self.vector else None
        self.failures = {"input": 0, "domain": 0, "check": 0}
        self.first_error = ""

    @property
    def chunk(self) -> int:
        return FAST_CHUNK if self.vector else SLOW_CHUNK

    def run(self, labels: list[str], points: Sequence[Sequence[Any]],
            errors: list[str | None]) -> list[tuple[list[float] | None, str, list[str], str]]:
        """(numbers, check, note, error) per point; `errors` marks points that failed to read."""
        n = len(points)
        out: list[tuple[list[float] | None, str, list[str], str]] = [(None, "", [], "")] * n
        todo = [i for i in range(n) if errors[i] is None]
        for i in range(n):
            if errors[i] is not None:
                out[i] = (None, "", [], errors[i] or "")
                self._fail("input", labels[i], errors[i] or "")
        order = self.order
        if self.vector and todo:
            np = self.nps.np  # type: ignore[union-attr]
            from gradcli.compile import vectorized

            cols = [np.array([points[i][k] for i in todo], dtype=float)
                    for k in range(len(self.names))]
            results, bad = vectorized(self.tape, cols, self.nps)
            if not isinstance(bad, np.ndarray) or bad.shape != (len(todo),):
                bad = np.broadcast_to(bad, (len(todo),))
            table = [np.broadcast_to(results[i], (len(todo),)).tolist() for i in order]
            flags = bad.tolist()
            for r, i in enumerate(todo):
                if flags[r]:
                    out[i] = self._interpret(labels[i], points[i])
                else:
                    out[i] = ([col[r] for col in table], "", [], "")
            return out
        kernel = self.kernel
        for i in todo:
            if kernel is not None:
                try:
                    res = kernel(*points[i])
                except Exception:  # noqa: BLE001 - Fallback, or math raising: the interpreter
                    # evaluates the row again and says what is wrong, naming the node
                    out[i] = self._interpret(labels[i], points[i])
                else:
                    out[i] = ([res[j] for j in order], "", [], "")
            else:
                out[i] = self._interpret(labels[i], points[i])
        return out

    def _interpret(self, label: str,
                   point: Sequence[Any]) -> tuple[list[float] | None, str, list[str], str]:
        from gradcli.pipeline import evaluate

        env = dict(zip(self.names, point, strict=False))
        try:
            ev = evaluate(self.tape, env, check=self.check, convention=self.convention)
        except GradcliError as e:
            self._fail("domain" if isinstance(e, DomainError) else "input", label, e.message)
            return None, "", [], e.message
        nout = len(self.tape.outputs)
        res = [float(ev.values[o]) for o in self.tape.outputs]
        for k in range(nout):
            res.extend(float(g) for g in ev.gradient_of(k).values())
        chk = ""
        if self.check:
            passed = all(c.passed for c in ev.checks)
            chk = "passed" if passed else "failed"
            if not passed:
                self._fail("check", label, "the finite-difference check failed")
        return [res[j] for j in self.order], chk, [n.message for n in ev.notes], ""

    def _fail(self, kind: str, label: str, message: str) -> None:
        self.failures[kind] += 1

    def note_first(self, labels: list[str],
                   results: list[tuple[list[float] | None, str, list[str], str]]) -> None:
        """Remember the first failing row in input order, for the summary."""
        if self.first_error:
            return
        for label, (_, chk, _, err) in zip(labels, results, strict=True):
            if err or chk == "failed":
                self.first_error = f"{label}: {err or 'the finite-difference check failed'}"
                return

    def status(self) -> int:
        f = self.failures
        return (ExitStatus.BAD_INPUT if f["input"] else ExitStatus.DOMAIN if f["domain"]
                else ExitStatus.CHECK_FAILED if f["check"] else ExitStatus.OK)


def read_cells(cells: list[str], where: list[int | None], fixed: list[float | None],
               names: list[str], width: int) -> tuple[list[Any], list[Any], str | None]:
    """A row's cells → (point as given, point as numbers, error or None)."""
    shown: list[Any] = []
    point: list[Any] = []
    error: str | None = None
    if len(cells) != width:
        error = f"the row has {len(cells)} cells but the header has {width}"
    for k, name in enumerate(names):
        h = where[k]
        if h is None:
            v = fixed[k]
            assert v is not None
            shown.append(v)
            point.append(v)
            continue
        text = cells[h].strip() if h < len(cells) else ""
        v2 = _number(name, text)
        shown.append(text)
        if isinstance(v2, str):
            error = error or v2
            point.append(None)
        else:
            point.append(v2)
    return shown, point, error


def _number(name: str, text: str) -> float | str:
    """The cell's number, or why it is not one: the same rule as a value on the command
    line (pipeline.parse_value), so 1_000, ３, 1..5 and 1e-400 are errors, not numbers."""
    if not text:
        return f"no value for {name}"
    from gradcli.pipeline import parse_value, plain_number

    v = plain_number(text)
    if v is None:
        try:
            v = parse_value(name, text)  # pi/4, sqrt(2): the grammar, never eval
        except GradcliError as e:
            return e.message
    if not math.isfinite(v):
        return f"the value of {name} is {text}; a point must be finite"
    return v


# Characters a block of plain-number cells may hold.  float() and NumPy also read 1_000,
# full-width digits, inf and nan: a cell with any other character takes the row path.
_NOT_PLAIN = re.compile(r"[^0-9.eE+\- \t]")


def plain_cells(cells: list[str]) -> bool:
    """Whether a column of cells is safe for float()/NumPy: only number characters."""
    return _NOT_PLAIN.search("".join(cells)) is None


def underflowed(cells: list[str], values: Iterable[float]) -> bool:
    """Whether a cell that reads as 0 was written as a nonzero number (1e-400)."""
    return any(v == 0 and any(c in "123456789" for c in t.lower().split("e")[0])
               for t, v in zip(cells, values, strict=True))


# ---------------------------------------------------------------- the driver

def run(tape: Tape, source: Iterator[Any], header: list[str] | None,
        fixed: dict[str, float], out: TextIO, *, fmt: str, quiet: bool, digits: int | None,
        wrt: list[str], check: bool, total: int | None = None, small: bool = False,
        convention: str = "torch", delimiter: str = ",", first_line: int = 2,
        interactive: bool = False, warn: Callable[[str], None],
        say: Callable[[str], None] = lambda line: None) -> int:
    """Stream `source` through the tape into `out`; return the exit status.

    Warnings (ignored columns, failed rows) go to `warn`, one line each, and
    other lines for the reader of the terminal (`read as: ...` when the output
    is data) to `say`: the caller decides where they are shown (the CLI: stderr).

    With a `header`, `source` yields the text lines of a CSV/TSV after its
    header, the first being line `first_line`; without one, it yields
    (label, point) with the point in `tape.variables` order (a grid).
    """
    from gradcli.pipeline import unused_values
    from gradcli.reading import read_as

    names = list(tape.variables)
    check_wrt(wrt, names)
    selected = [n for n in names if n in wrt] if wrt else names
    where: list[int | None] = []
    fixed_vals: list[float | None] = []
    if header is not None:
        both = [n for n in fixed if n in header]
        if both:
            raise InputError(f"{both[0]} is both a column of the batch and given as --{both[0]}")
        missing = [n for n in names if n not in header and n not in fixed]
        if missing:
            raise InputError(f"the batch has no column for {', '.join(missing)}",
                             hint="add the column, or give a fixed value: "
                                  + " ".join(f"--{n} VALUE" for n in missing))
        for h in header:
            if h not in names:
                warn(f"the column {h} is not a variable of the expression; it is ignored")
        for n in names:
            where.append(header.index(n) if n in header else None)
            fixed_vals.append(fixed.get(n))
    for message in unused_values(tape, [n for n in fixed if n not in names]):
        warn(message)
    ev = Evaluator(tape, selected, check, convention)
    layout = Layout(names, list(tape.output_names), selected, check, only_partials=bool(wrt))
    # the one output path, streamed: formats and options as in every command (render/)
    writer = Stream(Result("batch", layout, names, read_as(tape)),
                    Options(fmt, quiet, digits, list(wrt)))
    for message in writer.messages:
        say(message)
    # the fast paths write CSV/TSV themselves, every digit: --digits takes the other one
    fast = (ev.vector or ev.kernel is not None) and fmt in ("csv", "tsv") and not quiet \
        and digits is None
    grid = source if isinstance(source, GridSource) else None
    sep = field_separator(fmt)
    progress = Progress(total)
    # the header goes out with the first rows: an input that fails before any row is
    # read (a line past the limit) leaves stdout empty
    head = writer.header()
    size = 1 if small else ev.chunk
    done = 0
    line = first_line
    try:
        while True:
            if fast and grid is not None and grid.pos < grid.total:
                before = grid.pos
                text = grid_block(ev, grid, size, sep)
                if text is not None:
                    done += grid.pos - before
                    out.write(head + text)
                    head = ""
                    out.flush()
                    progress.update(done)
                    continue
            chunk = list(itertools.islice(source, size))
            if not chunk:
                break
            start, line = line, line + len(chunk)
            text = None
            if fast and header is not None:
                text = fast_block(ev, chunk, len(header), delimiter, where, fixed_vals, sep)
            if text is not None:
                done += len(chunk)
            else:
                if header is None:
                    labels = [label for label, _ in chunk]
                    shown = points = [p for _, p in chunk]
                    errors: list[str | None] = [None] * len(chunk)
                else:
                    labels, shown, points, errors = [], [], [], []
                    for k, text_line in enumerate(chunk):
                        try:  # line by line, so one bad line (a cell past csv's field
                            # limit, a stray quote) is that row's error, not the batch's
                            cells = next(csv.reader([text_line], delimiter=delimiter), [])
                        except csv.Error as err:
                            cells, bad = [], f"the line is not a CSV row: {err}"
                        else:
                            bad = ""
                        if not bad and not any(c.strip() for c in cells):
                            continue  # a blank line
                        sh, p, e = read_cells(cells, where, fixed_vals, names, len(header))
                        if bad:
                            sh, p, e = [""] * len(names), [None] * len(names), bad
                        labels.append(f"line {start + k}")
                        shown.append(sh)
                        points.append(p)
                        errors.append(e)
                results = ev.run(labels, points, errors)
                ev.note_first(labels, results)
                rows: list[Row] = [(sh, p, *r)
                                   for sh, p, r in zip(shown, points, results, strict=True)]
                text = writer.rows(rows)
                if quiet:
                    for label, r in zip(labels, results, strict=True):
                        if r[3]:
                            warn(f"{label}: {r[3]}")
                done += len(labels)
            out.write(head + text)
            head = ""
            out.flush()
            progress.update(done)
            if small and not interactive:  # a pipe: grow the chunks while rows keep coming
                size = min(size * 2, PIPE_CHUNK)
    finally:
        progress.done()
    out.write(head + writer.footer())
    out.flush()
    failed = sum(ev.failures[k] for k in ("input", "domain"))
    if failed:
        warn(f"{failed:,} of {done:,} rows failed (first: {ev.first_error})")
    elif ev.failures["check"]:
        warn(f"{ev.failures['check']:,} of {done:,} rows failed the finite-difference check "
             f"(first: {ev.first_error})")
    return ev.status()


def fast_block(ev: Evaluator, lines: list[str], width: int, delimiter: str,
               where: list[int | None], fixed: list[float | None], sep: str) -> str | None:
    """CSV/TSV lines of plain numbers → output text in one go; None: take the slow path.

    The common case (every cell a number, every row fine) without a Python object
    per cell: NumPy over the block, or the generated kernel row after row.
    Anything else (quotes, blank lines, a bad cell, a failing row) goes through
    `read_cells` and `Evaluator.run`, which say what is wrong.
    """
    text = "".join(lines)
    if "\r" in text:  # Windows line ends
        text = text.replace("\r\n", "\n")
    if '"' in text or "\r" in text:
        return None
    n = len(lines)
    count = width - 1
    if not all(ln.count(delimiter) == count for ln in lines):
        return None
    flat = text.replace("\n", delimiter).split(delimiter)
    if flat[-1] == "":
        flat.pop()
    if len(flat) != n * width:
        return None
    spaced = " " in text or (delimiter == "," and "\t" in text)
    columns: list[list[str]] = []  # the output, column by column
    texts: list[list[str] | None] = []  # the variables' cells; None for a fixed one
    for k, h in enumerate(where):
        if h is None:
            columns.append([cell(fixed[k])] * n)
            texts.append(None)
        else:
            given = flat[h::width]  # only the variables' columns: others may hold any text
            columns.append([c.strip() for c in given] if spaced else given)
            texts.append(given)
    numbers = _block_numpy(ev, texts, fixed, n) if ev.vector else _block_python(ev, texts,
                                                                                  fixed, n)
    if numbers is None:
        return None
    columns.extend(numbers)
    empty = [""] * n
    columns.extend([empty, empty])  # note, error
    return "\n".join(map(sep.join, zip(*columns, strict=True))) + "\n"


def _block_numpy(ev: Evaluator, texts: list[list[str] | None], fixed: list[float | None],
                 n: int) -> list[list[str]] | None:
    from gradcli.compile import vectorized

    np = ev.nps.np  # type: ignore[union-attr]
    cols = []
    for k, given in enumerate(texts):
        if given is None:
            cols.append(np.full(n, fixed[k]))
            continue
        if not plain_cells(given):  # pi/4, abc, 1_000, ３: the row path says what it is
            return None
        try:
            cols.append(np.array(given, dtype=float))
        except ValueError:  # 1..5, 2 3, an empty cell
            return None
        if not np.isfinite(cols[-1]).all():
            return None
        zeros = np.flatnonzero(cols[-1] == 0).tolist()
        if zeros and underflowed([given[i] for i in zeros], [0.0] * len(zeros)):
            return None
    results, bad = vectorized(ev.tape, cols, ev.nps)
    if np.any(bad):
        return None
    return [format_column(np.broadcast_to(results[i], (n,)), np) for i in ev.order]


def _block_python(ev: Evaluator, texts: list[list[str] | None], fixed: list[float | None],
                  n: int) -> list[list[str]] | None:
    kernel = ev.kernel
    if kernel is None:
        return None
    cols: list[list[float]] = []
    for k, given in enumerate(texts):
        if given is not None and not plain_cells(given):
            return None
        try:
            col = [fixed[k]] * n if given is None else list(map(float, given))
        except ValueError:
            return None
        if given is not None and underflowed(given, col):  # type: ignore[arg-type]
            return None
        if not all(map(math.isfinite, col)):  # type: ignore[arg-type]
            return None
        cols.append(col)  # type: ignore[arg-type]
    try:
        results = [kernel(*p) for p in zip(*cols, strict=True)] if cols else [kernel()] * n
    except Exception:  # noqa: BLE001 - a row for the interpreter: the slow path says which
        return None
    return [list(map(cell, [r[j] for r in results])) for j in ev.order]


class GridSource:
    """The points of a grid, in order, the last axis varying fastest (like nested loops).

    Iterating gives (label, point) rows for the row path; `block` gives whole
    columns for the block path.  Nothing is materialised beyond a chunk.
    """

    def __init__(self, names: list[str], axes: dict[str, list[float]],
                 fixed: dict[str, float]) -> None:
        order = list(axes)  # the command line's order sets the nesting
        lengths = [len(axes[a]) for a in order]
        self.total = 1
        for length in lengths:
            self.total *= length
        strides = [1] * len(order)
        for k in range(len(order) - 2, -1, -1):
            strides[k] = strides[k + 1] * lengths[k + 1]
        # per variable (tape order): its values, and the stride and length of its axis
        self.values = [axes[n] if n in axes else [fixed[n]] for n in names]
        self.texts = [[cell(v) for v in vals] for vals in self.values]
        self.strides = [strides[order.index(n)] if n in axes else 1 for n in names]
        self.lengths = [len(v) for v in self.values]
        self.pos = 0

    def __iter__(self) -> GridSource:
        return self

    def __next__(self) -> tuple[str, list[float]]:
        i = self.pos
        if i >= self.total:
            raise StopIteration
        self.pos += 1
        return f"point {i + 1}", [vals[(i // st) % ln] for vals, st, ln in
                                  zip(self.values, self.strides, self.lengths, strict=True)]

    def indices(self, start: int, stop: int) -> list[list[int]]:
        """Per variable, the index into its values of each point in [start, stop)."""
        return [[(i // st) % ln for i in range(start, stop)] if ln > 1 else [0] * (stop - start)
                for st, ln in zip(self.strides, self.lengths, strict=True)]


def grid_block(ev: Evaluator, grid: GridSource, size: int, sep: str) -> str | None:
    """The next `size` grid points → output text in one go; None: take the row path."""
    start = grid.pos
    stop = min(grid.total, start + size)
    n = stop - start
    index = grid.indices(start, stop)
    columns = [[texts[i] for i in idx] for texts, idx in zip(grid.texts, index, strict=True)]
    if ev.vector:
        np = ev.nps.np  # type: ignore[union-attr]
        from gradcli.compile import vectorized

        cols = [np.array(vals)[np.array(idx, dtype=np.intp)]
                for vals, idx in zip(grid.values, index, strict=True)]
        results, bad = vectorized(ev.tape, cols, ev.nps)
        if np.any(bad):
            return None
        numbers = [format_column(np.broadcast_to(results[i], (n,)), np) for i in ev.order]
    else:
        kernel = ev.kernel
        if kernel is None:
            return None
        points = zip(*[[vals[i] for i in idx] for vals, idx in zip(grid.values, index,
                                                                   strict=True)], strict=True)
        try:
            results_py = [kernel(*p) for p in points] if grid.values else [kernel()] * n
        except Exception:  # noqa: BLE001 - a row for the interpreter: the row path says which
            return None
        numbers = [list(map(cell, [r[j] for r in results_py])) for j in ev.order]
    columns.extend(numbers)
    empty = [""] * n
    columns.extend([empty, empty])  # note, error
    grid.pos = stop
    return "\n".join(map(sep.join, zip(*columns, strict=True))) + "\n"


def eval_batch(source_text: str, raw: dict[str, str], batch: str | None, *, fmt: str,
               quiet: bool, digits: int | None, wrt: list[str], check: bool,
               convention: str = "torch", out: TextIO | None = None,
               warn: Callable[[str], None], say: Callable[[str], None] = lambda line: None) -> int:
    """`gradcli eval` over a CSV/TSV of points or a grid: the command's batch path."""
    from gradcli.grid import axis, is_grid, size
    from gradcli.parser import parse
    from gradcli.pipeline import missing_error, parse_value, unused_values

    out = sys.stdout if out is None else out
    tape = parse(source_text, known={*raw, *wrt})
    grids = {n: t for n, t in raw.items() if is_grid(t)}
    fixed = {n: parse_value(n, t) for n, t in raw.items() if n not in grids}
    if batch is not None:
        if grids:
            raise InputError("a grid (--x 0:1:0.1 or --x 1,2,3) and --batch cannot be combined",
                             hint="put the grid's points in the batch file instead")
        text_stream, regular, tty = open_points(batch)
        where = "standard input" if batch == "-" else batch
        stream = Lines(text_stream, where)
        header, delimiter, first = read_header(stream, where)
        if header:  # the columns name variables: `yhat` is one name, not y*h*a*t
            tape = parse(source_text, known={*raw, *wrt, *header})
        return run(tape, iter(stream), header, fixed, out, fmt=fmt, quiet=quiet, digits=digits,
                   wrt=wrt, check=check, small=not regular, convention=convention,
                   delimiter=delimiter, first_line=first, interactive=tty, warn=warn,
                   say=say)
    axes = {n: axis(n, t) for n, t in grids.items()}
    missing = [n for n in tape.variables if n not in axes and n not in fixed]
    if missing:
        raise missing_error(tape, missing, {**fixed, **axes})  # type: ignore[dict-item]
    extra = {n: v for n, v in fixed.items() if n in tape.variables}
    used = {n: v for n, v in axes.items() if n in tape.variables}
    from gradcli.limits import MAX_GRID, over

    over("the grid's number of points", size(used), MAX_GRID, "use fewer or coarser axes")
    for message in unused_values(tape, axes, "grid"):
        warn(message)
    return run(tape, GridSource(list(tape.variables), used, extra), None,
               {n: v for n, v in fixed.items() if n not in tape.variables}, out,
               fmt=fmt, quiet=quiet, digits=digits, wrt=wrt, check=check, total=size(used),
               convention=convention, warn=warn, say=say)
