"""The callback kernel: ordering, cancellation, limits, errors, streams, tracing."""

from __future__ import annotations

import multiprocessing

import numpy as np
import pytest

from qdcnet.errors import ParameterError, QdcnetError, SimulationError
from qdcnet.sim import Simulator, TraceRecord, stream_seed_sequence


def test_events_run_in_time_priority_insertion_order():
    sim = Simulator(seed=0)
    log = []
    sim.schedule(10, log.append, "t10-p0-first")
    sim.schedule(10, log.append, "t10-p-1", priority=-1)
    sim.schedule(5, log.append, "t5")
    sim.schedule(10, log.append, "t10-p0-second")
    sim.schedule(10, log.append, "t10-p1", priority=1)
    sim.run()
    assert log == ["t5", "t10-p-1", "t10-p0-first", "t10-p0-second", "t10-p1"]
    assert sim.now == 10


def test_schedule_at_and_now_follow_the_clock():
    sim = Simulator(seed=0)
    seen = []

    def record():
        seen.append(sim.now)
        if sim.now < 30:
            sim.schedule_at(sim.now + 10, record)

    sim.schedule_at(0, record)
    sim.run()
    assert seen == [0, 10, 20, 30]


def test_cancel_is_lazy_and_exact():
    sim = Simulator(seed=0)
    log = []
    handles = [sim.schedule(t, log.append, t) for t in range(1, 11)]
    for h in handles[::2]:
        sim.cancel(h)
    sim.run()
    assert log == [2, 4, 6, 8, 10]
    assert sim.num_events == 5
    sim.cancel(handles[1])  # already ran: a no-op
    with pytest.raises(ParameterError, match="handle"):
        sim.cancel(10_000)


def test_cancelling_many_finished_events_does_not_grow_without_bound():
    sim = Simulator(seed=0)
    handles = [sim.schedule(1, lambda: None) for _ in range(1000)]
    sim.run()
    for h in handles:
        sim.cancel(h)
    assert len(sim._cancelled) <= 65


def test_run_until_includes_events_at_until_and_sets_the_clock():
    sim = Simulator(seed=0)
    log = []
    for t in (5, 10, 15):
        sim.schedule(t, log.append, t)
    sim.run(until=10)
    assert log == [5, 10]
    assert sim.now == 10
    sim.run(until=12)
    assert sim.now == 12
    sim.run()
    assert log == [5, 10, 15]
    sim.run(until=100)
    assert sim.now == 100


def test_max_events_and_stop():
    sim = Simulator(seed=0)
    count = [0]

    def tick():
        count[0] += 1
        sim.schedule(1, tick)

    sim.schedule(0, tick)
    sim.run(max_events=7)
    assert count[0] == 7
    assert sim.num_events == 7

    def halt():
        sim.stop()

    sim.schedule(3, halt)  # at t = 9, ahead of the tick scheduled at t = 8 for t = 9
    sim.run()
    # stop() ends the run before anything else at that time: ticks at 7 and 8 ran.
    assert sim.now == 9
    assert count[0] == 7 + 2
    sim.run(max_events=1)
    assert count[0] == 10


def test_callback_exception_names_time_and_callback():
    sim = Simulator(seed=0)

    class Node:
        name = "qpu3"

        def on_herald(self):
            raise KeyError("missing slot")

    sim.schedule(2_500_000, Node().on_herald)
    with pytest.raises(SimulationError) as info:
        sim.run()
    message = str(info.value)
    assert "t = 2.5 us (2500000 ps)" in message
    assert "Node.on_herald of qpu3" in message
    assert "KeyError" in message
    assert isinstance(info.value.original, KeyError)
    assert info.value.time_ps == 2_500_000


def test_exception_in_general_loop_is_wrapped_too():
    sim = Simulator(seed=0, trace=lambda record: None)

    def broken():
        raise RuntimeError("boom")

    sim.schedule(1, broken)
    with pytest.raises(SimulationError, match=r"in callback .*broken: RuntimeError: boom"):
        sim.run()


def test_bad_times_are_refused_before_anything_runs():
    sim = Simulator(seed=0)
    with pytest.raises(ParameterError, match="delay_ps"):
        sim.schedule(-1, print)
    with pytest.raises(ParameterError, match="integer number of picoseconds"):
        sim.schedule(1.5, print)
    sim.schedule(np.int64(3), print)  # numpy integers are fine
    sim.schedule(4.0, print)  # so are integral floats
    sim.run(until=2)
    with pytest.raises(ParameterError, match="time_ps"):
        sim.schedule_at(1, print)
    with pytest.raises(ParameterError, match="until"):
        sim.run(until=1)
    with pytest.raises(ParameterError, match="max_events"):
        sim.run(max_events=-3)
    with pytest.raises(ParameterError, match="seed"):
        Simulator(seed=-1)


def test_run_cannot_be_reentered():
    sim = Simulator(seed=0)
    sim.schedule(1, sim.run)
    with pytest.raises(SimulationError, match="inside a callback"):
        sim.run()


def test_peek_skips_cancelled_events():
    sim = Simulator(seed=0)
    h = sim.schedule(5, print)
    sim.schedule(9, print)
    sim.cancel(h)
    assert sim.peek() == 9
    assert sim.num_events == 0


def _workload(seed: int, trace: list | None = None) -> list[tuple[int, str, float]]:
    sim = Simulator(seed=seed, trace=trace.append if trace is not None else None)
    out: list[tuple[int, str, float]] = []

    def attempt(name: str) -> None:
        rng = sim.rng(f"link/{name}")
        out.append((sim.now, name, float(rng.random())))
        if len(out) < 200:
            sim.schedule(int(rng.integers(1, 50)), attempt, name)

    for name in ("a-b", "b-c", "c-d"):
        sim.schedule(0, attempt, name)
    sim.run()
    return out


def test_same_seed_same_run_event_for_event():
    first_trace: list[TraceRecord] = []
    second_trace: list[TraceRecord] = []
    assert _workload(42, first_trace) == _workload(42, second_trace)
    assert first_trace == second_trace
    assert _workload(42) != _workload(43)


def test_named_streams_do_not_depend_on_creation_order():
    one = Simulator(seed=9)
    one.rng("alpha")
    a_first = one.rng("beta").random(5)
    two = Simulator(seed=9)
    b_first = two.rng("beta").random(5)
    two.rng("alpha")
    assert np.array_equal(a_first, b_first)
    assert not np.array_equal(one.rng("alpha").random(5), one.rng("beta").random(5))
    assert two.rng("alpha") is two.rng("alpha")


def _draw_in_child(args):
    seed, name = args
    return np.random.default_rng(stream_seed_sequence(seed, name)).integers(0, 2**62, 4).tolist()


def test_named_streams_identical_across_processes():
    here = _draw_in_child((123, "link/qpu0-qpu1"))
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        there = pool.map(_draw_in_child, [(123, "link/qpu0-qpu1")])[0]
    assert here == there


def test_seed_is_recorded_when_drawn():
    sim = Simulator()
    assert isinstance(sim.seed, int)
    again = Simulator(seed=sim.seed)
    assert again.rng("x").random() == sim.rng("x").random()


def test_trace_records_are_stable_and_include_emits():
    records: list[TraceRecord] = []
    sim = Simulator(seed=1, trace=records.append)

    class Link:
        name = "qpu0-qpu1"

        def herald(self, attempt):
            sim.emit("herald", self.name, f"attempt={attempt}")

    link = Link()
    sim.schedule(7, link.herald, 3)
    sim.run()
    assert records == [
        TraceRecord(7, "test_trace_records_are_stable_and_include_emits.<locals>.Link.herald",
                    "qpu0-qpu1", "(3)"),
        TraceRecord(7, "herald", "qpu0-qpu1", "attempt=3"),
    ]
    assert sim.tracing
    sim.set_trace(None)
    assert not sim.tracing
    sim.emit("ignored")


def test_num_pending_and_repr():
    sim = Simulator(seed=5)
    sim.schedule(1_000_000, print)
    assert sim.num_pending == 1
    assert "seed=5" in repr(sim)


def test_stop_outside_run_takes_effect_at_next_run():
    sim = Simulator(seed=0)
    log = []
    sim.schedule(1, log.append, 1)
    sim.stop()
    sim.run()
    assert log == []
    sim.run()
    assert log == [1]


def test_simulation_error_is_a_qdcnet_error():
    assert issubclass(SimulationError, QdcnetError)


def test_until_in_the_past_says_what_run_expects():
    # Issue 12: a user of the API (or a CLI that forgot to check its option) got
    # "until = -1000000000000 is out of range: allowed [0, inf) (the current time)".
    sim = Simulator(seed=0)
    sim.run(until=2_500_000)
    with pytest.raises(ParameterError) as info:
        sim.run(until=-10**12)
    message = str(info.value)
    assert message.startswith("until = -1000000000000 is out of range")
    assert "at or after the simulation's current time, 2500000 ps (2.5 us)" in message
    assert "absolute time to stop at, not a duration" in message
    assert "until=sim.now + d" in message
    with pytest.raises(ParameterError, match=r"integer number of picoseconds.*to_ps"):
        sim.run(until=float("inf"))
