"""``qdcnet compile``: distribute a circuit over a scenario's QPUs.

Everything goes into one folder (``--out``, default ``CIRCUIT_compiled``):

- ``program.json``: the result with its provenance. The same circuit,
  scenario and seed write it byte for byte the same;
- ``timings.json``: the wall-clock time of each pass, which varies from run to
  run and so is kept out of the result;
- one ``QPU.qasm`` per QPU the program uses.

The folder is checked before any work: its parent must exist and be
writable, and the path must not be a file. A folder that already exists is
replaced only when that is safe: an empty folder always; the default folder
(a rerun) and an explicit ``--out`` given with ``--force`` only when it holds
nothing but what ``qdcnet compile`` writes, so a typo such as ``--out .``
never deletes anyone's files. The new folder is written beside the old one and
renamed into place, so a failure never leaves a half-written folder.

A circuit with qubits but no gates or measurements is refused: there is
nothing to distribute.
"""

from __future__ import annotations

import json
import os
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
from qdcnet.report.tables import format_number, make_console

#: statevector checks above this many qubits would need too much memory
VERIFY_LIMIT = 14

#: The files a compile writes; a folder holding only these may be replaced.
RESULT_FILE = "program.json"
TIMINGS_FILE = "timings.json"


def run(circuit: Path, *, scenario: Path, model: str, seeds: int, seed: int | None,
        out: Path | None, verify: bool, force: bool = False) -> None:
    from qdcnet.compiler import (
        CircuitError,
        CompileTarget,
        check,
        compile_circuit,
        load_circuit,
    )
    from qdcnet.compiler.qasm import program_qasm
    from qdcnet.network.datacenter import DataCenter

    destination = out if out is not None else Path(f"{circuit.stem}_compiled")
    destination = check_out_folder(destination, explicit=out is not None, force=force,
                                   keep=circuit)
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
    result = compile_circuit(source, target, model=model, seeds=seeds, seed=root_seed)
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
    _write_all(destination, {RESULT_FILE: document_out, TIMINGS_FILE: timings_out}, files)
    shown = out if out is not None else destination.name
    make_console(stderr=True).print(f"wrote {shown}/{RESULT_FILE}, {TIMINGS_FILE} and "
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


def check_out_folder(destination: Path, *, explicit: bool, force: bool,
                     keep: Path | None = None) -> Path:
    """The output folder, resolved, once it is sure the results can be written there.

    Refused with a :class:`~qdcnet.errors.ParameterError` naming ``--out``: a
    path that is a file, a parent folder that does not exist or cannot be
    written, and an existing folder that may not be replaced (see the module
    docstring). ``keep`` (the input circuit) must not lie inside a folder that
    would be replaced.

    >>> check_out_folder(Path("/no/such/place/out"), explicit=True, force=False)
    Traceback (most recent call last):
    ...
    qdcnet.errors.ParameterError: --out = '/no/such/place/out' is out of range: ...
    """
    shown = str(destination)
    default = "" if explicit else "; it is the default --out, so give another with --out"
    target = destination.resolve()
    if target.exists() and not target.is_dir():
        raise ParameterError("--out", shown, "a folder", f"it exists and is a file{default}")
    parent = target.parent
    if not parent.is_dir():
        what = "is a file" if parent.exists() else "does not exist"
        raise ParameterError("--out", shown, "a folder inside an existing folder",
                             f"{parent} {what}")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ParameterError("--out", shown, "a place you can write",
                             f"{parent} is not writable")
    try:  # the real test (read-only mounts, special file systems): make a folder there
        Path(tempfile.mkdtemp(prefix=f".{target.name}.probe-", dir=parent)).rmdir()
    except OSError as exc:
        raise ParameterError("--out", shown, "a place you can write",
                             f"cannot create a folder in {parent}: "
                             f"{exc.strerror or type(exc).__name__}") from None
    if not target.is_dir():
        return target
    try:
        entries = sorted(target.iterdir())
    except OSError as exc:
        raise ParameterError("--out", shown, "a folder you can read and write",
                             exc.strerror or type(exc).__name__) from None
    if not entries:
        return target
    allowed = "a new or empty folder, or one written by qdcnet compile"
    if explicit and not force:
        raise ParameterError("--out", shown, "a new or empty folder",
                             "it exists and is not empty; add --force to replace it")
    foreign = [e.name for e in entries if not _compile_output(e)]
    if foreign or not (target / RESULT_FILE).is_file():
        listed = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
        reason = (f"it holds files qdcnet compile did not write: {listed}" if foreign
                  else f"it has no {RESULT_FILE}, so qdcnet compile did not write it")
        raise ParameterError("--out", shown, allowed, reason + default)
    if keep is not None and keep.resolve().is_relative_to(target):
        raise ParameterError("--out", shown, "a folder that does not hold the circuit",
                             "replacing it would delete the circuit being compiled")
    if not os.access(target, os.W_OK | os.X_OK):
        raise ParameterError("--out", shown, "a place you can write",
                             f"{target} is not writable")
    return target


def _compile_output(entry: Path) -> bool:
    """Whether ``entry`` is a file that ``qdcnet compile`` writes."""
    if entry.is_symlink() or not entry.is_file():
        return False
    if entry.name == TIMINGS_FILE or entry.suffix == ".qasm":
        return True
    if entry.name != RESULT_FILE:
        return False
    try:
        with entry.open(encoding="utf-8") as stream:
            return json.load(stream).get("kind") == "compile"
    except (OSError, ValueError, AttributeError):
        return False


def _write_all(destination: Path, documents: dict[str, dict[str, Any]],
               files: dict[str, str]) -> None:
    """Write everything into a fresh sibling folder, then rename it into place.

    ``destination`` was checked by :func:`check_out_folder`: it is new, empty or
    a compile's output, which is moved aside and removed once the new folder is
    in place (and put back if that fails). A reader never sees a half-written
    folder.
    """
    parent = destination.parent
    staging = aside = None
    placed = False
    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{destination.name}.new-", dir=parent))
        for name, document in documents.items():
            write_json(staging / name, document)
        for name, text in files.items():
            (staging / name).write_text(text, encoding="utf-8")
        _normal_permissions(staging)
        if destination.exists():
            aside = parent / f".{destination.name}.old-{staging.name.rsplit('-', 1)[-1]}"
            destination.rename(aside)
        try:
            staging.rename(destination)
            placed = True
        except OSError:
            if aside is not None:
                aside.rename(destination)
                aside = None
            raise
    except OSError as exc:
        raise ParameterError("--out", str(destination), "a place you can write",
                             f"writing failed: {exc.strerror or exc}") from None
    finally:
        if staging is not None and not placed:
            shutil.rmtree(staging, ignore_errors=True)
        if aside is not None and placed:
            shutil.rmtree(aside, ignore_errors=True)


def _normal_permissions(folder: Path) -> None:
    """Give the folder and its files the user's usual modes (temp files start private)."""
    umask = os.umask(0o022)
    os.umask(umask)
    folder.chmod(0o777 & ~umask)
    for item in folder.iterdir():
        item.chmod(0o666 & ~umask)
