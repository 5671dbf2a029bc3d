"""The project's own exception types and the range checks that raise them.

Every error a user can cause by bad input is a :class:`QdcnetError`, so the
CLI can print one clear line instead of a traceback, and callers can catch the
whole family at once. Errors about a value also subclass :class:`ValueError`,
so ``except ValueError`` keeps working for code that does not know qdcnet.

Examples
--------
>>> from qdcnet.errors import check_probability
>>> check_probability("fidelity", 1.2)
Traceback (most recent call last):
...
qdcnet.errors.ParameterError: fidelity = 1.2 is out of range: allowed [0, 1]
"""

from __future__ import annotations

import math
from typing import Any

__all__ = [
    "ParameterError",
    "QdcnetError",
    "SimulationError",
    "check_nonnegative",
    "check_positive",
    "check_probability",
    "check_range",
]


class QdcnetError(Exception):
    """Base class of every error qdcnet raises on purpose.

    ``code`` names the kind of mistake for programs that read errors as
    JSON (``qdcnet ... --json``); each subclass has its own.
    """

    code = "error"

    def details(self) -> dict[str, Any]:
        """The error as a JSON-ready object: code, message and, where known, the field."""
        return {"code": self.code, "message": str(self)}


class ParameterError(QdcnetError, ValueError):
    """A value outside its allowed range, or of the wrong kind.

    Parameters
    ----------
    name
        The argument or field, as the user wrote it.
    value
        The value that was refused.
    allowed
        The allowed range or set, in words or interval notation.
    reason
        Optional extra sentence (why the range is what it is).
    """

    code = "bad_value"

    def __init__(self, name: str, value: Any, allowed: str, reason: str | None = None) -> None:
        self.name = name
        self.value = value
        self.allowed = allowed
        self.reason = reason
        message = f"{name} = {value!r} is out of range: allowed {allowed}"
        if reason:
            message += f" ({reason})"
        super().__init__(message)

    def details(self) -> dict[str, Any]:
        value = self.value if isinstance(self.value, (int, float, str, bool)) or \
            self.value is None else repr(self.value)
        return super().details() | {"field": self.name, "value": value,
                                    "allowed": self.allowed, "reason": self.reason}

    def __reduce__(self) -> tuple[Any, ...]:
        # Exceptions with extra constructor arguments must say how to rebuild
        # themselves, or they cannot cross process boundaries (sweeps, Dask).
        return (type(self), (self.name, self.value, self.allowed, self.reason))


class SimulationError(QdcnetError):
    """An exception raised inside a simulation callback, with where and when.

    The original exception is kept as ``__cause__`` and as :attr:`original`.
    """

    code = "simulation"

    def __init__(self, message: str, time_ps: int, callback_name: str) -> None:
        super().__init__(message)
        self.time_ps = time_ps
        self.callback_name = callback_name

    @property
    def original(self) -> BaseException | None:
        return self.__cause__

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (str(self), self.time_ps, self.callback_name))


def _format_bound(x: float) -> str:
    if x == math.inf:
        return "inf"
    if x == -math.inf:
        return "-inf"
    return f"{x:g}"


def check_range(
    name: str,
    value: float,
    low: float = -math.inf,
    high: float = math.inf,
    *,
    low_open: bool = False,
    high_open: bool = False,
    allow_inf: bool = False,
    reason: str | None = None,
) -> float:
    """Return ``value`` as a float if it lies in the interval, else raise.

    NaN is always refused. An infinite bound is open unless ``allow_inf`` is
    set (for times such as T1 where "never" is a meaningful value).

    >>> check_range("alpha", 0.5, 0.0, 1.0, low_open=True)
    0.5
    >>> check_range("t1_s", float("inf"), 0.0, low_open=True, allow_inf=True)
    inf
    """
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ParameterError(name, value, "a real number", reason) from None
    # Fast path first: the message is only built for a value that fails.
    lower_open = low_open or (low == -math.inf and not allow_inf)
    upper_open = high_open or (high == math.inf and not allow_inf)
    below = x <= low if lower_open else x < low
    above = x >= high if upper_open else x > high
    if below or above or x != x:  # x != x: NaN
        left = "(" if lower_open else "["
        right = ")" if upper_open else "]"
        allowed = f"{left}{_format_bound(low)}, {_format_bound(high)}{right}"
        raise ParameterError(name, value, allowed, reason)
    return x


def check_probability(name: str, value: float) -> float:
    """Check ``0 <= value <= 1``."""
    return check_range(name, value, 0.0, 1.0)


def check_nonnegative(name: str, value: float, *, allow_inf: bool = False) -> float:
    """Check ``value >= 0``."""
    return check_range(name, value, 0.0, allow_inf=allow_inf)


def check_positive(name: str, value: float, *, allow_inf: bool = False) -> float:
    """Check ``value > 0``."""
    return check_range(name, value, 0.0, low_open=True, allow_inf=allow_inf)
