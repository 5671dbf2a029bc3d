"""Surface-code circuits split over modules: geometry, distance, seam noise."""

from __future__ import annotations

import numpy as np
import pytest

from qdcnet.errors import ParameterError
from qdcnet.qec import LAYOUTS, SurfacePatch, infidelity_from, memory_circuit
from qdcnet.quantum import BellDiagonal, teleported_cnot_channel
from qdcnet.quantum.density import DensityMatrix


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("protocol", ["teleported_cnot", "cat"])
@pytest.mark.parametrize("basis", ["x", "z"])
def test_noiseless_circuits_have_deterministic_detectors(layout, protocol, basis):
    circuit = memory_circuit(5, rounds=3, basis=basis, layout=layout, protocol=protocol,
                             bulk=0.0, seam=0.0)
    detectors, observables = circuit.compile_detector_sampler(seed=1).sample(
        50, separate_observables=True)
    assert not detectors.any()
    assert not observables.any()


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("d", [3, 5])
def test_teleported_cnot_seams_keep_the_full_distance(layout, d):
    for basis in ("x", "z"):
        circuit = memory_circuit(d, basis=basis, layout=layout, bulk=0.001, seam=0.05)
        assert len(circuit.shortest_graphlike_error(ignore_ungraphlike_errors=False)) == d


def test_unverified_cat_states_halve_the_distance_across_the_seam():
    # A Pauli error on a cat half spreads to the two data qubits on its side of the
    # seam, which lie along the seam: a hook in one basis.
    for d in (3, 5, 7):
        x = memory_circuit(d, basis="x", layout="vertical", protocol="cat", seam=0.05)
        z = memory_circuit(d, basis="z", layout="vertical", protocol="cat", seam=0.05)
        distances = sorted(len(c.shortest_graphlike_error(ignore_ungraphlike_errors=False))
                           for c in (x, z))
        assert distances == [(d + 1) // 2, d]


def test_pairs_per_round():
    # REFERENCE: a vertical seam with teleported CNOTs consumes 2d - 1 pairs per round.
    for d in (3, 5, 7, 9):
        assert SurfacePatch(d, "vertical").pairs_per_round == 2 * d - 1
        assert SurfacePatch(d, "vertical", "cat").pairs_per_round == d
        assert SurfacePatch(d, "monolithic").pairs_per_round == 0
    four = SurfacePatch(5, "2x2")
    assert sum(four.pairs_between().values()) == four.pairs_per_round
    assert set(four.pairs_between()) <= {(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)}


def test_the_seam_channel_is_the_teleported_cnot_channel_of_the_pair():
    pair = BellDiagonal.from_coefficients([0.9, 0.05, 0.03, 0.02])
    circuit = memory_circuit(3, rounds=1, layout="vertical", bulk=0.0, seam=pair)
    channels = [ins for ins in circuit.flattened() if ins.name == "PAULI_CHANNEL_2"]
    assert channels
    expected = teleported_cnot_channel(pair).probabilities
    args = channels[0].gate_args_copy()
    labels = ["IX", "IY", "IZ", "XI", "XX", "XY", "XZ", "YI", "YX", "YY", "YZ", "ZI", "ZX",
              "ZY", "ZZ"]
    got = {label: p for label, p in zip(labels, args, strict=True) if p}
    assert got == pytest.approx({k: v for k, v in expected.items() if k != "II"})
    # The number of seam channels applied in a round is the pair count.
    targets = sum(len(ins.targets_copy()) // 2 for ins in channels)
    assert targets == SurfacePatch(3, "vertical").pairs_per_round


def _phi_plus() -> np.ndarray:
    v = np.zeros(4)
    v[0] = v[3] = 2 ** -0.5
    return np.outer(v, v)


def test_infidelity_conventions_match_their_channels():
    p = 0.12
    werner = (1 - p) * _phi_plus() + p * np.eye(4) / 4
    assert 1 - DensityMatrix(werner).fidelity == pytest.approx(infidelity_from(p, "werner"))
    paulis = [np.eye(2), np.array([[0, 1], [1, 0]]), np.array([[0, -1j], [1j, 0]]),
              np.diag([1, -1])]
    rho = (1 - p) * _phi_plus()
    for i, a in enumerate(paulis):
        for j, b in enumerate(paulis):
            if i or j:
                op = np.kron(a, b)
                rho = rho + p / 15 * op @ _phi_plus() @ op.conj().T
    assert 1 - DensityMatrix(rho).fidelity == pytest.approx(
        infidelity_from(p, "two_qubit_depolarizing"))
    rho = (1 - p) * _phi_plus() + sum(p / 3 * np.kron(a, np.eye(2)) @ _phi_plus()
                                      @ np.kron(a, np.eye(2)).conj().T for a in paulis[1:])
    assert 1 - DensityMatrix(rho).fidelity == pytest.approx(
        infidelity_from(p, "one_qubit_depolarizing"))


def test_bad_parameters_are_named():
    with pytest.raises(ParameterError, match="distance"):
        SurfacePatch(1)
    with pytest.raises(ParameterError, match="layout"):
        memory_circuit(3, layout="diagonal")
    with pytest.raises(ParameterError, match="seam infidelity"):
        memory_circuit(3, seam=0.9)
    with pytest.raises(ParameterError, match="convention"):
        infidelity_from(0.1, "mystery")


def test_idle_noise_every_layer_or_once_per_round():
    strict = memory_circuit(3, bulk=0.002, idle="every_layer")
    light = memory_circuit(3, bulk=0.002, idle="once_per_round")
    def depolarized(circuit):
        return sum(len(ins.targets_copy()) for ins in circuit.flattened()
                   if ins.name == "DEPOLARIZE1")
    assert depolarized(light) < depolarized(strict)
    assert len(light.shortest_graphlike_error()) == 3
    with pytest.raises(ParameterError, match="idle"):
        memory_circuit(3, idle="sometimes")
