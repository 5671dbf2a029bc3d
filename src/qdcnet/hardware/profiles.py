"""QPU platform profiles: YAML data files, every number with a source or marked an assumption.

A profile describes one platform as a network node: its data and storage
qubits, native gates with durations and fidelities, measurement, memory
coherence, the communication qubit and its photonic interface (emitter,
wavelength, linewidth, encoding, and the converter or transducer that takes
its photons to telecom), and control latencies. Platform-specific sections
stand in where a field does not apply: a photonic QPU has no T1, so it has a
``photonic`` section (delay-line loss, source and detector figures) instead
of ``memory``.

Each number in a file is a mapping ``{value: ..., source: key}`` naming an
entry of the file's ``sources``, or ``{value: ..., assumption: "why"}``.
Gate and readout fidelities also say which measure they are
(``measure: average``, ``process`` or ``pauli`` for gates, ``assignment``
for readouts; :mod:`qdcnet.quantum.noise`): papers quote different ones, and
each turns into a different noise parameter. A fidelity without a measure
is refused.
Quantities carry units (``"68 us"``, ``"780 nm"``). :func:`load_profile`
validates everything before returning, naming the file, the field, the value
and the allowed range on any problem, and accepts overrides field by field.

Examples
--------
>>> profile = load_profile("neutral_atom")
>>> profile.platform, profile.communication.interface().wavelength_m
('neutral_atom', 7.8e-07)
>>> tweaked = load_profile("neutral_atom", overrides={"memory.t2": "2 s"})
>>> tweaked.memory.t2_s, tweaked.provenance["memory.t2"].kind
(2.0, 'override')
>>> load_profile("quantum_toaster")
Traceback (most recent call last):
...
qdcnet.hardware.profiles.ProfileError: unknown profile 'quantum_toaster'; known profiles: ...
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from qdcnet.errors import ParameterError, QdcnetError
from qdcnet.hardware.components import (
    Emitter,
    Encoding,
    FrequencyConverter,
    PhotonicInterface,
    QuantumMemory,
    Transducer,
)
from qdcnet.quantum.noise import GATE_MEASURES, MEASURE_NAMES, READOUT_MEASURES
from qdcnet.units import UnitError, parse

__all__ = [
    "MEASURED_FIELDS",
    "PLATFORMS",
    "SCHEMA_VERSION",
    "CommunicationInterface",
    "Gate",
    "PhotonicSection",
    "PlatformProfile",
    "ProfileError",
    "Provenance",
    "available_profiles",
    "field_dimension",
    "load_profile",
    "profile_values",
    "read_text_file",
]

SCHEMA_VERSION = 1
PLATFORMS = ("superconducting", "trapped_ion", "neutral_atom", "photonic", "color_center")


class ProfileError(QdcnetError, ValueError):
    """A profile that cannot be loaded: unknown name, bad field, missing source."""

    code = "bad_profile"


@dataclass(frozen=True)
class Provenance:
    """Where a value comes from: a cited ``source``, an ``assumption``, or an ``override``."""

    kind: str
    text: str
    note: str = ""
    key: str = ""
    #: for a fidelity, the measure it is (:data:`MEASURED_FIELDS`)
    measure: str = ""


@dataclass(frozen=True)
class Gate:
    """A native gate: its duration and its fidelity, in the measure the source quotes."""

    name: str
    duration_s: float
    fidelity: float
    #: "average", "process" or "pauli" (see :mod:`qdcnet.quantum.noise`)
    measure: str


@dataclass(frozen=True)
class CommunicationInterface:
    """The communication qubit and how its photons leave the node."""

    num_qubits: int
    memory: QuantumMemory
    emitter: Emitter
    indistinguishability: float
    spin_photon_fidelity: float
    double_excitation_probability: float
    transfer_time_s: float
    transfer_fidelity: float
    burst_s: float | None
    pause_s: float | None
    converter: FrequencyConverter | None
    transducer: Transducer | None

    def interface(self, name: str = "") -> PhotonicInterface:
        """The photon as emitted (before any conversion)."""
        return self.emitter.interface(name)

    def telecom_interface(self, name: str = "") -> PhotonicInterface:
        """The photon after this node's converter or transducer, if any."""
        photon = self.interface(name)
        if self.converter is not None:
            return self.converter.convert(photon)
        if self.transducer is not None:
            return self.transducer.convert(photon)
        return photon


@dataclass(frozen=True)
class PhotonicSection:
    """What a photonic QPU has instead of matter memories."""

    wavelength_m: float
    delay_line_loss_db_per_s: float
    clock_rate_hz: float
    hom_visibility: float
    fusion_fidelity: float
    interconnect_fidelity: float
    loss_threshold_per_photon: float


@dataclass(frozen=True)
class PlatformProfile:
    """A platform as a network node. Load it with :func:`load_profile`."""

    name: str
    platform: str
    title: str
    data_qubits: int
    storage_qubits: int
    native_gates: tuple[str, ...]
    one_qubit_gate: Gate
    two_qubit_gate: Gate
    measurement_time_s: float
    measurement_fidelity: float
    measurement_measure: str
    memory: QuantumMemory | None
    communication: CommunicationInterface | None
    feed_forward_latency_s: float
    qec_cycle_time_s: float
    photonic: PhotonicSection | None
    sources: Mapping[str, str]
    provenance: Mapping[str, Provenance] = field(repr=False)

    def assumptions(self) -> list[tuple[str, str]]:
        """Every field whose value is an assumption, with the reason."""
        return [(path, p.text) for path, p in sorted(self.provenance.items())
                if p.kind == "assumption"]

    def cited(self, path: str) -> str:
        """The citation, assumption or override behind one field."""
        if path not in self.provenance:
            raise ProfileError(f"profile {self.name} has no field {path!r}")
        return self.provenance[path].text


# -- field table -----------------------------------------------------------------


class _Field(NamedTuple):
    kind: str  # quantity, number, int, choice, list, str
    extra: Any = None  # dimension of a quantity, or the allowed choices
    low: float = 0.0
    high: float = math.inf
    required: bool = False
    positive: bool = False  # low bound excluded


def _time(required: bool = False, positive: bool = True) -> _Field:
    return _Field("quantity", "time", required=required, positive=positive)


def _prob(required: bool = False, low: float = 0.0) -> _Field:
    return _Field("number", low=low, high=1.0, required=required)


def _wavelength() -> _Field:
    return _Field("quantity", "length", 200e-9, 1.0)


def _frequency(low: float = 0.0, high: float = math.inf, positive: bool = True) -> _Field:
    return _Field("quantity", "frequency", low, high, positive=positive)


_RELAX = _Field("choice", ("ground", "mixed"))
_FIELDS: dict[str, _Field] = {
    "qubits.data": _Field("int", required=True),
    "qubits.storage": _Field("int", required=True),
    "gates.native": _Field("list", required=True),
    "gates.one_qubit.duration": _time(required=True),
    "gates.one_qubit.fidelity": _prob(required=True),
    "gates.two_qubit.name": _Field("str", required=True),
    "gates.two_qubit.duration": _time(required=True),
    "gates.two_qubit.fidelity": _prob(required=True),
    "measurement.duration": _time(required=True),
    "measurement.fidelity": _prob(required=True),
    "memory.t1": _time(),
    "memory.t2": _time(),
    "memory.relax_to": _RELAX,
    "communication.qubits": _Field("int", low=1),
    "communication.t1": _time(),
    "communication.t2": _time(),
    "communication.relax_to": _RELAX,
    "communication.emission_probability": _prob(),
    "communication.collection_efficiency": _prob(),
    "communication.emission_time": _time(),
    "communication.reset_time": _time(positive=False),
    "communication.wavelength": _wavelength(),
    "communication.linewidth": _frequency(),
    "communication.encoding": _Field("choice", tuple(e.value for e in Encoding)),
    "communication.indistinguishability": _prob(),
    "communication.spin_photon_fidelity": _prob(low=0.25),
    "communication.double_excitation_probability": _prob(),
    "communication.transfer_time": _time(positive=False),
    "communication.transfer_fidelity": _prob(),
    "communication.burst": _time(),
    "communication.pause": _time(positive=False),
    "communication.converter.input_wavelength": _wavelength(),
    "communication.converter.output_wavelength": _wavelength(),
    "communication.converter.efficiency": _prob(),
    "communication.converter.noise_rate": _frequency(positive=False),
    "communication.converter.output_encoding": _Field("choice", tuple(e.value for e in Encoding)),
    "communication.converter.encoding_efficiency": _prob(),
    "communication.transducer.efficiency": _prob(),
    "communication.transducer.added_noise": _Field("number"),
    "communication.transducer.bandwidth": _frequency(),
    "communication.transducer.input_frequency": _frequency(1e8, 1e12),
    "communication.transducer.output_wavelength": _wavelength(),
    "communication.transducer.repetition_rate": _frequency(),
    "control.feed_forward_latency": _time(required=True, positive=False),
    "control.qec_cycle_time": _time(required=True),
    "photonic.wavelength": _wavelength(),
    "photonic.delay_line_loss": _Field("quantity", "loss_rate"),
    "photonic.clock_rate": _frequency(),
    "photonic.hom_visibility": _prob(),
    "photonic.fusion_fidelity": _prob(),
    "photonic.interconnect_fidelity": _prob(),
    "photonic.loss_threshold_per_photon": _prob(),
}
#: Fidelities that must declare their measure, and the measures each accepts.
MEASURED_FIELDS: dict[str, tuple[str, ...]] = {
    "gates.one_qubit.fidelity": GATE_MEASURES,
    "gates.two_qubit.fidelity": GATE_MEASURES,
    "measurement.fidelity": READOUT_MEASURES,
}
_TOP_LEVEL = {"schema_version", "name", "platform", "title", "sources", "qubits", "gates",
              "measurement", "memory", "communication", "control", "photonic"}
_COMMUNICATION_REQUIRED = [p for p in _FIELDS if p.startswith("communication.")
                           and p.count(".") == 1 and p.split(".")[1] not in ("burst", "pause")]


def _profile_dir() -> Any:
    return resources.files("qdcnet.hardware").joinpath("data", "profiles")


def available_profiles() -> list[str]:
    """Names of the profiles shipped with qdcnet."""
    return sorted(p.name[: -len(".yaml")] for p in _profile_dir().iterdir()
                  if p.name.endswith(".yaml"))


def _suggest(word: str, options: list[str] | set[str]) -> str:
    close = difflib.get_close_matches(word, sorted(options), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def flatten_document(document: Mapping[str, Any], where: str) -> dict[str, Any]:
    """Leaves keyed by dotted path; a leaf is a {value, ...} mapping or a bare value."""
    out: dict[str, Any] = {}

    def walk(node: Any, prefix: str) -> None:
        if isinstance(node, Mapping) and "value" not in node:
            for key, child in node.items():
                walk(child, f"{prefix}.{key}" if prefix else str(key))
        else:
            out[prefix] = node

    for key, section in document.items():
        if key in ("schema_version", "name", "platform", "title", "sources"):
            continue
        if section is None:
            continue
        walk(section, key)
    for path in out:
        if path not in _FIELDS:
            known = [p for p in _FIELDS if p.rsplit(".", 1)[0] == path.rsplit(".", 1)[0]]
            hint = _suggest(path, known or set(_FIELDS))
            raise ProfileError(f"{where}: unknown field {path!r}{hint}")
    return out


def _convert(path: str, raw: Any, where: str) -> Any:
    kind, extra, low, high, _, positive = _FIELDS[path]
    if kind == "quantity":
        if isinstance(raw, str) and raw.strip() in ("inf", "infinite", "never"):
            return math.inf
        try:
            value = parse(raw, extra, name=f"{where}: {path}").si
        except UnitError as exc:
            raise ProfileError(str(exc)) from None
    elif kind == "number":
        if isinstance(raw, bool) or not isinstance(raw, (int, float)):
            raise ProfileError(f"{where}: {path} = {raw!r} is not a number")
        value = float(raw)
    elif kind == "int":
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise ProfileError(f"{where}: {path} = {raw!r} is not an integer")
        value = raw
    elif kind == "choice":
        if raw not in extra:
            raise ProfileError(f"{where}: {path} = {raw!r} is not one of {', '.join(extra)}"
                               f"{_suggest(str(raw), set(extra))}")
        return raw
    elif kind == "list":
        if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
            raise ProfileError(f"{where}: {path} must be a list of gate names")
        return tuple(raw)
    else:
        if not isinstance(raw, str):
            raise ProfileError(f"{where}: {path} = {raw!r} is not a string")
        return raw
    too_low = value <= low if positive else value < low
    if (too_low or value > high or value != value  # value != value: NaN
            or (value == math.inf and extra != "time")):
        bound = f"{'(' if positive else '['}{low:g}, {high:g}]"
        raise ProfileError(f"{where}: {path} = {raw!r} is out of range: allowed {bound}")
    return value


def _leaf(path: str, node: Any, sources: Mapping[str, str], where: str,
          ) -> tuple[Any, Provenance]:
    kind = _FIELDS[path].kind
    if not isinstance(node, Mapping):
        if kind in ("str", "choice", "list"):
            return _convert(path, node, where), Provenance("definition", "")
        raise ProfileError(
            f"{where}: {path} = {node!r} has no source; write "
            f"{{value: {node!r}, source: <key>}} or {{value: ..., assumption: \"why\"}}"
        )
    keys = {"value", "source", "assumption", "note"} | (
        {"measure"} if path in MEASURED_FIELDS else set())
    unknown = set(node) - keys
    if unknown:
        word = sorted(unknown)[0]
        raise ProfileError(f"{where}: {path} has unknown key {word!r}"
                           f"{_suggest(word, keys)}")
    value = _convert(path, node["value"], where)
    note = str(node.get("note", ""))
    if path in MEASURED_FIELDS:
        return value, _measured(_leaf_provenance(path, node, sources, where, note),
                                path, node.get("measure"), where)
    return value, _leaf_provenance(path, node, sources, where, note)


def _measured(provenance: Provenance, path: str, measure: Any, where: str) -> Provenance:
    """The provenance with the fidelity's measure, checked."""
    allowed = MEASURED_FIELDS[path]
    words = ", ".join(f"{m} ({MEASURE_NAMES[m]})" for m in allowed)
    if measure is None:
        raise ProfileError(f"{where}: {path} needs a measure: add measure: <one of {words}> "
                           "next to its value, as the source quotes it")
    if measure not in allowed:
        raise ProfileError(f"{where}: {path} has measure {measure!r}; allowed: {words}"
                           f"{_suggest(str(measure), set(allowed))}")
    return dataclasses.replace(provenance, measure=str(measure))


def _leaf_provenance(path: str, node: Mapping[str, Any], sources: Mapping[str, str],
                     where: str, note: str) -> Provenance:
    kind = _FIELDS[path].kind
    if "source" in node and "assumption" in node:
        raise ProfileError(f"{where}: {path} has both a source and an assumption; choose one")
    if "source" in node:
        key = node["source"]
        if key not in sources:
            raise ProfileError(f"{where}: {path} cites unknown source {key!r}"
                               f"{_suggest(str(key), set(sources))}")
        return Provenance("source", sources[key], note, key=str(key))
    if "assumption" in node:
        return Provenance("assumption", str(node["assumption"]), note)
    if kind in ("str", "choice", "list"):
        return Provenance("definition", note)
    raise ProfileError(f"{where}: {path} has no source or assumption")


@functools.lru_cache(maxsize=64)
def _parse_shipped(name: str) -> tuple[dict[str, Any], str] | None:
    candidate = _profile_dir().joinpath(f"{name}.yaml")
    if not candidate.is_file():
        return None
    return _parse(candidate.read_text(), f"profile {name}"), f"profile {name}"


def _parse(text: str, where: str) -> dict[str, Any]:
    try:
        document = yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        raise ProfileError(f"{where}: not valid YAML: {exc}") from None
    if not isinstance(document, dict):
        found = "nothing" if document is None else (
            "a list" if isinstance(document, list) else f"a single {type(document).__name__}")
        raise ProfileError(f"{where}: a profile is a YAML mapping of sections, found {found}")
    return document


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_text_file(path: str | Path, what: str = "a YAML text file",
                   error: type[QdcnetError] = ProfileError) -> str:
    """The text of a file the user named, or one line (an ``error``) saying why not.

    A directory, a binary file (bytes that are not UTF-8, or NUL bytes), a file
    that cannot be read and an empty file are refused here, naming the path
    and what was expected, instead of surfacing as ``IsADirectoryError`` or
    ``UnicodeDecodeError`` from deep inside a loader. (The configuration
    layer reads scenario files through this too.)
    """
    file = Path(path)
    if not file.exists():
        raise error(f"{path}: no such file (expected {what})")
    if file.is_dir():
        raise error(f"{path}: is a directory, not a file (expected {what})")
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise error(f"{path}: cannot be read ({exc.strerror or exc}; expected {what})"
                    ) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(f"{path}: is not a text file (byte {exc.start} is not UTF-8; "
                    f"expected {what})") from None
    if "\x00" in text:
        raise error(f"{path}: is not a text file (it holds NUL bytes; expected {what})")
    if not text.strip():
        raise error(f"{path}: is empty (expected {what})")
    return text


def read_document(name_or_path: str | Path) -> tuple[dict[str, Any], str]:
    """A profile's raw document (shipped name or file path) and where it came from."""
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") or path.exists():
        if not path.exists():
            raise ProfileError(f"profile file {str(path)!r} does not exist")
        text, where = read_text_file(path, "a YAML profile file"), str(path)
        return _parse(text, where), where
    name = str(name_or_path)
    parsed = _parse_shipped(name)
    if parsed is None:
        known = available_profiles()
        raise ProfileError(f"unknown profile {name!r}; known profiles: {', '.join(known)}"
                           f"{_suggest(name, set(known))}")
    # The cache holds the parsed file; overrides must not touch it.
    return copy.deepcopy(parsed[0]), parsed[1]


def _set_path(document: dict[str, Any], path: str, value: Any) -> None:
    node = document
    parts = path.split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise ProfileError(f"override {path!r}: {part!r} is not a section")
    old = node.get(parts[-1])
    # A new figure for a fidelity keeps the measure the file declares, unless the
    # override names its own: {"value": 0.999, "measure": "pauli"}.
    measure = old.get("measure") if isinstance(old, Mapping) else None
    if path in MEASURED_FIELDS and isinstance(value, Mapping):
        unknown = set(value) - {"value", "measure"}
        if unknown or "value" not in value:
            raise ProfileError(f"override {path!r}: write a number, or "
                               "{value: ..., measure: ...}")
        measure = value.get("measure", measure)
        value = value["value"]
    node[parts[-1]] = {"value": value, "__override__": True, "measure": measure}


def load_profile(
    name_or_path: str | Path, overrides: Mapping[str, Any] | None = None
) -> PlatformProfile:
    """Load a shipped profile by name, or a profile file by path, with optional overrides.

    Parameters
    ----------
    name_or_path
        A name from :func:`available_profiles` or a path to a YAML file.
    overrides
        Dotted field paths to new values, e.g. ``{"memory.t2": "2 s",
        "communication.collection_efficiency": 0.2}``. Overridden fields are
        recorded as such in :attr:`PlatformProfile.provenance`. A new gate or
        readout fidelity keeps the measure the file declares, or names its
        own: ``{"gates.two_qubit.fidelity": {"value": 0.998, "measure": "pauli"}}``.
    """
    document, where = read_document(name_or_path)
    unknown = set(document) - _TOP_LEVEL
    if unknown:
        word = sorted(unknown)[0]
        raise ProfileError(f"{where}: unknown section {word!r}{_suggest(word, _TOP_LEVEL)}")
    version = document.get("schema_version")
    if version != SCHEMA_VERSION:
        raise ProfileError(f"{where}: schema_version = {version!r}; this qdcnet reads "
                           f"version {SCHEMA_VERSION}")
    for key in ("name", "platform", "title"):
        if not isinstance(document.get(key), str) or not document[key]:
            raise ProfileError(f"{where}: {key} must be a non-empty string")
    platform = document["platform"]
    if platform not in PLATFORMS:
        raise ProfileError(f"{where}: platform = {platform!r} is not one of "
                           f"{', '.join(PLATFORMS)}{_suggest(platform, set(PLATFORMS))}")
    sources = document.get("sources") or {}
    if not isinstance(sources, dict) or not all(isinstance(v, str) for v in sources.values()):
        raise ProfileError(f"{where}: sources must map keys to citations")
    values, provenance = _values(document, overrides, sources, where)
    return _build(document, values, provenance, sources, where)


def profile_values(name_or_path: str | Path,
                   overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Every field the profile sets, by dotted path, overrides applied; quantities in SI.

    The values a loaded :class:`PlatformProfile` is built from, for tools that
    name fields by path (a design study improving ``communication.t2``).

    >>> profile_values("trapped_ion_oxford", {"communication.t2": "20 ms"})["communication.t2"]
    0.02
    """
    load_profile(name_or_path, overrides)  # every check of a load, once
    document, where = read_document(name_or_path)
    return _values(document, overrides, document.get("sources") or {}, where)[0]


def field_dimension(path: str) -> str | None:
    """The dimension of a profile field that is a quantity (``"time"``, ...), else None.

    >>> field_dimension("memory.t2"), field_dimension("gates.two_qubit.fidelity")
    ('time', None)
    """
    if path not in _FIELDS:
        raise ProfileError(f"{path!r} is not a profile field{_suggest(path, _FIELDS.keys())}")
    spec = _FIELDS[path]
    return spec.extra if spec.kind == "quantity" else None


def _values(document: dict[str, Any], overrides: Mapping[str, Any] | None,
            sources: Mapping[str, str], where: str
            ) -> tuple[dict[str, Any], dict[str, Provenance]]:
    for path, value in (overrides or {}).items():
        if path not in _FIELDS:
            raise ProfileError(f"override {path!r} is not a profile field"
                               f"{_suggest(path, _FIELDS.keys())}")
        _set_path(document, path, value)
    values: dict[str, Any] = {}
    provenance: dict[str, Provenance] = {}
    for path, node in flatten_document(document, where).items():
        if isinstance(node, Mapping) and node.get("__override__"):
            values[path] = _convert(path, node["value"], f"{where} (override)")
            provenance[path] = Provenance("override", f"override: {node['value']!r}")
            if path in MEASURED_FIELDS:
                provenance[path] = _measured(provenance[path], path, node["measure"], where)
        else:
            values[path], provenance[path] = _leaf(path, node, sources, where)
    for path, spec in _FIELDS.items():
        if spec.required and path not in values:
            raise ProfileError(f"{where}: missing required field {path!r}")
    return values, provenance


def _require(values: dict[str, Any], paths: list[str], where: str, why: str) -> None:
    missing = [p for p in paths if p not in values]
    if missing:
        raise ProfileError(f"{where}: {why} needs {', '.join(missing)}")


def _memory(values: dict[str, Any], prefix: str, where: str) -> QuantumMemory:
    try:
        return QuantumMemory(values[f"{prefix}.t1"], values[f"{prefix}.t2"],
                             relax_to=values.get(f"{prefix}.relax_to", "ground"))
    except ParameterError as exc:
        raise ProfileError(f"{where}: {prefix}: {exc}") from None


def _build(document: dict[str, Any], values: dict[str, Any], provenance: dict[str, Provenance],
           sources: Mapping[str, str], where: str) -> PlatformProfile:
    platform = document["platform"]
    memory = None
    if platform == "photonic":
        if any(p.startswith("memory.") for p in values):
            raise ProfileError(f"{where}: a photonic platform has no matter memory (no T1/T2); "
                               "describe delay lines in the photonic section")
        _require(values, [p for p in _FIELDS if p.startswith("photonic.")], where,
                 "a photonic platform")
    else:
        _require(values, ["memory.t1", "memory.t2"], where, f"a {platform} platform")
        memory = _memory(values, "memory", where)
    communication = None
    if any(p.startswith("communication.") for p in values):
        _require(values, _COMMUNICATION_REQUIRED, where, "a communication section")
        converter = transducer = None
        if any(p.startswith("communication.converter.") for p in values):
            keys = ["input_wavelength", "output_wavelength", "efficiency"]
            _require(values, [f"communication.converter.{k}" for k in keys], where,
                     "a converter")
            try:
                converter = FrequencyConverter(
                    values["communication.converter.input_wavelength"],
                    values["communication.converter.output_wavelength"],
                    values["communication.converter.efficiency"],
                    values.get("communication.converter.noise_rate", 0.0),
                    values.get("communication.converter.output_encoding"),
                    values.get("communication.converter.encoding_efficiency", 1.0),
                )
            except ParameterError as exc:
                raise ProfileError(f"{where}: communication.converter: {exc}") from None
        if any(p.startswith("communication.transducer.") for p in values):
            keys = ["efficiency", "added_noise", "bandwidth", "input_frequency",
                    "output_wavelength"]
            _require(values, [f"communication.transducer.{k}" for k in keys], where,
                     "a transducer")
            transducer = Transducer(*(values[f"communication.transducer.{k}"] for k in keys),
                                    repetition_rate_hz=values.get(
                                        "communication.transducer.repetition_rate"))
        try:
            emitter = Emitter(
                values["communication.emission_probability"],
                values["communication.collection_efficiency"],
                values["communication.emission_time"],
                values["communication.reset_time"],
                values["communication.linewidth"],
                values["communication.wavelength"],
                Encoding(values["communication.encoding"]),
            )
        except ParameterError as exc:
            raise ProfileError(f"{where}: communication: {exc}") from None
        communication = CommunicationInterface(
            num_qubits=values["communication.qubits"],
            memory=_memory(values, "communication", where),
            emitter=emitter,
            indistinguishability=values["communication.indistinguishability"],
            spin_photon_fidelity=values["communication.spin_photon_fidelity"],
            double_excitation_probability=values["communication.double_excitation_probability"],
            transfer_time_s=values["communication.transfer_time"],
            transfer_fidelity=values["communication.transfer_fidelity"],
            burst_s=values.get("communication.burst"),
            pause_s=values.get("communication.pause"),
            converter=converter,
            transducer=transducer,
        )
        communication.telecom_interface()  # a converter must accept the emitter's photons
    photonic = None
    if platform == "photonic":
        photonic = PhotonicSection(
            wavelength_m=values["photonic.wavelength"],
            delay_line_loss_db_per_s=values["photonic.delay_line_loss"],
            clock_rate_hz=values["photonic.clock_rate"],
            hom_visibility=values["photonic.hom_visibility"],
            fusion_fidelity=values["photonic.fusion_fidelity"],
            interconnect_fidelity=values["photonic.interconnect_fidelity"],
            loss_threshold_per_photon=values["photonic.loss_threshold_per_photon"],
        )
    return PlatformProfile(
        name=document["name"],
        platform=platform,
        title=document["title"],
        data_qubits=values["qubits.data"],
        storage_qubits=values["qubits.storage"],
        native_gates=values["gates.native"],
        one_qubit_gate=Gate("one_qubit", values["gates.one_qubit.duration"],
                            values["gates.one_qubit.fidelity"],
                            provenance["gates.one_qubit.fidelity"].measure),
        two_qubit_gate=Gate(values["gates.two_qubit.name"], values["gates.two_qubit.duration"],
                            values["gates.two_qubit.fidelity"],
                            provenance["gates.two_qubit.fidelity"].measure),
        measurement_time_s=values["measurement.duration"],
        measurement_fidelity=values["measurement.fidelity"],
        measurement_measure=provenance["measurement.fidelity"].measure,
        memory=memory,
        communication=communication,
        feed_forward_latency_s=values["control.feed_forward_latency"],
        qec_cycle_time_s=values["control.qec_cycle_time"],
        photonic=photonic,
        sources=dict(sources),
        provenance=provenance,
    )
