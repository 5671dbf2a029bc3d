"""Dotted paths with selectors: what an axis sets and what a metric reads."""

from __future__ import annotations

import pytest

from qdcnet.errors import ParameterError
from qdcnet.sweep.paths import get_path, set_path


def _doc():
    return {"qpus": [{"name": "a", "rack": "r0", "overrides": {"communication.t2": "1 ms"}},
                     {"name": "b", "rack": "r1", "overrides": {}}],
            "fibers": [{"between": ["a", "b"], "length": "10 m"}]}


def test_selectors_by_name_index_and_all():
    doc = _doc()
    set_path(doc, "qpus[name=b].rack", "r9")
    set_path(doc, "fibers[0].length", "1 km")
    set_path(doc, "qpus[*].overrides.communication.t2", "20 ms")
    assert doc["qpus"][1]["rack"] == "r9"
    assert doc["fibers"][0]["length"] == "1 km"
    # Overrides are flat dotted keys: one key, replaced or created, never nested.
    assert [q["overrides"] for q in doc["qpus"]] == [{"communication.t2": "20 ms"}] * 2
    assert get_path(doc, "qpus[name=a].overrides.communication.t2") == "20 ms"


def test_new_fields_are_created_for_validation_to_judge():
    doc = _doc()
    set_path(doc, "workload.duration", "2 s")
    assert doc["workload"] == {"duration": "2 s"}


@pytest.mark.parametrize(("path", "fragment"), [
    ("qpus[name=zz].rack", "exactly one element with name = zz"),
    ("qpus[7].rack", "an index in 0..1"),
    ("nothing[0].x", "a field of the document"),
    ("qpus[name=a", "segments key or key[selector]"),
])
def test_bad_paths_name_what_is_wrong(path, fragment):
    with pytest.raises(ParameterError, match=fragment.replace("[", r"\[")):
        set_path(_doc(), path, 1)


def test_a_metric_names_one_value():
    with pytest.raises(ParameterError, match="a metric is one value"):
        get_path(_doc(), "qpus[*].rack")
    with pytest.raises(ParameterError, match="one of qpus, fibers"):
        get_path(_doc(), "summary.qos_met")
