"""Rich tables for the command line."""

from __future__ import annotations

import math
import os
from typing import Any

from rich.console import Console
from rich.table import Table

from qdcnet.link.experiment import LinkRun
from qdcnet.link.model import LinkModel
from qdcnet.report.output import machine_output_enabled

__all__ = [
    "bottleneck_table",
    "capacity_table",
    "format_number",
    "format_standard_error",
    "link_run_table",
    "make_console",
]

#: Width of the console when the output goes to a file or a pipe (no terminal to
#: fit): wide enough that a table's cells are never cut, as 80 columns would.
FILE_WIDTH = 200


def make_console(*, stderr: bool = False) -> Console:
    """A console the size of the terminal, or :data:`FILE_WIDTH` wide into a file or pipe.

    An explicit ``COLUMNS`` in the environment wins, as in rich. Under
    ``--json`` (:func:`~qdcnet.report.output.machine_output`) the console is
    silent: stdout carries only the JSON document.
    """
    if machine_output_enabled():
        return Console(stderr=stderr, quiet=True)
    console = Console(stderr=stderr)
    if console.is_terminal or "COLUMNS" in os.environ:
        return console
    return Console(stderr=stderr, width=FILE_WIDTH)


def format_standard_error(error: float | None, value: float | None, digits: int = 4) -> str:
    """A standard error shown at the precision of its value: below it, 0.

    A figure printed with ``digits`` significant digits cannot show an error
    smaller than its last digit; such an error (a rounding residue like
    1.6e-17 beside 0.95) is written 0.
    """
    if error is None or value is None or not math.isfinite(error) or not math.isfinite(value):
        return format_number(error, 2)
    if value != 0 and abs(error) < abs(value) * 10.0 ** (1 - digits) / 2:
        return "0"
    return format_number(error, 2)


def format_number(value: float | None, digits: int = 4) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if isinstance(value, float) and math.isinf(value):
        return "inf"
    if value == 0:
        return "0"
    magnitude = abs(value)
    if magnitude >= 1e5 or magnitude < 1e-3:
        return f"{value:.{digits - 1}e}"
    return f"{value:.{digits}g}"


def link_run_table(run: LinkRun, title: str) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("figure")
    table.add_column("analytic", justify="right")
    table.add_column("simulated", justify="right")
    table.add_column("± s.e.", justify="right")
    table.add_column("Δ/s.e.", justify="right")
    rare = False
    for figure in run.figures:
        deviation = figure.deviation_in_se
        name = f"{figure.name}" + (f" [{figure.unit}]" if figure.unit else "")
        if figure.interval is not None and figure.rare:
            # A handful of events: ± s.e. and Δ/s.e. mean little; quote the exact interval
            # and whether the model lies in it.
            rare = True
            table.add_row(f"{name} *", format_number(figure.analytic),
                          format_number(figure.simulated), figure.interval_text(),
                          "in CI" if figure.consistent else "outside CI")
            continue
        table.add_row(
            name,
            format_number(figure.analytic),
            format_number(figure.simulated),
            format_standard_error(figure.standard_error, figure.simulated),
            "" if math.isnan(deviation) else f"{deviation:.1f}",
        )
    if rare:
        table.caption = ("* rare events (under 5 expected): the count and its exact 95% "
                         "(Clopper-Pearson) interval instead of ± s.e.")
        table.caption_justify = "left"
    return table


def capacity_table(model: LinkModel) -> Table:
    table = Table(title="Entanglement per channel use (attempt)", title_justify="left")
    table.add_column("quantity")
    table.add_column("ebit per attempt", justify="right")
    table.add_column("ebit/s", justify="right")
    rate = model.attempt_rate_hz * model.num_streams
    rows: list[tuple[str, float]] = [
        ("distillable (hashing bound of delivered pairs)", model.distillable_per_attempt),
        (model.capacity_bound_name, model.capacity_bound_per_attempt),
        ("direct-channel bound without the relay, -log2(1 - eta_A eta_B)",
         model.direct_bound_per_attempt),
    ]
    for name, per_attempt in rows:
        table.add_row(name, format_number(per_attempt), format_number(per_attempt * rate))
    bound = model.capacity_bound_per_attempt
    share = model.distillable_per_attempt / bound if bound else math.nan
    table.add_row("fraction of the bound reached", format_number(share), "")
    return table


def bottleneck_table(rows: list[dict[str, Any]], base_rate_hz: float) -> Table:
    table = Table(title=f"What limits the rate (now {format_number(base_rate_hz)} pairs/s)",
                  title_justify="left")
    table.add_column("where")
    table.add_column("factor")
    table.add_column("value", justify="right")
    table.add_column("rate if perfect [1/s]", justify="right")
    table.add_column("gain", justify="right")
    for row in rows:
        table.add_row(row["end"], row["factor"], format_number(row["value"]),
                      format_number(row["rate_if_perfect_hz"]), f"{row['gain']:.3g}x")
    return table
