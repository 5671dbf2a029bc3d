"""Entry point of the ``qdcnet`` command.

Only typer and the version are imported at start-up; each subcommand imports
its implementation inside the command function, so ``qdcnet --help`` does not
pay for numpy, scipy or the simulation layers.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from qdcnet._version import __version__


def _flags_without_a_type() -> None:
    """Show no ``<bool>`` beside plain flags (``--force``, ``--json``, ``--help``) in ``--help``.

    A flag takes no value, so typer's type column would only mislead; typer
    has no setting for it, so the help row's type is blanked for flags here.
    """
    from typer.core import TyperOption

    shown = TyperOption.display_type_rich
    if getattr(shown, "_qdcnet", False):
        return

    def display_type_rich(self: TyperOption, ctx: typer.Context) -> str | None:
        return None if self.is_flag else shown(self, ctx)

    display_type_rich._qdcnet = True  # type: ignore[attr-defined]
    TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign]


_flags_without_a_type()

app = typer.Typer(
    name="qdcnet",
    help="Design, simulate and orchestrate quantum data centers.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

#: Largest root seed: numpy's generators take any non-negative integer, but a
#: seed must also survive JSON readers and other languages' 64-bit integers.
MAX_SEED = 2**63 - 1


def _seed(value: int | None) -> int | None:
    # Checked where the option is read, so every command refuses it alike, naming --seed.
    if value is not None and not 0 <= value <= MAX_SEED:
        from qdcnet.errors import ParameterError

        raise ParameterError("--seed", value, f"an integer in 0..{MAX_SEED} (2**63 - 1)")
    return value


class PolicyName(StrEnum):
    """The orchestrator's queue policies (qdcnet.control.policies.POLICIES)."""

    FIFO = "fifo"
    EDF = "edf"
    PRIORITY = "priority"
    FAIR_SHARE = "fair-share"


class LinkScheme(StrEnum):
    """Heralding schemes of one segment from two emitters."""

    SINGLE_CLICK = "single_click"
    TWO_CLICK = "two_click"


class SeamLayout(StrEnum):
    """How a surface code is split over QPUs."""

    MONOLITHIC = "monolithic"
    VERTICAL = "vertical"
    HORIZONTAL = "horizontal"
    TWO_BY_TWO = "2x2"


class SeamProtocol(StrEnum):
    """How checks cross a seam."""

    TELEPORTED_CNOT = "teleported_cnot"
    CAT = "cat"


class IdleModel(StrEnum):
    """Where bulk idle noise goes."""

    EVERY_LAYER = "every_layer"
    ONCE_PER_ROUND = "once_per_round"


class SamplingEngine(StrEnum):
    """stim (seeded, reproducible) or sinter (many cores)."""

    STIM = "stim"
    SINTER = "sinter"


class CompileModel(StrEnum):
    """How the compiler may move qubits (qdcnet.compiler models)."""

    FIXED = "fixed"
    TELEPORT = "teleport"


JsonOption = Annotated[bool, typer.Option(
    "--json", help="Print the result as one JSON document on stdout, no tables; an error "
                   "becomes {\"error\": {code, field, value, allowed, ...}}.")]
OutOption = Annotated[Path | None, typer.Option(
    "--out", help="Output folder; default ./qdcnet-output/COMMAND, which a rerun replaces.")]
ForceOption = Annotated[bool, typer.Option(
    "--force", help="Replace an existing --out folder (only one qdcnet wrote).")]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q",
                                           help="No progress bar on stderr.")]
QuickStudyOption = Annotated[bool, typer.Option(
    "--quick", help="Run the study's quick: variant (fewer points, shorter runs).")]
SeedOption = Annotated[int | None, typer.Option(
    help="Root seed (recorded in the output); default: the scenario's.", callback=_seed)]
#: The same option for commands without a scenario to take a seed from.
FixedSeedOption = Annotated[int, typer.Option("--seed", help="Root seed (recorded in the output).",
                                              callback=_seed)]


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"qdcnet {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[bool, typer.Option("--version", callback=_show_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
) -> None:
    """Design, simulate and orchestrate quantum data centers."""


@app.command()
def info(
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON, not a table.")] = False,
) -> None:
    """Show the versions of qdcnet, Python and the libraries a run records."""
    from qdcnet.cli.info import show_info

    show_info(json_output=json_output)


@app.command()
def profiles(
    name: Annotated[str | None, typer.Argument(help="A profile to show with its sources.")] = None,
) -> None:
    """List the QPU platform profiles, or show one with the source of every number."""
    from qdcnet.cli.profiles import run as run_profiles

    run_profiles(name)


@app.command()
def link(
    scenario: Annotated[Path | None, typer.Argument(help="A link scenario file (kind: link).")]
    = None,
    scheme: Annotated[LinkScheme, typer.Option(help="Heralding scheme.")] = LinkScheme.TWO_CLICK,
    profile_a: Annotated[str, typer.Option(help="Platform profile at end A.")] = "trapped_ion",
    profile_b: Annotated[str, typer.Option(help="Platform profile at end B.")] = "trapped_ion",
    length: Annotated[str, typer.Option(help="Fibre between the ends (station midway); the "
                                        "default is a data-center hall.")]
    = "20 m",
    alpha: Annotated[float, typer.Option(help="Bright-state population (single click).")] = 0.1,
    convert: Annotated[bool, typer.Option(help="Use each profile's converter to telecom.")]
    = True,
    duration: Annotated[str | None, typer.Option(help="Simulated time, e.g. '10 s'.")] = None,
    seed: SeedOption = None,
    cutoff: Annotated[str | None, typer.Option(help="Discard stored pairs older than this.")]
    = None,
    demand_rate: Annotated[str | None, typer.Option(
        help="Poisson demand, e.g. '50 Hz' (links with one stream and no duty cycle).")]
    = None,
    attempt_by_attempt: Annotated[bool, typer.Option(help="Simulate every attempt (no skip).")]
    = False,
    out: OutOption = None,
    force: ForceOption = False,
    json_output: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Heralded entanglement on one segment: analytic and simulated figures side by side."""
    from qdcnet.cli.link import run as run_link
    from qdcnet.report import machine_output

    with machine_output(json_output):
        run_link(scenario, scheme=scheme.value, profile_a=profile_a, profile_b=profile_b,
                 length=length, alpha=alpha, convert=convert, duration=duration, seed=seed,
                 cutoff=cutoff, demand_rate=demand_rate, attempt_by_attempt=attempt_by_attempt,
                 out=out, force=force, quiet=quiet)


@app.command()
def validate(
    scenario: Annotated[Path, typer.Argument(help="A data-center scenario file.")],
) -> None:
    """Check a data-center scenario file and explain what is wrong."""
    from qdcnet.cli.scenario import validate as run_validate

    run_validate(scenario)


@app.command()
def run(
    scenario: Annotated[Path, typer.Argument(help="A data-center scenario file.")],
    duration: Annotated[str | None, typer.Option(help="Simulated time, e.g. '1 s'.")] = None,
    seed: SeedOption = None,
    policy: Annotated[PolicyName | None, typer.Option(
        help="Override the scenario's queue policy.")] = None,
    out: OutOption = None,
    force: ForceOption = False,
    json_output: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Run a scenario's workload through the orchestrator: a summary table and result.json."""
    from qdcnet.cli.scenario import run as run_scenario
    from qdcnet.report import machine_output

    with machine_output(json_output):
        run_scenario(scenario, duration=duration, seed=seed, out=out, force=force,
                     policy=policy.value if policy is not None else None, quiet=quiet)


@app.command(name="compile")
def compile_(
    circuit: Annotated[Path, typer.Argument(help="An OpenQASM 2 or 3 file.")],
    scenario: Annotated[Path, typer.Option("--scenario", "-s",
                                           help="The data center to compile for.")],
    model: Annotated[CompileModel, typer.Option(
        help="fixed (qubits stay put, shared by cat-entanglement) or teleport "
             "(qubits may also move).")] = "fixed",  # type: ignore[assignment]
    starts: Annotated[int | None, typer.Option(
        help="At most this many partition starts (seeds SEED, SEED+1, ...), keeping the "
             "cheapest; the search stops early after a few starts without a cheaper result "
             "and big circuits get fewer. Default 16; 1 runs SEED alone.",
        show_default=False)] = None,
    seed: SeedOption = None,
    verify: Annotated[bool, typer.Option(
        help="Check the result against the circuit by state-vector simulation (<= 14 qubits)."
    )] = False,
    out: OutOption = None,
    force: ForceOption = False,
    json_output: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Distribute a circuit over the scenario's QPUs: ebits, per-QPU QASM and a JSON DAG."""
    from qdcnet.cli.compile import run as run_compile
    from qdcnet.report import machine_output

    with machine_output(json_output):
        run_compile(circuit, scenario=scenario, model=CompileModel(model).value, starts=starts,
                    seed=seed, out=out, verify=verify, force=force, quiet=quiet)


class ExecutePolicy(StrEnum):
    """When a job's ebits are made (qdcnet.schedule.policies.POLICIES)."""

    JIT = "jit"
    PREFETCH = "prefetch"
    LOOKAHEAD = "lookahead"


class Engine(StrEnum):
    """How the end-to-end fidelity is computed (qdcnet.runtime.engines.ENGINES)."""

    AUTO = "auto"
    DENSITY = "density"
    TRAJECTORIES = "trajectories"
    STIM = "stim"
    ESTIMATOR = "estimator"


@app.command()
def execute(
    circuit: Annotated[Path, typer.Argument(help="An OpenQASM 2 or 3 file.")],
    scenario: Annotated[Path, typer.Option("--scenario", "-s",
                                           help="The data center to run on.")],
    shots: Annotated[int, typer.Option(help="Shots to run.")] = 100,
    policy: Annotated[ExecutePolicy, typer.Option(
        help="jit (ask for each ebit when needed), prefetch or lookahead (standing "
             "streams, pairs made ahead).")] = ExecutePolicy.PREFETCH,
    min_fidelity: Annotated[float | None, typer.Option(
        help="End-to-end fidelity the job needs (sets each ebit's target).")] = None,
    deadline: Annotated[str | None, typer.Option(
        help="Finish all shots within this, e.g. '2 s' (else refused).")] = None,
    engine: Annotated[Engine, typer.Option(help="Fidelity engine.")] = Engine.AUTO,
    model: Annotated[CompileModel, typer.Option(
        help="Compile model: fixed or teleport.")] = CompileModel.FIXED,
    seed: SeedOption = None,
    out: OutOption = None,
    force: ForceOption = False,
    json_output: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Run a circuit on the data center: schedule, execution shot by shot, fidelity, Gantt."""
    from qdcnet.cli.execute import run as run_execute
    from qdcnet.report import machine_output

    with machine_output(json_output):
        run_execute(circuit, scenario=scenario, shots=shots, policy=policy.value, seed=seed,
                    min_fidelity=min_fidelity, deadline=deadline, engine=engine.value,
                    model=CompileModel(model).value, out=out, force=force, quiet=quiet)


WorkersOption = Annotated[int | None, typer.Option(
    help="Local worker processes (default: one per core).", show_default=False)]
DaskOption = Annotated[str | None, typer.Option(
    help="Run on Dask: tcp://host:8786 (a running scheduler) or local:N (N local "
         "workers). Needs pip install 'qdcnet[dask]'.", show_default=False)]
ResumeOption = Annotated[bool, typer.Option(
    help="Finish the study in the output folder: run only tasks not in its journal.")]
RetryFailedOption = Annotated[bool, typer.Option(
    help="With --resume: also rerun tasks whose row holds an error.")]


@app.command()
def sweep(
    study: Annotated[Path, typer.Argument(help="A study file: base scenario, axes, metrics.")],
    workers: WorkersOption = None,
    dask: DaskOption = None,
    resume: ResumeOption = False,
    retry_failed: RetryFailedOption = False,
    quick: QuickStudyOption = False,
    out: OutOption = None,
    force: ForceOption = False,
    json_output: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Run a study's tasks once each, locally or on Dask, into a JSON-lines journal."""
    from qdcnet.cli.sweep import run as run_sweep
    from qdcnet.report import machine_output

    with machine_output(json_output):
        run_sweep(study, out=out, workers=workers, dask=dask, resume=resume,
                  retry_failed=retry_failed, force=force, quiet=quiet, quick=quick)


@app.command()
def sensitivity(
    study: Annotated[Path, typer.Argument(help="A sensitivity file: base scenario, metric, "
                                          "factor, the parameters to improve.")],
    workers: WorkersOption = None,
    dask: DaskOption = None,
    resume: ResumeOption = False,
    retry_failed: RetryFailedOption = False,
    quick: QuickStudyOption = False,
    out: OutOption = None,
    force: ForceOption = False,
    json_output: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Improve each component parameter by k in turn; rank them with intervals; tornado chart."""
    from qdcnet.cli.sensitivity import run as run_sensitivity
    from qdcnet.report import machine_output

    with machine_output(json_output):
        run_sensitivity(study, out=out, workers=workers, dask=dask, resume=resume,
                        retry_failed=retry_failed, force=force, quiet=quiet, quick=quick)


@app.command()
def plot(
    results: Annotated[Path, typer.Argument(help="A sweep's folder or its journal.jsonl.")],
    x: Annotated[str, typer.Option("--x", help="The input (or metric) along x; a unique "
                                   "ending of its name is enough.")],
    y: Annotated[list[str], typer.Option("--y", help="The metric along y (repeat the "
                                         "option for several in one picture).")],
    hue: Annotated[str | None, typer.Option("--hue", help="One line per value of this "
                                            "input.", show_default=False)] = None,
    where: Annotated[list[str] | None, typer.Option(
        "--where", help="Only rows with column=value (repeatable): one slice of a grid.",
        show_default=False)] = None,
    log_x: Annotated[bool, typer.Option("--log-x", help="Logarithmic x axis.")] = False,
    log_y: Annotated[bool, typer.Option("--log-y", help="Logarithmic y axis.")] = False,
    out: OutOption = None,
    force: ForceOption = False,
    json_output: JsonOption = False,
) -> None:
    """Plot a sweep's metric against an input: means with error bars from repetitions."""
    from qdcnet.cli.plot import run as run_plot
    from qdcnet.report import machine_output

    with machine_output(json_output):
        run_plot(results, x=x, y=y, hue=hue, log_x=log_x, log_y=log_y, out=out, force=force,
                 where=where)


@app.command(name="sweep-merge")
def sweep_merge(
    journals: Annotated[list[Path], typer.Argument(help="journal.jsonl files of one study.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="The merged journal to write.")],
    force: ForceOption = False,
) -> None:
    """Merge sweep journals: each task once, mixed versions flagged."""
    from qdcnet.cli.sweep import merge

    merge(journals, out=out, force=force)


@app.command()
def demo(
    shots: Annotated[int | None, typer.Option(
        help="Shots of each circuit (default 200).")] = None,
    seed: SeedOption = None,
    out: OutOption = None,
    force: ForceOption = False,
    json_output: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Run the built-in default data center: four QPUs of four platforms around a switch,
    a distributed GHZ state and a QFT, shot by shot, measured end to end."""
    from qdcnet.cli.demo import run as run_demo
    from qdcnet.report import machine_output

    with machine_output(json_output):
        run_demo(shots=shots, seed=seed, out=out, force=force, quiet=quiet)


@app.command()
def serve(
    scenario: Annotated[Path, typer.Argument(help="A data-center scenario file.")],
    db: Annotated[str | None, typer.Option(
        help="The journal: a SQLite file or postgresql://USER@HOST:PORT/NAME; default "
             "SCENARIO.journal.db here. Reopening it replays it.")] = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    pace: Annotated[float, typer.Option(
        help="Simulated seconds per wall second (paced mode).")] = 1.0,
    free: Annotated[bool, typer.Option(
        "--free", help="Run simulated time as fast as it goes between submissions.")] = False,
    paused: Annotated[bool, typer.Option(
        "--paused", help="Start with the clock paused (PATCH /v1/clock resumes it).")] = False,
    no_workload: Annotated[bool, typer.Option(
        "--no-workload", help="Leave out the scenario's own requests and jobs.")] = False,
    engine: Annotated[Engine, typer.Option(help="Fidelity engine of jobs.")] = Engine.AUTO,
    tenants: Annotated[Path | None, typer.Option(
        help="A tenants file (YAML): tokens, roles and quotas. Without it, one operator "
             "whose token is --token or drawn and printed.")] = None,
    token: Annotated[str | None, typer.Option(
        envvar="QDCNET_TOKEN", help="The operator's token when no --tenants file is given "
        "(at least 16 characters); prefer the environment variable QDCNET_TOKEN, since a "
        "command line is visible to the machine's other users.")] = None,
    seed: SeedOption = None,
    quiet: QuietOption = False,
) -> None:
    """Serve the data center's orchestrator over HTTP: submit requests and jobs, follow
    events, cancel, watch it live at /; every input journaled and replayed after a
    restart."""
    from qdcnet.cli.serve import run as run_serve

    run_serve(scenario, db=db, host=host, port=port, pace=pace, free=free, paused=paused,
              seed=seed, workload=not no_workload,
              engine=engine.value, tenants=tenants, token=token, quiet=quiet)


qec_app = typer.Typer(
    help="Distributed error correction: the seam threshold, the pair supply, the decoder.",
    no_args_is_help=True,
)
app.add_typer(qec_app, name="qec")


@qec_app.command("seam")
def qec_seam(
    distances: Annotated[str, typer.Option(help="Odd code distances, 3 to 25.")] = "3,5,7",
    bulk: Annotated[str, typer.Option(help="Bulk circuit noise values.")] = "0.001,0.005",
    seams: Annotated[str, typer.Option(
        help="Seam Bell-pair infidelities: a list, or start:stop:points.")] = "0:0.3:13",
    bases: Annotated[str, typer.Option(help="Memory bases.")] = "x,z",
    layout: Annotated[SeamLayout, typer.Option(help="How the code is split over QPUs.")]
    = SeamLayout.VERTICAL,
    protocol: Annotated[SeamProtocol, typer.Option(help="How checks cross the seam.")]
    = SeamProtocol.TELEPORTED_CNOT,
    idle: Annotated[IdleModel, typer.Option(
        help="Bulk idle noise every layer, or once per round (stim's convention).")]
    = IdleModel.EVERY_LAYER,
    max_shots: Annotated[int, typer.Option(help="Shots per point at most.")] = 100_000,
    max_errors: Annotated[int, typer.Option(help="Stop a point after this many errors.")]
    = 500,
    workers: Annotated[int, typer.Option(help="Parallel processes.")] = 1,
    engine: Annotated[SamplingEngine, typer.Option(help="stim (seeded) or sinter.")]
    = SamplingEngine.STIM,
    seed: FixedSeedOption = 1,
    out: OutOption = None,
    force: ForceOption = False,
    json_output: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Logical error against seam infidelity for several distances; the crossing points."""
    from qdcnet.cli.qec import run_seam
    from qdcnet.report import machine_output

    with machine_output(json_output):
        run_seam(distances=distances, bulk=bulk, seams=seams, bases=bases, layout=layout.value,
                 protocol=protocol.value, max_shots=max_shots, max_errors=max_errors,
                 workers=workers, engine=engine.value, seed=seed, out=out, idle=idle.value,
                 quiet=quiet, force=force)


@qec_app.command("supply")
def qec_supply(
    scenario: Annotated[Path | None, typer.Argument(
        help="A data-center scenario; without one, two QPUs of every platform.")] = None,
    pair: Annotated[list[str] | None, typer.Option(help="QPU pair A-B (repeatable).")] = None,
    distance: Annotated[int, typer.Option(help="Odd code distance, 3 to 25.")] = 7,
    protocol: Annotated[SeamProtocol, typer.Option(help="How checks cross the seam.")]
    = SeamProtocol.TELEPORTED_CNOT,
    depths: Annotated[str, typer.Option(help="Pair-buffer depths to try (integers >= 0).")]
    = "0,4,8,16,32",
    max_shots: Annotated[int, typer.Option(help="Shots per buffer point.")] = 20_000,
    bulk: Annotated[float | None, typer.Option(
        help="Bulk noise for the buffer study (default: the profile's two-qubit gate error)."
    )] = None,
    simulate: Annotated[int, typer.Option(
        help="Pairs to request through the orchestrator per setting (0: model only; "
             "otherwise >= 2).")]
    = 1000,
    seed: FixedSeedOption = 1,
    out: OutOption = None,
    force: ForceOption = False,
    json_output: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Pairs a seam needs per cycle against what the links supply; the pair buffer."""
    from qdcnet.cli.qec import run_supply
    from qdcnet.report import machine_output

    with machine_output(json_output):
        run_supply(scenario, pairs=pair or [], distance=distance, protocol=protocol.value,
                   depths=depths, max_shots=max_shots, seed=seed, out=out, bulk=bulk,
                   simulate=simulate, quiet=quiet, force=force)


@qec_app.command("decoder")
def qec_decoder(
    distances: Annotated[str, typer.Option(help="Odd code distances, 3 to 25.")]
    = "3,5,7,9,11",
    shots: Annotated[int, typer.Option(help="Shots timed per distance.")] = 2000,
    seed: FixedSeedOption = 1,
    out: OutOption = None,
    force: ForceOption = False,
    json_output: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Decoding time per round against each platform's cycle, and the backlog."""
    from qdcnet.cli.qec import run_decoder
    from qdcnet.report import machine_output

    with machine_output(json_output):
        run_decoder(distances=distances, shots=shots, seed=seed, out=out, quiet=quiet,
                    force=force)


#: Exit status after Ctrl-C: 128 + SIGINT, the shell's convention (typer's too).
INTERRUPTED = 130


def _usage_error(exc: Exception, argv: list[str]) -> dict[str, object]:
    """A mistake typer finds on the command line: one line, and its option and value."""
    message = str(getattr(exc, "message", "") or "").removeprefix("Value error, ")
    opts = getattr(getattr(exc, "param", None), "opts", None)
    details: dict[str, object] = {"code": "usage"}
    if not opts or not message or type(exc).__name__ != "BadParameter":
        return details | {"message": exc.format_message()}  # type: ignore[attr-defined]
    option = max(opts, key=len)
    value = None
    for index, token in enumerate(argv):
        if token in opts and index + 1 < len(argv):
            value = argv[index + 1]
        elif token.startswith(option + "="):
            value = token.split("=", 1)[1]
    details |= {"field": option, "value": value}
    if value is None:
        return details | {"message": f"{option}: {message}"}
    if message.startswith(repr(value)):
        return details | {"message": f"{option} = {message}"}
    return details | {"message": f"{option} = {value!r}: {message}"}


def _fail(details: dict[str, object], status: int, *, as_json: bool) -> None:
    """Report an error and exit: one red line on stderr, or with ``--json`` an object on stdout."""
    if as_json:
        import json

        sys.stdout.write(json.dumps({"error": details, "exit_status": status}, default=str)
                         + "\n")
        sys.stdout.flush()
    else:
        typer.secho(f"error: {details['message']}", fg=typer.colors.RED, err=True)
    sys.exit(status)


def main_entry() -> None:
    """Console-script entry: user mistakes print one line, never a traceback.

    Exit status: 0 done; 2 a mistake in the command line, a scenario, a
    circuit or a value, told in one line starting ``error:``; 130
    interrupted (Ctrl-C); 1 an internal error (a bug: the traceback is
    printed). With ``--json`` the mistake is instead one JSON object on
    stdout, ``{"error": {"code", "message", "field", "value", "allowed",
    "reason"}, "exit_status"}`` (field and the rest where the error knows
    them), so a program never parses prose.
    """
    from qdcnet.errors import QdcnetError

    argv = sys.argv[1:]
    as_json = "--json" in argv
    try:
        code = app(args=argv, standalone_mode=False)
    except QdcnetError as exc:
        _fail(exc.details(), 2, as_json=as_json)
    except Exception as exc:
        kind = type(exc).__name__
        if kind == "NoArgsIsHelpError":
            exc.show()  # type: ignore[attr-defined]  # the help, as typer shows it
            sys.exit(2)
        if kind == "Abort":
            _fail({"code": "interrupted", "message": "aborted"}, INTERRUPTED, as_json=as_json)
        if not hasattr(exc, "format_message") or not hasattr(exc, "exit_code"):
            raise
        _fail(_usage_error(exc, argv), exc.exit_code, as_json=as_json)
    if code == INTERRUPTED:
        _fail({"code": "interrupted", "message": "aborted"}, INTERRUPTED, as_json=as_json)
    if isinstance(code, int) and code:
        sys.exit(code)
