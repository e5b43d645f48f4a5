"""Shared test helpers: run the CLI in-process and capture stdout, stderr, exit status."""

from __future__ import annotations

import io
import sys
from dataclasses import dataclass

import pytest

from gradcli.cli import run


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def gradcli(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
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
