"""Generator processes: readable protocol code on top of the callback kernel.

A process is a generator that yields what it waits for:

- ``yield sim.timeout(delay_ps)`` resumes after the delay;
- ``yield signal`` resumes when the :class:`Signal` fires, receiving its value;
- ``yield other_process`` resumes when that process returns, with its result;
- ``yield sim.any_of(a, b, ...)`` resumes at the first of several, with
  ``(winner, value)``.

Each resumption is one kernel event, so processes cost more than plain
callbacks; use them for protocol logic, not for the innermost loops.

Examples
--------
>>> from qdcnet.sim import Simulator
>>> sim = Simulator(seed=0)
>>> herald = sim.signal("herald")
>>> def node():
...     pair = yield herald
...     yield sim.timeout(500)
...     return f"used {pair} at {sim.now} ps"
>>> proc = sim.process(node(), name="qpu0")
>>> _ = sim.schedule(1_000, herald.fire, "pair-7")
>>> sim.run()
>>> proc.value
'used pair-7 at 1500 ps'
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from heapq import heappush
from typing import Any

from qdcnet.errors import QdcnetError
from qdcnet.sim.kernel import Handle, Simulator, _check_delay

__all__ = ["Interrupt", "Process", "Signal", "Timeout", "any_of"]


class Interrupt(Exception):
    """Thrown into a process by :meth:`Process.interrupt`; ``cause`` says why."""

    def __init__(self, cause: Any = None) -> None:
        super().__init__(cause)
        self.cause = cause


class Signal:
    """A one-shot event that processes wait on and callbacks subscribe to.

    :meth:`fire` sets the value and wakes every waiter at the current time
    (as kernel events, in the order they started waiting). Waiting on a signal
    that already fired resumes at once with its value.
    """

    __slots__ = ("_callbacks", "name", "sim", "triggered", "value")

    def __init__(self, sim: Simulator, name: str | None = None) -> None:
        self.sim = sim
        self.name = name
        self.triggered = False
        self.value: Any = None
        self._callbacks: list[Callable[[Any], Any]] | None = []

    def fire(self, value: Any = None) -> None:
        """Trigger the signal with ``value``; a signal fires once."""
        if self.triggered:
            raise QdcnetError(f"signal {self.name or ''} fired twice".replace("  ", " "))
        self.triggered = True
        self.value = value
        callbacks, self._callbacks = self._callbacks, None
        schedule = self.sim.schedule
        for callback in callbacks or ():
            schedule(0, callback, value)

    def add_callback(self, callback: Callable[[Any], Any]) -> None:
        """Call ``callback(value)`` when the signal fires (at once if it has)."""
        if self._callbacks is None:
            self.sim.schedule(0, callback, self.value)
        else:
            self._callbacks.append(callback)

    def remove_callback(self, callback: Callable[[Any], Any]) -> None:
        """Stop waiting; a no-op if the callback is not registered."""
        if self._callbacks is not None and callback in self._callbacks:
            self._callbacks.remove(callback)

    def __repr__(self) -> str:
        state = f"fired {self.value!r}" if self.triggered else "pending"
        return f"{type(self).__name__}({self.name!r}, {state})"


class Timeout(Signal):
    """A signal that fires ``delay_ps`` after its creation.

    A process that yields a fresh timeout is resumed directly by the kernel
    (one event); the timeout becomes a scheduled event of its own only when
    something else subscribes to it, e.g. :func:`any_of`.
    """

    __slots__ = ("_handle", "time_ps")

    def __init__(self, sim: Simulator, delay_ps: int, value: Any = None) -> None:
        # Hot path of every process step: set the slots directly, skip
        # Signal.__init__ and format the name only when asked for.
        if delay_ps.__class__ is not int or delay_ps < 0:
            delay_ps = _check_delay(delay_ps)
        self.sim = sim
        self.time_ps = sim.now + delay_ps
        self.value = value
        self.triggered = False
        self._callbacks = []
        self._handle = None

    @property  # type: ignore[override]
    def name(self) -> str:
        return f"timeout@{self.time_ps}"

    def add_callback(self, callback: Callable[[Any], Any]) -> None:
        if self._handle is None and not self.triggered:
            self._handle = self.sim.schedule_at(self.time_ps, self.fire, self.value)
        super().add_callback(callback)

    def fire(self, value: Any = None) -> None:
        self._handle = None
        super().fire(value)

    def disarm(self) -> None:
        """Cancel the scheduled firing (used when nobody waits any more)."""
        if self._handle is not None:
            self.sim.cancel(self._handle)
            self._handle = None


class Process(Signal):
    """A running generator; as a :class:`Signal`, it fires with the return value.

    Create it with :meth:`Simulator.process`. An exception inside the
    generator ends the simulation run with a
    :class:`~qdcnet.errors.SimulationError` naming the process and the time.
    """

    __slots__ = ("_generator", "_on_signal", "_pending", "_resume_callback", "_send",
                 "_waiting_on")

    def __init__(
        self, sim: Simulator, generator: Generator[Any, Any, Any], name: str | None = None
    ) -> None:
        if not hasattr(generator, "send") or not hasattr(generator, "throw"):
            raise QdcnetError(
                "process() needs a generator (a function that yields), "
                f"got {type(generator).__name__}"
            )
        super().__init__(sim, name or getattr(generator, "__qualname__", "process"))
        self._generator = generator
        self._send = generator.send
        # Bound once: creating a bound method per step is measurable.
        self._resume_callback = self._resume
        self._on_signal = self._resume_from_signal
        self._waiting_on: Signal | None = None
        self._pending: Handle | None = sim.schedule(0, self._resume_callback, None)

    @property
    def is_alive(self) -> bool:
        return not self.triggered

    def _resume(self, value: Any) -> None:
        try:
            target = self._send(value)
        except StopIteration as stop:
            self._pending = None
            self.fire(stop.value)
            return
        if target.__class__ is Timeout and target._handle is None and not target.triggered:
            # Fast path: push our own resumption; the timeout needs no event.
            sim = self.sim
            seq = sim._next_seq
            sim._next_seq = seq + 1
            heappush(sim._heap, (target.time_ps, 0, seq, self._resume_callback, (target.value,)))
            self._pending = seq
        else:
            self._pending = None
            self._wait(target)

    def _resume_from_signal(self, value: Any) -> None:
        self._waiting_on = None
        self._resume(value)

    def _throw(self, exc: BaseException) -> None:
        self._pending = None
        try:
            target = self._generator.throw(exc)
        except StopIteration as stop:
            self.fire(stop.value)
            return
        self._wait(target)

    def _wait(self, target: Any) -> None:
        if target.__class__ is Timeout and target._handle is None and not target.triggered:
            self._pending = self.sim.schedule_at(target.time_ps, self._resume_callback,
                                                 target.value)
        elif isinstance(target, Signal):
            self._waiting_on = target
            target.add_callback(self._on_signal)
        else:
            self._generator.close()
            raise QdcnetError(
                f"process {self.name} yielded {target!r}; yield a timeout, a Signal or a Process"
            )

    def interrupt(self, cause: Any = None) -> None:
        """Throw :class:`Interrupt` into the process at the current time.

        Whatever it was waiting for is abandoned.
        """
        if self.triggered:
            raise QdcnetError(f"process {self.name} has finished and cannot be interrupted")
        if self._pending is not None:
            self.sim.cancel(self._pending)
            self._pending = None
        if self._waiting_on is not None:
            self._waiting_on.remove_callback(self._on_signal)
            if isinstance(self._waiting_on, Timeout) and not self._waiting_on._callbacks:
                self._waiting_on.disarm()
            self._waiting_on = None
        self._pending = self.sim.schedule(0, self._throw, Interrupt(cause))


def any_of(sim: Simulator, *signals: Signal) -> Signal:
    """A signal that fires with ``(winner, value)`` when the first of ``signals`` fires.

    Timeouts among them that did not win are disarmed.

    >>> sim = Simulator(seed=0)
    >>> reply = sim.signal("reply")
    >>> def client():
    ...     winner, _ = yield sim.any_of(reply, sim.timeout(1_000))
    ...     return "timed out" if winner is not reply else "answered"
    >>> proc = sim.process(client())
    >>> sim.run()
    >>> proc.value
    'timed out'
    """
    if not signals:
        raise QdcnetError("any_of() needs at least one signal")
    combined = Signal(sim, "any_of")
    callbacks: list[tuple[Signal, Callable[[Any], None]]] = []

    def make(signal: Signal) -> Callable[[Any], None]:
        def on_fire(value: Any) -> None:
            if combined.triggered:
                return
            for other, callback in callbacks:
                if other is not signal:
                    other.remove_callback(callback)
                    if isinstance(other, Timeout) and not other._callbacks:
                        other.disarm()
            combined.fire((signal, value))

        return on_fire

    for signal in signals:
        callback = make(signal)
        callbacks.append((signal, callback))
        signal.add_callback(callback)
    return combined
