"""Bell-diagonal pair states: exact under Pauli noise, swapping and purification.

A Bell-diagonal state is a probability vector over the four Bell states in the
order (Φ⁺, Ψ⁺, Ψ⁻, Φ⁻). Equivalently (see :mod:`qdcnet.quantum.pauli`) it is a
perfect Φ⁺ pair with a random Pauli error (I, X, Y, Z) on one qubit, which is
why every operation here is a small formula on four floats. The state is
immutable; operations return new states. Scalar states use plain Python floats
because a 4-element numpy array costs more in overhead than the arithmetic;
:mod:`qdcnet.quantum.batch` holds the vectorised twins for arrays of states.

Examples
--------
>>> from qdcnet.quantum import BellDiagonal, swap
>>> pair = BellDiagonal.werner(0.9)
>>> round(swap(pair, pair).fidelity, 6)
0.813333
>>> aged = pair.decohere(1e-3, t1_s=float("inf"), t2_s=10e-3)
>>> round(aged.fidelity, 4)
0.8588
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from qdcnet.errors import ParameterError, check_probability
from qdcnet.quantum.pauli import (
    BELL_LABELS,
    check_pauli_probabilities,
    memory_pauli,
    pauli_x_bit,
    pauli_z_bit,
    readout_pauli,
    xor_convolve,
)

if TYPE_CHECKING:
    from qdcnet.quantum.density import DensityMatrix

__all__ = ["BellDiagonal", "PairChain", "bbpssw", "dejmps", "distillation_tables", "swap",
           "swap_factors"]

_SUM_TOLERANCE = 1e-9
_NEGATIVE_ROUNDOFF = 1e-12


def _check_qubit(qubit: int) -> None:
    if qubit not in (0, 1):
        raise ParameterError("qubit", qubit, "0 or 1 (the two ends of a pair)")


class BellDiagonal:
    """A two-qubit state diagonal in the Bell basis, coefficients (Φ⁺, Ψ⁺, Ψ⁻, Φ⁻).

    Build one with :meth:`werner`, :meth:`from_coefficients` or
    :meth:`perfect`. The fidelity is the Φ⁺ coefficient (pending Pauli-frame
    corrections are kept by the pair record that holds the state).
    """

    __slots__ = ("_c",)

    def __init__(self, c0: float, c1: float, c2: float, c3: float) -> None:
        # Internal fast constructor: no validation. Use from_coefficients().
        self._c = (c0, c1, c2, c3)

    # -- construction -------------------------------------------------------

    @classmethod
    def from_coefficients(cls, coefficients: Iterable[float]) -> BellDiagonal:
        """Validate and build from (Φ⁺, Ψ⁺, Ψ⁻, Φ⁻).

        Coefficients must be non-negative and sum to 1 within 1e-9 (they are
        then renormalised exactly).

        >>> BellDiagonal.from_coefficients([0.7, 0.2, 0.05, 0.05]).fidelity
        0.7
        >>> BellDiagonal.from_coefficients([0.7, 0.2, 0.2, 0.05])
        Traceback (most recent call last):
        ...
        qdcnet.errors.ParameterError: sum(coefficients) = 1.15 is out of range: allowed 1 ± 1e-09
        """
        values = [float(x) for x in coefficients]
        if len(values) != 4:
            raise ParameterError(
                "coefficients", values, "four numbers in the order (Phi+, Psi+, Psi-, Phi-)"
            )
        for label, value in zip(BELL_LABELS, values, strict=True):
            if not math.isfinite(value) or value < -_NEGATIVE_ROUNDOFF or value > 1 + 1e-12:
                raise ParameterError(f"coefficients[{label}]", value, "[0, 1]")
        values = [max(0.0, v) for v in values]
        total = math.fsum(values)
        if abs(total - 1.0) > _SUM_TOLERANCE:
            raise ParameterError("sum(coefficients)", round(total, 12), "1 ± 1e-09")
        return cls(*(v / total for v in values))

    @classmethod
    def werner(cls, fidelity: float) -> BellDiagonal:
        """The Werner state of the given fidelity: F·Φ⁺ plus (1-F)/3 of each other.

        >>> round(BellDiagonal.werner(0.7).coefficients[1], 12)
        0.1
        """
        f = check_probability("fidelity", fidelity)
        r = (1.0 - f) / 3.0
        return cls(f, r, r, r)

    @classmethod
    def perfect(cls) -> BellDiagonal:
        """The Φ⁺ state."""
        return cls(1.0, 0.0, 0.0, 0.0)

    @classmethod
    def maximally_mixed(cls) -> BellDiagonal:
        """The two-qubit maximally mixed state I/4."""
        return cls(0.25, 0.25, 0.25, 0.25)

    # -- properties ---------------------------------------------------------

    @property
    def coefficients(self) -> tuple[float, float, float, float]:
        """(Φ⁺, Ψ⁺, Ψ⁻, Φ⁻)."""
        return self._c

    @property
    def fidelity(self) -> float:
        """Fidelity with Φ⁺."""
        return self._c[0]

    def correlator(self, basis: str) -> float:
        """⟨B⊗B⟩ when both qubits are measured in the Pauli basis ``basis`` (X, Y or Z).

        The outcomes agree with probability (1 + ⟨B⊗B⟩)/2; each one alone is
        uniform. Φ⁺ gives +1 in X and Z and −1 in Y.

        >>> BellDiagonal.werner(0.7).correlator("Z")
        0.6
        >>> BellDiagonal.perfect().correlator("Y")
        -1.0
        """
        c0, c1, c2, c3 = self._c
        if basis == "Z":
            return c0 - c1 - c2 + c3
        if basis == "X":
            return c0 + c1 - c2 - c3
        if basis == "Y":
            return -c0 + c1 - c2 + c3
        raise ParameterError("basis", basis, "X, Y or Z")

    def agreement(self, basis: str) -> float:
        """Probability that both ends, measured in ``basis``, give the same outcome.

        >>> round(BellDiagonal.werner(0.7).agreement("X"), 12)
        0.8
        """
        return (1.0 + self.correlator(basis)) / 2.0

    def to_array(self) -> np.ndarray:
        return np.array(self._c, dtype=float)

    def hashing_yield(self) -> float:
        """Distillable entanglement per pair, lower bound: max(0, 1 - H(coefficients)) ebits.

        Zero below F ≈ 0.8107 for Werner states.

        >>> round(BellDiagonal.werner(0.9).hashing_yield(), 4)
        0.3725
        """
        entropy = -math.fsum(x * math.log2(x) for x in self._c if x > 0.0)
        return max(0.0, 1.0 - entropy)

    # -- noise --------------------------------------------------------------

    def pauli(self, p_x: float, p_y: float, p_z: float, *, qubit: int = 0) -> BellDiagonal:
        """Apply a one-qubit Pauli channel to one end.

        For a Bell-diagonal state either end gives the same result; ``qubit``
        is accepted so that the same call works on a density-matrix pair.
        """
        _check_qubit(qubit)
        return BellDiagonal(*xor_convolve(self._c, check_pauli_probabilities(p_x, p_y, p_z)))

    def dephase(self, p: float, *, qubit: int = 0) -> BellDiagonal:
        """Z on one qubit with probability ``p``."""
        return self.pauli(0.0, 0.0, p, qubit=qubit)

    def bit_flip(self, p: float, *, qubit: int = 0) -> BellDiagonal:
        """X on one qubit with probability ``p``."""
        return self.pauli(p, 0.0, 0.0, qubit=qubit)

    def depolarize_qubit(self, p: float, *, qubit: int = 0) -> BellDiagonal:
        """One-qubit depolarizing on one end: X, Y, Z each with probability p/3.

        This is stim's ``DEPOLARIZE1(p)``: a perfect pair ends at infidelity ``p``.
        """
        third = check_probability("p", p) / 3.0
        return self.pauli(third, third, third, qubit=qubit)

    def depolarize(self, p: float) -> BellDiagonal:
        """With probability ``p`` replace the pair by the maximally mixed state.

        A perfect pair ends at infidelity 3p/4 (the Werner convention).
        """
        q = check_probability("p", p)
        keep = 1.0 - q
        quarter = q / 4.0
        c0, c1, c2, c3 = self._c
        return BellDiagonal(keep * c0 + quarter, keep * c1 + quarter, keep * c2 + quarter,
                            keep * c3 + quarter)

    def decohere(
        self, duration_s: float, *, t1_s: float, t2_s: float, qubit: int = 0
    ) -> BellDiagonal:
        """Store one end in a memory with T1, T2 for ``duration_s`` (twirled T1/T2 channel).

        Call once per end with that end's own T1, T2 and storage time. Aging
        once for t1 + t2 equals aging for t1 then for t2.
        """
        _check_qubit(qubit)
        if duration_s == 0.0:
            return self
        return BellDiagonal(*xor_convolve(self._c, memory_pauli(duration_s, t1_s, t2_s)))

    def twirl(self) -> BellDiagonal:
        """The Werner state of the same fidelity (what random bilateral rotations leave)."""
        return BellDiagonal.werner(min(1.0, max(0.0, self._c[0])))

    def apply_frame(self, pauli_index: int) -> BellDiagonal:
        """Apply a known Pauli (0..3 for I, X, Y, Z) to one end: relabels the coefficients.

        >>> BellDiagonal.from_coefficients([0.1, 0.9, 0, 0]).apply_frame(1).fidelity
        0.9
        """
        if pauli_index not in (0, 1, 2, 3):
            raise ParameterError("pauli_index", pauli_index, "0, 1, 2 or 3 (I, X, Y, Z)")
        c = self._c
        k = pauli_index
        return BellDiagonal(c[k], c[1 ^ k], c[2 ^ k], c[3 ^ k])

    def age(self, duration_s: float, rate_t1_hz: float, rate_t2_hz: float) -> BellDiagonal:
        """Both ends stored for ``duration_s``: the summed decay rates of the two memories.

        ``rate_t2_hz`` is 1/T2 of end A plus 1/T2 of end B (likewise T1):
        ``state.age(t, *decay_rates(memory_a, memory_b))``
        (:func:`qdcnet.quantum.pauli.decay_rates`).
        The same as two :meth:`decohere` calls, in one step and without
        re-validating memories that were validated when they were built.
        """
        c0, c1, c2, c3 = self._c
        f2 = math.exp(-duration_s * rate_t2_hz)
        f1 = math.exp(-duration_s * rate_t1_hz)
        # Walsh-Hadamard components decay independently (pauli.WALSH_HADAMARD).
        h_y = (c0 - c1 + c2 - c3) * f2
        h_x = (c0 + c1 - c2 - c3) * f2
        h_z = (c0 - c1 - c2 + c3) * f1
        return BellDiagonal((1.0 + h_y + h_x + h_z) / 4.0, (1.0 - h_y + h_x - h_z) / 4.0,
                            (1.0 + h_y - h_x - h_z) / 4.0, (1.0 - h_y - h_x + h_z) / 4.0)

    # -- conversions --------------------------------------------------------

    def to_bell_diagonal(self) -> BellDiagonal:
        return self

    def to_density_matrix(self) -> DensityMatrix:
        """The 4×4 density matrix Σ c_k |B_k⟩⟨B_k| on qubits (A, B)."""
        from qdcnet.quantum.density import DensityMatrix, bell_state_vector

        rho = sum(c * np.outer(bell_state_vector(k), bell_state_vector(k).conj())
                  for k, c in enumerate(self._c))
        return DensityMatrix(np.asarray(rho, dtype=complex), validate=False)

    # -- dunder -------------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BellDiagonal):
            return NotImplemented
        return self._c == other._c

    def __hash__(self) -> int:
        return hash(self._c)

    def isclose(self, other: BellDiagonal, *, atol: float = 1e-12) -> bool:
        return all(abs(a - b) <= atol for a, b in zip(self._c, other._c, strict=True))

    def __repr__(self) -> str:
        inner = ", ".join(f"{label}={c:.6g}" for label, c in zip(BELL_LABELS, self._c, strict=True))
        return f"BellDiagonal({inner})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (BellDiagonal, self._c)


# -- swapping -----------------------------------------------------------------


def swap_bell_diagonal(
    a: BellDiagonal, b: BellDiagonal, gate_error: float = 0.0, measurement_error: float = 0.0
) -> BellDiagonal:
    """Entanglement swapping of two Bell-diagonal pairs (see :func:`qdcnet.quantum.swap`)."""
    out = xor_convolve(a._c, b._c)
    if measurement_error:
        out = xor_convolve(out, readout_pauli(check_probability("measurement_error",
                                                                measurement_error)))
    if gate_error:
        g = check_probability("gate_error", gate_error)
        keep, quarter = 1.0 - g, g / 4.0
        out = (keep * out[0] + quarter, keep * out[1] + quarter, keep * out[2] + quarter,
               keep * out[3] + quarter)
    return BellDiagonal(*out)


def swap(a: Any, b: Any, *, gate_error: float = 0.0, measurement_error: float = 0.0) -> Any:
    """Entanglement swapping: a Bell-state measurement joins pairs A–B₁ and B₂–C into A–C.

    Parameters
    ----------
    a, b
        The two pairs. Bell-diagonal pairs use the exact closed form (the XOR
        convolution of their coefficients); if either is a
        :class:`~qdcnet.quantum.DensityMatrix` the protocol is simulated on
        the four-qubit density matrix and a density matrix is returned.
    gate_error
        Probability that the BSM's two-qubit gate leaves its two qubits
        maximally mixed (the depolarizing convention of Briegel et al. 1998).
    measurement_error
        Probability that each of the two reported bits is flipped.

    Returns
    -------
    The A–C pair after the Pauli-frame correction, averaged over outcomes.

    >>> round(swap(BellDiagonal.werner(0.9), BellDiagonal.werner(0.9)).fidelity, 6)
    0.813333
    """
    if isinstance(a, BellDiagonal) and isinstance(b, BellDiagonal):
        return swap_bell_diagonal(a, b, gate_error, measurement_error)
    from qdcnet.quantum.protocols import swap_density_matrix

    return swap_density_matrix(a, b, gate_error, measurement_error)


def _walsh(c: tuple[float, float, float, float]) -> tuple[float, float, float]:
    # The Walsh-Hadamard components (Y, X, Z) of a Pauli / Bell-diagonal vector: the
    # characters of the XOR group, so XOR-convolution multiplies them.
    c0, c1, c2, c3 = c
    return c0 - c1 + c2 - c3, c0 + c1 - c2 - c3, c0 - c1 - c2 + c3


#: The sign each Walsh-Hadamard component (Y, X, Z) takes under Pauli 0..3 on one end.
_FRAME_SIGNS = ((1.0, 1.0, 1.0), (-1.0, 1.0, -1.0), (1.0, -1.0, -1.0), (-1.0, -1.0, 1.0))


def swap_factors(gate_error: float = 0.0, measurement_error: float = 0.0
                 ) -> tuple[float, float, float]:
    """What one noisy Bell-state measurement multiplies the components (Y, X, Z) of a swap by.

    The same noise as :func:`swap_bell_diagonal`: misread bits
    (:func:`~qdcnet.quantum.pauli.readout_pauli`) and a depolarising gate.

    >>> swap_factors(0.0, 0.0)
    (1.0, 1.0, 1.0)
    >>> [round(f, 6) for f in swap_factors(0.01, 0.0)]
    [0.99, 0.99, 0.99]
    """
    g = check_probability("gate_error", gate_error)
    readout = _walsh(readout_pauli(check_probability("measurement_error", measurement_error)))
    return tuple((1.0 - g) * r for r in readout)  # type: ignore[return-value]


class PairChain:
    """Bell-diagonal pairs joined by Bell-state measurements, combined exactly and lazily.

    In the Walsh-Hadamard domain (:data:`~qdcnet.quantum.pauli.WALSH_HADAMARD`)
    a swap multiplies the components of its two pairs, a measurement's
    noise multiplies them by :func:`swap_factors`, and a qubit stored for t
    in a memory multiplies the (Y, X) components by exp(-t/T2) and Z by
    exp(-t/T1). So a chain keeps three products and the summed exposure of
    its qubits (Σ t/T1, Σ t/T2), however many swaps and in whatever order:
    the end-to-end state needs no intermediate pair, and equals swapping
    and aging one step at a time (to rounding; tests/quantum check it).
    A repeater path uses this to join pairs without simulating each swap's
    intermediate state.

    >>> from qdcnet.quantum import swap
    >>> a, b = BellDiagonal.werner(0.95), BellDiagonal.werner(0.9)
    >>> chain = PairChain.of(a)
    >>> chain.join(PairChain.of(b), swap_factors(0.01, 0.0))
    >>> chain.state().isclose(swap(a, b, gate_error=0.01))
    True
    """

    __slots__ = ("exposure_t1", "exposure_t2", "h_x", "h_y", "h_z")

    def __init__(self, h_y: float, h_x: float, h_z: float, exposure_t1: float = 0.0,
                 exposure_t2: float = 0.0) -> None:
        self.h_y, self.h_x, self.h_z = h_y, h_x, h_z
        self.exposure_t1, self.exposure_t2 = exposure_t1, exposure_t2

    @classmethod
    def of(cls, state: BellDiagonal, frame: int = 0) -> PairChain:
        """A chain of one pair: ``state`` with the Pauli ``frame`` (0..3) applied to one end."""
        c0, c1, c2, c3 = state._c  # _walsh, inline: once per link pair on a path
        h_y, h_x, h_z = c0 - c1 + c2 - c3, c0 + c1 - c2 - c3, c0 - c1 - c2 + c3
        if frame:
            s_y, s_x, s_z = _FRAME_SIGNS[frame]
            h_y, h_x, h_z = h_y * s_y, h_x * s_x, h_z * s_z
        return cls(h_y, h_x, h_z)

    def wait(self, duration_s: float, rate_t1_hz: float, rate_t2_hz: float) -> None:
        """One qubit of the chain stored ``duration_s`` in a memory of 1/T1, 1/T2 (1/s)."""
        self.exposure_t1 += duration_s * rate_t1_hz
        self.exposure_t2 += duration_s * rate_t2_hz

    def join(self, other: PairChain, factors: tuple[float, float, float]) -> None:
        """Bell-measure this chain's last qubit with ``other``'s first, in place.

        ``factors`` is the measurement's noise (:func:`swap_factors`); ``other`` is spent.
        """
        f_y, f_x, f_z = factors
        self.h_y *= other.h_y * f_y
        self.h_x *= other.h_x * f_x
        self.h_z *= other.h_z * f_z
        self.exposure_t1 += other.exposure_t1
        self.exposure_t2 += other.exposure_t2

    def state(self) -> BellDiagonal:
        """The end-to-end state: the components, with every qubit's decay applied."""
        decay_t2 = math.exp(-self.exposure_t2)
        h_z = self.h_z * math.exp(-self.exposure_t1)
        h_y, h_x = self.h_y * decay_t2, self.h_x * decay_t2
        return BellDiagonal((1.0 + h_y + h_x + h_z) / 4.0, (1.0 - h_y + h_x - h_z) / 4.0,
                            (1.0 + h_y - h_x - h_z) / 4.0, (1.0 - h_y - h_x + h_z) / 4.0)


# -- distillation ---------------------------------------------------------------


def _index(x: int, z: int) -> int:
    return ((0, 3), (1, 2))[x][z]


_Table = tuple[tuple[int, int, int], ...]


def distillation_tables() -> tuple[_Table, _Table]:
    """The bilateral-CNOT rule as ``(i, j, k)`` triples for kept and rejected outcomes.

    Pair 1 (error i) is the control and is kept; pair 2 (error j) is the
    target and is measured in Z on both ends. Through the bilateral CNOT an
    error (x1, z1), (x2, z2) becomes (x1, z1 ⊕ z2) on pair 1 and
    (x1 ⊕ x2, z2) on pair 2; the two outcomes agree iff x1 = x2.
    """
    match, mismatch = [], []
    for i in range(4):
        for j in range(4):
            k = _index(pauli_x_bit(i), pauli_z_bit(i) ^ pauli_z_bit(j))
            (match if pauli_x_bit(i) == pauli_x_bit(j) else mismatch).append((i, j, k))
    return tuple(match), tuple(mismatch)


_MATCH, _MISMATCH = distillation_tables()


def _per_side(name: str, value: float | tuple[float, float]) -> tuple[float, float]:
    if isinstance(value, tuple):
        if len(value) != 2:
            raise ParameterError(name, value, "a probability or a pair (side A, side B)")
        return check_probability(name, value[0]), check_probability(name, value[1])
    x = check_probability(name, value)
    return x, x


def _bilateral_cnot(
    a: tuple[float, ...], b: tuple[float, ...], gate_error: float | tuple[float, float],
    measurement_error: float | tuple[float, float],
) -> tuple[float, tuple[float, float, float, float]]:
    g_a, g_b = _per_side("gate_error", gate_error)
    e_a, e_b = _per_side("measurement_error", measurement_error)
    flip = e_a * (1.0 - e_b) + e_b * (1.0 - e_a)  # exactly one of the two outcomes misread
    intact = (1.0 - g_a) * (1.0 - g_b)  # neither side's CNOT depolarised its qubits
    out = [0.0, 0.0, 0.0, 0.0]
    for table, weight in ((_MATCH, 1.0 - flip), (_MISMATCH, flip)):
        if weight == 0.0:
            continue
        scale = intact * weight
        for i, j, k in table:
            out[k] += scale * a[i] * b[j]
    # A failed gate on either side leaves all four qubits maximally mixed:
    # half the outcomes agree, each output Bell state equally likely.
    noise = (1.0 - intact) / 8.0
    if noise:
        out = [x + noise for x in out]
    success = math.fsum(out)
    if success <= 0.0:
        return 0.0, (0.25, 0.25, 0.25, 0.25)
    return success, (out[0] / success, out[1] / success, out[2] / success, out[3] / success)


def _uniform_noise(gate_error: Any, measurement_error: Any) -> tuple[float, float]:
    # The density-matrix twins take one figure per kind of noise.
    if isinstance(gate_error, tuple) or isinstance(measurement_error, tuple):
        raise ParameterError("gate_error", gate_error,
                             "one probability for density-matrix pairs (per-side noise is "
                             "modelled for Bell-diagonal pairs)")
    return gate_error, measurement_error


def _as_bell_diagonal_pair(a: Any, b: Any) -> bool:
    return isinstance(a, BellDiagonal) and isinstance(b, BellDiagonal)


def dejmps(
    a: Any, b: Any, *, gate_error: float | tuple[float, float] = 0.0,
    measurement_error: float | tuple[float, float] = 0.0,
) -> tuple[float, Any]:
    """One round of DEJMPS purification (Deutsch et al. 1996): keep ``a``, sacrifice ``b``.

    Both ends rotate their qubits (Rx(π/2) at one end, Rx(-π/2) at the other,
    which exchanges the Ψ⁻ and Φ⁻ coefficients), apply a bilateral CNOT with
    ``a`` as control, and measure ``b`` in Z; the round succeeds when the
    outcomes agree. Noise as in :func:`swap`: ``gate_error`` per side's CNOT,
    ``measurement_error`` per measured qubit; either may be a pair (end A,
    end B) when the two nodes differ.

    Returns
    -------
    (success probability, output state)

    Examples
    --------
    In our order, for identical inputs (a, b, c, d): N = (a + c)² + (b + d)²,
    output ((a² + c²)/N, (b² + d²)/N, 2bd/N, 2ac/N).

    >>> p, out = dejmps(BellDiagonal.from_coefficients([0.7, 0.2, 0.05, 0.05]),
    ...                 BellDiagonal.from_coefficients([0.7, 0.2, 0.05, 0.05]))
    >>> round(p, 6), [round(x, 6) for x in out.coefficients]
    (0.625, [0.788, 0.068, 0.032, 0.112])
    """
    if not _as_bell_diagonal_pair(a, b):
        from qdcnet.quantum.protocols import dejmps_density_matrix

        return dejmps_density_matrix(a, b, *_uniform_noise(gate_error, measurement_error))
    ra = (a._c[0], a._c[1], a._c[3], a._c[2])
    rb = (b._c[0], b._c[1], b._c[3], b._c[2])
    success, out = _bilateral_cnot(ra, rb, gate_error, measurement_error)
    return success, BellDiagonal(*out)


def bbpssw(
    a: Any, b: Any, *, gate_error: float | tuple[float, float] = 0.0,
    measurement_error: float | tuple[float, float] = 0.0,
) -> tuple[float, Any]:
    """One round of BBPSSW purification (Bennett et al. 1996): keep ``a``, sacrifice ``b``.

    Both inputs are twirled to Werner states, a bilateral CNOT with ``a`` as
    control is applied, ``b`` is measured in Z, and the kept pair is twirled
    again. Noise as in :func:`dejmps`.

    >>> p, out = bbpssw(BellDiagonal.werner(0.75), BellDiagonal.werner(0.75))
    >>> round(p, 6), round(out.fidelity, 6)
    (0.722222, 0.788462)
    """
    if not _as_bell_diagonal_pair(a, b):
        from qdcnet.quantum.protocols import bbpssw_density_matrix

        return bbpssw_density_matrix(a, b, *_uniform_noise(gate_error, measurement_error))
    success, out = _bilateral_cnot(a.twirl()._c, b.twirl()._c, gate_error, measurement_error)
    return success, BellDiagonal(*out).twirl()
