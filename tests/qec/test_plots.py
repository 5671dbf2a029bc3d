"""QEC figures: byte-identical files for the same data, and decoder labels that do not overlap."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from matplotlib.text import Text

from qdcnet.qec import SeamTask, TaskResult
from qdcnet.qec.plots import _decoder_figure, _pyplot, plot_buffer, plot_decoder, plot_seam

CYCLES = {"photonic": 1e-6, "superconducting": 1.1e-6, "neutral_atom": 2e-3,
          "color_center_nv": 5e-3, "trapped_ion_oxford": 1e-2, "trapped_ion": 5e-2,
          "trapped_ion_helios_854": 5e-2}
TIMINGS = [SimpleNamespace(distance=d, latency_per_round_s=2e-6 * d**1.5,
                           throughput_per_round_s=3e-7 * d**1.8) for d in (3, 5, 7)]


def _seam(path):
    results = [TaskResult(SeamTask(d, "z", 0.001, s), 1000, e)
               for d, s, e in [(3, 0.0, 4), (3, 0.1, 30), (5, 0.0, 0), (5, 0.1, 12)]]
    return plot_seam(results, path)


def _buffer(path):
    points = [{"depth": d, "per_round": pr, "per_round_stderr": pr / 10,
               "mean_wait_s": 1e-3 / (d + 1), "mean_age_s": 1e-4 * (d + 1),
               "x": {"saturated": sat}, "z": {"saturated": False}}
              for d, pr, sat in [(0, 0.4, True), (2, 1e-3, False), (4, 2e-3, False)]]
    return plot_buffer(points, path, "left-right, d = 3")


def _decoder(path):
    return plot_decoder(TIMINGS, CYCLES, path)


# Every figure as the CLI writes it (PNG); the other formats' stamps once.
@pytest.mark.parametrize(("plot", "suffix"), [(_seam, ".png"), (_buffer, ".png"),
                                              (_decoder, ".png"), (_buffer, ".pdf"),
                                              (_buffer, ".svg")])
def test_the_same_data_gives_the_same_bytes(tmp_path, plot, suffix):
    first, second = tmp_path / f"a{suffix}", tmp_path / f"b{suffix}"
    plot(first)
    plot(second)
    data = first.read_bytes()
    assert data == second.read_bytes()
    # Nothing that depends on the day or on the installed matplotlib.
    for stamp in (b"Matplotlib v", b"Matplotlib version", b"CreationDate", b"<dc:date>"):
        assert stamp not in data


def test_postscript_carries_no_creation_date(tmp_path):
    # PostScript names the file in its title: same name, two folders.
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    _decoder(tmp_path / "a" / "plot.eps")
    _decoder(tmp_path / "b" / "plot.eps")
    data = (tmp_path / "a" / "plot.eps").read_bytes()
    assert data == (tmp_path / "b" / "plot.eps").read_bytes()
    assert b"Matplotlib v" not in data


def test_decoder_labels_do_not_overlap_each_other():
    plt = _pyplot()
    # Twelve platforms packed into half a decade: the worst case for labels on lines.
    crowded = CYCLES | {f"platform_{i}": 1e-5 * 1.15**i for i in range(12)}
    for cycles in (CYCLES, crowded):
        fig = _decoder_figure(TIMINGS, cycles)
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        ax = fig.axes[0]
        # The text alone (an annotation's own extent includes its leader line).
        boxes = [Text.get_window_extent(t, renderer) for t in ax.texts]
        assert len(boxes) == len({c for c in cycles.values()})
        for i, a in enumerate(boxes):
            for b in boxes[i + 1:]:
                assert not a.overlaps(b), (a, b)
        # The labels sit in the margin, right of the plotted data.
        assert all(box.x0 > ax.get_window_extent(renderer).x1 for box in boxes)
        plt.close(fig)
