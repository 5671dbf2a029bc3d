"""The pass manager: every pass takes a state and returns one, timed in one place.

A compiler pass is a frozen dataclass (its fields are its options) with a
``name`` and ``run(state) -> state``: it reads what earlier passes left in
the :class:`CompileState` and returns a new state with its own results
added. :class:`PassManager` runs a tuple of passes in order and records each
one's wall time under its name, so adding a stage (a scheduler after
``translate``) is one more entry in the tuple and nothing else.

The standard passes, in order: ``load`` (:class:`~.frontend.Load`),
``normalize``, ``partition``, ``remote_ops``, ``translate``.

>>> from qdcnet.compiler import CompileTarget, Load, Normalize
>>> manager = PassManager((Load(), Normalize()))
>>> state = manager.run(CompileState('''OPENQASM 2.0; include "qelib1.inc"; qreg q[2];
... h q[1]; cx q[0],q[1]; h q[1];''', CompileTarget.equal_modules(1, 2)))
>>> [g.name for g in state.normalized.gates], [name for name, _ in state.timings]
(['cz'], ['load', 'normalize'])
>>> PassManager((Normalize(),)).run(CompileState("", CompileTarget.equal_modules(1, 2)))
Traceback (most recent call last):
...
qdcnet.errors.QdcnetError: the normalize pass needs the state's circuit, which no earlier pass ...
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from qdcnet.errors import ParameterError, QdcnetError

if TYPE_CHECKING:
    from qdcnet.compiler.hypergraph import CircuitSegments
    from qdcnet.compiler.ir import Circuit
    from qdcnet.compiler.program import DistributedProgram
    from qdcnet.compiler.remote import Assignment
    from qdcnet.compiler.target import CompileTarget

__all__ = ["CompileState", "CompilerPass", "PassManager"]


@dataclass(frozen=True)
class CompileState:
    """What the passes have made so far; each pass returns a copy with its part filled in.

    Attributes
    ----------
    source
        What ``load`` reads: QASM text or a path, a ``QuantumCircuit`` or a
        :class:`~.ir.Circuit`.
    target
        The QPUs and their distances.
    circuit
        The circuit as read (``load``).
    normalized
        In ``u``, ``cz``, ``cp``, ``measure``, ``reset`` (``normalize``).
    segments, assignment
        The circuit's segments and where everything goes (``partition``).
    untranslated
        The program as ``remote_ops`` made it, in the normalized gate set.
    program
        The latest program: ``remote_ops``'s, rewritten by later passes
        (``translate`` puts it in native gates).
    timings
        ``(pass name, seconds)`` for every pass run so far, in order.
    """

    source: Any
    target: CompileTarget
    circuit: Circuit | None = None
    normalized: Circuit | None = None
    segments: CircuitSegments | None = None
    assignment: Assignment | None = None
    untranslated: DistributedProgram | None = None
    program: DistributedProgram | None = None
    timings: tuple[tuple[str, float], ...] = ()

    def need(self, field: str, by: str) -> Any:
        """``field``'s value, or a clear error naming the pass that needed it too early."""
        value = getattr(self, field)
        if value is None:
            done = ", ".join(name for name, _ in self.timings) or "none"
            raise QdcnetError(f"the {by} pass needs the state's {field}, which no earlier "
                              f"pass set (passes run before it: {done})")
        return value


class CompilerPass(Protocol):
    """A pass: a name (its key in the timings) and ``run(state) -> state``.

    A long pass may report its steps: it sets ``reports_steps = True`` and
    accepts ``run(state, *, on_step=None)``, calling ``on_step(step, steps)``
    (see :meth:`PassManager.run`).
    """

    @property
    def name(self) -> str: ...

    def run(self, state: CompileState) -> CompileState: ...


@dataclass(frozen=True)
class PassManager:
    """Run passes in order; time each, in this one place, under its name."""

    passes: tuple[CompilerPass, ...]

    def __post_init__(self) -> None:
        names = [p.name for p in self.passes]
        if len(set(names)) != len(names):
            # Timings are keyed by name: a repeated name would hide one pass's time.
            raise ParameterError("passes", names, "passes with distinct names")

    def run(self, state: CompileState, *,
            on_progress: Callable[[int, int, str], None] | None = None) -> CompileState:
        """Run every pass on ``state`` in order; return the last pass's state.

        ``on_progress(done, total, name)`` is called before each pass with the
        number of passes done so far and the name of the one about to run, and
        once more at the end with ``done == total`` and the last pass's name.
        A pass with a true ``reports_steps`` attribute is run as
        ``run(state, on_step=...)`` and its ``on_step(step, steps)`` calls come
        through as ``name`` ``"partition 2/4"``. None of this changes the result.
        """
        clock = time.perf_counter
        total = len(self.passes)
        for done, compiler_pass in enumerate(self.passes):
            if on_progress is not None:
                on_progress(done, total, compiler_pass.name)
            start = clock()
            if on_progress is not None and getattr(compiler_pass, "reports_steps", False):
                state = compiler_pass.run(
                    state, on_step=_stepper(on_progress, done, total, compiler_pass.name))
            else:
                state = compiler_pass.run(state)
            elapsed = clock() - start
            state = dataclasses.replace(
                state, timings=(*state.timings, (compiler_pass.name, elapsed)))
        if on_progress is not None and total:
            on_progress(total, total, self.passes[-1].name)
        return state


def _stepper(on_progress: Callable[[int, int, str], None], done: int, total: int,
             name: str) -> Callable[[int, int], None]:
    """``on_step(step, steps)`` for one pass, reported as ``"name step/steps"``."""
    def on_step(step: int, steps: int) -> None:
        on_progress(done, total, f"{name} {step}/{steps}")
    return on_step
