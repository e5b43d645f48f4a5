"""Output for scripts: the JSON and CSV schemas pinned, quiet mode, no decoration when piped."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import subprocess
import sys
from typing import Any

import pytest

from gradcli.batch import cell
from gradcli.render import fmt, jnum

SEED = ("eval", "log(3*x^2 + 5*x*y)", "--x", "2", "--y", "3")
# seed 002: z = log 42, dz/dx = (6x + 5y)/(3x^2 + 5xy) = 27/42, dz/dy = 5x/(3x^2 + 5xy) = 10/42
Z, DX, DY = math.log(42), 27 / 42, 10 / 42

# The documented schema (README, "Output for scripts"): a change here is a change for users.
EVAL_KEYS = {"expression", "variables", "value", "gradient", "nodes", "notes", "check"}
NODE_KEYS = {"name", "op", "expression", "inputs", "value", "grad", "reaches_output"}
CHECK_KEYS = {"method", "passed", "partials"}
PARTIAL_KEYS = {"fd", "abs_error", "rel_error", "error_estimate", "step", "verdict", "passed"}
BATCH_KEYS = {"point", "value", "gradient", "notes", "error"}


def test_json_schema(gradcli: Any) -> None:
    r = gradcli(*SEED, "--format", "json")
    assert r.code == 0 and r.err == ""
    doc = json.loads(r.out)
    assert set(doc) == EVAL_KEYS
    assert doc["expression"] == "log(3*x^2 + 5*x*y)"
    assert doc["variables"] == {"x": 2.0, "y": 3.0}
    assert doc["value"] == pytest.approx(Z, rel=1e-15)
    assert doc["gradient"] == pytest.approx({"x": DX, "y": DY}, rel=1e-15)
    assert doc["notes"] == []
    for node in doc["nodes"]:
        assert set(node) == NODE_KEYS
        assert isinstance(node["inputs"], list)
    assert [n["name"] for n in doc["nodes"] if n["op"] == "var"] == ["x", "y"]
    assert set(doc["check"]) >= CHECK_KEYS and doc["check"]["passed"] is True
    for p in doc["check"]["partials"].values():
        assert set(p) >= PARTIAL_KEYS


def test_json_multiple_outputs(gradcli: Any) -> None:
    doc = json.loads(gradcli("eval", "x*y, x+y", "--x", "2", "--y", "5", "--format", "json").out)
    assert doc["outputs"] == ["x*y", "x + y"]
    assert doc["values"] == [10.0, 7.0]
    assert doc["jacobian"] == [[5.0, 2.0], [1.0, 1.0]]


def test_csv_schema(gradcli: Any) -> None:
    r = gradcli(*SEED, "--format", "csv")
    assert r.code == 0
    rows = list(csv.reader(io.StringIO(r.out)))
    assert rows[0] == ["x", "y", "value", "d/dx", "d/dy", "check", "note"]
    assert len(rows) == 2
    x, y, z, dx, dy, check, note = rows[1]
    assert (float(x), float(y)) == (2.0, 3.0)
    assert float(z) == pytest.approx(Z, rel=1e-15)
    assert (float(dx), float(dy)) == pytest.approx((DX, DY), rel=1e-15)
    assert (check, note) == ("passed", "")


def test_tsv_is_csv_with_tabs(gradcli: Any) -> None:
    c = gradcli(*SEED, "--format", "csv").out
    t = gradcli(*SEED, "--format", "tsv").out
    assert t == c.replace(",", "\t")


def test_csv_note_at_a_kink(gradcli: Any) -> None:
    """|x| at 0: the number is a convention, and the CSV says so in `note`."""
    rows = list(csv.DictReader(io.StringIO(gradcli("eval", "abs(x)", "--x", "0",
                                                    "--format", "csv").out)))
    assert rows[0]["d/dx"] == "0" and "kink" in rows[0]["note"]


def test_quiet_prints_only_the_partial(gradcli: Any) -> None:
    r = gradcli("eval", "x*y", "--x", "2", "--y", "3", "--wrt", "x", "-q")
    assert (r.code, r.out, r.err) == (0, "3\n", "")


def test_quiet_value_and_partials(gradcli: Any) -> None:
    r = gradcli(*SEED, "-q")
    assert [float(v) for v in r.out.split()] == pytest.approx([Z, DX, DY], rel=1e-15)


def test_quiet_note_goes_to_stderr(gradcli: Any) -> None:
    r = gradcli("eval", "abs(x)", "--x", "0", "-q", "--wrt", "x")
    assert r.out == "0\n" and "kink" in r.err


def test_digits(gradcli: Any) -> None:
    r = gradcli(*SEED, "--format", "plain", "--digits", "4")
    assert r.out.splitlines()[:3] == ["value = 3.738", "d/dx = 0.6429", "d/dy = 0.2381"]


@pytest.mark.parametrize("form", ["json", "csv", "tsv", "plain"])
def test_machine_formats_have_no_decoration(gradcli: Any, form: str) -> None:
    out = gradcli(*SEED, "--format", form).out + gradcli(
        *SEED[:2], "--x", "0:1:0.5", "--y", "3", "--format", form).out
    assert "\x1b" not in out
    assert not any(0x2500 <= ord(ch) <= 0x257F for ch in out)  # box drawing
    if form in ("csv", "tsv"):
        sep = "," if form == "csv" else "\t"
        for line in out.splitlines():
            assert all(c == c.strip() for c in line.split(sep)), line


@pytest.mark.parametrize("form", ["table", "json", "csv", "plain"])
def test_pipe_gets_no_escape_codes(form: str) -> None:
    """A real pipe (not a terminal): even the Rich table comes without escape codes."""
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "100"}
    env.pop("NO_COLOR", None)
    out = subprocess.run([sys.executable, "-m", "gradcli", *SEED, "--format", form],
                         capture_output=True, text=True, env=env)
    assert out.returncode == 0
    assert "\x1b" not in out.stdout and out.stdout.strip()


def test_non_finite_spelling() -> None:
    for v, word in [(math.inf, "inf"), (-math.inf, "-inf"), (math.nan, "nan")]:
        assert jnum(v) == word and fmt(v) == word and cell(v) == word
    assert json.dumps(jnum(math.inf)) == '"inf"'


@pytest.mark.parametrize("v", [0.0, -0.0, 24.0, -3.0, 0.1, 1e14, 1e15, 2e15, 1e16, 5e-324,
                               1.7976931348623157e308, -2.5, 123456.789, 1 / 3])
def test_batch_cells_are_fmt(v: float) -> None:
    """The batch's fast number writer prints exactly what render.fmt prints."""
    assert cell(v) == fmt(v)


def test_batch_json_schema(gradcli: Any) -> None:
    r = gradcli(*SEED[:2], "--x", "2,-1", "--y", "3", "--format", "json")
    rows = json.loads(r.out)
    assert [set(row) for row in rows] == [BATCH_KEYS, BATCH_KEYS]
    assert rows[0]["point"] == {"x": 2.0, "y": 3.0}
    assert rows[0]["value"] == pytest.approx(Z) and rows[0]["error"] is None
    assert rows[0]["gradient"] == pytest.approx({"x": DX, "y": DY})
    # log(3 - 15) is undefined: the row says so and the batch goes on
    assert rows[1]["value"] is None and rows[1]["gradient"] is None
    assert "undefined" in rows[1]["error"]
    assert r.code == 3


def test_batch_csv_schema(gradcli: Any) -> None:
    r = gradcli(*SEED[:2], "--x", "2", "--y", "3,4", "--format", "csv", "--check")
    rows = list(csv.reader(io.StringIO(r.out)))
    assert rows[0] == ["x", "y", "value", "d/dx", "d/dy", "check", "note", "error"]
    assert rows[1][5:] == ["passed", "", ""]
