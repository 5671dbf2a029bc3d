"""The ``normalize`` pass: one-qubit ``u`` gates plus diagonal ``cz`` / ``cp``.

Two-qubit gates become diagonal ones (so a gate's cost never depends on how
the input spelled it: ``cx`` and ``h; cz; h`` normalize to the same thing),
and runs of one-qubit gates merge into a single ``u``. Diagonal two-qubit
gates are what lets one ebit serve many gates: a qubit that sees only
diagonal gates can be shared with another module for the whole run.

Rules (exact, global phase dropped): ``crz(t) = p(-t/2) on the control, cp(t)``;
``rzz(t) = p(t) on both, cp(-2t)``; ``cx = h; cz; h`` on the target; ``cy``
likewise with ``s``; ``swap`` is three ``cx``; anything else two-qubit goes
through Qiskit's KAK decomposition into ``cz`` (at most three).

>>> from qdcnet.compiler.ir import Circuit, Gate
>>> c = Circuit(2, 0, (Gate("h", (1,)), Gate("cx", (0, 1)), Gate("h", (1,))))
>>> [g.name for g in Normalize().rewrite(c).gates]
['cz']
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from qdcnet.compiler.ir import Circuit, Gate, gate_matrix, is_diagonal

if TYPE_CHECKING:
    from qdcnet.compiler.passes import CompileState

__all__ = ["Normalize", "u_angles"]

_H = gate_matrix("h")
_S = gate_matrix("s")
_SDG = gate_matrix("sdg")
_I = np.eye(2, dtype=complex)
_TWO_PI = 2 * math.pi


def _phase(lam: float) -> np.ndarray:
    return np.diag([1.0, np.exp(1j * lam)])


@lru_cache(maxsize=1)
def _euler() -> object:
    from qiskit.synthesis import OneQubitEulerDecomposer

    return OneQubitEulerDecomposer("U")


def u_angles(matrix: np.ndarray) -> tuple[float, float, float]:
    """``(theta, phi, lam)`` of a one-qubit unitary, up to global phase."""
    theta, phi, lam = _euler().angles(matrix)  # type: ignore[attr-defined]
    return float(theta), float(phi), float(lam)


def _is_identity(matrix: np.ndarray, atol: float) -> bool:
    return abs(abs(np.trace(matrix)) - 2.0) <= atol


@dataclass(frozen=True)
class Normalize:
    """Rewrite a circuit into ``u``, ``cz``, ``cp``, ``measure`` and ``reset``.

    ``atol`` decides when a merged one-qubit gate is the identity (dropped) and
    when a controlled phase is a CZ.
    """

    atol: float = 1e-9

    name = "normalize"

    def run(self, state: CompileState) -> CompileState:
        """The state's ``circuit`` rewritten into its ``normalized``."""
        return dataclasses.replace(state, normalized=self.rewrite(state.need("circuit", self.name)))

    def rewrite(self, circuit: Circuit) -> Circuit:
        """``circuit`` in ``u``, ``cz``, ``cp``, ``measure`` and ``reset``."""
        out: list[Gate] = []
        pending: list[np.ndarray | None] = [None] * circuit.num_qubits

        def flush(q: int) -> None:
            matrix = pending[q]
            pending[q] = None
            if matrix is not None and not _is_identity(matrix, self.atol):
                out.append(Gate("u", (q,), u_angles(matrix)))

        def flush_unless_diagonal(q: int) -> None:
            # A pending phase commutes with a diagonal two-qubit gate: keep merging it.
            matrix = pending[q]
            if matrix is not None and not is_diagonal(matrix, self.atol):
                flush(q)

        def then(q: int, matrix: np.ndarray) -> None:
            pending[q] = matrix if pending[q] is None else matrix @ pending[q]

        def diagonal_cp(a: int, b: int, lam: float, condition: object = None) -> None:
            lam = math.remainder(lam, _TWO_PI)
            if abs(lam) <= self.atol:
                return
            if abs(abs(lam) - math.pi) <= self.atol:
                out.append(Gate("cz", (a, b), condition=condition))  # type: ignore[arg-type]
            else:
                out.append(Gate("cp", (a, b), (lam,), condition=condition))  # type: ignore[arg-type]

        def two_qubit(gate: Gate) -> None:
            a, b = gate.qubits
            name, params = gate.name, gate.params
            if name == "cz":
                flush_unless_diagonal(a), flush_unless_diagonal(b)
                diagonal_cp(a, b, math.pi)
            elif name in ("cp", "cu1"):
                flush_unless_diagonal(a), flush_unless_diagonal(b)
                diagonal_cp(a, b, params[0])
            elif name == "crz":
                flush_unless_diagonal(a), flush_unless_diagonal(b)
                diagonal_cp(a, b, params[0])
                then(a, _phase(-params[0] / 2))
            elif name == "rzz":
                flush_unless_diagonal(a), flush_unless_diagonal(b)
                diagonal_cp(a, b, -2 * params[0])
                then(a, _phase(params[0]))
                then(b, _phase(params[0]))
            elif name == "cx":
                flush_unless_diagonal(a)
                then(b, _H)
                flush(b)
                diagonal_cp(a, b, math.pi)
                then(b, _H)
            elif name == "cy":
                flush_unless_diagonal(a)
                then(b, _H @ _SDG)
                flush(b)
                diagonal_cp(a, b, math.pi)
                then(b, _S @ _H)
            elif name == "swap":
                for c, t in ((a, b), (b, a), (a, b)):
                    two_qubit(Gate("cx", (c, t)))
            else:
                for piece in _kak(gate.matrix()):
                    qubits = tuple(gate.qubits[i] for i in piece.qubits)
                    if piece.name == "u":
                        then(qubits[0], gate_matrix("u", piece.params))
                    else:
                        two_qubit(Gate(piece.name, qubits, piece.params))

        for gate in circuit.gates:
            if gate.name == "barrier":
                continue
            if gate.condition is not None or gate.name in ("measure", "reset"):
                for q in gate.qubits:
                    flush(q)
                if gate.condition is None or gate.name in ("measure", "reset"):
                    out.append(gate)
                else:
                    self._conditional(gate, out)
                continue
            if len(gate.qubits) == 1:
                then(gate.qubits[0], gate.matrix())
            elif len(gate.qubits) == 2:
                two_qubit(gate)
            else:  # pragma: no cover - the frontend unrolls wider gates
                raise ValueError(f"normalize takes one- and two-qubit gates, not {gate.name}")
        for q in range(circuit.num_qubits):
            flush(q)
        return Circuit(circuit.num_qubits, circuit.num_clbits, tuple(out), circuit.name,
                       dict(circuit.metadata))

    def _conditional(self, gate: Gate, out: list[Gate]) -> None:
        """A classically controlled gate, normalized on its own and kept conditional."""
        inner = Normalize(self.atol).rewrite(
            Circuit(max(gate.qubits) + 1, 0, (Gate(gate.name, gate.qubits, gate.params),)))
        for piece in inner.gates:
            out.append(Gate(piece.name, piece.qubits, piece.params, condition=gate.condition))


@lru_cache(maxsize=1024)
def _kak_cached(key: bytes) -> tuple[Gate, ...]:
    from qiskit.circuit.library import CZGate
    from qiskit.synthesis import TwoQubitBasisDecomposer

    matrix = np.frombuffer(key, dtype=complex).reshape(4, 4)
    decomposer = TwoQubitBasisDecomposer(CZGate(), euler_basis="U")
    circuit = decomposer(matrix)
    pieces: list[Gate] = []
    for instruction in circuit.data:
        qubits = tuple(circuit.find_bit(q).index for q in instruction.qubits)
        op = instruction.operation
        if op.name == "cz":
            pieces.append(Gate("cz", qubits))
        else:
            pieces.append(Gate("u", qubits, tuple(u_angles(np.asarray(op.to_matrix())))))
    return tuple(pieces)


def _kak(matrix: np.ndarray) -> tuple[Gate, ...]:
    if is_diagonal(matrix):
        # A diagonal gate is a controlled phase and local phases: no KAK needed.
        d = np.diagonal(matrix)
        lam = float(np.angle(d[3] * d[0] / (d[1] * d[2])))
        pa = float(np.angle(d[1] / d[0]))
        pb = float(np.angle(d[2] / d[0]))
        return (Gate("cp", (0, 1), (lam,)), Gate("u", (0,), (0.0, 0.0, pa)),
                Gate("u", (1,), (0.0, 0.0, pb)))
    return _kak_cached(np.ascontiguousarray(matrix, dtype=complex).tobytes())
