"""One way to write a number (gradcli/numfmt.py): the threshold, the spellings, the cost."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from gradcli import numfmt
from gradcli.numfmt import INTEGER_BELOW, cell, fmt, jnum, number_text
from gradcli.tape import Tape

WHOLE = [0.0, -0.0, 24.0, -3.0, 1e14, 1e15, 2e15, 9007199254740992.0, 9.999999999999998e15,
         -9.999999999999998e15]
OTHER = [0.1, -2.5, 1 / 3, 5e-324, 1e16, 2e16, -1e16, 1.7976931348623157e308, 123456.789]


@pytest.mark.parametrize("v", WHOLE)
def test_a_whole_number_below_1e16_prints_as_an_integer_everywhere(v: float) -> None:
    want = str(int(v))
    assert number_text(v) == fmt(v) == fmt(v, 10) == cell(v) == want
    tape = Tape()
    assert tape.labels[tape.const(v)] == want  # a constant's label in formulas too


@pytest.mark.parametrize("v", OTHER)
def test_everything_else_is_the_shortest_round_trip(v: float) -> None:
    assert number_text(v) == fmt(v) == cell(v) == repr(v)
    assert float(number_text(v)) == v
    four = f"{v:.4g}"  # --digits 4, unless the shortest round trip is shorter
    assert fmt(v, 4) == (repr(v) if float(four) == v else four)


def test_the_threshold_is_where_repr_turns_to_exponents() -> None:
    # below it repr writes a trailing .0, from it on an exponent: no number reads "…0.0"
    below = 9.999999999999998e15
    assert below < INTEGER_BELOW and repr(below).endswith(".0")
    assert "e+" in repr(INTEGER_BELOW)


def test_non_finite_is_spelled_the_same_by_every_writer() -> None:
    for v, word in [(float("inf"), "inf"), (float("-inf"), "-inf"), (float("nan"), "nan")]:
        assert number_text(v) == fmt(v) == fmt(v, 3) == cell(v) == jnum(v) == word
    assert jnum(None) is None and fmt(None) == ""
    assert jnum(2) == 2.0 and isinstance(jnum(2), float)


def test_numfmt_imports_nothing_from_gradcli() -> None:
    tree = ast.parse(Path(numfmt.__file__).read_text(encoding="utf-8"))
    mods = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    mods += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    assert not [m for m in mods if m.split(".")[0] == "gradcli"]
    # and at run time: importing it loads no other gradcli module and nothing heavy
    code = ("import sys, gradcli.numfmt; "
            "print(sorted(m for m in sys.modules if m.startswith(('gradcli.', 'rich', 'lark', "
            "'click', 'fractions', 'decimal'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['gradcli.numfmt']"


def test_a_message_about_an_infinite_argument_says_inf(gradcli: Any) -> None:
    # -x*x overflows to -inf without an exception; sqrt of it then chokes: the message
    # names the overflow where it happened (issue 14), where writing it used to fail
    # (int(-inf)) with an internal error
    r = gradcli("eval", "sqrt(-x*x)", "--x", "1e200")
    assert r.code == 3 and r.out == ""
    assert "-x*x (column 6) overflows a double" in r.err
    assert "internal error" not in r.err
    from gradcli.numfmt import number_text

    assert number_text(float("-inf")) == "-inf"  # a value in a message that is infinite
