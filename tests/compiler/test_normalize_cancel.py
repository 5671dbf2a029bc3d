"""Commuting cancellations in normalize: controlled phases that meet in their windows merge."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qdcnet.compiler import Circuit, Condition, Gate, Normalize
from qdcnet.compiler.commute import random_order
from qdcnet.compiler.normalize import cancel_commuting, fuse_controlled_runs
from qdcnet.compiler.statevector import overlap, simulate_circuit


def _two_qubit(circuit: Circuit) -> list[tuple[str, tuple[int, ...], float | None]]:
    return sorted((g.name, tuple(sorted(g.qubits)),
                   round(math.remainder(g.params[0], 2 * math.pi), 9) if g.params else None)
                  for g in circuit.gates if g.is_two_qubit)


def test_a_controlled_phase_pair_around_a_commuting_gate_cancels():
    c = Circuit(3, 0, (Gate("cz", (0, 1)), Gate("cz", (0, 2)), Gate("cz", (1, 0))))
    assert [(g.name, g.qubits) for g in cancel_commuting(c).gates] == [("cz", (0, 2))]


def test_angles_add_within_the_windows_and_the_sum_takes_the_first_place():
    c = Circuit(3, 0, (Gate("cp", (0, 1), (0.3,)), Gate("rz", (0,), (0.2,)),
                       Gate("cz", (1, 2)), Gate("cp", (1, 0), (0.4,))))
    out = cancel_commuting(c)
    assert [g.name for g in out.gates] == ["cp", "rz", "cz"]
    assert out.gates[0].params[0] == pytest.approx(0.7)
    # a sum of pi is a cz
    pi = Circuit(2, 0, (Gate("cp", (0, 1), (1.0,)), Gate("cp", (0, 1), (math.pi - 1.0,))))
    assert [g.name for g in cancel_commuting(pi).gates] == ["cz"]


def test_nothing_merges_across_a_gate_that_does_not_commute_or_a_condition():
    across_h = Circuit(2, 0, (Gate("cz", (0, 1)), Gate("h", (1,)), Gate("cz", (0, 1))))
    assert cancel_commuting(across_h) is None
    conditional = Circuit(2, 1, (Gate("cz", (0, 1)),
                                 Gate("cz", (0, 1), condition=Condition((0,), 1))))
    assert cancel_commuting(conditional) is None
    measured = Circuit(2, 1, (Gate("cz", (0, 1)), Gate("measure", (1,), clbits=(0,)),
                              Gate("cz", (0, 1))))
    assert cancel_commuting(measured) is None


def test_cancellations_run_to_a_fixpoint_with_one_qubit_merging():
    # The inner pair cancels, which brings h; h together on 1, which joins the outer
    # pair's windows: nothing is left.
    c = Circuit(3, 0, (Gate("cz", (0, 1)), Gate("h", (1,)), Gate("cz", (1, 2)),
                       Gate("cz", (1, 2)), Gate("h", (1,)), Gate("cz", (0, 1))))
    assert Normalize().rewrite(c).gates == ()
    # and the same written with cx, with a commuting gate on the control between
    cx = Circuit(3, 0, (Gate("cx", (0, 1)), Gate("cz", (0, 2)), Gate("rz", (0,), (0.3,)),
                        Gate("cx", (0, 1))))
    assert _two_qubit(Normalize().rewrite(cx)) == [("cz", (0, 2), None)]


def test_a_controlled_run_on_one_pair_fuses_through_its_windows():
    # cz; x; cz on one pair is local, whatever the control meets between (a cz to 2).
    c = Circuit(3, 0, (Gate("cz", (0, 1)), Gate("cz", (0, 2)), Gate("x", (1,)),
                       Gate("cz", (0, 1))))
    assert [g.qubits for g in fuse_controlled_runs(c).gates if len(g.qubits) == 2] == [(0, 2)]
    # cx; rz; cx with the control busy between: one controlled phase
    zz = Circuit(3, 0, (Gate("cx", (0, 1)), Gate("cp", (0, 2), (0.5,)),
                        Gate("rz", (1,), (0.4,)), Gate("cx", (0, 1))))
    assert len(_two_qubit(Normalize().rewrite(zz))) == 2
    # Another controlled phase in the target's first window commutes out of the way; in
    # a window inside the run it does not, and the run stops there.
    busy = Circuit(3, 0, (Gate("cz", (0, 1)), Gate("cz", (1, 2)), Gate("x", (1,)),
                          Gate("cz", (0, 1))))
    assert len(_two_qubit(fuse_controlled_runs(busy))) == 1
    inside = Circuit(3, 0, (Gate("cz", (0, 1)), Gate("x", (1,)), Gate("cz", (0, 1)),
                            Gate("cz", (1, 2)), Gate("x", (1,)), Gate("cz", (0, 1))))
    assert len(_two_qubit(fuse_controlled_runs(inside))) == 2


_GATES = st.sampled_from(["cz", "cp", "cx", "h", "rz", "s", "x", "sdg"])


@st.composite
def _circuits(draw, names=_GATES, size=(4, 24)):
    n = 4
    gates = []
    for _ in range(draw(st.integers(*size))):
        name = draw(names)
        if name in ("cz", "cp", "cx"):
            a = draw(st.integers(0, n - 1))
            b = draw(st.integers(0, n - 2))
            qubits = (a, b if b < a else b + 1)
        else:
            qubits = (draw(st.integers(0, n - 1)),)
        params = (draw(st.sampled_from([0.5, math.pi / 2, math.pi, -0.5])),) if name in (
            "cp", "rz") else ()
        gates.append(Gate(name, qubits, params))
    return Circuit(n, 0, tuple(gates))


@given(_circuits())
@settings(max_examples=60, deadline=None)
def test_normalize_keeps_the_state_and_never_adds_two_qubit_gates(circuit):
    normalized = Normalize().rewrite(circuit)
    assert normalized.num_two_qubit_gates <= circuit.num_two_qubit_gates
    a, _, _ = simulate_circuit(circuit)
    b, _, _ = simulate_circuit(normalized)
    assert overlap(a, b) == pytest.approx(1.0, abs=1e-9)
    # normalized is a fixpoint: nothing more to cancel or fuse
    assert Normalize().rewrite(normalized).num_two_qubit_gates == normalized.num_two_qubit_gates


@given(_circuits(st.sampled_from(["cz", "cp", "h", "rz"]), (10, 40)),
       st.integers(0, 2**32 - 1))
@settings(max_examples=40, deadline=None)
def test_commuting_permutations_normalize_to_the_same_two_qubit_gates(circuit, seed):
    order = random_order(circuit, np.random.default_rng(seed))
    permuted = Circuit(circuit.num_qubits, 0, tuple(circuit.gates[i] for i in order))
    assert _two_qubit(Normalize().rewrite(permuted)) == _two_qubit(Normalize().rewrite(circuit))


@pytest.mark.parametrize("angle", [1e-4, 3e-6, 2e-8])
def test_small_rotations_are_kept_not_taken_for_the_identity(angle):
    # |trace| - 2 is quadratic in the angle: judged by it, rotations up to 1e-4 would be
    # dropped at atol 1e-9 and a cu1 of that angle, written as its definition, lost.
    assert Normalize().rewrite(Circuit(1, 0, (Gate("rx", (0,), (angle,)),))).gates
    cu1 = Circuit(2, 0, (Gate("u1", (0,), (angle / 2,)), Gate("cx", (0, 1)),
                         Gate("u1", (1,), (-angle / 2,)), Gate("cx", (0, 1)),
                         Gate("u1", (1,), (angle / 2,))))
    assert _two_qubit(Normalize().rewrite(cu1)) == [("cp", (0, 1), pytest.approx(angle))]
