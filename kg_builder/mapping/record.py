"""Quads for the rest of the record: references (PubMed IRIs), see-also links, available IPD, the
registry's MeSH tree, officials and responsible party (names only on request), IPD sharing,
oversight, status/design/eligibility extras, documents, aliases, annotations and the results
agreement.

What the record states about this study goes in its graph. What a shared thing *is* (a MeSH
descriptor's label, the descriptors it falls under, a browse branch's name) goes through
:func:`shared_fact`, the one place to re-point when shared facts move to their own graph.
"""

from __future__ import annotations

import re

from pyoxigraph import Literal, NamedNode

from kg_builder.external_ids import external_iris
from kg_builder.mapping import shared, terms
from kg_builder.mapping.context import MappingContext
from kg_builder.mapping.organizations import _contact
from kg_builder.mapping.results import count
from kg_builder.mapping.sink import QuadSink
from kg_builder.model import MeshTerm, PartialDate, Study
from kg_builder.model_record import DatedEvent, MeshTree
from kg_builder.vocab import KG, SCHEMA, SKOS, XSD, concept

_CODE = re.compile(r"^[A-Za-z0-9_]+$")
_OVERSIGHT = (("has_dmc", KG.hasDataMonitoringCommittee), ("fda_regulated_drug", KG.fdaRegulatedDrug),
              ("fda_regulated_device", KG.fdaRegulatedDevice), ("unapproved_device", KG.unapprovedDevice),
              ("us_export", KG.usExport), ("pediatric_postmarket_surveillance", KG.pediatricPostmarketSurveillance),
              ("fdaaa801_violation", KG.fdaaa801Violation))
_DATES = (("status_verified_date", KG.statusVerifiedDate), ("first_submitted_qc_date", KG.firstSubmittedQcDate),
          ("last_update_submitted_date", KG.lastUpdateSubmittedDate),
          ("results_first_submitted_date", KG.resultsFirstSubmittedDate),
          ("results_first_submitted_qc_date", KG.resultsFirstSubmittedQcDate),
          ("results_first_posted_date", KG.resultsFirstPostedDate), ("version_holder", KG.versionHolderDate))


def shared_fact(out: QuadSink, subject: NamedNode, predicate: NamedNode, obj: NamedNode | Literal) -> None:
    """A fact about a shared thing, decided from the thing itself: stored once, in the entity graph
    (:mod:`kg_builder.mapping.entities`)."""
    if out.entities.first(subject, f"{predicate.value} {obj}"):
        out.entities.add(subject, predicate, obj)


def mesh_node(descriptor: str, out: QuadSink) -> NamedNode | None:
    """The MeSH descriptor's IRI, as the core mapper mints it for the study's own MeSH terms; None
    with a warning when the record's id is no MeSH identifier."""
    node = terms.mesh(descriptor)
    if node is None:
        out.warnings.append(f"MeSH tree: id {descriptor[:40]!r} is not a MeSH identifier; left out")
    return node


def _flag(out: QuadSink, node: NamedNode, predicate: NamedNode, value: bool | None) -> None:
    if value is not None:
        out.add(node, predicate, terms.boolean(value))


def _date(out: QuadSink, node: NamedNode, predicate: NamedNode, value: PartialDate | None) -> None:
    if value is not None:
        out.add(node, predicate, terms.date(value))


def _url(out: QuadSink, node: NamedNode, predicate: NamedNode, value: str | None) -> None:
    if value and value.strip():
        out.add(node, predicate, Literal(value.strip(), datatype=XSD.anyURI))


def map_record(study: Study, ctx: MappingContext, out: QuadSink) -> None:
    d, node = study.details, ctx.study
    _references(study, ctx, out)
    for kind, meshes, tree in (("condition", study.condition_meshes, d.condition_tree),
                               ("intervention", study.intervention_meshes, d.intervention_tree)):
        if tree is not None:
            _tree(kind, meshes, tree, ctx, out)
    _people(study, ctx, out)
    if d.ipd_sharing is not None:
        ipd, item = d.ipd_sharing, ctx.part("ipd-sharing")
        out.add(node, KG.ipdSharingStatement, item)
        out.typed(item, KG.IpdSharingStatement)
        out.code(item, KG.ipdSharing, "ipd-sharing", ipd.answer)
        out.text(item, KG.description, ipd.description)
        for info in ipd.info_types:
            out.code(item, KG.ipdInfoType, "ipd-info-type", info)
        out.text(item, KG.ipdTimeFrame, ipd.time_frame)
        out.text(item, KG.accessCriteria, ipd.access_criteria)
        _url(out, item, KG.url, ipd.url)
    if d.oversight is not None:
        for attribute, predicate in _OVERSIGHT:
            _flag(out, node, predicate, getattr(d.oversight, attribute))
    _status_design(study, ctx, out)
    _documents(study, ctx, out)
    _annotations(study, ctx, out)


def _references(study: Study, ctx: MappingContext, out: QuadSink) -> None:
    d = study.details
    for k, reference in enumerate(d.references):
        item = ctx.part("reference", k + 1)
        out.add(ctx.study, KG.reference, item)
        out.typed(item, KG.Reference)
        out.code(item, KG.referenceType, "reference-type", reference.type)
        out.text(item, KG.pmid, reference.pmid)
        if reference.pmid:
            for iri in external_iris("pubmed", reference.pmid, joins=False):
                out.add(item, KG.publication, iri)
        out.text(item, KG.citation, reference.citation)
        for retraction in reference.retraction_pmids:
            out.text(item, KG.retractionPmid, retraction)
    for k, link in enumerate(d.see_also):
        item = ctx.part("link", k + 1)
        out.add(ctx.study, KG.seeAlsoLink, item)
        out.typed(item, KG.WebLink)
        out.label(item, link.label)
        _url(out, item, KG.url, link.url)
    for k, ipd in enumerate(d.available_ipds):
        item = ctx.part("available-ipd", k + 1)
        out.add(ctx.study, KG.availableIpd, item)
        out.typed(item, KG.AvailableIpd)
        out.label(item, ipd.type)
        out.text(item, KG.documentId, ipd.id)
        _url(out, item, KG.url, ipd.url)
        out.text(item, KG.comment, ipd.comment)


def _tree(kind: str, meshes: list[MeshTerm], tree: MeshTree, ctx: MappingContext, out: QuadSink) -> None:
    """The registry's MeSH index: the study's ancestors (what the record states) and, where one
    descriptor alone was indexed, that descriptor's ancestors (what the descriptor is)."""
    ancestor = KG.conditionAncestor if kind == "condition" else KG.interventionAncestor
    nodes = []
    for descriptor, term in tree.ancestors:
        mesh = mesh_node(descriptor, out)
        if mesh is None:
            continue
        shared.mesh(out.entities, descriptor, term)  # NLM's heading for it, in the entity graph, once
        nodes.append(mesh)
        out.add(ctx.study, ancestor, mesh)
    if len(meshes) == 1:  # the ancestors of the study's only descriptor are that descriptor's own
        own = terms.mesh(meshes[0].id)  # an odd id was warned about with the study's own MeSH terms
        for mesh in nodes if own is not None else ():
            shared_fact(out, own, KG.meshAncestor, mesh)
    leaf_predicate = KG.conditionBrowseLeaf if kind == "condition" else KG.interventionBrowseLeaf
    for k, leaf in enumerate(tree.leaves):
        item = ctx.part("browse", kind, k + 1)
        out.add(ctx.study, leaf_predicate, item)
        out.typed(item, KG.BrowseLeaf)
        out.label(item, leaf.name)
        out.text(item, KG.browseCode, leaf.id)
        out.text(item, KG.asFound, leaf.as_found)
        out.code(item, KG.relevance, "mesh-relevance", leaf.relevance)
    scheme = f"{kind}-browse-branch"
    branch_predicate = KG.conditionBrowseBranch if kind == "condition" else KG.interventionBrowseBranch
    for branch in tree.branches:
        if not _CODE.match(branch.abbrev):
            out.warnings.append(f"{scheme}: code {branch.abbrev!r} is not a registry code; left out")
            continue
        out.add(ctx.study, branch_predicate, concept(scheme, branch.abbrev))
        shared_fact(out, concept(scheme, branch.abbrev), SKOS.prefLabel, Literal(branch.name))


def _people(study: Study, ctx: MappingContext, out: QuadSink) -> None:
    """Officials and responsible party: roles and affiliations always, names and titles only on request."""
    d = study.details
    for k, official in enumerate(d.officials):
        item = ctx.part("official", k + 1)
        out.add(ctx.study, KG.overallOfficial, item)
        out.typed(item, KG.Official)
        out.code(item, KG.officialRole, "official-role", official.role)
        out.text(item, KG.affiliation, official.affiliation)
        if ctx.include_contacts:
            out.text(item, SCHEMA.name, official.name)
    party = d.responsible_party
    if party is not None:
        item = ctx.part("responsible-party")
        out.add(ctx.study, KG.responsibleParty, item)
        out.typed(item, KG.ResponsibleParty)
        out.code(item, KG.responsiblePartyType, "responsible-party-type", party.type)
        out.text(item, KG.affiliation, party.investigator_affiliation or party.old_organization)
        if ctx.include_contacts:
            out.text(item, SCHEMA.name, party.investigator_name or party.old_name_title)
            out.text(item, SCHEMA.jobTitle, party.investigator_title)
    if study.registrant is not None and study.registrant.name.strip():
        out.add(ctx.study, KG.registrant, shared.organization(ctx.minter, out.entities, study.registrant.name))
        out.text(ctx.study, KG.registrantName, study.registrant.name)  # as this record spells it
        out.code(ctx.study, KG.registrantClass, "org-class", study.registrant.class_)
    contact = study.results_contact
    if contact is not None:
        out.text(ctx.study, KG.resultsContactOrganization, contact.organization)
        if ctx.include_contacts and contact.name:  # a kg:contact of the study, role RESULTS_POINT_OF_CONTACT
            _contact(contact, ctx.part("results-contact"), ctx.study, ctx, out)


def _status_design(study: Study, ctx: MappingContext, out: QuadSink) -> None:
    d, node = study.details, ctx.study
    out.code(node, KG.lastKnownStatus, "status", d.last_known_status)
    for attribute, predicate in _DATES:
        _date(out, node, predicate, getattr(d, attribute))
    for value, predicate in ((d.results_first_posted_date, KG.resultsFirstPostedDateType),
                             (study.first_posted_date, KG.firstPostedDateType),
                             (study.last_update_posted_date, KG.lastUpdatePostedDateType)):
        if value is not None:
            out.code(node, predicate, "date-type", value.type)
    _flag(out, node, KG.hasExpandedAccess, d.has_expanded_access)
    out.text(node, KG.expandedAccessRegistryId, d.expanded_access_nct)
    out.code(node, KG.expandedAccessStatus, "expanded-access-status", d.expanded_access_status)
    for code in d.expanded_access_types:
        out.code(node, KG.expandedAccessType, "expanded-access-type", code)
    for code in d.who_masked:
        out.code(node, KG.whoMasked, "who-masked", code)
    out.code(node, KG.biospecimenRetention, "biospec-retention", d.biospec_retention)
    out.text(node, KG.biospecimenDescription, d.biospec_description)
    _flag(out, node, KG.patientRegistry, d.patient_registry)
    out.text(node, KG.targetDuration, d.target_duration)
    if d.sampling_method is not None or d.gender_based is not None:
        holder = ctx.eligibility if study.eligibility is not None else node
        out.code(holder, KG.samplingMethod, "sampling-method", d.sampling_method)
        _flag(out, holder, KG.genderBased, d.gender_based)
    for alias in d.nct_aliases:
        out.text(node, KG.registryIdAlias, alias)
    for index, secondary in enumerate(study.secondary_ids):
        _url(out, ctx.part("identifier", index + 1), KG.identifierLink, secondary.link)
    agreement = d.agreement
    if agreement is not None:
        _flag(out, node, KG.piSponsorEmployee, agreement.pi_sponsor_employee)
        _flag(out, node, KG.restrictiveAgreement, agreement.restrictive)
        out.code(node, KG.restrictionType, "restriction-type", agreement.restriction_type)
        out.text(node, KG.agreementDetails, agreement.details)


def _documents(study: Study, ctx: MappingContext, out: QuadSink) -> None:
    for k, document in enumerate(study.details.documents):
        item = ctx.part("document", k + 1)
        out.add(ctx.study, KG.document, item)
        out.typed(item, KG.StudyDocument)
        out.label(item, document.label)
        out.text(item, KG.documentTypeCode, document.type_abbrev)
        _flag(out, item, KG.includesProtocol, document.has_protocol)
        _flag(out, item, KG.includesSap, document.has_sap)
        _flag(out, item, KG.includesIcf, document.has_icf)
        _date(out, item, KG.documentDate, document.date)
        out.text(item, KG.uploadDate, document.upload_date)
        out.text(item, KG.fileName, document.filename)
        if document.size is not None:
            out.add(item, KG.fileSize, count(document.size))
        _url(out, item, SCHEMA.contentUrl, document.url)


def _annotations(study: Study, ctx: MappingContext, out: QuadSink) -> None:
    d = study.details
    for country in d.removed_countries:
        out.text(ctx.study, KG.removedCountryName, country)
    events: tuple[tuple[str, list[DatedEvent], NamedNode, NamedNode, str], ...] = (
        ("unposted-event", d.unposted_events, KG.unpostedEvent, KG.UnpostedEvent, "unposted-event-type"),
        ("violation", d.violation_events, KG.violationEvent, KG.ViolationEvent, "violation-event-type"))
    for path, items, predicate, cls, scheme in events:
        for k, event in enumerate(items):
            item = ctx.part(path, k + 1)
            out.add(ctx.study, predicate, item)
            out.typed(item, cls)
            out.code(item, KG.eventType, scheme, event.type)
            _date(out, item, KG.eventDate, event.date)
            out.text(item, KG.description, event.description)
            _date(out, item, KG.issuedDate, event.issued)
            _date(out, item, KG.releasedDate, event.released)
            _date(out, item, KG.createdDate, event.created)
