"""A hybrid loop in the loose regime: QAOA for MaxCut, distributed, with COBYLA between batches.

A random 3-regular graph of ``n`` nodes (``networkx.random_regular_graph(3,
n, seed)``) is cut by a depth-``p`` QAOA circuit (H on every qubit; per layer
an ``rzz(-gamma)`` per edge, i.e. exp(-i gamma C) up to a global phase, and an
``rx(2 beta)`` per qubit, i.e. exp(-i beta X); measure all).
The circuit runs on a star of ``k`` QPUs (``trapped_ion`` profile: native
arbitrary-angle ``rzz``; ``ceil(n / k)`` data qubits each, four communication
qubits each) around one optical switch, and as the **monolithic baseline** on
one QPU of the same profile with ``n`` data qubits. ``scipy.optimize.minimize
(method="COBYLA")`` updates (gamma, beta) between batches of shots; the loop
stops when the measured approximation ratio (mean sampled cut / maximum cut)
reaches the target (0.8), after the iteration cap (50), or when COBYLA
itself ends (its trust region shrinks below its tolerance). A noiseless,
timeless run of the same loop is the reference for what the optimizer can
reach at all.

Per iteration (one batch):

- **quantum + network time**: the batch runs shot by shot on the simulated
  data center (``qdcnet.runtime.run_job``, prefetch); its measured total
  (job start to the last shot's end) is split in the proportions of the
  first shot's critical path (``qdcnet.runtime.time_breakdown``): computing,
  waiting for ebits (**network**), classical feed-forward latency inside the
  shot; shots overlap in the pipeline, so this split of the total is an
  approximation (the first shot's proportions, applied to the whole batch).
- **end-to-end fidelity F** of the executed shots: the library's
  ``estimator`` engine (product of every channel's no-error probability over
  eight executed traces: gate and readout errors, idle decay during ebit
  waits, each ebit's state at use). It is a lower bound on the state
  fidelity. (A one-off check at n = 16, 2 QPUs, p = 1, 100 trajectories: the
  trajectory engine gave 0.44 +- 0.08 where the estimator gave 0.46; the
  trajectory engine takes minutes per batch here, too slow for a loop.)
- **samples**: the library times and degrades the circuit but does not
  sample 16-24-qubit outcomes at loop speed, so the outcomes are drawn from
  a **global-depolarizing model** (an assumption): with probability F a shot
  is drawn from the ideal QAOA distribution (exact state vector, numpy), else
  uniformly at random, i.e. E_noisy = F * E_ideal + (1 - F) * |E| / 2. The
  ``shots`` draws (fixed seed) give the mean cut COBYLA sees, shot noise
  included.
- **classical loop time**: a modelled round trip (results to a classical
  host, new parameters back; ``--round-trip-s``, default 1 ms: an assumption
  for a host reached through a software stack, the loose regime) plus the
  optimizer's own measured wall time (COBYLA's step and the post-processing
  of the samples; measured on this machine, so it varies run to run).

Time to solution = sum over iterations of (batch total + loop round trip).
The circuit is compiled for the data center afresh for every parameter
vector (the compiler's one-qubit merging and Euler decompositions give
angle-dependent gate counts, so a program compiled once would not time the
same); the compile's wall time on this machine is reported per loop, not
added to the time to solution (a what-if: a parametric compile would avoid
it).

Assumptions beyond the profiles: four communication qubits per QPU (the
profile has one network ion; four let a QPU of the 4-QPU star hold a
standing stream to each of its three partners), a 20 m fibre from each QPU
to the switch (the ``star`` default), the 1 ms round trip, the global-
depolarizing outcome model, a linear-ramp start (the annealing-like
schedule of Zhou et al., PRX 10, 021067 (2020); Sack and Serbyn, Quantum 5,
491 (2021)): gamma_i = T (i + 1/2) / p, beta_i = T (1 - (i + 1/2) / p) with
T = 0.8 rad, and COBYLA's initial step 0.2 rad. (A flat start at 0.1 rad left
COBYLA below 0.8 even without noise on the default graph.)

Run: ``python examples/qaoa_loop.py [--quick] [--seed 1] [--out DIR]``
"""

from __future__ import annotations

import argparse
import contextlib
import math
import sys
import time
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
from qiskit import QuantumCircuit
from scipy.optimize import minimize

from qdcnet.compiler import CompileTarget, compile_circuit
from qdcnet.config.scenario import build_datacenter
from qdcnet.errors import ParameterError
from qdcnet.network.topology import star
from qdcnet.report import result_document, write_json
from qdcnet.runtime import Job, run_job, time_breakdown

NAME = "qaoa_loop"
DEFAULT_SEED = 1
PROFILE = "trapped_ion"
COMM_QUBITS = 4
RAMP = 0.8  # rad, T of the linear-ramp start
RHOBEG = 0.2  # rad, COBYLA's initial step


# --- the graph and the ideal QAOA state (the algorithm, not the hardware) ---

def regular_graph(n: int, seed: int) -> nx.Graph:
    """The random 3-regular graph of ``n`` nodes for ``seed``."""
    if n < 4 or n % 2:
        raise ParameterError("n", n, "an even integer >= 4 (3-regular graphs need n even)")
    return nx.random_regular_graph(3, n, seed=seed)


def cut_values(graph: nx.Graph) -> np.ndarray:
    """The cut size of every basis state (bit i of the index = side of node i, as Qiskit)."""
    n = graph.number_of_nodes()
    x = np.arange(2**n, dtype=np.uint32)
    cuts = np.zeros(2**n, dtype=np.int16)
    for a, b in graph.edges:
        cuts += ((x >> a) ^ (x >> b)).astype(np.int16) & 1
    return cuts


def qaoa_probabilities(cuts: np.ndarray, edges: int, gammas: Any, betas: Any) -> np.ndarray:
    """Outcome probabilities of the ideal QAOA circuit of :func:`qaoa_circuit`.

    The product of ``rzz(-gamma)`` over the edges is the diagonal
    exp(i gamma (|E| - 2 C(x)) / 2) = exp(-i gamma C(x)) up to a global phase;
    ``rx(2 beta)`` mixes each qubit. ``edges`` is kept for the global phase.
    """
    n = round(math.log2(cuts.size))
    psi = np.full(cuts.size, 2.0 ** (-n / 2), dtype=complex)
    phase = 0.5 * (edges - 2.0 * cuts)
    for gamma, beta in zip(gammas, betas, strict=True):
        psi *= np.exp(1j * gamma * phase)
        c, s = math.cos(beta), -1j * math.sin(beta)
        for q in range(n):
            view = psi.reshape(-1, 2, 2**q)
            low = view[:, 0, :].copy()
            view[:, 0, :] *= c
            view[:, 0, :] += s * view[:, 1, :]
            view[:, 1, :] *= c
            view[:, 1, :] += s * low
    return np.abs(psi) ** 2


def qaoa_circuit(graph: nx.Graph, gammas: Any, betas: Any) -> QuantumCircuit:
    """H layer; per layer rzz(-gamma) per edge and rx(2 beta) per qubit; measure all."""
    n = graph.number_of_nodes()
    qc = QuantumCircuit(n, n, name=f"qaoa{n}")
    qc.h(range(n))
    for gamma, beta in zip(gammas, betas, strict=True):
        for a, b in sorted(graph.edges):
            qc.rzz(-float(gamma), a, b)
        qc.rx(2 * float(beta), range(n))
    qc.measure(range(n), range(n))
    return qc


def noisy_samples(probs: np.ndarray, fidelity: float, shots: int,
                  rng: np.random.Generator) -> np.ndarray:
    """Basis states drawn from F * ideal + (1 - F) * uniform (the global-depolarizing model)."""
    ideal = rng.random(shots) < fidelity
    out = rng.integers(0, probs.size, size=shots)
    if ideal.any():
        cdf = np.cumsum(probs)
        picks = np.searchsorted(cdf, rng.random(int(ideal.sum())) * cdf[-1])
        out[ideal] = np.minimum(picks, probs.size - 1)
    return out


# --- the data centers ---

def scenario(n: int, qpus: int) -> dict[str, Any]:
    """A star of ``qpus`` QPUs with ceil(n / qpus) data qubits each (one QPU: the baseline)."""
    document = star(qpus, profile=PROFILE, overrides={"qubits.data": -(-n // qpus)},
                    communication_qubits=COMM_QUBITS)
    document["name"] = f"qaoa-{qpus}qpu-{n}"
    return document


# --- the loop ---

def ramp_start(layers: int) -> np.ndarray:
    """The linear-ramp start: gammas rising, betas falling, over ``RAMP`` rad."""
    steps = (np.arange(layers) + 0.5) / layers
    return np.concatenate([RAMP * steps, RAMP * (1 - steps)])


class _Solved(Exception):
    """Raised inside the objective when the target ratio is reached."""


def run_loop(n: int, qpus: int | None, *, layers: int, shots: int, max_iterations: int,
             target: float, round_trip_s: float, seed: int) -> dict[str, Any]:
    """One COBYLA loop; ``qpus=None`` is the noiseless, timeless reference."""
    graph = regular_graph(n, seed)
    cuts = cut_values(graph)
    edges = graph.number_of_edges()
    max_cut = int(cuts.max())
    rng = np.random.default_rng([seed, n, qpus or 0])
    start = ramp_start(layers)
    dc = None if qpus is None else build_datacenter(scenario(n, qpus), seed=seed)
    history: list[dict[str, Any]] = []
    left_optimizer = [time.perf_counter()]

    def objective(theta: np.ndarray) -> float:
        optimizer_s = time.perf_counter() - left_optimizer[0]
        gammas, betas = theta[:layers], theta[layers:]
        row: dict[str, Any] = {"iteration": len(history) + 1,
                               "gammas": [float(g) for g in gammas],
                               "betas": [float(b) for b in betas]}
        if dc is None:
            fidelity, split = 1.0, {"compute_s": 0.0, "network_s": 0.0, "feed_forward_s": 0.0,
                                    "other_s": 0.0, "batch_s": 0.0}
        else:
            began = time.perf_counter()
            program = compile_circuit(qaoa_circuit(graph, gammas, betas),
                                      CompileTarget.from_datacenter(dc), seed=seed).program
            row["compile_wall_s"] = time.perf_counter() - began
            result = run_job(dc, Job(program, shots=shots, policy="prefetch",
                                     name=f"iter{len(history) + 1}"),
                             engine="estimator", seed=seed)
            if not result.completed:
                raise RuntimeError(f"batch failed: {result.failure}")
            summary = result.summary()
            fidelity = float(result.fidelity.state_fidelity)
            batch_s = summary["measured_total_s"] + summary["time_to_start_s"]
            parts = time_breakdown(result.timing, result.traces[0])
            share = batch_s / parts.makespan_ps
            split = {"batch_s": batch_s, "compute_s": parts.compute_ps * share,
                     "network_s": parts.ebit_wait_ps * share,
                     "feed_forward_s": parts.classical_ps * share,
                     "other_s": parts.other_ps * share,
                     "shot_period_s": summary["measured_shot_period_s"],
                     "first_makespan_s": summary["measured_first_makespan_s"],
                     "ebits_per_shot": summary["ebits_per_shot"],
                     "supplier": summary["supplier"], "supplier_note": summary["supplier_note"]}
        probs = qaoa_probabilities(cuts, edges, gammas, betas)
        outcomes = noisy_samples(probs, fidelity, shots, rng)  # stands in for the QPU
        began = time.perf_counter()  # the host's post-processing: cut sizes and their mean
        sampled = cuts[outcomes].astype(float)
        mean = float(sampled.mean())
        post_s = time.perf_counter() - began
        ideal = float(probs @ cuts)
        noisy = fidelity * ideal + (1 - fidelity) * edges / 2
        loop_s = 0.0 if dc is None else round_trip_s + optimizer_s + post_s
        row |= split | {
            "fidelity": fidelity, "loop_classical_s": loop_s, "optimizer_wall_s":
            optimizer_s + post_s, "sampled_ratio": mean / max_cut,
            "sampled_ratio_se": float(sampled.std(ddof=1) / math.sqrt(shots) / max_cut),
            "expected_ratio": noisy / max_cut, "ideal_ratio": ideal / max_cut,
            "best_sampled_ratio": float(sampled.max() / max_cut)}
        history.append(row)
        left_optimizer[0] = time.perf_counter()
        if mean / max_cut >= target or len(history) >= max_iterations:
            raise _Solved
        return -mean / max_cut

    with contextlib.suppress(_Solved):
        minimize(objective, start, method="COBYLA",
                 options={"rhobeg": RHOBEG, "maxiter": max_iterations})
    stop = ("target" if history[-1]["sampled_ratio"] >= target else
            "cap" if len(history) >= max_iterations else "optimizer converged")
    return summarize(n, qpus, graph, max_cut, history, target) | {"stop": stop}


def summarize(n: int, qpus: int | None, graph: nx.Graph, max_cut: int,
              history: list[dict[str, Any]], target: float) -> dict[str, Any]:
    """The loop's row: iterations, time to solution and its split, fidelities, ratios."""
    def total(key: str) -> float:
        return float(sum(row.get(key, 0.0) for row in history))

    reached = history[-1]["sampled_ratio"] >= target
    fids = [row["fidelity"] for row in history]
    quantum, network = total("compute_s") + total("other_s"), total("network_s")
    feed_forward, loop = total("feed_forward_s"), total("loop_classical_s")
    tts = total("batch_s") + loop
    return {
        "n": n, "edges": graph.number_of_edges(), "max_cut": max_cut,
        "qpus": qpus, "label": ("noiseless reference" if qpus is None else
                                "monolithic" if qpus == 1 else f"{qpus} QPUs"),
        "ebits_per_shot": history[0].get("ebits_per_shot"),
        "ebits_per_shot_range": [min(r.get("ebits_per_shot", 0) for r in history),
                                 max(r.get("ebits_per_shot", 0) for r in history)],
        "compile_wall_s": total("compile_wall_s"),
        "supplier_notes": sorted({row["supplier_note"] for row in history
                                  if row.get("supplier_note")}),
        "iterations": len(history), "reached": reached,
        "time_to_solution_s": tts, "quantum_s": quantum, "network_s": network,
        "classical_s": feed_forward + loop, "feed_forward_s": feed_forward,
        "loop_classical_s": loop,
        "time_per_iteration_s": tts / len(history),
        "mean_fidelity": float(np.mean(fids)),
        "final_sampled_ratio": history[-1]["sampled_ratio"],
        "best_sampled_ratio": max(row["sampled_ratio"] for row in history),
        "final_expected_ratio": history[-1]["expected_ratio"],
        "final_ideal_ratio": history[-1]["ideal_ratio"],
        # what F allows at the best ideal ratio the loop met: F r* + (1 - F) |E| / 2 / max
        "ceiling_ratio": float(np.mean(fids)) * max(row["ideal_ratio"] for row in history)
        + (1 - float(np.mean(fids))) * graph.number_of_edges() / 2 / max_cut,
        "history": history,
    }


# --- output ---

def table(rows: list[dict[str, Any]]) -> str:
    head = ("| n | data center | ebits/shot | iterations | reached 0.8 | time to solution [s] | "
            "quantum | network | classical | per iteration [s] | mean F | final ratio | "
            "ceiling | compile wall [s] |")
    lines = [head, "|" + "---|" * 14]
    for r in rows:
        tts = r["time_to_solution_s"]

        def pct(x: float, tts: float = tts) -> str:
            return f"{x / tts:.1%}" if tts > 0 else "-"

        low, high = r["ebits_per_shot_range"]
        ebits = "-" if r["qpus"] is None else f"{low}" if low == high else f"{low}-{high}"
        lines.append(
            f"| {r['n']} | {r['label']} | {ebits} "
            f"| {r['iterations']} | {'yes' if r['reached'] else 'no: ' + r['stop']} | "
            f"{tts:.3g} | "
            f"{pct(r['quantum_s'])} | {pct(r['network_s'])} | {pct(r['classical_s'])} | "
            f"{r['time_per_iteration_s']:.3g} | {r['mean_fidelity']:.3f} | "
            f"{r['final_sampled_ratio']:.3f} | {r['ceiling_ratio']:.3f} | "
            f"{r['compile_wall_s']:.3g} |")
    return "\n".join(lines)


def figure(rows: list[dict[str, Any]], target: float, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.8))
    for r in rows:
        if r["qpus"] is None:
            continue
        clock = np.cumsum([h["batch_s"] + h["loop_classical_s"] for h in r["history"]])
        left.plot(clock, [h["sampled_ratio"] for h in r["history"]], marker=".",
                  label=f"n={r['n']}, {r['label']}")
    left.axhline(target, color="k", ls="--", lw=1, label=f"target {target:g}")
    left.set_xscale("log")
    left.set_xlabel("time to solution so far (simulated) [s]")
    left.set_ylabel("measured approximation ratio (mean sampled cut / max cut)")
    left.set_title("COBYLA loop: ratio against time")
    left.legend(fontsize=7)
    timed = [r for r in rows if r["qpus"] is not None]
    labels = [f"n={r['n']}\n{r['label']}" for r in timed]
    bottom = np.zeros(len(timed))
    for key, name in (("quantum_s", "quantum compute"), ("network_s", "network (ebit waits)"),
                      ("classical_s", "classical (feed-forward + loop)")):
        values = np.array([100 * r[key] / r["time_to_solution_s"] for r in timed])
        right.bar(labels, values, bottom=bottom, label=name)
        bottom += values
    for x, r in enumerate(timed):
        right.annotate(f"{r['time_to_solution_s']:.3g} s\n{r['iterations']} it"
                       + ("" if r["reached"] else "\n(not reached)"),
                       (x, 101), ha="center", va="bottom", fontsize=7)
    right.set_ylim(0, 125)
    right.set_ylabel("share of time to solution [%]")
    right.set_title("Time to solution (simulated, on top) and its split")
    right.legend(fontsize=7, loc="center right")
    right.tick_params(axis="x", labelsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or NAME).splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="n=16, monolithic and 2 QPUs, 64 shots, 12 iterations at most")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, default=Path("qdcnet-output") / NAME)
    parser.add_argument("--nodes", type=int, nargs="+", help="graph sizes (default 16 20)")
    parser.add_argument("--qpus", type=int, nargs="+", help="QPU counts (1 = the baseline)")
    parser.add_argument("--layers", type=int, default=2, help="QAOA depth p")
    parser.add_argument("--shots", type=int, help="shots per batch (default 100)")
    parser.add_argument("--max-iterations", type=int, help="iteration cap (default 50)")
    parser.add_argument("--target", type=float, default=0.8, help="approximation ratio to stop")
    parser.add_argument("--round-trip-s", type=float, default=1e-3,
                        help="modelled classical round trip per iteration [s]")
    args = parser.parse_args(argv)
    nodes = args.nodes or ([16] if args.quick else [16, 20])
    qpu_counts = args.qpus or ([1, 2] if args.quick else [1, 2, 4])
    shots = args.shots or (64 if args.quick else 100)
    cap = args.max_iterations or (12 if args.quick else 50)
    for name, value, ok in (("nodes", nodes, all(4 <= x <= 22 and x % 2 == 0 for x in nodes)),
                            ("qpus", qpu_counts, all(1 <= k <= 8 for k in qpu_counts)),
                            ("layers", args.layers, args.layers >= 1),
                            ("shots", shots, shots >= 2), ("max_iterations", cap, cap >= 1),
                            ("target", args.target, 0 < args.target <= 1),
                            ("round_trip_s", args.round_trip_s, args.round_trip_s >= 0)):
        if not ok:
            raise ParameterError(name, value, {"nodes": "even sizes 4..22",
                                               "qpus": "1..8"}.get(name, "see --help"))
    settings = {"nodes": nodes, "qpus": qpu_counts, "layers": args.layers, "shots": shots,
                "max_iterations": cap, "target": args.target,
                "round_trip_s": args.round_trip_s, "profile": PROFILE,
                "communication_qubits": COMM_QUBITS, "ramp_rad": RAMP,
                "rhobeg": RHOBEG, "policy": "prefetch", "fidelity_engine": "estimator",
                "quick": args.quick}
    rows = []
    began = time.perf_counter()
    for n in nodes:
        for qpus in [None, *qpu_counts]:
            row = run_loop(n, qpus, layers=args.layers, shots=shots, max_iterations=cap,
                           target=args.target, round_trip_s=args.round_trip_s, seed=args.seed)
            rows.append(row)
            print(f"  n={n} {row['label']}: {row['iterations']} iterations, "
                  f"{row['time_to_solution_s']:.3g} s, ratio {row['final_sampled_ratio']:.3f}",
                  file=sys.stderr, flush=True)
    print(f"\nQAOA p={args.layers} MaxCut loop on random 3-regular graphs ({PROFILE}, "
          f"{shots} shots per batch, target {args.target:g}, cap {cap}, seed {args.seed})\n")
    print(table(rows))
    args.out.mkdir(parents=True, exist_ok=True)
    figure(rows, args.target, args.out / f"{NAME}.png")
    scenarios = {f"{n}:{k}": scenario(n, k) for n in nodes for k in qpu_counts}
    write_json(args.out / "result.json",
               result_document(kind=NAME, seed=args.seed, scenario=scenarios,
                               results={"settings": settings, "rows": rows,
                                        "wall_s": time.perf_counter() - began}))
    print(f"\nwrote {args.out / 'result.json'} and {args.out / (NAME + '.png')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
