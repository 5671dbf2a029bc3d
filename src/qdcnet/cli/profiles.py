"""``qdcnet profiles``: the platform profiles, and one of them with its sources."""

from __future__ import annotations

import math

from rich.console import Console
from rich.table import Table

from qdcnet.hardware.profiles import available_profiles, load_profile
from qdcnet.quantum.noise import MEASURE_NAMES
from qdcnet.report.tables import format_number, make_console
from qdcnet.units import format_duration, s_to_ps


def _duration(seconds: float) -> str:
    return "inf" if math.isinf(seconds) else format_duration(s_to_ps(seconds))


def _nm(meters: float) -> str:
    if meters > 1e-3:
        return f"{meters * 1e3:.4g} mm"
    return f"{meters * 1e9:.4g} nm"


def list_profiles(console: Console) -> None:
    table = Table(title="Platform profiles (qdcnet profiles NAME for sources)",
                  title_justify="left")
    for column in ("name", "platform", "qubits", "2Q gate", "2Q F (measure)", "T2",
                   "photon (nm)", "assumed"):
        table.add_column(column)
    for name in available_profiles():
        p = load_profile(name)
        comm = p.communication
        photon = "-"
        if comm is not None:
            native = comm.interface()
            telecom = comm.telecom_interface()
            photon = _nm(native.wavelength_m).removesuffix(" nm")
            if telecom.wavelength_m != native.wavelength_m:
                photon += f">{_nm(telecom.wavelength_m).removesuffix(' nm')}"
        elif p.photonic is not None:
            photon = _nm(p.photonic.wavelength_m).removesuffix(" nm")
        t2 = "-" if p.memory is None else _duration(p.memory.t2_s)
        qubits = f"{p.data_qubits}+{comm.num_qubits}c" if comm else str(p.data_qubits)
        table.add_row(name, p.platform, qubits,
                      f"{p.two_qubit_gate.name} {_duration(p.two_qubit_gate.duration_s)}",
                      f"{format_number(p.two_qubit_gate.fidelity)} "
                      f"({p.two_qubit_gate.measure})", t2, photon,
                      f"{len(p.assumptions())}/{len(p.provenance)}")
    console.print(table)


def show_profile(console: Console, name: str) -> None:
    p = load_profile(name)
    console.print(f"[bold]{p.name}[/bold] ({p.platform}): {p.title}")
    table = Table()
    table.add_column("field")
    table.add_column("value", justify="right")
    table.add_column("source or assumption")
    values = _field_values(p)
    for path, prov in sorted(p.provenance.items()):
        origin = {"source": f"[{prov.key}]", "override": prov.text, "definition": "",
                  "assumption": f"[yellow]assumption:[/yellow] {prov.text}"}[prov.kind]
        if prov.note:
            origin += f" [dim]{prov.note}[/dim]"
        value = values.get(path, "")
        if prov.measure:
            value += f" ({MEASURE_NAMES[prov.measure]})"
        table.add_row(path, value, origin.replace("[", "\\[", 1)
                      if prov.kind == "source" else origin)
    console.print(table)
    console.print("[bold]Sources[/bold]")
    for key, citation in p.sources.items():
        console.print(f"  \\[{key}] {citation}")
    assumptions = p.assumptions()
    console.print(f"{len(assumptions)} of {len(p.provenance)} fields are assumptions; "
                  "the others cite a source.")


def _field_values(p) -> dict[str, str]:  # type: ignore[no-untyped-def]
    from qdcnet.hardware import profiles as module

    document, _ = module.read_document(p.name)
    out: dict[str, str] = {}
    for path, node in module.flatten_document(document, p.name).items():
        value = node.get("value") if isinstance(node, dict) else node
        out[path] = ", ".join(value) if isinstance(value, list) else str(value)
    return out


def run(name: str | None) -> None:
    console = make_console()
    if name is None:
        list_profiles(console)
    else:
        show_profile(console, name)
