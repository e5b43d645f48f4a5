"""How to write what was refused: the nearest spelling of a character or a function.

Both grammars' error messages end with one of these hints, so that a refusal is
never only "unexpected character": it says what gradcli reads instead.
"""

from __future__ import annotations

import difflib
import unicodedata

from gradcli.ops import FUNCTIONS

# characters that look like one gradcli reads (pasted from PDFs, word processors, phones)
_LOOKALIKE = {
    "-": "\u2010\u2011\u2012\u2013\u2014\u2015\ufe63\uff0d\u2796",  # hyphens, dashes, minus
    "*": "\u2217\u2219\u2022\u00d7\u2715\u2716\u2a2f\u22c6\u2062",  # asterisks, dots, ×
    "/": "\u2215\u29f8\u2044",
    "+": "\u2795\uff0b",
    "^": "\u02c6\u2038",
    "(": "\uff08\u207d\u208d",
    ")": "\uff09\u207e\u208e",
    ",": "\uff0c\u201a",
    ".": "\uff0e\u2024",
}
_READS = {c: ascii_ for ascii_, chars in _LOOKALIKE.items() for c in chars}

_SAY = {
    "|": "write abs(x) for |x|",
    "!": "factorial is not supported",
    "[": "use round brackets ( )", "]": "use round brackets ( )",
    "{": "use round brackets ( ); braces are read only in LaTeX (with a backslash)",
    "}": "use round brackets ( ); braces are read only in LaTeX (with a backslash)",
    "'": "a prime (f') is not read: give f itself to gradcli diff",
    "\u2032": "a prime (f′) is not read: give f itself to gradcli diff",
    "\u2033": "a prime (f″) is not read: gradcli diff gives first derivatives",
    '"': "the shell's quotes are enough: gradcli eval \"x^2\" --x 3",
    "\u201c": "the shell's quotes are enough: gradcli eval \"x^2\" --x 3",
    "\u201d": "the shell's quotes are enough: gradcli eval \"x^2\" --x 3",
    ".": "a decimal point belongs inside a number (2.5, .5, one per number); between "
         "a name and a number write * (x*.2)",
    "%": "write /100 for a percentage (there is no modulo)",
    "@": "@ is the matrix product of arrays, taken by gradcli eval and gradcli jacobian",
    "&": "write * for a product",
    "\\": "LaTeX needs a backslash command gradcli knows: \\frac{a}{b}, \\sqrt{x}, \\sin x",
    "\u221e": "infinity is not a number: evaluate at a large value instead",
    "\u2211": "write sum(x) for the sum of an array's elements, or write the terms out",
    "\u220f": "products of a sequence are not supported: write the factors out",
    "\u222b": "integrals are not supported",
    "\u2202": "write the function itself and use gradcli diff or check --wrt",
    "\u2207": "write the function itself; gradcli eval prints its gradient",
}
for _c in "<>=\u2264\u2265\u2260\u2248\u2261":
    _SAY[_c] = "comparisons are not supported; '=' only names a step (a = x^2) or a " \
               "header (f(x) = x^2)"


def char_hint(ch: str) -> str:
    """What to write instead of the character `ch`, naming it when it is not ASCII."""
    if ch in _SAY:
        return _SAY[ch]
    name = unicodedata.name(ch, "") if ch else ""
    what = f"{ch!r} is {name}" if name and not ch.isascii() else f"{ch!r}"
    if ch in _READS:
        return f"{what}: write {_READS[ch]}"
    plain = unicodedata.normalize("NFKC", ch)
    if plain != ch and plain.isascii() and plain.strip():
        if "SUPERSCRIPT" in name:  # x² pasted into LaTeX
            return f"{what}: write ^{{{plain}}}"
        if "SUBSCRIPT" in name:
            return f"{what}: write _{{{plain}}}"
        return f"{what}: write {plain}"
    if not ch:
        return ""
    return f"{what}, which gradcli does not read: numbers, names, + - * / ^ ( ) and functions"


def closest_functions(name: str) -> str:
    """The known functions nearest to an unknown `name` (not the whole list)."""
    known = sorted(n for n in FUNCTIONS if n.isalpha())
    close = difflib.get_close_matches(name.lower(), known, n=3, cutoff=0.5)
    if close:
        return "closest known function" + ("s: " if len(close) > 1 else ": ") + ", ".join(close)
    return f"none of the known functions is close to {name} (the README lists them)"
