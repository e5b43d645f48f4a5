"""Property tests: any input gives a result or one clean error, for every command.

Valid expressions come from a grammar-shaped strategy: each evaluates or raises a
domain error, and where the point is smooth the reverse sweep agrees with finite
differences.  Garbage (random text, mutations of valid text, huge numbers, long
names, NUL bytes, bad UTF-8) gives exit 0-3, and for 2 or 3 one message line on
stderr and nothing on stdout.  `make fuzz` runs the same with many more examples.
"""

from __future__ import annotations

import io
import math
import os

from conftest import Gradcli, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gradcli.cli import COMMANDS
from gradcli.errors import DomainError
from gradcli.ops import FUNCTIONS
from gradcli.pipeline import evaluate

settings.register_profile("default", max_examples=60, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow,
                                                 HealthCheck.function_scoped_fixture])
settings.register_profile("soak", max_examples=3000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow,
                                                 HealthCheck.function_scoped_fixture])
settings.load_profile(os.environ.get("GRADCLI_FUZZ", "default"))

# ---------------------------------------------------------------- valid expressions

_atoms = st.one_of(
    st.sampled_from(["x", "y", "2", "0.5", "3", "pi", "e", "1e-3"]),
    st.floats(min_value=-10, max_value=10, allow_nan=False).map(lambda v: f"({v!r})"),
)


def _extend(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    unary = sorted(n for n, op in FUNCTIONS.items() if op.arity == 1)
    return st.one_of(
        st.tuples(children, st.sampled_from(["+", "-", "*", "/", "^", " "]), children)
        .map(lambda t: f"({t[0]}){t[1]}({t[2]})"),
        st.tuples(st.sampled_from(unary), children).map(lambda t: f"{t[0]}({t[1]})"),
        st.tuples(st.sampled_from(["max", "min", "atan2", "pow"]), children, children)
        .map(lambda t: f"{t[0]}({t[1]}, {t[2]})"),
        children.map(lambda c: f"-{c}"),
    )


expressions = st.recursive(_atoms, _extend, max_leaves=12)


@given(expressions, st.floats(-3, 3), st.floats(-3, 3))
def test_valid_expressions_evaluate_or_report_domain(text: str, x: float, y: float) -> None:
    values = {"x": x, "y": y}
    try:
        r = evaluate(text, {k: v for k, v in values.items() if k in text})
    except DomainError:
        return
    assert r.check is not None
    if not r.notes:  # smooth here: the sweep must not disagree with finite differences
        assert r.check.passed, (text, values, r.check)


# ---------------------------------------------------------------- garbage, every command

def _argv(command: str, text: str) -> list[str]:
    templates = {
        "check": ["check", text, "--wrt", "x", "--expect", text],
        "diff": ["diff", text],
        "plot": ["plot", text, "--x", "-1:1", "--format", "plain"],
        "taylor": ["taylor", text, "--x", "0.5", "--order", "2"],
        "graph": ["graph", text, "--x", "1", "--format", "plain"],
    }
    return templates.get(command, [command, text, "--x", "1"])


def _assert_clean(res: Result, argv: list[str]) -> None:
    assert "Traceback" not in res.err, argv
    assert res.code in (0, 1, 2, 3), (argv, res.code, res.err)
    if res.code in (2, 3):
        lines = res.err.splitlines()
        assert lines and lines[0].startswith("gradcli: error: "), (argv, res.err)
        assert res.out == "", (argv, res.out[:200])


def _mutate(text: str, how: int, at: int) -> str:
    at = at % (len(text) + 1)
    if how == 0:
        return text[:at]  # truncation
    if how == 1:
        return text[:at] + text[at:at + 1] * 2 + text[at + 1:]  # doubled character
    if how == 2:
        return text[:at] + "(" + text[at:]  # unbalanced bracket
    if how == 3:
        return text[:at] + ")" + text[at:]
    return text[:at] + ",^*" + text[at:]


garbage = st.one_of(
    st.text(max_size=40),
    st.tuples(expressions, st.integers(0, 4), st.integers(0, 200))
    .map(lambda t: _mutate(*t)),
    st.sampled_from(["1e999", "1e-400", "x^1e308", "exp(exp(x))", "x" * 5000, "\x00",
                     "x\x00+1", "(" * 500, "9" * 400, "-" * 3000 + "x", "1/(x-1)",
                     "sqrt(-x)", "x,y,", "a=1;", "a=;b", ";;;", "#only a comment"]),
)


@given(garbage)
def test_every_command_handles_any_text(gradcli: Gradcli, text: str) -> None:
    for command in COMMANDS:
        argv = _argv(command, text)
        _assert_clean(gradcli(*argv), argv)


@given(st.binary(max_size=60))
def test_any_bytes_on_stdin(gradcli: Gradcli, data: bytes) -> None:
    argv = ["eval", "-", "--x", "1"]
    _assert_clean(gradcli(*argv, stdin=data), argv)


# ---------------------------------------------------------------- typo'd values and cells
# (issue 14: a value is a number or a constant expression; a typo is exit 2, never a product)

_SOAK = os.environ.get("GRADCLI_FUZZ") == "soak"
_digits = st.text(alphabet="0123456789", min_size=1, max_size=6)
_number_text = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False, width=64).map(repr),
    st.integers(-10 ** 12, 10 ** 12).map(str),
    st.tuples(_digits, _digits).map(lambda t: f"{t[0]}.{t[1]}"),
    st.tuples(_digits, st.sampled_from(["e", "E", "e-", "e+"]), st.integers(0, 300))
    .map(lambda t: f"{t[0]}{t[1]}{t[2]}"),
)


def _typo(text: str, how: int, a: str) -> str:
    """One typing slip in a number: never a number any more."""
    digits = [i for i, c in enumerate(text) if c.isdigit()]
    at = digits[len(digits) // 2]
    if how == 0:
        return f"{text} {a}"  # two numbers side by side
    if how == 1:
        return text[:at] + " " + text[at:] if at else f"{a} {text}"  # a space inside
    if how == 2:
        return f"{text}.{a}" if "." in text or "e" in text.lower() else f"{text}..{a}"
    if how == 3:
        return f"{text}e{a}x" if "e" not in text.lower() else f"{text}e"  # letter after exp.
    if how == 4:
        return text[:at] + "_" + text[at:] if at else f"{text}_{a}"
    if how == 6:  # an exponent marker without its exponent, or a number and e side by side
        return f"{text}e" if "e" not in text.lower() else f"{text} e {a}"
    return text[:at] + chr(ord(text[at]) + 0xFEE0) + text[at + 1:]  # a full-width digit


def _is_refusal(name: str, text: str) -> bool:
    from gradcli.batch import _number  # the cell reader, next to the value reader
    from gradcli.errors import InputError
    from gradcli.pipeline import parse_value

    try:
        parse_value(name, text)
    except InputError:
        value_refused = True
    else:
        value_refused = False
    assert isinstance(_number(name, text), str) == value_refused, text  # cells: the same rule
    return value_refused


@given(_number_text)
def test_a_number_reads_back_as_itself(text: str) -> None:
    from gradcli.pipeline import parse_value

    v = float(text)
    if v == 0 and any(c in "123456789" for c in text.lower().split("e")[0]) or \
            not math.isfinite(v):
        assert _is_refusal("x", text)  # underflowed to 0 or past a double: an error
    else:
        assert parse_value("x", text) == v


@given(_number_text, st.integers(0, 6), _digits)
def test_a_typo_in_a_number_is_refused(text: str, how: int, other: str) -> None:
    assert _is_refusal("x", _typo(text, how, other))


# ---------------------------------------------------------------- broken pipes
# (a reader that goes away, after any number of characters: exit 0, never 1, no traceback)

class _Closing(io.StringIO):
    """stdout whose reader leaves after `keep` characters."""

    def __init__(self, keep: int) -> None:
        super().__init__()
        self.keep = keep

    def write(self, s: str) -> int:
        if self.tell() + len(s) > self.keep:
            raise BrokenPipeError(32, "Broken pipe")
        return super().write(s)

    def flush(self) -> None:  # nothing is held back here: a flush has nothing to send
        pass

    def fileno(self) -> int:  # a real pipe has one (terminal checks ask for it)
        return _DEVNULL


_DEVNULL = os.open(os.devnull, os.O_WRONLY)


_PIPED = [["eval", "x*y*z", "--x", "1", "--y", "2", "--z", "3"],
          ["eval", "sin(x)*y", "--x", "0:3:0.01", "--y", "1,2"],
          ["eval", "x+y", "--batch", "-"],
          ["diff", "x^2*y + sin(x*y)"], ["check", "x^2", "--wrt", "x", "--expect", "3x"],
          ["hessian", "x*y", "--x", "1", "--y", "2"], ["explain", "x*y", "--x", "1", "--y", "2"],
          ["graph", "x*y + sin(x)", "--x", "1", "--y", "2"], ["--help"], ["help", "eval"],
          ["jacobian", "x*y, x+y", "--x", "1", "--y", "2"]]


@settings(max_examples=2000 if _SOAK else 40)
@given(st.sampled_from(_PIPED), st.sampled_from(["table", "json", "csv", "tsv", "plain", "-q"]),
       st.integers(0, 3000))
def test_a_reader_that_goes_away_is_never_an_error(argv: list[str], fmt: str,
                                                    keep: int) -> None:
    import sys

    from gradcli.cli import run

    args = [*argv, *(["-q"] if fmt == "-q" else ["--format", fmt])] if argv[0] not in (
        "--help", "help") else argv
    out, err, old = _Closing(keep), io.StringIO(), (sys.stdout, sys.stderr, sys.stdin)
    sys.stdout, sys.stderr = out, err
    sys.stdin = io.TextIOWrapper(io.BytesIO(b"x,y\n" + b"1,2\n" * 300), encoding="utf-8")
    try:
        code = run(args)
    finally:
        sys.stdout, sys.stderr, sys.stdin = old
    assert "Traceback" not in err.getvalue() and "internal error" not in err.getvalue()
    full_err = err.getvalue()
    if code != 0:  # only when the output fit before the reader left: the command's own status
        assert out.tell() <= keep, (args, code, full_err)
        assert code in (1, 2), (args, code, full_err)


# ---------------------------------------------------------------- numbers (issue 14's rules)
# Overflowing values, cancellation, infinite slopes under zero adjoints, and the NumPy
# batch path against the interpreter, bit for bit.

_huge = st.one_of(
    st.floats(min_value=1e150, max_value=1.7e308), st.floats(min_value=-1.7e308, max_value=-1e150),
    st.floats(min_value=5e-324, max_value=1e-300), st.sampled_from([1e200, -1e200, 1e308]))


@given(expressions, _huge, st.sampled_from(["eval", "graph", "jacobian", "hessian",
                                            "explain"]))
def test_overflowing_values_never_crash(gradcli: Gradcli, text: str, x: float,
                                        command: str) -> None:
    """Any expression at any magnitude: a result, or exit 3 (overflow) with nothing on stdout."""
    argv = [command, text, "--x", repr(x), "--y", repr(x)]
    res = gradcli(*argv)
    _assert_clean(res, argv)
    assert "internal error" not in res.err, (argv, res.err)


@given(expressions, st.sampled_from([3, 7, 0.1]),
       st.one_of(st.floats(-3, 3), st.floats(min_value=1e-200, max_value=1e-90),
                 st.floats(min_value=1e90, max_value=1e140)))
def test_cancelled_digits_are_never_passed(text: str, k: float, x: float) -> None:
    """f = e/(k*e) is constant, so its slope is 0: a number the sweep makes of cancelling
    terms is either near 0 against them or noted as digits lost, and then not passed."""
    from gradcli.cancellation import LOST, magnitudes
    from gradcli.tape import needs_grad

    f = f"({text})/({k}*({text}))"
    try:
        r = evaluate(f, {n: x for n in ("x", "y") if n in text})
    except DomainError:
        return
    if any("cancel" not in n.message for n in r.notes):
        return  # a kink or 0^0 in e: a convention, not this property
    tape = r.tape
    mags = magnitudes(tape, r.values, tape.outputs[-1], needs_grad(tape), "torch")
    for name, i in tape.variables.items():
        g = float(r.gradient[name])
        if abs(g) <= LOST * mags[i]:
            continue
        assert any(name in n.message for n in r.notes), (f, x, g, mags[i])
        assert r.check is not None and r.check.partials[name].verdict != "ok", (f, x, g)


_SINGULAR = [("sqrt(x)", "0"), ("asin(x)", "1"), ("acos(x)", "-1"), ("x^0.5", "0"),
             ("x^(1/3)", "0"), ("atan2(y, x)", "0")]
_ZEROING = ["({})^2", "({})*0", "0*({})", "({})*(x - x)", "relu(-1)*({})", "({})^2*y"]


@given(st.sampled_from(_SINGULAR), st.sampled_from(_ZEROING), st.booleans())
def test_an_infinite_slope_under_a_zero_adjoint_is_always_a_domain_error(
        gradcli: Gradcli, singular: tuple[str, str], zeroing: str, batch: bool) -> None:
    inner, at = singular
    text = zeroing.format(inner)
    values = ["--x", f"{at},2" if batch else at, "--y", "0"]
    res = gradcli("eval", text, *values, "--format", "csv")
    assert res.code == 3, (text, res.out, res.err)
    if batch:  # the singular row is an error cell, the other a number
        rows = [line.split(",") for line in res.out.strip().splitlines()[1:]]
        assert rows[0][2] == "" and rows[0][-1], (text, res.out)
    else:
        assert res.out == ""


@given(expressions, st.lists(st.tuples(st.floats(-4, 4), st.floats(-4, 4)), min_size=1,
                             max_size=30))
def test_numpy_batches_are_bit_identical_to_eval(text: str,
                                                 points: list[tuple[float, float]]) -> None:
    import pytest

    pytest.importorskip("numpy")
    from test_hostile_numbers import numpy_vs_interpreter

    numpy_vs_interpreter(text, [{"x": x, "y": y} for x, y in points])


# ---------------------------------------------------------------- underflow
# (a value or a slope that became 0 or subnormal from nonzero inputs has lost its digits:
# a note, and a check that does not pass; the truth from the checker's own 60-digit
# arithmetic, gradcli/precise.py, which reads constants from their text)

_SHRINK = ["({})*1e-300*1e-30", "exp(-800*(1 + ({})^2))", "(1e-160*({}))*(1e-160*({}))",
           "(({})^2 + 1)^-600", "1e-170*atan(1e170*({}))", "({})*(1e-200*x)*(1e-200*y)",
           "sigmoid(-(800 + ({})^2))", "1e-300/(1e30 + ({})^2)"]


@given(expressions, st.sampled_from(_SHRINK), st.floats(-3, 3), st.floats(-3, 3))
def test_underflow_is_never_a_passing_zero(text: str, shrink: str, x: float, y: float) -> None:
    from fractions import Fraction

    from gradcli.precise import Arith
    from gradcli.underflow import REPORT, Underflow, digits_lost, tiny

    f = shrink.format(text, text)
    values = {n: v for n, v in (("x", x), ("y", y)) if n in f}
    try:
        r = evaluate(f, values)
    except DomainError:
        return
    if any(not isinstance(n, Underflow) and "cancel" not in n.message for n in r.notes):
        return  # a kink or 0^0: a convention, not this property
    sweeps = []
    for dps in (60, 100):  # a truth only where 60 and 100 digits agree (not their rounding)
        try:
            with Arith(dps) as a:
                env = a.point({n: Fraction(v) for n, v in r.env.items()})
                vals = a.values(r.tape, env)
                sweeps.append((vals[r.tape.outputs[-1]],
                               {n: a.slope(r.tape, vals, n) for n in r.env}, vals))
        except (ArithmeticError, ValueError, TypeError, DomainError):
            return  # the high-precision sweep has no answer here: nothing to compare
    (true_value, true_grad, vals), (value100, grad100, _) = sweeps
    if any(abs(a - b) > 1e-10 * abs(b) for a, b in [(true_value, value100),
                                                     *((true_grad[n], grad100[n]) for n in r.env)]):
        return
    for v, t in zip(r.values, vals, strict=True):  # cot(pi): the double pi, not underflow
        if not tiny(v) and digits_lost(float(v), t) > 6:
            return
    flagged = [n for n in r.notes if isinstance(n, Underflow)]
    assert r.check is not None
    if tiny(r.value) and digits_lost(float(r.value), true_value) >= REPORT + 1:
        assert flagged, (f, values, r.value, true_value)
        assert all(p.verdict != "ok" for p in r.check.partials.values()), (f, values)
    for name, g in r.gradient.items():
        if tiny(g) and digits_lost(float(g), true_grad[name]) >= REPORT + 1:
            assert flagged, (f, values, name, g, true_grad[name])
            assert r.check.partials[name].verdict != "ok", (f, values, name)
