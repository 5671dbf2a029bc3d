"""Fidelity measures and noise conventions: one set of conversions for the whole code.

Papers quote gate quality in different measures, and the code uses several
noise parameters. Every conversion between them goes through this module.
All of them take the gate's error to be depolarizing (the Pauli twirl of
any error has the same process and average fidelity, so this is exact for
those two measures and a model for anything finer).

Measures a profile may declare for an ``n``-qubit gate (``D = 2**n``):

* ``"average"``: the average gate fidelity F_avg (randomized benchmarking);
* ``"process"``: the process (entanglement) fidelity F_pro, the Choi-state
  fidelity with the maximally entangled state;
* ``"pauli"``: one minus the Pauli error rate e_P (cycle benchmarking, XEB
  as Google reports it); for a Pauli channel e_P = 1 - F_pro.

They are related by F_avg = (D F_pro + 1)/(D + 1) (Horodecki et al., PRA 60,
1888 (1999); Nielsen, Phys. Lett. A 303, 249 (2002)), so the process
infidelity e = 1 - F_pro is the common currency:

==========================  =======================================
convention (``to``)          in terms of e
==========================  =======================================
``"process_infidelity"``     e
``"pauli_error"``            e
``"average_infidelity"``     e D/(D + 1)
``"stim"``                   e: stim's DEPOLARIZE1/2(p), each of the
                             D² - 1 Paulis with p/(D² - 1)
``"depolarizing"``           λ = e D²/(D² - 1): the state replaced by
                             I/D with probability λ
==========================  =======================================

Two-qubit example: F_avg = 0.99 is λ = 4(1 - F)/3 ≈ 0.01333 and stim
p = 5(1 - F)/4 = 0.0125; a stim DEPOLARIZE2(1 - F) would have average
infidelity only 4(1 - F)/5.

Readouts use one measure, ``"assignment"``: F = 1 - (P(1|0) + P(0|1))/2,
taken as a symmetric flip of the reported bit with probability 1 - F.

>>> round(convert_fidelity(0.99, measure="average", to="depolarizing", qubits=2), 12)
0.013333333333
>>> round(convert_fidelity(0.99, measure="average", to="stim", qubits=2), 12)
0.0125
>>> round(convert_fidelity(0.9967, measure="pauli", to="average_infidelity", qubits=2), 12)
0.00264
"""

from __future__ import annotations

from qdcnet.errors import ParameterError, check_probability

__all__ = [
    "CONVENTIONS",
    "GATE_MEASURES",
    "MEASURE_NAMES",
    "READOUT_MEASURES",
    "convert_fidelity",
    "process_infidelity",
    "readout_flip_probability",
]

GATE_MEASURES = ("average", "process", "pauli")
READOUT_MEASURES = ("assignment",)
#: Words for reports: what each measure is.
MEASURE_NAMES = {"average": "average gate fidelity", "process": "process fidelity",
                 "pauli": "1 - Pauli error rate", "assignment": "assignment fidelity"}
CONVENTIONS = ("depolarizing", "stim", "pauli_error", "average_infidelity",
               "process_infidelity")


def _dimension(qubits: int) -> int:
    if qubits not in (1, 2):
        raise ParameterError("qubits", qubits, "1 or 2")
    return 2**qubits


def process_infidelity(fidelity: float, *, measure: str, qubits: int) -> float:
    """e = 1 - F_pro of an ``qubits``-qubit gate whose ``measure`` is ``fidelity``.

    Refuses figures below the fully depolarizing channel (F_pro < 1/D²): no
    depolarizing channel has them.
    """
    dim = _dimension(qubits)
    value = check_probability("fidelity", fidelity)
    if measure not in GATE_MEASURES:
        raise ParameterError("measure", measure, ", ".join(GATE_MEASURES))
    # 1 - F_pro; an average fidelity first goes through F_avg = (D F_pro + 1)/(D + 1).
    error = (1.0 - value) * (dim + 1) / dim if measure == "average" else 1.0 - value
    worst = 1.0 - 1.0 / dim**2
    if error > worst + 1e-15:
        floor = 1.0 - (worst * dim / (dim + 1) if measure == "average" else worst)
        raise ParameterError("fidelity", fidelity, f"[{floor:.6g}, 1] for a {measure} "
                             f"fidelity of a {qubits}-qubit gate",
                             "below that no depolarizing channel has the figure")
    return min(error, worst)


def convert_fidelity(fidelity: float, *, measure: str, to: str, qubits: int) -> float:
    """The noise parameter ``to`` (see :data:`CONVENTIONS`) of a gate quoted as ``measure``.

    Parameters
    ----------
    fidelity
        The figure as published, e.g. 0.99921 for Helios' two-qubit gates.
    measure
        What the figure is: ``"average"``, ``"process"`` or ``"pauli"``.
    to
        The convention wanted (module table).
    qubits
        1 or 2.
    """
    if to not in CONVENTIONS:
        raise ParameterError("to", to, ", ".join(CONVENTIONS))
    error = process_infidelity(fidelity, measure=measure, qubits=qubits)
    dim = 2**qubits
    if to == "average_infidelity":
        return error * dim / (dim + 1)
    if to == "depolarizing":
        return min(1.0, error * dim**2 / (dim**2 - 1))
    return error


def readout_flip_probability(fidelity: float, *, measure: str = "assignment") -> float:
    """Probability that a readout reports the wrong bit, from its quoted fidelity.

    >>> round(readout_flip_probability(0.9923), 12)
    0.0077
    """
    if measure not in READOUT_MEASURES:
        raise ParameterError("measure", measure, ", ".join(READOUT_MEASURES))
    return 1.0 - check_probability("fidelity", fidelity)
