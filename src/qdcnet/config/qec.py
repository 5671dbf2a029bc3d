"""``kind: qec``: a surface-code memory experiment across a seam, as a scenario file.

The fields are those of :class:`~qdcnet.qec.sampling.SeamTask` (the code,
its bulk noise, the seam pairs' infidelity or Bell coefficients, the layout
and the protocol across the seam), plus when to stop sampling: at
``max_errors`` logical errors or ``max_shots`` shots, whichever comes
first, as sinter stops a task. The run is seeded (stim's sampler, decoded by
pymatching), so a task's counts are reproducible exactly::

    kind: qec
    name: seam-d5
    distance: 5
    bulk: 0.001
    seam: 0.05
    max_shots: 100000
    max_errors: 100
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from qdcnet.config.common import StrictModel

__all__ = ["QecScenario"]


class QecScenario(StrictModel):
    """A memory experiment across a seam (see the module docstring)."""

    kind: Literal["qec"]
    name: str = "qec"
    distance: int = Field(ge=3, le=25)
    basis: Literal["x", "z"] = "z"
    bulk: float = Field(ge=0.0, le=0.75, description="depolarizing p of the bulk")
    seam: float | tuple[float, float, float, float] = Field(
        description="Werner infidelity of the seam pairs, or their Bell coefficients")
    layout: Literal["monolithic", "vertical", "horizontal", "2x2"] = "vertical"
    protocol: Literal["teleported_cnot", "cat"] = "teleported_cnot"
    rounds: int | None = Field(default=None, ge=1, le=1000)
    idle_per_round: float = Field(default=0.0, ge=0.0, le=0.75)
    idle: Literal["every_layer", "once_per_round"] = "every_layer"
    max_shots: int = Field(default=100_000, ge=1, le=10**9)
    max_errors: int = Field(default=100, ge=1, le=10**9)
    seed: int | None = None  # replaced by the task's seed in a sweep

    @field_validator("distance")
    @classmethod
    def _odd(cls, value: int) -> int:
        if value % 2 == 0:
            raise ValueError(f"an odd code distance from 3 to 25, got {value}")
        return value

    @field_validator("seam")
    @classmethod
    def _seam(cls, value: Any) -> Any:
        if isinstance(value, float | int):
            if not 0.0 <= value <= 0.75:
                raise ValueError(f"a Werner infidelity in [0, 0.75], got {value}")
            return float(value)
        from qdcnet.quantum import BellDiagonal

        return BellDiagonal.from_coefficients(value).coefficients

    def task(self) -> Any:
        from qdcnet.qec.sampling import SeamTask

        return SeamTask(self.distance, self.basis, self.bulk, self.seam, self.layout,
                        self.protocol, self.rounds, self.idle_per_round, self.idle)

    def run(self, seed: int) -> dict[str, Any]:
        """Sample until ``max_errors`` logical errors or ``max_shots`` shots (seeded)."""
        import time

        from qdcnet.qec.sampling import TaskResult, decode_counts

        start = time.perf_counter()
        task = self.task()
        shots, errors = decode_counts(task.circuit(), shots=self.max_shots, seed=seed,
                                      max_errors=self.max_errors)
        return TaskResult(task, shots, errors, time.perf_counter() - start, "stim",
                          seed).to_dict()
