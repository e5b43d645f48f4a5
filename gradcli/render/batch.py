"""How `gradcli eval` prints a batch or a grid: a row at a time, in every format.

A batch streams (millions of rows, the first out before the last is read), so
it cannot be one Result given to `write`; `Writer` writes it a chunk at a time by
the same rules: the one delimiter, the one number rule, control characters
escaped, -q --format json as arrays, `read as` before a table or on stderr.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from typing import Any

from gradcli.errors import InputError
from gradcli.numfmt import cell, fmt, jnum
from gradcli.render import clean, delimiter

# the point as given (cell text or numbers), as numbers (None: not a number), the results
# (the numbers, or None on an error), the check, the notes, the error
Row = tuple[list[Any], list[Any], list[float] | None, str, list[str], str]
NOTE_SEP = " | "  # between several notes in one CSV/TSV/table cell


class Writer:
    """One output format, written a chunk at a time."""

    def __init__(self, fmt: str, quiet: bool, digits: int | None, variables: list[str],
                 outputs: list[str], selected: list[str], check: bool,
                 only_partials: bool = False, reading: Sequence[str] = ()) -> None:
        if fmt == "json" and digits is not None:
            raise InputError("--digits does not apply to --format json: JSON always carries "
                             "every digit", hint="drop --digits, or use --format plain or csv")
        self.fmt, self.quiet, self.check = fmt, quiet, check
        # how the expression was read: before a table or plain lines, else on stderr
        self.in_text = fmt in ("table", "plain") and not quiet
        self.reading = [clean(line) + "\n" for line in reading]
        # -q --wrt x prints only the partials asked for, as a single `eval -q --wrt x` does
        self.quiet_keep = [i for i in range(len(outputs) * (len(selected) + 1))
                           if not (only_partials and i % (len(selected) + 1) == 0)]
        # a table is read by people (10 digits); -q and the data formats: every digit
        self.digits = digits if digits is not None else (
            10 if fmt == "table" and not quiet else None)
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
        return fmt(v, self.digits)

    def messages(self) -> list[str]:
        """Lines for stderr: the reading, when the output is data."""
        return [] if self.in_text else [line.rstrip("\n") for line in self.reading]

    def header(self) -> str:
        head = "".join(self.reading) if self.in_text else ""
        return head + self._header()

    def _header(self) -> str:
        if self.quiet:
            return "[" if self.fmt == "json" else ""
        if self.fmt in ("csv", "tsv"):
            return self._csv([self.columns])
        if self.fmt == "json":
            return "["
        if self.fmt == "table":
            head = "  ".join(c.rjust(w) for c, w in zip(self.columns, self.widths, strict=False))
            return head + "  note/error\n" + "-" * (len(head) + 12) + "\n"
        return ""

    def footer(self) -> str:
        if self.fmt == "json":
            return "\n]\n" if not self.first else "]\n"
        return ""

    def rows(self, rows: Sequence[Row]) -> str:
        if self.quiet:
            keep = self.quiet_keep
            if self.fmt == "json":  # -q --format json: each row's numbers as an array
                return self._joined([json.dumps([jnum(nums[i]) for i in keep])
                                     if nums is not None else "null"
                                     for _, _, nums, _, _, _ in rows])
            return "".join(("\t".join(self._num(nums[i]) for i in keep) if nums is not None
                            else "error") + "\n" for _, _, nums, _, _, _ in rows)
        if self.fmt in ("csv", "tsv"):
            return self._csv([[*map(cell, point), *(map(cell, nums) if nums is not None else
                                                    [""] * len(self.number_cols)),
                               *([chk] if self.check else []), NOTE_SEP.join(notes), err]
                              for point, _, nums, chk, notes, err in rows])
        if self.fmt == "json":
            return self._json(rows)
        if self.fmt == "table":
            return self._table(rows)
        return self._plain(rows)

    def _csv(self, rows: Iterable[list[str]]) -> str:
        buf = io.StringIO()
        csv.writer(buf, delimiter=delimiter(self.fmt), lineterminator="\n").writerows(
            [[clean(c) for c in row] for row in rows])
        return buf.getvalue()

    def _joined(self, parts: list[str]) -> str:
        """JSON array items, comma-separated across chunks."""
        sep = "\n" if self.first else ",\n"
        self.first = False
        return sep + ",\n".join(parts) if parts else ""

    def _json(self, rows: Sequence[Row]) -> str:
        parts = []
        nsel = len(self.selected)
        for shown, point, nums, chk, notes, err in rows:
            doc: dict[str, Any] = {"point": {
                n: jnum(v) if v is not None else t
                for n, t, v in zip(self.variables, shown, point, strict=True)}}
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
        return self._joined(parts)

    def _table(self, rows: Sequence[Row]) -> str:
        lines = []
        for point, _, nums, chk, notes, err in rows:
            cells = [self._num(v) for v in point]
            cells += [self._num(v) for v in nums] if nums is not None else \
                [""] * len(self.number_cols)
            if self.check:
                cells.append(chk)
            line = "  ".join(c.rjust(w) for c, w in zip(cells, self.widths, strict=False))
            tail = f"error: {err}" if err else (f"note: {NOTE_SEP.join(notes)}" if notes else "")
            lines.append(clean((line + "  " + tail).rstrip()) + "\n")
        return "".join(lines)

    def _plain(self, rows: Sequence[Row]) -> str:
        lines = []
        for point, _, nums, chk, notes, err in rows:
            parts = [f"{n}={self._num(v)}" for n, v in zip(self.variables, point, strict=False)]
            if nums is not None:
                parts += [f"{c}={self._num(v)}"
                          for c, v in zip(self.number_cols, nums, strict=True)]
            if self.check and chk:
                parts.append(f"check={chk}")
            parts.extend(f"note: {n}" for n in notes)
            if err:
                parts.append(f"error: {err}")
            lines.append(clean(" ".join(parts)) + "\n")
        return "".join(lines)
