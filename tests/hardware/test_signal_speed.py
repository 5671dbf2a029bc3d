"""One signal speed in fibre: photons, heralds and classical messages alike."""

from __future__ import annotations

import dataclasses

import pytest

from qdcnet.hardware.components import DEFAULT_GROUP_VELOCITY_M_PER_S, Fiber
from qdcnet.link.spec import MidpointSourceLink
from qdcnet.units import SPEED_OF_LIGHT_M_PER_S


def test_the_fibre_constant_is_smf28s_group_index():
    # Corning SMF-28 near 1550 nm: group index 1.468.
    group_index = SPEED_OF_LIGHT_M_PER_S / DEFAULT_GROUP_VELOCITY_M_PER_S
    assert group_index == pytest.approx(1.468)


def test_photons_and_classical_messages_share_it():
    assert Fiber(length_m=1.0).group_velocity_m_per_s == DEFAULT_GROUP_VELOCITY_M_PER_S
    defaults = {f.name: f.default for f in dataclasses.fields(MidpointSourceLink)}
    assert defaults["classical_velocity_m_per_s"] == DEFAULT_GROUP_VELOCITY_M_PER_S
