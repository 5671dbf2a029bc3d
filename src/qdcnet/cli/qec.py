"""``qdcnet qec``: the seam threshold, the pair supply gap, and the decoder's pace."""

from __future__ import annotations

import csv
import dataclasses
import math
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from qdcnet.errors import ParameterError, QdcnetError
from qdcnet.report import result_document, write_json
from qdcnet.report.tables import format_number


def parse_floats(text: str, name: str) -> list[float]:
    """``"0.001,0.005"`` or a range ``"0:0.3:16"`` (start:stop:points)."""
    try:
        if ":" in text:
            start, stop, points = text.split(":")
            return [float(x) for x in np.linspace(float(start), float(stop), int(points))]
        return [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise ParameterError(name, text, "numbers separated by commas, or start:stop:points"
                             ) from None


def parse_ints(text: str, name: str) -> list[int]:
    try:
        return [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise ParameterError(name, text, "integers separated by commas") from None


def _out(out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    return out


def run_seam(*, distances: str, bulk: str, seams: str, bases: str, layout: str, protocol: str,
             max_shots: int, max_errors: int, workers: int, engine: str, seed: int,
             out: Path, idle: str = "every_layer") -> None:
    from qdcnet.qec.plots import plot_seam
    from qdcnet.qec.sampling import SeamTask, crossing_points, run_tasks
    from qdcnet.qec.surface import SurfacePatch

    ds = parse_ints(distances, "--distances")
    bulks = parse_floats(bulk, "--bulk")
    eps = parse_floats(seams, "--seams")
    basis_list = [b.strip().lower() for b in bases.split(",") if b.strip()]
    for b in basis_list:
        if b not in ("x", "z"):
            raise ParameterError("--bases", bases, "x, z or x,z")
    for d in ds:
        SurfacePatch(d, layout, protocol)  # validates before any sampling
    if idle not in ("every_layer", "once_per_round"):
        raise ParameterError("--idle", idle, "every_layer or once_per_round")
    for value in bulks + eps:
        if not 0 <= value <= 0.75:
            raise ParameterError("noise", value, "[0, 0.75]")
    tasks = [SeamTask(d, b, p, e, layout, protocol, idle=idle) for p in bulks
             for b in basis_list for d in ds for e in eps]
    results = run_tasks(tasks, seed=seed, max_shots=max_shots, max_errors=max_errors,
                        workers=workers, engine=engine)
    crossings = crossing_points(results, seed=seed)
    console = Console()
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
                      "-" if c.spread is None else f"{c.spread:.4f}")
    console.print(table)
    folder = _out(out)
    rows = [r.to_dict() for r in results]
    with (folder / "seam.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    plot_seam(results, folder / "seam.png")
    write_json(folder / "seam.json", result_document(
        kind="qec-seam", seed=seed, scenario={"distances": ds, "bulk": bulks, "seams": eps,
                                              "bases": basis_list, "layout": layout,
                                              "protocol": protocol, "idle": idle,
                                              "max_shots": max_shots,
                                              "max_errors": max_errors, "engine": engine},
        results={"points": rows, "crossings": [c.to_dict() for c in crossings],
                 "pairs_per_round": pairs,
                 "note": ("sinter seeds its workers itself: counts reproduce within error "
                          "bars") if engine == "sinter" else "seeded stim + pymatching"}))
    Console(stderr=True).print(f"wrote {folder}/seam.json, seam.csv and seam.png")


def run_supply(scenario: Path | None, *, pairs: list[str], distance: int, protocol: str,
               depths: str, max_shots: int, seed: int, out: Path,
               bulk: float | None = None, simulate: int = 1000) -> None:
    from qdcnet.hardware.profiles import available_profiles
    from qdcnet.qec.supply import platform_datacenter, simulate_supply, supply_rows

    depth_list = parse_ints(depths, "--depths")
    if bulk is not None and not 0 <= bulk <= 0.75:
        raise ParameterError("--bulk", bulk, "[0, 0.75]")
    console = Console()
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
    for dc, pair in contexts:
        for r in supply_rows(dc, [pair], distance=distance, protocol=protocol):
            all_rows.append((dc, r))
            if simulate:
                simulated[len(all_rows) - 1] = simulate_supply(
                    dc.layout, pair, distillation_rounds=r.distillation_rounds,
                    pairs=simulate, seed=seed)
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
    folder = _out(out)
    buffers = {}
    for dc, pair in contexts:
        buffers["-".join(pair)] = _buffer(dc, pair, distance=distance, protocol=protocol,
                                          depths=depth_list, max_shots=max_shots, seed=seed,
                                          console=console, folder=folder, bulk=bulk)
    write_json(folder / "supply.json", result_document(
        kind="qec-supply", seed=seed, scenario=document,
        results={"rows": [r.to_dict() | ({"orchestrator": simulated[i].to_dict()}
                                         if i in simulated else {})
                          for i, (_, r) in enumerate(all_rows)],
                 "buffers": buffers,
                 "skipped": skipped,
                 "distance": distance, "protocol": protocol}))
    Console(stderr=True).print(f"wrote {folder}/supply.json and buffer plots")


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
            max_shots: int, seed: int, console: Console, folder: Path,
            bulk: float | None = None) -> dict[str, Any]:
    """Buffer study for one pair with the gap closed by parallel links (no distillation).

    The code's noise is the profile's, per operation (one-qubit, two-qubit,
    readout, idle; :class:`~qdcnet.qec.surface.CircuitNoise`), unless a
    uniform ``bulk`` p is given.
    """
    from qdcnet.qec.plots import plot_buffer
    from qdcnet.qec.sampling import SeamTask, run_tasks
    from qdcnet.qec.supply import buffer_study, supply_rows

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
    for i, p in enumerate(points):
        x, z = sampled[2 * i], sampled[2 * i + 1]
        per_round = x.per_round + z.per_round
        stderr = math.hypot(x.stderr, z.stderr) / rounds
        item = p.to_dict() | {"per_round": per_round, "per_round_stderr": stderr,
                              "x": x.to_dict(), "z": z.to_dict(), "links": links}
        out.append(item)
        table.add_row(str(p.depth), format_number(p.mean_wait_s),
                      f"{p.starved_rounds:.3f}", format_number(p.mean_age_s),
                      f"{p.seam_infidelity:.4f}", format_number(p.idle_error),
                      f"{per_round:.3g} ± {stderr:.1g}")
    console.print(table)
    plot_buffer(out, folder / f"buffer_{pair[0]}-{pair[1]}.png",
                f"{pair[0]}-{pair[1]}, d = {distance}, {links} link(s)")
    return {"links": links,
            "bulk": bulk if bulk is not None else dataclasses.asdict(row.noise),
            "points": out}


def run_decoder(*, distances: str, shots: int, seed: int, out: Path) -> None:
    from qdcnet.hardware.profiles import available_profiles, load_profile
    from qdcnet.qec.decoder import backlog, time_decoder
    from qdcnet.qec.plots import plot_decoder

    ds = parse_ints(distances, "--distances")
    timings = [time_decoder(d, shots=shots, seed=seed) for d in ds]
    cycles = {}
    for name in available_profiles():
        profile = load_profile(name)
        if profile.qec_cycle_time_s and math.isfinite(profile.qec_cycle_time_s):
            cycles[name] = profile.qec_cycle_time_s
    console = Console()
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
    folder = _out(out)
    plot_decoder(timings, cycles, folder / "decoder.png")
    write_json(folder / "decoder.json", result_document(
        kind="qec-decoder", seed=seed, scenario={"distances": ds, "shots": shots},
        results={"timings": rows, "cycles": cycles}))
    Console(stderr=True).print(f"wrote {folder}/decoder.json and decoder.png")
