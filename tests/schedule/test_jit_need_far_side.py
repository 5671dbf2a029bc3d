"""JIT asks for a pair when both ends can use it, not only its own operation's.

An ebit's ``need_deps`` hold the inputs from before its operation of the
instructions that use the far half (a cat-entangler's copy): otherwise the
pair is made as soon as the near side is ready and the copy waits, dephasing
in a communication qubit, until its consumer's other inputs are done. On the
GHZ-24 ring job (trapped ions, T2 = 1 ms) that wait was 1-2.4 ms.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml
from _schedule_helpers import timed_target

from qdcnet.compiler import compile_circuit
from qdcnet.config.scenario import resolve_profile_paths, validate_document
from qdcnet.network import DataCenter
from qdcnet.runtime.jobs import compile_job, nominal_trace
from qdcnet.runtime.trace import instruction_index
from qdcnet.schedule import ProgramTiming, schedule_program

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _ring_ghz(comm: int):
    document = yaml.safe_load((EXAMPLES / "jobs_on_a_ring.yaml").read_text())
    document["workload"] = {"jobs": [{"name": "ghz", "circuit": "circuits/ghz_24.qasm",
                                      "shots": 20, "policy": "jit"}]}
    for qpu in document["qpus"]:
        qpu["communication_qubits"] = comm
    scenario = validate_document(resolve_profile_paths(document, EXAMPLES))
    dc = DataCenter(scenario.layout(), seed=1)
    job = compile_job(dc, scenario.to_workload().jobs[0])
    timing = ProgramTiming.build(job.program, dc.ops, dc.classical.mean_latency_s)
    return dc, job.program, timing


def _far_uses(timing, index, e):
    """Instructions after the ebit's operation on its far (B) logical slot."""
    _, stop = timing.op_span[e.op]
    key = (e.qpus[1], e.slots[1])
    return [i for i in range(stop, e.last[1] + 1)
            if index[i][1].qpu == key[0] and key[1] in index[i][1].slots]


def _inputs_before(timing, instructions, begin):
    out = set()
    for i in instructions:
        out |= {(j, 0) for j in timing.slot_deps[i] if j < begin}
        out |= {(j, lag) for j, lag in timing.bit_deps[i] if j < begin}
    return out


def _protocol_ps(timing, index, e) -> int:
    """From arrival to the end of the copy's last use, when nothing else holds it up:
    the longest path over the operation's instructions and the far half's uses."""
    begin, stop = timing.op_span[e.op]
    own = set(range(begin, stop)) | set(_far_uses(timing, index, e))
    end: dict[int, int] = {}
    for i in sorted(own):
        start = max([end[j] for j in timing.slot_deps[i] if j in own]
                    + [end[j] + lag for j, lag in timing.bit_deps[i] if j in own], default=0)
        end[i] = start + timing.duration_ps[i]
    return end[e.last[1]]


@pytest.mark.parametrize("comm", [1, 2])
def test_the_far_consumers_inputs_are_needed(comm):
    _, program, timing = _ring_ghz(comm)
    index = instruction_index(program)
    waits = 0
    for e in timing.ebits:
        begin, stop = timing.op_span[e.op]
        far = _inputs_before(timing, _far_uses(timing, index, e), begin)
        assert far <= set(e.need_deps)
        assert _inputs_before(timing, range(begin, stop), begin) <= set(e.need_deps)
        assert all(j < begin for j, _ in e.need_deps)  # earlier in program order: no deadlock
        waits += bool(far - _inputs_before(timing, range(begin, stop), begin))
    # The copy of qpu0:0 on qpu1 meets qpu1:9 in rzz, whose last gate runs before the
    # cat-entangler, after the ghz chain reached qpu1 (the home qubit is ready at once).
    assert waits >= 1


@pytest.mark.parametrize("comm", [1, 2])
def test_nominal_jit_copies_do_not_wait_for_their_consumers(comm):
    dc, program, timing = _ring_ghz(comm)
    schedule = schedule_program(program, dc, policy="jit", timing=timing)
    trace = nominal_trace(schedule)
    index = instruction_index(program)
    assert trace.ebits
    for use in trace.ebits:
        e = timing.ebits[use.ebit]
        last = e.last[1]
        done = trace.instr_start_ps[last] + timing.duration_ps[last]
        # Before the fix, with two communication qubits the copy lived 2.08 ms against 0.66.
        assert done - use.ready_ps <= _protocol_ps(timing, index, e)
        assert done - use.used_ps <= _protocol_ps(timing, index, e)


def test_inputs_reached_through_later_instructions_are_needed():
    """A consumer's other qubit touched by an instruction placed after the cat-entangler:
    the input before the operation is found through it."""
    target = timed_target(2, 2, 1)
    qpus = {q.name: q for q in target.qpus}
    program = compile_circuit('OPENQASM 2.0; include "qelib1.inc"; qreg q[4]; '
                              'h q[0]; h q[2]; t q[2]; cx q[0],q[2]; cx q[0],q[3]; '
                              'cx q[1],q[3];', target).program
    timing = ProgramTiming.build(program, qpus, lambda a, b: 3e-6)
    index = instruction_index(program)
    (e,) = timing.ebits
    begin, stop = timing.op_span[e.op]
    consumer = next(i for i in _far_uses(timing, index, e) if len(index[i][1].slots) == 2)
    (data,) = [j for j in timing.slot_deps[consumer] if j < begin]
    assert (data, 0) in e.need_deps
    # Put a one-qubit gate on the consumer's data qubit between the two operations.
    (slot,) = [s for s in index[consumer][1].slots if s != e.slots[1]]
    one = next(ins for _, ins in index if ins.qpu == e.qpus[1] and ins.name == "u")
    k = timing.op_of[consumer]
    ops = list(program.operations)
    extra = dataclasses.replace(ops[k], id=k, instructions=(
        dataclasses.replace(one, slots=(slot,)),), predecessors=())
    ops = ops[:k] + [extra] + [dataclasses.replace(op, id=op.id + 1) for op in ops[k:]]
    moved = ProgramTiming.build(dataclasses.replace(program, operations=tuple(ops)), qpus,
                                lambda a, b: 3e-6)
    (e2,) = moved.ebits
    assert moved.op_span[e2.op] == (begin, stop)
    assert moved.slot_deps[stop] == (data,)  # the new gate takes the old input
    assert moved.slot_deps[consumer + 1][0] == stop  # and the consumer waits on it
    assert e2.need_deps == e.need_deps  # the input is still needed, the new gate is not
