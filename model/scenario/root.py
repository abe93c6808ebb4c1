"""The root of the scenario schema: :class:`Scenario`, its coherence checks and fingerprint."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pydantic import Field, model_validator

from model import measures
from model.params import (
    AgreementParams,
    AssociationParams,
    ISPParams,
    Params,
    Population,
    RegulatorParams,
    RightsBodyParams,
    Salience,
)
from model.scenario.errors import suggest
from model.scenario.sections import Analysis, Discovery, Experiment, Policy

NAMED_LISTS = ("isps", "rights_bodies", "associations")
"""Top-level lists whose items are addressed and merged by their ``name``."""

SHARE_TOLERANCE = 1e-3


class Scenario(Params):
    """A complete, validated scenario: the agents' parameters and how to run them."""

    name: str = Field("scenario", description="Short name; results go to results/<name>/.")
    description: str = Field("", description="What the scenario represents, in a sentence or two.")
    start_date: str | None = Field(
        None, description="Calendar date of week 0 (YYYY-MM-DD), for labelling plots."
    )
    population: Population = Field(default_factory=Population)
    salience: Salience = Field(default_factory=Salience)
    isps: list[ISPParams] = Field(
        default_factory=lambda: [ISPParams(name="ISP", market_share=1.0)],
        description="The ISPs (at least one); market shares sum to 1.",
    )
    associations: list[AssociationParams] = Field(default_factory=list)
    rights_bodies: list[RightsBodyParams] = Field(default_factory=list)
    regulator: RegulatorParams = Field(default_factory=RegulatorParams)
    agreement: AgreementParams | None = Field(
        None,
        exclude_if=lambda v: v is None,  # absent when unset: existing scenarios keep their sha256
        description="A negotiated voluntary agreement a broker may convene (docs/ODD.md 7.12).",
    )
    experiment: Experiment = Field(default_factory=Experiment)
    analysis: Analysis | None = Field(
        None, description="Global sensitivity analysis (SALib sample of uncertain parameters)."
    )
    policies: list[Policy] = Field(
        default_factory=list,
        description="Policies compared on common random numbers across the sampled worlds; "
        "the first is the reference (e.g. the status quo).",
    )
    discovery: Discovery | None = Field(
        None, description="Scenario discovery questions (conduit discover)."
    )
    summaries: list[str] = Field(
        default_factory=list,
        exclude_if=lambda v: not v,  # absent when empty: existing scenarios keep their sha256
        description="Summary measures reported beside the defaults (model/measures.py "
        "SummaryMeasure): <statistic>[<argument>].<column>, e.g. "
        "mean[52:260].infringing_share, total[0:52].sanctions, "
        "discounted[3.5%].enforcement_cost.BPI.",
    )

    @model_validator(mode="after")
    def _summaries_are_measures(self) -> Scenario:
        parties = {*(i.name for i in self.isps), *(b.name for b in self.rights_bodies)}
        for i, text in enumerate(self.summaries):
            try:
                measure = measures.parse_measure(text)
            except ValueError as exc:
                raise ValueError(f"summaries[{i}]: {exc}") from None
            family = measure.outcome.family
            member = measure.column.removeprefix(measure.outcome.name.split("<")[0])
            known = {"ISP": {i.name for i in self.isps}, "party": {*parties, "regulator"}}
            if family in known and member not in known[family]:
                raise ValueError(
                    f"summaries[{i}]: '{text}': no {family} named '{member}' "
                    f"(known: {', '.join(sorted(known[family]))})"
                )
        return self

    @model_validator(mode="after")
    def _agreement_names_isps(self) -> Scenario:
        if self.agreement is not None:
            known = [i.name for i in self.isps]
            for name in self.agreement.isps:
                if name not in known:
                    raise ValueError(
                        f"agreement.isps: no ISP named '{name}' (known: {', '.join(known)})"
                    )
            bodies = [b.name for b in self.rights_bodies]
            for name in self.agreement.rights_bodies:
                if name not in bodies:
                    raise ValueError(
                        f"agreement.rights_bodies: no rights body named '{name}' "
                        f"(known: {', '.join(bodies) or 'none'})"
                    )
        return self

    @model_validator(mode="after")
    def _coherent(self) -> Scenario:
        if not self.isps:
            raise ValueError("isps: at least one ISP is needed")
        if self.analysis is not None and self.experiment.sweep is not None:
            raise ValueError(
                "analysis: cannot be combined with experiment.sweep (the analysis draws its "
                "own sample); move the swept ranges to analysis.parameters"
            )
        names = [p.name for p in self.policies]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"policies: names must be unique; repeated: {dupes}")
        for key in NAMED_LISTS:
            names = [item.name for item in getattr(self, key)]
            dupes = sorted({n for n in names if names.count(n) > 1})
            if dupes:
                raise ValueError(f"{key}: names must be unique; repeated: {dupes}")
        total = sum(isp.market_share for isp in self.isps)
        if abs(total - 1.0) > SHARE_TOLERANCE:
            shares = ", ".join(f"{i.name} {i.market_share:g}" for i in self.isps)
            raise ValueError(
                f"isps: market shares must sum to 1, they sum to {total:.4f} ({shares})"
            )
        isp_names = {i.name for i in self.isps}
        assoc_names = {a.name for a in self.associations}
        for isp in self.isps:
            if isp.association is not None and isp.association not in assoc_names:
                raise ValueError(
                    f"isps.{isp.name}.association: no association named '{isp.association}'"
                    + suggest(isp.association, assoc_names)
                )
        for body in self.rights_bodies:
            for target in body.targets or []:
                if target not in isp_names:
                    raise ValueError(
                        f"rights_bodies.{body.name}.targets: no ISP named '{target}'"
                        + suggest(target, isp_names)
                    )
        return self

    def isp(self, name: str) -> ISPParams:
        return next(i for i in self.isps if i.name == name)

    def to_dict(self) -> dict[str, Any]:
        """The resolved scenario as plain data (JSON-compatible)."""
        return self.model_dump(mode="json")

    def sha256(self) -> str:
        """Fingerprint of the resolved scenario (what results are keyed on)."""
        text = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()
