"""Headers, d/dx and functions in programs: `f(x) = …`, `d/dx …`, `g(x) = sin(f(x))`.

The rules of the tape builder of gradcli/builder.py for both grammars' `header`,
`define` and `derivative` and for calls of a function the program defined; the
builder imports this module only when a program has one, so a plain expression
never pays for it.

- A header `f(x) = …`, `z(x, y) = …` (or `y = …`) as the LAST statement is the
  expression itself; its name labels the output.
- A definition followed by more statements is a function.  A call copies the
  function's graph with the arguments in place of the parameters, and the copy's
  result node is named after the call (`f(x)`), so explain and graph show the
  call as a step of its own and the chain rule through it edge by edge.
- `d/dx …`, `d^2/dx^2 …`, `\\frac{d}{dx} …` lead diff's and check's expression:
  the variable becomes --wrt (parse(..., derivative=True)); elsewhere refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Protocol

from gradcli.errors import InputError
from gradcli.ops import CONSTANTS, FUNCTIONS
from gradcli.tape import CONST, VAR, Call, Tape, expressions


@dataclass
class Function:
    """A function the program defined: its parameters' nodes and its body's node."""

    name: str
    params: list[str]
    param_nodes: list[int]
    body: int
    pos: int
    free: list[str]  # variables the body uses that are not parameters


@dataclass
class Header:
    name: str
    params: list[str] | None  # None: `y =`, a named step
    pos: int
    shadowed: dict[str, int] = field(default_factory=dict)  # steps the parameters hide


@dataclass
class Derivative:
    """What a leading d/dx asked for."""

    variable: str
    order: int
    pos: int


@dataclass
class ProgramState:
    functions: dict[str, Function] = field(default_factory=dict)
    defining: Header | None = None
    derivative: Derivative | None = None


class _Recording(dict[str, int]):
    """The program's steps while a function body is read: which ones it names."""

    def __init__(self, steps: dict[str, int]) -> None:
        super().__init__(steps)
        self.used: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        if key in self:
            self.used.add(key)
        return super().get(key, default)

    def __getitem__(self, key: str) -> int:
        self.used.add(key)
        return super().__getitem__(key)


class _NameToken(str):
    """A name with a position, as `assign` expects a NAME token."""

    start_pos: int


_HEADER = re.compile(r"\s*([^\W\d]\w*)\s*(?:(?:\\left\s*)?\((.*?)(?:\\right\s*)?\))?\s*&?=\s*$",
                     re.S)
_LATEX_D = re.compile(r"\\(?:mathrm|operatorname)\s*\{\s*d\s*\}")
_ORDER = re.compile(r"\^\s*\{?\s*([0-9])\s*\}?|([²³])")


class ProgramBuilder(Protocol):
    """What the rules below need of the tape builder (gradcli/builder.py's Builder, whose
    `header`, `define` and `derivative` rules and calls of a defined function call them:
    the builder imports this module only when a program has one)."""

    tape: Tape
    text: str
    steps: dict[str, int]
    statements: list[tuple[str, Any]]
    known: frozenset[str]  # names never split into letters (gradcli/notation.py)
    program: ProgramState | None  # None until a header, definition or d/dx is read

    def _fail(self, message: str, pos: int, hint: str = "") -> InputError: ...

    def _node(self, v: Any) -> int: ...

    def assign(self, c: list[Any]) -> None: ...


def program(b: ProgramBuilder) -> ProgramState:
    """The program's functions, the header being read, and its d/dx (made on first use)."""
    if b.program is None:
        b.program = ProgramState()
    return b.program


# -------------------------------------------------- f(x) = …
def header(b: ProgramBuilder, c: list[Any]) -> Header:
    """The `header` rule: `f(x) =`, `z(x, y) =` or `y =`."""
    tok = c[0]
    pos = tok.start_pos
    m = _HEADER.match(str(tok))
    if m is None:  # the token's pattern is wider than a header
        raise b._fail("a header is a name, its parameters and '='", pos,
                      hint="f(x) = x^2, z(x, y) = x*y or y = x^2")
    name, inside = m.group(1), m.group(2)
    if inside is None:
        return Header(name, None, pos)
    params = [p.strip() for p in inside.split(",")]
    state = program(b)
    if name in FUNCTIONS:
        raise b._fail(f"{name} is a built-in function", pos,
                      hint=f"give yours another name: my{name}({', '.join(params)}) = …")
    if name in CONSTANTS or name in b.steps:
        raise b._fail(f"{name} already has a value here", pos,
                      hint="give the function another name")
    if name in state.functions:
        first = state.functions[name].pos
        raise b._fail(f"{name} is defined twice", pos,
                      hint=f"the first definition is at {_where(b.text, first)}")
    for k, p in enumerate(params):
        if not p.isidentifier():
            raise b._fail(f"{p!r} is not a parameter name", pos,
                          hint=f"write {name}(x) = … or {name}(x, y) = …")
        if p in CONSTANTS or p in FUNCTIONS:
            raise b._fail(f"the parameter {p} is the name of a "
                          f"{'constant' if p in CONSTANTS else 'function'}", pos,
                          hint="choose another parameter name")
        if p in params[:k]:
            raise b._fail(f"the parameter {p} appears twice", pos)
    header = Header(name, params, pos)
    for p in params:  # inside the body a parameter hides a step of the same name
        if p in b.steps:
            header.shadowed[p] = b.steps.pop(p)
    b.steps = _Recording(b.steps)  # which steps the body names
    if isinstance(getattr(b, "known", None), frozenset):
        b.known = b.known | set(params)  # a parameter is one name, never a product
    state.defining = header
    return header


def define(b: ProgramBuilder, c: list[Any]) -> None:
    """The `define` rule: a header and its body, a function or (`y = …`) a named step."""
    header, value = c
    if header.params is None:  # y = …: a step named y
        name = _NameToken(header.name)
        name.start_pos = header.pos
        b.assign([name, value])
        return
    node = b._node(value)
    used = b.steps.used if isinstance(b.steps, _Recording) else set()
    b.steps = dict(b.steps)
    b.steps.update(header.shadowed)
    state = program(b)
    state.defining = None
    params = header.params
    param_nodes = [b.tape.var(p, header.pos) for p in params]
    steps = {b.steps[s] for s in used if s in b.steps}
    # a variable the body names itself must be a parameter; one inside a step it
    # names is the program's (k = 3*y; f(x) = k*x)
    free = [n for n in _variables_under(b.tape, node, stop=steps) if n not in params]
    state.functions[header.name] = Function(header.name, params, param_nodes, node,
                                            header.pos, free)
    _refuse_captured(b, header, params, used)
    b.statements.append((header.name, node))


def is_defined_function(state: ProgramState, name: str) -> bool:
    """Whether `name(...)` calls a function of this program (or the one being defined)."""
    return name in state.functions or (state.defining is not None and
                                       state.defining.name == name and
                                       state.defining.params is not None)


def call_function(b: ProgramBuilder, name: str, args: list[int], pos: int) -> int:
    """`f(a, b)`: f's graph with the arguments for the parameters, named `f(a, b)`."""
    state = program(b)
    if state.defining is not None and state.defining.name == name:
        raise b._fail(f"{name} calls itself", pos,
                      hint="a function here cannot be recursive; write its body "
                           "without " + name)
    fn = state.functions[name]
    if len(args) != len(fn.params):
        want = len(fn.params)
        raise b._fail(f"{name} takes {want} argument{'s' if want != 1 else ''} "
                      f"({', '.join(fn.params)}), got {len(args)}", pos,
                      hint=f"call it as {name}({', '.join(fn.params)})")
    if fn.free:
        raise b._fail(f"{name} uses {', '.join(fn.free)}, which "
                      f"{'is' if len(fn.free) == 1 else 'are'} not among its "
                      f"parameters ({', '.join(fn.params)})", fn.pos,
                      hint=f"add {'it' if len(fn.free) == 1 else 'them'}: "
                           f"{name}({', '.join(fn.params + fn.free)}) = …")
    tape = b.tape
    copied: dict[int, int] = {}
    out = _instantiate(tape, fn, args, pos, copied)
    names = expressions(tape, limit=24, upto=max(args) + 1)
    shown = [tape.labels[a] or names[a] for a in args]
    label = f"{name}({', '.join(shown)})"
    if not tape.is_leaf(out) and tape.labels[out] in (None, name):
        tape.labels[out] = label
    record_call(tape, name, label, out, tuple(args), copied)
    return out


def record_call(tape: Tape, name: str, label: str, out: int, args: tuple[int, ...],
                copied: dict[int, int]) -> None:
    """Keep the call's nodes (its body as instantiated) on the tape, for the pictures,
    and the calls its body made, carried over to the copy (g(x) = sin(f(x)): f's too)."""
    if tape.is_leaf(out):
        return
    inner = [c for c in tape.calls if c.result in copied and all(n in copied for n in c.nodes)]
    nodes = sorted({copied[n] for n in copied if not tape.is_leaf(copied[n])}
                   - set(args) | {out})
    tape.calls.append(Call(name, label, out, args, tuple(nodes)))
    for c in inner:
        moved = tuple(copied.get(a, a) for a in c.args)
        if copied[c.result] == c.result:
            continue  # the same nodes: the call is on the tape already
        texts = expressions(tape, limit=24, upto=max(moved) + 1)
        label = f"{c.name}({', '.join(tape.labels[a] or texts[a] for a in moved)})"
        if tape.labels[copied[c.result]] is None:  # a call is a step named after it
            tape.labels[copied[c.result]] = label
        tape.calls.append(Call(c.name, label, copied[c.result], moved,
                               tuple(sorted({copied[n] for n in c.nodes}))))


# -------------------------------------------------- d/dx …
def derivative(b: ProgramBuilder, c: list[Any]) -> None:
    """The `derivative` rule: a leading d/dx and what it applies to."""
    tok, value = c
    pos = tok.start_pos
    node = b._node(value)
    state = program(b)
    if state.derivative is not None:
        raise b._fail("a second d/dx", pos, hint="give one expression to differentiate")
    variable, order = _read_deriv(str(tok))
    _refuse_half_bracket(b, tok)
    state.derivative = Derivative(variable, order, pos)
    b.statements.append(("", node))


def derivative_wrt(tape: Tape, wrt: list[str], max_order: int = 1) -> list[str]:
    """--wrt for diff and check: a leading d/dx's variable, which --wrt must agree with."""
    if tape.derivative is None:
        return wrt
    var, order = tape.derivative
    if order > max_order:
        raise InputError(f"d^{order}/d{var}^{order} asks for derivative number {order}",
                         hint="this command gives first derivatives; apply it to the "
                              "first derivative again")
    if var not in tape.variables:
        raise InputError(f"d/d{var}: {var} is not a variable of the expression",
                         hint="variables: " + (", ".join(tape.variables) or "none"))
    if wrt and wrt != [var]:
        raise InputError(f"d/d{var} and --wrt {' --wrt '.join(wrt)} disagree",
                         hint="give one of them")
    return [var]


def name_output(tape: Tape, state: ProgramState) -> None:
    """A header's name on its output; an unnamed output is `y` if the program defined f.

    (Run after the parse: a definition cannot know whether it is the last statement,
    and a label given too early would rename a later step that shares its node.)
    """
    if len(tape.outputs) != 1:
        return
    out = tape.outputs[0]
    if tape.output_names and tape.output_names[0] in state.functions:
        # `f(x) = …` last: the header case, whose output is f
        if tape.labels[out] is None and not tape.is_leaf(out):
            tape.labels[out] = tape.output_names[0]
        return
    if "f" not in state.functions or tape.labels[out] is not None:
        return
    taken = set(tape.variables) | {lab for lab in tape.labels if lab} | set(state.functions)
    name = next(n for n in ("y", "out", "result", "output_") if n not in taken)
    if not tape.is_leaf(out):
        tape.labels[out] = name
    tape.output_names = [name]


def _refuse_captured(rules: ProgramBuilder, header: Header, params: list[str],
                     used: set[str]) -> None:
    """`k = x^2; f(x) = k*x`: k is the program's x^2, which a call f(y) would turn to y^2."""
    tape = rules.tape
    for step in sorted(used):
        node = rules.steps.get(step)
        if node is None:
            continue
        hit = next((p for p in params if p in _variables_under(tape, node)), None)
        if hit is not None:
            raise rules._fail(f"{header.name}'s parameter {hit} is also the program's "
                              f"{hit}, which the step {step} uses", header.pos,
                              hint=f"give {header.name} another parameter name than {hit}, "
                                   f"or make {step} a parameter")


def _instantiate(tape: Tape, fn: Function, args: list[int], pos: int,
                 copied: dict[int, int] | None = None) -> int:
    """Copy the nodes between fn's parameters and its body with `args` in their place
    (`copied`, when given, receives the map from the body's nodes to the copies)."""
    subst = dict(zip(fn.param_nodes, args, strict=True))
    need: set[int] = set()
    stack = [fn.body]
    while stack:  # a loop, not recursion: deep bodies are fine
        n = stack.pop()
        if n in need:
            continue
        need.add(n)
        if n not in subst:
            stack.extend(tape.args[n])
    out: dict[int, int] = {}
    for n in sorted(need):  # the tape is in topological order
        if n in subst:
            out[n] = subst[n]
        elif tape.ops[n] in (VAR, CONST):
            out[n] = n
        else:
            new_args = tuple(out[a] for a in tape.args[n])
            out[n] = n if new_args == tape.args[n] else tape.apply(tape.ops[n], new_args, pos)
    if copied is not None:
        copied.update(out)
    return out[fn.body]


def _variables_under(tape: Tape, node: int, stop: set[int] | None = None) -> list[str]:
    """The variables `node` depends on (not looking inside the nodes in `stop`)."""
    seen: set[int] = set()
    stack = [node]
    names: list[str] = []
    while stack:
        n = stack.pop()
        if n in seen or (stop and n in stop):
            continue
        seen.add(n)
        if tape.ops[n] == VAR:
            names.append(tape.labels[n] or "")
        stack.extend(tape.args[n])
    order = list(tape.variables)
    return sorted(names, key=order.index)


def _read_deriv(text: str) -> tuple[str, int]:
    """The variable and the order of `d/dx`, `d^2/dx^2`, `\\frac{d}{dx}`, `\\frac{d^2}{dt^2}`."""
    text = _LATEX_D.sub("d", text)
    if text.startswith("\\"):
        top, bottom = re.findall(r"\{([^{}]*)\}", text)[:2]
    else:
        top, bottom = text.split("/", 1)
    bottom = bottom.strip()[1:].strip()  # the d of dx
    m = _ORDER.search(top) or _ORDER.search(bottom)
    order = int((m.group(1) or "").strip() or {"²": "2", "³": "3"}[m.group(2)]) if m else 1
    var = _ORDER.sub("", bottom).strip()
    if var.startswith("\\"):
        var = var[1:]
    return var, order


def _refuse_half_bracket(rules: ProgramBuilder, tok: Any) -> None:
    """`d/dx (x^2) + x`: the bracket may be the whole argument or only its first term."""
    text = rules.text
    i = tok.end_pos
    while i < len(text) and text[i] in " \t":
        i += 1
    opener = "(" if text.startswith("(", i) else "\\left(" if text.startswith("\\left(", i) \
        else ""
    if not opener:
        return
    depth = 0
    j = i
    while j < len(text):
        if text[j] == "(":
            depth += 1
        elif text[j] == ")":
            depth -= 1
            if depth == 0:
                break
        elif text[j] in ";\n":
            return
        j += 1
    end = j + 1
    stop = min((k for k in (text.find(";", end), text.find("\n", end)) if k >= 0),
               default=len(text))
    rest = text[end:stop].strip()
    if rest and not rest.startswith(("^", "\\right")):
        head = text[tok.start_pos:tok.end_pos].strip()
        whole = text[i:stop].strip()
        raise rules._fail(f"{head} {whole}: does {head} apply to the bracket or to all "
                          "of it?", tok.start_pos,
                          hint=f"write {head} ({whole}) for all of it; for the bracket alone "
                               f"give only {head} {text[i:end]}")


def _where(text: str, pos: int) -> str:
    return InputError("", text=text, pos=pos).location()
