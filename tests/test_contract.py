"""The script contract under hostile input (issue 14): typos are errors, reading stops at
its limits, and each rule holds through the real command line.

Each test asserts a rule (exit status, what reaches stdout, the number read), not the
wording of a message.
"""

from __future__ import annotations

import csv
import io
import math
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from gradcli import compile as comp
from gradcli.limits import MAX_INPUT_BYTES, MAX_LINE

GRADCLI = shutil.which("gradcli", path=os.path.dirname(sys.executable)) or "gradcli"


def cli(*argv: str, stdin: bytes | None = None,
        timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """The installed `gradcli` of this venv, as a shell script runs it."""
    done = subprocess.run([GRADCLI, *argv], input=stdin, capture_output=True, timeout=timeout,
                          check=False)
    return subprocess.CompletedProcess(done.args, done.returncode,
                                       done.stdout.decode("utf-8", "replace"),
                                       done.stderr.decode("utf-8", "replace"))


def assert_refused(res: Any, code: int = 2) -> None:
    """Exit `code`, nothing on stdout, one `gradcli: error:` line (plus a caret) on stderr."""
    out = res.stdout if hasattr(res, "stdout") else res.out
    err = res.stderr if hasattr(res, "stderr") else res.err
    status = res.returncode if hasattr(res, "returncode") else res.code
    assert status == code, (status, err)
    assert out == "", out[:200]
    assert err.startswith("gradcli: error: ") and "Traceback" not in err, err


# ---------------------------------------------------------------- typos are not numbers

# the cases, and their kin: two numbers side by side, a second decimal point,
# a letter right after an exponent, an underscore, a digit outside ASCII
TYPOS = ["1..5", "1e5e", "1 000", "0..10", "1e-5.5", "2 3", "1.2.3", "2e-3e", "1e5pi",
         "1_000", "３", "１.５", "1e-400", "1e999", "5..", "-1 000", "max(1 2)", "2 .5"]

# what a value may be: a number or a constant expression, read as meant
VALUES = {"2.5": 2.5, "-1.5": -1.5, "+2": 2.0, ".5": 0.5, "5.": 5.0, "1E3": 1000.0,
          "1e-320": 1e-320, "pi/4": math.pi / 4, "2pi": 2 * math.pi, "2 pi": 2 * math.pi,
          "sqrt(2)": math.sqrt(2), "-sqrt(2)": -math.sqrt(2), "2^10": 1024.0,
          "log10(100)": 2.0, "e": math.e, "1/3": 1 / 3, " 7 ": 7.0}


@pytest.mark.parametrize("text", TYPOS)
def test_a_typod_value_is_refused_on_the_command_line(text: str) -> None:
    assert_refused(cli("eval", "x", "--x", text, "-q"))


@pytest.mark.parametrize("text", TYPOS)
def test_a_typod_value_is_refused_by_every_reader(gradcli: Any, text: str) -> None:
    """--x VALUE, x=VALUE, a grid element, --direction, check --at, hessian, --exact."""
    for argv in (["eval", "x", f"x={text}"], ["eval", "x*y", "--x", f"1,{text}", "--y", "1"],
                 ["eval", "x", "--x", f"0:{text}:1"],
                 ["eval", "x*y", "--x", "1", "--y", "1", "--direction", f"1,{text}"],
                 ["hessian", "x^2", "--x", text], ["taylor", "exp(x)", "--x", text],
                 ["check", "x^2", "--wrt", "x", "--expect", "2x", "--at", f"x={text}"]):
        assert_refused(gradcli(*argv))
    if text not in ("1e-400", "1e999"):  # exact arithmetic holds 10^±400 exactly: fine
        assert_refused(gradcli("eval", "x", "--x", text, "--exact"))


@pytest.mark.parametrize(("text", "value"), list(VALUES.items()))
def test_a_value_is_a_number_or_a_constant_expression(gradcli: Any, text: str,
                                                      value: float) -> None:
    res = gradcli("eval", "x", "--x", text, "-q")
    assert res.code == 0, res.err
    assert float(res.out.split()[0]) == pytest.approx(value, rel=1e-15, abs=0)


@pytest.fixture(params=["numpy", "python"])
def batch_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both fast paths of a batch (NumPy blocks, generated Python) and their fallback."""
    if request.param == "numpy":
        if comp.numpy_namespace() is None:
            pytest.skip("numpy not installed (the gradcli[fast] extra)")
    else:
        monkeypatch.setattr(comp, "numpy_namespace", lambda: None)
    return str(request.param)


@pytest.mark.parametrize("source", ["file", "stdin"])
def test_batch_cells_follow_the_same_rule_as_values(gradcli: Any, tmp_path: Path,
                                                    batch_path: str, source: str) -> None:
    """Each typo'd cell is that row's error (never a number); good rows are read as meant,
    and the block fast paths (plain cells only) give the same as the row path."""
    good = list(VALUES.items())
    cells = [t for t in TYPOS if "," not in t] + [t for t, _ in good]
    text = "x\n" + "".join(f'"{c}"\n' for c in cells)
    args = ["eval", "2*x", "--batch"]
    if source == "file":
        f = tmp_path / "cells.csv"
        f.write_text(text, encoding="utf-8")
        res = gradcli(*args, str(f), "--format", "csv")
    else:
        res = gradcli(*args, "-", "--format", "csv", stdin=text)
    assert res.code == 2
    rows = list(csv.DictReader(io.StringIO(res.out)))
    assert [r["x"] for r in rows] == [c.strip() for c in cells]
    for row in rows[: len(cells) - len(good)]:
        assert row["value"] == "" and row["error"], row
    for row, (_, v) in zip(rows[len(cells) - len(good):], good, strict=True):
        assert row["error"] == "" and float(row["value"]) == 2 * v, row


def test_batch_of_plain_cells_is_unchanged_by_the_rule(gradcli: Any, tmp_path: Path,
                                                        batch_path: str) -> None:
    """The fast paths still take ordinary numbers, including tiny and signed ones."""
    nums = ["1", "-2.5", "1e-300", "3E+2", ".25", "0", "-0", "7."]
    f = tmp_path / "p.csv"
    f.write_text("x\n" + "\n".join(nums) + "\n")
    res = gradcli("eval", "x*x", "--batch", str(f), "--format", "csv")
    assert res.code == 0, res.err
    assert [float(r["value"]) for r in csv.DictReader(io.StringIO(res.out))] == \
        [float(n) ** 2 for n in nums]


# ---------------------------------------------------------------- reading stops at its limits

def test_dev_zero_as_a_file_stops_at_once() -> None:
    start = time.monotonic()
    assert_refused(cli("eval", "-f", "/dev/zero", "--x", "1", timeout=20))
    assert time.monotonic() - start < 10


def _endless(argv: list[str], pattern: bytes, head: bytes = b"") -> tuple[int, str, str, int]:
    """Feed `pattern` forever on stdin; the exit status, streams and bytes gradcli took."""
    import tempfile

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen([GRADCLI, *argv], stdin=subprocess.PIPE, stdout=out,
                                stderr=err)
        sent = 0
        block = pattern * (65536 // len(pattern))
        assert proc.stdin is not None
        try:
            proc.stdin.write(head)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                proc.stdin.write(block)
                sent += len(block)
        except (BrokenPipeError, OSError):
            pass  # gradcli stopped reading: what we want
        finally:
            try:
                proc.stdin.close()
            except OSError:
                pass
        try:
            proc.wait(timeout=30)
        finally:
            proc.kill()
        out.seek(0)
        err.seek(0)
        return proc.returncode, out.read().decode(), err.read().decode(), sent


@pytest.mark.parametrize("argv", [["eval", "-", "--x", "1"], ["eval", "-f", "-", "--x", "1"],
                                  ["diff", "-"]])
def test_an_endless_stdin_stops_at_the_size_limit(argv: list[str]) -> None:
    code, out, err, sent = _endless(argv, b"x+")
    assert code == 2 and out == "" and err.startswith("gradcli: error: ")
    assert sent < 4 * MAX_INPUT_BYTES  # read up to the limit, not on and on


@pytest.mark.parametrize("head", [b"", b"x\n", b"x\n1\n"])
def test_a_batch_without_a_newline_stops_at_the_line_limit(head: bytes) -> None:
    code, out, err, sent = _endless(["eval", "x", "--batch", "-", "--format", "csv"], b"1",
                                    head)
    assert code == 2 and err.startswith("gradcli: error: ")
    assert sent < 64 * MAX_LINE
    rows = list(csv.reader(io.StringIO(out)))
    # nothing before the first row is whole; rows already done stay (a batch streams)
    assert rows == ([] if head != b"x\n1\n" else [rows[0], ["1", "1", "1", "", ""]])


@pytest.mark.parametrize("where", ["cell", "header"])
def test_a_csv_field_past_csvs_limit_is_a_clean_error(tmp_path: Path, where: str) -> None:
    big = "1" * 200_000
    f = tmp_path / "big.csv"
    if where == "header":
        f.write_text(f'"{big}"\n1\n')
        assert_refused(cli("eval", "x", "--batch", str(f), "--format", "csv"))
        return
    f.write_text(f'x,y\n"{big}",1\n2,3\n')
    res = cli("eval", "x+y", "--batch", str(f), "--format", "csv")
    assert res.returncode == 2 and "Traceback" not in res.stderr
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert rows[0]["value"] == "" and rows[0]["error"]
    assert rows[1]["value"] == "5"


def test_a_value_past_its_budget_is_refused(gradcli: Any) -> None:
    from gradcli.limits import MAX_VALUE

    assert_refused(gradcli("eval", "x", "--x", "1+" * MAX_VALUE + "1"))
    ok = gradcli("eval", "x", "--x", "+".join(["1"] * 100), "-q")
    assert ok.code == 0 and ok.out.split()[0] == "100"
