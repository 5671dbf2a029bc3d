"""A midpoint-source segment built from a scenario honours the memory model it names."""

from __future__ import annotations

import dataclasses

import pytest

from qdcnet.config.scenario import build_datacenter
from qdcnet.link.model import LinkModel


def scenario(**absorber_fields) -> dict:
    absorber = {"efficiency": 0.5, "window": "100 ns"} | absorber_fields
    return {"schema_version": 1, "kind": "datacenter", "name": "midpoint",
            "qpus": [{"name": "a", "profile": "trapped_ion", "absorber": absorber},
                     {"name": "b", "profile": "trapped_ion", "absorber": absorber}],
            "sources": [{"name": "src", "pair_rate": "1 MHz", "fidelity": 0.98,
                         "wavelength": "422 nm", "linewidth": "20 MHz"}],
            "fibers": [{"between": ["a", "src"], "length": "5 m"},
                       {"between": ["b", "src"], "length": "5 m"}],
            "links": {"scheme": "midpoint_source"}}


def test_multimode_memory_reaches_the_link_model():
    first_photon = build_datacenter(scenario(), seed=1).fabric
    multimode = build_datacenter(scenario(multimode_memory=True), seed=1).fabric
    kept, stored_all = first_photon.model("a", "b"), multimode.model("a", "b")
    # The herald does not depend on what the memory keeps; the state does.
    assert stored_all.success_probability == pytest.approx(kept.success_probability)
    assert stored_all.delivered_fidelity < kept.delivered_fidelity
    spec = first_photon.segment_spec(first_photon.route("a", "b"))
    twin = dataclasses.replace(spec, end_a=dataclasses.replace(spec.end_a, multimode_memory=True),
                               end_b=dataclasses.replace(spec.end_b, multimode_memory=True))
    assert LinkModel.from_spec(twin).delivered_fidelity == pytest.approx(
        stored_all.delivered_fidelity, rel=1e-12)
