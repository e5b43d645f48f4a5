"""Underflow is reported like overflow and cancellation (issue 14): never a silent 0.

A value or a gradient that became 0 or subnormal from nonzero inputs has lost its
digits.  Each test asserts the rule through the real command line (a subprocess of
the venv's `gradcli`) or the API, on every path: a note says so, the check does not
pass, in every format, in batches and grids, for --order, taylor, hessian and
jacobian.  The truth comes from mpmath at 60 digits (exponents that do not underflow),
not from gradcli.  And the other way round: a number that is small but exact (x - y
of two subnormals, sin(0), x^2 at 0, 0.5^1024) gets no such note.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import mpmath
import pytest

import gradcli
from gradcli.underflow import Underflow

GRADCLI = Path(sys.executable).with_name("gradcli")
SQUARINGS = "(" * 20 + "x" + "^2)" * 20  # x^(2^20)
PROGRAM = "; ".join(f"a{k + 1} = a{k}^2" for k in range(1, 20)).join(["a1 = x^2; ", ""])


def run(*argv: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    cmd = [str(GRADCLI)] if GRADCLI.exists() else [sys.executable, "-m", "gradcli"]
    return subprocess.run([*cmd, *argv], input=stdin, capture_output=True, text=True,
                          timeout=120)


def truth(x: float) -> tuple[mpmath.mpf, mpmath.mpf]:
    """x^(2^20) and its derivative, at 60 digits."""
    with mpmath.workdps(60):
        n = mpmath.mpf(2) ** 20
        v = mpmath.mpf(x)
        return v ** n, n * v ** (n - 1)


def underflow_notes(notes: list[str]) -> list[str]:
    return [n for n in notes if "underflow" in n]


# ---------------------------------------------------------------- eval, every format

@pytest.mark.parametrize("expr", [SQUARINGS, PROGRAM])
def test_twenty_squarings_are_not_a_passing_zero(expr: str) -> None:
    value, slope = truth(0.999)
    assert value != 0 and slope != 0  # the numbers a double cannot hold
    r = run("eval", expr, "--x", "0.999", "--format", "json")
    assert r.returncode == 1, r.stderr  # the check says no: the gradient has no digits
    doc = json.loads(r.stdout)
    assert doc["value"] == 0 and doc["gradient"]["x"] == 0
    assert doc["check"]["passed"] is False
    assert len(underflow_notes(doc["notes"])) >= 2  # the value's node and the gradient


@pytest.mark.parametrize("fmt", ["table", "plain", "csv", "tsv"])
def test_every_format_says_so(fmt: str) -> None:
    r = run("eval", SQUARINGS, "--x", "0.999", "--format", fmt)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "underflow" in r.stdout
    assert "passed" not in r.stdout.lower().replace("inconclusive", "")


def test_quiet_says_so_on_stderr() -> None:
    r = run("eval", SQUARINGS, "--x", "0.999", "-q")
    assert r.returncode == 1
    assert r.stdout.split() == ["0", "0"]
    assert "underflow" in r.stderr


def test_no_check_still_notes_it() -> None:
    r = run("eval", SQUARINGS, "--x", "0.999", "--no-check", "--format", "json")
    assert r.returncode == 0
    assert underflow_notes(json.loads(r.stdout)["notes"])


# ---------------------------------------------------------------- the general rule

@pytest.mark.parametrize(("expr", "values"), [
    ("1 + 1e-200*1e-200*x", {"x": 2.0}),  # a product of constants, then a gradient of 1e-400
    ("exp(-x)", {"x": 800.0}),  # exp to 0
    ("x*y", {"x": 1e-200, "y": 1e-200}),  # the value only
    ("atan(1e100*x)", {"x": 1e60}),  # a local partial 1/(1 + x²) to 0, the value fine
    ("x^1500", {"x": 0.5}),  # pow
    ("sigmoid(-x)", {"x": 800.0}),
    ("1e-200/(1e100*x)", {"x": 1e100}),  # a quotient
])
def test_a_zero_from_nonzero_inputs_is_noted_through_the_api(
        expr: str, values: dict[str, float]) -> None:
    ev = gradcli.gradient(expr, **values)
    assert any(isinstance(n, Underflow) for n in ev.notes), ev.notes
    assert ev.check is not None
    assert all(p.verdict in ("inconclusive", "mismatch") for p in ev.check.partials.values()
               if p.ad == 0 or ev.value == 0)


@pytest.mark.parametrize(("expr", "values"), [
    ("x - y", {"x": 1e-310, "y": 2e-310}),  # subtraction is exact near 0
    ("sin(x)", {"x": 0.0}), ("x^2", {"x": 0.0}), ("relu(x)", {"x": -1.0}),
    ("x*y", {"x": 0.0, "y": 3.0}), ("x^y", {"x": 1.0, "y": 2.0}),
    ("((((((((((x^2)^2)^2)^2)^2)^2)^2)^2)^2)^2)", {"x": 0.5}),  # 2^-1024: subnormal, exact
    ("exp(-x)", {"x": 700.0}), ("x*1e-300", {"x": 1e-5}),
])
def test_a_small_exact_number_is_no_underflow(expr: str, values: dict[str, float]) -> None:
    ev = gradcli.gradient(expr, **values)
    assert not any(isinstance(n, Underflow) for n in ev.notes), ev.notes


def test_the_note_gives_the_true_size() -> None:
    ev = gradcli.gradient("exp(-x)", x=800)
    with mpmath.workdps(30):
        true = mpmath.exp(-800)
    text = " ".join(n.message for n in ev.notes)
    assert mpmath.nstr(true, 3) in text


# ---------------------------------------------------------------- batches and grids

def test_a_batch_notes_the_row_that_underflowed_and_not_the_others() -> None:
    r = run("eval", SQUARINGS, "--batch", "-", "--format", "csv",
            stdin="x\n0.999\n0.5\n1\n0\n")
    assert "Traceback" not in r.stderr
    rows = {row["x"]: row for row in csv.DictReader(io.StringIO(r.stdout))}
    assert "underflow" in rows["0.999"]["note"] and "underflow" in rows["0.5"]["note"]
    assert rows["1"]["note"] == "" and rows["1"]["d/dx"] == str(2 ** 20)
    assert rows["0"]["note"] == ""


@pytest.mark.parametrize("numpy", [True, False])
def test_both_fast_paths_send_the_row_to_the_interpreter(numpy: bool) -> None:
    """The NumPy block and the compiled Python kernel agree with eval on the note."""
    from gradcli import compile as comp
    from gradcli.parser import parse

    tape = parse(SQUARINGS)
    if numpy:
        nps = comp.numpy_namespace()
        if nps is None:
            pytest.skip("numpy is not installed")
        import numpy as np

        _, bad = comp.vectorized(tape, [np.array([0.999, 0.5, 1.0, -1.0])], nps)
        assert list(np.broadcast_to(bad, (4,))) == [True, True, False, False]
    else:
        kernel = comp.compile_tape(tape)
        for x in (0.999, 0.5):
            with pytest.raises(comp.Fallback):
                kernel(x)
        assert kernel(1.0) == (1.0, 2.0 ** 20)


def test_a_term_or_a_partial_that_underflows_in_a_batch_is_judged_by_the_interpreter() -> None:
    r = run("eval", "atan(1e100*x)", "--batch", "-", "--format", "json",
            stdin="x\n1e60\n1\n")
    doc = json.loads(r.stdout)
    rows = doc["rows"] if isinstance(doc, dict) else doc
    assert underflow_notes(rows[0].get("notes") or [rows[0].get("note", "")])
    assert not underflow_notes(rows[1].get("notes") or [rows[1].get("note") or ""])


def test_a_grid_notes_it_too() -> None:
    r = run("eval", SQUARINGS, "--x", "0.9:1:0.05", "--format", "csv")
    rows = {row["x"]: row for row in csv.DictReader(io.StringIO(r.stdout))}
    assert "underflow" in rows["0.9"]["note"] and "underflow" in rows["0.95"]["note"]
    assert rows["1"]["note"] == ""


# ---------------------------------------------------------------- the other paths

def test_order_and_taylor_do_not_pass_a_lost_zero() -> None:
    for argv in (["eval", SQUARINGS, "--x", "0.999", "--order", "3"],
                 ["taylor", SQUARINGS, "--x", "0.999", "--order", "3"]):
        r = run(*argv, "--format", "json")
        assert r.returncode == 1, r.stderr
        doc = json.loads(r.stdout)
        assert underflow_notes(doc["notes"])
        text = json.dumps(doc)
        assert '"verdict": "ok"' not in text


def test_hessian_does_not_pass_a_lost_zero() -> None:
    r = run("hessian", SQUARINGS, "--x", "0.999", "--format", "json")
    assert r.returncode == 1, r.stderr
    doc = json.loads(r.stdout)
    assert underflow_notes(doc["notes"])
    assert '"verdict": "ok"' not in json.dumps(doc.get("hessian_check", doc.get("checks", "")))


def test_jacobian_notes_the_output_that_underflowed() -> None:
    r = run("jacobian", f"{SQUARINGS}, x", "--x", "0.999", "--format", "json")
    assert r.returncode == 1, r.stderr
    assert underflow_notes(json.loads(r.stdout)["notes"])


def test_exact_holds_fractions_past_a_doubles_range() -> None:
    """--exact: x^4096 at 1/2 is 2^-4096 and its slope 2^-4083, exactly (x^2's partial in
    its exponent, out·log(x), made the whole sweep undefined where x fell below a double)."""
    from fractions import Fraction

    expr = "(" * 12 + "x" + "^2)" * 12
    r = run("eval", expr, "--x", "0.5", "--exact", "--format", "json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert Fraction(doc["value"]["exact"]) == Fraction(1, 2 ** 4096)
    assert Fraction(doc["gradient"]["x"]["exact"]) == Fraction(4096, 2 ** 4095)


def test_explain_notes_it_too() -> None:
    r = run("explain", "exp(-x)*2", "--x", "800", "--format", "json")
    assert r.returncode == 0, r.stderr
    assert len(underflow_notes(json.loads(r.stdout)["notes"])) >= 2
    quiet = run("explain", "x*y", "--x", "2", "--y", "3", "--format", "json")
    assert underflow_notes(json.loads(quiet.stdout)["notes"]) == []


def test_json_says_inconclusive_where_only_the_value_lost_its_digits() -> None:
    r = run("eval", "x*y", "--x", "1e-200", "--y", "1e-200", "--format", "json")
    assert r.returncode == 0, r.stderr
    check = json.loads(r.stdout)["check"]
    assert check["verdict"] == "inconclusive" and check["passed"] is True
    fine = json.loads(run("eval", "x*y", "--x", "1", "--y", "2", "--format", "json").stdout)
    assert fine["check"]["verdict"] == "passed"
