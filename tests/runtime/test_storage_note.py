"""Storage planned by the schedule but not used at runtime: the job says so, never silently."""

from __future__ import annotations

from qdcnet.compiler import CompileTarget, compile_circuit
from qdcnet.config.scenario import build_datacenter
from qdcnet.network.topology import ring
from qdcnet.runtime.jobs import Job, admit_job, run_job, runtime_policy, supplier_policy
from qdcnet.schedule import Prefetch, ProgramTiming, schedule_program

GHZ6 = ('OPENQASM 2.0; include "qelib1.inc"; qreg q[6]; creg c[6]; h q[0];'
        + "".join(f"cx q[{i}],q[{i + 1}];" for i in range(5)) + "measure q -> c;")
NOTE = "storage planned but not used at runtime"


def _setup(profile: str):
    dc = build_datacenter(ring(3, profile=profile, spacing_m=10.0,
                               overrides={"qubits.data": 3}), seed=1)
    program = compile_circuit(GHZ6, CompileTarget.from_datacenter(dc), seed=1).program
    return dc, program


def test_a_prefetch_job_that_would_store_says_it_does_not():
    dc, program = _setup("trapped_ion_oxford")  # a 43Ca+ storage qubit per node
    planned = schedule_program(program, dc, policy="prefetch", shots=2)
    assert planned.stored > 0  # the analytic prefetch moves a waiting pair to storage
    result = run_job(dc, Job(program, shots=3, policy="prefetch"), engine=None)
    assert result.completed, result.failure
    assert NOTE in result.supplier_note
    assert f"hold {planned.stored} of" in result.supplier_note
    assert result.summary()["supplier_note"] == result.supplier_note
    # Prediction and execution agree: the job was scheduled with its pairs in
    # communication qubits, as the runtime holds them.
    assert result.schedule.stored == 0
    comm_only = schedule_program(program, dc, policy=Prefetch(storage=False), shots=2)
    assert result.schedule.instr_start_ps == comm_only.instr_start_ps


def test_no_note_without_storage_or_without_prefetch():
    dc, program = _setup("trapped_ion")  # data qubits double as storage: none to plan
    job = Job(program, shots=2, policy="prefetch")
    timing = ProgramTiming.build(program, dc.ops, dc.classical.mean_latency_s)
    schedule = admit_job(dc, job, timing=timing)
    assert supplier_policy(job, timing, supplies=schedule.supplies) == ("prefetch", "")
    dc, program = _setup("trapped_ion_oxford")
    jit = Job(program, shots=2, policy="jit")
    timing = ProgramTiming.build(program, dc.ops, dc.classical.mean_latency_s)
    schedule = admit_job(dc, jit, timing=timing)
    assert supplier_policy(jit, timing, supplies=schedule.supplies) == ("jit", "")
    assert runtime_policy("jit") == "jit"
    assert runtime_policy("prefetch") == Prefetch(storage=False)
