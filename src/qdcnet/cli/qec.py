"""``qdcnet qec``: the seam threshold, the pair supply gap, and the decoder's pace.

Every option is read and checked before any sampling starts, so a bad value
fails at once with one line naming the option, and nothing is written. Code
distances are odd, from 3 to :data:`MAX_DISTANCE`; noise values and seam
infidelities lie in [0, 0.75]. Long studies show a progress bar on stderr
when it is a terminal.
"""

from __future__ import annotations

import csv
import dataclasses
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from rich.table import Table

from qdcnet.errors import ParameterError, QdcnetError
from qdcnet.report import (
    RESULT_FILE,
    TIMINGS_FILE,
    OutputFolder,
    report_written,
    result_document,
    write_json,
)
from qdcnet.report.progress import progress_steps
from qdcnet.report.tables import format_number, make_console

#: The largest code distance the ``qec`` commands accept. A distance-d memory
#: experiment has 2d² - 1 qubits and d rounds: at d = 25 one circuit takes
#: seconds to build and each sweep point tens of seconds to sample on one
#: core, and the cost grows as d⁴ and faster beyond. Larger codes are for the
#: library (:mod:`qdcnet.qec`), one point at a time.
MAX_DISTANCE = 25

#: The most points a ``start:stop:points`` range may ask for.
MAX_POINTS = 1000

#: Bulk noise and seam infidelity: a depolarizing p or a Werner 1 - F.
NOISE_RANGE = "[0, 0.75]"

#: The memory bases ``--bases`` accepts.
SEAM_BASES = ("x", "z")


def parse_floats(text: str, name: str, *, low: float = 0.0, high: float = 0.75) -> list[float]:
    """``"0.001,0.005"`` or a range ``"0:0.3:16"`` (start:stop:points), each in [low, high]."""
    allowed = "numbers separated by commas, or start:stop:points"
    try:
        if ":" in text:
            start, stop, points = text.split(":")
            first, last, count = float(start), float(stop), int(points)
        else:
            values = [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise ParameterError(name, text, allowed) from None
    if ":" in text:
        if not 1 <= count <= MAX_POINTS:
            raise ParameterError(name, text, f"start:stop:points with 1 to {MAX_POINTS} points")
        values = [float(x) for x in np.linspace(first, last, count)]
    if not values:
        raise ParameterError(name, text, f"at least one value: {allowed}")
    for value in values:
        if not low <= value <= high:  # also refuses nan
            raise ParameterError(name, value, f"[{low:g}, {high:g}]")
    return values


def parse_ints(text: str, name: str, *, low: int | None = None) -> list[int]:
    """``"0,4,8"``: at least one integer, each ``>= low`` when given."""
    try:
        values = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise ParameterError(name, text, "integers separated by commas") from None
    if not values:
        raise ParameterError(name, text, "at least one integer, separated by commas")
    for value in values:
        if low is not None and value < low:
            raise ParameterError(name, value, f"integers >= {low}")
    return values


def check_distance(name: str, distance: int) -> int:
    """An odd code distance from 3 to :data:`MAX_DISTANCE`."""
    if distance < 3 or distance % 2 == 0 or distance > MAX_DISTANCE:
        reason = ("the bound qdcnet.cli.qec.MAX_DISTANCE: a larger code takes minutes per point"
                  if distance > MAX_DISTANCE else None)
        raise ParameterError(name, distance, f"an odd integer from 3 to {MAX_DISTANCE}", reason)
    return distance


def parse_distances(text: str, name: str) -> list[int]:
    """Distinct odd code distances, each checked by :func:`check_distance`."""
    values = parse_ints(text, name)
    for d in values:
        check_distance(name, d)
    if len(set(values)) != len(values):
        raise ParameterError(name, text, "distinct distances")
    return values


def check_choice(name: str, value: str, choices: Sequence[str]) -> str:
    if value not in choices:
        raise ParameterError(name, value, ", ".join(choices))
    return value


def check_count(name: str, value: int, low: int = 1) -> int:
    if value < low:
        raise ParameterError(name, value, f"an integer >= {low}")
    return value


def run_seam(*, distances: str, bulk: str, seams: str, bases: str, layout: str, protocol: str,
             max_shots: int, max_errors: int, workers: int, engine: str, seed: int,
             out: Path | None, idle: str = "every_layer", quiet: bool = False,
             force: bool = False) -> None:
    from qdcnet.qec.plots import plot_seam
    from qdcnet.qec.sampling import ENGINES, SeamTask, crossing_points, run_tasks
    from qdcnet.qec.surface import LAYOUTS, PROTOCOLS, SurfacePatch

    ds = parse_distances(distances, "--distances")
    bulks = parse_floats(bulk, "--bulk")
    eps = parse_floats(seams, "--seams")
    basis_list = [b.strip().lower() for b in bases.split(",") if b.strip()]
    if not basis_list or any(b not in SEAM_BASES for b in basis_list):
        raise ParameterError("--bases", bases, "x, z or x,z")
    check_choice("--layout", layout, LAYOUTS)
    check_choice("--protocol", protocol, PROTOCOLS)
    check_choice("--idle", idle, ("every_layer", "once_per_round"))
    check_choice("--engine", engine, ENGINES)
    check_count("--max-shots", max_shots)
    check_count("--max-errors", max_errors)
    check_count("--workers", workers)
    folder = OutputFolder.prepare(out, "qec seam", force=force)
    tasks = [SeamTask(d, b, p, e, layout, protocol, idle=idle) for p in bulks
             for b in basis_list for d in ds for e in eps]
    with progress_steps("seam sweep", len(tasks), quiet=quiet) as update:
        results = run_tasks(tasks, seed=seed, max_shots=max_shots, max_errors=max_errors,
                            workers=workers, engine=engine, progress=update)
    crossings = crossing_points(results, seed=seed)
    console = make_console()
    pairs = {d: SurfacePatch(d, layout, protocol).pairs_per_round for d in ds}
    console.print(f"[bold]seam sweep[/bold]: {layout} layout, {protocol}, distances {ds} "
                  f"(pairs per round {pairs}), {len(tasks)} points, engine {engine}, "
                  f"seed {seed}")
    table = Table(title="Crossing points (seam infidelity where the larger code stops "
                        "helping)", title_justify="left")
    for column in ("bulk", "memory", "distances", "crossing 1 - F", "spread"):
        table.add_column(column)
    for c in crossings:
        table.add_row(format_number(c.bulk), c.basis.upper(), f"{c.distances[0]}/{c.distances[1]}",
                      "none in range" if c.seam is None else f"{c.seam:.4f}",
                      # A spread without a crossing (some resamples cross, the data do
                      # not) has no point to be the spread of.
                      "-" if c.spread is None or c.seam is None else f"{c.spread:.4f}")
    console.print(table)
    # Wall-clock seconds go to their own file: the results of one seed repeat byte for byte.
    rows = [r.to_dict() for r in results]
    timings = [{"point": i, "seconds": row.pop("seconds")} for i, row in enumerate(rows)]
    document = result_document(
        kind="qec-seam", seed=seed, scenario={"distances": ds, "bulk": bulks, "seams": eps,
                                              "bases": basis_list, "layout": layout,
                                              "protocol": protocol, "idle": idle,
                                              "max_shots": max_shots,
                                              "max_errors": max_errors, "engine": engine},
        results={"points": rows, "crossings": [c.to_dict() for c in crossings],
                 "pairs_per_round": pairs,
                 "note": ("sinter seeds its workers itself: counts reproduce within error "
                          "bars") if engine == "sinter" else "seeded stim + pymatching"})
    with folder.staging() as stage:
        write_json(stage / RESULT_FILE, document)
        write_json(stage / TIMINGS_FILE, {"kind": "qec-seam-timings", "points": timings})
        _write_csv(stage / "seam.csv", rows)
        plot_seam(results, stage / "seam.png")
    report_written(folder, document, [RESULT_FILE, TIMINGS_FILE, "seam.csv", "seam.png"])


def run_supply(scenario: Path | None, *, pairs: list[str], distance: int, protocol: str,
               depths: str, max_shots: int, seed: int, out: Path | None,
               bulk: float | None = None, simulate: int = 1000, quiet: bool = False,
               force: bool = False) -> None:
    from qdcnet.hardware.profiles import available_profiles
    from qdcnet.qec.supply import platform_datacenter, simulate_supply, supply_rows
    from qdcnet.qec.surface import PROTOCOLS

    # Every option first: a bad one must not cost the whole study.
    check_distance("--distance", distance)
    check_choice("--protocol", protocol, PROTOCOLS)
    depth_list = parse_ints(depths, "--depths", low=0)
    check_count("--max-shots", max_shots)
    if bulk is not None and not 0 <= bulk <= 0.75:
        raise ParameterError("--bulk", bulk, NOISE_RANGE)
    if simulate != 0 and simulate < 2:
        raise ParameterError("--simulate", simulate, "0 (model only) or an integer >= 2",
                             "a rate needs two pairs at least")
    if pairs and scenario is None:
        raise ParameterError("--pair", pairs[0], "only with a scenario file",
                             "without one, each platform's built-in pair is studied")
    folder = OutputFolder.prepare(out, "qec supply", force=force,
                                  keep=[scenario] if scenario else [])
    console = make_console()
    all_rows: list[Any] = []
    contexts: list[tuple[Any, tuple[str, str]]] = []
    document: dict[str, Any]
    skipped: dict[str, str] = {}
    if scenario is None:
        document = {"platforms": "built-in: two QPUs per profile, 10 m to a BSM station"}
        for profile in available_profiles():
            try:
                dc = platform_datacenter(profile, seed=seed)
            except QdcnetError as exc:
                skipped[profile] = str(exc)  # e.g. photonic QPUs: no heralded interface
                continue
            pair = (f"{profile}_a", f"{profile}_b")
            contexts.append((dc, pair))
    else:
        from qdcnet.cli.scenario import build

        _, dc, document = build(scenario, seed)
        chosen = _pairs(dc, pairs)
        contexts = [(dc, pair) for pair in chosen]
    simulated: dict[int, Any] = {}
    steps = len(contexts) * (2 if simulate else 1)
    done = 0
    # The bar closes before the table is printed: nothing is drawn under a live bar.
    with progress_steps("pair supply", steps, quiet=quiet) as update:
        for dc, pair in contexts:
            for r in supply_rows(dc, [pair], distance=distance, protocol=protocol):
                all_rows.append((dc, r))
                if simulate:
                    simulated[len(all_rows) - 1] = simulate_supply(
                        dc.layout, pair, distillation_rounds=r.distillation_rounds,
                        pairs=simulate, seed=seed)
            if simulate:
                done += 1
                update(done)
    table = Table(title=f"Pair supply for a distance-{distance} seam ({protocol})",
                  title_justify="left")
    for column in ("QPUs", "cycle", "pairs/round", "needed [Hz]", "DEJMPS", "supplied [Hz]",
                   "F", "orchestrator [Hz]", "its F", "gap", "links to close*"):
        table.add_column(column)
    for i, (_, r) in enumerate(all_rows):
        sim = simulated.get(i)
        if sim is None:
            measured = fidelity = "-"
        elif sim.delivered < 2:
            measured, fidelity = "refused" if sim.refused else "none", "-"
        else:
            measured = f"{format_number(sim.rate_hz)} ± {format_number(sim.rate_se_hz, 2)}"
            fidelity = f"{sim.fidelity:.4f}"
        table.add_row(f"{r.qpus[0]}-{r.qpus[1]}", f"{format_number(r.cycle_time_s)} s",
                      str(r.pairs_per_round), format_number(r.needed_hz),
                      str(r.distillation_rounds), format_number(r.supplied_hz),
                      f"{r.fidelity:.4f}", measured, fidelity, f"{r.gap:.3g}x",
                      str(r.parallel_links))
    console.print(table)
    for sim in simulated.values():
        if sim.refused:
            console.print(f"orchestrator refused {'-'.join(sim.qpus)} with "
                          f"{sim.distillation_rounds} DEJMPS round(s): {sim.refused}")
    console.print("* parallel links, each with its own communication qubit at both QPUs, its "
                  "own fibre or WDM channel and its own BSM unit")
    for profile, why in skipped.items():
        console.print(f"skipped {profile}: {why}")
    buffers = {}
    tables = []
    # The buffer plots are drawn as each study ends, into the folder being staged.
    with folder.staging() as stage:
        with progress_steps("pair buffer", steps, quiet=quiet) as update:
            update(done)
            for dc, pair in contexts:
                buffers["-".join(pair)], table = _buffer(
                    dc, pair, distance=distance, protocol=protocol, depths=depth_list,
                    max_shots=max_shots, seed=seed, folder=stage, bulk=bulk)
                tables.append(table)
                done += 1
                update(done)
        for table in tables:
            console.print(table)
        _write_csv(stage / "supply.csv", [_supply_csv_row(r, simulated.get(i))
                                          for i, (_, r) in enumerate(all_rows)])
        _write_csv(stage / "buffer.csv", [
            {"qpus": name, "links": study["links"]}
            | {k: v for k, v in point.items() if k not in ("x", "z", "state", "links")}
            for name, study in buffers.items() for point in study["points"]])
        document = result_document(
        kind="qec-supply", seed=seed, scenario=document,
        results={"rows": [r.to_dict() | ({"orchestrator": simulated[i].to_dict()}
                                         if i in simulated else {})
                          for i, (_, r) in enumerate(all_rows)],
                 "buffers": buffers,
                 "skipped": skipped,
                 "distance": distance, "protocol": protocol})
        write_json(stage / RESULT_FILE, document)
        written = sorted(p.name for p in stage.iterdir())
    report_written(folder, document, written)


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _supply_csv_row(row: Any, sim: Any) -> dict[str, Any]:
    """One flat CSV row of the supply table (the JSON keeps the nested noise)."""
    out = {k: v for k, v in row.to_dict().items() if k not in ("qpus", "noise")}
    out = {"qpus": "-".join(row.qpus)} | out
    out |= {"orchestrator_delivered": sim.delivered if sim else "",
            "orchestrator_rate_hz": sim.rate_hz if sim else "",
            "orchestrator_fidelity": sim.fidelity if sim else "",
            "orchestrator_refused": (sim.refused or "") if sim else ""}
    return out


def _pairs(dc: Any, requested: list[str]) -> list[tuple[str, str]]:
    qpus = [q.name for q in dc.layout.qpus]
    if requested:
        out = []
        for item in requested:
            a, _, b = item.partition("-")
            for name in (a, b):
                if name not in qpus:
                    raise ParameterError("--pair", item, f"two of {', '.join(qpus)} as A-B")
            out.append((a, b))
        return out
    graph = dc.segment_graph
    found = [(a, b) for i, a in enumerate(qpus) for b in qpus[i + 1:] if graph.has_edge(a, b)]
    if not found:
        raise ParameterError("scenario", dc.layout.name, "at least two linked QPUs")
    return found


def _buffer(dc: Any, pair: tuple[str, str], *, distance: int, protocol: str, depths: list[int],
            max_shots: int, seed: int, folder: Path,
            bulk: float | None = None) -> tuple[dict[str, Any], Table]:
    """Buffer study for one pair with the gap closed by parallel links (no distillation).

    The code's noise is the profile's, per operation (one-qubit, two-qubit,
    readout, idle; :class:`~qdcnet.qec.surface.CircuitNoise`), unless a
    uniform ``bulk`` p is given.
    """
    from qdcnet.qec.plots import plot_buffer
    from qdcnet.qec.sampling import SeamTask, run_tasks
    from qdcnet.qec.supply import (
        SATURATED_FOOTNOTE,
        buffer_logical_error,
        buffer_study,
        depths_differ,
        supply_rows,
    )

    row = supply_rows(dc, [pair], distance=distance, protocol=protocol,
                      distillation_rounds=(0,))[0]
    profile = dc.profiles[pair[0]]
    estimate = dc.estimate(dc.paths(*pair, k=1)[0])
    data = profile.memory or profile.communication.memory
    # Buffered pairs wait in storage qubits (that is what a buffer is); a QPU
    # without separate storage keeps them in its communication qubits.
    store = profile.memory or profile.communication.memory
    far = dc.profiles[pair[1]]
    store_b = far.memory or far.communication.memory
    links = row.parallel_links
    points = buffer_study(rate_hz=row.supplied_hz * links, cycle_s=row.cycle_time_s,
                          pairs_per_round=row.pairs_per_round, depths=depths,
                          data_t1_s=data.t1_s, data_t2_s=data.t2_s, pair_state=estimate.state,
                          store_t1_s=(store.t1_s, store_b.t1_s),
                          store_t2_s=(store.t2_s, store_b.t2_s), seed=seed,
                          rounds=5000)
    rounds = distance
    bulk_noise: Any = row.noise if bulk is None else bulk
    tasks = [SeamTask(distance, basis, bulk_noise, p.state, "vertical", protocol,
                      rounds, min(p.idle_error, 0.75)) for p in points for basis in ("x", "z")]
    described = (f"bulk noise {bulk:.3g} (uniform)" if bulk is not None else
                 f"profile noise: 1q {row.noise.one_qubit:.3g}, 2q {row.noise.two_qubit:.3g}, "
                 f"readout {row.noise.readout:.3g}, idle T1/T2 per layer")
    sampled = run_tasks(tasks, seed=seed, max_shots=max_shots, max_errors=200)
    out = []
    table = Table(title=f"{pair[0]}-{pair[1]}: {links} parallel link(s), {described}; "
                        "buffer depth against logical error",
                  title_justify="left")
    for column in ("depth", "wait/round [s]", "starved rounds", "pair age [s]", "seam 1-F",
                   "idle error", "logical error/round (X+Z)"):
        table.add_column(column)
    errors = []
    for i, p in enumerate(points):
        x, z = sampled[2 * i], sampled[2 * i + 1]
        error = buffer_logical_error(x, z, rounds)
        errors.append(error)
        out.append(p.to_dict() | error.to_dict()
                   | {"x": x.to_dict(), "z": z.to_dict(), "links": links})
        table.add_row(str(p.depth), format_number(p.mean_wait_s),
                      f"{p.starved_rounds:.3f}", format_number(p.mean_age_s),
                      f"{p.seam_infidelity:.4f}", format_number(p.idle_error), error.cell())
    # Say when the column is noise rather than a trend (issue 12: statistics that mean something).
    notes = []
    if any(e.saturated for e in errors):
        notes.append(SATURATED_FOOTNOTE)
    if sum(not e.saturated for e in errors) >= 2 and not depths_differ(errors):
        notes.append("differences between depths are within the 95% intervals: no trend")
    if notes:
        table.caption = "; ".join(notes)
        table.caption_justify = "left"
    plot_buffer(out, folder / f"buffer_{pair[0]}-{pair[1]}.png",
                f"{pair[0]}-{pair[1]}, d = {distance}, {links} link(s)")
    return {"links": links,
            "bulk": bulk if bulk is not None else dataclasses.asdict(row.noise),
            "points": out}, table


def run_decoder(*, distances: str, shots: int, seed: int, out: Path | None,
                quiet: bool = False, force: bool = False) -> None:
    from qdcnet.hardware.profiles import available_profiles, load_profile
    from qdcnet.qec.decoder import backlog, time_decoder
    from qdcnet.qec.plots import plot_decoder

    ds = parse_distances(distances, "--distances")
    check_count("--shots", shots)
    folder = OutputFolder.prepare(out, "qec decoder", force=force)
    timings = []
    with progress_steps("decoder timing", len(ds), quiet=quiet) as update:
        for d in ds:
            timings.append(time_decoder(d, shots=shots, seed=seed))
            update(len(timings))
    cycles = {}
    for name in available_profiles():
        profile = load_profile(name)
        if profile.qec_cycle_time_s and math.isfinite(profile.qec_cycle_time_s):
            cycles[name] = profile.qec_cycle_time_s
    console = make_console()
    table = Table(title="pymatching on this machine, seconds per round (one shot at a time / "
                        "batched)", title_justify="left")
    table.add_column("d")
    table.add_column("latency")
    table.add_column("batched")
    for name in cycles:
        table.add_column(f"{name} ({format_number(cycles[name])} s): backlog after 1 s")
    rows = []
    for t in timings:
        cells = [str(t.distance), format_number(t.latency_per_round_s),
                 format_number(t.throughput_per_round_s)]
        entry = t.to_dict() | {"backlog": {}}
        for name, cycle in cycles.items():
            b = backlog(t.latency_per_round_s, cycle)
            entry["backlog"][name] = b
            cells.append("keeps up" if b["keeps_up"] else
                         f"{b['rounds_behind']:.3g} rounds ({format_number(b['delay_s'])} s)")
        table.add_row(*cells)
        rows.append(entry)
    console.print(table)
    document = result_document(
        kind="qec-decoder", seed=seed, scenario={"distances": ds, "shots": shots},
        results={"timings": rows, "cycles": cycles})
    with folder.staging() as stage:
        plot_decoder(timings, cycles, stage / "decoder.png")
        _write_csv(stage / "decoder.csv", [
            t.to_dict() | {f"keeps_up_{name}": bool(entry["backlog"][name]["keeps_up"])
                           for name in cycles}
            for t, entry in zip(timings, rows, strict=True)])
        write_json(stage / RESULT_FILE, document)
    report_written(folder, document, [RESULT_FILE, "decoder.csv", "decoder.png"])
