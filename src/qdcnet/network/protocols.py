"""Network protocols: swapping, distillation, teleportation, remote gates.

Each protocol consumes :class:`~qdcnet.link.pair.EntangledPair` records at
the moment its local operations use them (so pairs age in memory while
heralds and messages travel), applies the local gate and measurement noise
of the node that acts (from its platform profile, see
:class:`~qdcnet.network.qpu.QPU`), and sends its classical messages over the
scenario's channels with their latency and jitter. The event-driven versions
schedule those messages on the kernel; the pure functions underneath compute
states and channels, and are what the tests hold against density-matrix
simulations.

Noise conventions (docs/architecture.md): a two-qubit gate depolarises its
two qubits (replaces them by I/4) with the probability λ that
:func:`qdcnet.quantum.noise.convert_fidelity` gives for the profile's figure
in the measure the profile declares (4(1 − F)/3 for an average gate
fidelity F, 16 e/15 for a Pauli error rate e); a readout of assignment
fidelity F flips its bit with probability 1 − F; single-qubit gates are
taken as ideal; idle data and memory qubits decay with the Pauli-twirled
T1/T2 channel.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qdcnet.errors import QdcnetError
from qdcnet.hardware.components import QuantumMemory
from qdcnet.link.pair import Endpoint, EntangledPair
from qdcnet.network.distillation import DistillationProtocol
from qdcnet.network.qpu import QPU
from qdcnet.quantum import (
    BellDiagonal,
    PauliChannel,
    memory_pauli,
    swap,
    teleportation_channel,
    teleported_cnot_channel,
)
from qdcnet.quantum.pauli import compose_channels
from qdcnet.units import PS_PER_S, s_to_ps

__all__ = [
    "RemoteOperation",
    "cat_entangled_channel",
    "distill_pairs",
    "remote_cnot_channel",
    "swap_pairs",
    "teleportation_channel_with_noise",
]


# -- Pauli channels on named qubits (composed by qdcnet.quantum.pauli) ----------------


def _memory_channel(memory: QuantumMemory, duration_s: float) -> dict[str, float]:
    if duration_s <= 0.0:
        return {"I": 1.0}
    p = memory_pauli(duration_s, memory.t1_s, memory.t2_s)
    return dict(zip("IXYZ", p, strict=True))


def _embed(
    channel: Mapping[str, float], positions: dict[str, str], width: int
) -> dict[str, float]:
    """Put a one-qubit channel's Paulis (mapped through ``positions``) on ``width`` qubits.

    ``positions`` maps each one-qubit Pauli to the multi-qubit string it becomes.
    """
    out: dict[str, float] = {}
    for pauli, weight in channel.items():
        key = positions[pauli]
        assert len(key) == width
        out[key] = out.get(key, 0.0) + weight
    return out


def _uniform(letters: str) -> dict[str, float]:
    return {p: 1.0 / len(letters) for p in letters}


def _depolarise_on(
    width: int, probability: float, rows: list[dict[str, float]]
) -> dict[str, float]:
    """With ``probability`` apply independent random Paulis (``rows``: one per qubit)."""
    noise: dict[str, float] = {"": 1.0}
    for row in rows:
        noise = {p + q: wp * wq for p, wp in noise.items() for q, wq in row.items()}
    identity = "I" * width
    out = {k: probability * v for k, v in noise.items()}
    out[identity] = out.get(identity, 0.0) + (1.0 - probability)
    return out


def _mix_with_identity(noise: Mapping[str, float], probability: float,
                       identity: str) -> dict[str, float]:
    """With ``probability`` draw from ``noise``, else do nothing."""
    out = {key: probability * w for key, w in noise.items()}
    out[identity] = out.get(identity, 0.0) + 1.0 - probability
    return out


def _flip(width: int, probability: float, pauli: str) -> dict[str, float]:
    identity = "I" * width
    return {identity: 1.0 - probability, pauli: probability} if probability else {identity: 1.0}


# -- teleportation and remote gates: channels -----------------------------------------


def teleportation_channel_with_noise(
    pair: BellDiagonal, sender: QPU, receiver_wait_s: float, receiver_memory: QuantumMemory,
) -> PauliChannel:
    """Channel on a teleported qubit: the pair's channel, the sender's BSM, the wait.

    The sender's CNOT may depolarise (data, half-pair): that randomises both
    reported bits, a uniformly random Pauli on the output. Each misread bit
    is a wrong X or Z correction. The receiver's half waits ``receiver_wait_s``
    for the bits; its decay commutes with the Pauli correction.
    """
    channel = compose_channels(
        teleportation_channel(pair).probabilities,
        _depolarise_on(1, sender.gate_error, [_uniform("IXYZ")]),
        _flip(1, sender.measurement_error, "X"),
        _flip(1, sender.measurement_error, "Z"),
        _memory_channel(receiver_memory, receiver_wait_s),
    )
    return PauliChannel(("data",), channel)


def remote_cnot_channel(
    pair: BellDiagonal,
    control_node: QPU,
    target_node: QPU,
    *,
    target_wait_before_s: float = 0.0,
    control_wait_after_s: float = 0.0,
    target_wait_after_s: float = 0.0,
) -> PauliChannel:
    """Ideal CNOT then this Pauli channel on (control, target), for a teleported CNOT.

    ``pair`` is the resource as used (end B aged until the target's CNOT).
    Local noise (docs above): the control side's CNOT depolarising (c, a)
    gives a random Pauli on c and, through the misread bit, X on t half the
    time; the target side's CNOT depolarising (b, t) gives a random Pauli on
    t and Z on c half the time; misread bits give X_t (control side) and Z_c
    (target side). Idle decay: the target before its CNOT (its Z errors reach
    the control through the X-basis readout), and both after.
    """
    channel = compose_channels(
        teleported_cnot_channel(pair).probabilities,
        _depolarise_on(2, control_node.gate_error, [_uniform("IXYZ"), _uniform("IX")]),
        _flip(2, control_node.measurement_error, "IX"),
        _depolarise_on(2, target_node.gate_error, [_uniform("IZ"), _uniform("IXYZ")]),
        _flip(2, target_node.measurement_error, "ZI"),
        _embed(_memory_channel(target_node.data_memory, target_wait_before_s),
               {"I": "II", "X": "IX", "Y": "ZY", "Z": "ZZ"}, 2),
        _embed(_memory_channel(control_node.data_memory, control_wait_after_s),
               {p: p + "I" for p in "IXYZ"}, 2),
        _embed(_memory_channel(target_node.data_memory, target_wait_after_s),
               {p: "I" + p for p in "IXYZ"}, 2),
    )
    return PauliChannel(("control", "target"), channel)


def cat_entangled_channel(
    pair: BellDiagonal, control_node: QPU, target_node: QPU, num_targets: int
) -> PauliChannel:
    """Ideal CNOTs (one control, ``num_targets`` targets in the other module) then this channel.

    One pair serves them all (cat-entangler, the gates, disentangler): an X
    error of the pair flips every target, a Z error the control. Each local
    CNOT at the target side may depolarise (b, t_j): random Pauli on t_j, Z
    on the control half the time.
    """
    if num_targets < 1:
        raise QdcnetError(f"a cat-entangled block needs at least one target, got {num_targets}")
    k = num_targets
    x_all = "X" * k
    identity = "I" * (k + 1)
    # Control side: its CNOT may depolarise (c, a): a random Pauli on c and,
    # through the misread bit m1, an X on b, which every target inherits.
    control_noise = _uniform("IXYZ")
    control_gate = {p + "I" * k: w * 0.5 for p, w in control_noise.items()}
    for p, w in control_noise.items():
        key = p + x_all
        control_gate[key] = control_gate.get(key, 0.0) + w * 0.5
    # The pair's teleported-CNOT channel, its target letter on every target.
    pair_channel = {label[0] + label[1] * k: p
                    for label, p in teleported_cnot_channel(pair).probabilities.items()}
    parts = [
        pair_channel,
        _mix_with_identity(control_gate, control_node.gate_error, identity),
        _flip(k + 1, control_node.measurement_error, "I" + x_all),
        _flip(k + 1, target_node.measurement_error, "Z" + "I" * k),
    ]
    for j in range(k):
        # The target side's j-th CNOT may depolarise (b, t_j): a random Pauli
        # on t_j; on b, Z reaches the control through the X-basis readout and
        # X reaches every later target through the later CNOTs.
        noise: dict[str, float] = {}
        for pb in "IXYZ":
            z = "Z" if pb in "YZ" else "I"
            later = "X" if pb in "XY" else "I"
            for pt in "IXYZ":
                letters = [z] + ["I"] * k
                letters[1 + j] = pt
                for later_j in range(j + 1, k):
                    letters[1 + later_j] = later
                key = "".join(letters)
                noise[key] = noise.get(key, 0.0) + 1.0 / 16.0
        parts.append(_mix_with_identity(noise, target_node.gate_error, identity))
    names = ("control", *tuple(f"target{j}" for j in range(k)))
    return PauliChannel(names, compose_channels(*parts))


# -- swapping and distillation on pair records ----------------------------------------


def _other_end(pair: EntangledPair, node: str) -> tuple[Endpoint, QuantumMemory, int]:
    if pair.end_a.node == node:
        return pair.end_b, pair.memory_b, pair.learned_b_ps
    if pair.end_b.node == node:
        return pair.end_a, pair.memory_a, pair.learned_a_ps
    raise QdcnetError(f"pair {pair.id} has no end at {node}")


def swap_pairs(
    left: EntangledPair,
    right: EntangledPair,
    node: QPU,
    now_ps: int,
    rng: np.random.Generator,
    pair_id: int,
) -> EntangledPair:
    """Bell-measure ``node``'s halves of ``left`` and ``right``: a pair between their far ends.

    Both inputs are consumed at ``now_ps`` (aged to then). The outcome is a
    uniformly random Bell state, recorded as the new pair's pending frame;
    the far ends learn of it when the caller's messages arrive (the learned
    times here are the inputs' own and must be raised by the caller).
    """
    end_a, memory_a, learned_a = _other_end(left, node.name)
    end_b, memory_b, learned_b = _other_end(right, node.name)
    state_left = left.consume(now_ps).to_bell_diagonal()
    state_right = right.consume(now_ps).to_bell_diagonal()
    joined = swap(state_left, state_right, gate_error=node.gate_error,
                  measurement_error=node.measurement_error)
    outcome = int(rng.integers(4))
    return EntangledPair(pair_id, end_a, end_b, learned_a, learned_b, joined.apply_frame(outcome),
                         now_ps, outcome, memory_a, memory_b, left.request)


def distill_pairs(
    keep: EntangledPair,
    sacrifice: EntangledPair,
    ops_a: QPU,
    ops_b: QPU,
    now_ps: int,
    rng: np.random.Generator,
    pair_id: int,
    protocol: DistillationProtocol = DistillationProtocol.DEJMPS,
) -> tuple[EntangledPair | None, float]:
    """One purification round on two pairs between the same nodes.

    Both are consumed at ``now_ps`` (after the local operations). Returns the
    kept pair (or ``None`` when the round fails) and the success probability.
    """
    if {keep.end_a.node, keep.end_b.node} != {sacrifice.end_a.node, sacrifice.end_b.node}:
        raise QdcnetError(f"pairs {keep.id} and {sacrifice.id} join different nodes")
    # Bell-diagonal states are symmetric in their two ends: orientation is free.
    state_keep = keep.consume(now_ps).to_bell_diagonal()
    state_sacrifice = sacrifice.consume(now_ps).to_bell_diagonal()
    success, out = DistillationProtocol(protocol).round(state_keep, state_sacrifice,
                          gate_error=(ops_a.gate_error, ops_b.gate_error),
                          measurement_error=(ops_a.measurement_error, ops_b.measurement_error))
    if rng.random() >= success:
        return None, success
    return EntangledPair(pair_id, keep.end_a, keep.end_b, keep.learned_a_ps, keep.learned_b_ps,
                         out, now_ps, 0, keep.memory_a, keep.memory_b, keep.request), success


# -- remote operations as processes ------------------------------------------------------


@dataclass
class RemoteOperation:
    """The record of a teleportation or remote gate run on the kernel."""

    kind: str
    pair_id: int
    start_ps: int
    end_ps: int = 0
    channel: PauliChannel | None = None
    messages: list[tuple[str, str, int, int]] = field(default_factory=list)

    @property
    def duration_s(self) -> float:
        return (self.end_ps - self.start_ps) / PS_PER_S


def _ps(seconds: float) -> int:
    return s_to_ps(seconds)


def run_teleportation(
    sim: Any, classical: Any, pair: EntangledPair, sender: QPU, receiver: QPU,
    on_done: Callable[[RemoteOperation], None],
) -> RemoteOperation:
    """Teleport a data qubit from ``sender`` to ``receiver`` with ``pair``, as events.

    The sender's Bell measurement uses the pair now; two bits travel to the
    receiver, which corrects on arrival. ``on_done`` receives the record with
    the channel the data qubit went through.
    """
    start = sim.now
    record = RemoteOperation("teleport", pair.id, start)
    measured = start + _ps(sender.bell_measurement_time_s)

    def measure() -> None:
        sent = sim.now
        # The receiver's half keeps its memory's T1/T2 until the correction.
        state = pair.consume(sent).to_bell_diagonal()
        delay = classical.delay_ps(sim, sender.name, receiver.name)
        record.messages.append((sender.name, receiver.name, sent, sent + delay))

        def correct() -> None:
            record.end_ps = sim.now + _ps(receiver.one_qubit_time_s)
            wait = (sim.now - sent) / PS_PER_S
            memory = pair.memory_b if pair.end_b.node == receiver.name else pair.memory_a
            record.channel = teleportation_channel_with_noise(state, sender, wait, memory)
            on_done(record)

        sim.schedule(delay, correct)

    sim.schedule_at(measured, measure)
    return record


def run_remote_cnot(
    sim: Any, classical: Any, pair: EntangledPair, control: QPU, target: QPU,
    on_done: Callable[[RemoteOperation], None],
) -> RemoteOperation:
    """A CNOT between qubits of two nodes by gate teleportation (one ebit, two bits), as events."""
    start = sim.now
    record = RemoteOperation("remote_cnot", pair.id, start)
    # The control side uses its half now; the target's half waits until its CNOT.
    state_now = pair.consume(start).to_bell_diagonal()
    target_memory = pair.memory_b if pair.end_b.node == target.name else pair.memory_a
    t1 = start + _ps(control.two_qubit_time_s + control.measurement_time_s)

    def control_measured() -> None:
        sent = sim.now
        delay = classical.delay_ps(sim, control.name, target.name)
        record.messages.append((control.name, target.name, sent, sent + delay))
        sim.schedule(delay, target_side)

    def target_side() -> None:
        arrived = sim.now
        cnot_at = arrived + _ps(target.one_qubit_time_s)
        done_at = cnot_at + _ps(target.two_qubit_time_s + target.one_qubit_time_s
                                + target.measurement_time_s)

        def target_measured() -> None:
            sent = sim.now
            delay = classical.delay_ps(sim, target.name, control.name)
            record.messages.append((target.name, control.name, sent, sent + delay))

            def corrected() -> None:
                end = sim.now + _ps(control.one_qubit_time_s)
                record.end_ps = end
                extra = (cnot_at - start) / PS_PER_S
                used = state_now.decohere(extra, t1_s=target_memory.t1_s,
                                          t2_s=target_memory.t2_s) if extra > 0 else state_now
                record.channel = remote_cnot_channel(
                    used, control, target,
                    target_wait_before_s=(cnot_at - start) / PS_PER_S,
                    control_wait_after_s=(end - start) / PS_PER_S,
                    target_wait_after_s=(end - done_at) / PS_PER_S,
                )
                on_done(record)

            sim.schedule(delay, corrected)

        sim.schedule_at(done_at, target_measured)

    sim.schedule_at(t1, control_measured)
    return record


def new_ids(start: int = 1) -> Iterator[int]:
    """A shared pair-id counter."""
    return itertools.count(start)

