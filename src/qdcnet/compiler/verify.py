"""Check a distributed program against its circuit by simulation.

Ebits are ideal Bell pairs, measurements ideal, corrections applied as the
program says and communication qubits reset after use. For each sampled
branch the circuit's own measurements take the same outcomes in both runs
(the protocol's measurements are sampled freely: the program must be right
whatever they give); the final states must agree up to global phase and the
classical bits must agree.

>>> from qdcnet.compiler import CompileTarget, compile_circuit
>>> result = compile_circuit('''OPENQASM 2.0; include "qelib1.inc"; qreg q[3];
... h q[0]; cx q[0],q[1]; cx q[1],q[2];''', CompileTarget.equal_modules(3, 1))
>>> check(result.circuit, result.program, result.normalized).worst_overlap > 1 - 1e-9
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qdcnet.compiler.ir import Circuit, gate_matrix
from qdcnet.compiler.program import DistributedProgram
from qdcnet.compiler.statevector import StateVector, simulate_circuit
from qdcnet.errors import QdcnetError

__all__ = ["EquivalenceReport", "check", "simulate_program"]

_BELL_H = gate_matrix("h")
_BELL_CX = gate_matrix("cx")


class NotEquivalent(QdcnetError):
    """The program does not implement the circuit."""


@dataclass(frozen=True)
class EquivalenceReport:
    branches: int
    worst_overlap: float
    max_live_qubits: int


def simulate_program(program: DistributedProgram, *, rng: np.random.Generator,
                     forced: dict[int, int] | None = None
                     ) -> tuple[np.ndarray, dict[str, int], int]:
    """Run the program; return the data state (logical order), all bits, peak live qubits.

    ``forced`` maps an instruction ``origin`` (a measurement or reset of the circuit) to its
    outcome.
    """
    sv = StateVector(rng)
    bits: dict[str, int] = {}
    forced = forced or {}
    peak = 0
    for op in program.operations:
        for (qa, sa), (qb, sb) in op.ebit_slots:
            a, b = (qa, sa), (qb, sb)
            for key in (a, b):
                if sv.probability_one(key) > 1e-10:
                    raise NotEquivalent(f"ebit lands on {key}, which is not in |0>")
                if key in sv.axes:
                    # |0> but still a tensor axis (a swap moved it there): drop it.
                    sv.measure(key, forced=0)
            sv.apply(_BELL_H, [a])
            sv.apply(_BELL_CX, [a, b])
        for ins in op.instructions:
            if ins.condition is not None and not ins.condition.holds(bits):
                continue
            keys = [(ins.qpu, s) for s in ins.slots]
            if ins.name == "measure":
                outcome, _ = sv.measure(keys[0], forced.get(ins.origin)
                                        if ins.origin is not None else None)
                assert ins.bit is not None
                bits[ins.bit] = outcome
            elif ins.name == "reset":
                sv.reset(keys[0], forced.get(ins.origin) if ins.origin is not None else None)
            else:
                sv.apply(gate_matrix(ins.name, ins.params), keys)
            peak = max(peak, sv.num_live)
    order = [program.final_layout[q] for q in range(program.num_qubits)]
    return sv.vector(order), bits, peak


def check(circuit: Circuit, program: DistributedProgram, normalized: Circuit, *,
          branches: int = 4, seed: int = 0, atol: float = 1e-8) -> EquivalenceReport:
    """Compare ``program`` with ``circuit`` over ``branches`` sampled measurement branches.

    ``normalized`` is the circuit the program was built from (its measurement
    indices are the instructions' ``origin``). Raises :class:`NotEquivalent`.
    """
    # Measurements and resets of the circuit take the same outcomes in both runs.
    original_measures = [i for i, g in enumerate(circuit.gates) if g.name in ("measure", "reset")]
    normalized_measures = [i for i, g in enumerate(normalized.gates)
                           if g.name in ("measure", "reset")]
    if len(original_measures) != len(normalized_measures):  # pragma: no cover - kept by normalize
        raise NotEquivalent("normalize changed the number of measurements")
    worst = 1.0
    peak = 0
    count = branches if original_measures else 1
    for branch in range(count):
        rng = np.random.default_rng([seed, branch])
        reference, ref_bits, outcomes = simulate_circuit(circuit, rng=rng)
        forced = {normalized_measures[k]: outcomes[i][0]
                  for k, i in enumerate(original_measures) if i in outcomes}
        state, bits, live = simulate_program(program, rng=np.random.default_rng([seed, branch, 1]),
                                             forced=forced)
        peak = max(peak, live)
        for c in range(circuit.num_clbits):
            if bits.get(f"c{c}", 0) != ref_bits.get(c, 0):
                raise NotEquivalent(f"branch {branch}: bit c{c} is {bits.get(f'c{c}', 0)}, "
                                    f"the circuit gives {ref_bits.get(c, 0)}")
        overlap = float(abs(np.vdot(reference, state)))
        worst = min(worst, overlap)
        if overlap < 1 - atol:
            raise NotEquivalent(f"branch {branch}: overlap with the circuit's state is "
                                f"{overlap:.12f}")
    return EquivalenceReport(count, worst, peak)
