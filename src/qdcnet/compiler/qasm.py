"""Per-QPU OpenQASM 3 for a distributed program.

Each QPU gets one program over a register ``q`` of its data and
communication slots. Bits it measures are declared ``bit`` (``output bit``
when another QPU needs them); bits it receives are ``input bit``: the
runtime supplies them when the message arrives. Ebits are not expressible
in OpenQASM; a comment marks where each must have landed in its two
communication slots.
"""

from __future__ import annotations

import math

from qdcnet.compiler.program import BitCondition, DistributedProgram, Instruction

__all__ = ["program_qasm"]

_DEFINITIONS = {
    "rzz": "gate rzz(theta) a, b { cx a, b; rz(theta) b; cx a, b; }",
    "rxx": "gate rxx(theta) a, b { h a; h b; cx a, b; rz(theta) b; cx a, b; h a; h b; }",
}


def _angle(value: float) -> str:
    return repr(float(value)) if math.isfinite(value) else "0.0"


def _condition(condition: BitCondition) -> str:
    terms = [bit if (condition.value >> i) & 1 else f"!{bit}"
             for i, bit in enumerate(condition.bits)]
    if condition.value >> len(condition.bits):
        terms = ["false"]  # the value needs more bits than the condition has
    expression = " && ".join(terms)
    return expression if condition.equal else f"!({expression})"


def _statement(ins: Instruction, binding: dict[tuple[str, int], int]) -> str:
    # Logical communication slots print as the physical qubit the compiler bound them to.
    qubits = ", ".join(f"q[{binding.get((ins.qpu, s), s)}]" for s in ins.slots)
    if ins.name == "measure":
        body = f"{ins.bit} = measure {qubits};"
    elif ins.name == "reset":
        body = f"reset {qubits};"
    else:
        name = "U" if ins.name == "u" else ins.name
        params = f"({', '.join(_angle(p) for p in ins.params)})" if ins.params else ""
        body = f"{name}{params} {qubits};"
    if ins.condition is not None:
        return f"if ({_condition(ins.condition)}) {{ {body} }}"
    return body


def program_qasm(program: DistributedProgram, qpu: str) -> str:
    """OpenQASM 3 for one QPU of ``program`` (valid for the reference ``openqasm3`` parser).

    >>> from qdcnet.compiler import CompileTarget, compile_circuit
    >>> result = compile_circuit('''OPENQASM 2.0; include "qelib1.inc"; qreg q[2];
    ... h q[0]; cx q[0],q[1];''', CompileTarget.equal_modules(2, 1))
    >>> print(program_qasm(result.program, "m1").splitlines()[0])
    OPENQASM 3.0;
    """
    slots = program.qpu(qpu)
    local_bits: list[str] = []
    received: list[str] = []
    sent: set[str] = set()
    used_names: set[str] = set()
    read: set[str] = set()
    body: list[str] = []
    for op in program.operations:
        mine = [i for i in op.instructions if i.qpu == qpu]
        incoming = [m for m in op.messages if m.dst == qpu]
        for message in op.messages:
            if message.src == qpu:
                sent.update(message.bits)
        for message in incoming:
            for bit in message.bits:
                if bit not in received:
                    received.append(bit)
        if not mine and not any(m.src == qpu for m in op.messages):
            continue
        note = f"// op {op.id} {op.kind}"
        binding = program.comm_binding
        for (qa, sa), (qb, sb) in op.ebit_slots:
            if qpu in (qa, qb):
                sa, sb = binding.get((qa, sa), sa), binding.get((qb, sb), sb)
                mine_slot, other = (sa, f"{qb}:{sb}") if qa == qpu else (sb, f"{qa}:{sa}")
                note += f"; ebit in q[{mine_slot}] with {other}"
        for message in op.messages:
            if message.src == qpu:
                note += f"; send {','.join(message.bits)} to {message.dst}"
        body.append(note)
        for ins in mine:
            if ins.bit is not None and ins.bit not in local_bits:
                local_bits.append(ins.bit)
            if ins.condition is not None:
                read.update(ins.condition.bits)
            used_names.add(ins.name)
            body.append(_statement(ins, binding))
    header = ["OPENQASM 3.0;", 'include "stdgates.inc";',
              f"// qdcnet: {program.name} on {qpu} ({program.model} model); "
              f"q[0..{slots.data - 1}] data, q[{slots.data}..{slots.size - 1}] communication"]
    for name in sorted(used_names):
        if name in _DEFINITIONS:
            header.append(_DEFINITIONS[name])
    declarations = [f"input bit {bit};" for bit in received if bit not in local_bits]
    declarations += [f"{'output ' if bit in sent else ''}bit {bit};" for bit in local_bits]
    # A circuit bit that is read but never written anywhere keeps its initial 0.
    declarations += [f"bit {bit} = 0;" for bit in sorted(read)
                     if bit not in local_bits and bit not in received]
    declarations.append(f"qubit[{slots.size}] q;")
    return "\n".join(header + declarations + body) + "\n"
