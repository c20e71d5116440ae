"""Build-time links out of one study: its own registry page, other graphs' IRIs for it, MeSH matches.

The IRI forms come from the table of :mod:`kg_builder.external_ids`.
"""

from __future__ import annotations

from collections.abc import Iterator

from pyoxigraph import Quad

from kg_builder.enrich.conditions import canonical_condition
from kg_builder.external_ids import external_iris
from kg_builder.iris import normalize_label
from kg_builder.mapping import shared
from kg_builder.mapping.context import MappingContext
from kg_builder.mapping.entities import EntitySink
from kg_builder.model import Study
from kg_builder.registry_ids import normalize_registry_id
from kg_builder.vocab import OWL, SCHEMA, SKOS

_SECONDARY_PREFIX = {"isrctn": "isrctn", "ctis": "euclinicaltrials", "nct": "clinicaltrials"}


def map_links(study: Study, ctx: MappingContext, entities: EntitySink | None = None) -> Iterator[Quad]:
    """The study's links out, in its own named graph (and name matches, in the entity graph).

    - ``schema:sameAs`` the registry's own page, ``owl:sameAs`` the IRIs Bio2RDF,
      identifiers.org and LinkedCT use for the same record;
    - ``schema:sameAs`` the pages of the same trial in other registries its record lists;
    - ``skos:exactMatch`` from each condition node to the MeSH descriptor the registry
      assigned, only when the descriptor's label is the condition's name: a fact about the
      two shared things, written to ``entities`` (one is made when not given).
    """
    entities = entities if entities is not None else EntitySink()
    graph = ctx.graph
    if study.registry_id and (rid := normalize_registry_id(study.registry_id)) and rid.registry == "nct":
        page, *others = external_iris("clinicaltrials", rid.value)
        yield Quad(ctx.study, SCHEMA.sameAs, page, graph)
        for other in others:
            yield Quad(ctx.study, OWL.sameAs, other, graph)
    own = normalize_registry_id(study.registry_id) if study.registry_id else None
    for secondary in study.secondary_ids:
        rid = normalize_registry_id(secondary.id)
        if rid is None or rid == own or rid.registry not in _SECONDARY_PREFIX:
            continue
        for iri in external_iris(_SECONDARY_PREFIX[rid.registry], rid.value, joins=False):
            yield Quad(ctx.study, SCHEMA.sameAs, iri, graph)
    # the condition's canonical name is the descriptor's heading: the same pair gives the same match
    mesh_by_name = {canonical_condition(m.term): m.id for m in study.condition_meshes}
    for name in study.conditions:
        found = mesh_by_name.get(canonical_condition(name)) if normalize_label(name) else None
        if found:
            condition = shared.condition(ctx.minter, entities, name)
            for iri in external_iris("mesh", found):
                shared.name_match(entities, condition, SKOS.exactMatch, iri)
