"""Underflow on the array path, through the real command line: an element that lost its
digits (0 or subnormal where 50-digit arithmetic says otherwise) is reported, and the
check entries built on it are never "passed" — the scalar path's rule, per element.
The oracle is mpmath at 50 digits; the no-false-alarm cases are exact zeros."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import mpmath
import pytest

GRADCLI = str(Path(sys.executable).with_name("gradcli"))


def run_json(*argv: str) -> tuple[int, dict[str, Any], str]:
    p = subprocess.run([GRADCLI, "eval", *argv, "--format", "json"], capture_output=True,
                       text=True, timeout=120, env={"PATH": "/usr/bin:/bin"})
    assert "Traceback" not in p.stderr
    return p.returncode, json.loads(p.stdout) if p.stdout else {}, p.stderr


def test_a_value_that_underflowed_is_noted_and_its_check_never_passes() -> None:
    status, doc, _ = run_json("sum(x*1e-200*1e-200)", "--x", "[1, 2, 3]")
    with mpmath.workdps(50):  # the truth: 6e-400, and each slope 1e-400, none of them 0
        assert mpmath.mpf("1e-200") ** 2 * 6 != 0
    assert status == 0
    assert doc["value"] == 0.0  # what a double can hold ...
    assert doc["notes"], "the lost digits must be said"
    assert doc["check"]["verdict"] == "inconclusive"
    assert all(p["verdict"] != "ok" for p in doc["check"]["partials"].values())


def test_only_the_entries_that_lost_their_digits_are_inconclusive() -> None:
    status, doc, _ = run_json("sum(exp(x))", "--x", "[-800, 1]")
    with mpmath.workdps(50):
        assert mpmath.exp(-800) > 0  # 3.7e-348: the slope at x[0] is not 0
    assert status == 0
    partials = doc["check"]["partials"]
    assert partials["x[0]"]["verdict"] == "inconclusive"
    assert partials["x[1]"]["verdict"] == "ok"
    assert doc["check"]["verdict"] == "inconclusive"


def test_a_product_of_elements_that_are_not_zero() -> None:
    status, doc, _ = run_json("prod(x)", "--x", "[1e-200, 1e-200, 3]")
    assert status == 0 and doc["value"] == 0.0
    assert doc["notes"] and doc["check"]["verdict"] == "inconclusive"


@pytest.mark.parametrize("expr, value", [
    ("sum(x - x)", "[1, 2]"),            # a difference that is exactly 0
    ("sum(log(x))", "[1, 2]"),           # log(1) is exactly 0
    ("sum(x*x)", "[0, 2]"),              # 0 times anything
    ("sum(sin(x))", "[0, 1]"),           # sin(0) is exactly 0
    ("prod(x)", "[0, 5]"),               # a zero factor
])
def test_exact_zeros_are_no_underflow(expr: str, value: str) -> None:
    status, doc, _ = run_json(expr, "--x", value)
    assert status == 0
    assert doc["notes"] == [] and doc["check"]["verdict"] == "passed"


def test_a_subnormal_result_lost_digits() -> None:
    status, doc, _ = run_json("sum(x^2)", "--x", "[1e-160, 1]")  # 1e-320 is subnormal
    assert status == 0
    assert doc["notes"]


def test_the_plain_and_table_summaries_say_inconclusive() -> None:
    for fmt in ("plain", "table"):
        p = subprocess.run([GRADCLI, "eval", "sum(x*1e-200*1e-200)", "--x", "[1, 2]",
                            "--format", fmt], capture_output=True, text=True, timeout=120,
                           env={"PATH": "/usr/bin:/bin", "COLUMNS": "120"})
        assert p.returncode == 0
        words = re.findall(r"^check ?[:=] (\w+)", p.stdout, re.M)
        assert words == ["inconclusive"], p.stdout
