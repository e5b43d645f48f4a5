"""How `gradcli eval` prints a batch or a grid: the layout of its rows, in every format.

A batch streams (millions of rows, the first out before the last is read), so it is
written by `render.Stream`, `write`'s streaming form, a chunk of rows at a time: the
formats, --digits, -q, --wrt and `read as` follow `write`'s rules, and this view only
lays the rows out.  r.value is a `Layout`; each function takes a chunk of `Row`s.

    columns(r, o)          -> the CSV/TSV header
    csv_rows(r, o, rows)   -> CSV/TSV rows (numbers by the one rule, with --digits)
    data_rows(r, o, rows)  -> one JSON object per row (the stream is a JSON array)
    quiet_rows(r, o, rows) -> the numbers -q prints for each row (None: a failed row)
    table_head(r, o), table_rows(r, o, rows), plain_rows(r, o, rows) -> lines
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gradcli.numfmt import fmt, jnum
from gradcli.render import Options, Result

# the point as given (cell text or numbers), as numbers (None: not a number), the results
# (the numbers, or None on an error), the check, the notes, the error
Row = tuple[list[Any], list[Any], list[float] | None, str, list[str], str]
NOTE_SEP = " | "  # between several notes in one CSV/TSV/table cell
TABLE_DIGITS = 10  # a table is read by people; -q and the data formats: every digit


class Layout:
    """What a batch's rows hold: the point's variables, then each output's value and the
    partials --wrt selects, then the check (if asked), the notes and the error."""

    def __init__(self, variables: list[str], outputs: list[str], selected: list[str],
                 check: bool, only_partials: bool = False) -> None:
        self.variables, self.outputs, self.selected = variables, outputs, selected
        self.check = check
        multi = len(outputs) > 1
        self.number_cols: list[str] = []
        for k in range(len(outputs)):
            tag = f"[{k + 1}]" if multi else ""
            self.number_cols.append(f"value{tag}")
            self.number_cols.extend(f"d/d{n}{tag}" for n in selected)
        self.columns = [*variables, *self.number_cols, *(["check"] if check else []),
                        "note", "error"]
        self.widths = [max(len(c), 16) for c in self.columns[:-2]]
        # -q --wrt x prints only the partials asked for, as a single `eval -q --wrt x` does
        self.quiet_keep = [i for i in range(len(outputs) * (len(selected) + 1))
                           if not (only_partials and i % (len(selected) + 1) == 0)]


def _text(v: Any, digits: int | None) -> str:
    """A cell of the point (its text as given, or a number) or a result number."""
    return v if v.__class__ is str else fmt(v, digits)


def columns(r: Result, o: Options) -> list[str]:
    layout: Layout = r.value
    return layout.columns


def csv_rows(r: Result, o: Options, rows: Sequence[Row]) -> list[list[Any]]:
    layout: Layout = r.value
    blank = [""] * len(layout.number_cols)
    return [[*point, *(nums if nums is not None else blank), *([chk] if layout.check else []),
             NOTE_SEP.join(notes), err]
            for point, _, nums, chk, notes, err in rows]


def data_rows(r: Result, o: Options, rows: Sequence[Row]) -> list[dict[str, Any]]:
    layout: Layout = r.value
    docs = []
    nsel = len(layout.selected)
    for shown, point, nums, chk, notes, err in rows:
        doc: dict[str, Any] = {"point": {
            n: jnum(v) if v is not None else t
            for n, t, v in zip(layout.variables, shown, point, strict=True)}}
        if nums is None:
            doc["value"], doc["gradient"] = None, None
        else:
            per = [nums[k * (nsel + 1): (k + 1) * (nsel + 1)]
                   for k in range(len(layout.outputs))]
            doc["value"] = jnum(per[-1][0])
            doc["gradient"] = {n: jnum(g)
                               for n, g in zip(layout.selected, per[-1][1:], strict=True)}
            if len(layout.outputs) > 1:
                doc["values"] = [jnum(p[0]) for p in per]
                doc["jacobian"] = [[jnum(g) for g in p[1:]] for p in per]
        if layout.check:
            doc["check"] = chk or None
        doc["notes"] = notes
        doc["error"] = err or None
        docs.append(doc)
    return docs


def quiet_rows(r: Result, o: Options, rows: Sequence[Row]) -> list[list[Any] | None]:
    keep = r.value.quiet_keep
    return [[nums[i] for i in keep] if nums is not None else None
            for _, _, nums, _, _, _ in rows]


def table_head(r: Result, o: Options) -> list[str]:
    layout: Layout = r.value
    head = "  ".join(c.rjust(w) for c, w in zip(layout.columns, layout.widths, strict=False))
    return [head + "  note/error", "-" * (len(head) + 12)]


def table_rows(r: Result, o: Options, rows: Sequence[Row]) -> list[str]:
    layout: Layout = r.value
    digits = TABLE_DIGITS if o.digits is None else o.digits
    lines = []
    for point, _, nums, chk, notes, err in rows:
        cells = [_text(v, digits) for v in point]
        cells += [_text(v, digits) for v in nums] if nums is not None else \
            [""] * len(layout.number_cols)
        if layout.check:
            cells.append(chk)
        line = "  ".join(c.rjust(w) for c, w in zip(cells, layout.widths, strict=False))
        tail = f"error: {err}" if err else (f"note: {NOTE_SEP.join(notes)}" if notes else "")
        lines.append((line + "  " + tail).rstrip())
    return lines


def plain_rows(r: Result, o: Options, rows: Sequence[Row]) -> list[str]:
    layout: Layout = r.value
    lines = []
    for point, _, nums, chk, notes, err in rows:
        parts = [f"{n}={_text(v, o.digits)}"
                 for n, v in zip(layout.variables, point, strict=False)]
        if nums is not None:
            parts += [f"{c}={_text(v, o.digits)}"
                      for c, v in zip(layout.number_cols, nums, strict=True)]
        if layout.check and chk:
            parts.append(f"check={chk}")
        parts.extend(f"note: {n}" for n in notes)
        if err:
            parts.append(f"error: {err}")
        lines.append(" ".join(parts))
    return lines
