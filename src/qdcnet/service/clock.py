"""The service's clock: where simulated time should be, given the wall clock.

Paced mode: simulated time advances with wall time times ``pace`` (1.0:
real time; 0.001: a millisecond of simulation per wall second). Free mode:
as fast as the simulation runs, between submissions. Either can be paused;
resuming, or changing the mode or pace, re-anchors the clock at the
simulated time reached, so time never jumps back and never leaps ahead.

>>> clock = Clock("paced", pace=0.5, wall=lambda: 10.0)
>>> clock.anchor(0)
>>> clock.wall = lambda: 12.0
>>> clock.target_ps(0)  # two wall seconds at pace 0.5
1000000000000
>>> clock.pause(3 * 10**11); clock.target_ps(3 * 10**11) is None
True
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Literal

from qdcnet.errors import ParameterError, check_range
from qdcnet.units import PS_PER_S

__all__ = ["Clock", "Mode"]

Mode = Literal["paced", "free"]


class Clock:
    """Simulated time as the service lets it pass (see the module's description)."""

    def __init__(self, mode: Mode = "paced", *, pace: float = 1.0, paused: bool = False,
                 wall: Callable[[], float] = time.monotonic) -> None:
        if mode not in ("paced", "free"):
            raise ParameterError("mode", mode, "paced or free")
        check_range("pace", pace, 0.0, 1e9, low_open=True)
        self.mode: Mode = mode
        self.pace = float(pace)
        self.paused = paused
        self.wall = wall
        self._anchor_ps = 0
        self._anchor_wall = wall()

    def anchor(self, sim_ps: int) -> None:
        """Paced time counts on from ``sim_ps`` at this wall instant."""
        self._anchor_ps = sim_ps
        self._anchor_wall = self.wall()

    def target_ps(self, sim_ps: int) -> int | None:
        """Where simulated time should be now: ``None`` while paused; in free mode, no
        limit (the caller runs as far as it likes)."""
        if self.paused:
            return None
        if self.mode == "free":
            return None
        elapsed = max(0.0, self.wall() - self._anchor_wall)
        return max(sim_ps, self._anchor_ps + int(elapsed * self.pace * PS_PER_S))

    @property
    def running_free(self) -> bool:
        return self.mode == "free" and not self.paused

    def pause(self, sim_ps: int) -> None:
        self.paused = True
        self.anchor(sim_ps)

    def resume(self, sim_ps: int) -> None:
        self.paused = False
        self.anchor(sim_ps)

    def set(self, sim_ps: int, *, mode: Mode | None = None, pace: float | None = None) -> None:
        if mode is not None:
            if mode not in ("paced", "free"):
                raise ParameterError("mode", mode, "paced or free")
            self.mode = mode
        if pace is not None:
            check_range("pace", pace, 0.0, 1e9, low_open=True)
            self.pace = float(pace)
        self.anchor(sim_ps)
