"""Place a distributed program in time: one pass over its instructions in program order.

:func:`schedule_program` walks the instructions of :class:`ProgramTiming`
in program order and gives each the earliest start its dependencies allow:
the previous instruction on each slot, each condition bit's measurement
plus the classical latency between the QPUs, and, on an ebit's first
touch, the pair and the operation's other inputs. Before an operation's
instructions it places the operation's ebits:

1. **binding in order**: each end takes the physical communication qubit of
   its QPU that frees first (a qubit is held from generation to the end of
   the last instruction on the logical slot);
2. the policy turns ``earliest`` (both qubits free) and ``need`` (the
   ``need_deps`` done: the data side of the operation and of the far half's
   consumers) into generation start and arrival;
3. the expected state at use follows from the supply's stock rule.

**Storage.** Where both QPUs have dedicated storage qubits
(:attr:`PairSupply.storage_slots <qdcnet.schedule.supply.PairSupply.storage_slots>`,
one pool per QPU) the policy may move a pair into them on arrival
(:meth:`EbitPolicy.place <qdcnet.schedule.policies.EbitPolicy.place>`): the
communication qubits are then free at the end of the transfer, a storage
qubit at each end is held until the slot's last use, the operation is gated
on the end of the transfer, and the expected state follows the storage rule.
Storage is optional (a pair waits in its communication qubits when no
storage qubit is free), so it adds no wait to the argument below.

**Why in-order binding cannot deadlock.** Ebits are bound in program order,
the order the compiler used to fit the logical slots into each QPU's
communication qubits (``DistributedProgram.comm_binding`` is that fitting).
When the pass reaches an operation, every instruction before it is placed,
so every logical slot whose last use lies before it has released its qubit
at a finite time. The slots still holding qubits are those live at that
point of the sequential program, fewer than ``comm`` by the compiler's
fitting, so a qubit is always free at some finite time; and because the
order is global, an ebit is at the head of the order at both its QPUs at
once, so no two QPUs wait on each other. The runtime, which binds in the
same order, inherits the argument: its earliest unfinished instruction
always has its dependencies done and a qubit to bind.

``shots > 1`` repeats the pass: shot ``k + 1``'s first instruction on a
data qubit waits for shot ``k``'s last, and the communication qubits carry
over, so shots overlap as far as the qubits allow (pipelining).

>>> from qdcnet.config.scenario import build_datacenter
>>> from qdcnet.compiler import CompileTarget, compile_circuit
>>> from qdcnet.network.topology import star
>>> dc = build_datacenter(star(2, profile="trapped_ion_oxford"), seed=1)
>>> program = compile_circuit('''OPENQASM 2.0; include "qelib1.inc"; qreg q[2];
... h q[0]; cx q[0],q[1];''', CompileTarget.from_datacenter(dc)).program
>>> jit = schedule_program(program, dc, policy="jit")
>>> prefetch = schedule_program(program, dc, policy="prefetch")
>>> prefetch.makespan_ps <= jit.makespan_ps
True
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from qdcnet.compiler.program import DistributedProgram
from qdcnet.errors import ParameterError
from qdcnet.schedule.bounds import lower_bounds
from qdcnet.schedule.policies import EbitPolicy, get_policy
from qdcnet.schedule.result import EbitPlacement, Schedule, ScheduledOp
from qdcnet.schedule.supply import ErrorBudget, PairSupply, plan_supplies
from qdcnet.schedule.timing import ProgramTiming

if TYPE_CHECKING:
    from qdcnet.control.planner import Planner
    from qdcnet.network.datacenter import DataCenter

__all__ = ["schedule_program", "schedule_timing"]

_HELD = 1 << 62  # a communication qubit bound to a slot whose last use is not placed yet


def schedule_program(program: DistributedProgram, dc: DataCenter, *,
                     policy: str | EbitPolicy = "prefetch", min_fidelity: float | None = None,
                     shots: int = 1, supplies: Mapping[tuple[str, str], PairSupply] | None = None,
                     timing: ProgramTiming | None = None,
                     planner: Planner | None = None) -> Schedule:
    """``program`` placed in time on ``dc`` (see the module docstring).

    ``min_fidelity`` splits into a per-ebit target (:class:`ErrorBudget`),
    which picks the planner's distillation rounds and the prefetch hold
    limit; ``supplies`` (sorted QPU pair -> :class:`PairSupply`) replaces the
    planner's. Raises :class:`~qdcnet.schedule.supply.ScheduleRefused` when
    the budget or the planner refuses.
    """
    policy = get_policy(policy)
    if isinstance(shots, bool) or not isinstance(shots, int) or shots < 1:
        raise ParameterError("shots", shots, "an integer >= 1")
    missing = [q.name for q in program.qpus if q.name not in dc.ops]
    if missing:
        raise ParameterError("program", program.name, "QPUs of the data center",
                             f"the data center has no QPU {', '.join(missing)}")
    for slots in program.qpus:
        if dc.ops[slots.name].comm_qubits < slots.comm:
            raise ParameterError("program", program.name, "a program compiled for this data "
                                 "center", f"{slots.name} has {dc.ops[slots.name].comm_qubits} "
                                 f"communication qubits, the program assumes {slots.comm}")
    budget = None
    if min_fidelity is not None:
        budget = ErrorBudget.split(program, dc.ops, min_fidelity)
    if supplies is None:
        supplies = plan_supplies(dc, program, budget=budget, planner=planner)
    if timing is None:
        timing = ProgramTiming.build(program, dc.ops, dc.classical.mean_latency_s)
    return schedule_timing(timing, supplies, policy=policy, shots=shots, budget=budget)


def schedule_timing(timing: ProgramTiming, supplies: Mapping[tuple[str, str], PairSupply], *,
                    policy: str | EbitPolicy = "prefetch", shots: int = 1,
                    budget: ErrorBudget | None = None) -> Schedule:
    """The single pass on a built :class:`ProgramTiming` (no data center needed)."""
    policy = get_policy(policy)
    program = timing.program
    comm = {q.name: q.comm for q in program.qpus}
    free_at = {name: [0] * n for name, n in comm.items()}
    ebits = timing.ebits
    supply_of = []
    for e in ebits:
        a, b = e.qpus
        key = (a, b) if a <= b else (b, a)
        if key not in supplies:
            raise ParameterError("supplies", sorted(supplies), f"a supply for {a}-{b}")
        supply_of.append(supplies[key])
    # Dedicated storage qubits per QPU: one pool, shared by all its partners' pairs.
    storage_slots: dict[str, int] = {}
    for supply in supplies.values():
        if not supply.has_storage:
            continue
        for q, slots in zip(supply.qpus, supply.storage_slots, strict=True):
            if storage_slots.setdefault(q, slots) != slots:
                raise ParameterError("supplies", sorted(supplies), "one storage_slots per QPU",
                                     f"{q} has {storage_slots[q]} and {slots} storage slots")
    store_free = {q: [0] * n for q, n in storage_slots.items()}
    # Per instruction: the (ebit, end) pairs whose logical slot it uses last.
    release: dict[int, list[tuple[int, int]]] = {}
    for e in ebits:
        for end in (0, 1):
            release.setdefault(e.last[end], []).append((e.index, end))
    op_carry: list[tuple[int, ...]] = []  # per op, its instructions that chain across shots
    for begin, stop in timing.op_span:
        op_carry.append(tuple(i for i in range(begin, stop) if i in timing.data_first))
    data_keys = {key for keys in timing.data_first.values() for key in keys}
    carry = dict.fromkeys(data_keys, 0)

    slot_deps, bit_deps, duration = timing.slot_deps, timing.bit_deps, timing.duration_ps
    ebit_first, data_first = timing.ebit_first, timing.data_first
    n = timing.num_instructions
    placements: list[EbitPlacement] = []
    sched_ops: list[ScheduledOp] = []
    starts_by_shot: list[tuple[int, ...]] = []
    spans: list[tuple[int, int]] = []
    ne = len(ebits)
    operations = program.operations
    op_slots = [tuple(dict.fromkeys((i.qpu, s) for i in op.instructions for s in i.slots))
                for op in operations]
    for shot in range(shots):
        start = [0] * n
        end = [0] * n
        gate = [0] * ne  # max(ready, need): the first touches start no earlier
        ready_of = [0] * ne
        need_of = [0] * ne
        gen_of = [0] * ne
        bound = [(0, 0)] * ne
        kept: list[tuple[int, int] | None] = [None] * ne  # storage qubits of a stored pair
        stored_at: list[int | None] = [None] * ne
        for o, (begin, stop) in enumerate(timing.op_span):
            for e in timing.op_ebits[o]:
                need = 0
                for j, lag in ebits[e].need_deps:
                    if end[j] + lag > need:
                        need = end[j] + lag
                for i in op_carry[o]:
                    for key in data_first[i]:
                        if carry[key] > need:
                            need = carry[key]
                a, b = ebits[e].qpus
                pool_a, pool_b = free_at[a], free_at[b]
                ka = min(range(len(pool_a)), key=pool_a.__getitem__)
                kb = min(range(len(pool_b)), key=pool_b.__getitem__)
                earliest = max(pool_a[ka], pool_b[kb])
                if earliest >= _HELD:
                    raise ParameterError(
                        "program", program.name, "at most `comm` live logical slots per QPU",
                        f"operation {ebits[e].op} needs a communication qubit while all of "
                        f"{a}'s or {b}'s are held by live slots")
                supply = supply_of[e]
                storage_free = None
                if supply.has_storage:
                    store_a, store_b = store_free[a], store_free[b]
                    sa = min(range(len(store_a)), key=store_a.__getitem__)
                    sb = min(range(len(store_b)), key=store_b.__getitem__)
                    storage_free = max(store_a[sa], store_b[sb])
                    if storage_free >= _HELD:
                        storage_free = None  # every storage qubit holds a live slot
                gen, ready, stored = policy.place(earliest, need, supply, storage_free)
                bound[e] = (ka, kb)
                gen_of[e], ready_of[e], need_of[e] = gen, ready, need
                if stored:
                    # The move ends the communication qubits' part; the storage
                    # qubits hold the pair until the slot's last use.
                    moved = ready + supply.transfer_ps
                    pool_a[ka] = pool_b[kb] = moved
                    store_a[sa] = store_b[sb] = _HELD
                    kept[e], stored_at[e] = (sa, sb), moved
                    gate[e] = moved if moved > need else need
                else:
                    pool_a[ka] = pool_b[kb] = _HELD
                    gate[e] = ready if ready > need else need
            for i in range(begin, stop):
                t = 0
                for j in slot_deps[i]:
                    if end[j] > t:
                        t = end[j]
                for j, lag in bit_deps[i]:
                    if end[j] + lag > t:
                        t = end[j] + lag
                if i in data_first:
                    for key in data_first[i]:
                        if carry[key] > t:
                            t = carry[key]
                if i in ebit_first:
                    for e in ebit_first[i]:
                        if gate[e] > t:
                            t = gate[e]
                start[i] = t
                end[i] = t + duration[i]
                if i in release:
                    for e, which in release[i]:
                        q = ebits[e].qpus[which]
                        slots = kept[e]
                        if slots is None:
                            free_at[q][bound[e][which]] = end[i]
                        else:
                            store_free[q][slots[which]] = end[i]
            if stop > begin:
                op_start = min(start[begin:stop])
                op_end = max(end[begin:stop])
            else:
                # A classical operation: from its bits' readout to their arrival.
                sent = timing.messages_of.get(o, ())
                op_start = max((end[j] for j, _ in sent), default=0)
                op_end = max((end[j] + lag for j, lag in sent), default=0)
            sched_ops.append(ScheduledOp(operations[o].id, shot, operations[o].kind,
                                         operations[o].qpus, op_start, op_end,
                                         tuple(shot * ne + e for e in timing.op_ebits[o]),
                                         op_slots[o]))
        for e in ebits:
            idx = e.index
            # The operation engages the pair once both are there: its age at use.
            use = gate[idx]
            supply = supply_of[idx]
            moved = stored_at[idx]
            if moved is None:
                state = supply.expected_state(use - ready_of[idx]).coefficients
            else:
                state = supply.expected_state(use - moved, stored=True).coefficients
            placements.append(EbitPlacement(
                idx, shot, e.op, e.qpus, e.slots, bound[idx], gen_of[idx], ready_of[idx],
                need_of[idx], use, (end[e.last[0]], end[e.last[1]]), state,
                supply.target_fidelity, supply.rounds, supply.path, moved, kept[idx]))
        for key in data_keys:
            carry[key] = end[timing.slot_last[key]]
        shot_start = min(start) if n else 0
        spans.append((shot_start, max(end) if n else 0))
        starts_by_shot.append(tuple(start))
    makespan = spans[0][1] - spans[0][0]
    total = max(s[1] for s in spans)
    period = spans[-1][1] - spans[-2][1] if shots > 1 else None
    bounds = lower_bounds(timing, supplies, comm, shots=shots)
    return Schedule(program, policy.name, shots, tuple(sched_ops), tuple(placements),
                    tuple(starts_by_shot), tuple(spans), makespan, total, period, bounds,
                    dict(supplies), budget)
