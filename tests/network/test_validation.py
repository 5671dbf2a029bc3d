"""Network validation: chains, waiting times, distillation, teleportation, remote gates,
and the analytic path estimates the event simulation confirms.

Statistical checks use fixed seeds and 5 standard errors of the simulated
estimate (plus the sampling error of the analytic estimate where it has one).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from qdcnet.config.scenario import build_datacenter
from qdcnet.network import PathService, waiting_time_closed_form
from qdcnet.network.distillation import DistillationPlan
from qdcnet.network.protocols import (
    remote_cnot_channel,
    run_remote_cnot,
    run_teleportation,
)
from qdcnet.network.topology import leaf_spine, linear_chain
from qdcnet.quantum import dejmps, swap
from qdcnet.units import PS_PER_S, s_to_ps

Z = 5.0

#: Ideal local operations and memories, so the chain is pure swapping.
IDEAL = {
    "communication.t1": "inf", "communication.t2": "inf", "memory.t1": "inf",
    "memory.t2": "inf", "gates.two_qubit.fidelity": 1.0, "measurement.fidelity": 1.0,
    "gates.two_qubit.duration": "1 ps", "gates.one_qubit.duration": "1 ps",
    "measurement.duration": "1 ps", "communication.transfer_fidelity": 1.0,
    "communication.transfer_time": "0 s", "qubits.storage": 4,
}


def chain(num_qpus, overrides=None, spacing_m=2.0, profile="trapped_ion_oxford", dark=True):
    document = linear_chain(num_qpus, profile=profile, spacing_m=spacing_m,
                            overrides=IDEAL | (overrides or {}))
    if not dark:
        # Detectors without dark counts: no false heralds, every pair alike.
        document["bsm_stations"] = [dict(s, detector={"efficiency": 0.65})
                                    for s in document["bsm_stations"]]
    return document


def serve(dc, path, duration_s, **kwargs):
    service = PathService(dc, "req", path, **kwargs)
    service.start()
    dc.sim.run(until=s_to_ps(duration_s))
    return service


def test_chain_fidelity_is_the_general_bell_diagonal_swap():
    # Non-Werner segments (imperfect visibility dephases them): the chain's
    # pairs must be the general Bell-diagonal swap of the segment states.
    document = chain(4, overrides={"communication.indistinguishability": 0.9}, dark=False)
    dc = build_datacenter(document, seed=1)
    path = ("qpu0", "qpu1", "qpu2", "qpu3")
    states = [dc.fabric.model(a, b, 1).delivered_state for a, b in itertools.pairwise(path)]
    assert not states[0].isclose(states[0].twirl(), atol=1e-3)
    expected = swap(swap(states[0], states[1]), states[2])
    service = serve(dc, path, 2.0)
    assert len(service.stats.fidelities) > 100
    assert np.allclose(service.stats.fidelities, expected.fidelity, atol=1e-12)
    assert dc.estimate(path).fidelity == pytest.approx(expected.fidelity, abs=1e-12)


def test_chain_of_werner_segments_follows_the_werner_formula():
    # Two-click segments with perfect visibility give Werner pairs (swap of two
    # Werner spin-photon states); without dark counts every pair is identical.
    dc = build_datacenter(chain(3, dark=False), seed=2)
    segment = dc.fabric.model("qpu0", "qpu1", 1).delivered_state
    assert segment.isclose(segment.twirl(), atol=1e-12)
    f1 = segment.fidelity
    service = serve(dc, ("qpu0", "qpu1", "qpu2"), 1.0)
    werner = f1 * f1 + (1 - f1) * (1 - f1) / 3
    assert np.allclose(service.stats.fidelities, werner, atol=1e-12)


@pytest.mark.parametrize("segments", [2, 4])
def test_mean_waiting_time_matches_the_closed_form(segments):
    # Perfect memories, deterministic instant swaps, no classical delay: every
    # delivery cycle lasts max over segments of their attempts, times the period.
    document = chain(segments + 1, spacing_m=1e-6)
    document["classical"] = {"velocity": "2e8 m/s"}
    for qpu in document["qpus"]:
        qpu["overrides"] = qpu["overrides"] | {"communication.burst": "1 s",
                                               "communication.pause": "0 s"}
    dc = build_datacenter(document, seed=3)
    path = tuple(f"qpu{i}" for i in range(segments + 1))
    model = dc.fabric.model("qpu0", "qpu1", 1)
    p, period = model.success_probability, model.attempt_period_s
    expected = waiting_time_closed_form(segments, p) * period
    service = serve(dc, path, 6000 * expected)
    gaps = np.diff(np.array(service.stats.delivery_ps, dtype=float) / PS_PER_S)
    assert len(gaps) > 3000
    assert abs(gaps.mean() - expected) < Z * gaps.std(ddof=1) / math.sqrt(len(gaps))
    # The analytic path estimate (sampled) agrees with the closed form too.
    estimate = dc.estimate(path, samples=200_000)
    assert 1 / estimate.rate_hz == pytest.approx(expected, rel=0.01)


def test_distillation_over_the_network_matches_dejmps_for_a_non_werner_input():
    document = chain(2, dark=False)
    document["links"] = {"scheme": "single_click", "alpha": 0.1}
    for qpu in document["qpus"]:
        qpu["profile"] = "color_center_nv"
        qpu["overrides"] = IDEAL | {"communication.indistinguishability": 0.95}
        qpu["convert"] = False
    dc = build_datacenter(document, seed=4)
    raw = dc.fabric.model("qpu0", "qpu1", 2).delivered_state
    assert not raw.isclose(raw.twirl(), atol=1e-3)  # single click: not Werner
    success, out = dejmps(raw, raw)
    plan = DistillationPlan(rounds=1, protocol="dejmps")
    service = serve(dc, ("qpu0", "qpu1"), 30.0, distillation=plan)
    stats = service.stats
    assert stats.delivered > 100
    assert np.allclose(stats.fidelities, out.fidelity, atol=1e-12)
    failures = stats.distillation_failures / stats.distillations
    assert abs(failures - (1 - success)) < Z * math.sqrt(success * (1 - success)
                                                          / stats.distillations)


def test_teleportation_over_the_network():
    dc = build_datacenter(chain(2, spacing_m=2000.0, profile="trapped_ion"), seed=5)
    received = []

    def done(record):
        received.append(record)
        service.release(pair_of[0])

    pair_of = []

    def teleport_when_delivered(pair):
        pair_of.append(pair)
        received.append(("fidelity at use", pair.fidelity_at(dc.sim.now), None))
        run_teleportation(dc.sim, dc.classical, pair, dc.ops["qpu0"], dc.ops["qpu1"], done)

    service = PathService(dc, "t", ("qpu0", "qpu1"), pairs=1, on_pair=teleport_when_delivered)
    service.start()
    dc.sim.run()
    (_, fidelity, _), record = received
    channel = record.channel
    # Ideal memories and gates: the channel is the pair's, F_tel = (2F + 1)/3.
    assert (2 * channel.probabilities["I"] + 1) / 3 == pytest.approx((2 * fidelity + 1) / 3)
    latency = dc.classical.latency_s("qpu0", "qpu1")
    assert record.duration_s == pytest.approx(latency + dc.ops["qpu0"].bell_measurement_time_s
                                              + dc.ops["qpu1"].one_qubit_time_s, rel=1e-6)
    assert record.messages[0][:2] == ("qpu0", "qpu1")


def test_remote_cnot_over_the_network_uses_the_measured_waits():
    document = chain(2, spacing_m=20_000.0, profile="trapped_ion",
                     overrides={"communication.t2": "50 ms", "communication.t1": "1 s",
                                "memory.t2": "20 ms", "gates.two_qubit.fidelity": 0.999,
                                "measurement.fidelity": 0.998})
    dc = build_datacenter(document, seed=6)
    records = []
    states = []

    def remote_cnot_when_delivered(pair):
        states.append(pair.state_at(dc.sim.now).to_bell_diagonal())
        run_remote_cnot(dc.sim, dc.classical, pair, dc.ops["qpu0"], dc.ops["qpu1"],
                        records.append)
        service.release(pair)  # the gate consumed the pair when it began

    service = PathService(dc, "g", ("qpu0", "qpu1"), pairs=1,
                          on_pair=remote_cnot_when_delivered)
    service.start()
    dc.sim.run()
    record = records[0]
    control, target = dc.ops["qpu0"], dc.ops["qpu1"]
    latency = dc.classical.latency_s("qpu0", "qpu1")
    first = control.two_qubit_time_s + control.measurement_time_s
    cnot_at = first + latency + target.one_qubit_time_s
    done = cnot_at + target.two_qubit_time_s + target.one_qubit_time_s + target.measurement_time_s
    end = done + latency + control.one_qubit_time_s
    assert record.duration_s == pytest.approx(end, rel=1e-6)
    memory = dc.profiles["qpu1"].communication.memory
    used = states[0].decohere(cnot_at, t1_s=memory.t1_s, t2_s=memory.t2_s)
    expected = remote_cnot_channel(used, control, target, target_wait_before_s=cnot_at,
                                   control_wait_after_s=end, target_wait_after_s=end - done)
    for key, value in expected.probabilities.items():
        assert record.channel.probabilities[key] == pytest.approx(value, abs=1e-9)
    assert record.channel.error_probability > 1 - states[0].fidelity


SCENARIOS = {
    "3-segment chain, lossy memories": (
        chain(4, overrides={"communication.t2": "20 ms", "communication.t1": "inf",
                            "gates.two_qubit.fidelity": 0.99, "measurement.fidelity": 0.995},
              spacing_m=500.0),
        ("qpu0", "qpu1", "qpu2", "qpu3"), None),
    "chain with 2 DEJMPS rounds": (
        chain(3, overrides={"communication.t2": "200 ms", "memory.t2": "1 s",
                            "gates.two_qubit.fidelity": 0.995}, spacing_m=100.0),
        ("qpu0", "qpu1", "qpu2"), DistillationPlan(rounds=2)),
    "pumping": (
        chain(2, overrides={"communication.t2": "100 ms", "memory.t2": "500 ms"}),
        ("qpu0", "qpu1"), DistillationPlan(rounds=2, mode="pumping")),
    "cross-rack leaf-spine": (
        leaf_spine(2, 2, profile="trapped_ion_oxford", communication_qubits=2,
                   overrides={"communication.t2": "50 ms"}),
        ("r0q0", "r1q1"), None),
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_path_estimate_is_confirmed_by_the_simulation(name):
    document, path, plan = SCENARIOS[name]
    dc = build_datacenter(document, seed=8)
    estimate = dc.estimate(path, plan)
    duration = 1500 / estimate.rate_hz
    service = serve(dc, path, duration, distillation=plan)
    stats = service.stats
    rate = service.rate_hz()
    rate_se = math.sqrt(stats.delivered) / ((dc.sim.now - stats.granted_ps) / PS_PER_S)
    assert abs(rate - estimate.rate_hz) < max(Z * rate_se, 0.10 * estimate.rate_hz), name
    f_se = stats.fidelity_standard_error
    assert abs(stats.mean_fidelity - estimate.fidelity) < max(Z * f_se, 0.01), name
