"""The exact engine: a density matrix over the live qubits, branching on measurements.

:class:`DensityState` follows :class:`~qdcnet.compiler.statevector.StateVector`'s
design (qubits named by key, entering when first used, leaving when measured,
reset or discarded) over a ``(2,)*2n`` tensor: row axes first, column axes
after, ``keys[0]`` the low bit of a gate. Pauli channels are Σ p P ρ P, each
term a flip (X) or a sign (Z) of the tensor. Mid-circuit measurements branch:
every branch is an unnormalised ρ with the bits recorded so far (readout flips
split a branch in two); branches with the same record and state layout merge,
branches below ``1e-14`` are dropped, more than ``max_branches`` is an
:class:`~qdcnet.runtime.engines.base.EngineLimit`. Terminal measurements are
deferred to the end, where the exact output distribution is read from the
diagonal.

Cost: 4^n complex numbers per ρ (13 live qubits: 1 GiB), a few copies at once.

>>> from qdcnet.runtime.noisy import NoisyCircuit, NoisyOp
>>> from qdcnet.compiler.ir import gate_matrix
>>> c = NoisyCircuit((NoisyOp("unitary", (0,), gate_matrix("h")),
...                   NoisyOp("pauli", (0,), paulis=(("I", 0.9), ("Z", 0.1)))), (0,), (), 1)
>>> round(DensityEngine().run(c).state_fidelity, 12)
0.9
"""

from __future__ import annotations

import time
from collections.abc import Hashable, Sequence

import numpy as np

from qdcnet.errors import ParameterError
from qdcnet.runtime.engines.base import (
    EngineLimit,
    EngineResult,
    add_outcomes,
    relabel_key,
    sample_counts,
    total_variation,
)
from qdcnet.runtime.noisy import NoisyCircuit, NoisyOp

__all__ = ["DENSITY_MAX_LIVE", "DensityEngine", "DensityState"]

#: the largest number of live qubits the density engine takes by default (the issue's 13)
DENSITY_MAX_LIVE = 13

_SIGN = np.array([[1.0, -1.0], [-1.0, 1.0]])


def _apply_axes(state: np.ndarray, matrix: np.ndarray, axes: Sequence[int]) -> np.ndarray:
    """Contract a k-qubit matrix into ``axes`` of ``state`` (``axes[0]`` the low bit)."""
    k = len(axes)
    tensor = matrix.reshape((2,) * (2 * k))
    in_axes = list(range(2 * k - 1, k - 1, -1))
    result = np.tensordot(tensor, state, axes=(in_axes, list(axes)))
    rest = [a for a in range(state.ndim) if a not in axes]
    order = [0] * state.ndim
    for position, axis in enumerate(reversed(axes)):
        order[axis] = position
    for position, axis in enumerate(rest):
        order[axis] = k + position
    return np.transpose(result, order)


def _one_qubit(state: np.ndarray, matrix: np.ndarray, axis: int) -> np.ndarray:
    """A 2x2 matrix on one axis, by slices (no transposes)."""
    lo = [slice(None)] * state.ndim
    hi = list(lo)
    lo[axis], hi[axis] = 0, 1
    a, b = state[tuple(lo)], state[tuple(hi)]
    out = np.empty_like(state, dtype=complex)
    out[tuple(lo)] = matrix[0, 0] * a + matrix[0, 1] * b
    out[tuple(hi)] = matrix[1, 0] * a + matrix[1, 1] * b
    return out


class DensityState:
    """An unnormalised density matrix over a changing set of named qubits."""

    __slots__ = ("axes", "known", "rho")

    def __init__(self) -> None:
        self.rho = np.ones((), dtype=complex)
        self.axes: dict[Hashable, int] = {}
        self.known: dict[Hashable, int] = {}

    def copy(self) -> DensityState:
        out = DensityState()
        out.rho = self.rho  # arrays are never written in place
        out.axes = dict(self.axes)
        out.known = dict(self.known)
        return out

    @property
    def n(self) -> int:
        return len(self.axes)

    @property
    def weight(self) -> float:
        n = self.n
        return float(np.trace(self.rho.reshape(2**n, 2**n)).real)

    def bring(self, key: Hashable) -> int:
        axis = self.axes.get(key)
        if axis is not None:
            return axis
        value = self.known.pop(key, 0)
        n = self.n
        e = np.zeros((2, 2))
        e[value, value] = 1.0
        grown = np.multiply.outer(self.rho, e)
        order = [*range(n), 2 * n, *range(n, 2 * n), 2 * n + 1]
        self.rho = np.transpose(grown, order)
        self.axes[key] = n
        return n

    def _broadcast(self, small: np.ndarray, axes: Sequence[int]) -> np.ndarray:
        """A tensor over (row bits, col bits) of ``axes`` (each in order), shaped to broadcast."""
        n, _k = self.n, len(axes)
        where = [*axes, *(n + a for a in axes)]
        order = np.argsort(where)
        shape = [1] * (2 * n)
        for a in where:
            shape[a] = 2
        return np.transpose(small, order).reshape(shape)

    def apply(self, matrix: np.ndarray, keys: Sequence[Hashable]) -> None:
        axes = [self.bring(k) for k in keys]
        n = self.n
        matrix = np.asarray(matrix, dtype=complex)
        if len(axes) == 1:
            self.rho = _one_qubit(_one_qubit(self.rho, matrix, axes[0]), np.conj(matrix),
                                  n + axes[0])
            return
        if np.count_nonzero(matrix - np.diag(np.diagonal(matrix))) == 0:
            # diagonal (cz, rzz, ...): one multiplication by d(rows) d*(cols)
            k = len(axes)
            d = np.diagonal(matrix).reshape((2,) * k)  # index (bit_{k-1}, .., bit_0)
            d = np.transpose(d, list(range(k - 1, -1, -1)))  # index (bit_0, .., bit_{k-1})
            small = np.multiply.outer(d, np.conj(d))
            self.rho = self.rho * self._broadcast(small, axes)
            return
        rho = _apply_axes(self.rho, matrix, axes)
        self.rho = _apply_axes(rho, np.conj(matrix), [n + a for a in axes])

    def channel(self, paulis: Sequence[tuple[str, float]], keys: Sequence[Hashable]) -> None:
        """Σ p P ρ P, grouped by the X part: one flip and one weighted sum per group.

        P ρ P for P = X^x Z^z is the flip by x (rows and columns) times the sign
        (-1)^{z·(r+c)}, which a flip leaves unchanged; so each X pattern costs one
        pass with weight W_x = Σ_z p_{x,z} (-1)^{z·(r+c)}.
        """
        axes = [self.bring(k) for k in keys]
        k = len(axes)
        groups: dict[tuple[int, ...], np.ndarray] = {}
        for label, p in paulis:
            if p <= 0.0:
                continue
            x = tuple(int(letter in "XY") for letter in label)
            weight = np.ones((2,) * (2 * k))
            for j, letter in enumerate(label):
                if letter in "ZY":
                    shape = [1] * (2 * k)
                    shape[j] = shape[k + j] = 2
                    weight = weight * _SIGN.reshape(shape)
            groups[x] = groups.get(x, 0.0) + p * weight
        out = None
        n = self.n
        for x, weight in groups.items():
            flip_axes = [a for a, bit in zip(axes, x, strict=True) if bit]
            term = np.flip(self.rho, axis=[*flip_axes, *(n + a for a in flip_axes)]) \
                if flip_axes else self.rho
            term = term * self._broadcast(weight, axes)
            out = term if out is None else out + term
        if out is not None:
            self.rho = out

    def superop(self, tensor: np.ndarray, keys: Sequence[Hashable]) -> None:
        """A superoperator on ``keys``: ``tensor[r', c', r, c]``, one axis per key in each."""
        axes = [self.bring(k) for k in keys]
        n, k = self.n, len(axes)
        target = [*axes, *(n + a for a in axes)]
        result = np.tensordot(tensor, self.rho, axes=(list(range(2 * k, 4 * k)), target))
        self.rho = np.moveaxis(result, list(range(2 * k)), target)

    def _remove(self, key: Hashable, rho: np.ndarray) -> None:
        axis = self.axes.pop(key)
        for other, a in self.axes.items():
            if a > axis:
                self.axes[other] = a - 1
        self.rho = rho

    def project(self, key: Hashable, outcome: int) -> DensityState:
        """The unnormalised branch where ``key`` reads ``outcome`` (the qubit leaves)."""
        out = self.copy()
        if key not in self.axes:
            if self.known.get(key, 0) != outcome:
                out.rho = self.rho * 0.0
            out.known[key] = outcome
            return out
        i, n = self.axes[key], self.n
        rho = np.take(np.take(self.rho, outcome, axis=n + i), outcome, axis=i)
        out._remove(key, rho)
        out.known[key] = outcome
        return out

    def trace_out(self, key: Hashable) -> None:
        if key in self.axes:
            i, n = self.axes[key], self.n
            self._remove(key, np.trace(self.rho, axis1=i, axis2=n + i))

    def relabel(self, old: Hashable, new: Hashable) -> None:
        relabel_key(self, old, new)

    def reduced(self, keys: Sequence[Hashable]) -> np.ndarray:
        """The (2^k, 2^k) matrix of ``keys`` (``keys[0]`` the low bit), others traced out."""
        for key in keys:
            self.bring(key)
        wanted = set(keys)
        for key in [k for k in self.axes if k not in wanted]:
            self.trace_out(key)
        n = self.n
        rows = [self.axes[k] for k in reversed(keys)]
        order = rows + [n + a for a in rows]
        return np.transpose(self.rho, order).reshape(2**n, 2**n)


_PAULI_MATRIX = {"I": np.eye(2, dtype=complex),
                 "X": np.array([[0, 1], [1, 0]], dtype=complex),
                 "Y": np.array([[0, -1j], [1j, 0]], dtype=complex),
                 "Z": np.array([[1, 0], [0, -1]], dtype=complex)}
_SWAP = np.array([[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 1]], dtype=complex)


def _embed(matrix: np.ndarray, keys: tuple, block: tuple) -> np.ndarray:
    """``matrix`` on ``keys`` as a matrix on ``block`` (one or two keys, block[0] low bit)."""
    if keys == block:
        return matrix
    if len(block) == 2 and len(keys) == 2:  # the same two keys, other order
        return _SWAP @ matrix @ _SWAP
    eye = np.eye(2, dtype=complex)
    return np.kron(eye, matrix) if keys[0] == block[0] else np.kron(matrix, eye)


def _superop(op: NoisyOp, block: tuple) -> np.ndarray:
    """The op's superoperator on ``block`` as a d²×d² matrix (index r·d + c)."""
    if op.kind == "unitary":
        u = _embed(np.asarray(op.matrix, dtype=complex), op.keys, block)
        return np.kron(u, np.conj(u))
    total = 0.0
    for label, p in op.paulis:
        m = _PAULI_MATRIX[label[0]]
        if len(label) == 2:
            m = np.kron(_PAULI_MATRIX[label[1]], m)  # label[0] on keys[0], the low bit
        m = _embed(m, op.keys, block)
        total = total + p * np.kron(m, np.conj(m))
    return total


def _fusible(op: NoisyOp) -> bool:
    return op.kind in ("unitary", "pauli") and op.condition is None and len(op.keys) <= 2


def _fuse(circuit: NoisyCircuit) -> list[tuple[int, NoisyOp]]:
    """Runs of unconditioned gates and channels on at most two qubits, as one superoperator.

    Each gate comes with its noise and the idle decay before it, so a run of
    three to five ops becomes one pass over ρ instead of three to ten.
    """
    out: list[tuple[int, NoisyOp]] = []
    run: list[NoisyOp] = []
    block: tuple = ()

    def flush() -> None:
        if len(run) == 1:
            out.append((-1, run[0]))
        elif run:
            k = len(block)
            total = np.eye(4**k, dtype=complex)
            for op in run:
                total = _superop(op, block) @ total
            # index r·d + c, each of r, c little-endian over the block: one axis per key
            tensor = total.reshape((2,) * (4 * k))
            groups = [list(range(g * k + k - 1, g * k - 1, -1)) for g in range(4)]
            tensor = np.transpose(tensor, [a for g in groups for a in g])
            out.append((-1, NoisyOp("superop", block, matrix=tensor)))
        run.clear()

    for index, op in enumerate(circuit.ops):
        if index in circuit.terminal or not _fusible(op):
            flush()
            block = ()
            out.append((index, op))
            continue
        joined = block + tuple(k for k in op.keys if k not in block)
        if len(joined) > 2:
            flush()
            joined = op.keys
        block = joined
        run.append(op)
    flush()
    return out


def _key(state: DensityState, bits: dict[str, int]) -> tuple:
    return (tuple(sorted(bits.items())), tuple(sorted(state.known.items(), key=repr)),
            tuple(state.axes.items()))


class DensityEngine:
    """Exact: branches on measurements, exact output distribution, fidelity and TVD."""

    name = "density"

    def __init__(self, *, max_live: int = DENSITY_MAX_LIVE, max_branches: int = 256,
                 fuse: bool = True) -> None:
        if isinstance(max_live, bool) or not isinstance(max_live, int) or max_live < 1:
            raise ParameterError("max_live", max_live, "an integer >= 1")
        self.max_live = max_live
        self.max_branches = max_branches
        #: merge runs of one- and two-qubit gates and channels into superoperators
        #: (13 live qubits: 31 s instead of 171 s on a 166-op circuit)
        self.fuse = fuse

    def evolve(self, circuit: NoisyCircuit
               ) -> tuple[list[tuple[DensityState, dict[str, int]]], list[NoisyOp]]:
        """Run all but the terminal measurements: the branches and the deferred measurements."""
        if circuit.max_live > self.max_live:
            raise EngineLimit(f"{circuit.max_live} live qubits exceed the density engine's "
                              f"{self.max_live} (use trajectories, stim or the estimator)")
        branches: list[tuple[DensityState, dict[str, int]]] = [(DensityState(), {})]
        deferred: list[NoisyOp] = []
        steps = _fuse(circuit) if self.fuse else list(enumerate(circuit.ops))
        for index, op in steps:
            if index in circuit.terminal:
                deferred.append(op)
                continue
            out: list[tuple[DensityState, dict[str, int]]] = []
            for state, bits in branches:
                if op.condition is not None and not op.condition.holds(bits):
                    out.append((state, bits))
                    continue
                if op.kind == "superop":
                    state.superop(op.matrix, op.keys)
                elif op.kind == "unitary":
                    state.apply(op.matrix, op.keys)
                elif op.kind == "pauli":
                    state.channel(op.paulis, op.keys)
                elif op.kind == "relabel":
                    state.relabel(*op.keys)
                elif op.kind in ("reset", "discard"):
                    state.trace_out(op.keys[0])
                    if op.kind == "reset":
                        state.known[op.keys[0]] = 0
                    else:
                        state.known.pop(op.keys[0], None)
                elif op.kind == "measure":
                    for outcome in (0, 1):
                        branch = state.project(op.keys[0], outcome)
                        for recorded, factor in ((outcome, 1.0 - op.flip),
                                                 (1 - outcome, op.flip)):
                            if factor > 0.0:
                                child = branch.copy()
                                child.rho = branch.rho * factor
                                assert op.bit is not None
                                out.append((child, {**bits, op.bit: recorded}))
                    continue
                out.append((state, bits))
            branches = self._merge(out)
        return branches, deferred

    def _merge(self, branches: list[tuple[DensityState, dict[str, int]]]
               ) -> list[tuple[DensityState, dict[str, int]]]:
        if len(branches) == 1:
            return branches
        merged: dict[tuple, tuple[DensityState, dict[str, int]]] = {}
        for state, bits in branches:
            if state.weight < 1e-14:
                continue
            key = _key(state, bits)
            if key in merged:
                merged[key][0].rho = merged[key][0].rho + state.rho
            else:
                merged[key] = (state, bits)
        if len(merged) > self.max_branches:
            raise EngineLimit(f"more than {self.max_branches} measurement branches "
                              "(use trajectories)")
        return list(merged.values())

    def distribution(self, circuit: NoisyCircuit,
                     evolved: tuple[list[tuple[DensityState, dict[str, int]]], list[NoisyOp]]
                     | None = None) -> dict[str, float]:
        """The exact distribution of the circuit's bits (readout flips included)."""
        branches, deferred = evolved if evolved is not None else self.evolve(circuit)
        out: dict[str, float] = {}
        keys = [op.keys[0] for op in deferred]
        for state, bits in branches:
            if not keys:
                p = np.array([state.weight])
            else:
                p = np.clip(state.copy().reduced(keys).diagonal().real, 0.0, None)
                # readout flips, one bit (axis) at a time; index bit j is keys[j]
                p = p.reshape((2,) * len(keys))
                for j, op in enumerate(deferred):
                    axis = len(keys) - 1 - j
                    if op.flip:
                        p = (1.0 - op.flip) * p + op.flip * np.flip(p, axis=axis)
                p = p.reshape(-1)
            add_outcomes(out, p, bits, deferred, circuit)
        return out

    def run(self, circuit: NoisyCircuit, *, shots: int = 0,
            rng: np.random.Generator | None = None) -> EngineResult:
        """Exact figures, and ``shots`` counts drawn from the exact distributions."""
        started = time.perf_counter()
        rng = rng if rng is not None else np.random.default_rng(0)
        evolved = self.evolve(circuit)
        noisy = self.distribution(circuit, evolved)
        ideal_circuit = circuit.without_noise()
        fidelity = None
        if not circuit.midcircuit:
            # one branch; the ideal run is a pure state, so a state vector gives it exactly
            from qdcnet.runtime.engines.trajectories import _distribution, run_trajectory

            sv, bits, deferred = run_trajectory(ideal_circuit, np.random.default_rng(0))
            psi = final_vector(sv, circuit.data_keys)
            ideal = _distribution(sv, bits, deferred, circuit)
            state = evolved[0][0][0]
            rho = state.copy().reduced(circuit.data_keys)
            fidelity = float(np.vdot(psi, rho @ psi).real / np.trace(rho).real)
        else:
            ideal = self.distribution(ideal_circuit)
        return EngineResult(
            self.name, True, shots, fidelity, 0.0 if fidelity is not None else None,
            total_variation(noisy, ideal), noisy, ideal, sample_counts(noisy, shots, rng),
            sample_counts(ideal, shots, rng), time.perf_counter() - started)


def ideal_state(circuit: NoisyCircuit) -> np.ndarray:
    """The pure state of the data qubits before the terminal measurements (no mid-circuit ones)."""
    from qdcnet.runtime.engines.trajectories import run_trajectory

    sv, _, _ = run_trajectory(circuit.without_noise(), np.random.default_rng(0))
    return final_vector(sv, circuit.data_keys)


def final_vector(sv, data_keys: Sequence[Hashable]) -> np.ndarray:
    """The data qubits' vector; other live qubits (left in |0> ideally) are measured away."""
    for key in [k for k in sv.axes if k not in set(data_keys)]:
        sv.measure(key)
    return sv.vector(list(data_keys))
