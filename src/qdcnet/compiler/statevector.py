"""A small state-vector simulator for checking compiled programs.

Qubits are named by any hashable key (``3`` for a circuit's qubit, ``("qpu_a",
5)`` for a slot on a QPU) and enter the state only while they are in use:
measuring a qubit takes it out of the tensor (it is then a known basis
state), so communication qubits that are reset right after use cost nothing.
That keeps a 12-qubit circuit distributed over four QPUs, with its cat copies
and ebits, within a few hundred thousand amplitudes.

Measurements sample from the Born rule with the given generator, or take a
*forced* outcome: that is how a distributed program is compared with the
original branch by branch when the circuit measures mid-way.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence

import numpy as np

from qdcnet.compiler.ir import Circuit, gate_matrix
from qdcnet.errors import QdcnetError

__all__ = ["ImpossibleBranch", "StateVector", "overlap", "simulate_circuit"]


class ImpossibleBranch(QdcnetError):
    """A forced measurement outcome has probability zero."""


class StateVector:
    """A pure state over a changing set of named qubits."""

    __slots__ = ("axes", "known", "rng", "state")

    def __init__(self, rng: np.random.Generator | None = None) -> None:
        self.state = np.ones((), dtype=complex)
        self.axes: dict[Hashable, int] = {}
        self.known: dict[Hashable, int] = {}
        self.rng = rng if rng is not None else np.random.default_rng(0)

    @property
    def num_live(self) -> int:
        return len(self.axes)

    def _bring(self, key: Hashable) -> int:
        axis = self.axes.get(key)
        if axis is not None:
            return axis
        value = self.known.pop(key, 0)
        grown = np.zeros((*self.state.shape, 2), dtype=complex)
        grown[..., value] = self.state
        self.state = grown
        axis = self.state.ndim - 1
        self.axes[key] = axis
        return axis

    def apply(self, matrix: np.ndarray, keys: Sequence[Hashable]) -> None:
        """Apply a unitary; ``keys[0]`` is its low bit (Qiskit's order)."""
        k = len(keys)
        axes = [self._bring(key) for key in keys]
        tensor = np.asarray(matrix, dtype=complex).reshape((2,) * (2 * k))
        # tensor index order is (out_{k-1}..out_0, in_{k-1}..in_0).
        in_axes = list(range(2 * k - 1, k - 1, -1))  # in_0 .. in_{k-1}
        result = np.tensordot(tensor, self.state, axes=(in_axes, axes))
        # result axes: out_{k-1}..out_0 then the untouched state axes in order.
        rest = [a for a in range(self.state.ndim) if a not in axes]
        order = [0] * self.state.ndim
        for position, axis in enumerate(reversed(axes)):
            order[axis] = position
        for position, axis in enumerate(rest):
            order[axis] = k + position
        self.state = np.transpose(result, order)

    def probability_one(self, key: Hashable) -> float:
        if key not in self.axes:
            return float(self.known.get(key, 0))
        axis = self.axes[key]
        ones = np.take(self.state, 1, axis=axis)
        return float(np.vdot(ones, ones).real)

    def measure(self, key: Hashable, forced: int | None = None) -> tuple[int, float]:
        """Measure in Z; return the outcome and its probability. The qubit leaves the tensor."""
        if key not in self.axes:
            value = self.known.get(key, 0)
            if forced is not None and forced != value:
                raise ImpossibleBranch(f"qubit {key!r} is |{value}>, cannot read {forced}")
            return value, 1.0
        p1 = min(max(self.probability_one(key), 0.0), 1.0)
        outcome = int(self.rng.random() < p1) if forced is None else forced
        probability = p1 if outcome else 1.0 - p1
        if probability < 1e-12:
            raise ImpossibleBranch(f"outcome {outcome} on {key!r} has probability {probability}")
        axis = self.axes.pop(key)
        self.state = np.take(self.state, outcome, axis=axis) / np.sqrt(probability)
        for other, a in self.axes.items():
            if a > axis:
                self.axes[other] = a - 1
        self.known[key] = outcome
        return outcome, probability

    def reset(self, key: Hashable, forced: int | None = None) -> int:
        """Reset to |0>; return the (unobserved) outcome, which ``forced`` may fix.

        Resetting an entangled qubit leaves a mixture; forcing the outcome picks
        the branch, so two simulations can be compared branch by branch.
        """
        outcome = self.measure(key, forced)[0] if key in self.axes else self.known.get(key, 0)
        if key not in self.axes and forced is not None and forced != outcome:
            raise ImpossibleBranch(f"qubit {key!r} is |{outcome}>, cannot reset from {forced}")
        self.known[key] = 0
        return outcome

    def vector(self, keys: Sequence[Hashable]) -> np.ndarray:
        """The state as a vector over ``keys`` (``keys[0]`` low bit); other qubits must be |0>."""
        for key in keys:
            self._bring(key)
        wanted = set(keys)
        for key in [k for k in self.axes if k not in wanted]:
            # A spare qubit left in |0> (e.g. by a swap) factors out; anything else is an error.
            if self.probability_one(key) > 1e-10:
                raise QdcnetError(f"qubit {key!r} is still entangled with the data")
            self.measure(key, forced=0)
        order = [self.axes[k] for k in reversed(keys)]
        return np.transpose(self.state, order).reshape(-1)


def simulate_circuit(circuit: Circuit, *, rng: np.random.Generator | None = None,
                     forced: Mapping[int, int] | None = None
                     ) -> tuple[np.ndarray, dict[int, int], dict[int, tuple[int, float]]]:
    """Run a circuit; return the final state, the classical bits and each measurement's outcome.

    ``forced`` maps a gate index (a ``measure`` or ``reset`` in ``circuit.gates``) to its
    outcome. The outcomes come back keyed the same way, with their probabilities.

    >>> from qdcnet.compiler.ir import Circuit, Gate
    >>> state, bits, _ = simulate_circuit(Circuit(2, 0, (Gate("h", (0,)), Gate("cx", (0, 1)))))
    >>> np.round(np.abs(state) ** 2, 3).tolist()
    [0.5, 0.0, 0.0, 0.5]
    """
    sv = StateVector(rng)
    bits: dict[int, int] = {}
    outcomes: dict[int, tuple[int, float]] = {}
    forced = forced or {}
    for index, gate in enumerate(circuit.gates):
        if gate.condition is not None and not gate.condition.holds(bits):
            continue
        if gate.name == "measure":
            outcome, p = sv.measure(gate.qubits[0], forced.get(index))
            bits[gate.clbits[0]] = outcome
            outcomes[index] = (outcome, p)
        elif gate.name == "reset":
            outcomes[index] = (sv.reset(gate.qubits[0], forced.get(index)), 1.0)
        elif gate.name != "barrier":
            sv.apply(gate_matrix(gate.name, gate.params), gate.qubits)
    return sv.vector(list(range(circuit.num_qubits))), bits, outcomes


def overlap(a: np.ndarray, b: np.ndarray) -> float:
    """``|<a|b>|`` for normalized vectors: 1 when equal up to global phase."""
    return float(abs(np.vdot(a, b)))

