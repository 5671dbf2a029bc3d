"""``qdcnet link``: one segment, analytic and simulated figures side by side."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError
from rich.console import Console

from qdcnet.config.common import ScenarioError
from qdcnet.config.link import LinkScenario, load_link_scenario
from qdcnet.errors import ParameterError, check_range
from qdcnet.link.experiment import LinkRun, bottlenecks, check_link_run, run_link
from qdcnet.link.model import LinkModel
from qdcnet.report import (
    RESULT_FILE,
    OutputFolder,
    report_written,
    result_document,
    write_json,
)
from qdcnet.report.progress import progress
from qdcnet.report.tables import (
    bottleneck_table,
    capacity_table,
    format_number,
    link_run_table,
    make_console,
)
from qdcnet.units import to_duration_s, to_si

#: The schemes ``--scheme`` accepts.
SCHEMES = ("single_click", "two_click")

#: The longest ``--length`` accepted: half the Earth's circumference, longer
#: than any fibre a heralded segment could use.
MAX_LENGTH_M = 2.0e7

#: Where pydantic's field paths of an options-built scenario come from.
_OPTION_OF_FIELD = {"scheme": "--scheme", "single_click": "--alpha", "ends.0.profile":
                    "--profile-a", "ends.1.profile": "--profile-b", "fiber": "--length",
                    "convert": "--convert"}


def _option_for(loc: tuple[object, ...]) -> str:
    path = ".".join(str(part) for part in loc)
    for field, option in _OPTION_OF_FIELD.items():
        if path.startswith(field) or f".{field}" in path:
            return option
    return path


def check_options(*, scheme: str, length: str, alpha: float) -> float:
    """Check the options that build a scenario; return the fibre length in metres.

    Every failure is a :class:`~qdcnet.errors.ParameterError` naming the option.
    """
    if scheme not in SCHEMES:
        raise ParameterError("--scheme", scheme, " or ".join(SCHEMES))
    try:
        check_range("--alpha", alpha, 0.0, 1.0, low_open=True, high_open=True)
    except ParameterError:
        raise ParameterError("--alpha", alpha, "(0, 1)",
                             "the bright-state population of a single-click attempt") from None
    length_m = to_si(length, "length", name="--length")
    if not 0.0 <= length_m <= MAX_LENGTH_M:
        raise ParameterError("--length", length, f"[0 m, {MAX_LENGTH_M:g} m]")
    return length_m


def scenario_from_options(
    *, scheme: str, profile_a: str, profile_b: str, length: str, alpha: float, convert: bool,
) -> tuple[LinkScenario, dict[str, Any]]:
    half = check_options(scheme=scheme, length=length, alpha=alpha) / 2
    document: dict[str, Any] = {
        "schema_version": 1, "kind": "link", "name": f"{profile_a}-{profile_b}", "scheme": scheme,
        "ends": [
            {"name": "qpu0", "profile": profile_a, "fiber": {"length": f"{half} m"},
             "convert": convert},
            {"name": "qpu1", "profile": profile_b, "fiber": {"length": f"{half} m"},
             "convert": convert},
        ],
    }
    if scheme == "single_click":
        document["single_click"] = {"alpha_a": alpha, "alpha_b": alpha}
    try:
        scenario = LinkScenario.model_validate(document)
    except ValidationError as exc:
        # The options were checked above; should pydantic still refuse one,
        # name the option rather than the field path of a document the user
        # never wrote.
        first = exc.errors()[0]
        raise ScenarioError(f"{_option_for(first['loc'])}: {first['msg']} "
                            f"(got {first.get('input')!r})") from None
    scenario.build()
    return scenario, document


def report(console: Console, scenario: LinkScenario, run: LinkRun) -> None:
    model = run.model
    spec = model.spec
    console.print(f"[bold]{scenario.name}[/bold]: {scenario.description or spec.scheme}")
    ends = [spec.end_a, spec.end_b]  # type: ignore[attr-defined]
    for end in ends:
        photon = end.photon
        console.print(
            f"  {end.name}: arm efficiency {format_number(spec.arm_efficiency(end))} "  # type: ignore[attr-defined]
            f"({photon.encoding.value} at {photon.wavelength_m * 1e9:.6g} nm, "
            f"{photon.linewidth_hz / 1e6:.4g} MHz)")
    console.print(f"  two-photon visibility {format_number(spec.visibility)}, "  # type: ignore[attr-defined]
                  f"attempt period {format_number(model.attempt_period_s)} s, "
                  f"{model.num_streams} stream(s)"
                  + (f", duty cycle {format_number(model.attempt_rate_hz * model.attempt_period_s)}"
                     f" ({model.attempts_per_burst} attempt(s) per burst)"
                     if model.duty_cycle else ""))
    console.print(f"  simulated {format_number(run.duration_s)} s (seed {run.seed}): "
                  f"{run.attempts:,} attempts, {run.heralds:,} heralds, "
                  f"{run.delivered:,} pairs delivered")
    console.print(link_run_table(run, "Analytic model vs event simulation"))
    expected = model.rate_hz * run.duration_s
    if expected < 30:
        console.print(f"  [yellow]note:[/yellow] the model expects {expected:.3g} pairs in "
                      f"{format_number(run.duration_s)} s; simulate longer (--duration) for "
                      "tight estimates.")
    console.print(capacity_table(model))
    console.print(bottleneck_table(bottlenecks(spec), model.rate_hz))
    if scenario.published is not None:
        pub = scenario.published
        rate = run.figure("pair rate")
        fidelity = run.figure("delivered fidelity")
        console.print(f"[bold]Published[/bold] ({pub.source}):")
        if pub.rate is not None:
            console.print(f"  rate {format_number(pub.rate)} /s; model "
                          f"{format_number(rate.analytic)}"
                          f" ({(rate.analytic / pub.rate - 1) * 100:+.1f}%), simulated "
                          f"{format_number(rate.simulated)}")
        if pub.fidelity is not None:
            console.print(f"  fidelity {format_number(pub.fidelity)}; model "
                          f"{format_number(fidelity.analytic)} "
                          f"({fidelity.analytic - pub.fidelity:+.3f}), simulated "
                          f"{format_number(fidelity.simulated)}")
        if pub.note:
            console.print(f"  note: {pub.note}")
    if scenario.assumptions:
        console.print("[bold]Assumptions[/bold]")
        for line in scenario.assumptions:
            console.print(f"  - {line}")


def run(
    scenario_path: Path | None,
    *,
    scheme: str,
    profile_a: str,
    profile_b: str,
    length: str,
    alpha: float,
    convert: bool,
    duration: str | None,
    seed: int | None,
    cutoff: str | None,
    demand_rate: str | None,
    attempt_by_attempt: bool,
    out: Path | None = None,
    force: bool = False,
    quiet: bool = False,
) -> None:
    # Every option is read and checked before the scenario is built or run.
    folder = OutputFolder.prepare(out, "link", force=force,
                                  keep=[scenario_path] if scenario_path else [])
    duration_s = to_duration_s(duration, name="--duration") if duration else None
    cutoff_s = to_duration_s(cutoff, name="--cutoff") if cutoff else None
    demand_hz = to_si(demand_rate, "frequency", name="--demand-rate") if demand_rate else None
    if scenario_path is not None:
        scenario, document = load_link_scenario(scenario_path)
        source = f"{scenario_path}: "
    else:
        scenario, document = scenario_from_options(
            scheme=scheme, profile_a=profile_a, profile_b=profile_b, length=length, alpha=alpha,
            convert=convert)
        source = ""
    # A value from the command line is named by its option, one from the file by its field.
    names = {"duration_s": "--duration" if duration else f"{source}duration",
             "cutoff_s": "--cutoff" if cutoff else f"{source}cutoff",
             "demand_rate_hz": "--demand-rate" if demand_rate else f"{source}demand_rate"}
    values = {"duration_s": duration or scenario.duration, "cutoff_s": cutoff or scenario.cutoff,
              "demand_rate_hz": demand_rate or scenario.demand_rate}
    duration_s = scenario.duration if duration_s is None else duration_s
    cutoff_s = scenario.cutoff if cutoff_s is None else cutoff_s
    demand_hz = scenario.demand_rate if demand_hz is None else demand_hz
    seed_value = scenario.seed if seed is None else seed
    model = LinkModel.from_spec(scenario.build())
    check_link_run(model, duration_s=duration_s, skip_failures=not attempt_by_attempt,
                   cutoff_s=cutoff_s, demand_rate_hz=demand_hz, names=names, values=values)
    with progress(f"{scenario.name}: simulating {format_number(duration_s)} s", duration_s,
                  quiet=quiet) as update:
        result = run_link(model, duration_s=duration_s, seed=seed_value,
                          skip_failures=not attempt_by_attempt, cutoff_s=cutoff_s,
                          demand_rate_hz=demand_hz, on_progress=update)
    report(make_console(), scenario, result)
    document = dict(document) | {"duration": f"{duration_s} s", "seed": seed_value}
    results = result.to_dict() | {"bottlenecks": bottlenecks(model.spec)}
    if scenario.published is not None:
        results["published"] = scenario.published.model_dump()
    output = result_document(kind="link", seed=seed_value, scenario=document, results=results)
    with folder.staging() as stage:
        write_json(stage / RESULT_FILE, output)
    report_written(folder, output, [RESULT_FILE])
