"""The one QPU model: built from every profile, range-checked, shared by network and compiler."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import pytest

from qdcnet.compiler import CompileTarget
from qdcnet.config.scenario import load_scenario
from qdcnet.errors import ParameterError
from qdcnet.hardware.components import QuantumMemory
from qdcnet.hardware.profiles import available_profiles, load_profile
from qdcnet.network.datacenter import DataCenter
from qdcnet.network.qpu import QPU
from qdcnet.quantum.noise import convert_fidelity, readout_flip_probability

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
MEMORY = QuantumMemory(t1_s=1.0, t2_s=0.5)


@pytest.mark.parametrize("name", available_profiles())
def test_from_profile_holds_what_network_and_compiler_read(name):
    profile = load_profile(name)
    qpu = QPU.from_profile("n", profile)
    comm = profile.communication
    gate = profile.two_qubit_gate
    # The compiler's side: capacities, gate set, durations.
    assert qpu.data_qubits == profile.data_qubits
    assert qpu.comm_qubits == (comm.num_qubits if comm is not None else 0)
    assert qpu.native_gates == tuple(profile.native_gates)
    assert qpu.one_qubit_time_s == profile.one_qubit_gate.duration_s
    assert qpu.two_qubit_time_s == gate.duration_s
    assert qpu.measurement_time_s == profile.measurement_time_s
    assert qpu.reset_time_s == profile.one_qubit_gate.duration_s
    assert qpu.profile_name == profile.name
    # The network's side: noise through qdcnet.quantum.noise, memories, storage.
    assert qpu.gate_error == convert_fidelity(gate.fidelity, measure=gate.measure,
                                              to="depolarizing", qubits=2)
    assert qpu.measurement_error == readout_flip_probability(
        profile.measurement_fidelity, measure=profile.measurement_measure)
    data = profile.memory or QuantumMemory.perfect()
    assert qpu.data_memory == data
    assert qpu.memory == (comm.memory if comm is not None else data)
    assert qpu.storage_slots == (profile.storage_qubits or profile.data_qubits)
    if comm is None:
        assert (qpu.transfer_time_s, qpu.transfer_error) == (0.0, 0.0)
    else:
        assert qpu.transfer_time_s == comm.transfer_time_s
        # DEPOLARIZE1 p from an average fidelity F: 3(1 - F)/2.
        assert qpu.transfer_error == pytest.approx(1.5 * (1.0 - comm.transfer_fidelity),
                                                   rel=1e-12)


def test_scenario_counts_replace_the_profile_ones():
    profile = load_profile("trapped_ion")
    qpu = QPU.from_profile("ion", profile, comm_qubits=3, data_qubits=2)
    assert (qpu.comm_qubits, qpu.data_qubits) == (3, 2)
    # Storage stays the platform's: a compile target's data qubits do not shrink it.
    assert qpu.storage_slots == QPU.from_profile("ion", profile).storage_slots


def test_composite_times():
    qpu = QPU("n", 1e-6, 1e-5, 1e-4)
    assert qpu.bell_measurement_time_s == pytest.approx(1e-6 + 1e-5 + 1e-4)
    assert qpu.distillation_time_s == pytest.approx(1e-6 + 1e-5 + 1e-4)


def test_network_fields_are_positional_and_compiler_fields_keyword_only():
    qpu = QPU("n", 1e-6, 1e-5, 1e-4, 0.01, 0.02, MEMORY, MEMORY, 1e-6, 0.001, 4)
    assert (qpu.gate_error, qpu.memory, qpu.storage_slots) == (0.01, MEMORY, 4)
    with pytest.raises(TypeError):
        QPU("n", 1e-6, 1e-5, 1e-4, 0.01, 0.02, MEMORY, MEMORY, 1e-6, 0.001, 4, 8)  # type: ignore[misc]


@pytest.mark.parametrize(("field", "value"), [
    ("one_qubit_time_s", -1e-6), ("two_qubit_time_s", math.nan), ("measurement_time_s", -1.0),
    ("transfer_time_s", math.inf), ("reset_time_s", -1e-9),
    ("gate_error", 1.5), ("measurement_error", -0.1), ("transfer_error", 2.0),
    ("storage_slots", -1), ("data_qubits", 2.5), ("comm_qubits", True),
    ("memory", "perfect"), ("data_memory", None), ("native_gates", ["u", "cz"]),
])
def test_out_of_range_fields_are_refused_by_name(field, value):
    with pytest.raises(ParameterError, match=f"^{field} = "):
        QPU("n", **{field: value})


def test_network_and_compiler_build_the_same_record():
    scenario, _ = load_scenario(EXAMPLES / "ion_ring_of_four.yaml")
    datacenter = DataCenter(scenario.layout())
    target = CompileTarget.from_datacenter(datacenter)
    for qpu in target.qpus:
        ops = datacenter.ops[qpu.name]
        assert isinstance(ops, QPU)
        # The scenario may give a node fewer communication qubits than its platform.
        assert dataclasses.replace(ops, comm_qubits=qpu.comm_qubits) == qpu
