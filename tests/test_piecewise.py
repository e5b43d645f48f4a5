"""Derivatives of abs, max and min printed piece by piece (issue 12 item 7).

Each piece against SymPy's diff by value at random points where its conditions hold
(and no other piece's do), the text read back by `check` as a right answer (and a
changed piece as a wrong one), the tie stated, and the JSON's structured pieces.
"""

from __future__ import annotations

import json
import math
import os
import random
import shutil
import subprocess
import sys

import pytest

sympy = pytest.importorskip("sympy", reason="SymPy is the outside oracle (test extra)")

from exprgen import Kind, random_expr, sympy_symbols  # noqa: E402

from gradcli.checker import check_one  # noqa: E402
from gradcli.errors import GradcliError  # noqa: E402
from gradcli.forward import forward  # noqa: E402
from gradcli.parser import parse  # noqa: E402
from gradcli.piecewise import Piecewise, parse_answer, piecewise  # noqa: E402
from gradcli.simplify import formulas, simplify  # noqa: E402
from gradcli.symbolic import differentiate  # noqa: E402

SYMS = sympy_symbols()
KINKED = Kind(functions=("abs", "max", "min", "sin", "exp", "sqrt", "atan", "log"),
              constants=("1", "2", "3", "0.5"), operator=0.5, variable=0.8)


def _cli(*argv: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("gradcli", path=os.path.dirname(sys.executable))
    if exe is None:
        pytest.skip("needs the installed gradcli of this venv")
    return subprocess.run([exe, *argv], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("typed,wrt,printed,tie", [
    ("max(x^2, 2x)", "x", "2*x if x^2 > 2*x; 2 if x^2 < 2*x", "x^2 = 2*x"),
    ("abs(x)", "x", "1 if x > 0; -1 if x < 0", "x = 0"),
    ("abs(x^2 - 1)", "x", "2*x if x^2 - 1 > 0; -2*x if x^2 - 1 < 0", "x^2 - 1 = 0"),
    ("min(x, y)", "y", "0 if x < y; 1 if x > y", "x = y"),
    ("max(x, y)*z", "x", "z if x > y; 0 if x < y", "x = y"),
    ("ln|x|", "x", "1/x", None),             # every branch agrees: one formula
    ("max(x, y) + z", "z", "1", None),
    ("max(x, y)*z", "z", "max(x, y)", None),  # no sign term: the formula as it was
])
def test_printed_piece_by_piece(typed: str, wrt: str, printed: str, tie: str | None) -> None:
    p = _cli("diff", typed, "--wrt", wrt, "--format", "plain")
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == printed
    t = _cli("diff", typed, "--wrt", wrt)
    if tie is None:
        assert "kink" not in t.stdout
    else:
        assert f"(where {tie}: a kink; the derivative exists there only if the pieces agree)" \
            in t.stdout
    c = _cli("check", typed, "--wrt", wrt, "--expect", printed)
    assert c.returncode == 0, (c.stdout, c.stderr)


def test_json_keeps_one_expression_and_adds_the_pieces() -> None:
    doc = json.loads(_cli("diff", "max(x^2, 2x)", "--format", "json").stdout)
    row = doc["derivatives"][0]
    assert row["text"] == "2*x if x^2 > 2*x; 2 if x^2 < 2*x"
    assert row["pieces"] == [{"formula": "2*x", "where": ["x^2 > 2*x"]},
                             {"formula": "2", "where": ["x^2 < 2*x"]}]
    assert row["ties"] == ["x^2 = 2*x"]
    assert "\\begin{cases}" in row["latex"]
    # `formula` is still one expression gradcli evaluates (with its convention at a tie)
    for x in ("-1.5", "0.5", "3", "0", "2"):
        e = _cli("eval", row["formula"], "--x", x, "-q")
        want = {"-1.5": -3.0, "0.5": 2.0, "3": 6.0, "0": 1.0, "2": 3.0}[x]  # ties: the mean
        assert e.returncode == 0 and float(e.stdout.splitlines()[0]) == want


def test_wrong_pieces_are_wrong() -> None:
    c = _cli("check", "max(x^2, 2x)", "--expect", "2*x if x^2 > 2*x; 3 if x^2 < 2*x")
    assert c.returncode == 1 and "2*x if x^2 > 2*x; 2 if x^2 < 2*x" in c.stdout
    c = _cli("check", "abs(x)", "--expect", "1 if x < 0; -1 if x > 0")
    assert c.returncode == 1
    c = _cli("check", "abs(x)", "--expect", "1 if x >= 0; -1 if x < 0")
    assert c.returncode == 2 and "strict" in c.stderr and c.stdout == ""
    c = _cli("check", "abs(x)", "--expect", "1 if ; -1 if x < 0")
    assert c.returncode == 2 and c.stdout == ""


def _holds(where: list[tuple[str, str, str]], point: dict[str, float]) -> bool | None:
    """Whether every condition holds strictly (None: too close to a tie to say)."""
    for a, op, b in where:
        ta, tb = parse(a), parse(b)
        va = float(forward(ta, {n: point[n] for n in ta.variables})[ta.outputs[-1]])
        vb = float(forward(tb, {n: point[n] for n in tb.variables})[tb.outputs[-1]])
        if abs(va - vb) <= 1e-9 * max(1.0, abs(va), abs(vb)):
            return None
        if (va > vb) != (op == ">"):
            return False
    return True


def test_random_kinks_against_sympy_and_check() -> None:
    rng = random.Random(1207)
    compared = checked = multi = 0
    tried = 0
    while checked < 120 and tried < 3000:
        tried += 1
        text, sym = random_expr(rng, rng.randint(2, 4), KINKED, "xy", sympy=True)
        if not any(f in text for f in ("abs(", "max(", "min(")):
            continue
        try:
            tape = parse(text)
        except GradcliError:
            continue
        for v in tape.variables:
            plain = formulas(simplify(differentiate(tape, [v]).tape, exact=False))[0]
            if "sign(" not in plain:
                continue
            found = piecewise(tape, [(v,)], tape.outputs[-1], False)
            if found is None or found[0] is None:
                continue
            pw: Piecewise = found[0]
            multi += len(pw.pieces) > 1
            truth = sym.diff(SYMS[v])
            answer = parse_answer(pw.text(), tape.variables)
            for _ in range(6):
                point = {n: round(rng.uniform(-2.5, 2.5), 3) for n in tape.variables}
                try:
                    forward(tape, point)
                    holding = [p for p in pw.pieces if _holds(p.where, point)]
                    unsure = any(_holds(p.where, point) is None for p in pw.pieces)
                except GradcliError:
                    continue
                if unsure:
                    continue
                assert len(holding) == 1, (text, v, pw.text(), point)  # the pieces partition
                piece = parse(holding[0].formula)
                try:
                    got = float(forward(piece, {n: point[n] for n in piece.variables})
                                [piece.outputs[-1]])
                    read = float(forward(answer, {n: point[n] for n in answer.variables})
                                 [answer.outputs[-1]])
                    want = complex(truth.subs({SYMS[n]: sympy.Float(x, 30)
                                               for n, x in point.items()}).evalf(30))
                except (GradcliError, TypeError, ValueError, ZeroDivisionError):
                    continue
                if not math.isfinite(want.real) or abs(want.imag) > 1e-12:
                    continue
                assert math.isclose(got, want.real, rel_tol=1e-8, abs_tol=1e-10), \
                    (text, v, pw.text(), point, got, want)
                assert read == got
                compared += 1
            try:
                verdict = check_one(tape, v, pw.text(), points=60)
            except GradcliError:
                continue
            assert verdict.equivalent, (text, v, pw.text())
            checked += 1
    assert compared >= 300 and checked >= 120 and multi >= 100, (compared, checked, multi)
