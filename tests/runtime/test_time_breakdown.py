"""Where a shot's makespan went: compute, ebit wait, classical latency, other."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from tests.runtime.test_executor import GHZ6, LATENCY_S, _run, _target, _timing

from qdcnet.runtime.trace import ShotTrace, time_breakdown


def _parts(b) -> int:
    return b.compute_ps + b.ebit_wait_ps + b.classical_ps + b.other_ps


def test_with_instant_ebits_the_path_is_compute_plus_feed_forward_latency():
    timing = _timing(GHZ6, 6, _target(3, 2, 2))
    (trace,) = _run(timing, comm=len(timing.ebits)).traces
    b = time_breakdown(timing, trace)
    assert b.makespan_ps == trace.makespan_ps == timing.critical_path_ps()
    assert b.ebit_wait_ps == 0
    assert b.other_ps == 0
    assert _parts(b) == b.makespan_ps
    # The chain of remote CNOTs sends measurement results along the path.
    latency_ps = round(LATENCY_S * 1e12)
    assert b.classical_ps > 0
    assert b.classical_ps % latency_ps == 0


def test_a_late_ebit_shows_as_ebit_wait_of_exactly_its_delay():
    timing = _timing(GHZ6, 6, _target(3, 2, 2))
    (trace,) = _run(timing, comm=len(timing.ebits)).traces
    base = time_breakdown(timing, trace)
    # Delay the first ebit's arrival, and everything its first touch releases, by 1 us.
    delay = 1_000_000
    first = timing.ebits[0]
    touched = set(first.first)
    later: set[int] = set()
    # Every instruction that (transitively) depends on a first touch starts later too.
    for i in range(timing.num_instructions):
        deps = set(timing.slot_deps[i]) | {j for j, _ in timing.bit_deps[i]}
        for e in timing.ebit_first.get(i, ()):
            deps |= {j for j, _ in timing.ebits[e].need_deps}
        if i in touched or deps & (touched | later):
            later.add(i)
    starts = [s + delay if i in later else s for i, s in enumerate(trace.instr_start_ps)]
    uses = tuple(dataclasses.replace(u, ready_ps=u.ready_ps + delay, used_ps=u.used_ps + delay)
                 if u.ebit == first.index else u for u in trace.ebits)
    delayed = ShotTrace(0, trace.start_ps, trace.end_ps + delay, tuple(starts), uses)
    b = time_breakdown(timing, delayed)
    assert _parts(b) == b.makespan_ps == base.makespan_ps + delay
    assert b.ebit_wait_ps == delay
    assert (b.compute_ps, b.classical_ps) == (base.compute_ps, base.classical_ps)


def test_a_start_held_by_something_else_is_other_not_ebit_wait():
    timing = _timing(GHZ6, 6, _target(3, 2, 2))
    (trace,) = _run(timing, comm=len(timing.ebits)).traces
    # Shift the whole shot's instructions after the first by 5 us, no ebit late.
    shift = 5_000_000
    starts = [s if i == 0 else s + shift for i, s in enumerate(trace.instr_start_ps)]
    uses = tuple(dataclasses.replace(u, ready_ps=u.ready_ps - 1) for u in trace.ebits)
    held = ShotTrace(0, trace.start_ps, trace.end_ps + shift, tuple(starts), uses)
    b = time_breakdown(timing, held)
    assert _parts(b) == b.makespan_ps
    assert b.ebit_wait_ps == 0
    assert b.other_ps >= shift - timing.duration_ps[0]


@pytest.mark.parametrize("shots", [1, 4])
def test_parts_sum_to_every_shots_makespan_on_a_real_network(shots):
    from qdcnet.config.scenario import build_datacenter
    from qdcnet.network.topology import star
    from qdcnet.runtime import execute

    dc = build_datacenter(star(2, profile="trapped_ion_oxford",
                               overrides={"qubits.data": 2}), seed=3)
    result = execute('OPENQASM 2.0; include "qelib1.inc"; qreg q[4]; creg c[4]; h q[0]; '
                     "cx q[0],q[1]; cx q[1],q[2]; cx q[2],q[3]; measure q -> c;", dc,
                     shots=shots, policy="jit", engine=None)
    for trace in result.traces:
        b = time_breakdown(result.timing, trace)
        assert _parts(b) == b.makespan_ps == trace.makespan_ps
        assert min(b.compute_ps, b.ebit_wait_ps, b.classical_ps, b.other_ps) >= 0
    first = time_breakdown(result.timing, result.traces[0])
    assert first.other_ps == 0
    assert sum(first.fractions().values()) == pytest.approx(1.0)


def test_shots_on_ion_links_mostly_wait_for_ebits():
    """Ion links give tens of pairs per second: a shot waits for its ebits far longer than
    it computes, on average (one shot in five or so draws its pairs quickly)."""
    from qdcnet.config.scenario import build_datacenter
    from qdcnet.network.topology import star
    from qdcnet.runtime import execute

    dc = build_datacenter(star(2, profile="trapped_ion_oxford",
                               overrides={"qubits.data": 2}), seed=3)
    result = execute('OPENQASM 2.0; include "qelib1.inc"; qreg q[4]; creg c[4]; h q[0]; '
                     "cx q[0],q[1]; cx q[1],q[2]; cx q[2],q[3]; measure q -> c;", dc,
                     shots=100, policy="jit", engine=None)
    parts = [time_breakdown(result.timing, trace) for trace in result.traces]
    waits = np.array([b.ebit_wait_ps for b in parts], dtype=float)
    compute = np.array([b.compute_ps for b in parts], dtype=float)
    standard_error = waits.std(ddof=1) / np.sqrt(len(waits))
    assert waits.mean() - 5 * standard_error > compute.mean()


def test_an_empty_trace_is_all_zero():
    timing = _timing(GHZ6, 6, _target(3, 2, 2))
    empty = ShotTrace(0, 5, 5, (5,) * timing.num_instructions, ())
    assert time_breakdown(timing, empty).to_dict()["makespan_ps"] == 0
