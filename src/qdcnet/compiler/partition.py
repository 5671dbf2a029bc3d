"""The ``partition`` pass: where each qubit (or segment) lives and where each gate runs.

Two models, as in the literature:

* ``fixed`` — each qubit stays on one QPU; ebits come from sharing qubits
  (cat-entanglement with embedding). Comparable with pytket-dqc.
* ``teleport`` — qubits may also move between segments (one ebit per
  teleportation), as in DISQCO; it starts from the fixed solution, so it is
  never worse.

Search: multilevel FM on the hypergraph (:mod:`.partitioner`), then a search
over qubit positions with gates placed exactly (:mod:`.placement`), FM again
for gates that gain from a third QPU, then a network-aware relabelling of
blocks onto QPUs of equal size, and for ``teleport`` a temporal refinement.
Several seeds may run; the cheapest result wins and its seed is recorded.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from qdcnet.compiler.frontend import CircuitError
from qdcnet.compiler.hypergraph import (
    CircuitSegments,
    Hypergraph,
    analyse_segments,
    build_hypergraph,
)
from qdcnet.compiler.ir import Circuit
from qdcnet.compiler.partitioner import (
    exchange_search,
    fm_refine,
    owner_search,
    partition,
    v_cycle,
)
from qdcnet.compiler.remote import Assignment
from qdcnet.compiler.target import CompileTarget
from qdcnet.errors import ParameterError

if TYPE_CHECKING:
    from qdcnet.compiler.passes import CompileState

__all__ = ["MODELS", "Partition"]

MODELS = ("fixed", "teleport")
#: distance charged for a QPU without communication qubits: never worth a cut
_NO_LINK = 10 ** 6
#: prices (in ebits, for the longest copy) tried for long-lived copies; 0 breaks ties only
_LIFETIME_PENALTIES = (0.0, 0.5, 1.0, 2.0)


@dataclass(frozen=True)
class Partition:
    """Assign qubits and gates to QPUs, minimising (network-weighted) ebits."""

    model: str = "fixed"
    seeds: int = 1
    seed: int = 0
    embed: bool = True
    search_evaluations: int = 3000

    name = "partition"
    reports_steps = True  # one step per seed (see PassManager.run)

    def __post_init__(self) -> None:
        if self.model not in MODELS:
            raise ParameterError("model", self.model, " or ".join(MODELS))
        if self.seeds < 1:
            raise ParameterError("seeds", self.seeds, ">= 1")

    def run(self, state: CompileState, *,
            on_step: Callable[[int, int], None] | None = None) -> CompileState:
        """The state's ``normalized`` circuit assigned: its ``segments`` and ``assignment``."""
        segments, assignment = self.assign(state.need("normalized", self.name), state.target,
                                           on_step=on_step)
        return dataclasses.replace(state, segments=segments, assignment=assignment)

    def assign(self, circuit: Circuit, target: CompileTarget, *,
               on_step: Callable[[int, int], None] | None = None
               ) -> tuple[CircuitSegments, Assignment]:
        """Segments of a normalized ``circuit`` and the cheapest assignment found.

        ``on_step(done, seeds)`` is called after each seed's search.
        """
        if circuit.num_qubits > target.capacity:
            raise CircuitError(
                f"circuit {circuit.name!r} has {circuit.num_qubits} qubits but the QPUs hold "
                f"{target.capacity} data qubits together "
                f"({', '.join(f'{q.name}: {q.data_qubits}' for q in target.qpus)})")
        if self.model == "teleport" and circuit.num_two_qubit_gates and len(target.qpus) > 1:
            short = [q.name for q in target.qpus if q.comm_qubits < 2]
            if short:
                raise CircuitError(
                    "the teleport model needs two communication qubits per QPU (one to "
                    "receive a qubit while another leaves when both QPUs are full); "
                    f"{', '.join(short)} have fewer: use model='fixed' or add some")
        segs = analyse_segments(circuit, embed=self.embed)
        k = len(target.qpus)
        distance = [[0.0 if i == j else float(
            _NO_LINK if not (target.qpus[i].comm_qubits and target.qpus[j].comm_qubits)
            else target.distance[i][j]) for j in range(k)] for i in range(k)]
        capacity = [q.data_qubits for q in target.qpus]
        fixed = build_hypergraph(segs, movable=False)
        moving = build_hypergraph(segs, movable=True) if self.model == "teleport" else None
        best: tuple[int, float, int, Assignment] | None = None
        for seed in range(self.seed, self.seed + self.seeds):
            part = self._fixed(fixed, capacity, distance, seed, target)
            if moving is None:
                hg, final = fixed, part
            else:
                hg, final = moving, self._temporal(segs, fixed, moving, part, capacity,
                                                    distance, seed)
            realized, assignment = self._choose(circuit, segs, hg, final, distance, seed,
                                                target, movable=moving is not None)
            key = (realized, assignment.planned_cost)
            if best is None or key < best[:2]:
                best = (realized, assignment.planned_cost, seed, assignment)
            if on_step is not None:
                on_step(seed - self.seed + 1, self.seeds)
        assert best is not None
        return segs, best[3]

    def _temporal(self, segs: CircuitSegments, fixed: Hypergraph, moving: Hypergraph,
                  part: list[int], capacity: list[int], distance: list[list[float]],
                  seed: int) -> list[int]:
        """Let qubits move: start from the fixed solution and refine on the time-layered graph."""
        moved = self._project(segs, fixed, moving, part)
        rng = np.random.default_rng(seed)
        exchange_search(moving, self._chains(segs, moving), moved, distance, rng,
                        max_evaluations=self.search_evaluations)
        fm_refine(moving, moved, capacity, distance, rng)
        return list(v_cycle(moving, moved, capacity, distance, seed=seed).part)

    def _choose(self, circuit: Circuit, segs: CircuitSegments, hg: Hypergraph,
                part: list[int], distance: list[list[float]], seed: int,
                target: CompileTarget, *, movable: bool) -> tuple[int, Assignment]:
        """The searched placement, or the same owners with shorter-lived copies: fewer ebits wins.

        The partition counts one ebit per shared segment as if a copy could live
        as long as its segment; with few communication qubits, long-lived copies
        get evicted and re-made. So the same qubit positions are also tried with
        gates placed to favour short copies (first among equal-cost placements,
        then at a growing price in ebits); every candidate goes through
        ``remote_ops`` and the one that really needs fewest ebits is kept.
        """
        from qdcnet.compiler.placement import GateStructure, place_gates
        from qdcnet.compiler.remote import RemoteOps

        structure = GateStructure(hg)
        options = [part]
        for penalty in _LIFETIME_PENALTIES:
            option = list(part)
            place_gates(structure, option, distance, short_copies=True,
                        lifetime_penalty=penalty)
            if option not in options:
                options.append(option)
        candidates = []
        for option in options:
            assignment = self._assignment(segs, hg, option, distance, seed, movable=movable)
            program = RemoteOps().build(circuit, segs, assignment, target)
            candidates.append((program.num_ebits, assignment.planned_cost, len(candidates),
                               assignment))
        chosen = min(candidates, key=lambda c: c[:3])
        return chosen[0], chosen[3]

    def _fixed(self, hg: Hypergraph, capacity: list[int], distance: list[list[float]],
               seed: int, target: CompileTarget) -> list[int]:
        rng = np.random.default_rng(seed)
        if len(capacity) == 1:
            return [0] * hg.num_vertices
        try:
            part = list(partition(hg, capacity, distance, seed=seed).part)
        except ValueError:
            raise CircuitError("no assignment of the circuit's qubits fits the QPUs' "
                               "capacities") from None
        # Each evaluation costs time in proportion to the gates; keep big circuits brisk.
        gates = sum(1 for kind, _ in hg.labels if kind == "gate")
        budget = min(self.search_evaluations, max(500, 2_000_000 // max(1, gates)))
        owner_search(hg, part, capacity, distance, rng, max_evaluations=budget)
        fm_refine(hg, part, capacity, distance, rng)
        relabelled = _relabel(hg, part, target, distance)
        if relabelled != part:
            part = relabelled
            fm_refine(hg, part, capacity, distance, rng)
        return part

    @staticmethod
    def _project(segs: CircuitSegments, fixed: Hypergraph, moving: Hypergraph,
                 part: list[int]) -> list[int]:
        gate_vertex = {label[1]: v for v, label in enumerate(fixed.labels) if label[0] == "gate"}
        out = []
        for kind, index in moving.labels:
            if kind == "segment":
                out.append(part[segs.segments[index].qubit])
            elif kind == "idle":
                out.append(part[index])
            else:
                out.append(part[gate_vertex[index]])
        return out

    @staticmethod
    def _chains(segs: CircuitSegments, moving: Hypergraph) -> list[list[int]]:
        chains: list[list[int]] = [[] for _ in range(segs.circuit.num_qubits)]
        for v, (kind, index) in enumerate(moving.labels):
            if kind == "segment":
                chains[segs.segments[index].qubit].append(v)
            elif kind == "idle":
                chains[index].append(v)
        return chains

    def _assignment(self, segs: CircuitSegments, hg: Hypergraph, part: list[int],
                    distance: list[list[float]], seed: int, *, movable: bool) -> Assignment:
        segment_block = [0] * len(segs.segments)
        gate_block: dict[int, int] = {}
        initial = [-1] * segs.circuit.num_qubits
        for v, (kind, index) in enumerate(hg.labels):
            if kind == "qubit" or kind == "idle":
                initial[index] = part[v]
            elif kind == "segment":
                segment_block[index] = part[v]
            else:
                gate_block[index] = part[v]
        if not movable:
            for s, seg in enumerate(segs.segments):
                segment_block[s] = initial[seg.qubit]
        else:
            for q, chain in enumerate(segs.by_qubit):
                if chain:
                    initial[q] = segment_block[chain[0]]
        planned_cost = hg.cost(part, distance)
        if planned_cost >= _NO_LINK:
            raise CircuitError("the circuit needs ebits between QPUs that have no "
                               "communication qubits")
        return Assignment(
            model="teleport" if movable else "fixed",
            segment_block=tuple(segment_block), gate_block=gate_block,
            initial_block=tuple(initial), planned_cost=planned_cost,
            planned_ebits=round(hg.cost(part, None)), seed=seed)


def _relabel(hg: Hypergraph, part: list[int], target: CompileTarget,
             distance: list[list[float]]) -> list[int]:
    """Permute blocks among interchangeable QPUs to put heavy traffic on short distances."""
    k = len(target.qpus)
    traffic = np.zeros((k, k))
    for pins, w in zip(hg.pins, hg.weights, strict=True):
        root = part[pins[0]]
        for b in {part[v] for v in pins[1:]} - {root}:
            traffic[root, b] += w
    if not traffic.any():
        return part
    dist = np.asarray(distance)
    groups: dict[tuple[int, int, tuple[str, ...]], list[int]] = {}
    for i, q in enumerate(target.qpus):
        groups.setdefault((q.data_qubits, q.comm_qubits, q.native_gates), []).append(i)
    members = [g for g in groups.values() if len(g) > 1]
    if not members:
        return part
    count = math.prod(math.factorial(len(g)) for g in members)
    best_perm = list(range(k))
    best_cost = float((traffic * dist).sum())
    if count <= 40320:
        for choice in itertools.product(*(itertools.permutations(g) for g in members)):
            perm = list(range(k))
            for group, image in zip(members, choice, strict=True):
                for src, dst in zip(group, image, strict=True):
                    perm[src] = dst
            cost = float((traffic * dist[np.ix_(perm, perm)]).sum())
            if cost < best_cost - 1e-9:
                best_cost, best_perm = cost, perm
    else:
        improved = True
        perm = list(range(k))
        while improved:
            improved = False
            for group in members:
                for a, b in itertools.combinations(group, 2):
                    trial = list(perm)
                    trial[a], trial[b] = trial[b], trial[a]
                    cost = float((traffic * dist[np.ix_(trial, trial)]).sum())
                    if cost < best_cost - 1e-9:
                        best_cost, perm, best_perm = cost, trial, trial
                        improved = True
    return [best_perm[b] for b in part]
