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
import json
import math
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TextIO

from gradcli.errors import DomainError, GradcliError, InputError
from gradcli.tape import Tape

Row = tuple[list[Any], list[float] | None, str, list[str], str]  # point, numbers, check,
#                                                                 notes, error
NOTE_SEP = " | "  # between several notes in one CSV/TSV/table cell

FAST_CHUNK = 8_192  # rows per NumPy block (a block costs ~1.5 kB a row in Python objects)
SLOW_CHUNK = 4_096  # rows per chunk otherwise
PIPE_CHUNK = 256  # a pipe or terminal: small chunks, so rows come back as they go in


# ---------------------------------------------------------------- input

def open_points(path: str) -> tuple[TextIO, bool]:
    """The CSV/TSV text stream for a path or '-' (standard input), and whether it is a file."""
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
    # bad bytes become U+FFFD: that row's number fails to parse, the rest go on
    return io.TextIOWrapper(binary, encoding="utf-8-sig", errors="replace", newline=""), regular


def read_csv(stream: TextIO, where: str) -> tuple[list[str], Iterator[tuple[str, list[str]]]]:
    """The header (variable names) and the data rows, labelled 'line N'.

    TSV when the header has a tab, else CSV.  Blank lines are skipped.
    """
    first = stream.readline()
    while first and not first.strip():
        first = stream.readline()
    if not first:
        raise InputError(f"{where} is empty; a batch starts with a header of variable names",
                         hint="e.g. a first line x,y then one point per line")
    delimiter = "\t" if "\t" in first else ","
    header = [h.strip() for h in next(csv.reader([first], delimiter=delimiter))]
    bad = [h for h in header if not h.isidentifier()]
    if bad:
        raise InputError(f"the header of {where} has {bad[0]!r}, which is not a variable name",
                         hint="the first line names the variables, e.g. x,y")
    dup = [h for h in header if header.count(h) > 1]
    if dup:
        raise InputError(f"the header of {where} names {dup[0]} twice")
    reader = csv.reader(stream, delimiter=delimiter)

    def rows() -> Iterator[tuple[str, list[str]]]:
        for cells in reader:
            if cells and any(c.strip() for c in cells):
                yield f"line {reader.line_num + 1}", cells

    return header, rows()


# ---------------------------------------------------------------- output

def cell(v: Any) -> str:
    """`render.fmt` without digits, faster: 24 not 24.0, repr otherwise, inf/nan spelled."""
    if v.__class__ is str:
        return v
    r = repr(float(v))
    if r[-2:] == ".0" and -1e15 < v < 1e15:
        return "0" if v == 0 else r[:-2]
    return r


class Writer:
    """One output format, written a chunk at a time."""

    def __init__(self, fmt: str, quiet: bool, digits: int | None, variables: list[str],
                 outputs: list[str], selected: list[str], check: bool,
                 only_partials: bool = False) -> None:
        self.fmt, self.quiet, self.check = fmt, quiet, check
        # -q --wrt x prints only the partials asked for, as a single `eval -q --wrt x` does
        self.quiet_keep = [i for i in range(len(outputs) * (len(selected) + 1))
                           if not (only_partials and i % (len(selected) + 1) == 0)]
        self.digits = digits if digits is not None else (10 if fmt == "table" else None)
        self.variables, self.outputs, self.selected = variables, outputs, selected
        self.first = True
        multi = len(outputs) > 1
        self.number_cols: list[str] = []
        for k in range(len(outputs)):
            tag = f"[{k + 1}]" if multi else ""
            self.number_cols.append(f"value{tag}")
            self.number_cols.extend(f"d/d{n}{tag}" for n in selected)
        self.columns = [*variables, *self.number_cols, *(["check"] if check else []),
                        "note", "error"]
        self.widths = [max(len(c), 16) for c in self.columns[:-2]]

    def _num(self, v: Any) -> str:
        if self.digits is None or v.__class__ is str:
            return cell(v)
        from gradcli.render import fmt

        return fmt(v, self.digits)

    def header(self) -> str:
        if self.quiet:
            return ""
        if self.fmt in ("csv", "tsv"):
            return self._csv([self.columns])
        if self.fmt == "json":
            return "["
        if self.fmt == "table":
            head = "  ".join(c.rjust(w) for c, w in zip(self.columns, self.widths, strict=False))
            return head + "  note/error\n" + "-" * (len(head) + 12) + "\n"
        return ""

    def footer(self) -> str:
        if self.fmt == "json" and not self.quiet:
            return "\n]\n" if not self.first else "]\n"
        return ""

    def rows(self, rows: Sequence[Row]) -> str:
        if self.quiet:
            keep = self.quiet_keep
            return "".join(("\t".join(self._num(nums[i]) for i in keep) if nums is not None
                            else "error") + "\n" for _, nums, _, _, _ in rows)
        if self.fmt in ("csv", "tsv"):
            return self._csv([[*map(cell, point), *(map(cell, nums) if nums is not None else
                                                    [""] * len(self.number_cols)),
                               *([chk] if self.check else []), NOTE_SEP.join(notes), err]
                              for point, nums, chk, notes, err in rows])
        if self.fmt == "json":
            return self._json(rows)
        if self.fmt == "table":
            return self._table(rows)
        return self._plain(rows)

    def _csv(self, rows: Iterable[list[str]]) -> str:
        buf = io.StringIO()
        csv.writer(buf, delimiter="," if self.fmt == "csv" else "\t",
                   lineterminator="\n").writerows(rows)
        return buf.getvalue()

    def _json(self, rows: Sequence[Row]) -> str:
        from gradcli.render import jnum

        parts = []
        nsel = len(self.selected)
        for point, nums, chk, notes, err in rows:
            doc: dict[str, Any] = {"point": {n: jnum(v) if v.__class__ is not str else v
                                             for n, v in zip(self.variables, point, strict=False)}}
            if nums is None:
                doc["value"], doc["gradient"] = None, None
            else:
                per = [nums[k * (nsel + 1): (k + 1) * (nsel + 1)] for k in range(len(self.outputs))]
                doc["value"] = jnum(per[-1][0])
                doc["gradient"] = {n: jnum(g)
                                   for n, g in zip(self.selected, per[-1][1:], strict=True)}
                if len(self.outputs) > 1:
                    doc["values"] = [jnum(p[0]) for p in per]
                    doc["jacobian"] = [[jnum(g) for g in p[1:]] for p in per]
            if self.check:
                doc["check"] = chk or None
            doc["notes"] = notes
            doc["error"] = err or None
            parts.append(json.dumps(doc, ensure_ascii=False, allow_nan=False))
        sep = "\n" if self.first else ",\n"
        self.first = False
        return sep + ",\n".join(parts) if parts else ""

    def _table(self, rows: Sequence[Row]) -> str:
        lines = []
        for point, nums, chk, notes, err in rows:
            cells = [self._num(v) for v in point]
            cells += [self._num(v) for v in nums] if nums is not None else \
                [""] * len(self.number_cols)
            if self.check:
                cells.append(chk)
            line = "  ".join(c.rjust(w) for c, w in zip(cells, self.widths, strict=False))
            tail = f"error: {err}" if err else (f"note: {NOTE_SEP.join(notes)}" if notes else "")
            lines.append((line + "  " + tail).rstrip() + "\n")
        return "".join(lines)

    def _plain(self, rows: Sequence[Row]) -> str:
        lines = []
        for point, nums, chk, notes, err in rows:
            parts = [f"{n}={self._num(v)}" for n, v in zip(self.variables, point, strict=False)]
            if nums is not None:
                parts += [f"{c}={self._num(v)}"
                          for c, v in zip(self.number_cols, nums, strict=True)]
            if self.check and chk:
                parts.append(f"check={chk}")
            parts.extend(f"note: {n}" for n in notes)
            if err:
                parts.append(f"error: {err}")
            lines.append(" ".join(parts) + "\n")
        return "".join(lines)


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

    def run(self, labels: list[str], points: list[list[float]],
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
                except (ArithmeticError, ValueError, Exception):  # noqa: BLE001 - Fallback too
                    out[i] = self._interpret(labels[i], points[i])
                else:
                    out[i] = ([res[j] for j in order], "", [], "")
            else:
                out[i] = self._interpret(labels[i], points[i])
        return out

    def _interpret(self, label: str,
                   point: list[float]) -> tuple[list[float] | None, str, list[str], str]:
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
        if not self.first_error:
            self.first_error = f"{label}: {message}"

    def status(self) -> int:
        f = self.failures
        return 2 if f["input"] else 3 if f["domain"] else 1 if f["check"] else 0


def read_cells(cells: list[str], where: list[int | None], fixed: list[float | None],
               names: list[str], width: int) -> tuple[list[Any], list[float], str | None]:
    """A row's cells → (point as echoed, point as numbers, error or None)."""
    shown: list[Any] = []
    point: list[float] = []
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
        if isinstance(v2, str):
            error = error or v2
            shown.append(text)
            point.append(0.0)
        else:
            shown.append(v2)
            point.append(v2)
    return shown, point, error


def _number(name: str, text: str) -> float | str:
    """The cell's number, or why it is not one."""
    if not text:
        return f"no value for {name}"
    try:
        v = float(text)
    except ValueError:
        from gradcli.pipeline import parse_value

        try:
            v = parse_value(name, text)  # pi/4, sqrt(2): the grammar, never eval
        except GradcliError as e:
            return e.message
    if not math.isfinite(v):
        return f"the value of {name} is {text}; a point must be finite"
    return v


# ---------------------------------------------------------------- the driver

def run(tape: Tape, source: Iterator[tuple[str, list[Any]]], header: list[str] | None,
        fixed: dict[str, float], out: TextIO, *, fmt: str, quiet: bool, digits: int | None,
        wrt: list[str], check: bool, total: int | None = None, small: bool = False,
        convention: str = "torch") -> int:
    """Stream `source` through the tape into `out`; return the exit status.

    With a `header`, `source` yields CSV cells (strings) in header order; without
    one, it yields points (floats) in `tape.variables` order (a grid).
    """
    from gradcli.cli import warn

    names = list(tape.variables)
    unknown = [w for w in wrt if w not in names]
    if unknown:
        raise InputError(f"--wrt {unknown[0]}: {unknown[0]} is not a variable of the expression",
                         hint="variables: " + (", ".join(names) or "none"))
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
    for n in fixed:
        if n not in names:
            warn(f"{n} is not in the expression; its value is ignored")
    ev = Evaluator(tape, selected, check, convention)
    writer = Writer(fmt, quiet, digits, names, list(tape.output_names), selected, check,
                    only_partials=bool(wrt))
    progress = Progress(total)
    out.write(writer.header())
    size = 1 if small else ev.chunk
    done = 0
    try:
        while True:
            chunk = list(itertools.islice(source, size))
            if not chunk:
                break
            labels = [label for label, _ in chunk]
            if header is None:
                shown = [p for _, p in chunk]
                points = shown
                errors: list[str | None] = [None] * len(chunk)
            else:
                shown, points, errors = [], [], []
                width = len(header)
                for _, cells in chunk:
                    s, p, e = read_cells(cells, where, fixed_vals, names, width)
                    shown.append(s)
                    points.append(p)
                    errors.append(e)
            results = ev.run(labels, points, errors)
            rows: list[Row] = [(s, *r) for s, r in zip(shown, results, strict=False)]
            text = writer.rows(rows)
            if quiet:
                for label, r in zip(labels, results, strict=False):
                    if r[3]:
                        warn(f"{label}: {r[3]}")
            out.write(text)
            out.flush()
            done += len(chunk)
            progress.update(done)
            if small:  # a pipe: grow the chunks while the rows keep coming
                size = min(size * 2, PIPE_CHUNK)
    finally:
        progress.done()
    out.write(writer.footer())
    out.flush()
    failed = sum(ev.failures[k] for k in ("input", "domain"))
    if failed:
        warn(f"{failed:,} of {done:,} rows failed (first: {ev.first_error})")
    elif ev.failures["check"]:
        warn(f"{ev.failures['check']:,} of {done:,} rows failed the finite-difference check "
             f"(first: {ev.first_error})")
    return ev.status()


def grid_source(tape: Tape, axes: dict[str, list[float]],
                fixed: dict[str, float]) -> Iterator[tuple[str, list[Any]]]:
    """Grid points as rows in `tape.variables` order, labelled 'point N'."""
    from gradcli.grid import points

    names = list(tape.variables)
    for k, p in enumerate(points(axes), 1):
        p.update(fixed)
        yield f"point {k}", [p[n] for n in names]


def eval_batch(source_text: str, raw: dict[str, str], batch: str | None, *, fmt: str,
               quiet: bool, digits: int | None, wrt: list[str], check: bool,
               convention: str = "torch", out: TextIO | None = None) -> int:
    """`gradcli eval` over a CSV/TSV of points or a grid: the command's batch path."""
    from gradcli.grid import axis, is_grid, size
    from gradcli.parser import parse
    from gradcli.pipeline import missing_error, parse_value

    out = sys.stdout if out is None else out
    tape = parse(source_text)
    grids = {n: t for n, t in raw.items() if is_grid(t)}
    fixed = {n: parse_value(n, t) for n, t in raw.items() if n not in grids}
    if batch is not None:
        if grids:
            raise InputError("a grid (--x 0:1:0.1 or --x 1,2,3) and --batch cannot be combined",
                             hint="put the grid's points in the batch file instead")
        stream, regular = open_points(batch)
        where = "standard input" if batch == "-" else batch
        header, rows = read_csv(stream, where)
        return run(tape, rows, header, fixed, out, fmt=fmt, quiet=quiet, digits=digits,
                   wrt=wrt, check=check, small=not regular, convention=convention)
    axes = {n: axis(n, t) for n, t in grids.items()}
    missing = [n for n in tape.variables if n not in axes and n not in fixed]
    if missing:
        raise missing_error(tape, missing, {**fixed, **axes})  # type: ignore[dict-item]
    extra = {n: v for n, v in fixed.items() if n in tape.variables}
    used = {n: v for n, v in axes.items() if n in tape.variables}
    for n in axes:
        if n not in tape.variables:
            from gradcli.cli import warn

            warn(f"{n} is not in the expression; its grid is ignored")
    return run(tape, grid_source(tape, used, extra), None,
               {n: v for n, v in fixed.items() if n not in tape.variables}, out,
               fmt=fmt, quiet=quiet, digits=digits, wrt=wrt, check=check, total=size(used),
               convention=convention)
