"""The eval command as a user runs it: exit codes, streams, spellings, bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Golden, Gradcli

from gradcli.pipeline import evaluate
from gradcli.render.eval import eval_tables


def test_demo_command(gradcli: Gradcli) -> None:
    res = gradcli("eval", "x*y*z", "--x", "2", "--y", "3", "--z", "4")
    assert res.code == 0 and res.err == ""
    assert "f = 24" in res.out
    assert "check: passed (3 of 3" in res.out
    for n in ("12", "8", "6"):
        assert f"│ {n} " in res.out or f" {n} │" in res.out
    assert "\x1b[" not in res.out  # not a terminal: no escape codes


@pytest.mark.parametrize("argv", [
    ["--x", "-1.5", "--y", "2"],
    ["--x=-1.5", "--y=2"],
    ["x=-1.5", "y=2"],
    ["--x", "-3/2", "y=2"],
    ["--y", "2", "--x", "-1.5e0"],
])
def test_value_spellings(gradcli: Gradcli, argv: list[str]) -> None:
    res = gradcli("eval", "x*y", *argv, "-q")
    assert res.code == 0, res.err
    assert res.out.split() == ["-3", "2", "-1.5"]


def test_constant_expression_values(gradcli: Gradcli) -> None:
    res = gradcli("eval", "sin(x)^2", "--x", "pi/4", "--wrt", "x", "-q")
    assert res.code == 0 and float(res.out) == pytest.approx(1.0, rel=1e-15)
    res = gradcli("eval", "x", "--x", "sqrt(2)", "--format", "json")
    assert json.loads(res.out)["value"] == 2 ** 0.5
    res = gradcli("eval", "x", "--x", "-sqrt(2)", "-q")  # a value that contains 'q'
    assert res.code == 0 and res.out.split()[0] == repr(-(2 ** 0.5))


def test_expression_starting_with_minus(gradcli: Gradcli) -> None:
    res = gradcli("eval", "-q", "--x", "2", "--", "-x^2")
    assert res.code == 0, res.err
    assert res.out.split() == ["-4", "-4"]


@pytest.mark.parametrize("name", ["x", "w1", "x_2", "theta", "θ"])
def test_identifiers(gradcli: Gradcli, name: str) -> None:
    res = gradcli("eval", f"{name}^2", f"--{name}", "3", "-q")
    assert res.code == 0, res.err
    assert res.out.split() == ["9", "6"]


def test_missing_values_named_together(gradcli: Gradcli) -> None:
    res = gradcli("eval", "x*y*z", "--y", "1")
    assert res.code == 2 and res.out == ""
    assert "x, z" in res.err and len(res.err.strip().splitlines()) == 1


def test_unused_value_warns(gradcli: Gradcli) -> None:
    res = gradcli("eval", "x", "--x", "1", "--y", "2", "-q")
    assert res.code == 0 and "warning" in res.err and "y" in res.err


def test_json_on_failed_check_and_exit_1(gradcli: Gradcli, monkeypatch: pytest.MonkeyPatch) -> None:
    """A failed check is still a result: JSON printed, exit 1.  We break a rule to see it."""
    import gradcli.ops as ops

    broken = ops.Op("sin", 1, ops.math.sin, lambda m, o, x: (2 * m.cos(x),))
    monkeypatch.setitem(ops.OPS, "sin", broken)
    res = gradcli("eval", "sin(x)", "--x", "1", "--format", "json")
    assert res.code == 1
    doc = json.loads(res.out)
    assert doc["check"]["passed"] is False
    assert doc["check"]["partials"]["x"]["verdict"] == "mismatch"


BAD = [
    ("", 2), ("x+", 2), ("(x", 2), ("x)", 2), ("2**", 2), ("foo(x)", 2), ("sin()", 2),
    ("max(x)", 2), ("1/0", 3), ("log(-1)", 3), ("x y z ,,", 2), ("x ** ** 2", 2),
    ("sqrt(-4)", 3), ("1e999", 2), ("é@#", 2), ("\u2603(x)", 2), ("x" * 1_000_000 + "+", 2),
    ("exp(1000)", 3), ("x^x", 3), ("asin(2)", 3), ("1/2x", 2), ("[x]", 2),
]


@pytest.mark.parametrize("expr, code", BAD, ids=[repr(b[0][:20]) for b in BAD])
def test_bad_input_one_clean_line(gradcli: Gradcli, expr: str, code: int) -> None:
    res = gradcli("eval", expr, "--x", "0")
    assert res.code == code, res.err
    assert res.out == ""
    lines = res.err.splitlines()
    assert lines and lines[0].startswith("gradcli: error: ")
    assert "Traceback" not in res.err
    # the message is one line; a caret display (source and ^) may follow it
    assert len(lines) in (1, 3)
    if len(lines) == 3:
        assert lines[2].strip() == "^"


def test_domain_error_names_function_and_value(gradcli: Gradcli) -> None:
    res = gradcli("eval", "x + log(x - 3)", "--x", "1")
    assert res.code == 3
    assert "log(x - 3)" in res.err and "-2" in res.err and "column 5" in res.err


def test_golden_table(golden: Golden) -> None:
    """The Rich tables at a fixed width, no colour (regenerate: GRADCLI_REGEN=1)."""
    for name, expr, point in [
        ("eval_xyz", "x*y*z", dict(x=2, y=3, z=4)),
        ("eval_seed002", "a = x^2; b = 3*a; c = x*y; d = 5*c; e = b + d; z = log(e)",
         dict(x=2, y=3)),
        ("eval_abs_kink", "abs(x) + x", dict(x=0)),
    ]:
        golden(name, eval_tables(evaluate(expr, point), digits=10, width=100, color=False))


def test_help_examples_work(gradcli: Gradcli, tmp_path: Path,
                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # examples that read points.csv find one here
    (tmp_path / "points.csv").write_text("x,y,z\n1,2,3\n2,3,4\n", encoding="utf-8")
    res = gradcli("eval", "--help")
    assert res.code == 0 and "Examples:" in res.out
    import shlex

    examples = [ln.strip() for ln in res.out.splitlines() if ln.strip().startswith("gradcli ")]
    assert len(examples) >= 3
    for line in examples:
        argv = shlex.split(line)[1:]
        got = gradcli(*argv)
        assert got.code == 0, (line, got.err)
    top = gradcli("--help")
    assert top.code == 0 and "eval" in top.out


def test_python_module_and_api() -> None:
    out = subprocess.run([sys.executable, "-m", "gradcli", "eval", "x*y", "--x", "2", "--y",
                          "3", "-q"], capture_output=True, text=True, check=False)
    assert out.returncode == 0 and out.stdout.split() == ["6", "3", "2"]
    import gradcli

    r = gradcli.gradient("x*y", x=2, y=3)
    assert (r.value, r.gradient) == (6.0, {"x": 3.0, "y": 2.0})
    assert [row["name"] for row in r.nodes] == ["x", "y", "t1"]


def test_no_color_and_pipe() -> None:
    env = dict(os.environ, NO_COLOR="1")
    out = subprocess.run([sys.executable, "-m", "gradcli", "eval", "x*y", "--x", "2", "--y",
                          "3"], capture_output=True, text=True, env=env, check=False)
    assert out.returncode == 0 and "\x1b[" not in out.stdout and "f = 6" in out.stdout


def _help_examples() -> list[str]:
    """Every `gradcli ...` line in any --help (continued lines joined), as pasted."""
    import contextlib
    import io

    from gradcli.cli import COMMANDS, run

    lines = []
    for command in ["", *COMMANDS]:
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            code = run([*([command] if command else []), "--help"])
        assert code == 0, command
        for line in buf.getvalue().replace("\\\n", " ").splitlines():
            line = line.strip()
            if line.startswith("gradcli ") and not any(c in line for c in ("|", "<", "$(")):
                lines.append(line)
    return lines


def _missing_tool(argv: list[str]) -> str | None:
    """What an example needs that this machine lacks (a system tool, an optional extra)."""
    import importlib.util
    import shutil

    from gradcli.commands.graph import RENDERED

    out = argv[argv.index("--output") + 1] if "--output" in argv[:-1] else ""
    if argv[0] == "graph" and Path(out).suffix in RENDERED and shutil.which("dot") is None:
        return "Graphviz's dot is not on PATH (apt-get install graphviz)"
    if argv[0] == "plot":
        for module in ("plotext", *(("matplotlib",) if out else ())):
            if importlib.util.find_spec(module) is None:
                return f"{module} is not installed (pip install 'gradcli[plot]')"
    return None


HELP_EXAMPLES = _help_examples()


def test_help_examples_found() -> None:
    from gradcli.cli import COMMANDS

    assert len(HELP_EXAMPLES) >= len(COMMANDS)


@pytest.mark.parametrize("line", HELP_EXAMPLES)
def test_every_commands_help_examples_run(gradcli: Gradcli, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch, line: str) -> None:
    """Each `gradcli ...` line in any --help runs as pasted (exit 0, or 1 for a 'no');
    one that needs a tool this machine lacks is skipped, saying which."""
    import shlex

    argv = shlex.split(line)[1:]
    missing = _missing_tool(argv)
    if missing:
        pytest.skip(f"{line}: {missing}")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "points.csv").write_text("x,y,z\n1,2,3\n2,3,4\n", encoding="utf-8")
    got = gradcli(*argv)
    assert got.code in (0, 1), (line, got.err)


def test_value_for_a_constant_says_it_is_a_constant(gradcli: Gradcli) -> None:
    res = gradcli("eval", "e*x", "--x", "1", "--e", "2", "-q")
    assert res.code == 0 and float(res.out.split()[0]) == 2.718281828459045
    assert "e is the constant" in res.err
