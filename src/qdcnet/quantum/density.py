"""Density matrices of a few qubits: the exact reference for the fast models.

:class:`DensityMatrix` holds up to about ten qubits (a 1024 × 1024 complex
matrix). Qubit 0 is the leftmost (most significant) in kets: ``|q0 q1 ...⟩``.
Operations act on a tensor view of the matrix, so a one-qubit gate on ten
qubits costs a tensor contraction, not a 1024 × 1024 matrix product. The
state is immutable; every operation returns a new one.

As a pair state (two qubits) it offers the same small interface as
:class:`~qdcnet.quantum.BellDiagonal` (``fidelity``, ``pauli``, ``depolarize``,
``decohere``, ``to_bell_diagonal``), so the protocol functions accept it where
the Bell-diagonal model cannot serve, e.g. untwirled amplitude damping.

Examples
--------
>>> import numpy as np
>>> from qdcnet.quantum import DensityMatrix
>>> pair = DensityMatrix.bell(0)
>>> aged = pair.decohere(1e-3, t1_s=np.inf, t2_s=10e-3, qubit=0).decohere(
...     1e-3, t1_s=np.inf, t2_s=10e-3, qubit=1)
>>> round(aged.fidelity, 6)
0.909365
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np

from qdcnet.errors import ParameterError, check_probability
from qdcnet.quantum.pauli import memory_pauli

__all__ = ["GATES", "DensityMatrix", "bell_state_vector", "pauli_matrix"]

MAX_QUBITS = 12

_SQ2 = 1.0 / math.sqrt(2.0)

#: Standard gates as matrices (qubit order: first listed qubit is most significant).
GATES: dict[str, np.ndarray] = {
    "I": np.eye(2, dtype=complex),
    "X": np.array([[0, 1], [1, 0]], dtype=complex),
    "Y": np.array([[0, -1j], [1j, 0]], dtype=complex),
    "Z": np.array([[1, 0], [0, -1]], dtype=complex),
    "H": np.array([[1, 1], [1, -1]], dtype=complex) * _SQ2,
    "S": np.array([[1, 0], [0, 1j]], dtype=complex),
    "CNOT": np.array(
        [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]], dtype=complex
    ),
    "CZ": np.diag([1, 1, 1, -1]).astype(complex),
}
for _gate in GATES.values():
    _gate.setflags(write=False)


def pauli_matrix(label: str) -> np.ndarray:
    """The matrix of a Pauli string such as ``"XZ"`` (first letter on qubit 0)."""
    out = np.ones((1, 1), dtype=complex)
    for letter in label:
        if letter not in "IXYZ":
            raise ParameterError("pauli", label, "a string of I, X, Y, Z")
        out = np.kron(out, GATES[letter])
    return out


def rx(theta: float) -> np.ndarray:
    """Rotation exp(-iθX/2)."""
    c, s = math.cos(theta / 2.0), math.sin(theta / 2.0)
    return np.array([[c, -1j * s], [-1j * s, c]], dtype=complex)


def bell_state_vector(index: int) -> np.ndarray:
    """State vector of Bell state ``index`` in the order (Φ⁺, Ψ⁺, Ψ⁻, Φ⁻).

    Each equals Φ⁺ with Pauli I, X, Y, Z on one qubit (up to a phase).
    """
    vectors = {
        0: (1, 0, 0, 1),
        1: (0, 1, 1, 0),
        2: (0, 1, -1, 0),
        3: (1, 0, 0, -1),
    }
    if index not in vectors:
        raise ParameterError("index", index, "0..3 for (Phi+, Psi+, Psi-, Phi-)")
    return np.array(vectors[index], dtype=complex) * _SQ2


def _check_qubits(qubits: Sequence[int], num_qubits: int) -> tuple[int, ...]:
    qs = tuple(int(q) for q in qubits)
    if len(set(qs)) != len(qs) or any(not 0 <= q < num_qubits for q in qs):
        raise ParameterError("qubits", qubits, f"distinct indices in [0, {num_qubits})")
    return qs


def _apply_to_axes(tensor: np.ndarray, op: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    k = len(axes)
    op_t = op.reshape((2,) * (2 * k))
    out = np.tensordot(op_t, tensor, axes=(list(range(k, 2 * k)), list(axes)))
    return np.moveaxis(out, list(range(k)), list(axes))


class DensityMatrix:
    """A density matrix of ``num_qubits`` qubits (immutable).

    Parameters
    ----------
    matrix
        A 2ⁿ × 2ⁿ Hermitian, positive semidefinite matrix of trace 1.
    validate
        Check those properties (to 1e-9). Internal callers that construct
        valid states skip the check.
    """

    __slots__ = ("_rho", "num_qubits")

    def __init__(self, matrix: Any, *, validate: bool = True) -> None:
        rho = np.array(matrix, dtype=complex)
        dim = rho.shape[0] if rho.ndim == 2 else 0
        n = dim.bit_length() - 1
        if rho.ndim != 2 or rho.shape != (dim, dim) or dim != 1 << n or dim < 2:
            raise ParameterError("matrix.shape", rho.shape, "(2**n, 2**n) with n >= 1")
        if n > MAX_QUBITS:
            raise ParameterError("num_qubits", n, f"[1, {MAX_QUBITS}]")
        if validate:
            if not np.allclose(rho, rho.conj().T, atol=1e-9):
                raise ParameterError("matrix", "not Hermitian", "a Hermitian matrix")
            trace = float(np.trace(rho).real)
            if abs(trace - 1.0) > 1e-9:
                raise ParameterError("trace(matrix)", trace, "1 ± 1e-09")
            smallest = float(np.linalg.eigvalsh(rho).min())
            if smallest < -1e-9:
                raise ParameterError(
                    "smallest eigenvalue", smallest, "[0, 1]", "a density matrix is positive"
                )
        rho.setflags(write=False)
        self._rho = rho
        self.num_qubits = n

    # -- construction -------------------------------------------------------

    @classmethod
    def from_statevector(cls, vector: Any) -> DensityMatrix:
        """|ψ⟩⟨ψ| of a normalised state vector."""
        psi = np.asarray(vector, dtype=complex).ravel()
        norm = float(np.vdot(psi, psi).real)
        if abs(norm - 1.0) > 1e-9:
            raise ParameterError("norm(vector)**2", norm, "1 ± 1e-09")
        return cls(np.outer(psi, psi.conj()), validate=False)

    @classmethod
    def zero(cls, num_qubits: int) -> DensityMatrix:
        """|0…0⟩⟨0…0|."""
        rho = np.zeros((1 << num_qubits, 1 << num_qubits), dtype=complex)
        rho[0, 0] = 1.0
        return cls(rho, validate=False)

    @classmethod
    def maximally_mixed(cls, num_qubits: int) -> DensityMatrix:
        dim = 1 << num_qubits
        return cls(np.eye(dim, dtype=complex) / dim, validate=False)

    @classmethod
    def bell(cls, index: int = 0) -> DensityMatrix:
        """Bell state ``index`` (0..3 for Φ⁺, Ψ⁺, Ψ⁻, Φ⁻) on two qubits."""
        return cls.from_statevector(bell_state_vector(index))

    # -- basic properties ---------------------------------------------------

    @property
    def matrix(self) -> np.ndarray:
        """The matrix (read-only)."""
        return self._rho

    @property
    def trace(self) -> float:
        return float(np.trace(self._rho).real)

    def _tensor(self) -> np.ndarray:
        return self._rho.reshape((2,) * (2 * self.num_qubits))

    def _from_tensor(self, tensor: np.ndarray) -> DensityMatrix:
        dim = 1 << self.num_qubits
        return DensityMatrix(tensor.reshape(dim, dim), validate=False)

    # -- operations ---------------------------------------------------------

    def apply_unitary(self, unitary: Any, qubits: Sequence[int]) -> DensityMatrix:
        """U ρ U† with ``unitary`` acting on ``qubits`` (first is most significant)."""
        qs = _check_qubits(qubits, self.num_qubits)
        u = np.asarray(unitary, dtype=complex)
        if u.shape != (1 << len(qs), 1 << len(qs)):
            raise ParameterError("unitary.shape", u.shape, f"({1 << len(qs)}, {1 << len(qs)})")
        n = self.num_qubits
        tensor = _apply_to_axes(self._tensor(), u, qs)
        tensor = _apply_to_axes(tensor, u.conj(), tuple(n + q for q in qs))
        return self._from_tensor(tensor)

    def apply_gate(self, name: str, *qubits: int) -> DensityMatrix:
        """Apply a gate from :data:`GATES` by name, e.g. ``apply_gate("CNOT", 0, 1)``."""
        if name not in GATES:
            raise ParameterError("gate", name, ", ".join(GATES))
        return self.apply_unitary(GATES[name], qubits)

    def apply_kraus(self, operators: Sequence[Any], qubits: Sequence[int]) -> DensityMatrix:
        """Σ K ρ K† for a channel given by Kraus operators on ``qubits``."""
        qs = _check_qubits(qubits, self.num_qubits)
        n = self.num_qubits
        base = self._tensor()
        total = np.zeros_like(base)
        for op in operators:
            k = np.asarray(op, dtype=complex)
            t = _apply_to_axes(base, k, qs)
            total += _apply_to_axes(t, k.conj(), tuple(n + q for q in qs))
        return self._from_tensor(total)

    def apply_pauli_channel(
        self, probabilities: Mapping[str, float], qubits: Sequence[int]
    ) -> DensityMatrix:
        """Apply Pauli strings (e.g. ``{"II": 0.9, "ZX": 0.1}``) with their probabilities."""
        qs = _check_qubits(qubits, self.num_qubits)
        total = sum(probabilities.values())
        if abs(total - 1.0) > 1e-9:
            raise ParameterError("sum(probabilities)", total, "1 ± 1e-09")
        ops = []
        for label, p in probabilities.items():
            if len(label) != len(qs):
                raise ParameterError("pauli", label, f"{len(qs)} letters, one per qubit")
            if p:
                ops.append(math.sqrt(check_probability(f"probabilities[{label}]", p))
                           * pauli_matrix(label))
        return self.apply_kraus(ops, qs)

    def pauli(self, p_x: float, p_y: float, p_z: float, *, qubit: int = 0) -> DensityMatrix:
        """One-qubit Pauli channel on ``qubit``."""
        p_i = 1.0 - p_x - p_y - p_z
        return self.apply_pauli_channel({"I": p_i, "X": p_x, "Y": p_y, "Z": p_z}, [qubit])

    def dephase(self, p: float, *, qubit: int = 0) -> DensityMatrix:
        return self.pauli(0.0, 0.0, check_probability("p", p), qubit=qubit)

    def bit_flip(self, p: float, *, qubit: int = 0) -> DensityMatrix:
        return self.pauli(check_probability("p", p), 0.0, 0.0, qubit=qubit)

    def depolarize_qubit(self, p: float, *, qubit: int = 0) -> DensityMatrix:
        """X, Y, Z each with probability p/3 (stim's DEPOLARIZE1)."""
        third = check_probability("p", p) / 3.0
        return self.pauli(third, third, third, qubit=qubit)

    def depolarize(self, p: float, qubits: Sequence[int] | None = None) -> DensityMatrix:
        """With probability ``p`` replace ``qubits`` (default: all) by the maximally mixed state."""
        q = check_probability("p", p)
        qs = tuple(range(self.num_qubits)) if qubits is None else _check_qubits(
            qubits, self.num_qubits)
        if q == 0.0:
            return self
        rest = [i for i in range(self.num_qubits) if i not in qs]
        if not rest:
            mixed = DensityMatrix.maximally_mixed(self.num_qubits)
        else:
            mixed = self.partial_trace(rest).tensor(DensityMatrix.maximally_mixed(len(qs)))
            # tensor() appends the mixed qubits last; put every qubit back in place.
            mixed = mixed.permute(np.argsort(rest + list(qs)).tolist())
        return DensityMatrix((1.0 - q) * self._rho + q * mixed._rho, validate=False)

    def amplitude_damping(
        self, gamma: float, *, qubit: int = 0, relax_to: Literal["ground", "mixed"] = "ground"
    ) -> DensityMatrix:
        """Energy relaxation with probability ``gamma``.

        ``relax_to="ground"`` decays to |0⟩ (amplitude damping);
        ``"mixed"`` relaxes to the maximally mixed state (generalised
        amplitude damping at infinite temperature, as for spin qubits whose
        T1 is depolarisation). Both shrink coherences by sqrt(1 - gamma).
        """
        g = check_probability("gamma", gamma)
        keep = math.sqrt(1.0 - g)
        if relax_to == "ground":
            ops = [np.array([[1, 0], [0, keep]]), np.array([[0, math.sqrt(g)], [0, 0]])]
        elif relax_to == "mixed":
            h = _SQ2
            ops = [
                h * np.array([[1, 0], [0, keep]]),
                h * np.array([[0, math.sqrt(g)], [0, 0]]),
                h * np.array([[keep, 0], [0, 1]]),
                h * np.array([[0, 0], [math.sqrt(g), 0]]),
            ]
        else:
            raise ParameterError("relax_to", relax_to, "'ground' or 'mixed'")
        return self.apply_kraus(ops, [qubit])

    def phase_damping(self, lam: float, *, qubit: int = 0) -> DensityMatrix:
        """Phase damping (Nielsen & Chuang 8.3.6): coherences shrink by sqrt(1 - lam).

        Kraus operators diag(1, sqrt(1 - lam)) and diag(0, sqrt(lam)); the
        same channel as :meth:`dephase` with p = (1 - sqrt(1 - lam)) / 2.
        """
        q = check_probability("lam", lam)
        ops = [np.diag([1.0, math.sqrt(1.0 - q)]), np.diag([0.0, math.sqrt(q)])]
        return self.apply_kraus(ops, [qubit])

    def decohere(
        self,
        duration_s: float,
        *,
        t1_s: float,
        t2_s: float,
        qubit: int = 0,
        relax_to: Literal["ground", "mixed"] = "ground",
    ) -> DensityMatrix:
        """Store ``qubit`` for ``duration_s`` in a memory with T1, T2 (untwirled).

        Relaxation with γ = 1 - exp(-t/T1), then pure dephasing so that
        coherences decay as exp(-t/T2) in total. Twirling the result gives
        exactly the channel :meth:`BellDiagonal.decohere` applies.
        """
        memory_pauli(duration_s, t1_s, t2_s)  # validates the arguments
        if duration_s == 0.0:
            return self
        gamma = 1.0 - math.exp(-duration_s / t1_s)
        out = self.amplitude_damping(gamma, qubit=qubit, relax_to=relax_to)
        # Coherence left after relaxation is exp(-t/(2 T1)); dephase the rest.
        extra = math.exp(-duration_s / t2_s + duration_s / (2.0 * t1_s))
        return out.dephase((1.0 - extra) / 2.0, qubit=qubit)

    def permute(self, order: Sequence[int]) -> DensityMatrix:
        """Reorder qubits: new qubit ``i`` is old qubit ``order[i]``."""
        qs = _check_qubits(order, self.num_qubits)
        if len(qs) != self.num_qubits:
            raise ParameterError("order", order, f"a permutation of range({self.num_qubits})")
        n = self.num_qubits
        tensor = self._tensor().transpose(list(qs) + [n + q for q in qs])
        return self._from_tensor(np.ascontiguousarray(tensor))

    def tensor(self, other: DensityMatrix) -> DensityMatrix:
        """ρ ⊗ σ (the other's qubits come after this one's)."""
        return DensityMatrix(np.kron(self._rho, other._rho), validate=False)

    def partial_trace(self, keep: Sequence[int]) -> DensityMatrix:
        """The reduced state of the qubits in ``keep`` (in that order)."""
        qs = _check_qubits(keep, self.num_qubits)
        if not qs:
            raise ParameterError("keep", keep, "at least one qubit")
        n = self.num_qubits
        letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
        rows = list(letters[:n])
        cols = [rows[q] if q not in qs else letters[n + q] for q in range(n)]
        out = [rows[q] for q in qs] + [cols[q] for q in qs]
        reduced = np.einsum(f"{''.join(rows)}{''.join(cols)}->{''.join(out)}", self._tensor())
        dim = 1 << len(qs)
        return DensityMatrix(reduced.reshape(dim, dim), validate=False)

    # -- measurement --------------------------------------------------------

    def project(
        self, qubit: int, outcome: int, basis: Literal["Z", "X"] = "Z"
    ) -> tuple[float, DensityMatrix | None]:
        """Probability of ``outcome`` and the normalised post-measurement state.

        The measured qubit stays in the state, collapsed to the outcome's
        eigenstate. Returns ``(0.0, None)`` for an impossible outcome.
        """
        _check_qubits([qubit], self.num_qubits)
        if outcome not in (0, 1):
            raise ParameterError("outcome", outcome, "0 or 1")
        if basis == "Z":
            vec = np.array([1, 0] if outcome == 0 else [0, 1], dtype=complex)
        elif basis == "X":
            vec = np.array([1, 1] if outcome == 0 else [1, -1], dtype=complex) * _SQ2
        else:
            raise ParameterError("basis", basis, "'Z' or 'X'")
        projector = np.outer(vec, vec.conj())
        post = self.apply_kraus([projector], [qubit])
        probability = post.trace
        if probability <= 1e-15:
            return 0.0, None
        return probability, DensityMatrix(post._rho / probability, validate=False)

    def measure(
        self, qubit: int, rng: np.random.Generator, basis: Literal["Z", "X"] = "Z"
    ) -> tuple[int, DensityMatrix]:
        """Measure ``qubit``, sampling the outcome from ``rng``."""
        p0, post0 = self.project(qubit, 0, basis)
        if post0 is not None and rng.random() < p0:
            return 0, post0
        _, post1 = self.project(qubit, 1, basis)
        assert post1 is not None  # one of the two outcomes has probability >= 1/2
        return 1, post1

    def project_bell(self, qubits: Sequence[int], index: int) -> tuple[float, DensityMatrix | None]:
        """Probability of finding ``qubits`` in Bell state ``index`` and the post-state."""
        qs = _check_qubits(qubits, self.num_qubits)
        if len(qs) != 2:
            raise ParameterError("qubits", qubits, "two qubits")
        vec = bell_state_vector(index)
        post = self.apply_kraus([np.outer(vec, vec.conj())], qs)
        probability = post.trace
        if probability <= 1e-15:
            return 0.0, None
        return probability, DensityMatrix(post._rho / probability, validate=False)

    def bell_measure(
        self, qubits: Sequence[int], rng: np.random.Generator
    ) -> tuple[int, DensityMatrix]:
        """Complete Bell-state measurement of two qubits; returns (Bell index, post-state)."""
        probabilities = []
        posts = []
        for index in range(4):
            p, post = self.project_bell(qubits, index)
            probabilities.append(p)
            posts.append(post)
        weights = np.array(probabilities) / sum(probabilities)
        index = int(rng.choice(4, p=weights))
        post = posts[index]
        assert post is not None
        return index, post

    # -- comparison ---------------------------------------------------------

    def expectation(self, operator: Any) -> float:
        """Tr(ρ O) for a Hermitian operator on all qubits."""
        return float(np.trace(self._rho @ np.asarray(operator, dtype=complex)).real)

    def fidelity_with(self, other: DensityMatrix | Any) -> float:
        """Uhlmann fidelity (Tr √(√ρ σ √ρ))² with a density matrix or state vector."""
        if not isinstance(other, DensityMatrix):
            psi = np.asarray(other, dtype=complex).ravel()
            return float(np.vdot(psi, self._rho @ psi).real)
        if other.num_qubits != self.num_qubits:
            raise ParameterError("other.num_qubits", other.num_qubits, f"{self.num_qubits}")
        values, vectors = np.linalg.eigh(self._rho)
        root = (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.conj().T
        inner = np.linalg.eigvalsh(root @ other._rho @ root)
        return float(np.sum(np.sqrt(np.clip(inner, 0.0, None))) ** 2)

    def isclose(self, other: DensityMatrix, *, atol: float = 1e-12) -> bool:
        return self.num_qubits == other.num_qubits and bool(
            np.allclose(self._rho, other._rho, atol=atol, rtol=0.0)
        )

    # -- pair-state interface -----------------------------------------------

    def _require_pair(self) -> None:
        if self.num_qubits != 2:
            raise ParameterError("num_qubits", self.num_qubits, "2 (a pair state)")

    @property
    def fidelity(self) -> float:
        """Fidelity of a two-qubit state with Φ⁺."""
        self._require_pair()
        return self.fidelity_with(bell_state_vector(0))

    def bell_coefficients(self) -> tuple[float, float, float, float]:
        """⟨B_k|ρ|B_k⟩ for k in (Φ⁺, Ψ⁺, Ψ⁻, Φ⁻)."""
        self._require_pair()
        values = [float(np.vdot(bell_state_vector(k), self._rho @ bell_state_vector(k)).real)
                  for k in range(4)]
        return (values[0], values[1], values[2], values[3])

    def to_bell_diagonal(self) -> Any:
        """Twirl to the Bell-diagonal state with the same Bell-basis populations.

        This is the average over the 16 bilateral Pauli twirls, which removes
        every off-diagonal element in the Bell basis.
        """
        from qdcnet.quantum.bell import BellDiagonal

        return BellDiagonal.from_coefficients([max(0.0, c) for c in self.bell_coefficients()])

    def to_density_matrix(self) -> DensityMatrix:
        return self

    def twirl(self) -> DensityMatrix:
        """The Werner state of the same fidelity (random bilateral U ⊗ U*)."""
        from qdcnet.quantum.bell import BellDiagonal

        return BellDiagonal.werner(min(1.0, max(0.0, self.fidelity))).to_density_matrix()

    def __repr__(self) -> str:
        return f"DensityMatrix(num_qubits={self.num_qubits})"
