"""Twin of depolarizing_pauli: stim's DEPOLARIZE1/2 as Paulis equals the density-matrix channel."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from qdcnet.errors import ParameterError
from qdcnet.quantum import DensityMatrix
from qdcnet.quantum.noise import convert_fidelity
from qdcnet.quantum.pauli import depolarizing_pauli

PAULI = {"I": np.eye(2), "X": np.array([[0, 1], [1, 0]]),
         "Y": np.array([[0, -1j], [1j, 0]]), "Z": np.diag([1, -1])}


def random_state(qubits: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(2**qubits, 2**qubits)) + 1j * rng.normal(size=(2**qubits, 2**qubits))
    rho = a @ a.conj().T
    return rho / np.trace(rho)


@pytest.mark.parametrize(("qubits", "p"),
                         list(itertools.product((1, 2), (0.0, 0.013, 0.3, 0.75))))
def test_stim_depolarizing_paulis_are_the_depolarizing_channel(qubits, p):
    rho = random_state(qubits, seed=qubits)
    channel = depolarizing_pauli(p, qubits)
    assert sum(channel.values()) == pytest.approx(1.0, abs=1e-15)
    assert len(channel) == 4**qubits
    out = sum(w * _kron(label) @ rho @ _kron(label).conj().T for label, w in channel.items())
    # the same gate in the network's convention: replaced by I/D with probability λ
    lam = convert_fidelity(1.0 - p, measure="process", to="depolarizing", qubits=qubits)
    twin = DensityMatrix(rho).depolarize(lam)
    np.testing.assert_allclose(out, twin.matrix, atol=1e-12)
    if qubits == 1:
        np.testing.assert_allclose(out, DensityMatrix(rho).depolarize_qubit(p).matrix,
                                   atol=1e-12)


def _kron(label: str) -> np.ndarray:
    out = np.eye(1)
    for letter in label:
        out = np.kron(out, PAULI[letter])
    return out


@pytest.mark.parametrize(("p", "qubits"), [(-0.1, 1), (1.2, 2), (0.1, 3)])
def test_bad_arguments_are_refused(p, qubits):
    with pytest.raises(ParameterError):
        depolarizing_pauli(p, qubits)
