"""The estimator's error against the exact density engine, and each engine's wall time.

Twenty random Clifford+T circuits (4 to 8 qubits, about 6 gates per qubit)
compiled onto three QPUs of a real platform profile (trapped ion and
superconducting, alternately: gate, readout and memory noise from the
profile through ``QPU.from_profile``), each shot timed by a simple
as-soon-as-possible pass (instruction durations from the compiler, a 1 µs
classical latency for feed-forward across QPUs, ebits ready on demand) and
every ebit a Werner pair of fidelity drawn from [0.95, 0.99]. For each, the
state fidelity of the data qubits from the density engine (exact) and from
the product-of-fidelities estimator; the table gives both, the estimator's
absolute and relative error, and the engines' wall times.

Run: ``python -m benchmarks.bench_engines`` (prints the table).
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from benchmarks.common import Row

PROFILES = ("trapped_ion", "superconducting")
LATENCY_PS = 1_000_000  # 1 µs between QPUs for a measured bit


def _target(profile_name: str, data: int):
    from qdcnet.compiler import CompileTarget
    from qdcnet.hardware.profiles import load_profile
    from qdcnet.network.qpu import QPU

    profile = load_profile(profile_name)
    qpus = tuple(QPU.from_profile(f"{profile_name[:3]}{i}", profile, data_qubits=data,
                                  comm_qubits=2) for i in range(3))
    return CompileTarget(qpus, tuple(tuple(0 if i == j else 1 for j in range(3))
                                     for i in range(3)))


def _body(rng: np.random.Generator, qubits: int, gates: int) -> str:
    one = ("h", "s", "t", "sdg", "x")
    out = []
    for _ in range(gates):
        if rng.random() < 0.4:
            a, b = rng.choice(qubits, size=2, replace=False)
            out.append(f"cx q[{a}],q[{b}];")
        else:
            out.append(f"{rng.choice(one)} q[{rng.integers(qubits)}];")
    return " ".join(out)


def asap_trace(program, qpus, rng: np.random.Generator, fidelity=(0.95, 0.99)):
    """Instruction starts as soon as slots and bits allow; Werner ebits ready on demand."""
    from qdcnet.compiler.translate import instruction_duration_s
    from qdcnet.quantum.bell import BellDiagonal
    from qdcnet.runtime.trace import EbitUse, ShotTrace
    from qdcnet.units import s_to_ps

    free: dict[tuple[str, int], int] = {}
    bit_at: dict[str, tuple[str, int]] = {}
    starts: list[int] = []
    uses = []
    for op in program.operations:
        op_start = None
        for ins in op.instructions:
            ready = max((free.get((ins.qpu, s), 0) for s in ins.slots), default=0)
            if ins.condition is not None:
                for b in ins.condition.bits:
                    if b in bit_at:
                        src, t = bit_at[b]
                        ready = max(ready, t + (LATENCY_PS if src != ins.qpu else 0))
            end = ready + s_to_ps(instruction_duration_s(ins, qpus[ins.qpu]))
            for s in ins.slots:
                free[(ins.qpu, s)] = end
            if ins.bit is not None:
                bit_at[ins.bit] = (ins.qpu, end)
            starts.append(ready)
            op_start = ready if op_start is None else min(op_start, ready)
        for (a, sa), (b, sb) in op.ebit_slots:
            f = float(rng.uniform(*fidelity))
            used = op_start or 0
            uses.append(EbitUse(len(uses), (a, b), (sa, sb), used, used, used,
                                tuple(BellDiagonal.werner(f).coefficients)))
    end = max(free.values(), default=0)
    return ShotTrace(0, 0, end, starts, tuple(uses))


def measure_estimator(count: int = 20, seed: int = 13) -> list[dict]:
    """One row per random circuit: exact and estimated fidelity, errors, wall times."""
    from qdcnet.compiler import compile_circuit
    from qdcnet.runtime.engines import DensityEngine, EstimatorEngine
    from qdcnet.runtime.noisy import build_noisy_circuit

    rng = np.random.default_rng(seed)
    rows = []
    for k in range(count):
        profile = PROFILES[k % len(PROFILES)]
        qubits = int(rng.integers(4, 9))
        target = _target(profile, data=(qubits + 2) // 3 + 1)
        qpus = {q.name: q for q in target.qpus}
        source = (f'OPENQASM 2.0; include "qelib1.inc"; qreg q[{qubits}]; '
                  + _body(rng, qubits, 6 * qubits))
        program = compile_circuit(source, target, seed=k).program
        circuit = build_noisy_circuit(program, qpus, trace=asap_trace(program, qpus, rng))
        start = time.perf_counter()
        exact = DensityEngine().run(circuit).state_fidelity
        density_s = time.perf_counter() - start
        start = time.perf_counter()
        estimate = EstimatorEngine().run(circuit).state_fidelity
        estimator_s = time.perf_counter() - start
        rows.append({"circuit": k, "profile": profile, "qubits": qubits,
                     "ebits": program.num_ebits, "live": circuit.max_live, "exact": exact,
                     "estimate": estimate, "error": estimate - exact,
                     "relative": (estimate - exact) / exact,
                     "density_s": density_s, "estimator_s": estimator_s})
    return rows


def _table(rows: list[dict]) -> str:
    head = (f"{'#':>2} {'profile':<16}{'qubits':>6}{'ebits':>6}{'live':>5}{'exact F':>10}"
            f"{'estimate':>10}{'error':>10}{'rel.':>8}{'density s':>10}")
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(f"{r['circuit']:>2} {r['profile']:<16}{r['qubits']:>6}{r['ebits']:>6}"
                     f"{r['live']:>5}{r['exact']:>10.4f}{r['estimate']:>10.4f}"
                     f"{r['error']:>+10.4f}{r['relative']:>+8.1%}{r['density_s']:>10.3f}")
    errors = [abs(r["error"]) for r in rows]
    relative = [abs(r["relative"]) for r in rows]
    lines.append(f"|error|: median {statistics.median(errors):.4f}, worst {max(errors):.4f}; "
                 f"|relative|: median {statistics.median(relative):.1%}, "
                 f"worst {max(relative):.1%}")
    return "\n".join(lines)


def run(quick: bool) -> list[Row]:
    rows = measure_estimator(count=6 if quick else 20)
    errors = [abs(r["error"]) for r in rows]
    relative = [abs(r["relative"]) for r in rows]
    detail = f"{len(rows)} random Clifford+T circuits, 4-8 qubits, 3 QPUs, density as truth"
    return [
        Row("engines", "estimator |F error| median", statistics.median(errors), "",
            detail=detail),
        Row("engines", "estimator |F error| worst", max(errors), "", detail=detail),
        Row("engines", "estimator relative error worst", max(relative), "", detail=detail),
        Row("engines", "density engine wall time (median)",
            statistics.median(r["density_s"] for r in rows), "s", detail=detail),
    ]


if __name__ == "__main__":
    print(_table(measure_estimator()))
