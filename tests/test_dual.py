"""Dual numbers over the operations table: each op's higher derivatives against SymPy,
the comparison semantics the float rules rely on, and the sweeps on Duals."""

from __future__ import annotations

import math

import pytest

sympy = pytest.importorskip("sympy", reason="SymPy is the outside oracle (test extra)")

from gradcli.dual import DUAL, FNS, Dual, apply, bad_order, component, jvp, seed  # noqa: E402
from gradcli.errors import DomainError  # noqa: E402
from gradcli.forward import forward  # noqa: E402
from gradcli.ops import FUNCTIONS  # noqa: E402
from gradcli.parser import parse  # noqa: E402
from gradcli.reverse import reverse  # noqa: E402

X = sympy.Symbol("x", real=True)
S = sympy

# each smooth one-argument function, a point inside its domain, and SymPy's spelling
SMOOTH: dict[str, tuple[float, object]] = {
    "sin": (0.7, S.sin(X)), "cos": (0.7, S.cos(X)), "tan": (0.7, S.tan(X)),
    "sec": (0.7, S.sec(X)), "csc": (0.7, S.csc(X)), "cot": (0.7, S.cot(X)),
    "asin": (0.3, S.asin(X)), "acos": (0.3, S.acos(X)), "atan": (0.7, S.atan(X)),
    "sinh": (0.7, S.sinh(X)), "cosh": (0.7, S.cosh(X)), "tanh": (0.7, S.tanh(X)),
    "exp": (0.7, S.exp(X)), "log": (0.7, S.log(X)), "log2": (0.7, S.log(X, 2)),
    "log10": (0.7, S.log(X, 10)), "sqrt": (0.7, S.sqrt(X)),
    "sigmoid": (0.7, 1 / (1 + S.exp(-X))), "softplus": (0.7, S.log(1 + S.exp(X))),
    "abs": (-0.7, -X), "relu": (0.7, X),
    "cbrt": (-0.7, -((-X) ** S.Rational(1, 3))), "asec": (1.7, S.asec(X)),
    "acsc": (-1.7, S.acsc(X)), "acot": (-0.7, S.pi / 2 - S.atan(X)),
}


def test_every_one_argument_function_is_covered() -> None:
    unary = {op.name for op in FUNCTIONS.values() if op.arity == 1}
    assert unary - set(SMOOTH) == {"sign", "step"}  # piecewise constant: all derivatives 0


@pytest.mark.parametrize("name", sorted(SMOOTH))
def test_derivatives_up_to_order_4_match_sympy(name: str) -> None:
    x0, sym = SMOOTH[name]
    out = apply(name, seed(x0, 4))
    for k in range(5):
        want = float(sympy.diff(sym, X, k).subs(X, x0).evalf(30))
        assert component(out, k, 4) == pytest.approx(want, rel=1e-12, abs=1e-13), k


@pytest.mark.parametrize("text, sym", [
    ("x^3", X ** 3), ("x^x", X ** X), ("2^x", 2 ** X), ("x/(1+x)", X / (1 + X)),
    ("atan2(x, 2)", S.atan2(X, 2)), ("atan2(1, x)", S.atan2(1, X)),
    ("max(x, 2*x - 1)", 2 * X - 1), ("min(x, 1)", S.Integer(1)),
])
def test_two_argument_ops_match_sympy(text: str, sym: object) -> None:
    tape = parse(text)
    x0 = 1.7
    out = forward(tape, {"x": seed(x0, 3)}, fns=FNS)[tape.outputs[0]]
    for k in range(4):
        want = float(sympy.diff(sym, X, k).subs(X, x0).evalf(30))
        assert component(out, k, 3) == pytest.approx(want, rel=1e-12, abs=1e-13), (text, k)


def test_comparisons_look_at_the_value_and_bool_at_every_part() -> None:
    a = Dual(Dual(2.0, 1.0), 1.0)
    assert a == 2 and a > 1 and a <= 2 and not a < 2
    assert hash(a) == hash(2.0)
    assert len({Dual(1.0, 5.0), Dual(1.0, 7.0)}) == 1  # the tie check: equal values
    assert bool(Dual(0.0, 1.0)) and not bool(Dual(0.0, Dual(0.0, 0.0)))
    assert float(a) == 2.0


def test_bad_order_names_the_lowest_broken_derivative() -> None:
    assert bad_order(Dual(1.0, 2.0)) is None
    assert bad_order(Dual(1.0, math.nan)) == 1
    assert bad_order(Dual(Dual(1.0, 2.0), Dual(3.0, math.inf))) == 2
    assert bad_order(Dual(math.nan, 0.0)) == 0


def test_lenient_namespace_gives_nan_not_an_exception() -> None:
    # an undefined elementary function inside a partial rule is nan, so the
    # other partials of the same op survive (d/dy x^y at x < 0)
    assert math.isnan(DUAL.log(Dual(-1.0, 1.0)))
    with pytest.raises(ValueError):
        FNS["log"](Dual(-1.0, 1.0))  # the forward table raises, so forward names the node


def test_forward_on_duals_keeps_the_float_values() -> None:
    tape = parse("log(3*x^2 + 5*x*y)")
    floats = forward(tape, {"x": 2.0, "y": 3.0})
    duals = forward(tape, {"x": Dual(2.0, 1.0), "y": Dual(3.0, 0.0)}, fns=FNS)
    assert [float(v) for v in duals] == floats
    # seed 002: ∂z/∂x = (6x + 5y)/(3x² + 5xy) = 9/14
    assert duals[tape.outputs[0]].tangent == pytest.approx(9 / 14, rel=1e-15)


def test_jvp_is_the_gradient_dotted_with_v() -> None:
    tape = parse("x^2*y + sin(y)")
    got = jvp(tape, {"x": 1.0, "y": 2.0}, {"x": 3.0, "y": -1.0})
    # ∇f = (2xy, x² + cos y) = (4, 1 + cos 2)
    assert got == [pytest.approx(4 * 3 - (1 + math.cos(2)), rel=1e-15)]


def test_reverse_over_duals_gives_hessian_vector_products() -> None:
    tape = parse("x^2*y^3")
    vals = forward(tape, {"x": Dual(1.5, 1.0), "y": Dual(0.5, 2.0)}, fns=FNS)
    adj, notes = reverse(tape, vals, m=DUAL)
    hx = sympy.Symbol("x")
    hy = sympy.Symbol("y")
    h = sympy.hessian(hx ** 2 * hy ** 3, [hx, hy]).subs({hx: 1.5, hy: 0.5})
    hv = h * sympy.Matrix([1, 2])
    assert adj[tape.variables["x"]].tangent == pytest.approx(float(hv[0]), rel=1e-14)
    assert adj[tape.variables["y"]].tangent == pytest.approx(float(hv[1]), rel=1e-14)
    assert notes == []


def test_undefined_derivative_in_forward_names_the_node() -> None:
    tape = parse("sqrt(x) + 1")
    with pytest.raises(DomainError, match=r"derivative of the value of sqrt\(x\)"):
        forward(tape, {"x": Dual(0.0, 1.0)}, fns=FNS)


def test_deep_expression_does_not_recurse() -> None:
    text = "x" + "+x" * 20000
    tape = parse(text)
    out = forward(tape, {"x": seed(1.0, 2)}, fns=FNS)[tape.outputs[0]]
    assert component(out, 1, 2) == 20001 and component(out, 2, 2) == 0


def test_number_types_answer_bad_order_themselves() -> None:
    from fractions import Fraction

    from gradcli import diagnose
    from gradcli.jet import Jet

    assert diagnose.bad_order(Dual(1.0, Dual(2.0, math.inf))) == 2
    assert diagnose.bad_order(Jet([1.0, 2.0, math.nan])) == 2
    assert diagnose.bad_order(Fraction(10 ** 400, 3)) is None  # exact, however large
    assert diagnose.bad_order(-math.inf) == 0 and diagnose.bad_order(3) is None
    assert not diagnose.finite(Dual(1.0, math.nan)) and diagnose.finite(Dual(1.0, 2.0))
