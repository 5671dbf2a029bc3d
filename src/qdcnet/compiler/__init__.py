"""Distributed circuit compiler: a circuit for one big machine, spread over QPUs.

Passes, each a frozen dataclass with ``run(state) -> state`` over a
:class:`CompileState`, in order: ``load -> normalize -> partition ->
remote_ops -> translate``; a :class:`PassManager` runs a tuple of them and
times each, and :func:`compile_circuit` runs the standard ones. The output,
:class:`DistributedProgram`, is a DAG a scheduler can execute; :func:`check`
simulates it against the circuit.
"""

from qdcnet.compiler.frontend import (
    CircuitError,
    Load,
    circuit_from_text,
    from_qiskit,
    load_circuit,
)
from qdcnet.compiler.ir import Circuit, Condition, Gate
from qdcnet.compiler.normalize import Normalize
from qdcnet.compiler.partition import MODELS, Partition
from qdcnet.compiler.passes import CompilerPass, CompileState, PassManager
from qdcnet.compiler.pipeline import CompileResult, compile_circuit
from qdcnet.compiler.program import (
    BitCondition,
    DistributedProgram,
    Instruction,
    Message,
    Operation,
    QPUSlots,
)
from qdcnet.compiler.remote import Assignment, RemoteOps
from qdcnet.compiler.target import CompileTarget
from qdcnet.compiler.translate import Translate
from qdcnet.compiler.verify import EquivalenceReport, check

__all__ = [
    "MODELS",
    "Assignment",
    "BitCondition",
    "Circuit",
    "CircuitError",
    "CompileResult",
    "CompileState",
    "CompileTarget",
    "CompilerPass",
    "Condition",
    "DistributedProgram",
    "EquivalenceReport",
    "Gate",
    "Instruction",
    "Load",
    "Message",
    "Normalize",
    "Operation",
    "Partition",
    "PassManager",
    "QPUSlots",
    "RemoteOps",
    "Translate",
    "check",
    "circuit_from_text",
    "compile_circuit",
    "from_qiskit",
    "load_circuit",
]
