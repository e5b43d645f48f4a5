"""The array path through the real command line (the worktree venv's `gradcli`): values,
formats, the bad-input table (exit status, one line, no traceback), and that a scalar
run never imports NumPy."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

GRADCLI = str(Path(sys.executable).with_name("gradcli"))
LAYER = ["sum((W@x + b - y)^2)", "--W", "[[1, 2], [3, 4]]", "--x", "[1, 1]",
         "--b", "[0.5, 0.5]", "--y", "[1, 2]"]


def run(*argv: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([GRADCLI, *argv], capture_output=True, text=True, timeout=120,
                          cwd=cwd, env={"PATH": "/usr/bin:/bin", "COLUMNS": "100"})


def test_a_scalar_eval_does_not_import_numpy() -> None:
    code = ("import sys; from gradcli.cli import run; "
            "status = run(['eval', 'x*y', '--x', '2', '--y', '3', '--format', 'json']); "
            "bad = [m for m in sys.modules if m == 'numpy' or m.startswith('gradcli.arrays')"
            " or m == 'gradcli.commands.arrays']; "
            "print('IMPORTED', bad, status, file=sys.stderr)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60)
    assert "IMPORTED [] 0" in out.stderr, out.stderr
    # and the same through the installed script, watched by -X importtime
    timed = subprocess.run([sys.executable, "-X", "importtime", "-m", "gradcli", "eval", "x*y",
                            "--x", "2", "--y", "3"], capture_output=True, text=True, timeout=60)
    assert timed.returncode == 0
    imported = [line.rsplit("|", 1)[-1].strip() for line in timed.stderr.splitlines()
                if line.startswith("import time:")]
    assert "gradcli.parser" in imported  # the watch works
    assert "numpy" not in imported


def test_the_parser_knows_every_array_function_by_name() -> None:
    from gradcli.arrays.names import ARRAY_FUNCTIONS
    from gradcli.builder import ARRAY_WORDS

    assert set(ARRAY_FUNCTIONS) == ARRAY_WORDS


def test_an_array_run_imports_numpy_and_answers() -> None:
    out = run("eval", *LAYER, "--format", "json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["value"] == 36.5
    assert doc["gradient"]["W"] == {"shape": [2, 2], "value": [[5.0, 5.0], [11.0, 11.0]]}
    assert doc["gradient"]["b"] == {"shape": [2], "value": [5.0, 11.0]}
    assert doc["check"]["passed"] is True
    assert set(doc["check"]["partials"]) >= {"W[0,0]", "W[1,1]", "x[0]", "b[1]", "y[0]"}


def test_formats_flatten_row_major_with_labels() -> None:
    plain = run("eval", *LAYER, "--format", "plain", "--wrt", "W").stdout.splitlines()
    assert plain == ["value = 36.5", "d/dW[0,0] = 5", "d/dW[0,1] = 5", "d/dW[1,0] = 11",
                     "d/dW[1,1] = 11", "check = passed"]
    csv = run("eval", *LAYER, "--format", "csv", "--wrt", "b").stdout.splitlines()
    assert csv == ["name,value", "value,36.5", 'd/db[0],5', 'd/db[1],11', "check,passed"]
    tsv = run("eval", *LAYER, "--format", "tsv", "--wrt", "b").stdout.splitlines()
    assert tsv[2] == "d/db[0]\t5"
    q = run("eval", *LAYER, "-q", "--wrt", "W").stdout.split("\n")
    assert q == ["5", "5", "11", "11", ""]
    digits = run("eval", "sum(x/3)", "--x", "[1, 2]", "-q", "--digits", "3").stdout.split()
    assert digits == ["1", "0.333", "0.333"]


def test_the_table_shows_shapes_and_the_gradient_as_a_matrix() -> None:
    out = run("eval", *LAYER)
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "│ (2, 2) │" in text and "│ ()     │" in text
    assert "[[ 5,  5]," in text and "[11, 11]]" in text
    assert "check: passed (10 of 10 entries agree" in text


def test_big_arrays_are_summarised_and_checked_along_directions(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    data = rng.normal(size=(20, 8))
    text = "\n".join(",".join(repr(float(v)) for v in row) for row in data)
    (tmp_path / "X.csv").write_text(text)
    w = "[" + ", ".join(str(v) for v in np.linspace(-1, 1, 8)) + "]"
    out = run("eval", "mean(log(1 + exp(-(X @ w))))", "--X", "@X.csv", "--w", w,
              "--format", "json", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    expect = np.mean(np.log1p(np.exp(-(data @ np.linspace(-1, 1, 8)))))
    assert abs(doc["value"] - expect) <= 1e-12 * abs(expect)
    keys = set(doc["check"]["partials"])
    assert {"X·v1", "X·v2"} <= keys and "w[7]" in keys  # 160 elements: directions
    table = run("eval", "mean(log(1 + exp(-(X @ w))))", "--X", "@X.csv", "--w", w,
                cwd=tmp_path).stdout
    assert "(20, 8) min" in table and "norm" in table


def test_csv_values_with_a_header_row(tmp_path: Path) -> None:
    (tmp_path / "d.csv").write_text("a,b\n1,2\n3,4\n")
    out = run("eval", "sum(D)", "--D", "@d.csv", "-q", cwd=tmp_path)
    assert out.stdout.split() == ["10", "1", "1", "1", "1"]


@pytest.mark.parametrize("text", ["y\n1\n2\n3\n", "1\n2\n3\n",
                                  "y\r\n1\r\n\r\n2\r\n3.0\r\n"])  # the checking reader
def test_a_csv_of_one_column_is_a_vector(tmp_path: Path, text: str) -> None:
    """A column of labels times a vector is their dot product, never the (3, 3) matrix that
    an (n, 1) column broadcast against an (n,) vector would make (NumPy as the oracle)."""
    (tmp_path / "y.csv").write_text(text)
    out = run("eval", "sum(y*x)", "--y", "@y.csv", "--x", "[1, 2, 3]", "--format", "json",
              cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["variables"]["y"]["shape"] == [3]
    assert doc["value"] == float(np.dot([1.0, 2, 3], [1.0, 2, 3]))


def test_jacobian_of_an_array_output() -> None:
    out = run("jacobian", "W @ x", "--W", "[[1, 2], [3, 4]]", "--x", "[1, 1]",
              "--format", "json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["jacobian"][0]["x"] == {"shape": [2, 2], "value": [[1.0, 2.0], [3.0, 4.0]]}
    assert doc["jacobian"][0]["W"]["shape"] == [2, 2, 2]
    assert doc["check"]["passed"] is True
    soft = run("jacobian", "softmax(z)", "--z", "[1, 2, 3]", "-q").stdout.split()
    z = np.array([1.0, 2, 3])
    p = np.exp(z) / np.exp(z).sum()
    assert np.allclose([float(v) for v in soft], (np.diag(p) - np.outer(p, p)).reshape(-1),
                       rtol=1e-12, atol=1e-15)


def test_kinks_and_ties_follow_pytorch_and_say_so() -> None:
    out = run("eval", "sum(abs(x)) + max(y)", "--x", "[1, 0, -2]", "--y", "[3, 3, 1]",
              "--format", "json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["gradient"]["x"]["value"] == [1.0, 0.0, -1.0]  # abs'(0) = 0
    assert doc["gradient"]["y"]["value"] == [0.5, 0.5, 0.0]  # a tie splits evenly
    notes = " ".join(doc["notes"])
    assert "kink at 0 at element [1]" in notes and "2 elements tie" in notes


@pytest.mark.parametrize("convention, slopes", [("left", [1, -1, -1, 0]), ("right", [1, 1, -1, 1]),
                                                ("mean", [1, 0, -1, 0.5])])
def test_subgradient_conventions_at_abs_and_relu(convention: str, slopes: list[float]) -> None:
    out = run("eval", "sum(abs(x)) + relu(y)", "--x", "[2, 0, -1]", "--y", "0",
              "--subgradient", convention, "-q")
    assert out.returncode == 0, out.stderr
    assert [float(v) for v in out.stdout.split()[1:]] == slopes
    assert "--subgradient " + convention in out.stderr


def test_array_literals_in_expressions_and_one_argument_max() -> None:
    out = run("eval", "max([x, 2*x, x^2])", "--x", "3", "-q")
    assert out.stdout.split() == ["9", "6"]
    out = run("eval", "max(x, y)", "--x", "3", "--y", "2", "-q")  # the scalar meaning stays
    assert out.stdout.split() == ["3", "1", "0"]


BAD = [  # argv, exit status, words the one line must carry
    (["eval", "sum(x + y)", "--x", "[1, 2, 3]", "--y", "[1, 2]"], 2, "shapes (3,) and (2,)"),
    (["eval", "sum(A @ x)", "--A", "[[1, 2], [3, 4]]", "--x", "[1, 2, 3]"], 2, "do not line up"),
    (["eval", "sum(x)", "--x", "[[1, 2], [3]]"], 2, "ragged"),
    (["eval", "sum(x)", "--x", "[1, 2, a]"], 2, "uses a"),
    (["eval", "sum(x)", "--x", "[1 2]"], 2, "two numbers side by side"),
    (["eval", "sum(x)", "--x", "[1, 2"], 2, "not an array"),
    (["eval", "sum(X)", "--X", "@missing.csv"], 2, "cannot read missing.csv"),
    (["eval", "sum(X)", "--X", "@bad.csv"], 2, "bad.csv:3: column 2"),
    (["eval", "sum(X)", "--X", "@ragged.csv"], 2, "ragged.csv:2: 1 numbers"),
    (["eval", "sum(X)", "--X", "@mixed.csv"], 2, "mixed.csv:1: column 2, 'x'"),
    (["eval", "sum(X)", "--X", "@nan.csv"], 2, "nan.csv:2: column 2, 'nan'"),
    (["eval", "x * 2", "--x", "[1, 2]"], 2, "has shape (2,)"),
    (["eval", "sum(x[3])", "--x", "[1, 2]"], 2, "out of range"),
    (["eval", "sum(x[y])", "--x", "[1, 2]", "--y", "1"], 2, "constant whole number"),
    (["eval", "dot(x, y)", "--x", "[1, 2]", "--y", "[1, 2, 3]"], 2, "one length"),
    (["eval", "det(A)", "--A", "[[1, 2, 3], [4, 5, 6]]"], 2, "square matrix"),
    (["eval", "sum(log(x))", "--x", "[1, -2]"], 3, "x[1] = -2"),
    (["eval", "sum(sqrt(x))", "--x", "[1, 0]"], 3, "element [1]"),
    (["eval", "logdet(A)", "--A", "[[1, 0], [0, -1]]"], 3, "positive determinant"),
    (["eval", "sum(inv(A))", "--A", "[[1, 2], [2, 4]]"], 3, "singular"),
    (["eval", "sum(x)", "--x", "[1, 2]", "--order", "2"], 2, "--order does not work"),
    (["eval", "sum(x)", "--x", "[1, 2]", "--y", "1,2"], 2, "grid"),
    (["diff", "sum(x)"], 2, "works on arrays"),
    (["hessian", "x^2", "--x", "[1, 2]"], 2, "only gradcli eval and gradcli jacobian"),
    (["taylor", "x^2", "--x", "@d.csv"], 2, "is an array (@d.csv)"),
    (["eval", "sum(abs(x))", "--x", "[1, 0]", "--subgradient", "error"], 3, "kink at 0"),
    (["eval", "max(x)", "--x", "[1, 1]", "--subgradient", "left"], 2, "not supported"),
    (["eval", "x^T", "--x", "2"], 2, "give T a value"),
    (["jacobian", "x * y", "--x", "[1, 2]", "--y", "[[1], [2], [3]]", "--no-check"], 0, ""),
]


@pytest.mark.parametrize("argv, status, words", BAD, ids=[" ".join(b[0])[:50] for b in BAD])
def test_bad_input_is_one_line_and_an_exit_status(tmp_path: Path, argv: list[str], status: int,
                                                  words: str) -> None:
    (tmp_path / "bad.csv").write_text("a,b\n1,2\n3,oops\n")
    (tmp_path / "ragged.csv").write_text("1,2\n3\n")
    (tmp_path / "mixed.csv").write_text("1,x\n3,4\n")
    (tmp_path / "nan.csv").write_text("1,2\n3,nan\n")
    out = run(*argv, cwd=tmp_path)
    assert out.returncode == status, (out.stdout, out.stderr)
    if status == 0:
        return
    assert out.stdout == ""
    assert "Traceback" not in out.stderr
    first = out.stderr.splitlines()[0]
    assert first.startswith("gradcli: error:") and words in first, out.stderr
