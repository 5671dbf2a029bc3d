"""Strategies as the path service executes them: swap order, pairing, cutoffs, nesting.

Exact checks use identical link pairs (no dark counts) and ideal memories,
where every delivered pair must equal the Bell-diagonal (and density-matrix)
composition; statistical ones use fixed seeds and 5 standard errors.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from tests.network.test_validation import chain, serve

from qdcnet.config.scenario import build_datacenter
from qdcnet.errors import ParameterError
from qdcnet.network.distillation import DistillationPlan
from qdcnet.network.strategies import Strategy, span_heights, span_tree
from qdcnet.quantum import dejmps, swap
from qdcnet.quantum.protocols import dejmps_density_matrix, swap_density_matrix
from qdcnet.units import PS_PER_S

Z = 5.0

#: Gates and measurements with errors, everything else ideal (no waiting noise).
NOISY_OPS = {"gates.two_qubit.fidelity": 0.99, "measurement.fidelity": 0.995}

#: The Oxford-type chain of the planner benchmark: telecom photons, 1 km
#: links, 20 ms communication coherence, 50 communication qubits per node.
def oxford_chain(num_nodes: int, **overrides):
    from qdcnet.network.topology import linear_chain

    return linear_chain(num_nodes, profile="trapped_ion_oxford", spacing_m=1000.0,
                        communication_qubits=50,
                        overrides={"communication.wavelength": "1550 nm",
                                   "communication.t2": "20 ms", "qubits.storage": 4} | overrides)


def wide(document, communication_qubits=4):
    """``document`` with two streams per segment (nesting holds two pairs of a span)."""
    for qpu in document["qpus"]:
        qpu["communication_qubits"] = communication_qubits
    return document


def path_of(num_nodes: int) -> tuple[str, ...]:
    return tuple(f"qpu{i}" for i in range(num_nodes))


# -- the strategy itself -------------------------------------------------------------------


@pytest.mark.parametrize("segments", range(1, 9))
def test_the_doubling_tree_splits_every_span_once_at_every_relay(segments):
    tree = span_tree(segments)
    assert sorted(tree.values()) == list(range(1, segments))  # each relay is one span's middle
    for (i, j), mid in tree.items():
        assert i < mid < j
        for half in ((i, mid), (mid, j)):
            assert half in tree or half[1] - half[0] == 1
    heights = span_heights(segments)
    assert heights[(0, segments)] == math.ceil(math.log2(segments))


@pytest.mark.parametrize(("fields", "name"), [
    ({"swap_order": "random"}, "swap_order"),
    ({"pairing": "youngest"}, "pairing"),
    ({"cutoff_s": 0.0}, "cutoff_s"),
    ({"cutoff_s": float("nan")}, "cutoff_s"),
    ({"nesting": (1,)}, "nesting"),  # nesting needs the doubling tree
    ({"swap_order": "doubling", "nesting": (7,)}, "nesting"),
    ({"nesting_mode": "sideways", "swap_order": "doubling"}, "nesting_mode"),
])
def test_a_strategy_that_cannot_be_run_is_refused_naming_the_field(fields, name):
    with pytest.raises(ParameterError, match=name):
        Strategy(**fields)


def test_nesting_deeper_than_the_path_is_refused_before_anything_runs():
    strategy = Strategy(swap_order="doubling", nesting=(1, 1, 1))
    strategy.check_path(4)  # heights 0, 1, 2
    with pytest.raises(ParameterError, match="at most 2 levels"):
        strategy.check_path(2)
    assert Strategy(swap_order="doubling", nesting=(1, 0, 0)).nesting == (1,)
    with pytest.raises(ParameterError, match="strategy"):
        Strategy.from_dict({"swap_order": "asap", "cut": 1})
    assert Strategy.from_dict(Strategy(swap_order="doubling", nesting=(0, 2),
                                       cutoff_s=0.01).to_dict()) == Strategy(
        swap_order="doubling", nesting=(0, 2), cutoff_s=0.01)


# -- swap order -------------------------------------------------------------------------------


@pytest.mark.parametrize("order", ["asap", "sequential", "doubling"])
def test_without_waiting_noise_every_swap_order_gives_the_same_pairs(order):
    # In the Bell-diagonal algebra alone the order cannot matter: four identical
    # segments swapped in any order give one state.
    dc = build_datacenter(chain(5, overrides=NOISY_OPS, dark=False), seed=11)
    path = path_of(5)
    segment = dc.fabric.model("qpu0", "qpu1", 1).delivered_state
    ops = dc.ops["qpu1"]

    def swapped(a, b):
        return swap(a, b, gate_error=ops.gate_error, measurement_error=ops.measurement_error)

    expected = swapped(swapped(swapped(segment, segment), segment), segment)
    service = serve(dc, path, 2.0, strategy=Strategy(swap_order=order))
    assert service.stats.delivered > 50
    assert np.allclose(service.stats.fidelities, expected.fidelity, atol=1e-12)


def test_with_decoherence_the_swap_order_changes_the_pairs_and_the_plan():
    # Relays that wait for the source side (sequential) hold their halves longer
    # than relays that swap whatever they hold (asap): with 20 ms memories the
    # pairs are worse, and a plan would choose differently.
    dc = build_datacenter(oxford_chain(5), seed=12)
    path = path_of(5)
    figures = {}
    for order in ("asap", "sequential", "doubling"):
        service = serve(dc, path, 0.4, strategy=Strategy(swap_order=order))
        stats = service.stats
        figures[order] = (stats.mean_fidelity, stats.fidelity_standard_error, stats.delivered)
        dc = build_datacenter(oxford_chain(5), seed=12)
    (f_asap, se_asap, _), (f_seq, se_seq, _), (f_dbl, se_dbl, _) = (
        figures["asap"], figures["sequential"], figures["doubling"])
    assert f_asap - f_seq > Z * math.hypot(se_asap, se_seq)
    assert f_asap - f_dbl > Z * math.hypot(se_asap, se_dbl)
    rehearsed = {order: dc.rehearse(path, Strategy(swap_order=order), pairs=200)
                 for order in ("asap", "sequential")}
    assert rehearsed["asap"].fidelity > rehearsed["sequential"].fidelity


# -- pairing --------------------------------------------------------------------------------


def test_freshest_and_fidelity_aware_pairing_beat_oldest_first_with_many_streams():
    figures = {}
    for pairing in ("oldest", "freshest", "fidelity"):
        dc = build_datacenter(oxford_chain(4), seed=13)
        stats = serve(dc, path_of(4), 1.0, strategy=Strategy(pairing=pairing)).stats
        figures[pairing] = (stats.mean_fidelity, stats.fidelity_standard_error)
    oldest = figures["oldest"]
    for better in ("freshest", "fidelity"):
        f, se = figures[better]
        assert f - oldest[0] > Z * math.hypot(se, oldest[1]), better


# -- cutoffs --------------------------------------------------------------------------------


def test_a_cutoff_discards_old_pairs_and_no_delivered_pair_is_older():
    cutoff = 1e-3
    dc = build_datacenter(oxford_chain(4), seed=14)
    path = path_of(4)
    ages = []

    def take(pair):
        ages.append(pair)
        pair.consume(dc.sim.now)
        service.release(pair)

    from qdcnet.network import PathService
    service = PathService(dc, "cut", path, strategy=Strategy(cutoff_s=cutoff), on_pair=take)
    service.start()
    from qdcnet.units import s_to_ps
    dc.sim.run(until=s_to_ps(0.3))
    stats = service.stats
    assert stats.cutoffs > 100
    assert stats.delivered > 100
    # Every delivered pair's links were swapped before the cutoff: its decay is at
    # most that of links aged exactly the cutoff (plus the delivery's classical wait).
    uncut = serve(build_datacenter(oxford_chain(4), seed=14), path, 0.3).stats
    assert stats.mean_fidelity - uncut.mean_fidelity > Z * math.hypot(
        stats.fidelity_standard_error, uncut.fidelity_standard_error)
    assert service.rate_hz() < uncut.delivered / 0.3


# -- nested purification -------------------------------------------------------------------


def test_one_nesting_level_is_the_density_matrix_twin():
    # Each segment's pairs purified once (DEJMPS, the nodes' gate and measurement
    # errors) before the relay swaps them; with identical link pairs and no
    # waiting noise every delivered pair is the exact composition.
    dc = build_datacenter(wide(chain(3, overrides=NOISY_OPS, dark=False)), seed=15)
    path = path_of(3)
    segment = dc.fabric.model("qpu0", "qpu1", 1).delivered_state
    ops = dc.ops["qpu1"]
    success, purified = dejmps_density_matrix(segment, segment, ops.gate_error,
                                              ops.measurement_error)
    expected = swap_density_matrix(purified, purified, ops.gate_error,
                                   ops.measurement_error).to_bell_diagonal()
    # The Bell-diagonal path the service takes agrees with the twin.
    p_fast, _fast = dejmps(segment, segment, gate_error=ops.gate_error,
                          measurement_error=ops.measurement_error)
    assert p_fast == pytest.approx(success, abs=1e-12)
    service = serve(dc, path, 3.0, strategy=Strategy(swap_order="doubling", nesting=(1,)))
    stats = service.stats
    assert stats.delivered > 100
    assert np.allclose(stats.fidelities, expected.fidelity, atol=1e-9)
    failures = stats.distillation_failures / stats.distillations
    assert abs(failures - (1 - success)) < Z * math.sqrt(success * (1 - success)
                                                          / stats.distillations)
    # Each delivered pair consumed two pairs of each segment (when both rounds succeeded).
    assert stats.raw_pairs >= 4 * stats.delivered


def test_nesting_that_could_lock_up_on_too_few_streams_is_refused_before_it_runs():
    from qdcnet.errors import QdcnetError
    from qdcnet.network import PathService

    dc = build_datacenter(chain(3, dark=False), seed=15)  # one stream per segment
    with pytest.raises(QdcnetError, match="holds up to 2 pairs of a segment at once"):
        PathService(dc, "n", path_of(3), strategy=Strategy(swap_order="doubling",
                                                           nesting=(1,)))


def test_nesting_in_place_at_the_top_equals_end_to_end_distillation_without_storage_noise():
    # Purifying the end-to-end span in the communication qubits (nesting at the
    # top level) and distilling after the move to storage are the same round
    # when the move is perfect and memories do not decay.
    path = path_of(3)
    nested = serve(build_datacenter(wide(chain(3, dark=False)), seed=16), path, 2.0,
                   strategy=Strategy(swap_order="doubling", nesting=(0, 1))).stats
    stored = serve(build_datacenter(wide(chain(3, dark=False)), seed=16), path, 2.0,
                   distillation=DistillationPlan(1)).stats
    assert nested.delivered > 50
    assert stored.delivered > 50
    assert nested.mean_fidelity == pytest.approx(stored.mean_fidelity, abs=1e-12)


# -- rehearsals -----------------------------------------------------------------------------


def test_a_rehearsal_of_the_default_strategy_agrees_with_the_analytic_estimate():
    dc = build_datacenter(oxford_chain(4), seed=17)
    path = path_of(4)
    analytic = dc.estimate(path)
    rehearsed = dc.rehearse(path, Strategy(), pairs=400)
    assert rehearsed.method == "rehearsal"
    assert rehearsed.samples == 400
    assert abs(rehearsed.rate_hz - analytic.rate_hz) < max(Z * rehearsed.rate_se_hz,
                                                           0.10 * analytic.rate_hz)
    assert abs(rehearsed.fidelity - analytic.fidelity) < Z * rehearsed.fidelity_se + 0.005
    # A rehearsal is a function of the data center: again, the same figures.
    again = build_datacenter(oxford_chain(4), seed=99).rehearse(path, Strategy(), pairs=400)
    assert (again.rate_hz, again.fidelity) == (rehearsed.rate_hz, rehearsed.fidelity)


def test_recurrence_with_as_many_rounds_as_storage_slots_locks_up():
    # Four rounds keep one pair waiting on each of four levels: with four storage
    # slots the next pair has nowhere to go, for ever. Admission never plans it.
    dc = build_datacenter(oxford_chain(2), seed=18)
    plan = DistillationPlan(4)
    assert plan.storage_slots == 5 > dc.ops["qpu0"].storage_slots
    stats = serve(dc, path_of(2), 0.5, distillation=plan).stats
    assert stats.delivered == 0
    assert stats.raw_pairs > 100
    assert serve(build_datacenter(oxford_chain(2), seed=18), path_of(2), 0.5,
                 distillation=DistillationPlan(3)).stats.delivered > 10
    delivered_s = np.asarray(stats.delivery_ps, dtype=float) / PS_PER_S
    assert delivered_s.size == 0


def test_a_scenario_request_pins_a_strategy_and_a_bad_one_names_the_field(tmp_path):
    import yaml

    from qdcnet.config.scenario import ScenarioError, load_scenario

    document = oxford_chain(4)
    document["workload"] = {"requests": [{
        "name": "r", "src": "qpu0", "dst": "qpu3", "pairs": 5, "min_fidelity": 0.8,
        "strategy": {"swap_order": "doubling", "pairing": "freshest", "cutoff": "2 ms",
                     "nesting": [0, 1]}}]}
    path = tmp_path / "chain.yaml"
    path.write_text(yaml.safe_dump(document))
    scenario, _ = load_scenario(path)
    request = scenario.workload.requests[0].request()
    assert request.strategy == Strategy(swap_order="doubling", pairing="freshest",
                                        cutoff_s=0.002, nesting=(0, 1))
    document["workload"]["requests"][0]["strategy"] = {"swap_order": "asap", "nesting": [1]}
    path.write_text(yaml.safe_dump(document))
    with pytest.raises(ScenarioError, match="nesting"):
        load_scenario(path)
