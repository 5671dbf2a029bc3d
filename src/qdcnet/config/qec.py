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

from pydantic import Field, field_validator, model_validator

from qdcnet.config.common import FiberLength, StrictModel

__all__ = ["QecScenario", "SupplyConfig"]


class SupplyConfig(StrictModel):
    """Links of one platform that feed the seam: a round waits for pairs not yet made.

    Both QPUs are of ``platform`` with a Bell-state station between them
    (:func:`qdcnet.qec.supply.platform_datacenter`): its link's rate per
    attempt stream (the analytic path estimate), the profile's QEC cycle and
    memories. ``links`` such links in parallel supply the seam's
    pairs_per_round each cycle; a round that lacks pairs waits for them with
    its data qubits idle (the profile's T1/T2, twirled), and buffered pairs age
    in the storage memories at both ends (:func:`qdcnet.qec.supply.buffer_study`).
    """

    platform: str = Field(min_length=1)
    links: int = Field(default=1, ge=1, le=100_000)
    length: FiberLength = Field(default=10.0, ge=0.0, description="each QPU to the station")
    buffer: int = Field(default=0, ge=0, le=10_000, description="pairs kept between rounds")
    queue_rounds: int = Field(default=5000, ge=100, le=1_000_000,
                              description="rounds of the pair queue simulated")


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
    #: Links that feed the seam (none: pairs are always there, as ``seam`` says).
    supply: SupplyConfig | None = None

    @model_validator(mode="after")
    def _supplied_seam(self) -> QecScenario:
        if self.supply is not None:
            if self.layout == "monolithic":
                raise ValueError("supply feeds the seam's pairs; layout monolithic has no seam")
            from qdcnet.errors import QdcnetError
            from qdcnet.qec.supply import platform_datacenter

            try:  # the profile exists and can make heralded pairs, before anything runs
                platform_datacenter(self.supply.platform)
            except QdcnetError as exc:
                raise ValueError(f"supply.platform: {exc}") from None
        return self

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
        task, supplied = (self.task(), None) if self.supply is None else self._supplied(seed)
        shots, errors = decode_counts(task.circuit(), shots=self.max_shots, seed=seed,
                                      max_errors=self.max_errors)
        result = TaskResult(task, shots, errors, time.perf_counter() - start, "stim",
                            seed).to_dict()
        if supplied is not None:
            result["supply"] = supplied
        return result

    def _supplied(self, seed: int) -> tuple[Any, dict[str, Any]]:
        """The task with the waiting and the pairs' age that the links impose, and what the
        supply was (``seam`` is then the pairs' infidelity as delivered, before any wait)."""
        from dataclasses import replace

        from qdcnet.qec.supply import buffer_study, platform_datacenter, supply_rows
        from qdcnet.quantum import BellDiagonal

        supply = self.supply
        assert supply is not None
        dc = platform_datacenter(supply.platform, length=f"{supply.length!r} m", seed=seed)
        a, b = sorted(dc.profiles)
        row = supply_rows(dc, [(a, b)], distance=self.distance, protocol=self.protocol,
                          layout=self.layout, distillation_rounds=(0,))[0]
        profile = dc.profiles[a]
        # Data qubits idle in the QPU's memory; buffered pairs wait in storage qubits,
        # or in the communication qubits of a QPU without separate storage.
        memory = profile.memory or profile.communication.memory
        pair = (BellDiagonal.werner(1.0 - self.seam) if isinstance(self.seam, float)
                else BellDiagonal.from_coefficients(self.seam))
        rate = row.supplied_hz * supply.links
        point = buffer_study(rate_hz=rate, cycle_s=row.cycle_time_s,
                             pairs_per_round=row.pairs_per_round, depths=[supply.buffer],
                             data_t1_s=memory.t1_s, data_t2_s=memory.t2_s, pair_state=pair,
                             store_t1_s=memory.t1_s, store_t2_s=memory.t2_s,
                             rounds=supply.queue_rounds, seed=seed)[0]
        idle = min(0.75, 1.0 - (1.0 - self.idle_per_round) * (1.0 - point.idle_error))
        task = replace(self.task(), seam=point.state, idle_per_round=idle)
        return task, {
            "platform": profile.name, "links": supply.links, "length_m": supply.length,
            "buffer": supply.buffer, "cycle_s": row.cycle_time_s,
            "pairs_per_round": row.pairs_per_round, "needed_hz": row.needed_hz,
            "per_link_hz": row.supplied_hz, "supplied_hz": rate,
            "gap": row.needed_hz / rate if rate > 0 else float("inf"),
            "link_fidelity": row.fidelity, "mean_wait_s": point.mean_wait_s,
            "starved_rounds": point.starved_rounds, "pair_age_s": point.mean_age_s,
            "wait_idle_error": point.idle_error, "seam_at_use": point.seam_infidelity}
