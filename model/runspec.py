"""A run's identity: where it sits in an experiment's design, its parameters and its seed.

Shared by :mod:`model.experiment` (which plans and runs them) and :mod:`model.results`
(which records them in the manifest and the tables), so neither imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

ID_COLUMNS = ("run_id", "point", "replicate")
"""The columns that identify a run in ``timeseries.parquet`` and ``summary.csv``."""


@dataclass(frozen=True)
class RunSpec:
    """One run of an experiment: where it sits in the design, its parameters, its seed.

    Attributes:
        run_id: ``point * replicates + replicate``.
        point: index of the design point (``policy * worlds + world``; 0 without a design).
        replicate: 0..replicates-1.
        params: ``{parameter path: value}`` of the world (sweep point or analysis sample).
        entropy: the scenario's ``experiment.seed``.
        steps: weeks to simulate.
        world: index of the world (sweep point or analysis sample); None: ``point``.
        policy: index of the policy in ``policies:`` (None without policies).
        policy_name: its name (None without policies).
        overrides: the policy's ``set`` (applied before ``params``).
        seed_world: the world whose seed the run uses; None: its own. A Sobol or Morris
            design shares one seed across the rows derived from one base-sample row (see
            :func:`model.experiment.seed_worlds`).
    """

    run_id: int
    point: int
    replicate: int
    params: dict[str, Any]
    entropy: int
    steps: int
    world: int | None = None
    policy: int | None = None
    policy_name: str | None = None
    overrides: dict[str, Any] = field(default_factory=dict)
    seed_world: int | None = None

    @property
    def world_index(self) -> int:
        """The world this run samples (the point itself without policies)."""
        return self.point if self.world is None else self.world

    @property
    def seed_index(self) -> int:
        """The first element of the seed's spawn key: ``seed_world``, else the world."""
        return self.world_index if self.seed_world is None else self.seed_world

    def seed_sequence(self) -> np.random.SeedSequence:
        """The run's seed: ``SeedSequence(entropy, spawn_key=(seed_index, replicate))``.

        The policy is not in the key, so every policy of a world draws the same random
        numbers (common random numbers); without policies ``world == point``.
        """
        return np.random.SeedSequence(self.entropy, spawn_key=(self.seed_index, self.replicate))

    def seed_record(self) -> dict[str, Any]:
        """The seed as recorded in the manifest."""
        return {"entropy": self.entropy, "spawn_key": [self.seed_index, self.replicate]}
