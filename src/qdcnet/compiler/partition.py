"""The ``partition`` pass: where each qubit (or segment) lives and where each gate runs.

Two models, as in the literature:

* ``fixed`` — each qubit stays on one QPU; ebits come from sharing qubits
  (cat-entanglement with embedding). Comparable with pytket-dqc.
* ``teleport`` — qubits may also move between segments (one ebit per
  teleportation), as in DISQCO; it starts from the fixed solution, so it is
  never worse.

Search: multilevel FM on the hypergraph (:mod:`.partitioner`), then a search
over qubit positions with gates placed exactly (:mod:`.placement`), FM again
for gates that gain from a third QPU, V-cycles (re-coarsening around the
current blocks) until three in a row find nothing, then a network-aware
relabelling of blocks onto QPUs of equal size, and for ``teleport`` a temporal
refinement. The first start also refines a spectral start (qubits ordered by
the interaction graph's Fiedler vector, cut into contiguous blocks), which
finds the few cuts of chain-like circuits that random starts often miss.
V-cycles and the spectral start are skipped above 4,000 two-qubit gates.
By default the search is a multi-start: starts with seeds ``seed``,
``seed + 1``, ... run until ``patience`` starts in a row found nothing
cheaper, ``starts`` have run, or the gate budget (starts times two-qubit
gates) is spent. The cheapest result wins (fewest ebits that ``remote_ops``
really needs, then the plan) and its seed is recorded. Every stopping rule
counts work, never wall time, so the result is a pure function of the seed.

The hypergraph prices a shared segment once however long its copy lives;
with few communication qubits some copies must be closed and made again. When
the best start's schedule needs more ebits than its plan, a last search
(fixed model) moves and swaps the qubits with the most extra copies, scored
by the communication-limited schedule itself; the assignment's
``details["comm_planned_ebits"]`` is that figure, ``planned_ebits`` the
unlimited plan.
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
from qdcnet.compiler.program import DistributedProgram
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
#: above this many two-qubit gates, one short-copy candidate instead of one per penalty
_FEW_CANDIDATES_ABOVE = 10_000
#: evaluations (one ``remote_ops`` walk each) of the communication-limit search: at most
#: this many, and at most this many two-qubit gates x evaluations; fewer than
#: _LIMIT_SEARCH_MIN and the search is skipped (a walk of a huge circuit takes seconds)
_LIMIT_SEARCH_MAX, _LIMIT_SEARCH_GATES, _LIMIT_SEARCH_MIN = 60, 50_000, 10
#: default search effort: at most this many starts ...
DEFAULT_STARTS = 16
#: ... stopping after this many in a row that found nothing cheaper ...
DEFAULT_PATIENCE = 6
#: ... or once starts x two-qubit gates reaches this (big circuits get one or a few starts)
DEFAULT_GATE_BUDGET = 12_000
#: each start ends with V-cycles (re-coarsen around the partition, refine on the way back)
#: until this many in a row found nothing cheaper, at most _VCYCLES_MAX of them, and at most
#: _VCYCLE_GATES / two-qubit gates (a cycle costs about a partition)
_VCYCLE_PATIENCE, _VCYCLES_MAX, _VCYCLE_GATES = 3, 16, 16_000
#: above this many two-qubit gates, neither V-cycles nor the spectral start (the first
#: start's extra candidate, for circuits of up to _SPECTRAL_MAX_QUBITS qubits): the scale
#: goals (40,000 gates partitioned in 10 s) leave no room for them
_REFINE_MAX_GATES, _SPECTRAL_MAX_QUBITS = 4_000, 1_000
#: relabellings of interchangeable QPUs tried one by one up to this many (6!); above, pairwise
#: swaps until none helps (eight alike QPUs at unequal distances made 8! = 40,320 a start)
_RELABEL_EXHAUSTIVE = 720


@dataclass(frozen=True)
class Partition:
    """Assign qubits and gates to QPUs, minimising (network-weighted) ebits."""

    model: str = "fixed"
    seed: int = 0
    starts: int = DEFAULT_STARTS
    patience: int = DEFAULT_PATIENCE
    gate_budget: int = DEFAULT_GATE_BUDGET
    embed: bool = True
    search_evaluations: int = 3000

    name = "partition"
    reports_steps = True  # one step per start (see PassManager.run)

    def __post_init__(self) -> None:
        if self.model not in MODELS:
            raise ParameterError("model", self.model, " or ".join(MODELS))
        for field_name in ("starts", "patience", "gate_budget"):
            value = getattr(self, field_name)
            if value < 1:
                raise ParameterError(field_name, value, ">= 1")

    def planned_starts(self, two_qubit_gates: int) -> int:
        """The most starts this effort allows a circuit of ``two_qubit_gates``.

        >>> Partition().planned_starts(400), Partition().planned_starts(5_000)
        (16, 2)
        """
        return max(1, min(self.starts, self.gate_budget // max(1, two_qubit_gates)))

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

        ``on_step(done, most)`` is called after each start (``most``: the
        starts the budget allows; the search may stop earlier).
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
        most = self.planned_starts(circuit.num_two_qubit_gates)
        since_better = 0
        for seed in range(self.seed, self.seed + most):
            part = self._fixed(fixed, capacity, distance, seed, target)
            stay: list[int] | None = None
            if moving is None:
                hg, final = fixed, part
            else:
                # The fixed solution, no qubit moving, stays a candidate: the walk can
                # always run it, and teleporting is then never worse than staying.
                stay = self._project(segs, fixed, moving, part)
                hg, final = moving, self._temporal(segs, fixed, moving, part, capacity,
                                                    distance, seed)
            realized, assignment, placed, program = self._choose(
                circuit, segs, hg, final, distance, seed, target, movable=moving is not None,
                fallback=stay)
            key = (realized, assignment.planned_cost)
            if best is None or key < best[:2]:
                best = (realized, assignment.planned_cost, seed, assignment)
                best_hg, best_placed, best_program = hg, placed, program
                since_better = 0
            else:
                since_better += 1
            if on_step is not None:
                on_step(seed - self.seed + 1, most)
            if since_better >= self.patience:
                break
        assert best is not None
        realized, assignment = best[0], best[3]
        if moving is None and realized > assignment.planned_ebits:
            realized, assignment = self._within_limits(circuit, segs, best_hg, best_placed,
                                                       best_program, assignment, capacity,
                                                       distance, target)
        details = {**assignment.details, "starts_run": seed - self.seed + 1,
                   "starts_allowed": most, "comm_planned_ebits": realized}
        return segs, dataclasses.replace(assignment, details=details)

    def _within_limits(self, circuit: Circuit, segs: CircuitSegments, hg: Hypergraph,
                       part: list[int], program: DistributedProgram, assignment: Assignment,
                       capacity: list[int], distance: list[list[float]],
                       target: CompileTarget) -> tuple[int, Assignment]:
        """Move and swap the qubits whose copies the communication qubits could not hold.

        The hypergraph prices a segment's copy once, however long it must
        live; with few communication qubits some copies are closed early and
        made again. Here the objective is the ebits of the communication-limited
        schedule itself (``remote_ops`` with its commutation-aware order), and
        the qubits with the most copies made beyond the plan are moved or swapped
        first (first improvement, a bounded number of evaluations). Fixed model.
        """
        from qdcnet.compiler.placement import GateStructure, place_gates
        from qdcnet.compiler.remote import RemoteOps

        realized = program.num_ebits
        structure = GateStructure(hg)
        owners = [v for v, (kind, _) in enumerate(hg.labels) if kind == "qubit"]
        qubit_of = {v: hg.labels[v][1] for v in owners}
        gates = max(1, circuit.num_two_qubit_gates)
        budget = min(_LIMIT_SEARCH_MAX, _LIMIT_SEARCH_GATES // gates)
        if budget < _LIMIT_SEARCH_MIN:
            return realized, assignment
        neighbours: dict[int, set[int]] = {v: set() for v in owners}
        for pins in hg.pins:
            root = pins[0]
            for gate in pins[1:]:
                for e in hg.vertex_edges[gate]:
                    other = hg.pins[e][0]
                    if other != root and other in neighbours:
                        neighbours[root].add(other)

        def evaluate(trial: list[int]) -> tuple[int, Assignment, list[int], DistributedProgram]:
            placed = list(trial)
            place_gates(structure, placed, distance, short_copies=True)
            option = self._assignment(segs, hg, placed, distance, assignment.seed,
                                      movable=False)
            program = RemoteOps().build(circuit, segs, option, target)
            return program.num_ebits, option, placed, program

        def excess(program: DistributedProgram, placed: list[int]) -> list[int]:
            """Owner vertices by copies made beyond one per shared segment and QPU."""
            made: dict[int, int] = {}
            for op in program.operations:
                if op.kind == "cat_entangle":
                    made[op.qubits[0]] = made.get(op.qubits[0], 0) + 1
            planned: dict[int, int] = {}
            for pins in hg.pins:
                q = qubit_of.get(pins[0])
                if q is not None:
                    home = placed[pins[0]]
                    planned[q] = planned.get(q, 0) + len({placed[g] for g in pins[1:]} - {home})
            over = [(made.get(qubit_of[v], 0) - planned.get(qubit_of[v], 0), -v) for v in owners]
            return [-negative for extra, negative in sorted(over, reverse=True) if extra > 0]

        load = [0] * len(capacity)
        for v in owners:
            load[part[v]] += 1
        evaluations = 0
        improved = True
        while improved and evaluations < budget:
            improved = False
            for v in excess(program, part):
                a = part[v]
                trials: list[dict[int, int]] = [{v: b} for b in range(len(capacity))
                                                if b != a and load[b] < capacity[b]]
                trials += [{v: part[u], u: a} for u in sorted(neighbours[v])
                           if part[u] != a]
                for moved in trials:
                    if evaluations >= budget:
                        break
                    trial = list(part)
                    for u, b in moved.items():
                        trial[u] = b
                    cost, option, placed, built = evaluate(trial)
                    evaluations += 1
                    if cost < realized:
                        for u, b in moved.items():
                            load[part[u]] -= 1
                            load[b] += 1
                        realized, assignment, part, program = cost, option, placed, built
                        improved = True
                        break
                if improved or evaluations >= budget:
                    break
        return realized, assignment

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
                target: CompileTarget, *, movable: bool,
                fallback: list[int] | None = None
                ) -> tuple[int, Assignment, list[int], DistributedProgram]:
        """The searched placement, or the same owners with shorter-lived copies: fewer ebits wins.

        The partition counts one ebit per shared segment as if a copy could live
        as long as its segment; with few communication qubits, long-lived copies
        get evicted and re-made. So the same qubit positions are also tried with
        gates placed to favour short copies (first among equal-cost placements,
        then at a growing price in ebits); every candidate goes through
        ``remote_ops`` and the one that really needs fewest ebits is kept.
        A candidate the walk cannot run (teleported qubits parked in every
        communication qubit a copy needs) is dropped; ``fallback`` (a placement
        the walk can always run) is tried last.
        """
        from qdcnet.compiler.placement import GateStructure, place_gates
        from qdcnet.compiler.remote import RemoteOps

        structure = GateStructure(hg)
        # Each candidate costs a remote_ops walk: big circuits try the plain short-copy one
        # alone (its gates are placed optimally for the same owners, so its plan is never
        # dearer than the searched placement's).
        big = circuit.num_two_qubit_gates > _FEW_CANDIDATES_ABOVE
        options = [] if big else [part]
        for penalty in _LIFETIME_PENALTIES[:1] if big else _LIFETIME_PENALTIES:
            option = list(part)
            place_gates(structure, option, distance, short_copies=True,
                        lifetime_penalty=penalty)
            if option not in options:
                options.append(option)
        if fallback is not None and fallback not in options:
            options.append(fallback)
        candidates = []
        refusal: CircuitError | None = None
        for option in options:
            assignment = self._assignment(segs, hg, option, distance, seed, movable=movable)
            try:
                program = RemoteOps().build(circuit, segs, assignment, target)
            except CircuitError as exc:
                refusal = exc
                continue
            candidates.append((program.num_ebits, assignment.planned_cost, len(candidates),
                               assignment, option, program))
        if not candidates:
            assert refusal is not None
            raise refusal
        chosen = min(candidates, key=lambda c: c[:3])
        return chosen[0], chosen[3], chosen[4], chosen[5]

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
        if gates > _REFINE_MAX_GATES:
            cycles = 0
        else:
            cycles = min(_VCYCLES_MAX, _VCYCLE_GATES // max(1, gates))
        part = _v_cycles(hg, part, capacity, distance, seed, cycles)
        if (seed == self.seed and cycles
                and hg.num_vertices - gates <= _SPECTRAL_MAX_QUBITS):
            spectral = _spectral_start(hg, capacity, distance)
            if spectral is not None:
                fm_refine(hg, spectral, capacity, distance, rng)
                spectral = _v_cycles(hg, spectral, capacity, distance, seed, cycles)
                if hg.cost(spectral, distance) < hg.cost(part, distance) - 1e-9:
                    part = spectral
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


def _spectral_start(hg: Hypergraph, capacity: list[int],
                    distance: list[list[float]]) -> list[int] | None:
    """Qubits in the order of the interaction graph's Fiedler vector, cut into blocks.

    A circuit whose qubits interact along a line (a ripple-carry adder, a
    Trotterized spin chain) is cut best into contiguous runs of that line;
    FM from a random start often splits the line in more places than it must
    (the 32-qubit ripple adder on 4 modules: 12 to 24 ebits over 20 seeds,
    12 from this start). Gates are then placed exactly for those owners. None
    when the graph has no edge to order by.
    """
    from qdcnet.compiler.placement import GateStructure, place_gates

    structure = GateStructure(hg)
    owners = sorted((label[1], v) for v, label in enumerate(hg.labels) if label[0] == "qubit")
    row = {v: i for i, (_, v) in enumerate(owners)}
    n = len(owners)
    weights = np.zeros((n, n))
    for e1, e2 in structure.edge_pairs:
        a, b = row[structure.roots[e1]], row[structure.roots[e2]]
        if a != b:
            weights[a, b] += 1.0
            weights[b, a] += 1.0
    if n < 2 or not weights.any():
        return None
    laplacian = np.diag(weights.sum(axis=1)) - weights
    fiedler = np.linalg.eigh(laplacian)[1][:, 1]
    # The eigenvector's sign is arbitrary: fix it so the result does not depend on LAPACK.
    if fiedler[np.argmax(np.abs(fiedler))] < 0:
        fiedler = -fiedler
    part = [0] * hg.num_vertices
    block = used = 0
    for i in np.lexsort((np.arange(n), np.round(fiedler, 12))):
        while used >= capacity[block]:
            block, used = block + 1, 0
        part[owners[i][1]] = block
        used += 1
    place_gates(structure, part, distance)
    return part


def _v_cycles(hg: Hypergraph, part: list[int], capacity: list[int],
              distance: list[list[float]], seed: int, most: int) -> list[int]:
    """``part`` after V-cycles with their own seeds until _VCYCLE_PATIENCE fail in a row.

    One multilevel pass leaves a local minimum of its own hierarchy; a new
    coarsening that respects the current blocks can merge vertices the first one
    kept apart and so move clusters FM could not move one vertex at a time (on
    QFT-32 over 4 modules: 42 ebits to 33).
    """
    cost = hg.cost(part, distance)
    failed = 0
    for cycle in range(most):
        if failed >= _VCYCLE_PATIENCE:
            break
        result = v_cycle(hg, part, capacity, distance, seed=(seed + 1) * 1_000 + cycle)
        if result.cost < cost - 1e-9:
            part, cost, failed = list(result.part), result.cost, 0
        else:
            failed += 1
    return part


def _relabel(hg: Hypergraph, part: list[int], target: CompileTarget,
             distance: list[list[float]]) -> list[int]:
    """Permute blocks among interchangeable QPUs to put heavy traffic on short distances."""
    k = len(target.qpus)
    if len({distance[i][j] for i in range(k) for j in range(k) if i != j}) <= 1:
        return part  # equally distant QPUs: every relabelling costs the same
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
    if count <= _RELABEL_EXHAUSTIVE:
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
