"""The noise a pair brings to the data when it is used.

Teleporting a qubit through a Bell-diagonal pair, or teleporting a CNOT with
it, applies the ideal operation followed by a Pauli channel on the data
qubits whose probabilities are the pair's Bell coefficients, relabelled. The
schedule, the runtime and the QEC circuits all use these channels; the tests
hold them against density-matrix simulations of the protocols
(:mod:`qdcnet.quantum.protocols`).

A density-matrix pair is twirled first (its Bell-basis populations are what
survive the Pauli-frame randomness of the protocol's outcomes on average).

Examples
--------
>>> from qdcnet.quantum import BellDiagonal, teleported_cnot_channel
>>> channel = teleported_cnot_channel(BellDiagonal.werner(0.94))
>>> {k: round(v, 4) for k, v in channel.probabilities.items()}
{'II': 0.94, 'IX': 0.02, 'ZX': 0.02, 'ZI': 0.02}
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from qdcnet.errors import ParameterError

__all__ = [
    "PauliChannel",
    "teleportation_channel",
    "teleportation_fidelity",
    "teleported_cnot_channel",
]


@dataclass(frozen=True)
class PauliChannel:
    """A Pauli channel on named qubits: Pauli strings and their probabilities.

    ``probabilities`` maps strings such as ``"ZX"`` (one letter per qubit,
    in the order of ``qubits``) to probabilities summing to 1, identity
    included.
    """

    qubits: tuple[str, ...]
    probabilities: Mapping[str, float] = field(repr=True)

    def __post_init__(self) -> None:
        total = sum(self.probabilities.values())
        if abs(total - 1.0) > 1e-9:
            raise ParameterError("sum(probabilities)", total, "1 ± 1e-09")
        for label, p in self.probabilities.items():
            if len(label) != len(self.qubits) or set(label) - set("IXYZ"):
                raise ParameterError("pauli", label, f"{len(self.qubits)} letters from IXYZ")
            if p < -1e-12:
                raise ParameterError(f"probabilities[{label}]", p, "[0, 1]")
        object.__setattr__(self, "probabilities", MappingProxyType(dict(self.probabilities)))

    @property
    def error_probability(self) -> float:
        """Probability of any non-identity Pauli."""
        identity = "I" * len(self.qubits)
        return 1.0 - self.probabilities.get(identity, 0.0)

    def stim_arguments(self) -> list[float]:
        """The probabilities as stim's ``PAULI_CHANNEL_1`` or ``PAULI_CHANNEL_2`` takes them.

        Every non-identity string in lexicographic order over ``IXYZ`` (X, Y, Z
        for one qubit; IX, IY, IZ, XI, ..., ZZ for two), the first letter on the
        first target; strings the channel lacks have probability 0.

        >>> from qdcnet.quantum import BellDiagonal
        >>> pair = BellDiagonal.from_coefficients([0.94, 0.03, 0.02, 0.01])
        >>> args = teleported_cnot_channel(pair).stim_arguments()
        >>> args[0], args[11], args[12]  # IX, ZI, ZX
        (0.03, 0.01, 0.02)
        """
        width = len(self.qubits)
        if width not in (1, 2):
            raise ParameterError("qubits", self.qubits, "one or two qubits for stim")
        labels = ("".join(letters) for letters in itertools.product("IXYZ", repeat=width))
        next(labels)  # the identity is implied
        return [self.probabilities.get(label, 0.0) for label in labels]

    def marginal(self, qubit: str) -> dict[str, float]:
        """The one-qubit Pauli distribution on ``qubit`` (I, X, Y, Z)."""
        if qubit not in self.qubits:
            raise ParameterError("qubit", qubit, f"one of {self.qubits}")
        position = self.qubits.index(qubit)
        out = dict.fromkeys("IXYZ", 0.0)
        for label, p in self.probabilities.items():
            out[label[position]] += p
        return out


def _coefficients(pair: Any) -> tuple[float, float, float, float]:
    to_bd = getattr(pair, "to_bell_diagonal", None)
    if to_bd is None:
        raise ParameterError("pair", type(pair).__name__, "a BellDiagonal or DensityMatrix pair")
    c = to_bd().coefficients
    return (c[0], c[1], c[2], c[3])


def teleportation_channel(pair: Any) -> PauliChannel:
    """The Pauli channel teleportation through ``pair`` applies to the teleported qubit.

    Bell state k of the resource (Φ⁺, Ψ⁺, Ψ⁻, Φ⁻) becomes Pauli (I, X, Y, Z).
    """
    c0, c1, c2, c3 = _coefficients(pair)
    return PauliChannel(("data",), {"I": c0, "X": c1, "Y": c2, "Z": c3})


def teleported_cnot_channel(pair: Any) -> PauliChannel:
    """The Pauli channel after a CNOT teleported with ``pair`` (qubits: control, target).

    An X error on the pair (Ψ⁺) flips the target, a Z error (Φ⁻) flips the
    control's phase through the second measurement, and Y (Ψ⁻) does both:
    (Φ⁺, Ψ⁺, Ψ⁻, Φ⁻) → (II, IX, ZX, ZI). A Werner pair of infidelity ε gives
    X_t, Z_c and Z_c X_t each with probability ε/3.
    """
    c0, c1, c2, c3 = _coefficients(pair)
    return PauliChannel(("control", "target"), {"II": c0, "IX": c1, "ZX": c2, "ZI": c3})


def teleportation_fidelity(pair: Any) -> float:
    """Average fidelity of a qubit teleported through ``pair``: (2F + 1)/3.

    Holds for any resource with fidelity F with Φ⁺ under the standard
    protocol (Horodecki et al. 1999).

    >>> from qdcnet.quantum import BellDiagonal
    >>> round(teleportation_fidelity(BellDiagonal.werner(0.9)), 6)
    0.933333
    """
    return (2.0 * _coefficients(pair)[0] + 1.0) / 3.0
