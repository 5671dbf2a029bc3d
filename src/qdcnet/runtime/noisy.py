"""One executed shot as a noisy circuit over the qubits that hold data: the engines' input.

:func:`build_noisy_circuit` reads a compiled :class:`~qdcnet.compiler.program.DistributedProgram`,
the QPUs' noise and (optionally) a :class:`~qdcnet.runtime.trace.ShotTrace`, and writes a
:class:`NoisyCircuit`: ideal unitaries, measurements and resets on *data* qubits
and on *live cat copies*, with every error source folded into Pauli channels
placed where it acts. Ebit halves and the protocols' ancillas are never
simulated: each remote operation becomes its logical effect plus a channel
(design13 section 4 proves the folding exact for perfect local gates).

* **gates** (after each native gate): stim's DEPOLARIZE1/2 with the QPU's
  ``one_qubit_error`` / ``two_qubit_error``; ``rz`` is a frame change and
  gets none.
* **readout**: a measurement reports the flipped bit with the QPU's
  ``measurement_error``; resets are noiseless (readout figures are SPAM, as
  in :class:`qdcnet.qec.surface.CircuitNoise`).
* **idle** (needs a trace): between the end of one instruction on a qubit and
  the start of the next, :func:`qdcnet.quantum.pauli.memory_pauli` of the data
  memory (data slots) or the communication memory (copies, parked qubits);
  a copy of an ebit the runtime stored (``EbitUse.stored``) sits in a storage
  qubit and decays with the data memory.
  A qubit is prepared just in time: no decay before its first use; a copy
  decays from the ebit's use (its state at use already holds its age).
* **ebits**: the state at use (the trace's ``EbitUse.state``, (I, X, Y, Z)
  on the far half) folded into the remote operation's channel:
  ``cat_entangle`` = ideal fan-out ``CX(home → copy)`` then the ebit's Pauli on
  the copy, composed with the ancilla's readout flip (X on the copy) and the
  A-side gate errors (pushed to the end of the logical CX: the home part stays,
  an X/Y on the ancilla becomes X on the copy); ``cat_disentangle`` = ideal
  un-fan-out then the copy discarded (exact, even for a flipped copy), with a Z
  on the home qubit from the copy's misread X measurement;
  ``teleport`` = the qubit relabelled to its new slot with
  :func:`~qdcnet.quantum.remote.teleportation_channel` composed with
  :func:`~qdcnet.quantum.pauli.readout_pauli` and the gate errors.
  Without a trace, ebits are perfect and nothing idles.

The gate errors of a remote operation's local gates are pushed to the end of
its logical gate (documented model; exact when local gates are perfect). The
frame corrections (``x cb if m`` ...) are tracked in software: noiseless.

Qubits are keyed ``(qpu, slot)``; slots at or above a QPU's data size are the
compiler's logical communication slots (fresh per copy or teleport), so a copy
key never collides with another copy.

>>> from qdcnet.compiler import CompileTarget, compile_circuit
>>> program = compile_circuit('OPENQASM 2.0; include "qelib1.inc"; qreg q[2]; h q[0]; '
...                           'cx q[0],q[1];', CompileTarget.equal_modules(2, 1)).program
>>> circuit = build_noisy_circuit(program, {q.name: q for q in
...                               CompileTarget.equal_modules(2, 1).qpus})
>>> circuit.data_keys, circuit.max_live
((('m0', 0), ('m1', 0)), 3)
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from qdcnet.compiler.ir import gate_matrix
from qdcnet.compiler.program import BitCondition, DistributedProgram, Instruction, Operation
from qdcnet.compiler.translate import instruction_duration_s
from qdcnet.errors import ParameterError, QdcnetError
from qdcnet.quantum.bell import BellDiagonal
from qdcnet.quantum.pauli import (
    compose_channels,
    depolarizing_pauli,
    memory_pauli,
    pauli_index,
    pauli_label,
    readout_pauli,
)
from qdcnet.quantum.remote import teleportation_channel
from qdcnet.runtime.trace import EbitUse, ShotTrace, instruction_index
from qdcnet.units import s_to_ps

if TYPE_CHECKING:
    from qdcnet.network.qpu import QPU

__all__ = ["NoiseOptions", "NoisyCircuit", "NoisyOp", "UnsupportedProgram",
           "build_noisy_circuit"]

Key = Hashable
_CX = gate_matrix("cx")
_H = gate_matrix("h")


class UnsupportedProgram(QdcnetError):
    """The program has an operation the noisy-circuit model cannot fold."""


@dataclass(frozen=True)
class NoiseOptions:
    """Which error sources to include (all by default); tests switch them off one by one."""

    gates: bool = True
    idle: bool = True
    readout: bool = True
    ebits: bool = True


@dataclass(frozen=True, slots=True, eq=False)
class NoisyOp:
    """One step of a :class:`NoisyCircuit`.

    ``kind``: ``"unitary"`` (``matrix`` on ``keys``, ``keys[0]`` the low bit),
    ``"pauli"`` (a channel: ``paulis`` lists every string over ``keys`` with its
    probability, identity included), ``"measure"`` (Z, writes ``bit``, reports it
    flipped with ``flip``), ``"reset"`` (to |0>), ``"discard"`` (trace the qubit
    out; it is in a product state), ``"relabel"`` (``keys = (old, new)``: the
    qubit now lives under ``new``). ``source`` says where a channel comes from
    (gate, idle, ebit, remote) for the estimator's breakdown.
    """

    kind: str
    keys: tuple[Key, ...]
    matrix: np.ndarray | None = None
    name: str = ""
    params: tuple[float, ...] = ()
    paulis: tuple[tuple[str, float], ...] = ()
    bit: str | None = None
    flip: float = 0.0
    condition: BitCondition | None = None
    time_ps: int = 0
    source: str = ""

    @property
    def identity_probability(self) -> float:
        """Probability that a channel does nothing (1 for any other op)."""
        if self.kind != "pauli":
            return 1.0
        identity = "I" * len(self.keys)
        return sum(p for label, p in self.paulis if label == identity)


@dataclass(frozen=True)
class NoisyCircuit:
    """The noisy circuit of one shot (see the module docstring)."""

    ops: tuple[NoisyOp, ...]
    #: the program's qubits in circuit order (final layout): the state whose fidelity counts
    data_keys: tuple[Key, ...]
    #: the circuit's classical bits ``c0, c1, ...`` (bitstrings print the last one first)
    clbits: tuple[str, ...]
    max_live: int
    #: indices in ``ops`` of measurements nothing reads or touches after (deferrable)
    terminal: frozenset[int] = field(default_factory=frozenset)
    #: a measurement that is not terminal, or a reset of a qubit in use
    midcircuit: bool = False

    @cached_property
    def clifford(self) -> bool:
        """Every unitary is Clifford (stim can run it)."""
        from qdcnet.runtime.engines.stim_engine import is_clifford

        return all(is_clifford(op.matrix) for op in self.ops if op.kind == "unitary")

    def without_noise(self) -> NoisyCircuit:
        """The ideal circuit: channels dropped, readouts exact."""
        keep = []
        terminal = set()
        for i, op in enumerate(self.ops):
            if op.kind == "pauli":
                continue
            if i in self.terminal:
                terminal.add(len(keep))
            keep.append(replace(op, flip=0.0) if op.kind == "measure" else op)
        return replace(self, ops=tuple(keep), terminal=frozenset(terminal))

    def bitstring(self, bits: Mapping[str, int]) -> str:
        """Qiskit's order: the last classical bit first."""
        return "".join(str(bits.get(b, 0)) for b in reversed(self.clbits))


def _as_channel(paulis: Mapping[str, float]) -> tuple[tuple[str, float], ...]:
    return tuple(sorted(paulis.items()))


def _is_trivial(paulis: Mapping[str, float]) -> bool:
    identity = "I" * len(next(iter(paulis)))
    return paulis.get(identity, 0.0) >= 1.0 - 1e-15


def _equal_up_to_phase(a: np.ndarray, b: np.ndarray, atol: float = 1e-8) -> bool:
    k = int(np.argmax(np.abs(b)))
    if abs(a.flat[k]) < atol:
        return False
    phase = a.flat[k] / b.flat[k]
    return bool(np.allclose(a, phase * b, atol=atol))


def _unitary(instructions: Sequence[Instruction], slots: tuple[int, int]) -> np.ndarray:
    """The 4x4 unitary (slots[0] low bit) of gate instructions on two slots."""
    total = np.eye(4, dtype=complex)
    eye = np.eye(2)
    for ins in instructions:
        m = gate_matrix(ins.name, ins.params)
        if len(ins.slots) == 1:
            full = np.kron(eye, m) if ins.slots[0] == slots[0] else np.kron(m, eye)
        elif ins.slots == slots:
            full = m
        else:  # reversed order: swap the qubits of the matrix
            swap = gate_matrix("swap")
            full = swap @ m @ swap
        total = full @ total
    return total


class _Builder:
    def __init__(self, program: DistributedProgram, qpus: Mapping[str, QPU],
                 trace: ShotTrace | None, durations: Sequence[int] | None,
                 noise: NoiseOptions) -> None:
        self.program = program
        self.qpus = qpus
        self.noise = noise
        index = instruction_index(program)
        for q in {ins.qpu for _, ins in index}:
            if q not in qpus:
                raise ParameterError("qpus", sorted(qpus), f"a QPU record for every QPU of the "
                                     f"program (missing {q!r})")
        if trace is not None and len(trace.instr_start_ps) != len(index):
            raise ParameterError("trace.instr_start_ps", len(trace.instr_start_ps),
                                 f"{len(index)} start times (one per instruction)")
        if durations is None:
            durations = [s_to_ps(instruction_duration_s(ins, qpus[ins.qpu])) for _, ins in index]
        elif len(durations) != len(index):
            raise ParameterError("durations", len(durations), f"{len(index)} durations")
        self.timed = trace is not None
        self.start = ([int(t) for t in trace.instr_start_ps] if trace is not None
                      else [0] * len(index))
        self.end = [s + int(d) for s, d in zip(self.start, durations, strict=True)]
        self.uses: dict[int, EbitUse] = {u.ebit: u for u in trace.ebits} if trace else {}
        needs = [(a, b, sa, sb) for op in program.operations
                 for (a, sa), (b, sb) in op.ebit_slots]
        for number, use in self.uses.items():
            # the trace must describe this program's ebits (same order, same logical slots)
            if not 0 <= number < len(needs) or (*use.qpus, *use.slots) != needs[number]:
                raise ParameterError(f"trace.ebits[{number}]", (use.qpus, use.slots),
                                     f"ebit {number} of the program: " + (
                                         str(needs[number]) if 0 <= number < len(needs)
                                         else f"the program has {len(needs)} ebits"))
        self.data_size = {q.name: q.data for q in program.qpus}
        self.ops: list[NoisyOp] = []
        #: end of the last instruction on each key (absent: prepared just in time)
        self.busy: dict[Key, int] = {}
        #: communication slots whose ebit half waits in a storage qubit (data memory)
        self.in_storage: set[Key] = set()

    # -- helpers -------------------------------------------------------------------------

    def memory(self, key: Key):
        qpu, slot = key
        record = self.qpus[qpu]
        if slot < self.data_size[qpu] or key in self.in_storage:
            return record.data_memory
        return record.memory

    def hold(self, key: Key, number: int) -> None:
        """Ebit ``number``'s half in ``key``: in storage (data memory) if it was stored."""
        use = self.uses.get(number)
        if use is not None and use.stored:
            self.in_storage.add(key)
        else:
            self.in_storage.discard(key)

    def idle(self, key: Key, until_ps: int) -> None:
        since = self.busy.get(key)
        if not (self.noise.idle and self.timed) or since is None or until_ps <= since:
            return
        memory = self.memory(key)
        p = memory_pauli((until_ps - since) * 1e-12, memory.t1_s, memory.t2_s)
        channel = {"I": p[0], "X": p[1], "Y": p[2], "Z": p[3]}
        if not _is_trivial(channel):
            self.ops.append(NoisyOp("pauli", (key,), paulis=_as_channel(channel),
                                    time_ps=since, source="idle"))

    def channel(self, keys: tuple[Key, ...], paulis: Mapping[str, float], source: str,
                time_ps: int, condition: BitCondition | None = None) -> None:
        paulis = {k: v for k, v in paulis.items() if v > 0.0}
        if paulis and not _is_trivial(paulis):
            self.ops.append(NoisyOp("pauli", keys, paulis=_as_channel(paulis), time_ps=time_ps,
                                    source=source, condition=condition))

    def gate_error(self, ins: Instruction) -> float:
        if not self.noise.gates or ins.name in ("rz", "barrier"):
            return 0.0
        qpu = self.qpus[ins.qpu]
        return qpu.one_qubit_error if len(ins.slots) == 1 else qpu.two_qubit_error

    def flip(self, qpu: str) -> float:
        return self.qpus[qpu].measurement_error if self.noise.readout else 0.0

    def ebit_state(self, number: int) -> tuple[float, float, float, float]:
        use = self.uses.get(number)
        if not self.noise.ebits or use is None:
            return (1.0, 0.0, 0.0, 0.0)
        return tuple(float(c) for c in use.state)  # type: ignore[return-value]

    def pair_channel(self, number: int) -> dict[str, float]:
        """Ebit ``number``'s Pauli error on its second half (I, X, Y, Z), from its state at use."""
        state = BellDiagonal.from_coefficients(self.ebit_state(number))
        return dict(teleportation_channel(state).probabilities)

    def born(self, number: int, fallback: int) -> int:
        use = self.uses.get(number)
        return use.used_ps if use is not None and self.timed else fallback

    # -- operations ----------------------------------------------------------------------

    def run(self) -> list[NoisyOp]:
        i = 0
        ebit = 0
        for op in self.program.operations:
            n = len(op.instructions)
            positions = range(i, i + n)
            if op.kind in ("cat_entangle", "teleport"):
                if len(op.ebit_slots) != 1:
                    raise UnsupportedProgram(f"operation {op.id} ({op.kind}) uses "
                                             f"{len(op.ebit_slots)} ebits; expected 1")
                (self.cat_entangle if op.kind == "cat_entangle" else self.teleport)(
                    op, positions, ebit)
            elif op.kind == "cat_disentangle":
                self.cat_disentangle(op, positions)
            else:
                for k in positions:
                    self.local(op.instructions[k - i], k)
            ebit += len(op.ebit_slots)
            i += n
        return self.ops

    def local(self, ins: Instruction, k: int) -> None:
        keys = tuple((ins.qpu, s) for s in ins.slots)
        if ins.name == "barrier":
            return
        for key in keys:
            self.idle(key, self.start[k])
        t = self.start[k]
        if ins.name == "measure":
            self.ops.append(NoisyOp("measure", keys, bit=ins.bit, flip=self.flip(ins.qpu),
                                    condition=ins.condition, time_ps=t))
        elif ins.name == "reset":
            self.ops.append(NoisyOp("reset", keys, condition=ins.condition, time_ps=t))
        else:
            self.ops.append(NoisyOp("unitary", keys, matrix=gate_matrix(ins.name, ins.params),
                                    name=ins.name, params=ins.params, condition=ins.condition,
                                    time_ps=t))
            p = self.gate_error(ins)
            if p:
                self.channel(keys, depolarizing_pauli(p, len(keys)), "gate", t, ins.condition)
        for key in keys:
            self.busy[key] = self.end[k]

    def _sides(self, op: Operation, positions: range, a: str, ca: int
               ) -> tuple[list[tuple[int, Instruction]], list[tuple[int, Instruction]], int]:
        """A-side and B-side instructions (with their indices) and the home slot on A."""
        first = positions.start
        side_a = [(k, op.instructions[k - first]) for k in positions
                  if op.instructions[k - first].qpu == a]
        side_b = [(k, op.instructions[k - first]) for k in positions
                  if op.instructions[k - first].qpu != a]
        homes = {s for _, ins in side_a for s in ins.slots if s != ca}
        if len(homes) != 1:
            raise UnsupportedProgram(f"operation {op.id} ({op.kind}) touches slots "
                                     f"{sorted(homes)} on {a} besides its communication slot")
        return side_a, side_b, homes.pop()

    def _pushed_errors(self, gates: Sequence[Instruction], home: int,
                       ancilla_letter: Mapping[str, str], home_letter: Mapping[str, str]
                       ) -> dict[str, float]:
        """Gate errors of the A-side gates, pushed to the end, as a 2-letter channel.

        The first letter is what lands on the home qubit (or on the moved qubit's
        new key), the second on the copy; ``*_letter`` map a Pauli on the
        home/ancilla qubit to its effect there ("I" when measured away).
        """
        out: dict[str, float] = {"II": 1.0}
        for ins in gates:
            p = self.gate_error(ins)
            if not p:
                continue
            terms: dict[str, float] = {}
            for label, w in depolarizing_pauli(p, len(ins.slots)).items():
                first, second = "I", "I"
                for letter, slot in zip(label, ins.slots, strict=True):
                    effect = (home_letter if slot == home else ancilla_letter)[letter]
                    if slot == home:
                        first = _product(first, effect)
                    else:
                        second = _product(second, effect)
                terms[first + second] = terms.get(first + second, 0.0) + w
            out = compose_channels(out, terms)
        return out

    def cat_entangle(self, op: Operation, positions: range, number: int) -> None:
        (a, ca), (b, cb) = op.ebit_slots[0]
        side_a, side_b, home = self._sides(op, positions, a, ca)
        if any(ins.slots != (cb,) for _, ins in side_b):
            raise UnsupportedProgram(f"cat_entangle {op.id}: B-side instructions must touch "
                                     f"only the copy slot {cb}")
        gates = [ins for _, ins in side_a if ins.name not in ("measure", "reset")]
        if not _equal_up_to_phase(_unitary(gates, (home, ca)), _CX):
            raise UnsupportedProgram(f"cat_entangle {op.id}: the A-side gates are not a CX "
                                     "from the home qubit onto the ebit half")
        h, c = (a, home), (b, cb)
        t0 = self.start[side_a[0][0]]
        self.idle(h, t0)
        self.ops.append(NoisyOp("unitary", (h, c), matrix=_CX, name="cx", time_ps=t0,
                                source="remote"))
        # An ancilla error with an X part flips the measured bit, hence the copy.
        channel = self._pushed_errors(gates, home, {"I": "I", "X": "X", "Y": "X", "Z": "I"},
                                      {p: p for p in "IXYZ"})
        # The pair's error on its second half (quantum.remote's mapping, as for a teleport)
        # is the same error on the copy.
        on_copy = {f"I{p}": w for p, w in self.pair_channel(number).items()}
        f = self.flip(a)
        channel = compose_channels(channel, on_copy, {"II": 1.0 - f, "IX": f})
        self.channel((h, c), channel, "remote", t0)
        self.busy[h] = max(self.end[k] for k, ins in side_a if home in ins.slots)
        self.busy[c] = self.born(number, t0)
        self.hold(c, number)
        for k, _ in side_b:
            self.idle(c, self.start[k])
            self.busy[c] = self.end[k]

    def cat_disentangle(self, op: Operation, positions: range) -> None:
        first = positions.start
        instructions = [(k, op.instructions[k - first]) for k in positions]
        measured = [ins for _, ins in instructions if ins.name == "measure"]
        if len(measured) != 1:
            raise UnsupportedProgram(f"cat_disentangle {op.id}: expected one measurement")
        b, cb = measured[0].qpu, measured[0].slots[0]
        side_b = [(k, ins) for k, ins in instructions if ins.qpu == b]
        side_a = [(k, ins) for k, ins in instructions if ins.qpu != b]
        homes = {(ins.qpu, s) for _, ins in side_a for s in ins.slots}
        if len(homes) != 1 or any(ins.slots != (cb,) for _, ins in side_b):
            raise UnsupportedProgram(f"cat_disentangle {op.id}: expected the copy on {b}:{cb} "
                                     "and one home qubit")
        h, c = homes.pop(), (b, cb)
        t_b = self.start[side_b[0][0]]
        self.idle(c, t_b)
        self.idle(h, self.start[side_a[0][0]] if side_a else t_b)
        self.ops.append(NoisyOp("unitary", (h, c), matrix=_CX, name="cx", time_ps=t_b,
                                source="remote"))
        self.ops.append(NoisyOp("discard", (c,), time_ps=t_b))
        self.busy.pop(c, None)
        # A misread X measurement of the copy applies a wrong Z to the home qubit.
        z = self.flip(b)
        channel: dict[str, float] = {"I": 1.0 - z, "Z": z}
        for _, ins in side_b:
            if ins.name not in ("measure", "reset"):
                # the gate's X or Y error before the Z readout flips the bit
                error = depolarizing_pauli(self.gate_error(ins), 1)
                flipped = error["X"] + error["Y"]
                channel = compose_channels(channel, {"I": 1.0 - flipped, "Z": flipped})
        self.channel((h,), channel, "remote", t_b)
        if side_a:
            self.busy[h] = self.end[side_a[-1][0]]

    def teleport(self, op: Operation, positions: range, number: int) -> None:
        (a, ca), (b, cb) = op.ebit_slots[0]
        side_a, side_b, home = self._sides(op, positions, a, ca)
        if any(ins.slots != (cb,) for _, ins in side_b):
            raise UnsupportedProgram(f"teleport {op.id}: B-side instructions must touch only "
                                     f"the arrival slot {cb}")
        gates = []
        for _, ins in side_a:
            if ins.name in ("measure", "reset"):
                break
            gates.append(ins)
        if not _equal_up_to_phase(_unitary(gates, (home, ca)), np.kron(np.eye(2), _H) @ _CX):
            raise UnsupportedProgram(f"teleport {op.id}: the A-side gates are not CX then H")
        h, t = (a, home), (b, cb)
        t0 = self.start[side_a[0][0]]
        self.idle(h, t0)
        self.ops.append(NoisyOp("relabel", (h, t), time_ps=t0, source="remote"))
        self.busy.pop(h, None)
        # Pushed to the end, an X/Y on the home qubit flips m1 (Z correction), on the
        # ancilla it flips m2 (X correction); Z parts are measured away.
        pushed = self._pushed_errors(gates, home, {"I": "I", "X": "X", "Y": "X", "Z": "I"},
                                     {"I": "I", "X": "Z", "Y": "Z", "Z": "I"})
        moved: dict[str, float] = {}
        for label, w in pushed.items():
            letter = _product(label[0], label[1])
            moved[letter] = moved.get(letter, 0.0) + w
        ebit = self.pair_channel(number)
        f = self.flip(a)
        r = readout_pauli(f)
        channel = compose_channels(moved, ebit, {"I": r[0], "X": r[1], "Y": r[2], "Z": r[3]})
        self.channel((t,), channel, "remote", t0)
        self.busy[t] = self.born(number, t0)
        self.hold(t, number)
        for k, _ in side_b:
            self.idle(t, self.start[k])
            self.busy[t] = self.end[k]


def _product(p: str, q: str) -> str:
    """Product of two one-qubit Paulis, phases dropped (XOR of packed indices)."""
    return pauli_label(pauli_index(p) ^ pauli_index(q), 1)


def _analyse(ops: Sequence[NoisyOp]) -> tuple[int, frozenset[int], bool]:
    """Peak live qubits, deferrable (terminal) measurements, whether any is mid-circuit."""
    live: set[Key] = set()
    touched: set[Key] = set()
    peak = 0
    for op in ops:
        if op.kind in ("unitary", "pauli"):
            live.update(op.keys)
            touched.update(op.keys)
        elif op.kind == "relabel":
            live.discard(op.keys[0])
            live.add(op.keys[1])
            touched.add(op.keys[1])
        else:
            live.discard(op.keys[0])
        peak = max(peak, len(live))
    terminal: set[int] = set()
    midcircuit = False
    later_keys: set[Key] = set()
    later_bits: set[str] = set()
    seen: set[Key] = set()
    for i in range(len(ops) - 1, -1, -1):
        op = ops[i]
        if op.kind == "measure":
            if op.keys[0] not in later_keys and op.bit not in later_bits and op.condition is None:
                terminal.add(i)
            else:
                midcircuit = True
        if op.condition is not None:
            later_bits.update(op.condition.bits)
        # a later reset would run before a deferred read: that read is mid-circuit
        later_keys.update(op.keys)
    for op in ops:
        if op.kind == "reset" and op.keys[0] in seen:
            midcircuit = True
        if op.kind == "relabel":
            seen.add(op.keys[1])
        elif op.kind in ("unitary", "pauli"):
            seen.update(op.keys)
    return peak, frozenset(terminal), midcircuit


def build_noisy_circuit(program: DistributedProgram, qpus: Mapping[str, QPU], *,
                        trace: ShotTrace | None = None, durations: Sequence[int] | None = None,
                        noise: NoiseOptions = NoiseOptions()) -> NoisyCircuit:
    """The noisy circuit of one shot of ``program`` (see the module docstring).

    ``qpus`` maps every QPU name of the program to its record (``CompileTarget.qpus``
    or ``DataCenter.ops``). ``trace`` gives instruction start times (program order)
    and the ebits' states at use; ``durations`` (ps per instruction) default to the
    compiler's :func:`~qdcnet.compiler.translate.instruction_duration_s`.
    """
    if not isinstance(noise, NoiseOptions):
        raise ParameterError("noise", noise, "a NoiseOptions")
    ops = _Builder(program, qpus, trace, durations, noise).run()
    peak, terminal, midcircuit = _analyse(ops)
    data_keys = tuple(program.final_layout[q] for q in range(program.num_qubits))
    clbits = tuple(f"c{i}" for i in range(program.num_clbits))
    return NoisyCircuit(tuple(ops), data_keys, clbits, max(peak, len(data_keys)), terminal,
                        midcircuit)
