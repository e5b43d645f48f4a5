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


# ---------------------------------------------------------------- NumPy batch: bit-identical

def _bits(v: float) -> str:
    return float(v).hex()  # tells -0.0 from 0.0, and every last bit


def numpy_vs_interpreter(text: str, points: list[dict[str, float]]) -> int:
    """Every row the NumPy path keeps must be the interpreter's, bit for bit; returns how
    many rows were compared (the rest it hands to the interpreter itself)."""
    from gradcli.compile import numpy_namespace, vectorizable, vectorized
    from gradcli.errors import GradcliError
    from gradcli.parser import parse
    from gradcli.pipeline import evaluate

    nps = numpy_namespace()
    tape = parse(text)
    if not vectorizable(tape, nps):
        return 0
    names = list(tape.variables)
    cols = [nps.np.array([p[n] for p in points], dtype=float) for n in names]
    results, bad = vectorized(tape, cols, nps)
    n = len(points)
    bad = nps.np.broadcast_to(bad, (n,)).tolist()
    table = [nps.np.broadcast_to(col, (n,)).tolist() for col in results]
    compared = 0
    for r, point in enumerate(points):
        if bad[r]:
            continue
        try:
            ev = evaluate(tape, {k: point[k] for k in names}, check=False)
        except GradcliError as e:  # the fast path kept a row the interpreter refuses
            raise AssertionError((text, point, e.message)) from None
        want = [ev.value, *(ev.gradient[k] for k in names)]
        got = [table[0][r], *(table[1 + k][r] for k in range(len(names)))]
        assert list(map(_bits, got)) == list(map(_bits, want)), (text, point, got, want)
        compared += 1
    return compared


def test_numpy_batch_is_bit_identical_to_eval() -> None:
    pytest.importorskip("numpy")
    import random

    from exprgen import SHARED, random_expr

    # the row: its exact cancellation (0.045 - 0.045) goes to the interpreter
    numpy_vs_interpreter("(x*e^-2)/x", [{"x": 3.0}])
    rng = random.Random(14)
    compared = 0
    for _ in range(300):
        text = random_expr(rng, rng.randint(2, 4), SHARED, "xy").text
        points = [{"x": rng.uniform(-4, 4), "y": rng.uniform(-4, 4)} for _ in range(20)]
        compared += numpy_vs_interpreter(text, points)
    assert compared > 2000  # most rows stay on the fast path


def test_numpy_batch_through_the_command_line(tmp_path: Path) -> None:
    """`--batch` (NumPy) prints exactly what `eval` prints for each row alone."""
    pytest.importorskip("numpy")
    rows = ["3", "0.1", "-7.25", "1e-300", "123456.789"]
    src = tmp_path / "points.csv"
    src.write_text("x\n" + "\n".join(rows) + "\n")
    for text in ["(x*e^-2)/x", "exp(sin(x))*tanh(x/3)", "log10(x^2 + 1)^1.5", "sinh(x/900)"]:
        batch = run("eval", text, "--batch", str(src), "--format", "csv")
        assert batch.returncode == 0, batch.stderr
        for row, line in zip(rows, csv_rows(batch.stdout), strict=True):
            one = run("eval", text, "--x", row, "--format", "csv", "--no-check")
            assert one.returncode == 0, one.stderr
            assert line[1:3] == csv_rows(one.stdout)[0][1:3], (text, row)


# ---------------------------------------------------------------- superscript exponents

@pytest.mark.parametrize("digits", [309, 5000])
def test_a_superscript_exponent_past_a_double_is_bad_input(digits: int) -> None:
    r = run("eval", "x" + "⁹" * digits, "--x", "1")
    assert_clean_error(r, 2)


def test_the_largest_superscript_exponent_still_reads() -> None:
    r = run("eval", "x" + "⁹" * 308, "--x", "1", "-q")  # 1^(10^308 - 1) = 1, slope 10^308
    assert r.returncode == 0, r.stderr
    assert [float(v) for v in r.stdout.split()] == [1.0, float("9" * 308)]


# ---------------------------------------------------------------- budgets: --order's check

def test_order_30_on_400_nested_sines_is_checked_in_a_few_sweeps() -> None:
    """The issue's 32 s case: the check reuses one full-order sweep per point."""
    import time

    text = "sin(" * 400 + "x" + ")" * 400
    start = time.process_time()
    from gradcli import taylor
    from gradcli.parser import parse

    calls: list[int] = []
    sweep = taylor._sweep

    def counted(*args: object) -> list[float]:
        calls.append(1)
        return sweep(*args)  # type: ignore[arg-type]

    taylor._sweep = counted  # type: ignore[assignment]
    try:
        d = taylor.derivatives(parse(text), {"x": 0.5}, 30)
    finally:
        taylor._sweep = sweep  # type: ignore[assignment]
    assert d.passed and len(d.values) == 31
    assert len(calls) <= 6, len(calls)  # the point and x ± h, x ± 2h; was 175
    assert time.process_time() - start < 60
    r = run("eval", text, "--x", "0.5", "--order", "30", "--format", "json")
    assert r.returncode == 0, r.stderr


# ---------------------------------------------------------------- cancellation and kinks

def _verdict(r: subprocess.CompletedProcess[str], name: str = "x") -> str:
    import json

    data = json.loads(r.stdout)
    return str(data["check"]["partials"][name]["verdict"])


@pytest.mark.parametrize("text, x", [
    ("x/(3x)", "1e-100"),  # the issue's: 4.86e83 from two 3.3e99 terms
    ("(x*y)/(y*x)", "1e-150"),
    ("x^2/x - x", "1e-160"),
])
def test_cancellation_is_never_passed_as_a_kink(text: str, x: str) -> None:
    """No abs, relu, min, max, sign or step: a disagreement is never 'a kink nearby'."""
    import json

    r = run("eval", text, "--x", x, "--y", "1e-150", "--format", "json")
    assert r.returncode in (0, 1), r.stderr
    verdict = _verdict(r)
    assert verdict != "kink"
    if verdict == "ok":  # then the number must be right: each of these is constant in x
        assert abs(json.loads(r.stdout)["gradient"]["x"]) <= 1e-6


def test_a_real_kink_nearby_is_still_a_kink() -> None:
    # abs(x - 1e-300) at 0: the kink is closer than any step; the slope is its own side's
    r = run("eval", "abs(x - 1e-300)", "--x", "0", "--format", "json")
    assert r.returncode == 0, r.stderr
    assert _verdict(r) == "kink"


# ---------------------------------------------------------------- every option on every path

@pytest.mark.parametrize("argv", [
    ["eval", "abs(x)", "--x", "0", "--order", "1"],  # the issue's: exit 0 with d/dx = 0
    ["eval", "relu(x)^2", "--x", "0", "--order", "2"],  # f' exists; f'' does not
    ["taylor", "abs(x)", "--x", "0"],
    ["hessian", "abs(x)*y", "--x", "0", "--y", "1"],
    ["jacobian", "abs(x), y", "--x", "0", "--y", "1"],
    ["eval", "max(x, y)", "--x", "1", "--y", "1"],
])
def test_subgradient_error_refuses_a_kink_everywhere(argv: list[str]) -> None:
    assert_clean_error(run(*argv, "--subgradient", "error"), 3)


def test_subgradient_error_in_a_batch_is_an_error_cell() -> None:
    r = run("eval", "abs(x)", "--x", "0,1", "--subgradient", "error", "--format", "csv")
    assert r.returncode == 3
    rows = csv_rows(r.stdout)
    assert rows[0][1:3] == ["", ""] and rows[0][-1]  # no number, an error
    assert [float(v) for v in rows[1][1:3]] == [1.0, 1.0]


@pytest.mark.parametrize("convention, slope", [("left", -1.0), ("right", 1.0), ("mean", 0.0)])
def test_one_sided_conventions_reach_hessian_jacobian_and_order(convention: str,
                                                                  slope: float) -> None:
    import json

    r = run("jacobian", "abs(x), y", "--x", "0", "--y", "1", "--subgradient", convention,
            "--format", "json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["jacobian"][0][0] == slope
    r = run("hessian", "abs(x)*y", "--x", "0", "--y", "1", "--subgradient", convention,
            "--format", "json", "--no-check")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["gradient"] == [slope, 0.0]
    r = run("eval", "abs(x)", "--x", "0", "--order", "1", "--subgradient", convention,
            "--format", "json", "--no-check")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["derivatives"][1] == slope
    # past the first order the jets follow PyTorch's convention: refused, not mixed
    r = run("eval", "relu(x)^2", "--x", "0", "--order", "2", "--subgradient", convention)
    assert_clean_error(r, 2)


# ---------------------------------------------------------------- infinite slopes, zero adjoints

@pytest.mark.parametrize("argv", [
    ["eval", "sqrt(x)^2", "--x", "0"],
    ["eval", "sqrt(x)^2", "--x", "0", "--no-check"],
    ["eval", "asin(x)*0", "--x", "1"],
    ["eval", "acos(x)*(x - 1)", "--x", "1", "--format", "json"],
    ["hessian", "sqrt(x)^2*y", "--x", "0", "--y", "1"],
    ["jacobian", "sqrt(x)^2, y", "--x", "0", "--y", "1"],
    ["graph", "sqrt(x)^2", "--x", "0"],
])
def test_an_infinite_slope_under_a_zero_adjoint_is_a_domain_error(argv: list[str]) -> None:
    assert_clean_error(run(*argv), 3)


def test_an_infinite_slope_under_a_zero_adjoint_in_a_batch_and_the_api(tmp_path: Path) -> None:
    r = run("eval", "sqrt(x)^2", "--x", "0,1", "--format", "csv")  # the issue's: 0 slope, exit 0
    assert r.returncode == 3
    rows = csv_rows(r.stdout)
    assert rows[0][2] == "" and rows[0][-1] and float(rows[1][2]) == 1.0
    src = tmp_path / "p.csv"
    src.write_text("x\n0\n1\n4\n")
    r = run("eval", "sqrt(x)^2", "--batch", str(src), "--format", "csv")
    assert r.returncode == 3 and [row[2] for row in csv_rows(r.stdout)] == ["", "1", "1"]
    import gradcli
    from gradcli.errors import DomainError

    with pytest.raises(DomainError):
        gradcli.gradient("sqrt(x)^2", x=0)


def test_a_step_that_does_not_feed_the_output_is_not_judged() -> None:
    r = run("eval", "a = sqrt(x); z = x^2", "--x", "0", "-q")
    assert r.returncode == 0, r.stderr


# ---------------------------------------------------------------- cancellation: digits lost

def test_cancellation_is_reported_and_the_check_cannot_pass() -> None:
    import json

    r = run("eval", "x/(3x)", "--x", "1e-100", "--format", "json")
    assert r.returncode == 1, r.stderr  # the check fails: 16 of 16 digits are noise
    data = json.loads(r.stdout)
    assert data["check"]["passed"] is False
    assert any("cancel" in n for n in data["notes"])
    r = run("eval", "x/(3x)", "--x", "1e-100", "--no-check", "--format", "json")
    assert r.returncode == 0 and any("cancel" in n for n in json.loads(r.stdout)["notes"])


def test_cancellation_in_batches_on_both_fast_paths(tmp_path: Path) -> None:
    src = tmp_path / "p.csv"
    src.write_text("x\n1e-100\n1\n")
    no_numpy = ("import sys, gradcli.compile as c; c.numpy_namespace = lambda: None; "
                "from gradcli.cli import main; main(sys.argv[1:])")
    for cmd in ([str(GRADCLI)], [sys.executable, "-c", no_numpy]):
        out = subprocess.run([*cmd, "eval", "x/(3x)", "--batch", str(src), "--format", "csv"],
                             capture_output=True, text=True, timeout=120)
        rows = csv_rows(out.stdout)
        assert "cancel" in rows[0][3] and rows[1][3] == "", (cmd, out.stdout)


@pytest.mark.parametrize("text, x", [("x^2 - 2*x", "1"), ("(x+1)^2 - x^2 - 2*x", "3"),
                                     ("x*y - y*x", "2")])
def test_an_exact_cancellation_is_not_reported(text: str, x: str) -> None:
    import json

    r = run("eval", text, "--x", x, "--y", "3", "--format", "json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["gradient"]["x"] == 0 and data["notes"] == [] and data["check"]["passed"]


def test_cancellation_through_the_api() -> None:
    import gradcli

    r = gradcli.gradient("x/(3x)", x=1e-100)
    assert any("cancel" in n.message for n in r.notes)


# ---------------------------------------------------------------- overflow: exit 3, where it is

@pytest.mark.parametrize("command", ["eval", "graph", "jacobian", "hessian", "explain"])
@pytest.mark.parametrize("text", ["x*x/0", "sqrt(-x*x)", "x*x*0"])
def test_overflow_is_exit_3_at_the_node_where_it_happens(command: str, text: str) -> None:
    """The issue's crashes (exit 70): an overflow, then a conversion of infinity."""
    r = run(command, text, "--x", "1e200")
    assert_clean_error(r, 3)
    assert "x*x (column" in r.stderr and "overflows a double" in r.stderr


def test_overflow_in_a_batch_is_an_error_cell_and_in_the_api_a_domain_error() -> None:
    r = run("eval", "x*x/0", "--x", "1e200,1", "--format", "csv")
    assert r.returncode == 3 and "internal error" not in r.stderr
    assert all(row[1] == "" and row[-1] for row in csv_rows(r.stdout))  # both rows: errors
    import gradcli
    from gradcli.errors import DomainError

    for text, x in [("x*x/0", 1e200), ("sqrt(-x*x)", 1e200), ("x^2*1e308", 1.0)]:
        with pytest.raises(DomainError):
            gradcli.gradient(text, x=x)


def test_a_gradient_that_overflows_is_exit_3() -> None:
    assert_clean_error(run("eval", "x^2*1e308", "--x", "1"), 3)  # value 1e308, slope 2e308


# ---------------------------------------------------------------- --exact: a digit budget

def test_exact_squarings_stop_at_the_digit_budget() -> None:
    """20 squarings of 0.999 need 3 million digits: refused at once, not run past 60 s."""
    import time

    program = "a0 = x; " + "; ".join(f"a{i} = a{i - 1}*a{i - 1}" for i in range(1, 21))
    for command in ("eval", "explain"):
        start = time.monotonic()
        r = run(command, program, "--x", "0.999", "--exact")
        assert_clean_error(r, 2)
        assert time.monotonic() - start < 60


def test_exact_power_past_the_budget_is_a_marked_double() -> None:
    import json

    r = run("eval", "x^1500", "--x", "0.999", "--exact", "--format", "json")  # crashed (4,300)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["value"]["exact"] is None  # not exact: marked ≈ in the table
    assert data["value"]["value"] == pytest.approx(0.999 ** 1500, rel=1e-12)
    assert data["gradient"]["x"]["value"] == pytest.approx(1500 * 0.999 ** 1499, rel=1e-12)
    r = run("eval", "x^1000", "--x", "0.999", "--exact", "--format", "json")  # within: exact
    from fractions import Fraction

    assert Fraction(json.loads(r.stdout)["value"]["exact"]) == Fraction(999, 1000) ** 1000


def test_diff_of_a_zero_base_is_its_slope_where_defined() -> None:
    """0^x was 0^x*log(0), undefined everywhere; where 0^x has a slope (x > 0) it is 0,
    the number eval gives."""
    r = run("diff", "0^x", "--format", "plain")
    assert r.returncode == 0 and r.stdout.strip() == "0"
    r = run("diff", "0^(x^2 + 1)", "--format", "plain")
    assert r.returncode == 0 and "log(0)" not in r.stdout and r.stdout.strip() == "0"
    e = run("eval", "0^x", "--x", "2", "-q")
    assert e.returncode == 0 and [float(v) for v in e.stdout.split()] == [0.0, 0.0]


def test_a_sum_of_terms_past_the_largest_double_is_not_an_overflow() -> None:
    """a - a/2 - a/2 with a = 1e308·x: the terms' magnitudes overflow, the gradient (0,
    exactly) does not; that is neither an error nor lost digits."""
    import json

    r = run("eval", "a = x*1e308; a - a/2 - a/2", "--x", "1", "--format", "json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["gradient"]["x"] == 0 and data["notes"] == []
