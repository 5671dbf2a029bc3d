"""``qdcnet demo``: the built-in default data center, as far as it is built.

Two QPUs of different platforms (trapped ion, neutral atom) convert their
photons to telecom and meet at a Bell-state measurement station. The demo
runs the link twice: with the profiles as shipped (today's free-space
emitters), then with the change the bottleneck table points at, emitters in
cavities, to show the question qdcnet answers: which part must improve, and
by how much.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from rich.console import Console

from qdcnet.cli import link as link_cli
from qdcnet.config.link import LinkScenario, load_link_scenario
from qdcnet.link.experiment import bottlenecks, run_link
from qdcnet.link.model import LinkModel
from qdcnet.report import result_document, write_json
from qdcnet.units import to_si

#: The design what-if of the second run: each emitter in an optical cavity,
#: a photon in the fibre per attempt with probability 0.5. (Schupp et al.,
#: PRX Quantum 2, 020331 (2021) reach 0.69 at a Ca+ cavity output and 0.54
#: into fibre; the linewidths are kept as profiled.)
CAVITY_OVERRIDES = {"communication.emission_probability": 1.0,
                    "communication.collection_efficiency": 0.5}


def _with_cavities(document: dict[str, Any]) -> dict[str, Any]:
    improved = dict(document)
    improved["name"] = "demo-with-cavities"
    improved["description"] = ("the same QPUs with cavity-enhanced emitters "
                               "(emission x collection = 0.5 at each end)")
    improved["ends"] = [dict(end, overrides=dict(end.get("overrides", {})) | CAVITY_OVERRIDES)
                        for end in document["ends"]]
    improved["assumptions"] = [*document.get("assumptions", []),
                               "design what-if: emitters in cavities, one photon in the fibre "
                               "per attempt with probability 0.5 (Schupp et al. 2021 reach 0.54 "
                               "for Ca+); linewidths as profiled"]
    return improved


def run(*, duration: str | None, seed: int | None, json_path: Path | None) -> None:
    console = Console()
    console.print("[bold]qdcnet demo[/bold]: a trapped-ion QPU and a neutral-atom QPU, each "
                  "converting its photons to 1522 nm, heralded at a Bell-state measurement "
                  "station between them (profiles: qdcnet profiles trapped_ion, neutral_atom).\n")
    path = resources.files("qdcnet.config").joinpath("data", "demo_link.yaml")
    with resources.as_file(path) as scenario_path:
        today, document = load_link_scenario(scenario_path)
    duration_s = to_si(duration, "time", name="--duration") if duration else today.duration
    seed_value = today.seed if seed is None else seed
    results = {}
    for title, scenario_document in (("1. As profiled today", document),
                                     ("2. What if the emitters sat in cavities?",
                                      _with_cavities(document))):
        console.rule(title)
        scenario = LinkScenario.model_validate(scenario_document)
        model = LinkModel.from_spec(scenario.build())
        result = run_link(model, duration_s=duration_s, seed=seed_value)
        link_cli.report(console, scenario, result)
        results[scenario.name] = result.to_dict() | {"bottlenecks": bottlenecks(model.spec)}
    if json_path is not None:
        write_json(json_path, result_document(kind="demo", seed=seed_value,
                                              scenario=document | {"duration": f"{duration_s} s"},
                                              results=results))
        Console(stderr=True).print(f"wrote {json_path}")
