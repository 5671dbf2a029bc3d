"""Pauli bookkeeping shared by the Bell-diagonal and batch models.

Bell-diagonal coefficients are ordered (Φ⁺, Ψ⁺, Ψ⁻, Φ⁻). Each Bell state is
Φ⁺ with one Pauli on one qubit: Ψ⁺ = X, Ψ⁻ = Y (up to phase), Φ⁻ = Z. So index
``k`` of a coefficient vector is also the index of a Pauli (I, X, Y, Z), and
with that labelling the Pauli product modulo phases is the bitwise XOR of the
indices (the Klein four-group). Composing independent Pauli errors is then an
XOR-convolution of their probability vectors, and the Walsh–Hadamard
transform turns that convolution into a product.

The same labelling extends to Pauli strings on named qubits (one letter per
qubit, as stim writes them): two bits per qubit, the product modulo phases
is the XOR of the packed indices (:func:`compose_channels`).

This module is the one place for the small formulas the rest of the code
shares: the memory decay rates of a stored pair (:func:`decay_rates`), the
T2 <= 2 T1 rule (:func:`check_coherence_times`), the Pauli error of a
Bell-state measurement's misread bits (:func:`readout_pauli`).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from typing import Any, Protocol

import numpy as np

from qdcnet.errors import ParameterError, check_nonnegative, check_positive, check_probability

__all__ = [
    "BELL_LABELS",
    "PAULI_LABELS",
    "WALSH_HADAMARD",
    "CoherenceTimes",
    "check_coherence_times",
    "check_pauli_probabilities",
    "compose_channels",
    "decay_rates",
    "depolarizing_pauli",
    "memory_pauli",
    "pauli_index",
    "pauli_label",
    "pauli_x_bit",
    "pauli_z_bit",
    "readout_pauli",
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
    check_coherence_times(t1, t2)
    lam = math.exp(-duration / t2) if duration else 1.0
    mu = math.exp(-duration / t1) if duration else 1.0
    p_xy = (1.0 - mu) / 4.0
    p_z = (1.0 - 2.0 * lam + mu) / 4.0
    return (1.0 - 2.0 * p_xy - p_z, p_xy, p_xy, p_z)


def depolarizing_pauli(p: float, qubits: int) -> dict[str, float]:
    """stim's DEPOLARIZE1/2(p) as a Pauli distribution: each of the 4^n − 1 errors p/(4^n − 1).

    ``p`` is the ``"stim"`` convention of :mod:`qdcnet.quantum.noise` (the
    process infidelity); strings are over ``qubits`` letters, the identity
    included, in lexicographic order over IXYZ.

    >>> {k: round(v, 12) for k, v in depolarizing_pauli(0.03, 1).items()}
    {'I': 0.97, 'X': 0.01, 'Y': 0.01, 'Z': 0.01}
    """
    check_probability("p", p)
    if qubits not in (1, 2):
        raise ParameterError("qubits", qubits, "1 or 2")
    labels = ["".join(t) for t in itertools.product(PAULI_LABELS, repeat=qubits)]
    share = p / (len(labels) - 1)
    return {label: (1.0 - p if i == 0 else share) for i, label in enumerate(labels)}


def check_pauli_probabilities(p_x: float, p_y: float, p_z: float) -> tuple[float, ...]:
    """Validate one-qubit Pauli error probabilities and return (I, X, Y, Z)."""
    px = check_probability("p_x", p_x)
    py = check_probability("p_y", p_y)
    pz = check_probability("p_z", p_z)
    total = px + py + pz
    if total > 1.0 + 1e-12:
        raise ParameterError("p_x + p_y + p_z", total, "[0, 1]")
    return (max(0.0, 1.0 - total), px, py, pz)


def check_coherence_times(t1_s: Any, t2_s: Any) -> None:
    """Refuse T2 > 2·T1: the coherence of a qubit cannot outlive twice its population.

    Amplitude damping alone already shrinks coherences at half the rate of
    populations, so 1/T2 >= 1/(2 T1) for any physical memory. Takes floats or
    arrays (broadcast); the message names the first offending value.

    >>> check_coherence_times(1.0, 2.0)
    >>> check_coherence_times(1.0, 3.0)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    qdcnet.errors.ParameterError: t2_s = 3.0 is out of range: allowed (0, 2*t1_s] = (0, 2] ...
    """
    if isinstance(t1_s, float | int) and isinstance(t2_s, float | int):
        if not t2_s > 2.0 * t1_s:  # the scalar fast path (memories, one-qubit channels)
            return
        t1, t2 = float(t1_s), float(t2_s)
    else:
        t1_all, t2_all = np.broadcast_arrays(np.asarray(t1_s, dtype=float),
                                             np.asarray(t2_s, dtype=float))
        bad = t2_all > 2.0 * t1_all
        if not bad.any():
            return
        first = tuple(np.argwhere(bad)[0])
        t1, t2 = float(t1_all[first]), float(t2_all[first])
    raise ParameterError("t2_s", t2, f"(0, 2*t1_s] = (0, {2 * t1:g}]", "T2 > 2*T1 is unphysical")


class CoherenceTimes(Protocol):
    """Anything with a T1 and a T2 in seconds (a :class:`~qdcnet.hardware.QuantumMemory`)."""

    @property
    def t1_s(self) -> float: ...

    @property
    def t2_s(self) -> float: ...


def decay_rates(
    memory_a: CoherenceTimes, memory_b: CoherenceTimes | None = None
) -> tuple[float, float]:
    """(Σ 1/T1, Σ 1/T2) over the memories holding a pair's qubits, in 1/s.

    Under the twirled T1/T2 channel (:func:`memory_pauli`) on each stored
    qubit, the Walsh–Hadamard components (I, Y, X, Z) of a Bell-diagonal pair
    decay as exp(-r t) with r = (0, Σ 1/T2, Σ 1/T2, Σ 1/T1): the rates of
    the ends add. Pass both ends' memories for a pair stored at both ends,
    one for a single stored qubit. Infinite times contribute 0. (Two fixed
    arguments, not ``*memories``: pair aging calls this on every read.)

    >>> from types import SimpleNamespace as Memory
    >>> decay_rates(Memory(t1_s=float("inf"), t2_s=0.01), Memory(t1_s=1.0, t2_s=0.02))
    (1.0, 150.0)
    """
    if memory_b is None:
        return 1.0 / memory_a.t1_s, 1.0 / memory_a.t2_s
    return (1.0 / memory_a.t1_s + 1.0 / memory_b.t1_s,
            1.0 / memory_a.t2_s + 1.0 / memory_b.t2_s)


def readout_pauli(error: Any) -> tuple[Any, Any, Any, Any]:
    """Pauli error (I, X, Y, Z) of a correction from two bits, each misread with ``error``.

    A Bell-state measurement reports two bits: one sets the X correction,
    one the Z correction; each is wrong independently. Works on floats and
    on numpy arrays (element by element).

    >>> readout_pauli(0.1)
    (0.81, 0.09000000000000001, 0.010000000000000002, 0.09000000000000001)
    """
    ok = 1.0 - error
    return (ok * ok, error * ok, error * error, error * ok)


_LETTER_INDEX = {letter: k for k, letter in enumerate(PAULI_LABELS)}


def pauli_index(label: str) -> int:
    """Pack a Pauli string (one letter of IXYZ per qubit) into an int: two bits per qubit.

    Qubit ``j`` (the ``j``-th letter) holds bits ``2j, 2j + 1`` with the
    labelling (I, X, Y, Z) = (0, 1, 2, 3), so the product of two strings
    modulo phases is the XOR of their indices.

    >>> pauli_label(pauli_index("ZX") ^ pauli_index("XX"), 2)
    'YI'
    """
    index = 0
    for position, letter in enumerate(label):
        index |= _LETTER_INDEX[letter] << (2 * position)
    return index


def pauli_label(index: int, width: int) -> str:
    """The Pauli string of ``width`` qubits packed in ``index`` (see :func:`pauli_index`)."""
    return "".join(PAULI_LABELS[(index >> (2 * position)) & 3] for position in range(width))


def compose_channels(*channels: Mapping[str, float]) -> dict[str, float]:
    """Compose independent Pauli channels on the same qubits (strings of equal length).

    The XOR convolution of :func:`xor_convolve` on packed strings; labels
    are converted only at the boundary. Zero-probability strings are dropped.

    >>> compose_channels({"I": 0.9, "X": 0.1}, {"I": 0.8, "Z": 0.2})["Y"]
    0.020000000000000004
    """
    width = len(next(iter(channels[0])))
    out = {pauli_index(label): w for label, w in channels[0].items()}
    for channel in channels[1:]:
        terms = [(pauli_index(label), w) for label, w in channel.items()]
        nxt: dict[int, float] = {}
        for p, wp in out.items():
            for q, wq in terms:
                key = p ^ q
                nxt[key] = nxt.get(key, 0.0) + wp * wq
        out = nxt
    return {pauli_label(k, width): v for k, v in out.items() if v > 0.0}
