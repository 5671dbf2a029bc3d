"""Where a running job's ebits come from: the orchestrator, per ebit or as standing streams.

:class:`JitSupplier` asks the orchestrator for one pair when the operation
is ready for it (admission, reservation and generation on the critical path).
:class:`StreamSupplier` opens one standing stream per QPU pair when the job
starts (one admission and reservation each) and takes pairs from it as soon
as the job's communication qubits allow, so pairs for later operations, and
for the next shot, are made while the QPUs compute.

Stream widths come from the program (:func:`stream_widths`): per QPU pair,
the most ebits of that pair open at once in program order. A narrower stream
could deadlock (an ebit waiting for its stream's slot, held by a copy whose
last use waits for an ebit queued behind it), so if the widths at a QPU add
up to more than its communication qubits, streams do not fit and the job
runs just in time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from qdcnet.control.admission import Refusal
from qdcnet.control.streams import EntanglementStream, request_pair
from qdcnet.errors import QdcnetError

if TYPE_CHECKING:
    from qdcnet.control.orchestrator import Orchestrator
    from qdcnet.schedule.timing import EbitNeed, ProgramTiming

__all__ = ["JitSupplier", "StreamSupplier", "stream_widths"]


def _key(qpus: tuple[str, str]) -> tuple[str, str]:
    a, b = qpus
    return (a, b) if a <= b else (b, a)


@dataclass
class JitSupplier:
    """One orchestrator request per ebit, made when its operation is ready.

    ``min_fidelity`` per QPU pair (either order) is the fidelity each pair
    must have at delivery; the planner chooses path and distillation for it.
    """

    orchestrator: Orchestrator
    min_fidelity: Mapping[tuple[str, str], float | None] = field(default_factory=dict)
    name: str = "job"
    eager: bool = False
    requests: int = 0

    def want(self, qpus: tuple[str, str], ebit: EbitNeed,
             deliver: Callable[[Any], None]) -> None:
        self.requests += 1
        signal = request_pair(self.orchestrator, qpus[0], qpus[1],
                              min_fidelity=self.min_fidelity.get(_key(qpus)), streams=1,
                              name=f"{self.name}.e{ebit.index}")
        signal.add_callback(lambda got: deliver(_lease_or_reason(got)))

    def close(self) -> None:
        return None


@dataclass
class StreamSupplier:
    """Standing streams, one per QPU pair of the program, opened at once.

    ``widths`` per QPU pair (from :func:`stream_widths`); ``min_fidelity``
    and ``max_age_s`` per pair: the delivery target and how long a buffered
    pair may wait before a fresh one replaces it.
    """

    orchestrator: Orchestrator
    widths: Mapping[tuple[str, str], int]
    min_fidelity: Mapping[tuple[str, str], float | None] = field(default_factory=dict)
    max_age_s: Mapping[tuple[str, str], float | None] = field(default_factory=dict)
    name: str = "job"
    eager: bool = True
    streams: dict[tuple[str, str], EntanglementStream] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for pair, width in sorted(self.widths.items()):
            self.streams[pair] = EntanglementStream(
                self.orchestrator, pair[0], pair[1], min_fidelity=self.min_fidelity.get(pair),
                streams=width, max_age_s=self.max_age_s.get(pair),
                name=f"{self.name}.{pair[0]}-{pair[1]}")

    def want(self, qpus: tuple[str, str], ebit: EbitNeed,
             deliver: Callable[[Any], None]) -> None:
        stream = self.streams.get(_key(qpus))
        if stream is None:
            raise QdcnetError(f"{self.name}: no stream between {qpus[0]} and {qpus[1]}")
        stream.next_pair().add_callback(lambda got: deliver(_lease_or_reason(got)))

    def close(self) -> None:
        for stream in self.streams.values():
            if not stream.closed:
                stream.close()


def _lease_or_reason(got: Any) -> Any:
    if isinstance(got, Refusal):
        return got.reason
    return got


def stream_widths(timing: ProgramTiming, comm_qubits: Mapping[str, int]
                  ) -> dict[tuple[str, str], int] | str:
    """Per QPU pair, how many communication qubits its stream holds; or why streams cannot fit.

    The width is the most ebits of the pair open at once in program order (a
    copy or a parked qubit holds its slot until its last use).

    >>> from types import SimpleNamespace as NS
    >>> ebits = (NS(qpus=("a", "b"), first=(0, 1), last=(4, 5)),
    ...          NS(qpus=("a", "b"), first=(2, 3), last=(6, 7)))
    >>> stream_widths(NS(ebits=ebits), {"a": 2, "b": 2})
    {('a', 'b'): 2}
    >>> stream_widths(NS(ebits=ebits), {"a": 1, "b": 2})
    'a needs 2 communication qubit(s) for standing streams to b and has 1'
    """
    events: list[tuple[int, int, tuple[str, str]]] = []
    for e in timing.ebits:
        pair = _key(e.qpus)
        events.append((min(e.first), 1, pair))
        events.append((max(e.last), -1, pair))
    events.sort(key=lambda item: (item[0], item[1]))  # a release before an open at one index
    open_now: dict[tuple[str, str], int] = {}
    widths: dict[tuple[str, str], int] = {}
    for _, step, pair in events:
        open_now[pair] = open_now.get(pair, 0) + step
        widths[pair] = max(widths.get(pair, 0), open_now[pair])
    for qpu in sorted({q for pair in widths for q in pair}):
        mine = sorted(pair for pair in widths if qpu in pair)
        need = sum(widths[p] for p in mine)
        capacity = int(comm_qubits.get(qpu, 0))
        if need > capacity:
            partners = ", ".join(b if a == qpu else a for a, b in mine)
            return (f"{qpu} needs {need} communication qubit(s) for standing streams to "
                    f"{partners} and has {capacity}")
    return widths
