"""Text → tape.  The grammar is grammar/expr.lark; this file gives its rules meaning.

The builder runs inside Lark's LALR parse (`transformer=`), appending nodes to
the tape as rules are reduced, so there is no parse tree and no recursion: a
100,000-deep nesting is just a deep parser stack.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from gradcli.definitions import ProgramRules, name_output
from gradcli.errors import InputError, ParseError
from gradcli.limits import MAX_TEXT  # past this many characters we refuse, not exhaust memory
from gradcli.ops import CONSTANTS, FUNCTIONS, arity_text
from gradcli.spelling import char_hint, closest_functions
from gradcli.tape import CONST, Tape, expressions, prune

_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")


def grammar_path() -> str:
    """The grammar file: inside the installed package, else the checkout's."""
    # os.path rather than pathlib: this runs on every start-up, and pathlib costs ms
    here = os.path.dirname(os.path.realpath(__file__))
    for candidate in (os.path.join(here, "grammar", "expr.lark"),
                      os.path.join(os.path.dirname(here), "grammar", "expr.lark")):
        if os.path.isfile(candidate):
            return candidate
    raise FileNotFoundError("grammar/expr.lark is missing from this installation")


class _Dispatch:
    """The transformer Lark holds; forwards each rule to the current parse's builder.

    Lark binds callbacks once when the parser is built, and building it is the
    slow part, so one parser serves every parse and only the target changes.
    """

    target: Any = None

    def __getattr__(self, rule: str) -> Any:
        # only rules: Lark also asks for terminal callbacks (NAME, ...), which we lack
        if rule.startswith("_") or rule.isupper() or not hasattr(_Builder, rule):
            raise AttributeError(rule)
        return lambda children: getattr(self.target, rule)(children)


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
        return standalone.Lark_StandAlone(transformer=_Dispatch())
    from lark import Lark

    # The grammar resolves NAME "(" as a call (shift) rather than NAME then a
    # bracketed factor; `call` turns `x(x+1)` back into a product when x is no function.
    return Lark(text, parser="lalr", lexer="contextual", maybe_placeholders=True,
                start=["start", "equation"], transformer=_Dispatch())


# ---------------------------------------------------------------- markers
# Values a rule can produce besides a node index, resolved by the rule that
# consumes them.


@dataclass(frozen=True)
class _Paren:
    node: int


@dataclass(frozen=True)
class _Product:  # `x(x+1)`: a name that is no function, then brackets: a product whose
    left: int    # right factor alone takes a following power, x(x+1)^2 = x*(x+1)^2,
    right: int   # and which an exponent does not swallow: x^x(1+ln x) = x^x*(1+ln x)
    pos: int


@dataclass(frozen=True)
class _FuncRef:  # a function name not followed by "(": `sin x`, or the base of sin^2(x)
    name: str
    pos: int
    power: int | None = None  # the n of sin^n(x)


class _Builder(ProgramRules):
    """Lark callbacks: each rule alias in the grammar is a method here."""

    def __init__(self, text: str) -> None:
        self.tape = Tape(text=text)
        self.text = text
        self.steps: dict[str, int] = {}  # names assigned so far in the program
        self.step_pos: dict[str, int] = {}
        self.const_uses: dict[str, int] = {}  # constant names read, for shadowing errors
        self.statements: list[tuple[str, Any]] = []
        self.implicit: dict[str, str] = {}  # var name -> how juxtaposition read it, for hints
        self.sides = (0, 0)  # an equation's lhs and rhs nodes

    # -------------------------------------------------- helpers
    def _fail(self, message: str, pos: int, hint: str = "") -> InputError:
        return InputError(message, hint=hint, text=self.text, pos=pos)

    def _node(self, v: Any) -> int:
        if type(v) is int:
            return v
        if isinstance(v, _Paren):
            return v.node
        if isinstance(v, _Product):
            return self._apply("mul", (v.left, v.right), v.pos)
        if isinstance(v, _FuncRef):
            raise self._fail(f"{v.name} is a function and needs brackets", v.pos,
                             hint=_how_to_call(v.name))
        raise AssertionError(f"unexpected parse value {v!r}")

    def _apply(self, op: str, args: tuple[int, ...], pos: int) -> int:
        return self.tape.apply(op, args, pos)

    def _pos(self, v: Any) -> int:
        if type(v) is int:
            return self.tape.pos[v]
        if isinstance(v, _Paren):
            return self.tape.pos[v.node]
        return int(v.pos)  # _Product, _FuncRef

    # -------------------------------------------------- atoms
    def number(self, c: list[Any]) -> int:
        tok = c[0]
        value = float(tok)
        if math.isinf(value):
            raise self._fail(f"the number {tok} is too large for a double", tok.start_pos,
                             hint="doubles reach about 1.8e308")
        if value == 0 and any(ch in "123456789" for ch in tok.split("e")[0].split("E")[0]):
            raise self._fail(f"the number {tok} is too small for a double (it would be 0)",
                             tok.start_pos, hint="doubles reach down to about 5e-324")
        return self.tape.const(value, str(tok), tok.start_pos)

    def name(self, c: list[Any]) -> Any:
        tok = c[0]
        name = str(tok)
        node = self.steps.get(name)
        if node is not None:
            return node
        if name in FUNCTIONS:
            return _FuncRef(name, tok.start_pos)
        if name in CONSTANTS:
            self.const_uses.setdefault(name, tok.start_pos)
            return self.tape.const(CONSTANTS[name], "pi" if name == "π" else name,
                                   tok.start_pos)
        return self.tape.var(name, tok.start_pos)

    def paren(self, c: list[Any]) -> _Paren:
        return _Paren(self._node(c[0]))

    def call(self, c: list[Any]) -> Any:
        tok = c[0]
        name = str(tok)
        raw = [a for a in c[1:] if a is not None]
        args = tuple(self._node(a) for a in raw)
        pos = tok.start_pos
        if self.is_defined_function(name):  # f(t) = …; f(x): gradcli/definitions.py
            return self.call_function(name, list(args), pos)
        op = FUNCTIONS.get(name)
        if op is None:
            if name in self.steps or name in CONSTANTS or len(args) == 1:
                # `x(x+1)`, `a(b)`: a name that is no function, then brackets, multiplies
                if len(args) != 1:
                    raise self._fail(f"{name}(...) has {len(args)} arguments but {name} "
                                     "is not a function", pos)
                left = self._node(self.name([tok]))
                if left in self.tape.variables.values():
                    self.implicit.setdefault(name, f"{name} is not a known function, so "
                                                   f"{name}(...) was read as {name}*(...)")
                return _Product(left, args[0], pos)
            raise self._fail(f"unknown function {name}", pos, hint=_known_functions(name))
        if name == "log" and len(args) == 2:  # log(x, b): logarithm to base b
            lx = self._apply("log", (args[0],), pos)
            lb = self._apply("log", (args[1],), self._pos(raw[1]))
            return self._apply("div", (lx, lb), pos)
        if (op.arity >= 0 and len(args) != op.arity) or (op.arity < 0 and len(args) < 2):
            raise self._fail(f"{name} takes {arity_text(op)}, got {len(args)}", pos,
                             hint=_how_to_call(name))
        return self._apply(op.name, args, pos)

    # -------------------------------------------------- operators
    def _binary(self, op: str, c: list[Any]) -> int:
        left, tok, right = c
        return self._apply(op, (self._node(left), self._node(right)), self._pos(left))

    def add(self, c: list[Any]) -> int:
        return self._binary("add", c)

    def sub(self, c: list[Any]) -> int:
        return self._binary("sub", c)

    def mul(self, c: list[Any]) -> int:
        return self._binary("mul", c)

    def div(self, c: list[Any]) -> int:
        return self._binary("div", c)

    def neg(self, c: list[Any]) -> int:
        tok, v = c
        node = self._node(v)
        if self.tape.ops[node] == CONST:  # -3 is the number -3, not neg(3)
            value = -self.tape.consts[node]
            label = self.tape.labels[node] or ""
            text = label[1:] if label.startswith("-") else "-" + label
            return self.tape.const(value, text, tok.start_pos)
        return self._apply("neg", (node,), tok.start_pos)

    def pos(self, c: list[Any]) -> Any:
        return c[1]

    def pow(self, c: list[Any]) -> Any:
        base, tok, exponent = c
        if isinstance(exponent, _Product):  # x^x(1 + ln x): the brackets multiply
            raised = self._node(self._power(base, exponent.left, tok.start_pos))
            return self._apply("mul", (raised, exponent.right), self._pos(base))
        return self._power(base, self._node(exponent), tok.start_pos)

    def _power(self, base: Any, exponent: int, pos: int) -> Any:
        if isinstance(base, _FuncRef):  # sin^2 waits for its argument: sin^2(x)
            if base.power is not None:
                raise self._fail(f"{base.name} is raised to a power twice", pos)
            return _FuncRef(base.name, base.pos, exponent)
        if isinstance(base, _Product):  # x(x+1)^2: only the bracket is squared
            raised = self._node(self._power(_Paren(base.right), exponent, pos))
            return self._apply("mul", (base.left, raised), base.pos)
        b = self._node(base)
        if self.tape.ops[b] == CONST and self.tape.labels[b] == "e" and "e" not in self.steps:
            return self._apply("exp", (exponent,), self._pos(base))  # e^x is exp(x)
        return self._apply("pow", (b, exponent), self._pos(base))

    def superscript(self, c: list[Any]) -> Any:
        base, tok = c
        digits = str(tok).translate(_SUPERSCRIPTS)
        value = float(digits)  # float() of text has no digit limit; int() has 4,300
        if math.isinf(value):
            raise self._fail(f"the exponent {tok} is too large for a double", tok.start_pos,
                             hint="doubles reach about 1.8e308")
        exponent = self.tape.const(value, str(int(digits)), tok.start_pos)
        return self._power(base, exponent, tok.start_pos)

    def root(self, c: list[Any]) -> int:
        tok, v = c
        return self._apply("sqrt", (self._node(v),), tok.start_pos)

    def juxt(self, c: list[Any]) -> int:
        left, right = c
        if isinstance(left, _FuncRef):
            if left.power is not None and isinstance(right, _Paren):
                fn = FUNCTIONS[left.name]
                if fn.arity != 1:
                    raise self._fail(f"{left.name}^n(...) needs a one-argument function",
                                     left.pos)
                n = left.power
                if self.tape.ops[n] != CONST or self.tape.consts[n] < 0:
                    # sin^-1 means asin to some readers and 1/sin to others: refuse to guess
                    raise self._fail(f"{left.name}^n(x) takes a constant n >= 0", left.pos,
                                     hint=_inverse_hint(fn.name))
                inner = self._apply(fn.name, (right.node,), left.pos)
                return self._apply("pow", (inner, left.power), left.pos)
            raise self._fail(f"{left.name} is a function and needs brackets", left.pos,
                             hint=_how_to_call(left.name))
        return self._apply("mul", (self._node(left), self._node(right)), self._pos(left))

    # -------------------------------------------------- statements
    def assign(self, c: list[Any]) -> None:
        tok, v = c
        name = str(tok)
        node = self._node(v)
        pos = tok.start_pos
        if name in self.steps:
            raise self._fail(f"{name} is assigned twice", pos,
                             hint=f"the first assignment is at "
                                  f"{_where(self.text, self.step_pos[name])}; "
                                  "use a new name for the second")
        if name in self.tape.variables:
            raise self._fail(f"{name} is used before it is assigned", pos,
                             hint=f"it is first used at "
                                  f"{_where(self.text, self.tape.pos[self.tape.variables[name]])}")
        if name in self.const_uses:
            raise self._fail(f"{name} is used (as the constant {name}) before it is assigned",
                             pos, hint="rename the step, or assign it before its first use")
        if name in FUNCTIONS:
            raise self._fail(f"{name} is a function and cannot be assigned", pos)
        self.steps[name] = node
        self.step_pos[name] = pos
        self.tape.name_step(node, name)
        self.statements.append((name, node))

    def output(self, c: list[Any]) -> None:
        v = c[0]
        self.statements.append(("", self._node(v)))

    def outputs(self, c: list[Any]) -> None:
        self.statements.append(("", tuple(self._node(v) for v in c)))

    def start(self, c: list[Any]) -> None:
        return None

    def equation(self, c: list[Any]) -> None:  # lhs = rhs: the curve lhs - rhs = 0
        left, right = (self._node(v) for v in c)
        self.sides = (left, right)
        self.statements.append(("", self._apply("sub", (left, right), self.tape.pos[left])))


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
                             hint=f"{_known_functions(name)}; for a product write {name}*(...)")


def _where(text: str, pos: int) -> str:
    e = InputError("", text=text, pos=pos)
    return e.location()


def _how_to_call(name: str) -> str:
    op = FUNCTIONS[name]
    if op.arity == 1:
        return f"write {name}(x); a power of it as {name}(x)^2 or {name}^2(x)"
    if op.arity == 2:
        return f"write {name}(a, b)"
    return f"write {name}(a, b, ...)"


def _inverse_hint(name: str) -> str:
    inverse = {"sin": "asin", "cos": "acos", "tan": "atan", "exp": "log", "log": "exp"}
    inv = f"{inverse[name]}(x) for the inverse function, " if name in inverse else ""
    return f"write {inv}{name}(x)^-1 for 1/{name}(x)"


def _known_functions(name: str = "") -> str:
    if name:  # the nearest few, not the whole table (gradcli/spelling.py)
        return closest_functions(name)
    return "known functions: " + ", ".join(sorted(FUNCTIONS))


# the builder's public name, for gradcli/texinput.py (LaTeX rules on top of these)
Builder = _Builder


def parse(text: str, derivative: bool = False) -> Tape:
    """Parse an expression or program into a tape with its outputs set.

    `derivative`: a leading d/dx may ask for the variable (diff and check); the
    tape's `derivative` says which.  Elsewhere a d/dx is refused.
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

        builder = read_latex(text)
    else:
        builder = _Builder(text)
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
    steps = [node for name, node in body[:-1]
             if name and isinstance(node, int) and name not in builder.program.functions]
    tape = prune(tape, keep=steps)
    tape.hints = builder.implicit
    name_output(tape, builder.program)  # not `f` when the program defines a function f
    asked = builder.program.derivative
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
        builder = _Builder(text)
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


def _run(builder: _Builder, text: str, start: str = "start") -> None:
    parser = _lark()
    # each parser raises its own module's exception classes
    errors: Any
    if type(parser).__module__.startswith("lark"):
        import lark.exceptions as errors
    else:
        from gradcli import _lalr_standalone as errors
    parser.options.transformer.target = builder
    try:
        parser.parse(text, start=start)
    except errors.UnexpectedCharacters as e:
        ch = text[e.pos_in_stream] if e.pos_in_stream < len(text) else ""
        raise ParseError(f"unexpected character {ch!r}", text=text, pos=e.pos_in_stream,
                         hint=_char_hint(ch)) from None
    except errors.UnexpectedToken as e:
        raise _token_error(e, text) from None
    except errors.UnexpectedEOF:
        raise ParseError("the expression ends too early", text=text, pos=len(text)) from None
    except errors.UnexpectedInput as e:  # pragma: no cover - other lark errors
        raise ParseError(str(e).splitlines()[0], text=text) from None
    finally:
        parser.options.transformer.target = None


def _char_hint(ch: str) -> str:
    return char_hint(ch)  # what to write instead (gradcli/spelling.py)


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
        return ParseError("the expression ends too early", text=text, pos=pos,
                          hint="something is missing after the last operator")
    pos = tok.start_pos if tok.start_pos is not None else len(text)
    shown = "a new line" if str(tok) == "\n" else repr(str(tok))
    if tok.type == "RPAR":
        hint = "this ')' has no matching '('" if "RPAR" not in expected else \
            "something is missing before ')'"
    elif tok.type == "COMMA":
        hint = "a ',' separates function arguments or several outputs: x*y, x+y"
    elif {"NAME", "NUMBER"} & expected:
        hint = "an operand is missing here"
    else:
        hint = ""
    return ParseError(f"unexpected {shown}", text=text, pos=pos, hint=hint)
