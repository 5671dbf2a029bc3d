"""Small ready-made segments for examples, tests and benchmarks.

These are illustrations with round numbers, not platform profiles: use
:mod:`qdcnet.hardware.profiles` for sourced parameters.

>>> from qdcnet.link import LinkModel
>>> model = LinkModel.from_spec(symmetric_single_click(alpha=0.1, eta=0.01))
>>> round(model.success_probability, 6), round(model.outcomes.state_true.fidelity, 6)
(0.001999, 0.90045)
"""

from __future__ import annotations

import math

from qdcnet.hardware.components import (
    BSMStation,
    Detector,
    Emitter,
    Encoding,
    Fiber,
    PairSource,
    PhotonicInterface,
    QuantumMemory,
)
from qdcnet.link.spec import (
    AbsorberEnd,
    EmitterEnd,
    MidpointSourceLink,
    OpticalPath,
    SingleClickLink,
    TwoClickLink,
)

__all__ = ["symmetric_midpoint_source", "symmetric_single_click", "symmetric_two_click"]


def _ends(
    eta: float, encoding: Encoding, length_m: float, memory: QuantumMemory, qubits: int,
    emission_time_s: float, reset_time_s: float,
) -> tuple[EmitterEnd, EmitterEnd]:
    # A lossless fibre and a perfect detector put the whole efficiency eta
    # in the emitter, so the per-arm efficiency is exactly eta.
    fiber = Fiber(length_m=length_m, wavelength_m=1550e-9, attenuation_db_per_km=0.0)
    emitter = Emitter(emission_probability=1.0, collection_efficiency=eta,
                      emission_time_s=emission_time_s, reset_time_s=reset_time_s,
                      linewidth_hz=10e6, wavelength_m=1550e-9, encoding=encoding)
    ends = tuple(EmitterEnd(name=name, emitter=emitter, memory=memory, path=OpticalPath(fiber),
                            num_communication_qubits=qubits) for name in ("a", "b"))
    return ends[0], ends[1]


def symmetric_single_click(
    *, alpha: float = 0.1, eta: float = 0.01, dark_count_rate_hz: float = 0.0,
    length_m: float = 1000.0, memory: QuantumMemory | None = None, qubits: int = 1,
    photon_number_resolving: bool = False, emission_time_s: float = 1e-6,
    reset_time_s: float = 2e-6, detection_window_s: float = 1e-8,
) -> SingleClickLink:
    """Two identical nodes, a midpoint station, arm efficiency ``eta``."""
    end_a, end_b = _ends(eta, Encoding.PHOTON_NUMBER, length_m / 2,
                         memory or QuantumMemory(math.inf, 0.1), qubits, emission_time_s,
                         reset_time_s)
    station = BSMStation(Detector(1.0, dark_count_rate_hz, detection_window_s,
                                  photon_number_resolving=photon_number_resolving))
    return SingleClickLink(end_a, end_b, station, alpha_a=alpha, alpha_b=alpha)


def symmetric_two_click(
    *, eta: float = 0.05, dark_count_rate_hz: float = 0.0, length_m: float = 1000.0,
    memory: QuantumMemory | None = None, qubits: int = 1, encoding: Encoding = Encoding.TIME_BIN,
    emission_time_s: float = 1e-6, reset_time_s: float = 2e-6,
    detection_window_s: float = 1e-8,
) -> TwoClickLink:
    """Two identical nodes emitting photonic qubits to a linear-optics BSM."""
    end_a, end_b = _ends(eta, encoding, length_m / 2, memory or QuantumMemory(math.inf, 0.1),
                         qubits, emission_time_s, reset_time_s)
    station = BSMStation(Detector(1.0, dark_count_rate_hz, detection_window_s))
    return TwoClickLink(end_a, end_b, station)


def symmetric_midpoint_source(
    *, pair_rate_hz: float = 1e6, fidelity: float = 0.98, eta: float = 0.3,
    dark_count_rate_hz: float = 0.0, length_m: float = 1000.0,
    memory: QuantumMemory | None = None, qubits: int = 1, acceptance_window_s: float = 1e-7,
    reset_time_s: float = 1e-6,
) -> MidpointSourceLink:
    """A pair source midway, each node storing with efficiency ``eta``."""
    fiber = Fiber(length_m=length_m / 2, wavelength_m=1550e-9, attenuation_db_per_km=0.0)
    interface = PhotonicInterface(Encoding.POLARIZATION, 1550e-9, 10e6)
    detector = Detector(1.0, dark_count_rate_hz, acceptance_window_s)
    ends = [AbsorberEnd(name=name, memory=memory or QuantumMemory(math.inf, 0.1),
                        path=OpticalPath(fiber), interface=interface, absorption_efficiency=eta,
                        herald_detector=detector, acceptance_window_s=acceptance_window_s,
                        reset_time_s=reset_time_s, num_communication_qubits=qubits)
            for name in ("a", "b")]
    source = PairSource(pair_rate_hz=pair_rate_hz, fidelity=fidelity, wavelength_m=1550e-9,
                        linewidth_hz=10e6)
    return MidpointSourceLink(ends[0], ends[1], source)
