"""Shared builders of the schedule tests (imported by name: pytest prepends this folder)."""

from __future__ import annotations

from qdcnet.compiler import CompileTarget
from qdcnet.network.qpu import QPU

US = 1_000_000  # ps

GHZ2 = 'OPENQASM 2.0; include "qelib1.inc"; qreg q[2]; h q[0]; cx q[0],q[1];'


def timed_target(count: int, data: int, comm: int, *, prefix: str = "m") -> CompileTarget:
    """Modules with 1 µs one-qubit gates and resets, 10 µs two-qubit gates, 5 µs readout."""
    qpus = tuple(QPU(f"{prefix}{i}", 1e-6, 10e-6, 5e-6, data_qubits=data, comm_qubits=comm,
                     reset_time_s=1e-6) for i in range(count))
    distance = tuple(tuple(0 if i == j else 1 for j in range(count)) for i in range(count))
    return CompileTarget(qpus, distance)
