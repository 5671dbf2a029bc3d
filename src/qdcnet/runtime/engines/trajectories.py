"""State-vector trajectories: one pure state per shot, one Pauli drawn per channel.

Reuses :class:`~qdcnet.compiler.statevector.StateVector` (named qubits that
enter when used and leave when measured). Each shot runs the whole circuit:
every channel draws one Pauli string, every measurement samples the Born rule
and its readout flip, and feed-forward conditions read the shot's own bits.
The state fidelity of a shot is |⟨ψ_ideal|ψ⟩|² of the data qubits just before
the terminal measurements (other live qubits measured away, which traces
them out); the result is the mean with its standard error. Up to about 24
live qubits (2^24 amplitudes, 256 MiB).

>>> from qdcnet.runtime.noisy import NoisyCircuit, NoisyOp
>>> from qdcnet.compiler.ir import gate_matrix
>>> c = NoisyCircuit((NoisyOp("unitary", (0,), gate_matrix("h")),), (0,), (), 1)
>>> round(TrajectoryEngine().run(c, shots=10).state_fidelity, 12)
1.0
"""

from __future__ import annotations

import time

import numpy as np

from qdcnet.compiler.statevector import StateVector
from qdcnet.errors import ParameterError
from qdcnet.runtime.engines.base import (
    EngineLimit,
    EngineResult,
    add_outcomes,
    relabel_key,
    sample_counts,
)
from qdcnet.runtime.noisy import NoisyCircuit, NoisyOp
from qdcnet.sim.statistics import standard_error

__all__ = ["TRAJECTORY_MAX_LIVE", "TrajectoryEngine", "run_trajectory"]

#: the most live qubits the trajectory engine takes by default
TRAJECTORY_MAX_LIVE = 24

_PAULI = {"X": np.array([[0, 1], [1, 0]], dtype=complex),
          "Y": np.array([[0, -1j], [1j, 0]], dtype=complex),
          "Z": np.array([[1, 0], [0, -1]], dtype=complex)}


def _draw(op: NoisyOp, rng: np.random.Generator) -> str:
    u = rng.random()
    total = 0.0
    for label, p in op.paulis:
        total += p
        if u < total:
            return label
    return op.paulis[-1][0]


def run_trajectory(circuit: NoisyCircuit, rng: np.random.Generator
                   ) -> tuple[StateVector, dict[str, int], list[NoisyOp]]:
    """One shot up to the terminal measurements: the state, the bits so far, the deferred reads."""
    sv = StateVector(rng)
    bits: dict[str, int] = {}
    deferred: list[NoisyOp] = []
    for index, op in enumerate(circuit.ops):
        if index in circuit.terminal:
            deferred.append(op)
            continue
        if op.condition is not None and not op.condition.holds(bits):
            continue
        kind = op.kind
        if kind == "unitary":
            sv.apply(op.matrix, op.keys)
        elif kind == "pauli":
            label = _draw(op, rng)
            for letter, key in zip(label, op.keys, strict=True):
                if letter != "I":
                    sv.apply(_PAULI[letter], (key,))
        elif kind == "measure":
            outcome, _ = sv.measure(op.keys[0])
            assert op.bit is not None
            bits[op.bit] = outcome ^ int(rng.random() < op.flip)
        elif kind == "reset":
            sv.reset(op.keys[0])
        elif kind == "discard":
            if op.keys[0] in sv.axes:
                sv.measure(op.keys[0])
            sv.known.pop(op.keys[0], None)
        elif kind == "relabel":
            relabel_key(sv, *op.keys)
    return sv, bits, deferred


def _read(sv: StateVector, bits: dict[str, int], deferred: list[NoisyOp],
          rng: np.random.Generator) -> dict[str, int]:
    out = dict(bits)
    for op in deferred:
        outcome, _ = sv.measure(op.keys[0])
        assert op.bit is not None
        out[op.bit] = outcome ^ int(rng.random() < op.flip)
    return out


class TrajectoryEngine:
    """Sampled: counts, and the state fidelity with its standard error."""

    name = "trajectories"

    def __init__(self, *, max_live: int = TRAJECTORY_MAX_LIVE) -> None:
        if isinstance(max_live, bool) or not isinstance(max_live, int) or max_live < 1:
            raise ParameterError("max_live", max_live, "an integer >= 1")
        self.max_live = max_live

    def run(self, circuit: NoisyCircuit, *, shots: int = 1000,
            rng: np.random.Generator | None = None) -> EngineResult:
        if isinstance(shots, bool) or not isinstance(shots, int) or shots < 1:
            raise ParameterError("shots", shots, "an integer >= 1")
        if circuit.max_live > self.max_live:
            raise EngineLimit(f"{circuit.max_live} live qubits exceed the trajectory engine's "
                              f"{self.max_live} (use stim or the estimator)")
        started = time.perf_counter()
        rng = rng if rng is not None else np.random.default_rng(0)
        from qdcnet.runtime.engines.density import final_vector

        ideal_circuit = circuit.without_noise()
        psi = None
        ideal_counts: dict[str, int] = {}
        if not circuit.midcircuit:
            sv, bits, deferred = run_trajectory(ideal_circuit, rng)
            psi = final_vector(sv, circuit.data_keys)
            ideal_counts = sample_counts(_distribution(sv, bits, deferred, circuit), shots, rng)
        else:
            for _ in range(shots):
                sv, bits, deferred = run_trajectory(ideal_circuit, rng)
                label = circuit.bitstring(_read(sv, bits, deferred, rng))
                ideal_counts[label] = ideal_counts.get(label, 0) + 1
        counts: dict[str, int] = {}
        fidelities: list[float] = []
        for _ in range(shots):
            sv, bits, deferred = run_trajectory(circuit, rng)
            if psi is not None:
                fidelities.append(abs(np.vdot(psi, final_vector(sv, circuit.data_keys))) ** 2)
            label = circuit.bitstring(_read(sv, bits, deferred, rng))
            counts[label] = counts.get(label, 0) + 1
        fidelity = se = None
        if fidelities:
            fidelity = float(np.mean(fidelities))
            se = standard_error(fidelities) if shots > 1 else float("nan")
        return EngineResult(self.name, False, shots, fidelity, se, None, None, None, counts,
                            ideal_counts, time.perf_counter() - started)


def _distribution(sv: StateVector, bits: dict[str, int], deferred: list[NoisyOp],
                  circuit: NoisyCircuit) -> dict[str, float]:
    """Exact outcome distribution of the deferred reads of a pure state (ideal: no flips)."""
    if not deferred:
        return {circuit.bitstring(bits): 1.0}
    keys = [op.keys[0] for op in deferred]
    everyone = list(dict.fromkeys([*keys, *sv.axes]))
    p = np.abs(sv.vector(everyone)) ** 2
    # marginal over the deferred keys: the others are the leading (high-bit) axes
    extra = len(everyone) - len(keys)
    p = p.reshape((2,) * len(everyone)).sum(axis=tuple(range(extra))).reshape(-1)
    out: dict[str, float] = {}
    add_outcomes(out, p, bits, deferred, circuit)
    return out
