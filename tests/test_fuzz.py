"""Property tests: any input gives a result or one clean error, for every command.

Valid expressions come from a grammar-shaped strategy: each evaluates or raises a
domain error, and where the point is smooth the reverse sweep agrees with finite
differences.  Garbage (random text, mutations of valid text, huge numbers, long
names, NUL bytes, bad UTF-8) gives exit 0-3, and for 2 or 3 one message line on
stderr and nothing on stdout.  `make fuzz` runs the same with many more examples.
"""

from __future__ import annotations

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
