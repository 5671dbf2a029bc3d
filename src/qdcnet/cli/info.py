"""``qdcnet info``: what a run records about its environment."""

from __future__ import annotations

import json

from qdcnet.provenance import environment


def show_info(*, json_output: bool) -> None:
    env = environment()
    if json_output:
        print(json.dumps(env, indent=2, sort_keys=True))
        return
    from rich.table import Table

    from qdcnet.report.tables import make_console

    table = Table(title="qdcnet environment", show_header=True)
    table.add_column("component")
    table.add_column("version")
    for name, version in env["versions"].items():
        table.add_row(name, version or "not installed")
    table.add_row("platform", env["platform"])
    make_console().print(table)
