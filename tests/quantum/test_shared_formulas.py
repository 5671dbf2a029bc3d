"""The small formulas every layer shares, each against an independent computation.

Issue 11 put each of them in one place (:mod:`qdcnet.quantum.pauli`,
:mod:`qdcnet.quantum.batch`, :class:`~qdcnet.quantum.PauliChannel`); these
twins hold them to what they stand for: density-matrix channels and
protocols, stim's own Pauli algebra and noise channels, explicit sums over
misread bits.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import stim

from qdcnet.errors import ParameterError
from qdcnet.hardware import QuantumMemory
from qdcnet.quantum import (
    BellDiagonal,
    DensityMatrix,
    PauliChannel,
    batch,
)
from qdcnet.quantum.pauli import (
    WALSH_HADAMARD,
    check_coherence_times,
    compose_channels,
    decay_rates,
    memory_pauli,
    pauli_index,
    pauli_label,
    readout_pauli,
)
from qdcnet.quantum.protocols import swap_density_matrix

TOL = 1e-12

#: Bell-diagonal pairs with unequal errors, and a Werner pair.
STATES = [*(BellDiagonal.from_coefficients(c) for c in ((0.7, 0.2, 0.05, 0.05),
                                                        (0.85, 0.01, 0.04, 0.10))),
          BellDiagonal.werner(0.9)]
MEMORIES = [
    (QuantumMemory(t1_s=3e-3, t2_s=2e-3), QuantumMemory(t1_s=math.inf, t2_s=10e-3)),
    (QuantumMemory(t1_s=1.0, t2_s=0.5, relax_to="mixed"), QuantumMemory(t1_s=4e-3, t2_s=8e-3)),
]


# -- memory decay of a stored pair ------------------------------------------------------


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize(("memory_a", "memory_b"), MEMORIES)
@pytest.mark.parametrize("duration", [0.0, 1e-4, 2.5e-3])
def test_summed_decay_rates_match_each_end_decaying_in_the_density_matrix(
    state, memory_a, memory_b, duration
):
    # The reference: each end's untwirled T1/T2 channel on the density matrix, then the twirl.
    exact = (state.to_density_matrix()
             .decohere(duration, t1_s=memory_a.t1_s, t2_s=memory_a.t2_s, qubit=0,
                       relax_to=memory_a.relax_to)
             .decohere(duration, t1_s=memory_b.t1_s, t2_s=memory_b.t2_s, qubit=1,
                       relax_to=memory_b.relax_to))
    aged = state.age(duration, *decay_rates(memory_a, memory_b))
    assert np.allclose(aged.coefficients, exact.bell_coefficients(), atol=TOL, rtol=0)
    # The batch form: Walsh-Hadamard components decay with decay_exponents.
    hat = batch.to_hat(state.coefficients) * np.exp(
        -duration * batch.decay_exponents(memory_a, memory_b))
    assert np.allclose(batch.from_hat(hat), exact.bell_coefficients(), atol=TOL, rtol=0)


@pytest.mark.parametrize(("memory_a", "memory_b"), MEMORIES)
def test_one_memory_rates_are_one_qubit_decay(memory_a, memory_b):
    del memory_b
    state = STATES[0]
    exact = state.to_density_matrix().decohere(2e-3, t1_s=memory_a.t1_s, t2_s=memory_a.t2_s)
    hat = batch.to_hat(state.coefficients) * np.exp(-2e-3 * batch.decay_exponents(memory_a))
    assert np.allclose(batch.from_hat(hat), exact.bell_coefficients(), atol=TOL, rtol=0)


def test_walsh_hadamard_round_trip():
    rng = np.random.default_rng(3)
    states = rng.dirichlet(np.ones(4), size=5)
    assert np.allclose(batch.from_hat(batch.to_hat(states)), states, atol=TOL)
    assert np.array_equal(WALSH_HADAMARD @ WALSH_HADAMARD, 4 * np.eye(4))


# -- T2 <= 2 T1 --------------------------------------------------------------------------


def test_coherence_rule_is_the_same_everywhere():
    messages = []
    for refuse in (lambda: check_coherence_times(1.0, 3.0),
                   lambda: memory_pauli(1e-3, 1.0, 3.0),
                   lambda: QuantumMemory(t1_s=1.0, t2_s=3.0),
                   lambda: batch.decohere(STATES[0].coefficients, 1e-3, t1_s=1.0, t2_s=3.0),
                   lambda: check_coherence_times(np.array([1.0, 1.0]), np.array([2.0, 3.0]))):
        with pytest.raises(ParameterError, match=r"T2 > 2\*T1") as info:
            refuse()
        messages.append(str(info.value))
    assert len(set(messages)) == 1, messages
    check_coherence_times(math.inf, math.inf)
    check_coherence_times(np.array([1.0, math.inf]), 2.0)


def test_coherence_limit_is_amplitude_damping_alone():
    # At T2 = 2 T1 the untwirled channel is pure amplitude damping: no extra dephasing.
    rho = DensityMatrix.bell(0).decohere(1e-3, t1_s=1e-3, t2_s=2e-3)
    damped = DensityMatrix.bell(0).amplitude_damping(1.0 - math.exp(-1.0), qubit=0)
    assert rho.isclose(damped, atol=TOL)


# -- misread Bell-measurement bits ---------------------------------------------------------


@pytest.mark.parametrize("error", [0.0, 0.01, 0.3, 1.0])
def test_readout_pauli_is_two_independent_misread_bits(error):
    expected = [0.0] * 4
    for x_wrong, z_wrong in itertools.product((0, 1), repeat=2):
        weight = (error if x_wrong else 1 - error) * (error if z_wrong else 1 - error)
        # A wrong X bit leaves X, a wrong Z bit leaves Z, both leave Y.
        expected[{(0, 0): 0, (1, 0): 1, (1, 1): 2, (0, 1): 3}[(x_wrong, z_wrong)]] += weight
    assert np.allclose(readout_pauli(error), expected, atol=TOL)
    array = np.array([error, error / 2])
    assert np.allclose(np.stack(readout_pauli(array))[:, 0], expected, atol=TOL)


@pytest.mark.parametrize(("a", "b"), [(STATES[0], STATES[1]), (STATES[2], STATES[0])])
@pytest.mark.parametrize(("gate_error", "measurement_error"), [(0.0, 0.04), (0.03, 0.0),
                                                               (0.02, 0.05)])
def test_swap_noise_hat_matches_the_density_matrix_swap(a, b, gate_error, measurement_error):
    exact = swap_density_matrix(a, b, gate_error, measurement_error).bell_coefficients()
    hat = (batch.to_hat(a.coefficients) * batch.to_hat(b.coefficients)
           * batch.swap_noise_hat(gate_error, measurement_error))
    assert np.allclose(batch.from_hat(hat), exact, atol=TOL, rtol=0)


# -- Pauli strings: the XOR algebra against stim's ------------------------------------------


def test_packed_pauli_product_is_stims_product_modulo_phase():
    for width in (1, 2, 3):
        for left, right in itertools.product(itertools.product("IXYZ", repeat=width),
                                             repeat=2):
            a, b = "".join(left), "".join(right)
            product = stim.PauliString(a) * stim.PauliString(b)
            expected = str(product).lstrip("+-i").replace("_", "I")
            assert pauli_label(pauli_index(a) ^ pauli_index(b), width) == expected


def test_composed_channels_match_applying_them_in_turn_to_a_density_matrix():
    rng = np.random.default_rng(7)
    labels = ["".join(p) for p in itertools.product("IXYZ", repeat=2)]
    channels = []
    for size in (3, 5, 16):
        chosen = rng.choice(labels, size=size, replace=False)
        channels.append(dict(zip(chosen, rng.dirichlet(np.ones(size)), strict=True)))
    vector = rng.normal(size=4) + 1j * rng.normal(size=4)
    rho = DensityMatrix.from_statevector(vector / np.linalg.norm(vector))
    in_turn = rho
    for channel in channels:
        in_turn = in_turn.apply_pauli_channel(channel, [0, 1])
    once = rho.apply_pauli_channel(compose_channels(*channels), [0, 1])
    assert once.isclose(in_turn, atol=TOL)


# -- remote-operation channels in stim's order ------------------------------------------------


def _pauli_left_by(channel_instruction: str, arguments: list[float], width: int) -> str:
    """Which Pauli a deterministic stim channel applies: Bell-pair each qubit with a
    reference, apply the channel, read the Pauli off a Bell measurement."""
    simulator = stim.TableauSimulator()
    for q in range(width):
        simulator.h(q)
        simulator.cnot(q, q + width)
    simulator.do(stim.Circuit(f"{channel_instruction}({','.join(map(str, arguments))}) "
                              + " ".join(str(q) for q in range(width))))
    letters = ""
    for q in range(width):
        simulator.cnot(q, q + width)
        simulator.h(q)
        z_error = simulator.measure(q)
        x_error = simulator.measure(q + width)
        letters += {(False, False): "I", (True, False): "X", (True, True): "Y",
                    (False, True): "Z"}[(x_error, z_error)]
    return letters


@pytest.mark.parametrize("width", [1, 2])
def test_stim_arguments_follow_stims_pauli_channel_order(width):
    labels = ["".join(p) for p in itertools.product("IXYZ", repeat=width)][1:]
    for label in labels:
        channel = PauliChannel(tuple(f"q{j}" for j in range(width)), {label: 1.0})
        instruction = "PAULI_CHANNEL_1" if width == 1 else "PAULI_CHANNEL_2"
        assert _pauli_left_by(instruction, channel.stim_arguments(), width) == label

