"""Issue 10 finding 3: one set of conversions between fidelity measures and noise conventions.

Each conversion of :mod:`qdcnet.quantum.noise` is held against an explicit
channel built here from density matrices: the depolarizing channel that
replaces the state by I/D with probability λ, and stim's DEPOLARIZE1/2(p)
(each of the D² - 1 non-identity Paulis with probability p/(D² - 1)). Their
measures are computed from the channel itself: the process fidelity as the
Choi-state fidelity with the maximally entangled state, the average gate
fidelity as the mean state fidelity over all stabilizer states (a state
2-design, so the mean is the Haar average exactly), and the Pauli error rate
as 1 - p_I of the channel's Pauli decomposition read off the Choi state.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

PAULIS = {
    "I": np.eye(2, dtype=complex),
    "X": np.array([[0, 1], [1, 0]], dtype=complex),
    "Y": np.array([[0, -1j], [1j, 0]], dtype=complex),
    "Z": np.array([[1, 0], [0, -1]], dtype=complex),
}


def _pauli(label: str) -> np.ndarray:
    out = np.eye(1, dtype=complex)
    for letter in label:
        out = np.kron(out, PAULIS[letter])
    return out


def _labels(n: int) -> list[str]:
    return ["".join(t) for t in itertools.product("IXYZ", repeat=n)]


def replaced_by_mixed(lam: float, n: int):
    dim = 2**n
    return lambda rho: (1 - lam) * rho + lam * np.trace(rho) * np.eye(dim) / dim


def stim_depolarize(p: float, n: int):
    others = [_pauli(label) for label in _labels(n)[1:]]
    return lambda rho: (1 - p) * rho + p / len(others) * sum(P @ rho @ P.conj().T
                                                             for P in others)


def _max_entangled(n: int) -> np.ndarray:
    dim = 2**n
    phi = np.zeros(dim * dim, dtype=complex)
    for i in range(dim):
        phi[i * dim + i] = 1.0
    return phi / np.sqrt(dim)


def _choi(channel, n: int) -> np.ndarray:
    dim = 2**n
    phi = _max_entangled(n)
    rho = np.outer(phi, phi.conj())
    out = np.zeros_like(rho)
    # Apply the channel to the first factor, block by block.
    for i in range(dim):
        for j in range(dim):
            unit = np.zeros((dim, dim), dtype=complex)
            unit[i, j] = 1.0
            block = rho.reshape(dim, dim, dim, dim)[i, :, j, :]
            out += np.kron(channel(unit), block)
    return out


def process_fidelity(channel, n: int) -> float:
    phi = _max_entangled(n)
    return float(np.real(phi.conj() @ _choi(channel, n) @ phi))


def pauli_error_rate(channel, n: int) -> float:
    """1 - p_I with p_P = <Φ_P|Choi|Φ_P>, Φ_P = (P ⊗ I)|Φ>."""
    choi = _choi(channel, n)
    phi = _max_entangled(n)
    probabilities = {}
    for label in _labels(n):
        vector = np.kron(_pauli(label), np.eye(2**n)) @ phi
        probabilities[label] = float(np.real(vector.conj() @ choi @ vector))
    assert sum(probabilities.values()) == pytest.approx(1.0)
    return 1.0 - probabilities["I" * n]


def _stabilizer_states(n: int) -> list[np.ndarray]:
    """All n-qubit stabilizer states, by closing |0..0> under H, S and CNOT."""
    dim = 2**n
    h = np.array([[1, 1], [1, -1]], dtype=complex) / np.sqrt(2)
    s = np.diag([1, 1j])
    gates = []
    for q in range(n):
        for g in (h, s):
            ops = [np.eye(2)] * n
            ops[q] = g
            full = np.eye(1)
            for op in ops:
                full = np.kron(full, op)
            gates.append(full)
    if n == 2:
        gates.append(np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]],
                              dtype=complex))
    start = np.zeros(dim, dtype=complex)
    start[0] = 1.0

    def key(v: np.ndarray) -> tuple:
        k = int(np.argmax(np.abs(v) > 1e-9))
        v = v * np.exp(-1j * np.angle(v[k]))  # fix the global phase
        return tuple(np.round(v, 6))

    seen = {key(start): start}
    frontier = [start]
    while frontier:
        nxt = []
        for v in frontier:
            for g in gates:
                w = g @ v
                if key(w) not in seen:
                    seen[key(w)] = w
                    nxt.append(w)
        frontier = nxt
    return list(seen.values())


def average_gate_fidelity(channel, n: int) -> float:
    states = _stabilizer_states(n)
    total = 0.0
    for psi in states:
        rho = np.outer(psi, psi.conj())
        total += float(np.real(psi.conj() @ channel(rho) @ psi))
    return total / len(states)


def test_the_reference_measures_are_what_they_say():
    # 6 one-qubit and 60 two-qubit stabilizer states; the identity is perfect.
    assert len(_stabilizer_states(1)) == 6
    assert len(_stabilizer_states(2)) == 60
    for n in (1, 2):
        identity = replaced_by_mixed(0.0, n)
        assert average_gate_fidelity(identity, n) == pytest.approx(1.0)
        assert process_fidelity(identity, n) == pytest.approx(1.0)


MEASURE_OF = {"average": average_gate_fidelity, "process": process_fidelity,
              "pauli": lambda ch, n: 1.0 - pauli_error_rate(ch, n)}


@pytest.mark.parametrize("n", [1, 2])
@pytest.mark.parametrize("measure", ["average", "process", "pauli"])
@pytest.mark.parametrize("fidelity", [0.999, 0.99, 0.95])
def test_each_measure_to_each_channel_parameter_reproduces_the_measure(n, measure, fidelity):
    from qdcnet.quantum.noise import convert_fidelity

    lam = convert_fidelity(fidelity, measure=measure, to="depolarizing", qubits=n)
    p = convert_fidelity(fidelity, measure=measure, to="stim", qubits=n)
    for channel in (replaced_by_mixed(lam, n), stim_depolarize(p, n)):
        assert MEASURE_OF[measure](channel, n) == pytest.approx(fidelity, abs=1e-12)


@pytest.mark.parametrize("n", [1, 2])
@pytest.mark.parametrize("measure", ["average", "process", "pauli"])
def test_each_measure_to_each_error_figure(n, measure):
    from qdcnet.quantum.noise import convert_fidelity

    fidelity = 0.98
    lam = convert_fidelity(fidelity, measure=measure, to="depolarizing", qubits=n)
    channel = replaced_by_mixed(lam, n)
    expected = {"average_infidelity": 1.0 - average_gate_fidelity(channel, n),
                "process_infidelity": 1.0 - process_fidelity(channel, n),
                "pauli_error": pauli_error_rate(channel, n)}
    for to, value in expected.items():
        assert convert_fidelity(fidelity, measure=measure, to=to, qubits=n) == \
            pytest.approx(value, abs=1e-12), to


def test_the_two_conventions_of_the_issue():
    """F_avg of a two-qubit gate: λ = 4(1 - F)/3 replaced-by-I/4, stim p = 5(1 - F)/4."""
    from qdcnet.quantum.noise import convert_fidelity

    f = 0.99
    lam = convert_fidelity(f, measure="average", to="depolarizing", qubits=2)
    p = convert_fidelity(f, measure="average", to="stim", qubits=2)
    assert average_gate_fidelity(replaced_by_mixed(lam, 2), 2) == pytest.approx(f)
    assert average_gate_fidelity(stim_depolarize(p, 2), 2) == pytest.approx(f)
    # A stim DEPOLARIZE2(1 - F) — what the QEC used — has average infidelity 4(1 - F)/5.
    assert 1 - average_gate_fidelity(stim_depolarize(1 - f, 2), 2) == pytest.approx(
        0.8 * (1 - f))


def test_bad_measures_and_conventions_are_refused():
    from qdcnet.errors import ParameterError
    from qdcnet.quantum.noise import convert_fidelity

    with pytest.raises(ParameterError, match=r"measure.*xeb.*average"):
        convert_fidelity(0.99, measure="xeb", to="stim", qubits=2)
    with pytest.raises(ParameterError, match=r"to = 'werner'"):
        convert_fidelity(0.99, measure="average", to="werner", qubits=2)
    with pytest.raises(ParameterError, match="qubits"):
        convert_fidelity(0.99, measure="average", to="stim", qubits=3)
    with pytest.raises(ParameterError, match="fidelity"):
        convert_fidelity(1.2, measure="average", to="stim", qubits=1)
    # Below the fully depolarizing point the figure is no depolarizing channel.
    with pytest.raises(ParameterError, match="fidelity"):
        convert_fidelity(0.1, measure="average", to="depolarizing", qubits=2)
