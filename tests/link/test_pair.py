"""EntangledPair: used once, aged exactly, corrected on reading."""

from __future__ import annotations

import math

import pytest

from qdcnet.errors import ParameterError
from qdcnet.hardware import QuantumMemory
from qdcnet.link import Endpoint, EntangledPair, PairStatus, PairUsedError
from qdcnet.quantum import BellDiagonal


def make_pair(**overrides):
    fields = dict(
        id=7, end_a=Endpoint("qpu0", 1), end_b=Endpoint("qpu1", 0), learned_a_ps=5_000,
        learned_b_ps=9_000, state=BellDiagonal.from_coefficients([0.05, 0.9, 0.03, 0.02]),
        state_time_ps=1_000, pending_frame=1, memory_a=QuantumMemory(math.inf, 1e-3),
        memory_b=QuantumMemory(2e-3, 1e-3),
    )
    fields.update(overrides)
    return EntangledPair(**fields)


def test_reading_applies_the_correction_and_ages_each_end():
    pair = make_pair()
    assert pair.ready_ps == 9_000
    assert pair.state_at(1_000).fidelity == pytest.approx(0.9)
    later = 1_000 + 10**9  # 1 ms after the state time
    expected = (BellDiagonal.from_coefficients([0.9, 0.05, 0.02, 0.03])
                .decohere(1e-3, t1_s=math.inf, t2_s=1e-3)
                .decohere(1e-3, t1_s=2e-3, t2_s=1e-3))
    assert pair.state_at(later).isclose(expected, atol=1e-15)
    # Reading never consumes; aging in steps equals aging at once.
    assert pair.fidelity_at(later) == pytest.approx(expected.fidelity)
    assert pair.is_live


def test_consumed_once():
    pair = make_pair()
    state = pair.consume(20_000)
    assert state.fidelity == pytest.approx(pair.state_at(20_000).fidelity)
    assert pair.status is PairStatus.CONSUMED
    with pytest.raises(PairUsedError, match="already consumed"):
        pair.consume(30_000)
    with pytest.raises(PairUsedError):
        pair.discard(30_000, "late")


def test_consume_after_discard_raises():
    pair = make_pair()
    pair.discard(10_000, "cutoff")
    assert pair.discard_reason == "cutoff"
    with pytest.raises(PairUsedError, match="already discarded"):
        pair.consume(11_000)


def test_cannot_use_before_both_ends_know_or_read_before_it_existed():
    pair = make_pair()
    with pytest.raises(ParameterError, match="both ends learn"):
        pair.consume(8_999)
    with pytest.raises(ParameterError, match="state time"):
        pair.state_at(500)


def test_frame_updates_compose():
    pair = make_pair(pending_frame=0, state=BellDiagonal.perfect())
    pair.apply_pauli_frame(1)
    pair.apply_pauli_frame(3)
    assert pair.pending_frame == 2
    assert pair.state_at(1_000).coefficients == pytest.approx((0, 0, 1, 0))
    with pytest.raises(ParameterError):
        pair.apply_pauli_frame(5)


def test_density_matrix_pairs_are_corrected_and_aged_too():
    from qdcnet.quantum import DensityMatrix

    rho = DensityMatrix.bell(1)  # Psi+, needs X
    pair = make_pair(state=rho, pending_frame=1)
    later = 1_000 + 10**9
    # The qubits decay as Psi+ (uncorrected); the correction applies afterwards.
    expected = (DensityMatrix.bell(1).decohere(1e-3, t1_s=math.inf, t2_s=1e-3, qubit=0)
                .decohere(1e-3, t1_s=2e-3, t2_s=1e-3, qubit=1).apply_gate("X", 1))
    assert pair.state_at(later).isclose(expected, atol=1e-12)
