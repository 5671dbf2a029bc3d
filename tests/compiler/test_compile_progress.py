"""``on_progress`` names each pass as it starts and changes nothing in the result."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from qdcnet.compiler import (
    CompileState,
    CompileTarget,
    Load,
    Normalize,
    PassManager,
    compile_circuit,
)

STANDARD = ["load", "normalize", "partition", "remote_ops", "translate"]


def test_compile_progress_names_each_pass_and_leaves_the_result_alone(circuits_dir):
    source = circuits_dir / "cz_frac_0.5_seed0.qasm"
    target = CompileTarget.equal_modules(4, 8)
    options = {"starts": 2, "seed": 1, "model": "fixed", "search_evaluations": 200}
    plain = compile_circuit(source, target, **options)
    calls: list[tuple[int, int, str]] = []
    watched = compile_circuit(source, target, **options,
                              on_progress=lambda *call: calls.append(call))
    assert watched.program == plain.program
    assert watched.untranslated == plain.untranslated
    assert watched.assignment == plain.assignment
    assert list(watched.timings) == list(plain.timings) == STANDARD
    summary, plain_summary = watched.summary(), plain.summary()
    summary.pop("timings_s")
    plain_summary.pop("timings_s")
    assert summary == plain_summary
    # A pass that reports its steps adds calls named "partition 1/2"; the plain ones stay.
    plain_calls = [call for call in calls if " " not in call[2]]
    assert plain_calls == [(i, 5, name) for i, name in enumerate(STANDARD)] + [
        (5, 5, "translate")]
    assert [done for done, _, _ in calls] == sorted(done for done, _, _ in calls)


def test_pass_manager_progress_is_optional_and_counts_passes():
    calls: list[tuple[int, int, str]] = []
    state = PassManager((Load(), Normalize())).run(
        CompileState('OPENQASM 2.0; include "qelib1.inc"; qreg q[2]; cx q[0],q[1];',
                     CompileTarget.equal_modules(1, 2)),
        on_progress=lambda *call: calls.append(call))
    assert [name for name, _ in state.timings] == ["load", "normalize"]
    assert calls == [(0, 2, "load"), (1, 2, "normalize"), (2, 2, "normalize")]


@dataclass(frozen=True)
class _Steps:
    """A pass that reports three steps and otherwise does nothing."""

    name = "steps"
    reports_steps = True

    def run(self, state: CompileState, *,
            on_step: Callable[[int, int], None] | None = None) -> CompileState:
        for step in range(1, 4):
            if on_step is not None:
                on_step(step, 3)
        return state


def test_a_pass_that_reports_steps_is_heard_through_the_manager_and_runs_without_it():
    state = CompileState("", CompileTarget.equal_modules(1, 2))
    calls: list[tuple[int, int, str]] = []
    PassManager((_Steps(),)).run(state, on_progress=lambda *call: calls.append(call))
    assert calls == [(0, 1, "steps"), (0, 1, "steps 1/3"), (0, 1, "steps 2/3"),
                     (0, 1, "steps 3/3"), (1, 1, "steps")]
    assert [name for name, _ in PassManager((_Steps(),)).run(state).timings] == ["steps"]
