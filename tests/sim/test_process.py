"""Generator processes on top of the callback kernel."""

from __future__ import annotations

import pytest

from qdcnet.errors import QdcnetError, SimulationError
from qdcnet.sim import Interrupt, Simulator


def test_timeout_signal_and_return_value():
    sim = Simulator(seed=0)
    herald = sim.signal("herald")
    log = []

    def node():
        log.append(("start", sim.now))
        pair = yield herald
        log.append(("pair", pair, sim.now))
        yield sim.timeout(500)
        return f"done at {sim.now}"

    proc = sim.process(node(), name="qpu0")
    sim.schedule(1_000, herald.fire, "p7")
    sim.run()
    assert log == [("start", 0), ("pair", "p7", 1_000)]
    assert proc.triggered
    assert proc.value == "done at 1500"
    assert not proc.is_alive


def test_waiting_on_another_process_and_on_fired_signal():
    sim = Simulator(seed=0)

    def child():
        yield sim.timeout(10)
        return 42

    def parent():
        result = yield sim.process(child())
        ready = sim.signal()
        ready.fire("now")
        again = yield ready  # already fired: resumes at once
        return result, again, sim.now

    proc = sim.process(parent())
    sim.run()
    assert proc.value == (42, "now", 10)


def test_many_waiters_wake_in_order():
    sim = Simulator(seed=0)
    go = sim.signal("go")
    order = []

    def waiter(i):
        yield go
        order.append(i)

    for i in range(5):
        sim.process(waiter(i))
    sim.schedule(3, go.fire)
    sim.run()
    assert order == [0, 1, 2, 3, 4]


def test_any_of_with_timeout_race():
    sim = Simulator(seed=0)
    reply = sim.signal("reply")
    results = []

    def client(deadline):
        winner, value = yield sim.any_of(reply, sim.timeout(deadline, "late"))
        results.append((winner is reply, value, sim.now))

    sim.process(client(100))
    sim.process(client(5))
    sim.schedule(50, reply.fire, "ok")
    sim.run()
    assert results == [(False, "late", 5), (True, "ok", 50)]
    # The losing timeout of the first client was disarmed: nothing ran at t=100.
    assert sim.now == 50


def test_interrupt_abandons_the_wait():
    sim = Simulator(seed=0)
    log = []

    def holder():
        try:
            yield sim.timeout(1_000)
            log.append("expired")
        except Interrupt as interrupt:
            log.append(("interrupted", interrupt.cause, sim.now))
            yield sim.timeout(1)
        return "released"

    proc = sim.process(holder())
    sim.schedule(300, proc.interrupt, "cutoff")
    sim.run()
    assert log == [("interrupted", "cutoff", 300)]
    assert proc.value == "released"
    assert sim.now == 301
    with pytest.raises(QdcnetError, match="finished"):
        proc.interrupt()


def test_interrupt_while_waiting_on_a_signal():
    sim = Simulator(seed=0)
    never = sim.signal("never")

    def waiter():
        try:
            yield never
        except Interrupt:
            return "gave up"

    proc = sim.process(waiter())
    sim.schedule(7, proc.interrupt)
    sim.run()
    assert proc.value == "gave up"
    never.fire()  # nobody waits any more
    sim.run()


def test_exception_in_process_names_it_and_the_time():
    sim = Simulator(seed=0)

    def faulty():
        yield sim.timeout(2_000)
        raise ValueError("bad pair")

    sim.process(faulty(), name="swapper@qpu1")
    with pytest.raises(SimulationError, match=r"t = 2 ns .*swapper@qpu1.*bad pair"):
        sim.run()


def test_yielding_something_else_is_an_error():
    sim = Simulator(seed=0)

    def wrong():
        yield 5

    sim.process(wrong(), name="wrong")
    with pytest.raises(SimulationError, match="yielded 5"):
        sim.run()
    with pytest.raises(QdcnetError, match="needs a generator"):
        sim.process(lambda: None)  # type: ignore[arg-type]


def test_signal_fires_once():
    sim = Simulator(seed=0)
    s = sim.signal("once")
    s.fire(1)
    with pytest.raises(QdcnetError, match="fired twice"):
        s.fire(2)
    assert "fired 1" in repr(s)
