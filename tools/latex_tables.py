"""LaTeX input's parse tables; `make grammar` pipes Lark's standalone output through here.

Keeps only the tables (DATA, MEMO) of `python -m lark.tools.standalone` run on
grammar/latex.lark, with the grammar text they came from: gradcli/texinput.py runs
them on gradcli/_lalr_standalone.py's copy of Lark's runtime, so reading LaTeX
imports no lark (and falls back to lark when the grammar has changed since).
Run from the checkout's root: it reads grammar/latex.lark.
"""

from __future__ import annotations

import hashlib
import sys

GRAMMAR = "grammar/latex.lark"


def tables(source: str, grammar: str) -> str:
    """DATA and MEMO from the standalone module, then the grammar and its SHA-256."""
    start, end = source.find("\nDATA = ("), source.find("\nShift = 0")
    if start < 0 or end < 0:
        raise SystemExit("latex_tables: no DATA/MEMO tables in Lark's standalone output")
    return (source[start + 1: end] + f"\nGRAMMAR = {grammar!r}\n"
            f"GRAMMAR_SHA256 = {hashlib.sha256(grammar.encode()).hexdigest()!r}\n")


def main() -> None:
    with open(GRAMMAR, encoding="utf-8") as f:
        grammar = f.read()
    sys.stdout.write(tables(sys.stdin.read(), grammar))


if __name__ == "__main__":
    main()
