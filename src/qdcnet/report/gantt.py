"""A Gantt chart of one shot: QPU lanes, link lanes, and ebits as arrows between QPUs.

Each QPU has a lane with its instructions as bars (coloured by the kind of
operation they belong to); each QPU pair that shared ebits has a lane with
the time from each ebit's request to its arrival; an arrow joins the two
QPU lanes at the moment the ebit was used. The chart is drawn from a
:class:`~qdcnet.runtime.trace.ShotTrace`, so a predicted schedule and a
measured shot look alike and can be compared side by side.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from qdcnet.runtime.trace import ShotTrace, instruction_index

if TYPE_CHECKING:
    from qdcnet.compiler.program import DistributedProgram

__all__ = ["plot_gantt"]

#: Colour per operation kind (matplotlib's tab10, fixed so charts compare).
KIND_COLOURS = {
    "gate": "#1f77b4", "measure": "#ff7f0e", "reset": "#7f7f7f", "classical": "#bcbd22",
    "cat_entangle": "#2ca02c", "cat_disentangle": "#98df8a", "teleport": "#d62728",
    "transfer": "#9467bd",
}

#: Above this many instructions the bars of one lane are merged where they touch,
#: so a large program still draws in about a second.
MERGE_ABOVE = 20_000


def plot_gantt(program: DistributedProgram, trace: ShotTrace, durations_ps: Sequence[int],
               path: str | Path, *, title: str | None = None) -> Path:
    """Draw one shot of ``program`` as executed in ``trace`` into ``path`` (PNG, PDF, SVG).

    ``durations_ps`` gives each instruction's duration, in the order of
    :func:`~qdcnet.runtime.trace.instruction_index` (as ``trace.instr_start_ps``).
    Times are drawn in microseconds from the shot's start.
    """
    import matplotlib

    matplotlib.use("Agg")  # files only: no display needed
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    from qdcnet.qec.plots import save_figure

    index = instruction_index(program)
    if len(index) != len(trace.instr_start_ps) or len(index) != len(durations_ps):
        raise ValueError(f"the trace has {len(trace.instr_start_ps)} instruction times and "
                         f"{len(durations_ps)} durations for {len(index)} instructions")
    kinds = {op.id: op.kind for op in program.operations}
    qpus = [q.name for q in program.qpus
            if any(ins.qpu == q.name for _, ins in index)]
    pairs = sorted({tuple(sorted(e.qpus)) for e in trace.ebits})
    lanes = {name: i for i, name in enumerate([*qpus, *(f"{a}-{b}" for a, b in pairs)])}
    origin = trace.start_ps
    scale = 1e-6  # ps -> us

    height = 0.6 + 0.45 * len(lanes)
    fig, ax = plt.subplots(figsize=(10, max(2.4, height)), constrained_layout=True)
    bars: dict[tuple[int, str], list[tuple[float, float]]] = {}
    for (op_id, ins), start, duration in zip(index, trace.instr_start_ps, durations_ps,
                                             strict=True):
        lane = lanes[ins.qpu]
        bars.setdefault((lane, kinds[op_id]), []).append(
            ((start - origin) * scale, max(duration, 0) * scale))
    for (lane, kind), spans in bars.items():
        if len(index) > MERGE_ABOVE:
            spans = _merged(spans)
        ax.broken_barh(spans, (lane - 0.35, 0.7), facecolors=KIND_COLOURS.get(kind, "#333333"),
                       linewidth=0)
    for ebit in trace.ebits:
        a, b = sorted(ebit.qpus)
        lane = lanes[f"{a}-{b}"]
        requested = (ebit.requested_ps - origin) * scale
        ready = (ebit.ready_ps - origin) * scale
        used = (ebit.used_ps - origin) * scale
        ax.broken_barh([(requested, max(ready - requested, 0.0))], (lane - 0.3, 0.6),
                       facecolors="none", edgecolors="#2ca02c", hatch="//", linewidth=0.6)
        if ebit.ready_ps < ebit.used_ps:  # held in the communication qubits until use
            ax.plot([ready, used], [lane, lane], color="#2ca02c", linewidth=0.8)
        ax.annotate("", xy=(used, lanes[b]), xytext=(used, lanes[a]),
                    arrowprops={"arrowstyle": "<->", "color": "#2ca02c", "linewidth": 0.8})
    ax.set_yticks(list(lanes.values()), list(lanes))
    ax.invert_yaxis()
    ax.set_xlabel("time in the shot [µs]")
    ax.set_xlim(0, max((trace.end_ps - origin) * scale, 1e-9))
    used_kinds = sorted({kind for _, kind in bars})
    handles = [Patch(color=KIND_COLOURS.get(k, "#333333"), label=k.replace("_", " "))
               for k in used_kinds]
    if trace.ebits:
        handles.append(Patch(facecolor="none", edgecolor="#2ca02c", hatch="//",
                             label="ebit: request to arrival"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8,
              frameon=False)
    ax.set_title(title or f"{program.name}: shot {trace.shot}, "
                 f"{trace.makespan_ps * scale:.4g} µs, {len(trace.ebits)} ebits", fontsize=10)
    target = save_figure(fig, Path(path))
    plt.close(fig)
    return target


def _merged(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Bars that touch or overlap drawn as one."""
    out: list[tuple[float, float]] = []
    for start, width in sorted(spans):
        if out and start <= out[-1][0] + out[-1][1]:
            first, w = out[-1]
            out[-1] = (first, max(w, start + width - first))
        else:
            out.append((start, width))
    return out
