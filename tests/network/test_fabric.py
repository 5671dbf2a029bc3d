"""Topologies, routing through switches, losses along a segment, and resource booking."""

from __future__ import annotations

import math

import pytest

from qdcnet.config.scenario import DataCenterScenario
from qdcnet.errors import QdcnetError
from qdcnet.network.fabric import Fabric, NotConnectedError
from qdcnet.network.topology import leaf_spine, linear_chain, ring, star


def fabric(document):
    return Fabric(DataCenterScenario.model_validate(document).layout())


@pytest.mark.parametrize("document", [linear_chain(5), ring(6), star(8), leaf_spine(3, 4)])
def test_builders_produce_valid_scenarios(document):
    scenario = DataCenterScenario.model_validate(document)
    assert scenario.qpus
    Fabric(scenario.layout())


def test_chain_segments_join_neighbours_only():
    f = fabric(linear_chain(4))
    assert f.has_segment("qpu0", "qpu1")
    assert not f.has_segment("qpu0", "qpu2")
    with pytest.raises(NotConnectedError, match="share no BSM station"):
        f.route("qpu0", "qpu2")


def test_losses_multiply_along_a_cross_rack_segment():
    # The 854 nm ion node, its converter to telecom forced on (``auto`` decides by
    # rate; here the point is the loss at the converted wavelength).
    document = leaf_spine(2, 2, spines=1, switch_loss_db=1.5, qpu_fiber_m=100.0,
                          rack_to_spine_m=2000.0, profile="trapped_ion_helios_854")
    for qpu in document["qpus"]:
        qpu["convert"] = True
    f = fabric(document)
    route = f.route("r0q0", "r1q1")
    assert route.arm_a.nodes == ("r0q0", "tor0", "spine0", "bsm-spine0")
    assert route.arm_a.switches == ("tor0", "spine0")
    # Fibre at the photon's (converted) wavelength, then two switches.
    wavelength = f.profiles["r0q0"].communication.telecom_interface().wavelength_m
    from qdcnet.hardware import default_attenuation_db_per_km

    fibre_db = default_attenuation_db_per_km(wavelength) * (100 + 2000 + 2) / 1000
    assert route.arm_a.loss_db == pytest.approx(fibre_db + 3.0)
    path = route.arm_a.path
    converter = f.profiles["r0q0"].communication.converter.efficiency
    assert path.transmission == pytest.approx(converter * 10 ** (-(fibre_db + 3.0) / 10))
    assert path.fiber.length_m == pytest.approx(2102.0)
    # Within a rack the segment uses the rack's station through one switch.
    inside = f.route("r0q0", "r0q1")
    assert inside.via == "bsm-rack0"
    assert inside.arm_a.switches == ("tor0",)


def test_switch_ports_serve_one_circuit_and_reconfiguring_costs_time():
    document = star(4, reconfiguration_time="25 us", stations=2)
    f = fabric(document)
    first = f.acquire(f.route("qpu0", "qpu1"), 1)
    assert first is not None
    assert first.setup_s == pytest.approx(25e-6)  # fresh cross-connects
    # qpu0's only communication qubit is taken.
    assert f.acquire(f.route("qpu0", "qpu2"), 1) is None
    second = f.acquire(f.route("qpu2", "qpu3"), 1)
    assert second is not None
    # Both BSM units are busy now.
    assert f.busy_summary()["terminals"]["bsm0"] == 2
    f.release(first)
    # The same segment again: its cross-connects are still in place.
    again = f.acquire(f.route("qpu0", "qpu1"), 1)
    assert again is not None
    assert again.setup_s == 0.0
    f.release(again)
    # A different partner for qpu0 means new cross-connects.
    other = f.acquire(f.route("qpu0", "qpu3"), 1) if f.free_communication_qubits(
        "qpu3") else None
    assert other is None  # qpu3 is busy with qpu2
    f.release(second)
    other = f.acquire(f.route("qpu0", "qpu3"), 1)
    assert other is not None
    assert other.setup_s == pytest.approx(25e-6)
    with pytest.raises(QdcnetError, match="released twice"):
        f.release(first)


def test_fibre_channels_limit_parallel_circuits():
    document = star(6, stations=3)
    document["fibers"][-1]["channels"] = 2  # the switch-to-station bundle: one circuit
    f = fabric(document)
    assert f.acquire(f.route("qpu0", "qpu1"), 1) is not None
    assert f.acquire(f.route("qpu2", "qpu3"), 1) is None


def test_switch_with_too_few_ports_is_refused():
    document = star(4)
    document["switches"][0]["ports"] = 3
    with pytest.raises(QdcnetError, match=r"attach .* circuits but it has 3 ports"):
        fabric(document)


def test_converter_nodes_convert_on_the_route():
    document = star(2, profile="neutral_atom")
    for qpu in document["qpus"]:
        qpu["convert"] = False
    # Put a 780 -> 1522 nm converter between each QPU and the switch.
    document["converters"] = [{"name": f"qfc{i}", "input_wavelength": "780 nm",
                               "output_wavelength": "1522 nm", "efficiency": 0.5}
                              for i in range(2)]
    document["fibers"] = [
        {"between": ["qpu0", "qfc0"], "length": "1 m"},
        {"between": ["qfc0", "sw0"], "length": "10 m"},
        {"between": ["qpu1", "qfc1"], "length": "1 m"},
        {"between": ["qfc1", "sw0"], "length": "10 m"},
        document["fibers"][-1],
    ]
    f = fabric(document)
    route = f.route("qpu0", "qpu1")
    assert route.arm_a.nodes == ("qpu0", "qfc0", "sw0", "bsm0")
    assert route.arm_a.path.converter.efficiency == 0.5
    spec = f.segment_spec(route)
    assert spec.end_a.photon.wavelength_m == pytest.approx(1522e-9)


def test_classical_latency_follows_fibres_or_explicit_channels():
    from qdcnet.network.classical import ClassicalNetwork

    document = linear_chain(3, spacing_m=4000.0)
    document["classical"] = {"velocity": "2e8 m/s", "per_hop": "1 us",
                             "channels": [{"between": ["qpu0", "qpu2"], "latency": "3 us",
                                           "jitter": "1 us"}]}
    net = ClassicalNetwork(DataCenterScenario.model_validate(document).layout())
    assert net.latency_s("qpu0", "qpu1") == pytest.approx(4000 / 2e8 + 2e-6)
    assert net.channel("qpu0", "qpu2") == (3e-6, 1e-6)
    assert net.mean_latency_s("qpu0", "qpu2") == pytest.approx(3.5e-6)
    assert math.isclose(net.latency_s("qpu1", "qpu1"), 0.0)
