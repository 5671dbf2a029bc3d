"""Link scenarios: one heralded segment between two QPUs, described in a YAML file.

A link scenario names a platform profile (plus overrides) at each end, the
fibre from each end to the midpoint station, the station's detectors, the
scheme, and the run (duration, seed, cutoff, demand). It may carry the
published figures it reproduces, so ``qdcnet link`` can show them beside
the model and the simulation.

Examples
--------
>>> scenario = LinkScenario.model_validate({
...     "schema_version": 1, "kind": "link", "name": "demo", "scheme": "two_click",
...     "ends": [
...         {"name": "ion", "profile": "trapped_ion_helios_854",
...          "overrides": {"communication.converter.output_wavelength": "1522 nm"},
...          "fiber": {"length": "50 m"}},
...         {"name": "atom", "profile": "neutral_atom", "fiber": {"length": "50 m"}}]})
>>> spec = scenario.build()
>>> spec.scheme, spec.end_a.photon.wavelength_m
('two_click', 1.522e-06)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator

from qdcnet.config.common import (
    MAX_SEED,
    EventRate,
    FiberLength,
    Frequency,
    Loss,
    PhaseSpread,
    ScenarioError,
    Seconds,
    StrictModel,
    format_validation_error,
    read_yaml,
)
from qdcnet.errors import QdcnetError
from qdcnet.hardware.components import BSMStation, Detector
from qdcnet.hardware.profiles import load_profile
from qdcnet.link.build import default_detector, emitter_end
from qdcnet.link.spec import EmitterEnd, SingleClickLink, TwoClickLink

__all__ = ["LinkScenario", "load_link_scenario", "validate_link_document"]

SCHEMA_VERSION = 1


class DetectorConfig(StrictModel):
    efficiency: float = Field(ge=0.0, le=1.0)
    dark_count_rate: Frequency = Field(default=0.0, ge=0.0)
    detection_window: Seconds = Field(default=10e-9, gt=0.0)
    dead_time: Seconds = Field(default=0.0, ge=0.0)
    jitter: Seconds = Field(default=0.0, ge=0.0)
    photon_number_resolving: bool = False

    def build(self) -> Detector:
        return Detector(self.efficiency, self.dark_count_rate, self.detection_window,
                        self.dead_time, self.jitter, self.photon_number_resolving)


class StationConfig(StrictModel):
    detector: DetectorConfig | None = None
    insertion_loss: Loss = Field(default=0.0, ge=0.0)
    processing_latency: Seconds = Field(default=0.0, ge=0.0)
    resolvable_bell_states: Literal[1, 2] = 2


class FiberConfig(StrictModel):
    length: FiberLength = Field(ge=0.0)
    attenuation: float | None = Field(default=None, ge=0.0,
                                      description="dB/km; the default follows the wavelength")

    @field_validator("attenuation", mode="before")
    @classmethod
    def _db_per_km(cls, value: Any) -> Any:
        if isinstance(value, str):
            from qdcnet.units import UnitError, convert

            try:
                return convert(value, "dB/km")
            except UnitError as exc:
                raise ValueError(str(exc)) from None
        if value is not None and not isinstance(value, str):
            raise ValueError("write an attenuation with its unit, e.g. '0.2 dB/km'")
        return value


class EndConfig(StrictModel):
    name: str = Field(min_length=1)
    profile: str
    overrides: dict[str, Any] = Field(default_factory=dict)
    fiber: FiberConfig
    convert: bool = True
    extra_loss: Loss = Field(default=0.0, ge=0.0)
    processing_latency: Seconds = Field(default=0.0, ge=0.0)
    communication_qubits: int | None = Field(default=None, ge=1)

    def build(self) -> EmitterEnd:
        profile = load_profile(self.profile, self.overrides)
        return emitter_end(
            self.name, profile, fiber_length_m=self.fiber.length, convert=self.convert,
            attenuation_db_per_km=self.fiber.attenuation, extra_loss_db=self.extra_loss,
            processing_latency_s=self.processing_latency,
            num_communication_qubits=self.communication_qubits,
        )


class SingleClickConfig(StrictModel):
    alpha_a: float = Field(gt=0.0, lt=1.0)
    alpha_b: float = Field(gt=0.0, lt=1.0)
    phase_noise: PhaseSpread = 0.0


class PublishedConfig(StrictModel):
    source: str
    rate: Frequency | None = Field(default=None, ge=0.0)
    fidelity: float | None = Field(default=None, ge=0.0, le=1.0)
    note: str = ""


class LinkScenario(StrictModel):
    """A link scenario file (``kind: link``)."""

    schema_version: int
    kind: Literal["link"]
    name: str = Field(min_length=1)
    description: str = ""
    seed: int = Field(default=1, ge=0, le=MAX_SEED)
    duration: Seconds = Field(default=10.0, gt=0.0)
    scheme: Literal["single_click", "two_click"]
    ends: list[EndConfig] = Field(min_length=2, max_length=2)
    station: StationConfig = StationConfig()
    single_click: SingleClickConfig | None = None
    cutoff: Seconds | None = Field(default=None, gt=0.0)
    demand_rate: EventRate | None = Field(default=None, gt=0.0)
    skip_failures: bool = True
    published: PublishedConfig | None = None
    assumptions: list[str] = Field(default_factory=list)

    @field_validator("schema_version")
    @classmethod
    def _version(cls, value: int) -> int:
        if value != SCHEMA_VERSION:
            raise ValueError(f"this qdcnet reads schema_version {SCHEMA_VERSION}")
        return value

    def build(self) -> SingleClickLink | TwoClickLink:
        """The segment specification (profiles loaded, compatibility checked)."""
        end_a, end_b = (end.build() for end in self.ends)
        detector = (self.station.detector.build() if self.station.detector is not None
                    else default_detector(end_a.photon.wavelength_m))
        station = BSMStation(detector, self.station.insertion_loss,
                             self.station.resolvable_bell_states, self.station.processing_latency)
        if self.scheme == "single_click":
            if self.single_click is None:
                raise ScenarioError(f"{self.name}: scheme single_click needs a single_click "
                                    "section with alpha_a and alpha_b")
            return SingleClickLink(end_a, end_b, station, alpha_a=self.single_click.alpha_a,
                                   alpha_b=self.single_click.alpha_b,
                                   phase_noise_rad=self.single_click.phase_noise, name=self.name)
        return TwoClickLink(end_a, end_b, station, name=self.name)


def load_link_scenario(path: str | Path) -> tuple[LinkScenario, dict[str, Any]]:
    """Read and validate a link scenario file; returns the model and the raw document.

    Every problem (unknown field, bad unit, out-of-range value, unknown
    profile, incompatible ends) is reported before anything runs.
    """
    document, where = read_yaml(path)
    return validate_link_document(document, where), document


def validate_link_document(document: Any, where: str = "link scenario") -> LinkScenario:
    """Validate a link scenario document (a mapping), its ends built, or ScenarioError."""
    try:
        scenario = LinkScenario.model_validate(document)
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(exc, LinkScenario, where)) from None
    try:
        scenario.build()
    except QdcnetError as exc:
        raise ScenarioError(f"{where}: {exc}") from None
    return scenario
