"""``qdcnet compile``: distribute a circuit over a scenario's QPUs."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from qdcnet.config.common import ScenarioError
from qdcnet.config.scenario import load_scenario
from qdcnet.errors import ParameterError, QdcnetError
from qdcnet.report import result_document, write_json
from qdcnet.report.tables import format_number

#: statevector checks above this many qubits would need too much memory
VERIFY_LIMIT = 14


def run(circuit: Path, *, scenario: Path, model: str, seeds: int, seed: int | None,
        out: Path | None, verify: bool) -> None:
    from qdcnet.compiler import CompileTarget, check, compile_circuit, load_circuit
    from qdcnet.compiler.qasm import program_qasm
    from qdcnet.network.datacenter import DataCenter

    loaded, document = load_scenario(scenario)
    try:
        datacenter = DataCenter(loaded.layout())
    except QdcnetError as exc:
        raise ScenarioError(f"{scenario}: {exc}") from None
    target = CompileTarget.from_datacenter(datacenter)
    source = load_circuit(circuit)  # errors with line and column before any work
    if verify and source.num_qubits > VERIFY_LIMIT:
        raise ParameterError("--verify", f"{source.num_qubits} qubits",
                             f"circuits of at most {VERIFY_LIMIT} qubits",
                             "the check simulates the state vector")
    root_seed = loaded.seed if seed is None else seed
    result = compile_circuit(source, target, model=model, seeds=seeds, seed=root_seed)
    report = check(result.circuit, result.program, result.normalized) if verify else None

    summary = result.summary()
    console = Console()
    console.print(
        f"[bold]{result.circuit.name}[/bold]: {result.circuit.num_qubits} qubits, "
        f"{summary['circuit_two_qubit_gates']} two-qubit gates after normalize, "
        f"over {len(summary['qpus_used'])} of {len(target.qpus)} QPUs "
        f"({model} model, seed {summary['seed']})")
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
        f"{name} {format_number(t, 3)} s" for name, t in summary["timings_s"].items()))
    if report is not None:
        console.print(f"verified against the circuit by state-vector simulation: "
                      f"{report.branches} branch(es), worst overlap "
                      f"{report.worst_overlap:.12f}")
    destination = out if out is not None else Path(f"{circuit.stem}_compiled")
    files = {f"{q.name}.qasm": program_qasm(result.program, q.name)
             for q in target.qpus if q.name in summary["qpus_used"]}
    document_out = result_document(
        kind="compile", seed=root_seed, scenario=document,
        results={"circuit": str(circuit), "settings": result.settings, "summary": summary,
                 "verification": None if report is None else {
                     "branches": report.branches, "worst_overlap": report.worst_overlap},
                 "program": result.program.to_dict()})
    _write_all(destination, document_out, files)
    Console(stderr=True).print(f"wrote {destination}/program.json and "
                               f"{len(files)} QASM file(s)")


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


def _write_all(destination: Path, document: dict[str, Any], files: dict[str, str]) -> None:
    """Write everything into a fresh folder, then move it into place (never half-written)."""
    destination = destination.resolve()
    destination.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".qdcnet-", dir=destination.parent))
    try:
        write_json(staging / "program.json", document)
        for name, text in files.items():
            (staging / name).write_text(text, encoding="utf-8")
        if destination.exists():
            if not destination.is_dir():
                raise ScenarioError(f"--out {destination} exists and is not a folder")
            for stale in destination.glob("*.qasm"):
                stale.unlink()
            for item in staging.iterdir():
                item.replace(destination / item.name)
            staging.rmdir()
        else:
            staging.rename(destination)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
