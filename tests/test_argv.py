"""The command line as a shell passes it: a word that starts with '-' is the expression.

Every test runs the installed `gradcli` in a subprocess (not click's runner), since
the bug was in how argv reaches click.  Values are checked against SymPy's reading
of the intended expression, not against numbers written here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

sympy = pytest.importorskip("sympy")

GRADCLI = str(Path(sys.executable).with_name("gradcli"))

# what was typed -> the same expression in SymPy's spelling
FORMS = {
    "-(theta)": "-(theta)",
    "-sqrt(x)": "-sqrt(x)",
    "-h*x": "-h*x",
    "-q^2": "-q**2",
    "-f*x": "-f*x",
    "-sinh(x)": "-sinh(x)",
}
POINT = {"theta": 1.0, "x": 4.0, "h": 2.0, "q": 3.0, "f": 5.0}


def run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([GRADCLI, *argv], capture_output=True, text=True, timeout=60)


def intended(form: str) -> tuple[Any, list[Any]]:
    """SymPy's expression and its symbols (sorted by name)."""
    names = {n: sympy.Symbol(n) for n in POINT}
    e = sympy.sympify(FORMS[form], locals=names)
    return e, sorted(e.free_symbols, key=lambda s: s.name)


def values_argv(symbols: list[Any]) -> list[str]:
    out: list[str] = []
    for s in symbols:
        out += [f"--{s.name}", str(POINT[s.name])]
    return out


def at(e: Any) -> float:
    return float(e.subs({sympy.Symbol(n): v for n, v in POINT.items()}))


def grad(e: Any, symbols: list[Any]) -> dict[str, float]:
    return {s.name: at(sympy.diff(e, s)) for s in symbols}


def ok(res: subprocess.CompletedProcess[str]) -> Any:
    assert res.returncode == 0, res.stderr
    assert "Usage:" not in res.stdout  # never the help instead of an answer
    return json.loads(res.stdout)


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("where", ["first", "last"])
def test_eval(form: str, where: str) -> None:
    e, syms = intended(form)
    vals = values_argv(syms)
    argv = [form, *vals] if where == "first" else [*vals, form]
    data = ok(run("eval", *argv, "--format", "json"))
    assert data["expression"] == form
    assert data["value"] == pytest.approx(at(e), rel=1e-14)
    assert data["gradient"] == pytest.approx(grad(e, syms), rel=1e-12)


@pytest.mark.parametrize("form", FORMS)
def test_graph(form: str) -> None:
    e, syms = intended(form)
    data = ok(run("graph", form, *values_argv(syms), "--format", "json"))
    out = [n for n in data["nodes"] if n["name"] == data["output"]]
    assert out and out[0]["value"] == pytest.approx(at(e), rel=1e-14)


@pytest.mark.parametrize("form", FORMS)
def test_jacobian(form: str) -> None:
    e, syms = intended(form)
    data = ok(run("jacobian", form, *values_argv(syms), "--format", "json"))
    assert data["values"] == pytest.approx([at(e)], rel=1e-14)
    g = grad(e, syms)
    assert data["jacobian"] == [pytest.approx([g[v] for v in data["variables"]], rel=1e-12)]


@pytest.mark.parametrize("form", FORMS)
def test_hessian(form: str) -> None:
    e, syms = intended(form)
    data = ok(run("hessian", form, *values_argv(syms), "--format", "json"))
    assert data["value"] == pytest.approx(at(e), rel=1e-14)
    names = data["variables"]
    want = [[at(sympy.diff(e, sympy.Symbol(a), sympy.Symbol(b))) for b in names]
            for a in names]
    for row, wrow in zip(data["hessian"], want, strict=True):
        assert row == pytest.approx(wrow, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("form", FORMS)
def test_explain(form: str) -> None:
    e, syms = intended(form)
    data = ok(run("explain", form, *values_argv(syms), "--format", "json"))
    assert data["forward"][-1]["value"] == pytest.approx(at(e), rel=1e-14)
    assert data["gradient"] == pytest.approx(grad(e, syms), rel=1e-12)


@pytest.mark.parametrize("form", FORMS)
def test_taylor(form: str) -> None:
    e, syms = intended(form)
    res = run("taylor", form, *values_argv(syms), "--format", "json")
    if len(syms) > 1:  # taylor takes one variable: the refusal names both, so it read them
        assert res.returncode == 2 and "Usage:" not in res.stdout
        assert all(s.name in res.stderr for s in syms)
        return
    data = ok(res)
    (s,) = syms
    want = [at(sympy.diff(e, s, k)) for k in range(len(data["derivatives"]))]
    assert data["derivatives"] == pytest.approx(want, rel=1e-9)


@pytest.mark.parametrize("form", FORMS)
def test_diff(form: str) -> None:
    e, syms = intended(form)
    data = ok(run("diff", form, "--format", "json"))
    assert data["expression"] == form
    got = {d["wrt"]: d["formula"] for d in data["derivatives"]}
    assert sorted(got) == [s.name for s in syms]
    for s in syms:
        formula = sympy.sympify(got[s.name].replace("^", "**"),
                                locals={n: sympy.Symbol(n) for n in POINT})
        assert at(formula) == pytest.approx(at(sympy.diff(e, s)), rel=1e-12)


@pytest.mark.parametrize("form", FORMS)
def test_check(form: str) -> None:
    e, syms = intended(form)
    s = syms[-1]
    right = str(sympy.diff(e, s))
    res = run("check", form, "--wrt", s.name, "--expect", right)
    assert res.returncode == 0, res.stderr + res.stdout
    # the negated answer also starts with '-' half the time: it must be read, and be wrong
    res = run("check", form, "--wrt", s.name, "--expect", str(-sympy.diff(e, s)))
    assert res.returncode == 1, res.stderr + res.stdout


@pytest.mark.parametrize("form", FORMS)
def test_plot(form: str) -> None:
    e, syms = intended(form)
    s = syms[-1]
    others = values_argv(syms[:-1])
    res = run("plot", form, f"--{s.name}", "1:4", *others, "--points", "4", "--format", "csv")
    assert res.returncode == 0, res.stderr
    rows = [line.split(",") for line in res.stdout.strip().splitlines()[1:]]
    assert len(rows) == 4
    for row in rows:
        point = {**POINT, s.name: float(row[0])}
        want = float(e.subs({sympy.Symbol(n): v for n, v in point.items()}))
        assert float(row[1]) == pytest.approx(want, rel=1e-12)


# ---------------------------------------------------------------- the rest of the rules

def test_help_only_when_asked_exactly() -> None:
    for flag in ("-h", "--help"):
        res = run("eval", flag)
        assert res.returncode == 0 and "Usage:" in res.stdout
    res = run("eval", "-h", "--h", "2")  # -h exactly is help, even with values around
    assert res.returncode == 0 and "Usage:" in res.stdout


def test_double_dash_then_values() -> None:
    """`--` before the expression; values may still follow it (issue 14)."""
    for argv in (["--", "-x^2", "--x", "2"], ["--x", "2", "--", "-x^2"],
                 ["--", "-x^2", "x=2"], ["--", "-x^2", "--x=2"]):
        res = run("eval", *argv, "-q")
        assert res.returncode == 0, (argv, res.stderr)
        assert [float(v) for v in res.stdout.split()] == [-4.0, -4.0]


def test_an_option_spelled_exactly_is_the_option() -> None:
    res = run("eval", "-q^2", "--q", "3", "-q")  # the expression -q^2, then the flag -q
    assert res.returncode == 0 and [float(v) for v in res.stdout.split()] == [-9.0, -6.0]
    res = run("eval", "-q", "--", "-q", "--q", "3")  # `--` makes the next word the expression
    assert res.returncode == 0 and [float(v) for v in res.stdout.split()] == [-3.0, -1.0]


def test_negative_values_and_option_values() -> None:
    res = run("eval", "-x*y", "--x", "-1.5", "--y=-2", "--digits", "5", "-q")
    assert res.returncode == 0, res.stderr
    assert [float(v) for v in res.stdout.split()] == [-3.0, 2.0, 1.5]
    res = run("eval", "--x", "-sqrt(4)", "-x", "-q")  # a value, then an expression, both '-'
    assert res.returncode == 0 and [float(v) for v in res.stdout.split()] == [2.0, -1.0]


def test_missing_value_is_a_usage_error() -> None:
    res = run("eval", "-x", "--x")
    assert res.returncode == 2 and res.stdout == "" and "--x needs a value" in res.stderr
    res = run("eval", "-x", "--x", "-q")
    assert res.returncode == 2 and "--x needs a value" in res.stderr


def test_file_option_keeps_its_value(tmp_path: Path) -> None:
    prog = tmp_path / "p.txt"
    prog.write_text("-sqrt(x)\n")
    res = run("eval", "-f", str(prog), "--x", "4", "-q")
    assert res.returncode == 0 and [float(v) for v in res.stdout.split()] == [-2.0, -0.25]


def _expression_commands() -> list[str]:
    import click

    from gradcli.cli import COMMANDS, cli

    out = []
    for name in COMMANDS:
        cmd = cli.get_command(click.Context(cli), name)
        if cmd is not None and any(p.name == "args" for p in cmd.params):
            out.append(name)
    return out


@pytest.mark.parametrize("command", _expression_commands())
@pytest.mark.parametrize("form", ["-sqrt(x)", "-h*x", "-f*x"])
def test_every_expression_command_reads_a_leading_minus(command: str, form: str) -> None:
    """Commands added later too: the word is never options, help or a file name."""
    res = run(command, form, "--x", "4", "--h", "2", "--f", "5")
    assert "Usage:" not in res.stdout
    for wrong in ("No such option", "cannot read", "srt", "no such file"):
        assert wrong not in res.stderr, (command, res.stderr)
