"""A tenant's pairs-per-second quota, enforced by the dispatcher.

The twin: a quota far above what the link makes changes nothing, pair for
pair. Then what the quota must hold: over any window a tenant receives at
most ``burst + quota x window`` pairs plus those in flight when its slices
ended; its held requests leave the fabric to others (dispatch stays
work-conserving); lifting the quota releases them.
"""

from __future__ import annotations

import numpy as np
import pytest

from qdcnet.config.scenario import build_datacenter
from qdcnet.control import EntanglementRequest, Orchestrator
from qdcnet.errors import ParameterError
from qdcnet.network.topology import star

#: Pairs a slice may still deliver after it ends: one per communication qubit of an end.
IN_FLIGHT = 2


def _run(quotas: dict[str, float | None], *, pairs: int = 120, until_s: float = 30.0,
         lift_at_s: float | None = None) -> dict[str, object]:
    dc = build_datacenter(star(2, profile="trapped_ion_oxford"), seed=11)
    orchestrator = Orchestrator(dc)
    for tenant, quota in quotas.items():
        orchestrator.dispatcher.set_quota(tenant, quota)
    times: dict[str, list[float]] = {"a": [], "b": []}
    handles = {}
    for tenant in ("a", "b"):
        handles[tenant] = orchestrator.submit(
            EntanglementRequest("qpu0", "qpu1", num_pairs=pairs, tenant=tenant,
                                name=tenant),
            on_pair=lambda _pair, t=tenant: times[t].append(dc.sim.now / 1e12))
    if lift_at_s is not None:
        dc.sim.schedule(int(lift_at_s * 1e12),
                        lambda: orchestrator.dispatcher.set_quota("a", None))
    dc.sim.run(until=int(until_s * 1e12))
    return {"times": {t: np.array(v) for t, v in times.items()}, "handles": handles,
            "dispatcher": orchestrator.dispatcher}


def _worst_excess(times: np.ndarray, quota: float, burst: float) -> float:
    return max(j - i + 1 - burst - quota * (times[j] - times[i])
               for i in range(len(times)) for j in range(i, len(times)))


def test_a_quota_above_the_links_rate_changes_nothing():
    free = _run({})
    generous = _run({"a": 1e9, "b": 1e9})
    for tenant in ("a", "b"):
        np.testing.assert_array_equal(free["times"][tenant], generous["times"][tenant])


@pytest.mark.parametrize("quota", [5.0, 20.0, 45.0])
def test_no_window_holds_more_than_the_bucket_and_the_quota(quota):
    run = _run({"a": quota})
    times = run["times"]["a"]
    burst = max(1.0, quota / 10)
    assert run["handles"]["a"].status.value == "completed"
    assert _worst_excess(times, quota, burst) <= IN_FLIGHT
    # And the quota is used, not wasted: once b is done, a runs close to its quota.
    after_b = times[times > run["times"]["b"][-1]]
    if len(after_b) > 10:
        achieved = (len(after_b) - 1) / (after_b[-1] - after_b[0])
        assert 0.5 * quota <= achieved <= quota * 1.05 + IN_FLIGHT / (after_b[-1] - after_b[0])


def test_a_held_tenant_leaves_the_fabric_to_others():
    unlimited = _run({})
    held = _run({"a": 5.0})
    # a asked first; with its quota, b (no quota) is served in a's pauses and ends sooner.
    assert held["times"]["b"][-1] < unlimited["times"]["b"][-1]
    assert held["handles"]["b"].status.value == "completed"


def test_lifting_the_quota_releases_the_held_requests():
    capped = _run({"a": 2.0}, until_s=10.0)
    lifted = _run({"a": 2.0}, until_s=10.0, lift_at_s=3.0)
    # Held to 2 pairs/s for 10 s: 1 in the bucket, 20 refilled, and those in flight.
    assert len(capped["times"]["a"]) <= 1 + 2.0 * 10.0 + IN_FLIGHT
    assert not capped["handles"]["a"].finished
    assert lifted["handles"]["a"].status.value == "completed"
    assert lifted["dispatcher"].quota("a") is None


def test_quota_values_are_checked():
    dc = build_datacenter(star(2, profile="trapped_ion_oxford"), seed=1)
    dispatcher = Orchestrator(dc).dispatcher
    with pytest.raises(ParameterError, match="pairs_per_s"):
        dispatcher.set_quota("a", -1.0)
    with pytest.raises(ParameterError, match="burst"):
        dispatcher.set_quota("a", 10.0, burst=0.5)
    dispatcher.set_quota("a", 10.0)
    assert dispatcher.quota("a")["burst"] == 1.0
    assert dispatcher.quota("b") is None
