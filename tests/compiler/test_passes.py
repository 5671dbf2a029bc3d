"""The pass manager: one signature, timing in one place, a pass added by appending it."""

from __future__ import annotations

import dataclasses

import pytest

from qdcnet.compiler import (
    CompileState,
    CompileTarget,
    Load,
    Normalize,
    Partition,
    PassManager,
    RemoteOps,
    Translate,
    compile_circuit,
)
from qdcnet.errors import ParameterError, QdcnetError

GHZ = ('OPENQASM 2.0; include "qelib1.inc"; qreg q[4]; creg c[4]; h q[0]; '
       "cx q[0],q[1]; cx q[0],q[2]; cx q[0],q[3]; measure q -> c;")
STANDARD = ("load", "normalize", "partition", "remote_ops", "translate")


def _standard(**options: object) -> tuple:
    return (Load(), Normalize(), Partition(**options), RemoteOps(), Translate())  # type: ignore[arg-type]


def test_compile_circuit_is_the_standard_passes_under_a_manager():
    target = CompileTarget.equal_modules(2, 2)
    state = PassManager(_standard(seed=3)).run(CompileState(GHZ, target))
    result = compile_circuit(GHZ, target, seed=3)
    assert state.program == result.program
    assert state.untranslated == result.untranslated
    assert state.assignment == result.assignment
    assert state.normalized == result.normalized
    assert [name for name, _ in state.timings] == list(STANDARD)
    assert list(result.timings) == list(STANDARD)
    assert all(seconds >= 0.0 for seconds in result.timings.values())


def test_without_translate_the_program_is_remote_ops_own():
    result = compile_circuit(GHZ, CompileTarget.equal_modules(2, 2), translate=False)
    assert list(result.timings) == list(STANDARD[:-1])
    assert result.program is result.untranslated
    assert not result.program.translated


def test_a_pass_appended_at_the_end_runs_on_the_program_and_is_timed():
    @dataclasses.dataclass(frozen=True)
    class Stamp:
        """Stands in for a scheduling pass: reads the latest program, writes a new one."""

        label: str
        name = "stamp"

        def run(self, state: CompileState) -> CompileState:
            program = state.need("program", self.name)
            return dataclasses.replace(state, program=dataclasses.replace(
                program, operations=program.operations[::-1]))

    target = CompileTarget.equal_modules(2, 2)
    before = PassManager(_standard()).run(CompileState(GHZ, target))
    after = PassManager((*_standard(), Stamp("x"))).run(CompileState(GHZ, target))
    assert after.program.operations == before.program.operations[::-1]
    assert [name for name, _ in after.timings] == [*STANDARD, "stamp"]


def test_passes_run_by_hand_give_the_managers_state():
    target = CompileTarget.equal_modules(2, 2)
    state = CompileState(GHZ, target)
    for compiler_pass in _standard():
        state = compiler_pass.run(state)
    managed = PassManager(_standard()).run(CompileState(GHZ, target))
    assert state.timings == ()
    assert dataclasses.replace(managed, timings=()) == state


def test_a_pass_run_before_its_inputs_exist_says_which():
    target = CompileTarget.equal_modules(2, 2)
    loaded = PassManager((Load(),)).run(CompileState(GHZ, target))
    with pytest.raises(QdcnetError, match=r"partition pass needs the state's normalized.*"
                                          r"passes run before it: load\)"):
        Partition().run(loaded)
    with pytest.raises(QdcnetError, match="translate pass needs the state's program"):
        PassManager((Translate(),)).run(loaded)


def test_repeated_pass_names_are_refused():
    with pytest.raises(ParameterError, match="distinct names"):
        PassManager((Load(), Normalize(), Normalize(atol=1e-6)))


def test_passes_compare_by_their_options():
    assert Partition(model="teleport", seed=2) == Partition(model="teleport", seed=2)
    assert Partition(seed=2) != Partition(seed=3)
    assert PassManager((Load(), Normalize())) == PassManager((Load(), Normalize()))
