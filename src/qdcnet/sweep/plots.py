"""Pictures of sweep results: a metric against an input, grouped, with error bars.

Rows of a journal (:mod:`qdcnet.sweep.journal`) are grouped by the x value
(and the hue, if any); each group's points are the repetitions, drawn as
their mean with an error bar of one standard error (none for a single
repetition). Rows with an error are left out and counted. Values written with
units (``"10 ms"``) are read in SI units, and the axis says which.

A column is named as in the rows: an input by its axis field, a metric by
its path; a unique ending is enough (``communication.t2`` for
``qpus[*].overrides.communication.t2``).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qdcnet.errors import ParameterError
from qdcnet.sim.statistics import standard_error
from qdcnet.units import UnitError, parse

__all__ = ["Series", "aggregate", "column_names", "plot_panels", "plot_series", "plot_tornado",
           "resolve_column", "select_rows"]


@dataclass(frozen=True)
class Series:
    """One line of a plot: the hue value and its points (x, mean, standard error, n)."""

    hue: Any
    points: tuple[tuple[float, float, float, int], ...]


def column_names(rows: list[dict[str, Any]]) -> dict[str, str]:
    """Every column the rows have: name -> ``"input"`` or ``"metric"``."""
    names: dict[str, str] = {}
    for row in rows:
        for key in row.get("inputs") or {}:
            names.setdefault(key, "input")
        for key in row.get("metrics") or {}:
            names.setdefault(key, "metric")
    return names


def resolve_column(rows: list[dict[str, Any]], wanted: str, option: str) -> tuple[str, str]:
    """The column ``wanted`` names (exactly, or by a unique ending), and its kind."""
    names = column_names(rows)
    if wanted in names:
        return wanted, names[wanted]
    endings = [name for name in names if name.endswith(wanted)]
    if len(endings) == 1:
        return endings[0], names[endings[0]]
    listed = ", ".join(sorted(names)) or "none (no row without an error)"
    if endings:
        raise ParameterError(option, wanted, f"one column; it ends {len(endings)}: "
                             f"{', '.join(endings)}")
    raise ParameterError(option, wanted, f"an input or metric of the rows: {listed}")


def _number(value: Any, option: str) -> tuple[float, str]:
    """A plotted value and its SI unit ('' for plain numbers)."""
    if isinstance(value, bool):
        return float(value), ""
    if isinstance(value, int | float):
        return float(value), ""
    if isinstance(value, str):
        try:
            quantity = parse(value)
        except UnitError:
            raise ParameterError(option, value, "numbers or quantities with units") from None
        return quantity.si, quantity.si_unit
    raise ParameterError(option, value, "numbers or quantities with units")


def _value(row: dict[str, Any], column: str, kind: str) -> Any:
    return ((row.get("inputs") if kind == "input" else row.get("metrics")) or {}).get(column)


def _matches(value: Any, wanted: Any) -> bool:
    if isinstance(value, int | float) and isinstance(wanted, int | float) and not isinstance(
            value, bool) and not isinstance(wanted, bool):
        return math.isclose(value, wanted, rel_tol=1e-9, abs_tol=0.0)
    return str(value) == str(wanted)


def select_rows(rows: list[dict[str, Any]], where: dict[str, Any] | None,
                option: str = "where") -> list[dict[str, Any]]:
    """The rows whose columns have the given values (a unique ending names a column)."""
    if not where:
        return rows
    for wanted_column, wanted in where.items():
        column, kind = resolve_column(rows, wanted_column, f"{option}.{wanted_column}")
        kept = [row for row in rows if _matches(_value(row, column, kind), wanted)]
        if not kept:
            seen = sorted({str(_value(row, column, kind)) for row in rows})
            raise ParameterError(f"{option}.{wanted_column}", wanted,
                                 f"a value the rows have: {', '.join(seen[:8])}")
        rows = kept
    return rows


def _order(value: Any) -> tuple[int, float, str]:
    """Numbers in numeric order (1, 4, 16, not 1, 16, 4), then everything else by text."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return 0, float(value), ""
    return 1, 0.0, str(value)


def aggregate(rows: list[dict[str, Any]], x: str, y: str, hue: str | None = None,
              where: dict[str, Any] | None = None) -> tuple[list[Series], dict[str, Any]]:
    """Series of (x, mean y, standard error, n) per hue, and what was left out and why.

    ``x``, ``y`` and ``hue`` are column names (see :func:`resolve_column`);
    ``where`` keeps only rows with those values of other columns (a slice of a
    grid: every other axis should be fixed or be the hue, or its points are
    averaged together).
    """
    good = select_rows([row for row in rows if not row.get("error")], where)
    x_col, x_kind = resolve_column(good, x, "--x")
    y_col, y_kind = resolve_column(good, y, "--y")
    hue_col, hue_kind = resolve_column(good, hue, "--hue") if hue else (None, None)
    groups: dict[tuple[Any, float], list[float]] = defaultdict(list)
    units: dict[str, str] = {}
    missing = 0
    for row in good:
        x_value, y_value = _value(row, x_col, x_kind), _value(row, y_col, y_kind)
        if x_value is None or y_value is None:
            missing += 1
            continue
        x_number, x_unit = _number(x_value, "--x")
        y_number, y_unit = _number(y_value, "--y")
        for axis, unit, value in (("x", x_unit, x_value), ("y", y_unit, y_value)):
            if units.setdefault(axis, unit) != unit:
                raise ParameterError(f"--{axis}", value, f"values of one dimension (the "
                                     f"first were in {units[axis] or 'plain numbers'})")
        if not (math.isfinite(x_number) and math.isfinite(y_number)):
            missing += 1
            continue
        key = _value(row, hue_col, hue_kind) if hue_col else None
        groups[(key if not isinstance(key, list | dict) else str(key), x_number)].append(
            y_number)
    by_hue: dict[Any, list[tuple[float, float, float, int]]] = defaultdict(list)
    for (key, x_number), values in groups.items():
        n = len(values)
        mean = sum(values) / n
        se = standard_error(values) if n > 1 else math.nan
        by_hue[key].append((x_number, mean, se, n))
    series = [Series(key, tuple(sorted(points)))
              for key, points in sorted(by_hue.items(), key=lambda kv: _order(kv[0]))]
    info = {"x": x_col, "y": y_col, "hue": hue_col, "x_unit": units.get("x", ""),
            "y_unit": units.get("y", ""), "rows": len(rows), "failed_rows": len(rows) - len(good),
            "rows_without_values": missing}
    return series, info


def plot_series(series: list[Series], info: dict[str, Any], path: Path, *,
                log_x: bool = False, log_y: bool = False, title: str | None = None) -> None:
    """Draw the series into ``path`` (PNG): points with error bars, one line per hue."""
    plot_panels([(series, info)], path, log_x=log_x, log_y=log_y, title=title)


def plot_panels(panels: list[tuple[list[Series], dict[str, Any]]], path: Path, *,
                log_x: bool = False, log_y: bool = False, title: str | None = None) -> None:
    """Several metrics against one x in one picture: ``panels`` holds each metric's
    :func:`aggregate` (series and info), one line per metric and hue value."""
    import matplotlib

    matplotlib.use("Agg")  # files only: no display needed
    import matplotlib.pyplot as plt

    several = len(panels) > 1
    figure, axes = plt.subplots(figsize=(8.4 if several else 6.4, 4.2), layout="constrained")
    styles = ("-", "--", ":", "-.")
    markers = "os^vD"
    # One colour per hue value across every metric, one line style per metric.
    hues = [str(h) for h in sorted({line.hue for series, _ in panels for line in series},
                                   key=_order)]
    colours = {hue: f"C{i % 10}" for i, hue in enumerate(hues)}
    for number, (series, info) in enumerate(panels):
        for line in series:
            xs = [p[0] for p in line.points]
            ys = [p[1] for p in line.points]
            errors = [0.0 if math.isnan(p[2]) else p[2] for p in line.points]
            label = None
            if not several and info["hue"] is not None:
                label = f"{info['hue']} = {line.hue}"
            axes.errorbar(xs, ys, yerr=errors, marker=markers[number % len(markers)],
                          capsize=3, linestyle=styles[number % len(styles)],
                          color=colours[str(line.hue)] if info["hue"] is not None else None,
                          label=label)
    if several:
        from matplotlib.lines import Line2D

        handles = [Line2D([], [], color="black", linestyle=styles[n % len(styles)],
                          marker=markers[n % len(markers)], label=i["y"])
                   for n, (_, i) in enumerate(panels)]
        if panels[0][1]["hue"] is not None:
            handles += [Line2D([], [], color=colours[hue], linewidth=4,
                               label=f"{panels[0][1]['hue']} = {hue}") for hue in hues]
        figure.legend(handles=handles, loc="outside right upper", fontsize="small")
    info = panels[0][1]
    if log_x:
        axes.set_xscale("log")
    if log_y:
        axes.set_yscale("log")
    axes.set_xlabel(info["x"] + (f" [{info['x_unit']}]" if info["x_unit"] else ""))
    units = {i["y_unit"] for _, i in panels}
    unit = units.pop() if len(units) == 1 else ""
    axes.set_ylabel(("value (see the legend)" if several else info["y"])
                    + (f" [{unit}]" if unit else ""))
    if not several and info["hue"] is not None:
        axes.legend(fontsize="small")
    if title:
        axes.set_title(title, fontsize="medium")
    axes.grid(True, alpha=0.3)
    figure.savefig(path, dpi=120)
    plt.close(figure)


def plot_tornado(bars: list[dict[str, Any]], baseline: float, path: Path, *, metric: str,
                 better: str, factor: float, title: str | None = None) -> None:
    """A tornado chart: per parameter, the figure of merit with it improved (and worsened)
    by ``factor``, around the baseline; the largest gain at the top.

    ``bars``: dicts with ``label``, ``improved`` (mean with the parameter improved),
    ``improved_ci`` (the 95 % interval of that mean's change, as (low, high) changes),
    and optionally ``degraded`` and ``degraded_ci``; in the order to draw, top first.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    height = max(2.4, 0.45 * len(bars) + 1.4)
    figure, axes = plt.subplots(figsize=(7.2, height), layout="constrained")
    sign = 1.0 if better == "higher" else -1.0
    for row, bar in enumerate(bars):
        y = len(bars) - 1 - row
        for key, shade in (("improved", 0.9), ("degraded", 0.55)):
            value = bar.get(key)
            if value is None or not math.isfinite(value):
                continue
            good = sign * (value - baseline) >= 0
            colour = (0.16, 0.55, 0.3, shade) if good else (0.75, 0.2, 0.2, shade)
            axes.barh(y, value - baseline, left=baseline, color=colour, height=0.6,
                      label=None)
            low, high = bar.get(f"{key}_ci", (math.nan, math.nan))
            if math.isfinite(low) and math.isfinite(high):
                middle = baseline + (low + high) / 2
                axes.errorbar(middle, y, xerr=(high - low) / 2, color="black", capsize=3,
                              linewidth=1)
    axes.axvline(baseline, color="black", linewidth=1)
    axes.set_yticks(range(len(bars)), [bar["label"] for bar in reversed(bars)],
                    fontsize="small")
    axes.set_xlabel(f"{metric}\n({better} is better; baseline {baseline:.4g})",
                    fontsize="small")
    axes.set_title(title or f"each parameter improved by {factor:g}\n(green: better, red: "
                   "worse; whiskers: 95 % interval of the change)", fontsize="small")
    axes.grid(True, axis="x", alpha=0.3)
    figure.savefig(path, dpi=120)
    plt.close(figure)
