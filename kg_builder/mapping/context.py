"""What every mapping function shares about the study being mapped."""

from __future__ import annotations

from dataclasses import dataclass

from pyoxigraph import NamedNode

from kg_builder.enrich.conditions import canonical_condition
from kg_builder.iris import IriMinter, content_key
from kg_builder.model import Study


def study_key(study: Study) -> str:
    """The registry id, or a content-derived key for a study without one."""
    if study.registry_id:
        return study.registry_id
    first_condition = study.conditions[0] if study.conditions else None
    return content_key(study.brief_title, study.official_title, study.org_study_id, first_condition)


@dataclass(frozen=True, slots=True)
class MappingContext:
    minter: IriMinter
    key: str
    study: NamedNode  # the study node
    graph: NamedNode  # the study's named graph
    include_contacts: bool = False
    # ``minter.study_part(key)``'s IRI and a slash: a study mints ~80 local nodes, each by one join under it
    prefix: str = ""

    @classmethod
    def for_study(cls, study: Study, minter: IriMinter, *, include_contacts: bool = False) -> MappingContext:
        key = study_key(study)
        return cls(minter, key, minter.study(key), minter.graph(key), include_contacts,
                   minter.study_part(key).value + "/")

    def part(self, *path: str | int) -> NamedNode:
        """``minter.study_part(key, *path)``: the study-local node at ``path``."""
        if not path or not self.prefix:
            return self.minter.study_part(self.key, *path)
        return NamedNode(self.prefix + "/".join(map(str, path)))

    # Study-local node IRIs, 1-based in source order, shared by every mapping module.
    def arm(self, index: int) -> NamedNode:
        return self.part("arm", index + 1)

    def intervention(self, index: int) -> NamedNode:
        return self.part("intervention", index + 1)

    def outcome(self, index: int) -> NamedNode:
        return self.part("outcome", index + 1)

    def site(self, index: int) -> NamedNode:
        return self.part("site", index + 1)

    def criterion(self, index: int) -> NamedNode:
        return self.part("criterion", index + 1)

    # Shared nodes whose key needs more than case/space folding (described by mapping.shared).
    def condition(self, name: str) -> NamedNode:
        """The shared condition node's IRI: spelling variants ("tumour"/"tumor") land on one node."""
        return self.minter.condition(canonical_condition(name))

    @property
    def eligibility(self) -> NamedNode:
        return self.part("eligibility")

    @property
    def provenance(self) -> NamedNode:
        return self.part("provenance")
