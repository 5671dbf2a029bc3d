"""Unit strings to kernel integers and SI floats.

Users write quantities as strings (``"10 us"``, ``"30 km"``, ``"0.2 dB/km"``);
the configuration layer converts them once, at the edge, and the core works
in plain numbers: time as an ``int`` of picoseconds in the kernel, everything
else as SI floats (seconds, metres, hertz, dB per metre, metres per second).

Time strings are converted exactly (decimal arithmetic), so ``"0.1 us"`` is
100,000 ps, not 99,999 or 100,001.

Examples
--------
>>> to_ps("2.5 ms")
2500000000
>>> to_si("30 km")
30000.0
>>> convert("0.2 dB/km", "dB/m")
0.0002
>>> to_si("250 Hz", "frequency")
250.0
>>> to_ps("10 parsecs")
Traceback (most recent call last):
...
qdcnet.units.UnitError: unknown unit 'parsecs' in '10 parsecs'; known time units: ...
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from qdcnet.errors import ParameterError, QdcnetError

__all__ = [
    "DIMENSIONS",
    "MAX_PS",
    "MAX_TIME_S",
    "PS_PER_S",
    "SPEED_OF_LIGHT_M_PER_S",
    "Quantity",
    "QuantityRangeError",
    "UnitError",
    "convert",
    "format_duration",
    "parse",
    "ps_to_s",
    "s_to_ps",
    "si_unit",
    "to_ps",
    "to_si",
]

PS_PER_S = 10**12
SPEED_OF_LIGHT_M_PER_S = 299_792_458.0


#: The kernel's clock is an integer count of picoseconds; times are kept within
#: a signed 64-bit integer so they fit numpy's int64 arrays too (about 106 days).
MAX_PS = 2**63 - 1
MAX_TIME_S = MAX_PS / PS_PER_S


class UnitError(QdcnetError, ValueError):
    """A quantity string that could not be understood."""

    code = "bad_unit"


class QuantityRangeError(ParameterError, UnitError):
    """A well-formed quantity whose value cannot be represented: not finite, too large
    for the kernel's clock or for a float, or a nonzero time below the 1 ps resolution.

    It is both a :class:`~qdcnet.errors.ParameterError` (``name``, ``value``,
    ``allowed``) and a :class:`UnitError`, so code that catches either sees it.
    """


# unit -> (dimension, factor to the SI unit of that dimension), exact decimals.
_UNITS: dict[str, tuple[str, Decimal]] = {}


def _register(dimension: str, factors: dict[str, str]) -> None:
    for unit, factor in factors.items():
        _UNITS[unit] = (dimension, Decimal(factor))


_register(
    "time",
    {
        "ps": "1e-12",
        "ns": "1e-9",
        "us": "1e-6",
        "µs": "1e-6",  # micro sign U+00B5
        "μs": "1e-6",  # Greek mu U+03BC
        "ms": "1e-3",
        "s": "1",
        "min": "60",
        "h": "3600",
    },
)
_register("length", {"nm": "1e-9", "um": "1e-6", "µm": "1e-6", "μm": "1e-6", "mm": "1e-3",
                     "cm": "1e-2", "m": "1", "km": "1e3"})
_register("frequency", {"Hz": "1", "kHz": "1e3", "MHz": "1e6", "GHz": "1e9", "THz": "1e12",
                        "1/s": "1", "/s": "1"})
_register("attenuation", {"dB/m": "1", "dB/km": "1e-3"})
_register("loss", {"dB": "1"})
_register("loss_rate", {"dB/s": "1", "dB/ms": "1e3", "dB/us": "1e6", "dB/ns": "1e9"})
_register("velocity", {"m/s": "1", "km/s": "1e3"})
_register("angle", {"rad": "1", "mrad": "1e-3", "deg": "0.017453292519943295769"})
_register("dimensionless", {"": "1", "%": "0.01"})

#: Units of each dimension, in the order they are listed in error messages.
DIMENSIONS: dict[str, tuple[str, ...]] = {}
for _unit, (_dim, _) in _UNITS.items():
    if _unit in ("μs", "μm", "/s"):
        continue  # aliases: accepted, not advertised
    DIMENSIONS.setdefault(_dim, ())
    DIMENSIONS[_dim] = (*DIMENSIONS[_dim], _unit)

_SI_UNIT = {
    "time": "s",
    "length": "m",
    "frequency": "Hz",
    "attenuation": "dB/m",
    "loss": "dB",
    "loss_rate": "dB/s",
    "velocity": "m/s",
    "angle": "rad",
    "dimensionless": "",
}

_QUANTITY = re.compile(
    r"^\s*(?P<number>[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*(?P<unit>\S*?)\s*$"
)


@dataclass(frozen=True, slots=True)
class Quantity:
    """A parsed quantity: the number as written, its unit and its SI value."""

    magnitude: Decimal
    unit: str
    dimension: str

    @property
    def si(self) -> float:
        """Value in the SI unit of the dimension (seconds, metres, ...)."""
        return float(self.magnitude * _UNITS[self.unit][1])

    def exact_ps(self) -> Decimal:
        """A time as an exact (decimal) number of picoseconds."""
        return self.magnitude * _UNITS[self.unit][1] * PS_PER_S

    @property
    def si_unit(self) -> str:
        return _SI_UNIT[self.dimension]


def si_unit(dimension: str) -> str:
    """The SI unit qdcnet reads a dimension in.

    >>> si_unit("time"), si_unit("loss")
    ('s', 'dB')
    """
    if dimension not in _SI_UNIT:
        raise UnitError(f"unknown dimension {dimension!r}; known: {', '.join(_SI_UNIT)}")
    return _SI_UNIT[dimension]


def _known(dimension: str | None) -> str:
    if dimension is not None:
        return f"known {dimension} units: " + ", ".join(DIMENSIONS[dimension])
    return "known units: " + "; ".join(
        f"{dim}: " + ", ".join(u for u in units if u) for dim, units in DIMENSIONS.items() if dim
        != "dimensionless"
    )


def parse(text: str, dimension: str | None = None, *, name: str | None = None) -> Quantity:
    """Parse ``"<number> <unit>"``, optionally requiring a dimension.

    Parameters
    ----------
    text
        The quantity, e.g. ``"2.5 ms"``, ``"1e-3 s"``, ``"0.2 dB/km"``.
    dimension
        If given, one of :data:`DIMENSIONS`; a quantity of another dimension
        is refused.
    name
        The field the text came from, used in error messages.

    >>> parse("780 nm").si
    7.8e-07
    """
    if dimension is not None and dimension not in DIMENSIONS:
        raise UnitError(f"unknown dimension {dimension!r}; known: {', '.join(DIMENSIONS)}")
    where = f"{name}: " if name else ""
    if not isinstance(text, str):
        example = f"'{text} {DIMENSIONS[dimension][0]}'" if dimension else "'10 us'"
        raise UnitError(
            f"{where}expected a quantity string with a unit such as {example}, "
            f"got {type(text).__name__} {text!r}"
        )
    match = _QUANTITY.match(text)
    if match is None:
        raise UnitError(f"{where}cannot read {text!r} as '<number> <unit>'")
    number, unit = match.group("number"), match.group("unit")
    if unit not in _UNITS:
        raise UnitError(f"{where}unknown unit {unit!r} in {text!r}; {_known(dimension)}")
    found = _UNITS[unit][0]
    if dimension is not None and found != dimension:
        if unit == "" and dimension != "dimensionless":
            raise UnitError(
                f"{where}{text!r} has no unit; write e.g. '{number} {DIMENSIONS[dimension][0]}' "
                f"({_known(dimension)})"
            )
        raise UnitError(
            f"{where}{text!r} is a {found}, expected a {dimension} ({_known(dimension)})"
        )
    try:
        magnitude = Decimal(number)
    except InvalidOperation:  # an exponent beyond what Decimal holds, e.g. 1e99999999999
        raise QuantityRangeError(name or "quantity", text, _allowed(found),
                                 "the number is too large to represent") from None
    quantity = Quantity(magnitude, unit, found)
    _check_representable(quantity, text, name)
    return quantity


def _allowed(dimension: str) -> str:
    if dimension == "time":
        return f"0 s or 1 ps <= |t| <= {MAX_TIME_S:.6g} s"
    unit = _SI_UNIT[dimension]
    return f"a finite number with magnitude below {_FLOAT_MAX:.6g}{' ' + unit if unit else ''}"


_FLOAT_MAX = 1.7976931348623157e308


def _check_representable(quantity: Quantity, text: str, name: str | None) -> None:
    """Refuse a value that would overflow (or, for a time, leave the kernel's clock range).

    A quantity is read once, at the edge, and used as a float or (times) as an
    integer of picoseconds by everything below; a value that cannot be one of
    those must fail here, with its field's name, not as an ``OverflowError``
    somewhere downstream.
    """
    label = name or "quantity"
    try:
        if quantity.dimension == "time":
            exact = quantity.exact_ps()
            # Also bound the float seconds, which s_to_ps turns back into picoseconds.
            if abs(exact) > MAX_PS or abs(round(quantity.si * PS_PER_S)) > MAX_PS:
                raise QuantityRangeError(label, text, _allowed("time"),
                                         "beyond the kernel's clock: 2**63 - 1 ps, "
                                         "about 106 days")
            if exact != 0 and exact.to_integral_value(rounding=ROUND_HALF_EVEN) == 0:
                raise QuantityRangeError(label, text, _allowed("time"),
                                         "below the kernel's resolution of 1 ps")
            return
        si = quantity.si
    except ArithmeticError:  # decimal.Overflow for exponents near Decimal's limits
        raise QuantityRangeError(label, text, _allowed(quantity.dimension),
                                 "the number is too large to represent") from None
    if not math.isfinite(si):
        raise QuantityRangeError(label, text, _allowed(quantity.dimension),
                                 "the value overflows a float")
    if si == 0.0 and quantity.magnitude != 0:
        raise QuantityRangeError(label, text, _allowed(quantity.dimension),
                                 "the value is too small to represent (it would be 0)")


def to_si(text: str, dimension: str | None = None, *, name: str | None = None,
          allow_negative: bool = False) -> float:
    """The SI value of a quantity string (seconds, metres, Hz, dB/m, m/s).

    As with :func:`to_ps`, a negative time is refused unless ``allow_negative``.
    """
    quantity = parse(text, dimension, name=name)
    value = quantity.si
    if value < 0 and quantity.dimension == "time" and not allow_negative:
        raise QuantityRangeError(name or "duration", text, f"[0 s, {MAX_TIME_S:.6g} s]",
                                 "a duration cannot be negative")
    return value


def convert(text: str, unit: str, *, name: str | None = None) -> float:
    """The value of a quantity string expressed in ``unit`` (same dimension).

    >>> convert("1550 nm", "um")
    1.55
    """
    if unit not in _UNITS:
        raise UnitError(f"unknown target unit {unit!r}; {_known(None)}")
    dimension, factor = _UNITS[unit]
    quantity = parse(text, dimension, name=name)
    return float(quantity.magnitude * _UNITS[quantity.unit][1] / factor)


def to_ps(text: str, *, name: str | None = None, allow_negative: bool = False) -> int:
    """A time string as an integer number of picoseconds, converted exactly.

    Values are rounded to the nearest picosecond; a nonzero value that would
    round to zero is refused, as is a negative one unless ``allow_negative``.

    >>> to_ps("0.1 us")
    100000
    """
    quantity = parse(text, "time", name=name)
    ps = int(quantity.exact_ps().to_integral_value(rounding=ROUND_HALF_EVEN))
    if ps < 0 and not allow_negative:
        raise QuantityRangeError(name or "duration", text, f"[0 s, {MAX_TIME_S:.6g} s]",
                                 "a duration cannot be negative")
    return ps


def to_duration_s(text: str, *, name: str | None = None, allow_zero: bool = False) -> float:
    """A duration string (a run length, a cutoff) as seconds, checked for the kernel.

    Refuses what :func:`to_ps` refuses (not a time, beyond the clock's range,
    below its 1 ps resolution, negative) and, unless ``allow_zero``, 0 s, so a
    command-line option is held to the same rule as the same field in a file.

    >>> to_duration_s("2.5 ms", name="--duration")
    0.0025
    >>> to_duration_s("0 s", name="--duration")
    Traceback (most recent call last):
    ...
    qdcnet.units.QuantityRangeError: --duration = '0 s' is out of range: allowed (0 s, ...
    """
    ps = to_ps(text, name=name)
    if ps == 0 and not allow_zero:
        raise QuantityRangeError(name or "duration", text, f"(0 s, {MAX_TIME_S:.6g} s]",
                                 "a duration must be positive")
    return ps_to_s(ps)


def s_to_ps(seconds: float, *, name: str = "seconds") -> int:
    """Seconds (float) to the nearest integer picosecond.

    A time the kernel cannot hold (not finite, or beyond ``MAX_PS``) is a
    :class:`QuantityRangeError` naming ``name``, not an ``OverflowError``.

    >>> s_to_ps(1.5e-6)
    1500000
    """
    try:
        ps = round(seconds * PS_PER_S)
    except (OverflowError, ValueError):  # inf, nan
        ps = MAX_PS + 1
    if -MAX_PS <= ps <= MAX_PS:
        return ps
    raise QuantityRangeError(name, seconds, f"[{-MAX_TIME_S:.6g}, {MAX_TIME_S:.6g}] s",
                             "the kernel counts time in integer picoseconds up to 2**63 - 1")


def ps_to_s(ps: int) -> float:
    """Picoseconds to seconds.

    >>> ps_to_s(2_500_000_000)
    0.0025
    """
    return ps / PS_PER_S


_DISPLAY = (("h", 3600 * PS_PER_S), ("s", PS_PER_S), ("ms", 10**9),
            ("us", 10**6), ("ns", 10**3), ("ps", 1))


def format_duration(ps: int) -> str:
    """A picosecond count in the largest unit that keeps it >= 1, for display.

    >>> format_duration(2_500_000_000)
    '2.5 ms'
    >>> format_duration(0)
    '0 s'
    """
    if ps == 0:
        return "0 s"
    magnitude = abs(ps)
    for unit, size in _DISPLAY:
        if magnitude >= size:
            return f"{ps / size:.6g} {unit}"
    return f"{ps} ps"  # pragma: no cover - the loop ends at 1 ps
