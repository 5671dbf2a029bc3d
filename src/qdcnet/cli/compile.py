"""``qdcnet compile``: distribute a circuit over a scenario's QPUs.

Everything goes into one output folder (``--out``, default
``./qdcnet-output/compile``; the rules are :class:`~qdcnet.report.OutputFolder`'s):

- ``result.json``: the result with its provenance and the program as a DAG.
  The same circuit, scenario and seed write it byte for byte the same;
- ``timings.json``: the wall-clock time of each pass, which varies from run to
  run and so is kept out of the result;
- one ``QPU.qasm`` per QPU the program uses.

A circuit with qubits but no gates or measurements is refused: there is
nothing to distribute.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from qdcnet.config.common import ScenarioError
from qdcnet.config.scenario import load_scenario
from qdcnet.errors import ParameterError, QdcnetError
from qdcnet.report import (
    RESULT_FILE,
    TIMINGS_FILE,
    OutputFolder,
    report_written,
    result_document,
    write_json,
)
from qdcnet.report.progress import progress
from qdcnet.report.tables import format_number, make_console

#: statevector checks above this many qubits would need too much memory
VERIFY_LIMIT = 14


def run(circuit: Path, *, scenario: Path, model: str, starts: int | None, seed: int | None,
        out: Path | None, verify: bool, force: bool = False, quiet: bool = False) -> None:
    from qdcnet.compiler import (
        CircuitError,
        CompileTarget,
        check,
        compile_circuit,
        load_circuit,
    )
    from qdcnet.compiler.qasm import program_qasm
    from qdcnet.network.datacenter import DataCenter

    folder = OutputFolder.prepare(out, "compile", force=force, keep=[circuit, scenario])
    loaded, document = load_scenario(scenario)
    try:
        datacenter = DataCenter(loaded.layout())
    except QdcnetError as exc:
        raise ScenarioError(f"{scenario}: {exc}") from None
    target = CompileTarget.from_datacenter(datacenter)
    source = load_circuit(circuit)  # errors with line and column before any work
    if not source.gates:
        raise CircuitError(f"{circuit}: the circuit has {source.num_qubits} qubit(s) but no "
                           "gates or measurements: there is nothing to compile")
    if verify and source.num_qubits > VERIFY_LIMIT:
        raise ParameterError("--verify", f"{source.num_qubits} qubits",
                             f"circuits of at most {VERIFY_LIMIT} qubits",
                             "the check simulates the state vector")
    root_seed = loaded.seed if seed is None else seed
    label = f"compiling {source.name}"
    with progress(label, 1, quiet=quiet) as update:
        result = compile_circuit(
            source, target, model=model, seed=root_seed,
            **({} if starts is None else {"starts": starts}),
            on_progress=None if update is None else
            lambda done, total, name: update(done / total, description=f"{label}: {name}"))
    report = check(result.circuit, result.program, result.normalized) if verify else None

    summary = result.summary()
    # Wall-clock times differ from run to run: they go to their own file, so the
    # result file of a given circuit, scenario and seed is always the same.
    timings = summary.pop("timings_s")
    console = make_console()
    console.print(
        f"[bold]{result.circuit.name}[/bold]: {result.circuit.num_qubits} qubits, "
        f"{summary['circuit_two_qubit_gates']} two-qubit gates after normalize, "
        f"over {len(summary['qpus_used'])} of {len(target.qpus)} QPUs "
        f"({model} model, seed {summary['seed']}, the cheapest of "
        f"{summary['partition_starts'].get('starts_run', 1)} partition start(s))")
    console.print(
        f"ebits: {summary['ebits']} (partition planned {summary['planned_ebits']}; "
        f"one per non-local gate would need {summary['baseline_ebits']})")
    stats = summary["remote_ops"]
    console.print(
        f"two-qubit gates: {stats.get('two_qubit_gates_local', 0)} local, "
        f"{stats.get('two_qubit_gates_shared', 0)} on shared qubits; "
        f"{stats.get('cat_links', 0)} cat links, {stats.get('teleports', 0)} teleportations, "
        f"{stats.get('evictions', 0)} copies closed early for communication qubits")
    _tables(console, result, target)
    console.print("pass times: " + ", ".join(
        f"{name} {format_number(t, 3)} s" for name, t in timings.items()))
    if report is not None:
        console.print(f"verified against the circuit by state-vector simulation: "
                      f"{report.branches} branch(es), worst overlap "
                      f"{report.worst_overlap:.12f}")
    files = {f"{q.name}.qasm": program_qasm(result.program, q.name)
             for q in target.qpus if q.name in summary["qpus_used"]}
    document_out = result_document(
        kind="compile", seed=root_seed, scenario=document,
        results={"circuit": str(circuit), "settings": result.settings, "summary": summary,
                 "verification": None if report is None else {
                     "branches": report.branches, "worst_overlap": report.worst_overlap},
                 "program": result.program.to_dict()})
    timings_out = {"kind": "compile-timings", "circuit": str(circuit), "timings_s": timings}
    with folder.staging() as stage:
        write_json(stage / RESULT_FILE, document_out)
        write_json(stage / TIMINGS_FILE, timings_out)
        for name, text in files.items():
            (stage / name).write_text(text, encoding="utf-8")
    report_written(folder, document_out, [RESULT_FILE, TIMINGS_FILE, *files])


def _tables(console: Console, result: Any, target: Any) -> None:
    program = result.program
    pairs = program.ebits_by_pair()
    if pairs:
        table = Table(title="Ebits per QPU pair", title_justify="left")
        for column in ("pair", "ebits", "links apart"):
            table.add_column(column)
        for (a, b), n in pairs.items():
            table.add_row(f"{a} - {b}", str(n),
                          str(target.distance[target.index(a)][target.index(b)]))
        console.print(table)
    table = Table(title="QPUs", title_justify="left")
    for column in ("QPU", "profile", "qubits", "native instructions", "busy [s]"):
        table.add_column(column)
    holders: dict[str, int] = {}
    for q, (qpu, _) in program.initial_layout.items():
        del q
        holders[qpu] = holders.get(qpu, 0) + 1
    busy: dict[str, float] = {}
    for op in program.operations:
        for qpu in op.qpus:
            busy[qpu] = busy.get(qpu, 0.0) + op.duration_s / max(1, len(op.qpus))
    counts = program.summary()["instructions_by_qpu"]
    for q in target.qpus:
        if not counts.get(q.name):
            continue
        natives = ", ".join(f"{name} {n}" for name, n in counts[q.name].items())
        table.add_row(q.name, q.profile_name or "-", f"{holders.get(q.name, 0)}/{q.data_qubits}",
                      natives, format_number(busy.get(q.name, 0.0)))
    console.print(table)
