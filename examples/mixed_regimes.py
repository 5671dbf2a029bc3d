"""Mixed timing regimes: a superconducting QPU beside two ion QPUs.

Who waits for whom, what scheduling recovers, what a memory bank buys.

The data center is the packaged demo scenario (``qdcnet demo``,
``src/qdcnet/config/data/demo_datacenter.yaml``: its converters, cavities and
time-bin encodings) cut down to its superconducting QPU ``sc`` and two copies
of its ion QPU (``ion``, ``ion2``, profile ``trapped_ion_helios_854``), three
data qubits each, around the one switch. A 9-qubit GHZ chain fills all nine
data qubits, so the superconducting QPU must take part; the compiler places
three consecutive chain qubits on it (one sc-ion ebit and one ion-ion ebit a
shot). Two circuit orders make the same state:

- ``up``: H on q0, then cx q[i],q[i+1] upward;
- ``down``: H on q8, then cx q[i+1],q[i] downward.

The table says where the compiler put the SC block (chain start or end).

Sweep: the transducer's pump repetition rate on ``sc``
(``communication.transducer.repetition_rate``: 10 Hz is the profile's value,
itself an order-of-magnitude ASSUMPTION; 1 kHz, 100 kHz and "unlimited" are
ASSUMED what-ifs; "unlimited" is written as 1 GHz, far above every other
limit on the attempt period). Per pump rate and order:

- ``jit`` and ``prefetch`` (the runtime's policies, ``schedule/policies.py``);
- ``alap bound``: jit with the SC data qubits' memory made ideal
  (``memory.t1``/``memory.t2`` = inf on ``sc``). The runtime starts every
  instruction as soon as its inputs allow (``runtime/executor.py``), so the
  SC data qubits run their first gates at the shot's start and then idle
  until the sc-ion pair comes. A schedule that started SC work only when its
  ebit is ready would leave them idle for tens of ns instead; removing their
  idle decoherence (and nothing else: gate, readout and the communication
  qubits' noise stay) bounds what such a schedule recovers. The library has
  no as-late-as-possible start, so this is the honest stand-in.
- ``jit 2ch``, ``prefetch 2ch``: both policies with two fibre channels
  between each QPU and the switch (ASSUMED; the demo has one). With one
  channel, the ion2-sc link's attempts hold ion2's fibre, so the ion-ion2
  link waits for them; and under prefetch the ion-ion2 standing stream holds
  that fibre for the whole job, the ion2-sc stream is never granted, and the
  runtime falls back to just in time after its grace time (20 first-pair
  times): the table marks such runs "fallback";
- ``storage``: prefetch (two fibre channels) with two dedicated storage
  qubits (``qubits.storage`` = 2, an ASSUMPTION) on every QPU: the runtime
  parks a pair that would wait for its operation where the schedule said so
  (``Prefetch.place``); it needs storage at both ends, and a pair stored on
  ``sc`` ages with the transmons' T1/T2. Memory banks in the scenario format
  relay pairs (entanglement swapping); the
  runtime's storage is the QPUs' own storage qubits, so those are what is
  tested.

Monolithic baselines: the same circuit on one superconducting QPU and on one
ion QPU of nine data qubits (no ebits).

Per run the table reports the first shot's makespan and its split along the
critical path (compute, ebit wait, classical), the shot period, the mean ebit
wait (operation waits for the pair) and age (pair waits for the operation),
each QPU's data-qubit idle time in the first shot (sum over its qubits,
``qdcnet.runtime.trace.idle_intervals``) and the end-to-end state fidelity
(density matrix over the first executed shots' traces; ± standard error).

One seed for every run: the pump points replay the same random draws scaled
by the link's rate, so they are not independent samples, and the policies'
makespans differ by one realisation of exponential pair times (30 shots).

Run: ``python examples/mixed_regimes.py [--quick] [--seed 11] [--out DIR]``
"""

from __future__ import annotations

import argparse
import copy
import math
import time
from pathlib import Path
from typing import Any

from qdcnet.cli.demo import link_rows, scenario_document
from qdcnet.compiler import CompileTarget, compile_circuit
from qdcnet.config.scenario import build_datacenter
from qdcnet.errors import ParameterError
from qdcnet.report import result_document, write_json
from qdcnet.runtime import Job, run_job, time_breakdown
from qdcnet.runtime.trace import idle_intervals
from qdcnet.units import PS_PER_S

NAME = "mixed_regimes"
NUM_QUBITS = 9
DATA_PER_QPU = 3
PUMP_KEY = "communication.transducer.repetition_rate"
#: "unlimited" pump: far above every other limit on the attempt period (assumed what-if)
UNLIMITED = "1 GHz"
#: storage qubits per QPU in the storage variant (assumed)
STORAGE_QUBITS = 2
#: the SC data memory of the alap bound: idle decoherence removed
IDEAL_MEMORY = "inf"
#: fibre channels per QPU in the "2ch" and "storage" variants (assumed)
CHANNELS = 2
VARIANTS = ("jit", "jit 2ch", "prefetch", "prefetch 2ch", "alap bound", "storage")

FULL = {"pumps": ["10 Hz", "1 kHz", "100 kHz", UNLIMITED], "orders": ["up", "down"],
        "shots": 30, "fidelity_traces": 8}
QUICK = {"pumps": ["10 Hz", "100 kHz"], "orders": ["up"], "shots": 3, "fidelity_traces": 4}


def ghz_qasm(order: str, n: int = NUM_QUBITS) -> str:
    """A GHZ chain grown from q0 upward (``up``) or from q[n-1] downward (``down``)."""
    if order == "up":
        head, chain = "h q[0];", [f"cx q[{i}],q[{i + 1}];" for i in range(n - 1)]
    elif order == "down":
        head = f"h q[{n - 1}];"
        chain = [f"cx q[{i + 1}],q[{i}];" for i in reversed(range(n - 1))]
    else:
        raise ParameterError("order", order, "up, down")
    return (f'OPENQASM 2.0; include "qelib1.inc"; qreg q[{n}]; creg c[{n}]; {head} '
            f"{' '.join(chain)} measure q -> c;")


def mixed_document(pump: str | None, *, storage: int = 0, ideal_sc_memory: bool = False,
                   channels: int = 1) -> dict[str, Any]:
    """The demo data center cut to ``sc``, ``ion`` and a second ion QPU ``ion2``.

    ``channels``: fibre channels between each QPU and the switch (the demo: 1).
    """
    document = scenario_document()
    qpus = {q["name"]: q for q in document["qpus"]}
    sc, ion = qpus["sc"], qpus["ion"]
    sc["overrides"]["qubits.data"] = DATA_PER_QPU
    ion["overrides"]["qubits.data"] = DATA_PER_QPU
    if pump is not None:
        sc["overrides"][PUMP_KEY] = pump
    if ideal_sc_memory:
        sc["overrides"]["memory.t1"] = IDEAL_MEMORY
        sc["overrides"]["memory.t2"] = IDEAL_MEMORY
    ion2 = copy.deepcopy(ion)
    ion2["name"] = "ion2"
    document["qpus"] = [sc, ion, ion2]
    if storage:
        for q in document["qpus"]:
            q["overrides"]["qubits.storage"] = storage
    fibers = [f for f in document["fibers"] if not {"atom", "nv"} & set(f["between"])]
    fibers.append({"between": ["ion2", "switch"], "length": "10 m"})
    for fiber in fibers:
        if "bsm-array" not in fiber["between"] and channels != 1:
            fiber["channels"] = channels
    document["fibers"] = fibers
    document["name"] = f"{NAME}-sc-2ion"
    return document


def monolithic_document(qpu: str) -> dict[str, Any]:
    """One QPU of the demo's ``qpu`` entry with all nine data qubits, alone."""
    document = scenario_document()
    entry = next(q for q in document["qpus"] if q["name"] == qpu)
    entry["overrides"]["qubits.data"] = NUM_QUBITS
    entry.pop("communication_qubits", None)
    document["qpus"] = [entry]
    document["fibers"] = [f for f in document["fibers"]
                          if qpu in f["between"] or "bsm-array" in f["between"]]
    document["name"] = f"{NAME}-mono-{qpu}"
    return document


def sc_ion_rate(document: dict[str, Any]) -> float:
    return next(r["rate_hz"] for r in link_rows(document) if r["pair"] == "sc-ion")


def run_variant(program: Any, document: dict[str, Any], policy: str, shots: int,
                traces: int, seed: int, until_s: float) -> dict[str, Any]:
    """One job: the summary's figures, the first shot's split and per-QPU idle time."""
    start = time.perf_counter()
    dc = build_datacenter(document, seed=seed)
    result = run_job(dc, Job(program, shots=shots, policy=policy, name=f"{NAME}-{policy}"),
                     engine="auto", fidelity_shots=traces, seed=seed, until_s=until_s)
    s = result.summary()
    row: dict[str, Any] = {
        "policy": policy, "status": s["status"], "failure": s["failure"],
        "supplier": s["supplier"], "supplier_note": s["supplier_note"], "shots": shots,
        "completed_shots": len(result.traces),
        "expired_pairs": result.extra.get("expired_pairs", 0),
        "stored_pairs": result.extra.get("stored_pairs", 0),
        "store_refused": result.extra.get("store_refused", 0),
        "predicted_makespan_s": s["predicted_makespan_s"],
    }
    if not result.traces:
        row["wall_s"] = time.perf_counter() - start
        return row
    first = result.traces[0]
    split = time_breakdown(result.timing, first)
    idle = idle_intervals(program, first, result.timing.duration_ps)
    per_qpu: dict[str, dict[str, float]] = {}
    for (qpu, _slot), spans in idle.items():
        total = sum(end - begin for begin, end in spans) / PS_PER_S
        entry = per_qpu.setdefault(qpu, {"sum_s": 0.0, "max_s": 0.0})
        entry["sum_s"] += total
        entry["max_s"] = max(entry["max_s"], total)
    fid = s["fidelity"] or {}
    by_pair: dict[str, dict[str, list[float]]] = {}
    for trace in result.traces:
        for use in trace.ebits:
            entry = by_pair.setdefault("-".join(sorted(use.qpus)),
                                       {"wait": [], "age": [], "fidelity": []})
            entry["wait"].append(use.wait_ps / PS_PER_S)
            entry["age"].append(use.age_ps / PS_PER_S)
            entry["fidelity"].append(use.state[0])
    row.update({
        "scheduled_stored_ebits": sum(1 for e in result.schedule.ebits if e.stored),
        "ebits_by_pair": {pair: {"uses": len(v["wait"]),
                                 "wait_mean_s": sum(v["wait"]) / len(v["wait"]),
                                 "age_mean_s": sum(v["age"]) / len(v["age"]),
                                 "fidelity_at_use_mean": sum(v["fidelity"]) / len(v["fidelity"])}
                          for pair, v in sorted(by_pair.items())},
        "measured_first_makespan_s": s["measured_first_makespan_s"],
        "measured_makespan_mean_s": s["measured_makespan_s"]["mean"],
        "measured_shot_period_s": s["measured_shot_period_s"],
        "ebit_wait_s": s["ebit_wait_s"]["mean"], "ebit_age_s": s["ebit_age_s"]["mean"],
        "ebit_fidelity_at_use": s["ebit_fidelity_at_use"]["mean"],
        "state_fidelity": fid.get("state_fidelity"),
        "state_fidelity_se": fid.get("state_fidelity_se"),
        "fidelity_engine": fid.get("engine"), "fidelity_traces": traces,
        "first_shot_split_s": {
            "makespan": split.makespan_ps / PS_PER_S, "compute": split.compute_ps / PS_PER_S,
            "ebit_wait": split.ebit_wait_ps / PS_PER_S,
            "classical": split.classical_ps / PS_PER_S, "other": split.other_ps / PS_PER_S},
        "idle_first_shot_s": per_qpu,
        "wall_s": time.perf_counter() - start,
    })
    return row


def placement(compiled: Any) -> dict[str, Any]:
    layout = compiled.untranslated.initial_layout
    sc = sorted(q for q, (qpu, _) in layout.items() if qpu == "sc")
    return {"sc_qubits": sc, "layout": {str(q): list(v) for q, v in sorted(layout.items())}}


def sc_role(order: str, sc_qubits: list[int]) -> str:
    """Whether the chain starts on the SC block (SC first) or reaches it last."""
    start = 0 if order == "up" else NUM_QUBITS - 1
    return "SC first" if start in sc_qubits else "SC last"


def point(order: str, pump: str, settings: dict[str, Any], seed: int) -> dict[str, Any]:
    base = mixed_document(pump)
    rate = sc_ion_rate(base)
    shots, traces = settings["shots"], settings["fidelity_traces"]
    # Bounded simulated time: 40 mean sc-ion pair times a shot, plus slack.
    until_s = 40.0 * (shots + 2) / rate + 10.0
    compiled = compile_circuit(ghz_qasm(order), CompileTarget.from_datacenter(
        build_datacenter(base, seed=seed)), seed=seed)
    program = compiled.program
    place = placement(compiled)
    rows = {
        "jit": run_variant(program, base, "jit", shots, traces, seed, until_s),
        "prefetch": run_variant(program, base, "prefetch", shots, traces, seed, until_s),
        "jit 2ch": run_variant(program, mixed_document(pump, channels=CHANNELS),
                               "jit", shots, traces, seed, until_s),
        "prefetch 2ch": run_variant(program, mixed_document(pump, channels=CHANNELS),
                                    "prefetch", shots, traces, seed, until_s),
        "alap bound": run_variant(program, mixed_document(pump, ideal_sc_memory=True), "jit",
                                  shots, traces, seed, until_s),
        "storage": run_variant(program, mixed_document(pump, storage=STORAGE_QUBITS,
                                                       channels=CHANNELS),
                               "prefetch", shots, traces, seed, until_s),
    }
    return {"order": order, "pump": pump, "sc_ion_rate_hz": rate, "until_s": until_s,
            "placement": place, "sc_role": sc_role(order, place["sc_qubits"]),
            "ebits_by_pair": {f"{a}-{b}": n for (a, b), n in program.ebits_by_pair().items()},
            "variants": rows}


def monolithic(qpu: str, seed: int, shots: int, traces: int) -> dict[str, Any]:
    document = monolithic_document(qpu)
    dc = build_datacenter(document, seed=seed)
    program = compile_circuit(ghz_qasm("up"), CompileTarget.from_datacenter(dc),
                              seed=seed).program
    row = run_variant(program, document, "jit", shots, traces, seed, 10.0)
    row["qpu"] = qpu
    row["scenario"] = document
    return row


def t(x: float | None) -> str:
    """A time in s, in the unit that reads best."""
    if x is None:
        return "-"
    if x == 0:
        return "0"
    for scale, unit in ((1.0, "s"), (1e-3, "ms"), (1e-6, "us"), (1e-9, "ns")):
        if abs(x) >= scale:
            return f"{x / scale:.3g} {unit}"
    return f"{x / 1e-12:.3g} ps"


def fidelity(r: dict[str, Any]) -> str:
    f, se = r.get("state_fidelity"), r.get("state_fidelity_se")
    if f is None:
        return "-"
    return f"{f:.3f}" if not se else f"{f:.3f} ± {se:.3f}"


def idle(r: dict[str, Any], qpu: str) -> str:
    entry = (r.get("idle_first_shot_s") or {}).get(qpu)
    return t(entry["sum_s"]) if entry else "0"


HEADER = ("| order (SC) | pump | sc-ion pairs/s | variant | status | 1st makespan | "
          "split: compute / ebit wait / classical | shot period | ebit wait / age | "
          "idle sc / ion / ion2 (1st shot) | stored | state F |")


def row_line(label: str, pump: str, rate: str, name: str, r: dict[str, Any]) -> str:
    split = r.get("first_shot_split_s")
    split_text = "-" if split is None else (f"{t(split['compute'])} / {t(split['ebit_wait'])}"
                                            f" / {t(split['classical'])}")
    status = r["status"] if not r.get("supplier_note") else f"{r['status']} (fallback)"
    return (f"| {label} | {pump} | {rate} | {name} | {status} | "
            f"{t(r.get('measured_first_makespan_s'))} | {split_text} | "
            f"{t(r.get('measured_shot_period_s'))} | {t(r.get('ebit_wait_s'))} / "
            f"{t(r.get('ebit_age_s'))} | {idle(r, 'sc')} / {idle(r, 'ion')} / "
            f"{idle(r, 'ion2')} | {r.get('stored_pairs', 0)} | {fidelity(r)} |")


def print_table(results: dict[str, Any]) -> None:
    print(HEADER)
    print("|---" * (HEADER.count("|") - 1) + "|")
    for qpu, r in results["monolithic"].items():
        print(row_line("monolithic", "-", "-", f"one {qpu} QPU", r))
    for p in results["points"]:
        label = f"{p['order']} ({p['sc_role']})"
        pump = "unlimited" if p["pump"] == UNLIMITED else p["pump"]
        for name in VARIANTS:
            print(row_line(label, pump, f"{p['sc_ion_rate_hz']:.3g}", name,
                           p["variants"][name]))
    print()
    print("| order | pump | variant | pair: ebit wait / age / fidelity at use (mean over shots)"
          " | ebits stored: scheduled / done |")
    print("|---|---|---|---|---|")
    for p in results["points"]:
        pump = "unlimited" if p["pump"] == UNLIMITED else p["pump"]
        for name in VARIANTS:
            r = p["variants"][name]
            pairs = "; ".join(f"{pair}: {t(v['wait_mean_s'])} / {t(v['age_mean_s'])} / "
                              f"{v['fidelity_at_use_mean']:.3f}"
                              for pair, v in (r.get("ebits_by_pair") or {}).items())
            print(f"| {p['order']} | {pump} | {name} | {pairs or '-'} | "
                  f"{r.get('scheduled_stored_ebits', 0)} / {r.get('stored_pairs', 0)} |")
    notes = {(p["order"], p["pump"], n): p["variants"][n]["supplier_note"]
             for p in results["points"] for n in VARIANTS if p["variants"][n]["supplier_note"]}
    for key, note in notes.items():
        print(f"- {key[0]}, pump {key[1]}, {key[2]}: {note}")


COLORS = {"jit": "tab:blue", "prefetch": "tab:orange", "alap bound": "tab:green",
          "storage": "tab:purple", "prefetch 2ch": "tab:brown",
          "jit 2ch": "tab:cyan"}


def _pump_hz(pump: str) -> float:
    value, unit = pump.split()
    return float(value) * {"Hz": 1.0, "kHz": 1e3, "MHz": 1e6, "GHz": 1e9}[unit]


def plot(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # The first circuit order only: the compiler placed the SC block at the chain's end
    # in both orders (see the table), so the second repeats the first.
    order = results["settings"]["orders"][0]
    pts = [p for p in results["points"] if p["order"] == order]
    role = pts[0]["sc_role"]
    fig, axes = plt.subplots(2, 2, figsize=(12, 9))
    x = [_pump_hz(p["pump"]) for p in pts]
    for name in VARIANTS:
        rows = [p["variants"][name] for p in pts]
        style = "s--" if name in ("storage", "alap bound") else "o-"
        axes[0][0].plot(x, [r.get("measured_makespan_mean_s") or math.nan for r in rows],
                        style, color=COLORS[name], label=name)
        axes[0][1].errorbar(x, [r.get("state_fidelity") or math.nan for r in rows],
                            yerr=[r.get("state_fidelity_se") or 0.0 for r in rows],
                            fmt=style, color=COLORS[name], label=name)
    t2 = results["settings"]["data_t2_s"]
    for name, ls in (("jit", "-"), ("prefetch 2ch", "--")):
        rows = [p["variants"][name] for p in pts]
        for qpu, marker, color in (("sc", "o", "tab:red"), ("ion", "^", "tab:blue"),
                                   ("ion2", "v", "tab:cyan")):
            axes[1][0].plot(x, [((r.get("idle_first_shot_s") or {}).get(qpu) or {})
                                .get("sum_s", math.nan) for r in rows], marker + ls,
                            color=color, label=f"{qpu}, {name}")
    for qpu, color in (("sc", "tab:red"), ("ion", "tab:blue")):
        axes[1][0].axhline(t2[qpu], color=color, ls=":", lw=1,
                           label=f"{qpu} data-qubit T2 ({t(t2[qpu])})")
    for name, ls in (("jit", "-"), ("prefetch 2ch", "--")):
        rows = [p["variants"][name] for p in pts]
        for pair, color in (("sc", "tab:red"), ("ion", "tab:blue")):
            def pick(r: dict[str, Any], key: str, pair: str = pair) -> float:
                by = r.get("ebits_by_pair") or {}
                hit = [v for k, v in by.items() if ("sc" in k.split("-")) == (pair == "sc")]
                return hit[0][key] if hit else math.nan
            label = "sc-ion pair" if pair == "sc" else "ion-ion pair"
            axes[1][1].plot(x, [pick(r, "wait_mean_s") for r in rows], "o" + ls, color=color,
                            label=f"{label}: operation waits for it, {name}")
            axes[1][1].plot(x, [pick(r, "age_mean_s") for r in rows], "x" + ls, color=color,
                            alpha=0.6, label=f"{label}: it waits for operation, {name}")
    mono = results["monolithic"]
    for qpu, ls in (("sc", ":"), ("ion", "-.")):
        axes[0][0].axhline(mono[qpu]["measured_makespan_mean_s"], color="k", ls=ls, lw=1,
                           label=f"monolithic, one {qpu} QPU")
        axes[0][1].axhline(mono[qpu]["state_fidelity"], color="k", ls=ls, lw=1,
                           label=f"monolithic, one {qpu} QPU")
    for ax in axes.flat:
        ax.set_xscale("log")
        ax.set_xlabel("transducer pump repetition rate [Hz] (1e9: unlimited)")
        ax.legend(fontsize=6)
    axes[0][0].set_yscale("log")
    axes[0][0].set_ylabel("makespan, mean over shots [s]")
    axes[0][0].set_title("(a) makespan")
    axes[0][1].set_ylabel("end-to-end state fidelity")
    axes[0][1].set_title("(b) GHZ-9 state fidelity (± 1 s.e.)")
    axes[1][0].set_yscale("log")
    axes[1][0].set_ylabel("data-qubit idle time, first shot, sum per QPU [s]")
    axes[1][0].set_title("(c) who waits: idle data qubits per QPU")
    axes[1][1].set_yscale("log")
    axes[1][1].set_ylabel("mean time per ebit [s]")
    axes[1][1].set_title("(d) ebit wait (operation) and age (pair), mean per use")
    fig.suptitle("GHZ-9 on sc + 2 ions (demo data center, 3 data qubits each), "
                 f"order {order} ({role}): transducer pump rate sweep")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="two pump rates, one circuit order, 3 shots (< 90 s)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--out", default=f"./qdcnet-output/{NAME}")
    parser.add_argument("--shots", type=int, default=None, help="shots per run (override)")
    args = parser.parse_args(argv)
    settings = dict(QUICK if args.quick else FULL)
    if args.shots is not None:
        if args.shots < 2:
            raise ParameterError("shots", args.shots, "an integer >= 2")
        settings["shots"] = args.shots
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    wall = time.perf_counter()
    shots, traces = settings["shots"], settings["fidelity_traces"]
    ops = build_datacenter(mixed_document(None), seed=args.seed).ops
    results: dict[str, Any] = {
        "settings": settings | {"quick": args.quick,
                                "data_t2_s": {q: ops[q].data_memory.t2_s for q in ops},
                                "qubits": NUM_QUBITS,
                                "data_per_qpu": DATA_PER_QPU, "unlimited_pump": UNLIMITED,
                                "storage_qubits": STORAGE_QUBITS, "channels": CHANNELS,
                                "ideal_memory": IDEAL_MEMORY, "variants": list(VARIANTS)},
        "monolithic": {q: monolithic(q, args.seed, shots, traces) for q in ("sc", "ion")},
        "links_at_profile_pump": link_rows(mixed_document(None)),
        "points": [point(order, pump, settings, args.seed)
                   for order in settings["orders"] for pump in settings["pumps"]],
    }
    results["wall_s"] = time.perf_counter() - wall
    scenario = {"distributed": mixed_document(None),
                "sweep": {PUMP_KEY: settings["pumps"]},
                "variants": {"alap bound": {"sc": {"memory.t1": IDEAL_MEMORY,
                                                   "memory.t2": IDEAL_MEMORY}},
                             "jit 2ch": {"fibers QPU-switch": {"channels": CHANNELS}},
                             "prefetch 2ch": {"fibers QPU-switch": {"channels": CHANNELS}},
                             "storage": {"*": {"qubits.storage": STORAGE_QUBITS},
                                         "fibers QPU-switch": {"channels": CHANNELS}}},
                "monolithic": {q: r.pop("scenario") for q, r in results["monolithic"].items()}}
    print(f"\nGHZ-{NUM_QUBITS} on sc + ion + ion2 ({DATA_PER_QPU} data qubits each), "
          f"{shots} shots per run, seed {args.seed}\n")
    print_table(results)
    write_json(out / "result.json", result_document(kind=NAME, seed=args.seed,
                                                    scenario=scenario, results=results))
    plot(results, out / f"{NAME}.png")
    print(f"\nwrote {out / 'result.json'} and {out / (NAME + '.png')} "
          f"({results['wall_s']:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
