"""Issue 14's numbers, through the real command line (the venv's `gradcli`, a subprocess).

Each test asserts a rule, not a message: no crash (exit 70) whatever the magnitude,
overflow is exit 3 with nothing on stdout, and where a result is printed its numbers
are checked against Python's math on the same points.
"""

from __future__ import annotations

import csv
import io
import math
import subprocess
import sys
from pathlib import Path

import pytest

GRADCLI = Path(sys.executable).with_name("gradcli")


def run(*argv: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """The installed command, as a shell script would call it."""
    cmd = [str(GRADCLI)] if GRADCLI.exists() else [sys.executable, "-m", "gradcli"]
    return subprocess.run([*cmd, *argv], input=stdin, capture_output=True, text=True,
                          timeout=120)


def assert_clean_error(r: subprocess.CompletedProcess[str], code: int) -> None:
    """The contract for an error: its status, one message, nothing on stdout."""
    assert r.returncode == code, (r.returncode, r.stdout[-300:], r.stderr[-300:])
    assert r.stdout == ""
    assert r.stderr.startswith("gradcli: error:") and "internal error" not in r.stderr
    assert "Traceback" not in r.stderr


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))[1:]


# ---------------------------------------------------------------- plot: any range draws

needs_plotext = pytest.mark.skipif(
    subprocess.run([sys.executable, "-c", "import plotext"], capture_output=True).returncode,
    reason="plotext is not installed (pip install 'gradcli[plot]')")


@needs_plotext
@pytest.mark.parametrize("argv", [
    ["sin(x)", "--x", "-1e308:1e308"],  # the span itself overflows a double
    ["x", "--x", "1e300:1.7e308"],  # (stop - start)·k overflows
    ["sin(x)", "--x", "0:1e-320"],  # subnormal: plotext's ticks overflowed
    ["1e-320*x", "--x", "0:1"],  # subnormal values on the y axis
    ["1e300*x^2", "--x", "0:1e5"],  # values near the largest double, and overflow gaps
    ["x^2", "--x", "0:1", "--at", "5"],  # the mark off the range
    ["x^2", "--x", "0:1", "--at", "-1e300"],
    ["x^2", "--x", "0:1", "--at", "1"],  # the tangent at the edge, half of it off
])
def test_plot_draws_any_range(argv: list[str]) -> None:
    r = run("plot", *argv, "--width", "60", "--height", "15")
    assert r.returncode == 0, r.stderr
    assert "┌" in r.stdout and "internal error" not in r.stderr


@needs_plotext
def test_an_axis_past_1e100_says_its_scale() -> None:
    r = run("plot", "sin(x)", "--x", "0:1e-320", "--width", "60", "--height", "15")
    assert r.returncode == 0 and "x (×1e-321)" in r.stdout
    r = run("plot", "x", "--x", "1e300:1.7e308", "--width", "60", "--height", "15")
    assert r.returncode == 0 and "(×1e+308)" in r.stdout


@needs_plotext
def test_mark_off_the_range_keeps_its_numbers_in_the_caption() -> None:
    r = run("plot", "x^2", "--x", "0:1", "--at", "5")
    assert r.returncode == 0 and "outside the range" in r.stderr
    assert "at x = 5: f = 25, ∂f/∂x = 10" in r.stdout


def test_plot_samples_of_the_widest_range_are_right() -> None:
    r = run("plot", "sin(x)", "--x", "-1e308:1e308", "--format", "csv")
    assert r.returncode == 0, r.stderr
    rows = [[float(v) for v in row] for row in csv_rows(r.stdout)]
    xs = [row[0] for row in rows]
    assert len(xs) == 401 and xs[0] == -1e308 and xs[-1] == 1e308 and xs[200] == 0
    assert all(a < b for a, b in zip(xs, xs[1:], strict=False))
    for x, f, df in rows:
        assert f == math.sin(x) and df == math.cos(x)


def test_grid_steps_past_the_largest_double() -> None:
    # a step that is not a plain decimal takes the float path: k·step overflowed to inf
    r = run("eval", "x", "--x", "-1e308:1e308:(1e306+pi)", "--format", "csv")
    assert r.returncode == 0, r.stderr
    xs = [float(row[0]) for row in csv_rows(r.stdout)]
    assert len(xs) == 201 and xs[0] == -1e308 and xs[-1] == 1e308
    assert all(math.isfinite(x) for x in xs)
    r = run("eval", "x", "--x", "-1e308:1e308:1e-300*pi")  # more steps than a double counts
    assert_clean_error(r, 2)
