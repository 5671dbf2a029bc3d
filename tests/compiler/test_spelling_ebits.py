"""Equivalent spellings of a circuit cost the same ebits (issue 14, deliverable 3, in part)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from qiskit import QuantumCircuit, transpile

from qdcnet.compiler import Circuit, CompileTarget, Gate, check, compile_circuit
from qdcnet.compiler.commute import random_order

HEADER = 'OPENQASM 2.0; include "qelib1.inc"; qreg q[2]; '
TARGET = CompileTarget.equal_modules(2, 1, comm_qubits=1)


def _ebits(body: str) -> int:
    return compile_circuit(HEADER + "h q[0]; h q[1]; " + body, TARGET, seed=1).program.num_ebits


@given(st.floats(0.05, math.pi - 0.05))
@settings(max_examples=20, deadline=None)
def test_a_controlled_phase_costs_one_ebit_however_it_is_written(angle):
    half = angle / 2
    spellings = [
        f"cp({angle}) q[0],q[1];",
        f"cu1({angle}) q[0],q[1];",
        # cu1 as qelib1.inc defines it: two cx around phases
        f"u1({half}) q[0]; cx q[0],q[1]; u1({-half}) q[1]; cx q[0],q[1]; u1({half}) q[1];",
        # the same with rz on the target, as exporters write it
        f"p({half}) q[0]; cx q[0],q[1]; rz({-half}) q[1]; cx q[0],q[1]; rz({half}) q[1];",
    ]
    assert [_ebits(s) for s in spellings] == [1, 1, 1, 1]


@pytest.mark.parametrize("body", [
    "cz q[0],q[1]; cz q[0],q[1];",
    "cx q[0],q[1]; cx q[0],q[1];",
    "cx q[1],q[0]; h q[1]; h q[1]; cx q[1],q[0];",
])
def test_adjacent_inverses_across_modules_cost_nothing(body):
    assert _ebits(body) == 0


def test_a_zz_interaction_written_with_cx_costs_one_ebit():
    # cx; rz; cx is exp(-i t ZZ / 2): one controlled phase up to local phases.
    assert _ebits("cx q[0],q[1]; rz(0.4) q[1]; cx q[0],q[1];") == 1
    # and an XX interaction (Hadamards around it) too
    assert _ebits("h q[0]; h q[1]; cx q[0],q[1]; rz(0.4) q[1]; cx q[0],q[1]; "
                  "h q[0]; h q[1];") == 1


# --- Spellings of whole circuits (issue 14, deliverable 3) ---------------------------------

FOUR = 'OPENQASM 2.0; include "qelib1.inc"; qreg q[4]; '
ON_TWO = CompileTarget.equal_modules(2, 2, comm_qubits=4)


def _ebits_on_two(source) -> int:
    result = compile_circuit(source, ON_TWO, seed=1)
    assert check(result.circuit, result.program, result.normalized).worst_overlap > 1 - 1e-8
    return result.program.num_ebits


def _qft(controlled_phase: str) -> str:
    body = ""
    for i in range(4):
        body += f"h q[{i}]; "
        for j in range(i + 1, 4):
            body += controlled_phase.format(c=j, t=i, a=math.pi / 2 ** (j - i)) + " "
    return FOUR + body


def test_a_qft_costs_the_same_ebits_in_every_spelling_of_its_controlled_phases():
    spellings = [
        _qft("cp({a}) q[{c}],q[{t}];"),
        _qft("cu1({a}) q[{c}],q[{t}];"),
        _qft("crz({a}) q[{c}],q[{t}]; u1({a}/2) q[{c}];"),
        # cu1 as qelib1.inc defines it
        _qft("u1({a}/2) q[{c}]; cx q[{c}],q[{t}]; u1(-{a}/2) q[{t}]; cx q[{c}],q[{t}]; "
             "u1({a}/2) q[{t}];"),
    ]
    qc = QuantumCircuit.from_qasm_str(spellings[0])
    exported = [transpile(qc, basis_gates=["cx", "u"], optimization_level=level, seed_transpiler=0)
                for level in (0, 1)]
    ebits = [_ebits_on_two(s) for s in spellings] + [_ebits_on_two(c) for c in exported]
    assert len(set(ebits)) == 1, ebits


def test_zz_and_xx_interactions_cost_the_same_however_written():
    zz = ["rzz(0.4) q[0],q[2]; rzz(0.3) q[1],q[3];",
          "cx q[0],q[2]; rz(0.4) q[2]; cx q[0],q[2]; cx q[3],q[1]; rz(0.3) q[1]; cx q[3],q[1];",
          # the XX form between Hadamards on both qubits
          "h q[0]; h q[2]; rxx(0.4) q[0],q[2]; h q[0]; h q[2]; "
          "h q[1]; h q[3]; rxx(0.3) q[1],q[3]; h q[1]; h q[3];"]
    frame = "h q[0]; h q[1]; h q[2]; h q[3]; cz q[0],q[1]; cz q[2],q[3]; "
    assert len({_ebits_on_two(FOUR + frame + body + frame) for body in zz}) == 1


BASE = "h q[0]; h q[2]; cz q[0],q[2]; rz(0.3) q[2]; cx q[2],q[1]; cp(0.7) q[1],q[3]; h q[3]; "


@pytest.mark.parametrize("inserted", [
    "cz q[0],q[2]; cz q[0],q[2];",
    "cx q[1],q[3]; cx q[1],q[3];",
    "h q[2]; h q[2];",
    "s q[1]; sdg q[1];",
    # h; h around a diagonal run: the run's controlled phases meet and cancel
    "h q[0]; cz q[0],q[2]; rz(0.2) q[0]; h q[0]; h q[0]; cz q[0],q[2]; rz(-0.2) q[0]; h q[0];",
    # commuting cancellation: the same cz on both sides of one that commutes with it
    "cz q[0],q[2]; cz q[0],q[3]; cz q[0],q[2]; cz q[0],q[3];",
])
def test_inserted_inverses_and_commuting_cancellations_cost_nothing(inserted):
    plain = _ebits_on_two(FOUR + BASE + BASE)
    assert _ebits_on_two(FOUR + BASE + inserted + BASE) == plain


@pytest.mark.parametrize("seed", range(4))
def test_commuting_permutations_of_a_circuit_cost_the_same_ebits(seed):
    rng = np.random.default_rng(seed)
    gates = []
    for _ in range(40):
        kind = rng.integers(5)
        a, b = (int(x) for x in rng.choice(6, 2, replace=False))
        gates.append([Gate("cz", (a, b)), Gate("cp", (a, b), (0.5,)), Gate("h", (a,)),
                      Gate("rz", (a,), (0.3,)), Gate("cx", (a, b))][kind])
    circuit = Circuit(6, 0, tuple(gates))
    target = CompileTarget.equal_modules(2, 3, comm_qubits=8)
    ebits = compile_circuit(circuit, target, seed=0).program.num_ebits
    for k in range(3):
        order = random_order(circuit, np.random.default_rng([seed, k]))
        permuted = Circuit(6, 0, tuple(circuit.gates[i] for i in order))
        assert compile_circuit(permuted, target, seed=0).program.num_ebits == ebits
