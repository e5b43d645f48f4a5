"""Shared test helpers: run the CLI in-process and capture stdout, stderr, exit status;
compare an output with its reviewed copy in tests/golden/."""

from __future__ import annotations

import io
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pytest

from gradcli.cli import run

GOLDEN = Path(__file__).parent / "golden"


@dataclass
class Result:
    code: int
    out: str
    err: str


class Gradcli(Protocol):
    """The `gradcli` fixture's type: gradcli("eval", "x*y", "--x", "2", stdin="...")."""

    def __call__(self, *argv: str, stdin: str | bytes = b"") -> Result: ...


class Golden(Protocol):
    """The `golden` fixture's type: golden("eval_xyz", text)."""

    def __call__(self, name: str, text: str) -> None: ...


@pytest.fixture
def gradcli(monkeypatch: pytest.MonkeyPatch) -> Gradcli:
    """Call as gradcli("eval", "x*y", "--x", "2", stdin="...") -> Result."""

    def call(*argv: str, stdin: str | bytes = b"") -> Result:
        data = stdin.encode() if isinstance(stdin, str) else stdin
        fake_in = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")
        out, err = io.StringIO(), io.StringIO()
        monkeypatch.setattr(sys, "stdin", fake_in)
        monkeypatch.setattr(sys, "stdout", out)
        monkeypatch.setattr(sys, "stderr", err)
        code = run(list(argv))
        return Result(code, out.getvalue(), err.getvalue())

    return call


@pytest.fixture
def golden() -> Golden:
    """golden(name, text): text must equal tests/golden/NAME.txt, the reviewed copy.

    GRADCLI_REGEN=1 writes the file instead (then review the diff and commit it);
    a missing file fails rather than being written, so no golden passes unseen.
    """

    def check(name: str, text: str) -> None:
        path = GOLDEN / f"{name}.txt"
        if os.environ.get("GRADCLI_REGEN") == "1":
            path.write_text(text, encoding="utf-8")
        assert path.exists(), f"no {path}: run with GRADCLI_REGEN=1, review it, commit it"
        assert text == path.read_text(encoding="utf-8"), \
            f"{name} changed; review, then regenerate (GRADCLI_REGEN=1)"

    return check
