"""Issue 10 finding 3: the QEC's profile-driven noise, one conversion with the network.

Before: the supply study fed 1 - F of the two-qubit gate into stim's
DEPOLARIZE2 as a uniform ``bulk`` p, and DEPOLARIZE2(p) has average
infidelity 4p/5, so the code saw 20 % less error than the profile states.
Now a profile gives separate one-qubit, two-qubit, readout and idle noise.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from qdcnet.hardware.profiles import load_profile


def _arguments(circuit, name: str) -> set[float]:
    return {round(inst.gate_args_copy()[0], 15) for inst in circuit.flattened()
            if inst.name == name}


def _sampled_pauli_error(p: float, shots: int, seed: int) -> tuple[float, float]:
    """Fraction of shots where stim's DEPOLARIZE2(p) left any Pauli on two Bell halves."""
    import stim

    circuit = stim.Circuit(f"""
        H 0 1
        CX 0 2 1 3
        DEPOLARIZE2({p}) 0 1
        CX 0 2 1 3
        H 0 1
        M 0 1 2 3
    """)
    samples = circuit.compile_sampler(seed=seed).sample(shots)
    rate = float(np.any(samples, axis=1).mean())
    return rate, math.sqrt(rate * (1 - rate) / shots)


@pytest.mark.parametrize("name", ["neutral_atom", "superconducting"])
def test_two_qubit_noise_has_the_profile_s_infidelity_measured_in_stim(name):
    """Sample stim's own DEPOLARIZE2 with the profile's p: the Pauli error e it
    leaves is the process infidelity, and the average infidelity is 4e/5
    (F_avg = (d F_pro + 1)/(d + 1), d = 4)."""
    from qdcnet.qec.surface import CircuitNoise

    profile = load_profile(name)
    gate = profile.two_qubit_gate
    noise = CircuitNoise.from_profile(profile)
    shots = 1_000_000
    error, se = _sampled_pauli_error(noise.two_qubit, shots, seed=11)
    measured = {"pauli": error, "process": error, "average": 0.8 * error}[gate.measure]
    scale = {"pauli": 1.0, "process": 1.0, "average": 0.8}[gate.measure]
    assert measured == pytest.approx(1.0 - gate.fidelity, abs=5 * scale * se)


def test_a_profile_circuit_has_noise_per_operation():
    from qdcnet.qec.surface import CircuitNoise, memory_circuit

    profile = load_profile("trapped_ion")
    assert profile.one_qubit_gate.measure == profile.two_qubit_gate.measure == "average"
    noise = CircuitNoise.from_profile(profile)
    circuit = memory_circuit(3, basis="z", bulk=noise, seam=0.0)
    # Average infidelities r1, r2 -> stim p: DEPOLARIZE1(p) has r = 2p/3, DEPOLARIZE2 r = 4p/5.
    p1 = 1.5 * (1.0 - profile.one_qubit_gate.fidelity)
    p2 = 1.25 * (1.0 - profile.two_qubit_gate.fidelity)
    assert _arguments(circuit, "DEPOLARIZE2") == {round(p2, 15)}
    assert round(p1, 15) in _arguments(circuit, "DEPOLARIZE1")
    assert _arguments(circuit, "X_ERROR") >= {round(1.0 - profile.measurement_fidelity, 15)}
    # Idle qubits twirled over each layer's time: during a CNOT layer the
    # data memory's (T1 = inf, T2) gives p_Z = (1 - exp(-t/T2))/2.
    memory = profile.memory
    t = profile.two_qubit_gate.duration_s
    assert math.isinf(memory.t1_s)
    p_z = (1.0 - math.exp(-t / memory.t2_s)) / 2.0
    idle = [inst.gate_args_copy() for inst in circuit.flattened()
            if inst.name == "PAULI_CHANNEL_1"]
    assert any(args[0] == 0 and args[1] == 0 and args[2] == pytest.approx(p_z, rel=1e-9)
               for args in idle)
    # A uniform p is still a uniform p (the threshold-study mode).
    uniform = memory_circuit(3, basis="z", bulk=0.001, seam=0.0)
    assert _arguments(uniform, "DEPOLARIZE2") == _arguments(uniform, "X_ERROR") == {0.001}


def test_the_supply_study_uses_per_operation_noise():
    from qdcnet.qec.sampling import SeamTask
    from qdcnet.qec.supply import platform_datacenter, supply_rows

    dc = platform_datacenter("trapped_ion_oxford")
    row = supply_rows(dc, [("trapped_ion_oxford_a", "trapped_ion_oxford_b")], distance=3,
                      distillation_rounds=(0,))[0]
    profile = load_profile("trapped_ion_oxford")
    assert row.noise.two_qubit == pytest.approx(
        1.25 * (1.0 - profile.two_qubit_gate.fidelity))
    assert row.noise.one_qubit != row.noise.two_qubit
    assert row.noise.readout == pytest.approx(1.0 - profile.measurement_fidelity)
    task = SeamTask(3, "z", row.noise, 0.01)
    assert _arguments(task.circuit(), "DEPOLARIZE2") == {round(row.noise.two_qubit, 15)}
