"""The just-in-time against prefetch experiment (examples/jit_vs_prefetch.py), quick variant.

Each claim holds by construction (the scheduler's policies) or with a margin
of five standard errors of the measured figures (50 shots per run; ebit
figures over every use; state fidelities over the evaluated traces).
"""

from __future__ import annotations

import math

import pytest

Z = 5.0  # standard errors a measured claim must clear


def _se(*values: float | None) -> float:
    return math.sqrt(sum((v or 0.0) ** 2 for v in values))


@pytest.mark.slow
def test_jit_vs_prefetch_quick(run_example):
    """One run of the quick variant; each claim below is checked on it."""
    doc = run_example("jit_vs_prefetch")
    assert doc["kind"] == "jit_vs_prefetch"
    assert doc["seed"] == 7
    assert doc["results"]["settings"]["quick"] is True
    for check in (check_provenance_and_shape, check_schedule_prefetch_never_longer,
                  check_prefetch_is_faster_measured,
                  check_prefetched_pairs_are_older_and_lose_fidelity_where_memory_is_short,
                  check_state_fidelity, check_monolithic_baseline_is_faster_and_better):
        check(doc)


def check_provenance_and_shape(results):
    res = results["results"]
    assert results["seed"] == 7
    assert "environment" in results
    assert "scenario" in results
    mem = res["memory_sweep"]
    assert [p["t2_s"] for p in mem] == sorted(p["t2_s"] for p in mem)
    assert len(mem) == 3
    assert res["program"]["ebits"] >= 1
    for p in mem:
        jit, pre = p["policies"]["jit"], p["policies"]["prefetch"]
        # The runtime really ran each policy (no fall-back to just in time).
        assert jit["supplier"] == "JitSupplier"
        assert pre["supplier"] == "StreamSupplier"
        assert pre["supplier_note"] is None
        for row in (jit, pre):
            assert row["ebits_per_shot"] == res["program"]["ebits"]
            split = row["first_shot_split_s"]
            parts = split["compute"] + split["ebit_wait"] + split["classical"] + split["other"]
            assert parts == pytest.approx(split["makespan"], rel=1e-9)
            assert split["makespan"] == pytest.approx(row["measured_first_makespan_s"])
    mono = res["monolithic"]
    assert mono["ebits_per_shot"] == 0
    assert mono["first_shot_split_s"]["ebit_wait"] == 0


def check_schedule_prefetch_never_longer(results):
    """By construction: every policy's ready times are <= just in time's."""
    mem = results["results"]["memory_sweep"]
    for p in mem:
        pol = p["policies"]
        assert pol["prefetch"]["predicted_makespan_s"] <= pol["jit"]["predicted_makespan_s"]
        assert pol["lookahead"]["predicted_makespan_s"] <= pol["jit"]["predicted_makespan_s"]
    # No fidelity target: the memories' T2 does not enter the timing at all.
    for name in ("jit", "prefetch"):
        assert len({p["policies"][name]["predicted_makespan_s"] for p in mem}) == 1


def check_prefetch_is_faster_measured(results):
    for p in results["results"]["memory_sweep"]:
        jit, pre = p["policies"]["jit"], p["policies"]["prefetch"]
        gain = jit["measured_makespan_mean_s"] - pre["measured_makespan_mean_s"]
        assert gain > Z * _se(jit["measured_makespan_se_s"], pre["measured_makespan_se_s"])


def check_prefetched_pairs_are_older_and_lose_fidelity_where_memory_is_short(results):
    mem = results["results"]["memory_sweep"]
    gaps = []
    for p in mem:
        jit, pre = p["policies"]["jit"], p["policies"]["prefetch"]
        assert pre["ebit_age_s"] - jit["ebit_age_s"] > Z * _se(pre["ebit_age_se_s"],
                                                             jit["ebit_age_se_s"])
        se = _se(jit["ebit_fidelity_at_use_se"], pre["ebit_fidelity_at_use_se"])
        gap = jit["ebit_fidelity_at_use"] - pre["ebit_fidelity_at_use"]
        assert gap > -Z * se  # prefetch's pairs are never fresher
        gaps.append((gap, se))
    (short, short_se), (long_, long_se) = gaps[0], gaps[-1]
    assert short > Z * short_se  # shortest T2: jit's pairs are better at use
    assert short - long_ > Z * _se(short_se, long_se)  # the gap closes as T2 grows


def check_state_fidelity(results):
    res = results["results"]
    mem = res["memory_sweep"]
    for name in ("jit", "prefetch"):
        first, last = mem[0]["policies"][name], mem[-1]["policies"][name]
        assert last["state_fidelity"] - first["state_fidelity"] > Z * _se(
            last["state_fidelity_se"], first["state_fidelity_se"])
    short, long_ = mem[0]["policies"], mem[-1]["policies"]
    # Non-inferiority: jit is not worse where memory is short, prefetch not where it is long.
    assert short["jit"]["state_fidelity"] > short["prefetch"]["state_fidelity"] - Z * _se(
        short["jit"]["state_fidelity_se"], short["prefetch"]["state_fidelity_se"])
    assert long_["prefetch"]["state_fidelity"] > long_["jit"]["state_fidelity"] - Z * _se(
        long_["jit"]["state_fidelity_se"], long_["prefetch"]["state_fidelity_se"])


def check_monolithic_baseline_is_faster_and_better(results):
    res = results["results"]
    mono = res["monolithic"]
    for p in res["memory_sweep"]:
        for name in ("jit", "prefetch"):
            row = p["policies"][name]
            assert mono["measured_makespan_mean_s"] < row["measured_makespan_mean_s"] - Z * _se(
                row["measured_makespan_se_s"], mono["measured_makespan_se_s"])
            assert mono["state_fidelity"] > row["state_fidelity"] + Z * _se(
                row["state_fidelity_se"], mono["state_fidelity_se"])
