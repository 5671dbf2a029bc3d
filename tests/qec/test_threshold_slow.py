"""The seam tolerates about ten times the bulk's noise (Ramette et al. 2024), slow."""

from __future__ import annotations

import pytest

from qdcnet.qec import SeamTask, crossing_points, run_tasks


@pytest.mark.slow
def test_the_seam_threshold_is_far_above_the_bulk_noise():
    bulk = 0.001
    seams = (0.05, 0.1, 0.15, 0.2, 0.25, 0.3)
    tasks = [SeamTask(d, basis, bulk, seam) for basis in ("x", "z") for d in (3, 5)
             for seam in seams]
    results = run_tasks(tasks, seed=11, max_shots=40_000, max_errors=400, workers=2)
    crossings = {c.basis: c for c in crossing_points(results, seed=11)}
    z = crossings["z"]
    # The Z memory feels a vertical seam of teleported CNOTs; d = 5 stays better
    # than d = 3 up to a seam infidelity of order 10% or more (100x the bulk here).
    assert z.seam is not None
    assert 0.1 < z.seam < 0.3
    assert z.spread is not None
    assert z.spread < 0.05
    # The X memory hardly feels it: no crossing in the range.
    assert crossings["x"].seam is None


@pytest.mark.slow
def test_four_modules_keep_a_threshold_too():
    tasks = [SeamTask(d, "z", 0.001, seam, "2x2") for d in (3, 5) for seam in (0.02, 0.3)]
    low3, high3, low5, high5 = run_tasks(tasks, seed=12, max_shots=40_000, max_errors=400)
    # At 2% seam infidelity the larger code wins; at 30% it has lost its advantage.
    assert low5.rate < low3.rate
    assert high5.rate > 0.5 * high3.rate
