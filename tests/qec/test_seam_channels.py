"""The seams' stim channels are the teleportation channels of :mod:`qdcnet.quantum`."""

from __future__ import annotations

from qdcnet.qec.surface import memory_circuit
from qdcnet.quantum import BellDiagonal, teleportation_channel, teleported_cnot_channel


def test_surface_code_seams_use_the_quantum_channels():
    pair = BellDiagonal.from_coefficients([0.9, 0.05, 0.03, 0.02])
    teleported = memory_circuit(3, basis="z", bulk=0.0, seam=pair)
    channels = [i for i in teleported.flattened() if i.name == "PAULI_CHANNEL_2"]
    assert channels
    assert all(i.gate_args_copy() == teleported_cnot_channel(pair).stim_arguments()
               for i in channels)
    cat = memory_circuit(3, basis="z", bulk=0.0, seam=pair, protocol="cat")
    extras = [i for i in cat.flattened() if i.name == "PAULI_CHANNEL_1"]
    assert extras
    assert all(i.gate_args_copy() == teleportation_channel(pair).stim_arguments()
               for i in extras)
