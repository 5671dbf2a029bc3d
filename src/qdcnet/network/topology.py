"""Topology builders: scenario documents for common data-center layouts.

Each builder returns a plain scenario document (a dict ready for
:class:`~qdcnet.config.scenario.DataCenterScenario` or for ``yaml.safe_dump``),
so a generated layout can be written out, edited and versioned like any
hand-written scenario.

Examples
--------
>>> doc = leaf_spine(racks=2, per_rack=3, spines=2)
>>> len(doc["qpus"]), [s["name"] for s in doc["switches"]]
(6, ['tor0', 'tor1', 'spine0', 'spine1'])
"""

from __future__ import annotations

from typing import Any

__all__ = ["leaf_spine", "linear_chain", "ring", "star"]


def _base(name: str, **fields: Any) -> dict[str, Any]:
    return {"schema_version": 1, "kind": "datacenter", "name": name, **fields}


def _qpu(name: str, profile: str, overrides: dict[str, Any] | None,
         communication_qubits: int | None = None, **extra: Any) -> dict[str, Any]:
    qpu: dict[str, Any] = {"name": name, "profile": profile, **extra}
    if overrides:
        qpu["overrides"] = dict(overrides)
    if communication_qubits is not None:
        qpu["communication_qubits"] = communication_qubits
    return qpu


def _meters(value: float) -> str:
    return f"{value:g} m"


def linear_chain(
    num_qpus: int,
    *,
    profile: str = "trapped_ion",
    spacing_m: float = 1000.0,
    overrides: dict[str, Any] | None = None,
    station_count: int = 1,
    communication_qubits: int | None = 2,
    name: str | None = None,
) -> dict[str, Any]:
    """QPUs in a line, a BSM station midway between each neighbouring pair.

    Paths between non-neighbours swap at every QPU in between, so every QPU
    gets ``communication_qubits`` (default 2: one towards each neighbour).
    """
    qpus = [_qpu(f"qpu{i}", profile, overrides, communication_qubits)
            for i in range(num_qpus)]
    stations, fibers = [], []
    for i in range(num_qpus - 1):
        station = f"bsm{i}"
        stations.append({"name": station, "count": station_count})
        fibers.append({"between": [f"qpu{i}", station], "length": _meters(spacing_m / 2)})
        fibers.append({"between": [f"qpu{i + 1}", station], "length": _meters(spacing_m / 2)})
    return _base(name or f"chain{num_qpus}", qpus=qpus, bsm_stations=stations, fibers=fibers)


def ring(
    num_qpus: int,
    *,
    profile: str = "trapped_ion",
    spacing_m: float = 1000.0,
    overrides: dict[str, Any] | None = None,
    communication_qubits: int | None = 2,
    name: str | None = None,
) -> dict[str, Any]:
    """A linear chain closed into a ring."""
    document = linear_chain(num_qpus, profile=profile, spacing_m=spacing_m,
                            overrides=overrides, name=name or f"ring{num_qpus}",
                            communication_qubits=communication_qubits)
    last = num_qpus - 1
    document["bsm_stations"].append({"name": f"bsm{last}", "count": 1})
    document["fibers"] += [{"between": [f"qpu{last}", f"bsm{last}"],
                            "length": _meters(spacing_m / 2)},
                           {"between": ["qpu0", f"bsm{last}"], "length": _meters(spacing_m / 2)}]
    return document


def star(
    num_qpus: int,
    *,
    profile: str = "trapped_ion",
    fiber_m: float = 20.0,
    stations: int | None = None,
    overrides: dict[str, Any] | None = None,
    switch_loss_db: float = 1.0,
    reconfiguration_time: str = "10 us",
    communication_qubits: int | None = None,
    name: str | None = None,
) -> dict[str, Any]:
    """QPUs around one optical switch with an array of BSM stations behind it.

    The array has ``stations`` units (default: one per pair of QPUs); the
    switch-to-array connection carries two circuits per unit.
    """
    count = stations or max(1, num_qpus // 2)
    qpus = [_qpu(f"qpu{i}", profile, overrides, communication_qubits)
            for i in range(num_qpus)]
    fibers = [{"between": [f"qpu{i}", "sw0"], "length": _meters(fiber_m)}
              for i in range(num_qpus)]
    fibers.append({"between": ["sw0", "bsm0"], "length": "2 m", "channels": 2 * count})
    switch = {"name": "sw0", "ports": num_qpus + 2 * count,
              "insertion_loss": f"{switch_loss_db:g} dB",
              "reconfiguration_time": reconfiguration_time}
    return _base(name or f"star{num_qpus}", qpus=qpus, switches=[switch],
                 bsm_stations=[{"name": "bsm0", "count": count}], fibers=fibers)


def leaf_spine(
    racks: int,
    per_rack: int,
    *,
    spines: int = 2,
    profile: str = "trapped_ion",
    overrides: dict[str, Any] | None = None,
    qpu_fiber_m: float = 5.0,
    rack_to_spine_m: float = 50.0,
    rack_stations: int | None = None,
    spine_stations: int | None = None,
    uplinks: int | None = None,
    switch_loss_db: float = 1.0,
    reconfiguration_time: str = "10 us",
    communication_qubits: int | None = None,
    name: str | None = None,
) -> dict[str, Any]:
    """Racks of QPUs under top-of-rack switches, joined by spine switches.

    Within a rack a segment runs QPU → ToR → the rack's BSM array. Across
    racks each arm runs QPU → ToR → spine, and the BSM arrays of the station
    layer connect to every spine, so a cross-rack segment passes two ToR and
    up to two spine switches.
    """
    rack_units = rack_stations or max(1, per_rack // 2)
    spine_units = spine_stations or max(1, racks * per_rack // 4)
    links_up = uplinks or max(1, per_rack // 2)
    qpus, switches, stations, fibers = [], [], [], []
    for r in range(racks):
        tor = f"tor{r}"
        for q in range(per_rack):
            qpu = f"r{r}q{q}"
            qpus.append(_qpu(qpu, profile, overrides, communication_qubits, rack=f"rack{r}"))
            fibers.append({"between": [qpu, tor], "length": _meters(qpu_fiber_m)})
        stations.append({"name": f"bsm-rack{r}", "count": rack_units})
        fibers.append({"between": [tor, f"bsm-rack{r}"], "length": "2 m",
                       "channels": 2 * rack_units})
        switches.append({"name": tor, "rack": f"rack{r}",
                         "ports": per_rack + 2 * rack_units + spines * links_up,
                         "insertion_loss": f"{switch_loss_db:g} dB",
                         "reconfiguration_time": reconfiguration_time})
    for s in range(spines):
        spine = f"spine{s}"
        station = f"bsm-spine{s}"
        stations.append({"name": station, "count": spine_units})
        for r in range(racks):
            fibers.append({"between": [f"tor{r}", spine], "length": _meters(rack_to_spine_m),
                           "channels": links_up})
        fibers.append({"between": [spine, station], "length": "2 m",
                       "channels": 2 * spine_units})
        switches.append({"name": spine, "ports": racks * links_up + 2 * spine_units,
                         "insertion_loss": f"{switch_loss_db:g} dB",
                         "reconfiguration_time": reconfiguration_time})
    return _base(name or f"leafspine{racks}x{per_rack}", qpus=qpus, switches=switches,
                 bsm_stations=stations, fibers=fibers)
