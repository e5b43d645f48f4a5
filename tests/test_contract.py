"""The script contract under hostile input (issue 14): typos are errors, reading stops at
its limits, and each rule holds through the real command line.

Each test asserts a rule (exit status, what reaches stdout, the number read), not the
wording of a message.
"""

from __future__ import annotations

import csv
import io
import math
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from gradcli import compile as comp
from gradcli.limits import MAX_INPUT_BYTES, MAX_LINE

GRADCLI = shutil.which("gradcli", path=os.path.dirname(sys.executable)) or "gradcli"


def cli(*argv: str, stdin: bytes | None = None,
        timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """The installed `gradcli` of this venv, as a shell script runs it."""
    done = subprocess.run([GRADCLI, *argv], input=stdin, capture_output=True, timeout=timeout,
                          check=False)
    return subprocess.CompletedProcess(done.args, done.returncode,
                                       done.stdout.decode("utf-8", "replace"),
                                       done.stderr.decode("utf-8", "replace"))


def assert_refused(res: Any, code: int = 2) -> None:
    """Exit `code`, nothing on stdout, one `gradcli: error:` line (plus a caret) on stderr."""
    out = res.stdout if hasattr(res, "stdout") else res.out
    err = res.stderr if hasattr(res, "stderr") else res.err
    status = res.returncode if hasattr(res, "returncode") else res.code
    assert status == code, (status, err)
    assert out == "", out[:200]
    assert err.startswith("gradcli: error: ") and "Traceback" not in err, err


# ---------------------------------------------------------------- typos are not numbers

# the issue's cases, and their kin: two numbers side by side, a second decimal point,
# a letter right after an exponent, an underscore, a digit outside ASCII
TYPOS = ["1..5", "1e5e", "1 000", "0..10", "1e-5.5", "2 3", "1.2.3", "2e-3e", "1e5pi",
         "1_000", "３", "１.５", "1e-400", "1e999", "5..", "-1 000", "max(1 2)", "2 .5"]

# what a value may be: a number or a constant expression, read as meant
VALUES = {"2.5": 2.5, "-1.5": -1.5, "+2": 2.0, ".5": 0.5, "5.": 5.0, "1E3": 1000.0,
          "1e-320": 1e-320, "pi/4": math.pi / 4, "2pi": 2 * math.pi, "2 pi": 2 * math.pi,
          "sqrt(2)": math.sqrt(2), "-sqrt(2)": -math.sqrt(2), "2^10": 1024.0,
          "log10(100)": 2.0, "e": math.e, "1/3": 1 / 3, " 7 ": 7.0}


@pytest.mark.parametrize("text", TYPOS)
def test_a_typod_value_is_refused_on_the_command_line(text: str) -> None:
    assert_refused(cli("eval", "x", "--x", text, "-q"))


@pytest.mark.parametrize("text", TYPOS)
def test_a_typod_value_is_refused_by_every_reader(gradcli: Any, text: str) -> None:
    """--x VALUE, x=VALUE, a grid element, --direction, check --at, hessian, --exact."""
    for argv in (["eval", "x", f"x={text}"], ["eval", "x*y", "--x", f"1,{text}", "--y", "1"],
                 ["eval", "x", "--x", f"0:{text}:1"],
                 ["eval", "x*y", "--x", "1", "--y", "1", "--direction", f"1,{text}"],
                 ["hessian", "x^2", "--x", text], ["taylor", "exp(x)", "--x", text],
                 ["check", "x^2", "--wrt", "x", "--expect", "2x", "--at", f"x={text}"]):
        assert_refused(gradcli(*argv))
    if text not in ("1e-400", "1e999"):  # exact arithmetic holds 10^±400 exactly: fine
        assert_refused(gradcli("eval", "x", "--x", text, "--exact"))


@pytest.mark.parametrize(("text", "value"), list(VALUES.items()))
def test_a_value_is_a_number_or_a_constant_expression(gradcli: Any, text: str,
                                                      value: float) -> None:
    res = gradcli("eval", "x", "--x", text, "-q")
    assert res.code == 0, res.err
    assert float(res.out.split()[0]) == pytest.approx(value, rel=1e-15, abs=0)


@pytest.fixture(params=["numpy", "python"])
def batch_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both fast paths of a batch (NumPy blocks, generated Python) and their fallback."""
    if request.param == "numpy":
        if comp.numpy_namespace() is None:
            pytest.skip("numpy not installed (the gradcli[fast] extra)")
    else:
        monkeypatch.setattr(comp, "numpy_namespace", lambda: None)
    return str(request.param)


@pytest.mark.parametrize("source", ["file", "stdin"])
def test_batch_cells_follow_the_same_rule_as_values(gradcli: Any, tmp_path: Path,
                                                    batch_path: str, source: str) -> None:
    """Each typo'd cell is that row's error (never a number); good rows are read as meant,
    and the block fast paths (plain cells only) give the same as the row path."""
    good = list(VALUES.items())
    cells = [t for t in TYPOS if "," not in t] + [t for t, _ in good]
    text = "x\n" + "".join(f'"{c}"\n' for c in cells)
    args = ["eval", "2*x", "--batch"]
    if source == "file":
        f = tmp_path / "cells.csv"
        f.write_text(text, encoding="utf-8")
        res = gradcli(*args, str(f), "--format", "csv")
    else:
        res = gradcli(*args, "-", "--format", "csv", stdin=text)
    assert res.code == 2
    rows = list(csv.DictReader(io.StringIO(res.out)))
    assert [r["x"] for r in rows] == [c.strip() for c in cells]
    for row in rows[: len(cells) - len(good)]:
        assert row["value"] == "" and row["error"], row
    for row, (_, v) in zip(rows[len(cells) - len(good):], good, strict=True):
        assert row["error"] == "" and float(row["value"]) == 2 * v, row


def test_batch_of_plain_cells_is_unchanged_by_the_rule(gradcli: Any, tmp_path: Path,
                                                        batch_path: str) -> None:
    """The fast paths still take ordinary numbers, including tiny and signed ones."""
    nums = ["1", "-2.5", "1e-300", "3E+2", ".25", "0", "-0", "7."]
    f = tmp_path / "p.csv"
    f.write_text("x\n" + "\n".join(nums) + "\n")
    res = gradcli("eval", "x*x", "--batch", str(f), "--format", "csv")
    assert res.code == 0, res.err
    assert [float(r["value"]) for r in csv.DictReader(io.StringIO(res.out))] == \
        [float(n) ** 2 for n in nums]


# ---------------------------------------------------------------- reading stops at its limits

def test_dev_zero_as_a_file_stops_at_once() -> None:
    start = time.monotonic()
    assert_refused(cli("eval", "-f", "/dev/zero", "--x", "1", timeout=20))
    assert time.monotonic() - start < 10


def _endless(argv: list[str], pattern: bytes, head: bytes = b"") -> tuple[int, str, str, int]:
    """Feed `pattern` forever on stdin; the exit status, streams and bytes gradcli took."""
    import tempfile

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen([GRADCLI, *argv], stdin=subprocess.PIPE, stdout=out,
                                stderr=err)
        sent = 0
        block = pattern * (65536 // len(pattern))
        assert proc.stdin is not None
        try:
            proc.stdin.write(head)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                proc.stdin.write(block)
                sent += len(block)
        except (BrokenPipeError, OSError):
            pass  # gradcli stopped reading: what we want
        finally:
            try:
                proc.stdin.close()
            except OSError:
                pass
        try:
            proc.wait(timeout=30)
        finally:
            proc.kill()
        out.seek(0)
        err.seek(0)
        return proc.returncode, out.read().decode(), err.read().decode(), sent


@pytest.mark.parametrize("argv", [["eval", "-", "--x", "1"], ["eval", "-f", "-", "--x", "1"],
                                  ["diff", "-"]])
def test_an_endless_stdin_stops_at_the_size_limit(argv: list[str]) -> None:
    code, out, err, sent = _endless(argv, b"x+")
    assert code == 2 and out == "" and err.startswith("gradcli: error: ")
    assert sent < 4 * MAX_INPUT_BYTES  # read up to the limit, not on and on


@pytest.mark.parametrize("head", [b"", b"x\n", b"x\n1\n"])
def test_a_batch_without_a_newline_stops_at_the_line_limit(head: bytes) -> None:
    code, out, err, sent = _endless(["eval", "x", "--batch", "-", "--format", "csv"], b"1",
                                    head)
    assert code == 2 and err.startswith("gradcli: error: ")
    assert sent < 64 * MAX_LINE
    rows = list(csv.reader(io.StringIO(out)))
    # nothing before the first row is whole; rows already done stay (a batch streams)
    assert rows == ([] if head != b"x\n1\n" else [rows[0], ["1", "1", "1", "", ""]])


@pytest.mark.parametrize("where", ["cell", "header"])
def test_a_csv_field_past_csvs_limit_is_a_clean_error(tmp_path: Path, where: str) -> None:
    big = "1" * 200_000
    f = tmp_path / "big.csv"
    if where == "header":
        f.write_text(f'"{big}"\n1\n')
        assert_refused(cli("eval", "x", "--batch", str(f), "--format", "csv"))
        return
    f.write_text(f'x,y\n"{big}",1\n2,3\n')
    res = cli("eval", "x+y", "--batch", str(f), "--format", "csv")
    assert res.returncode == 2 and "Traceback" not in res.stderr
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert rows[0]["value"] == "" and rows[0]["error"]
    assert rows[1]["value"] == "5"


def test_a_value_past_its_budget_is_refused(gradcli: Any) -> None:
    from gradcli.limits import MAX_VALUE

    assert_refused(gradcli("eval", "x", "--x", "1+" * MAX_VALUE + "1"))
    ok = gradcli("eval", "x", "--x", "+".join(["1"] * 100), "-q")
    assert ok.code == 0 and ok.out.split()[0] == "100"


# ---------------------------------------------------------------- the script contract

def _closed_pipe_run(argv: list[str]) -> tuple[int, str]:
    """Run with stdout a pipe whose reader has already gone: every write is EPIPE."""
    r, w = os.pipe()
    os.close(r)
    try:
        done = subprocess.run([GRADCLI, *argv], stdout=w, stderr=subprocess.PIPE, timeout=120,
                              check=False)
    finally:
        os.close(w)
    return done.returncode, done.stderr.decode()


BIG = ["--x", "0:100:0.001"]  # 100,001 rows: more than a pipe holds


@pytest.mark.parametrize("argv", [
    ["eval", "x*y*z", "--x", "1", "--y", "2", "--z", "3", "--format", "csv"],
    ["eval", "x*y*z", "--x", "1", "--y", "2", "--z", "3"],
    ["eval", "sin(x)", *BIG, "--format", "csv"],
    ["eval", "sin(x)", *BIG, "--format", "json"],
    ["eval", "sin(x)", *BIG, "-q"],
    ["diff", "x^2*y"], ["hessian", "x*y", "--x", "1", "--y", "2", "--format", "json"],
    ["check", "x^2", "--wrt", "x", "--expect", "3x"],  # a 'no' (1) unless the pipe is gone
    ["graph", "x*y", "--x", "1", "--y", "2"], ["--help"], ["eval", "--help"],
])
def test_a_reader_that_went_away_is_exit_0_never_1(argv: list[str]) -> None:
    code, err = _closed_pipe_run(argv)
    assert code == 0, err
    assert "Traceback" not in err and "Exception ignored" not in err, err


def test_head_1_on_a_batch_exits_0() -> None:
    """`gradcli ... --format csv | head -1` as a shell runs it (the issue's case)."""
    done = subprocess.run(["sh", "-c", f'"{GRADCLI}" eval "x*y" --x 0:300:0.01 --y 1,2 '
                                       '--format csv | head -1; echo "status=$(( $? ))"'],
                          capture_output=True, text=True, timeout=120, check=False)
    pipe = subprocess.run(["bash", "-c", f'"{GRADCLI}" eval "x*y" --x 0:300:0.01 --y 1,2 '
                                         '--format csv | head -1 >/dev/null; '
                                         'echo "${PIPESTATUS[0]}"'],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.stdout.splitlines()[0] == "x,y,value,d/dx,d/dy,note,error"
    assert pipe.stdout.strip() in ("0", "141"), pipe.stdout + pipe.stderr


def test_bare_gradcli_prints_the_whole_usage() -> None:
    res = cli()
    assert res.returncode == 2 and res.stdout == ""
    lines = res.stderr.splitlines()
    assert lines[0].startswith("gradcli: error: ")
    assert any(ln.startswith("Usage: gradcli") for ln in lines)
    # the usage keeps its lines (not squashed into one): one line per command listed
    from gradcli.cli import COMMANDS

    for name in COMMANDS:
        assert any(ln.strip().startswith(name + " ") for ln in lines), name


@pytest.mark.parametrize("command", ["", "eval", "check", "graph"])
def test_gradcli_help_is_the_same_as_dash_dash_help(gradcli: Any, command: str) -> None:
    words = [command] if command else []
    via_help = gradcli("help", *words)
    direct = gradcli(*words, "--help")
    assert via_help.code == 0 and direct.code == 0
    assert via_help.out == direct.out and via_help.out.startswith("Usage: gradcli")
    assert "help" in gradcli("--help").out.split()


@pytest.mark.parametrize("argv", [["help", "nosuch"], ["help", "eval", "check"]])
def test_gradcli_help_of_an_unknown_command_is_exit_2(gradcli: Any, argv: list[str]) -> None:
    assert_refused(gradcli(*argv))


def test_shell_completion_is_clicks(tmp_path: Path) -> None:
    """What the README says to put in ~/.bashrc works: commands, options, choices."""
    env = dict(os.environ, _GRADCLI_COMPLETE="bash_source")
    src = subprocess.run([GRADCLI], env=env, capture_output=True, text=True, check=False)
    assert src.returncode == 0 and "complete " in src.stdout and "_gradcli_completion" in src.stdout

    def complete(words: str) -> list[str]:
        env = dict(os.environ, _GRADCLI_COMPLETE="bash_complete", COMP_WORDS=words,
                   COMP_CWORD=str(len(words.split()) - (0 if words.endswith(" ") else 1)))
        done = subprocess.run([GRADCLI], env=env, capture_output=True, text=True, check=False)
        return [ln.split(",", 1)[1] for ln in done.stdout.splitlines()]

    assert complete("gradcli ev") == ["eval"]
    assert "--format" in complete("gradcli eval --fo")
    assert complete("gradcli eval --format ") == ["table", "json", "csv", "tsv", "plain"]


@pytest.mark.parametrize("argv", [
    ["eval", "x₁^2 + y", "--x₁", "3", "--y", "1"],
    ["eval", "x₁^2 + y", "x₁=3", "y=1"],
    ["eval", "w₂₃*x₁ + y", "--w₂₃", "1", "--x₁", "3", "--y", "1", "--direction", "x₁=1"],
])
def test_a_subscripted_name_can_be_given_a_value(gradcli: Any, argv: list[str]) -> None:
    res = gradcli(*argv, "--format", "json")
    assert res.code == 0, res.err
    import json

    doc = json.loads(res.out)
    assert doc["variables"]["x₁"] == 3.0


def test_a_subscripted_name_in_a_batch_header_and_check_at(gradcli: Any) -> None:
    res = gradcli("eval", "x₁^2", "--batch", "-", "--format", "csv", stdin="x₁\n3\n")
    assert res.code == 0 and list(csv.DictReader(io.StringIO(res.out)))[0]["value"] == "9"
    res = gradcli("check", "x₁^2", "--wrt", "x₁", "--expect", "2x₁", "--at", "x₁=5")
    assert res.code == 0, res.err


def test_the_ascii_spelling_of_a_subscript_is_refused_with_the_way_to_give_it(
        gradcli: Any) -> None:
    for spelling in ("--x_1", "--x1"):
        res = gradcli("eval", "x₁^2", spelling, "3")
        assert_refused(res)
        assert "--x₁" in res.err


@pytest.mark.parametrize("argv", [
    ["eval", "x*y", "--x", "1", "--y", "2", "--direction", "x=1,x=2"],
    ["jacobian", "x*y, x+y", "--x", "1", "--y", "2", "--direction", "y=1,x=1,y=3"],
    ["check", "x^2*y", "--wrt", "x", "--expect", "2x y", "--at", "x=1,y=2,x=3"],
    ["eval", "x*y", "--x", "1", "--y", "2", "x=3"],
])
def test_a_name_given_twice_is_an_error_never_the_last(gradcli: Any, argv: list[str]) -> None:
    assert_refused(gradcli(*argv))


# ---------------------------------------------------------------- --output as the shell's >

def _graph_to(gradcli: Any, path: Path) -> Any:
    return gradcli("graph", "x*y", "--x", "2", "--y", "3", "--output", str(path), "-q")


def test_output_through_a_symlink_writes_its_target(gradcli: Any, tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    real.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(real.name)
    assert _graph_to(gradcli, link).code == 0
    assert link.is_symlink() and os.readlink(link) == real.name
    import json

    assert json.loads(real.read_text())["expression"] == "x*y"


def test_output_keeps_a_private_files_permissions(gradcli: Any, tmp_path: Path) -> None:
    f = tmp_path / "secret.json"
    f.write_text("old")
    f.chmod(0o600)
    assert _graph_to(gradcli, f).code == 0
    assert (f.stat().st_mode & 0o777) == 0o600 and f.read_text() != "old"


def test_output_refuses_a_read_only_file_and_leaves_it(gradcli: Any, tmp_path: Path) -> None:
    f = tmp_path / "ro.json"
    f.write_text("keep me")
    f.chmod(0o444)
    assert_refused(_graph_to(gradcli, f))
    assert f.read_text() == "keep me" and (f.stat().st_mode & 0o777) == 0o444
    assert [p.name for p in tmp_path.iterdir()] == ["ro.json"]  # no temporary file left


def test_output_onto_a_hard_link_writes_the_shared_file(gradcli: Any, tmp_path: Path) -> None:
    a = tmp_path / "a.json"
    a.write_text("old")
    b = tmp_path / "b.json"
    os.link(a, b)
    assert _graph_to(gradcli, a).code == 0
    assert b.read_text() == a.read_text() != "old"


def test_output_into_a_symlink_to_dev_stdout() -> None:
    """A link to a device (here stdout, a pipe) is written in place, like >."""
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        link = Path(d) / "out.json"
        link.symlink_to("/dev/stdout")
        res = cli("graph", "x*y", "--x", "2", "--y", "3", "--output", str(link), "-q")
        assert res.returncode == 0 and '"expression": "x*y"' in res.stdout
        assert link.is_symlink()


# ---------------------------------------------------------------- the Python API

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import gradcli as api  # noqa: E402
from gradcli.errors import GradcliError  # noqa: E402

ODD_VALUES = st.one_of(
    st.none(), st.booleans(), st.complex_numbers(), st.text(max_size=12),
    st.integers(min_value=-(10 ** 400), max_value=10 ** 400), st.floats(),
    st.lists(st.integers(), max_size=2), st.binary(max_size=4), st.fractions(),
    st.decimals(allow_nan=True), st.sampled_from([object(), {}, (), Path("x"), 10 ** 400,
                                                  float("inf"), "1..5", "pi/4", "1e-400"]))


@settings(deadline=None)  # the first LaTeX-looking text imports lark
@given(ODD_VALUES)
def test_the_api_raises_only_gradclis_errors_for_any_value(v: object) -> None:
    try:
        r = api.gradient("x*2", x=v)  # type: ignore[arg-type]
    except GradcliError:
        return
    assert math.isfinite(r.value) and r.gradient == {"x": 2.0}


@settings(deadline=None)
@given(st.one_of(st.none(), st.integers(), st.floats(), st.binary(max_size=8),
                 st.lists(st.text(max_size=3), max_size=2), st.text(max_size=20)))
def test_the_api_raises_only_gradclis_errors_for_any_expression(expr: object) -> None:
    try:
        api.gradient(expr, x=1.0)  # type: ignore[arg-type]
    except GradcliError:
        pass


@pytest.mark.parametrize("v", ["abc", None, 1j, 10 ** 400, float("nan"), True, [1]])
def test_the_issues_api_cases(v: object) -> None:
    with pytest.raises(api.InputError):
        api.gradient("x", x=v)  # type: ignore[arg-type]
    with pytest.raises(api.InputError):
        api.gradient(v if not isinstance(v, str) else 3, x=1.0)  # type: ignore[arg-type]


# ---------------------------------------------------------------- every step shown

SOFTMAX = "e1 = exp(x); e2 = exp(y); s = e1 + e2; p1 = e1/s; p2 = e2/s; p1"


def test_a_step_that_reaches_no_output_is_evaluated_shown_and_marked() -> None:
    import json

    res = cli("eval", SOFTMAX, "--x", "1", "--y", "2", "--format", "json")
    assert res.returncode == 0, res.stderr
    nodes = {n["name"]: n for n in json.loads(res.stdout)["nodes"]}
    assert nodes["p2"]["value"] == pytest.approx(math.exp(2) / (math.exp(1) + math.exp(2)),
                                                 rel=1e-15)
    assert nodes["p2"]["reaches_output"] is False and nodes["p2"]["grad"] == 0
    assert all(n["reaches_output"] for name, n in nodes.items() if name != "p2")
    assert "p2" in res.stderr  # and said, once, whatever the format
    table = cli("eval", SOFTMAX, "--x", "1", "--y", "2")
    row = next(ln for ln in table.stdout.splitlines() if ln.startswith("│ p2 "))
    assert "0.7310585786" in row and "unused" in row
    assert "unused" not in "".join(ln for ln in table.stdout.splitlines() if "p1" in ln)
    ledger = cli("explain", SOFTMAX, "--x", "1", "--y", "2")
    assert any(ln.strip().startswith("5. p2 = e2/s = 0.7311") for ln in ledger.stdout.splitlines())


def test_an_unused_step_is_a_step_like_any_other(gradcli: Any) -> None:
    """Its variables need values and its domain errors are errors: every step is evaluated."""
    assert_refused(gradcli("eval", "a = z*2; b = x^2; b", "--x", "3"))
    res = gradcli("eval", "a = z*2; b = x^2; b", "--x", "3", "--z", "1", "--format", "json")
    import json

    doc = json.loads(res.out)
    assert doc["gradient"] == {"z": 0.0, "x": 6.0} and doc["value"] == 9
    assert_refused(gradcli("eval", "a = log(x - 5); b = x^2; b", "--x", "1"), code=3)


def test_a_function_definition_is_not_an_unused_step(gradcli: Any) -> None:
    res = gradcli("eval", "f(t) = t^2; g(t) = t^3; y = f(x) + 1; y", "--x", "3", "-q")
    assert res.code == 0 and res.out.split() == ["10", "6"] and res.err == ""


def test_the_readmes_budgets_are_the_codes() -> None:
    """Each budget in the README's table is the number the code enforces."""
    from gradcli import limits
    from gradcli.grid import MAX_AXIS
    from gradcli.hessian import MAX_SWEEP_NODES, MAX_VARIABLES

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("### Budgets"):]
    table = table[: table.index("\n\n", table.index("| input |"))]
    for n in (limits.MAX_INPUT_BYTES, limits.MAX_VALUE, limits.MAX_LINE, MAX_AXIS,
              limits.MAX_GRID, limits.MAX_CHECK_WORK, limits.MAX_FORMULA_TREE,
              limits.MAX_CHECK_POINTS, MAX_VARIABLES, MAX_SWEEP_NODES):
        assert f"{n:,}" in table or f"≤ {n} " in table, n
