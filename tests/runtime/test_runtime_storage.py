"""The runtime stores the ebits the schedule stores, in dedicated storage qubits."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from _noisy_programs import MEMORY, compiled, qpu_map, synthetic_trace, target, werner

from qdcnet.compiler import CompileTarget, compile_circuit
from qdcnet.config.scenario import build_datacenter
from qdcnet.control import Orchestrator
from qdcnet.hardware.components import QuantumMemory
from qdcnet.network.topology import ring
from qdcnet.quantum.pauli import memory_pauli
from qdcnet.runtime.jobs import Job, admit_job, runtime_policy, start_job, supplier_policy
from qdcnet.runtime.noisy import build_noisy_circuit
from qdcnet.runtime.trace import instruction_index
from qdcnet.schedule import Prefetch, ProgramTiming, schedule_program
from qdcnet.units import s_to_ps

GHZ6 = ('OPENQASM 2.0; include "qelib1.inc"; qreg q[6]; creg c[6]; h q[0];'
        + "".join(f"cx q[{i}],q[{i + 1}];" for i in range(5)) + "measure q -> c;")
SHOTS = 20
SEEDS = range(1, 7)


def _dc(seed: int):
    # Oxford ions: a 1 ms communication memory beside one long-lived 43Ca+ storage qubit.
    return build_datacenter(ring(3, profile="trapped_ion_oxford", spacing_m=10.0,
                                 overrides={"qubits.data": 3}), seed=seed)


PROGRAM = compile_circuit(GHZ6, CompileTarget.from_datacenter(_dc(1)), seed=1).program


def _run(seed: int, storage: bool, checks: list | None = None):
    """One job of SHOTS shots, scheduled with or without storage; invariants watched."""
    dc = _dc(seed)
    orch = Orchestrator(dc)
    job = Job(PROGRAM, shots=SHOTS, policy="prefetch")
    timing = ProgramTiming.build(PROGRAM, dc.ops, dc.classical.mean_latency_s)
    schedule = (admit_job(dc, job, timing=timing) if storage else
                schedule_program(PROGRAM, dc, policy=Prefetch(storage=False), shots=2,
                                 timing=timing))
    result = start_job(dc, orch, job, schedule, timing=timing)
    execution = result.extra["execution"]

    def watcher():
        while not execution.finished:
            orch.check_invariants()
            if checks is not None:
                checks.append(dc.sim.now)
            yield dc.sim.timeout(s_to_ps(1e-4))

    dc.sim.process(watcher(), name="invariants")
    dc.sim.run(until=dc.sim.now + s_to_ps(5.0))
    execution.check_finished()
    return dc, orch, schedule, result, execution


def test_prefetch_is_scheduled_with_storage_and_needs_no_note():
    dc = _dc(1)
    job = Job(PROGRAM, shots=SHOTS, policy="prefetch")
    timing = ProgramTiming.build(PROGRAM, dc.ops, dc.classical.mean_latency_s)
    schedule = admit_job(dc, job, timing=timing)
    assert schedule.stored > 0
    assert runtime_policy("prefetch") == Prefetch()
    assert runtime_policy("jit") == "jit"
    assert supplier_policy(job, timing, supplies=schedule.supplies) == ("prefetch", "")


def test_the_runtime_stores_the_schedules_ebits_within_its_qubits_and_gives_all_back():
    checks: list[int] = []
    dc, orch, schedule, result, execution = _run(1, True, checks)
    assert len(checks) > 10
    planned = {e.index for e in schedule.ebits if e.stored}
    used = [u for trace in result.traces for u in trace.ebits]
    stored = {u.ebit for u in used if u.stored}
    assert planned
    assert stored == planned
    assert execution.stored == sum(u.stored for u in used) > 0
    assert result.extra["stored_pairs"] == execution.stored
    comm = {q.name: q.comm for q in PROGRAM.qpus}
    assert all(execution.peak_open[q] <= comm[q] for q in comm)
    assert all(execution.peak_storage[q] <= dc.ops[q].storage_slots for q in comm)
    assert max(execution.peak_storage.values()) == 1
    # A stored pair was used after its move: its state was last updated at the move.
    for u in used:
        if u.stored:
            assert u.ready_ps < u.born_ps <= u.used_ps
    # Everything is given back: counters, holds, storage, communication qubits.
    assert all(n == 0 for n in execution.storage_open.values())
    dc.sim.run()
    orch.check_invariants()
    assert dc.book.bookings == 0
    assert all(dc.book.free_storage(q) == dc.ops[q].storage_slots for q in comm)


def test_storing_makes_the_measured_makespan_no_worse():
    means = {}
    for storage in (True, False):
        spans = [t.makespan_ps for seed in SEEDS
                 for t in _run(seed, storage)[3].traces]
        means[storage] = (float(np.mean(spans)), float(np.std(spans, ddof=1))
                          / math.sqrt(len(spans)))
    (with_storage, se_s), (without, se_c) = means[True], means[False]
    assert with_storage <= without + 5 * math.hypot(se_s, se_c)


@pytest.mark.parametrize("stored", [False, True])
def test_a_stored_copy_ages_in_the_storage_memory(stored):
    # Twin of test_noisy's copy test: a stored ebit's copy waits in a storage qubit,
    # which has the data memory, not the communication memory.
    data_memory = QuantumMemory(t1_s=2e-3, t2_s=3e-3)
    t = target(memory=MEMORY, data_memory=data_memory)
    program = compiled("h q[0]; cx q[0],q[1];", t, qubits=2)
    index = instruction_index(program)
    cat = next(op for op in program.operations if op.kind == "cat_entangle")
    first_b = next(i for i, (op_id, ins) in enumerate(index)
                   if op_id == cat.id and ins.qpu == "m1")
    wait = 7 * 10**6
    starts = [0 if i < first_b else wait for i in range(len(index))]
    trace = synthetic_trace(program, werner(1), starts)
    trace = dataclasses.replace(trace, ebits=tuple(dataclasses.replace(u, stored=stored)
                                                   for u in trace.ebits))
    circuit = build_noisy_circuit(program, qpu_map(t), trace=trace)
    copy = ("m1", cat.ebit_slots[0][1][1])
    (idle,) = [op for op in circuit.ops
               if op.kind == "pauli" and op.source == "idle" and op.keys == (copy,)]
    memory = data_memory if stored else MEMORY
    p = memory_pauli(wait * 1e-12, memory.t1_s, memory.t2_s)
    assert dict(idle.paulis) == pytest.approx(dict(zip("IXYZ", p, strict=True)), abs=1e-15)
