"""PairChain: joining pairs in the Walsh-Hadamard domain equals swapping them one by one.

The twin is the step-by-step computation the eager path does: every pair aged
qubit by qubit (:meth:`BellDiagonal.decohere`) up to its Bell measurement,
then :func:`~qdcnet.quantum.swap` with the measurement's noise, in a random
order of swaps. The chain sees only the product of components and the summed
exposure, so agreement to rounding checks both the algebra and the order
independence it relies on.
"""

from __future__ import annotations

import numpy as np
import pytest

from qdcnet.errors import ParameterError
from qdcnet.quantum import BellDiagonal, PairChain, swap, swap_factors
from qdcnet.quantum.pauli import decay_rates


class _Memory:
    def __init__(self, t1_s: float, t2_s: float) -> None:
        self.t1_s, self.t2_s = t1_s, t2_s


def _random_chain(rng: np.random.Generator, links: int):
    states = [BellDiagonal.from_coefficients(rng.dirichlet(np.ones(4) * 0.7))
              for _ in range(links)]
    frames = [int(rng.integers(4)) for _ in range(links)]
    memories = []
    for _ in range(links + 1):
        t1 = float(rng.uniform(1e-3, 1.0)) if rng.random() < 0.7 else float("inf")
        t2 = float(rng.uniform(1e-3, 2 * min(t1, 1.0)))
        memories.append(_Memory(t1, t2))
    # Link k's qubits sit in the memories of nodes k and k + 1 from time born[k].
    born = rng.uniform(0.0, 5e-3, links)
    noise = [(float(rng.uniform(0, 0.05)), float(rng.uniform(0, 0.05)))
             for _ in range(links - 1)]
    order = rng.permutation(links - 1)  # the relays' swaps, in the order they happen
    measured = {int(k): float(max(born[k], born[k + 1]) + rng.uniform(0, 2e-3))
                for k in order}
    return states, frames, memories, born, noise, order, measured


def _step_by_step(states, frames, memories, born, noise, order, measured, final_s):
    # Spans: (first link, last link) -> (state, state time); ages both ends each time.
    spans = {(k, k): (states[k].apply_frame(frames[k]), born[k]) for k in range(len(states))}

    def aged(state, since, until, left, right):
        out = state.decohere(until - since, t1_s=memories[left].t1_s,
                             t2_s=memories[left].t2_s, qubit=0)
        return out.decohere(until - since, t1_s=memories[right + 1].t1_s,
                            t2_s=memories[right + 1].t2_s, qubit=1)

    # The swap at relay k (node k + 1) happens at measured[k]; swaps are applied in
    # time order, each to the spans that meet there.
    for k in sorted(order, key=lambda k: measured[k]):
        t = measured[k]
        left = next(s for s in spans if s[1] == k)
        right = next(s for s in spans if s[0] == k + 1)
        (a, since_a), (b, since_b) = spans.pop(left), spans.pop(right)
        a = aged(a, since_a, t, left[0], left[1])
        b = aged(b, since_b, t, right[0], right[1])
        gate, readout = noise[k]
        spans[(left[0], right[1])] = (swap(a, b, gate_error=gate, measurement_error=readout), t)
    ((first, last), (state, since)), = spans.items()
    return aged(state, since, final_s, first, last)


def _chained(states, frames, memories, born, noise, order, measured, final_s):
    chains = {(k, k): (PairChain.of(states[k], frames[k]), born[k], born[k])
              for k in range(len(states))}
    for k in order:  # the chain needs no time order
        t = measured[int(k)]
        left = next(s for s in chains if s[1] == k)
        right = next(s for s in chains if s[0] == k + 1)
        (a, a_left, a_right), (b, b_left, b_right) = chains.pop(left), chains.pop(right)
        a.wait(t - a_right, *decay_rates(memories[k + 1]))
        b.wait(t - b_left, *decay_rates(memories[k + 1]))
        a.join(b, swap_factors(*noise[k]))
        chains[(left[0], right[1])] = (a, a_left, b_right)
    ((first, last), (chain, since_left, since_right)), = chains.items()
    chain.wait(final_s - since_left, *decay_rates(memories[first]))
    chain.wait(final_s - since_right, *decay_rates(memories[last + 1]))
    return chain.state()


@pytest.mark.parametrize("seed", range(6))
def test_chain_equals_swapping_one_by_one(seed):
    rng = np.random.default_rng(seed)
    for links in (1, 2, 3, 5, 9):
        args = _random_chain(rng, links)
        final = max(args[6].values(), default=float(args[3].max())) + 1e-3
        eager = _step_by_step(*args, final)
        lazy = _chained(*args, final)
        assert np.allclose(lazy.coefficients, eager.coefficients, atol=1e-12), (seed, links)


def test_frame_is_the_correction_the_pair_still_owes():
    state = BellDiagonal.from_coefficients([0.7, 0.2, 0.06, 0.04])
    for frame in range(4):
        assert PairChain.of(state, frame).state().isclose(state.apply_frame(frame))


def test_swap_factors_refuse_probabilities_out_of_range():
    with pytest.raises(ParameterError, match="gate_error"):
        swap_factors(1.5, 0.0)
    with pytest.raises(ParameterError, match="measurement_error"):
        swap_factors(0.0, -0.1)
