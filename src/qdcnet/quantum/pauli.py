"""Pauli bookkeeping shared by the Bell-diagonal and batch models.

Bell-diagonal coefficients are ordered (Φ⁺, Ψ⁺, Ψ⁻, Φ⁻). Each Bell state is
Φ⁺ with one Pauli on one qubit: Ψ⁺ = X, Ψ⁻ = Y (up to phase), Φ⁻ = Z. So index
``k`` of a coefficient vector is also the index of a Pauli (I, X, Y, Z), and
with that labelling the Pauli product modulo phases is the bitwise XOR of the
indices (the Klein four-group). Composing independent Pauli errors is then an
XOR-convolution of their probability vectors, and the Walsh–Hadamard
transform turns that convolution into a product.
"""

from __future__ import annotations

import math

import numpy as np

from qdcnet.errors import ParameterError, check_nonnegative, check_positive, check_probability

__all__ = [
    "BELL_LABELS",
    "PAULI_LABELS",
    "WALSH_HADAMARD",
    "check_pauli_probabilities",
    "memory_pauli",
    "pauli_x_bit",
    "pauli_z_bit",
    "xor_convolve",
]

BELL_LABELS = ("Phi+", "Psi+", "Psi-", "Phi-")
PAULI_LABELS = ("I", "X", "Y", "Z")

#: H ⊗ H on the 2-bit Pauli index. For a Pauli channel ``p``, ``p @ H`` holds
#: its Pauli-transfer eigenvalues for I, Y, X, Z (in that order), and
#: XOR-convolution becomes an elementwise product: ``conv(a, b) @ H ==
#: (a @ H) * (b @ H)``; ``H @ H == 4 I``.
WALSH_HADAMARD = np.array(
    [[1, 1, 1, 1], [1, -1, 1, -1], [1, 1, -1, -1], [1, -1, -1, 1]], dtype=float
)
WALSH_HADAMARD.setflags(write=False)


def pauli_x_bit(k: int) -> int:
    """1 if Pauli ``k`` flips the computational basis (X or Y)."""
    return 1 if k in (1, 2) else 0


def pauli_z_bit(k: int) -> int:
    """1 if Pauli ``k`` flips the phase (Y or Z)."""
    return 1 if k in (2, 3) else 0


def xor_convolve(
    c: tuple[float, float, float, float], p: tuple[float, float, float, float]
) -> tuple[float, float, float, float]:
    """Compose independent Pauli distributions: ``out[k] = sum c[i] p[j]`` over ``i ^ j = k``.

    >>> xor_convolve((1.0, 0.0, 0.0, 0.0), (0.7, 0.1, 0.1, 0.1))
    (0.7, 0.1, 0.1, 0.1)
    """
    c0, c1, c2, c3 = c
    p0, p1, p2, p3 = p
    return (
        c0 * p0 + c1 * p1 + c2 * p2 + c3 * p3,
        c0 * p1 + c1 * p0 + c2 * p3 + c3 * p2,
        c0 * p2 + c1 * p3 + c2 * p0 + c3 * p1,
        c0 * p3 + c1 * p2 + c2 * p1 + c3 * p0,
    )


def memory_pauli(
    duration_s: float, t1_s: float, t2_s: float
) -> tuple[float, float, float, float]:
    """Probabilities (I, X, Y, Z) of the Pauli-twirled T1/T2 channel on one qubit.

    The channel's Pauli transfer matrix is diag(1, λ, λ, μ) with
    λ = exp(-t/T2), μ = exp(-t/T1), so ``p_X = p_Y = (1 - μ)/4`` and
    ``p_Z = (1 - 2λ + μ)/4``. It is the twirl of amplitude damping (or of
    depolarising relaxation: both twirl to the same channel) plus pure
    dephasing, and composes exactly over time. Infinite T1 or T2 means no
    decay of that kind. T2 > 2·T1 is unphysical and refused.

    >>> p = memory_pauli(1e-3, float("inf"), 10e-3)
    >>> round(p[3], 6)
    0.047581
    """
    duration = check_nonnegative("duration_s", duration_s)
    t1 = check_positive("t1_s", t1_s, allow_inf=True)
    t2 = check_positive("t2_s", t2_s, allow_inf=True)
    if t2 > 2 * t1:
        raise ParameterError(
            "t2_s", t2_s, f"(0, 2*t1_s] = (0, {2 * t1:g}]", "T2 > 2*T1 is unphysical"
        )
    lam = math.exp(-duration / t2) if duration else 1.0
    mu = math.exp(-duration / t1) if duration else 1.0
    p_xy = (1.0 - mu) / 4.0
    p_z = (1.0 - 2.0 * lam + mu) / 4.0
    return (1.0 - 2.0 * p_xy - p_z, p_xy, p_xy, p_z)


def check_pauli_probabilities(p_x: float, p_y: float, p_z: float) -> tuple[float, ...]:
    """Validate one-qubit Pauli error probabilities and return (I, X, Y, Z)."""
    px = check_probability("p_x", p_x)
    py = check_probability("p_y", p_y)
    pz = check_probability("p_z", p_z)
    total = px + py + pz
    if total > 1.0 + 1e-12:
        raise ParameterError("p_x + p_y + p_z", total, "[0, 1]")
    return (max(0.0, 1.0 - total), px, py, pz)
