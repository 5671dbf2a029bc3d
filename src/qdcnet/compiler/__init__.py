"""Distributed circuit compiler: a circuit for one big machine, spread over QPUs.

Passes, each a frozen dataclass with a ``run`` method, in order:
``normalize -> partition -> remote_ops -> translate``; :func:`compile_circuit`
runs them and times each. The output, :class:`DistributedProgram`, is a DAG a
scheduler can execute; :func:`check` simulates it against the circuit.
"""

from qdcnet.compiler.frontend import CircuitError, from_qiskit, load_circuit
from qdcnet.compiler.ir import Circuit, Condition, Gate
from qdcnet.compiler.normalize import Normalize
from qdcnet.compiler.partition import MODELS, Partition
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
from qdcnet.compiler.target import CompileTarget, TargetQPU
from qdcnet.compiler.translate import Translate
from qdcnet.compiler.verify import EquivalenceReport, check

__all__ = [
    "MODELS",
    "Assignment",
    "BitCondition",
    "Circuit",
    "CircuitError",
    "CompileResult",
    "CompileTarget",
    "Condition",
    "DistributedProgram",
    "EquivalenceReport",
    "Gate",
    "Instruction",
    "Message",
    "Normalize",
    "Operation",
    "Partition",
    "QPUSlots",
    "RemoteOps",
    "TargetQPU",
    "Translate",
    "check",
    "compile_circuit",
    "from_qiskit",
    "load_circuit",
]
