"""Regressions found in review of the resource book and the orchestrator split (issue 11)."""

from __future__ import annotations

import pytest
import yaml

from qdcnet.config.common import ScenarioError
from qdcnet.config.scenario import build_datacenter, load_scenario, validate_document
from qdcnet.control import EntanglementRequest, Orchestrator, RequestStatus
from qdcnet.errors import QdcnetError
from qdcnet.network.resources import Claim, ResourceBook
from qdcnet.network.service import PathService
from qdcnet.network.topology import leaf_spine, linear_chain, star

LONG = {"communication.t2": "200 ms", "memory.t2": "2 s", "qubits.storage": 6}


def test_a_distilling_request_cancelled_before_its_service_starts_returns_its_storage():
    document = leaf_spine(2, 3, profile="trapped_ion_oxford", communication_qubits=2,
                          overrides=LONG)
    document["control_plane"] = {"node": "spine0", "processing_latency": "3 us"}
    dc = build_datacenter(document, seed=4)
    orch = Orchestrator(dc, plan_samples=500)
    handle = orch.submit(EntanglementRequest("r0q2", "r0q1", num_pairs=5, min_fidelity=0.97))
    while handle.first_grant_ps is None:
        dc.sim.run(max_events=1)
    assert handle.plan.distillation_rounds > 0
    assert dc.book.free_storage("r0q2") == 5  # the reservation's storage pair is held
    handle.cancel()
    dc.sim.run()
    assert handle.status is RequestStatus.CANCELLED
    assert dc.book.bookings == 0
    assert dc.book.free_storage("r0q2") == dc.book.free_storage("r0q1") == 6
    orch.check_invariants()


def test_rewiring_a_switch_port_is_charged_its_reconfiguration_time():
    fabric = build_datacenter(star(4, profile="trapped_ion_oxford"), seed=1).fabric
    setups = []
    for a, b in (("qpu0", "qpu1"), ("qpu2", "qpu3"), ("qpu0", "qpu1")):
        circuit = fabric.acquire(fabric.route(a, b), 1)
        setups.append(circuit.setup_s)
        fabric.release(circuit)
    # The third grant needs the cross-connects the second one changed: not free.
    assert setups[2] == setups[0] > 0


def test_withdrawing_the_head_of_the_queue_grants_those_behind_it():
    dc = build_datacenter(star(4, profile="trapped_ion_oxford"), seed=1)
    holder = PathService(dc, "holder", ("qpu0", "qpu1"), pairs=10**6)
    holder.start()
    dc.sim.run(max_events=3)
    blocked = PathService(dc, "blocked", ("qpu0", "qpu2"), pairs=1)
    blocked.start()
    behind = PathService(dc, "behind", ("qpu2", "qpu3"), pairs=1)
    behind.start()
    blocked.stop()
    dc.sim.run(max_events=50)
    assert behind.stats.granted_ps is not None


def test_a_booking_is_released_only_by_itself():
    first, second = ResourceBook(communication={"a": 2}), ResourceBook(communication={"a": 2})
    mine = first.try_reserve(Claim(communication={"a": 1}))
    other = second.try_reserve(Claim(communication={"a": 2}))
    assert mine.id == other.id  # ids are per book: identity is the booking itself
    with pytest.raises(QdcnetError, match="released twice"):
        first.release(other)
    first.check_invariants()


def test_a_template_name_that_is_not_a_string_is_a_clear_error():
    document = linear_chain(2, profile="trapped_ion_oxford")
    document["templates"] = {"t": {"profile": "trapped_ion_oxford"}}
    document["qpus"][0]["template"] = ["t"]
    with pytest.raises(ScenarioError, match=r"qpus\[0\]\.template = \['t'\]: a template's name"):
        validate_document(document)


def test_a_profile_path_under_the_home_folder_is_found(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    from qdcnet.hardware.profiles import read_document

    document, _ = read_document("trapped_ion_oxford")
    (tmp_path / "my_ion.yaml").write_text(yaml.safe_dump(document))
    scenario = linear_chain(2, profile="~/my_ion.yaml")
    path = tmp_path / "chain.yaml"
    path.write_text(yaml.safe_dump(scenario))
    loaded, _ = load_scenario(path)
    assert [node.profile.name for node in loaded.layout().qpus] == ["trapped_ion_oxford"] * 2
