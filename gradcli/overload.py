"""Operators for the number-like types the partial rules of gradcli/ops.py run on.

Dual numbers (gradcli/dual.py), Taylor jets (gradcli/jet.py) and symbolic handles
(gradcli/symbolic.py) each say how to apply one operation of the table (`_op`);
this mixin maps + - * / ** and unary - onto it, so the three stay in step.
`ByValue` gives Duals and jets the comparisons the float rules expect (x == 0,
x > 0): on the plain value they stand for.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from gradcli.ops import ERRORS as ERRORS  # re-exported: what an undefined value raises


class TableArithmetic:
    """+ - * / ** and unary -, each one operation of the table through `_op`."""

    __slots__ = ()

    def _op(self, name: str, *args: Any) -> Any:
        raise NotImplementedError

    def __add__(self, o: Any) -> Any:
        return self._op("add", self, o)

    def __radd__(self, o: Any) -> Any:
        return self._op("add", o, self)

    def __sub__(self, o: Any) -> Any:
        return self._op("sub", self, o)

    def __rsub__(self, o: Any) -> Any:
        return self._op("sub", o, self)

    def __mul__(self, o: Any) -> Any:
        return self._op("mul", self, o)

    def __rmul__(self, o: Any) -> Any:
        return self._op("mul", o, self)

    def __truediv__(self, o: Any) -> Any:
        return self._op("div", self, o)

    def __rtruediv__(self, o: Any) -> Any:
        return self._op("div", o, self)

    def __pow__(self, o: Any) -> Any:
        return self._op("pow", self, o)

    def __rpow__(self, o: Any) -> Any:
        return self._op("pow", o, self)

    def __neg__(self) -> Any:
        return self._op("neg", self)


class ByValue:
    """Comparisons, float() and hash on the plain value (`_value`), never the slopes."""

    __slots__ = ()

    def _value(self) -> Any:
        raise NotImplementedError

    def __float__(self) -> float:
        return float(self._value())

    def __eq__(self, o: object) -> bool:
        return bool(self._value() == _plain(o))

    def __ne__(self, o: object) -> bool:
        return bool(self._value() != _plain(o))

    def __lt__(self, o: Any) -> bool:
        return bool(self._value() < _plain(o))

    def __le__(self, o: Any) -> bool:
        return bool(self._value() <= _plain(o))

    def __gt__(self, o: Any) -> bool:
        return bool(self._value() > _plain(o))

    def __ge__(self, o: Any) -> bool:
        return bool(self._value() >= _plain(o))

    def __hash__(self) -> int:  # equal values hash equal (the tie check builds a set)
        return hash(self._value())


def _plain(v: Any) -> Any:
    return v._value() if isinstance(v, ByValue) else v


def lenient(apply: Callable[..., Any], name: str) -> Callable[..., Any]:
    """Operation `name` through `apply`, giving nan where it is undefined.

    For the namespaces partial rules run over: one undefined partial (d/dy x^y
    = x^y log x at x < 0) must not spoil the others of the same op; the sweeps
    report nan wherever it is actually used.
    """

    def fn(*args: Any) -> Any:
        try:
            return apply(name, *args)
        except ERRORS:
            return math.nan

    fn.__name__ = name
    return fn
