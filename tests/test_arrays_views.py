"""`explain` and `graph` on array graphs (issue 15 item 5), through the real command line
(the worktree venv's `gradcli`): the backward ledger in matrix form, every edge's
vector-Jacobian product checked against its rule's numbers and every gradient against
autograd; every format explain and graph speak, or the refusal with its reason; shapes
on every node and edge of the drawing, DOT (rendered by Graphviz's dot where installed)
and Mermaid (the flowchart validator of test_graph.py, and Mermaid's own parser where
installed)."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from test_graph import MERMAID_DIR, mermaid_flowchart_errors

autograd = pytest.importorskip("autograd", reason="autograd (the test extra) is the oracle")
anp = pytest.importorskip("autograd.numpy")

GRADCLI = str(Path(sys.executable).with_name("gradcli"))
W = [[1.0, 2.0], [3.0, 4.0]]
LAYER = ["sum((W@x + b - y)^2)", "--W", "[[1, 2], [3, 4]]", "--x", "[1, 1]",
         "--b", "[0.5, 0.5]", "--y", "[1, 2]"]
LAYER_AT = {"W": np.array(W), "x": np.array([1.0, 1.0]), "b": np.array([0.5, 0.5]),
            "y": np.array([1.0, 2.0])}


def layer_loss(W: Any, x: Any, b: Any, y: Any) -> Any:
    return anp.sum((anp.dot(W, x) + b - y) ** 2)


def run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([GRADCLI, *argv], capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "COLUMNS": "100"})


def ok(*argv: str) -> str:
    res = run(*argv)
    assert res.returncode == 0 and res.stderr == "", res.stderr
    return res.stdout


def refused(*argv: str, code: int = 2) -> str:
    """A refusal: the exit status, one line on stderr, nothing on stdout, no traceback."""
    res = run(*argv)
    assert res.returncode == code, (res.returncode, res.stdout, res.stderr)
    assert res.stdout == "" and "Traceback" not in res.stderr
    assert res.stderr.startswith("gradcli: error: ")
    return res.stderr


def grads(fn: Any, at: dict[str, Any]) -> dict[str, Any]:
    """autograd's gradient of fn by each of its arguments, at `at` (in fn's order)."""
    values = list(at.values())
    return {name: autograd.grad(fn, k)(*values) for k, name in enumerate(at)}


def value(j: dict[str, Any]) -> Any:
    return np.asarray(j["value"], dtype=float)


# ---------------------------------------------------------------- explain

def test_explain_linear_layer_ledger_in_matrix_form() -> None:
    text = ok("explain", *LAYER)
    lines = text.splitlines()
    # the rule, its shapes and its numbers on one line each; the product is g xᵀ
    w_line = next(line for line in lines if "∂f/∂W = g · xᵀ" in line)
    assert "(2,) · (2,)ᵀ → (2, 2)" in w_line
    assert w_line.rstrip().endswith("= [5, 11] · [1, 1]ᵀ = [[5, 5], [11, 11]]")
    x_line = next(line for line in lines if "∂f/∂x = Wᵀ · g" in line)
    assert "(2, 2)ᵀ · (2,) → (2,)" in x_line and x_line.rstrip().endswith("= [38, 54]")
    assert any("∂f/∂t3 = g ⊙ 2*t3" in line and "(2,) ⊙ (2,) → (2,)" in line for line in lines)
    # each upstream line names g and its shape
    assert any(line.strip().startswith("t1 = W @ x   (2,)   g = ∂f/∂t1 = [5, 11]")
               for line in lines)
    # the forward pass with shapes
    assert any("t1 = W @ x" in line and "(2,)" in line and "[3, 7]" in line for line in lines)
    # the gradient against autograd (the printed matrix rows)
    want = grads(layer_loss, LAYER_AT)
    assert np.allclose(want["W"], [[5, 5], [11, 11]]) and np.allclose(want["x"], [38, 54])
    assert "  ∂f/∂W  (2, 2) = [[ 5,  5]," in text and "[11, 11]]" in text


def test_explain_json_edges_are_their_rules_and_sum_to_the_gradient() -> None:
    doc = json.loads(ok("explain", *LAYER, "--format", "json"))
    want = grads(layer_loss, LAYER_AT)
    for name, g in doc["gradient"].items():
        assert g["shape"] == list(LAYER_AT[name].shape)
        assert np.allclose(value(g), want[name], rtol=1e-12, atol=1e-12)
    edges = [b for b in doc["backward"] if b["kind"] == "edge"]
    upstream = {b["node"]: value(b["upstream"]) for b in doc["backward"] if b["kind"] == "node"}
    (w_edge,) = [e for e in edges if e["to"] == "W"]
    assert w_edge["rule"] == "g · xᵀ" and w_edge["shapes"] == "(2,) · (2,)ᵀ → (2, 2)"
    g, x = value(w_edge["factors"]["g"]), value(w_edge["factors"]["x"])
    assert np.allclose(g, upstream["t1"])
    assert np.array_equal(value(w_edge["product"]), np.outer(g, x))
    (x_edge,) = [e for e in edges if e["to"] == "x"]
    assert np.array_equal(value(x_edge["product"]), np.array(W).T @ g)
    _edges_add_up(doc)


def _edges_add_up(doc: dict[str, Any]) -> None:
    """Each node's upstream g is the sum of the edge products into it (the chain rule)."""
    edges = [b for b in doc["backward"] if b["kind"] == "edge"]
    for b in doc["backward"]:
        if b["kind"] == "node" and b["node"] != doc["output"]:
            into = [value(e["product"]) for e in edges if e["to"] == b["node"]]
            assert into and np.allclose(sum(into), value(b["upstream"]), rtol=1e-12, atol=1e-14)
    for name, g in doc["gradient"].items():
        into = [value(e["product"]) for e in edges if e["to"] == name]
        if into:
            assert np.allclose(sum(into), value(g), rtol=1e-12, atol=1e-14)


# gradcli text, autograd function of the values in order, the values
CASES: list[tuple[str, Any, dict[str, Any]]] = [
    ("-sum(y*log_softmax(z))", lambda y, z: -anp.sum(y * (z - anp.log(anp.sum(anp.exp(z))))),
     {"y": np.array([0.0, 1.0, 0.0]), "z": np.array([2.0, -1.0, 0.5])}),
    ("sum(softmax(A)*B)", lambda A, B: anp.sum(
        anp.exp(A) / anp.sum(anp.exp(A), axis=1, keepdims=True) * B),
     {"A": np.array([[1.0, 2.0, 0.5], [-1.0, 0.0, 3.0]]),
      "B": np.array([[0.3, -1.0, 2.0], [1.0, 0.5, -0.2]])}),
    ("logsumexp(x) + norm(x) + norm(x, 1) + prod(x) + max(x) + min(x) + mean(x)",
     lambda x: anp.log(anp.sum(anp.exp(x))) + anp.sqrt(anp.sum(x * x)) + anp.sum(anp.abs(x))
     + anp.prod(x) + anp.max(x) + anp.min(x) + anp.mean(x),
     {"x": np.array([0.5, -1.5, 2.0, 0.25])}),
    ("det(A) + logdet(A) + trace(inv(A)) + sum(solve(A, b)) + trace(A^T @ A)",
     lambda A, b: anp.linalg.det(A) + anp.log(anp.linalg.det(A)) + anp.trace(anp.linalg.inv(A))
     + anp.sum(anp.linalg.solve(A, b)) + anp.trace(anp.dot(A.T, A)),
     {"A": np.array([[3.0, 1.0], [0.5, 2.0]]), "b": np.array([1.0, -2.0])}),
    ("dot(x, y) + sum(outer(x, y)*M) + x[0]*y[1:3][1] + sum([x[1], 2*y[0]])",
     lambda x, y, M: anp.dot(x, y) + anp.sum(anp.outer(x, y) * M) + x[0] * y[2]
     + x[1] + 2 * y[0],
     {"x": np.array([1.0, 2.0, -1.0]), "y": np.array([0.5, -0.5, 3.0]),
      "M": np.arange(9.0).reshape(3, 3)}),
    ("sum(tanh(M + v)*M) + sum(x @ M)",  # broadcasting: ∂/∂v summed over the rows
     lambda M, v, x: anp.sum(anp.tanh(M + v) * M) + anp.sum(anp.dot(x, M)),
     {"M": np.array([[0.1, 0.2], [0.3, -0.4], [1.0, 0.5]]), "v": np.array([0.5, -0.25]),
      "x": np.array([1.0, -1.0, 2.0])}),
]


def _argv(text: str, at: dict[str, Any]) -> list[str]:
    out = [text]
    for name, v in at.items():
        out += [f"--{name}", json.dumps(np.asarray(v).tolist())]
    return out


@pytest.mark.parametrize("text, fn, at", CASES, ids=[c[0][:40] for c in CASES])
def test_explain_every_op_against_autograd(text: str, fn: Any, at: dict[str, Any]) -> None:
    doc = json.loads(ok("explain", *_argv(text, at), "--format", "json"))
    want = grads(fn, at)
    for name, g in doc["gradient"].items():
        assert np.allclose(value(g), want[name], rtol=1e-10, atol=1e-12), name
    assert np.isclose(doc["value"], fn(*at.values()), rtol=1e-12)
    edges = [b for b in doc["backward"] if b["kind"] == "edge"]
    assert edges and all("vjp of" not in e["rule"] for e in edges)  # every op has its rule
    assert all("→" in e["shapes"] for e in edges)
    _edges_add_up(doc)
    # the text ledger: a shape on every forward, upstream and edge line
    text_out = ok("explain", *_argv(text, at))
    forward = text_out.split("Forward pass")[1].split("Backward pass")[0].strip().splitlines()[1:]
    assert forward and all("(" in line for line in forward)
    backward = text_out.split("Backward pass")[1].split("Gradient")[0].strip().splitlines()[1:]
    assert backward and all("(" in line for line in backward if line.strip())


def test_explain_broadcast_is_summed_and_said() -> None:
    at = CASES[5][2]
    doc = json.loads(ok("explain", *_argv(CASES[5][0], at), "--format", "json"))
    (v_edge,) = [e for e in doc["backward"] if e["kind"] == "edge" and e["to"] == "v"]
    assert v_edge["summed_over_broadcast"] and v_edge["product"]["shape"] == [2]
    text = ok("explain", *_argv(CASES[5][0], at))
    assert "∂f/∂v = g, summed to (2,)" in text


def test_explain_fan_in_adds_up() -> None:
    text = ok("explain", "sum(x*x) + sum(x)", "--x", "[1, 2]")
    assert "x is used 3 times (t1, t1, t3), so its contributions add up: ∂f/∂x = " \
           "[1, 2] + [1, 2] + [1, 1] = [3, 5]" in text


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_explain_csv_a_row_per_element(fmt: str) -> None:
    out = ok("explain", *LAYER, "--format", fmt)
    rows = list(csv.reader(io.StringIO(out), delimiter="," if fmt == "csv" else "\t"))
    assert rows[0] == ["pass", "from", "to", "expression", "shape", "element", "value"]
    want = grads(layer_loss, LAYER_AT)
    got = {(r[2], r[5]): float(r[6]) for r in rows[1:] if r[0] == "gradient"}
    for name, g in want.items():
        for idx in np.ndindex(g.shape):
            assert got[(name, "[" + ",".join(map(str, idx)) + "]")] == pytest.approx(g[idx])
    w_rows = [r for r in rows if r[0] == "backward" and r[2] == "W"]
    assert [r[5] for r in w_rows] == ["[0,0]", "[0,1]", "[1,0]", "[1,1]"]
    assert {r[3] for r in w_rows} == {"g · xᵀ"} and {r[4] for r in w_rows} == {"(2, 2)"}


def test_explain_plain_quiet_and_wrt() -> None:
    plain = ok("explain", *LAYER, "--format", "plain")
    assert "∂f/∂W = g · xᵀ" in plain and "\x1b[" not in plain
    quiet = ok("explain", *LAYER, "-q", "--wrt", "W")
    want = grads(layer_loss, LAYER_AT)["W"].reshape(-1)
    assert [float(v) for v in quiet.split()] == list(want)
    doc = json.loads(ok("explain", *LAYER, "--format", "json", "--wrt", "b"))
    assert list(doc["gradient"]) == ["b"]
    assert "2.0000" not in ok("explain", *LAYER, "--digits", "3")


def test_explain_big_arrays_are_summarised() -> None:
    rng = np.random.default_rng(5)
    A = rng.normal(size=(8, 8))
    text = ok("explain", "sum(A @ x)", "--A", json.dumps(A.tolist()), "--x", "[1, 2, 3, 4, 5, "
              "6, 7, 8]")
    assert "⟨(8, 8) min" in text and "norm" in text
    assert "∂f/∂A = g · xᵀ" in text  # the rule stays; the numbers are the summary
    doc = json.loads(ok("explain", "sum(x*x)", "--x", json.dumps(np.ones((101, 101)).tolist()),
                        "--format", "json"))
    assert doc["gradient"]["x"]["shape"] == [101, 101] and "summary" in doc["gradient"]["x"]
    assert doc["gradient"]["x"]["summary"]["max"] == 2.0


def test_explain_refusals() -> None:
    big = json.dumps(np.ones((101, 101)).tolist())
    assert "writes every element" in refused("explain", "sum(x*x)", "--x", big,
                                             "--format", "csv")
    assert "--exact does not work with arrays" in refused("explain", *LAYER, "--exact")
    assert "has shape (2,)" in refused("explain", "x*x", "--x", "[1, 2]")
    assert "do not broadcast" in refused("explain", "sum(x + y)", "--x", "[1, 2, 3]",
                                         "--y", "[1, 2]")
    assert "where x[1] = -2" in refused("explain", "sum(log(x))", "--x", "[1, -2]", code=3)


def test_scalar_explain_is_unchanged() -> None:
    text = ok("explain", "a = x^2; b = 3*a; c = x*y; d = 5*c; e = b + d; z = log(e)",
              "--x", "2", "--y", "3")
    assert "  z → e  ∂z/∂e = 1/e = 0.02381  × ∂z/∂z = 1        = 0.02381" in text
    assert "Paths (multiply" in text


# ---------------------------------------------------------------- graph

def test_graph_drawing_has_shapes_on_every_node_and_edge() -> None:
    text = ok("graph", *LAYER)
    rows = [line for line in text.splitlines() if "─ " in line or line.startswith("f = ")]
    assert len(rows) == 10
    w_row = next(r for r in rows if "─ W " in r)
    assert "input" in w_row and "(2, 2)" in w_row and "[[5, 5], [11, 11]]" in w_row
    assert w_row.rstrip().endswith("(2, 2)  g · xᵀ")
    for r in rows[1:]:  # every edge row: the shape along it first
        assert "(" in r.split("]")[-1] or r.rstrip().endswith(")")


def test_graph_structure_only_without_values() -> None:
    text = ok("graph", "sum(W @ x)")
    assert "structure only" in text and "matmul" in text


def _dot_json(dot_text: str) -> dict[str, Any]:
    done = subprocess.run(["dot", "-Tjson"], input=dot_text.encode(), capture_output=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr.decode()
    return dict(json.loads(done.stdout))


def test_graph_dot_labels_every_edge_with_its_shape() -> None:
    dot = ok("graph", *LAYER, "--format", "dot")
    edges = [line for line in dot.splitlines() if "->" in line]
    assert len(edges) == 9
    assert all('[label="(' in e for e in edges)
    assert 'label="(2, 2)\\n∂f/∂W = g · xᵀ"' in dot
    assert "matmul (2,)" in dot
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is not installed (apt-get install graphviz)")
    graph = _dot_json(dot)
    labels = {e["label"] for e in graph["edges"]}
    assert "(2, 2)\\n∂f/∂W = g · xᵀ" in labels or "(2, 2)\n∂f/∂W = g · xᵀ" in labels


@pytest.mark.skipif(shutil.which("dot") is None,
                    reason="Graphviz's dot is not installed (apt-get install graphviz)")
def test_graph_output_svg_rendered_by_dot(tmp_path: Path) -> None:
    out = tmp_path / "graph.svg"
    res = run("graph", *LAYER, "--output", str(out))
    assert res.returncode == 0 and res.stdout == f"wrote {out}\n", res.stderr
    svg = out.read_text(encoding="utf-8")
    assert svg.startswith("<?xml") and "<svg" in svg
    assert "g · xᵀ" in svg and "(2, 2)" in svg


def test_graph_mermaid_is_a_flowchart_with_shapes() -> None:
    chart = ok("graph", *LAYER, "--format", "mermaid")
    assert mermaid_flowchart_errors(chart) == []
    edges = [line for line in chart.splitlines() if "-->" in line]
    assert len(edges) == 9 and all('-->|"(' in e for e in edges)
    assert 'n0 -->|"(2, 2)  ∂f/∂W = g · xᵀ"| n2' in chart
    if not (shutil.which("node") and (MERMAID_DIR / "node_modules" / "mermaid").exists()):
        pytest.skip("Mermaid's parser is not installed (needs node; cd tests/mermaid && "
                    "npm install)")
    done = subprocess.run(["node", "check.mjs"], cwd=MERMAID_DIR, input=chart.encode(),
                          capture_output=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr.decode()


def test_graph_json_csv_plain() -> None:
    doc = json.loads(ok("graph", *LAYER, "--format", "json"))
    want = grads(layer_loss, LAYER_AT)
    by_name = {n["name"]: n for n in doc["nodes"]}
    for name, g in want.items():
        assert by_name[name]["shape"] == list(g.shape)
        assert np.allclose(value(by_name[name]["grad"]), g)
    assert all(e["shape"] is not None for e in doc["edges"])
    (w_edge,) = [e for e in doc["edges"] if e["from"] == "W"]
    assert w_edge["vjp"] == "g · xᵀ" and np.allclose(value(w_edge["product"]), want["W"])
    rows = list(csv.reader(io.StringIO(ok("graph", *LAYER, "--format", "csv"))))
    w_rows = [r for r in rows if r[0] == "node" and r[1] == "W"]
    assert [(r[5], float(r[7])) for r in w_rows] == \
        [("[0,0]", 5.0), ("[0,1]", 5.0), ("[1,0]", 11.0), ("[1,1]", 11.0)]
    plain = ok("graph", *LAYER, "--format", "plain")
    assert "edge W -> t1 shape=(2, 2) vjp=∂f/∂W = g · xᵀ" in plain
    assert "node t1 matmul W @ x shape=(2,) value=[3, 7] grad=[5, 11]" in plain


def test_graph_refusals() -> None:
    big = json.dumps(np.ones((101, 101)).tolist())
    assert "writes every element" in refused("graph", "sum(x*x)", "--x", big, "--format", "csv")
    assert "has shape (2,)" in refused("graph", "x*x", "--x", "[1, 2]")


@pytest.mark.parametrize("command", ["explain", "graph"])
def test_scalar_explain_and_graph_import_no_numpy(command: str) -> None:
    """The array views load only for arrays: a scalar run imports neither NumPy nor them."""
    timed = subprocess.run([sys.executable, "-X", "importtime", "-m", "gradcli", command, "x*y",
                            "--x", "2", "--y", "3"], capture_output=True, text=True, timeout=60)
    assert timed.returncode == 0, timed.stderr[-2000:]
    imported = {line.rsplit("|", 1)[-1].strip() for line in timed.stderr.splitlines()
                if line.startswith("import time:")}
    assert "gradcli.parser" in imported  # the watch works
    assert not imported & {"numpy", "gradcli.arrays.ledger", "gradcli.render.arrays_explain",
                           "gradcli.render.arrays_graph"}


def test_graph_drawing_cut_at_max_rows_says_so() -> None:
    text = ok("graph", "sum(x) + sum(x*x) + sum(sin(x)*x)", "--x", "[1, 2]", "--max-rows", "5")
    rows = [line for line in text.splitlines() if "─ " in line or line.startswith("f = ")]
    assert len(rows) == 5
    assert "… 4 more nodes (--max-rows draws more; --format dot has every node)" in text
