"""Regenerate the committed benchmark circuits (OpenQASM 2) byte for byte.

Pinned environment (a separate venv; mqt-bench is not a qdcnet dependency)::

    python -m venv /tmp/mqtvenv
    /tmp/mqtvenv/bin/pip install mqt.bench==2.3.0 qiskit==2.6.2
    /tmp/mqtvenv/bin/python benchmarks/circuits/generate.py

What is made, 32 qubits each:

* ``qft_32``: MQT Bench ``qft`` at the target-independent level, measurements
  dropped and the final qubit-reversal swaps relabelled away (the swaps are a
  relabelling of outputs, which no distributed compiler should pay ebits for).
* ``qaoa_32``: MQT Bench ``qaoa`` (Max-Cut on its seeded random graph, two
  repetitions, random angles) at the independent level.
* ``qv_32``: Quantum Volume (qiskit ``quantum_volume(32, seed=0)``, depth 32),
  unrolled to ``u`` and ``cx``; MQT Bench 2.3 has no Quantum Volume entry.
* ``cz_frac_{p}_seed{s}``: random circuits of depth 32 where, in each layer,
  the qubits are shuffled and paired and a fraction ``p`` of the qubits take
  part in a CZ, every other qubit getting H or Rz(theta) with equal
  probability (theta uniform in [0, 2 pi)); ``p`` in 0.3, 0.5, 0.7, seeds 0-4.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from mqt.bench import get_benchmark_indep
from qiskit import QuantumCircuit, qasm2, transpile
from qiskit.circuit.library import quantum_volume

HERE = Path(__file__).resolve().parent
N = 32


def without_final_swaps(circuit: QuantumCircuit) -> QuantumCircuit:
    """Drop measurements and the trailing swaps, relabelling the outputs instead."""
    body = [ins for ins in circuit.data if ins.operation.name not in ("measure", "barrier")]
    while body and body[-1].operation.name == "swap":
        body.pop()
    # Swaps that are not trailing would need real relabelling; QFT has none.
    assert all(ins.operation.name != "swap" for ins in body)
    out = QuantumCircuit(circuit.num_qubits, name=circuit.name)
    for ins in body:
        out.append(ins.operation, [circuit.find_bit(q).index for q in ins.qubits])
    return out


def cz_fraction(num_qubits: int, depth: int, fraction: float, seed: int) -> QuantumCircuit:
    rng = np.random.default_rng(seed)
    circuit = QuantumCircuit(num_qubits, name=f"cz_frac_{fraction}_seed{seed}")
    pairs_per_layer = round(fraction * num_qubits / 2)
    for _ in range(depth):
        order = rng.permutation(num_qubits)
        for k in range(pairs_per_layer):
            circuit.cz(int(order[2 * k]), int(order[2 * k + 1]))
        for q in order[2 * pairs_per_layer:]:
            if rng.random() < 0.5:
                circuit.h(int(q))
            else:
                circuit.rz(float(rng.uniform(0.0, 2.0 * math.pi)), int(q))
    return circuit


def main() -> None:
    circuits = {
        "qft_32": without_final_swaps(get_benchmark_indep("qft", N)),
        "qaoa_32": get_benchmark_indep("qaoa", N),
        "qv_32": transpile(quantum_volume(N, seed=0), basis_gates=["u", "cx"],
                           optimization_level=0),
    }
    for fraction in (0.3, 0.5, 0.7):
        for seed in range(5):
            c = cz_fraction(N, 32, fraction, seed)
            circuits[c.name] = c
    for name, circuit in circuits.items():
        (HERE / f"{name}.qasm").write_text(qasm2.dumps(circuit) + "\n")
        print(name, circuit.count_ops())


if __name__ == "__main__":
    main()
