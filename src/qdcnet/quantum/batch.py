"""Bell-diagonal operations on arrays of states, shape (N, 4), without Python loops over N.

The same conventions and formulas as :class:`~qdcnet.quantum.BellDiagonal`:
coefficients (Φ⁺, Ψ⁺, Ψ⁻, Φ⁻) per row. Pauli composition is an XOR
convolution, computed in the Walsh–Hadamard domain where it is a product
(``conv(a, b) = ((a @ H) * (b @ H)) @ H / 4``); distillation uses the same
bilateral-CNOT tables as the scalar code on contiguous columns.

Arguments broadcast: a single state (shape (4,)) or a scalar parameter
applies to every row.

The Walsh–Hadamard domain is public too (:func:`to_hat`, :func:`from_hat`,
:func:`swap_noise_hat`, :func:`decay_exponents`): a caller that composes many
swaps and waits (``qdcnet.network.paths.PathModel``) multiplies there and
comes back once.

Examples
--------
>>> import numpy as np
>>> from qdcnet.quantum import batch
>>> pairs = batch.werner(np.array([0.9, 0.95]))
>>> np.round(batch.fidelity(batch.swap(pairs, pairs)), 6)
array([0.813333, 0.903333])
>>> p, out = batch.dejmps(pairs, pairs)
>>> np.round(p, 4)
array([0.8756, 0.9356])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from qdcnet.errors import ParameterError
from qdcnet.quantum.bell import distillation_tables
from qdcnet.quantum.pauli import (
    WALSH_HADAMARD,
    CoherenceTimes,
    check_coherence_times,
    decay_rates,
    readout_pauli,
)

__all__ = [
    "bbpssw",
    "decay_exponents",
    "decohere",
    "dejmps",
    "depolarize",
    "fidelity",
    "from_hat",
    "hashing_yield",
    "pauli",
    "swap",
    "swap_noise_hat",
    "to_hat",
    "twirl",
    "validate",
    "werner",
    "xor_convolve",
]

_H = WALSH_HADAMARD
_H_QUARTER = WALSH_HADAMARD / 4.0
_MATCH, _MISMATCH = distillation_tables()


def _states(x: Any, name: str) -> np.ndarray:
    array = np.asarray(x, dtype=float)
    if array.shape[-1:] != (4,) or array.ndim > 2:
        raise ParameterError(f"{name}.shape", array.shape, "(N, 4) or (4,)")
    return array


def _probability_array(x: Any, name: str) -> np.ndarray:
    array = np.asarray(x, dtype=float)
    if np.any(~np.isfinite(array)) or np.any(array < 0.0) or np.any(array > 1.0):
        bad = array[~((array >= 0.0) & (array <= 1.0))].ravel()[0]
        raise ParameterError(name, float(bad), "[0, 1]")
    return array


def validate(states: Any, name: str = "states") -> np.ndarray:
    """Check an (N, 4) array of Bell-diagonal coefficients; returns it as float.

    Every coefficient must be >= 0 and every row must sum to 1 within 1e-9.
    """
    array = _states(states, name)
    if array.ndim == 1:
        array = array[None, :]
    if np.any(~np.isfinite(array)) or np.any(array < -1e-12):
        row = int(np.argwhere(~(array >= -1e-12))[0, 0])
        raise ParameterError(f"{name}[{row}]", array[row].tolist(), "coefficients in [0, 1]")
    sums = array.sum(axis=1)
    bad = np.abs(sums - 1.0) > 1e-9
    if np.any(bad):
        row = int(np.argmax(bad))
        raise ParameterError(f"sum({name}[{row}])", float(sums[row]), "1 ± 1e-09")
    return array


def werner(fidelity: Any) -> np.ndarray:
    """Werner states, one row per fidelity."""
    f = _probability_array(fidelity, "fidelity").reshape(-1)
    r = (1.0 - f) / 3.0
    return np.column_stack((f, r, r, r))


def fidelity(states: Any) -> np.ndarray:
    """The Φ⁺ coefficient of each row."""
    return _states(states, "states")[..., 0]


def xor_convolve(a: Any, b: Any) -> np.ndarray:
    """Row-wise XOR convolution (composition of independent Pauli errors)."""
    return ((_states(a, "a") @ _H) * (_states(b, "b") @ _H)) @ _H_QUARTER


def to_hat(states: Any) -> np.ndarray:
    """Walsh–Hadamard components (I, Y, X, Z) of each row: ``states @ WALSH_HADAMARD``.

    In this domain composing Pauli errors, swapping and memory decay are
    elementwise products (:mod:`qdcnet.quantum.pauli`).
    """
    return _states(states, "states") @ _H


def from_hat(hat: Any) -> np.ndarray:
    """Bell-diagonal coefficients from Walsh–Hadamard components (inverse of :func:`to_hat`)."""
    return np.asarray(hat, dtype=float) @ _H_QUARTER


def swap_noise_hat(gate_error: Any = 0.0, measurement_error: Any = 0.0) -> np.ndarray:
    """The factor a swap's own noise multiplies the joined pair's Walsh–Hadamard components by.

    The misread bits are the Pauli error :func:`~qdcnet.quantum.pauli.readout_pauli`
    (in the domain, its transform); the gate's depolarisation keeps the
    non-identity components with 1 - ``gate_error``. ``swap(a, b)`` is
    ``from_hat(to_hat(a) * to_hat(b) * swap_noise_hat(...))``.

    >>> swap_noise_hat(0.01, 0.0).tolist()
    [1.0, 0.99, 0.99, 0.99]
    """
    g = np.asarray(gate_error, dtype=float)
    e = np.asarray(measurement_error, dtype=float)
    readout = np.stack(np.broadcast_arrays(*readout_pauli(e)), axis=-1) @ _H
    keep = 1.0 - g
    return readout * np.stack(np.broadcast_arrays(np.ones_like(keep), keep, keep, keep), axis=-1)


def decay_exponents(
    memory_a: CoherenceTimes, memory_b: CoherenceTimes | None = None
) -> np.ndarray:
    """Rates (I, Y, X, Z) at which the Walsh–Hadamard components decay, qubits stored in these.

    (0, Σ 1/T2, Σ 1/T2, Σ 1/T1) from :func:`~qdcnet.quantum.pauli.decay_rates`:
    a pair stored for ``t`` is ``from_hat(to_hat(state) * exp(-t * rates))``.
    """
    rate_t1, rate_t2 = decay_rates(memory_a, memory_b)
    return np.array([0.0, rate_t2, rate_t2, rate_t1])


def swap(a: Any, b: Any, *, gate_error: Any = 0.0, measurement_error: Any = 0.0) -> np.ndarray:
    """Entanglement swapping row by row (see :func:`qdcnet.quantum.swap`)."""
    g = _probability_array(gate_error, "gate_error")
    e = _probability_array(measurement_error, "measurement_error")
    hat = (_states(a, "a") @ _H) * (_states(b, "b") @ _H)
    if np.any(e) or np.any(g):
        hat = hat * swap_noise_hat(g, e)
    if np.any(g):
        hat[..., 0] = 1.0  # normalisation: the maximally mixed part only feeds I/4
    return hat @ _H_QUARTER


def pauli(states: Any, p_x: Any, p_y: Any, p_z: Any) -> np.ndarray:
    """A one-qubit Pauli channel on one end of each pair."""
    px, py, pz = (_probability_array(p, n) for p, n in ((p_x, "p_x"), (p_y, "p_y"), (p_z, "p_z")))
    if np.any(px + py + pz > 1.0 + 1e-12):
        raise ParameterError("p_x + p_y + p_z", float(np.max(px + py + pz)), "[0, 1]")
    channel = np.stack(np.broadcast_arrays(1.0 - px - py - pz, px, py, pz), axis=-1)
    return xor_convolve(states, channel)


def depolarize(states: Any, p: Any) -> np.ndarray:
    """With probability ``p`` replace each pair by the maximally mixed state."""
    q = _probability_array(p, "p")
    q = q[..., None] if q.ndim else q
    return (1.0 - q) * _states(states, "states") + q / 4.0


def decohere(states: Any, duration_s: Any, *, t1_s: Any, t2_s: Any) -> np.ndarray:
    """Store one end of each pair for ``duration_s`` (twirled T1/T2 channel).

    ``duration_s``, ``t1_s`` and ``t2_s`` broadcast against the rows; use
    ``np.inf`` for no decay of that kind.
    """
    t = np.asarray(duration_s, dtype=float)
    t1 = np.asarray(t1_s, dtype=float)
    t2 = np.asarray(t2_s, dtype=float)
    if np.any(~(t >= 0.0)) or np.any(np.isinf(t)):
        raise ParameterError("duration_s", float(np.asarray(t).ravel()[0]), "[0, inf)")
    if np.any(~(t1 > 0.0)) or np.any(~(t2 > 0.0)):
        raise ParameterError("t1_s, t2_s", (t1.tolist(), t2.tolist()), "(0, inf]")
    check_coherence_times(t1, t2)
    lam = np.exp(-t / t2)
    mu = np.exp(-t / t1)
    # Walsh-Hadamard eigenvalues of the memory channel, in the (I, Y, X, Z)
    # order of WALSH_HADAMARD's rows: (1, λ, λ, μ).
    hat = np.stack(np.broadcast_arrays(np.ones_like(lam), lam, lam, mu), axis=-1)
    return ((_states(states, "states") @ _H) * hat) @ _H_QUARTER


def twirl(states: Any) -> np.ndarray:
    """Werner states of the same fidelities."""
    array = _states(states, "states")
    f = array[..., 0]
    r = (1.0 - f) / 3.0
    return np.stack((f, r, r, r), axis=-1)


def hashing_yield(states: Any) -> np.ndarray:
    """max(0, 1 - H(coefficients)) ebits per pair, row by row."""
    array = _states(states, "states")
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(array > 0.0, -array * np.log2(np.where(array > 0.0, array, 1.0)), 0.0)
    return np.maximum(0.0, 1.0 - terms.sum(axis=-1))


def _columns(states: Any, name: str) -> np.ndarray:
    array = _states(states, name)
    if array.ndim == 1:
        array = array[None, :]
    # Contiguous (4, N) columns; free when the input came out of this module.
    return np.ascontiguousarray(array.T)


def _accumulate(
    a_cols: np.ndarray, b_cols: np.ndarray, table: Any, order: tuple[int, ...]
) -> np.ndarray:
    # out[k] = sum of a_i * b_j over the table's (i, j, k); every k appears
    # exactly twice. Buffers are reused (out=): fresh temporaries of N floats
    # cost page faults that dominate at N = 10^6.
    n = max(a_cols.shape[1], b_cols.shape[1])
    out = np.empty((4, n))
    tmp = np.empty(n)
    filled = [False] * 4
    for i, j, k in table:
        if filled[k]:
            np.multiply(a_cols[order[i]], b_cols[order[j]], out=tmp)
            out[k] += tmp
        else:
            np.multiply(a_cols[order[i]], b_cols[order[j]], out=out[k])
            filled[k] = True
    return out


def _bilateral_cnot(
    a_cols: np.ndarray,
    b_cols: np.ndarray,
    order: tuple[int, ...],
    gate_error: Any,
    measurement_error: Any,
) -> tuple[np.ndarray, np.ndarray]:
    # `order` maps the Pauli index of the rule to the input's coefficient
    # index (DEJMPS's bilateral rotation exchanges Psi- and Phi-).
    g = _probability_array(gate_error, "gate_error")
    e = _probability_array(measurement_error, "measurement_error")
    out = _accumulate(a_cols, b_cols, _MATCH, order)
    if np.any(e):
        flip = 2.0 * e * (1.0 - e)  # exactly one of the two outcomes misread
        out *= 1.0 - flip
        mismatch = _accumulate(a_cols, b_cols, _MISMATCH, order)
        mismatch *= flip
        out += mismatch
    if np.any(g):
        intact = (1.0 - g) ** 2  # neither side's CNOT depolarised its qubits
        out *= intact
        out += (1.0 - intact) / 8.0
    success = out.sum(axis=0)
    failed = success <= 0.0
    np.divide(out, success, out=out, where=~failed)
    if np.any(failed):
        out[:, failed] = 0.25
    # A transposed view: (N, 4) rows, stored column-major, so the next
    # round's columns need no copy.
    return success, out.T


def dejmps(
    a: Any, b: Any, *, gate_error: Any = 0.0, measurement_error: Any = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """DEJMPS row by row: returns (success probabilities (N,), outputs (N, 4)).

    See :func:`qdcnet.quantum.dejmps` for the protocol and noise model.
    """
    rotated = (0, 1, 3, 2)  # the bilateral rotation exchanges Ψ⁻ and Φ⁻
    return _bilateral_cnot(_columns(a, "a"), _columns(b, "b"), rotated, gate_error,
                           measurement_error)


def bbpssw(
    a: Any, b: Any, *, gate_error: Any = 0.0, measurement_error: Any = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """BBPSSW row by row (inputs and output twirled): (success probabilities, outputs)."""
    success, out = _bilateral_cnot(_columns(twirl(a), "a"), _columns(twirl(b), "b"),
                                   (0, 1, 2, 3), gate_error, measurement_error)
    return success, twirl(out)
