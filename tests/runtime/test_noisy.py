"""The noisy circuit of a shot: what each error source adds, and where (runtime/noisy.py)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from _noisy_programs import MEMORY, compiled, qpu_map, synthetic_trace, target, werner

from qdcnet.compiler.ir import gate_matrix
from qdcnet.compiler.program import DistributedProgram, Instruction, Operation, QPUSlots
from qdcnet.errors import ParameterError
from qdcnet.network.qpu import QPU
from qdcnet.quantum.pauli import compose_channels, memory_pauli, readout_pauli
from qdcnet.quantum.remote import teleportation_channel, teleported_cnot_channel
from qdcnet.runtime.engines import DensityEngine
from qdcnet.runtime.noisy import NoiseOptions, UnsupportedProgram, build_noisy_circuit
from qdcnet.runtime.trace import ShotTrace, instruction_index

GHZ = "h q[0]; cx q[0],q[1];"
NOISY = dict(one_qubit_error=0.01, two_qubit_error=0.02, measurement_error=0.03,
             memory=MEMORY, data_memory=MEMORY, one_qubit_time_s=1e-6, two_qubit_time_s=2e-6,
             measurement_time_s=5e-6)


def channels(circuit, source=None):
    return [op for op in circuit.ops if op.kind == "pauli" and source in (None, op.source)]


def test_remote_cx_becomes_fan_out_and_only_data_and_copy_are_simulated():
    t = target()
    program = compiled(GHZ, t, qubits=2)
    circuit = build_noisy_circuit(program, qpu_map(t), trace=synthetic_trace(program, werner(0.9)))
    keys = {k for op in circuit.ops for k in op.keys}
    copies = {k for k in keys if k[1] >= 1}
    assert circuit.data_keys == (("m0", 0), ("m1", 0))
    # one copy on m1, in a logical slot; no ebit half on m0's side is ever a key
    assert len(copies) == 1
    assert next(iter(copies))[0] == "m1"
    assert [op.kind for op in circuit.ops].count("discard") == 1
    assert circuit.max_live == 3
    assert not circuit.midcircuit
    assert circuit.clifford
    (remote,) = channels(circuit)
    # the ebit on the copy: (I, X, Y, Z) = Werner coefficients, nothing on the home qubit
    assert dict(remote.paulis) == pytest.approx({"II": 0.9, "IX": 0.1 / 3, "IY": 0.1 / 3,
                                                 "IZ": 0.1 / 3})


def test_perfect_qpus_and_ebits_add_no_channel():
    t = target()
    program = compiled(GHZ + " creg c[2]; measure q[0]->c[0]; measure q[1]->c[1];", t, qubits=2)
    circuit = build_noisy_circuit(program, qpu_map(t), trace=synthetic_trace(program, werner(1)))
    assert channels(circuit) == []
    assert all(op.flip == 0 for op in circuit.ops)


def _noisy_case():
    t = target(**NOISY)
    program = compiled(GHZ + " creg c[2]; measure q[0]->c[0]; measure q[1]->c[1];", t, qubits=2)
    n = len(instruction_index(program))
    trace = synthetic_trace(program, werner(0.95), starts=[10**6 * i for i in range(n)])
    return t, program, trace


@pytest.mark.parametrize("source", ["gates", "idle", "readout", "ebits"])
def test_each_noise_source_switches_off_alone(source):
    t, program, trace = _noisy_case()
    off = build_noisy_circuit(program, qpu_map(t), trace=trace,
                              noise=NoiseOptions(False, False, False, False))
    assert channels(off) == []
    assert all(op.flip == 0 for op in off.ops)
    only = build_noisy_circuit(program, qpu_map(t), trace=trace,
                               noise=NoiseOptions(**{k: k == source for k in
                                                     ("gates", "idle", "readout", "ebits")}))
    labels = {op.source for op in channels(only)}
    flips = [op.flip for op in only.ops if op.kind == "measure"]
    expected = {"gates": {"gate", "remote"}, "idle": {"idle"}, "readout": {"remote"},
                "ebits": {"remote"}}[source]
    assert labels == expected
    assert flips == ([0.03, 0.03] if source == "readout" else [0.0, 0.0])


def test_remote_channel_folds_ebit_and_readout_exactly():
    # Perfect gates: the cat-CX channel is the ebit's, composed with the ancilla's misread.
    t = target(measurement_error=0.04)
    program = compiled(GHZ, t, qubits=2)
    pair = werner(0.8)
    circuit = build_noisy_circuit(program, qpu_map(t), trace=synthetic_trace(program, pair))
    remote = [op for op in channels(circuit) if op.kind == "pauli"]
    fan_out, un_fan_out = remote
    c = pair.coefficients
    assert dict(fan_out.paulis) == pytest.approx(compose_channels(
        {"II": c[0], "IX": c[1], "IY": c[2], "IZ": c[3]}, {"II": 0.96, "IX": 0.04}))
    assert dict(un_fan_out.paulis) == pytest.approx({"I": 0.96, "Z": 0.04})
    # a Y on the copy acts as Z on the home qubit and X on the target: the core's cat channel
    assert teleported_cnot_channel(pair).probabilities["ZX"] == pytest.approx(c[2])


def test_idle_decay_of_one_qubit_in_plus_matches_memory_pauli():
    dt_s = 3e-4
    # |+> waits dt, then a CX makes a Bell pair: its X errors are harmless there, so the
    # fidelity is that of |+> after the wait (the target is prepared just in time).
    t = target(count=1, data=2, comm=0, data_memory=MEMORY, one_qubit_time_s=1e-6)
    program = compiled("h q[0]; cx q[0],q[1];", t, qubits=2, translate=False)
    # compiled as h q0 (1 µs); h q1; cz; h q1 (two-qubit gates take no time here):
    # q0 waits exactly dt, q1 is used back to back
    dt = round(dt_s * 1e12)
    starts = [0, dt, 10**6 + dt, 10**6 + dt]
    assert [ins.name for _, ins in instruction_index(program)] == ["u", "u", "cz", "u"]
    circuit = build_noisy_circuit(program, qpu_map(t),
                                  trace=ShotTrace(0, 0, starts[-1], starts, ()))
    (idle,) = channels(circuit, "idle")
    p = memory_pauli(dt_s, MEMORY.t1_s, MEMORY.t2_s)
    assert dict(idle.paulis) == pytest.approx(dict(zip("IXYZ", p, strict=True)), abs=1e-15)
    fidelity = DensityEngine().run(circuit).state_fidelity
    assert fidelity == pytest.approx(p[0] + p[1], abs=1e-12)
    assert fidelity == pytest.approx((1 + math.exp(-dt_s / MEMORY.t2_s)) / 2, abs=1e-12)


def test_a_copy_decays_in_the_communication_memory_from_the_ebits_use():
    # The copy waits from the ebit's use until the feed-forward correction reaches it.
    comm = MEMORY
    t = target(memory=comm)  # data memories perfect, communication memory not
    program = compiled(GHZ, t, qubits=2)
    index = instruction_index(program)
    cat = next(op for op in program.operations if op.kind == "cat_entangle")
    first_b = next(i for i, (op_id, ins) in enumerate(index)
                   if op_id == cat.id and ins.qpu == "m1")
    wait = 7 * 10**6  # 7 µs of latency before the correction
    starts = [0 if i < first_b else wait for i in range(len(index))]
    circuit = build_noisy_circuit(program, qpu_map(t),
                                  trace=synthetic_trace(program, werner(1), starts))
    (idle,) = channels(circuit, "idle")
    assert idle.keys == (("m1", cat.ebit_slots[0][1][1]),)
    p = memory_pauli(wait * 1e-12, comm.t1_s, comm.t2_s)
    assert dict(idle.paulis) == pytest.approx(dict(zip("IXYZ", p, strict=True)), abs=1e-15)


def test_no_trace_means_no_idle_and_perfect_ebits():
    t = target(**NOISY)
    program = compiled(GHZ, t, qubits=2)
    circuit = build_noisy_circuit(program, qpu_map(t))
    assert channels(circuit, "idle") == []
    assert all(op.source != "ebit" for op in circuit.ops)


def test_bad_inputs_are_refused_before_work():
    t = target()
    program = compiled(GHZ, t, qubits=2)
    with pytest.raises(ParameterError, match="instr_start_ps"):
        build_noisy_circuit(program, qpu_map(t), trace=ShotTrace(0, 0, 0, [0], ()))
    with pytest.raises(ParameterError, match="qpus"):
        build_noisy_circuit(program, {"m0": t.qpus[0]})
    with pytest.raises(ParameterError, match="durations"):
        build_noisy_circuit(program, qpu_map(t), durations=[0])
    good = synthetic_trace(program, werner(0.9))
    use = good.ebits[0]
    wrong = dataclasses.replace(use, slots=(use.slots[0], use.slots[1] + 1))
    with pytest.raises(ParameterError, match=r"trace.ebits\[0\]"):
        build_noisy_circuit(program, qpu_map(t),
                            trace=dataclasses.replace(good, ebits=(wrong,)))
    with pytest.raises(ParameterError, match="has 1 ebits"):
        build_noisy_circuit(program, qpu_map(t), trace=dataclasses.replace(
            good, ebits=(use, dataclasses.replace(use, ebit=1))))


def teleport_program() -> DistributedProgram:
    """q0, q1 in a Bell state on m0; q1 teleported to m1 (logical slot 3), then swapped in."""
    ins = Instruction
    ops = (
        Operation(0, "gate", ("m0",), (0,), (ins("m0", "h", (0,)),), ()),
        Operation(1, "gate", ("m0",), (0, 1), (ins("m0", "cx", (0, 1)),), (0,)),
        Operation(2, "teleport", ("m0", "m1"), (1,), (
            ins("m0", "cx", (1, 4)), ins("m0", "h", (1,)),
            ins("m0", "measure", (1,), bit="m1"), ins("m0", "measure", (4,), bit="m2"),
            ins("m0", "reset", (1,)), ins("m0", "reset", (4,)),
            ins("m1", "x", (3,), condition=None), ins("m1", "z", (3,))), (1,),
            ebits=(("m0", "m1", 1),), ebit_slots=((("m0", 4), ("m1", 3)),)),
        Operation(3, "transfer", ("m1",), (1,), (ins("m1", "swap", (3, 0)),), (2,)),
    )
    return DistributedProgram("tele", 2, 0, "teleport",
                              (QPUSlots("m0", 2, 2), QPUSlots("m1", 1, 2)), ops,
                              {0: ("m0", 0), 1: ("m0", 1)}, {0: ("m0", 0), 1: ("m1", 0)})


@pytest.mark.parametrize("f", [0.7, 0.9])
def test_teleported_half_of_a_bell_pair_keeps_fidelity_of_the_ebit(f):
    qpus = {"m0": QPU("m0", measurement_error=0.02), "m1": QPU("m1")}
    program = teleport_program()
    circuit = build_noisy_circuit(program, qpus, trace=synthetic_trace(program, werner(f)))
    (moved,) = channels(circuit)
    expected = compose_channels(dict(teleportation_channel(werner(f)).probabilities),
                                dict(zip("IXYZ", readout_pauli(0.02), strict=True)))
    assert dict(moved.paulis) == pytest.approx(expected)
    assert DensityEngine().run(circuit).state_fidelity == pytest.approx(expected["I"], abs=1e-12)


def test_an_operation_the_model_cannot_fold_is_refused():
    program = teleport_program()
    bad = list(program.operations)
    bad[2] = Operation(2, "teleport", ("m0", "m1"), (1,), (
        Instruction("m0", "cz", (1, 4)),), (1,), ebits=(("m0", "m1", 1),),
        ebit_slots=((("m0", 4), ("m1", 3)),))
    program = DistributedProgram("bad", 2, 0, "teleport", program.qpus, tuple(bad),
                                 program.initial_layout, program.final_layout)
    with pytest.raises(UnsupportedProgram, match="not CX then H"):
        build_noisy_circuit(program, {"m0": QPU("m0"), "m1": QPU("m1")})


def test_translated_and_untranslated_programs_give_the_same_state():
    t = target(**NOISY)
    a = compiled(GHZ + " t q[1]; cx q[1],q[0];", t, qubits=2)
    b = compiled(GHZ + " t q[1]; cx q[1],q[0];", t, qubits=2, translate=False)
    opts = NoiseOptions(gates=False, idle=False, readout=False)
    fa = DensityEngine().run(build_noisy_circuit(a, qpu_map(t), noise=opts,
                                                 trace=synthetic_trace(a, werner(0.9))))
    fb = DensityEngine().run(build_noisy_circuit(b, qpu_map(t), noise=opts,
                                                 trace=synthetic_trace(b, werner(0.9))))
    assert fa.state_fidelity == pytest.approx(fb.state_fidelity, abs=1e-12)
    assert np.isclose(gate_matrix("cx"), gate_matrix("cx")).all()
