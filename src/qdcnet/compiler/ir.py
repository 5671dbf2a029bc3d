"""The compiler's lean circuit representation.

A :class:`Circuit` is an immutable list of :class:`Gate` records on integer
qubits and classical bits. Gate names are the OpenQASM / Qiskit standard
names; their unitaries come from Qiskit's standard gate library, so the IR
never disagrees with the frontends about a gate's meaning. After the
``normalize`` pass only ``u``, ``cz``, ``cp``, ``measure`` and ``reset``
remain.

>>> from qdcnet.compiler.ir import Circuit, Gate
>>> bell = Circuit(2, 2, (Gate("h", (0,)), Gate("cx", (0, 1)),
...                       Gate("measure", (0,), clbits=(0,)), Gate("measure", (1,), clbits=(1,))))
>>> bell.count_ops()
{'h': 1, 'cx': 1, 'measure': 2}
"""

from __future__ import annotations

import cmath
import math
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from qdcnet.quantum.density import rx

__all__ = [
    "NON_UNITARY",
    "Circuit",
    "Condition",
    "Gate",
    "gate_matrix",
    "is_anti_diagonal",
    "is_diagonal",
    "u_matrix",
]

#: Instructions that are not unitary gates.
NON_UNITARY = frozenset({"measure", "reset", "barrier"})

_ATOL = 1e-9


@dataclass(frozen=True, slots=True)
class Condition:
    """A classical condition: the bits, read as a little-endian integer, equal ``value``.

    ``equal=False`` negates it (the ``else`` branch of an ``if``).
    """

    bits: tuple[int, ...]
    value: int
    equal: bool = True

    def holds(self, values: dict[int, int]) -> bool:
        number = sum(values.get(b, 0) << i for i, b in enumerate(self.bits))
        return (number == self.value) == self.equal


@dataclass(frozen=True, slots=True)
class Gate:
    """One instruction: a gate, a measurement (``clbits`` receive the result) or a reset."""

    name: str
    qubits: tuple[int, ...]
    params: tuple[float, ...] = ()
    clbits: tuple[int, ...] = ()
    condition: Condition | None = None

    @property
    def is_two_qubit(self) -> bool:
        return len(self.qubits) == 2 and self.name not in NON_UNITARY

    def matrix(self) -> np.ndarray:
        """The unitary (Qiskit's little-endian order: ``qubits[0]`` is the low bit)."""
        return gate_matrix(self.name, self.params)


@dataclass(frozen=True)
class Circuit:
    """A circuit: qubit and bit counts and the gates in program order."""

    num_qubits: int
    num_clbits: int
    gates: tuple[Gate, ...]
    name: str = "circuit"
    metadata: dict[str, str] = field(default_factory=dict, compare=False)

    def __len__(self) -> int:
        return len(self.gates)

    def count_ops(self) -> dict[str, int]:
        return dict(Counter(g.name for g in self.gates))

    @property
    def num_two_qubit_gates(self) -> int:
        return sum(1 for g in self.gates if g.is_two_qubit)

    def depth(self) -> int:
        """ASAP depth over qubits and classical bits (barriers ignored)."""
        qubit_level = [0] * self.num_qubits
        bit_level = [0] * self.num_clbits
        depth = 0
        for gate in self.gates:
            if gate.name == "barrier":
                continue
            bits = gate.clbits + (gate.condition.bits if gate.condition else ())
            level = 1 + max([qubit_level[q] for q in gate.qubits]
                            + [bit_level[b] for b in bits], default=0)
            for q in gate.qubits:
                qubit_level[q] = level
            for b in bits:
                bit_level[b] = level
            depth = max(depth, level)
        return depth


@lru_cache(maxsize=1)
def _standard_gates() -> dict[str, object]:
    # Qiskit builds every standard gate object on each call: build the mapping once.
    from qiskit.circuit.library import get_standard_gate_name_mapping

    return get_standard_gate_name_mapping()


@lru_cache(maxsize=4096)
def _standard_matrix(name: str, params: tuple[float, ...]) -> np.ndarray:
    mapping = _standard_gates()
    if name not in mapping:
        raise KeyError(name)
    template = mapping[name]
    gate = template.base_class(*params) if params else template.base_class()
    matrix = np.asarray(gate.to_matrix(), dtype=complex)
    matrix.setflags(write=False)
    return matrix


def u_matrix(theta: float, phi: float, lam: float) -> np.ndarray:
    """The ``u(theta, phi, lam)`` gate of OpenQASM 3 (``U`` of OpenQASM 2)."""
    c, s = math.cos(theta / 2), math.sin(theta / 2)
    return np.array([[c, -cmath.exp(1j * lam) * s],
                     [cmath.exp(1j * phi) * s, cmath.exp(1j * (phi + lam)) * c]])


def _rz(lam: float) -> np.ndarray:
    return np.array([[cmath.exp(-0.5j * lam), 0], [0, cmath.exp(0.5j * lam)]])


def _phase(lam: float) -> np.ndarray:
    return np.array([[1, 0], [0, cmath.exp(1j * lam)]], dtype=complex)


def _ry(theta: float) -> np.ndarray:
    c, s = math.cos(theta / 2), math.sin(theta / 2)
    return np.array([[c, -s], [s, c]], dtype=complex)


def _u2(phi: float, lam: float) -> np.ndarray:
    return u_matrix(math.pi / 2, phi, lam)


#: One-qubit rotations written out: the angles of a large circuit are mostly distinct, so a
#: cache keyed by them misses, and building Qiskit's gate object costs ~50 us a gate. Each
#: agrees with Qiskit's matrix (a test compares them).
_ROTATIONS = {"u": u_matrix, "u3": u_matrix, "rz": _rz, "p": _phase, "u1": _phase,
              "rx": rx, "ry": _ry, "u2": _u2}


def gate_matrix(name: str, params: tuple[float, ...] = ()) -> np.ndarray:
    """The unitary of a standard gate, cached.

    >>> gate_matrix("cz").real.diagonal().tolist()
    [1.0, 1.0, 1.0, -1.0]
    """
    rotation = _ROTATIONS.get(name)
    if rotation is not None:
        return rotation(*params)
    return _standard_matrix(name, tuple(map(float, params)) if params else ())


def is_diagonal(matrix: np.ndarray, atol: float = _ATOL) -> bool:
    return bool(np.all(np.abs(matrix - np.diag(np.diagonal(matrix))) <= atol))


def is_anti_diagonal(matrix: np.ndarray, atol: float = _ATOL) -> bool:
    """A one-qubit gate that is X times a diagonal gate (it flips Z)."""
    return matrix.shape == (2, 2) and abs(matrix[0, 0]) <= atol and abs(matrix[1, 1]) <= atol
