"""The one output path, through the real command line (subprocess running this venv's gradcli).

What every format must share (issue 13, and issue 14's script contract): the
number rule, --wrt in every format, -q --format json, --digits with json, `read
as`, no control character on a pipe, a piped graph's COLUMNS and --max-rows.
Values are checked against Python's own float arithmetic and repr, not against
gradcli's printing.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys

import pytest

EXE = shutil.which("gradcli", path=os.path.dirname(sys.executable))
pytestmark = pytest.mark.skipif(EXE is None, reason="needs the installed gradcli of this venv")


def run(*argv: str, columns: str | None = None,
        stdin: str = "") -> subprocess.CompletedProcess[str]:
    assert EXE is not None
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    if columns is not None:
        env["COLUMNS"] = columns
    return subprocess.run([EXE, *argv], capture_output=True, text=True, timeout=120, env=env,
                          input=stdin)


# ---------------------------------------------------------------- numbers

def test_digits_17_prints_the_shortest_round_trip() -> None:
    """--digits 17 never prints 0.64285714285714279 for the double 9/14."""
    p = run("eval", "x/7", "--x", "4.5", "--digits", "17", "--format", "plain", "--no-check")
    assert p.returncode == 0
    assert f"value = {4.5 / 7!r}" in p.stdout.splitlines()
    p = run("eval", "x/7", "--x", "4.5", "--digits", "3", "-q", "--no-check")
    assert p.stdout.splitlines() == [f"{4.5 / 7:.3g}", f"{1 / 7:.3g}"]


def test_one_point_and_a_grid_print_the_same_digits() -> None:
    """-q: one point, a grid and a batch all print the shortest round-trip text."""
    one = run("eval", "log(3*x^2 + 5*x*y)", "--x", "2", "--y", "3", "-q", "--no-check")
    grid = run("eval", "log(3*x^2 + 5*x*y)", "--x", "2,2", "--y", "3", "-q")
    batch = run("eval", "log(3*x^2 + 5*x*y)", "--batch", "-", "-q", stdin="x,y\n2,3\n")
    import math

    want = one.stdout.split()
    assert want[0] == repr(math.log(42.0))
    # the shortest text of each double: it reads back as the same double and has no
    # more digits than repr's (the grid printed 10 digits for a table-less -q)
    assert all(repr(float(t)) == t for t in want)
    assert [float(t) for t in want[1:]] == pytest.approx([18 / 28, 10 / 42], rel=1e-15)
    assert grid.stdout.split() == want * 2
    assert batch.stdout.split() == want


# ---------------------------------------------------------------- options in every format

def test_wrt_filters_json_too() -> None:
    p = run("eval", "x*y*z", "--x", "2", "--y", "3", "--z", "4", "--wrt", "y", "--format", "json")
    data = json.loads(p.stdout)
    assert data["gradient"] == {"y": 8.0}
    assert list(data["check"]["partials"]) == ["y"]
    p = run("hessian", "x*y*z", "--x", "2", "--y", "3", "--z", "4", "--wrt", "x", "--wrt", "z",
            "--format", "json")
    data = json.loads(p.stdout)
    assert data["variables"] == ["x", "z"] and data["hessian"] == [[0.0, 3.0], [3.0, 0.0]]


def test_unknown_wrt_is_refused_the_same_way_everywhere() -> None:
    for argv in (["eval", "x*y", "--x", "1", "--y", "2"], ["jacobian", "x*y, x", "--x", "1",
                 "--y", "2"], ["hessian", "x*y", "--x", "1", "--y", "2"],
                 ["explain", "x*y", "--x", "1", "--y", "2"], ["diff", "x*y"],
                 ["check", "x*y"]):
        extra = ["--expect", "y"] if argv[0] == "check" else []
        for fmt in ("table", "json", "csv"):
            p = run(*argv, *extra, "--wrt", "q", "--format", fmt)
            assert p.returncode == 2 and p.stdout == ""
            assert "--wrt q: q is not a variable of the expression" in p.stderr


def test_quiet_json_is_the_quiet_numbers_as_json() -> None:
    p = run("eval", "x*y", "--x", "2", "--y", "3", "-q", "--format", "json")
    assert json.loads(p.stdout) == [6.0, 3.0, 2.0]
    p = run("jacobian", "x*y, x+y", "--x", "2", "--y", "3", "-q", "--format", "json")
    assert json.loads(p.stdout) == [[3.0, 2.0], [1.0, 1.0]]
    p = run("eval", "x*y", "--x", "1,2", "--y", "3", "-q", "--format", "json", "--wrt", "x")
    assert json.loads(p.stdout) == [[3.0], [3.0]]
    p = run("check", "x^2", "--wrt", "x", "--expect", "3*x", "-q", "--format", "json")
    assert p.returncode == 1 and json.loads(p.stdout) == ["different"]


def test_digits_with_json_is_refused() -> None:
    for argv in (["eval", "x*y", "--x", "2", "--y", "3"], ["eval", "x*y", "--x", "1,2", "--y", "3"],
                 ["graph", "x*y", "--x", "2", "--y", "3"]):
        p = run(*argv, "--digits", "3", "--format", "json")
        assert p.returncode == 2 and p.stdout == "" and "JSON always carries" in p.stderr


# ---------------------------------------------------------------- read as

def test_read_as_in_every_format() -> None:
    p = run("eval", "2x y", "--x", "2", "--y", "3", "--format", "plain", "--no-check")
    assert p.stdout.splitlines()[0] == "read as: 2*x*y"
    p = run("eval", "2x y", "--x", "2", "--y", "3", "--format", "json", "--no-check")
    assert json.loads(p.stdout)["read_as"] == [{"label": "f", "text": "2*x*y"}]
    for quiet in (["-q"], ["--format", "csv"]):  # data on stdout stays clean
        p = run("eval", "2x y", "--x", "2", "--y", "3", "--no-check", *quiet)
        assert "read as" not in p.stdout and "read as: 2*x*y" in p.stderr
    p = run("eval", "x*y", "--x", "2", "--y", "3", "--format", "json", "--no-check")
    assert "read_as" not in json.loads(p.stdout)  # typed as read: nothing to say
    p = run("check", "x^2", "--wrt", "x", "--expect", "2x")
    assert p.returncode == 0 and p.stdout.startswith("your answer read as: 2*x\n")


# ---------------------------------------------------------------- nothing raw on a pipe

def test_no_control_character_reaches_a_pipe() -> None:
    # an error's source line and caret, with an escape sequence typed in the input
    p = run("eval", "x + \x1b[31my", "--x", "1")
    assert p.returncode == 2 and "\x1b" not in p.stderr
    lines = p.stderr.splitlines()
    assert lines[-1].index("^") == lines[-2].index("?")  # the caret under the character
    # a CSV cell: an error cell quoting a bad batch value
    p = run("eval", "x*2", "--batch", "-", "--format", "csv", stdin="x\n1\n\x1b[2J\n")
    assert "\x1b" not in p.stdout and "\x1b" not in p.stderr
    rows = list(csv.DictReader(io.StringIO(p.stdout)))
    assert rows[0]["d/dx"] == "2" and rows[1]["error"]


# ---------------------------------------------------------------- graph on a pipe

def test_piped_graph_honours_columns_and_max_rows() -> None:
    expr = " + ".join(f"sin({k}*x)" for k in range(1, 40))
    narrow = run("graph", expr, "--x", "1", columns="70")
    assert max(len(line) for line in narrow.stdout.splitlines()) <= 70
    wide = run("graph", expr, "--x", "1", "--max-rows", "200", columns="300")
    few = run("graph", expr, "--x", "1", "--max-rows", "10", columns="300")
    nodes = [line for line in wide.stdout.splitlines() if " = " in line]
    assert len(nodes) > 150  # every one of the 156 nodes but the constants has a row
    assert len([line for line in few.stdout.splitlines() if " = " in line]) < 15
