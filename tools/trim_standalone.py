"""Trim Lark's standalone parser for start-up; `make grammar` pipes it through here.

Reads the output of `python -m lark.tools.standalone` on stdin and writes the
module gradcli/_lalr_standalone.py is made of, carrying the grammar it was built
from (gradcli/parser.py falls back to lark when the grammar has changed since).
Run from the checkout's root: it reads grammar/expr.lark.
"""

from __future__ import annotations

import hashlib
import sys

GRAMMAR = "grammar/expr.lark"

# Lark's debug logger, silenced without importing logging (5 ms of start-up)
QUIET = ("class _Quiet:\n"
         "    def __getattr__(self, name): return self\n"
         "    def __call__(self, *args, **kwargs): return self\n"
         "logging = _Quiet()\n")


def trim(source: str, grammar: str) -> str:
    """The standalone module, trimmed, with the grammar text and its SHA-256 appended."""
    # pickle only serves Lark's cache files, which the tables inlined here make moot
    s = source.replace("import pickle, zlib, base64\n", "")
    if "import logging\n" not in s:
        raise SystemExit("trim_standalone: Lark's output has no 'import logging' line to quiet")
    s = s.replace("import logging\n", QUIET, 1)
    # annotations stay text: building ~80 typing generics at import costs ~1 ms
    s = "from __future__ import annotations\n" + s
    s += f"GRAMMAR = {grammar!r}\n"
    s += f"GRAMMAR_SHA256 = {hashlib.sha256(grammar.encode()).hexdigest()!r}\n"
    return s


def main() -> None:
    with open(GRAMMAR, encoding="utf-8") as f:
        grammar = f.read()
    sys.stdout.write(trim(sys.stdin.read(), grammar))


if __name__ == "__main__":
    main()
