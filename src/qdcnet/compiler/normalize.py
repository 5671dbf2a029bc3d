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

__all__ = ["Normalize", "consolidate_pairs", "u_angles"]

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
        circuit = consolidate_pairs(circuit, self.atol)
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


_SWAP = np.array([[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 1]], dtype=complex)
_LOCAL_FRAMES = ((_I, _I), (_I, _H), (_H, _I), (_H, _H))


def consolidate_pairs(circuit: Circuit, atol: float = 1e-9) -> Circuit:
    """Runs of gates on one pair of qubits, rewritten as one controlled phase where they are one.

    A run from the first to the last two-qubit gate on a pair (one-qubit gates
    on the pair inside it included; nothing else touches the two qubits in
    between) whose unitary is diagonal, possibly between Hadamards on either
    qubit, becomes those Hadamards around one diagonal gate: so ``cu1`` spelled
    as its ``qelib1`` definition (two ``cx`` around phases), ``crz`` unrolled,
    ``cx a,b; rz b; cx a,b`` cost one two-qubit gate, and ``cz a,b; cz a,b``
    or ``cx a,b; cx a,b`` none. Other runs are left as they are.

    >>> from qdcnet.compiler.ir import Circuit, Gate
    >>> cu1 = Circuit(2, 0, (Gate("p", (0,), (0.3,)), Gate("cx", (0, 1)),
    ...                      Gate("p", (1,), (-0.3,)), Gate("cx", (0, 1)), Gate("p", (1,), (0.3,))))
    >>> [g.name for g in consolidate_pairs(cu1).gates].count("cx")
    0
    """
    gates = circuit.gates
    replaced: dict[int, list[Gate]] = {}  # first index of a rewritten run -> its gates
    skipped: set[int] = set()
    open_runs: dict[int, list[int]] = {}  # qubit -> indices of its open run (shared by the pair)
    pair_of: dict[int, tuple[int, int]] = {}

    def close(q: int) -> None:
        run = open_runs.get(q)
        if run is None:
            return
        pair = pair_of[q]
        for x in pair:
            open_runs.pop(x, None)
            pair_of.pop(x, None)
        rewritten = _rewrite_run([gates[i] for i in run], pair, atol)
        if rewritten is not None:
            # In place of the run's first gate: the rest only commute past gates elsewhere.
            replaced[run[0]] = rewritten
            skipped.update(run[1:])

    for index, gate in enumerate(gates):
        qubits = gate.qubits
        plain = gate.condition is None and gate.name not in ("measure", "reset", "barrier")
        if plain and len(qubits) == 2:
            a, b = qubits
            pair = (min(a, b), max(a, b))
            if pair_of.get(a) == pair and pair_of.get(b) == pair:
                open_runs[a].append(index)
                continue
            close(a)
            close(b)
            run = [index]
            for x in pair:
                open_runs[x] = run
                pair_of[x] = pair
            continue
        if plain and len(qubits) == 1 and qubits[0] in open_runs:
            open_runs[qubits[0]].append(index)
            continue
        for q in qubits:
            close(q)
    for q in list(open_runs):
        close(q)
    if not replaced:
        return circuit
    out: list[Gate] = []
    for index, gate in enumerate(gates):
        if index in replaced:
            out.extend(replaced[index])
        elif index not in skipped:
            out.append(gate)
    return Circuit(circuit.num_qubits, circuit.num_clbits, tuple(out), circuit.name,
                   dict(circuit.metadata))


def _rewrite_run(run: list[Gate], pair: tuple[int, int], atol: float) -> list[Gate] | None:
    """A run on ``pair`` (first gate two-qubit) as one diagonal core, or None if it is not one."""
    last = max(i for i, g in enumerate(run) if len(g.qubits) == 2)
    core, tail = run[:last + 1], run[last + 1:]
    if sum(1 for g in core if len(g.qubits) == 2) < 2:
        return None
    a, b = pair
    unitary = np.eye(4, dtype=complex)
    for gate in core:
        if len(gate.qubits) == 1:
            m = gate.matrix()
            step = np.kron(_I, m) if gate.qubits[0] == a else np.kron(m, _I)
        else:
            step = gate.matrix() if gate.qubits == (a, b) else _SWAP @ gate.matrix() @ _SWAP
        unitary = step @ unitary
    for frame_a, frame_b in _LOCAL_FRAMES:
        frame = np.kron(frame_b, frame_a)
        inner = frame @ unitary @ frame  # H is its own inverse
        if is_diagonal(inner, atol):
            d = np.diagonal(inner)
            lam = float(np.angle(d[3] * d[0] / (d[1] * d[2])))
            pa = float(np.angle(d[1] / d[0]))
            pb = float(np.angle(d[2] / d[0]))
            hs = [Gate("h", (q,)) for q, f in ((a, frame_a), (b, frame_b)) if f is not _I]
            return [*hs, Gate("cp", (a, b), (lam,)), Gate("p", (a,), (pa,)),
                    Gate("p", (b,), (pb,)), *hs, *tail]
    return None


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
