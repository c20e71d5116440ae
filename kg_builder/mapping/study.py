"""Study → quads: the entry point, and the study node's own statements."""

from __future__ import annotations

from pyoxigraph import Quad

from kg_builder._version import __version__
from kg_builder.enrich.facts import enrich
from kg_builder.enrich.result_groups import result_groups
from kg_builder.iris import IriMinter, normalize_label
from kg_builder.mapping import adverse_events, design, organizations, record, results, shared, terms
from kg_builder.mapping.context import MappingContext
from kg_builder.mapping.enrichment import map_enrichment
from kg_builder.mapping.entities import EntityLedger
from kg_builder.mapping.external_links import map_links
from kg_builder.mapping.sink import QuadSink
from kg_builder.model import Study
from kg_builder.vocab import KG, PROV, SCHEMA

_DATES = (
    ("start_date", KG.startDate, KG.startDateType),
    ("primary_completion_date", KG.primaryCompletionDate, KG.primaryCompletionDateType),
    ("completion_date", KG.completionDate, KG.completionDateType),
    ("first_submitted_date", KG.firstSubmittedDate, None),
    ("first_posted_date", KG.firstPostedDate, None),
    ("last_update_posted_date", KG.lastUpdatePostedDate, None),
)


def map_study(
    study: Study,
    minter: IriMinter,
    *,
    build_time: str,
    include_contacts: bool = False,
    entities: EntityLedger | None = None,
) -> tuple[MappingContext, list[Quad], list[str]]:
    """All quads of one study, plus mapping warnings: its own named graph, then what the shared
    things it names are (the entity graph; see :mod:`kg_builder.mapping.entities`).

    ``entities`` is the build's ledger: a shared thing already described in the build is not
    described again (without one, every shared thing the study names is). ``build_time`` (an
    ``xsd:dateTime`` lexical form) is passed in rather than read from the clock so that the
    same input and time give byte-identical output.
    """
    ctx = MappingContext.for_study(study, minter, include_contacts=include_contacts)
    out = QuadSink(ctx.graph, entities)
    try:
        _map_all(study, ctx, out, build_time)
    except BaseException:
        out.entities.rollback()
        raise
    # a study-local node may be stated twice (an arm → drug link from two of its interventions)
    return ctx, [*_distinct(out.quads), *_distinct(out.entities.quads)], out.warnings


def _distinct(quads: list[Quad]) -> list[Quad]:
    """``quads`` without repeats, each at its first place. Most studies repeat none, and a set
    tells so for less than the ordered dict that drops repeats costs (a quad hashes all its terms)."""
    return quads if len(set(quads)) == len(quads) else list(dict.fromkeys(quads))


def _map_all(study: Study, ctx: MappingContext, out: QuadSink, build_time: str) -> None:
    _map_identity(study, ctx, out)
    _map_status_and_design(study, ctx, out)
    _map_conditions(study, ctx, out)
    facts = enrich(study)  # once: its arm links serve the core arms and the enrichment's arm → drug alike
    design.map_arms_and_interventions(study, ctx, out, facts.arm_links)
    design.map_outcomes(study, ctx, out)
    design.map_eligibility(study, ctx, out)
    organizations.map_sponsors(study, ctx, out)
    organizations.map_sites(study, ctx, out)
    organizations.map_contacts(study, ctx, out)
    groups = result_groups(study)
    results.map_results(study, ctx, out, groups)
    adverse_events.map_adverse_events(study, ctx, out, groups)
    record.map_record(study, ctx, out)
    _map_provenance(study, ctx, out, build_time)
    map_enrichment(study, ctx, facts, out)
    out.quads.extend(map_links(study, ctx, out.entities))


def _map_identity(study: Study, ctx: MappingContext, out: QuadSink) -> None:
    node = ctx.study
    out.typed(node, KG.ClinicalTrial, SCHEMA.MedicalTrial)
    if study.registry_id:
        out.text(node, SCHEMA.identifier, study.registry_id)
        out.text(node, KG.registryId, study.registry_id)
    out.text(node, KG.orgStudyId, study.org_study_id)
    for index, secondary in enumerate(study.secondary_ids):
        id_node = ctx.part("identifier", index + 1)
        out.add(node, KG.secondaryIdentifier, id_node)
        out.typed(id_node, KG.Identifier)
        out.text(id_node, KG.identifierValue, secondary.id)
        out.text(id_node, KG.identifierType, secondary.type)
        out.text(id_node, KG.identifierDomain, secondary.domain)
    title = study.title
    out.text(node, SCHEMA.name, title)
    out.label(node, title)
    out.text(node, KG.briefTitle, study.brief_title)
    out.text(node, KG.officialTitle, study.official_title)
    out.text(node, KG.acronym, study.acronym)
    out.text(node, KG.briefSummary, study.brief_summary)
    out.text(node, KG.detailedDescription, study.detailed_description)
    for keyword in study.keywords:
        out.text(node, KG.keyword, keyword)
    for index, note in enumerate(study.notes):
        note_node = ctx.part("note", index + 1)
        out.add(node, KG.note, note_node)
        out.typed(note_node, KG.Note)
        out.text(note_node, KG.heading, note.heading)
        out.text(note_node, KG.text, note.text)
    for warning in study.warnings:
        out.text(node, KG.parseWarning, warning)


def _map_status_and_design(study: Study, ctx: MappingContext, out: QuadSink) -> None:
    node = ctx.study
    out.code(node, KG.overallStatus, "status", study.overall_status)
    out.text(node, KG.whyStopped, study.why_stopped)
    for attribute, date_property, type_property in _DATES:
        value = getattr(study, attribute)
        if value is None:
            continue
        out.add(node, date_property, terms.date(value))
        if type_property is not None:
            out.code(node, type_property, "date-type", value.type)
    out.code(node, KG.studyType, "study-type", study.study_type)
    for phase in study.phases:
        out.code(node, KG.phase, "phase", phase)
    if study.enrollment is not None:
        if study.enrollment.count < 0:
            out.warnings.append(f"enrollment {study.enrollment.count} is negative; left out")
        else:
            out.add(node, KG.enrollment, terms.non_negative(study.enrollment.count))
            out.code(node, KG.enrollmentType, "enrollment-type", study.enrollment.type)
    design = study.design
    if design is not None:
        out.code(node, KG.allocation, "allocation", design.allocation)
        out.code(node, KG.interventionModel, "intervention-model", design.intervention_model)
        out.code(node, KG.primaryPurpose, "primary-purpose", design.primary_purpose)
        out.code(node, KG.masking, "masking", design.masking)
        out.code(node, KG.observationalModel, "observational-model", design.observational_model)
        out.code(node, KG.timePerspective, "time-perspective", design.time_perspective)
    if study.has_results is not None:
        out.add(node, KG.hasResults, terms.boolean(study.has_results))


def _map_conditions(study: Study, ctx: MappingContext, out: QuadSink) -> None:
    node = ctx.study
    for name in study.conditions:
        if not normalize_label(name):
            continue
        out.add(node, KG.condition, shared.condition(ctx.minter, out.entities, name))
        out.text(node, KG.conditionName, name)
    for predicate, meshes in ((KG.conditionMesh, study.condition_meshes),
                              (KG.interventionMesh, study.intervention_meshes)):
        for mesh in meshes:
            mesh_node = shared.mesh(out.entities, mesh.id, mesh.term)  # only from a MeSH identifier's own form
            if mesh_node is None:
                out.warnings.append(f"MeSH id {mesh.id[:40]!r} is not a MeSH identifier; its term "
                                    f"{mesh.term[:60]!r} is left out")
                continue
            out.add(node, predicate, mesh_node)


def _map_provenance(study: Study, ctx: MappingContext, out: QuadSink, build_time: str) -> None:
    record = ctx.provenance
    source = study.provenance
    out.add(ctx.study, PROV.wasDerivedFrom, record)
    out.typed(record, KG.SourceRecord, PROV.Entity)
    out.text(record, KG.sourceFile, source.source_file)
    out.text(record, KG.sourceFormat, source.format)
    out.text(record, KG.sourcePosition, source.position)
    out.text(record, KG.contentHash, source.content_hash)
    out.text(record, KG.builderVersion, __version__)
    out.add(record, PROV.generatedAtTime, terms.datetime(build_time))
