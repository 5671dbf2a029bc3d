"""The analytic twin of a heralded segment: :class:`LinkModel`.

From a segment specification it computes, in closed form: the probability
of a true and of a false herald per attempt and the state each leaves, the
attempt period and duty cycle, the rate and the distribution of the time to a
pair, the delivered state (decoherence while the herald travels included),
the distillable rate (hashing bound) and the relevant capacity bound. The
event simulation (:mod:`qdcnet.link.process`) draws from exactly these
outcome probabilities and states, and tests hold its measured figures against
this model.

Formulas (REFERENCE.md section 1, generalised):

Single click, per attempt, with a = α_A(1−α_B)η_A, b = α_B(1−α_A)η_B,
coherence c = √V·e^(−σ²/2):

- one photon detected, the other detector silent: weight (a + b)(1 − d),
  state in the corrected frame (Φ⁺, Φ⁻) = ((a+b)/2 ± √(ab)·c);
- both nodes bright, one click: α_Aα_B[η_A(1−η_B) + η_B(1−η_A) + η_Aη_B(1+V)/2]
  (threshold detectors; photon-number-resolving ones reject two photons),
  state |11⟩ → (Ψ⁺ + Ψ⁻)/2 after the correction;
- nothing detected and one detector dark-clicks: 2d(1−d)(1−α_Aη_A)(1−α_Bη_B).

Two click: ½η_Aη_B for a true herald (linear optics resolves 2 of 4 Bell
states), the state being the swap of the two spin–photon states dephased by
(1−V)/2; a dark count with one lost photon, or two dark counts, give a false
herald with the maximally mixed state; both photons in one detector
(probability (1+V)/4 given both arrive) with a dark count in a detector that
completes a valid pattern herald |00⟩/|11⟩ spins, of fidelity 0 after the
correction (threshold detectors only: number-resolving ones see two photons).

Midpoint source, with N pairs per acceptance window (generating function
G(z) = E[z^N], Poisson by default), each photon stored and heralded with η_A
or η_B, herald dark counts d_A, d_B, and r = (1−η_A)(1−η_B):

- herald (both ends report a storage, true or dark):
  1 − (1−d_A)G(1−η_A) − (1−d_B)G(1−η_B) + (1−d_A)(1−d_B)G(r);
- the source state, when each memory keeps its first photon and both first
  photons come from the same pair: η_Aη_B(1 − G(r))/(1 − r); with a
  multimode memory, only when the window held exactly one pair: P(N=1)η_Aη_B;
- any other herald leaves the maximally mixed state.

Duty cycles: m = ⌈burst/T⌉ attempts start in a burst, each lasting a period
T, and the pause follows the last of them: m attempts per m·T + pause, so
attempts never overlap. Detector dead time is accepted only where it cannot
change any of the above (see :func:`_check_dead_time`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from qdcnet.errors import ParameterError, QdcnetError
from qdcnet.hardware.components import QuantumMemory
from qdcnet.link.spec import (
    DutyCycle,
    LinkSpec,
    MidpointSourceLink,
    SingleClickLink,
    TwoClickLink,
)
from qdcnet.quantum import BellDiagonal, batch, swap

__all__ = ["DemandFigures", "HeraldOutcomes", "LinkModel", "plob_bound"]


def plob_bound(transmissivity: float) -> float:
    """−log₂(1 − η) ebits per channel use (Pirandola et al. 2017).

    >>> round(plob_bound(0.5), 6)
    1.0
    """
    if transmissivity >= 1.0:
        return math.inf
    # log1p keeps a tiny η's bound (a long fibre's) exact, and η = 0 gives +0, not -0.
    return -math.log1p(-transmissivity) / math.log(2.0)


@dataclass(frozen=True)
class HeraldOutcomes:
    """What one attempt can herald, and the states (in the corrected frame).

    ``frames`` lists the raw Bell states a herald announces, as the Pauli
    correction each needs and its probability (e.g. a click in one detector
    announces Ψ⁺, which needs X).
    """

    p_true: float
    p_false: float
    state_true: BellDiagonal
    state_false: BellDiagonal
    frames: tuple[tuple[int, float], ...]

    @property
    def p_success(self) -> float:
        return self.p_true + self.p_false

    @property
    def mixed_state(self) -> BellDiagonal:
        """The average heralded state (true and false heralds together)."""
        p = self.p_success
        if p <= 0.0:
            return BellDiagonal.maximally_mixed()
        w_true, w_false = self.p_true / p, self.p_false / p
        coefficients = [w_true * t + w_false * f for t, f in
                        zip(self.state_true.coefficients, self.state_false.coefficients,
                            strict=True)]
        return BellDiagonal(*coefficients)


@dataclass(frozen=True)
class DemandFigures:
    """A single-stream link keeping one pair for Poisson demand, with a cutoff."""

    served_rate_hz: float
    discard_rate_hz: float
    miss_probability: float
    served_state: BellDiagonal

    @property
    def served_fidelity(self) -> float:
        return self.served_state.fidelity


def _mix(weights_and_states: list[tuple[float, BellDiagonal]]) -> BellDiagonal:
    total = sum(w for w, _ in weights_and_states)
    if total <= 0.0:
        return BellDiagonal.maximally_mixed()
    c = [0.0, 0.0, 0.0, 0.0]
    for w, state in weights_and_states:
        for k in range(4):
            c[k] += w * state.coefficients[k]
    return BellDiagonal(*(x / total for x in c))


def _single_click(spec: SingleClickLink) -> HeraldOutcomes:
    eta_a, eta_b = spec.arm_efficiency(spec.end_a), spec.arm_efficiency(spec.end_b)
    alpha_a, alpha_b = spec.alpha_a, spec.alpha_b
    d = spec.false_click_probability()
    pnr = spec.station.detector.photon_number_resolving
    # Double excitation leaks which-path information: it removes coherence.
    de = 0.5 * (spec.end_a.double_excitation_probability
                + spec.end_b.double_excitation_probability)
    coherence = math.sqrt(spec.visibility) * math.exp(-spec.phase_noise_rad**2 / 2.0) * (1.0 - de)
    a = alpha_a * (1.0 - alpha_b) * eta_a
    b = alpha_b * (1.0 - alpha_a) * eta_b
    one_lost = eta_a * (1.0 - eta_b) + eta_b * (1.0 - eta_a)
    both = 0.0 if pnr else eta_a * eta_b * (1.0 + spec.visibility) / 2.0
    p11 = alpha_a * alpha_b * (one_lost + both)
    # The silent detector must stay silent; a PNR detector must not add a dark count either.
    quiet = (1.0 - d) ** 2 if pnr else (1.0 - d)
    good_plus = (a + b) / 2.0 + math.sqrt(a * b) * coherence
    good_minus = (a + b) / 2.0 - math.sqrt(a * b) * coherence
    p_true = quiet * (a + b + p11)
    # Corrected frame: (Phi+, Psi+, Psi-, Phi-).
    true_state = _mix([(good_plus, BellDiagonal.perfect()),
                       (good_minus, BellDiagonal(0.0, 0.0, 0.0, 1.0)),
                       (p11, BellDiagonal(0.0, 0.5, 0.5, 0.0))])
    dark = 2.0 * d * (1.0 - d)
    lost_one = alpha_a * (1 - alpha_b) * (1 - eta_a) + alpha_b * (1 - alpha_a) * (1 - eta_b)
    lost_none = (1 - alpha_a) * (1 - alpha_b) + alpha_a * alpha_b * (1 - eta_a) * (1 - eta_b)
    p_false = dark * (lost_one + lost_none)
    # |01>, |10> with the photon lost are incoherent: (Phi+ + Phi-)/2 after
    # the correction; |00> and |11> give (Psi+ + Psi-)/2.
    false_state = _mix([(lost_one, BellDiagonal(0.5, 0.0, 0.0, 0.5)),
                        (lost_none, BellDiagonal(0.0, 0.5, 0.5, 0.0))])
    return HeraldOutcomes(p_true, p_false, true_state, false_state, ((1, 0.5), (2, 0.5)))


def _two_click(spec: TwoClickLink) -> HeraldOutcomes:
    eta_a, eta_b = spec.arm_efficiency(spec.end_a), spec.arm_efficiency(spec.end_b)
    d = spec.false_click_probability()
    pnr = spec.station.detector.photon_number_resolving
    visibility = spec.visibility
    # Four detection slots (two detectors behind a PBS per output, or two
    # detectors times two time bins). Each slot has `partners` slots that
    # complete a valid two-click pattern, and 2·partners valid pairs in all.
    partners = spec.station.resolvable_bell_states
    silent = 1.0 - d
    if pnr:
        # A number-resolving detector reads a noise count on top of a photon
        # as two: every slot must be free of noise except a completing one,
        # which must hold exactly one count (Poisson noise: −(1−d)ln(1−d)).
        one_noise = -silent * math.log(silent) if silent > 0.0 else 0.0
        clicked_quiet = silent
    else:
        one_noise = d
        clicked_quiet = 1.0
    p_true = partners / 4.0 * eta_a * eta_b * silent**2 * clicked_quiet**2
    spin_spin = swap(BellDiagonal.werner(spec.end_a.spin_photon_fidelity),
                     BellDiagonal.werner(spec.end_b.spin_photon_fidelity))
    true_state = spin_spin.dephase((1.0 - visibility) / 2.0)
    # False heralds leaving uncorrelated spins: one photon lost and a noise
    # count in a valid partner of the other's slot, or both lost and two
    # noise counts forming a valid pair.
    one_photon = eta_a * (1.0 - eta_b) + eta_b * (1.0 - eta_a)
    p_lost = (one_photon * partners * one_noise * silent**2 * clicked_quiet
              + (1.0 - eta_a) * (1.0 - eta_b) * 2 * partners * one_noise**2 * silent**2)
    # Both photons in one slot ((1 + V)/4: HOM bunching of the Φ± part, plus
    # the distinguishable part) click once on a threshold detector; a noise
    # count in a valid partner completes a pattern. Both photons had the same
    # polarization (or time bin), so the spins are left in |00⟩ or |11⟩ with
    # Werner weights w_A w_B: after the correction (Ψ⁺ + Ψ⁻)-like, fidelity
    # (1 − w_A w_B)/4.
    p_bunched = 0.0 if pnr else (eta_a * eta_b * (1.0 + visibility) / 4.0
                                 * partners * d * silent**2)
    w = ((4.0 * spec.end_a.spin_photon_fidelity - 1.0) / 3.0
         * (4.0 * spec.end_b.spin_photon_fidelity - 1.0) / 3.0)
    bunched_state = BellDiagonal((1.0 - w) / 4.0, (1.0 + w) / 4.0, (1.0 + w) / 4.0,
                                 (1.0 - w) / 4.0)
    false_state = _mix([(p_lost, BellDiagonal.maximally_mixed()),
                        (p_bunched, bunched_state)])
    frames = ((1, 0.5), (2, 0.5)) if partners == 2 else ((2, 1.0),)
    return HeraldOutcomes(p_true, p_lost + p_bunched, true_state, false_state, frames)


def _midpoint(spec: MidpointSourceLink) -> HeraldOutcomes:
    # N pairs per window with generating function G(z) = E[z^N]; each photon
    # is stored (and heralded) independently, with η_A at A and η_B at B.
    # A node reports a storage unless it stored nothing and its herald
    # detector stayed dark: P(silent | N) = (1 − d)(1 − η)^N.
    eta_a, eta_b = spec.end_a.efficiency, spec.end_b.efficiency
    d_a, d_b = spec.false_herald_probability(spec.end_a), spec.false_herald_probability(spec.end_b)
    g = spec.pair_number_pgf
    # Both photons of a pair lost: r per pair.
    r = (1.0 - eta_a) * (1.0 - eta_b)
    p_herald = (1.0 - (1.0 - d_a) * g(1.0 - eta_a) - (1.0 - d_b) * g(1.0 - eta_b)
                + (1.0 - d_a) * (1.0 - d_b) * g(r))
    if spec.multimode_memory:
        # Every stored photon stays: only a lone pair, stored at both ends, is clean.
        p_true = spec.single_pair_probability * eta_a * eta_b
    elif r < 1.0:
        # Pairs leave the source in time order and keep it on the way to each
        # end, so both memories hold one pair iff the earliest pair stored at
        # either end is stored at both: Σ_j r^(j−1) η_A η_B over j ≤ N.
        p_true = eta_a * eta_b * (1.0 - g(r)) / (1.0 - r)
    else:
        p_true = 0.0
    # Anything else that heralds (the first photons from different pairs, a
    # dark count at an end that stored nothing) leaves uncorrelated halves.
    p_false = max(0.0, p_herald - p_true)
    true_state = BellDiagonal.werner(spec.source.fidelity)
    return HeraldOutcomes(p_true, p_false, true_state, BellDiagonal.maximally_mixed(), ((0, 1.0),))


def _check_dead_time(spec: LinkSpec, period_s: float) -> None:
    """Refuse a detector dead time that could change what the model computes.

    The detectors are gated: they count (and so can go blind) only within the
    detection windows of attempts. A dead time then has no effect, exactly,
    when every click leaves the detector ready before its next window: one
    attempt period later, and for time-bin qubits one emission later (the
    late bin). It couples streams that share the detectors (their attempts
    run on uncoordinated schedules, so one stream's click can blind another's
    window) and the attempts of one stream when it outlasts the gap; neither
    is modelled (attempts would no longer be independent), so both are refused.
    """
    if isinstance(spec, MidpointSourceLink):
        checks = [(f"{end.name}.herald_detector.dead_time_s", end.herald_detector,
                   end.acceptance_window_s) for end in spec.ends]
        # Each end's memory waits for the next window of the next attempt.
        gap_start = period_s
    else:
        detector = spec.station.detector  # type: ignore[attr-defined]
        checks = [("station.detector.dead_time_s", detector, detector.detection_window_s)]
        gap_start = period_s
        if spec.emissions_per_attempt > 1:  # type: ignore[attr-defined]
            gap_start = max(e.emitter.emission_time_s for e in spec.ends)  # type: ignore[attr-defined]
    streams = spec.num_streams  # type: ignore[attr-defined]
    for name, detector, window in checks:
        tau = detector.dead_time_s
        if tau <= 0.0:
            continue
        if streams > 1:
            raise ParameterError(
                name, tau, f"0 with {streams} streams sharing the detectors (a click blinds "
                "the detector during the other streams' windows; not modelled: use one "
                "communication qubit per link or a detector without dead time)")
        gap = gap_start - window
        if tau > gap:
            raise ParameterError(
                name, tau, f"[0, {gap:.6g}] s: the gap before the detector's next window "
                "(a longer dead time blinds later windows and makes attempts dependent; "
                "not modelled)")


@dataclass(frozen=True)
class LinkModel:
    """Closed-form figures of one segment. Build it with :meth:`from_spec`.

    Times are measured from the start of an attempt (the first emission).
    """

    spec: LinkSpec
    outcomes: HeraldOutcomes
    attempt_period_s: float
    reference_delay_s: float
    learn_delay_s: tuple[float, float]
    pre_age_s: tuple[float, float]
    num_streams: int
    duty_cycle: DutyCycle | None
    memories: tuple[QuantumMemory, QuantumMemory]
    arm_transmissivity: tuple[float, float]
    reset_time_s: float

    @classmethod
    def from_spec(cls, spec: LinkSpec) -> LinkModel:
        """Analyse a single-click, two-click or midpoint-source segment."""
        if isinstance(spec, SingleClickLink):
            outcomes = _single_click(spec)
        elif isinstance(spec, TwoClickLink):
            outcomes = _two_click(spec)
        elif isinstance(spec, MidpointSourceLink):
            outcomes = _midpoint(spec)
        else:
            raise ParameterError("spec", type(spec).__name__,
                                 "SingleClickLink, TwoClickLink or MidpointSourceLink")
        if isinstance(spec, MidpointSourceLink):
            # Photons leave the source by the end of the acceptance window.
            window = spec.window_s
            storage = [window + spec.storage_delay_s(e) for e in spec.ends]
            reference = max(storage)
            pre_age = (reference - storage[0], reference - storage[1])
            learn = (window + spec.herald_delay_s(spec.end_a),
                     window + spec.herald_delay_s(spec.end_b))
            arms = (spec.end_a.efficiency, spec.end_b.efficiency)
        else:
            flights = [e.path.delay_s for e in spec.ends]  # type: ignore[attr-defined]
            longest = max(flights)
            # The farther end emits first so the photons meet at the station.
            emission_end = [spec.emission_time_s + longest - f for f in flights]
            reference = max(emission_end)
            pre_age = (reference - emission_end[0], reference - emission_end[1])
            learn = tuple(emission_end[i] + spec.herald_delay_s(e)  # type: ignore[attr-defined]
                          for i, e in enumerate(spec.ends))  # type: ignore[attr-defined]
            arms = (spec.arm_efficiency(spec.end_a),  # type: ignore[attr-defined]
                    spec.arm_efficiency(spec.end_b))  # type: ignore[attr-defined]
        period = max(learn) + spec.reset_time_s  # type: ignore[attr-defined]
        if not isinstance(spec, MidpointSourceLink):
            # A transducer's pump pulses may come slower than the protocol could go.
            period = max(period, spec.min_attempt_period_s)  # type: ignore[attr-defined]
        _check_dead_time(spec, period)
        if pre_age != (0.0, 0.0):
            outcomes = HeraldOutcomes(
                outcomes.p_true, outcomes.p_false,
                _age(outcomes.state_true, spec.memories, pre_age),
                _age(outcomes.state_false, spec.memories, pre_age),
                outcomes.frames,
            )
        return cls(
            spec=spec,
            outcomes=outcomes,
            # The next attempt starts once both ends know this one failed and reset.
            attempt_period_s=period,
            reference_delay_s=reference,
            learn_delay_s=(float(learn[0]), float(learn[1])),
            pre_age_s=pre_age,
            num_streams=spec.num_streams,  # type: ignore[attr-defined]
            duty_cycle=spec.duty_cycle,  # type: ignore[attr-defined]
            memories=spec.memories,  # type: ignore[attr-defined]
            arm_transmissivity=arms,
            reset_time_s=spec.reset_time_s,  # type: ignore[attr-defined]
        )

    # -- per attempt ------------------------------------------------------------

    @property
    def scheme(self) -> str:
        return self.spec.scheme

    @property
    def success_probability(self) -> float:
        """A herald (true or false) per attempt."""
        return self.outcomes.p_success

    @property
    def false_herald_fraction(self) -> float:
        p = self.outcomes.p_success
        return self.outcomes.p_false / p if p > 0 else 0.0

    @property
    def ready_delay_s(self) -> float:
        """From the start of an attempt until both ends know its outcome."""
        return max(self.learn_delay_s)

    # -- timing -------------------------------------------------------------------

    @property
    def attempts_per_burst(self) -> int | None:
        """Attempts that start within one burst (one every period from its start)."""
        if self.duty_cycle is None:
            return None
        return max(1, math.ceil(self.duty_cycle.burst_s / self.attempt_period_s - 1e-9))

    @property
    def cycle_s(self) -> float | None:
        """One burst of attempts and its pause: m·T + pause.

        An attempt lasts a whole period (emission, herald, reset) and the
        next may not start before it ends; the pause (recooling,
        stabilisation) would disturb a qubit still waiting for its herald,
        so it starts when the burst's last attempt is over. The burst thus
        lasts m·T ≥ ``burst_s`` when the period does not divide it.
        """
        if self.duty_cycle is None:
            return None
        m = self.attempts_per_burst
        return m * self.attempt_period_s + self.duty_cycle.pause_s  # type: ignore[operator]

    @property
    def attempt_rate_hz(self) -> float:
        """Attempts per second per stream, duty cycle included."""
        if self.duty_cycle is None:
            return 1.0 / self.attempt_period_s
        return self.attempts_per_burst / self.cycle_s  # type: ignore[operator]

    def attempt_start_s(self, index: int | np.ndarray) -> Any:
        """Start time of attempt ``index`` (0-based) of a stream that starts at 0."""
        if self.duty_cycle is None:
            return index * self.attempt_period_s
        m = self.attempts_per_burst
        return (index // m) * self.cycle_s + (index % m) * self.attempt_period_s  # type: ignore[operator]

    @property
    def rate_hz(self) -> float:
        """Pairs per second with every pair used as soon as it is ready."""
        return self.num_streams * self.success_probability * self.attempt_rate_hz

    @property
    def mean_time_to_pair_s(self) -> float:
        """Mean time from start until one stream's first pair is ready."""
        p = self.success_probability
        if p <= 0.0:
            return math.inf
        q = 1.0 - p
        if self.duty_cycle is None:
            mean_index = q / p
            return mean_index * self.attempt_period_s + self.ready_delay_s
        m = self.attempts_per_burst
        cycle = self.cycle_s
        qm = q**m  # type: ignore[operator]
        mean_bursts = qm / (1.0 - qm)
        # E[(N-1) mod m] for N geometric: sum_{v<m} v q^v p / (1 - q^m).
        partial = q * (1.0 - m * q ** (m - 1) + (m - 1) * qm) / (1.0 - q) ** 2  # type: ignore[operator]
        mean_offset = partial * p / (1.0 - qm)
        return mean_bursts * cycle + mean_offset * self.attempt_period_s + self.ready_delay_s

    def time_to_pair_cdf(self, t_s: float | np.ndarray, *, streams: int | None = None) -> Any:
        """P(the first pair of ``streams`` parallel streams is ready by ``t_s``)."""
        k = self.num_streams if streams is None else streams
        t = np.asarray(t_s, dtype=float)
        # Number of attempts whose outcome is known by t.
        start_limit = t - self.ready_delay_s
        if self.duty_cycle is None:
            done = np.where(start_limit >= 0,
                            np.floor(start_limit / self.attempt_period_s + 1e-12) + 1, 0)
        else:
            m = self.attempts_per_burst
            cycle = self.cycle_s
            bursts = np.floor(np.maximum(start_limit, 0) / cycle)
            within = np.maximum(start_limit, 0) - bursts * cycle
            in_burst = np.minimum(np.floor(within / self.attempt_period_s + 1e-12) + 1, m)
            done = np.where(start_limit >= 0, bursts * m + in_burst, 0)
        return 1.0 - (1.0 - self.success_probability) ** (k * done)

    # -- states -------------------------------------------------------------------

    @property
    def heralded_state(self) -> BellDiagonal:
        """Average state at the reference time (true and false heralds together)."""
        return self.outcomes.mixed_state

    @property
    def delivered_state(self) -> BellDiagonal:
        """Average state when both ends know of it (aged while the herald travelled)."""
        wait = self.ready_delay_s - self.reference_delay_s
        return _age(self.outcomes.mixed_state, self.memories, (wait, wait))

    @property
    def delivered_fidelity(self) -> float:
        return self.delivered_state.fidelity

    @property
    def hashing_yield(self) -> float:
        return self.delivered_state.hashing_yield()

    @property
    def distillable_rate_hz(self) -> float:
        """Rate times the hashing yield: a lower bound on distillable ebits per second."""
        return self.rate_hz * self.hashing_yield

    # -- capacity -----------------------------------------------------------------

    @property
    def capacity_bound_name(self) -> str:
        if self.spec.relay:  # type: ignore[attr-defined]
            return "single-relay bound (Pirandola 2019)"
        return "direct-channel bound per arm (PLOB 2017)"

    @property
    def capacity_bound_per_attempt(self) -> float:
        """Ebits per channel use: min over the two arms of −log₂(1 − η_arm).

        With a heralding station in the middle this is the single-relay bound
        (for equal arms −log₂(1 − √η)); for a midpoint source, each photon
        crosses a direct channel to its node. Every loss between memory and
        click counts as channel loss.
        """
        return min(plob_bound(eta) for eta in self.arm_transmissivity)

    @property
    def direct_bound_per_attempt(self) -> float:
        """−log₂(1 − η_A η_B): the bound without a relay, for comparison."""
        return plob_bound(self.arm_transmissivity[0] * self.arm_transmissivity[1])

    @property
    def capacity_bound_rate_hz(self) -> float:
        return self.capacity_bound_per_attempt * self.attempt_rate_hz * self.num_streams

    @property
    def distillable_per_attempt(self) -> float:
        return self.success_probability * self.hashing_yield

    # -- demand with a cutoff -----------------------------------------------------

    def with_demand(self, demand_rate_hz: float, cutoff_s: float = math.inf) -> DemandFigures:
        """A stream that keeps its pair until a Poisson demand takes it or the cutoff drops it.

        Exact for one stream without a duty cycle: each cycle generates a
        pair (mean T/p from the start of attempts to the next idle moment),
        holds it for min(Exp(λ), cutoff − herald delay), then resets.
        """
        if self.num_streams != 1 or self.duty_cycle is not None:
            raise QdcnetError("the demand model is closed-form for one stream without a duty "
                              "cycle only; simulate the others")
        lam = demand_rate_hz
        if lam <= 0:
            raise ParameterError("demand_rate_hz", demand_rate_hz, "(0, inf)")
        wait = self.ready_delay_s - self.reference_delay_s
        hold_limit = max(0.0, cutoff_s - self.ready_delay_s + self.reference_delay_s)
        p = self.success_probability
        # Cycle: (N-1) failed attempts of period T, the successful one until
        # both ends know (ready delay), the hold, then the reset. T is ready
        # delay + reset, so the mean is T/p + mean hold.
        used = -math.expm1(-lam * hold_limit) if math.isfinite(hold_limit) else 1.0
        mean_hold = used / lam
        cycle = self.attempt_period_s / p + mean_hold
        served_rate = used / cycle
        discard_rate = (1.0 - used) / cycle
        miss = 1.0 - mean_hold / cycle
        # Age at use: reference -> ready (wait), then X ~ Exp(λ) truncated at the hold limit.
        base = _age(self.outcomes.mixed_state, self.memories, (wait, wait))
        if used <= 0.0:
            return DemandFigures(0.0, 1.0 / cycle, 1.0, base)
        hat = batch.to_hat(base.to_array())
        # Walsh-Hadamard components (I, Y, X, Z) decay as exp(-r t), both ends stored.
        rates = batch.decay_exponents(*self.memories)
        factors = np.ones(4)
        for index in (1, 2, 3):
            r = rates[index]
            if math.isfinite(hold_limit):
                factors[index] = (lam / (lam + r)) * -math.expm1(-(lam + r) * hold_limit) / used
            else:
                factors[index] = lam / (lam + r)
        served = batch.from_hat(hat * factors)
        served_state = BellDiagonal(*(float(x) for x in served))
        return DemandFigures(served_rate, discard_rate, miss, served_state)

    # -- reporting ----------------------------------------------------------------

    def summary(self) -> dict[str, float | int | str]:
        """The headline figures as a flat mapping (for tables and JSON)."""
        return {
            "scheme": self.scheme,
            "success_probability": self.success_probability,
            "false_herald_fraction": self.false_herald_fraction,
            "attempt_period_s": self.attempt_period_s,
            "attempt_rate_hz": self.attempt_rate_hz,
            "num_streams": self.num_streams,
            "rate_hz": self.rate_hz,
            "mean_time_to_pair_s": self.mean_time_to_pair_s,
            "delivered_fidelity": self.delivered_fidelity,
            "hashing_yield": self.hashing_yield,
            "distillable_rate_hz": self.distillable_rate_hz,
            "capacity_bound": self.capacity_bound_name,
            "capacity_bound_per_attempt": self.capacity_bound_per_attempt,
            "direct_bound_per_attempt": self.direct_bound_per_attempt,
            "distillable_per_attempt": self.distillable_per_attempt,
            "capacity_bound_rate_hz": self.capacity_bound_rate_hz,
        }


def _age(state: BellDiagonal, memories: tuple[QuantumMemory, QuantumMemory],
         durations: tuple[float, float]) -> BellDiagonal:
    a, b = memories
    out = state
    if durations[0] > 0:
        out = out.decohere(durations[0], t1_s=a.t1_s, t2_s=a.t2_s, qubit=0)
    if durations[1] > 0:
        out = out.decohere(durations[1], t1_s=b.t1_s, t2_s=b.t2_s, qubit=1)
    return out
