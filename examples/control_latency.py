"""The classical control path: feed-forward latency per hop against makespan and fidelity.

A qubit state is relayed back and forth between two superconducting QPUs by
one-bit teleportation, ``--hops`` times (default 4): in each hop the sender's
qubit is entangled with the receiver's (a remote CNOT: one ebit, and the
compiler's cat-entangler and disentangler each send a measured bit across),
measured in the X basis in mid-circuit, and the receiver applies a Z
conditioned on that bit (a third message), then the sender's qubit is reset
for the way back. At the end the state is rotated back and read out, so the
ideal result is ``out = 0`` every shot. Every hop therefore puts measured
bits on the classical control path between the two QPU controllers. Keep
``--hops`` at 4 or less: beyond that the exact engine has too many measurement
branches and the fidelity falls back to (slow) trajectory sampling.

The scenario's ``classical.per_hop`` (a processing delay added per fibre hop
on the route of a classical message, :mod:`qdcnet.network.classical`) is
swept from 100 ns to 100 us. In the two-QPU star a message from one QPU to
the other crosses two hops (QPU - switch - QPU) and 2 x 20 m of fibre, so one
message takes ``2 x per_hop + 0.196 us``; the table lists both. The tight
regime of the NVQLink reference architecture (Caldwell et al.,
arXiv:2510.25213: at most 3.96 us FPGA -> GPU -> FPGA) is the point where one
message takes about 4 us (``per_hop`` = 2 us here).

For each latency and each ebit policy (``jit``: ask for each ebit when its
operation is ready; ``prefetch``: a standing stream makes pairs as soon as the
communication qubits allow; ``prefetch F>=0.5``: the same with the job's
minimum fidelity 0.5, whose error budget gives each ebit a target, so the
runtime gives back a pair held below it and makes a fresh one) the script
reports the first shot's makespan and its split along the critical path
(:func:`qdcnet.runtime.time_breakdown`: compute, ebit wait, classical latency,
other), the number of QPU-to-QPU messages in series on that path (classical
part / one message's latency), the shot period, the ebits' age and fidelity
at use, and the end-to-end *relay fidelity*: the probability of the ideal
``out = 0`` from the exact density-matrix engine over 8 executed shots (the
relayed state's fidelity with the input state, seen through the final
readout). The slope d(makespan)/d(per_hop) is fitted where classical latency
leads. The full run repeats ``jit`` with 1 and 2 hops (the quick run with 1)
to show the slope grows with the hops. The monolithic baseline runs the same
circuit on one QPU with both qubits (local feed-forward only).

Assumptions (beyond the ``superconducting`` profile, whose figures and
sources ``qdcnet profiles superconducting`` lists):

- two Willow-class transmon QPUs with one data qubit each (``qubits.data: 1``,
  which forces every hop across the network) and the profile's one
  communication qubit, 20 m of fibre each to one optical switch (1 dB, 10 us
  reconfiguration: the ``star`` builder's defaults) and a BSM array;
- transducers whose optical pump does not limit the attempts (the profile's
  10 Hz cap, itself an order-of-magnitude assumption, is lifted to 1 GHz: a
  what-if of a continuously pumped transducer); at 10 Hz every hop would wait
  about a second for its pair and nothing else would show; noiseless (the
  profile's 0.16 added quanta make 62 % of the heralds false, F = 0.40) and 50 %
  efficient (the profile's 8.7 % makes a pair every ~85 us, as long as T2): a
  what-if transducer, so that the classical path is what the sweep shows (the
  photons cross the fibre at 1550 nm, converted by the transducers);
- single-click heralding (both transducers emit photon-number states; the
  default two-click scheme needs photonic qubits), alpha = 0.05 (F = 0.95;
  the scenario default 0.1 gives 0.90);
- no jitter on the classical channel, no control plane node (requests for
  ebits pay no classical latency, so the sweep isolates feed-forward);
- the input state is ``ry(pi/2)|0>`` (on the equator: the most sensitive to
  dephasing);
- the library times a condition read on the QPU that measured it with no
  latency: the profile's ``control.feed_forward_latency`` (1 us, an
  assumption of the profile) is loaded but not used by the scheduler or the
  runtime, so the monolithic baseline (and the local feed-forward inside each
  remote gate) pay no controller latency at all.

Run: ``python examples/control_latency.py [--quick] [--seed 7] [--out DIR]``
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from qdcnet.compiler import CompileTarget, compile_circuit
from qdcnet.compiler.program import DistributedProgram
from qdcnet.config.scenario import build_datacenter
from qdcnet.errors import ParameterError
from qdcnet.network.topology import star
from qdcnet.report import result_document, write_json
from qdcnet.runtime import time_breakdown
from qdcnet.runtime.jobs import Job, run_job
from qdcnet.units import PS_PER_S

NAME = "control_latency"
PROFILE = "superconducting"
#: The profile caps the transducer's pump at 10 Hz (an order-of-magnitude assumption);
#: this experiment isolates the classical path, so its pump never limits the attempts,
#: its added noise (0.16 quanta: 62 % of single-click heralds false, F = 0.40) is taken
#: away and its efficiency raised from 0.087 to 0.5: a what-if of a transducer good
#: enough that pairs come faster than the transmons' T2, so the classical path shows.
PUMP = {"communication.transducer.repetition_rate": "1 GHz",
        "communication.transducer.added_noise": 0.0,
        "communication.transducer.efficiency": 0.5}
#: Bright-state population: 0.05 makes pairs of F = 0.95 through the noiseless
#: transducers (0.1, the scenario default, gives 0.90, below the 0.91 per ebit that the
#: prefetch runs' fidelity floor asks for).
ALPHA = 0.05
#: per-hop controller latencies swept (s): the issue's 100 ns .. 100 us, and 2 us, where
#: one QPU-to-QPU message (two hops) takes about NVQLink's 3.96 us
PER_HOP_S = (100e-9, 300e-9, 1e-6, 2e-6, 4e-6, 10e-6, 30e-6, 100e-6)
QUICK_PER_HOP_S = (100e-9, 2e-6, 100e-6)
PREFETCH_FLOOR = "prefetch F>=0.5"
FLOOR = 0.5
NVQLINK_ROUND_TRIP_S = 3.96e-6  # Caldwell et al. arXiv:2510.25213 (REFERENCE.md section 5)
#: (label, runtime policy, the job's minimum fidelity): the floor makes the runtime give back a
#: pair held so long that it falls below its share of the error budget, and make a fresh one
POLICIES = (("jit", "jit", None), ("prefetch", "prefetch", None),
            (PREFETCH_FLOOR, "prefetch", FLOOR))
THETA = math.pi / 2
FIBER_M = 20.0
#: further relay lengths run just in time, to show the slope grows with the hops
HOP_SCAN = (1, 2, 4)
QUICK_HOP_SCAN = (1,)
#: executed shots whose noisy circuits the exact engine evaluates (spread over the run)
FIDELITY_TRACES = 8


def relay_circuit(hops: int, theta: float = THETA) -> str:
    """OpenQASM 2 of the teleportation relay: ``hops`` one-bit teleports between q[0] and q[1].

    Each hop has its own one-bit register, so each correction reads exactly the
    bit measured in that hop; ``out`` is 0 in every ideal shot.
    """
    if hops < 1:
        raise ParameterError("hops", hops, "an integer >= 1")
    lines = ['OPENQASM 2.0;', 'include "qelib1.inc";', "qreg q[2];"]
    lines += [f"creg m{k}[1];" for k in range(hops)] + ["creg out[1];", f"ry({theta!r}) q[0];"]
    for k in range(hops):
        a, b = k % 2, (k + 1) % 2
        if k:
            lines.append(f"reset q[{b}];")
        lines += [f"cx q[{a}],q[{b}];", f"h q[{a}];", f"measure q[{a}] -> m{k}[0];",
                  f"if(m{k}==1) z q[{b}];"]
    last = hops % 2
    lines += [f"ry({-theta!r}) q[{last}];", f"measure q[{last}] -> out[0];"]
    return "\n".join(lines) + "\n"


def scenario(per_hop_s: float, *, monolithic: bool = False) -> dict[str, Any]:
    """Two one-qubit SC QPUs around a switch, or one two-qubit QPU (the baseline)."""
    document = star(1 if monolithic else 2, profile=PROFILE, fiber_m=FIBER_M,
                    overrides={"qubits.data": 2 if monolithic else 1, **PUMP},
                    name="control-latency-mono" if monolithic else "control-latency")
    document["links"] = {"scheme": "single_click", "alpha": ALPHA}
    document["classical"] = {"per_hop": f"{per_hop_s * 1e9:.6g} ns", "jitter": "0 ns"}
    return document


def out_success(engine_result: Any) -> float | None:
    """P(out = 0): the last classical bit (printed first) of the exact distribution."""
    if engine_result is None:
        return None
    distribution = engine_result.distribution or engine_result.counts
    total = sum(distribution.values())
    if not total:
        return None
    return float(sum(p for key, p in distribution.items() if key[0] == "0") / total)


def compile_relay(hops: int, seed: int, *, monolithic: bool = False) -> DistributedProgram:
    """The relay compiled once for the QPUs (latency does not change the program)."""
    dc = build_datacenter(scenario(0.0, monolithic=monolithic), seed=seed)
    return compile_circuit(relay_circuit(hops), CompileTarget.from_datacenter(dc),
                           seed=seed).program


def run_point(program: DistributedProgram, per_hop_s: float, policy: str, shots: int,
              seed: int, *, monolithic: bool = False, label: str | None = None,
              min_fidelity: float | None = None) -> dict[str, Any]:
    document = scenario(per_hop_s, monolithic=monolithic)
    dc = build_datacenter(document, seed=seed)
    wall = time.perf_counter()
    result = run_job(dc, Job(program, shots=shots, policy=policy, min_fidelity=min_fidelity,
                             name="relay-mono" if monolithic else "relay"),
                     engine="auto", fidelity_shots=FIDELITY_TRACES, seed=seed)
    wall = time.perf_counter() - wall
    if not result.completed:
        raise RuntimeError(f"{label or policy} at per_hop {per_hop_s:g} s: {result.failure}")
    summary = result.summary()
    split = time_breakdown(result.timing, result.traces[0])
    message_ps = (0 if monolithic
                  else round(dc.classical.mean_latency_s("qpu0", "qpu1") * PS_PER_S))
    return {
        "per_hop_s": per_hop_s,
        "message_latency_s": message_ps / PS_PER_S,
        "policy": "monolithic" if monolithic else (label or policy),
        "min_fidelity": min_fidelity,
        "supplier_note": summary["supplier_note"],
        "ebits_per_shot": summary["ebits_per_shot"],
        "first_makespan_s": split.makespan_ps / PS_PER_S,
        "predicted_makespan_s": summary["predicted_makespan_s"],
        "mean_makespan_s": summary["measured_makespan_s"]["mean"],
        "mean_makespan_se_s": summary["measured_makespan_s"]["se"],
        "compute_s": split.compute_ps / PS_PER_S,
        "ebit_wait_s": split.ebit_wait_ps / PS_PER_S,
        "classical_s": split.classical_ps / PS_PER_S,
        "other_s": split.other_ps / PS_PER_S,
        "fractions": split.fractions(),
        # messages in flight on the critical path (the library's split / one message)
        "critical_messages": split.classical_ps / message_ps if message_ps else 0.0,
        "shot_period_s": summary["measured_shot_period_s"],
        "critical_path_bound_s": summary["bounds"]["critical_path_ps"] / PS_PER_S,
        "ebit_wait_mean_s": summary["ebit_wait_s"]["mean"],
        "ebit_age_mean_s": summary["ebit_age_s"]["mean"],
        "ebit_age_se_s": summary["ebit_age_s"]["se"],
        "ebit_fidelity_at_use": summary["ebit_fidelity_at_use"]["mean"],
        "relay_fidelity": out_success(result.fidelity),
        "predicted_relay_fidelity": out_success(result.predicted_fidelity),
        "tvd": result.fidelity.tvd if result.fidelity is not None else None,
        "fidelity_engine": result.fidelity.engine if result.fidelity is not None else None,
        "fidelity_exact": result.fidelity.exact if result.fidelity is not None else None,
        "wall_s": wall,
    }


def slope(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Least-squares d(makespan)/d(per_hop) over the points where classical latency leads."""
    used = [r for r in rows if r["classical_s"] >= r["ebit_wait_s"] + r["compute_s"]]
    if len(used) < 2:
        used = rows[-2:]
    x = np.array([r["per_hop_s"] for r in used])
    y = np.array([r["first_makespan_s"] for r in used])
    fit = float(np.polyfit(x, y, 1)[0]) if len(set(x.tolist())) > 1 else float("nan")
    return {"slope": fit, "points": [r["per_hop_s"] for r in used]}


def crossover(rows: list[dict[str, Any]]) -> float | None:
    """The smallest per-hop latency whose classical share of the makespan passes the ebit wait."""
    for row in rows:
        if row["classical_s"] > row["ebit_wait_s"]:
            return row["per_hop_s"]
    return None


def _fmt_time(seconds: float | None) -> str:
    if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
        return "-"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6), ("ns", 1e-9)):
        if abs(seconds) >= scale or unit == "ns":
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds:.3g} s"


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def print_table(rows: list[dict[str, Any]]) -> None:
    print("| hops | per hop | message | policy | first makespan | compute | ebit wait | "
          "classical | other | crit. msgs | shot period | ebit age | ebit F | relay F |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['hops']} | {_fmt_time(r['per_hop_s'])} | "
              f"{_fmt_time(r['message_latency_s'])} | "
              f"{r['policy']} | {_fmt_time(r['first_makespan_s'])} | "
              f"{_fmt_time(r['compute_s'])} | {_fmt_time(r['ebit_wait_s'])} | "
              f"{_fmt_time(r['classical_s'])} | {_fmt_time(r['other_s'])} | "
              f"{r['critical_messages']:.1f} | {_fmt_time(r['shot_period_s'])} | "
              f"{_fmt_time(r['ebit_age_mean_s'])} | {_fmt(r['ebit_fidelity_at_use'], '.4f')} | "
              f"{_fmt(r['relay_fidelity'], '.4f')} |")


def plot(rows: list[dict[str, Any]], path: Path, hops: int, nvqlink_per_hop_s: float) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.8))
    mono = [r for r in rows if r["policy"] == "monolithic"]
    main_rows = [r for r in rows if r["hops"] == hops]
    styles = {"jit": ("tab:blue", "o"), "prefetch": ("tab:orange", "s"),
              PREFETCH_FLOOR: ("tab:green", "^")}
    for policy, (color, marker) in styles.items():
        mine = [r for r in main_rows if r["policy"] == policy]
        if not mine:
            continue
        x = [r["per_hop_s"] * 1e6 for r in mine]
        axes[0].plot(x, [r["first_makespan_s"] * 1e6 for r in mine], marker=marker,
                     color=color, label=f"{hops} hops, {policy}: first shot")
        axes[0].plot(x, [r["shot_period_s"] * 1e6 for r in mine], marker=marker,
                     color=color, linestyle=":", markerfacecolor="none",
                     label=f"{hops} hops, {policy}: shot period")
        axes[2].plot(x, [r["relay_fidelity"] for r in mine], marker=marker, color=color,
                     label=f"relay fidelity, {policy}")
        axes[2].plot(x, [r["ebit_fidelity_at_use"] for r in mine], marker=marker,
                     color=color, linestyle=":", markerfacecolor="none",
                     label=f"ebit fidelity at use, {policy}")
    scan = sorted({r["hops"] for r in rows if r["hops"] != hops and r["policy"] == "jit"})
    for h, dash in zip(scan, ("-.", "--", ":"), strict=False):
        mine = [r for r in rows if r["hops"] == h and r["policy"] == "jit"]
        label = f"{h} hop{'s' if h > 1 else ''}, jit"
        x = [r["per_hop_s"] * 1e6 for r in mine]
        axes[0].plot(x, [r["first_makespan_s"] * 1e6 for r in mine], color="tab:gray",
                     marker=".", linestyle=dash, linewidth=0.9, label=f"{label}: first shot")
        axes[2].plot(x, [r["relay_fidelity"] for r in mine], color="tab:gray", marker=".",
                     linestyle=dash, linewidth=0.9, label=f"relay fidelity, {label}")
    split = [r for r in main_rows if r["policy"] == "prefetch"] or \
        [r for r in main_rows if r["policy"] == "jit"]
    x = [r["per_hop_s"] * 1e6 for r in split]
    bottom = np.zeros(len(split))
    for key, color, label in (("compute_s", "tab:green", "compute"),
                              ("ebit_wait_s", "tab:purple", "ebit wait"),
                              ("classical_s", "tab:red", "classical latency"),
                              ("other_s", "tab:gray", "other")):
        share = np.array([r[key] / r["first_makespan_s"] for r in split])
        axes[1].fill_between(x, bottom, bottom + share, color=color, alpha=0.6, label=label)
        bottom = bottom + share
    if mono:
        axes[0].axhline(mono[0]["first_makespan_s"] * 1e6, color="k", linestyle="--",
                        label="monolithic (one QPU)")
        axes[2].axhline(mono[0]["relay_fidelity"], color="k", linestyle="--",
                        label="monolithic relay fidelity")
    for ax in axes:
        ax.set_xscale("log")
        ax.axvline(nvqlink_per_hop_s * 1e6, color="tab:cyan", linewidth=1)
        ax.set_xlabel("classical latency per hop [us] (one message = 2 hops)")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].text(nvqlink_per_hop_s * 1e6, 0.1, " NVQLink:\n 3.96 us/message",
                 color="tab:cyan", fontsize=8, transform=axes[0].get_xaxis_transform(),
                 va="bottom")
    axes[0].set_yscale("log")
    axes[0].set_ylabel("time per shot [us]")
    axes[0].set_title("teleportation relay between 2 SC QPUs")
    axes[0].legend(fontsize=6.5, loc="upper left")
    axes[1].set_ylim(0, 1)
    axes[1].set_ylabel("share of the first-shot makespan")
    axes[1].set_title(f"critical path of the first shot ({hops} hops, "
                      f"{split[0]['policy'] if split else ''})")
    axes[1].legend(fontsize=8, loc="center left")
    axes[2].set_ylabel("fidelity")
    axes[2].set_title("relay fidelity P(out=0) and ebit fidelity at use")
    axes[2].legend(fontsize=6.5, loc="lower left")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def analyse(rows: list[dict[str, Any]], mono: dict[str, Any],
            hops_per_message: int) -> dict[str, Any]:
    """Per series (policy, hops): slope of the makespan, critical messages, crossover."""
    analysis: dict[str, Any] = {}
    for policy, hops in dict.fromkeys((r["policy"], r["hops"]) for r in rows
                                      if r["policy"] != "monolithic"):
        mine = [r for r in rows if r["policy"] == policy and r["hops"] == hops]
        fit = slope(mine)
        analysis[f"{policy}, {hops} hops"] = {
            "policy": policy, "hops": hops,
            "makespan_slope_per_hop": fit["slope"],
            "slope_points_per_hop_s": fit["points"],
            "critical_messages": mine[-1]["critical_messages"],
            "expected_slope": mine[-1]["critical_messages"] * hops_per_message,
            "crossover_per_hop_s": crossover(mine),
            "makespan_over_monolithic": ([r["first_makespan_s"] / mono["first_makespan_s"]
                                          for r in mine] if mono["hops"] == hops else None),
        }
    return analysis


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="three latencies, 10 shots (under 90 s)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=Path("qdcnet-output") / NAME)
    parser.add_argument("--hops", type=int, default=4,
                        help="teleportation hops per shot (at most 4 for the exact engine)")
    parser.add_argument("--shots", type=int, default=None,
                        help="shots per point (default 10 quick, 200 full)")
    args = parser.parse_args(argv)
    if args.hops < 1:
        raise ParameterError("--hops", args.hops, "an integer >= 1")
    shots = args.shots or (10 if args.quick else 200)
    if shots < 2:
        raise ParameterError("--shots", shots, "an integer >= 2 (the shot period needs two)")
    per_hops = QUICK_PER_HOP_S if args.quick else PER_HOP_S
    scan = [h for h in (QUICK_HOP_SCAN if args.quick else HOP_SCAN) if h != args.hops]
    started = time.perf_counter()

    rows: list[dict[str, Any]] = []
    series = [(p, args.hops) for p in POLICIES] + [(POLICIES[0], h) for h in scan]
    programs = {h: compile_relay(h, args.seed) for h in dict.fromkeys(h for _, h in series)}
    for (label, policy, floor), hops in series:
        for per_hop in per_hops:
            rows.append(run_point(programs[hops], per_hop, policy, shots, args.seed,
                                  label=label, min_fidelity=floor) | {"hops": hops})
            print(f"  {label}, {hops} hops, {_fmt_time(per_hop)} per hop: "
                  f"{rows[-1]['wall_s']:.1f} s", file=sys.stderr)
    mono = run_point(compile_relay(args.hops, args.seed, monolithic=True), per_hops[0], "jit",
                     shots, args.seed, monolithic=True) | {"hops": args.hops}
    rows.append(mono)

    # The per-hop latency at which one QPU-to-QPU message takes NVQLink's round trip
    # (the message's fixed part and its hop count from the library's classical network).
    dcs = [build_datacenter(scenario(p), seed=args.seed) for p in (0.0, 1e-6)]
    fixed_s, with_1us = (dc.classical.mean_latency_s("qpu0", "qpu1") for dc in dcs)
    hops_per_message = round((with_1us - fixed_s) / 1e-6)
    nvqlink_per_hop_s = (NVQLINK_ROUND_TRIP_S - fixed_s) / hops_per_message
    analysis = analyse(rows, mono, hops_per_message)

    print(f"\nTeleportation relay between 2 x {PROFILE} QPUs (1 data qubit each), {shots} "
          f"shots per point, seed {args.seed}; one message = {hops_per_message} hops + "
          f"{_fmt_time(fixed_s)} of fibre\n")
    print_table(rows)
    print()
    for name, a in analysis.items():
        print(f"{name}: d(makespan)/d(per-hop latency) = {a['makespan_slope_per_hop']:.2f} "
              f"(critical-path messages {a['critical_messages']:.2f} x {hops_per_message} hops "
              f"= {a['expected_slope']:.2f}); classical latency passes the ebit wait from "
              f"{_fmt_time(a['crossover_per_hop_s'])} per hop")
    print(f"NVQLink's 3.96 us per message is {_fmt_time(nvqlink_per_hop_s)} per hop here.")

    out: Path = args.out
    settings = {"quick": args.quick, "hops": args.hops, "hop_scan": scan, "shots": shots,
                "profile": PROFILE, "theta": THETA, "per_hop_s": list(per_hops),
                "policies": [list(p) for p in POLICIES], "fiber_m": FIBER_M,
                "scheme": "single_click",
                "fidelity_traces": FIDELITY_TRACES}
    # Wall-clock times go to timings.json, so result.json repeats byte for byte.
    walls = [{"policy": r["policy"], "hops": r["hops"], "per_hop_s": r["per_hop_s"],
              "wall_s": r.pop("wall_s")} for r in rows]
    results = {"settings": settings, "rows": rows, "analysis": analysis,
               "message": {"hops": hops_per_message, "fixed_s": fixed_s},
               "nvqlink": {"round_trip_s": NVQLINK_ROUND_TRIP_S,
                           "per_hop_equivalent_s": nvqlink_per_hop_s}}
    document = result_document(kind=NAME, seed=args.seed,
                               scenario={"distributed": scenario(per_hops[0]),
                                         "monolithic": scenario(per_hops[0], monolithic=True),
                                         "swept": "classical.per_hop",
                                         "circuit": relay_circuit(args.hops)},
                               results=results)
    write_json(out / "result.json", document)
    write_json(out / "timings.json", {"points": walls,
                                      "total_wall_s": time.perf_counter() - started})
    plot(rows, out / f"{NAME}.png", args.hops, nvqlink_per_hop_s)
    print(f"\nwrote {out / 'result.json'} and {out / (NAME + '.png')} "
          f"({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
