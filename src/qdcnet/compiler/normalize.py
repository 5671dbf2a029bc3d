"""The ``normalize`` pass: one-qubit ``u`` gates plus diagonal ``cz`` / ``cp``.

Two-qubit gates become diagonal ones (so a gate's cost never depends on how
the input spelled it: ``cx`` and ``h; cz; h`` normalize to the same thing),
and runs of one-qubit gates merge into a single ``u``. Diagonal two-qubit
gates are what lets one ebit serve many gates: a qubit that sees only
diagonal gates can be shared with another module for the whole run.

Rules (exact, global phase dropped): ``crz(t) = p(-t/2) on the control, cp(t)``;
``rzz(t) = p(t) on both, cp(-2t)``; ``cx = h; cz; h`` on the target; ``cy``
likewise with ``s``; ``swap`` is three ``cx``. Any other two-qubit gate that
commutes with ``Z`` on one qubit (``ch``, ``crx``, ``cry``, ``csx``, ``cu``,
``cu3``, ``rzx``) is a controlled ``U``, and ``U = e^(ig) V diag(1, e^(il)) V^+``
makes it ``p(g)`` on the control and one ``cp(l)`` in the frame ``V`` of the
target; a gate whose Weyl coordinates have one nonzero term (``rxx``,
``ryy``, ``ecr``) is ``rzz`` between local frames: so every gate of operator
Schmidt rank 2 becomes one controlled phase (one ebit across modules). The
rest (``swap``, ``iswap``, ``dcx``, generic unitaries) go through Qiskit's KAK
decomposition into the fewest ``cz`` (two or three).

Then, to a fixpoint, read from the commutation windows of
:mod:`qdcnet.compiler.commute` (so the result does not depend on the order
commuting gates were written in): controlled phases on one pair of qubits
that sit in the same windows on both merge into one (angles add; a zero angle
vanishes: ``cz a,b; cz a,c; cz a,b`` is ``cz a,c``); a run of controlled
phases with one partner ``a`` (one window there) through consecutive windows
of ``b`` with one-qubit gates between is a controlled ``U`` and becomes at most
one (``cx a,b; rz b; cx a,b`` is one ``cp``, ``cz a,b; x b; cz a,b`` none); and
the one-qubit gates merge again (``h; h`` can now meet and join two windows).

>>> from qdcnet.compiler.ir import Circuit, Gate
>>> c = Circuit(2, 0, (Gate("h", (1,)), Gate("cx", (0, 1)), Gate("h", (1,))))
>>> [g.name for g in Normalize().rewrite(c).gates]
['cz']
"""

from __future__ import annotations

import cmath
import dataclasses
import math
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from qdcnet.compiler.commute import CommutationWindows, commutation_windows
from qdcnet.compiler.ir import NON_UNITARY, Circuit, Gate, gate_matrix, is_diagonal

if TYPE_CHECKING:
    from qdcnet.compiler.passes import CompileState

__all__ = ["Normalize", "cancel_commuting", "fuse_controlled_runs",
           "u_angles"]

_H = gate_matrix("h")
_S = gate_matrix("s")
_SDG = gate_matrix("sdg")
_I = np.eye(2, dtype=complex)
_TWO_PI = 2 * math.pi


def _phase(lam: float) -> np.ndarray:
    return np.diag([1.0, np.exp(1j * lam)])


def u_angles(matrix: np.ndarray) -> tuple[float, float, float]:
    """``(theta, phi, lam)`` of a one-qubit unitary, up to global phase.

    The ZYZ angles of the matrix scaled into SU(2) (Qiskit's ``params_zyz``,
    written out: a call costs a microsecond, not Qiskit's thirty).

    >>> from qdcnet.compiler.ir import u_matrix
    >>> [round(x, 6) for x in u_angles(u_matrix(0.3, 0.2, 0.1))]
    [0.3, 0.2, 0.1]
    """
    (a, b), (c, d) = matrix.tolist()
    scale = 1 / cmath.sqrt(a * d - b * c)
    a, c, d = a * scale, c * scale, d * scale
    theta = 2 * math.atan2(abs(c), abs(a))
    plus, minus = cmath.phase(d), cmath.phase(c)  # (phi + lam) / 2 and (phi - lam) / 2
    return theta, plus + minus, plus - minus


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
        out = self._merge(circuit)
        # Each round removes at least one two-qubit gate, so this ends.
        while (reduced := _reduce(out, self.atol)) is not None:
            out = self._merge(reduced)
        return out

    def _merge(self, circuit: Circuit) -> Circuit:
        """Two-qubit gates made diagonal and one-qubit runs merged (one pass)."""
        atol = self.atol
        out: list[Gate] = []
        append = out.append
        pending: list[np.ndarray | None] = [None] * circuit.num_qubits
        # The one input `u` a pending run is, while nothing merged into it: emitted as it was.
        as_written: list[Gate | None] = [None] * circuit.num_qubits

        def flush(q: int) -> None:
            matrix = pending[q]
            if matrix is None:
                return
            pending[q] = None
            gate = as_written[q]
            as_written[q] = None
            if (abs(matrix[0, 1]) <= atol and abs(matrix[1, 0]) <= atol
                    and abs(matrix[0, 0] - matrix[1, 1]) <= atol):
                # The identity up to phase, judged linearly in the angle: |tr| - 2 is
                # quadratic, so it would drop rotations up to 1e-4 at atol 1e-9.
                return
            append(gate if gate is not None else Gate("u", (q,), u_angles(matrix)))

        def flush_unless_diagonal(q: int) -> None:
            # A pending phase commutes with a diagonal two-qubit gate: keep merging it.
            matrix = pending[q]
            if matrix is not None and (abs(matrix[0, 1]) > atol or abs(matrix[1, 0]) > atol):
                flush(q)

        def then(q: int, matrix: np.ndarray) -> None:
            before = pending[q]
            pending[q] = matrix if before is None else matrix @ before
            as_written[q] = None

        def diagonal_cp(a: int, b: int, lam: float) -> None:
            lam = math.remainder(lam, _TWO_PI)
            if abs(lam) <= atol:
                return  # the identity: pending gates on a and b keep merging across it
            flush_unless_diagonal(a), flush_unless_diagonal(b)
            if abs(abs(lam) - math.pi) <= atol:
                append(Gate("cz", (a, b)))
            else:
                append(Gate("cp", (a, b), (lam,)))

        def two_qubit(gate: Gate) -> None:
            a, b = gate.qubits
            name, params = gate.name, gate.params
            if name == "cz":
                flush_unless_diagonal(a), flush_unless_diagonal(b)
                append(gate)
            elif name == "cp" and atol < abs(params[0]) < math.pi - atol:
                flush_unless_diagonal(a), flush_unless_diagonal(b)
                append(gate)  # already as diagonal_cp would write it
            elif name in ("cp", "cu1"):
                diagonal_cp(a, b, params[0])
            elif name == "crz":
                diagonal_cp(a, b, params[0])
                then(a, _phase(-params[0] / 2))
            elif name == "rzz":
                diagonal_cp(a, b, -2 * params[0])
                then(a, _phase(params[0]))
                then(b, _phase(params[0]))
            elif name == "cx":
                then(b, _H)
                diagonal_cp(a, b, math.pi)
                then(b, _H)
            elif name == "cy":
                then(b, _H @ _SDG)
                diagonal_cp(a, b, math.pi)
                then(b, _S @ _H)
            elif name == "swap":
                for c, t in ((a, b), (b, a), (a, b)):
                    two_qubit(Gate("cx", (c, t)))
            else:
                for position, step in _steps(gate.matrix(), atol):
                    if position is None:
                        diagonal_cp(a, b, step)  # type: ignore[arg-type]
                    else:
                        then(gate.qubits[position], step)  # type: ignore[arg-type]

        for gate in circuit.gates:
            name, qubits = gate.name, gate.qubits
            if name == "barrier":
                continue
            if gate.condition is not None or name == "measure" or name == "reset":
                for q in qubits:
                    flush(q)
                if gate.condition is None or name in ("measure", "reset"):
                    append(gate)
                else:
                    self._conditional(gate, out)
                continue
            if len(qubits) == 1:
                q = qubits[0]
                if pending[q] is None:
                    pending[q] = gate.matrix()
                    as_written[q] = gate if name == "u" else None
                else:
                    then(q, gate.matrix())
            elif len(qubits) == 2:
                two_qubit(gate)
            else:  # pragma: no cover - the frontend unrolls wider gates
                raise ValueError(f"normalize takes one- and two-qubit gates, not {name}")
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


def cancel_commuting(circuit: Circuit, atol: float = 1e-9) -> Circuit | None:
    """Controlled phases on one pair in the same commutation windows, merged into the first.

    Two unconditional ``cz`` / ``cp`` on qubits ``a, b`` that sit in the same
    window of :func:`~qdcnet.compiler.commute.commutation_windows` on ``a`` and
    on ``b`` commute with every gate between them on those qubits, so the later
    one can move back to the earlier: they become one ``cp`` of the summed
    angle (a ``cz`` at pi, nothing at zero), where the first was. One-qubit
    gates are left as they are (run :class:`Normalize` to merge what now
    meets). None when there is nothing to merge.

    >>> from qdcnet.compiler.ir import Circuit, Gate
    >>> c = Circuit(3, 0, (Gate("cz", (0, 1)), Gate("cz", (0, 2)), Gate("cz", (1, 0))))
    >>> [(g.name, g.qubits) for g in cancel_commuting(c).gates]
    [('cz', (0, 2))]
    """
    return _reduce(circuit, atol, cancel=True, fuse=False)


def fuse_controlled_runs(circuit: Circuit, atol: float = 1e-9) -> Circuit | None:
    """Controlled phases on ``a, b`` with one-qubit gates on ``b`` between, as one controlled U.

    A run along qubit ``b`` is ``cz`` / ``cp`` gates with one partner ``a``,
    all in one commutation window on ``a``, in consecutive windows on ``b``
    with one one-qubit gate between each two (windows inside the run hold
    nothing else; the first and last may hold other gates, which commute out
    of the way). It is ``|0><0| (x) V0 + |1><1| (x) V1`` on ``a, b`` and
    becomes at most one controlled phase in the eigenframe of ``V1 V0^+``: so
    ``cz a,b; x b; cz a,b`` is local and ``cx a,b; rz b; cx a,b`` one phase,
    whatever else ``a`` and ``b`` meet between. Read from the windows, a run
    is found whatever order the commuting gates were written in. The run is
    written where its first one-qubit gate was. None when nothing fuses.

    >>> from qdcnet.compiler.ir import Circuit, Gate
    >>> c = Circuit(3, 0, (Gate("cz", (0, 1)), Gate("cz", (0, 2)), Gate("x", (1,)),
    ...                    Gate("cz", (0, 1))))
    >>> [g.name for g in fuse_controlled_runs(c).gates if len(g.qubits) == 2]
    ['cz']
    """
    return _reduce(circuit, atol, cancel=False, fuse=True)


def _controlled_phase(qubits: tuple[int, ...], lam: float, atol: float) -> Gate | None:
    lam = math.remainder(lam, _TWO_PI)
    if abs(abs(lam) - math.pi) <= atol:
        return Gate("cz", qubits)
    if abs(lam) > atol:
        return Gate("cp", qubits, (lam,))
    return None


def _reduce(circuit: Circuit, atol: float, *, cancel: bool = True,
            fuse: bool = True) -> Circuit | None:
    """:func:`cancel_commuting` then :func:`fuse_controlled_runs`, on one set of windows.

    Cancelling removes only gates that share both their qubits, so the windows
    of the gates that stay do not change: the fusing reads the same windows.
    """
    gates = circuit.gates
    found = commutation_windows(circuit)
    windows = found.gate_windows
    changed: dict[int, Gate | None] = {}  # index -> what stands there now (None: nothing)
    if cancel:
        leaders: dict[tuple[int, int, int, int], int] = {}
        totals: dict[int, float] = {}  # leader of a group of two or more -> summed angle
        for index, gate in enumerate(gates):
            name = gate.name
            if (name != "cz" and name != "cp") or gate.condition is not None:
                continue
            (qa, wa), (qb, wb) = windows[index]
            key = (qa, wa, qb, wb) if qa < qb else (qb, wb, qa, wa)
            leader = leaders.setdefault(key, index)
            if leader == index:
                continue
            if leader not in totals:
                first = gates[leader]
                totals[leader] = math.pi if first.name == "cz" else first.params[0]
            totals[leader] += math.pi if name == "cz" else gate.params[0]
            changed[index] = None
        for leader, total in totals.items():
            changed[leader] = _controlled_phase(gates[leader].qubits, total, atol)
    replaced: dict[int, list[Gate]] = {}
    if fuse:
        _fuse(circuit, found, changed, replaced, atol)
    if not changed and not replaced:
        return None
    out: list[Gate] = []
    for index, gate in enumerate(gates):
        if index in replaced:
            out.extend(replaced[index])
        elif index in changed:
            now = changed[index]
            if now is not None:
                out.append(now)
        else:
            out.append(gate)
    return Circuit(circuit.num_qubits, circuit.num_clbits, tuple(out), circuit.name,
                   dict(circuit.metadata))


def _fuse(circuit: Circuit, found: CommutationWindows, changed: dict[int, Gate | None],
          replaced: dict[int, list[Gate]], atol: float) -> None:
    """The runs of :func:`fuse_controlled_runs`; gates it takes become ``changed`` to None.

    Along ``b``, a run is a chain of sharing windows, one after another with
    a single one-qubit gate between each two, each holding a controlled phase
    with ``a`` in one window ``W`` of ``a``; the windows inside the chain hold
    nothing else. In its first window the run's gate can move to the end (it
    commutes with the rest there, and on ``a`` everything up to the run's last
    gate is in ``W``), in its last window to the start: so the run is one
    after another on ``b`` in some order of the commuting gates, and being
    read from the windows, it is found in every order.
    """
    gates = circuit.gates
    windows, members, holding = found.gate_windows, found.members, found.holding
    taken: set[int] = set()

    def present(index: int) -> Gate | None:
        return changed[index] if index in changed else gates[index]

    def key(index: int, b: int) -> tuple[int, int] | None:
        """``(a, window on a)`` of a plain controlled phase on ``b``, else None."""
        gate = present(index)
        if (gate is None or index in taken or gate.condition is not None
                or gate.name not in ("cz", "cp")):
            return None
        return windows[index][1 if gate.qubits[0] == b else 0]

    def link(b: int, w: int) -> int | None:
        """The one plain one-qubit gate that is holding window ``w`` on ``b``, if it is one."""
        if w >= len(members[b]) or not holding[b][w]:
            return None
        index = members[b][w][0]
        gate = present(index)
        if gate is None or index in taken or gate.condition is not None:
            return None
        return index if len(gate.qubits) == 1 and gate.name not in NON_UNITARY else None

    def pure(b: int, w: int, k: tuple[int, int]) -> bool:
        """Window ``w`` holds only ``k``'s controlled phases and plain one-qubit gates."""
        for index in members[b][w]:
            gate = present(index)
            if gate is None:
                if index in taken:
                    return False
                continue  # cancelled
            if len(gate.qubits) > 1 and key(index, b) != k:
                return False
            if len(gate.qubits) == 1 and (gate.condition is not None or gate.name in NON_UNITARY):
                return False
        return True

    def group(b: int, w: int, seen: dict[int, dict[tuple[int, int], list[int]]]
              ) -> dict[tuple[int, int], list[int]]:
        """Window ``w`` of ``b``: its controlled phases by ``(a, window on a)``, kept in seen."""
        got = seen.get(w)
        if got is None:
            got = {}
            for index in members[b][w]:
                k = key(index, b)
                if k is not None:
                    got.setdefault(k, []).append(index)
            seen[w] = got
        return got

    for b in range(circuit.num_qubits):
        along, shut = members[b], holding[b]
        found_keys: dict[int, dict[tuple[int, int], list[int]]] = {}

        for w in range(len(along) - 2):
            # A run needs a link after this window and a sharing window after the link.
            if shut[w] or not shut[w + 1] or shut[w + 2]:
                continue
            here = group(b, w, found_keys)
            if not here or link(b, w + 1) is None:
                continue
            after = group(b, w + 2, found_keys)
            # Candidates by (a, window on a), not by where they were written: two runs can
            # want the same link, and the one taken must not depend on the order.
            for k in sorted(k for k in here if k in after):
                chain: list[int] = [here[k][0]]
                last = w
                while True:
                    step = link(b, last + 1)
                    nxt = last + 2
                    if step is None or nxt >= len(along) or shut[nxt]:
                        break
                    ends = group(b, nxt, found_keys).get(k)
                    if not ends:
                        break
                    chain.append(step)
                    if pure(b, nxt, k):
                        chain.extend(i for i in along[nxt] if present(i) is not None)
                        found_keys[nxt] = {}
                        last = nxt
                        continue
                    chain.extend(ends)
                    del found_keys[nxt][k]
                    break
                _fuse_run(b, k[0], [present(i) for i in chain], chain, replaced, atol)
                for i in chain:
                    taken.add(i)
                    changed[i] = None
                del here[k]
                break


def _fuse_run(b: int, a: int, run: list[Gate | None], indices: list[int],
              replaced: dict[int, list[Gate]], atol: float) -> None:
    """Write ``run`` (on ``b``, controlled phases with ``a``) at its first link, as one.

    ``indices[1]`` is the first link: the run's first gate moves forward to it
    and the rest back, each within its windows.
    """
    blocks = [_I, _I]  # the run on b when a reads 0 and when it reads 1
    for gate in run:
        assert gate is not None
        if len(gate.qubits) == 1:
            m = gate.matrix()
            blocks = [m @ blocks[0], m @ blocks[1]]
        else:
            lam = math.pi if gate.name == "cz" else gate.params[0]
            blocks[1] = _phase(lam) @ blocks[1]
    pieces: list[Gate] = []
    for position, step in _block_steps(blocks[0], blocks[1], atol):
        if position is None:
            phase_gate = _controlled_phase((a, b), step, atol)  # type: ignore[arg-type]
            if phase_gate is not None:
                pieces.append(phase_gate)
        else:
            pieces.append(Gate("u", (a if position == 0 else b,),
                               u_angles(step)))  # type: ignore[arg-type]
    replaced[indices[1]] = pieces


#: A two-qubit gate as steps in time order: ``(0 or 1, matrix)`` is a one-qubit gate on
#: the gate's first or second qubit, ``(None, angle)`` a controlled phase between them.
_Step = tuple[int | None, "np.ndarray | float"]


def _steps(matrix: np.ndarray, atol: float) -> tuple[_Step, ...]:
    """A two-qubit unitary as controlled phases between one-qubit gates (global phase dropped).

    The fewest controlled phases: none for a product, one for a gate of
    operator Schmidt rank 2, else Qiskit's KAK into two or three ``cz``.
    """
    return _steps_cached(np.ascontiguousarray(matrix, dtype=complex).tobytes(), atol)


@lru_cache(maxsize=4096)
def _steps_cached(key: bytes, atol: float) -> tuple[_Step, ...]:
    matrix = np.frombuffer(key, dtype=complex).reshape(4, 4)
    if is_diagonal(matrix, atol):
        d = np.diagonal(matrix)
        return ((None, float(np.angle(d[3] * d[0] / (d[1] * d[2])))),
                (0, _phase(float(np.angle(d[1] / d[0])))),
                (1, _phase(float(np.angle(d[2] / d[0])))))
    flips = np.arange(4)[:, None] ^ np.arange(4)[None, :]
    for control in (0, 1):
        # Block diagonal on the control: |0><0| (x) U0 + |1><1| (x) U1, a controlled U1 U0^+.
        if np.all(np.abs(matrix[(flips >> control) & 1 == 1]) <= atol):
            return _controlled_steps(matrix, control, atol)
    from qiskit.synthesis import TwoQubitWeylDecomposition

    # U = (K1l (x) K1r) exp(i (a XX + b YY + c ZZ)) (K2l (x) K2r), K.l on the second qubit.
    weyl = TwoQubitWeylDecomposition(matrix, fidelity=None)
    if abs(weyl.b) <= atol and abs(weyl.c) <= atol:
        # exp(i a XX) is exp(i a ZZ) = p(-2a) (x) p(-2a) cp(4a) between Hadamards.
        a = float(weyl.a)
        after = _H @ _phase(-2 * a)
        steps: list[_Step] = [(0, _H @ weyl.K2r), (1, _H @ weyl.K2l)]
        if abs(a) > atol:
            steps.append((None, 4 * a))
        steps += [(0, weyl.K1r @ after), (1, weyl.K1l @ after)]
        return tuple(steps)
    return tuple((None, math.pi) if piece.name == "cz" else
                 (piece.qubits[0], gate_matrix("u", piece.params))
                 for piece in _kak(matrix))


def _controlled_steps(matrix: np.ndarray, control: int, atol: float) -> tuple[_Step, ...]:
    """A gate block diagonal on ``control``: one controlled phase in the target's eigenframe."""
    target = 1 - control
    # Indices (little endian) where the control reads v, in the order of the target's bit.
    rows = [[v, v + 2] for v in (0, 1)] if control == 0 else [[2 * v, 2 * v + 1] for v in (0, 1)]
    steps = _block_steps(matrix[np.ix_(rows[0], rows[0])], matrix[np.ix_(rows[1], rows[1])],
                         atol)
    # _block_steps numbers the control 0 and the target 1.
    return tuple((None if p is None else (control if p == 0 else target), step)
                 for p, step in steps)


def _block_steps(u0: np.ndarray, u1: np.ndarray, atol: float) -> tuple[_Step, ...]:
    """``|0><0| (x) u0 + |1><1| (x) u1`` (control 0, target 1) as at most one controlled phase.

    ``u1 u0^+ = e^(ig) V diag(1, e^(il)) V^+``, so the gate is ``u0`` then ``V^+``
    on the target, ``cp(l)`` and ``p(g)`` on the control, then ``V``.
    """
    w = u1 @ u0.conj().T
    values, vectors = np.linalg.eig(w)
    if abs(values[0] - values[1]) <= atol:  # a phase on the control: no interaction
        return ((1, u0), (0, _phase(float(np.angle(values[0])))))
    # W is normal, so its eigenvectors are orthogonal: complete the first into a unitary V.
    v = vectors[:, 0] / np.linalg.norm(vectors[:, 0])
    frame = np.array([[v[0], -np.conj(v[1])], [v[1], np.conj(v[0])]])
    diagonal = np.diagonal(frame.conj().T @ w @ frame)
    if np.angle(diagonal[1] / diagonal[0]) < 0:
        # The other order of the eigenvectors: the angle in [0, pi] whatever order eig chose.
        v = frame[:, 1]
        frame = np.array([[v[0], -np.conj(v[1])], [v[1], np.conj(v[0])]])
        diagonal = np.diagonal(frame.conj().T @ w @ frame)
    gamma = float(np.angle(diagonal[0]))
    lam = float(np.angle(diagonal[1] / diagonal[0]))
    return ((1, frame.conj().T @ u0), (None, lam), (0, _phase(gamma)), (1, frame))


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
    return _kak_cached(np.ascontiguousarray(matrix, dtype=complex).tobytes())
