"""Pair supply against demand, the pair buffer, and the decoder's pace."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qdcnet.qec.decoder import backlog, time_decoder
from qdcnet.qec.supply import buffer_study, platform_datacenter, supply_rows
from qdcnet.quantum import BellDiagonal


def test_the_gap_is_demand_over_supply():
    dc = platform_datacenter("trapped_ion_oxford")
    rows = supply_rows(dc, [("trapped_ion_oxford_a", "trapped_ion_oxford_b")], distance=5,
                       distillation_rounds=(0, 1))
    plain, distilled = rows
    profile = dc.profiles["trapped_ion_oxford_a"]
    assert plain.pairs_per_round == 9
    assert plain.needed_hz == pytest.approx(9 / profile.qec_cycle_time_s)
    assert plain.gap == pytest.approx(plain.needed_hz / plain.supplied_hz)
    assert plain.parallel_links == math.ceil(plain.gap)
    assert distilled.supplied_hz < plain.supplied_hz
    assert plain.bulk_error == pytest.approx(1 - profile.two_qubit_gate.fidelity)


def test_without_a_buffer_every_round_waits_for_its_pairs():
    rate, n = 1000.0, 5
    points = buffer_study(rate_hz=rate, cycle_s=10e-3, pairs_per_round=n, depths=[0, 40],
                          data_t1_s=1.0, data_t2_s=0.5, pair_state=BellDiagonal.werner(0.99),
                          store_t1_s=10.0, store_t2_s=1.0, rounds=4000, seed=3)
    empty, deep = points
    assert empty.starved_rounds == 1.0
    # With nothing stored, the wait is a sum of n exponential gaps: mean n / rate.
    se = math.sqrt(n) / rate / math.sqrt(4000)
    assert abs(empty.mean_wait_s - n / rate) < 5 * se
    # Ten pairs made per cycle on average, five used, room for 40: rarely starved.
    assert deep.starved_rounds < 0.3
    assert deep.mean_wait_s < empty.mean_wait_s
    assert deep.idle_error < empty.idle_error
    assert deep.seam_infidelity >= 0.01 - 1e-12


def test_backlog_grows_only_when_decoding_is_slower_than_the_cycle():
    assert backlog(1e-6, 2e-6)["keeps_up"] == 1.0
    slow = backlog(3e-6, 1e-6, run_s=0.5)
    assert slow["ratio"] == pytest.approx(3.0)
    assert slow["rounds_behind"] == pytest.approx(2 * 0.5 / 1e-6)


def test_decoder_timing_reports_positive_figures():
    timing = time_decoder(3, shots=200)
    assert timing.latency_per_round_s > 0
    assert timing.throughput_per_round_s > 0
    assert np.isfinite(timing.latency_per_round_s)


def test_the_orchestrator_delivers_what_the_estimate_promises():
    from qdcnet.qec.supply import simulate_supply

    dc = platform_datacenter("neutral_atom")
    pair = ("neutral_atom_a", "neutral_atom_b")
    (row,) = supply_rows(dc, [pair], distance=3, distillation_rounds=(1,))
    sim = simulate_supply(dc.layout, pair, distillation_rounds=1, pairs=600, seed=4)
    assert sim.delivered == 600
    assert abs(sim.rate_hz - row.supplied_hz) < 5 * sim.rate_se_hz
    assert abs(sim.fidelity - row.fidelity) < 5 * sim.fidelity_se + 0.005
    refused = simulate_supply(platform_datacenter("trapped_ion_oxford").layout,
                              ("trapped_ion_oxford_a", "trapped_ion_oxford_b"),
                              distillation_rounds=1, pairs=10)
    assert refused.delivered == 0
    assert "storage slots" in refused.refused
