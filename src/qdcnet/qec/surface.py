"""Rotated surface-code memory circuits split over QPUs, for stim.

A distance-``d`` patch (data qubits at odd coordinates, one measure qubit per
plaquette) is cut into modules: ``"vertical"`` (two QPUs, the seam between
columns), ``"horizontal"``, ``"2x2"`` (four QPUs) or ``"monolithic"`` (one,
the reference). A check whose data qubits sit on more than one module needs
Bell pairs, used in one of two ways:

* ``teleported_cnot`` — the measure qubit stays home and each CNOT to a data
  qubit on another module is teleported through one pair. A Bell-diagonal
  pair with coefficients (Φ⁺, Ψ⁺, Ψ⁻, Φ⁻) leaves the Pauli channel
  (II, IX, ZX, ZI) on (control, target) after the CNOT
  (:func:`qdcnet.quantum.teleported_cnot_channel`); a Werner pair of
  infidelity ε gives X_t, Z_c and Z_c X_t each with probability ε/3.
* ``cat`` — the check gets one extra measure qubit on every other module it
  touches, the measure qubits start in a GHZ state built from Bell pairs
  (one per extra module, its Pauli error on the extra half: Ψ⁺ → X,
  Φ⁻ → Z, Ψ⁻ → Y), each data qubit talks to its own module's measure qubit,
  and the check's value is the parity of all of them (Shor-style).

Bulk noise is either uniform circuit-level depolarizing noise ``p`` (the
threshold-study mode): after every one- and two-qubit gate, on idle qubits in
every layer, on resets and before measurements (flips); or a
:class:`CircuitNoise` with separate figures per operation, built from a
platform profile by :meth:`CircuitNoise.from_profile`: stim DEPOLARIZE1
after one-qubit gates and DEPOLARIZE2 after CNOTs with the p that has the
profile's gate fidelities in their declared measures
(:mod:`qdcnet.quantum.noise`), readout flips, and on every idle qubit the
Pauli-twirled T1/T2 channel over the duration of the layer it waits through.

Seam noise is set by the pair: pass a
:class:`~qdcnet.quantum.BellDiagonal` or a Werner infidelity ε = 1 - F
(conversions: Werner depolarizing parameter p gives ε = 3p/4; two-qubit
depolarizing p on the pair gives ε = 4p/5; one-qubit depolarizing p on one
half gives ε = p — see :func:`infidelity_from`).

>>> circuit = memory_circuit(3, basis="z", bulk=0.001, seam=0.05)
>>> circuit.num_detectors, circuit.num_observables
(24, 1)
>>> len(circuit.shortest_graphlike_error())
3
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from qdcnet.errors import ParameterError, check_probability
from qdcnet.quantum import BellDiagonal, teleportation_channel, teleported_cnot_channel
from qdcnet.quantum.pauli import check_pauli_probabilities

if TYPE_CHECKING:
    import stim

__all__ = [
    "LAYOUTS",
    "PROTOCOLS",
    "CircuitNoise",
    "SurfacePatch",
    "infidelity_from",
    "memory_circuit",
    "seam_pair",
]

LAYOUTS = ("monolithic", "vertical", "horizontal", "2x2")
PROTOCOLS = ("teleported_cnot", "cat")
# CNOT orders (offsets from the measure qubit to its data qubits) that keep hook
# errors perpendicular to the logical they could shorten; the tests check the
# circuit distance is d for both bases and every layout.
_X_ORDER = ((1, 1), (-1, 1), (1, -1), (-1, -1))
_Z_ORDER = ((1, 1), (1, -1), (-1, 1), (-1, -1))


def infidelity_from(value: float, convention: str) -> float:
    """Bell-pair infidelity ε = 1 - F from another convention's parameter.

    ``convention``: ``"infidelity"`` (ε itself), ``"werner"`` (the Werner
    mixing parameter p: ρ = (1 - p)|Φ⁺><Φ⁺| + p I/4, so ε = 3p/4),
    ``"two_qubit_depolarizing"`` (p on both halves, 15 Paulis: ε = 4p/5) or
    ``"one_qubit_depolarizing"`` (p on one half: ε = p).

    >>> round(infidelity_from(0.1, "werner"), 12)
    0.075
    """
    factors = {"infidelity": 1.0, "werner": 0.75, "two_qubit_depolarizing": 0.8,
               "one_qubit_depolarizing": 1.0}
    if convention not in factors:
        raise ParameterError("convention", convention, ", ".join(factors))
    check_probability("value", value)
    return factors[convention] * value


def seam_pair(seam: Any) -> tuple[float, float, float, float]:
    """Bell coefficients (Φ⁺, Ψ⁺, Ψ⁻, Φ⁻) of a seam pair: a BellDiagonal, four coefficients,
    or a Werner infidelity ε."""
    if hasattr(seam, "to_bell_diagonal"):
        c = seam.to_bell_diagonal().coefficients
        return (c[0], c[1], c[2], c[3])
    if isinstance(seam, (tuple, list)):
        c = BellDiagonal.from_coefficients(seam).coefficients
        return (c[0], c[1], c[2], c[3])
    epsilon = float(seam)
    check_probability("seam infidelity", epsilon)
    if epsilon > 0.75:
        raise ParameterError("seam infidelity", epsilon, "[0, 0.75]",
                             "0.75 is the fully mixed pair")
    return (1.0 - epsilon, epsilon / 3, epsilon / 3, epsilon / 3)


@dataclass(frozen=True)
class CircuitNoise:
    """Per-operation noise of a memory circuit, as stim parameters.

    ``one_qubit`` and ``two_qubit`` are the p of stim's DEPOLARIZE1/2 after
    each gate (the Pauli error, i.e. the process infidelity); ``readout`` the
    flip before each measurement; ``reset`` the flip after each reset. Each
    ``idle_*`` is the Pauli channel (p_X, p_Y, p_Z) on every qubit that waits
    through a layer of that kind. A gate's own fidelity already holds the
    decoherence of its busy qubits, so they get no idle noise.
    """

    one_qubit: float
    two_qubit: float
    readout: float
    reset: float = 0.0
    idle_one_qubit: tuple[float, float, float] = (0.0, 0.0, 0.0)
    idle_two_qubit: tuple[float, float, float] = (0.0, 0.0, 0.0)
    idle_measure: tuple[float, float, float] = (0.0, 0.0, 0.0)
    idle_reset: tuple[float, float, float] = (0.0, 0.0, 0.0)

    def __post_init__(self) -> None:
        for name in ("one_qubit", "two_qubit", "readout", "reset"):
            check_probability(name, getattr(self, name))
        # stim refuses depolarizing parameters past the fully mixing point.
        if self.one_qubit > 0.75:
            raise ParameterError("one_qubit", self.one_qubit, "[0, 0.75]")
        if self.two_qubit > 15 / 16:
            raise ParameterError("two_qubit", self.two_qubit, "[0, 0.9375]")
        for name in ("idle_one_qubit", "idle_two_qubit", "idle_measure", "idle_reset"):
            px, py, pz = getattr(self, name)
            check_pauli_probabilities(px, py, pz)

    @classmethod
    def from_profile(cls, profile: Any) -> CircuitNoise:
        """The noise of a QPU as its profile describes it.

        Gates: the stim p with the profile's fidelity in its declared measure.
        Readout: the assignment error, taken to hold the preparation error too
        (SPAM figures), so resets are noiseless and, as profiles give no reset
        time, take no time. Idle: the data memory's twirled T1/T2 channel over
        the layer's duration (one-qubit gate, two-qubit gate, measurement).
        """
        from qdcnet.quantum.noise import convert_fidelity, readout_flip_probability
        from qdcnet.quantum.pauli import memory_pauli

        g1, g2 = profile.one_qubit_gate, profile.two_qubit_gate
        memory = profile.memory
        if memory is None and profile.communication is not None:
            memory = profile.communication.memory

        def idle(duration_s: float) -> tuple[float, float, float]:
            if memory is None:  # photonic QPUs: no matter memory to decay
                return (0.0, 0.0, 0.0)
            _, px, py, pz = memory_pauli(duration_s, memory.t1_s, memory.t2_s)
            return (px, py, pz)

        return cls(
            one_qubit=convert_fidelity(g1.fidelity, measure=g1.measure, to="stim", qubits=1),
            two_qubit=convert_fidelity(g2.fidelity, measure=g2.measure, to="stim", qubits=2),
            readout=readout_flip_probability(profile.measurement_fidelity,
                                             measure=profile.measurement_measure),
            idle_one_qubit=idle(g1.duration_s),
            idle_two_qubit=idle(g2.duration_s),
            idle_measure=idle(profile.measurement_time_s),
        )

    def gate(self, kind: str) -> float:
        return {"reset": self.reset, "one_qubit": self.one_qubit,
                "two_qubit": self.two_qubit, "measure": self.readout}[kind]

    def idle(self, kind: str) -> tuple[float, float, float]:
        return {"reset": self.idle_reset, "one_qubit": self.idle_one_qubit,
                "two_qubit": self.idle_two_qubit, "measure": self.idle_measure}[kind]


@dataclass(frozen=True)
class SurfacePatch:
    """Geometry of a rotated patch: qubits, checks, modules, and Bell pairs per round."""

    distance: int
    layout: str = "vertical"
    protocol: str = "teleported_cnot"

    def __post_init__(self) -> None:
        # The cuts (the first module takes the middle column), the pair counts
        # (2d - 1 per round) and the threshold studies are for odd d; an even d
        # is refused rather than cut lopsided.
        if (isinstance(self.distance, bool) or not isinstance(self.distance, numbers.Integral)
                or self.distance < 3 or self.distance % 2 == 0):
            raise ParameterError("distance", self.distance, "an odd integer >= 3")
        if self.layout not in LAYOUTS:
            raise ParameterError("layout", self.layout, ", ".join(LAYOUTS))
        if self.protocol not in PROTOCOLS:
            raise ParameterError("protocol", self.protocol, ", ".join(PROTOCOLS))

    # -- geometry ---------------------------------------------------------------------

    @cached_property
    def data(self) -> tuple[tuple[int, int], ...]:
        d = self.distance
        return tuple((2 * i + 1, 2 * j + 1) for j in range(d) for i in range(d))

    @cached_property
    def checks(self) -> tuple[tuple[str, tuple[int, int]], ...]:
        """(basis, position) of every stabilizer: X checks touch the top and bottom edges."""
        d = self.distance
        out = []
        for j in range(d + 1):
            for i in range(d + 1):
                basis = "x" if (i + j) % 2 == 0 else "z"
                interior = 0 < i < d and 0 < j < d
                top_bottom = (j in (0, d)) and 0 < i < d
                left_right = (i in (0, d)) and 0 < j < d
                if interior or (top_bottom and basis == "x") or (left_right and basis == "z"):
                    out.append((basis, (2 * i, 2 * j)))
        return tuple(out)

    def neighbours(self, position: tuple[int, int], basis: str) -> list[tuple[int, int] | None]:
        """The data qubits a check touches, in CNOT order (None where there is none)."""
        data = set(self.data)
        order = _X_ORDER if basis == "x" else _Z_ORDER
        x, y = position
        return [(x + dx, y + dy) if (x + dx, y + dy) in data else None for dx, dy in order]

    def module(self, position: tuple[int, int]) -> int:
        """Module of a qubit: the first module gets the middle column (row) when d is odd,
        and a measure qubit on a seam belongs to the first module."""
        cut = 2 * ((self.distance + 1) // 2)
        x, y = position
        left, top = x <= cut, y <= cut
        if self.layout == "monolithic":
            return 0
        if self.layout == "vertical":
            return 0 if left else 1
        if self.layout == "horizontal":
            return 0 if top else 1
        return (0 if top else 2) + (0 if left else 1)

    @property
    def num_modules(self) -> int:
        return {"monolithic": 1, "vertical": 2, "horizontal": 2, "2x2": 4}[self.layout]

    def check_modules(self, basis: str, position: tuple[int, int]) -> list[int]:
        """Modules a check touches, its measure qubit's first."""
        home = self.module(position)
        others = sorted({self.module(q) for q in self.neighbours(position, basis)
                         if q is not None} - {home})
        return [home, *others]

    @cached_property
    def pairs_per_round(self) -> int:
        """Bell pairs one round of checks consumes with this layout and protocol."""
        total = 0
        for basis, position in self.checks:
            home = self.module(position)
            if self.protocol == "teleported_cnot":
                total += sum(1 for q in self.neighbours(position, basis)
                             if q is not None and self.module(q) != home)
            else:
                total += len(self.check_modules(basis, position)) - 1
        return total

    def pairs_between(self) -> dict[tuple[int, int], int]:
        """Pairs per round for each pair of modules."""
        out: dict[tuple[int, int], int] = {}
        for basis, position in self.checks:
            home = self.module(position)
            if self.protocol == "teleported_cnot":
                for q in self.neighbours(position, basis):
                    if q is not None and self.module(q) != home:
                        key = (min(home, self.module(q)), max(home, self.module(q)))
                        out[key] = out.get(key, 0) + 1
            else:
                for other in self.check_modules(basis, position)[1:]:
                    key = (min(home, other), max(home, other))
                    out[key] = out.get(key, 0) + 1
        return dict(sorted(out.items()))


#: The stim instruction after each kind of layer (uniform and profile noise alike).
_GATE_NOISE = {"reset": "X_ERROR", "one_qubit": "DEPOLARIZE1", "two_qubit": "DEPOLARIZE2"}


@dataclass
class _Builder:
    """Appends noisy layers to a stim circuit, tracking idle qubits and measurements.

    ``noise`` None: uniform ``bulk`` everywhere; otherwise the per-operation
    figures of a :class:`CircuitNoise`.
    """

    bulk: float
    qubits: list[int]
    idle_every_layer: bool = True
    noise: CircuitNoise | None = None
    circuit: Any = None
    measurements: int = 0
    record: dict[Any, list[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        import stim

        self.circuit = stim.Circuit()

    def probability(self, kind: str) -> float:
        return self.bulk if self.noise is None else self.noise.gate(kind)

    def after(self, kind: str, targets: list[int]) -> None:
        """The noise of a layer of ``kind`` on its targets."""
        p = self.probability(kind)
        if p > 0 and targets:
            self.circuit.append(_GATE_NOISE[kind], targets, p)

    def layer(self, gate: str, targets: list[int], *, kind: str | None = None,
              touched: Iterable[int] = ()) -> None:
        if not targets:
            return
        self.circuit.append(gate, targets)
        if kind is not None:
            self.after(kind, targets)
        self._idle(set(targets) | set(touched), kind or "one_qubit")

    def _idle(self, busy: set[int], kind: str) -> None:
        if not self.idle_every_layer:
            return
        idle = [q for q in self.qubits if q not in busy]
        if not idle:
            return
        if self.noise is None:
            if self.bulk > 0:
                self.circuit.append("DEPOLARIZE1", idle, self.bulk)
            return
        channel = self.noise.idle(kind)
        if any(channel):
            self.circuit.append("PAULI_CHANNEL_1", idle, list(channel))

    def measure(self, gate: str, targets: list[int], keys: list[Any]) -> None:
        p = self.probability("measure")
        if p > 0:
            flip = "Z_ERROR" if gate == "MX" else "X_ERROR"
            self.circuit.append(flip, targets, p)
        self.circuit.append(gate, targets)
        for key in keys:
            self.record.setdefault(key, []).append(self.measurements)
            self.measurements += 1
        self._idle(set(targets), "measure")

    def rec(self, index: int) -> Any:
        import stim

        return stim.target_rec(index - self.measurements)


def memory_circuit(distance: int, *, rounds: int | None = None, basis: str = "z",
                   layout: str = "vertical", protocol: str = "teleported_cnot",
                   bulk: float | CircuitNoise = 0.001, seam: Any = 0.0,
                   idle_per_round: float = 0.0, idle: str = "every_layer") -> stim.Circuit:
    """A memory experiment: prepare, ``rounds`` rounds of checks (default d), measure.

    ``bulk``: a uniform depolarizing p (threshold studies) or a
    :class:`CircuitNoise` (per operation, e.g. from a profile; its idle noise
    is per layer, so it needs ``idle="every_layer"``).

    ``seam`` is the Bell pair used across modules (a ``BellDiagonal`` or a
    Werner infidelity); ``idle_per_round`` adds one-qubit depolarizing noise
    on every data qubit at the start of each round (waiting for late pairs).
    ``idle``: ``"every_layer"`` puts depolarizing ``bulk`` on every qubit idle
    in a layer (the stricter model); ``"once_per_round"`` only on the data
    qubits once per round, as stim's generated circuits do
    (``before_round_data_depolarization``).
    """

    if basis not in ("x", "z"):
        raise ParameterError("basis", basis, "x or z")
    if idle not in ("every_layer", "once_per_round"):
        raise ParameterError("idle", idle, "every_layer or once_per_round")
    noise = bulk if isinstance(bulk, CircuitNoise) else None
    if noise is None:
        check_probability("bulk", bulk)
    elif idle != "every_layer":
        raise ParameterError("idle", idle, "every_layer with per-operation noise",
                             "its idle noise is set per layer from the layer's duration")
    uniform = 0.0 if noise is not None else float(bulk)  # type: ignore[arg-type]
    check_probability("idle_per_round", idle_per_round)
    rounds = distance if rounds is None else rounds
    if rounds < 1:
        raise ParameterError("rounds", rounds, ">= 1")
    patch = SurfacePatch(distance, layout, protocol)
    pair = BellDiagonal(*seam_pair(seam))
    index: dict[Any, int] = {}
    for q in patch.data:
        index[("d", q)] = len(index)
    # Measure qubits: one per check, plus one per extra module for cat checks.
    ancillas: dict[tuple[str, tuple[int, int]], list[int]] = {}
    for check in patch.checks:
        basis_c, position = check
        modules = patch.check_modules(basis_c, position) if protocol == "cat" else [
            patch.module(position)]
        ancillas[check] = []
        for m in modules:
            index[("a", position, m)] = len(index)
            ancillas[check].append(index[("a", position, m)])
    all_qubits = list(range(len(index)))
    b = _Builder(uniform, all_qubits, idle_every_layer=idle == "every_layer", noise=noise)
    for key, i in index.items():
        x, y = key[1]
        b.circuit.append("QUBIT_COORDS", [i], [x, y] if key[0] == "d" else [x, y, key[2]])
    data = [index[("d", q)] for q in patch.data]
    measure_all = [i for qs in ancillas.values() for i in qs]
    b.layer("R", data + measure_all, kind="reset")
    if basis == "x":
        b.layer("H", data, kind="one_qubit")
    for r in range(rounds):
        if idle_per_round > 0 and r > 0:
            b.circuit.append("DEPOLARIZE1", data, idle_per_round)
        if idle == "once_per_round" and uniform > 0:
            b.circuit.append("DEPOLARIZE1", data, uniform)
        _round(b, patch, ancillas, index, protocol, pair)
        for check in patch.checks:
            keys = ancillas[check]
            recent = [b.rec(i) for i in _last(b, check, len(keys))]
            if r == 0:
                if check[0] == basis:
                    b.circuit.append("DETECTOR", recent, [*check[1], 0])
            else:
                previous = [b.rec(i) for i in _last(b, check, len(keys), back=1)]
                b.circuit.append("DETECTOR", recent + previous, [*check[1], r])
        b.circuit.append("SHIFT_COORDS", [], [0, 0, 1])
    # Final data measurement and the checks it completes.
    if basis == "x":
        b.layer("H", data, kind="one_qubit")
    b.measure("M", data, [("data", q) for q in patch.data])
    for check in patch.checks:
        if check[0] != basis:
            continue
        touched = [q for q in patch.neighbours(check[1], basis) if q is not None]
        targets = [b.rec(b.record[("data", q)][-1]) for q in touched]
        targets += [b.rec(i) for i in _last(b, check, len(ancillas[check]))]
        b.circuit.append("DETECTOR", targets, [*check[1], rounds])
    logical = _logical(patch, basis)
    b.circuit.append("OBSERVABLE_INCLUDE", [b.rec(b.record[("data", q)][-1]) for q in logical],
                     0)
    return b.circuit


def _last(b: _Builder, check: tuple[str, tuple[int, int]], count: int, back: int = 0
          ) -> list[int]:
    records = b.record[("check", check)]
    end = len(records) - back * count
    return records[end - count:end]


def _round(b: _Builder, patch: SurfacePatch, ancillas: dict, index: dict, protocol: str,
           pair: BellDiagonal) -> None:
    noisy = pair.fidelity < 1.0
    x_ancillas = [i for check, qs in ancillas.items() if check[0] == "x" for i in qs]
    all_ancillas = [i for qs in ancillas.values() for i in qs]
    b.layer("R", all_ancillas, kind="reset")
    x_homes = [qs[0] for check, qs in ancillas.items() if check[0] == "x"]
    if protocol == "cat":
        # Each cat check's measure qubits start in a GHZ state, made from Bell pairs
        # (the pair's Pauli error lands on the extra half). X checks use it as it is
        # (Shor: CNOTs out, then X-basis readout); Z checks need its Hadamard image,
        # the even-parity superposition, so the Z-basis readout gives only the parity.
        cats = [(check, qs) for check, qs in ancillas.items() if len(qs) > 1]
        b.layer("H", x_homes + [qs[0] for check, qs in cats if check[0] == "z"],
                kind="one_qubit")
        spokes = max((len(qs) - 1 for _, qs in cats), default=0)
        for k in range(1, spokes + 1):
            targets = []
            extras = []
            for _, qs in cats:
                if len(qs) > k:
                    targets += [qs[0], qs[k]]
                    extras.append(qs[k])
            b.circuit.append("CX", targets)
            if noisy:
                # The extra half carries the pair's Pauli error, as a teleported qubit would.
                b.circuit.append("PAULI_CHANNEL_1", extras,
                                 teleportation_channel(pair).stim_arguments())
            b._idle(set(targets), "two_qubit")
        b.layer("H", [q for check, qs in cats if check[0] == "z" for q in qs],
                kind="one_qubit")
    else:
        b.layer("H", x_homes, kind="one_qubit")
    for step in range(4):
        local: list[int] = []
        remote: list[int] = []
        for check, qs in ancillas.items():
            basis, position = check
            q = patch.neighbours(position, basis)[step]
            if q is None:
                continue
            d = index[("d", q)]
            module = patch.module(q)
            if protocol == "cat":
                home = index[("a", position, module)]
                is_remote = False
            else:
                home = qs[0]
                is_remote = module != patch.module(position)
            pair_targets = [home, d] if basis == "x" else [d, home]
            (remote if is_remote else local).extend(pair_targets)
        targets = local + remote
        if not targets:
            continue
        b.circuit.append("CX", targets)
        b.after("two_qubit", targets)
        if remote and noisy:
            b.circuit.append("PAULI_CHANNEL_2", remote,
                             teleported_cnot_channel(pair).stim_arguments())
        b._idle(set(targets), "two_qubit")
    b.layer("H", x_ancillas, kind="one_qubit")
    keys = []
    for check, qs in ancillas.items():
        keys += [("check", check)] * len(qs)
    b.measure("M", all_ancillas, keys)


def _logical(patch: SurfacePatch, basis: str) -> list[tuple[int, int]]:
    """Data qubits of a logical operator of ``basis`` that commutes with the other checks."""
    d = patch.distance
    candidates = [[(2 * i + 1, 1) for i in range(d)], [(1, 2 * j + 1) for j in range(d)]]
    other = [pos for b, pos in patch.checks if b != basis]
    for line in candidates:
        on = set(line)
        if all(sum(1 for q in patch.neighbours(pos, "x" if basis == "z" else "z")
                   if q in on) % 2 == 0 for pos in other):
            return line
    raise AssertionError("no logical found")  # pragma: no cover - geometry guarantees one
