"""Figures for the QEC experiments (matplotlib, written to files, no display needed).

Every figure is written by :func:`save_figure`, which leaves out what
matplotlib would otherwise stamp into the file and what changes from run to
run or install to install (creation date, matplotlib's version, random SVG
ids): the same data gives a byte-identical file.
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

__all__ = ["plot_buffer", "plot_decoder", "plot_seam", "save_figure"]

#: Per file type, the metadata entries matplotlib fills in by default that
#: depend on the date or on the installed version; None leaves them out.
_NO_STAMP: dict[str, dict[str, str | None]] = {
    ".png": {"Software": None},
    ".pdf": {"Creator": None, "Producer": None, "CreationDate": None},
    ".svg": {"Creator": None, "Date": None},
    # PostScript writes a missing creator as "None": name the project instead.
    ".eps": {"Creator": "qdcnet"},
    ".ps": {"Creator": "qdcnet"},
}


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


@contextlib.contextmanager
def _fixed_source_date() -> Iterator[None]:
    """PostScript takes its creation date from SOURCE_DATE_EPOCH only: pin it while saving."""
    before = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = "0"
    try:
        yield
    finally:
        if before is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = before


def save_figure(fig: Any, path: Path, *, dpi: int = 120) -> Path:
    """Write ``fig`` to ``path`` (type from the suffix) with no date or version in it.

    The same figure gives the same bytes, whatever the day or the
    matplotlib release that wrote the metadata.
    """
    import matplotlib

    path = Path(path)
    suffix = path.suffix.lower()
    metadata = _NO_STAMP.get(suffix)
    dated = _fixed_source_date() if suffix in (".ps", ".eps") else contextlib.nullcontext()
    with matplotlib.rc_context({"svg.hashsalt": "qdcnet"}), dated:
        fig.savefig(path, dpi=dpi, metadata=metadata)
    return path


def plot_seam(results: Sequence[Any], path: Path) -> Path:
    """Logical error per shot against seam infidelity: one panel per (bulk, basis)."""
    plt = _pyplot()
    panels = sorted({(r.task.bulk, r.task.basis) for r in results})
    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 3.6), squeeze=False)
    for ax, (bulk, basis) in zip(axes[0], panels, strict=True):
        for d in sorted({r.task.distance for r in results}):
            points = sorted((r for r in results if r.task.bulk == bulk and r.task.basis == basis
                             and r.task.distance == d), key=lambda r: r.task.seam)
            if not points:
                continue
            seen = [r for r in points if r.errors > 0]
            line = ax.errorbar([float(r.task.seam) for r in seen], [r.rate for r in seen],
                               yerr=[r.stderr for r in seen], marker="o", ms=3, capsize=2,
                               label=f"d = {d}")
            unseen = [r for r in points if r.errors == 0]
            if unseen:
                # No error seen: a downward marker at the rule-of-three bound 3/shots.
                ax.plot([float(r.task.seam) for r in unseen], [3.0 / r.shots for r in unseen],
                        ls="none", marker="v", color=line[0].get_color())
        ax.set_yscale("log")
        ax.set_xlabel("seam Bell-pair infidelity 1 - F")
        ax.set_title(f"bulk {bulk:g}, {basis.upper()} memory")
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("logical error per shot (d rounds)")
    axes[0][-1].legend()
    fig.tight_layout()
    save_figure(fig, path)
    plt.close(fig)
    return path


def _saturated(point: dict[str, Any]) -> bool:
    """A buffer point whose logical error is ≈50 % per shot (its own flag or either basis's)."""
    return bool(point.get("saturated")
                or any(isinstance(point.get(b), dict) and point[b].get("saturated")
                       for b in ("x", "z")))


def plot_buffer(points: Sequence[dict[str, Any]], path: Path, title: str) -> Path:
    """Logical error per round, mean wait and pair age against buffer depth.

    Saturated depths (logical error per shot indistinguishable from 50 %,
    see :attr:`~qdcnet.qec.sampling.TaskResult.saturated`) are drawn as grey
    crosses, unconnected and without error bars: their values are noise, not
    a trend.
    """
    plt = _pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.6))
    depths = [p["depth"] for p in points]
    measured = [p for p in points if not _saturated(p)]
    noise = [p for p in points if _saturated(p)]
    if measured:
        left.errorbar([p["depth"] for p in measured],
                      [max(p["per_round"], 1e-8) for p in measured],
                      yerr=[p["per_round_stderr"] for p in measured], marker="o", capsize=2,
                      label="logical error per round")
    if noise:
        left.plot([p["depth"] for p in noise], [max(p["per_round"], 1e-8) for p in noise],
                  ls="none", marker="x", color="grey", label="saturated (≈50 %/shot: noise)")
        left.legend(fontsize=7)
    left.set_yscale("log")
    left.set_xlabel("pair buffer depth")
    left.set_ylabel("logical error per round")
    left.grid(alpha=0.3)
    right.plot(depths, [p["mean_wait_s"] for p in points], marker="o", label="wait per round")
    right.plot(depths, [p["mean_age_s"] for p in points], marker="s", label="pair age at use")
    right.set_yscale("log")
    right.set_xlabel("pair buffer depth")
    right.set_ylabel("seconds")
    right.legend()
    right.grid(alpha=0.3)
    fig.suptitle(title)
    fig.tight_layout()
    save_figure(fig, path)
    plt.close(fig)
    return path


def _label_groups(cycles: dict[str, float], *, factor: float = 1.3
                  ) -> list[tuple[float, list[str]]]:
    """Platforms grouped by cycle time: those within ``factor`` of the group's first share one.

    :func:`plot_decoder` groups equal cycle times (one line, one label
    ``trapped_ion, trapped_ion_helios_854``); labels of nearby lines are
    spread apart in the margin instead of merged.

    >>> _label_groups({"a": 1e-6, "b": 1.1e-6, "c": 1e-3})
    [(1e-06, ['a', 'b']), (0.001, ['c'])]
    """
    groups: list[tuple[float, list[str]]] = []
    for name, cycle in sorted(cycles.items(), key=lambda kv: (kv[1], kv[0])):
        if groups and cycle < groups[-1][0] * factor:
            groups[-1][1].append(name)
        else:
            groups.append((cycle, [name]))
    return groups


def _spread(heights: Sequence[float], gap: float) -> list[float]:
    """Label heights (ascending, axes fraction) pushed apart to at least ``gap``, kept in [0, 1].

    Each label moves as little as it must: up past its lower neighbour, then,
    if the top one left the axes, the stack is pushed back down. (More labels
    than fit in the height keep ``gap`` and reach below 0.)

    >>> [round(y, 2) for y in _spread([0.1, 0.12, 0.5, 0.98, 0.99], 0.05)]
    [0.1, 0.15, 0.5, 0.95, 1.0]
    """
    out: list[float] = []
    for y in heights:
        out.append(y if not out else max(y, out[-1] + gap))
    if out and out[-1] > 1.0:
        out[-1] = 1.0
        for i in range(len(out) - 2, -1, -1):
            out[i] = min(out[i], out[i + 1] - gap)
    return out


def plot_decoder(timings: Sequence[Any], cycles: dict[str, float], path: Path) -> Path:
    """Decoding time per round against distance, with each platform's cycle time.

    Each platform's cycle is a dashed line, labelled in the right margin
    (platforms with the same cycle share a label); labels that would touch
    are spread apart and joined to their line by a thin leader, so none
    prints over another or over the data.
    """
    plt = _pyplot()
    fig = _decoder_figure(timings, cycles)
    save_figure(fig, path)
    plt.close(fig)
    return path


def _decoder_figure(timings: Sequence[Any], cycles: dict[str, float]) -> Any:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7.5, 4.2), layout="constrained")
    ds = [t.distance for t in timings]
    ax.plot(ds, [t.latency_per_round_s for t in timings], marker="o", label="one shot at a time")
    ax.plot(ds, [t.throughput_per_round_s for t in timings], marker="s", label="batched")
    groups = _label_groups(cycles, factor=1.0 + 1e-9)
    for cycle, _ in groups:
        ax.axhline(cycle, ls="--", lw=0.8, color="grey")
    ax.set_xticks(ds)
    ax.set_yscale("log")
    low, high = ax.get_ylim()
    ax.set_ylim(low, high)  # fixed now, so the labels' heights below stay true
    span = math.log10(high) - math.log10(low)
    heights = _spread([(math.log10(cycle) - math.log10(low)) / span for cycle, _ in groups],
                      gap=0.065)
    for (cycle, names), y in zip(groups, heights, strict=True):
        ax.annotate(f"{', '.join(names)} ({cycle:.3g} s)", xy=(1.0, cycle),
                    xycoords=("axes fraction", "data"), xytext=(1.03, y),
                    textcoords="axes fraction", fontsize=7, va="center", ha="left",
                    annotation_clip=False,
                    arrowprops={"arrowstyle": "-", "lw": 0.5, "color": "grey",
                                "shrinkA": 0, "shrinkB": 0})
    ax.set_xlabel("code distance")
    ax.set_ylabel("seconds per round (dashed: QEC cycle)")
    ax.legend(fontsize=8, loc="best")
    ax.grid(alpha=0.3)
    return fig
