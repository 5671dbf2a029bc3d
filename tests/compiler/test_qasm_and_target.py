"""Per-QPU OpenQASM 3, and targets made from scenarios."""

from __future__ import annotations

from pathlib import Path

import openqasm3
import pytest

from qdcnet.compiler import CompileTarget, compile_circuit
from qdcnet.compiler.qasm import program_qasm
from qdcnet.config.scenario import load_scenario
from qdcnet.errors import ParameterError
from qdcnet.network.datacenter import DataCenter
from qdcnet.network.qpu import QPU

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_each_qpu_program_parses_and_declares_its_messages():
    result = compile_circuit('OPENQASM 3.0; include "stdgates.inc"; qubit[4] q; bit[2] c; '
                             "h q[0]; cx q[0], q[1]; cx q[0], q[2]; cx q[0], q[3]; "
                             "c[0] = measure q[0]; if (c[0]) x q[3]; c[1] = measure q[3];",
                             CompileTarget.equal_modules(2, 2))
    texts = {q.name: program_qasm(result.program, q.name) for q in result.program.qpus}
    for qpu, text in texts.items():
        tree = openqasm3.parse(text)
        assert tree.statements
        for op in result.program.operations:
            for message in op.messages:
                if message.dst == qpu:
                    for bit in message.bits:
                        assert f"input bit {bit};" in text
                if message.src == qpu:
                    for bit in message.bits:
                        assert f"output bit {bit};" in text
    assert "ebit in q[" in texts["m0"]


def test_a_ring_scenario_gives_hop_distances():
    scenario, _ = load_scenario(EXAMPLES / "ion_ring_of_four.yaml")
    target = CompileTarget.from_datacenter(DataCenter(scenario.layout()))
    assert [q.name for q in target.qpus] == ["qpu0", "qpu1", "qpu2", "qpu3"]
    assert target.distance[0] == (0, 1, 2, 1)
    assert {q.data_qubits for q in target.qpus} == {10}
    assert {q.comm_qubits for q in target.qpus} == {2}
    assert target.qpus[0].native_gates == ("rz", "u1q", "rzz")


def test_equal_modules_refuses_nonsense():
    with pytest.raises(ParameterError, match="count"):
        CompileTarget.equal_modules(0, 4)
    twins = (QPU("a", data_qubits=1, comm_qubits=1),) * 2
    with pytest.raises(ParameterError, match="distinct names"):
        CompileTarget(twins, ((0, 1), (1, 0)))
