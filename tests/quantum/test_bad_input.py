"""Bad input raises ParameterError (a ValueError) naming the argument, value and range."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qdcnet.errors import ParameterError
from qdcnet.quantum import BellDiagonal, DensityMatrix, memory_pauli, swap


@pytest.mark.parametrize("fidelity", [-0.1, 1.01, math.nan, "high"])
def test_werner_fidelity_out_of_range(fidelity):
    with pytest.raises(ParameterError, match="fidelity") as info:
        BellDiagonal.werner(fidelity)
    assert "allowed [0, 1]" in str(info.value) or "real number" in str(info.value)


def test_coefficients_negative_or_not_summing_to_one():
    with pytest.raises(ParameterError, match=r"coefficients\[Psi\+\] = -0.1"):
        BellDiagonal.from_coefficients([0.9, -0.1, 0.1, 0.1])
    with pytest.raises(ParameterError, match=r"sum\(coefficients\) = 0.99 .*1 ± 1e-09"):
        BellDiagonal.from_coefficients([0.7, 0.1, 0.1, 0.09])
    with pytest.raises(ParameterError, match="four numbers"):
        BellDiagonal.from_coefficients([0.5, 0.5])
    # Within 1e-9 the sum is accepted and renormalised exactly.
    state = BellDiagonal.from_coefficients([0.7, 0.1, 0.1, 0.1 + 5e-10])
    assert math.isclose(sum(state.coefficients), 1.0, abs_tol=1e-15)


def test_negative_duration_and_unphysical_memory():
    with pytest.raises(ParameterError, match=r"duration_s = -1e-06 .*\[0, inf\)"):
        memory_pauli(-1e-6, 1.0, 1.0)
    with pytest.raises(ParameterError, match=r"t2_s = 3.0 .*\(0, 2\*t1_s\] = \(0, 2\].*unphysical"):
        BellDiagonal.perfect().decohere(1e-3, t1_s=1.0, t2_s=3.0)
    with pytest.raises(ParameterError, match="t1_s"):
        memory_pauli(1e-3, 0.0, 1.0)
    with pytest.raises(ParameterError, match="t2_s"):
        DensityMatrix.bell(0).decohere(1e-3, t1_s=1.0, t2_s=2.5, qubit=0)


def test_noise_parameters_out_of_range():
    pair = BellDiagonal.werner(0.9)
    with pytest.raises(ParameterError, match="gate_error"):
        swap(pair, pair, gate_error=-0.1)
    with pytest.raises(ParameterError, match="measurement_error"):
        swap(pair, pair, measurement_error=2)
    with pytest.raises(ParameterError, match=r"p_x \+ p_y \+ p_z"):
        pair.pauli(0.5, 0.4, 0.3)
    with pytest.raises(ParameterError, match="qubit"):
        pair.decohere(1e-3, t1_s=1, t2_s=1, qubit=2)


def test_density_matrix_validation():
    with pytest.raises(ParameterError, match="trace"):
        DensityMatrix(np.eye(2))
    with pytest.raises(ParameterError, match="Hermitian"):
        DensityMatrix([[0.5, 1.0], [0.0, 0.5]])
    with pytest.raises(ParameterError, match="eigenvalue"):
        DensityMatrix([[1.5, 0.0], [0.0, -0.5]])
    with pytest.raises(ParameterError, match="shape"):
        DensityMatrix(np.eye(3) / 3)
    with pytest.raises(ParameterError, match="2 \\(a pair state\\)"):
        _ = DensityMatrix.zero(3).fidelity


def test_errors_are_value_errors_and_pickle():
    import pickle

    with pytest.raises(ValueError, match="fidelity") as info:
        BellDiagonal.werner(2.0)
    clone = pickle.loads(pickle.dumps(info.value))
    assert str(clone) == str(info.value)
    assert clone.name == "fidelity"
