"""The tape builder: the plain grammar's rules (grammar/expr.lark), one method each.

Lark calls them through gradcli/lalr.py's Dispatch as it reduces each rule, so nodes
are appended to the tape during the parse (no parse tree, no recursion).  The builder
reads a run of factors by its spacing (`sin 2x` against `sin 2 x`) and refuses what
has two readings.  gradcli/parser.py runs the parse; gradcli/texinput.py's LaTeX
builder adds its rules on top of these.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection
from typing import TYPE_CHECKING, Any

from gradcli.errors import InputError
from gradcli.notation import (
    GREEK,
    VULGAR,
    AmbiguousError,
    function_then_number,
    log_base,
    superscript_terms,
    word_pieces,
)
from gradcli.ops import CONSTANTS, FUNCTIONS, arity_text
from gradcli.tape import CONST, VAR, Tape

if TYPE_CHECKING:
    from gradcli.definitions import Header, ProgramState


# The array functions' names (gradcli/arrays/names.py maps each to its op; a test keeps
# the two the same): function names, never read as a product of letters (issue 15)
ARRAY_WORDS = frozenset(("sum", "mean", "prod", "dot", "norm", "outer", "transpose", "trace",
                         "softmax", "log_softmax", "logsumexp", "det", "inv", "logdet",
                         "solve"))


# ---------------------------------------------------------------- markers
# Values a rule can produce besides a node index, resolved by the rule that
# consumes them.


# The values below are plain classes, not dataclasses: a dataclass costs start-up time
# to define (its methods are generated and compiled), and these are never compared.
class _Paren:  # a bracketed expression (x+1): a power takes it whole
    __slots__ = ("node",)

    def __init__(self, node: int) -> None:
        self.node = node


class _Product:  # `x(x+1)`: a name that is no function, then brackets: a product whose
    # right factor alone takes a following power, x(x+1)^2 = x*(x+1)^2, and which an
    # exponent does not swallow: x^x(1+ln x) = x^x*(1+ln x)
    __slots__ = ("left", "right", "pos")

    def __init__(self, left: int, right: int, pos: int) -> None:
        self.left = left
        self.right = right
        self.pos = pos


class _FuncRef:  # a function name not followed by "(": `sin x`, or the base of sin^2(x)
    __slots__ = ("name", "pos", "power", "base")

    def __init__(self, name: str, pos: int, power: int | None = None,
                 base: int | None = None) -> None:
        self.name = name
        self.pos = pos
        self.power = power  # the n of sin^n(x)
        self.base = base  # the b of log_b


class _Item:  # one factor of a run, where it is, and whether it touches the one before
    __slots__ = ("value", "start", "end", "glued")

    def __init__(self, value: Any, start: int, end: int, glued: bool = True) -> None:
        self.value = value
        self.start = start
        self.end = end
        self.glued = glued


class _Run:  # factors side by side (`2x sin x`), read as a whole when the run ends
    __slots__ = ("items",)

    def __init__(self, items: list[_Item]) -> None:
        self.items = items


_NUMBER_START = frozenset("0123456789.") | frozenset(VULGAR)
_ROOTS = {"√": "sqrt", "∛": "cbrt"}
# an exponent that is a bare number at the end of a factor: e^3 in `e^3x`
# patterns as text: re compiles (and caches) them on first use, not at start-up
_NUMBER_RE = r"[0-9]+\.?[0-9]*|\.[0-9]+"
_BARE_EXPONENT = r"(\^|\*\*)\s*([-+\u2212]?)\s*([0-9]+\.?[0-9]*|\.[0-9]+)$"


class _Builder:
    """Lark callbacks: each rule alias in the grammar is a method here."""

    program: ProgramState | None = None  # a program's functions and d/dx, once it has one

    def __init__(self, text: str, known: Collection[str] = (), arrays: bool = False) -> None:
        self.arrays = arrays  # array syntax allowed (eval, jacobian): gradcli/arrays/rules.py
        self.tape = Tape(text=text)
        self.text = text
        self.known = frozenset(known)  # names given values or --wrt: never split
        self.steps: dict[str, int] = {}  # names assigned so far in the program
        self.step_pos: dict[str, int] = {}
        self.const_uses: dict[str, int] = {}  # constant names read, for shadowing errors
        self.statements: list[tuple[str, Any]] = []
        self.implicit: dict[str, str] = {}  # var name -> how juxtaposition read it, for hints
        self.sides = (0, 0)  # an equation's lhs and rhs nodes
        self.spans: list[tuple[int, int] | None] = []  # of the current rule's children

    # -------------------------------------------------- helpers
    def _fail(self, message: str, pos: int, hint: str = "") -> InputError:
        return InputError(message, hint=hint, text=self.text, pos=pos)

    def _two_ways(self, what: str, pos: int, one: str, other: str) -> InputError:
        return AmbiguousError(f"{what} can be read two ways", hint=f"write {one} or {other}",
                              text=self.text, pos=pos)

    def _node(self, v: Any) -> int:
        if type(v) is int:
            return v
        if isinstance(v, _Paren):
            return v.node
        if isinstance(v, _Product):
            return self._apply("mul", (v.left, v.right), v.pos)
        if isinstance(v, _Run):
            return self._product([f for f, _, _ in self._factors(v)])
        if isinstance(v, _FuncRef):
            raise self._fail(f"{v.name} needs an argument", v.pos,
                             hint=_how_to_call(v.name))
        raise AssertionError(f"unexpected parse value {v!r}")

    def _apply(self, op: str, args: tuple[int, ...], pos: int) -> int:
        return self.tape.apply(op, args, pos)

    def _product(self, nodes: list[int]) -> int:
        out = nodes[0]
        for n in nodes[1:]:
            out = self._apply("mul", (out, n), self.tape.pos[out])
        return out

    def _pos(self, v: Any) -> int:
        if type(v) is int:
            return self.tape.pos[v]
        if isinstance(v, _Paren):
            return self.tape.pos[v.node]
        if isinstance(v, _Run):
            return v.items[0].start
        return int(v.pos)  # _Product, _FuncRef

    def _span(self, k: int) -> tuple[int, int]:
        span = self.spans[k]
        assert span is not None
        return span

    # -------------------------------------------------- programs
    # headers, definitions, their calls and d/dx live in gradcli/definitions.py,
    # imported by the first program that has one: a plain expression never loads it
    def header(self, c: list[Any]) -> Header:
        from gradcli import definitions

        return definitions.header(self, c)

    def define(self, c: list[Any]) -> None:
        from gradcli import definitions

        definitions.define(self, c)

    def derivative(self, c: list[Any]) -> None:
        from gradcli import definitions

        definitions.derivative(self, c)

    def is_defined_function(self, name: str) -> bool:
        """Whether `name(...)` calls a function of this program (or the one being defined)."""
        if self.program is None:  # no header read yet: no function to call
            return False
        from gradcli import definitions

        return definitions.is_defined_function(self.program, name)

    def call_function(self, name: str, args: list[int], pos: int) -> int:
        """`f(a, b)`: f's graph with the arguments for the parameters, named `f(a, b)`."""
        from gradcli import definitions

        return definitions.call_function(self, name, args, pos)

    # array syntax (issue 15) lives in gradcli/arrays/rules.py, imported on first use
    def matmul(self, c: list[Any]) -> int:
        from gradcli.arrays import rules

        return rules.matmul(self, c)

    def array(self, c: list[Any]) -> int:
        from gradcli.arrays import rules

        return rules.array(self, c)

    def index(self, c: list[Any]) -> int:
        from gradcli.arrays import rules

        return rules.index(self, c)

    def slice(self, c: list[Any]) -> Any:
        from gradcli.arrays import rules

        return rules.slice_(self, c)

    # -------------------------------------------------- atoms
    def number(self, c: list[Any]) -> int:
        tok = c[0]
        return self._number(str(tok), tok.start_pos)

    def _number(self, text: str, pos: int) -> int:
        value = float(text)
        if math.isinf(value):
            raise self._fail(f"the number {text} is too large for a double", pos,
                             hint="doubles reach about 1.8e308")
        if value == 0 and any(ch in "123456789" for ch in text.split("e")[0].split("E")[0]):
            raise self._fail(f"the number {text} is too small for a double (it would be 0)",
                             pos, hint="doubles reach down to about 5e-324")
        return self.tape.const(value, text, pos)

    def vulgar(self, c: list[Any]) -> int:
        tok = c[0]
        a, b = VULGAR[str(tok)]
        pos = tok.start_pos
        return self._apply("div", (self._number(str(a), pos), self._number(str(b), pos)), pos)

    def name(self, c: list[Any]) -> Any:
        tok = c[0]
        return self._word(str(tok), tok.start_pos)

    def _word(self, name: str, pos: int) -> Any:
        """What a name means: a step, function, constant, variable, or a run of those."""
        node = self.steps.get(name)
        if node is not None:
            return node
        if name in FUNCTIONS:
            return _FuncRef(name, pos)
        if name in CONSTANTS:
            self.const_uses.setdefault(name, pos)
            return self.tape.const(CONSTANTS[name], "pi" if name == "π" else name, pos)
        if name in self.known:
            return self.tape.var(name, pos)
        if name in ARRAY_WORDS:  # `sum x`: neither a call nor s*u*m*x
            from gradcli.arrays.rules import bare_array_function

            bare_array_function(self, name, pos)
        based = log_base(name)
        if based is not None:
            base, rest = based
            ref = _FuncRef("log", pos, base=self._base(base, pos + 4))
            if not rest:
                return ref
            tail = self._word(rest, pos + len(name) - len(rest))
            return _Run([_Item(ref, pos, pos + len(name) - len(rest), False),
                         *self._items(tail, pos + len(name) - len(rest), pos + len(name))])
        try:
            pieces = word_pieces(name, self.known | set(self.steps))
            if pieces is None:
                pieces = function_then_number(name)
        except InputError as e:  # the word alone has two readings: point at it
            e.text, e.pos = self.text, pos
            raise
        if pieces is None:
            return self.tape.var(name, pos)
        items: list[_Item] = []
        for p in pieces:
            at = pos + p.offset
            value: Any
            if p.kind == "number":
                value = self._number(p.text, at)
            elif p.kind == "word":  # the x of sin2x
                tail = self._items(self._word(p.text, at), at, at + len(p.text))
                tail[0].glued = True
                items.extend(tail)
                continue
            elif p.text in self.steps:
                value = self.steps[p.text]
            elif p.kind == "function":
                value = _FuncRef(p.text, at)
            elif p.kind == "constant":
                self.const_uses.setdefault(p.text, at)
                value = self.tape.const(CONSTANTS[p.text], "pi" if p.text == "π" else p.text,
                                        at)
            else:
                value = self.tape.var(p.text, at)
            items.append(_Item(value, at, at + len(p.text)))
        items[0].glued = False
        return _Run(items)

    def _base(self, base: str, pos: int) -> int:
        if base.isdigit():
            return self._number(base, pos)
        return self._node(self._word(base, pos))

    def _items(self, v: Any, start: int, end: int) -> list[_Item]:
        if isinstance(v, _Run):
            return v.items
        return [_Item(v, start, end, False)]

    def paren(self, c: list[Any]) -> _Paren:
        return _Paren(self._node(c[1]))

    def bars(self, c: list[Any]) -> int:
        return self._apply("abs", (self._node(c[1]),), self._span(0)[0])

    def braced(self, c: list[Any]) -> Any:  # log_{10}
        tok, inner = c[0], c[1]
        name = str(tok)
        if name != "log_":
            raise self._fail("braces { } only give a log its base: log_{10}(x)", tok.start_pos,
                             hint=f"write {name.rstrip('_')}_2 for a subscripted name; "
                                  "use round brackets ( ) to group")
        return _FuncRef("log", tok.start_pos, base=self._node(inner))

    def call(self, c: list[Any]) -> Any:
        tok = c[0]
        name = str(tok)
        raw = [a for a in c[2:-1] if a is not None]
        pos = tok.start_pos
        if self.is_defined_function(name):  # f(t) = …; f(x): gradcli/definitions.py
            return self.call_function(name, [self._node(a) for a in raw], pos)
        if name in ARRAY_WORDS or name in ("max", "min") and len(raw) == 1 and self.arrays:
            from gradcli.arrays.rules import array_call  # sum(x), max(x) of one array

            array_node = array_call(self, name, raw, pos)
            if array_node is not None:
                return array_node
        op = FUNCTIONS.get(name)
        if op is None:
            return self._call_word(tok, name, raw, pos)
        args = tuple(self._node(a) for a in raw)
        if name in ("log", "ln") and len(args) == 2:  # log(x, b): logarithm to base b
            lx = self._apply("log", (args[0],), pos)
            lb = self._apply("log", (args[1],), self._pos(raw[1]))
            return self._apply("div", (lx, lb), pos)
        if (op.arity >= 0 and len(args) != op.arity) or (op.arity < 0 and len(args) < 2):
            raise self._fail(f"{name} takes {arity_text(op)}, got {len(args)}", pos,
                             hint=_how_to_call(name))
        return self._apply(op.name, args, pos)

    def _call_word(self, tok: Any, name: str, raw: list[Any], pos: int) -> Any:
        """A name that is no function, then brackets: a product, a log base, or a run."""
        end = self._span(len(self.spans) - 1)[1]
        if name in self.steps or name in CONSTANTS or name in self.known or name in GREEK \
                or len(name) == 1 or not name.isalpha() and log_base(name) is None:
            # `x(x+1)`, `w1(b)`: a name that is no function, then brackets, multiplies
            if len(raw) != 1:
                raise self._fail(f"{name}(...) has {len(raw)} arguments but {name} "
                                 "is not a function", pos)
            left = self._node(self._word(name, pos))
            if left in self.tape.variables.values():
                self.implicit.setdefault(name, f"{name} is not a known function, so "
                                               f"{name}(...) was read as {name}*(...)")
            return _Product(left, self._node(raw[0]), pos)
        word = self._word(name, pos)
        items = self._items(word, pos, pos + len(name))
        last = items[-1].value
        if isinstance(last, _FuncRef) and len(raw) == 1 and last.power is None:
            # `xln(x)`, `log_2(x)`: the word ends in a function, which takes the brackets
            items[-1] = _Item(self._apply_ref(last, self._node(raw[0]), last.pos),
                              items[-1].start, end, items[-1].glued)
            return _Run(items) if len(items) > 1 else items[0].value
        if len(raw) == 1 and all(type(it.value) is int and (
                self.tape.ops[it.value] == CONST or self.tape.labels[it.value] in self.known)
                for it in items):  # xy(x+1) with x and y given: the letters are names
            items.append(_Item(_Paren(self._node(raw[0])), pos + len(name), end))
            return _Run(items)
        letters = "*".join(self.text[it.start:it.end] for it in items)
        raise self._fail(f"unknown function {name}", pos,
                         hint=f"{known_functions(name)}; for a product write {letters}*(...)")

    def _log_base(self, x: int, base: int, pos: int) -> int:
        if self.tape.ops[base] == CONST and self.tape.consts[base] in (2.0, 10.0):
            return self._apply("log2" if self.tape.consts[base] == 2 else "log10", (x,), pos)
        lx = self._apply("log", (x,), pos)
        lb = self._apply("log", (base,), pos)
        return self._apply("div", (lx, lb), pos)

    def _apply_ref(self, ref: _FuncRef, arg: int, pos: int) -> int:
        """A function written without brackets, applied: sin x, sin^2 x, log_2 x."""
        fn = FUNCTIONS[ref.name]
        if fn.arity != 1:
            raise self._fail(f"{ref.name} takes {arity_text(fn)}", ref.pos,
                             hint=_how_to_call(ref.name))
        n = ref.power
        if n is not None and (self.tape.ops[n] != CONST or self.tape.consts[n] < 0):
            # sin^-1 means asin to some readers and 1/sin to others: refuse to guess
            raise self._fail(f"{ref.name}^n(x) takes a constant n >= 0", ref.pos,
                             hint=_inverse_hint(fn.name))
        if ref.base is not None:
            out = self._log_base(arg, ref.base, ref.pos)
        else:
            out = self._apply(fn.name, (arg,), ref.pos)
        return out if n is None else self._apply("pow", (out, n), ref.pos)

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
        left, tok, right = c
        if isinstance(right, _Run):
            factors = self._factors(right)
            if len(factors) > 1:
                # 1/2x: 1/(2x) in some books and calculators, (1/2)x in others
                ls, le = self._span(0)
                rs, re_ = self._span(2)
                top = self.text[ls:le].strip()
                first = self.text[factors[0][1]:factors[0][2]].strip()
                rest = self.text[factors[1][1]:re_].strip()
                raise self._two_ways(self.text[ls:re_].strip(), tok.start_pos,
                                     f"{top}/({self.text[rs:re_].strip()})",
                                     f"({top}/{first})*{rest}")
            right = self._product([f for f, _, _ in factors])
        return self._apply("div", (self._node(left), self._node(right)), self._pos(left))

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

    def exponent_neg(self, c: list[Any]) -> int:
        return self.neg([c[0], self._exponent(c[1], 1, "-")])

    def exponent_pos(self, c: list[Any]) -> Any:
        return self._exponent(c[1], 1, "+")

    def _exponent(self, v: Any, k: int, head: str) -> Any:
        """An exponent is one factor: e^xy is e^(xy) to some and (e^x)y to others."""
        if isinstance(v, _Run):
            factors = self._factors(v)
            if len(factors) > 1:
                s, e = self._span(k)
                word = self.text[s:e]
                first = self.text[factors[0][1]:factors[0][2]]
                rest = self.text[factors[1][1]:e]
                if not head.startswith(("-", "+", "\u2212")):  # e^xy
                    raise self._two_ways(head + word, s, f"{head}({word})",
                                         f"{head}{first}*{rest}")
                raise self._two_ways(f"the exponent {head}{word}", s, f"^({head}{word})",
                                     f"^({head}{first})*{rest}")
            return factors[0][0]
        return v

    def pow(self, c: list[Any]) -> Any:
        base, tok, exponent = c
        s0, e0 = self._span(0)
        exponent = self._exponent(exponent, 2, self.text[s0:e0].strip() + str(tok))
        end = self._span(2)[1]
        if isinstance(exponent, _Product):  # x^x(1 + ln x): the brackets multiply
            raised = self._node(self._power(base, exponent.left, tok.start_pos, end))
            return self._apply("mul", (raised, exponent.right), self._pos(base))
        return self._power(base, self._node(exponent), tok.start_pos, end)

    def _power(self, base: Any, exponent: int, pos: int, end: int = -1) -> Any:
        if isinstance(base, _FuncRef):  # sin^2 waits for its argument: sin^2(x)
            if base.power is not None:
                raise self._fail(f"{base.name} is raised to a power twice", pos)
            return _FuncRef(base.name, base.pos, exponent, base.base)
        if isinstance(base, _Run):  # xy^2, xe^x: the power takes the last factor only
            last = base.items[-1]
            base.items[-1] = _Item(self._power(last.value, exponent, pos), last.start,
                                   max(end, last.end), last.glued)
            return base
        if isinstance(base, _Product):  # x(x+1)^2: only the bracket is squared
            raised = self._node(self._power(_Paren(base.right), exponent, pos))
            return self._apply("mul", (base.left, raised), base.pos)
        if self.arrays and self.tape.labels[exponent] == "T" and self.tape.ops[exponent] == VAR \
                and "T" not in self.known and "T" not in self.steps:  # A^T: T has no value
            return self._apply("transpose", (self._node(base),), self._pos(base))
        b = self._node(base)
        if self.tape.ops[b] == CONST and self.tape.labels[b] == "e" and "e" not in self.steps:
            return self._apply("exp", (exponent,), self._pos(base))  # e^x is exp(x)
        return self._apply("pow", (b, exponent), self._pos(base))

    def superscript(self, c: list[Any]) -> Any:
        base, tok = c
        pos = tok.start_pos
        exponent: int | None = None
        for sign, digits, letters in superscript_terms(str(tok)):
            # _number: float() of text has no digit limit (int() has 4,300), and a
            # superscript past a double is refused there
            factors = [self._number(digits, pos)] if digits else []
            for k, ch in enumerate(letters):
                factors.append(self._node(self._word(ch, pos + k)))
            term = self._product(factors)
            if exponent is None:
                exponent = self.neg([tok, term]) if sign < 0 else term
            else:
                exponent = self._apply("add" if sign > 0 else "sub", (exponent, term), pos)
        assert exponent is not None
        return self._power(base, exponent, pos, tok.end_pos)

    def root(self, c: list[Any]) -> int:
        tok, v = c
        if isinstance(v, _Run) and len(self._factors(v)) > 1:  # √xy: √(xy) or √x*y?
            s, e = self._span(1)
            word = self.text[s:e]
            raise self._two_ways(f"{tok}{word}", tok.start_pos, f"{tok}({word})",
                                 f"{tok}{word[0]}*{word[1:]}")
        node = self._node(v)
        if str(tok) == "∜":
            four = self._apply("div", (self._number("1", tok.start_pos),
                                       self._number("4", tok.start_pos)), tok.start_pos)
            return self._apply("pow", (node, four), tok.start_pos)
        return self._apply(_ROOTS[str(tok)], (node,), tok.start_pos)

    # -------------------------------------------------- runs of factors
    def juxt(self, c: list[Any]) -> _Run:
        left, right = c
        ls, le = self._span(0)
        rs, re_ = self._span(1)
        run = left if isinstance(left, _Run) else _Run(self._items(left, ls, le))
        new = self._items(right, rs, re_)
        new[0].glued = rs > 0 and not self.text[rs - 1].isspace()
        self._seam(run.items[-1], new[0], re_, run.items[-2] if len(run.items) > 1 else None)
        run.items.extend(new)
        return run

    def _seam(self, prev: _Item, nxt: _Item, end: int, first: _Item | None = None) -> None:
        """Refuse a factor that may not follow the one before it (`first`, when there is
        one, comes before `prev`): `2 3`, `2 e 3`, `e^3x`, `√2x`."""
        text = self.text
        if isinstance(prev.value, _FuncRef):
            return  # sin 2x: the function takes what follows
        shown = text[prev.start:end].strip()
        if text[nxt.start] in _NUMBER_START:
            if text[prev.start] in _NUMBER_START and prev.end == nxt.start and \
                    text[nxt.start] == ".":
                raise self._fail(f"{shown} is not a number", prev.start,
                                 hint="a number has one decimal point")
            if type(prev.value) is int and self.tape.ops[prev.value] == CONST and \
                    text[prev.start] in _NUMBER_START:
                a, b = text[prev.start:prev.end], text[nxt.start:end].strip()
                if text[nxt.start] in VULGAR:
                    raise self._two_ways(shown, prev.start, f"{a} + {b} (a mixed number)",
                                         f"{a}*{b}")
                raise self._fail(f"two numbers side by side: {shown}", nxt.start,
                                 hint=f"write {a}*{b} for a product, or one number")
            if first is not None and text[first.start] in _NUMBER_START and \
                    text[prev.start:prev.end] in ("e", "E") and "e" not in self.steps:
                # 2 e 3: an exponent with spaces in it (2e3), or the product 2*e*3?
                a, b = text[first.start:first.end], text[nxt.start:end].strip()
                raise self._two_ways(text[first.start:end].strip(), first.start,
                                     f"{a}{text[prev.start]}{b}",
                                     f"{a}*{text[prev.start]}*{b}")
            raise self._fail(f"a number after a factor: {shown}", nxt.start,
                             hint="write the number first (2x) or with * (x*2)")
        if not nxt.glued:
            return
        before = text[prev.start:prev.end]
        after = text[nxt.start:nxt.end]
        m = re.search(_BARE_EXPONENT, before)
        if m is not None:
            base = before[:m.start()].strip()
            if m.group(2) or (base == "e" and "e" not in self.steps) or \
                    re.fullmatch(_NUMBER_RE, base):
                # e^3x: e^(3x) to most students, e^3*x to the grammar
                raise self._two_ways(before + after, prev.start,
                                     f"{before[:m.start()]}^({before[m.end(1):].strip()}{after})",
                                     f"{before}*{after}")
        if before[0] in "√∛∜":  # √2x: the radical's bar covers 2x, or only 2?
            raise self._two_ways(before + after, prev.start,
                                 f"{before[0]}({before[1:]}{after})", f"{before}*{after}")

    def _factors(self, run: _Run) -> list[tuple[int, int, int]]:
        """The top-level factors of a run (node, start, end), functions applied.

        A function written without brackets takes the factor after it together with
        everything glued to it: `sin 2x` = sin(2x), `sin x cos x` = sin(x)*cos(x),
        `ln sin x` = ln(sin(x)).  A second, spaced factor before the next function
        (`sin x y`) is sin(x*y) to some and sin(x)*y to others: refused.
        """
        items = run.items
        out_rev: list[tuple[int, int, int]] = []
        end = len(items)
        for k in range(len(items) - 1, -1, -1):
            ref = items[k].value
            if not isinstance(ref, _FuncRef):
                continue
            seg = items[k + 1:end]
            if not seg:
                if not out_rev or end == len(items):
                    raise self._fail(f"{ref.name} needs an argument", ref.pos,
                                     hint=_how_to_call(ref.name))
                arg, _, arg_end = out_rev.pop()  # ln sin x: the application to its right
            else:
                take = 1
                if not isinstance(seg[0].value, _Paren):
                    while take < len(seg) and seg[take].glued:
                        take += 1
                    if take < len(seg):
                        a = self.text[seg[0].start:seg[take - 1].end]
                        b = self.text[seg[take].start:seg[-1].end].strip()
                        fn = self.text[items[k].start:items[k].end]
                        raise self._two_ways(f"{fn} {a} {b}", items[k].start,
                                             f"{fn}({a}*{b})", f"{fn}({a})*{b}")
                for r in reversed(seg[take:]):  # sin^2(x) y: after brackets, factors
                    out_rev.append((self._node(r.value), r.start, r.end))
                arg = self._product([self._node(it.value) for it in seg[:take]])
                arg_end = seg[take - 1].end
            out_rev.append((self._apply_ref(ref, arg, items[k].start), items[k].start,
                            arg_end))
            end = k
        lead = [(self._node(it.value), it.start, it.end) for it in items[:end]]
        return lead + out_rev[::-1]

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


def known_functions(name: str = "") -> str:
    """The functions nearest `name` (gradcli/spelling.py), or all of them."""
    if name:  # the nearest few, not the whole table (gradcli/spelling.py, imported for errors)
        from gradcli.spelling import closest_functions

        return closest_functions(name)
    return "known functions: " + ", ".join(sorted(FUNCTIONS))


# the builder's public name, for gradcli/parser.py and gradcli/texinput.py
Builder = _Builder
