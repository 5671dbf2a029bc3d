"""ProgramTiming: the instruction DAG, hand-checked on a GHZ state over two QPUs."""

from __future__ import annotations

import pytest
from _schedule_helpers import GHZ2, US, timed_target

from qdcnet.compiler import compile_circuit
from qdcnet.errors import ParameterError
from qdcnet.schedule import ProgramTiming


@pytest.fixture
def ghz2_target():
    return timed_target(2, 1, 1)


def _ghz(target, latency_us=3):
    program = compile_circuit(GHZ2, target).program
    qpus = {q.name: q for q in target.qpus}
    return ProgramTiming.build(program, qpus, lambda a, b: latency_us * 1e-6)


def test_ghz_instruction_table(ghz2_target):
    timing = _ghz(ghz2_target)
    # op 2 (cat_entangle) is instructions 2..9; op 4 (disentangle, right after the copy's
    # last use) 11..14; op 5 is m1's closing one-qubit gate.
    assert timing.op_span[2] == (2, 10)
    assert timing.op_span[4] == (11, 15)
    assert timing.op_span[5] == (15, 16)
    assert timing.duration_ps[4] == 10 * US  # cz
    assert timing.duration_ps[7] == 5 * US  # measure
    (ebit,) = timing.ebits
    assert ebit.qpus == ("m0", "m1")
    assert ebit.first == (3, 9)
    assert ebit.last == (8, 13)
    # the data side: the Hadamard on m0, and the far side: m1's gate before the cz that
    # uses the copy (the pair is of use only when both are done)
    assert ebit.need_deps == ((0, 0), (1, 0))
    assert timing.ebit_first == {3: (0,), 9: (0,)}
    assert timing.bit_deps[9] == ((7, 3 * US),)  # x on m1 waits for m0's readout + latency
    assert timing.bit_deps[14] == ((12, 3 * US),)  # z on m0 waits for m1's readout


def test_ghz_critical_path_by_hand(ghz2_target):
    # h (1) | u cz u (12) | measure (5) | latency (3) | x (1) | cz (10) | h (1) | measure (5)
    # | latency (3) | z (1)  = 42 µs
    assert _ghz(ghz2_target).critical_path_ps() == 42 * US
    assert _ghz(ghz2_target, latency_us=0).critical_path_ps() == 36 * US


def test_a_qpu_record_is_needed_for_every_qpu(ghz2_target):
    program = compile_circuit(GHZ2, ghz2_target).program
    with pytest.raises(ParameterError, match="m1"):
        ProgramTiming.build(program, {"m0": ghz2_target.qpus[0]}, lambda a, b: 0.0)
