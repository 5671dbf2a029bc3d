from __future__ import annotations

import math

import pytest

from qdcnet.errors import ParameterError, check_nonnegative, check_positive, check_range


def test_messages_name_field_value_and_range():
    with pytest.raises(ParameterError) as info:
        check_range("alpha", 1.5, 0.0, 1.0, low_open=True)
    assert str(info.value) == "alpha = 1.5 is out of range: allowed (0, 1]"
    assert info.value.name == "alpha"
    assert info.value.value == 1.5
    assert info.value.allowed == "(0, 1]"


def test_infinity_only_where_allowed():
    assert check_positive("t1_s", math.inf, allow_inf=True) == math.inf
    with pytest.raises(ParameterError, match=r"allowed \(0, inf\)"):
        check_positive("length_m", math.inf)
    with pytest.raises(ParameterError, match=r"\[0, inf\)"):
        check_nonnegative("delay", -1)


def test_nan_and_non_numbers_refused():
    with pytest.raises(ParameterError):
        check_range("x", math.nan, 0, 1)
    with pytest.raises(ParameterError, match="a real number"):
        check_range("x", "one", 0, 1)
