"""Figures for the QEC experiments (matplotlib, written to files, no display needed)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["plot_buffer", "plot_decoder", "plot_seam"]


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


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
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def plot_buffer(points: Sequence[dict[str, Any]], path: Path, title: str) -> Path:
    """Logical error per round, mean wait and pair age against buffer depth."""
    plt = _pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.6))
    depths = [p["depth"] for p in points]
    left.errorbar(depths, [max(p["per_round"], 1e-8) for p in points],
                  yerr=[p["per_round_stderr"] for p in points], marker="o", capsize=2)
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
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def _label_groups(cycles: dict[str, float], *, factor: float = 1.3
                  ) -> list[tuple[float, list[str]]]:
    """Platforms grouped so that no two labels on a log axis sit closer than ``factor``.

    Cycle times within ``factor`` of the group's first share one line and one
    label (``trapped_ion, trapped_ion_helios_854 cycle``); otherwise their
    labels, each a little above its line, would print over each other. (Groups
    still close are labelled on alternate sides of the plot.)

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


def plot_decoder(timings: Sequence[Any], cycles: dict[str, float], path: Path) -> Path:
    """Decoding time per round against distance, with each platform's cycle time."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    ds = [t.distance for t in timings]
    ax.plot(ds, [t.latency_per_round_s for t in timings], marker="o", label="one shot at a time")
    ax.plot(ds, [t.throughput_per_round_s for t in timings], marker="s", label="batched")
    for cycle in cycles.values():
        ax.axhline(cycle, ls="--", lw=0.8, color="grey")
    previous = (0.0, "right")
    for cycle, names in _label_groups(cycles):
        # A label near the previous one goes to the other side of the plot.
        side = ("right" if previous[1] == "left" else "left") if cycle < previous[0] * 3 \
            else "left"
        ax.text(ds[0] if side == "left" else ds[-1], cycle * 1.1, f"{', '.join(names)} cycle",
                fontsize=7, ha=side)
        previous = (cycle, side)
    ax.set_xticks(ds)
    ax.set_yscale("log")
    ax.set_xlabel("code distance")
    ax.set_ylabel("seconds per round")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
