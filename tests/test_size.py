"""Size: a million nodes, 100,000-deep nesting, linear memory, and a refused giant."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from gradcli.errors import InputError
from gradcli.parser import MAX_TEXT, parse
from gradcli.pipeline import evaluate

# resident memory held by the result (tape, values, adjoints), from /proc: peak RSS
# is too coarse, since the allocator keeps what earlier imports freed
_MEASURE = """
import json, os, sys
from gradcli.pipeline import evaluate
def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
n = int(sys.argv[1])
evaluate("x", {"x": 1.0})  # imports and the parser loaded before the baseline
text = "+".join(["x"] * n)
base = rss()
r = evaluate(text, {"x": 1.0})
print(json.dumps({"nodes": len(r.tape), "grad": r.gradient["x"], "passed": r.check.passed,
                  "kib": rss() - base}))
"""


def _measure(n: int) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", _MEASURE, str(n)], capture_output=True,
                         text=True, check=True, timeout=300)
    data: dict[str, float] = json.loads(out.stdout)
    return data


def test_million_nodes_linear_memory() -> None:
    small, big = _measure(100_000), _measure(1_000_000)
    assert big["nodes"] == 1_000_000 and big["grad"] == 1_000_000 and big["passed"]
    assert small["grad"] == 100_000
    # linear: ten times the nodes, about ten times the memory (peak RSS is coarse:
    # list and dict growth reserve up to 2x, so allow that much, not a factor of n)
    assert big["kib"] <= 20 * max(small["kib"], 1), (small, big)
    assert big["kib"] * 1024 / big["nodes"] < 1000  # bytes per node; README states ~400


@pytest.mark.parametrize("text, value, grad", [
    ("(" * 100_000 + "x" + ")" * 100_000, 2.0, 1.0),
    ("-" * 100_000 + "x", 2.0, 1.0),  # an even number of minus signs
    ("^".join(["1"] * 100_000 + ["x"]), 1.0, 0.0),
    ("sin(" * 20_000 + "x" + ")" * 20_000, None, None),
])
def test_deep_nesting(text: str, value: float | None, grad: float | None) -> None:
    r = evaluate(text, {"x": 2.0}, check=False)
    if value is not None:
        assert r.value == value and r.gradient["x"] == grad


def test_input_over_the_limit_is_refused() -> None:
    with pytest.raises(InputError, match="limit"):
        parse("x+" * (MAX_TEXT // 2) + "xx")
