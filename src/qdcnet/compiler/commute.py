"""Which gates commute: each wire's history cut into commutation windows.

A *wire* is a qubit or a classical bit. A gate that commutes with ``Z`` on a
qubit (it is block diagonal there: ``cz``, ``cp``, ``rz``, the control of a
``cx``) *shares* that qubit; two gates sharing a qubit commute on it, since
each is ``sum_k |k><k| (x) G_k`` with ``G_k`` on other wires. Any other gate
on the qubit (``h``, ``u``, ``x``, ``measure``, ``reset``) *holds* it. On a
classical bit a condition shares (reads commute) and a measurement holds.

Along each wire the gates fall into windows: a run of sharing gates is one
window, a holding gate a window of its own. Two gates commute when, on every
wire they both touch, they sit in the same sharing window (a sufficient
condition; ``x; x`` also commute but are not recognised). The windows are
the commutation DAG of the circuit in a form that is linear in its size: a
gate may run once, on each of its wires, every earlier window is done. Any
order that respects this (a :class:`Frontier` walk) is the same circuit.

>>> from qdcnet.compiler.ir import Circuit, Gate
>>> c = Circuit(3, 0, (Gate("cz", (0, 1)), Gate("h", (2,)), Gate("cz", (0, 2)),
...                    Gate("h", (0,))))
>>> w = commutation_windows(c)
>>> w.commute(0, 2), w.commute(1, 2), w.commute(2, 3)
(True, False, False)
>>> sorted(Frontier(w).ready)
[0, 1]
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from qdcnet.compiler.ir import Circuit, Gate, gate_matrix

__all__ = ["CommutationWindows", "Frontier", "commutation_windows", "random_order",
           "shares_qubit"]

_ATOL = 1e-9
#: standard gates that commute with Z on every qubit they touch
_DIAGONAL = frozenset({"id", "z", "s", "sdg", "t", "tdg", "rz", "p", "u1", "cz", "cp", "cu1",
                       "crz", "rzz", "ccz", "cs", "csdg", "mcp", "mcu1", "delay"})
#: standard gates that commute with Z on their controls only (the last qubit is the target)
_CONTROLLED = frozenset({"cx", "cy", "ch", "crx", "cry", "cu", "cu3", "csx", "ccx", "c3x",
                         "c4x", "rccx", "rcccx", "c3sqrtx", "mcx", "cswap"})
_HOLDING = frozenset({"h", "x", "y", "sx", "sxdg", "rx", "ry", "u2", "r", "measure", "reset",
                      "swap", "iswap", "rxx", "ryy", "ecr", "dcx"})


def shares_qubit(gate: Gate, position: int) -> bool:
    """Whether ``gate`` commutes with ``Z`` on its ``position``-th qubit.

    >>> shares_qubit(Gate("cx", (0, 1)), 0), shares_qubit(Gate("cx", (0, 1)), 1)
    (True, False)
    """
    name = gate.name
    if name in _DIAGONAL:
        return True
    if name in _HOLDING or name == "barrier":
        return False
    if name in _CONTROLLED:
        controls = 1 if name == "cswap" else len(gate.qubits) - 1
        return position < controls
    if name == "u" or name == "u3":
        return abs(math.sin(gate.params[0] / 2)) <= _ATOL
    return bool(_commutes_with_z(name, tuple(float(p) for p in gate.params),
                                 len(gate.qubits))[position])


@lru_cache(maxsize=4096)
def _commutes_with_z(name: str, params: tuple[float, ...], arity: int) -> tuple[bool, ...]:
    try:
        matrix = gate_matrix(name, params)
    except KeyError:
        return (False,) * arity
    index = np.arange(matrix.shape[0])
    flips = index[:, None] ^ index[None, :]
    nonzero = np.abs(matrix) > _ATOL
    # Qubit i (the low bit for qubits[0]) is shared when no entry links states differing there.
    return tuple(not bool((nonzero & ((flips >> i) & 1).astype(bool)).any())
                 for i in range(arity))


@dataclass(frozen=True)
class CommutationWindows:
    """Each gate's windows and each window's gates (see the module doc).

    Wires ``0 .. num_qubits - 1`` are qubits, then one per classical bit.
    ``gate_windows[g]`` lists ``(wire, window)`` for every wire gate ``g``
    touches; ``members[wire][window]`` the gates in that window, in program
    order; ``holding[wire][window]`` whether it is one holding gate.
    """

    num_qubits: int
    gate_windows: tuple[tuple[tuple[int, int], ...], ...]
    members: tuple[tuple[tuple[int, ...], ...], ...]
    holding: tuple[tuple[bool, ...], ...]

    def commute(self, a: int, b: int) -> bool:
        """Whether gates ``a`` and ``b`` commute by the window rule."""
        windows_b = dict(self.gate_windows[b])
        for wire, window in self.gate_windows[a]:
            other = windows_b.get(wire)
            if other is not None and (other != window or self.holding[wire][window]):
                return False
        return True


def commutation_windows(circuit: Circuit) -> CommutationWindows:
    """The commutation windows of every wire of ``circuit`` (one pass over the gates)."""
    num_wires = circuit.num_qubits + circuit.num_clbits
    members: list[list[list[int]]] = [[] for _ in range(num_wires)]
    holding: list[list[bool]] = [[] for _ in range(num_wires)]
    gate_windows: list[tuple[tuple[int, int], ...]] = []
    offset = circuit.num_qubits

    def place(wire: int, g: int, shares: bool) -> tuple[int, int]:
        wire_members, wire_holding = members[wire], holding[wire]
        if shares and wire_members and not wire_holding[-1]:
            wire_members[-1].append(g)
        else:
            wire_members.append([g])
            wire_holding.append(not shares)
        return wire, len(wire_members) - 1

    for g, gate in enumerate(circuit.gates):
        touched = [place(q, g, shares_qubit(gate, i)) for i, q in enumerate(gate.qubits)]
        touched.extend(place(offset + c, g, False) for c in gate.clbits)
        if gate.condition is not None:
            touched.extend(place(offset + c, g, True) for c in gate.condition.bits
                           if c not in gate.clbits)
        gate_windows.append(tuple(touched))
    return CommutationWindows(
        circuit.num_qubits, tuple(gate_windows),
        tuple(tuple(tuple(m) for m in wire) for wire in members),
        tuple(tuple(h) for h in holding))


class Frontier:
    """Gates whose every earlier window is done: a walk over the commutation DAG.

    Start with :attr:`ready`; after running a ready gate call :meth:`complete`,
    which returns the gates it made ready (they are added to :attr:`ready`).

    >>> from qdcnet.compiler.ir import Circuit, Gate
    >>> f = Frontier(commutation_windows(Circuit(1, 0, (Gate("rz", (0,), (1.0,)),
    ...                                               Gate("z", (0,)), Gate("h", (0,))))))
    >>> sorted(f.ready), f.complete(0), f.complete(1)
    ([0, 1], [], [2])
    """

    __slots__ = ("_members", "_pending", "_remaining", "_windows", "ready")

    def __init__(self, windows: CommutationWindows) -> None:
        self._windows = windows.gate_windows
        self._members = windows.members
        self._remaining = [[len(m) for m in wire] for wire in windows.members]
        self._pending = [sum(1 for _, window in ws if window > 0) for ws in self._windows]
        self.ready: set[int] = {g for g, count in enumerate(self._pending) if count == 0}

    def complete(self, gate: int) -> list[int]:
        """Mark ready ``gate`` done; return the gates that became ready."""
        self.ready.remove(gate)
        fresh: list[int] = []
        pending = self._pending
        for wire, window in self._windows[gate]:
            remaining = self._remaining[wire]
            remaining[window] -= 1
            if remaining[window] or window + 1 >= len(remaining):
                continue
            for g in self._members[wire][window + 1]:
                pending[g] -= 1
                if pending[g] == 0:
                    fresh.append(g)
        self.ready.update(fresh)
        return fresh


def random_order(circuit: Circuit, rng: np.random.Generator) -> list[int]:
    """A random order of ``circuit``'s gates that the windows allow (same circuit).

    >>> from qdcnet.compiler.ir import Circuit, Gate
    >>> c = Circuit(2, 0, (Gate("cz", (0, 1)), Gate("rz", (0,), (0.5,)), Gate("h", (1,))))
    >>> sorted(random_order(c, np.random.default_rng(1))) == [0, 1, 2]
    True
    """
    frontier = Frontier(commutation_windows(circuit))
    order: list[int] = []
    while frontier.ready:
        choices = sorted(frontier.ready)
        g = choices[int(rng.integers(len(choices)))]
        frontier.complete(g)
        order.append(g)
    return order
