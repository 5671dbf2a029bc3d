"""The QPU's gate errors in stim's convention: the same figures circuit-level QEC noise uses."""

from __future__ import annotations

import pytest

from qdcnet.errors import ParameterError
from qdcnet.hardware.profiles import available_profiles, load_profile
from qdcnet.network.qpu import QPU
from qdcnet.qec.surface import CircuitNoise


@pytest.mark.parametrize("name", available_profiles())
def test_gate_errors_are_the_stim_figures_circuit_noise_uses(name):
    profile = load_profile(name)
    qpu = QPU.from_profile("n", profile)
    noise = CircuitNoise.from_profile(profile)
    assert qpu.one_qubit_error == noise.one_qubit
    assert qpu.two_qubit_error == noise.two_qubit
    # The network's λ and stim's p of the same two-qubit gate: p = λ·15/16.
    assert qpu.two_qubit_error == pytest.approx(qpu.gate_error * 15 / 16, rel=1e-12, abs=1e-15)


def test_made_up_qpu_has_perfect_gates_unless_told():
    assert (QPU("m").one_qubit_error, QPU("m").two_qubit_error) == (0.0, 0.0)
    qpu = QPU("m", one_qubit_error=0.001, two_qubit_error=0.01)
    assert (qpu.one_qubit_error, qpu.two_qubit_error) == (0.001, 0.01)


@pytest.mark.parametrize(("field", "value"), [("one_qubit_error", 0.76),
                                              ("two_qubit_error", 0.95),
                                              ("one_qubit_error", -0.1),
                                              ("two_qubit_error", float("nan"))])
def test_gate_errors_out_of_range_are_refused(field, value):
    with pytest.raises(ParameterError, match=field):
        QPU("m", **{field: value})
