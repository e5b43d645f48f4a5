"""Text → tape: the parse, and the tape's outputs from the program's statements.

The grammar is grammar/expr.lark (LaTeX input: gradcli/texinput.py); its rules' meaning
is gradcli/builder.py's.  The builder runs inside Lark's LALR parse (`transformer=`),
appending nodes to the tape as rules are reduced, so there is no parse tree and no
recursion: a 100,000-deep nesting is just a deep parser stack.
"""

from __future__ import annotations

from collections.abc import Collection
from functools import lru_cache
from typing import Any

from gradcli.builder import Builder, known_functions
from gradcli.errors import InputError, ParseError
from gradcli.lalr import Dispatch, grammar_path
from gradcli.limits import MAX_TEXT  # past this many characters we refuse, not exhaust memory
from gradcli.notation import BAR_CLOSE, mark_closing_bars
from gradcli.ops import OPS
from gradcli.tape import CONST, VAR, Tape, expressions, prune


@lru_cache(maxsize=1)
def _lark() -> Any:
    """The LALR parser: the generated standalone one while it matches the grammar.

    gradcli/_lalr_standalone.py is `make grammar`'s output (Lark's standalone
    generator): loading its tables takes milliseconds where importing lark and
    building them from the grammar takes ~100 ms.  It carries the grammar text
    it was built from; an edited grammar without a regenerated module falls
    back to building the parser with lark, so grammar/expr.lark stays the
    single source.
    """
    from gradcli import _lalr_standalone as standalone

    with open(grammar_path(), encoding="utf-8") as f:
        text = f.read()
    if text == standalone.GRAMMAR:
        return standalone.Lark_StandAlone(transformer=_dispatch())
    from lark import Lark

    # The grammar resolves NAME "(" as a call (shift) rather than NAME then a
    # bracketed factor; `call` turns `x(x+1)` back into a product when x is no function.
    return Lark(text, parser="lalr", lexer="contextual", maybe_placeholders=True,
                start=["start", "equation"], transformer=_dispatch())


def refuse_unknown_calls(tape: Tape) -> None:
    """For formulas (diff, check): `cbrt(x)` must not pass as the product cbrt*x.

    eval notices by itself (cbrt has no value); a formula has no values, so a
    word of two or more letters before brackets is taken for an unknown function.
    A one-letter name (x(x+1)) or one with digits (w1(x+1)) stays a product.
    """
    for name in tape.hints:
        if len(name) > 1 and name.isalpha():
            raise InputError(f"unknown function {name}", text=tape.text,
                             pos=tape.pos[tape.variables[name]] if name in tape.variables
                             else None,
                             hint=f"{known_functions(name)}; for a product write {name}*(...)")


def has_array_ops(tape: Tape) -> bool:
    """Whether the tape holds an op the scalar table does not know: an array op, for
    which eval and jacobian take the array path (gradcli/arrays/)."""
    return any(op not in OPS for op in set(tape.ops) - {VAR, CONST})


def _dispatch() -> Dispatch:
    d = Dispatch()
    d.builder = Builder
    return d


def parse(text: str, derivative: bool = False, known: Collection[str] = (),
          arrays: bool = False) -> Tape:
    """Parse an expression or program into a tape with its outputs set.

    `derivative`: a leading d/dx may ask for the variable (diff and check); the
    tape's `derivative` says which.  Elsewhere a d/dx is refused.
    `known`: names the caller gives values to or differentiates by (--yhat 2,
    --wrt yhat): each stays one name, where an unknown all-letter word such as
    `xy` is read as the product of its letters.
    `arrays`: array syntax ([1, 2], x[0], A @ B, sum(x)) is read (gradcli/arrays/);
    without it, it is refused with the reason.
    """
    if len(text) > MAX_TEXT:
        raise InputError(f"the input is {len(text):,} characters; the limit is {MAX_TEXT:,}")
    bad = next((i for i, ch in enumerate(text) if "\udc80" <= ch <= "\udcff"), None)
    if bad is not None:  # bytes that were not UTF-8, smuggled in by surrogateescape
        raise InputError(f"the input is not valid UTF-8 (byte 0x{ord(text[bad]) - 0xDC00:02x})",
                         text=text, pos=bad)
    if "\x00" in text:
        raise InputError("the input contains a NUL character", text=text, pos=text.index("\x00"))
    if "\\" in text or "^{" in text:  # LaTeX: grammar/latex.lark, the same builder
        # (gradcli/texinput.py); only then is lark imported
        from gradcli.texinput import read_latex

        builder = read_latex(text, known)
    else:
        if BAR_CLOSE in text:
            raise ParseError(f"unexpected character {BAR_CLOSE!r}", text=text,
                             pos=text.index(BAR_CLOSE))
        builder = Builder(text, known, arrays)
        _run(builder, text)
    tape = builder.tape
    body = builder.statements
    if not body:
        raise InputError("the expression is empty", hint='try: gradcli eval "x^2" --x 3')
    for name, value in body[:-1]:
        if not name:
            raise InputError("only the last statement may be a bare expression; "
                             "give the others a name (a = ...)", text=text,
                             pos=tape.pos[value if isinstance(value, int) else value[0]])
    name, last = body[-1]
    if isinstance(last, tuple):
        tape.outputs = list(last)
    else:
        tape.outputs = [last]
    if name:
        tape.output_names = [name]
    else:
        texts = expressions(tape, limit=40)
        tape.output_names = [tape.labels[o] or texts[o] for o in tape.outputs]
    # every named step is kept (evaluated, shown, and marked if it reaches no output);
    # a function's body is a template, not a step
    program = builder.program  # None: no header, definition or d/dx
    functions = program.functions if program is not None else {}
    steps = [node for name, node in body[:-1]
             if name and isinstance(node, int) and name not in functions]
    tape = prune(tape, keep=steps)
    tape.hints = builder.implicit
    if program is None:
        return tape
    from gradcli.definitions import name_output

    name_output(tape, program)  # not `f` when the program defines a function f
    asked = program.derivative
    if asked is not None:
        if not derivative:
            raise InputError("d/d" + asked.variable + " asks for a derivative", text=text,
                             pos=asked.pos, hint="use gradcli diff or gradcli check, or give "
                                                 "the expression without it (for d divided "
                                                 f"by d{asked.variable} write "
                                                 f"d/(d{asked.variable}))")
        tape.derivative = (asked.variable, asked.order)
    return tape


def parse_equation(text: str) -> tuple[Tape, str]:
    """`lhs = rhs` as a tape whose output is lhs - rhs, and the equation as read back.

    An expression without `=` is read as `expression = 0` (and printed so).
    """
    try:
        builder = Builder(text)
        _run(builder, text, start="equation")
    except ParseError as e:
        try:
            tape = parse(text)
        except InputError:
            raise e from None
        if len(tape.outputs) != 1:
            raise e from None
        tape.output_names = ["F"]
        return tape, f"{expressions(tape, limit=200)[tape.outputs[0]]} = 0"
    tape = builder.tape
    left, right = builder.sides
    shown = expressions(tape, limit=200)
    equation = f"{shown[left]} = {shown[right]}"
    tape.outputs = [builder.statements[-1][1]]
    tape.output_names = ["F"]
    tape = prune(tape)
    tape.hints = builder.implicit
    return tape, equation


def _run(builder: Builder, text: str, start: str = "start") -> None:
    parser = _lark()
    # each parser raises its own module's exception classes
    errors: Any
    if type(parser).__module__.startswith("lark"):
        import lark.exceptions as errors
    else:
        from gradcli import _lalr_standalone as errors
    parser.options.transformer.target = builder
    try:
        parser.parse(mark_closing_bars(text) if "|" in text else text, start=start)
    except errors.UnexpectedCharacters as e:
        ch = text[e.pos_in_stream] if e.pos_in_stream < len(text) else ""
        raise ParseError(f"unexpected character {ch!r}", text=text, pos=e.pos_in_stream,
                         hint=_char_hint(ch)) from None
    except errors.UnexpectedToken as e:
        _unpaired_bars(text)
        raise _token_error(e, text) from None
    except errors.UnexpectedEOF:
        raise ParseError("the expression ends too early", text=text, pos=len(text)) from None
    except errors.UnexpectedInput as e:  # pragma: no cover - other lark errors
        raise ParseError(str(e).splitlines()[0], text=text) from None
    finally:
        parser.options.transformer.target = None


def _unpaired_bars(text: str) -> None:
    """A parse that failed with bars left open: say so, rather than what it expected."""
    if "|" not in text:
        return
    marked = mark_closing_bars(text)
    if marked.count("|") != marked.count(BAR_CLOSE):
        raise ParseError("the bars | do not pair up", text=text, pos=marked.rindex("|"),
                         hint=_BAR_HINT)


def _char_hint(ch: str) -> str:
    from gradcli.spelling import char_hint  # only for an error: difflib is not start-up's

    return char_hint(ch)  # what to write instead


_BAR_HINT = ("bars pair up from the left, and a bar after an operand closes one: write "
             "abs(x) for |x|, and abs(...) where bars nest")

_TOKEN_NAMES = {"RPAR": "')'", "LPAR": "'('", "COMMA": "','", "$END": "the end of the input",
                "_SEP": "a new line or ';'", "NAME": "a name", "NUMBER": "a number",
                "EQUAL": "'='"}


def _token_error(e: Any, text: str) -> ParseError:
    tok = e.token
    expected = set(e.expected or ())
    if tok.type == "$END":
        pos = len(text.rstrip())
        if "RPAR" in expected and not ({"NAME", "NUMBER"} & expected):
            return ParseError("a '(' is not closed", text=text, pos=pos,
                              hint="add the missing ')'")
        if "BAR_CLOSE" in expected and not ({"NAME", "NUMBER"} & expected):
            return ParseError("a '|' is not closed", text=text, pos=pos,
                              hint=_BAR_HINT)
        return ParseError("the expression ends too early", text=text, pos=pos,
                          hint="something is missing after the last operator")
    pos = tok.start_pos if tok.start_pos is not None else len(text)
    seen = text[pos:tok.end_pos] if tok.end_pos is not None else str(tok)  # not BAR_CLOSE
    shown = "a new line" if seen == "\n" else repr(seen)
    if tok.type == "RPAR":
        hint = "this ')' has no matching '('" if "RPAR" not in expected else \
            "something is missing before ')'"
    elif tok.type == "COMMA":
        hint = "a ',' separates function arguments or several outputs: x*y, x+y"
    elif tok.type in ("BAR", "BAR_CLOSE"):
        hint = _BAR_HINT
    elif {"NAME", "NUMBER"} & expected:
        hint = "an operand is missing here"
    else:
        hint = ""
    return ParseError(f"unexpected {shown}", text=text, pos=pos, hint=hint)
