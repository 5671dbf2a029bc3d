"""Scheduler: place a 10,000-operation program in time on a data center.

The program is synthetic but real compiler output: a random circuit of 32
qubits (two-qubit gates between random pairs, Hadamards, T gates) is
compiled once onto four Oxford-type trapped-ion QPUs of 8 data and 2
communication qubits around one switch, and its operations are repeated
back to back (fresh bits and logical communication slots per copy, data
slots chained) until the program has 10,000 operations. Scheduling it under
prefetch (with the error budget's hold limits) is timed three ways: the
whole ``schedule_program`` call with the supplies planned beforehand
(``ProgramTiming`` built, single pass, bounds), the pass alone, and JIT.
Goal: under 2 s for the whole call.
"""

from __future__ import annotations

import dataclasses
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.common import Row  # noqa: E402


def _dc():
    from qdcnet.config.scenario import build_datacenter
    from qdcnet.network.topology import star

    return build_datacenter(star(4, profile="trapped_ion_oxford", communication_qubits=2,
                                 overrides={"qubits.data": 8, "communication.t2": "200 ms"}),
                            seed=1)


def _circuit(qubits: int, gates: int, seed: int) -> str:
    rng = np.random.default_rng(seed)
    lines = ['OPENQASM 2.0;', 'include "qelib1.inc";', f"qreg q[{qubits}];"]
    for _ in range(gates):
        if rng.random() < 0.5:
            a, b = (int(x) for x in rng.choice(qubits, 2, replace=False))
            lines.append(f"cx q[{a}],q[{b}];")
        else:
            lines.append(f"{'h' if rng.random() < 0.5 else 't'} q[{int(rng.integers(qubits))}];")
    return "\n".join(lines)


def repeat_program(program, operations: int):
    """``program``'s operations repeated back to back until there are ``operations``."""
    from qdcnet.compiler.program import BitCondition, Instruction, Message

    top = max((s for (_, s) in program.comm_binding), default=0) + 1
    ops, binding = [], {}
    copy = 0
    while len(ops) < operations:
        shift_op, shift_slot = len(ops), copy * top

        def slot(q, s, shift_slot=shift_slot):
            return s if (q, s) not in program.comm_binding else s + shift_slot

        def bit(b, copy=copy):
            return f"{b}_{copy}" if copy else b

        for op in program.operations:
            if len(ops) >= operations:
                break
            instructions = tuple(dataclasses.replace(
                i, slots=tuple(slot(i.qpu, s) for s in i.slots),
                bit=None if i.bit is None else bit(i.bit),
                condition=None if i.condition is None else BitCondition(
                    tuple(bit(b) for b in i.condition.bits), i.condition.value,
                    i.condition.equal)) for i in op.instructions)
            assert all(isinstance(i, Instruction) for i in instructions)
            ops.append(dataclasses.replace(
                op, id=op.id + shift_op, predecessors=tuple(p + shift_op for p in
                                                             op.predecessors),
                instructions=instructions,
                ebit_slots=tuple(((qa, slot(qa, sa)), (qb, slot(qb, sb)))
                                 for (qa, sa), (qb, sb) in op.ebit_slots),
                messages=tuple(Message(m.src, m.dst, tuple(bit(b) for b in m.bits))
                               for m in op.messages)))
        for (q, s), p in program.comm_binding.items():
            binding[(q, s + shift_slot)] = p
        copy += 1
    return dataclasses.replace(program, name=f"{program.name}x{copy}", operations=tuple(ops),
                               comm_binding=binding)


def _measure(operations: int, repeats: int) -> dict[str, float]:
    from qdcnet.compiler import CompileTarget, compile_circuit
    from qdcnet.schedule import ProgramTiming, plan_supplies, schedule_program, schedule_timing

    dc = _dc()
    start = time.perf_counter()
    base = compile_circuit(_circuit(32, 400, seed=3), CompileTarget.from_datacenter(dc),
                           seed=0).program
    compile_s = time.perf_counter() - start
    program = repeat_program(base, operations)
    instructions = sum(len(op.instructions) for op in program.operations)
    # Targets as a budget would set them (the budget itself refuses a program this long).
    supplies = {k: dataclasses.replace(v, target_fidelity=0.9)
                for k, v in plan_supplies(dc, program).items()}
    whole, passes, jit = [], [], []
    schedule = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        schedule = schedule_program(program, dc, policy="prefetch", supplies=supplies)
        whole.append(time.perf_counter() - t0)
        timing = ProgramTiming.build(program, dc.ops, dc.classical.mean_latency_s)
        t0 = time.perf_counter()
        schedule_timing(timing, supplies, policy="prefetch")
        passes.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        schedule_timing(timing, supplies, policy="jit")
        jit.append(time.perf_counter() - t0)
    assert schedule is not None
    return {"whole_s": min(whole), "pass_s": min(passes), "jit_s": min(jit),
            "ops": len(program.operations), "instructions": instructions,
            "ebits": len(schedule.ebits), "compile_s": compile_s,
            "makespan_s": schedule.makespan_ps / 1e12, "ratio": schedule.ratio,
            "binding": schedule.bounds.largest[0]}


def run(quick: bool) -> list[Row]:
    operations = 1_000 if quick else 10_000
    result = _measure(operations, repeats=1 if quick else 3)
    detail = (f"{result['ops']:,} ops, {result['instructions']:,} instructions, "
              f"{result['ebits']:,} ebits on 4 QPUs; pass alone {result['pass_s']:.3f} s "
              f"(JIT {result['jit_s']:.3f} s); makespan {result['makespan_s']:.3g} s, "
              f"{result['ratio']:.2f}x the {result['binding']} bound; "
              f"base circuit compiled in {result['compile_s']:.1f} s (not timed)")
    return [Row("schedule", f"schedule {operations:,} ops", result["whole_s"], "s",
                goal="< 2 s (10,000 operations)",
                met=None if quick else result["whole_s"] < 2.0, detail=detail)]


if __name__ == "__main__":
    for row in run("--quick" in sys.argv):
        print(row)
