"""``qdcnet demo``: the built-in default data center, running programs end to end.

Four QPUs of four platforms (superconducting, trapped ion, neutral atom, NV
centre) around one optical switch with an array of Bell-state-measurement
stations (``config/data/demo_datacenter.yaml``, every assumption listed
there and in the output). The demo

1. shows each QPU and each link the fabric can make: its heralded pair rate
   and fidelity, and the factor that limits it;
2. compiles a distributed GHZ state and a QFT for the data center (the
   compiler weighs each link by its rate, so slow links carry ebits only where
   nothing else fits), admits each as a job, runs its shots with the
   orchestrator live, and measures it: ebits, first-shot makespan against its
   lower bound, shots per second, end-to-end fidelity, and what the first
   shot's time went into (computing, waiting for ebits, classical latency);
3. names the link that limits each job and what improving its weakest part
   would buy (the job scheduled again on a data center where that part is
   perfect).

It is a what-if, not a product sheet: several numbers are design
assumptions, and the output says which.
"""

from __future__ import annotations

import copy
import math
from importlib import resources
from pathlib import Path
from typing import Any

from rich.table import Table

from qdcnet.errors import ParameterError
from qdcnet.report import RESULT_FILE, OutputFolder, report_written, result_document, write_json
from qdcnet.report.progress import progress
from qdcnet.report.tables import format_number, make_console
from qdcnet.units import PS_PER_S

#: The packaged scenario of the default data center.
SCENARIO_FILE = "demo_datacenter.yaml"
#: Shots of each circuit by default, and the most ``--shots`` allows.
DEFAULT_SHOTS, MAX_SHOTS = 200, 2000
#: Executed shots whose noisy circuits give the fidelity (each is one engine run), and the
#: samples a sampling engine draws for each (the standard error is about 0.02)
FIDELITY_TRACES, FIDELITY_SAMPLES = 2, 500

#: What the demo assumes beyond the profiles' sourced numbers (also in result.json).
ASSUMPTIONS = (
    "design what-if: the ion, atom and NV emitters sit in optical cavities, a photon in the "
    "fibre with probability 0.5 per attempt (Schupp et al. 2021 reach 0.54 for Ca+)",
    "each converter retargeted to 1550 nm with its published efficiency and noise",
    "ion and atom photons turned from polarization into time bins passively, losing half "
    "of them; the superconducting QPU (Kurpiers et al. 2019) and the NV centre "
    "(Tchebotareva et al. 2019) emit time bins",
    "the transducer's optical pump pulses at most 10 times a second (an order-of-magnitude "
    "assumption in the superconducting profile; check it before relying on it)",
    "the NV centre holds four 13C data qubits, every other QPU six: the circuits must be "
    "split",
    "classical messages: 1 us per hop and 2e8 m/s in fibre; control plane 2 us",
    "fidelity: the noisy circuits of the first executed shots, each QPU's gate, readout and "
    "memory noise from its profile; feed-forward on one QPU costs no time",
)


def scenario_document() -> dict[str, Any]:
    """The default data center's scenario (a fresh dict each call).

    >>> [q["name"] for q in scenario_document()["qpus"]]
    ['sc', 'ion', 'atom', 'nv']
    """
    from qdcnet.config.scenario import load_scenario

    path = resources.files("qdcnet.config").joinpath("data", SCENARIO_FILE)
    with resources.as_file(path) as scenario_path:
        _, document = load_scenario(scenario_path)
    return document


def ghz_qasm(num_qubits: int) -> str:
    """An n-qubit GHZ state by a chain of CNOTs, then every qubit measured."""
    chain = "".join(f"cx q[{i}],q[{i + 1}]; " for i in range(num_qubits - 1))
    return (f'OPENQASM 2.0; include "qelib1.inc"; qreg q[{num_qubits}]; '
            f"creg c[{num_qubits}]; h q[0]; {chain}measure q -> c;")


def qft_qasm(num_qubits: int) -> str:
    """The textbook quantum Fourier transform on |0...0> (no final swaps), then measured."""
    body = []
    for j in range(num_qubits):
        body.append(f"h q[{j}];")
        body += [f"cp(pi/{2 ** (k - j)}) q[{k}],q[{j}];" for k in range(j + 1, num_qubits)]
    return (f'OPENQASM 2.0; include "qelib1.inc"; qreg q[{num_qubits}]; '
            f"creg c[{num_qubits}]; {' '.join(body)} measure q -> c;")


#: The demo's programs: (name, OpenQASM).
CIRCUITS = (("GHZ-12", ghz_qasm(12)), ("QFT-8", qft_qasm(8)))


def run(*, shots: int | None, seed: int | None, out: Path | None = None,
        force: bool = False, quiet: bool = False) -> None:
    from qdcnet.config.scenario import build_datacenter

    shots = DEFAULT_SHOTS if shots is None else shots
    if isinstance(shots, bool) or not 1 <= shots <= MAX_SHOTS:
        raise ParameterError("--shots", shots, f"an integer from 1 to {MAX_SHOTS}")
    folder = OutputFolder.prepare(out, "demo", force=force)  # before any work
    document = scenario_document()
    seed_value = document.get("seed", 1) if seed is None else seed
    document["seed"] = seed_value
    console = make_console()
    console.print(f"[bold]qdcnet demo[/bold]: {document['description']}\n"
                  f"Seed {seed_value}; {shots} shots of each circuit. A what-if, not a "
                  "product sheet: the assumptions are listed at the end.\n")
    dc = build_datacenter(document)  # a broken packaged scenario fails here, before any work
    links = link_rows(document, dc)
    console.print(_qpu_table(document, dc))
    console.print(_link_table(links))
    jobs = []
    files = []
    with folder.staging() as stage:
        for name, qasm in CIRCUITS:
            with progress(f"{name}: {shots} shots", shots, quiet=quiet) as update:
                job = run_circuit(document, name, qasm, shots=shots, on_progress=update)
            jobs.append(job)
            _print_job(console, job)
            png = f"gantt_{name.lower().replace('-', '')}.png"
            _gantt(job, stage / png)
            files.append(png)
        console.rule("Assumptions")
        for line in ASSUMPTIONS:
            console.print(f"- {line}")
        output = result_document(
            kind="demo", seed=seed_value, scenario=document,
            results={"shots": shots, "links": links,
                     "jobs": [{k: v for k, v in job.items() if not k.startswith("_")}
                              for job in jobs],
                     "assumptions": list(ASSUMPTIONS)})
        write_json(stage / RESULT_FILE, output)
    report_written(folder, output, [RESULT_FILE, *files])


# -- links ---------------------------------------------------------------------------------


def link_rows(document: dict[str, Any], dc: Any = None) -> list[dict[str, Any]]:
    """Every QPU pair the fabric joins directly: rate, fidelity, visibility, weakest part.

    ``dc``: the data center built from ``document`` (built here when not given).
    """
    from qdcnet.config.scenario import build_datacenter
    from qdcnet.link.experiment import bottlenecks

    dc = dc or build_datacenter(document)
    rows = []
    names = [q["name"] for q in document["qpus"]]
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            if not dc.segment_graph.has_edge(a, b):
                continue
            spec = dc.fabric.segment_spec(dc.fabric.route(a, b))
            model = dc.fabric.model(a, b)
            weakest = max(bottlenecks(spec), key=lambda r: r["gain"], default=None)
            rows.append({
                "pair": f"{a}-{b}", "scheme": spec.scheme, "rate_hz": model.rate_hz,
                "attempt_period_s": model.attempt_period_s,
                "heralded_fidelity": model.delivered_fidelity,
                "visibility": getattr(spec, "visibility", None),
                "weakest": None if weakest is None else {
                    "end": weakest["end"], "factor": weakest["factor"],
                    "value": weakest["value"], "rate_gain": weakest["gain"]},
            })
    return rows


def _qpu_table(document: dict[str, Any], dc: Any) -> Table:
    table = Table(title="QPUs", title_justify="left")
    for column in ("QPU", "profile", "data qubits", "comm qubits", "2q gate [us]",
                   "data T2 [s]"):
        table.add_column(column, justify="left" if column in ("QPU", "profile") else "right")
    for q in document["qpus"]:
        ops = dc.ops[q["name"]]
        table.add_row(q["name"], q["profile"], str(ops.data_qubits), str(ops.comm_qubits),
                      format_number(ops.two_qubit_time_s * 1e6),
                      format_number(ops.data_memory.t2_s))
    return table


def _link_table(links: list[dict[str, Any]]) -> Table:
    table = Table(title="Links through the switch (heralded at the BSM array)",
                  title_justify="left")
    for column in ("pair", "pairs/s", "fidelity", "visibility", "weakest part",
                   "rate if perfect"):
        table.add_column(column, justify="left" if column in ("pair", "weakest part")
                         else "right")
    for row in links:
        weakest = row["weakest"]
        table.add_row(row["pair"], format_number(row["rate_hz"]),
                      format_number(row["heralded_fidelity"]),
                      format_number(row["visibility"], 3),
                      "" if weakest is None else
                      f"{weakest['end']}: {weakest['factor']} {format_number(weakest['value'])}",
                      "" if weakest is None else f"x{format_number(weakest['rate_gain'], 3)}")
    return table


# -- one circuit ---------------------------------------------------------------------------


def run_circuit(document: dict[str, Any], name: str, qasm: str, *, shots: int,
                on_progress: Any = None) -> dict[str, Any]:
    """Compile, admit and run one circuit on a fresh data center; every figure of it."""
    from qdcnet.compiler import CompileTarget, compile_circuit
    from qdcnet.config.scenario import build_datacenter
    from qdcnet.runtime.jobs import Job, run_job
    from qdcnet.runtime.trace import time_breakdown

    dc = build_datacenter(document)
    target = CompileTarget.from_datacenter(dc)
    compiled = compile_circuit(qasm, target, seed=dc.seed)
    program = compiled.program
    job = Job(program, shots=shots, policy="prefetch", name=name)
    result = run_job(dc, job, fidelity_shots=FIDELITY_TRACES,
                     fidelity_samples=FIDELITY_SAMPLES, seed=dc.seed, on_progress=on_progress)
    summary = result.summary()
    breakdown = time_breakdown(result.timing, result.traces[0]) if result.traces else None
    names = [q.name for q in target.qpus]
    used: dict[str, int] = {}
    for block in compiled.assignment.initial_block:
        used[names[block]] = used.get(names[block], 0) + 1
    limiting = _limiting_pair(result.schedule)
    improvement = (None if limiting is None else
                   _improvement(document, dc, program, limiting, result.schedule))
    period = summary["measured_shot_period_s"]
    bound_name, bound_ps = _one_shot_bound(result.schedule)
    return {
        "circuit": name, "qubits": compiled.normalized.num_qubits,
        "qpus_used": used, "ebits_per_shot": summary["ebits_per_shot"],
        "ebits_by_pair": {f"{a}-{b}": n for (a, b), n in program.ebits_by_pair().items()},
        "status": summary["status"], "failure": summary["failure"],
        "first_makespan_s": summary["measured_first_makespan_s"],
        "predicted_makespan_s": summary["predicted_makespan_s"],
        "lower_bound_s": bound_ps / PS_PER_S,
        "lower_bound_name": bound_name,
        "shot_period_s": period,
        "shots_per_s": None if not period else 1.0 / period,
        "total_s": summary["measured_total_s"],
        "fidelity": summary["fidelity"], "predicted_fidelity": summary["predicted_fidelity"],
        "ebit_fidelity_at_use": summary["ebit_fidelity_at_use"],
        "time_breakdown": None if breakdown is None else breakdown.to_dict(),
        "limiting_pair": limiting, "improvement": improvement,
        "_result": result,
    }


def _one_shot_bound(schedule: Any) -> tuple[str, int]:
    """The largest lower bound on one shot: the critical path with instant ebits, or a
    pair's (or a QPU's) ebits at its supply's rate (the schedule's bounds are for all its
    shots)."""
    bounds = schedule.bounds
    candidates = [("the critical path with instant ebits", bounds.critical_path_ps)]
    candidates += [(f"the {a}-{b} pairs at their supply's rate", ps // schedule.shots)
                   for (a, b), ps in bounds.per_pair_ps.items()]
    return max(candidates, key=lambda c: c[1])


def _limiting_pair(schedule: Any) -> str | None:
    """The QPU pair whose ebit supply bounds the job, if any pair does."""
    per_pair = schedule.bounds.per_pair_ps
    if not per_pair:
        return None
    a, b = max(per_pair, key=lambda pair: (per_pair[pair], pair))
    return f"{a}-{b}"


#: How a link's weakest part is made perfect in the scenario (profile overrides).
_PERFECT = {
    "conversion": {"communication.converter.efficiency": 1.0,
                   "communication.converter.encoding_efficiency": 1.0,
                   "communication.transducer.efficiency": 1.0},
    "emission x collection": {"communication.emission_probability": 1.0,
                              "communication.collection_efficiency": 1.0},
    "transducer pump rate": {"communication.transducer.repetition_rate": "1 GHz"},
}


def _improvement(document: dict[str, Any], dc: Any, program: Any, pair: str,
                 schedule: Any) -> dict[str, Any] | None:
    """The limiting link's weakest part made perfect: the job scheduled again.

    Only parts a QPU's profile describes (emission, conversion, a transducer's
    pump) are tried; the first of those, by gain in the link's rate, is kept.
    """
    from qdcnet.config.scenario import build_datacenter
    from qdcnet.link.experiment import bottlenecks
    from qdcnet.schedule import schedule_program

    a, b = pair.split("-")
    spec = dc.fabric.segment_spec(dc.fabric.route(a, b))
    for row in sorted(bottlenecks(spec), key=lambda r: -r["gain"]):
        overrides = _PERFECT.get(row["factor"])
        if overrides is None:
            continue
        node = row["end"].split("(")[-1].rstrip(")")
        improved = copy.deepcopy(document)
        for q in improved["qpus"]:
            if q["name"] == node:
                q["overrides"] = dict(q.get("overrides", {}))
                profile_has = _profile_keys(q["profile"])
                q["overrides"].update({k: v for k, v in overrides.items()
                                       if k.rsplit(".", 1)[0] in profile_has})
        better = schedule_program(program, build_datacenter(improved), policy=schedule.policy,
                                  shots=2)
        return {"link": pair, "node": node, "part": row["factor"], "value": row["value"],
                "link_rate_gain": row["gain"],
                "makespan_s": (schedule.makespan_ps / PS_PER_S,
                               better.makespan_ps / PS_PER_S),
                "shot_period_s": (None if schedule.shot_period_ps is None
                                  else schedule.shot_period_ps / PS_PER_S,
                                  None if better.shot_period_ps is None
                                  else better.shot_period_ps / PS_PER_S)}
    return None


def _profile_keys(profile: str) -> set[str]:
    """The sections a profile has (``communication.converter``, ...), to override only those."""
    from qdcnet.hardware.profiles import load_profile

    comm = load_profile(profile).communication
    keys = {"communication"}
    if comm is not None and comm.converter is not None:
        keys.add("communication.converter")
    if comm is not None and comm.transducer is not None:
        keys.add("communication.transducer")
    return keys


def _print_job(console: Any, job: dict[str, Any]) -> None:
    console.rule(f"{job['circuit']} ({job['qubits']} qubits)")
    used = ", ".join(f"{q} ({n} qubits)" for q, n in job["qpus_used"].items())
    pairs = ", ".join(f"{p} {n}" for p, n in job["ebits_by_pair"].items()) or "none"
    console.print(f"Compiled onto {used}: {job['ebits_per_shot']} ebits per shot ({pairs}).")
    if job["status"] != "completed":
        console.print(f"[red]{job['status']}[/red]: {job['failure']}")
    first = job["first_makespan_s"]
    bound = job["lower_bound_s"]
    ratio = "" if not first or not bound else f", {first / bound:.3g}x"
    console.print(f"First shot {_seconds(first)} against a lower bound of {_seconds(bound)} "
                  f"({job['lower_bound_name']}{ratio}).")
    rate = job["shots_per_s"]
    console.print(f"Shots: one every {_seconds(job['shot_period_s'])} once pipelined "
                  f"({format_number(rate)} shots/s); {_seconds(job['total_s'])} in all.")
    fidelity = job["fidelity"] or {}
    value = fidelity.get("state_fidelity")
    if value is not None:
        se = fidelity.get("state_fidelity_se")
        console.print(f"End-to-end state fidelity {value:.3f}"
                      + (f" ± {se:.2g}" if se else "")
                      + f" ({fidelity.get('engine')} engine, {FIDELITY_TRACES} executed shots); "
                      f"ebits at use {format_number(job['ebit_fidelity_at_use']['mean'], 3)}.")
    parts = job["time_breakdown"]
    if parts:
        share = parts["fractions"]
        console.print(f"The first shot's time went into computing {share['compute']:.0%}, "
                      f"waiting for ebits {share['ebit_wait']:.0%}, classical latency "
                      f"{share['classical']:.0%}"
                      + (f", other {share['other']:.0%}" if share["other"] >= 0.005 else "")
                      + ".")
    better = job["improvement"]
    if job["limiting_pair"] and better:
        (first, first_after), (period, period_after) = (better["makespan_s"],
                                                          better["shot_period_s"])
        gain = period / period_after if period and period_after else math.inf
        console.print(
            f"The busiest link is {better['link']}; its weakest part is {better['node']}'s "
            f"{better['part']} ({format_number(better['value'])}). Made perfect, the link "
            f"gives x{format_number(better['link_rate_gain'], 3)} the pairs, and the "
            f"scheduler predicts a first shot of {_seconds(first_after)} (now "
            f"{_seconds(first)}) and a shot every {_seconds(period_after)} (now "
            f"{_seconds(period)})"
            + (": once shots overlap, the job is bound by its own gates, not by that link."
               if gain < 1.05 else f": x{format_number(gain, 3)} the shots/s."))
    elif not job["ebits_per_shot"]:
        console.print("No ebits: the compiler kept the circuit on one QPU.")


def _seconds(value: float | None) -> str:
    if value is None:
        return "n/a"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6), ("ns", 1e-9)):
        if abs(value) >= scale or unit == "ns":
            return f"{value / scale:.3g} {unit}"
    return f"{value:.3g} s"


def _gantt(job: dict[str, Any], path: Path) -> None:
    from qdcnet.report.gantt import plot_gantt

    result = job["_result"]
    if result.traces:
        plot_gantt(result.job.program, result.traces[0], result.timing.duration_ps, path,
                   title=f"{job['circuit']}: executed shot 0 on the demo data center")
