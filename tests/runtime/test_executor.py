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


GATES = st.lists(st.tuples(st.integers(0, 7), st.integers(0, 7)).filter(lambda p: p[0] != p[1]),
                 min_size=1, max_size=40)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(GATES, st.integers(1, 3), st.integers(1, 2), st.booleans())
def test_any_program_finishes_in_order_within_the_communication_qubits(gates, comm, shots,
                                                                     eager):
    # Deadlock freedom: ebits asked for in program order per QPU, each end's qubit
    # freed at that end's last use (as the compiler fitted them), always finish.
    body = "h q[0];" + "".join(f"cx q[{a}],q[{b}];" for a, b in gates) + "measure q -> c;"
    timing = _timing(body, 8, _target(4, 2, comm))
    execution = _run(timing, shots=shots, eager=eager)
    assert len(execution.traces) == shots
    assert all(v <= comm for v in execution.peak_open.values())


def test_a_pipelined_shot_engages_its_pair_only_when_its_operation_can_run():
    # Shot k+1's first touch of an ebit waits for shot k to be done with the operation's
    # data qubits: the pair is not used (nor its age counted) before that.
    timing = _timing(GHZ6, 6, _target(3, 2, 2))
    execution = _run(timing, shots=4, eager=True)
    data = {q.name: q.data for q in timing.program.qpus}
    for before, after in zip(execution.traces, execution.traces[1:], strict=False):
        done = {}
        for i, start in enumerate(before.instr_start_ps):
            for slot in timing.program.operations[timing.op_of[i]].instructions[
                    i - timing.op_span[timing.op_of[i]][0]].slots:
                key = (timing.qpu_of[i], slot)
                if slot < data[key[0]]:
                    done[key] = max(done.get(key, 0), start + timing.duration_ps[i])
        for use in after.ebits:
            ebit = timing.ebits[use.ebit]
            begin, end = timing.op_span[ebit.op]
            for i in range(begin, end):
                for key in timing.data_first.get(i, ()):
                    assert use.used_ps >= done[key]
                    assert use.needed_ps is not None
                    assert use.needed_ps >= done[key]


def test_a_pair_that_waits_past_the_age_limit_is_made_afresh():
    timing = _timing(GHZ6 + "cx q[0],q[5];", 6, _target(3, 2, 2))
    limit = 3_000_000  # 3 us, shorter than the wait of an eagerly asked pair

    class Ageing(InstantSupplier):
        def max_age_ps(self, qpus):
            return limit

    sim = Simulator(seed=1)
    execution = Execution(sim, timing, Ageing(sim, BellDiagonal.werner(1.0), eager=True),
                          shots=2, comm_qubits={q.name: q.comm for q in timing.program.qpus})
    execution.start()
    sim.run()
    execution.check_finished()
    assert execution.expired > 0
    for trace in execution.traces:
        for use in trace.ebits:
            assert use.used_ps - use.ready_ps <= limit


def test_an_aborted_job_stops_and_gives_everything_back():
    timing = _timing(GHZ6, 6, _target(3, 2, 2))
    sim = Simulator(seed=1)
    execution = Execution(sim, timing, InstantSupplier(sim), shots=50,
                          comm_qubits={q.name: q.comm for q in timing.program.qpus})
    execution.start()
    sim.run(until=50_000_000)
    done = len(execution.traces)
    execution.abort("out of time")
    sim.run()
    assert len(execution.traces) == done < 50
    with pytest.raises(ExecutionError, match="out of time"):
        execution.check_finished()


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


def test_many_random_programs_on_two_communication_qubits_all_finish():
    # The review's case: with whole-pair release, 5 of these 20 stalled (a finished end
    # counted as busy until the far end's copy closed). Freed end by end, none does.
    import random

    rng = random.Random(0)
    for _ in range(20):
        gates = "".join(f"cx q[{a}],q[{b}];" for a, b in (rng.sample(range(8), 2)
                                                          for _ in range(60)))
        timing = _timing("h q[0];" + gates + "measure q -> c;", 8, _target(4, 2, 2))
        execution = _run(timing, shots=2)
        assert len(execution.traces) == 2
