"""Every refusal says how to write it: characters and unknown functions (gradcli/spelling.py)."""

from __future__ import annotations

import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from gradcli.errors import GradcliError
from gradcli.ops import FUNCTIONS
from gradcli.parser import parse
from gradcli.spelling import char_hint, closest_functions

GRADCLI = str(Path(sys.executable).with_name("gradcli"))


@pytest.mark.parametrize("text,words", [
    ("|x|y|", "write abs(x) for |x|"),  # |x| reads; bars that do not pair up say how
    ("x \u2013 2", "EN DASH: write -"),
    ("x \u2014 2", "EM DASH: write -"),
    ("x \u2217 y", "ASTERISK OPERATOR: write *"),
    ("2x\u2219y", "BULLET OPERATOR: write *"),
    ("x \u2215 y", "write /"),
    ("x\uff081\uff09", "FULLWIDTH LEFT PARENTHESIS: write ("),
    ("x \u2264 2", "comparisons are not supported"),
    ("x\u2032", "a prime"),
    ("\u2211x", "sum(x)"),
    ("x + \u221e", "infinity is not a number"),
    ("5!", "factorial is not supported"),
    ("[x]", "use round brackets"),
    ('"x"', "the shell's quotes are enough"),
    (r"\,x \u2013 2".replace(r"\u2013", "\u2013"), "EN DASH: write -"),  # LaTeX too
])
def test_character_refusals_say_what_to_write(text: str, words: str) -> None:
    with pytest.raises(GradcliError) as e:
        parse(text)
    assert words in e.value.hint, e.value.hint


def test_every_refused_character_gets_a_hint() -> None:
    """Any character the grammar cannot read (symbols, punctuation, dashes) is named."""
    refused = 0
    for code in [*range(0x21, 0x7f), *range(0x2010, 0x2060), *range(0x2190, 0x2300),
                 *range(0xff01, 0xff5f)]:
        ch = chr(code)
        if unicodedata.category(ch)[0] not in "PS":
            continue
        try:
            parse(f"x {ch} 2")
        except GradcliError as e:
            if e.message.startswith("unexpected character"):
                refused += 1
                assert e.hint, ch
                assert ch in e.message
    assert refused > 200


@pytest.mark.parametrize("name,nearest", [
    ("sinn", "sin"), ("sqr", "sqrt"), ("expp", "exp"), ("arctann", "arctan"), ("cosine", "cos"),
    ("tanh2", "tanh"),
])
def test_unknown_function_names_the_closest(name: str, nearest: str) -> None:
    hint = closest_functions(name)
    assert nearest in hint.split(": ")[1].split(", ")
    assert len(hint.split(", ")) <= 3  # the nearest few, never the whole table
    assert len(FUNCTIONS) > 10


def test_unknown_function_through_the_command_line() -> None:
    res = subprocess.run([GRADCLI, "diff", "sinn(x)"], capture_output=True, text=True,
                         timeout=60)
    assert res.returncode == 2 and res.stdout == ""
    first = res.stderr.splitlines()[0]
    assert "unknown function sinn" in first and "sin, sinh" in first
    assert "relu" not in first  # not the whole list
    res = subprocess.run([GRADCLI, "eval", "x \u2013 1", "--x", "2"], capture_output=True,
                         text=True, timeout=60)
    assert res.returncode == 2 and "EN DASH: write -" in res.stderr


def test_char_hint_is_never_empty_for_a_character() -> None:
    for ch in "#$;?`~\u00a7\u00b6\u2020\u2190\u2605":
        assert char_hint(ch)
