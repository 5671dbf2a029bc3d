"""The executor: a program's instruction DAG run shot by shot, ebits leased from a supplier."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qdcnet.compiler import CompileTarget, compile_circuit
from qdcnet.network.qpu import QPU
from qdcnet.quantum import BellDiagonal
from qdcnet.runtime.executor import Execution, ExecutionError, InstantSupplier
from qdcnet.runtime.suppliers import stream_widths
from qdcnet.schedule import PairSupply, ProgramTiming, schedule_timing
from qdcnet.sim import Simulator

HEADER = 'OPENQASM 2.0; include "qelib1.inc"; '
LATENCY_S = 2e-6


def _target(count: int, data: int, comm: int) -> CompileTarget:
    qpus = tuple(QPU(f"m{i}", 1e-6, 1e-5, 2e-5, data_qubits=data, comm_qubits=comm,
                     reset_time_s=1e-6) for i in range(count))
    distance = tuple(tuple(0 if i == j else 1 for j in range(count)) for i in range(count))
    return CompileTarget(qpus, distance)


def _timing(body: str, qubits: int, target: CompileTarget) -> ProgramTiming:
    program = compile_circuit(f"{HEADER}qreg q[{qubits}]; creg c[{qubits}]; {body}", target,
                              seed=1).program
    return ProgramTiming.build(program, {q.name: q for q in target.qpus},
                               lambda a, b: LATENCY_S)


def _run(timing: ProgramTiming, *, shots: int = 1, comm: int | None = None,
         state: BellDiagonal | None = None, eager: bool = False) -> Execution:
    sim = Simulator(seed=1)
    capacity = {q.name: q.comm if comm is None else comm for q in timing.program.qpus}
    supplier = InstantSupplier(sim, state or BellDiagonal.werner(1.0), eager=eager)
    execution = Execution(sim, timing, supplier, shots=shots, comm_qubits=capacity)
    execution.start()
    sim.run()
    execution.check_finished()
    return execution


GHZ6 = "h q[0];" + "".join(f"cx q[{i}],q[{i + 1}];" for i in range(5)) + "measure q -> c;"


def test_with_instant_ebits_and_free_communication_qubits_a_shot_is_the_critical_path():
    timing = _timing(GHZ6, 6, _target(3, 2, 2))
    assert timing.ebits, "the program must use the network"
    execution = _run(timing, comm=len(timing.ebits))
    (trace,) = execution.traces
    assert trace.makespan_ps == timing.critical_path_ps()
    # And the scheduler predicts exactly that with instant supplies.
    supplies = {tuple(sorted(e.qpus)): PairSupply.instant(*sorted(e.qpus)) for e in timing.ebits}
    assert trace.makespan_ps == schedule_timing(timing, supplies, policy="jit").makespan_ps


def test_every_instruction_waits_for_its_dependencies_and_latency():
    timing = _timing(GHZ6, 6, _target(3, 2, 1))
    (trace,) = _run(timing, shots=1).traces
    starts = trace.instr_start_ps
    for i in range(timing.num_instructions):
        for j in timing.slot_deps[i]:
            assert starts[i] >= starts[j] + timing.duration_ps[j]
        for j, lag in timing.bit_deps[i]:
            assert starts[i] >= starts[j] + timing.duration_ps[j] + lag
    for use in trace.ebits:
        ebit = timing.ebits[use.ebit]
        assert use.used_ps == min(starts[i] for i in ebit.first)
        assert use.ready_ps <= use.used_ps


def test_communication_qubits_are_never_oversubscribed_and_the_job_finishes():
    timing = _timing(GHZ6 + "cx q[0],q[5]; cx q[1],q[4];", 6, _target(3, 2, 1))
    execution = _run(timing, shots=3)
    assert len(execution.traces) == 3
    assert execution.peak_open == {"m0": 1, "m1": 1, "m2": 1}


def test_shots_pipeline_and_each_shot_is_recorded():
    timing = _timing(GHZ6, 6, _target(3, 2, 2))
    single = _run(timing, shots=1).traces[0].makespan_ps
    execution = _run(timing, shots=5, eager=True)
    traces = execution.traces
    assert [t.shot for t in traces] == [0, 1, 2, 3, 4]
    total = traces[-1].end_ps - traces[0].start_ps
    assert total < 5 * single  # the next shot starts on a QPU the last one is done with
    assert all(len(t.ebits) == len(timing.ebits) for t in traces)


def test_the_ebit_state_at_use_is_what_the_supplier_gave():
    timing = _timing(GHZ6, 6, _target(3, 2, 2))
    state = BellDiagonal.werner(0.9)
    (trace,) = _run(timing, state=state).traces
    assert {u.state for u in trace.ebits} == {state.coefficients}


def test_an_ebit_that_never_comes_fails_the_job_with_the_reason():
    timing = _timing(GHZ6, 6, _target(3, 2, 1))
    sim = Simulator(seed=1)

    class Refusing:
        eager = False

        def want(self, qpus, ebit, deliver):
            sim.schedule(10, deliver, "no route between them")

        def close(self):
            pass

    execution = Execution(sim, timing, Refusing(), shots=2,
                          comm_qubits={q.name: 1 for q in timing.program.qpus})
    execution.start()
    sim.run()
    with pytest.raises(ExecutionError, match="no route between them"):
        execution.check_finished()


def test_stream_widths_are_the_peak_open_ebits_per_pair_or_a_reason():
    timing = _timing(GHZ6 + "cx q[0],q[5];", 6, _target(3, 2, 2))
    widths = stream_widths(timing, {"m0": 2, "m1": 2, "m2": 2})
    assert isinstance(widths, dict)
    assert all(w >= 1 for w in widths.values())
    reason = stream_widths(timing, {"m0": 0, "m1": 0, "m2": 0})
    assert isinstance(reason, str)
    assert "communication qubit" in reason


GATES = st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5)).filter(lambda p: p[0] != p[1]),
                 min_size=1, max_size=14)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(GATES, st.integers(1, 2), st.booleans())
def test_any_program_finishes_in_order_with_one_communication_qubit(gates, shots, eager):
    # Deadlock freedom: ebits asked for in program order per QPU, within the
    # communication qubits, always finish, whatever the circuit.
    body = "h q[0];" + "".join(f"cx q[{a}],q[{b}];" for a, b in gates) + "measure q -> c;"
    timing = _timing(body, 6, _target(3, 2, 1))
    execution = _run(timing, shots=shots, comm=1, eager=eager)
    assert len(execution.traces) == shots
    assert all(v <= 1 for v in execution.peak_open.values())


def test_idle_intervals_are_the_gaps_between_instructions_on_each_data_qubit():
    from qdcnet.runtime.trace import idle_intervals, instruction_index

    timing = _timing(GHZ6, 6, _target(3, 2, 1))
    (trace,) = _run(timing).traces
    idle = idle_intervals(timing.program, trace, timing.duration_ps)
    data = {q.name: q.data for q in timing.program.qpus}
    index = instruction_index(timing.program)
    for (qpu, slot), spans in idle.items():
        assert slot < data[qpu]
        busy = sorted((trace.instr_start_ps[i], trace.instr_start_ps[i] + timing.duration_ps[i])
                      for i, (_, ins) in enumerate(index) if ins.qpu == qpu and slot in ins.slots)
        # Busy and idle time tile the qubit's span in the shot exactly.
        total = sum(end - start for start, end in spans) + sum(e - s for s, e in busy)
        assert total == busy[-1][1] - busy[0][0]
    assert any(spans for spans in idle.values())
