"""Issue 15's worked examples through the real command line, each against an outside
oracle: HIPS autograd (the test extra) always, PyTorch where installed (else skipped,
saying so).  The README pastes the same commands' output.  (tests/test_arrays_examples.py
holds the same examples in-process against their textbook formulas.)

- a linear layer with squared loss: ∂L/∂W, ∂L/∂b;
- logistic regression over the 20 rows of tests/data/logistic20.csv (read with
  `--D @file.csv`), the loss as PyTorch's binary_cross_entropy_with_logits;
- softmax cross-entropy for 3 classes, ∂L/∂z = p − y shown in the explain ledger;
- a 2-layer network written as three named steps (h, o, L).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

autograd = pytest.importorskip("autograd", reason="autograd (the test extra) is the oracle")
anp = pytest.importorskip("autograd.numpy")

GRADCLI = str(Path(sys.executable).with_name("gradcli"))
DATA = Path(__file__).parent / "data" / "logistic20.csv"
RNG = np.random.default_rng(1515)


def run(*argv: str) -> dict[str, Any]:
    """`gradcli ARGV --format json`, exit 0, parsed."""
    done = subprocess.run([GRADCLI, *argv, "--format", "json"], capture_output=True, text=True,
                          timeout=120, env={"PATH": "/usr/bin:/bin"})
    assert done.returncode == 0 and done.stderr == "", done.stderr
    return dict(json.loads(done.stdout))


def arg(name: str, v: Any) -> list[str]:
    """--name "[[...]]": every double written to read back exactly."""
    return [f"--{name}", json.dumps(np.asarray(v, dtype=float).tolist())]


def close(got: Any, want: Any) -> None:
    assert np.allclose(np.asarray(got, dtype=float), np.asarray(want, dtype=float),
                       rtol=1e-10, atol=1e-13), (got, want)


def torch_or_skip() -> Any:
    return pytest.importorskip("torch", reason="PyTorch is not installed (the autograd test "
                                               "of the same example runs)")


# ---------------------------------------------------------------- a linear layer

LAYER = "L = sum((W @ x + b - y)^2)"
LAYER_AT = {"W": RNG.normal(size=(3, 4)), "x": RNG.normal(size=4), "b": RNG.normal(size=3),
            "y": RNG.normal(size=3)}


def layer_args() -> list[str]:
    return [LAYER, *(a for n, v in LAYER_AT.items() for a in arg(n, v))]


def test_linear_layer_against_autograd() -> None:
    doc = run("eval", *layer_args())

    def loss(W: Any, x: Any, b: Any, y: Any) -> Any:
        return anp.sum((anp.dot(W, x) + b - y) ** 2)

    close(doc["value"], loss(*LAYER_AT.values()))
    for k, name in enumerate(LAYER_AT):
        assert doc["gradient"][name]["shape"] == list(LAYER_AT[name].shape)
        close(doc["gradient"][name]["value"], autograd.grad(loss, k)(*LAYER_AT.values()))
    assert doc["check"]["passed"]


def test_linear_layer_against_pytorch() -> None:
    torch = torch_or_skip()
    doc = run("eval", *layer_args())
    t = {n: torch.tensor(v, dtype=torch.float64, requires_grad=True) for n, v in LAYER_AT.items()}
    loss = ((t["W"] @ t["x"] + t["b"] - t["y"]) ** 2).sum()
    loss.backward()
    for name in ("W", "b"):
        close(doc["gradient"][name]["value"], t[name].grad.numpy())


def test_linear_layer_explain_writes_dl_dw_as_g_x_transposed() -> None:
    doc = run("explain", *layer_args())
    (w_edge,) = [e for e in doc["backward"] if e["kind"] == "edge" and e["to"] == "W"]
    assert w_edge["rule"] == "g · xᵀ" and w_edge["shapes"] == "(3,) · (4,)ᵀ → (3, 4)"
    W, x, b, y = LAYER_AT.values()
    r = W @ x + b - y
    close(w_edge["factors"]["g"]["value"], 2 * r)  # g = ∂L/∂(W@x) = 2(Wx + b − y)
    close(w_edge["product"]["value"], np.outer(2 * r, x))


# ---------------------------------------------------------------- logistic regression

LOGISTIC = "X = D[:, 0:3]; y = D[:, 3]; z = X @ w + c; L = mean(softplus(z) - y*z)"
LOGISTIC_AT = {"w": np.array([0.5, -0.5, 0.25]), "c": 0.1}


def logistic_args() -> list[str]:
    return [LOGISTIC, "--D", f"@{DATA}", *arg("w", LOGISTIC_AT["w"]), "--c",
            repr(LOGISTIC_AT["c"])]


def test_the_data_file_has_20_rows() -> None:
    D = np.loadtxt(DATA, delimiter=",", skiprows=1)
    assert D.shape == (20, 4) and set(D[:, 3]) == {0.0, 1.0}


def test_logistic_regression_over_a_csv_against_autograd() -> None:
    D = np.loadtxt(DATA, delimiter=",", skiprows=1)  # read by NumPy, not by gradcli
    doc = run("eval", *logistic_args())
    assert doc["variables"]["D"]["shape"] == [20, 4]

    def loss(w: Any, c: Any) -> Any:  # the log-likelihood written out, not as softplus
        p = 1 / (1 + anp.exp(-(anp.dot(D[:, :3], w) + c)))
        y = D[:, 3]
        return -anp.mean(y * anp.log(p) + (1 - y) * anp.log(1 - p))

    close(doc["value"], loss(LOGISTIC_AT["w"], LOGISTIC_AT["c"]))
    close(doc["gradient"]["w"]["value"], autograd.grad(loss, 0)(LOGISTIC_AT["w"], 0.1))
    close(doc["gradient"]["c"]["value"], autograd.grad(loss, 1)(LOGISTIC_AT["w"], 0.1))
    assert doc["check"]["passed"]


def test_logistic_regression_against_pytorch() -> None:
    torch = torch_or_skip()
    D = torch.tensor(np.loadtxt(DATA, delimiter=",", skiprows=1), dtype=torch.float64)
    w = torch.tensor(LOGISTIC_AT["w"], dtype=torch.float64, requires_grad=True)
    c = torch.tensor(LOGISTIC_AT["c"], dtype=torch.float64, requires_grad=True)
    loss = torch.nn.functional.binary_cross_entropy_with_logits(D[:, :3] @ w + c, D[:, 3])
    loss.backward()
    doc = run("eval", *logistic_args())
    close(doc["value"], loss.item())
    close(doc["gradient"]["w"]["value"], w.grad.numpy())
    close(doc["gradient"]["c"]["value"], c.grad.item())


# ---------------------------------------------------------------- softmax cross-entropy

SOFTMAX = "L = -sum(y*log_softmax(z))"
SOFTMAX_AT = {"z": np.array([2.0, -1.0, 0.5]), "y": np.array([0.0, 1.0, 0.0])}


def softmax_args() -> list[str]:
    return [SOFTMAX, *arg("z", SOFTMAX_AT["z"]), *arg("y", SOFTMAX_AT["y"])]


def test_softmax_cross_entropy_against_autograd() -> None:
    def loss(z: Any, y: Any) -> Any:
        p = anp.exp(z) / anp.sum(anp.exp(z))
        return -anp.sum(y * anp.log(p))

    doc = run("eval", *softmax_args())
    close(doc["value"], loss(*SOFTMAX_AT.values()))
    close(doc["gradient"]["z"]["value"], autograd.grad(loss, 0)(*SOFTMAX_AT.values()))


def test_softmax_cross_entropy_explain_shows_p_minus_y() -> None:
    """The log_softmax edge: g − softmax(z)·sum(g) with g = −y, that is p − y."""
    z, y = SOFTMAX_AT.values()
    p = np.exp(z) / np.exp(z).sum()
    doc = run("explain", *softmax_args())
    (edge,) = [e for e in doc["backward"] if e["kind"] == "edge" and e["to"] == "z"]
    assert edge["rule"] == "g - softmax(z) ⊙ sum(g)"
    close(edge["factors"]["g"]["value"], -y)
    close(edge["factors"]["softmax(z)"]["value"], p)
    close(edge["product"]["value"], p - y)


def test_softmax_cross_entropy_against_pytorch() -> None:
    torch = torch_or_skip()
    z = torch.tensor(SOFTMAX_AT["z"], requires_grad=True, dtype=torch.float64)
    loss = torch.nn.functional.cross_entropy(z[None], torch.tensor([1]))
    loss.backward()
    doc = run("eval", *softmax_args())
    close(doc["value"], loss.item())
    close(doc["gradient"]["z"]["value"], z.grad.numpy())


# ---------------------------------------------------------------- a 2-layer network

NETWORK = "h = tanh(W1 @ x + b1)\no = W2 @ h + b2\nL = sum((o - y)^2)"
NETWORK_AT = {"W1": RNG.normal(size=(4, 3)), "b1": RNG.normal(size=4),
              "W2": RNG.normal(size=(2, 4)), "b2": RNG.normal(size=2),
              "x": RNG.normal(size=3), "y": RNG.normal(size=2)}


def network_args(command: str) -> list[str]:
    return [command, NETWORK, *(a for n, v in NETWORK_AT.items() for a in arg(n, v))]


def network_loss(W1: Any, b1: Any, W2: Any, b2: Any, x: Any, y: Any) -> Any:
    h = anp.tanh(anp.dot(W1, x) + b1)
    return anp.sum((anp.dot(W2, h) + b2 - y) ** 2)


def test_two_layer_network_as_three_named_steps_against_autograd() -> None:
    doc = run(*network_args("eval"))
    names = [n["name"] for n in doc["nodes"]]
    assert {"h", "o", "L"} <= set(names)
    shapes = {n["name"]: n["shape"] for n in doc["nodes"]}
    assert shapes["h"] == [4] and shapes["o"] == [2] and shapes["L"] == []
    close(doc["value"], network_loss(*NETWORK_AT.values()))
    for k, name in enumerate(NETWORK_AT):
        close(doc["gradient"][name]["value"], autograd.grad(network_loss, k)(*NETWORK_AT.values()))
    assert doc["check"]["passed"]


def test_two_layer_network_explain_keeps_the_step_names() -> None:
    doc = run(*network_args("explain"))
    assert [s["name"] for s in doc["forward"] if s["name"] in ("h", "o", "L")] == ["h", "o", "L"]
    upstream = {b["node"]: b["upstream"] for b in doc["backward"] if b["kind"] == "node"}
    # ∂L/∂h and ∂L/∂o from autograd, through the named steps
    W1, b1, W2, b2, x, y = NETWORK_AT.values()
    h = np.tanh(W1 @ x + b1)
    close(upstream["o"]["value"], autograd.grad(lambda o: anp.sum((o - y) ** 2))(W2 @ h + b2))
    close(upstream["h"]["value"],
          autograd.grad(lambda hh: anp.sum((anp.dot(W2, hh) + b2 - y) ** 2))(h))
    close(doc["gradient"]["W1"]["value"], autograd.grad(network_loss, 0)(*NETWORK_AT.values()))


def test_two_layer_network_against_pytorch() -> None:
    torch = torch_or_skip()
    t = {n: torch.tensor(v, dtype=torch.float64, requires_grad=True)
         for n, v in NETWORK_AT.items()}
    h = torch.tanh(t["W1"] @ t["x"] + t["b1"])
    loss = ((t["W2"] @ h + t["b2"] - t["y"]) ** 2).sum()
    loss.backward()
    doc = run(*network_args("eval"))
    for name in ("W1", "b1", "W2", "b2"):
        close(doc["gradient"][name]["value"], t[name].grad.numpy())


# ---------------------------------------------------------------- the README's pasted output

def readme_examples() -> list[tuple[str, str]]:
    """(command, pasted output) of each whole example in the README's array views section."""
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("### `explain` and `graph` on arrays")[1].split("\n## ")[0]
    out = []
    for block in section.split("```\n")[1::2]:
        lines = block.rstrip("\n").split("\n")
        if not lines[0].startswith("$ gradcli") or "..." in block or "|" in lines[0]:
            continue
        command = lines[0]
        k = 1
        while command.endswith("\\"):
            command = command[:-1] + lines[k].strip()
            k += 1
        out.append((command[2:], "\n".join(lines[k:]) + "\n"))
    return out


def test_the_readme_shows_real_output() -> None:
    import shlex

    examples = readme_examples()
    assert len(examples) == 3  # explain, graph, logistic regression
    for command, pasted in examples:
        argv = shlex.split(command)
        done = subprocess.run([GRADCLI, *argv[1:]], capture_output=True, text=True, timeout=120,
                              env={"PATH": "/usr/bin:/bin", "COLUMNS": "100"},
                              cwd=Path(__file__).parent.parent)
        assert done.returncode == 0, done.stderr
        assert [line.rstrip() for line in done.stdout.splitlines()] == \
            [line.rstrip() for line in pasted.splitlines()], command
