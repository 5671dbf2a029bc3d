"""Regenerate the committed benchmark circuits (OpenQASM 2) byte for byte.

Two families of files. The ``old`` ones need mqt-bench (a separate venv;
mqt-bench is not a qdcnet dependency)::

    python -m venv /tmp/mqtvenv
    /tmp/mqtvenv/bin/pip install mqt.bench==2.3.0 qiskit==2.6.2
    /tmp/mqtvenv/bin/python benchmarks/circuits/generate.py --families old

The ``new`` ones need only qiskit 2.6.2 (qdcnet's own venv has it)::

    python benchmarks/circuits/generate.py --families new
    python benchmarks/circuits/generate.py --families new --check   # compare, write nothing

``--families all`` (the default) makes both. Old family, 32 qubits each:

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

New family (qiskit only). Every circuit but ``qft_24`` and ``qft_24_layered`` is
passed through ``transpile(basis_gates=["u", "h", "cx", "cp"],
optimization_level=0, seed_transpiler=0)``: no coupling map, so that only
unrolls into those qelib1 gates and writes the gates in the order qiskit's DAG
gives (its lexicographic topological sort, which is what a user exporting
from qiskit hands us). No measurements, no barriers. As in ``qft_32`` and
``qv_32``, ``u`` and ``cp`` are written under ``include "qelib1.inc"`` the
way ``qiskit.qasm2.dumps`` writes them; they are not in the 2017 qelib1.inc,
so a strict reader needs ``qasm2.load(...,
custom_instructions=qasm2.LEGACY_CUSTOM_INSTRUCTIONS)`` (qdcnet reads them).

* ``adder_ripple_32``: Cuccaro-Draper-Kutin-Moulton ripple-carry adder
  (``qiskit.synthesis.adder_ripple_c04(15, kind="half")``, the
  ``CDKMRippleCarryAdder`` of older qiskit): 2 x 15 operand qubits, the
  carry-out and one helper qubit (the zero carry-in) = 32 qubits; its
  Toffolis unroll to 6 CX each.
* ``adder_qft_32``: Draper QFT adder (``adder_qft_d00(16, kind="fixed")``,
  the ``DraperQFTAdder``): 2 x 16 qubits, addition modulo 2^16, in ``h`` and
  ``cp``, plus the 2 x 8 swaps of its two QFTs, 3 CX each.
* ``grover_16``: Grover search over 15 qubits (0..14) for the marked state
  ``MARKED`` = 0b101100111000101 (qubit 0 the least significant bit), 3
  iterations from the uniform superposition, plus one clean ancilla (qubit
  15, returned to |0> by every multi-controlled gate). Oracle and diffuser
  are each one 15-qubit multi-controlled Z, written as H, a 14-control X, H
  on qubit 14; each 14-control X is Khattar-Gidney 2024 with one clean
  ancilla (``synth_mcx_1_clean_kg24(14)``, linear CX count), unrolled.
* ``heisenberg_28``: 1D XXX Heisenberg chain, open boundary,
  H = sum_i (X_i X_i+1 + Y_i Y_i+1 + Z_i Z_i+1) (J = 1) on 28 qubits, evolved
  to t = 1 in 4 first-order Trotter steps (``PauliEvolutionGate`` with
  ``LieTrotter(reps=4)``); in each step the even bonds then the odd bonds,
  XX, YY, ZZ per bond. ``rxx``/``ryy`` unroll to 2 CX, ``rzz`` to one ``cp``.
* ``cz_frac_0.1_seed0`` and ``cz_frac_0.9_seed0``: the ``cz_frac`` random
  circuits above (same function, 32 qubits, depth 32), a sparser and a
  denser density, one seed each.
* ``qft_24``: the 24-qubit QFT without final swaps in textbook order, as
  ``synth_qft_full(24, do_swaps=False)`` builds it: H on qubit 23, then all
  its controlled phases, then qubit 22, ... (``h`` and ``cp`` only).
* ``qft_24_transpiled``: the same gates in the order ``qiskit.transpile``
  writes them (the basis above already holds them, so only the order changes).
* ``qft_24_layered``: the same gates written layer by layer
  (``DAGCircuit.layers()``, as-soon-as-possible layers, gates of one layer in
  the DAG's order), which interleaves the rows the most: the order that
  defeats a remote-operation pass walking program order.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np
from qiskit import QuantumCircuit, qasm2, transpile
from qiskit.circuit.library import PauliEvolutionGate, quantum_volume
from qiskit.converters import circuit_to_dag
from qiskit.quantum_info import SparsePauliOp
from qiskit.synthesis import (
    LieTrotter,
    adder_qft_d00,
    adder_ripple_c04,
    synth_mcx_1_clean_kg24,
    synth_qft_full,
)

HERE = Path(__file__).resolve().parent
N = 32
#: The gates the new family is unrolled into (all in qiskit's qelib1.inc).
BASIS = ["u", "h", "cx", "cp"]
#: Grover's marked state, qubit 0 the least significant bit.
MARKED = 0b101100111000101


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


def unrolled(circuit: QuantumCircuit) -> QuantumCircuit:
    """``circuit`` in :data:`BASIS`, in the order ``qiskit.transpile`` writes it."""
    out = transpile(circuit, basis_gates=BASIS, optimization_level=0, seed_transpiler=0)
    out.name = circuit.name
    return out


def grover(search_qubits: int, marked: int, iterations: int) -> QuantumCircuit:
    """Grover search with one clean ancilla (the last qubit) for the multi-controlled Z."""
    n = search_qubits
    circuit = QuantumCircuit(n + 1, name=f"grover_{n + 1}")
    mcx = synth_mcx_1_clean_kg24(n - 1)  # qubits: n - 1 controls, target, ancilla
    assert mcx.num_qubits == n + 1

    def mcz() -> None:
        circuit.h(n - 1)
        circuit.compose(mcx, range(n + 1), inplace=True)
        circuit.h(n - 1)

    zeros = [q for q in range(n) if not (marked >> q) & 1]
    circuit.h(range(n))
    for _ in range(iterations):
        if zeros:
            circuit.x(zeros)
        mcz()
        if zeros:
            circuit.x(zeros)
        circuit.h(range(n))
        circuit.x(range(n))
        mcz()
        circuit.x(range(n))
        circuit.h(range(n))
    return circuit


def heisenberg_chain(num_qubits: int, steps: int, time: float = 1.0) -> QuantumCircuit:
    """XXX chain, open boundary, first-order Trotter: even bonds, then odd ones."""
    terms = [(p + p, [i, i + 1], 1.0)
             for parity in (0, 1) for i in range(parity, num_qubits - 1, 2) for p in "XYZ"]
    hamiltonian = SparsePauliOp.from_sparse_list(terms, num_qubits=num_qubits)
    circuit = QuantumCircuit(num_qubits, name=f"heisenberg_{num_qubits}")
    circuit.append(PauliEvolutionGate(hamiltonian, time=time,
                                      synthesis=LieTrotter(reps=steps)), range(num_qubits))
    return circuit


def layered(circuit: QuantumCircuit, name: str) -> QuantumCircuit:
    """The same gates, written as-soon-as-possible layer by layer."""
    out = QuantumCircuit(circuit.num_qubits, name=name)
    for layer in circuit_to_dag(circuit).layers():
        for node in layer["graph"].op_nodes():
            out.append(node.op, [circuit.find_bit(q).index for q in node.qargs])
    return out


def old_circuits() -> dict[str, QuantumCircuit]:
    """The first benchmark set (needs mqt-bench 2.3.0)."""
    from mqt.bench import get_benchmark_indep

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
    return circuits


def new_circuits() -> dict[str, QuantumCircuit]:
    """Adders, Grover, a Trotterized chain, two more densities, the QFT-24 orders."""
    adder = adder_ripple_c04(15, kind="half")
    adder.name = "adder_ripple_32"
    draper = adder_qft_d00(16, kind="fixed")
    draper.name = "adder_qft_32"
    qft = synth_qft_full(24, do_swaps=False, name="qft_24")
    circuits = [unrolled(adder), unrolled(draper), unrolled(grover(15, MARKED, 3)),
                unrolled(heisenberg_chain(28, 4)),
                cz_fraction(N, 32, 0.1, 0), cz_fraction(N, 32, 0.9, 0),
                qft, unrolled(qft.copy(name="qft_24_transpiled")),
                layered(qft, "qft_24_layered")]
    return {c.name: c for c in circuits}


FAMILIES = {"old": old_circuits, "new": new_circuits}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", choices=["all", *FAMILIES], default="all")
    parser.add_argument("--check", action="store_true",
                        help="compare with the committed files instead of writing")
    parser.add_argument("--out", default=str(HERE), help="folder to write into")
    args = parser.parse_args(argv)
    families = list(FAMILIES) if args.families == "all" else [args.families]
    out = Path(args.out)
    differ = []
    for family in families:
        for name, circuit in FAMILIES[family]().items():
            assert not any(ins.operation.name in ("measure", "barrier") for ins in circuit.data)
            text = qasm2.dumps(circuit) + "\n"
            path = out / f"{name}.qasm"
            if args.check:
                same = path.exists() and path.read_text() == text
                differ += [] if same else [name]
                print(name, "same" if same else "DIFFERS")
            else:
                path.write_text(text)
                print(name, circuit.num_qubits, dict(circuit.count_ops()))
    if differ:
        print("differ:", ", ".join(differ), file=sys.stderr)
    return 1 if differ else 0


if __name__ == "__main__":
    raise SystemExit(main())
