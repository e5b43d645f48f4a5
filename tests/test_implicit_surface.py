"""`gradcli implicit` on surfaces (three variables) and at kinks for --order >= 2.

Surfaces: without --wrt/--of the pair is refused (exit 2, naming the variables and
the options); with the pair named the others are held constant, ∂z/∂x = -F_x/F_z,
against SymPy's idiff on F with the held variable a symbol.  Kinks: every order
follows --subgradient; left and right are the derivatives of that side's branch,
each checked against idiff of the branch's equation at the point.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys

import pytest

sympy = pytest.importorskip("sympy", reason="SymPy is the outside oracle (test extra)")

X, Y, Z = sympy.symbols("x y z", real=True)


def _cli(*argv: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("gradcli", path=os.path.dirname(sys.executable))
    if exe is None:
        pytest.skip("needs the installed gradcli of this venv")
    return subprocess.run([exe, *argv], capture_output=True, text=True, timeout=120)


def _close(a: float, b: float, rel: float = 1e-9) -> bool:
    return abs(a - b) <= rel * max(abs(a), abs(b)) + 1e-12


# ---------------------------------------------------------------- surfaces

@pytest.mark.parametrize("eq,names", [
    ("x^2 + y^2 + z^2 = 14", "x, y, z"),
    ("a^2 + b^2 + c^2 = 14", "a, b, c"),
    ("x^2 + y^2 = r^2", "x, y, r"),
])
def test_three_variables_without_a_pair_are_refused(eq: str, names: str) -> None:
    p = _cli("implicit", eq)
    assert p.returncode == 2 and p.stdout == ""
    assert p.stderr.count("\n") == 1 and f"3 variables ({names})" in p.stderr
    assert "--wrt" in p.stderr and "--of" in p.stderr and "held constant" in p.stderr


def test_surface_point_is_not_called_singular() -> None:
    """(0, 0, √14): dy/dx is meaningless there, and F_z is not 0; no false 'singular'."""
    p = _cli("implicit", "x^2 + y^2 + z^2 = 14", "--x", "0", "--y", "0", "--z",
             repr(math.sqrt(14)))
    assert p.returncode == 2 and "singular" not in p.stderr
    p = _cli("implicit", "x^2 + y^2 + z^2 = 14", "--x", "0", "--y", "0", "--z",
             repr(math.sqrt(14)), "--wrt", "x", "--of", "z", "-q")
    assert (p.returncode, p.stdout) == (0, "0\n"), p.stderr


SURFACES = [
    ("x^2 + y^2 + z^2 = 14", X**2 + Y**2 + Z**2 - 14, (1, 2, 3)),
    ("x y z = 6", X * Y * Z - 6, (1, 2, 3)),
    ("x^2 z + sin(y z) = 1", X**2 * Z + sympy.sin(Y * Z) - 1, None),
    ("exp(x z) + y = z", sympy.exp(X * Z) + Y - Z, None),
]


@pytest.mark.parametrize("eq,f,point", SURFACES, ids=[s[0] for s in SURFACES])
@pytest.mark.parametrize("wrt,of", [("x", "z"), ("y", "z"), ("x", "y")])
def test_partials_held_constant_against_idiff(eq: str, f: object, point: tuple[int, ...] | None,
                                              wrt: str, of: str) -> None:
    """∂(of)/∂(wrt), orders 1 and 2, with the third variable held constant: the formulas
    (as functions of x, y, z) against idiff, and at a point of the surface."""
    sym = {"x": X, "y": Y, "z": Z}
    p = _cli("implicit", eq, "--wrt", wrt, "--of", of, "--order", "2", "--format", "json")
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    held = [n for n in "xyz" if n not in (wrt, of)]
    assert (doc["wrt"], doc["of"], doc["held_constant"]) == (wrt, of, held)
    at = {X: sympy.Rational(7, 10), Y: sympy.Rational(13, 10), Z: sympy.Rational(9, 10)}
    for row in doc["derivatives"]:
        want = sympy.idiff(f, sym[of], sym[wrt], row["order"]).subs(at)
        q = _cli("eval", row["formula"], *[a for n, v in at.items()
                                            if str(n) in row["formula"]
                                            for a in (f"--{n}", str(v))], "-q")
        if not want.is_finite:
            continue
        assert q.returncode == 0, (row, q.stderr)
        got = float(q.stdout.splitlines()[0])
        assert _close(got, float(want)), (eq, wrt, of, row, got, float(want))
    t = _cli("implicit", eq, "--wrt", wrt, "--of", of)
    assert t.returncode == 0 and f"∂{of}/∂{wrt}" in t.stdout and \
        f"{held[0]} held constant" in t.stdout
    if point is not None:
        values = dict(zip("xyz", point, strict=True))
        r = _cli("implicit", eq, "--wrt", wrt, "--of", of, "--order", "2",
                 *[a for n, v in values.items() for a in (f"--{n}", str(v))], "--format", "json")
        assert r.returncode == 0, r.stderr
        doc = json.loads(r.stdout)
        subs = {sym[n]: v for n, v in values.items()}
        for row in doc["derivatives"]:
            want = float(sympy.idiff(f, sym[of], sym[wrt], row["order"]).subs(subs))
            assert _close(row["value"], want), (eq, row, want)
            assert row["check"]["passed"]


# ---------------------------------------------------------------- kinks, every order

# (equation, point, SymPy lhs - rhs on each convention's branch at that point)
KINKS = [
    ("max(x, 0) + y^2 = 1", ("0", "1"),
     {"left": Y**2 - 1, "right": X + Y**2 - 1, "mean": X / 2 + Y**2 - 1,
      "torch": X / 2 + Y**2 - 1}),
    ("abs(x) + y^3 = 8", ("0", "2"),
     {"left": -X + Y**3 - 8, "right": X + Y**3 - 8, "mean": Y**3 - 8, "torch": Y**3 - 8}),
    ("y^2 + abs(x - 1)*y = 4", ("1", "2"),
     {"left": Y**2 - (X - 1) * Y - 4, "right": Y**2 + (X - 1) * Y - 4, "mean": Y**2 - 4,
      "torch": Y**2 - 4}),
    ("max(x, y) + x y = 1", (repr((math.sqrt(5) - 1) / 2),) * 2,
     {"left": X * Y - 1, "right": X + Y + X * Y - 1, "mean": (X + Y) / 2 + X * Y - 1,
      "torch": (X + Y) / 2 + X * Y - 1}),
]


@pytest.mark.parametrize("eq,point,branches", KINKS, ids=[k[0] for k in KINKS])
@pytest.mark.parametrize("convention", ["torch", "left", "right", "mean"])
def test_higher_orders_follow_the_convention(eq: str, point: tuple[str, str],
                                             branches: dict[str, object],
                                             convention: str) -> None:
    """Orders 1-3 at a kink are idiff's on the convention's branch of the curve."""
    p = _cli("implicit", eq, "--x", point[0], "--y", point[1], "--order", "3",
             "--subgradient", convention, "--format", "json")
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    assert doc["notes"]  # the kink is stated
    at = {X: float(point[0]), Y: float(point[1])}
    for row in doc["derivatives"]:
        want = float(sympy.idiff(branches[convention], Y, X, row["order"]).subs(at))
        assert _close(row["value"], want, 1e-8), (eq, convention, row, want)
