"""Batches and grids: CSV/TSV in and out, stdin, per-row errors, exit status, streaming."""

from __future__ import annotations

import csv
import io
import math
import random
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gradcli import batch
from gradcli import compile as comp
from gradcli.errors import InputError
from gradcli.fdcheck import check_one
from gradcli.grid import axis
from gradcli.parser import parse
from gradcli.pipeline import evaluate

SEED = "log(3*x^2 + 5*x*y)"


def no_warning(message: str) -> None:
    """batch.run's warning callback for inputs that should raise none."""
    raise AssertionError(f"unexpected warning: {message}")


def rows_of(text: str, sep: str = ",") -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text), delimiter=sep))


@pytest.fixture(params=["numpy", "python"])
def path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every batch test runs on both fast paths: NumPy blocks and generated Python."""
    if request.param == "numpy":
        if comp.numpy_namespace() is None:
            pytest.skip("numpy not installed (the gradcli[fast] extra)")
    else:
        monkeypatch.setattr(comp, "numpy_namespace", lambda: None)
    return str(request.param)


def test_csv_rows_match_evaluate_and_finite_differences(gradcli: Any, tmp_path: Path,
                                                        path: str) -> None:
    rng = random.Random(2)
    pts = [(round(rng.uniform(0.1, 5), 4), round(rng.uniform(0.1, 5), 4)) for _ in range(300)]
    f = tmp_path / "points.csv"
    f.write_text("x,y\n" + "".join(f"{x},{y}\n" for x, y in pts))
    r = gradcli("eval", SEED, "--batch", str(f), "--format", "csv")
    assert r.code == 0 and r.err == ""
    out = rows_of(r.out)
    assert len(out) == len(pts)
    tape = parse(SEED)
    for (x, y), row in zip(pts, out, strict=True):
        ev = evaluate(tape, {"x": x, "y": y}, check=False)
        assert (float(row["x"]), float(row["y"])) == (x, y)
        assert float(row["value"]) == pytest.approx(ev.value, rel=1e-14)
        assert float(row["d/dx"]) == pytest.approx(ev.gradient["x"], rel=1e-14)
        assert float(row["d/dy"]) == pytest.approx(ev.gradient["y"], rel=1e-14)
        # an outside oracle too: the closed form of seed 002
        assert float(row["d/dx"]) == pytest.approx((6 * x + 5 * y) / (3 * x * x + 5 * x * y),
                                                   rel=1e-12)
        assert row["error"] == "" and row["note"] == ""
    # and finite differences on a few rows
    f_at = lambda p: math.log(3 * p["x"] ** 2 + 5 * p["x"] * p["y"])  # noqa: E731
    for row in out[:5]:
        env = {"x": float(row["x"]), "y": float(row["y"])}
        for n in "xy":
            assert check_one(f_at, env, n, float(row[f"d/d{n}"])).verdict == "ok"


def test_tsv_sniffed_from_header_and_stdin(gradcli: Any, path: str) -> None:
    r = gradcli("eval", "x*y", "--batch", "-", "--format", "tsv", stdin="x\ty\n2\t3\n-1\t4\n")
    assert r.code == 0
    assert r.out == ("x\ty\tvalue\td/dx\td/dy\tnote\terror\n"
                     "2\t3\t6\t3\t2\t\t\n-1\t4\t-4\t4\t-1\t\t\n")


def test_columns_in_any_order_extra_column_and_fixed_value(gradcli: Any, path: str) -> None:
    r = gradcli("eval", "x*y*z", "--batch", "-", "--z", "10", "--format", "csv",
                stdin="label_col,y,x\n7,3,2\n")
    assert r.code == 0
    assert "label_col is not a variable" in r.err
    assert rows_of(r.out) == [{"x": "2", "y": "3", "z": "10", "value": "60", "d/dx": "30",
                               "d/dy": "20", "d/dz": "6", "note": "", "error": ""}]


def test_failing_rows_get_an_error_and_the_batch_goes_on(gradcli: Any, path: str) -> None:
    r = gradcli("eval", "log(x) + y", "--batch", "-", "--format", "csv",
                stdin="x,y\n1,2\n-1,2\n3,4\n")
    assert r.code == 3  # a domain error, no bad input
    out = rows_of(r.out)
    assert [row["value"] for row in out] == ["2", "", str(math.log(3) + 4)]
    assert out[1]["error"].startswith("log(x) (column 1) is undefined where x = -1")
    assert "1 of 3 rows failed (first: line 3:" in r.err


def test_bad_rows_exit_2(gradcli: Any, path: str) -> None:
    r = gradcli("eval", "x+y", "--batch", "-", "--format", "csv",
                stdin="x,y\n1,2\n1,abc\n5\n,3\n2,pi\n")
    assert r.code == 2
    out = rows_of(r.out)
    assert [row["value"] for row in out] == ["3", "", "", "", str(2 + math.pi)]
    assert out[1]["error"].startswith("the value of y, 'abc'")  # the same reason as --y abc
    assert "1 cells but the header has 2" in out[2]["error"]
    assert out[3]["error"] == "no value for x"


def test_missing_column_is_an_error_before_any_output(gradcli: Any, path: str) -> None:
    r = gradcli("eval", "x+y", "--batch", "-", "--format", "csv", stdin="x\n1\n")
    assert (r.code, r.out) == (2, "")
    assert "no column for y" in r.err


@pytest.mark.parametrize("stdin, message", [("", "is empty"), ("1,2\n3,4\n", "not a variable"),
                                            ("x,x\n1,2\n", "twice")])
def test_bad_header(gradcli: Any, stdin: str, message: str) -> None:
    r = gradcli("eval", "x", "--batch", "-", stdin=stdin)
    assert r.code == 2 and r.out == "" and message in r.err


def test_kink_rows_carry_the_note(gradcli: Any, path: str) -> None:
    r = gradcli("eval", "abs(x)", "--x", "-1,0,1", "--format", "csv")
    assert r.code == 0
    out = rows_of(r.out)
    assert [row["d/dx"] for row in out] == ["-1", "0", "1"]
    assert [bool(row["note"]) for row in out] == [False, True, False]


def test_check_column_on_request(gradcli: Any) -> None:
    r = gradcli("eval", SEED, "--x", "1,2", "--y", "3", "--check", "--format", "csv")
    assert r.code == 0
    assert [row["check"] for row in rows_of(r.out)] == ["passed", "passed"]


def test_quiet_batch(gradcli: Any, path: str) -> None:
    r = gradcli("eval", "x*y", "--x", "1:3:1", "--y", "3", "--wrt", "x", "-q")
    assert (r.code, r.out) == (0, "3\n3\n3\n")
    r = gradcli("eval", "log(x)", "--x", "1,-1", "-q")
    assert r.out == "0\t1\nerror\n" and r.code == 3 and "point 2: log(x)" in r.err


def test_digits_mean_the_same_in_a_batch_as_at_one_point(gradcli: Any, path: str) -> None:
    """Batches go through the one output path (render.Stream): --digits shortens the
    numbers of CSV, TSV, plain and -q as it does for one point (CSV/TSV printed every
    digit before), and JSON refuses it alike."""
    one = gradcli("eval", "x/7", "--x", "1", "--format", "csv", "--digits", "3", "--no-check")
    want = rows_of(one.out)[0]
    assert (want["value"], want["d/dx"]) == ("0.143", "0.143")
    for fmt, sep in (("csv", ","), ("tsv", "\t")):
        grid = gradcli("eval", "x/7", "--x", "1,2", "--format", fmt, "--digits", "3")
        batch_ = gradcli("eval", "x/7", "--batch", "-", "--format", fmt, "--digits", "3",
                         stdin="x\n1\n2\n")
        for r in (grid, batch_):
            assert r.code == 0
            got = rows_of(r.out, sep)
            assert [(g["value"], g["d/dx"]) for g in got] == [("0.143", "0.143"),
                                                              ("0.286", "0.143")]
    plain = gradcli("eval", "x/7", "--x", "1,2", "--format", "plain", "--digits", "3")
    assert plain.out.splitlines() == ["x=1 value=0.143 d/dx=0.143", "x=2 value=0.286 d/dx=0.143"]
    quiet = gradcli("eval", "x/7", "--x", "1,2", "-q", "--digits", "3")
    assert quiet.out == "0.143\t0.143\n0.286\t0.143\n"
    for argv in (["--x", "1"], ["--x", "1,2"]):
        r = gradcli("eval", "x/7", *argv, "--format", "json", "--digits", "3")
        assert r.code == 2 and r.out == "" and "--digits does not apply to --format json" in r.err


# ---------------------------------------------------------------- grids

def test_range_is_inclusive_and_decimal() -> None:
    assert axis("x", "0:1:0.1") == [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
    assert axis("x", "1:0:-0.25") == [1.0, 0.75, 0.5, 0.25, 0.0]
    assert axis("x", "0:1:0.3") == [0.0, 0.3, 0.6, 0.9]
    assert axis("t", "0:pi:pi/4") == pytest.approx([k * math.pi / 4 for k in range(5)])
    assert axis("t", "0:pi:pi/4")[-1] == math.pi
    assert axis("x", "1,sqrt(4),max(1,3)") == [1.0, 2.0, 3.0]


@pytest.mark.parametrize("spec", ["0:1:0", "0:1:-0.1", "0:1", "1,,2", "0:1:1e-9"])
def test_bad_ranges(spec: str) -> None:
    with pytest.raises(InputError):
        axis("x", spec)


def test_grid_every_combination(gradcli: Any, path: str) -> None:
    r = gradcli("eval", "x^2 * y", "--x", "0:1:0.5", "--y", "1,2", "--format", "csv")
    assert r.code == 0
    out = rows_of(r.out)
    assert [(row["x"], row["y"]) for row in out] == [
        ("0", "1"), ("0", "2"), ("0.5", "1"), ("0.5", "2"), ("1", "1"), ("1", "2")]
    for row in out:
        x, y = float(row["x"]), float(row["y"])
        assert float(row["value"]) == x * x * y
        assert float(row["d/dx"]) == 2 * x * y and float(row["d/dy"]) == x * x


def test_grid_with_batch_is_an_error(gradcli: Any) -> None:
    r = gradcli("eval", "x*y", "--batch", "-", "--x", "1,2", stdin="y\n1\n")
    assert r.code == 2 and "cannot be combined" in r.err


@pytest.mark.parametrize("form", ["table", "plain", "json"])
def test_grid_other_formats(gradcli: Any, form: str) -> None:
    r = gradcli("eval", "x*y", "--x", "1,2", "--y", "3", "--format", form)
    assert r.code == 0 and "6" in r.out


# ---------------------------------------------------------------- streaming

class Sink(io.TextIOBase):
    """stdout that counts lines and flushes and keeps nothing."""

    def __init__(self) -> None:
        self.lines = 0
        self.flushes = 0

    def write(self, s: str) -> int:
        self.lines += s.count("\n")
        return len(s)

    def flush(self) -> None:
        self.flushes += 1


def test_streams_with_flat_memory(path: str) -> None:
    """200,000 rows from a generator: output flows before the input ends, memory stays flat."""
    n = 200_000
    sink = Sink()
    written_before_end: list[int] = []

    def source() -> Iterator[str]:  # the lines after the header, made as they are read
        for i in range(n):
            if i == n - 1:
                written_before_end.append(sink.lines)
            yield f"{1 + i % 97},{2 + i % 89}\n"

    tape = parse(SEED)
    tracemalloc.start()
    status = batch.run(tape, source(), ["x", "y"], {}, sink, fmt="csv", quiet=False,
                       digits=None, wrt=[], check=False, warn=no_warning)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert status == 0
    assert sink.lines == n + 1
    assert written_before_end[0] > n // 2  # most rows were out before the last came in
    assert sink.flushes > 5
    assert peak < 30_000_000  # a few chunks, not 200,000 rows (~100 MB as Python objects)


def test_small_chunks_for_pipes() -> None:
    """From a pipe the first rows come back after one row, not after a full chunk."""
    tape = parse("x*2")
    got: list[int] = []

    class Sink(io.TextIOBase):
        def write(self, s: str) -> int:
            return len(s)

        def flush(self) -> None:
            got.append(len(consumed))

    consumed: list[int] = []

    def source() -> Iterator[str]:
        for i in range(10):
            consumed.append(i)
            yield f"{i}\n"

    batch.run(tape, source(), ["x"], {}, Sink(), fmt="csv", quiet=False, digits=None, wrt=[],
              check=False, small=True, warn=no_warning)
    assert got[0] == 1  # flushed after the first row


def test_fast_block_takes_plain_numbers_only(path: str) -> None:
    """The block path: plain numbers only; anything else goes row by row."""
    ev = batch.Evaluator(parse("x/y"), ["x", "y"], check=False)
    args = (2, ",", [0, 1], [None, None], ",")
    assert batch.fast_block(ev, ["1,2\n", " 3, 4\n"], *args) == "1,2,0.5,0.5,-0.25,,\n" \
        "3,4,0.75,0.25,-0.1875,,\n"
    for bad in (["1,abc\n"], ["1,0\n"], ["1,2\n", "\n"], ['"1",2\n'], ["1,2,3\n"], ["1,inf\n"]):
        assert batch.fast_block(ev, bad, *args) is None, bad


def test_spaces_and_crlf(gradcli: Any, path: str) -> None:
    r = gradcli("eval", "x/y", "--batch", "-", "--format", "csv",
                stdin="x, y\r\n 1, 2\r\n3 ,4\r\n")
    assert r.code == 0
    assert [(row["x"], row["y"], row["value"]) for row in rows_of(r.out)] == [
        ("1", "2", "0.5"), ("3", "4", "0.75")]


def test_fast_block_ignores_other_columns_and_crlf(path: str) -> None:
    ev = batch.Evaluator(parse("x*2"), ["x"], check=False)
    got = batch.fast_block(ev, ["a label,3\r\n", "another,4\r\n"], 2, ",", [1], [None], ",")
    assert got == "3,6,2,,\n4,8,2,,\n"


def test_progress_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    class Err(io.StringIO):
        def __init__(self, tty: bool) -> None:
            super().__init__()
            self.tty = tty

        def isatty(self) -> bool:
            return self.tty

    clock = iter(range(0, 1000))
    monkeypatch.setattr(batch.time, "monotonic", lambda: float(next(clock)))
    for tty in (True, False):
        err = Err(tty)
        monkeypatch.setattr(batch.sys, "stderr", err)
        p = batch.Progress(total=1000)
        p.update(500)
        p.done()
        assert ("500 of 1,000 (50%) rows" in err.getvalue()) is tty
        assert err.getvalue().endswith("\r") or not tty


def test_terminal_input_answers_row_by_row() -> None:
    """Typing points at a terminal: each row's answer comes back before the next is typed."""
    pty = pytest.importorskip("pty")
    import os
    import select
    import subprocess
    import sys

    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "gradcli", "eval", "x*3", "--batch", "-",
                             "--format", "csv"], stdin=slave, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    os.close(slave)
    try:
        got = b""
        for typed, want in ((b"x\n1\n", b"1,3,3,,\n"), (b"2\n", b"2,6,3,,\n")):
            os.write(master, typed)
            assert proc.stdout is not None
            while want not in got:
                ready, _, _ = select.select([proc.stdout], [], [], 20)
                assert ready, f"no answer for {typed!r}; so far {got!r}"
                got += os.read(proc.stdout.fileno(), 4096)
        os.write(master, b"\x04")  # end of input
        assert proc.wait(timeout=20) == 0
    finally:
        proc.kill()
        os.close(master)


def test_grid_blocks_nest_in_command_line_order(gradcli: Any, path: str) -> None:
    """--y before --x: y is the outer loop; columns stay in the expression's order."""
    r = gradcli("eval", "x*y + z*x/4", "--y", "1,2", "--x", "0:1:0.5", "--z", "3",
                "--format", "csv")
    assert r.code == 0
    out = rows_of(r.out)
    assert list(out[0]) == ["x", "y", "z", "value", "d/dx", "d/dy", "d/dz", "note", "error"]
    want = [(x, y) for y in (1.0, 2.0) for x in (0.0, 0.5, 1.0)]
    assert [(float(row["x"]), float(row["y"])) for row in out] == want
    for row, (x, y) in zip(out, want, strict=True):
        assert row["z"] == "3"
        assert float(row["value"]) == x * y + 3 * x / 4
        assert float(row["d/dx"]) == y + 0.75 and float(row["d/dy"]) == x
        assert float(row["d/dz"]) == x / 4


def test_grid_with_failing_points_mixes_paths(gradcli: Any, path: str) -> None:
    """A block with a bad point falls back to rows; the others stay whole blocks."""
    r = gradcli("eval", "log(x) * y", "--x", "-1:3:0.5", "--y", "1,2", "--format", "csv")
    assert r.code == 3
    out = rows_of(r.out)
    assert len(out) == 18
    for row in out:
        x, y = float(row["x"]), float(row["y"])
        if x <= 0:
            assert row["value"] == "" and "log(x)" in row["error"]
        else:
            assert float(row["value"]) == pytest.approx(math.log(x) * y, rel=1e-15)
            assert float(row["d/dx"]) == pytest.approx(y / x, rel=1e-15)


def test_big_grid_streams(path: str) -> None:
    """A 250,000-point grid: written block by block, never held whole."""
    sink = Sink()
    tape = parse(SEED)
    grid = batch.GridSource(list(tape.variables), {"x": [1 + k / 500 for k in range(500)],
                                                   "y": [1 + k / 500 for k in range(500)]}, {})
    tracemalloc.start()
    status = batch.run(tape, grid, None, {}, sink, fmt="csv", quiet=False, digits=None, wrt=[],
                       check=False, total=grid.total, warn=no_warning)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert status == 0 and sink.lines == 250_001 and sink.flushes > 10
    assert peak < 30_000_000


@pytest.mark.parametrize("flag", [["--exact"], ["--order", "2"], ["--direction", "1"]])
def test_one_point_options_refuse_grids(gradcli: Any, flag: list[str]) -> None:
    r = gradcli("eval", "x^2", "--x", "1,2", *flag)
    assert r.code == 2 and r.out == "" and "work at one point" in r.err
