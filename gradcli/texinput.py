"""LaTeX text → tape: grammar/latex.lark's rules, built by parser.py's tape builder.

Imported only for text with a backslash (gradcli/parser.py decides), so plain input
never pays for it.  `TexBuilder` is the plain builder plus the LaTeX rules
(`tex_*`): \\frac, \\sqrt, scripts, functions written without brackets, TeX's
letters-side-by-side products.  Nothing is rewritten as text: every node keeps its
position in what was typed, so an error's caret points into the LaTeX.
"""

from __future__ import annotations

import difflib
import os
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from gradcli.builder import Builder
from gradcli.errors import InputError, ParseError
from gradcli.lalr import Dispatch, grammar_path
from gradcli.ops import CONSTANTS, FUNCTIONS
from gradcli.spelling import char_hint, closest_functions
from gradcli.tape import CONST

BAR_CLOSE = "\ue001"  # stands in for a closing |, one character for one (positions hold)

GREEK = frozenset(
    "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron rho "
    "sigma tau upsilon phi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi "
    "Psi Omega".split())
_VARIANTS = {"varepsilon": "epsilon", "vartheta": "theta", "varphi": "phi", "varrho": "rho",
             "varsigma": "sigma", "varpi": "pi"}
# TeX's function commands → gradcli's function names
_TEX_FUNCTIONS = {"arcsin": "asin", "arccos": "acos", "arctan": "atan", "arcsec": "asec",
                  "arccsc": "acsc", "arccot": "acot"}
# commands a reader may paste that have no meaning here, with what to do instead
_UNSUPPORTED = {
    "infty": "infinity is not a number gradcli can evaluate",
    "partial": "write the function and use gradcli diff or check --wrt",
    "int": "integrals are not supported",
    "sum": "write sum(x) for the sum of an array's elements, or write the terms",
    "prod": "write prod(x) for the product of an array's elements, or write the factors",
    "lim": "limits are not supported",
    "cdots": "write every term", "ldots": "write every term",
    "lg": "\\lg is base 10 in some books and base 2 in others: write \\log_{10} or \\log_2",
}
_KNOWN_COMMANDS = sorted({"frac", "dfrac", "sqrt", "left", "right", "cdot", "times", "div",
                          "pi", "operatorname", "mathrm", "max", "min", "exp", "ln", "log",
                          "sin", "cos", "tan", "sec", "csc", "cot", "sinh", "cosh", "tanh",
                          "arcsin", "arccos", "arctan", "lvert", "rvert", "quad"} | GREEK)


def read_latex(text: str, known: Collection[str] = ()) -> Builder:
    """Run the LaTeX grammar over `text` into a builder (the statements are on it)."""
    builder = TexBuilder(text, known)
    parser = _lark()
    parser.options.transformer.target = builder
    errors: Any  # each parser raises its own module's exception classes
    if type(parser).__module__.startswith("lark"):
        import lark.exceptions as errors
    else:
        from gradcli import _lalr_standalone as errors
    try:
        parser.parse(mark_closing_bars(text) if "|" in text else text)
    except errors.UnexpectedCharacters as e:
        raise _char_error(text, e.pos_in_stream or 0) from None
    except errors.UnexpectedToken as e:
        raise _token_error(e, text) from None
    except errors.UnexpectedEOF:
        raise ParseError("the expression ends too early", text=text, pos=len(text)) from None
    finally:
        parser.options.transformer.target = None
    return builder


# ---------------------------------------------------------------- the parser

def latex_grammar_path() -> str:
    """grammar/latex.lark, beside grammar/expr.lark (the package's copy, else the checkout's)."""
    return os.path.join(os.path.dirname(grammar_path()), "latex.lark")


@lru_cache(maxsize=1)
def _lark() -> Any:
    """The LALR parser: `make grammar`'s tables on the standalone runtime while current.

    gradcli/_latex_tables.py holds the parse tables generated from grammar/latex.lark
    and the grammar text they came from; they run on gradcli/_lalr_standalone.py's
    copy of Lark's runtime (milliseconds, no lark import).  An edited grammar without
    regenerated tables falls back to building the parser with lark (~0.3 s).
    """
    from gradcli import _lalr_standalone as runtime
    from gradcli import _latex_tables as tables

    with open(latex_grammar_path(), encoding="utf-8") as f:
        text = f.read()
    if text == tables.GRAMMAR:
        return runtime.Lark._load_from_dict(tables.DATA, tables.MEMO, transformer=_Dispatch())
    from lark import Lark

    return Lark(text, parser="lalr", lexer="contextual", maybe_placeholders=True,
                transformer=_Dispatch())


def mark_closing_bars(text: str) -> str:
    """Each `|` that closes an absolute value becomes BAR_CLOSE (same length, same place).

    A bar closes when one is open and it follows an operand (a letter, digit, or a
    closing bracket); otherwise it opens: |x|, |x - |y||, \\ln|x|.
    """
    out = list(text)
    depth = 0
    i = 0
    while i < len(text):
        if text.startswith(("\\left|", "\\right|"), i):
            i += 6 if text.startswith("\\left|", i) else 7
            continue
        if text[i] == "|":
            before = text[:i].rstrip()
            operand = bool(before) and (before[-1].isalnum() or before[-1] in ")]}" or
                                        before[-1] == BAR_CLOSE or out[len(before) - 1] ==
                                        BAR_CLOSE)
            if depth and operand:
                out[i] = BAR_CLOSE
                depth -= 1
            else:
                depth += 1
        i += 1
    return "".join(out)


# ---------------------------------------------------------------- values in a parse


@dataclass(frozen=True)
class _Group:  # (…), {…}, \left( … \right): a function's argument when right after it
    node: int


@dataclass(frozen=True)
class _Raised:  # (…)^n: after a function, f(…)^n is (f(…))^n as in plain gradcli
    node: int
    exponent: int
    pos: int


@dataclass(frozen=True)
class _Fn:  # \sin, \log_2, \sin^2: a function waiting for its argument
    name: str
    typed: str
    pos: int
    power: int | None = None
    base: int | None = None


@dataclass(frozen=True)
class _UserFn:  # f of `f(t) = …` earlier in the program, waiting for its (…)
    name: str
    pos: int


@dataclass
class _Item:
    value: Any
    start: int
    end: int


@dataclass
class _Run:  # factors side by side, read when the run ends
    items: list[_Item]


def _script_hint(typed: str, fn: str) -> str:
    inverse = {"sin": "\\arcsin", "cos": "\\arccos", "tan": "\\arctan"}.get(fn)
    inv = f"{inverse} x for the inverse function, " if inverse else ""
    return f"write {inv}({typed} x)^{{-1}} for 1/{typed} x"


class TexBuilder(Builder):
    """The plain builder plus the LaTeX rules of grammar/latex.lark."""

    def __init__(self, text: str, known: Collection[str] = ()) -> None:
        super().__init__(text)
        self.tex_known = frozenset(known)
        self.tex_spans: list[tuple[int, int] | None] = []

    # -------------------------------------------------- values
    def _node(self, v: Any) -> int:
        if isinstance(v, _Group):
            return v.node
        if isinstance(v, _Raised):
            return self._apply("pow", (v.node, v.exponent), v.pos)
        if isinstance(v, _Run):
            return self._read_run(v)
        if isinstance(v, _Fn):
            raise self._fail(f"{v.typed} needs an argument", v.pos,
                             hint=f"write {v.typed}(x) or {v.typed} x")
        if isinstance(v, _UserFn):
            raise self._fail(f"{v.name} is a function of this program", v.pos,
                             hint=f"call it with brackets: {v.name}(x)")
        if isinstance(v, _Item):
            return self._node(v.value)
        return int(super()._node(v))

    def _pos(self, v: Any) -> int:
        if isinstance(v, _Run):
            return v.items[0].start
        if isinstance(v, (_Fn, _Raised, _UserFn)):
            return v.pos
        if isinstance(v, _Group):
            return self.tape.pos[v.node]
        return int(super()._pos(v))

    def _span(self, k: int) -> tuple[int, int]:
        span = self.tex_spans[k]
        assert span is not None
        return span

    def _const(self, name: str, pos: int) -> int:
        self.const_uses.setdefault(name, pos)
        return self.tape.const(CONSTANTS[name], name, pos)

    def _letter(self, name: str, pos: int) -> int:
        if name in self.steps:
            return self.steps[name]
        if name == "e":
            return self._const("e", pos)
        return self.tape.var(name, pos)

    # -------------------------------------------------- atoms
    def tex_word(self, c: list[Any]) -> Any:
        """Letters side by side are a product (TeX's reading); a subscript names one."""
        tok = c[0]
        word, pos = str(tok), tok.start_pos
        letters, sub = (word.split("_", 1) + [""])[:2]
        sub = sub.strip("{} \t")
        if sub:
            if not sub.isalnum():
                raise self._fail(f"the subscript of {word} is not a name", pos,
                                 hint="write x_1 or x_{12}")
            head, last = letters[:-1], letters[-1] + "_" + sub
        else:
            head, last = letters, ""
        if not sub and self.is_defined_function(letters):
            return _UserFn(letters, pos)
        if letters in self.tex_known or letters in self.steps or letters in GREEK or \
                letters in FUNCTIONS:
            head, last = "", (letters + "_" + sub if sub else letters)
            if last in FUNCTIONS and not sub:
                return _Fn(FUNCTIONS[last].name if last not in ("log", "ln") else last,
                           last, pos)
            if last in GREEK and last == "pi":
                return self._const("pi", pos)
            return self._letter(last, pos)
        hidden = next((f for f in sorted(FUNCTIONS, key=len, reverse=True)
                       if len(f) > 2 and f.isalpha() and f in letters), None)
        if hidden is not None:
            at = letters.index(hidden)
            spaced = " ".join(filter(None, [" ".join(letters[:at]), f"\\{hidden}",
                                            " ".join(letters[at + len(hidden):])]))
            raise self._fail(f"{word} contains the function name {hidden}", pos,
                             hint=f"write \\{hidden} for the function ({spaced}); letters "
                                  "side by side are a product in LaTeX")
        items = [_Item(self._letter(ch, pos + k), pos + k, pos + k + 1)
                 for k, ch in enumerate(head)]
        if last:
            items.append(_Item(self._letter(last, pos + len(head)), pos + len(head),
                               tok.end_pos))
        return items[0].value if len(items) == 1 else _Run(items)

    def tex_symbol(self, c: list[Any]) -> Any:
        """\\pi, Greek letters (θ is the variable theta), and unknown commands refused."""
        tok = c[0]
        text, pos = str(tok), tok.start_pos
        name, _, sub = text[1:].partition("_")
        sub = sub.strip("{} \t")
        name = _VARIANTS.get(name, name)
        if name == "pi" and not sub:
            return self._const("pi", pos)
        if name in GREEK:
            return self._letter(f"{name}_{sub}" if sub else name, pos)
        if name in _UNSUPPORTED:
            raise self._fail(f"\\{name} is not supported here", pos, hint=_UNSUPPORTED[name])
        close = difflib.get_close_matches(name, _KNOWN_COMMANDS, n=3, cutoff=0.6)
        hint = ("did you mean " + " or ".join(f"\\{m}" for m in close) + "?") if close else \
            "gradcli reads \\frac, \\sqrt, \\sin … \\arctan, \\ln, \\log, \\exp, \\cdot, " \
            "\\times, \\div, \\left( \\right), \\pi and Greek letters"
        raise self._fail(f"unknown LaTeX command \\{name}", pos, hint=hint)

    def tex_function(self, c: list[Any]) -> _Fn:
        tok = c[0]
        typed = str(tok)
        name = _TEX_FUNCTIONS.get(typed[1:], typed[1:])
        if name == "lg":
            raise self._fail("\\lg is not one function", tok.start_pos, hint=_UNSUPPORTED["lg"])
        if name not in FUNCTIONS:
            raise self._fail(f"{typed} is not supported", tok.start_pos,
                             hint=_nearest_functions(name))
        return _Fn(name, typed, tok.start_pos)

    def tex_opname(self, c: list[Any]) -> Any:
        """\\operatorname{sech}, \\mathrm{e}, \\mathrm{loss}: a function, e, or a name."""
        tok = c[0]
        text, pos = str(tok), tok.start_pos
        command = text[1:text.index("{")].strip()
        name = text[text.index("{") + 1: -1].strip()
        if name in FUNCTIONS or command == "operatorname":
            if name not in FUNCTIONS:
                raise self._fail(f"unknown function {name}", pos, hint=_nearest_functions(name))
            return _Fn(name, text, pos)
        if name == "e":
            return self._const("e", pos)
        if name == "d":
            raise self._fail("a d here has no meaning", pos,
                             hint="\\frac{d}{dx} goes first, before the expression "
                                  "(gradcli diff and check)")
        return self._letter(name, pos)

    def tex_group(self, c: list[Any]) -> _Group:
        return _Group(self._node(c[1]))

    def tex_abs(self, c: list[Any]) -> int:
        return self._apply("abs", (self._node(c[1]),), self._span(0)[0])

    def tex_call(self, c: list[Any]) -> int:
        tok = c[0]
        args = tuple(self._node(v) for v in c[2:-1:2])
        return self._apply(str(tok)[1:], args, tok.start_pos)

    def tex_frac(self, c: list[Any]) -> int:
        tok, top, bottom = c
        return self._apply("div", (self._node(top), self._node(bottom)), tok.start_pos)

    def tex_sqrt(self, c: list[Any]) -> int:
        tok, v = c
        return self._apply("sqrt", (self._node(v),), tok.start_pos)

    def tex_root(self, c: list[Any]) -> int:
        tok, _, n, _, v = c
        n_node, x = self._node(n), self._node(v)
        pos = tok.start_pos
        if self.tape.ops[n_node] != CONST:
            raise self._fail("the index of \\sqrt[n]{…} must be a number", pos)
        k = self.tape.consts[n_node]
        if k == 2:
            return self._apply("sqrt", (x,), pos)
        if k == 3 and "cbrt" in FUNCTIONS:
            return self._apply("cbrt", (x,), pos)
        one = self.tape.const(1.0, "1", pos)
        return self._apply("pow", (x, self._apply("div", (one, n_node), pos)), pos)

    # -------------------------------------------------- scripts
    def tex_pow(self, c: list[Any]) -> Any:
        base, tok, script = c
        return self._raise(base, script, tok.start_pos, self._span(0), self._span(2))

    def tex_base(self, c: list[Any]) -> Any:
        base, tok, script = c
        return self._with_base(base, script, tok.start_pos)

    def tex_base_pow(self, c: list[Any]) -> Any:
        base, under, sub, tok, sup = c
        based = self._with_base(base, sub, under.start_pos)
        return self._raise(based, sup, tok.start_pos, self._span(0), self._span(4))

    def tex_pow_base(self, c: list[Any]) -> Any:
        base, tok, sup, under, sub = c
        return self._with_base(self._raise(base, sup, tok.start_pos, self._span(0),
                                           self._span(2)), sub, under.start_pos)

    def _with_base(self, fn: Any, script: Any, pos: int) -> _Fn:
        if not isinstance(fn, _Fn) or fn.name not in ("log", "ln"):
            raise self._fail("a subscript here has no meaning", pos,
                             hint="only \\log takes one (\\log_2 x); for a name with a "
                                  "subscript write x_1 or x_{12}")
        if fn.name == "ln":
            raise self._fail("\\ln is the logarithm to base e", pos,
                             hint="write \\log_b x for another base")
        return _Fn(fn.name, fn.typed, fn.pos, fn.power, self._node(script))

    def _raise(self, base: Any, script: Any, pos: int, base_span: tuple[int, int],
               script_span: tuple[int, int]) -> Any:
        exponent = self._node(script)
        s, e = script_span
        braced = self.text[s] in "{("
        after = self.text[e: e + 1]
        if not braced and after.isdigit() and self.text[s].isdigit():
            # x^23: TeX raises only the 2
            shown = self.text[base_span[0]:pos].strip()
            raise self._two_ways(self.text[base_span[0]:e + 1], pos,
                                 f"{shown}^{{{self.text[s:e]}{after}}}",
                                 f"{shown}^{{{self.text[s:e]}}} \\cdot {after}")
        if isinstance(base, _Fn):  # \sin^2 x
            if base.power is not None:
                raise self._fail(f"{base.typed} is raised to a power twice", pos)
            if self.tape.ops[exponent] != CONST or self.tape.consts[exponent] < 0:
                # \sin^{-1} is arcsin to some readers and 1/sin to others
                raise self._fail(f"{base.typed}^n x takes a constant n >= 0", pos,
                                 hint=_script_hint(base.typed, base.name))
            return _Fn(base.name, base.typed, base.pos, exponent, base.base)
        if isinstance(base, _Run):  # xy^2: the power takes the last letter only
            last = base.items[-1]
            base.items[-1] = _Item(self._raise(last.value, script, pos, (last.start, last.end),
                                               script_span), last.start, e)
            return base
        if isinstance(base, _Group):
            return _Raised(base.node, exponent, self._span(0)[0])
        b = self._node(base)
        is_e = self.tape.ops[b] == CONST and self.tape.labels[b] == "e" and "e" not in self.steps
        if not braced and after.isalnum() and (is_e or self.tape.ops[b] == CONST):
            # e^2x: e^{2x} to the student, e^2·x to TeX
            shown = self.text[base_span[0]:pos].strip()
            raise self._two_ways(self.text[base_span[0]:e + 1], pos,
                                 f"{shown}^{{{self.text[s:e]}{after}}}",
                                 f"{shown}^{{{self.text[s:e]}}} {after}")
        if is_e:
            return self._apply("exp", (exponent,), base_span[0])
        return self._apply("pow", (b, exponent), base_span[0])

    def _two_ways(self, what: str, pos: int, one: str, other: str) -> InputError:
        return InputError(f"{what} can be read two ways", hint=f"write {one} or {other}",
                          text=self.text, pos=pos)

    # -------------------------------------------------- factors side by side
    def tex_run(self, c: list[Any]) -> _Run:
        left, right = c
        (ls, le), (rs, re_) = self._span(0), self._span(1)
        run = left if isinstance(left, _Run) else _Run([_Item(left, ls, le)])
        new = right.items if isinstance(right, _Run) else [_Item(right, rs, re_)]
        prev = run.items[-1]
        first = self.text[rs]
        if (first.isdigit() or first == ".") and not isinstance(prev.value, _Fn):
            shown = self.text[prev.start:re_]
            if self.text[prev.start].isdigit() or self.text[prev.start] == ".":
                raise self._fail(f"two numbers side by side: {shown}", rs,
                                 hint=f"write {self.text[prev.start:prev.end]} \\cdot "
                                      f"{self.text[rs:re_]} for a product, or one number")
            raise self._fail(f"a number after a factor: {shown}", rs,
                             hint="write the number first (2x) or with \\cdot (x \\cdot 2)")
        run.items.extend(new)
        return run

    def _read_run(self, run: _Run) -> int:
        """The run's product, each function applied to what follows it.

        A function takes a bracket right after it (\\sin(x) y = sin(x)·y, and
        \\sin(x)^2 = (sin x)²), else every factor up to the next function
        (\\sin 2x \\cos x = sin(2x)·cos(x)); with nothing before the next function
        it takes that function's result (\\ln \\sin x).
        """
        items = self._calls(run.items)
        tail: list[int] = []  # factors from the right, reversed
        end = len(items)
        for k in range(len(items) - 1, -1, -1):
            fn = items[k].value
            if not isinstance(fn, _Fn):
                continue
            seg = items[k + 1:end]
            if not seg:
                if not tail or end == len(items):
                    raise self._fail(f"{fn.typed} needs an argument", fn.pos,
                                     hint=f"write {fn.typed}(x) or {fn.typed} x")
                arg = tail.pop()
            elif isinstance(seg[0].value, (_Group, _Raised)):
                for it in reversed(seg[1:]):
                    tail.append(self._node(it.value))
                g = seg[0].value
                applied = self._apply_fn(fn, g.node)
                if isinstance(g, _Raised):
                    applied = self._apply("pow", (applied, g.exponent), fn.pos)
                tail.append(applied)
                end = k
                continue
            else:
                arg = self._product([self._node(it.value) for it in seg])
            tail.append(self._apply_fn(fn, arg))
            end = k
        lead = [self._node(it.value) for it in items[:end]]
        return self._product(lead + tail[::-1])

    def _calls(self, items: list[_Item]) -> list[_Item]:
        """Each function of the program applied to the bracket after it: f(x), f(x)^2."""
        out: list[_Item] = []
        for it in items:
            prev = out[-1].value if out else None
            if isinstance(prev, _UserFn) and isinstance(it.value, (_Group, _Raised)):
                node = self.call_function(prev.name, [it.value.node], prev.pos)
                if isinstance(it.value, _Raised):
                    node = self._apply("pow", (node, it.value.exponent), prev.pos)
                out[-1] = _Item(node, out[-1].start, it.end)
            else:
                out.append(it)
        return out

    def _product(self, nodes: list[int]) -> int:
        out = nodes[0]
        for n in nodes[1:]:
            out = self._apply("mul", (out, n), self.tape.pos[out])
        return out

    def _apply_fn(self, fn: _Fn, arg: int) -> int:
        op = FUNCTIONS[fn.name]
        if op.arity != 1:
            raise self._fail(f"{fn.typed} takes {op.arity} arguments", fn.pos,
                             hint=f"write {fn.typed}(a, b)")
        if fn.base is not None:
            b = fn.base
            if self.tape.ops[b] == CONST and self.tape.consts[b] in (2.0, 10.0):
                out = self._apply("log2" if self.tape.consts[b] == 2 else "log10", (arg,),
                                  fn.pos)
            else:
                out = self._apply("div", (self._apply("log", (arg,), fn.pos),
                                          self._apply("log", (b,), fn.pos)), fn.pos)
        else:
            out = self._apply(op.name, (arg,), fn.pos)
        return out if fn.power is None else self._apply("pow", (out, fn.power), fn.pos)

    # -------------------------------------------------- operators
    def tex_div(self, c: list[Any]) -> int:
        left, tok, right = c
        if isinstance(right, _Run):
            factors = _factor_count(right)
            if factors > 1:  # 1/2x: 1/(2x) in some books, (1/2)x in others
                ls, _ = self._span(0)
                rs, re_ = self._span(2)
                top = self.text[ls:tok.start_pos].strip()
                first = right.items[0]
                rest = self.text[right.items[1].start:re_].strip()
                raise self._two_ways(self.text[ls:re_].strip(), tok.start_pos,
                                     f"\\frac{{{top}}}{{{self.text[rs:re_].strip()}}}",
                                     f"\\frac{{{top}}}{{{self.text[first.start:first.end]}}}"
                                     f"{rest}")
        return self._apply("div", (self._node(left), self._node(right)), self._span(0)[0])


def _factor_count(run: _Run) -> int:
    """How many factors a run multiplies (a function and its argument count once)."""
    items = run.items
    if isinstance(items[0].value, _Fn):
        return 1 if not any(isinstance(it.value, _Fn) for it in items[1:]) else 2
    return 2


def _nearest_functions(name: str) -> str:
    return closest_functions(name)


# ---------------------------------------------------------------- errors

def _char_error(text: str, pos: int) -> ParseError:
    ch = text[pos] if pos < len(text) else ""
    if ch == "\\":
        word = text[pos:pos + 20].split()[0] if text[pos:].strip() else "\\"
        return ParseError(f"{word} cannot stand here", text=text, pos=pos,
                          hint="\\left( needs a \\right) and \\frac two {…} groups")
    if ch == BAR_CLOSE:
        return ParseError("unexpected '|'", text=text, pos=pos,
                          hint="write \\left| x \\right| (or abs(x)) where bars nest")
    hint = "only a header may have '=': f(x) = …, y = …" if ch == "=" else \
        "write \\left| x \\right| for |x|" if ch == "|" else _unicode_hint(ch) or char_hint(ch)
    return ParseError(f"unexpected character {ch!r}", text=text, pos=pos, hint=hint)


def _unicode_hint(ch: str) -> str:
    """LaTeX spells π, θ and √ with commands: name the command."""
    name = unicodedata.name(ch, "")
    if name.startswith("GREEK") and "LETTER" in name:
        letter = name.split("LETTER ", 1)[1].split()[0].lower()
        if "CAPITAL" in name:
            letter = letter.capitalize()
        return f"{ch!r} is {name}: in LaTeX write \\{letter}"
    if ch in "\u221a\u221b":
        return f"{ch!r} is {name}: in LaTeX write \\sqrt{{…}}" + \
            ("" if ch == "\u221a" else " or \\sqrt[3]{…}")
    return ""


_NAMES = {"RBRACE": "'}'", "RPAR": "')'", "RIGHT": "\\right)", "RIGHT_BAR": "\\right|",
          "RBRACK": "']'", "BAR_CLOSE": "a closing '|'"}


def _token_error(e: Any, text: str) -> ParseError:
    tok = e.token
    expected = set(e.expected or ())
    closers = [_NAMES[t] for t in sorted(expected) if t in _NAMES]
    if tok.type == "$END":
        pos = len(text.rstrip())
        if closers and not ({"WORD", "NUMBER", "LETTER", "DIGIT"} & expected):
            return ParseError(f"a group is not closed: {closers[0]} is missing", text=text,
                              pos=pos, hint="every { needs a }, every \\left( a \\right)")
        return ParseError("the expression ends too early", text=text, pos=pos,
                          hint="something is missing after the last operator or command")
    pos = tok.start_pos if tok.start_pos is not None else len(text)
    seen = text[pos:tok.end_pos] if tok.end_pos is not None else str(tok)
    if tok.type == "POW":
        hint = "TeX raises one thing at a time: write x^{2^3} or (x^2)^3"
    elif tok.type in ("RBRACE", "RPAR", "RIGHT", "RBRACK"):
        hint = f"this {seen} closes nothing" if not closers else \
            f"something is missing before {seen}"
    elif {"LBRACE", "DIGIT", "LETTER"} <= expected:
        hint = "\\frac and \\sqrt take {…} groups: \\frac{a}{b}, \\sqrt{x}"
    elif {"WORD", "NUMBER"} & expected:
        hint = "an operand is missing here"
    else:
        hint = ""
    return ParseError(f"unexpected {seen!r}", text=text, pos=pos, hint=hint)


class _Dispatch(Dispatch):
    """parser.Dispatch for LaTeX: the same span-carrying callbacks, into TexBuilder."""

    builder = TexBuilder
    spans_attr = "tex_spans"
