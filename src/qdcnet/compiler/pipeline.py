"""``compile_circuit``: the standard passes, run and timed by a :class:`PassManager`.

>>> from qdcnet.compiler import CompileTarget, compile_circuit
>>> result = compile_circuit('''OPENQASM 2.0; include "qelib1.inc"; qreg q[4];
... h q[0]; cx q[0],q[1]; cx q[0],q[2]; cx q[0],q[3];''', CompileTarget.equal_modules(2, 2))
>>> result.program.num_ebits, sorted(result.timings)
(1, ['load', 'normalize', 'partition', 'remote_ops', 'translate'])
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from qdcnet.compiler.frontend import Load
from qdcnet.compiler.hypergraph import CircuitSegments
from qdcnet.compiler.ir import Circuit
from qdcnet.compiler.normalize import Normalize
from qdcnet.compiler.partition import (
    DEFAULT_GATE_BUDGET,
    DEFAULT_PATIENCE,
    DEFAULT_STARTS,
    Partition,
)
from qdcnet.compiler.passes import CompilerPass, CompileState, PassManager
from qdcnet.compiler.program import DistributedProgram
from qdcnet.compiler.remote import Assignment, RemoteOps
from qdcnet.compiler.target import CompileTarget
from qdcnet.compiler.translate import Translate

__all__ = ["CompileResult", "compile_circuit"]


@dataclass(frozen=True)
class CompileResult:
    """Everything a compilation produced, pass by pass."""

    circuit: Circuit
    normalized: Circuit
    segments: CircuitSegments
    assignment: Assignment
    untranslated: DistributedProgram
    program: DistributedProgram
    timings: dict[str, float] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_state(cls, state: CompileState, settings: dict[str, Any]) -> CompileResult:
        """The result of a state that went through ``load`` to ``remote_ops`` at least."""
        by = "compile_circuit"
        return cls(state.need("circuit", by), state.need("normalized", by),
                   state.need("segments", by), state.need("assignment", by),
                   state.need("untranslated", by), state.need("program", by),
                   dict(state.timings), settings)

    def summary(self) -> dict[str, Any]:
        out = self.program.summary()
        out.update({
            "circuit": self.circuit.name,
            "circuit_two_qubit_gates": self.normalized.num_two_qubit_gates,
            "baseline_ebits": baseline_ebits(self),
            "seed": self.assignment.seed,
            "partition_starts": {k: int(v) for k, v in self.assignment.details.items()
                                 if k.startswith("starts_")},
            "timings_s": {k: round(v, 4) for k, v in self.timings.items()},
        })
        return out


def baseline_ebits(result: CompileResult) -> int:
    """One ebit per two-qubit gate whose qubits start on different QPUs (same placement)."""
    home = result.untranslated.initial_layout
    return sum(1 for g in result.normalized.gates
               if g.is_two_qubit and home[g.qubits[0]][0] != home[g.qubits[1]][0])


def compile_circuit(source: Any, target: CompileTarget, *, model: str = "fixed",
                    seed: int = 0, starts: int = DEFAULT_STARTS,
                    patience: int = DEFAULT_PATIENCE, gate_budget: int = DEFAULT_GATE_BUDGET,
                    embed: bool = True, search_evaluations: int = 3000,
                    translate: bool = True,
                    on_progress: Callable[[int, int, str], None] | None = None
                    ) -> CompileResult:
    """Compile a circuit (QASM text or path, QuantumCircuit or Circuit) for ``target``.

    The partition is a multi-start search from ``seed`` (see
    :class:`~qdcnet.compiler.partition.Partition`): ``starts=1`` runs the one
    seed ``seed``. ``on_progress(done, total, name)`` hears which pass is
    about to run (see :meth:`PassManager.run`); the result is the same with or
    without it.
    """
    partition = Partition(model=model, seed=seed, starts=starts, patience=patience,
                          gate_budget=gate_budget, embed=embed,
                          search_evaluations=search_evaluations)
    passes: list[CompilerPass] = [Load(), Normalize(), partition, RemoteOps()]
    if translate:
        passes.append(Translate())
    state = PassManager(tuple(passes)).run(CompileState(source, target),
                                           on_progress=on_progress)
    settings = {"model": model, "seed": seed, "starts": starts, "patience": patience,
                "gate_budget": gate_budget, "embed": embed,
                "search_evaluations": search_evaluations}
    return CompileResult.from_state(state, settings)
