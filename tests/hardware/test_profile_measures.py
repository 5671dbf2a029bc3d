"""Issue 10 finding 3: every profile fidelity says which measure it is, and the loader checks.

Willow's 0.33 % CZ error is a Pauli error rate (cycle benchmarking); Helios'
figures are randomized-benchmarking average infidelities. Read as the same
thing they give different noise. A gate or readout fidelity without a measure
is refused, and the network turns each measure into its depolarizing noise
with the conversion derived below.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from qdcnet.hardware.profiles import available_profiles, load_profile

PROFILES = Path(__file__).resolve().parents[2] / "src" / "qdcnet" / "hardware" / "data" / \
    "profiles"
FIDELITIES = (("gates", "one_qubit"), ("gates", "two_qubit"), ("measurement",))


def _edited(tmp_path: Path, edit) -> Path:
    document = yaml.safe_load((PROFILES / "trapped_ion.yaml").read_text())
    edit(document)
    path = tmp_path / "edited.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def _fidelity_node(document: dict, where: tuple[str, ...]) -> dict:
    node = document
    for key in where:
        node = node[key]
    return node["fidelity"]


@pytest.mark.parametrize("name", available_profiles())
def test_every_shipped_fidelity_declares_its_measure(name):
    profile = load_profile(name)
    assert profile.one_qubit_gate.measure in ("average", "process", "pauli")
    assert profile.two_qubit_gate.measure in ("average", "process", "pauli")
    assert profile.measurement_measure == "assignment"
    document = yaml.safe_load((PROFILES / f"{name}.yaml").read_text())
    for where in FIDELITIES:
        assert "measure" in _fidelity_node(document, where), (name, where)


def test_willow_reports_pauli_errors_and_helios_average_infidelities():
    assert load_profile("superconducting").two_qubit_gate.measure == "pauli"
    helios = load_profile("trapped_ion")
    assert helios.two_qubit_gate.measure == "average"
    assert helios.one_qubit_gate.measure == "average"


@pytest.mark.parametrize("where", FIDELITIES, ids=lambda w: ".".join(w))
def test_a_fidelity_without_a_measure_is_refused(tmp_path, where):
    from qdcnet.hardware.profiles import ProfileError

    path = _edited(tmp_path, lambda d: _fidelity_node(d, where).pop("measure", None))
    field = ".".join((*where, "fidelity"))
    with pytest.raises(ProfileError, match=rf"{field}.*measure"):
        load_profile(path)


def test_an_unknown_measure_is_refused_with_the_allowed_ones(tmp_path):
    from qdcnet.hardware.profiles import ProfileError

    path = _edited(tmp_path, lambda d: d["gates"]["two_qubit"]["fidelity"].update(
        measure="xeb"))
    with pytest.raises(ProfileError, match=r"gates\.two_qubit\.fidelity.*'xeb'.*average"):
        load_profile(path)
    path = _edited(tmp_path, lambda d: d["measurement"]["fidelity"].update(measure="pauli"))
    with pytest.raises(ProfileError, match=r"measurement\.fidelity.*'pauli'.*assignment"):
        load_profile(path)


def test_an_override_keeps_the_measure_of_the_file():
    profile = load_profile("superconducting", overrides={"gates.two_qubit.fidelity": 0.999})
    assert profile.two_qubit_gate.fidelity == 0.999
    assert profile.two_qubit_gate.measure == "pauli"
    profile = load_profile("superconducting", overrides={
        "gates.two_qubit.fidelity": {"value": 0.998, "measure": "average"}})
    assert profile.two_qubit_gate.fidelity == 0.998
    assert profile.two_qubit_gate.measure == "average"
    from qdcnet.hardware.profiles import ProfileError

    with pytest.raises(ProfileError, match=r"gates\.two_qubit\.fidelity.*'rb'.*average"):
        load_profile("superconducting", overrides={
            "gates.two_qubit.fidelity": {"value": 0.998, "measure": "rb"}})


def test_the_profile_command_shows_each_measure():
    from qdcnet.cli.main import app

    result = CliRunner().invoke(app, ["profiles", "superconducting"], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if "gates.two_qubit.fidelity" in x)
    assert "Pauli error" in line
    line = next(x for x in result.output.splitlines() if "measurement.fidelity" in x)
    assert "assignment" in line


@pytest.mark.parametrize("name", ["superconducting", "trapped_ion"])
def test_node_gate_noise_follows_the_declared_measure(name):
    """The network's gate error replaces both qubits by I/4 with probability λ.

    That channel keeps I with probability 1 - λ + λ/16, so its Pauli error (and
    process infidelity) is 15λ/16, and its average infidelity is 4/5 of that
    (F_avg = (4 F_pro + 1)/5 for two qubits).
    """
    from qdcnet.network.qpu import QPU

    profile = load_profile(name)
    gate = profile.two_qubit_gate
    ops = QPU.from_profile("n", profile)
    pauli_error = 15.0 * ops.gate_error / 16.0
    if gate.measure == "pauli":
        assert pauli_error == pytest.approx(1.0 - gate.fidelity, rel=1e-12)
    else:
        assert 0.8 * pauli_error == pytest.approx(1.0 - gate.fidelity, rel=1e-12)
    assert ops.measurement_error == pytest.approx(1.0 - profile.measurement_fidelity)
