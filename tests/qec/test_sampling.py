"""Sampling engines, error bars and crossing points."""

from __future__ import annotations

import math

import pytest

from qdcnet.errors import ParameterError
from qdcnet.qec import SeamTask, TaskResult, crossing_points, run_tasks


def test_the_stim_engine_is_reproducible_from_its_seed():
    tasks = [SeamTask(3, "z", 0.004, 0.1), SeamTask(3, "x", 0.004, 0.1)]
    first = run_tasks(tasks, seed=7, max_shots=3000, max_errors=10_000)
    again = run_tasks(tasks, seed=7, max_shots=3000, max_errors=10_000)
    other = run_tasks(tasks, seed=8, max_shots=3000, max_errors=10_000)
    assert [r.errors for r in first] == [r.errors for r in again]
    assert [r.errors for r in first] != [r.errors for r in other]
    assert all(r.shots == 3000 for r in first)


def test_stim_and_sinter_engines_agree_within_their_error_bars():
    task = SeamTask(3, "z", 0.003, 0.15)
    ours, = run_tasks([task], seed=3, max_shots=20_000, max_errors=10**6)
    theirs, = run_tasks([task], seed=3, max_shots=20_000, max_errors=10**6, engine="sinter")
    assert theirs.engine == "sinter"
    assert theirs.shots == ours.shots == 20_000
    spread = math.hypot(ours.stderr, theirs.stderr)
    assert abs(ours.rate - theirs.rate) < 5 * spread


def test_the_seam_matters_in_one_memory_basis_only():
    # A vertical seam of teleported CNOTs: its errors (X on targets, Z on controls)
    # hurt the Z memory and barely touch the X memory.
    results = run_tasks([SeamTask(5, "x", 0.001, 0.0), SeamTask(5, "x", 0.001, 0.2),
                         SeamTask(5, "z", 0.001, 0.0), SeamTask(5, "z", 0.001, 0.2)],
                        seed=2, max_shots=8000, max_errors=10**6)
    _x0, x2, z0, z2 = results
    assert z2.rate - z0.rate > 10 * math.hypot(z0.stderr, z2.stderr)
    assert z2.rate > 5 * x2.rate


def _fake(d: int, seam: float, rate: float, shots: int = 10**6) -> TaskResult:
    return TaskResult(SeamTask(d, "z", 0.001, seam), shots, round(rate * shots))


def test_crossing_points_interpolate_in_log_space():
    # Two curves crossing exactly at 0.15: rates are equal there on a log scale.
    results = []
    for seam in (0.05, 0.1, 0.2, 0.25):
        results.append(_fake(3, seam, 0.01 * math.exp(10 * seam)))
        results.append(_fake(5, seam, 0.01 * math.exp(20 * seam - 1.5)))
    (crossing,) = crossing_points(results)
    assert crossing.distances == (3, 5)
    assert crossing.seam == pytest.approx(0.15, abs=1e-5)  # counts are rounded
    assert crossing.spread is not None
    assert crossing.spread < 0.01
    no_cross = [_fake(3, s, 0.1) for s in (0.1, 0.2)] + [_fake(5, s, 0.01) for s in (0.1, 0.2)]
    assert crossing_points(no_cross)[0].seam is None


def test_per_round_error_and_bad_arguments():
    result = TaskResult(SeamTask(5, "z", 0.001, 0.0), 1000, 100)
    # 1 - 2p = (1 - 2 p_r)^5 with p = 0.1
    assert result.per_round == pytest.approx((1 - 0.8 ** (1 / 5)) / 2)
    with pytest.raises(ParameterError, match="engine"):
        run_tasks([SeamTask(3, "z", 0.001, 0.0)], seed=1, engine="qiskit")
