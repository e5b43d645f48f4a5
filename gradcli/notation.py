"""How typed words and symbols are read: textbook products, log bases, superscripts, bars.

The grammar (grammar/expr.lark) gives the shape of an expression; this file decides
what a *word* means once the parser has it: `xy` is x times y, `sinx` is sin applied
to x, `log₂` is the logarithm to base 2, `ⁿ⁻¹` is the exponent n - 1.  Every decision
either has one reading or raises with the readings it could have had: never a guess.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from gradcli.errors import InputError
from gradcli.ops import CONSTANTS, FUNCTIONS

# Names of Greek letters: one variable each (`theta`, not t*h*e*t*a).
GREEK = frozenset(
    "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda "
    "mu nu xi omicron rho varrho sigma tau upsilon phi varphi chi psi omega "
    "Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega".split())

# Functions people type that gradcli does not have: a word containing one is refused
# rather than read as a product of letters (`coth` must not become cot(h)).
UNSUPPORTED = frozenset(
    "sech csch coth asinh acosh atanh arsinh arcosh artanh arcsinh arccosh arctanh "
    "arcsech arccsch arccoth cosec arccosec sgn floor ceil erf tg ctg arctg lg".split())

# Inverse functions whose name starts with `a`: `asinx` may be asin(x) or a*sin(x).
_A_PREFIXED = frozenset(n for n in FUNCTIONS if n.startswith("a") and n[1:] in FUNCTIONS)

# Longer words stay one name: no one types a product of 65 letters, and splitting
# costs time quadratic in the length.
MAX_WORD = 64

# The character the bar scan puts in place of a closing `|` (see mark_closing_bars).
BAR_CLOSE = "\ue000"

_SUPER = {"⁰": "0", "¹": "1", "²": "2", "³": "3", "⁴": "4", "⁵": "5", "⁶": "6", "⁷": "7",
          "⁸": "8", "⁹": "9", "⁺": "+", "⁻": "-", "⁽": "(", "⁾": ")",
          "ᵃ": "a", "ᵇ": "b", "ᶜ": "c", "ᵈ": "d", "ᵉ": "e", "ᶠ": "f", "ᵍ": "g", "ʰ": "h",
          "ⁱ": "i", "ʲ": "j", "ᵏ": "k", "ˡ": "l", "ᵐ": "m", "ⁿ": "n", "ᵒ": "o", "ᵖ": "p",
          "ʳ": "r", "ˢ": "s", "ᵗ": "t", "ᵘ": "u", "ᵛ": "v", "ʷ": "w", "ˣ": "x", "ʸ": "y",
          "ᶻ": "z", "ᵝ": "β", "ᵞ": "γ", "ᵟ": "δ", "ᶿ": "θ", "ᵠ": "φ", "ᵡ": "χ"}

VULGAR = {"½": (1, 2), "⅓": (1, 3), "⅔": (2, 3), "¼": (1, 4), "¾": (3, 4), "⅕": (1, 5),
          "⅖": (2, 5), "⅗": (3, 5), "⅘": (4, 5), "⅙": (1, 6), "⅚": (5, 6), "⅐": (1, 7),
          "⅛": (1, 8), "⅜": (3, 8), "⅝": (5, 8), "⅞": (7, 8), "⅑": (1, 9), "⅒": (1, 10)}

_SUBSCRIPT_DIGITS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")


class AmbiguousError(InputError):
    """Text with two common readings: refused, both offered in the hint."""


class Piece:
    """One part of a word: its text, where it starts in the word, and what it is."""

    # a plain class: a dataclass costs half a millisecond of start-up to define
    __slots__ = ("text", "offset", "kind")

    def __init__(self, text: str, offset: int, kind: str) -> None:
        self.text = text
        self.offset = offset
        self.kind = kind  # "function", "constant", "name" (a variable or step), "number"


def word_pieces(word: str, known: Collection[str]) -> list[Piece] | None:
    """`xy` -> x, y; `sinx` -> sin, x; `2x`-free words only.  None: the word is one name.

    An all-letter word that is not itself a function, constant, Greek letter or
    known name splits into the fewest pieces drawn from those and single letters.
    Two splits with as few pieces are both common readings, so the word is refused.
    """
    if not 2 <= len(word) <= MAX_WORD or not word.isalpha() or word in known or word in GREEK:
        return None
    vocab = set(FUNCTIONS) | set(CONSTANTS) | GREEK | UNSUPPORTED
    vocab |= {k for k in known if k.isalpha()}
    longest = max(len(v) for v in vocab)
    n = len(word)
    # best[i]: the fewest-piece splits of word[:i] (at most two kept, to show both)
    cost: list[int] = [0] + [n + 1] * n
    splits: list[list[list[str]]] = [[] for _ in range(n + 1)]
    splits[0].append([])
    for end in range(1, n + 1):
        for start in range(max(0, end - longest), end):
            part = word[start:end]
            if end - start > 1 and part not in vocab:
                continue
            c = cost[start] + 1
            if c < cost[end]:
                cost[end] = c
                splits[end] = [s + [part] for s in splits[start]][:2]
            elif c == cost[end] and len(splits[end]) < 2:
                splits[end].extend(s + [part] for s in splits[start][: 2 - len(splits[end])])
    found = splits[n]
    if len(found) > 1:
        raise AmbiguousError(f"{word} can be read two ways",
                             hint=f"write {reading(found[0])} or {reading(found[1])}")
    parts = found[0]
    for p in parts:
        if p in UNSUPPORTED:
            from gradcli.spelling import closest_functions  # errors only: difflib

            raise InputError(f"unknown function {p}", hint=closest_functions(p))
        if p in _A_PREFIXED and len(parts) > 1:  # asinx: asin(x) or a*sin(x)?
            k = parts.index(p)
            alt = parts[:k] + ["a", p[1:]] + parts[k + 1:]
            raise AmbiguousError(f"{word} can be read two ways",
                                 hint=f"write {reading(parts)} or {reading(alt)}")
    pieces = []
    at = 0
    for p in parts:
        kind = ("function" if p in FUNCTIONS else "constant" if p in CONSTANTS else "name")
        pieces.append(Piece(p, at, kind))
        at += len(p)
    return pieces


# patterns as text: re compiles (and caches) them on first use, not at start-up
_FUNC_DIGITS = r"([a-z]+?)([0-9]+)([a-zA-Z]+)"


def function_then_number(word: str) -> list[Piece] | None:
    """`sin2x` -> sin, 2, x (sin(2x)); None when the word is no such thing."""
    m = re.fullmatch(_FUNC_DIGITS, word)
    if not m or m.group(1) not in FUNCTIONS:
        return None
    fn, digits, rest = m.groups()
    if fn + digits in FUNCTIONS or (fn == "log" and digits in ("2", "10")):
        raise AmbiguousError(f"{word} can be read two ways",
                             hint=f"write {fn}{digits}({rest}) or {fn}({digits}{rest})")
    return [Piece(fn, 0, "function"), Piece(digits, len(fn), "number"),
            Piece(rest, len(fn) + len(digits), "word")]


_LOG_BASE = r"log(?:_([0-9]+|[^\W\d_]+)|([₀-₉]+))"


def log_base(word: str) -> tuple[str, str] | None:
    """`log_2`, `log₂`, `log_b`, `log₂x` -> (base, rest of the word); else None."""
    if not word.startswith("log"):
        return None
    m = re.match(_LOG_BASE, word)
    if not m:
        return None
    if m.group(1) is not None:
        base = m.group(1)
        if not base.isdigit():  # log_b: the letters are the base (log_bx is ambiguous)
            return (base, "") if m.end() == len(word) else None
    else:
        base = m.group(2).translate(_SUBSCRIPT_DIGITS)
    return base, word[m.end():]


def superscript_terms(text: str) -> list[tuple[int, str, str]]:
    """`⁻²ˣ` -> [(-1, "2", "x")]; `ⁿ⁻¹` -> [(1, "", "n"), (-1, "1", "")].

    A superscript is a sum of terms, each a sign, a number and letters (a product).
    """
    plain = "".join(_SUPER.get(ch, "?") for ch in text)
    if plain.startswith("(") and plain.endswith(")"):
        plain = plain[1:-1]
    terms: list[tuple[int, str, str]] = []
    at = 0
    while at < len(plain):
        m = re.compile(_TERM).match(plain, at)
        assert m is not None  # every part of the pattern is optional
        sign, digits, letters = m.groups()
        if not (digits or letters) or (terms and not sign):
            terms = []
            break
        terms.append((-1 if sign == "-" else 1, digits, letters))
        at = m.end()
    if not terms:
        raise InputError(f"cannot read the superscript {text}",
                         hint="write the exponent with ^ and brackets: x^(n-1)")
    return terms


_TERM = r"([+-]?)([0-9]*)([^\W\d_]*)"


def reading(parts: list[str]) -> str:
    """Pieces of a word as explicit text: [a, sin, x] -> a*sin(x)."""
    out = ""
    close = 0
    for p in parts:
        if out and not out.endswith("("):
            out += "*"
        if p in FUNCTIONS:
            out += p + "("
            close += 1
        else:
            out += p
    return out + ")" * close


def _ends_with_function(word: str) -> bool:
    return any(word.endswith(f) for f in FUNCTIONS if len(f) > 1)


def mark_closing_bars(text: str) -> str:
    """Absolute-value bars: which `|` close, as BAR_CLOSE (same length, same positions).

    One character both opens and closes, which no LALR grammar can sort out in
    `|x|y|`.  Read left to right: a `|` after an operand closes the innermost open
    bar; anywhere else (the start, after an operator, a bracket, another opening
    bar or a function name: `ln|x|`) it opens one.  So `|x - |y||` nests and
    `|x||y|` is a product; `|x |y||` is not readable this way, and says so.
    """
    out = list(text)
    depth = 0
    prev = ""  # the last character that is not a space
    word = ""  # the word (letters, digits, _) that ends at prev, if any
    for i, ch in enumerate(text):
        if ch == "|":
            operand = bool(prev) and (prev.isalnum() or prev in ")_" or prev == BAR_CLOSE
                                      or prev in _SUPER)
            if depth > 0 and operand and not (word and _ends_with_function(word)):
                out[i] = BAR_CLOSE
                depth -= 1
                prev = BAR_CLOSE
            else:
                depth += 1
                prev = "|"
            word = ""
        elif ch.isalnum() or ch == "_":
            word = word + ch if prev and (prev.isalnum() or prev == "_") and word else ch
            prev = ch
        elif not ch.isspace():
            prev = ch
            word = ""
    return "".join(out)
