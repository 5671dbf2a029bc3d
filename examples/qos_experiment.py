"""QoS experiment: one mixed workload on a 16-QPU leaf-spine, under each scheduling policy.

Sixteen Oxford-type ion QPUs (two communication qubits, six storage slots
each) in four racks of four under top-of-rack switches and two spines. Two
classes of requests arrive as Poisson streams between random QPUs:

- **bulk**: 20 pairs within a 0.5 s window (40 pairs/s), fidelity 0.8 or
  better, priority 0: high rate, low fidelity;
- **precise**: 3 pairs of fidelity 0.96 or better (which needs two or three
  rounds of distillation), complete within 2 s of submission, priority 2:
  low rate, high fidelity, with deadlines.

The same arrivals (same seed) run under FIFO, earliest deadline first,
strict priority and weighted fair share; the table reports the share of
each class whose QoS was met (complete, mean delivered fidelity at or above
the minimum, on time), refusals, and times to completion.

Run: ``python examples/qos_experiment.py [--seconds 6] [--seed 1]``
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from qdcnet.config.scenario import build_datacenter
from qdcnet.control import (
    FIFO,
    EarliestDeadlineFirst,
    EntanglementRequest,
    Orchestrator,
    StrictPriority,
    WeightedFairShare,
)
from qdcnet.network import DataCenter
from qdcnet.network.topology import leaf_spine
from qdcnet.units import PS_PER_S, s_to_ps

OVERRIDES = {"communication.t2": "200 ms", "memory.t2": "2 s", "qubits.storage": 6}


def data_center(seed: int) -> DataCenter:
    document = leaf_spine(4, 4, spines=2, profile="trapped_ion_oxford", communication_qubits=2,
                          overrides=OVERRIDES, rack_to_spine_m=20.0)
    document["name"] = "qos-16"
    document["control_plane"] = {"node": "spine0", "processing_latency": "5 us"}
    document["classical"] = {"velocity": "2e8 m/s", "per_hop": "1 us", "jitter": "200 ns"}
    return build_datacenter(document, seed=seed)


def arrivals(
    seconds: float, seed: int, load: float = 1.0
) -> list[tuple[float, str, str, str]]:
    """(time, class, src, dst), Poisson per class, identical for every policy."""
    rng = np.random.default_rng(seed)
    qpus = [f"r{r}q{q}" for r in range(4) for q in range(4)]
    out = []
    for name, rate_hz in (("bulk", 6.0 * load), ("precise", 4.0 * load)):
        t = 0.0
        while True:
            t += rng.exponential(1.0 / rate_hz)
            if t > seconds:
                break
            a, b = rng.choice(len(qpus), 2, replace=False)
            out.append((t, name, qpus[a], qpus[b]))
    return sorted(out)


def request(kind: str, src: str, dst: str, now: float, index: int) -> EntanglementRequest:
    if kind == "bulk":
        return EntanglementRequest(src, dst, rate_hz=40.0, duration_s=0.5, min_fidelity=0.8,
                                   priority=0, name=f"bulk{index}")
    return EntanglementRequest(src, dst, num_pairs=3, min_fidelity=0.96, priority=2,
                               deadline_s=now + 2.0, name=f"precise{index}")


def run(policy_name: str, seconds: float, seed: int, load: float = 1.0) -> dict[str, object]:
    policy = {"fifo": FIFO(), "edf": EarliestDeadlineFirst(), "priority": StrictPriority(),
              "fair-share": WeightedFairShare(quantum_s=0.05)}[policy_name]
    dc = data_center(seed)
    orchestrator = Orchestrator(dc, policy=policy)
    handles = []

    def submit(kind: str, src: str, dst: str, index: int) -> None:
        now = dc.sim.now / PS_PER_S
        handles.append((kind, orchestrator.submit(request(kind, src, dst, now, index))))

    for index, (t, kind, src, dst) in enumerate(arrivals(seconds, seed, load)):
        dc.sim.schedule(s_to_ps(t), submit, kind, src, dst, index)
    start = time.perf_counter()
    dc.sim.run(until=s_to_ps(seconds + 2.0))  # let the last windows and deadlines close
    wall = time.perf_counter() - start
    row: dict[str, object] = {"policy": policy_name, "wall_s": wall}
    for kind in ("bulk", "precise"):
        mine = [h for k, h in handles if k == kind]
        admitted = [h for h in mine if h.plan is not None]
        done = [h for h in admitted if h.done_ps is not None and h.status.value == "completed"]
        row[f"{kind}_requests"] = len(mine)
        row[f"{kind}_refused"] = len(mine) - len(admitted)
        row[f"{kind}_expired"] = sum(1 for h in mine if h.status.value == "expired")
        row[f"{kind}_qos_met"] = sum(1 for h in mine if h.qos_met) / len(mine) if mine else 0.0
        times = [(h.done_ps - h.submitted_ps) / PS_PER_S for h in done]
        row[f"{kind}_median_completion_s"] = statistics.median(times) if times else float("nan")
    everyone = [h for _, h in handles]
    row["all_qos_met"] = sum(1 for h in everyone if h.qos_met) / len(everyone)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="arrival window")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--load", type=float, nargs="+", default=[1.0, 3.0],
                        help="arrival-rate multipliers to run")
    args = parser.parse_args()
    for load in args.load:
        report(args.seconds, args.seed, load)


def report(seconds: float, seed: int, load: float) -> None:
    rows = [run(name, seconds, seed, load) for name in ("fifo", "edf", "priority",
                                                         "fair-share")]
    first = rows[0]
    print(f"\nQoS on a 16-QPU leaf-spine, load x{load:g}: {first['bulk_requests']} bulk and "
          f"{first['precise_requests']} precise requests over {seconds:g} s, seed {seed}\n")
    print("| policy | bulk QoS met | precise QoS met | all | refused (bulk/precise) | "
          "expired (bulk/precise) | bulk median completion [s] | "
          "precise median completion [s] | wall [s] |")
    print("|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        print(f"| {row['policy']} | {row['bulk_qos_met']:.0%} | {row['precise_qos_met']:.0%} | "
              f"{row['all_qos_met']:.0%} | {row['bulk_refused']}/{row['precise_refused']} | "
              f"{row['bulk_expired']}/{row['precise_expired']} | "
              f"{row['bulk_median_completion_s']:.3f} | "
              f"{row['precise_median_completion_s']:.3f} | {row['wall_s']:.1f} |")


if __name__ == "__main__":
    main()
