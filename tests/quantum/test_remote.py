"""The Pauli channels of remote operations agree with density-matrix simulations.

Each channel is compared through its Choi state: the data qubits start
maximally entangled with reference qubits, the protocol runs on the data,
and the joint state of data and references is compared with the predicted
"ideal operation, then Pauli channel" on the same input.
"""

from __future__ import annotations

import numpy as np
import pytest

from qdcnet.quantum import (
    BellDiagonal,
    DensityMatrix,
    PauliChannel,
    teleportation_channel,
    teleportation_fidelity,
    teleported_cnot_channel,
)
from qdcnet.quantum.protocols import teleport_density_matrix, teleported_cnot_density_matrix

PAIRS = [
    BellDiagonal.perfect(),
    BellDiagonal.werner(0.9),
    BellDiagonal.from_coefficients([0.7, 0.2, 0.05, 0.05]),
    BellDiagonal.from_coefficients([0.6, 0.05, 0.15, 0.2]),
]


@pytest.mark.parametrize("pair", PAIRS)
def test_teleportation_channel_matches_protocol(pair):
    # Qubits: reference R (0), data D (1).
    choi = DensityMatrix.bell(0)
    out = teleport_density_matrix(choi, pair, data_qubit=1)
    expected = choi.apply_pauli_channel(teleportation_channel(pair).probabilities, [1])
    assert out.isclose(expected, atol=1e-12)
    # For a Pauli channel the Choi state's Bell coefficients are the channel.
    assert out.bell_coefficients() == pytest.approx(pair.coefficients, abs=1e-12)


@pytest.mark.parametrize("pair", PAIRS)
def test_teleported_cnot_channel_matches_protocol(pair):
    # Qubits: Rc (0), control (1), target (2), Rt (3); references entangled with data.
    choi = DensityMatrix.bell(0).tensor(DensityMatrix.bell(0)).permute([0, 1, 3, 2])
    out = teleported_cnot_density_matrix(choi, pair, control=1, target=2)
    ideal = choi.apply_gate("CNOT", 1, 2)
    expected = ideal.apply_pauli_channel(teleported_cnot_channel(pair).probabilities, [1, 2])
    assert out.isclose(expected, atol=1e-12)


def test_teleported_cnot_with_perfect_pair_is_exactly_cnot():
    rng = np.random.default_rng(5)
    psi = rng.normal(size=4) + 1j * rng.normal(size=4)
    psi /= np.linalg.norm(psi)
    state = DensityMatrix.from_statevector(psi)
    out = teleported_cnot_density_matrix(state, BellDiagonal.perfect(), control=0, target=1)
    assert out.isclose(state.apply_gate("CNOT", 0, 1), atol=1e-12)


def test_werner_pair_through_teleported_cnot_gives_three_equal_paulis():
    eps = 0.06
    channel = teleported_cnot_channel(BellDiagonal.werner(1 - eps))
    assert channel.probabilities["IX"] == pytest.approx(eps / 3)
    assert channel.probabilities["ZI"] == pytest.approx(eps / 3)
    assert channel.probabilities["ZX"] == pytest.approx(eps / 3)
    assert channel.error_probability == pytest.approx(eps)
    assert channel.marginal("target") == pytest.approx(
        {"I": 1 - 2 * eps / 3, "X": 2 * eps / 3, "Y": 0.0, "Z": 0.0})


def test_teleportation_average_fidelity_by_sampling_states():
    # Average over Haar-random inputs of the protocol's output fidelity.
    pair = BellDiagonal.from_coefficients([0.8, 0.1, 0.06, 0.04])
    rng = np.random.default_rng(11)
    fidelities = []
    for _ in range(400):
        v = rng.normal(size=2) + 1j * rng.normal(size=2)
        v /= np.linalg.norm(v)
        out = teleport_density_matrix(DensityMatrix.from_statevector(v), pair)
        fidelities.append(out.fidelity_with(v))
    fidelities = np.array(fidelities)
    standard_error = fidelities.std(ddof=1) / np.sqrt(len(fidelities))
    assert abs(fidelities.mean() - teleportation_fidelity(pair)) < 5 * standard_error


def test_density_matrix_pair_is_twirled_for_channels():
    rho = DensityMatrix.bell(0).decohere(1e-3, t1_s=1e-3, t2_s=1e-3, qubit=0)
    channel = teleportation_channel(rho)
    assert channel.probabilities["I"] == pytest.approx(rho.fidelity)
    assert teleportation_fidelity(rho) == pytest.approx((2 * rho.fidelity + 1) / 3)


def test_pauli_channel_rejects_bad_input():
    with pytest.raises(ValueError, match="sum"):
        PauliChannel(("a",), {"I": 0.5, "X": 0.2})
    with pytest.raises(ValueError, match="letters"):
        PauliChannel(("a",), {"II": 1.0})
