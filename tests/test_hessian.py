"""Hessians (forward-over-reverse on Duals) against SymPy, PyTorch, the issue's numbers,
finite differences, and the `gradcli hessian` command."""

from __future__ import annotations

import json
import math
import random
from typing import Any

import pytest

sympy = pytest.importorskip("sympy", reason="SymPy is the outside oracle (test extra)")

from conftest import Golden, Gradcli  # noqa: E402
from exprgen import SMOOTH, random_expr, random_point, sympy_symbols  # noqa: E402

from gradcli.errors import DomainError  # noqa: E402
from gradcli.hessian import HessianResult, hessian  # noqa: E402
from gradcli.linalg import definiteness, symmetric_eigenvalues  # noqa: E402
from gradcli.parser import parse  # noqa: E402

SYMS = sympy_symbols()

N_RANDOM = 220
# SymPy writes sqrt(u^2) as Abs(u); its derivatives bring DiracDelta(u), which is 0
# wherever u != 0 (a random point is never exactly on such a kink)
ZERO_AWAY_FROM_ORIGIN = {"DiracDelta": lambda *a: 0}


def _hess(expr: str, point: dict[str, float], check: bool = False) -> HessianResult:
    return hessian(parse(expr), point, check=check)


# ---------------------------------------------------------------- the numbers

def test_x_to_the_x_second_derivative_at_2() -> None:
    r = _hess("x^x", {"x": 2}, check=True)
    # the number; SymPy: d²/dx² x^x = x^x((ln x + 1)^2 + 1/x)
    assert r.hessian[0][0] == pytest.approx(13.46698950015237, rel=1e-14)
    assert r.passed


def test_xyz_hessian_at_234() -> None:
    r = _hess("x*y*z", {"x": 2, "y": 3, "z": 4}, check=True)
    assert r.hessian == [[0, 4, 3], [4, 0, 2], [3, 2, 0]]
    assert r.gradient == [12, 8, 6]
    assert r.passed


# ---------------------------------------------------------------- SymPy oracle

def _cases(count: int, seed: int) -> list[tuple[str, object, dict[str, float]]]:
    rng = random.Random(seed)
    out: list[tuple[str, object, dict[str, float]]] = []
    while len(out) < count:
        text, sym = random_expr(rng, rng.choice([2, 3, 4]), SMOOTH, sympy=True)
        names = list(parse(text).variables)  # SymPy may have cancelled some away
        if not names:
            continue
        point = random_point(rng, names, SMOOTH)
        out.append((text, sym, point))
    return out


def _sympy_hessian(sym: object, tape_vars: list[str], point: dict[str, float]) -> list[list[float]]:
    import mpmath

    syms = [SYMS[n] for n in tape_vars]
    h = sympy.hessian(sym, syms)
    f = sympy.lambdify(syms, h, modules=[ZERO_AWAY_FROM_ORIGIN, "mpmath"])
    with mpmath.workdps(40):
        m = f(*[mpmath.mpf(point[n]) for n in tape_vars])
        return [[float(mpmath.re(m[i, j])) for j in range(len(syms))]
                for i in range(len(syms))]


def _close(a: float, b: float, scale: float, rel: float = 1e-8) -> bool:
    return abs(a - b) <= rel * max(abs(a), abs(b), scale)


def test_random_hessians_against_sympy() -> None:
    compared = 0
    for text, sym, point in _cases(N_RANDOM * 2, seed=6):
        try:
            r = _hess(text, point)
        except DomainError:
            continue  # undefined at this point (e.g. sqrt of a negative): drawn again
        names = r.variables
        want = _sympy_hessian(sym, names, point)
        if not all(math.isfinite(v) for row in want for v in row):
            continue
        scale = max(1.0, max(abs(v) for row in want for v in row))
        if scale > 1e12:
            continue  # too close to a pole for 1e-8 to mean anything
        for i in range(len(names)):
            for j in range(len(names)):
                assert _close(r.hessian[i][j], want[i][j], scale), \
                    (text, point, names[i], names[j], r.hessian[i][j], want[i][j])
        compared += 1
        if compared == N_RANDOM:
            break
    assert compared == N_RANDOM, f"only {compared} comparable cases"


def test_random_hessians_pass_finite_differences() -> None:
    checked = 0
    for text, _, point in _cases(40, seed=66):
        try:
            r = _hess(text, point, check=True)
        except DomainError:
            continue
        assert r.passed, (text, point, r.checks)
        checked += 1
    assert checked >= 20


# ---------------------------------------------------------------- PyTorch, when present

def test_against_torch_autograd_functional() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is not installed (optional oracle)")

    def f(v: Any) -> Any:
        x, y, z = v[0], v[1], v[2]
        return torch.sin(x * y) + torch.exp(z / x) * y ** 3 + torch.log(x + y * z)

    point = {"x": 0.7, "y": 1.3, "z": 0.4}
    want = torch.autograd.functional.hessian(f, torch.tensor([0.7, 1.3, 0.4],
                                                             dtype=torch.float64))
    r = _hess("sin(x*y) + exp(z/x)*y^3 + log(x + y*z)", point)
    for i in range(3):
        for j in range(3):
            assert r.hessian[i][j] == pytest.approx(float(want[i, j]), rel=1e-12, abs=1e-12)


# ---------------------------------------------------------------- verdicts and edges

@pytest.mark.parametrize("expr, point, verdict, answer", [
    ("x^2 + x*y + y^2", {"x": 0, "y": 0}, "positive definite", "yes, a local minimum"),
    ("-x^2 - y^2", {"x": 0, "y": 0}, "negative definite", "no, a local maximum"),
    ("x^2 - y^2", {"x": 0, "y": 0}, "indefinite", "no, a saddle point"),
    ("x^4 + y^2", {"x": 0, "y": 0}, "positive semidefinite", "cannot tell"),
    ("x^2 + y^2", {"x": 1, "y": 0}, "positive definite", "no: the gradient is not zero"),
])
def test_definiteness_and_verdict(expr: str, point: dict[str, float], verdict: str,
                                  answer: str) -> None:
    r = _hess(expr, point, check=True)
    assert r.definiteness == verdict
    assert r.verdict().startswith(answer)


def test_jacobi_eigenvalues_against_sympy() -> None:
    rng = random.Random(7)
    for n in (1, 2, 3, 4, 5):
        a = [[0.0] * n for _ in range(n)]
        for i in range(n):
            for j in range(i, n):
                a[i][j] = a[j][i] = rng.randint(-5, 5)
        got = symmetric_eigenvalues(a)
        eig = sympy.Matrix(a).eigenvals()
        want = sorted(float(sympy.re(sympy.N(v, 30))) for v, k in eig.items() for _ in range(k))
        assert got == pytest.approx(want, rel=1e-10, abs=1e-10)


def test_definiteness_ignores_rounding_noise() -> None:
    assert definiteness([1e-17, 2.0]) == "positive semidefinite"
    assert definiteness([0.0, 0.0]) == "zero"


def test_undefined_second_derivative_is_an_error_not_a_number() -> None:
    # x^1.5 has slope 0 at 0 but an infinite second derivative there
    with pytest.raises(DomainError, match="second derivative of x\\^1.5"):
        _hess("x^1.5", {"x": 0})


def test_negative_base_with_constant_exponent() -> None:
    # d/dy x^y is undefined at x < 0, but the exponent is a constant: not needed
    r = _hess("x^3 + x*y", {"x": -2, "y": 1})
    assert r.hessian == [[-12, 1], [1, 0]]


def test_kink_keeps_its_note() -> None:
    r = _hess("abs(x) + y^2", {"x": 0, "y": 1}, check=True)
    assert r.hessian == [[0, 0], [0, 2]]
    assert any("kink" in n.message for n in r.notes)


def test_several_outputs_is_an_input_error() -> None:
    from gradcli.errors import InputError

    with pytest.raises(InputError, match="one output"):
        _hess("x, y", {"x": 1, "y": 2})


# ---------------------------------------------------------------- the command

def test_cli_json(gradcli: Gradcli) -> None:
    r = gradcli("hessian", "x*y*z", "--x", "2", "--y", "3", "--z", "4", "--format", "json")
    assert r.code == 0, r.err
    data = json.loads(r.out)
    assert data["variables"] == ["x", "y", "z"]
    assert data["value"] == 24
    assert data["gradient"] == [12, 8, 6]
    assert data["hessian"] == [[0, 4, 3], [4, 0, 2], [3, 2, 0]]
    assert data["definiteness"] == "indefinite"
    # eigenvalues of [[0,4,3],[4,0,2],[3,2,0]]: SymPy's, numerically
    want = sorted(float(sympy.re(sympy.N(v, 30))) for v in
                  sympy.Matrix([[0, 4, 3], [4, 0, 2], [3, 2, 0]]).eigenvals())
    assert data["eigenvalues"] == pytest.approx(want, rel=1e-12)
    assert data["check"]["passed"] is True


def test_cli_table_and_quiet(gradcli: Gradcli) -> None:
    r = gradcli("hessian", "x^2 + x*y + y^2", "--x", "0", "--y", "0")
    assert r.code == 0 and r.err == ""
    assert "Hessian" in r.out and "positive definite" in r.out
    assert "yes, a local minimum" in r.out
    q = gradcli("hessian", "x^x", "--x", "2", "-q")
    assert q.code == 0 and float(q.out) == pytest.approx(13.46698950015237, rel=1e-14)


def test_cli_errors(gradcli: Gradcli) -> None:
    r = gradcli("hessian", "x^1.5", "--x", "0")
    assert r.code == 3 and r.out == "" and "second derivative" in r.err
    assert "Traceback" not in r.err
    r = gradcli("hessian", "x, y", "--x", "0", "--y", "1")
    assert r.code == 2 and r.out == "" and "one output" in r.err
    r = gradcli("hessian", "x*y", "--x", "1")
    assert r.code == 2 and "no value for the variable y" in r.err


def test_golden_hessian_table(golden: Golden) -> None:
    """The layout at a fixed width, no colour (regenerate: GRADCLI_REGEN=1)."""
    from gradcli.render.hessian import hessian_tables

    text = hessian_tables(_hess("x*y*z", {"x": 2, "y": 3, "z": 4}, check=True), 10, 100, False)
    golden("hessian_xyz", text)


def test_no_variables_is_an_input_error(gradcli: Gradcli) -> None:
    r = gradcli("hessian", "2+3")
    assert r.code == 2 and r.out == "" and "no variables" in r.err


# ---------------------------------------------------------------- eigenvalues: size, scale

def _random_symmetric(rng: random.Random, n: int, scale: float = 1.0) -> list[list[float]]:
    a = [[0.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(i, n):
            a[i][j] = a[j][i] = scale * rng.choice([rng.gauss(0, 1), rng.randint(-3, 3), 0.0])
    return a


@pytest.mark.parametrize("n", [2, 7, 12, 13, 30, 80])
@pytest.mark.parametrize("scale", [1.0, 1e300, 1e-300, 2.0 ** -1060])
def test_eigenvalues_against_numpy_at_every_size_and_scale(n: int, scale: float) -> None:
    """Jacobi (small) and Householder + QL (large) agree with LAPACK to rounding, with no
    overflow or underflow at extreme scales (the matrix is scaled by a power of two)."""
    np = pytest.importorskip("numpy")
    rng = random.Random(n)
    a = _random_symmetric(rng, n)
    want = np.linalg.eigvalsh(np.array(a))
    top = float(max(abs(want)))
    got = symmetric_eigenvalues([[v * scale for v in row] for row in a])
    # subnormal entries keep fewer bits: 2^-1060 leaves about 14 of 53
    tol = 1e-13 if scale >= 1e-300 else 2.0 ** -12
    for g, w in zip(got, want, strict=True):
        assert abs(g / scale - w) <= tol * top, (n, scale, g / scale, w)


def test_eigenvalue_overflow_is_a_domain_error(gradcli: Gradcli) -> None:
    # every entry fits a double (1e308), but the largest eigenvalue, 2e308, does not
    r = gradcli("hessian", "1e308*(x^2 + y^2)/2 + 1e308*x*y", "--x", "0", "--y", "0",
                "--no-check")
    assert r.code == 3 and r.out == "", r.out
    assert "overflows a double" in r.err and "Traceback" not in r.err


@pytest.mark.parametrize("argv, want", [
    (("exp(x)", "--x", "400"), [math.exp(400)]),  # the case: squares overflowed
    (("1e160*x*y", "--x", "1", "--y", "1"), [-1e160, 1e160]),
    (("1e-200*x*y", "--x", "1", "--y", "1"), [-1e-200, 1e-200]),
])
def test_huge_and_tiny_hessians(gradcli: Gradcli, argv: tuple[str, ...],
                                want: list[float]) -> None:
    r = gradcli("hessian", *argv, "--format", "json")
    assert r.code == 0, r.err
    data = json.loads(r.out)
    assert data["eigenvalues"] == pytest.approx(want, rel=1e-14)
    assert data["check"]["passed"] is True


def _tridiagonal_quadratic(n: int) -> tuple[str, list[str]]:
    """sum x_i^2 + sum x_i x_{i+1}: Hessian 2 on the diagonal, 1 beside it."""
    text = " + ".join([f"x{i}^2" for i in range(n)] + [f"x{i}*x{i + 1}" for i in range(n - 1)])
    values = [a for i in range(n) for a in (f"--x{i}", f"{0.1 * i:.1f}")]
    return text, values


def test_hessian_in_200_variables(gradcli: Gradcli) -> None:
    """The issue's size (20 s before): exact entries, eigenvalues 2 + 2cos(kπ/(n+1))."""
    n = 200
    text, values = _tridiagonal_quadratic(n)
    r = gradcli("hessian", text, *values, "--format", "json", "--no-check")
    assert r.code == 0, r.err
    data = json.loads(r.out)
    h = data["hessian"]
    assert all(h[i][j] == (2 if i == j else 1 if abs(i - j) == 1 else 0)
               for i in range(n) for j in range(n))
    want = sorted(2 + 2 * math.cos(k * math.pi / (n + 1)) for k in range(1, n + 1))
    assert data["eigenvalues"] == pytest.approx(want, abs=1e-12)
    assert data["definiteness"] == "positive definite"


def test_hessian_past_its_budget_is_refused(gradcli: Gradcli) -> None:
    from gradcli.hessian import MAX_VARIABLES

    text, values = _tridiagonal_quadratic(MAX_VARIABLES + 1)
    r = gradcli("hessian", text, *values)
    assert r.code == 2 and r.out == "" and str(MAX_VARIABLES) in r.err
