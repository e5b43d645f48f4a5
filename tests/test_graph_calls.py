"""A function call drawn as a named group of nodes (issue 12 item 6): a DOT cluster
labelled with the call (read back through Graphviz's own `dot`), a Mermaid subgraph
(the flowchart checker of test_graph.py, and Mermaid's parser where installed), JSON
`calls`, and the plain and terminal views' call lines, through the real command line.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from typing import Any

import pytest
from test_graph import MERMAID_DIR, mermaid_flowchart_errors

from gradcli.graphtext import picture
from gradcli.parser import parse
from gradcli.render.graph import to_dot, to_mermaid
from gradcli.render.groups import groups

NESTED = "f(t) = t^2 + 1; g(x) = sin(f(x)); g(x)^2"  # the README's program
TWICE = "f(t) = t^2 + 1; g(u) = sin(f(u)); g(x)^2 + g(y)"  # two calls of g, each with f
SHARED = "f(t) = t^2; f(x) + exp(f(y))"


def _cli(*argv: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("gradcli", path=os.path.dirname(sys.executable))
    if exe is None:
        pytest.skip("needs the installed gradcli of this venv")
    return subprocess.run([exe, *argv], capture_output=True, text=True, timeout=120)


def test_groups_nest_and_hold_the_body() -> None:
    tape = parse(TWICE)
    found = groups(tape)
    labels = [g.label for g in found]
    assert sorted(labels) == ["f(x)", "f(y)", "g(x)", "g(y)"]
    for g in found:
        if g.label.startswith("f("):  # f sits inside the g that called it
            assert g.parent is not None and found[g.parent].label == "g" + g.label[1:]
            assert {tape.ops[i] for i in g.nodes} >= {"pow", "add"}
        else:
            assert g.parent is None and [tape.ops[i] for i in g.nodes] == ["sin"]
    every = [i for g in found for i in g.nodes]
    assert len(every) == len(set(every))  # a node is drawn in one group only
    assert groups(parse("x^2 + sin(x)")) == []  # no function, no group


def _dot_json(text: str) -> dict[str, Any]:
    done = subprocess.run(["dot", "-Tjson"], input=text.encode(), capture_output=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr.decode()
    return json.loads(done.stdout)  # type: ignore[no-any-return]


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
@pytest.mark.parametrize("text,at", [(NESTED, {"x": 0.5}), (TWICE, None), (SHARED, None)])
def test_dot_clusters_through_graphviz(text: str, at: dict[str, float] | None) -> None:
    tape = parse(text)
    graph = _dot_json(to_dot(picture(tape, at)))
    objects = graph["objects"]
    clusters = {o["name"]: o for o in objects if o["name"].startswith("cluster_call")}
    found = groups(tape)
    assert len(clusters) == len(found) > 0
    names = {k: o["name"] for k, o in enumerate(objects)}
    for k, g in enumerate(found):
        cl = clusters[f"cluster_call{k}"]
        assert cl["label"] == g.label
        inside = {names[n] for n in cl.get("nodes", [])}  # dot lists nested clusters' too
        assert {f"n{i}" for i in g.nodes} <= inside
        if g.parent is not None:
            outer = clusters[f"cluster_call{g.parent}"]
            assert inside <= {names[n] for n in outer["nodes"]}
    # the drawing still has every node and edge
    assert sum(1 for o in objects if o["name"].startswith("n")) == len(tape)
    assert len(graph.get("edges", [])) == sum(len(a) for a in tape.args)


@pytest.mark.parametrize("text,at", [(NESTED, {"x": 0.5}), (TWICE, None), (SHARED, None)])
def test_mermaid_subgraphs(text: str, at: dict[str, float] | None) -> None:
    tape = parse(text)
    chart = to_mermaid(picture(tape, at))
    assert mermaid_flowchart_errors(chart) == []
    for g in groups(tape):
        assert f'["{g.label}"]' in chart
    lines = [line.strip() for line in chart.splitlines()]
    assert sum(line.startswith("subgraph ") for line in lines) == lines.count("end") == \
        len(groups(tape)) > 0
    assert chart.count("-->") == sum(len(a) for a in tape.args)
    ready = shutil.which("node") is not None and (MERMAID_DIR / "node_modules" /
                                                  "mermaid").exists()
    if ready:  # Mermaid's own parser, where it is installed
        done = subprocess.run(["node", "check.mjs"], cwd=MERMAID_DIR, input=chart.encode(),
                              capture_output=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr.decode()


def test_mermaid_checker_catches_bad_groups() -> None:
    good = 'flowchart LR\n  subgraph call0 ["f(x)"]\n    n0["a"]\n  end\n'
    assert mermaid_flowchart_errors(good) == []
    assert mermaid_flowchart_errors('flowchart LR\n  subgraph call0 ["f(x)"]\n    n0["a"]\n')
    assert mermaid_flowchart_errors('flowchart LR\n  n0["a"]\n  end\n')
    assert mermaid_flowchart_errors('flowchart LR\n  subgraph call0 ["f(x)"]\n  n0["a"]\n'
                                    '  end\n')


def test_through_the_command_line() -> None:
    d = _cli("graph", NESTED, "--x", "0.5", "--format", "dot")
    assert d.returncode == 0 and 'subgraph cluster_call0 {' in d.stdout
    assert 'label="g(x)"' in d.stdout and 'label="f(x)"' in d.stdout
    j = json.loads(_cli("graph", TWICE, "--format", "json").stdout)
    calls = {c["call"]: c for c in j["calls"]}
    assert calls["f(y)"]["within"] == "g(y)" and calls["g(y)"]["within"] is None
    assert "f(y)" in calls["f(y)"]["nodes"]  # the call's result is a step named after it
    p = _cli("graph", TWICE, "--format", "plain")
    assert "call f(x) in g(x): t1 f(x)" in p.stdout.splitlines()
    t = _cli("graph", NESTED, "--x", "0.5")
    assert "Function calls" in t.stdout and "  f(x) in g(x): 1 t1 f(x)" in t.stdout
    m = _cli("graph", NESTED, "--format", "mermaid")
    assert mermaid_flowchart_errors(m.stdout) == []
