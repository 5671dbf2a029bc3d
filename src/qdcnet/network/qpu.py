"""One QPU as both the network and the compiler see it: the :class:`QPU` record.

The network needs a node's local operations (gate and readout times and
errors, its communication and data memories, the move of a qubit into
storage, its storage slots); the compiler needs its capacities (data and
communication qubits), native gates and durations. Both come from the same
platform profile, so they are one frozen record built in one place,
:meth:`QPU.from_profile`, where profile figures become noise through
:mod:`qdcnet.quantum.noise` and nowhere else. The compiler sits above the
network and imports it from here.

Examples
--------
>>> from qdcnet.hardware.profiles import load_profile
>>> qpu = QPU.from_profile("ion0", load_profile("trapped_ion"), comm_qubits=2)
>>> qpu.data_qubits, qpu.comm_qubits, qpu.native_gates
(98, 2, ('rz', 'u1q', 'rzz'))
>>> qpu.two_qubit_time_s, round(qpu.gate_error, 6)
(0.0001, 0.001053)
>>> QPU("m0", data_qubits=-1)
Traceback (most recent call last):
...
qdcnet.errors.ParameterError: data_qubits = -1 is out of range: allowed an integer >= 0
"""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass
from typing import TYPE_CHECKING

from qdcnet.errors import ParameterError, check_nonnegative, check_probability
from qdcnet.hardware.components import QuantumMemory
from qdcnet.quantum.noise import convert_fidelity, readout_flip_probability

if TYPE_CHECKING:
    from qdcnet.hardware.profiles import PlatformProfile

__all__ = ["QPU"]

_PERFECT = QuantumMemory.perfect()


def _count(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ParameterError(name, value, "an integer >= 0")


@dataclass(frozen=True)
class QPU:
    """A QPU's capacities, gate set, durations and noise (times in seconds).

    Attributes
    ----------
    name
        The node's name in the scenario (``""`` where only the figures matter).
    one_qubit_time_s, two_qubit_time_s, measurement_time_s
        Durations of a one-qubit gate, a two-qubit gate and a readout.
    gate_error
        Probability that a two-qubit gate replaces its qubits by I/4, from the
        profile's figure in its declared measure.
    measurement_error
        Probability that a readout reports the flipped bit.
    memory
        The communication qubits' memory (where pairs arrive).
    data_memory
        The data (storage) qubits' memory.
    transfer_time_s, transfer_error
        Moving a qubit from a communication qubit into storage: its duration
        and stim's DEPOLARIZE1 probability on the moved qubit.
    storage_slots
        Qubits that can hold pairs (the profile's storage qubits, else its
        data qubits).
    data_qubits, comm_qubits
        What the compiler may place program qubits on, and the communication
        qubits that hold the ends of ebits.
    native_gates
        The profile's native gate names (``translate`` maps them to Qiskit's).
    reset_time_s
        Re-initialising a communication qubit.
    profile_name
        The platform profile it was built from (``""`` for a made-up QPU).
    one_qubit_error, two_qubit_error
        stim's DEPOLARIZE1 and DEPOLARIZE2 probabilities of a one-qubit and a
        two-qubit gate (each non-identity Pauli with p/3, p/15), what circuit
        simulation applies after each gate. :meth:`from_profile` sets them
        with the conversion :class:`qdcnet.qec.surface.CircuitNoise` uses; a
        QPU made by hand has perfect gates unless given them (``gate_error``
        stays the network's λ and is not converted here).

    The fields up to ``storage_slots`` may be given by position (the network's
    historical order); the compiler's fields are keyword-only.
    """

    name: str
    one_qubit_time_s: float = 0.0
    two_qubit_time_s: float = 0.0
    measurement_time_s: float = 0.0
    gate_error: float = 0.0
    measurement_error: float = 0.0
    memory: QuantumMemory = _PERFECT
    data_memory: QuantumMemory = _PERFECT
    transfer_time_s: float = 0.0
    transfer_error: float = 0.0
    storage_slots: int = 0
    _: KW_ONLY
    data_qubits: int = 0
    comm_qubits: int = 0
    native_gates: tuple[str, ...] = ("u", "cz")
    reset_time_s: float = 0.0
    profile_name: str = ""
    one_qubit_error: float = 0.0
    two_qubit_error: float = 0.0

    def __post_init__(self) -> None:
        for name in ("one_qubit_time_s", "two_qubit_time_s", "measurement_time_s",
                     "transfer_time_s", "reset_time_s"):
            check_nonnegative(name, getattr(self, name))
        for name in ("gate_error", "measurement_error", "transfer_error"):
            check_probability(name, getattr(self, name))
        # stim refuses depolarizing parameters past the fully mixing point.
        for name, worst in (("one_qubit_error", 0.75), ("two_qubit_error", 15 / 16)):
            if check_probability(name, getattr(self, name)) > worst:
                raise ParameterError(name, getattr(self, name), f"[0, {worst:g}]",
                                     "stim's depolarizing p stops at the fully mixing point")
        for name in ("storage_slots", "data_qubits", "comm_qubits"):
            _count(name, getattr(self, name))
        for name in ("memory", "data_memory"):
            if not isinstance(getattr(self, name), QuantumMemory):
                raise ParameterError(name, getattr(self, name), "a QuantumMemory")
        if not isinstance(self.native_gates, tuple) or not all(
                isinstance(g, str) for g in self.native_gates):
            raise ParameterError("native_gates", self.native_gates, "a tuple of gate names")

    @classmethod
    def from_profile(cls, name: str, profile: PlatformProfile, *,
                     comm_qubits: int | None = None, data_qubits: int | None = None) -> QPU:
        """From a platform profile, through :mod:`qdcnet.quantum.noise`.

        ``comm_qubits`` and ``data_qubits`` replace the profile's counts (a
        scenario may give a node fewer communication qubits than the platform
        has). Gate error: the probability of replacing both qubits by I/4 that
        has the profile's two-qubit figure in its declared measure. Transfer
        error: stim's DEPOLARIZE1 p on the moved qubit (X, Y, Z each p/3) from
        the transfer fidelity read as an average gate fidelity, 3(1 − F)/2.
        ``one_qubit_error``/``two_qubit_error``: stim's p of each gate from its
        figure in its declared measure.
        """
        gate = profile.two_qubit_gate
        single = profile.one_qubit_gate
        comm = profile.communication
        data = profile.memory or _PERFECT
        if comm_qubits is None:
            comm_qubits = comm.num_qubits if comm is not None else 0
        return cls(
            name=name,
            one_qubit_time_s=profile.one_qubit_gate.duration_s,
            two_qubit_time_s=gate.duration_s,
            measurement_time_s=profile.measurement_time_s,
            gate_error=convert_fidelity(gate.fidelity, measure=gate.measure, to="depolarizing",
                                        qubits=2),
            measurement_error=readout_flip_probability(profile.measurement_fidelity,
                                                       measure=profile.measurement_measure),
            memory=comm.memory if comm is not None else data,
            data_memory=data,
            transfer_time_s=comm.transfer_time_s if comm is not None else 0.0,
            transfer_error=(convert_fidelity(comm.transfer_fidelity, measure="average",
                                             to="stim", qubits=1)
                            if comm is not None else 0.0),
            storage_slots=profile.storage_qubits or profile.data_qubits,
            data_qubits=data_qubits if data_qubits is not None else profile.data_qubits,
            comm_qubits=comm_qubits,
            native_gates=tuple(profile.native_gates),
            # A communication qubit is re-initialised by one optical-pumping or
            # reset pulse; we charge one single-qubit gate time for it.
            reset_time_s=profile.one_qubit_gate.duration_s,
            profile_name=profile.name,
            one_qubit_error=convert_fidelity(single.fidelity, measure=single.measure, to="stim",
                                             qubits=1),
            two_qubit_error=convert_fidelity(gate.fidelity, measure=gate.measure, to="stim",
                                             qubits=2),
        )

    @property
    def bell_measurement_time_s(self) -> float:
        """CNOT, Hadamard, two readouts in parallel."""
        return self.two_qubit_time_s + self.one_qubit_time_s + self.measurement_time_s

    @property
    def distillation_time_s(self) -> float:
        """Local rotation, bilateral CNOT (this side), readout."""
        return self.one_qubit_time_s + self.two_qubit_time_s + self.measurement_time_s
