"""Random circuit hypergraphs for the partitioner tests."""

from __future__ import annotations

import numpy as np

from qdcnet.compiler import Circuit, Gate
from qdcnet.compiler.hypergraph import Hypergraph, analyse_segments, build_hypergraph


def random_hypergraph(seed: int, n: int, gates: int) -> Hypergraph:
    """The fixed-model hypergraph of ``gates`` random CZ on ``n`` qubits, H sprinkled in."""
    rng = np.random.default_rng(seed)
    body = []
    for _ in range(gates):
        if rng.random() < 0.3:
            body.append(Gate("h", (int(rng.integers(n)),)))
        a, b = rng.choice(n, 2, replace=False)
        body.append(Gate("cz", (int(a), int(b))))
    return build_hypergraph(analyse_segments(Circuit(n, 0, tuple(body))), movable=False)
