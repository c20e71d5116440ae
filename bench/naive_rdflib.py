"""The baselines: naive rdflib mappers, one ``Graph.add`` per triple.

Both read the same parsed studies as our pipeline and write the way a first script
would: rdflib terms, one named graph per study in an rdflib ``Dataset``.

* :func:`map_naive_same` states exactly the triples our pipeline states (the same
  content: core fields, enrichment, links): it takes the statements our mapper decides
  on and adds each through rdflib, so the two sides differ only in how triples are
  made, stored and checked. Converting each term to rdflib costs about what a naive
  mapper spends constructing rdflib terms itself.
* :func:`map_naive` is a hand-written mapper of the core fields only (~half the
  triples, no enrichment): the smaller job a first script usually starts with.

``persist`` picks where the Dataset lives: ``memory`` (rdflib's default store) or
``oxigraph`` (oxrdflib's on-disk Oxigraph store, i.e. the same database our pipeline
writes, reached through rdflib's API).
"""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import RDF, RDFS, XSD, Dataset, Literal, Namespace, URIRef

from kg_builder.iris import IriMinter
from kg_builder.mapping.context import MappingContext
from kg_builder.mapping.study import map_study
from kg_builder.model import Study

KG = Namespace("https://w3id.org/kg-builder/ontology#")
SCHEMA = Namespace("http://schema.org/")
VOCAB = "https://w3id.org/kg-builder/vocab/"
_DATE_TYPES = {"day": XSD.date, "month": XSD.gYearMonth, "year": XSD.gYear}


def open_dataset(persist: str, path: str | None = None) -> Dataset:
    if persist == "oxigraph":
        dataset = Dataset(store="Oxigraph")
        dataset.open(path)
        return dataset
    return Dataset()


def _rdflib_term(term):
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


def map_naive_same(study: Study, dataset: Dataset, minter: IriMinter, build_time: str) -> int:
    """Our pipeline's triples for ``study``, added one ``Graph.add`` at a time; returns how many."""
    ctx, quads, _ = map_study(study, minter, build_time=build_time)
    g = dataset.graph(URIRef(ctx.graph.value))
    for quad in quads:
        g.add((_rdflib_term(quad.subject), _rdflib_term(quad.predicate), _rdflib_term(quad.object)))
    return len(quads)


def map_naive(study: Study, dataset: Dataset, minter: IriMinter) -> None:
    ctx = MappingContext.for_study(study, minter)
    g = dataset.graph(URIRef(ctx.graph.value))
    s = URIRef(ctx.study.value)

    def code(subject, prop, scheme, value):
        if value:
            g.add((subject, KG[prop], URIRef(f"{VOCAB}{scheme}/{value}")))

    def text(subject, prop, value):
        if value:
            g.add((subject, prop, Literal(value)))

    g.add((s, RDF.type, KG.ClinicalTrial))
    g.add((s, RDF.type, SCHEMA.MedicalTrial))
    text(s, SCHEMA.identifier, study.registry_id)
    text(s, KG.registryId, study.registry_id)
    text(s, KG.orgStudyId, study.org_study_id)
    text(s, SCHEMA.name, study.title)
    text(s, RDFS.label, study.title)
    text(s, KG.briefTitle, study.brief_title)
    text(s, KG.officialTitle, study.official_title)
    text(s, KG.briefSummary, study.brief_summary)
    text(s, KG.detailedDescription, study.detailed_description)
    for keyword in study.keywords:
        text(s, KG.keyword, keyword)
    code(s, "overallStatus", "status", study.overall_status)
    for attr in ("start_date", "primary_completion_date", "completion_date", "last_update_posted_date"):
        value = getattr(study, attr)
        if value:
            prop = "".join(w.capitalize() if i else w for i, w in enumerate(attr.split("_")))
            prop = prop[:-4] + "Date" if prop.endswith("Date") else prop
            g.add((s, KG[prop], Literal(value.value, datatype=_DATE_TYPES[value.precision])))
    code(s, "studyType", "study-type", study.study_type)
    for phase in study.phases:
        code(s, "phase", "phase", phase)
    if study.enrollment:
        g.add((s, KG.enrollment, Literal(study.enrollment.count, datatype=XSD.nonNegativeInteger)))
        code(s, "enrollmentType", "enrollment-type", study.enrollment.type)
    if study.design:
        code(s, "allocation", "allocation", study.design.allocation)
        code(s, "interventionModel", "intervention-model", study.design.intervention_model)
        code(s, "primaryPurpose", "primary-purpose", study.design.primary_purpose)
        code(s, "masking", "masking", study.design.masking)
    for name in study.conditions:
        c = URIRef(minter.condition(name).value)
        g.add((s, KG.condition, c))
        g.add((s, KG.conditionName, Literal(name)))
        g.add((c, RDF.type, KG.Condition))
        g.add((c, RDFS.label, Literal(name)))
    for mesh in [*study.condition_meshes, *study.intervention_meshes]:
        m = URIRef(f"http://id.nlm.nih.gov/mesh/{mesh.id}")
        g.add((s, KG.conditionMesh, m))
        g.add((m, RDFS.label, Literal(mesh.term)))
    for i, arm in enumerate(study.arms):
        a = URIRef(ctx.arm(i).value)
        g.add((s, KG.arm, a))
        g.add((a, RDF.type, KG.Arm))
        text(a, RDFS.label, arm.label)
        code(a, "armType", "arm-type", arm.type)
        text(a, KG.description, arm.description)
        g.add((a, KG.position, Literal(i + 1)))
    for i, intervention in enumerate(study.interventions):
        n = URIRef(ctx.intervention(i).value)
        g.add((s, KG.intervention, n))
        g.add((n, RDF.type, KG.Intervention))
        text(n, RDFS.label, intervention.name)
        code(n, "interventionType", "intervention-type", intervention.type)
        text(n, KG.description, intervention.description)
        g.add((n, KG.position, Literal(i + 1)))
        for j, arm in enumerate(study.arms):
            if intervention.name in arm.intervention_names or arm.label in intervention.arm_labels:
                g.add((URIRef(ctx.arm(j).value), KG.usesIntervention, n))
    for i, outcome in enumerate(study.outcomes):
        o = URIRef(ctx.outcome(i).value)
        g.add((s, KG.outcome, o))
        g.add((o, RDF.type, KG.Outcome))
        code(o, "outcomeKind", "outcome-kind", outcome.kind)
        text(o, RDFS.label, outcome.measure)
        text(o, KG.description, outcome.description)
        text(o, KG.timeFrameText, outcome.time_frame)
        g.add((o, KG.position, Literal(i + 1)))
    if study.eligibility:
        e = URIRef(ctx.eligibility.value)
        g.add((s, KG.eligibility, e))
        g.add((e, RDF.type, KG.Eligibility))
        text(e, KG.criteriaText, study.eligibility.criteria_text)
        code(e, "sex", "sex", study.eligibility.sex)
        if study.eligibility.min_age:
            g.add((e, KG.minimumAge, Literal(study.eligibility.min_age.value, datatype=XSD.decimal)))
            g.add((e, KG.minimumAgeYears, Literal(study.eligibility.min_age.in_years(), datatype=XSD.decimal)))
        if study.eligibility.max_age:
            g.add((e, KG.maximumAge, Literal(study.eligibility.max_age.value, datatype=XSD.decimal)))
            g.add((e, KG.maximumAgeYears, Literal(study.eligibility.max_age.in_years(), datatype=XSD.decimal)))
        for i, criterion in enumerate(study.eligibility.criteria):
            c = URIRef(ctx.criterion(i).value)
            g.add((e, KG.criterion, c))
            g.add((c, RDF.type, KG.Criterion))
            code(c, "criterionKind", "criterion-kind", criterion.kind)
            text(c, KG.text, criterion.text)
            text(c, KG.group, criterion.group)
            g.add((c, KG.position, Literal(i + 1)))
    if study.lead_sponsor:
        org = URIRef(minter.organization(study.lead_sponsor.name).value)
        g.add((s, KG.leadSponsor, org))
        g.add((org, RDF.type, KG.Organization))
        g.add((org, RDFS.label, Literal(study.lead_sponsor.name)))
        code(org, "organizationClass", "org-class", study.lead_sponsor.class_)
    for i, site in enumerate(study.sites):
        n = URIRef(ctx.site(i).value)
        g.add((s, KG.site, n))
        g.add((n, RDF.type, KG.Site))
        code(n, "siteStatus", "status", site.status)
        text(n, KG.cityName, site.city)
        text(n, KG.stateName, site.state)
        text(n, KG.countryName, site.country)
        if site.latitude is not None:
            g.add((n, SCHEMA.latitude, Literal(site.latitude, datatype=XSD.decimal)))
            g.add((n, SCHEMA.longitude, Literal(site.longitude, datatype=XSD.decimal)))
        if site.facility:
            f = URIRef(minter.facility(site.facility, site.city).value)
            g.add((n, KG.facility, f))
            g.add((f, RDF.type, KG.Facility))
            g.add((f, RDFS.label, Literal(site.facility)))
    p = URIRef(ctx.provenance.value)
    g.add((s, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom"), p))
    text(p, KG.sourceFile, study.provenance.source_file)
    text(p, KG.contentHash, study.provenance.content_hash)
