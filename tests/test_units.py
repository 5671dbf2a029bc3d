"""Unit strings to picoseconds and SI floats."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qdcnet.units import (
    DIMENSIONS,
    UnitError,
    convert,
    format_duration,
    parse,
    ps_to_s,
    s_to_ps,
    to_ps,
    to_si,
)


@pytest.mark.parametrize(
    ("text", "ps"),
    [
        ("10 us", 10_000_000),
        ("2.5 ms", 2_500_000_000),
        ("0.1 us", 100_000),
        ("1e-3 s", 1_000_000_000),
        ("3.5e2 ns", 350_000),
        ("7ps", 7),
        ("1 min", 60 * 10**12),
        ("10 µs", 10_000_000),
        ("10 μs", 10_000_000),
        (" 4 h ", 4 * 3600 * 10**12),
        ("0 s", 0),
    ],
)
def test_times_convert_exactly(text, ps):
    assert to_ps(text) == ps


@pytest.mark.parametrize(
    ("text", "dimension", "si"),
    [
        ("30 km", "length", 30_000.0),
        ("780 nm", "length", 780e-9),
        ("0.2 dB/km", "attenuation", 0.2e-3),
        ("250 Hz", "frequency", 250.0),
        ("1.5 MHz", "frequency", 1.5e6),
        ("200 1/s", "frequency", 200.0),
        ("2e8 m/s", "velocity", 2e8),
        ("3 dB", "loss", 3.0),
        ("57 %", "dimensionless", 0.57),
        ("0.57", "dimensionless", 0.57),
    ],
)
def test_si_values(text, dimension, si):
    assert to_si(text, dimension) == pytest.approx(si, rel=1e-15)
    assert parse(text).dimension == dimension


def test_convert_between_units_of_a_dimension():
    assert convert("0.2 dB/km", "dB/m") == pytest.approx(2e-4)
    assert convert("1550 nm", "um") == pytest.approx(1.55)
    assert convert("2.5 ms", "us") == pytest.approx(2500.0)
    with pytest.raises(UnitError, match="expected a frequency"):
        convert("3 km", "Hz")
    with pytest.raises(UnitError, match="unknown target unit 'furlong'"):
        convert("3 km", "furlong")


def test_unknown_unit_is_named_with_the_known_ones():
    with pytest.raises(UnitError) as info:
        to_ps("10 parsecs")
    message = str(info.value)
    assert "unknown unit 'parsecs'" in message
    assert "known time units: ps, ns, us" in message
    with pytest.raises(UnitError, match=r"unknown unit 'kms'.*known units: time"):
        to_si("30 kms")


def test_wrong_dimension_and_missing_unit():
    with pytest.raises(UnitError, match="'30 km' is a length, expected a time"):
        to_ps("30 km")
    with pytest.raises(UnitError, match=r"'30' has no unit; write e\.g\. '30 ps'"):
        to_ps("30")
    with pytest.raises(UnitError, match="herald_delay: expected a quantity string"):
        to_ps(30, name="herald_delay")  # type: ignore[arg-type]
    with pytest.raises(UnitError, match="cannot read"):
        to_si("fast")
    with pytest.raises(UnitError, match="unknown dimension"):
        parse("3 s", "mass")


def test_negative_and_sub_picosecond_times():
    with pytest.raises(UnitError, match="negative"):
        to_ps("-5 us")
    assert to_ps("-5 us", allow_negative=True) == -5_000_000
    with pytest.raises(UnitError, match="resolution of 1 ps"):
        to_ps("0.3 ps")
    assert to_ps("0.6 ps") == 1


def test_seconds_helpers_and_display():
    assert s_to_ps(1.5e-6) == 1_500_000
    assert ps_to_s(2_500_000_000) == pytest.approx(2.5e-3)
    assert format_duration(2_500_000_000) == "2.5 ms"
    assert format_duration(999) == "999 ps"
    assert format_duration(-3_000) == "-3 ns"
    assert format_duration(7200 * 10**12) == "2 h"


def test_every_advertised_unit_parses():
    for dimension, units in DIMENSIONS.items():
        for unit in units:
            assert parse(f"1 {unit}".strip(), dimension).dimension == dimension


@given(st.integers(min_value=0, max_value=10**15))
def test_integer_picoseconds_round_trip(ps):
    assert to_ps(f"{ps} ps") == ps
    assert to_ps(f"{ps / 10**6!r} us") == pytest.approx(ps, abs=1)


# -- numbers at the edge (issue 12) ---------------------------------------------


@pytest.mark.parametrize(
    ("text", "dimension", "reason"),
    [
        ("1e308 s", "time", "beyond the kernel's clock"),
        ("1e999 s", "time", "beyond the kernel's clock"),
        ("1e99999999999 s", "time", "too large to represent"),
        ("107 days", "time", None),  # not a unit: an ordinary UnitError
        ("0.4 ps", "time", "resolution of 1 ps"),
        ("1e308 km", "length", "overflows a float"),
        ("1e999 Hz", "frequency", "overflows a float"),
        ("1e-999 m", "length", "too small to represent"),
        ("1e308 km/s", "velocity", "overflows a float"),
        ("1e308 deg", "angle", None),  # finite: a field's own bound refuses it
    ],
)
def test_values_that_cannot_be_represented_are_refused_with_the_name(text, dimension, reason):
    from qdcnet.errors import ParameterError
    from qdcnet.units import QuantityRangeError

    if reason is None:
        try:
            parse(text, dimension, name="field")
        except QuantityRangeError:  # pragma: no cover - the assertion below explains
            pytest.fail(f"{text} should not be a range error")
        except UnitError:
            pass
        return
    with pytest.raises(QuantityRangeError, match=reason) as info:
        parse(text, dimension, name="field")
    error = info.value
    assert isinstance(error, ParameterError)
    assert isinstance(error, UnitError)
    assert (error.name, error.value) == ("field", text)
    assert str(error).startswith(f"field = {text!r} is out of range: allowed ")


def test_the_kernel_clock_range_is_the_time_range():
    from qdcnet.units import MAX_PS, MAX_TIME_S, QuantityRangeError

    # Up to the last float below 2**63 ps: s_to_ps(to_si(...)) must give it back.
    assert to_ps(f"{MAX_PS - 10**6} ps") == MAX_PS - 10**6
    assert s_to_ps(to_si(f"{MAX_PS - 10**6} ps", "time")) <= MAX_PS
    assert to_ps("9.2e6 s") == 92 * 10**17
    with pytest.raises(QuantityRangeError, match=r"0 s or 1 ps <= \|t\| <= 9\.22337e\+06 s"):
        to_ps(f"{MAX_PS + 1} ps")
    with pytest.raises(QuantityRangeError, match="--duration"):
        to_si("1e308 s", "time", name="--duration")
    assert s_to_ps(MAX_TIME_S / 2) == pytest.approx(MAX_PS / 2, rel=1e-12)
    for bad in (float("inf"), float("nan"), 1e300, -1e300):
        with pytest.raises(QuantityRangeError, match="delay_s = "):
            s_to_ps(bad, name="delay_s")


def test_negative_durations_from_the_command_line_name_the_option():
    from qdcnet.units import QuantityRangeError

    with pytest.raises(QuantityRangeError, match=r"--duration = '-1s' .* \[0 s, 9\.22337e\+06"):
        to_si("-1s", "time", name="--duration")
    assert to_si("-1s", "time", allow_negative=True) == -1.0
    assert to_si("-3 dB", "loss") == -3.0  # only times are durations


def test_to_duration_s_holds_an_option_to_the_file_rule():
    from qdcnet.units import QuantityRangeError, to_duration_s

    assert to_duration_s("2.5 ms", name="--duration") == 2.5e-3
    assert to_duration_s("0 s", name="--cutoff", allow_zero=True) == 0.0
    for text, match in [("0s", r"--duration = '0s' .*\(0 s, "), ("-2 s", "negative"),
                        ("0.2 ps", "resolution of 1 ps"), ("1e308 s", "kernel's clock")]:
        with pytest.raises(QuantityRangeError, match=match):
            to_duration_s(text, name="--duration")
