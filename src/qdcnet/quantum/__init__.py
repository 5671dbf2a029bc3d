"""Pair states and their noise: Bell-diagonal (fast, exact under Pauli noise) and density matrix.

Conventions: Bell-diagonal coefficients in the order (Φ⁺, Ψ⁺, Ψ⁻, Φ⁻), which
are Φ⁺ with Pauli I, X, Y, Z on one qubit; fidelity is the Φ⁺ coefficient;
qubit 0 is the leftmost in kets.

Both models offer the same small pair-state interface (:class:`PairState`),
and the protocol functions (:func:`swap`, :func:`dejmps`, :func:`bbpssw`)
accept either: Bell-diagonal pairs use closed forms, density matrices an
exact simulation of the protocol. :mod:`qdcnet.quantum.batch` holds the
vectorised Bell-diagonal twins for arrays of shape (N, 4).
:mod:`qdcnet.quantum.noise` turns a gate fidelity of a declared measure
(average, process, Pauli) into each noise parameter the code uses.
:mod:`qdcnet.quantum.pauli` holds the formulas every layer shares (summed
memory decay rates, the T2 <= 2 T1 rule, misread Bell-measurement bits, the
XOR algebra of Pauli strings), and :mod:`qdcnet.quantum.remote` the channels
a pair brings to teleported qubits and gates; no other package writes them
again.
"""

from typing import Protocol, Self, runtime_checkable

from qdcnet.quantum.bell import BellDiagonal, PairChain, bbpssw, dejmps, swap, swap_factors
from qdcnet.quantum.density import DensityMatrix, bell_state_vector
from qdcnet.quantum.noise import (
    convert_fidelity,
    process_infidelity,
    readout_flip_probability,
)
from qdcnet.quantum.pauli import BELL_LABELS, compose_channels, decay_rates, memory_pauli
from qdcnet.quantum.remote import (
    PauliChannel,
    teleportation_channel,
    teleportation_fidelity,
    teleported_cnot_channel,
)


@runtime_checkable
class PairState(Protocol):
    """What every pair-state model offers (BellDiagonal, two-qubit DensityMatrix)."""

    @property
    def fidelity(self) -> float: ...

    def pauli(self, p_x: float, p_y: float, p_z: float, *, qubit: int = 0) -> Self: ...

    def depolarize(self, p: float) -> Self: ...

    def decohere(self, duration_s: float, *, t1_s: float, t2_s: float, qubit: int = 0) -> Self: ...

    def to_bell_diagonal(self) -> BellDiagonal: ...

    def to_density_matrix(self) -> DensityMatrix: ...


__all__ = [
    "BELL_LABELS",
    "BellDiagonal",
    "DensityMatrix",
    "PairChain",
    "PairState",
    "PauliChannel",
    "bbpssw",
    "bell_state_vector",
    "compose_channels",
    "convert_fidelity",
    "decay_rates",
    "dejmps",
    "memory_pauli",
    "process_infidelity",
    "readout_flip_probability",
    "swap",
    "swap_factors",
    "teleportation_channel",
    "teleportation_fidelity",
    "teleported_cnot_channel",
]
