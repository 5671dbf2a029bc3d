"""Determinism on a large mixed workload: callbacks, cancellations, processes (marked slow)."""

from __future__ import annotations

import hashlib

import pytest

from qdcnet.sim import Interrupt, Simulator

pytestmark = pytest.mark.slow


def _fingerprint(seed: int) -> tuple[str, int]:
    digest = hashlib.sha256()
    sim = Simulator(seed=seed, trace=lambda r: digest.update(repr(r).encode()))
    pending: list[int] = []

    def link(name: str) -> None:
        rng = sim.rng(f"link/{name}")
        delay = int(rng.integers(1, 10_000))
        pending.append(sim.schedule(delay, link, name, priority=int(rng.integers(-2, 3))))
        if rng.random() < 0.1 and pending:
            sim.cancel(pending[int(rng.integers(len(pending)))])

    def protocol(name: str):
        rng = sim.rng(f"proto/{name}")
        while True:
            try:
                yield sim.timeout(int(rng.integers(1, 50_000)))
            except Interrupt:
                yield sim.timeout(1)

    for i in range(200):
        sim.schedule(0, link, f"l{i}")
    processes = [sim.process(protocol(f"p{i}"), name=f"p{i}") for i in range(50)]

    def interrupter() -> None:
        processes[int(sim.rng("interrupter").integers(50))].interrupt("check")
        sim.schedule(100_000, interrupter)

    sim.schedule(100_000, interrupter)
    sim.run(max_events=300_000)
    return digest.hexdigest(), sim.num_events


def test_same_seed_same_trace_at_scale():
    first = _fingerprint(7)
    assert first == _fingerprint(7)
    assert first[1] == 300_000
    assert first[0] != _fingerprint(8)[0]
