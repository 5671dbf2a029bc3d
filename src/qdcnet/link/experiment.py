"""Run a segment for a while and compare what the simulation measured with the model.

:func:`run_link` simulates one segment and returns a :class:`LinkRun`: every
simulated figure with its standard error beside the analytic value, ready
for a table or JSON. :func:`bottlenecks` answers "which part must improve?":
the rate the segment would reach if one factor of one arm were perfect.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from qdcnet.errors import ParameterError, check_positive
from qdcnet.link.model import LinkModel
from qdcnet.link.process import LinkSimulation
from qdcnet.link.spec import EmitterEnd, LinkSpec, OpticalPath, SingleClickLink, TwoClickLink
from qdcnet.sim import Simulator
from qdcnet.sim.statistics import (
    binomial_interval,
    poisson_rate_standard_error,
    proportion_standard_error,
)
from qdcnet.units import s_to_ps

__all__ = ["MAX_EVENTS", "Figure", "LinkRun", "bottlenecks", "check_link_run",
           "estimated_events", "run_link"]

#: The most events one :func:`run_link` may expect to simulate (demands,
#: attempts and heralds). The kernel handles a few hundred thousand link
#: events per second, so this bounds a run to well under a minute; a longer
#: study is many shorter runs with different seeds.
MAX_EVENTS = 10_000_000


@dataclass(frozen=True)
class Figure:
    """One quantity: the model's value and the simulation's estimate ± standard error."""

    name: str
    unit: str
    analytic: float
    simulated: float
    standard_error: float
    #: For a fraction of counted events (``count`` of ``trials``): the counts, so
    #: rare events get an exact (Clopper-Pearson) interval instead of ± s.e.
    count: int | None = None
    trials: int | None = None

    #: Below this many expected events a ± standard error means little: the
    #: count is mostly 0, 1 or 2, and the exact interval is what to quote.
    RARE_BELOW = 5.0

    @property
    def deviation_in_se(self) -> float:
        """|simulated − analytic| in standard errors (nan when the error is unknown)."""
        if not self.standard_error or math.isnan(self.standard_error):
            return math.nan
        return abs(self.simulated - self.analytic) / self.standard_error

    @property
    def interval(self) -> tuple[float, float] | None:
        """Exact 95 % interval of the fraction ``count / trials``; None without counts."""
        if self.count is None or not self.trials:
            return None
        return binomial_interval(self.count, self.trials)

    @property
    def expected_count(self) -> float:
        """Events the model expects in ``trials`` (nan without counts)."""
        return self.analytic * self.trials if self.trials else math.nan

    @property
    def rare(self) -> bool:
        """Whether too few events are expected for ± s.e. to mean anything (< RARE_BELOW)."""
        return self.expected_count < self.RARE_BELOW

    @property
    def consistent(self) -> bool | None:
        """Whether the analytic value lies in the exact interval (None without counts)."""
        interval = self.interval
        return None if interval is None else interval[0] <= self.analytic <= interval[1]

    def interval_text(self) -> str:
        """``"0 of 1234 (95% CI 0 to 0.003)"``: the count and its exact interval, or ""."""
        interval = self.interval
        if interval is None:
            return ""
        low, high = (0 if x == 0 else float(f"{x:.2g}") for x in interval)
        return f"{self.count} of {self.trials} (95% CI {low:g} to {high:g})"

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self) | {"deviation_in_se": self.deviation_in_se}
        interval = self.interval
        if interval is not None:
            out |= {"ci_low": interval[0], "ci_high": interval[1], "confidence": 0.95,
                    "expected_count": self.expected_count, "rare": self.rare,
                    "consistent": self.consistent}
        return out


@dataclass(frozen=True)
class LinkRun:
    """The outcome of :func:`run_link`."""

    model: LinkModel
    duration_s: float
    seed: int
    skip_failures: bool
    attempts: int
    heralds: int
    delivered: int
    consumed: int
    discarded: int
    figures: tuple[Figure, ...]

    def figure(self, name: str) -> Figure:
        for figure in self.figures:
            if figure.name == name:
                return figure
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "link": self.model.spec.name,
            "scheme": self.model.scheme,
            "duration_s": self.duration_s,
            "seed": self.seed,
            "skip_failures": self.skip_failures,
            "counts": {"attempts": self.attempts, "heralds": self.heralds,
                       "delivered": self.delivered, "consumed": self.consumed,
                       "discarded": self.discarded},
            "figures": [f.to_dict() for f in self.figures],
            "analytic": self.model.summary(),
        }


def estimated_events(model: LinkModel, *, duration_s: float, skip_failures: bool = True,
                     demand_rate_hz: float | None = None) -> dict[str, float]:
    """Events a run is expected to simulate, by source: ``demands`` and ``link``.

    Without ``skip_failures`` every attempt is an event; with it, one
    geometric draw jumps over the failures, so only heralded attempts count.

    >>> from qdcnet.link.examples import symmetric_single_click
    >>> model = LinkModel.from_spec(symmetric_single_click(alpha=0.1, eta=0.01))
    >>> estimated_events(model, duration_s=10.0, demand_rate_hz=100.0)["demands"]
    1000.0
    """
    attempts = model.attempt_rate_hz * model.num_streams * duration_s
    heralds = attempts * model.success_probability
    return {"demands": (demand_rate_hz or 0.0) * duration_s,
            "link": heralds if skip_failures else attempts + heralds}


def _down(x: float) -> float:
    """``x`` rounded down to three significant digits (a bound that is itself allowed)."""
    if not x > 0 or not math.isfinite(x):
        return 0.0
    scale = 10.0 ** (math.floor(math.log10(x)) - 2)
    return math.floor(x / scale) * scale


def check_link_run(
    model: LinkModel,
    *,
    duration_s: float,
    skip_failures: bool = True,
    cutoff_s: float | None = None,
    demand_rate_hz: float | None = None,
    names: dict[str, str] | None = None,
    values: dict[str, object] | None = None,
) -> None:
    """Refuse, before any work, a run that cannot finish or cannot be reported.

    ``names`` maps ``duration_s``, ``cutoff_s`` and ``demand_rate_hz`` to the
    names the user wrote (CLI options, scenario fields); ``values`` to the
    values as written (``"1 MHz"``), for the message.
    """
    names = {"duration_s": "duration_s", "cutoff_s": "cutoff_s",
             "demand_rate_hz": "demand_rate_hz"} | (names or {})
    values = {"duration_s": duration_s, "cutoff_s": cutoff_s,
              "demand_rate_hz": demand_rate_hz} | (values or {})

    def refuse(key: str, allowed: str, reason: str | None = None) -> ParameterError:
        return ParameterError(names[key], values[key], allowed, reason)

    try:
        check_positive("duration_s", duration_s)
    except ParameterError:
        raise refuse("duration_s", "(0, inf) s") from None
    if cutoff_s is not None:
        try:
            check_positive("cutoff_s", cutoff_s)
        except ParameterError:
            raise refuse("cutoff_s", "(0, inf) s") from None
    if demand_rate_hz is not None:
        try:
            check_positive("demand_rate_hz", demand_rate_hz)
        except ParameterError:
            raise refuse("demand_rate_hz", "(0, inf) Hz") from None
        if model.num_streams != 1 or model.duty_cycle is not None:
            this = (f"{model.num_streams} streams" if model.num_streams != 1 else
                    f"a duty cycle of {model.duty_cycle.burst_s:g} s on, "  # type: ignore[union-attr]
                    f"{model.duty_cycle.pause_s:g} s off")  # type: ignore[union-attr]
            raise refuse("demand_rate_hz", "only on a link with one stream and no duty cycle",
                         f"this link has {this}; the demand model is closed-form for the "
                         "simple case only")
    events = estimated_events(model, duration_s=duration_s, skip_failures=skip_failures,
                              demand_rate_hz=demand_rate_hz)
    if sum(events.values()) > MAX_EVENTS:
        if events["demands"] >= events["link"]:
            bound = (MAX_EVENTS - events["link"]) / duration_s
            raise refuse("demand_rate_hz", f"(0, {_down(bound):g}] Hz for {duration_s:g} s",
                         f"at most {MAX_EVENTS:,} simulated events per run; shorten the "
                         "duration or lower the rate")
        per_second = sum(events.values()) / duration_s
        raise refuse("duration_s", f"(0, {_down(MAX_EVENTS / per_second):g}] s for this link",
                     f"at most {MAX_EVENTS:,} simulated events per run, this link makes about "
                     f"{per_second:.3g} per second"
                     + ("; skipping failed attempts makes far fewer" if not skip_failures
                        else ""))


#: How many pieces a run with ``on_progress`` is cut into (as in ``run_workload``).
PROGRESS_STEPS = 100


def run_link(
    model: LinkModel,
    *,
    duration_s: float,
    seed: int,
    skip_failures: bool = True,
    cutoff_s: float | None = None,
    demand_rate_hz: float | None = None,
    on_progress: Callable[[float], None] | None = None,
) -> LinkRun:
    """Simulate ``model`` for ``duration_s`` and put each measured figure beside its twin.

    The arguments are checked first (:func:`check_link_run`): a run that would
    exceed :data:`MAX_EVENTS`, or demand on a link the demand model does not
    cover, is refused before anything is simulated.

    ``on_progress`` gets the simulated seconds done, :data:`PROGRESS_STEPS`
    times, the last time ``duration_s``; the run's results are the same with
    or without it.
    """
    check_link_run(model, duration_s=duration_s, skip_failures=skip_failures,
                   cutoff_s=cutoff_s, demand_rate_hz=demand_rate_hz)
    sim = Simulator(seed=seed)
    link = LinkSimulation(sim, model, skip_failures=skip_failures, cutoff_s=cutoff_s,
                          demand_rate_hz=demand_rate_hz)
    link.start()
    end_ps = s_to_ps(duration_s)
    if on_progress is None:
        sim.run(until=end_ps)
    else:
        for step in range(1, PROGRESS_STEPS + 1):
            sim.run(until=end_ps * step // PROGRESS_STEPS)
            on_progress(duration_s * step / PROGRESS_STEPS)
    link.stop()
    stats = link.stats
    nan = math.nan
    # Standard errors are those the model predicts for this many trials, so a
    # run that happens to see no false herald still has an honest error bar.
    attempts, heralds = stats.attempts, stats.heralds
    p = model.success_probability
    p_hat = heralds / attempts if attempts else nan
    p_se = proportion_standard_error(p, attempts)
    f = model.false_herald_fraction
    false_hat = stats.false_heralds / heralds if heralds else nan
    false_se = proportion_standard_error(f, heralds)
    outcomes = model.outcomes
    spread = (outcomes.state_true.fidelity - outcomes.state_false.fidelity) ** 2 * f * (1 - f)
    figures = [
        Figure("success probability", "per attempt", p, p_hat, p_se),
        Figure("false heralds", "fraction", f, false_hat, false_se,
               count=stats.false_heralds, trials=heralds),
    ]
    if demand_rate_hz is None:
        expected = model.rate_hz * duration_s
        rate = stats.delivered / duration_s
        # Deliveries are a renewal process with nearly geometric gaps: var(N) ≈ E[N].
        rate_se = poisson_rate_standard_error(expected, duration_s)
        cycle_mean = model.num_streams / model.rate_hz if model.rate_hz else nan
        mean_cycle = stats.mean_cycle_s()[0]
        cycles = stats.cycles
        cycle_se = cycle_mean * math.sqrt(1 - p) / math.sqrt(cycles) if cycles else nan
        consumed = stats.consumed
        fidelity_se = (math.sqrt(max(spread, stats.fidelity_standard_error**2 * consumed)
                                 / consumed) if consumed > 1 else nan)
        figures += [
            Figure("pair rate", "1/s", model.rate_hz, rate, rate_se),
            Figure("time between pairs (one stream)", "s", cycle_mean, mean_cycle, cycle_se),
            Figure("delivered fidelity", "", model.delivered_fidelity,
                   stats.mean_fidelity if consumed else nan, fidelity_se),
        ]
        yield_sim = stats.mean_state.hashing_yield() if consumed else nan
        figures.append(Figure("distillable rate (hashing)", "ebit/s",
                              model.distillable_rate_hz, rate * yield_sim, nan))
    else:
        demand = model.with_demand(demand_rate_hz, cutoff_s if cutoff_s else math.inf)
        served = stats.consumed / duration_s
        discards = stats.discarded / duration_s
        miss = stats.misses / stats.demands if stats.demands else nan
        m = demand.miss_probability
        figures += [
            Figure("served pairs", "1/s", demand.served_rate_hz, served,
                   poisson_rate_standard_error(demand.served_rate_hz * duration_s, duration_s)),
            Figure("discarded pairs", "1/s", demand.discard_rate_hz, discards,
                   poisson_rate_standard_error(demand.discard_rate_hz * duration_s,
                                               duration_s)),
            Figure("missed demands", "fraction", m, miss,
                   proportion_standard_error(m, stats.demands),
                   count=stats.misses, trials=stats.demands),
            Figure("served fidelity", "", demand.served_fidelity,
                   stats.mean_fidelity if stats.consumed else nan,
                   stats.fidelity_standard_error),
        ]
    return LinkRun(model, duration_s, seed, skip_failures, attempts, heralds, stats.delivered,
                   stats.consumed, stats.discarded, tuple(figures))


def _perfect_path(path: OpticalPath, part: str) -> OpticalPath:
    if part == "conversion":
        if path.converter is not None:
            return dataclasses.replace(path, converter=dataclasses.replace(
                path.converter, efficiency=1.0,
                encoding_efficiency=1.0))
        if path.transducer is not None:
            return dataclasses.replace(path, transducer=dataclasses.replace(path.transducer,
                                                                            efficiency=1.0))
        return path
    if part == "transducer pump rate":
        assert path.transducer is not None
        return dataclasses.replace(path, transducer=dataclasses.replace(
            path.transducer, repetition_rate_hz=None))
    fiber = dataclasses.replace(path.fiber, attenuation_db_per_km=0.0)
    return dataclasses.replace(path, fiber=fiber, switches=(), wdm=None, extra_loss_db=0.0)


def _improve_end(end: EmitterEnd, part: str) -> EmitterEnd:
    if part == "emission x collection":
        emitter = dataclasses.replace(end.emitter, emission_probability=1.0,
                                      collection_efficiency=1.0)
        return dataclasses.replace(end, emitter=emitter)
    return dataclasses.replace(end, path=_perfect_path(end.path, part))


def bottlenecks(spec: LinkSpec) -> list[dict[str, Any]]:
    """Per factor of each arm: its value and the rate if it alone were perfect.

    Only for emitter-based segments (single and two click).
    """
    if not isinstance(spec, (SingleClickLink, TwoClickLink)):
        return []
    base = LinkModel.from_spec(spec).rate_hz
    rows = []
    for label, end_attr in (("A", "end_a"), ("B", "end_b")):
        end: EmitterEnd = getattr(spec, end_attr)
        conversion = (end.path.converter.throughput if end.path.converter is not None
                      else end.path.transducer.efficiency if end.path.transducer is not None
                      else None)
        factors = {
            "emission x collection": end.emitter.efficiency,
            "conversion": conversion,
            "fibre and switching": end.path.downstream_transmission,
        }
        transducer = end.path.transducer
        pump_limited = (transducer is not None and transducer.repetition_rate_hz is not None
                        and spec.min_attempt_period_s > 0.0)
        for part, value in factors.items():
            if value is None or value >= 1.0:
                continue
            improved = dataclasses.replace(spec, **{end_attr: _improve_end(end, part)})
            rate = LinkModel.from_spec(improved).rate_hz
            rows.append({"end": f"{label} ({end.name})", "factor": part, "value": value,
                         "rate_if_perfect_hz": rate, "gain": rate / base if base else math.inf})
        if pump_limited:
            # The pump's repetition rate, if it did not limit the attempt period.
            assert transducer is not None
            improved = dataclasses.replace(
                spec, **{end_attr: _improve_end(end, "transducer pump rate")})
            rate = LinkModel.from_spec(improved).rate_hz
            if rate > base:
                rows.append({"end": f"{label} ({end.name})", "factor": "transducer pump rate",
                             "value": transducer.repetition_rate_hz,
                             "rate_if_perfect_hz": rate,
                             "gain": rate / base if base else math.inf})
    detector = spec.station.detector
    if detector.efficiency < 1.0:
        station = dataclasses.replace(spec.station,
                                      detector=dataclasses.replace(detector, efficiency=1.0))
        rate = LinkModel.from_spec(dataclasses.replace(spec, station=station)).rate_hz
        rows.append({"end": "station", "factor": "detector efficiency",
                     "value": detector.efficiency, "rate_if_perfect_hz": rate,
                     "gain": rate / base if base else math.inf})
    return sorted(rows, key=lambda row: -row["gain"])
