"""Pair protocols on density matrices: the exact twins of the Bell-diagonal formulas.

Each protocol is simulated on the joint state, every measurement branch is
projected out and corrected, and the branches are summed with their weights
(including misread outcomes), so the result is the exact non-selective (or,
for purification, post-selected) output state. These functions serve pairs
the Bell-diagonal model cannot describe, and they are what the tests hold the
closed forms against.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np

from qdcnet.errors import ParameterError, check_probability
from qdcnet.quantum.density import GATES, DensityMatrix, rx

__all__ = [
    "bbpssw_density_matrix",
    "dejmps_density_matrix",
    "swap_density_matrix",
    "teleport_density_matrix",
    "teleported_cnot_density_matrix",
]


def as_density_matrix(state: Any, name: str) -> DensityMatrix:
    """A pair state as a two-qubit density matrix (from either model)."""
    to_dm = getattr(state, "to_density_matrix", None)
    if to_dm is None:
        raise ParameterError(name, type(state).__name__, "a BellDiagonal or DensityMatrix")
    rho = to_dm()
    if rho.num_qubits != 2:
        raise ParameterError(f"{name}.num_qubits", rho.num_qubits, "2 (a pair state)")
    return rho


def _readout_branches(error: float) -> list[tuple[int, float]]:
    """(flip, probability) for one measured bit read with the given error."""
    return [(0, 1.0 - error), (1, error)] if error else [(0, 1.0)]


def _project_z(rho: DensityMatrix, qubits: tuple[int, ...], outcomes: tuple[int, ...]) -> Any:
    # Unnormalised projection; the weight of the branch is its trace.
    projector = np.zeros((1 << len(qubits),) * 2, dtype=complex)
    index = int("".join(str(o) for o in outcomes), 2)
    projector[index, index] = 1.0
    return rho.apply_kraus([projector], qubits)


def swap_density_matrix(
    a: Any, b: Any, gate_error: float = 0.0, measurement_error: float = 0.0
) -> DensityMatrix:
    """Swap pairs A–B₁ and B₂–C by a Bell measurement on (B₁, B₂); returns A–C.

    The BSM is CNOT(B₁→B₂), H(B₁), Z measurements. Outcome (m₁, m₂) calls
    for X^m₂ Z^m₁ on C; each reported bit is wrong with ``measurement_error``.
    """
    g = check_probability("gate_error", gate_error)
    e = check_probability("measurement_error", measurement_error)
    rho = as_density_matrix(a, "a").tensor(as_density_matrix(b, "b"))  # A, B1, B2, C
    rho = rho.depolarize(g, qubits=(1, 2))
    rho = rho.apply_gate("CNOT", 1, 2).apply_gate("H", 1)
    total = np.zeros((4, 4), dtype=complex)
    for m1, m2 in itertools.product((0, 1), repeat=2):
        branch = _project_z(rho, (1, 2), (m1, m2))
        for (f1, w1), (f2, w2) in itertools.product(_readout_branches(e), repeat=2):
            r1, r2 = m1 ^ f1, m2 ^ f2
            corrected = branch
            if r2:
                corrected = corrected.apply_gate("X", 3)
            if r1:
                corrected = corrected.apply_gate("Z", 3)
            total += w1 * w2 * corrected.partial_trace([0, 3]).matrix
    return DensityMatrix(total, validate=False)


def _bilateral_cnot_density(
    rho: DensityMatrix, gate_error: float, measurement_error: float
) -> tuple[float, DensityMatrix]:
    # Qubits: A1, B1, A2, B2. Pair 1 is kept (control), pair 2 measured.
    g = check_probability("gate_error", gate_error)
    e = check_probability("measurement_error", measurement_error)
    rho = rho.apply_gate("CNOT", 0, 2).apply_gate("CNOT", 1, 3)
    rho = rho.depolarize(g, qubits=(0, 2)).depolarize(g, qubits=(1, 3))
    kept = np.zeros((4, 4), dtype=complex)
    for m_a, m_b in itertools.product((0, 1), repeat=2):
        branch = _project_z(rho, (2, 3), (m_a, m_b))
        for (f_a, w_a), (f_b, w_b) in itertools.product(_readout_branches(e), repeat=2):
            if m_a ^ f_a == m_b ^ f_b:
                kept += w_a * w_b * branch.partial_trace([0, 1]).matrix
    success = float(np.trace(kept).real)
    if success <= 0.0:
        return 0.0, DensityMatrix.maximally_mixed(2)
    return success, DensityMatrix(kept / success, validate=False)


def dejmps_density_matrix(
    a: Any, b: Any, gate_error: float = 0.0, measurement_error: float = 0.0
) -> tuple[float, DensityMatrix]:
    """DEJMPS on density matrices: Rx(π/2) at A, Rx(-π/2) at B, bilateral CNOT, measure pair 2."""
    pair_a = as_density_matrix(a, "a")
    pair_b = as_density_matrix(b, "b")
    # Order the four qubits A1, B1, A2, B2.
    rho = pair_a.tensor(pair_b)
    plus, minus = rx(math.pi / 2.0), rx(-math.pi / 2.0)
    for qubit, rotation in ((0, plus), (1, minus), (2, plus), (3, minus)):
        rho = rho.apply_unitary(rotation, [qubit])
    return _bilateral_cnot_density(rho, gate_error, measurement_error)


def bbpssw_density_matrix(
    a: Any, b: Any, gate_error: float = 0.0, measurement_error: float = 0.0
) -> tuple[float, DensityMatrix]:
    """BBPSSW on density matrices: twirl both, bilateral CNOT, measure pair 2, twirl."""
    rho = as_density_matrix(a, "a").twirl().tensor(as_density_matrix(b, "b").twirl())
    success, out = _bilateral_cnot_density(rho, gate_error, measurement_error)
    return success, out.twirl()


def teleport_density_matrix(
    state: DensityMatrix, pair: Any, data_qubit: int = 0
) -> DensityMatrix:
    """Teleport ``data_qubit`` of ``state`` through ``pair``; the other qubits ride along.

    The data qubit D and the near half A of the pair are Bell-measured
    (CNOT(D→A), H(D), Z measurements); the far half B receives
    X^m_A Z^m_D and takes the data qubit's place in the returned state.
    """
    n = state.num_qubits
    if not 0 <= data_qubit < n:
        raise ParameterError("data_qubit", data_qubit, f"[0, {n})")
    rho = state.tensor(as_density_matrix(pair, "pair"))
    near, far = n, n + 1
    rho = rho.apply_gate("CNOT", data_qubit, near).apply_gate("H", data_qubit)
    total: Any = 0
    for m_d, m_a in itertools.product((0, 1), repeat=2):
        branch = _project_z(rho, (data_qubit, near), (m_d, m_a))
        if m_a:
            branch = branch.apply_gate("X", far)
        if m_d:
            branch = branch.apply_gate("Z", far)
        keep = [far if q == data_qubit else q for q in range(n)]
        total = total + branch.partial_trace(keep).matrix
    return DensityMatrix(total, validate=False)


def teleported_cnot_density_matrix(
    state: DensityMatrix, pair: Any, control: int, target: int
) -> DensityMatrix:
    """A CNOT between two qubits of ``state`` in different modules, by gate teleportation.

    One ebit (a at the control's module, b at the target's) and two
    classical bits (Eisert et al. 2000): CNOT(control→a), measure a in Z
    (m₁), X^m₁ on b, CNOT(b→target), measure b in X (m₂), Z^m₂ on control.
    """
    n = state.num_qubits
    if control == target or not (0 <= control < n and 0 <= target < n):
        raise ParameterError(
            "control, target", (control, target), f"two distinct qubits in [0, {n})"
        )
    rho = state.tensor(as_density_matrix(pair, "pair"))
    a, b = n, n + 1
    rho = rho.apply_gate("CNOT", control, a)
    total: Any = 0
    for m1 in (0, 1):
        branch1 = _project_z(rho, (a,), (m1,))
        if m1:
            branch1 = branch1.apply_gate("X", b)
        branch1 = branch1.apply_gate("CNOT", b, target).apply_unitary(GATES["H"], [b])
        for m2 in (0, 1):
            branch = _project_z(branch1, (b,), (m2,))
            if m2:
                branch = branch.apply_gate("Z", control)
            total = total + branch.partial_trace(list(range(n))).matrix
    return DensityMatrix(total, validate=False)
