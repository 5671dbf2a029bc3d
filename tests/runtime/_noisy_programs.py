"""Tiny compiled programs and synthetic traces for the physics tests (not collected)."""

from __future__ import annotations

from qdcnet.compiler import CompileTarget, compile_circuit
from qdcnet.compiler.program import DistributedProgram
from qdcnet.hardware.components import QuantumMemory
from qdcnet.network.qpu import QPU
from qdcnet.quantum.bell import BellDiagonal
from qdcnet.runtime.trace import EbitUse, ShotTrace, instruction_index

HEADER = 'OPENQASM 2.0; include "qelib1.inc"; '


def target(count: int = 2, data: int = 1, comm: int = 1, **noise) -> CompileTarget:
    """``count`` QPUs one link apart, with the given noise fields (perfect by default)."""
    qpus = tuple(QPU(f"m{i}", data_qubits=data, comm_qubits=comm, **noise)
                 for i in range(count))
    distance = tuple(tuple(0 if i == j else 1 for j in range(count)) for i in range(count))
    return CompileTarget(qpus, distance)


def compiled(body: str, t: CompileTarget, *, qubits: int, clbits: int = 0,
             model: str = "fixed", translate: bool = True) -> DistributedProgram:
    creg = f"creg c[{clbits}]; " if clbits else ""
    return compile_circuit(f"{HEADER}qreg q[{qubits}]; {creg}{body}", t, model=model,
                           translate=translate).program


def qpu_map(t: CompileTarget) -> dict[str, QPU]:
    return {q.name: q for q in t.qpus}


def synthetic_trace(program: DistributedProgram, states, starts=None) -> ShotTrace:
    """All instructions at t=0 (or at ``starts``), ebit ``k`` in ``states[k]`` at use."""
    n = len(instruction_index(program))
    starts = list(starts) if starts is not None else [0] * n
    uses = []
    k = offset = 0
    for op in program.operations:
        for (a, sa), (b, sb) in op.ebit_slots:
            state = states if isinstance(states, BellDiagonal) else states[k]
            coefficients = tuple(float(c) for c in (state.coefficients
                                                    if isinstance(state, BellDiagonal)
                                                    else state))
            used = starts[offset]  # the ebit is used when its operation starts
            uses.append(EbitUse(k, (a, b), (sa, sb), used, used, used, coefficients))
            k += 1
        offset += len(op.instructions)
    end = max(starts, default=0)
    return ShotTrace(0, 0, end, starts, tuple(uses))


def werner(f: float) -> BellDiagonal:
    return BellDiagonal.werner(f)


MEMORY = QuantumMemory(t1_s=1e-3, t2_s=5e-4)
