"""The closed forms of REFERENCE.md section 1 that concern states, with their worked examples."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qdcnet.quantum import (
    BellDiagonal,
    DensityMatrix,
    bbpssw,
    bell_state_vector,
    dejmps,
    memory_pauli,
    swap,
    teleportation_fidelity,
)


def werner_swap(f1: float, f2: float) -> float:
    return f1 * f2 + (1 - f1) * (1 - f2) / 3


@pytest.mark.parametrize(("f1", "f2"), [(0.9, 0.9), (0.75, 0.99), (0.5, 0.6), (1.0, 0.3)])
def test_werner_swap_formula(f1, f2):
    out = swap(BellDiagonal.werner(f1), BellDiagonal.werner(f2))
    assert out.fidelity == pytest.approx(werner_swap(f1, f2), abs=1e-15)
    # Werner parameters w = (4F - 1)/3 multiply, and the output stays Werner.
    w = (4 * out.fidelity - 1) / 3
    assert w == pytest.approx((4 * f1 - 1) / 3 * (4 * f2 - 1) / 3, abs=1e-15)
    assert out.isclose(out.twirl(), atol=1e-15)


def test_swap_worked_example():
    assert swap(BellDiagonal.werner(0.9), BellDiagonal.werner(0.9)).fidelity == pytest.approx(
        0.813333, abs=5e-7
    )


@pytest.mark.parametrize(("f1", "f2"), [(0.9, 0.9), (0.8, 0.95)])
def test_swap_of_twirled_single_click_pairs(f1, f2):
    # A single-click pair's |11> admixture twirls to an even mix of two Bell
    # states other than the target; swapping two such pairs gives
    # F1 F2 + (1-F1)(1-F2)/2 rather than the Werner /3.
    a = BellDiagonal.from_coefficients([f1, 0.0, (1 - f1) / 2, (1 - f1) / 2])
    b = BellDiagonal.from_coefficients([f2, 0.0, (1 - f2) / 2, (1 - f2) / 2])
    assert swap(a, b).fidelity == pytest.approx(f1 * f2 + (1 - f1) * (1 - f2) / 2, abs=1e-15)


def test_swap_differs_from_werner_formula_for_other_inputs():
    a = BellDiagonal.from_coefficients([0.8, 0.0, 0.0, 0.2])
    assert swap(a, a).fidelity == pytest.approx(0.8 * 0.8 + 0.2 * 0.2)
    assert swap(a, a).fidelity != pytest.approx(werner_swap(0.8, 0.8))


@pytest.mark.parametrize("f", [0.0, 0.25, 0.5, 0.9, 1.0])
def test_teleportation_fidelity(f):
    assert teleportation_fidelity(BellDiagonal.werner(f)) == pytest.approx((2 * f + 1) / 3)
    assert teleportation_fidelity(BellDiagonal.werner(0.9)) == pytest.approx(0.933333, abs=5e-7)


def test_bbpssw_worked_example_and_formula():
    p, out = bbpssw(BellDiagonal.werner(0.75), BellDiagonal.werner(0.75))
    assert p == pytest.approx(0.722222, abs=5e-7)
    assert out.fidelity == pytest.approx(0.788462, abs=5e-7)
    for f in np.linspace(0.3, 1.0, 15):
        r = (1 - f) / 3
        p, out = bbpssw(BellDiagonal.werner(f), BellDiagonal.werner(f))
        assert p == pytest.approx(f * f + 2 * f * r + 5 * r * r, abs=1e-15)
        assert out.fidelity == pytest.approx((f * f + r * r) / p, abs=1e-15)


def test_dejmps_werner_example():
    p, out = dejmps(BellDiagonal.werner(0.75), BellDiagonal.werner(0.75))
    assert p == pytest.approx(0.722222, abs=5e-7)
    assert out.coefficients == pytest.approx((0.788462, 0.019231, 0.019231, 0.173077), abs=5e-7)


def test_dejmps_non_werner_example_catches_label_mixups():
    state = BellDiagonal.from_coefficients([0.7, 0.2, 0.05, 0.05])
    p, out = dejmps(state, state)
    assert p == pytest.approx(0.625, abs=1e-12)
    assert out.coefficients == pytest.approx((0.788, 0.068, 0.032, 0.112), abs=1e-12)


@pytest.mark.parametrize(
    "coefficients", [(0.7, 0.2, 0.05, 0.05), (0.6, 0.05, 0.15, 0.2), (0.9, 0.0, 0.1, 0.0)]
)
def test_dejmps_general_formula(coefficients):
    a, b, c, d = coefficients
    n = (a + c) ** 2 + (b + d) ** 2
    p, out = dejmps(BellDiagonal.from_coefficients(coefficients),
                    BellDiagonal.from_coefficients(coefficients))
    assert p == pytest.approx(n, abs=1e-15)
    expected = ((a * a + c * c) / n, (b * b + d * d) / n, 2 * b * d / n, 2 * a * c / n)
    assert out.coefficients == pytest.approx(expected, abs=1e-15)


def untwirled_phi_plus(gamma_a, gamma_b, lam_a, lam_b):
    return 0.5 * (1 - (gamma_a + gamma_b) / 2 + gamma_a * gamma_b + lam_a * lam_b)


def untwirled_psi_plus(gamma_a, gamma_b, lam_a, lam_b):
    return 0.5 * (1 - (gamma_a + gamma_b) / 2 + lam_a * lam_b)


MEMORIES = [
    # (T1_A, T2_A, t_A, T1_B, T2_B, t_B)
    (np.inf, 10e-3, 1e-3, np.inf, 10e-3, 1e-3),
    (5e-3, 4e-3, 2e-3, 1e-2, 1.5e-2, 3e-3),
    (1.0, 2.0, 0.7, 0.5, 0.1, 0.05),
    (3e-3, 1e-3, 1e-3, np.inf, np.inf, 5.0),
]


@pytest.mark.parametrize(("t1a", "t2a", "ta", "t1b", "t2b", "tb"), MEMORIES)
def test_untwirled_memory_closed_forms_and_documented_gap(t1a, t2a, ta, t1b, t2b, tb):
    gamma_a, gamma_b = 1 - math.exp(-ta / t1a), 1 - math.exp(-tb / t1b)
    lam_a, lam_b = math.exp(-ta / t2a), math.exp(-tb / t2b)
    for index, closed_form in ((0, untwirled_phi_plus), (1, untwirled_psi_plus)):
        rho = (DensityMatrix.bell(index)
               .decohere(ta, t1_s=t1a, t2_s=t2a, qubit=0)
               .decohere(tb, t1_s=t1b, t2_s=t2b, qubit=1))
        exact = rho.fidelity_with(bell_state_vector(index))
        assert exact == pytest.approx(closed_form(gamma_a, gamma_b, lam_a, lam_b), abs=1e-12)
        twirled = (BellDiagonal.perfect().apply_frame(index)
                   .decohere(ta, t1_s=t1a, t2_s=t2a)
                   .decohere(tb, t1_s=t1b, t2_s=t2b))
        # The documented gap: untwirled Φ⁺ is higher by γ_A γ_B / 4, Ψ⁺ lower by as much.
        gap = gamma_a * gamma_b / 4
        expected = exact - gap if index == 0 else exact + gap
        assert twirled.coefficients[index] == pytest.approx(expected, abs=1e-12)


def test_memory_worked_example():
    rho = (DensityMatrix.bell(0)
           .decohere(1e-3, t1_s=np.inf, t2_s=10e-3, qubit=0)
           .decohere(1e-3, t1_s=np.inf, t2_s=10e-3, qubit=1))
    assert rho.fidelity == pytest.approx(0.909365, abs=5e-7)
    # With T1 infinite there is no amplitude damping: twirled and untwirled agree.
    twirled = (BellDiagonal.perfect().decohere(1e-3, t1_s=np.inf, t2_s=10e-3)
               .decohere(1e-3, t1_s=np.inf, t2_s=10e-3))
    assert twirled.fidelity == pytest.approx(rho.fidelity, abs=1e-15)


def test_one_qubit_stored_closed_form():
    gamma, lam = 1 - math.exp(-0.3), math.exp(-0.5)
    rho = DensityMatrix.bell(0).decohere(0.3, t1_s=1.0, t2_s=0.6, qubit=0)
    assert rho.fidelity == pytest.approx(0.5 * (1 - gamma / 2 + lam), abs=1e-12)


def test_twirled_memory_probabilities():
    duration, t1, t2 = 2e-3, 5e-3, 3e-3
    mu, lam = math.exp(-duration / t1), math.exp(-duration / t2)
    p_i, p_x, p_y, p_z = memory_pauli(duration, t1, t2)
    assert p_x == pytest.approx((1 - mu) / 4)
    assert p_y == pytest.approx((1 - mu) / 4)
    assert p_z == pytest.approx((1 - 2 * lam + mu) / 4)
    assert p_i + p_x + p_y + p_z == pytest.approx(1.0)


@pytest.mark.parametrize("split", [0.0, 0.1, 0.5, 0.93])
def test_decoherence_composes_exactly_over_time(split):
    state = BellDiagonal.from_coefficients([0.8, 0.1, 0.04, 0.06])
    total = 7.3e-3
    memory = {"t1_s": 4e-3, "t2_s": 2.5e-3}
    once = state.decohere(total, **memory)
    twice = state.decohere(split * total, **memory).decohere((1 - split) * total, **memory)
    assert once.isclose(twice, atol=1e-12)
    many = state
    for _ in range(50):
        many = many.decohere(total / 50, **memory)
    assert once.isclose(many, atol=1e-12)


def test_hashing_yield_vanishes_near_0_8107_for_werner():
    assert BellDiagonal.werner(0.8100).hashing_yield() == 0.0
    assert BellDiagonal.werner(0.8115).hashing_yield() > 0.0
    assert BellDiagonal.perfect().hashing_yield() == pytest.approx(1.0)


def test_conventions_for_depolarizing_infidelity():
    # REFERENCE section 4 conversions to Bell-pair infidelity ε.
    p = 0.06
    perfect = BellDiagonal.perfect()
    assert 1 - perfect.depolarize(p).fidelity == pytest.approx(3 * p / 4)
    assert 1 - perfect.depolarize_qubit(p).fidelity == pytest.approx(p)


def test_age_both_ends_equals_two_decohere_calls():
    state = BellDiagonal.from_coefficients([0.8, 0.1, 0.04, 0.06])
    a, b = (3e-3, 1e-3), (np.inf, 2e-3)
    expected = state.decohere(1.7e-3, t1_s=a[0], t2_s=a[1]).decohere(1.7e-3, t1_s=b[0],
                                                                     t2_s=b[1])
    aged = state.age(1.7e-3, 1 / a[0] + 1 / b[0], 1 / a[1] + 1 / b[1])
    assert aged.isclose(expected, atol=1e-15)


def test_distillation_with_different_noise_at_each_end():
    a = BellDiagonal.from_coefficients([0.8, 0.1, 0.05, 0.05])
    b = BellDiagonal.from_coefficients([0.85, 0.05, 0.05, 0.05])
    same = dejmps(a, b, gate_error=0.02, measurement_error=0.01)
    split = dejmps(a, b, gate_error=(0.02, 0.02), measurement_error=(0.01, 0.01))
    assert same[0] == pytest.approx(split[0], abs=1e-15)
    assert same[1].isclose(split[1], atol=1e-15)
    # Noise at one end only sits between none and both.
    one = dejmps(a, b, gate_error=(0.04, 0.0))[1].fidelity
    assert dejmps(a, b, gate_error=0.04)[1].fidelity < one < dejmps(a, b)[1].fidelity
    with pytest.raises(ValueError, match="gate_error"):
        dejmps(a, b, gate_error=(0.1, 0.2, 0.3))
