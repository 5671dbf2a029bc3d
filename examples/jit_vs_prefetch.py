"""Just in time against prefetch: makespan and fidelity, and where each wins.

An 8-qubit QFT (input: H on every qubit, then T on the odd ones, so the output
is not a basis state) is compiled for two ion QPUs (profile ``trapped_ion``,
four data qubits and two communication qubits each, around one switch with
20 m of fibre per QPU); the compiler cuts it into cat-entangled remote gates
(4 ebits a shot). It runs shot by shot with the orchestrator live under

- ``jit``: each ebit is asked for when its operation is ready (one request,
  one stream, its control-plane overhead and set-up paid each time);
- ``prefetch``: one standing stream per QPU pair makes the next pair as soon
  as a communication qubit is free at both ends, so pairs can be ready before
  they are needed, and wait in the communication qubits meanwhile.

No minimum fidelity is asked: both policies get the same raw pairs (no
distillation) and prefetch has no hold limit, so the two differ in timing
only. ``lookahead`` (the schedule aims each pair's arrival at its need) is
reported from the schedule alone: the runtime runs it as prefetch (standing
streams cannot aim a pair), so it is a prediction, not a measurement.

Sweeps:

- **memory**: the communication qubits' T2 from 1 ms (the profile's value,
  nadlinger2022's shortest Ramsey time) to 10 s, at a link of collection
  efficiency 0.2. The profile's 0.04 (stephenson2019) gives ~60 pairs/s per stream; 0.2
  (**assumed**: a cavity or high-NA collection, ~1600 pairs/s per stream here)
  makes a pair faster than the compute between remote gates, the regime
  where prefetched pairs wait in memory. T2 beyond 7.5 ms is **assumed** (a
  better-shielded or dynamically decoupled network qubit);
- **link** (full run only): the collection efficiency from 0.04 to 0.4 at a
  communication T2 of 10 ms and of 10 s (both **assumed**; the second
  isolates what the data qubits' idling costs, their T2 being the profile's
  1 s, itself an assumption of the profile).

The monolithic baseline is the same circuit on one QPU of the same profile
with eight data qubits (no ebits). Per point and policy the table reports
the first shot's makespan (predicted by the schedule and measured), the shot
period, the mean ebit age and fidelity at use, the end-to-end state
fidelity (``engine="auto"``: exact density matrix over several executed
shots' traces, with the standard error of their mean) and the first shot's
time split (compute, waiting for ebits, classical latency, other).

Run: ``python examples/jit_vs_prefetch.py [--quick] [--seed 7] [--out DIR]``
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path
from typing import Any

import numpy as np

from qdcnet.compiler import CompileTarget, compile_circuit
from qdcnet.compiler.program import DistributedProgram
from qdcnet.config.scenario import build_datacenter
from qdcnet.errors import ParameterError
from qdcnet.network.datacenter import DataCenter
from qdcnet.network.topology import star
from qdcnet.report import result_document, write_json
from qdcnet.runtime import Job, run_job, time_breakdown
from qdcnet.runtime.jobs import predicted_fidelity
from qdcnet.schedule import schedule_program
from qdcnet.schedule.timing import ProgramTiming
from qdcnet.units import PS_PER_S

NAME = "jit_vs_prefetch"
PROFILE = "trapped_ion"
NUM_QUBITS = 8
NUM_QPUS = 2
COMM_QUBITS = 2
FIBER_M = 20.0
#: collection efficiency of the memory sweep (assumed, see the docstring)
FAST_COLLECTION = 0.2
#: communication T2s of the link sweep (assumed): short, and long enough not to matter
LINK_SWEEP_T2_S = (0.010, 10.0)
POLICIES = ("jit", "prefetch")

#: ``fidelity_traces``: executed shots whose traces the density-matrix engine evaluates
#: (the state fidelity's error bar is their spread); each costs ~1.5 s here.
FULL = {"t2_s": [0.001, 0.003, 0.010, 0.030, 0.100, 1.0, 10.0],
        "collection": [0.04, 0.1, 0.2, 0.4], "shots": 200, "fidelity_traces": 8}
#: 50 shots (not 20): the makespan difference is then resolved at 5 standard errors.
QUICK = {"t2_s": [0.001, 0.100, 10.0], "collection": [], "shots": 50, "fidelity_traces": 4}


def qft_circuit(n: int) -> Any:
    """The QFT of a product state (H on all, T on odd qubits), as a Qiskit circuit."""
    from qiskit import QuantumCircuit
    from qiskit.circuit.library import QFTGate

    circuit = QuantumCircuit(n, name=f"qft{n}")
    circuit.h(range(n))
    circuit.t(range(1, n, 2))
    circuit.append(QFTGate(n), range(n))
    return circuit.decompose()


def layout(t2_s: float | None, collection: float | None, qpus: int = NUM_QPUS,
           data: int = NUM_QUBITS // NUM_QPUS) -> dict[str, Any]:
    """The scenario: ``qpus`` ion QPUs around one switch (None: the profile's value)."""
    overrides: dict[str, Any] = {"qubits.data": data}
    if t2_s is not None:
        overrides["communication.t2"] = f"{t2_s * 1e3:g} ms"
    if collection is not None:
        overrides["communication.collection_efficiency"] = collection
    document = star(qpus, profile=PROFILE, fiber_m=FIBER_M, overrides=overrides,
                    communication_qubits=COMM_QUBITS if qpus > 1 else None,
                    name=f"{NAME}-{qpus}qpu")
    return document


def mean_se(summary: dict[str, Any], key: str) -> tuple[float | None, float | None]:
    value = summary[key]
    return value["mean"], value["se"]


def run_policy(program: DistributedProgram, dc: DataCenter, policy: str, shots: int,
               traces: int, seed: int) -> dict[str, Any]:
    """One job under ``policy``: the summary's figures and the first shot's time split."""
    start = time.perf_counter()
    result = run_job(dc, Job(program, shots=shots, policy=policy, name=f"{NAME}-{policy}"),
                     engine="auto", fidelity_shots=traces, seed=seed)
    s = result.summary()
    if not result.completed:
        raise RuntimeError(f"{policy}: the job did not complete: {result.failure}")
    split = time_breakdown(result.timing, result.traces[0])
    fid, pred = s["fidelity"], s["predicted_fidelity"]
    supply = next(iter(result.schedule.supplies.values()), None)
    spans = result.makespans_s()
    planned = [e for e in result.schedule.ebits if e.shot == 0]
    return {
        "policy": policy, "supplier": s["supplier"], "supplier_note": s["supplier_note"],
        "shots": shots, "ebits_per_shot": s["ebits_per_shot"],
        "predicted_makespan_s": s["predicted_makespan_s"],
        "measured_first_makespan_s": s["measured_first_makespan_s"],
        "measured_makespan_mean_s": s["measured_makespan_s"]["mean"],
        "measured_makespan_se_s": s["measured_makespan_s"]["se"],
        "measured_makespan_max_s": max(spans),
        "predicted_shot_period_s": s["shot_period_s"],
        "measured_shot_period_s": s["measured_shot_period_s"],
        "lower_bound_s": s["bounds"]["largest_ps"] / PS_PER_S,
        "lower_bound": s["bounds"]["largest"],
        "bounds": s["bounds"], "ratio": s["ratio"],
        "ebit_age_s": mean_se(s, "ebit_age_s")[0], "ebit_age_se_s": mean_se(s, "ebit_age_s")[1],
        "ebit_wait_s": mean_se(s, "ebit_wait_s")[0],
        "ebit_wait_se_s": mean_se(s, "ebit_wait_s")[1],
        "ebit_uses": sum(len(t.ebits) for t in result.traces),
        "ebit_fidelity_at_use": mean_se(s, "ebit_fidelity_at_use")[0],
        "ebit_fidelity_at_use_se": mean_se(s, "ebit_fidelity_at_use")[1],
        "state_fidelity": fid["state_fidelity"], "state_fidelity_se": fid["state_fidelity_se"],
        "fidelity_engine": fid["engine"], "fidelity_exact": fid["exact"],
        "fidelity_traces": traces,
        "predicted_state_fidelity": pred["state_fidelity"],
        # The schedule's first shot: how long it expects each pair to wait, and its state.
        "predicted_ebit_age_s": float(np.mean([(e.use_ps - e.ready_ps) / PS_PER_S
                                               for e in planned])) if planned else None,
        "predicted_ebit_fidelity_at_use": float(np.mean([e.expected_state[0]
                                                         for e in planned]))
        if planned else None,
        "first_shot_split_s": {
            "makespan": split.makespan_ps / PS_PER_S, "compute": split.compute_ps / PS_PER_S,
            "ebit_wait": split.ebit_wait_ps / PS_PER_S,
            "classical": split.classical_ps / PS_PER_S, "other": split.other_ps / PS_PER_S},
        "expired_pairs": result.extra.get("expired_pairs", 0),
        "supply": None if supply is None else supply.to_dict(),
        "wall_s": time.perf_counter() - start,
    }


def lookahead_prediction(program: DistributedProgram, dc: DataCenter) -> dict[str, Any]:
    """The schedule's lookahead (pairs aimed at their need): predicted figures only."""
    timing = ProgramTiming.build(program, dc.ops, dc.classical.mean_latency_s)
    schedule = schedule_program(program, dc, policy="lookahead", shots=2, timing=timing)
    first = [e for e in schedule.ebits if e.shot == 0]
    fidelity = predicted_fidelity(dc, schedule, timing)
    return {
        "policy": "lookahead (predicted)",
        "predicted_makespan_s": schedule.makespan_ps / PS_PER_S,
        "predicted_shot_period_s": (None if schedule.shot_period_ps is None
                                    else schedule.shot_period_ps / PS_PER_S),
        "predicted_ebit_age_s": float(np.mean([(e.use_ps - e.ready_ps) / PS_PER_S
                                               for e in first])),
        "predicted_ebit_fidelity_at_use": float(np.mean([e.expected_state[0]
                                                         for e in first])),
        "predicted_state_fidelity": None if fidelity is None else fidelity[0],
        "predicted_state_fidelity_se": None if fidelity is None else fidelity[1],
    }


def monolithic(circuit: Any, seed: int, shots: int) -> dict[str, Any]:
    """The same circuit on one QPU of the profile with all its qubits (no ebits)."""
    document = layout(None, None, qpus=1, data=NUM_QUBITS)
    dc = build_datacenter(document, seed=seed)
    program = compile_circuit(circuit, CompileTarget.from_datacenter(dc), seed=seed).program
    # Its timing does not vary shot to shot (no ebits): one trace gives the exact fidelity.
    row = run_policy(program, dc, "jit", shots, 1, seed)
    row["policy"] = "monolithic"
    row["scenario"] = document
    return row


def sweep_point(program: DistributedProgram, t2_s: float, collection: float, seed: int,
                shots: int, traces: int) -> dict[str, Any]:
    rows = {}
    for policy in POLICIES:
        dc = build_datacenter(layout(t2_s, collection), seed=seed)
        rows[policy] = run_policy(program, dc, policy, shots, traces, seed)
    dc = build_datacenter(layout(t2_s, collection), seed=seed)
    rows["lookahead"] = lookahead_prediction(program, dc)
    jit, pre = rows["jit"], rows["prefetch"]
    rows["comparison"] = compare(jit, pre)
    return {"t2_s": t2_s, "collection": collection, "policies": rows}


def _z(diff: float, *ses: float | None) -> float | None:
    se = math.sqrt(sum((s or 0.0) ** 2 for s in ses))
    return None if se == 0 else diff / se


def compare(jit: dict[str, Any], pre: dict[str, Any]) -> dict[str, Any]:
    """Prefetch against jit: differences (jit - prefetch) and their z-scores."""
    span = jit["measured_makespan_mean_s"] - pre["measured_makespan_mean_s"]
    ebit = jit["ebit_fidelity_at_use"] - pre["ebit_fidelity_at_use"]
    state = jit["state_fidelity"] - pre["state_fidelity"]
    return {
        "first_makespan_ratio": jit["measured_first_makespan_s"]
        / pre["measured_first_makespan_s"],
        "predicted_makespan_ratio": jit["predicted_makespan_s"] / pre["predicted_makespan_s"],
        "mean_makespan_ratio": jit["measured_makespan_mean_s"] / pre["measured_makespan_mean_s"],
        "shot_period_ratio": jit["measured_shot_period_s"] / pre["measured_shot_period_s"],
        "mean_makespan_gain_s": span,
        "mean_makespan_gain_z": _z(span, jit["measured_makespan_se_s"],
                                   pre["measured_makespan_se_s"]),
        "ebit_fidelity_gap": ebit,
        "ebit_fidelity_gap_z": _z(ebit, jit["ebit_fidelity_at_use_se"],
                                  pre["ebit_fidelity_at_use_se"]),
        "state_fidelity_gap": state,
        "state_fidelity_gap_z": _z(state, jit["state_fidelity_se"], pre["state_fidelity_se"]),
    }


def ms(x: float | None) -> str:
    return "-" if x is None else f"{x * 1e3:.3f}"


def fid(x: float | None, se: float | None = None) -> str:
    if x is None:
        return "-"
    return f"{x:.4f}" if se is None else f"{x:.4f} ± {se:.4f}"


HEADER = ("| sweep | T2 comm | η coll. | policy | makespan pred / 1st shot [ms] | "
          "shot period [ms] | ebit wait / age (pred. age) [ms] | ebit F at use | state F | "
          "1st shot: compute / ebit wait / classical / other [ms] |")


def table_rows(point: dict[str, Any], sweep: str) -> list[str]:
    out = []
    label = f"| {sweep} | {point['t2_s'] * 1e3:g} ms | {point['collection']:g} "
    for name in POLICIES:
        r = point["policies"][name]
        split = r["first_shot_split_s"]
        out.append(
            f"{label}| {name} | {ms(r['predicted_makespan_s'])} / "
            f"{ms(r['measured_first_makespan_s'])} | {ms(r['measured_shot_period_s'])} | "
            f"{ms(r['ebit_wait_s'])} / {ms(r['ebit_age_s'])} ({ms(r['predicted_ebit_age_s'])}) | "
            f"{fid(r['ebit_fidelity_at_use'])} | "
            f"{fid(r['state_fidelity'], r['state_fidelity_se'])} | "
            f"{ms(split['compute'])} / {ms(split['ebit_wait'])} / {ms(split['classical'])} / "
            f"{ms(split['other'])} |")
    la = point["policies"]["lookahead"]
    out.append(f"{label}| lookahead (pred.) | {ms(la['predicted_makespan_s'])} / - | "
               f"{ms(la['predicted_shot_period_s'])} (pred.) | "
               f"- / {ms(la['predicted_ebit_age_s'])} | "
               f"{fid(la['predicted_ebit_fidelity_at_use'])} | "
               f"{fid(la['predicted_state_fidelity'])} (pred.) | - |")
    return out


def print_table(results: dict[str, Any]) -> None:
    print(HEADER)
    print("|---" * (HEADER.count("|") - 1) + "|")
    mono = results["monolithic"]
    split = mono["first_shot_split_s"]
    print(f"| monolithic | - | - | one QPU | {ms(mono['predicted_makespan_s'])} / "
          f"{ms(mono['measured_first_makespan_s'])} | {ms(mono['measured_shot_period_s'])} | "
          f"- | - | {fid(mono['state_fidelity'], mono['state_fidelity_se'])} | "
          f"{ms(split['compute'])} / {ms(split['ebit_wait'])} / {ms(split['classical'])} / "
          f"{ms(split['other'])} |")
    for point in results["memory_sweep"]:
        for line in table_rows(point, "memory"):
            print(line)
    for point in results["link_sweep"]:
        for line in table_rows(point, "link"):
            print(line)
    print()
    print("| sweep | T2 comm | η coll. | jit/prefetch makespan: 1st shot, mean, shot period | "
          "mean makespan gain [ms] (z) | ebit F gap jit-prefetch (z) | "
          "state F gap jit-prefetch (z) |")
    print("|---|---|---|---|---|---|---|")
    for sweep in ("memory", "link"):
        for point in results[f"{sweep}_sweep"]:
            c = point["policies"]["comparison"]
            print(f"| {sweep} | {point['t2_s'] * 1e3:g} ms | {point['collection']:g} | "
                  f"{c['first_makespan_ratio']:.2f}, {c['mean_makespan_ratio']:.2f}, "
                  f"{c['shot_period_ratio']:.2f} | {ms(c['mean_makespan_gain_s'])} "
                  f"({_fmt_z(c['mean_makespan_gain_z'])}) | {c['ebit_fidelity_gap']:+.4f} "
                  f"({_fmt_z(c['ebit_fidelity_gap_z'])}) | {c['state_fidelity_gap']:+.4f} "
                  f"({_fmt_z(c['state_fidelity_gap_z'])}) |")


def _fmt_z(z: float | None) -> str:
    return "-" if z is None else f"{z:+.1f}"


COLORS = {"jit": "tab:blue", "prefetch": "tab:orange", "lookahead": "tab:green"}


def _policy_lines(ax: Any, points: list[dict[str, Any]], x: list[float], key: str,
                  se_key: str | None, predicted_key: str | None, style: str = "o-",
                  label: str = "") -> None:
    """Measured ``key`` (± ``se_key``) per policy, the schedule's prediction dashed, and
    lookahead's prediction dotted."""
    for name in POLICIES:
        rows = [p["policies"][name] for p in points]
        ax.errorbar(x, [r[key] for r in rows],
                    yerr=None if se_key is None else [r[se_key] or 0.0 for r in rows],
                    fmt=style, color=COLORS[name], label=f"{name}{label}: measured")
        if predicted_key is not None:
            ax.plot(x, [r[predicted_key] for r in rows], "--", lw=1, color=COLORS[name],
                    label=f"{name}{label}: predicted")
    if predicted_key is not None:
        lookahead_key = ("predicted_ebit_fidelity_at_use" if key == "ebit_fidelity_at_use"
                         else predicted_key)
        ax.plot(x, [p["policies"]["lookahead"][lookahead_key] for p in points], ":",
                color=COLORS["lookahead"], label=f"lookahead{label}: predicted")


def plot(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FixedLocator, NullFormatter, NullLocator, ScalarFormatter

    mem = results["memory_sweep"]
    link = results["link_sweep"]
    mono = results["monolithic"]
    t2 = [p["t2_s"] for p in mem]
    fig, axes = plt.subplots(2, 2, figsize=(12, 9))

    def eta_axis(ax: Any, etas: list[float]) -> None:
        ax.set_xscale("log")
        ax.xaxis.set_major_locator(FixedLocator(etas))
        ax.xaxis.set_minor_locator(NullLocator())
        ax.set_xticklabels([f"{e:g}" for e in etas])
        ax.set_xlabel("collection efficiency η (link rate)")

    ax = axes[0][0]
    if link:
        short = [p for p in link if p["t2_s"] == LINK_SWEEP_T2_S[0]]
        etas = [p["collection"] for p in short]
        for name in POLICIES:
            rows = [p["policies"][name] for p in short]
            ax.errorbar(etas, [r["measured_makespan_mean_s"] * 1e3 for r in rows],
                        yerr=[r["measured_makespan_se_s"] * 1e3 for r in rows], fmt="o-",
                        color=COLORS[name], label=f"{name}: measured, mean per shot")
            ax.plot(etas, [r["measured_shot_period_s"] * 1e3 for r in rows], "s:",
                    color=COLORS[name], label=f"{name}: measured shot period")
            ax.plot(etas, [r["predicted_makespan_s"] * 1e3 for r in rows], "--", lw=1,
                    color=COLORS[name], label=f"{name}: predicted first shot")
        ax.plot(etas, [p["policies"]["lookahead"]["predicted_makespan_s"] * 1e3
                       for p in short], ":", color=COLORS["lookahead"],
                label="lookahead: predicted first shot")
        eta_axis(ax, etas)
        ax.set_yscale("log")
        ax.yaxis.set_major_locator(FixedLocator([2, 3, 5, 10, 20, 50, 100]))
        ax.yaxis.set_major_formatter(ScalarFormatter())
        ax.yaxis.set_minor_formatter(NullFormatter())
        ax.set_title("(a) makespan against link rate (timing does not depend on T2)")
    else:
        for name in POLICIES:
            rows = [p["policies"][name] for p in mem]
            ax.errorbar(t2, [r["measured_makespan_mean_s"] * 1e3 for r in rows],
                        yerr=[r["measured_makespan_se_s"] * 1e3 for r in rows], fmt="o-",
                        color=COLORS[name], label=f"{name}: measured, mean per shot")
            ax.plot(t2, [r["predicted_makespan_s"] * 1e3 for r in rows], "--", lw=1,
                    color=COLORS[name], label=f"{name}: predicted first shot")
        ax.set_xscale("log")
        ax.set_xlabel("communication-qubit T2 [s]")
        ax.set_title(f"(a) makespan, link η = {FAST_COLLECTION:g}")
    ax.axhline(mono["measured_first_makespan_s"] * 1e3, color="k", lw=1,
               label="monolithic (one QPU)")
    ax.set_ylabel("time [ms]")
    ax.legend(fontsize=7)

    ax = axes[0][1]
    _policy_lines(ax, mem, t2, "state_fidelity", "state_fidelity_se",
                  "predicted_state_fidelity")
    ax.axhline(mono["state_fidelity"], color="k", lw=1, label="monolithic (one QPU)")
    ax.set_xscale("log")
    ax.set_xlabel("communication-qubit T2 [s]")
    ax.set_ylabel("end-to-end state fidelity")
    ax.set_title(f"(b) state fidelity against memory (η = {FAST_COLLECTION:g}; ± 1 s.e.)")
    ax.legend(fontsize=7)

    ax = axes[1][0]
    _policy_lines(ax, mem, t2, "ebit_fidelity_at_use", "ebit_fidelity_at_use_se", None)
    ax.plot(t2, [p["policies"]["lookahead"]["predicted_ebit_fidelity_at_use"] for p in mem],
            ":", color=COLORS["lookahead"], label="lookahead: predicted")
    ax.set_xscale("log")
    ax.set_xlabel("communication-qubit T2 [s]")
    ax.set_ylabel("mean ebit fidelity at use")
    ax.set_title(f"(c) ebit fidelity at use (η = {FAST_COLLECTION:g})")
    ax.legend(fontsize=7)

    ax = axes[1][1]
    if link:
        for t2_s, style in zip(LINK_SWEEP_T2_S, ("o-", "s--"), strict=True):
            points = [p for p in link if p["t2_s"] == t2_s]
            etas = [p["collection"] for p in points]
            for name in POLICIES:
                rows = [p["policies"][name] for p in points]
                ax.errorbar(etas, [r["state_fidelity"] for r in rows],
                            yerr=[r["state_fidelity_se"] or 0.0 for r in rows], fmt=style,
                            color=COLORS[name], label=f"{name}, T2 = {t2_s * 1e3:g} ms")
        ax.axhline(mono["state_fidelity"], color="k", lw=1, label="monolithic (one QPU)")
        eta_axis(ax, sorted({p["collection"] for p in link}))
        ax.set_ylabel("end-to-end state fidelity")
        ax.set_title("(d) state fidelity against link rate (± 1 s.e.)")
    else:
        for name in POLICIES:
            rows = [p["policies"][name] for p in mem]
            ax.plot(t2, [r["ebit_age_s"] * 1e3 for r in rows], "o-", color=COLORS[name],
                    label=f"{name}: measured")
        ax.set_xscale("log")
        ax.set_xlabel("communication-qubit T2 [s]")
        ax.set_ylabel("mean ebit age at use [ms]")
        ax.set_title("(d) ebit age at use (link sweep: full run only)")
    ax.legend(fontsize=7)
    fig.suptitle(f"QFT-{NUM_QUBITS} on {NUM_QPUS} ion QPUs ({PROFILE}, {COMM_QUBITS} "
                 "communication qubits each): just in time against prefetch")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="3 memory points, 20 shots, no link sweep (< 90 s)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", default=f"./qdcnet-output/{NAME}")
    parser.add_argument("--shots", type=int, default=None, help="shots per run (override)")
    args = parser.parse_args(argv)
    settings = dict(QUICK if args.quick else FULL)
    if args.shots is not None:
        if args.shots < 2:
            raise ParameterError("shots", args.shots, "an integer >= 2")
        settings["shots"] = args.shots
    out = Path(args.out)
    wall = time.perf_counter()
    circuit = qft_circuit(NUM_QUBITS)
    # One program for every point: the sweeps change coherence and link rate only,
    # not the QPUs' capacities, so the compiler's cut is the same everywhere.
    base = build_datacenter(layout(settings["t2_s"][0], FAST_COLLECTION),
                            seed=args.seed)
    program = compile_circuit(circuit, CompileTarget.from_datacenter(base),
                              seed=args.seed).program
    shots, traces = settings["shots"], settings["fidelity_traces"]
    results: dict[str, Any] = {
        "settings": settings | {"quick": args.quick, "profile": PROFILE, "qubits": NUM_QUBITS,
                                "qpus": NUM_QPUS, "comm_qubits": COMM_QUBITS,
                                "fiber_m": FIBER_M, "fast_collection": FAST_COLLECTION,
                                "link_sweep_t2_s": list(LINK_SWEEP_T2_S), "min_fidelity": None},
        "program": program.summary(),
        "monolithic": monolithic(circuit, args.seed, shots),
    }
    points: dict[tuple[float, float], dict[str, Any]] = {}

    def point(t2_s: float, collection: float) -> dict[str, Any]:
        # The link sweep's point at the memory sweep's collection efficiency is shared.
        key = (t2_s, collection)
        if key not in points:
            points[key] = sweep_point(program, t2_s, collection, args.seed, shots, traces)
        return points[key]

    results["memory_sweep"] = [point(t2, FAST_COLLECTION) for t2 in settings["t2_s"]]
    results["link_sweep"] = [point(t2, eta) for t2 in LINK_SWEEP_T2_S
                             for eta in settings["collection"]]
    results["wall_s"] = time.perf_counter() - wall
    scenario = {"distributed": layout(None, None), "sweeps": {
        "communication.t2_s": settings["t2_s"],
        "communication.collection_efficiency": settings["collection"],
        "link_sweep_communication.t2_s": list(LINK_SWEEP_T2_S)},
        "monolithic": results["monolithic"].pop("scenario")}
    print(f"\nQFT-{NUM_QUBITS} on {NUM_QPUS} x {PROFILE} ({COMM_QUBITS} communication qubits "
          f"each), {program.summary()['ebits']} ebits a shot, {shots} shots per run, "
          f"seed {args.seed}\n")
    print_table(results)
    print(f"\nwall {results['wall_s']:.1f} s")
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / "result.json", result_document(kind=NAME, seed=args.seed,
                                                    scenario=scenario, results=results))
    plot(results, out / f"{NAME}.png")
    print(f"wrote {out / 'result.json'} and {out / f'{NAME}.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
