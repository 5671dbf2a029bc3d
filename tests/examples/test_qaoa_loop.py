"""The hybrid-loop experiment (examples/qaoa_loop.py): its quick variant and its building blocks."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import numpy as np
import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "qaoa_loop.py"


def _module():
    spec = importlib.util.spec_from_file_location("qaoa_loop_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_quick_variant(run_example):
    doc = run_example("qaoa_loop")
    assert doc["kind"] == "qaoa_loop"
    assert doc["seed"] == 1
    settings = doc["results"]["settings"]
    rows = {row["label"]: row for row in doc["results"]["rows"]}
    mono, dist = rows["monolithic"], rows["2 QPUs"]
    for row in (mono, dist):
        history = row["history"]
        # the loop stops at the target or at the cap, and only there
        assert 1 <= row["iterations"] == len(history) <= settings["max_iterations"]
        assert row["reached"] == (history[-1]["sampled_ratio"] >= settings["target"])
        assert all(h["sampled_ratio"] < settings["target"] for h in history[:-1])
        # the split adds up to the time to solution (by construction)
        assert math.isclose(row["quantum_s"] + row["network_s"] + row["classical_s"],
                            row["time_to_solution_s"], rel_tol=1e-9)
        # every batch's mean sampled cut lies within 5 standard errors of the model's
        # expectation (the samples are drawn from it: a check of the sampler)
        for h in history:
            se = max(h["sampled_ratio_se"], 1e-9)
            assert abs(h["sampled_ratio"] - h["expected_ratio"]) <= 5 * se
    # one QPU needs no ebits and waits for none; the distributed run does
    assert mono["ebits_per_shot"] == 0
    assert mono["network_s"] == 0
    assert mono["feed_forward_s"] == 0
    assert dist["ebits_per_shot"] > 0
    assert dist["network_s"] > 0
    # the loose regime: the loop's classical round trips are a small share of a batch
    # (a 1 ms round trip against batches of 64 shots of ms each)
    assert dist["loop_classical_s"] < 0.1 * dist["time_to_solution_s"]
    # distributing costs time per iteration and fidelity (ebit waits with the data
    # qubits idle, each ebit's own error): both by wide margins on this profile
    assert dist["time_per_iteration_s"] > 2 * mono["time_per_iteration_s"]
    assert dist["mean_fidelity"] < mono["mean_fidelity"]


@pytest.mark.slow
def test_ideal_state_matches_qiskit():
    from qiskit.quantum_info import Statevector

    module = _module()
    graph = module.regular_graph(8, 3)
    cuts = module.cut_values(graph)
    gammas, betas = [0.37, -0.8], [0.21, 1.1]
    ours = module.qaoa_probabilities(cuts, graph.number_of_edges(), gammas, betas)
    circuit = module.qaoa_circuit(graph, gammas, betas).remove_final_measurements(inplace=False)
    theirs = Statevector(circuit).probabilities()
    np.testing.assert_allclose(ours, theirs, atol=1e-12)
    # brute-force max cut against networkx's cut size of the best assignment
    import networkx as nx

    best = int(np.argmax(cuts))
    side = {v for v in graph.nodes if (best >> v) & 1}
    assert cuts[best] == nx.cut_size(graph, side)


def test_global_depolarizing_sampler_limits():
    module = _module()
    probs = np.zeros(16)
    probs[5] = 1.0
    rng = np.random.default_rng(0)
    assert set(module.noisy_samples(probs, 1.0, 50, rng)) == {5}
    uniform = module.noisy_samples(probs, 0.0, 4000, rng)
    assert len(set(uniform)) == 16
