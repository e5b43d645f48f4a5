"""The language: a precedence and notation table with expected parses, programs,
and the errors that say how to write a thing."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from conftest import Gradcli

from gradcli.errors import InputError
from gradcli.parser import parse
from gradcli.pipeline import evaluate
from gradcli.tape import expressions


def shown(text: str) -> str:
    """How gradcli read `text`: the output re-printed with explicit operators."""
    tape = parse(text)
    return ", ".join(expressions(tape, limit=10_000)[o] for o in tape.outputs)


# (input, how it must be read) — the right column uses only explicit operators
PRECEDENCE = [
    ("1+2*3", "1 + 2*3"),
    ("-x^2", "-x^2"),
    ("(-x)^2", "(-x)^2"),
    ("2^3^2", "2^3^2"),
    ("(2^3)^2", "(2^3)^2"),
    ("2^-1", "2^(-1)"),
    ("x**2", "x^2"),
    ("a-b-c", "a - b - c"),
    ("a-(b-c)", "a - (b - c)"),
    ("a/b/c", "a/b/c"),
    ("a/(b*c)", "a/(b*c)"),
    ("--x", "-(-x)"),
    ("+x", "x"),
    ("-2", "-2"),
    ("x*-y", "x*-y"),
    # textbook notation
    ("3x", "3*x"),
    ("2x^2", "2*x^2"),
    ("2(x+1)", "2*(x + 1)"),
    ("(x+1)(x-1)", "(x + 1)*(x - 1)"),
    ("x(x+1)", "x*(x + 1)"),
    ("x(x+1)^2", "x*(x + 1)^2"),  # only the bracket is squared, as on paper
    ("2x (x+1)^2", "2*x*(x + 1)^2"),
    ("x(x+1)²", "x*(x + 1)^2"),
    ("x^x (1+ln(x))", "x^x*(1 + log(x))"),  # an exponent does not swallow the bracket
    ("x(y)(z)", "x*y*z"),
    ("2 x y", "2*x*y"),
    ("x y", "x*y"),
    ("xy", "x*y"),  # textbook products: an unknown all-letter word is its letters
    ("3xy^2", "3*x*y^2"),
    ("w1 x_2", "w1*x_2"),  # a digit or underscore keeps a name whole
    ("1/(2x)", "1/(2*x)"),
    ("sin 2x", "sin(2*x)"),  # a function without brackets takes the next factor
    ("sin x cos x", "sin(x)*cos(x)"),
    ("x ln x", "x*log(x)"),
    ("xln(x)", "x*log(x)"),
    ("cos²x", "cos(x)^2"),
    ("ln x^2", "log(x^2)"),
    ("2 -x", "2 - x"),
    ("x^2 y", "x^2*y"),
    ("-2x", "-(2*x)"),
    ("sin^2(x)", "sin(x)^2"),
    ("cos^3(2x)", "cos(2*x)^3"),
    ("e^x", "exp(x)"),
    ("e^(2x)", "exp(2*x)"),
    ("ln(x)", "log(x)"),
    ("log(x, 2)", "log(x)/log(2)"),
    ("log_2(x)", "log2(x)"),
    ("log₂ x", "log2(x)"),
    ("log_{10}(x)", "log10(x)"),
    ("|x|", "abs(x)"),
    ("ln|x|", "log(abs(x))"),
    ("|x - |y||", "abs(x - abs(y))"),
    ("∛x", "cbrt(x)"),
    ("½x", "1/2*x"),
    ("eˣ", "exp(x)"),
    ("xⁿ⁻¹", "x^(n - 1)"),
    ("arctan(x)", "atan(x)"),
    # unicode as pasted from a PDF
    ("2×x", "2*x"),
    ("2·x", "2*x"),
    ("x÷2", "x/2"),
    ("x−1", "x - 1"),
    ("x²", "x^2"),
    ("x³+x", "x^3 + x"),
    ("x⁻¹", "x^(-1)"),
    ("x¹²", "x^12"),
    ("√x", "sqrt(x)"),
    ("√(x+1)", "sqrt(x + 1)"),
    ("2π", "2*pi"),
    ("sin²(θ)", "sin(θ)^2"),
    ("x\u00a0+\u00a0y", "x + y"),
]


@pytest.mark.parametrize("text, expected", PRECEDENCE, ids=[p[0] for p in PRECEDENCE])
def test_precedence_and_notation(text: str, expected: str) -> None:
    assert shown(text) == expected
    # and the printed form reads back as the same thing
    assert shown(expected) == expected


def test_values_of_notation() -> None:
    assert evaluate("2^3^2", {}).value == 512
    assert evaluate("-x^2", {"x": 3}).value == -9
    assert evaluate("1/(2x)", {"x": 4}).value == 0.125
    assert evaluate("e^x", {"x": 1}).gradient["x"] == math.e
    assert evaluate("log(8, 2)", {}).value == pytest.approx(3, rel=1e-15)


def test_pdf_homework_paste() -> None:
    """A homework line with a Unicode minus, superscripts, implicit products and √."""
    r = evaluate("f = 3x² − 2x·y + √(x y) − 4/x³", {"x": 2, "y": 8})
    x, y = 2.0, 8.0
    assert r.value == pytest.approx(3 * x**2 - 2 * x * y + math.sqrt(x * y) - 4 / x**3)
    dfdx = 6 * x - 2 * y + y / (2 * math.sqrt(x * y)) + 12 / x**4
    dfdy = -2 * x + x / (2 * math.sqrt(x * y))
    assert r.gradient["x"] == pytest.approx(dfdx, rel=1e-14)
    assert r.gradient["y"] == pytest.approx(dfdy, rel=1e-14)


def test_shared_subexpressions_are_one_node() -> None:
    tape = parse("x*x + x")
    assert tape.ops.count("var") == 1
    assert evaluate("x*x + x", {"x": 3}).gradient["x"] == 7  # 2x + 1 over three paths
    tape = parse("sin(x)^2 + sin(x)")
    assert tape.ops.count("sin") == 1


def test_programs() -> None:
    prog = """
    # seed 002, one step a line
    a = x^2
    b = 3a
    c = x y ; d = 5c
    e = b + d   # e is a step here, not Euler's number
    z = ln(e)
    """
    r = evaluate(prog, {"x": 2, "y": 3})
    names = [row["name"] for row in r.nodes if row["op"] not in ("var", "const")]
    assert names == ["a", "b", "c", "d", "e", "z"]
    assert r.value == pytest.approx(math.log(42))
    assert r.gradient == pytest.approx({"x": 9 / 14, "y": 5 / 21}, rel=1e-15)


def test_several_outputs() -> None:
    r = evaluate("a = x*y; b = x + y; a, b, sin(x)", {"x": 2, "y": 3})
    assert r.tape.output_names == ["a", "b", "sin(x)"]
    assert [r.values[o] for o in r.tape.outputs] == [6, 5, math.sin(2)]
    assert r.gradient_of(0) == {"x": 3, "y": 2}


ERRORS = [
    ("sin", "sin needs an argument", "sin(x)"),
    ("x sin", "sin needs an argument", "sin(x)"),
    ("sin(x, y)", "sin takes one argument, got 2", "sin(x)"),
    ("atan2(x)", "atan2 takes 2 arguments, got 1", "atan2(a, b)"),
    ("max(x)", "max takes two or more arguments", ""),
    ("a = 1; a = 2", "a is assigned twice", "column 1"),
    ("b = a + 1; a = 2", "a is used before it is assigned", "column 5"),
    ("y = e + 1; e = 2", "e is used (as the constant e) before it is assigned", ""),
    ("x^2; y = 3", "only the last statement may be a bare expression", ""),
    ("sin = 3", "sin is a function and cannot be assigned", ""),
    ("foo(x, y)", "unknown function foo", "known functions"),
    ("sin^-1(x)", "sin^n(x) takes a constant n >= 0", "asin(x) for the inverse"),
    ("tan⁻¹(x)", "tan^n(x) takes a constant n >= 0", "tan(x)^-1 for 1/tan(x)"),
    ("cos^y(x)", "cos needs an argument", "cos(x)"),
    ("sin^-1 x", "sin^n(x) takes a constant n >= 0", "asin(x) for the inverse"),
    # never guess: both readings offered
    ("1/2x", "1/2x can be read two ways", "write 1/(2x) or (1/2)*x"),
    ("x/2y", "x/2y can be read two ways", "write x/(2y) or (x/2)*y"),
    ("1/2 x^2", "1/2 x^2 can be read two ways", "(1/2)*x^2"),
    ("e^3x", "e^3x can be read two ways", "write e^(3x) or e^3*x"),
    ("x^-2y", "x^-2y can be read two ways", "write x^(-2y) or x^-2*y"),
    ("sin x y", "sin x y can be read two ways", "write sin(x*y) or sin(x)*y"),
    ("asinx", "asinx can be read two ways", "write asin(x) or a*sin(x)"),
    ("√2x", "√2x can be read two ways", "write √(2x) or √2*x"),
    # typos are errors, not products
    ("1.2.3", "1.2.3 is not a number", "one decimal point"),
    ("2 3", "two numbers side by side", "2*3"),
    ("x..2", "unexpected character '.'", "column 2"),
    ("|x|y|", "the bars | do not pair up", "abs(x)"),
    ("xy(x+1)", "unknown function xy", "x*y*(...)"),
    ("coth x", "unknown function coth", "known functions"),
]


@pytest.mark.parametrize("text, message, hint", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_say_how_to_write_it(text: str, message: str, hint: str) -> None:
    with pytest.raises(InputError) as info:
        parse(text)
    err = info.value
    assert message in err.message
    assert hint in err.hint + " " + err.location()


def test_error_in_a_program_points_at_line_and_column() -> None:
    with pytest.raises(InputError) as info:
        parse("a = x^2\nb = 3*a +\nc = 1")
    assert info.value.location() == "line 2, column 10"


def test_xy_is_a_product_unless_it_has_a_value(gradcli: Gradcli) -> None:
    """The old rule kept `xy` one name; now it is x*y unless --xy gives it a value."""
    res = gradcli("eval", "xy + 1", "--x", "2", "--y", "3", "-q")
    assert res.code == 0 and res.out.split()[0] == "7"
    res = gradcli("eval", "xy + 1", "--xy", "5", "-q")
    assert res.code == 0 and res.out.split()[0] == "6"


def test_program_from_file_and_stdin(gradcli: Gradcli, tmp_path: Path) -> None:
    prog = "x3 = w1*x1\nx4 = w1*x2\nx5 = w2*x3 + w3*x4\nL = 1 - x5\n"
    vals = ["--x1", "1", "--x2", "2", "--w1", "1", "--w2", "2", "--w3", "3", "--wrt", "w1", "-q"]
    path = tmp_path / "model.txt"
    path.write_text(prog, encoding="utf-8")
    assert gradcli("eval", "-f", str(path), *vals).out.strip() == "-8"
    assert gradcli("eval", "-", *vals, stdin=prog).out.strip() == "-8"
    bad = gradcli("eval", "-", "--x", "1", stdin=b"x\xff\xfe")
    assert bad.code == 2 and "UTF-8" in bad.err and bad.out == ""


def test_deep_nesting_without_recursion() -> None:
    depth = 20_000
    r = evaluate("(" * depth + "x" + ")" * depth, {"x": 2}, check=False)
    assert r.gradient["x"] == 1
    r = evaluate("-" * 10_001 + "x", {"x": 2}, check=False)
    assert r.value == -2 and r.gradient["x"] == -1
    r = evaluate("+".join(["x"] * 100_000), {"x": 1}, check=False)
    assert r.value == 100_000 and r.gradient["x"] == 100_000
    r = evaluate("^".join(["1"] * 30_000 + ["x"]), {"x": 2}, check=False)
    assert r.value == 1
