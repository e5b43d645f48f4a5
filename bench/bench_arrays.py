"""Issue 15's rows of `make bench`: arrays at start-up, and a 1000×1000 matrix product.

bench/bench.py puts `startup_commands` in its start-up table (alternated with the
baseline like every row there) and `report_lines` in a table of its own.  Run alone to
time only these rows (the start-up rows then against `python -c pass` here):

    python bench/bench_arrays.py
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PY = sys.executable
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
N = 1000  # the matrices are N×N
EXPR = "L = sum(tanh(A @ B))"

# In a fresh process: parse, forward, reverse, and the check (random directions per
# input, gradcli/arrays/check.py), each timed; NumPy's import counted apart (an array's
# first appearance pays it).
CHILD = r"""
import json, sys, time
t = time.perf_counter()
import numpy as np
t_np = time.perf_counter() - t
from gradcli.arrays.engine import forward, reverse
from gradcli.arrays.check import DIRECTIONS, check_arrays
from gradcli.parser import parse
n = int(sys.argv[1])
rng = np.random.default_rng(15)
env = {"A": rng.standard_normal((n, n)) / n ** 0.5, "B": rng.standard_normal((n, n))}
t0 = time.perf_counter(); tape = parse(sys.argv[2], known=env, arrays=True)
t1 = time.perf_counter(); vals = forward(tape, env)
t2 = time.perf_counter(); adj, _ = reverse(tape, vals, tape.outputs[-1])
t3 = time.perf_counter()
grad = {k: adj[i] for k, i in tape.variables.items()}
check = check_arrays(tape, env, tape.outputs[-1], grad, False)
t4 = time.perf_counter()
# the oracle: the same gradient written out by hand
T = np.tanh(env["A"] @ env["B"]); G = 1 - T * T
ok = np.allclose(grad["A"], G @ env["B"].T) and np.allclose(grad["B"], env["A"].T @ G)
print(json.dumps({"numpy": t_np, "parse": t1 - t0, "forward": t2 - t1, "reverse": t3 - t2,
                  "check": t4 - t3, "passed": check.passed, "oracle": bool(ok),
                  "directions": DIRECTIONS}))
"""


READ_CHILD = r"""
import sys, time
from gradcli.arrays.values import read_csv
t = time.perf_counter(); read_csv("A", sys.argv[1]); print(time.perf_counter() - t)
"""


def gradcli_cmd() -> list[str]:
    script = Path(PY).with_name("gradcli")
    return [str(script)] if script.exists() else [PY, "-m", "gradcli"]


def startup_commands() -> dict[str, tuple[list[str], str]]:
    """Start-up rows: a scalar eval is the table's first rows; these add the array path."""
    g = gradcli_cmd()
    layer = ["sum((W@x + b - y)^2)", "--W", "[[1, 2], [3, 4]]", "--x", "[1, 1]", "--b",
             "[0.5, 0.5]", "--y", "[1, 2]"]
    return {
        "gradcli eval of a 2×2 linear layer --format json (arrays: imports NumPy)":
            ([*g, "eval", *layer, "--format", "json"], ""),
        "gradcli explain of the same layer (the ledger in matrix form)":
            ([*g, "explain", *layer], ""),
    }


def big_product() -> dict[str, float]:
    """The N×N product graph in a fresh process, each stage timed."""
    done = subprocess.run([PY, "-c", CHILD, str(N), EXPR], capture_output=True, text=True,
                          env=ENV, check=False)
    if done.returncode != 0:
        raise SystemExit(f"array bench failed: {done.stderr[-2000:]}")
    return dict(json.loads(done.stdout))


def whole_process() -> list[tuple[str, float, int]]:
    """The same graph through the command line, the matrices read from CSV files."""
    import numpy as np

    rng = np.random.default_rng(15)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, m in (("A", rng.standard_normal((N, N)) / N ** 0.5),
                        ("B", rng.standard_normal((N, N)))):
            np.savetxt(Path(tmp) / f"{name}.csv", m, delimiter=",", fmt="%.17g")
        argv = [*gradcli_cmd(), "eval", EXPR, "--A", f"@{tmp}/A.csv", "--B", f"@{tmp}/B.csv",
                "-q"]
        read = subprocess.run([PY, "-c", READ_CHILD, f"{tmp}/A.csv"], capture_output=True,
                              text=True, env=ENV, check=False)
        if read.returncode == 0:
            rows.append((f"reading one {N}×{N} CSV file (in-process)", float(read.stdout), 0))
        # without the check (its time is the in-process row above); -q writes every
        # element of both gradients, 2,000,001 numbers, which is most of the time
        t = time.perf_counter()
        done = subprocess.run([*argv, "--no-check"], env=ENV, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, check=False)
        rows.append(("whole command, --no-check -q (writes 2,000,001 numbers)",
                     time.perf_counter() - t, done.returncode))
    return rows


def report_lines() -> list[str]:
    r = big_product()
    lines = ["", f"## Arrays: `gradcli eval \"{EXPR}\"` with A, B of {N}×{N}", "",
             "In-process stages in a fresh process (each one vectorised NumPy call per "
             "node, no Python loop per element), then the whole command with the matrices "
             "read from CSV files (`--A @A.csv`).", "",
             "| stage | time | target |", "|---|---:|---|",
             f"| import NumPy (paid once an array appears) | {1000 * r['numpy']:.0f} ms | |",
             f"| parse | {1000 * r['parse']:.1f} ms | |",
             f"| forward (values) | {1000 * r['forward']:.0f} ms | milliseconds, not a loop |",
             f"| reverse (∂L/∂A, ∂L/∂B) | {1000 * r['reverse']:.0f} ms | ≤ 3× forward"
             f"{' ✓' if r['reverse'] <= 3 * r['forward'] else ' ✗'} |",
             f"| check ({r['directions']} random directions per input) | {r['check']:.2f} s | "
             f"{'passed' if r['passed'] else 'FAILED'} |",
             f"| gradient = (1 − tanh²)·Bᵀ, Aᵀ·(1 − tanh²) by hand | | "
             f"{'agrees' if r['oracle'] else 'DIFFERS'} |"]
    for label, secs, code in whole_process():
        lines.append(f"| {label}{f' (exit {code})' if code else ''} | {secs:.2f} s | |")
    return lines


def main() -> None:
    """These rows alone: start-up medians against `python -c pass`, then the big product."""
    cmds = {"python -c pass (baseline)": [PY, "-c", "pass"],
            "gradcli eval x*y*z --format json (scalar)":
                [*gradcli_cmd(), "eval", "x*y*z", "--x", "2", "--y", "3", "--z", "4",
                 "--format", "json"]}
    cmds.update({k: v for k, (v, _) in startup_commands().items()})
    times: dict[str, list[float]] = {k: [] for k in cmds}
    for cmd in cmds.values():
        subprocess.run(cmd, env=ENV, capture_output=True, check=False)
    for _ in range(int(os.environ.get("RUNS", "11"))):
        for name, cmd in cmds.items():
            t = time.perf_counter()
            subprocess.run(cmd, env=ENV, capture_output=True, check=False)
            times[name].append(time.perf_counter() - t)
    base = statistics.median(times["python -c pass (baseline)"])
    print("| command | median | × `python -c pass` |\n|---|---:|---:|")
    for name, t in times.items():
        print(f"| {name} | {1000 * statistics.median(t):.0f} ms | "
              f"{statistics.median(t) / base:.1f}× |")
    print("\n".join(report_lines()))


if __name__ == "__main__":
    main()
