"""A study: one base scenario, axes over its fields, repetitions, the metrics to keep.

A study file (YAML)::

    study: t2-and-length
    base: two_racks.yaml           # a scenario file beside the study (or `scenario:` inline)
    run: {duration: 0.5 s}         # options of the run, per kind (see RUN_OPTIONS)
    axes:
      - field: qpus[*].overrides.communication.t2
        log: {start: 10 ms, stop: 1 s, num: 3}
      - field: fibers[0].length
        values: [10 m, 100 m]
    combine: grid                  # grid (every combination), zip, or random
    samples: 20                    # random only: points drawn
    repetitions: 3
    seed: 7
    metrics: [summary.qos_met, requests[name=r1].mean_fidelity]
    plots:                         # drawn into the output's plots/ when it finishes
      - {name: qos, x: communication.t2, y: [summary.qos_met], hue: length, log_x: true}
    quick:                         # what --quick changes: a smoke run of the same study
      repetitions: 1
      axes[0].log.num: 2

The kind of run follows the base scenario's ``kind``: ``datacenter`` (its
workload of requests and jobs, as ``qdcnet run``), ``link`` (as ``qdcnet
link``) or ``qec`` (a memory experiment across a seam, defined in
:mod:`qdcnet.config.qec`). Every task's scenario is validated before any
runs; a value that cannot be honoured (an axis field the scenario does not
have, an option this kind of run does not take) is refused with its field.

Each task is one point and one repetition (:class:`~qdcnet.sweep.tasks.Task`):
its id hashes the canonical task, its seed comes from the root seed and the
id. The sweep layer runs the tasks (:mod:`qdcnet.sweep`); this module and
:mod:`qdcnet.config.study_runs` are the edge that reads files and builds
scenarios.
"""

from __future__ import annotations

import copy
import itertools
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import Field, ValidationError, model_validator

from qdcnet.config.common import (
    MAX_SEED,
    ScenarioError,
    StrictModel,
    format_validation_error,
    read_yaml,
)
from qdcnet.errors import ParameterError, QdcnetError
from qdcnet.provenance import content_hash
from qdcnet.sweep.paths import parse_path, set_path
from qdcnet.sweep.tasks import Task, derive_seed
from qdcnet.units import UnitError, parse

__all__ = ["KINDS", "RUN_OPTIONS", "PlotConfig", "Study", "StudyConfig", "StudyFile",
           "apply_quick",
           "build_study", "load_study", "read_base", "read_study_file"]

KINDS = ("datacenter", "link", "qec")

#: The run options each kind takes (anything else is refused, never dropped).
RUN_OPTIONS: dict[str, tuple[str, ...]] = {
    "datacenter": ("duration", "policy"),
    # A link scenario's duration, cutoff and demand are its own fields (axes set them).
    "link": ("attempt_by_attempt",),
    "qec": (),
}

#: The most tasks one study may expand to (a typo in a range should not fill a disk).
MAX_TASKS = 1_000_000


class RangeConfig(StrictModel):
    """``start`` to ``stop`` (numbers, or quantities in one dimension), ``num`` points."""

    start: int | float | str
    stop: int | float | str
    num: int | None = Field(default=None, ge=1, le=100_000)


class AxisConfig(StrictModel):
    """One axis: a field and its values (given, or a linear or log range), or named
    ``cases``, each setting several fields at once (a platform: its profile, scheme, ...)."""

    field: str | None = None
    name: str | None = Field(default=None, min_length=1, max_length=64,
                             pattern=r"^[A-Za-z0-9_.-]+$")
    values: list[Any] | None = None
    linear: RangeConfig | None = None
    log: RangeConfig | None = None
    cases: dict[str, dict[str, Any]] | None = None

    @model_validator(mode="after")
    def _one_source(self) -> AxisConfig:
        given = [name for name in ("values", "linear", "log", "cases")
                 if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(f"axis {self.key}: give exactly one of values, linear, log or "
                             f"cases (got {', '.join(given) or 'none'})")
        if self.cases is not None:
            if self.field is not None or self.name is None:
                raise ValueError("an axis of cases has a name (its column) and no field: "
                                 "each case names the fields it sets")
            if not self.cases:
                raise ValueError(f"axis {self.name}: cases is empty")
            for case, fields in self.cases.items():
                if not fields:
                    raise ValueError(f"axis {self.name}: case {case} sets no field")
                for path in fields:
                    parse_path(path)
            return self
        if self.field is None:
            raise ValueError(f"axis {self.name or '?'}: give the field it sets")
        if self.name is not None:
            raise ValueError(f"axis {self.field}: name is for an axis of cases (the column "
                             "of a field's axis is the field)")
        if self.values is not None and not self.values:
            raise ValueError(f"axis {self.field}: values is empty")
        parse_path(self.field)
        return self

    @property
    def key(self) -> str:
        """The axis's column in the results: its field, or its name (cases)."""
        return self.field or self.name or "?"

    def assignments(self, value: Any) -> dict[str, Any]:
        """The fields a point's value of this axis sets."""
        if self.cases is not None:
            return self.cases[value]
        assert self.field is not None
        return {self.field: value}


class PlotConfig(StrictModel):
    """A picture the study draws when it finishes (as ``qdcnet plot`` would)."""

    name: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    x: str
    y: list[str] = Field(min_length=1, max_length=8)
    hue: str | None = None
    #: Only the rows with these values of other columns (a slice of a larger grid).
    where: dict[str, Any] = Field(default_factory=dict)
    log_x: bool = False
    log_y: bool = False


class StudyFile(StrictModel):
    """What every study file has (a sweep's and a sensitivity study's): the base
    scenario, as a file or inline, the run options, the root seed and ``quick:``."""

    base: str | None = None
    scenario: dict[str, Any] | None = None
    run: dict[str, Any] = Field(default_factory=dict)
    seed: int = Field(default=0, ge=0, le=MAX_SEED)
    #: What ``--quick`` changes (paths into this file), for a smoke run of the study.
    quick: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_base(self) -> StudyFile:
        if (self.base is None) == (self.scenario is None):
            raise ValueError("give the base scenario as a file (base: path) or inline "
                             "(scenario: {...}), one of them")
        return self


class StudyConfig(StudyFile):
    """The study file (see the module docstring)."""

    study: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    axes: list[AxisConfig] = Field(default_factory=list)
    combine: Literal["grid", "zip", "random"] = "grid"
    samples: int | None = Field(default=None, ge=1, le=MAX_TASKS)
    repetitions: int = Field(default=1, ge=1, le=10_000)
    metrics: list[str] = Field(default_factory=list)
    #: Pictures drawn into the output folder's plots/ when the sweep finishes.
    plots: list[PlotConfig] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> StudyConfig:
        if self.combine == "random" and self.samples is None:
            raise ValueError("combine: random needs samples: the number of points to draw")
        if self.combine != "random" and self.samples is not None:
            raise ValueError(f"samples is for combine: random; with combine: {self.combine} "
                             "the axes give the points")
        for axis in self.axes:
            span = axis.linear or axis.log
            if span is None:
                continue
            if self.combine == "random" and span.num is not None:
                raise ValueError(f"axis {axis.key}: num has no meaning when points are drawn "
                                 "at random (combine: random); remove it")
            if self.combine != "random" and span.num is None:
                raise ValueError(f"axis {axis.key}: a range needs num, the number of points")
        for metric in self.metrics:
            parse_path(metric)
        keys = [axis.key for axis in self.axes]
        if len(set(keys)) != len(keys):
            raise ValueError(f"two axes set one column: {', '.join(keys)} (one field per "
                             "axis; zip or cases set fields together)")
        names = [plot.name for plot in self.plots]
        if len(set(names)) != len(names):
            raise ValueError(f"plots: each needs its own name; got {', '.join(names)}")
        return self


@dataclass
class Study:
    """A loaded study: its configuration, base scenario and expanded tasks."""

    config: StudyConfig
    kind: str
    base: dict[str, Any]
    base_dir: Path
    tasks: list[Task] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.config.study


def _kind_of(document: dict[str, Any], where: str) -> str:
    kind = document.get("kind", "datacenter")
    if kind not in KINDS:
        raise ScenarioError(f"{where}: kind: {kind!r} cannot be swept; allowed: "
                            f"{', '.join(KINDS)}")
    return str(kind)


def _range_values(axis: AxisConfig) -> list[Any]:
    span = axis.linear or axis.log
    assert span is not None
    assert span.num is not None
    start, stop, unit, factor = _bounds(axis)
    if axis.log is not None:
        numbers = np.geomspace(start, stop, span.num)
    else:
        numbers = np.linspace(start, stop, span.num)
    return _formatted(numbers, unit, factor, span)


def _bounds(axis: AxisConfig) -> tuple[float, float, str | None, float]:
    """(start, stop) in the start's unit (None: plain numbers), and that unit's SI factor."""
    span = axis.linear or axis.log
    assert span is not None
    where = f"axes[{axis.field}]"
    if isinstance(span.start, str) != isinstance(span.stop, str):
        raise ParameterError(f"{where}.stop", span.stop, "the same kind as start: both numbers "
                             "or both quantities with units")
    if isinstance(span.start, str):
        try:
            first = parse(span.start, name=f"{where}.start")
            last = parse(span.stop, first.dimension, name=f"{where}.stop")  # type: ignore[arg-type]
        except UnitError as exc:
            raise ScenarioError(str(exc)) from None
        factor = parse(f"1 {first.unit}".strip()).si  # the start's unit, in SI
        start, stop, unit = float(first.magnitude), last.si / factor, first.unit
    else:
        start, stop, unit, factor = float(span.start), float(span.stop), None, 1.0
    if not (math.isfinite(start) and math.isfinite(stop)):
        raise ParameterError(where, (span.start, span.stop), "finite bounds")
    if axis.log is not None and (start <= 0 or stop <= 0):
        raise ParameterError(f"{where}.log", (span.start, span.stop),
                             "positive bounds (a log range)")
    return start, stop, unit, factor


def _formatted(numbers: np.ndarray, unit: str | None, factor: float,
               span: RangeConfig) -> list[Any]:
    if unit is not None:
        return [f"{x:.10g} {unit}".strip() for x in numbers]
    if all(isinstance(v, int) for v in (span.start, span.stop)) and all(
            float(x).is_integer() for x in numbers):
        return [int(x) for x in numbers]
    return [float(x) for x in numbers]


def _points(config: StudyConfig) -> list[dict[str, Any]]:
    axes = config.axes
    if not axes:
        return [{}]
    if config.combine == "random":
        rng = np.random.default_rng(np.random.SeedSequence([config.seed, 0x5EED]))
        points = []
        for _ in range(config.samples or 0):
            point = {}
            for axis in axes:
                choices = axis.values if axis.values is not None else (
                    list(axis.cases) if axis.cases is not None else None)
                if choices is not None:
                    point[axis.key] = choices[int(rng.integers(len(choices)))]
                    continue
                start, stop, unit, factor = _bounds(axis)
                if axis.log is not None:
                    x = math.exp(rng.uniform(math.log(start), math.log(stop)))
                else:
                    x = rng.uniform(start, stop)
                point[axis.key] = _formatted(np.array([x]), unit, factor,
                                               axis.linear or axis.log)[0]  # type: ignore[arg-type]
            points.append(point)
        return points
    columns = [axis.values if axis.values is not None else
               list(axis.cases) if axis.cases is not None else _range_values(axis)
               for axis in axes]
    if config.combine == "zip":
        lengths = {len(c) for c in columns}
        if len(lengths) != 1:
            raise ScenarioError("combine: zip needs axes of one length; got "
                                + ", ".join(f"{a.key}: {len(c)}"
                                            for a, c in zip(axes, columns, strict=True)))
        rows = list(zip(*columns, strict=True))
    else:
        count = math.prod(len(c) for c in columns)
        if count * config.repetitions > MAX_TASKS:
            raise ScenarioError(f"the grid has {count:,} points x {config.repetitions} "
                                f"repetitions, more than {MAX_TASKS:,} tasks")
        rows = list(itertools.product(*columns))
    return [{axis.key: value for axis, value in zip(axes, row, strict=True)} for row in rows]


def _validate(kind: str, scenario: dict[str, Any], base_dir: Path, where: str) -> None:
    from qdcnet.config.study_runs import validate_scenario

    validate_scenario(kind, scenario, base_dir, where)


def _check_plots(config: StudyConfig, kind: str, where: str) -> None:
    """Every plot names columns the rows will have (axis fields, metrics), before any runs."""
    from qdcnet.config.study_runs import DEFAULT_METRICS
    from qdcnet.sweep.plots import resolve_column

    columns = [{"inputs": {axis.key: None for axis in config.axes},
                "metrics": dict.fromkeys(config.metrics or DEFAULT_METRICS[kind])}]
    for plot in config.plots:
        named = [("x", plot.x), *(("y", y) for y in plot.y),
                 *((f"where.{column}", column) for column in plot.where)]
        if plot.hue is not None:
            named.append(("hue", plot.hue))
        for option, column in named:
            try:
                resolve_column(columns, column, f"plots[{plot.name}].{option}")
            except QdcnetError as exc:
                raise ScenarioError(f"{where}: {exc}") from None


def read_base(base: str | None, scenario: dict[str, Any] | None, base_dir: Path, where: str
              ) -> tuple[dict[str, Any], Path, str]:
    """The base scenario (a file named relative to ``base_dir``, or inline), the folder
    its own relative paths start from, and its kind."""
    if base is not None:
        base_path = Path(base).expanduser()
        base_path = base_path if base_path.is_absolute() else base_dir / base_path
        document, _ = read_yaml(base_path)
        scenario_dir = base_path.resolve().parent
    else:
        document, scenario_dir = dict(scenario or {}), base_dir
    return document, scenario_dir, _kind_of(document, where)


def apply_quick(document: dict[str, Any], where: str) -> dict[str, Any]:
    """The study document with its ``quick:`` changes made (and the section removed).

    >>> apply_quick({"repetitions": 10, "quick": {"repetitions": 2}}, "study")
    {'repetitions': 2}
    """
    quick = document.get("quick") or {}
    if not isinstance(quick, dict) or not quick:
        raise ScenarioError(f"{where}: --quick needs a quick: section (paths of this file "
                            "to the values of the quick run, e.g. repetitions: 2)")
    out = copy.deepcopy({k: v for k, v in document.items() if k != "quick"})
    for path, value in quick.items():
        try:
            set_path(out, path, value)
        except QdcnetError as exc:
            raise ScenarioError(f"{where}: quick.{path}: {exc}") from None
    return out


def read_study_file(path: str | Path, model: type[Any], *, quick: bool = False
                    ) -> tuple[Any, str]:
    """A study file (sweep or sensitivity) validated as ``model``, ``quick:`` applied if
    asked; and where it came from (for messages)."""
    document, where = read_yaml(path)
    if quick:
        document = apply_quick(document, where)
    try:
        return model.model_validate(document), where
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(exc, model, where)) from None


def load_study(path: str | Path, *, quick: bool = False) -> Study:
    """Read a study file, expand its tasks and validate every task's scenario.

    ``quick``: with the file's ``quick:`` changes (a smoke run of the study).
    """
    config, where = read_study_file(path, StudyConfig, quick=quick)
    return build_study(config, Path(path).resolve().parent, where)


def build_study(config: StudyConfig, base_dir: Path, where: str = "study") -> Study:
    """Expand ``config`` into tasks, each validated (``base_dir``: where relative paths start)."""
    base, scenario_dir, kind = read_base(config.base, config.scenario, base_dir, where)
    from qdcnet.config.study_runs import check_metrics, check_run_options, resolve_paths

    check_run_options(kind, config.run, where)
    check_metrics(kind, config.metrics, where)
    _check_plots(config, kind, where)
    if config.combine == "random" and not config.axes:
        raise ScenarioError(f"{where}: combine: random draws points on the axes, and there "
                            "are none (samples would repeat the base scenario)")
    study = Study(config, kind, base, scenario_dir)
    index = 0
    seen: dict[str, str] = {}
    points = _points(config)
    if len(points) * config.repetitions > MAX_TASKS:
        raise ScenarioError(f"{where}: {len(points):,} points x {config.repetitions} "
                            f"repetitions is more than {MAX_TASKS:,} tasks")
    for sample, point in enumerate(points):
        written = copy.deepcopy(base)
        for axis in config.axes:
            for name, value in axis.assignments(point[axis.key]).items():
                try:
                    set_path(written, name, value)
                except QdcnetError as exc:
                    shown = axis.key if axis.cases is None else f"{axis.key} ({name})"
                    raise ScenarioError(f"{where}: axis {shown}: {exc}") from None
        # Files (profiles, circuits) named relative to the base, an axis's too, are found
        # beside it; the id hashes the scenario as written, so a moved folder keeps its ids.
        scenario = resolve_paths(kind, written, scenario_dir)
        label = ", ".join(f"{k} = {v}" for k, v in point.items()) or "the base scenario"
        _validate(kind, scenario, scenario_dir, f"{where}: at {label}")
        if config.combine != "random":
            identity = content_hash(written)
            if identity in seen:
                raise ScenarioError(f"{where}: the points {seen[identity]} and {label} give the "
                                    "same scenario (a value repeated on an axis?)")
            seen[identity] = label
        for repetition in range(config.repetitions):
            canonical = {"kind": kind, "scenario": written, "run": config.run,
                         "repetition": repetition}
            if config.combine == "random":
                canonical["sample"] = sample  # two draws of one point are two tasks
            task_id = content_hash(canonical)[:16]
            study.tasks.append(Task(task_id, index, point, repetition,
                                    derive_seed(config.seed, task_id), kind, scenario,
                                    dict(config.run), tuple(config.metrics), config.study))
            index += 1
    return study
