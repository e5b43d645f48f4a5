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
START = ("start", "equation")  # as `make grammar` asks Lark's generator for

# Lark's lexer asks, as it builds each scanner, whether a string terminal is also
# matched whole by a regex terminal of the same priority (`_get_match`), which
# compiles every regex terminal: ~1.5 ms of every start-up for answers that depend
# only on the grammar.  They are worked out here, once, and the module looks them up
# first; a pair not in the table (the LaTeX grammar's) is still worked out by Lark.
GET_MATCH = ("def _get_match(re_, regexp, s, flags):\n"
             "    m = re_.match(regexp, s, flags)\n")
KNOWN_FIRST = ("def _get_match(re_, regexp, s, flags):\n"
               "    known = KNOWN_MATCHES.get((regexp, s, flags))  # tools/trim_standalone.py\n"
               "    if known is not None:\n"
               "        return s if known else None\n"
               "    m = re_.match(regexp, s, flags)\n")

# Lark's contextual lexer makes a lexer for each of the parser's states (~100, 37
# distinct) when the parser is built; a parse meets a few of them.  Made when the
# parse first reaches a state instead (~0.6 ms of start-up), each as Lark makes it.
EAGER_LEXERS = (
    "        lexer_by_tokens: Dict[FrozenSet[str], AbstractBasicLexer] = {}\n"
    "        self.lexers = {}\n"
    "        for state, accepts in states.items():\n"
    "            key = frozenset(accepts)\n"
    "            try:\n"
    "                lexer = lexer_by_tokens[key]\n"
    "            except KeyError:\n"
    "                accepts = set(accepts) | set(conf.ignore) | set(always_accept)\n"
    "                lexer_conf = copy(trad_conf)\n"
    "                lexer_conf.terminals = [terminals_by_name[n] for n in accepts "
    "if n in terminals_by_name]\n"
    "                lexer = self.BasicLexer(lexer_conf, comparator)\n"
    "                lexer_by_tokens[key] = lexer\n"
    "\n"
    "            self.lexers[state] = lexer\n")
LAZY_LEXERS = ("        self.lexers = StateLexers(self.BasicLexer, copy(trad_conf), states, "
               "always_accept, comparator)  # tools/trim_standalone.py\n")
STATE_LEXERS = '''class StateLexers(dict):
    """ContextualLexer's lexer for each parser state, made when a parse first reaches
    the state (tools/trim_standalone.py), as Lark's ContextualLexer makes it."""

    def __init__(self, make, conf, states, always_accept, comparator):
        super().__init__()
        self.make, self.conf, self.states, self.comparator = make, conf, states, comparator
        self.extra = set(conf.ignore) | set(always_accept)
        self.by_tokens = {}

    def __missing__(self, state):
        accepts = self.states[state]
        key = frozenset(accepts)
        lexer = self.by_tokens.get(key)
        if lexer is None:
            by_name = self.conf.terminals_by_name
            lexer_conf = copy(self.conf)
            lexer_conf.terminals = [by_name[n] for n in set(accepts) | self.extra if n in by_name]
            lexer = self.by_tokens[key] = self.make(lexer_conf, self.comparator)
        self[state] = lexer
        return lexer


'''
CONTEXTUAL = "class ContextualLexer(Lexer):\n"

# Lark's debug logger, silenced without importing logging (5 ms of start-up)
QUIET = ("class _Quiet:\n"
         "    def __getattr__(self, name): return self\n"
         "    def __call__(self, *args, **kwargs): return self\n"
         "logging = _Quiet()\n")


def trim(source: str, grammar: str,
         matches: dict[tuple[str, str, int], bool] | None = None) -> str:
    """The standalone module, trimmed, with the grammar text and its SHA-256 appended
    (and `matches`, the lexer's answers worked out ahead: see `known_matches`)."""
    # pickle only serves Lark's cache files, which the tables inlined here make moot
    s = source.replace("import pickle, zlib, base64\n", "")
    if "import logging\n" not in s:
        raise SystemExit("trim_standalone: Lark's output has no 'import logging' line to quiet")
    s = s.replace("import logging\n", QUIET, 1)
    if GET_MATCH not in s:
        raise SystemExit("trim_standalone: Lark's output has no _get_match to answer ahead")
    s = s.replace(GET_MATCH, KNOWN_FIRST, 1)
    if EAGER_LEXERS not in s or CONTEXTUAL not in s:
        raise SystemExit("trim_standalone: Lark's output has no ContextualLexer loop to defer")
    s = s.replace(EAGER_LEXERS, LAZY_LEXERS, 1).replace(CONTEXTUAL, STATE_LEXERS + CONTEXTUAL, 1)
    # annotations stay text: building ~80 typing generics at import costs ~1 ms
    s = "from __future__ import annotations\n" + s
    s += f"KNOWN_MATCHES = {dict(sorted((matches or {}).items()))!r}\n"
    s += f"GRAMMAR = {grammar!r}\n"
    s += f"GRAMMAR_SHA256 = {hashlib.sha256(grammar.encode()).hexdigest()!r}\n"
    return s


def known_matches(grammar: str, start: tuple[str, ...] = START) -> dict[tuple[str, str, int], bool]:
    """(regex, string, flags) -> whether the regex terminal matches the string terminal
    whole, for every pair of the grammar's terminals Lark's lexer compares."""
    import re

    from lark import Lark
    from lark.lexer import PatternRE, PatternStr

    lk = Lark(grammar, parser="lalr", lexer="contextual", maybe_placeholders=True,
              start=list(start))
    flags = lk.options.g_regex_flags
    out = {}
    for r in lk.terminals:
        for t in lk.terminals:
            if isinstance(r.pattern, PatternRE) and isinstance(t.pattern, PatternStr) and \
                    r.priority == t.priority:
                regexp, s = r.pattern.to_regexp(), t.pattern.value
                m = re.match(regexp, s, flags)
                out[(regexp, s, flags)] = m is not None and m.group(0) == s
    return out


def main() -> None:
    with open(GRAMMAR, encoding="utf-8") as f:
        grammar = f.read()
    sys.stdout.write(trim(sys.stdin.read(), grammar, known_matches(grammar)))


if __name__ == "__main__":
    main()
