"""Clifford circuits of any size with stim: sampled counts, and fidelity by uncomputing.

Every unitary becomes stim gates through ``stim.Tableau.from_unitary_matrix``.
stim does not always refuse a non-Clifford matrix (``u(0.3, 0, 0)`` came back as
the identity), so each conversion is checked: the tableau's own unitary must
equal the matrix up to a global phase (to 1e-6: stim works in single
precision), else the circuit is refused with
:class:`~qdcnet.runtime.engines.base.EngineLimit`. Channels become
``PAULI_CHANNEL_1/2``, readouts ``M(p)`` (the reported bit flips, the qubit
does not), resets and discards ``R``; a relabelled qubit keeps its stim index.

State fidelity, when nothing is measured or reset mid-way: the noisy circuit
without its terminal measurements, then the *ideal* circuit run backwards
(every unitary inverted, channels, discards and readouts dropped: in the
ideal run a discarded copy is |0>), then every qubit measured; the fraction
of all-zero shots is ⟨ψ|ρ|ψ⟩ with ψ the ideal state (all other qubits end in
|0>). Its standard error is the binomial one. Feed-forward: a Pauli gate
conditioned on one measured bit becomes stim feedback (``CX rec[-k] q``);
any other classically controlled operation (noise on a conditioned gate
included) is refused.

>>> import numpy as np
>>> from qdcnet.compiler.ir import gate_matrix
>>> is_clifford(gate_matrix("h")), is_clifford(gate_matrix("u", (0.3, 0.0, 0.0)))
(True, False)
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Hashable

import numpy as np
import stim

from qdcnet.runtime.engines.base import EngineLimit, EngineResult
from qdcnet.runtime.noisy import NoisyCircuit
from qdcnet.sim.statistics import proportion_standard_error

__all__ = ["NotClifford", "StimEngine", "is_clifford", "stim_supports", "to_stim"]

_CACHE: dict[bytes, stim.Circuit | None] = {}


class NotClifford(EngineLimit):
    """A unitary of the circuit is not a Clifford gate."""


def _clifford_circuit(matrix: np.ndarray) -> stim.Circuit | None:
    """stim gates for ``matrix`` on qubits 0..k-1 (little-endian), or None if not Clifford."""
    m = np.asarray(matrix, dtype=complex)
    key = np.round(m, 10).tobytes()
    if key in _CACHE:
        return _CACHE[key]
    out = None
    try:
        tableau = stim.Tableau.from_unitary_matrix(m, endian="little")
        back = tableau.to_unitary_matrix(endian="little")
        k = int(np.argmax(np.abs(m)))
        phase = back.flat[k] / m.flat[k] if abs(m.flat[k]) > 1e-9 else 0.0
        # stim's matrix is single precision: 1e-6 still refuses any real rotation
        if abs(abs(phase) - 1.0) < 1e-6 and np.allclose(back, phase * m, atol=1e-6):
            out = tableau.to_circuit("elimination")
    except ValueError:
        out = None
    _CACHE[key] = out
    return out


def is_clifford(matrix: np.ndarray | None) -> bool:
    """Whether a unitary is Clifford (checked against its tableau, not trusted to stim)."""
    return matrix is not None and _clifford_circuit(matrix) is not None


def _gates(matrix: np.ndarray, targets: tuple[int, ...], what: str) -> stim.Circuit:
    local = _clifford_circuit(matrix)
    if local is None:
        raise NotClifford(f"{what} is not a Clifford gate: stim cannot run this circuit "
                          "(use the density, trajectory or estimator engine)")
    out = stim.Circuit()
    for ins in local:
        out.append(ins.name, [targets[t.value] for t in ins.targets_copy()],
                   ins.gate_args_copy())
    return out


_LABELS = {w: ["".join(t) for t in itertools.product("IXYZ", repeat=w)][1:] for w in (1, 2)}


def to_stim(circuit: NoisyCircuit, *, uncompute: bool = False
            ) -> tuple[stim.Circuit, list[str | None], int]:
    """The stim circuit, the bit each measurement record writes, and the qubit count.

    With ``uncompute``, terminal measurements are left out and the ideal
    circuit is appended backwards, then every qubit is measured (records
    ``None``).
    """
    out = stim.Circuit()
    index: dict[Hashable, int] = {}
    records: list[str | None] = []
    resolved: list[tuple[int, ...]] = []

    _fresh = [0]  # indices are never reused: a discarded copy's qubit stays |0>

    def qubit(key: Hashable) -> int:
        if key not in index:
            index[key] = _fresh[0]
            _fresh[0] += 1
        return index[key]

    written: dict[str, int] = {}  # bit -> index of the last record writing it
    for i, op in enumerate(circuit.ops):
        if op.condition is not None:
            feedback = _feedback(op, written, len(records))
            if feedback is None:
                resolved.append(())
                continue  # the condition reads only unwritten (0) bits and fails
            gate, lookback = feedback
            out.append(gate, [stim.target_rec(-lookback), qubit(op.keys[0])])
            resolved.append((index[op.keys[0]],))
            continue
        if op.kind == "relabel":
            old, new = op.keys
            index[new] = index.pop(old) if old in index else qubit(new)
            resolved.append((index[new],))
            continue
        targets = tuple(qubit(k) for k in op.keys)
        resolved.append(targets)
        if op.kind == "unitary":
            out += _gates(op.matrix, targets, f"gate {op.name or 'unitary'} on {op.keys}")
        elif op.kind == "pauli":
            width = len(op.keys)
            if width not in (1, 2):
                raise EngineLimit(f"a {width}-qubit Pauli channel (stim takes 1 or 2)")
            probabilities = dict(op.paulis)
            out.append(f"PAULI_CHANNEL_{width}", targets,
                       [probabilities.get(label, 0.0) for label in _LABELS[width]])
        elif op.kind == "measure":
            if uncompute and i in circuit.terminal:
                continue
            out.append("M", targets, [op.flip] if op.flip else [])
            if op.bit is not None:
                written[op.bit] = len(records)
            records.append(op.bit)
        elif op.kind in ("reset", "discard"):
            out.append("R", targets)
            if op.kind == "discard":
                index.pop(op.keys[0])
    if uncompute:
        for op, targets in zip(reversed(circuit.ops), reversed(resolved), strict=True):
            if op.kind == "unitary" and op.condition is None:
                out += _gates(np.conj(op.matrix).T, targets, f"gate {op.name} on {op.keys}")
        everyone = list(range(_fresh[0]))
        if everyone:
            out.append("M", everyone)
        records.extend([None] * len(everyone))
    return out, records, _fresh[0]


_FEEDBACK = {"X": "CX", "Y": "CY", "Z": "CZ"}
_PAULIS = {"X": np.array([[0, 1], [1, 0]]), "Y": np.array([[0, -1j], [1j, 0]]),
           "Z": np.array([[1, 0], [0, -1]])}


def _feedback(op, written: dict[str, int], count: int) -> tuple[str, int] | None:
    """A classically controlled Pauli as stim feedback: (gate, records back), or None.

    None: the operation never fires.

    Bits not yet written read 0, so a condition reduces to the written ones;
    stim can condition on one record, so one written bit must remain.
    """
    condition = op.condition
    live = [b for b in condition.bits if b in written]
    fixed = sum(((condition.value >> j) & 1) << j for j, b in enumerate(condition.bits)
                if b not in written)
    if condition.equal and fixed:
        return None  # an unwritten bit would have to be 1
    if op.kind != "unitary" or len(op.keys) != 1 or len(live) != 1 or not condition.equal:
        raise EngineLimit(f"a classically controlled {op.kind} ({op.name or 'channel'}) on "
                          f"{op.keys}: stim takes only a Pauli gate conditioned on one bit "
                          "(use density or trajectories)")
    j = condition.bits.index(live[0])
    if not (condition.value >> j) & 1:
        raise EngineLimit("stim feedback fires on a 1: a gate conditioned on a 0 is refused "
                          "(use density or trajectories)")
    for letter, pauli in _PAULIS.items():
        k = int(np.argmax(np.abs(pauli)))
        phase = op.matrix.flat[k] / pauli.flat[k]
        if abs(abs(phase) - 1) < 1e-9 and np.allclose(op.matrix, phase * pauli, atol=1e-9):
            return _FEEDBACK[letter], count - written[live[0]]
    raise EngineLimit(f"a classically controlled non-Pauli gate {op.name or ''} on {op.keys} "
                      "(stim takes Pauli corrections only; use density or trajectories)")


def stim_supports(circuit: NoisyCircuit) -> bool:
    """Clifford, and every classically controlled operation a one-bit Pauli correction."""
    if not circuit.clifford:
        return False
    try:
        to_stim(circuit)
    except EngineLimit:
        return False
    return True


class StimEngine:
    """Sampled, Clifford only, any size."""

    name = "stim"

    def _counts(self, circuit: NoisyCircuit, stim_circuit: stim.Circuit,
                records: list[str | None], shots: int, seed: int) -> dict[str, int]:
        if not records:
            return {circuit.bitstring({}): shots}
        samples = stim_circuit.compile_sampler(seed=seed).sample(shots)
        last = {bit: j for j, bit in enumerate(records) if bit is not None}
        columns = [samples[:, last[b]] if b in last else np.zeros(shots, dtype=bool)
                   for b in reversed(circuit.clbits)]
        if not columns:
            return {"": shots}
        rows = np.stack(columns, axis=1).astype(np.uint8)
        unique, n = np.unique(rows, axis=0, return_counts=True)
        return {"".join(map(str, row)): int(c) for row, c in zip(unique, n, strict=True)}

    def run(self, circuit: NoisyCircuit, *, shots: int = 10_000,
            rng: np.random.Generator | None = None) -> EngineResult:
        started = time.perf_counter()
        rng = rng if rng is not None else np.random.default_rng(0)
        seeds = [int(s) for s in rng.integers(0, 2**63 - 1, size=3)]
        noisy, records, _ = to_stim(circuit)
        ideal, ideal_records, _ = to_stim(circuit.without_noise())
        counts = self._counts(circuit, noisy, records, shots, seeds[0])
        ideal_counts = self._counts(circuit, ideal, ideal_records, shots, seeds[1])
        fidelity = se = None
        if not circuit.midcircuit:
            check, _, n = to_stim(circuit, uncompute=True)
            if n:
                samples = check.compile_sampler(seed=seeds[2]).sample(shots)
                zeros = int(np.count_nonzero(~samples[:, -n:].any(axis=1)))
            else:
                zeros = shots
            fidelity = zeros / shots
            se = proportion_standard_error(fidelity, shots)
        return EngineResult(self.name, False, shots, fidelity, se, None, None, None, counts,
                            ideal_counts, time.perf_counter() - started)
