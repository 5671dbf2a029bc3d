"""Order-free facts about gates for the ``remote_ops`` scheduler.

``remote_ops`` runs a circuit's gates in an order it chooses over the
commutation DAG (:mod:`.commute`), so that the same circuit costs the same
ebits whatever order its commuting gates were written in. Every choice it
makes must therefore be broken on what a gate *is* (its wires, windows, name,
parameters, block), never on where it was written; this module computes such
keys and an order-free depth.

>>> from qdcnet.compiler.commute import commutation_windows
>>> from qdcnet.compiler.ir import Circuit, Gate
>>> c = Circuit(3, 0, (Gate("cz", (0, 1)), Gate("h", (0,)), Gate("cz", (1, 2))))
>>> w = commutation_windows(c)
>>> window_levels(w)
[0, 1, 0]
>>> d = Circuit(3, 0, (Gate("cz", (1, 2)), Gate("cz", (0, 1)), Gate("h", (0,))))
>>> content_ranks(d, commutation_windows(d), {}) == [content_ranks(c, w, {})[g] for g in (2, 0, 1)]
True
"""

from __future__ import annotations

from qdcnet.compiler.commute import CommutationWindows
from qdcnet.compiler.ir import Circuit

__all__ = ["content_ranks", "window_levels"]


def window_levels(windows: CommutationWindows) -> list[int]:
    """Each gate's ASAP level in the commutation DAG (the same for every written order).

    A gate's level is one more than the highest level in the window before
    each of its windows, so gates that may run together share a level.
    """
    gate_windows = windows.gate_windows
    # end[wire][w]: one more than the highest level in window w of the wire
    end = [[0] * len(m) for m in windows.members]
    levels = [0] * len(gate_windows)
    # Program order is one valid topological order of the windows.
    for g, touched in enumerate(gate_windows):
        level = 0
        for wire, w in touched:
            if w:
                level = max(level, end[wire][w - 1])
        levels[g] = level
        for wire, w in touched:
            if end[wire][w] <= level:
                end[wire][w] = level + 1
    return levels


def content_ranks(circuit: Circuit, windows: CommutationWindows,
                  gate_block: dict[int, int]) -> list[int]:
    """A rank per gate from its content and structure, never its position.

    Gates are sorted by (windows on every wire, name, parameters, classical
    bits, condition, block). Two gates with equal keys sit in the same
    windows on the same wires with the same effect and block, so which of
    them runs first changes nothing; any rank among them is as good.
    """
    def key(g: int) -> tuple:
        gate = circuit.gates[g]
        cond = gate.condition
        return (windows.gate_windows[g], gate.name, gate.params, gate.clbits,
                () if cond is None else (cond.bits, cond.value, cond.equal),
                gate_block.get(g, -1))

    order = sorted(range(len(circuit.gates)), key=key)
    ranks = [0] * len(order)
    for r, g in enumerate(order):
        ranks[g] = r
    return ranks
