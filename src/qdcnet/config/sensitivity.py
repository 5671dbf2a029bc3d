"""A sensitivity study file: which component parameter, improved by k, helps most.

A sensitivity file (YAML)::

    sensitivity: two-racks-cross-rack
    base: two_racks.yaml                 # or scenario: {...} inline
    run: {duration: 1 s}                 # as in a sweep study
    metric: requests[request=cross-rack].time_to_completion_s
    better: lower                        # lower or higher is better
    factor: 2                            # k
    degrade: false                       # also worsen each by k (a two-sided tornado)
    parameters:
      - field: qpus[*].overrides.communication.t2          # kind from the name
      - field: qpus[*].overrides.communication.collection_efficiency
        label: collection
      - field: classical.per_hop
        kind: duration                                   # a name that does not say it
    repetitions: 10
    seed: 1

Each parameter's value is the one in effect: written in the scenario, or
else the node's profile with its overrides (``qpus[...].overrides.X``), or
else the schema's default. A field whose value cannot improve by its rule
(a fidelity of 1, no loss, an infinite T2) or that is not set at all is
refused with the reason before anything runs, as is a field whose kind the
name does not say (``kind:`` then names it; see
:data:`qdcnet.sweep.sensitivity.KINDS`).

The tasks are the baseline and each variant, ``repetitions`` times;
repetition ``r`` of every variant runs with one seed (common random
numbers), derived from the root seed and ``r``.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import Field, model_validator

from qdcnet.config.common import ScenarioError, StrictModel
from qdcnet.config.study import StudyFile, read_base, read_study_file
from qdcnet.errors import ParameterError, QdcnetError
from qdcnet.provenance import content_hash
from qdcnet.sweep.paths import expand_path, get_path, parse_path, set_path
from qdcnet.sweep.sensitivity import KINDS, ParameterKind, infer_kind, rank_parameters
from qdcnet.sweep.tasks import Task, derive_seed
from qdcnet.units import UnitError, parse

__all__ = ["Change", "SensitivityConfig", "SensitivityResult", "SensitivityStudy", "Variant",
           "analyse", "build_sensitivity", "crn_seed", "load_sensitivity"]

_NEVER = ("inf", "infinite", "never")


class ParameterConfig(StrictModel):
    field: str
    kind: Literal[tuple(KINDS)] | None = None  # type: ignore[valid-type]
    label: str | None = Field(default=None, min_length=1, max_length=80)

    @model_validator(mode="after")
    def _path(self) -> ParameterConfig:
        parse_path(self.field)
        return self

    @property
    def name(self) -> str:
        """The label, else the field without ``overrides.`` (``qpus[*].communication.t2``)."""
        return self.label or self.field.replace(".overrides.", ".")


class SensitivityConfig(StudyFile):
    """The sensitivity file (see the module docstring)."""

    sensitivity: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    metric: str
    better: Literal["lower", "higher"]
    factor: float = Field(gt=1.0, le=1e6)
    degrade: bool = False
    parameters: list[ParameterConfig] = Field(min_length=1, max_length=200)
    repetitions: int = Field(default=10, ge=2, le=10_000)

    @model_validator(mode="after")
    def _consistent(self) -> SensitivityConfig:
        parse_path(self.metric)
        labels = [p.name for p in self.parameters]
        repeated = sorted({label for label in labels if labels.count(label) > 1})
        if repeated:
            raise ValueError(f"parameters named twice: {', '.join(repeated)} (a label "
                             "tells two apart)")
        return self


@dataclass(frozen=True)
class Change:
    """One element's value of a parameter: as in effect, and as a variant writes it."""

    path: str
    before: Any
    after: Any


@dataclass(frozen=True)
class Variant:
    """A parameter improved (or worsened) by k: the values it changes."""

    label: str
    field: str
    kind: str
    direction: Literal["improve", "degrade"]
    changes: tuple[Change, ...]

    @property
    def summary(self) -> str:
        """``before -> after`` when every element agrees, else the range."""
        befores = {str(c.before) for c in self.changes}
        afters = {str(c.after) for c in self.changes}
        if len(befores) == 1 and len(afters) == 1:
            return f"{befores.pop()} -> {afters.pop()}"
        return f"{len(self.changes)} elements, each by its rule"

    def to_dict(self) -> dict[str, Any]:
        return {"parameter": self.label, "field": self.field, "kind": self.kind,
                "rule": KINDS[self.kind].rule, "direction": self.direction,
                "changes": [{"path": c.path, "before": c.before, "after": c.after}
                            for c in self.changes]}


@dataclass
class SensitivityStudy:
    """A loaded sensitivity study: its tasks (for the sweep driver) and variants."""

    config: SensitivityConfig
    kind: str
    variants: list[Variant]
    tasks: list[Task] = field(default_factory=list)
    #: task id -> (variant label or "baseline", direction or "baseline", repetition)
    roles: dict[str, tuple[str, str, int]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.config.sensitivity


def load_sensitivity(path: str | Path, *, quick: bool = False) -> SensitivityStudy:
    """Read a sensitivity file and build every variant's tasks, each validated."""
    config, where = read_study_file(path, SensitivityConfig, quick=quick)
    return build_sensitivity(config, Path(path).resolve().parent, where)


def crn_seed(root_seed: int, repetition: int) -> int:
    """The seed of repetition ``repetition`` of every variant (common random numbers)."""
    return derive_seed(root_seed, content_hash({"sensitivity_repetition": repetition})[:16])


def build_sensitivity(config: SensitivityConfig, base_dir: Path,
                      where: str = "sensitivity") -> SensitivityStudy:
    """The variants of ``config`` and their tasks, every scenario validated."""
    from qdcnet.config.study_runs import (
        check_metrics,
        check_run_options,
        resolve_paths,
        validate_scenario,
    )

    base, scenario_dir, kind = read_base(config.base, config.scenario, base_dir, where)
    check_run_options(kind, config.run, where)
    check_metrics(kind, [config.metric], where)
    resolved = resolve_paths(kind, base, scenario_dir)
    validated = validate_scenario(kind, resolved, scenario_dir, f"{where}: the base scenario")
    in_effect = validated.model_dump()
    directions: tuple[Literal["improve", "degrade"], ...] = (
        ("improve", "degrade") if config.degrade else ("improve",))
    variants = []
    for index, parameter in enumerate(config.parameters):
        at = f"{where}: parameters[{index}] ({parameter.field})"
        kind_name = parameter.kind or infer_kind(parameter.field)
        if kind_name is None:
            raise ScenarioError(f"{at}: the name does not say how it improves; give kind: "
                                f"one of {', '.join(KINDS)}")
        try:
            paths = expand_path(resolved, parameter.field)
        except QdcnetError as exc:
            raise ScenarioError(f"{at}: {exc}") from None
        if not paths:
            raise ScenarioError(f"{at}: the selector picks no element (an empty list): "
                                "nothing to improve")
        currents = [(p, _in_effect(resolved, in_effect, p, KINDS[kind_name], at))
                    for p in paths]
        for direction in directions:
            changes = tuple(Change(p, _shown(current),
                                   _changed(current, KINDS[kind_name], config.factor,
                                            direction, f"{at} at {p}"))
                            for p, current in currents)
            variants.append(Variant(parameter.name, parameter.field,
                                    kind_name, direction, changes))
    study = SensitivityStudy(config, kind, variants)
    seen: dict[str, str] = {}
    # (label, direction, scenario as written, scenario with its files resolved)
    scenarios = [("baseline", "baseline", base, resolved)]
    for variant in variants:
        written = copy.deepcopy(base)
        for change in variant.changes:
            set_path(written, change.path, change.after)
        scenario = resolve_paths(kind, written, scenario_dir)
        validate_scenario(kind, scenario, scenario_dir, f"{where}: {variant.label} "
                          f"({variant.direction}d by {config.factor:g})")
        scenarios.append((variant.label, variant.direction, written, scenario))
    index = 0
    for label, direction, written, scenario in scenarios:
        identity = content_hash(written)
        if identity in seen:
            raise ScenarioError(f"{where}: {seen[identity]} and {label} ({direction}) give the "
                                "same scenario (one field named twice?)")
        seen[identity] = f"{label} ({direction})"
        for repetition in range(config.repetitions):
            canonical = {"kind": kind, "scenario": written, "run": config.run,
                         "repetition": repetition, "common_random_numbers": True}
            task_id = content_hash(canonical)[:16]
            point = {"parameter": label, "direction": direction}
            study.tasks.append(Task(task_id, index, point, repetition,
                                    crn_seed(config.seed, repetition), kind, scenario,
                                    dict(config.run), (config.metric,), config.sensitivity))
            study.roles[task_id] = (label, direction, repetition)
            index += 1
    return study


@dataclass(frozen=True)
class _Current:
    value: float
    unit: str | None  # None: a plain number
    measure: str | None = None  # a profile fidelity written {value, measure}


#: The unit a value takes when the scenario does not write it (the schema's default),
#: and that unit's dimension.
_DEFAULT_UNIT = {"time_constant": ("s", "time"), "duration": ("s", "time"),
                 "loss": ("dB", "loss"), "rate": ("Hz", "frequency")}


def _in_effect(written: dict[str, Any], validated: dict[str, Any], path: str,
               kind: ParameterKind, where: str) -> _Current:
    """The value of ``path`` in effect: as written, else from the profile, else the default."""
    try:
        raw = get_path(written, path)
    except ParameterError:
        raw = None
    if raw is not None:
        return _read(raw, kind, where)
    if ".overrides." in path:
        from qdcnet.hardware.profiles import ProfileError, field_dimension, profile_values
        from qdcnet.units import si_unit

        element_path, name = path.split(".overrides.", 1)
        element = get_path(validated, element_path)
        if not isinstance(element, dict) or "profile" not in element:
            raise ScenarioError(f"{where}: {element_path} has no profile to read {name} from")
        try:
            dimension = field_dimension(name)
            values = profile_values(element["profile"], element.get("overrides") or {})
        except ProfileError as exc:
            raise ScenarioError(f"{where}: {exc}") from None
        if name not in values:
            raise ScenarioError(f"{where}: profile {element['profile']} does not set {name} "
                                "(the node has no such component to improve)")
        value = values[name]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ScenarioError(f"{where}: {name} = {value!r} is not a number to improve")
        return _checked(float(value), si_unit(dimension) if dimension else None, dimension,
                        kind, where)
    try:
        value = get_path(validated, path)
    except ParameterError as exc:
        raise ScenarioError(f"{where}: {exc}") from None
    if value is None:
        raise ScenarioError(f"{where}: not set, and no default applies in its place; write "
                            "its value in the scenario to improve it")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ScenarioError(f"{where}: {value!r} is not a number to improve")
    if kind.bounded:
        return _checked(float(value), None, None, kind, where)
    if kind.name not in _DEFAULT_UNIT:
        raise ScenarioError(f"{where}: not written in the scenario (its default {value:g} "
                            f"applies), and a {kind.name}'s unit is not plain from its kind; "
                            "write its value with a unit to improve it")
    unit, dimension = _DEFAULT_UNIT[kind.name]
    return _checked(float(value), unit, dimension, kind, where)


def _read(raw: Any, kind: ParameterKind, where: str) -> _Current:
    measure = None
    if isinstance(raw, dict) and "value" in raw:  # a profile fidelity with its measure
        measure, raw = raw.get("measure"), raw["value"]
    if isinstance(raw, bool):
        raise ScenarioError(f"{where}: {raw!r} is not a number to improve")
    if isinstance(raw, int | float):
        return _checked(float(raw), None, None, kind, where, measure)
    if isinstance(raw, str):
        if raw.strip() in _NEVER:
            return _checked(math.inf, None, None, kind, where, measure)
        try:
            quantity = parse(raw)
        except UnitError as exc:
            raise ScenarioError(f"{where}: {exc}") from None
        unit = quantity.unit or None
        dimension = None if unit is None else quantity.dimension
        return _checked(float(quantity.magnitude), unit, dimension, kind, where, measure)
    raise ScenarioError(f"{where}: {raw!r} is not a number or a quantity to improve")


def _checked(value: float, unit: str | None, dimension: str | None, kind: ParameterKind,
             where: str, measure: str | None = None) -> _Current:
    if kind.bounded and unit is not None:
        raise ScenarioError(f"{where}: a {kind.name} is a plain number from 0 to 1; got one "
                            f"in {unit} (is kind: right?)")
    # "inf" is written without a unit: its dimension is the field's, whatever kind.
    if (not kind.bounded and math.isfinite(value)
            and (dimension or "number") not in kind.dimensions):
        raise ScenarioError(f"{where}: a {kind.name} is a {' or a '.join(kind.dimensions)}; "
                            f"got {'a plain number' if dimension is None else 'a ' + dimension}"
                            " (is kind: right?)")
    if not kind.improvable(value):
        shown = f"{value:g}{' ' + unit if unit else ''}"
        raise ScenarioError(f"{where}: {shown} cannot improve by its rule ({kind.name}: "
                            f"{kind.rule}): it is at {kind.limit}")
    return _Current(value, unit, measure)


def _shown(current: _Current) -> Any:
    return _written(current.value, current)


#: Prefixed units a value read in SI seconds or hertz is written in (largest first).
_PREFIXED = {"s": (("s", 1.0), ("ms", 1e-3), ("us", 1e-6), ("ns", 1e-9), ("ps", 1e-12)),
             "Hz": (("GHz", 1e9), ("MHz", 1e6), ("kHz", 1e3), ("Hz", 1.0))}


def _written(value: float, current: _Current) -> Any:
    text: Any = float(f"{value:.12g}")
    if current.unit in _PREFIXED and value > 0 and math.isfinite(value):
        # A value read in SI (a profile's, a default) is written as a person would.
        unit, scale = next(((u, f) for u, f in _PREFIXED[current.unit] if value >= f),
                           _PREFIXED[current.unit][-1])
        text = f"{value / scale:.12g} {unit}"
    elif current.unit is not None:
        text = f"{value:.12g} {current.unit}"
    if current.measure is not None:
        return {"value": text, "measure": current.measure}
    return text


def _changed(current: _Current, kind: ParameterKind, factor: float, direction: str,
             where: str) -> Any:
    rule = kind.improve if direction == "improve" else kind.degrade
    value = rule(current.value, factor)
    if not math.isfinite(value) or (kind.bounded and not 0.0 <= value <= 1.0):
        raise ScenarioError(f"{where}: {direction}d by {factor:g} it would be {value:g}, "
                            "outside [0, 1]; choose a smaller factor (or degrade: false)")
    return _written(value, current)


@dataclass
class SensitivityResult:
    """The analysis of a finished sensitivity study."""

    metric: str
    better: str
    factor: float
    repetitions_used: int
    repetitions_dropped: int
    baseline: float
    ranking: list[Any]  # qdcnet.sweep.sensitivity.Ranked, most helpful first
    degraded: dict[str, Any]  # label -> Effect, when degrade ran
    variants: list[Variant]

    def to_dict(self) -> dict[str, Any]:
        by_label = {(v.label, v.direction): v for v in self.variants}
        rows = []
        for ranked in self.ranking:
            row = ranked.to_dict() | {
                "kind": by_label[(ranked.parameter, "improve")].kind,
                "improved": by_label[(ranked.parameter, "improve")].to_dict()["changes"]}
            if ranked.parameter in self.degraded:
                row["degraded"] = self.degraded[ranked.parameter].to_dict()
            rows.append(row)
        return {"metric": self.metric, "better": self.better, "factor": self.factor,
                "repetitions_used": self.repetitions_used,
                "repetitions_dropped": self.repetitions_dropped,
                "baseline": self.baseline, "ranking": rows}


def analyse(study: SensitivityStudy, rows: list[dict[str, Any]], *,
            resamples: int = 2000) -> SensitivityResult:
    """Rank the study's parameters from its journal rows (one per finished task).

    A repetition enters only if every variant of it finished with a finite
    figure (the pairing needs all of them); the others are counted as dropped.
    """
    from qdcnet.sweep.sensitivity import paired_effect

    config = study.config
    figures: dict[tuple[str, str], dict[int, float]] = {}
    for row in rows:
        role = study.roles.get(row.get("task_id", ""))
        if role is None or row.get("error"):
            continue
        value = (row.get("metrics") or {}).get(config.metric)
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        if math.isfinite(value):
            figures.setdefault(role[:2], {})[role[2]] = float(value)
    keys = [("baseline", "baseline")] + [(v.label, v.direction) for v in study.variants]
    complete = [r for r in range(config.repetitions)
                if all(r in figures.get(key, {}) for key in keys)]
    if len(complete) < 2:
        missing = [f"{label} ({direction})" for label, direction in keys
                   if len(figures.get((label, direction), {})) < 2]
        raise ScenarioError(
            f"{config.metric}: only {len(complete)} repetition(s) have a finite figure for "
            "every variant, and a ranking needs 2; "
            + (f"without one: {', '.join(missing[:4])}" if missing else
               "the variants lack it in different repetitions")
            + " (a job that did not finish, a request never served, or failed tasks: see the "
            "journal)")

    def series(key: tuple[str, str]) -> np.ndarray:
        return np.array([figures[key][r] for r in complete])

    baseline = series(("baseline", "baseline"))
    improved = {v.label: series((v.label, "improve")) for v in study.variants
                if v.direction == "improve"}
    ranking = rank_parameters(baseline, improved, config.better, resamples=resamples,
                              seed=config.seed)
    degraded = {v.label: paired_effect(baseline, series((v.label, "degrade")), config.better)
                for v in study.variants if v.direction == "degrade"}
    return SensitivityResult(config.metric, config.better, config.factor, len(complete),
                             config.repetitions - len(complete), float(baseline.mean()),
                             ranking, degraded, study.variants)
