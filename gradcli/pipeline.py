"""Text and values → an evaluation: parse, forward, reverse, finite-difference check.

The one place the stages are composed; the CLI and the Python API both call it.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from gradcli.cancellation import review
from gradcli.errors import GradcliError, InputError
from gradcli.fdcheck import Check, can_kink, fd_check
from gradcli.forward import forward
from gradcli.parser import parse
from gradcli.reverse import Note, reverse, value_notes
from gradcli.tape import (
    CONST,
    Tape,
    expressions,
    needs_grad,
    node_names,
    reaches,
    unused_steps,
)
from gradcli.underflow import review as underflow_review


@dataclass
class Evaluation:
    """Everything one point gives: node values, adjoints per output, notes, checks."""

    tape: Tape
    env: dict[str, float]  # the variables the expression uses, in order of first use
    values: list[Any]
    adjoints: list[list[Any]]  # one list of node adjoints per output
    notes: list[Note] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)  # one per output, when checked
    warnings: list[str] = field(default_factory=list)

    @property
    def value(self) -> Any:
        """The (last) output's value."""
        return self.values[self.tape.outputs[-1]]

    @property
    def gradient(self) -> dict[str, Any]:
        """∂output/∂variable for the (last) output."""
        return self.gradient_of(len(self.tape.outputs) - 1)

    def gradient_of(self, k: int) -> dict[str, Any]:
        adj = self.adjoints[k]
        return {name: adj[i] for name, i in self.tape.variables.items()}

    @property
    def check(self) -> Check | None:
        return self.checks[-1] if self.checks else None

    def names(self) -> list[str]:
        return node_names(self.tape)

    @property
    def nodes(self) -> list[dict[str, Any]]:
        """One row per node in forward order: name, op, expression, inputs, value, grad."""
        tape = self.tape
        names = self.names()
        exprs = expressions(tape, limit=200)
        adj = self.adjoints[-1]
        live = reaches(tape, tape.outputs)
        return [{"name": names[i], "op": op, "expression": exprs[i],
                 "inputs": [names[a] for a in tape.args[i]], "value": self.values[i],
                 "grad": None if op == CONST else adj[i], "reaches_output": live[i]}
                for i, op in enumerate(tape.ops)]


# A plain number exactly as the grammar's NUMBER reads it: ASCII digits, one point,
# an optional exponent.  Python's float() also takes 1_000, full-width digits and
# inf, which are not numbers here, so it is only called on text this matches.
_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
# only for a value that is not a plain number: compiled then (re caches it), not at start-up
_NUMBER_AT = r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?"


def plain_number(text: str) -> float | None:
    """The number a plain numeric text means, or None if it is anything else.

    None also for a text that overflows or underflows a double (1e999, 1e-400):
    the grammar then says which.
    """
    text = text.strip()
    if not _PLAIN_NUMBER.fullmatch(text):
        return None
    v = float(text)
    if not math.isfinite(v):
        return None
    if v == 0 and any(c in "123456789" for c in text.lower().split("e")[0]):
        return None  # underflowed to 0: not what was written
    return v


def value_typo(text: str) -> tuple[str, int] | None:
    """Why a value text is a typo rather than a number, and where; None if it is not one.

    A value is a number or a constant expression (pi/4, 2pi, sqrt(2)).  Two numbers
    side by side (`2 3`, `1 000`), a second decimal point (`1..5`, `1.2.3`, `1e-5.5`),
    a letter straight after an exponent (`1e5e`), an underscore in a number (`1_000`)
    or a digit outside ASCII (`３`) would otherwise read as a product or a name.
    """
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isalpha() or ch == "_":  # a name (log10, x2): its digits are not a number
            i += 1
            while i < n and (text[i].isalnum() or text[i] == "_"):
                i += 1
            continue
        if ch.isdecimal() and ch not in "0123456789":
            return f"{ch!r} is not an ASCII digit", i
        m = re.compile(_NUMBER_AT).match(text, i) if ch in "0123456789." else None
        if m is None:
            i += 1
            continue
        j = m.end()
        num = m.group()
        if j < n and text[j] == ".":
            where = "after the exponent of" if m.group(1) else "in"
            return f"a second decimal point {where} {num}{text[j]}", j
        if j < n and text[j] == "_":
            return "an underscore in a number (write the digits without it)", j
        if m.group(1) and j < n and text[j].isalpha():
            return f"a letter right after the exponent of {num}: {text[j]!r}", j
        if not m.group(1) and text[j: j + 1] in ("e", "E") and \
                not (text[j + 1: j + 2].isalnum() or text[j + 1: j + 2] == "_"):
            # `2e 3`, `2e -3`, `2e- 3`: an exponent with a space in it, not 2·e·3 or 2·e - 3
            # (`2e - 3`, spaced evenly, is the subtraction it looks like)
            k = _skip_spaces(text, j + 1)
            if k < n and text[k] in "+-":
                d = _skip_spaces(text, k + 1)
                slip = d < n and text[d].isdigit() and (k > j + 1) != (d > k + 1)
            else:
                slip = k > j + 1 and k < n and text[k].isdigit()
            if slip:
                return f"a space inside the exponent of {num}{text[j]}", j + 1
        k = j
        while k < n and text[k] in " \t":
            k += 1
        word = re.match(r"[^\W\d_]+", text[k:])  # the letters after the number, if any
        if word and set(word.group()) <= {"e", "E"}:
            # `2e`, `2e*3`, `2 e 3`, `2ee`: an exponent marker without its exponent, or
            # digits and Euler's e side by side; read as 2·e they are a silent misreading
            if m.group(1):  # 1e5 e: it has its exponent
                return (f"a number and e side by side: {num}{text[j:k]}{word.group()} (write "
                        f"{num}*e for {num}·e)"), k
            return (f"{num}{text[j:k]}{word.group()} has an exponent marker without its "
                    f"exponent, or a number and e side by side (write {num}e3 for "
                    f"{num}·10³, or {num}*e for {num}·e)"), k
        if k > j and k < n and (text[k] in "0123456789" or
                                (text[k] == "." and text[k + 1: k + 2].isdigit())):
            return "two numbers side by side (a space inside a number, or a missing operator)", k
        i = j
    return None


def refuse_typo(name: str, text: str) -> None:
    """An InputError with the reason if the value text is a typo (see value_typo)."""
    typo = value_typo(text)
    if typo is not None:
        reason, at = typo
        raise InputError(f"the value of {name}, {text!r}, is not a number: {reason} "
                         f"(character {at + 1})",
                         hint="write one number (2.5, 1e-3) or a constant expression "
                              "(pi/4, 2*pi, sqrt(2))")


def _skip_spaces(text: str, i: int) -> int:
    while i < len(text) and text[i] in " \t":
        i += 1
    return i


def parse_value(name: str, text: str) -> float:
    """A variable's value: a number or a constant expression like pi/4 or sqrt(2).

    A typo (value_typo) is an error with the reason, never read as a product.
    """
    v = plain_number(text)
    if v is not None:  # a plain number: no parser needed
        return v
    if text.lstrip()[:1] in ("[", "@"):  # eval and jacobian read these first (issue 15)
        raise InputError(f"the value of {name} is an array ({text.strip()[:40]}); only gradcli "
                         "eval and gradcli jacobian take arrays, at one point")
    from gradcli.limits import MAX_VALUE

    if len(text) > MAX_VALUE:
        raise InputError(f"the value of {name} is {len(text):,} characters long; a value is "
                         f"at most {MAX_VALUE:,}", hint="see 'Budgets' in the README")
    refuse_typo(name, text)
    try:
        tape = parse(text)
    except GradcliError as e:
        raise InputError(f"the value of {name}, {text!r}, is not a number: {e.message}") from None
    if tape.variables:
        raise InputError(f"the value of {name}, {text!r}, uses {', '.join(tape.variables)}; "
                         "a value may only use numbers, pi and e")
    if len(tape.outputs) != 1:
        raise InputError(f"the value of {name}, {text!r}, is several numbers")
    try:
        return float(forward(tape, {})[tape.outputs[0]])
    except GradcliError as e:
        raise InputError(f"the value of {name}: {e.message}") from None


def is_name(text: str) -> bool:
    """Whether `text` can be given a value: a variable name as the grammar reads it.

    Python identifiers, and the grammar's wider names: subscripts (x₁, w₂₃) and other
    Unicode letters and digits, so every name an expression can use can be given.
    """
    if text.isidentifier():
        return True
    if not text or len(text) > 200 or any(c.isspace() for c in text):
        return False
    try:
        tape = parse(text, known=(text,))
    except GradcliError:
        return False
    return len(tape) == 1 and list(tape.variables) == [text]


def bind(tape: Tape, values: Mapping[str, float]) -> tuple[dict[str, float], list[str]]:
    """The point for `tape`'s variables, and warnings; all missing names in one error."""
    missing = [n for n in tape.variables if n not in values]
    if missing:
        raise missing_error(tape, missing, values)
    warnings = unused_values(tape, values)
    return {n: point_value(n, values[n]) for n in tape.variables}, warnings


def unused_warnings(tape: Tape) -> list[str]:
    """A warning for each step of a program that reaches no output (it is still shown)."""
    out = ", ".join(tape.output_names) or "the output"
    texts = expressions(tape, limit=40, names=node_names(tape))
    return [f"the step {tape.labels[i]} = {texts[i]} reaches no output ({out}): it is "
            f"evaluated and shown, and its gradient is 0" for i in unused_steps(tape)]


def point_value(name: str, v: object) -> float:
    """A value from the API or a caller as a finite float, or an InputError saying why.

    Strings are read like the command line's values (2.5, pi/4); a bool, None, a
    complex number or one too large for a double is not a point (Python's float()
    would raise its own TypeError/OverflowError, or take True as 1).
    """
    if v.__class__ is float:
        x = v
    elif isinstance(v, str):
        return parse_value(name, v)
    elif isinstance(v, bool) or not isinstance(v, numbers.Real):
        raise InputError(f"the value of {name} is {type(v).__name__} {v!r:.40}; "
                         "a value is a real number")
    else:
        try:
            x = float(v)
        except (OverflowError, ValueError, TypeError) as e:
            raise InputError(f"the value of {name} is not a double ({e})") from None
    if not math.isfinite(x):
        raise InputError(f"the value of {name} is {x}; a point must be finite")
    return x


def unused_values(tape: Tape, names: Iterable[str], what: str = "value") -> list[str]:
    """A warning for each given name the expression does not use as a variable."""
    from gradcli.ops import CONSTANTS

    out = []
    for n in names:
        if n in tape.variables:
            continue
        if n in CONSTANTS:
            out.append(f"{n} is the constant {CONSTANTS[n]!r} here, so its {what} is ignored; "
                       f"to make it a variable, rename it or assign it in a program ({n} = ...)")
        else:
            out.append(f"{n} is not in the expression; its {what} is ignored")
    return out


def missing_error(tape: Tape, missing: list[str], values: Mapping[str, float]) -> InputError:
    """'no value for y, z' with the fix, and what juxtaposition did, when it matters."""
    flags = " ".join(f"--{n} VALUE" for n in missing)
    plural = "s" if len(missing) > 1 else ""
    hints = [tape.hints[n] for n in missing if n in tape.hints]
    given = set(values) | set(tape.variables) - set(missing)
    for n in missing:
        ascii_forms = _subscript_spellings(n)
        typed = [a for a in ascii_forms if a in values]
        if typed:  # --x_1 for x₁: two different names; say how to give the one used
            hints.append(f"{typed[0]} is another name; give {n} as --{n} VALUE or {n}=VALUE")
        split = _split_name(n, given)
        if split:
            hints.append(f"{n} is one name; for a product write {'*'.join(split)}")
    hint = "; ".join(hints) if hints else f"give {'them' if plural else 'it'}: {flags}"
    return InputError(f"no value for the variable{plural} {', '.join(missing)}", hint=hint)


_SUBSCRIPTS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")


def _subscript_spellings(name: str) -> list[str]:
    """x₁ → ['x_1', 'x1']: how a subscripted name is often typed in ASCII."""
    plain = name.translate(_SUBSCRIPTS)
    if plain == name:
        return []
    first = next(i for i, (a, b) in enumerate(zip(name, plain, strict=True)) if a != b)
    return [plain[:first] + "_" + plain[first:], plain]


def _split_name(name: str, known: set[str]) -> list[str] | None:
    """Split `xy` into known names ['x', 'y'] if it can be (word break, no recursion)."""
    if not 2 <= len(name) <= 64 or not known:
        return None
    longest = max(map(len, known))
    # best[i]: the parts of name[:i], or None when name[:i] does not split
    best: list[list[str] | None] = [None] * (len(name) + 1)
    best[0] = []
    for end in range(1, len(name) + 1):
        for start in range(max(0, end - longest), end):
            head = best[start]
            if head is not None and name[start:end] in known:
                best[end] = [*head, name[start:end]]
                break
    parts = best[-1]
    return parts if parts is not None and len(parts) > 1 else None


def _output_at(tape: Tape, out: int) -> Callable[[Mapping[str, float]], float]:
    """The function point -> value of node `out`, for the finite-difference check."""
    return lambda point: float(forward(tape, point)[out])


def evaluate(source: str | Tape, values: Mapping[str, float], *, check: bool = True,
             strict_names: bool = False, convention: str = "torch") -> Evaluation:
    """Parse (unless given a tape), bind values, sweep forward and back, and check."""
    if not isinstance(source, str | Tape):
        raise InputError(f"the expression is {type(source).__name__}, not text")
    if not isinstance(values, Mapping):
        raise InputError(f"the values are {type(values).__name__}, not a mapping of names")
    # names given values stay whole: --yhat 2 keeps `yhat` from reading as y*h*a*t
    tape = parse(source, known=values) if isinstance(source, str) else source
    env, warnings = bind(tape, values)
    if strict_names and warnings:
        raise InputError(warnings[0])
    vals = forward(tape, env)
    need = needs_grad(tape)
    adjoints: list[list[Any]] = []
    notes: list[Note] = value_notes(tape, vals)
    for out in tape.outputs:
        adj, out_notes = reverse(tape, vals, out, need, convention=convention)
        adjoints.append(adj)
        notes.extend(n for n in out_notes if n not in notes)
    warnings = [*warnings, *unused_warnings(tape)]
    result = Evaluation(tape, env, vals, adjoints, notes, [], warnings)
    if check:
        from gradcli.limits import MAX_CHECK_WORK, over

        over("the finite-difference check's work (outputs × variables × nodes)",
             len(tape.outputs) * len(tape.variables) * len(tape), MAX_CHECK_WORK,
             "use --no-check (the values and gradient need no check), or fewer outputs")
        for k, out in enumerate(tape.outputs):
            result.checks.append(fd_check(_output_at(tape, out), env, result.gradient_of(k),
                                          at_kink=bool(notes), kinks=can_kink(tape.ops)))
    review(result, convention)  # digits lost to cancellation: a note, and no pass
    underflow_review(result, convention)  # digits lost to underflow: the same
    return result
