"""One task of a sweep, run where a worker is: validation, the run, its metrics.

Everything here takes and returns plain data (dicts, lists, numbers,
strings), so a task crosses process and machine boundaries as it is. A
scenario's own ``seed`` is replaced by the task's seed (derived from the
study's root seed and the task id, :func:`~qdcnet.sweep.tasks.derive_seed`),
and the journal records the seed used.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from qdcnet.config.common import ScenarioError, format_validation_error
from qdcnet.errors import QdcnetError

__all__ = ["DEFAULT_METRICS", "PRELOAD", "check_metrics", "check_run_options", "resolve_paths",
           "run_task", "validate_scenario"]

#: What a task keeps when the study names no metrics.
DEFAULT_METRICS: dict[str, tuple[str, ...]] = {
    "datacenter": ("summary.requests", "summary.admitted", "summary.qos_met",
                   "summary.qos_met_fraction", "events"),
    "link": ("counts.heralds", "counts.delivered",
             "figures[name=success probability].simulated"),
    "qec": ("shots", "errors", "rate", "rate_low", "rate_high"),
}

#: The top-level fields of each kind's result (metrics start with one of these).
RESULT_FIELDS: dict[str, tuple[str, ...]] = {
    "datacenter": ("summary", "requests", "jobs", "events", "policy", "duration_s"),
    "link": ("link", "scheme", "duration_s", "seed", "skip_failures", "counts", "figures",
             "analytic"),
    "qec": ("distance", "basis", "bulk", "seam", "layout", "protocol", "rounds",
            "idle_per_round", "idle", "shots", "errors", "rate", "stderr", "rate_low",
            "rate_high", "saturated", "per_round", "seconds", "engine", "seed", "supply"),
}


#: Modules a worker needs for every kind of task, loaded once by the local pool's fork
#: server (:class:`qdcnet.sweep.executors.LocalPool`'s ``preload``).
PRELOAD = ("numpy", "scipy.sparse.csgraph", "networkx", "pydantic", "qdcnet.config.scenario",
           "qdcnet.config.link", "qdcnet.config.qec", "qdcnet.runtime.workload",
           "qdcnet.link.experiment", "qdcnet.qec.sampling", "stim", "pymatching")


def check_run_options(kind: str, options: dict[str, Any], where: str) -> None:
    """Refuse, before anything runs, a run option this kind does not take or a bad value."""
    from qdcnet.config.study import RUN_OPTIONS

    allowed = RUN_OPTIONS[kind]
    for option, value in options.items():
        if option not in allowed:
            hint = (" (a link scenario's own field: set it in the scenario or on an axis)"
                    if kind == "link" and option in ("duration", "cutoff", "demand_rate")
                    else "")
            raise ScenarioError(f"{where}: run.{option} is not an option of a {kind} run"
                                f"{hint}; allowed: {', '.join(allowed) or 'none'}")
        if option == "duration":
            from qdcnet.units import to_duration_s

            try:
                to_duration_s(str(value), name="run.duration")
            except QdcnetError as exc:
                raise ScenarioError(f"{where}: {exc}") from None
        elif option == "policy":
            from qdcnet.control.policies import POLICIES

            if value not in POLICIES:
                raise ScenarioError(f"{where}: run.policy = {value!r}; allowed: "
                                    f"{', '.join(POLICIES)}")
        elif option == "attempt_by_attempt" and not isinstance(value, bool):
            raise ScenarioError(f"{where}: run.attempt_by_attempt = {value!r}; allowed: true "
                                "or false")


def check_metrics(kind: str, metrics: list[str], where: str) -> None:
    """Refuse, before anything runs, a metric that no result of this kind has."""
    from qdcnet.sweep.paths import parse_path

    for metric in metrics:
        head = parse_path(metric)[0][0]
        if head not in RESULT_FIELDS[kind]:
            raise ScenarioError(f"{where}: metric {metric}: a {kind} run's result has no field "
                                f"{head}; it has {', '.join(RESULT_FIELDS[kind])}")


def resolve_paths(kind: str, document: dict[str, Any], base_dir: Path) -> dict[str, Any]:
    """Files named relative to the base scenario (profiles, circuits) made absolute."""
    if kind == "datacenter":
        from qdcnet.config.scenario import resolve_profile_paths

        return resolve_profile_paths(document, base_dir)
    return dict(document)


def validate_scenario(kind: str, document: dict[str, Any], base_dir: Path, where: str) -> Any:
    """Everything a run of ``document`` would check before it starts; ScenarioError if not.

    Returns the validated scenario (a pydantic model of the kind's schema).
    """
    return _build(kind, document, where)


def _build(kind: str, document: dict[str, Any], where: str) -> Any:
    if kind == "datacenter":
        from qdcnet.config.scenario import validate_document

        scenario = validate_document(document, where)
        if not scenario.workload.requests and not scenario.workload.jobs:
            raise ScenarioError(f"{where}: the workload has no requests or jobs to run")
        return scenario
    if kind == "link":
        from qdcnet.config.link import validate_link_document

        return validate_link_document(document, where)
    from qdcnet.config.qec import QecScenario

    try:
        return QecScenario.model_validate(document)
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(exc, QecScenario, where)) from None


def run_task(spec: dict[str, Any]) -> dict[str, Any]:
    """Run one task (see :meth:`~qdcnet.sweep.tasks.Task.spec`): its metrics and wall time."""
    start = time.perf_counter()
    kind, seed, options = spec["kind"], spec["seed"], spec["run"]
    scenario = _build(kind, spec["scenario"], f"task {spec['id']}")
    if kind == "datacenter":
        result = _run_datacenter(scenario, seed, options)
    elif kind == "link":
        result = _run_link(scenario, seed, options)
    else:
        result = scenario.run(seed)
    from qdcnet.sweep.paths import get_path

    metrics = {}
    for metric in spec["metrics"] or DEFAULT_METRICS[kind]:
        value = get_path(result, metric)
        if isinstance(value, dict):
            # Rows stay tidy: one value per metric, named down to it.
            raise ScenarioError(f"metric {metric} is a group of fields ({', '.join(value)}); "
                                f"name one, e.g. {metric}.{next(iter(value), '...')}")
        if isinstance(value, list):
            raise ScenarioError(f"metric {metric} is a list of {len(value)}; name one element "
                                "with a selector, e.g. [0] or [name=...]")
        metrics[metric] = value
    return {"metrics": metrics, "wall_s": time.perf_counter() - start}


def _run_datacenter(scenario: Any, seed: int, options: dict[str, Any]) -> dict[str, Any]:
    from qdcnet.network.datacenter import DataCenter
    from qdcnet.runtime.workload import run_workload
    from qdcnet.units import to_duration_s

    duration = (to_duration_s(str(options["duration"]), name="run.duration")
                if "duration" in options else scenario.duration)
    dc = DataCenter(scenario.layout(), seed=seed)
    result = run_workload(dc, scenario.to_workload(), duration_s=duration,
                          policy=options.get("policy"))
    return {"summary": result.qos_summary(), "requests": result.request_rows(),
            "jobs": result.job_rows(), "events": result.events,
            "policy": result.orchestrator.policy.name, "duration_s": duration}


def _run_link(scenario: Any, seed: int, options: dict[str, Any]) -> dict[str, Any]:
    from qdcnet.link.experiment import check_link_run, run_link
    from qdcnet.link.model import LinkModel

    model = LinkModel.from_spec(scenario.build())
    skip = not bool(options.get("attempt_by_attempt", False))
    check_link_run(model, duration_s=scenario.duration, skip_failures=skip,
                   cutoff_s=scenario.cutoff, demand_rate_hz=scenario.demand_rate)
    run = run_link(model, duration_s=scenario.duration, seed=seed, skip_failures=skip,
                   cutoff_s=scenario.cutoff, demand_rate_hz=scenario.demand_rate)
    return run.to_dict()
