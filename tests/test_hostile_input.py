"""Issue 14's and 11's leftovers about what is typed, through the real command line.

Each test asserts a rule, not a message: a typo'd value or expression is exit 2 with
nothing on stdout and says how to write it; nothing invisible (a control character,
a bidi override) reaches any output raw; an error about a huge literal stays one line
of sane length; the real cube root is exact for perfect cubes.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradcli.errors import LONG_LINE, shorten
from gradcli.ops import OPS
from gradcli.render import CONTROL, clean

GRADCLI = Path(sys.executable).with_name("gradcli")


def run(*argv: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    cmd = [str(GRADCLI)] if GRADCLI.exists() else [sys.executable, "-m", "gradcli"]
    return subprocess.run([*cmd, *argv], input=stdin, capture_output=True, text=True,
                          timeout=120)


def assert_refused(r: subprocess.CompletedProcess[str]) -> str:
    """Exit 2, one error line first, nothing on stdout, no traceback; the error line."""
    assert r.returncode == 2, (r.returncode, r.stdout[-300:], r.stderr[-300:])
    assert r.stdout == ""
    assert r.stderr.startswith("gradcli: error:") and "Traceback" not in r.stderr
    return r.stderr.splitlines()[0]


# ---------------------------------------------------------------- invisible characters

# through the command line, one of each kind (clean() itself is held to every character)
INVISIBLE = ["\u202e", "\u2066", "\u200b", "\ufeff", "\u2028", "\x1b", "\U000e0041"]


def visible(text: str) -> bool:
    return not any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp", "Cs")
                   for c in text if c not in "\n\t")


def test_control_pattern_is_the_unicode_database() -> None:
    """Every Cc (but newline, tab), Cf, Zl, Zp and surrogate is escaped by clean()."""
    missed = [hex(c) for c in range(0x110000)
              if unicodedata.category(chr(c)) in ("Cc", "Cf", "Zl", "Zp", "Cs")
              and chr(c) not in "\n\t" and not CONTROL.fullmatch(chr(c))]
    assert missed == []
    assert visible(clean("".join(INVISIBLE) + "\u202d\u2069\u200f\u061c\x9b\u2062"))


@pytest.mark.parametrize("ch", INVISIBLE)
@pytest.mark.parametrize("where", ["expression", "value", "option", "cell", "header"])
def test_no_invisible_character_reaches_any_output(ch: str, where: str) -> None:
    if where == "expression":
        r = run("eval", f"x{ch}+1", "--x", "1")
    elif where == "value":
        r = run("eval", "x+1", "--x", f"1{ch}")
    elif where == "option":
        r = run("eval", "x+1", "--x", "1", f"--y{ch}", "2")
    elif where == "cell":
        r = run("eval", "x+y", "--batch", "-", "--format", "csv", stdin=f"x,y\n1,{ch}2\n")
    else:
        r = run("eval", "x", "--batch", "-", "--format", "csv", stdin=f"x,{ch}y\n1,2\n")
    assert r.returncode in (0, 1, 2), r.stderr
    assert visible(r.stdout) and visible(r.stderr), (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr


def test_caret_stays_under_its_column_after_a_bidi_override() -> None:
    r = run("eval", "x\u202e+1", "--x", "1")
    lines = assert_refused(r), *r.stderr.splitlines()[1:]
    assert lines[2].index("^") - 2 == 1  # column 2, under the override's '?'


# ---------------------------------------------------------------- long literals

@pytest.mark.parametrize("expr", ["x^" + "9" * 5000, "x^1e" + "9" * 5000, "x*" + "1" * 400 + ".5",
                                  "x^²" + "⁹" * 5000, "x + " + "q" * 5000 + "(x)"])
def test_an_error_about_a_huge_literal_is_one_sane_line(expr: str) -> None:
    line = assert_refused(run("eval", expr, "--x", "2"))
    assert len(line) < LONG_LINE + 200
    assert len(r_lines := run("eval", expr, "--x", "2").stderr.splitlines()) <= 3, r_lines


def test_a_long_value_is_shortened_in_its_error() -> None:
    line = assert_refused(run("eval", "x", "--x", "9 " * 3000))
    assert len(line) < LONG_LINE + 200


@given(st.text(min_size=0, max_size=3000))
@settings(max_examples=60, deadline=None)
def test_shorten_bounds_the_text_and_keeps_short_text(text: str) -> None:
    out = shorten(text)
    assert len(out) <= LONG_LINE + 40
    if len(text) <= 80:
        assert out == text


# ---------------------------------------------------------------- typo'd values

@pytest.mark.parametrize("value", ["2e", "2E", "2e ", " 2e", "2ee", "2e*3", "2e+", ".5e", "2 e",
                                   "2 e 3", "2 e+3", "2e 3", "1e5e", "-2e", "3 E", "1e5 e"])
def test_a_number_then_a_bare_exponent_marker_is_a_typo(value: str) -> None:
    line = assert_refused(run("eval", "x", "--x", value))
    assert "write" in line  # how to write it


@pytest.mark.parametrize("value", ["2e", "2 e 3", "1..5"])
def test_a_typo_in_a_batch_cell_is_an_error_cell(value: str) -> None:
    r = run("eval", "x", "--batch", "-", "--format", "json", stdin=f"x\n{value}\n")
    assert r.returncode != 0 and "Traceback" not in r.stderr
    rows = json.loads(r.stdout)
    rows = rows["rows"] if isinstance(rows, dict) else rows
    assert rows[0].get("error"), rows
    assert rows[0].get("value") is None


@pytest.mark.parametrize(("value", "expected"), [
    ("2e3", 2000.0), ("2e-3", 0.002), ("2pi", 2 * math.pi), ("2 pi", 2 * math.pi),
    ("2*e", 2 * math.e), ("e", math.e), ("2exp(1)", 2 * math.e), ("e/2", math.e / 2),
    ("1.5E+2", 150.0), ("-e", -math.e)])
def test_constant_values_still_read(value: str, expected: float) -> None:
    r = run("eval", "x", "--x", value, "-q")
    assert r.returncode == 0, r.stderr
    assert float(r.stdout.split()[0]) == pytest.approx(expected, rel=1e-15)


@pytest.mark.parametrize("expr", ["2 e 3", "2e 3", "2.5 e 3", "2 E 3"])
def test_a_number_e_number_expression_is_refused_with_both_readings(expr: str) -> None:
    line = assert_refused(run("eval", expr))
    num = expr.split()[0].rstrip("eE")
    assert f"{num}e3" in line.replace("E", "e") and f"{num}*e*3" in line.replace("E", "e")


@pytest.mark.parametrize(("expr", "expected"), [("2 e", 2 * math.e), ("2e x", 2 * math.e),
                                                ("x 2e", None)])
def test_a_number_then_e_in_an_expression_is_the_textbook_product(
        expr: str, expected: float | None) -> None:
    r = run("eval", expr, "--x", "1", "-q")
    if expected is None:  # a number after a factor: refused as before
        assert_refused(r)
        return
    assert r.returncode == 0, r.stderr
    assert float(r.stdout.split()[0]) == pytest.approx(expected, rel=1e-15)
    assert "read as" in r.stderr  # the reading is shown


# ---------------------------------------------------------------- every refusal says how

@pytest.mark.parametrize("expr", ["x..2", "x...y", ".", "x. 2", "(x).", "x..2 + 1"])
def test_a_stray_decimal_point_says_how_to_write_it(expr: str) -> None:
    line = assert_refused(run("eval", expr, "--x", "1"))
    assert re.search(r"\bwrite\b", line), line


# ---------------------------------------------------------------- the real cube root

def test_cube_roots_of_perfect_cubes_are_exact() -> None:
    cbrt = OPS["cbrt"].fn
    for k in range(0, 100_000, 7):
        assert cbrt(float(k) ** 3) == k and cbrt(-float(k) ** 3) == -k
    assert cbrt(0.001) == 0.1 and cbrt(1e-300) == 1e-100


@given(st.floats(allow_nan=False, allow_infinity=False))
@settings(max_examples=300, deadline=None)
def test_cube_root_is_correctly_rounded(x: float) -> None:
    import mpmath

    with mpmath.workdps(60):
        truth = mpmath.cbrt(abs(mpmath.mpf(x)))
        assert OPS["cbrt"].fn(x) == math.copysign(float(truth), x)


@pytest.mark.parametrize("expr", ["∛x", "cbrt(x)", "\\sqrt[3]{x}"])
@pytest.mark.parametrize(("x", "root"), [(-27, -3), (27, 3), (-8, -2), (64, 4), (-1000, -10)])
def test_cube_root_and_its_slope_through_the_command_line(expr: str, x: int, root: int) -> None:
    r = run("eval", expr, "--x", str(x), "--format", "json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["value"] == root
    assert data["gradient"]["x"] == 1 / (3 * root * root)  # (1/3) x^(-2/3), exactly rounded


# ---------------------------------------------------------------- the check's budget

SUM333 = "+".join(f"sin({i}*x)" for i in range(1, 334))  # 1,334 nodes


def test_check_budget_names_the_points_that_fit() -> None:
    from gradcli.limits import MAX_CHECK_POINTS

    size = 1334 + 4  # F, and G = cos(x) (its 2 nodes) once per --wrt: here one
    fits = MAX_CHECK_POINTS // (size - 2)
    line = assert_refused(run("check", SUM333, "--wrt", "x", "--expect", "cos(x)",
                              "--points", str(fits + 1)))
    assert f"--points {fits} " in line


def test_check_budget_counts_each_wrt_and_a_higher_orders_derivative() -> None:
    from gradcli.limits import MAX_CHECK_POINTS
    from gradcli.parser import parse

    f = "+".join(f"sin({i}*x*y)" for i in range(1, 60))
    one = MAX_CHECK_POINTS // (len(parse(f)) + 1)  # G = 0 is one node
    assert_refused(run("check", f, "--wrt", "x", "--expect", "0", "--points", str(one + 1)))
    twice = ["--wrt", "x", "--expect", "0", "--wrt", "y", "--expect", "0"]
    line = assert_refused(run("check", f, *twice, "--points", str(one)))  # F counted twice
    assert f"--points {one // 2} " in line or f"--points {one // 2 - 1} " in line
    # the second derivative's formula is larger than F: it is what the points sweep
    assert_refused(run("check", f, "--wrt", "x", "--order", "2", "--expect", "0",
                       "--points", str(one)))


def test_high_precision_readings_have_a_budget_too() -> None:
    from gradcli.errors import InputError
    from gradcli.limits import MAX_CHECK_POINTS, precise_budget

    precise_budget(2 * MAX_CHECK_POINTS, 10, 100)  # at the limit: fine
    with pytest.raises(InputError):
        precise_budget(2 * MAX_CHECK_POINTS + 1, 10, 100)
