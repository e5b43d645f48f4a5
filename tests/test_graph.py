"""`gradcli graph`: the numbers on the picture, the terminal drawing, DOT, Mermaid, files.

Oracles: the numbers printed in seeds 002 and 004, SymPy's diff, central
differences of each operation for the edge partials, Graphviz's own `dot`
(skipped where it is not installed) and Mermaid's own parser (skipped where the
npm package is not installed in tests/mermaid/).  Golden drawings are layout,
reviewed in the diff; regenerate with GRADCLI_REGEN=1.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import Golden, Gradcli

from gradcli.graphtext import Picture, picture
from gradcli.ops import OPS
from gradcli.parser import parse
from gradcli.render.graph import dot_quote, mermaid_escape, to_data, to_dot, to_mermaid
from gradcli.render.graph_tree import draw
from gradcli.tape import CONST, VAR

MERMAID_DIR = Path(__file__).parent / "mermaid"

SEED002 = "a = x^2; b = 3*a; c = x*y; d = 5*c; e = b + d; z = log(e)"
SEED002_AT = {"x": 2.0, "y": 3.0}
SEED004 = "x3 = w1*x1; x4 = w1*x2; x5 = w2*x3 + w3*x4; L = 1 - x5"
SEED004_AT = {"x1": 1.0, "x2": 2.0, "w1": 1.0, "w2": 2.0, "w3": 3.0}

needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz's dot is not installed (apt-get install graphviz)")


def _pic(text: str, at: dict[str, float] | None) -> Picture:
    return picture(parse(text), at)


def _by_name(pic: Picture) -> dict[str, int]:
    return {n: i for i, n in enumerate(pic.names)}


# ---------------------------------------------------------------- the numbers

def test_seed_002_numbers() -> None:
    """Seed 002 prints a=4, b=12, c=6, d=30, e=42 and (by the chain rule) 1/14, 5/42."""
    pic = _pic(SEED002, SEED002_AT)
    assert pic.values is not None and pic.grads is not None
    at = _by_name(pic)
    for name, value in dict(a=4, b=12, c=6, d=30, e=42).items():
        assert pic.values[at[name]] == value
    assert pic.values[at["z"]] == pytest.approx(math.log(42), rel=1e-15)
    assert pic.grads[at["a"]] == pytest.approx(1 / 14, rel=1e-15)
    assert pic.grads[at["c"]] == pytest.approx(5 / 42, rel=1e-15)
    assert pic.grads[at["x"]] == pytest.approx(9 / 14, rel=1e-15)  # the page's 0.6429
    assert pic.grads[at["y"]] == pytest.approx(5 / 21, rel=1e-15)


def test_seed_004_numbers() -> None:
    """Seed 004: ∂L/∂w1 = -w2 x1 - w3 x2 = -8."""
    pic = _pic(SEED004, SEED004_AT)
    assert pic.grads is not None and pic.values is not None
    at = _by_name(pic)
    assert pic.grads[at["w1"]] == -8
    assert pic.values[at["L"]] == 1 - (2 * 1 + 3 * 2)


@pytest.mark.parametrize("text, at", [
    ("log(3*x^2 + 5*x*y)", {"x": 2.0, "y": 3.0}),
    ("sin(x*y) + x^3/y - exp(-x*x)", {"x": 0.7, "y": -1.3}),
    ("sqrt(x^2 + y^2) * atan(y/x)", {"x": 1.5, "y": 0.5}),
])
def test_gradients_against_sympy(text: str, at: dict[str, float]) -> None:
    sympy = pytest.importorskip("sympy")
    pic = _pic(text, at)
    assert pic.grads is not None
    syms = {n: sympy.Symbol(n) for n in at}
    f = sympy.sympify(text.replace("^", "**"), locals=syms)
    for name, i in pic.tape.variables.items():
        want = float(sympy.diff(f, syms[name]).subs({syms[k]: v for k, v in at.items()}))
        assert pic.grads[i] == pytest.approx(want, rel=1e-12)


@pytest.mark.parametrize("text, at", [
    (SEED002, SEED002_AT),
    (SEED004, SEED004_AT),
    ("tanh(x)*cosh(y) / (1 + x^2) - log10(y)*atan2(y, x) + max(x, y)", {"x": 0.4, "y": 1.7}),
])
def test_edge_partials_against_central_differences(text: str, at: dict[str, float]) -> None:
    """Each edge's ∂node/∂input, against the operation's value nudged in that input."""
    pic = _pic(text, at)
    assert pic.values is not None and pic.partials is not None
    tape = pic.tape
    checked = 0
    for i, op in enumerate(tape.ops):
        if op in (VAR, CONST):
            continue
        fn = OPS[op].fn
        args = [pic.values[j] for j in tape.args[i]]
        for k, p in enumerate(pic.partials[i]):
            if p is None:
                assert tape.ops[tape.args[i][k]] == CONST
                continue
            h = 1e-6 * max(1.0, abs(args[k]))
            up, down = list(args), list(args)
            up[k] += h
            down[k] -= h
            fd = (fn(*up) - fn(*down)) / (2 * h)
            assert p == pytest.approx(fd, rel=1e-6, abs=1e-8), (op, k)
            checked += 1
    assert checked >= 5


def test_gradient_is_the_sum_over_uses() -> None:
    """The chain rule on the picture: ∂out/∂node = Σ ∂out/∂user · ∂user/∂node."""
    pic = _pic(SEED004, SEED004_AT)
    assert pic.grads is not None and pic.partials is not None
    tape = pic.tape
    total = [0.0] * len(tape)
    total[tape.outputs[-1]] = 1.0
    for i, a in enumerate(tape.args):
        for k, j in enumerate(a):
            p = pic.partials[i][k]
            if p is not None:
                g = pic.grads[i]
                assert g is not None
                total[j] += g * p
    for i, g in enumerate(pic.grads):
        if g is not None:
            assert total[i] == pytest.approx(g, abs=1e-15)


# ---------------------------------------------------------------- terminal drawing

@pytest.mark.parametrize("name, text, at", [
    ("graph_seed002", SEED002, SEED002_AT),
    ("graph_seed004", SEED004, SEED004_AT),
    ("graph_structure", "log(3*x^2 + 5*x*y)", None),
])
def test_golden_drawings(name: str, text: str, at: dict[str, float] | None,
                         golden: Golden) -> None:
    """The drawing at width 100, no colour (regenerate: GRADCLI_REGEN=1, then review)."""
    golden(name, draw(_pic(text, at), digits=4, width=100, color=False))


def _row(drawn: str, label: str) -> list[str]:
    """The cells of the drawing's row for `label`, tree guides stripped."""
    for line in drawn.splitlines():
        cells = re.split(r"\s{3,}", line.strip().lstrip("│├└─ "))
        if cells[0].startswith(label):
            return cells
    raise AssertionError(f"no row {label!r} in\n{drawn}")


def test_seed_002_drawing_shows_the_seed_numbers() -> None:
    drawn = draw(_pic(SEED002, SEED002_AT), digits=4, width=100)
    assert _row(drawn, "a = x^2") == ["a = x^2", "pow", "4", "0.07143", "∂b/∂a = 3"]
    assert _row(drawn, "c = x*y") == ["c = x*y", "mul", "6", "0.119", "∂d/∂c = 5"]
    assert _row(drawn, "e = b + d")[2:4] == ["42", "0.02381"]  # 1/42
    # x is drawn once, referenced once, and its gradient shown as the sum of two paths
    assert drawn.count("x  (feeds a, c)") == 1
    assert _row(drawn, "↑ x (see above)")[-1] == "∂c/∂x = 3"
    assert "∂z/∂x = ∂z/∂a·∂a/∂x + ∂z/∂c·∂c/∂x = 0.07143·4 + 0.119·3 = 0.6429" in drawn


def test_seed_004_drawing_shows_minus_eight() -> None:
    drawn = draw(_pic(SEED004, SEED004_AT), digits=4, width=100)
    assert _row(drawn, "w1")[1:4] == ["input", "1", "-8"]
    assert "= (-2)·1 + (-3)·2 = -8" in drawn


def test_structure_only_has_no_numbers() -> None:
    drawn = draw(_pic("x*y + sin(x)", None), width=100)
    assert "structure only" in drawn
    assert "value" not in drawn.splitlines()[2] and "∂" not in drawn
    assert "↑ x (see above)" in drawn


def _wide_sum(n: int) -> tuple[str, dict[str, float]]:
    text = " + ".join(f"sin(x{i}*x{i + 1})" for i in range(n))
    return text, {f"x{i}": 0.01 * i for i in range(n + 1)}


@pytest.mark.parametrize("width", [80, 100, 140])
def test_big_graph_is_summarised_not_garbled(width: int) -> None:
    text, at = _wide_sum(60)
    pic = _pic(text, at)
    drawn = draw(pic, digits=4, width=width, max_rows=40)
    lines = drawn.splitlines()
    assert "Too big to draw whole" in drawn
    assert f"{len(pic.tape)} nodes" in drawn and "longest path" in drawn
    assert all(len(line) <= width for line in lines)
    assert len(lines) < 40 + 20
    # every number drawn is whole: value and gradient cells parse as numbers
    header = next(k for k, line in enumerate(lines) if line.startswith("node"))
    for line in lines[header + 2:]:
        if line.startswith("inputs"):
            break
        cells = re.split(r"\s{3,}", line.strip())
        if len(cells) >= 4 and cells[1] in ("add", "mul", "sin", "input"):
            float(cells[2]), float(cells[3])


NETWORK = ("h1 = tanh(w1*x1 + w2*x2 + b1); h2 = tanh(w3*x1 + w4*x2 + b2); "
           "y = sigmoid(v1*h1 + v2*h2 + c); L = (y - t)^2")
NETWORK_AT = dict(x1=0.5, x2=-1, w1=0.1, w2=0.2, w3=-0.3, w4=0.4, b1=0, b2=0.1, v1=1, v2=-1,
                  c=0, t=1)


def test_a_few_dozen_nodes_draw_whole() -> None:
    """A two-unit network (30 nodes, depth 10) at 100 columns: every node, no summary."""
    pic = _pic(NETWORK, {k: float(v) for k, v in NETWORK_AT.items()})
    assert len(pic.tape) == 30
    drawn = draw(pic, width=100)
    assert "Too big" not in drawn
    for i, op in enumerate(pic.tape.ops):
        if op not in (VAR, CONST):
            assert drawn.count(f"{pic.label(i)}  ") + drawn.count(f"{pic.label(i)}\n") >= 1
    assert all(len(line) <= 100 for line in drawn.splitlines())


@pytest.mark.parametrize("width", [50, 60, 72, 90, 120])
def test_any_width_keeps_numbers_whole(width: int) -> None:
    pic = _pic(NETWORK, {k: float(v) for k, v in NETWORK_AT.items()})
    drawn = draw(pic, width=width)
    assert all(len(line) <= width for line in drawn.splitlines())
    assert _row(drawn, "L = t13^2")[1:4] == ["pow", "0.1868", "1"]


def test_deep_graph_draws_without_recursion() -> None:
    text = "x"
    for _ in range(3000):
        text = f"sin({text})"
    drawn = draw(_pic(text, {"x": 0.5}), width=100)
    assert "3,001 nodes" in drawn and "longest path 3,000 edges" in drawn
    assert max(len(line) for line in drawn.splitlines()) <= 100


def test_node_used_many_times_is_drawn_once() -> None:
    text = "y = x*x; y + y*y + sin(y)"
    drawn = draw(_pic(text, {"x": 1.5}), width=100)
    assert len(re.findall(r"y = x\*x", drawn)) == 1
    assert drawn.count("(see above)") >= 3


# ---------------------------------------------------------------- DOT

def _dot_json(dot_text: str) -> dict[str, Any]:
    done = subprocess.run(["dot", "-Tjson"], input=dot_text.encode(), capture_output=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr.decode()
    data: dict[str, Any] = json.loads(done.stdout)
    return data


@needs_dot
@pytest.mark.parametrize("text, at", [(SEED002, SEED002_AT), (SEED004, SEED004_AT),
                                      ("x*y + sin(x)", None)])
def test_dot_renders_with_graphviz(text: str, at: dict[str, float] | None) -> None:
    pic = _pic(text, at)
    dot_text = to_dot(pic)
    done = subprocess.run(["dot", "-Tsvg"], input=dot_text.encode(), capture_output=True,
                          timeout=60, check=False)
    assert done.returncode == 0 and done.stderr == b"", done.stderr.decode()
    assert b"<svg" in done.stdout
    graph = _dot_json(dot_text)
    assert len(graph["objects"]) == len(pic.tape)
    assert len(graph["edges"]) == sum(len(a) for a in pic.tape.args)


@needs_dot
def test_dot_labels_carry_values_gradients_and_partials() -> None:
    graph = _dot_json(to_dot(_pic(SEED002, SEED002_AT)))
    labels = {o["name"]: o["label"] for o in graph["objects"]}
    assert "a = x^2\\npow\\nvalue 4\\n∂z/∂a = 0.07143" in labels.values()
    edge_labels = {e.get("label") for e in graph["edges"]}
    assert {"∂a/∂x = 4", "∂c/∂x = 3", "∂d/∂c = 5", "∂z/∂e = 0.02381"} <= edge_labels


@needs_dot
@pytest.mark.parametrize("label", ['say "hi"', "back\\slash", 'end \\', "a\nb", "{x|y} <p>"])
def test_dot_quoting_round_trips(label: str) -> None:
    graph = _dot_json(f"digraph g {{ n [label={dot_quote(label)}]; }}\n")
    # dot keeps escapes in the label it reports; unescape its two sequences
    got = graph["objects"][0]["label"]
    assert got.replace("\\n", "\n").replace('\\"', '"').replace("\\\\", "\\") == label


@needs_dot
@pytest.mark.parametrize("ext, magic", [(".svg", b"<?xml"), (".png", b"\x89PNG\r\n\x1a\n"),
                                        (".pdf", b"%PDF")])
def test_output_file_rendered_by_dot(gradcli: Gradcli, tmp_path: Path, ext: str,
                                     magic: bytes) -> None:
    out = tmp_path / f"graph{ext}"
    res = gradcli("graph", SEED002, "--x", "2", "--y", "3", "--output", str(out))
    assert res.code == 0, res.err
    assert res.out == f"wrote {out}\n" and res.err == ""
    assert out.read_bytes().startswith(magic)
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]


def test_output_without_graphviz_says_how_to_install(gradcli: Gradcli, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    out = tmp_path / "graph.svg"
    res = gradcli("graph", "x*y", "--x", "1", "--y", "2", "--output", str(out))
    assert res.code == 2 and res.out == ""
    assert "Graphviz" in res.err and "apt-get install graphviz" in res.err
    assert res.err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []  # nothing half-written


@needs_dot
def test_dot_failure_leaves_no_file(gradcli: Gradcli, tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "dot").write_text("#!/bin/sh\necho 'Error: out of paper' >&2\necho x > \"$3\"\n"
                              "exit 1\n")
    (fake / "dot").chmod(0o755)
    monkeypatch.setenv("PATH", str(fake))
    res = gradcli("graph", "x*y", "--output", str(tmp_path / "g.png"))
    assert res.code == 2 and "out of paper" in res.err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bin"]


@pytest.mark.parametrize("ext, check", [
    (".dot", lambda t: t.startswith("digraph gradcli {")),
    (".mmd", lambda t: t.startswith("flowchart LR\n")),
    (".json", lambda t: json.loads(t)["output"] == "z"),
    (".txt", lambda t: "└─ e = b + d" in t),
])
def test_output_text_files(gradcli: Gradcli, tmp_path: Path, ext: str,
                           check: Callable[[str], bool]) -> None:
    out = tmp_path / f"g{ext}"
    res = gradcli("graph", SEED002, "--x", "2", "--y", "3", "-o", str(out), "-q")
    assert res.code == 0 and res.out == "", res.err
    assert check(out.read_text(encoding="utf-8"))


# ---------------------------------------------------------------- Mermaid

_ID = r"n\d+"
_LABEL = r'"(?:[^"#]|#(?:\d+|[a-z]+);)*"'
_NODE = re.compile(rf"^(?:  )+({_ID})"
                   rf"(\[\[{_LABEL}\]\]|\[{_LABEL}\]|\({_LABEL}\)|\(\[{_LABEL}\]\))$")
_EDGE = re.compile(rf'^  ({_ID}) -->(?:\|{_LABEL}\|)? ({_ID})$')
_SUBGRAPH = re.compile(rf'^((?:  )+)subgraph (call\d+) \[{_LABEL}\]$')  # a function call
_END = re.compile(r"^((?:  )+)end$")


def mermaid_flowchart_errors(text: str) -> list[str]:
    """Check the flowchart subset we emit: header, quoted labels, edges between known nodes."""
    lines = text.rstrip("\n").split("\n")
    errors = []
    if lines[0] != "flowchart LR":
        errors.append(f"line 1: {lines[0]!r} is not a flowchart header")
    declared: set[str] = set()
    groups: list[str] = []  # the open subgraphs, each one level deeper
    for k, line in enumerate(lines[1:], start=2):
        node, edge = _NODE.match(line), _EDGE.match(line)
        sub, close = _SUBGRAPH.match(line), _END.match(line)
        depth = (len(line) - len(line.lstrip(" "))) // 2
        if sub or close or node:
            want = len(groups) + (0 if close else 1)
            if depth != want:
                errors.append(f"line {k}: indented {depth} levels inside {len(groups)} groups")
        if sub:
            if sub.group(2) in declared:
                errors.append(f"line {k}: {sub.group(2)} declared twice")
            declared.add(sub.group(2))
            groups.append(sub.group(2))
        elif close:
            if not groups:
                errors.append(f"line {k}: end without a subgraph")
            else:
                groups.pop()
        elif edge and groups:
            errors.append(f"line {k}: an edge inside subgraph {groups[-1]}")
        elif node:
            if node.group(1) in declared:
                errors.append(f"line {k}: {node.group(1)} declared twice")
            declared.add(node.group(1))
        elif edge:
            for end in edge.groups():
                if end not in declared:
                    errors.append(f"line {k}: edge to undeclared {end}")
        else:
            errors.append(f"line {k}: cannot parse {line!r}")
    if groups:
        errors.append(f"subgraph {groups[-1]} has no end")
    return errors


def test_mermaid_validator_catches_mistakes() -> None:
    assert mermaid_flowchart_errors('flowchart LR\n  n0["a"]\n  n0 --> n0\n') == []
    assert mermaid_flowchart_errors('flowchart LR\n  n0["a "b" c"]\n')
    assert mermaid_flowchart_errors('flowchart LR\n  n0["a # b"]\n')
    assert mermaid_flowchart_errors('flowchart LR\n  n0["a"]\n  n0 --> n1\n')
    assert mermaid_flowchart_errors('graph\n  n0["a"]\n')


@pytest.mark.parametrize("text, at", [(SEED002, SEED002_AT), (SEED004, SEED004_AT),
                                      ("abs(x - y)/max(x, y, 1)", None)])
def test_mermaid_is_a_flowchart(text: str, at: dict[str, float] | None) -> None:
    pic = _pic(text, at)
    chart = to_mermaid(pic)
    assert mermaid_flowchart_errors(chart) == []
    assert chart.count("-->") == sum(len(a) for a in pic.tape.args)
    if at is not None:
        assert "∂" in chart and "value" in chart


def test_mermaid_escaping() -> None:
    assert mermaid_escape('a"b') == "a#quot;b"
    assert mermaid_escape("#1 <b>|c|") == "#35;1 #lt;b#gt;#124;c#124;"
    assert mermaid_flowchart_errors(f'flowchart LR\n  n0["{mermaid_escape(chr(34) + "#|<>")}"]\n') \
        == []


_MERMAID_READY = shutil.which("node") is not None and (MERMAID_DIR / "node_modules" /
                                                       "mermaid").exists()


@pytest.mark.skipif(not _MERMAID_READY, reason="Mermaid's parser is not installed "
                    "(needs node; cd tests/mermaid && npm install)")
@pytest.mark.parametrize("text, at", [(SEED002, SEED002_AT), (SEED004, SEED004_AT),
                                      ("abs(x - y)/max(x, y, 1)", None)])
def test_mermaid_parses_with_mermaid_itself(text: str, at: dict[str, float] | None) -> None:
    chart = to_mermaid(_pic(text, at))
    done = subprocess.run(["node", "check.mjs"], cwd=MERMAID_DIR, input=chart.encode(),
                          capture_output=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.decode().startswith("flowchart")


@pytest.mark.skipif(not _MERMAID_READY, reason="Mermaid's parser is not installed")
def test_mermaid_parser_rejects_a_broken_chart() -> None:
    done = subprocess.run(["node", "check.mjs"], cwd=MERMAID_DIR,
                          input=b'flowchart LR\n  n0["a "b" c"]\n', capture_output=True,
                          timeout=120, check=False)
    assert done.returncode == 1


# ---------------------------------------------------------------- the command

def test_command_draws_seed_002(gradcli: Gradcli) -> None:
    res = gradcli("graph", SEED002, "--x", "2", "--y", "3")
    assert res.code == 0 and res.err == ""
    assert "\x1b[" not in res.out
    assert _row(res.out, "c = x*y")[2:4] == ["6", "0.119"]


def test_command_json(gradcli: Gradcli) -> None:
    res = gradcli("graph", SEED004, *[f"--{k}={v}" for k, v in SEED004_AT.items()],
                  "--format", "json")
    assert res.code == 0, res.err
    data = json.loads(res.out)
    grads = {n["name"]: n["grad"] for n in data["nodes"]}
    assert grads["w1"] == -8
    assert {"from": "w1", "to": "x4", "partial": 2.0} in data["edges"]


def test_command_plain_and_formats(gradcli: Gradcli) -> None:
    res = gradcli("graph", "x*y", "--x", "2", "--y", "3", "--format", "plain")
    assert res.out.splitlines() == ["node x var value=2 grad=3", "node y var value=3 grad=2",
                                    "node f mul x*y value=6 grad=1",
                                    "edge x -> f partial=3", "edge y -> f partial=2"]
    for fmt in ("dot", "mermaid"):
        res = gradcli("graph", "x*y", "--format", fmt)
        assert res.code == 0 and res.out.strip()


@pytest.mark.parametrize("argv, code, words", [
    (["x*y", "--x", "2"], 2, "no value for the variable y"),
    (["log(x)", "--x", "-1"], 3, "log needs a positive argument"),
    (["x*y", "--output", "g.gif"], 2, "unknown file type .gif"),
    (["x*y", "--format", "mermaid", "--output", "g.dot"], 2, "does not match"),
    (["x +* y"], 2, "unexpected"),
])
def test_command_errors(gradcli: Gradcli, argv: list[str], code: int, words: str) -> None:
    res = gradcli("graph", *argv)
    assert res.code == code and res.out == ""
    assert words in res.err and "Traceback" not in res.err


def test_help_examples_run(gradcli: Gradcli, tmp_path: Path,
                           monkeypatch: pytest.MonkeyPatch) -> None:
    import shlex

    monkeypatch.chdir(tmp_path)
    res = gradcli("graph", "--help")
    assert res.code == 0 and "Examples:" in res.out
    examples = [ln.strip() for ln in res.out.splitlines() if ln.strip().startswith("gradcli ")]
    assert len(examples) >= 3
    for line in examples:
        argv = shlex.split(line)[1:]
        if "--output" in argv and shutil.which("dot") is None:
            continue
        assert gradcli(*argv).code == 0, line


def test_picture_data_is_json_ready() -> None:
    data = to_data(_pic(SEED002, SEED002_AT))
    json.dumps(data, allow_nan=False)
    assert len(data["edges"]) == 11 and data["output"] == "z"


def test_graph_rows_csv(gradcli: Gradcli) -> None:
    """csv: seed 002's nodes with the page's values and gradients, edges with partials."""
    import csv
    import io

    res = gradcli("graph", "a = x^2; b = 3*a; c = x*y; d = 5*c; e = b + d; z = log(e)",
                  "--x", "2", "--y", "3", "--format", "csv")
    assert res.code == 0
    rows = list(csv.DictReader(io.StringIO(res.out)))
    nodes = {r["name"]: r for r in rows if r["kind"] == "node"}
    assert float(nodes["e"]["value"]) == 42 and float(nodes["c"]["grad"]) == pytest.approx(5 / 42)
    edges = {(r["from"], r["to"]): r["partial"] for r in rows if r["kind"] == "edge"}
    assert float(edges[("x", "a")]) == 4 and float(edges[("e", "z")]) == pytest.approx(1 / 42)
    assert gradcli("graph", "x*y", "--format", "table").code == 0
