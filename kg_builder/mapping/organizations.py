"""Sponsors, collaborators, sites and their places; contacts only on request (personal data).

Organisations, facilities, countries and places are shared nodes (:mod:`kg_builder.mapping.shared`);
what this record says of them (the name as it spells it, the agency class it gives a sponsor, the
city and country as written) stays on its own sponsor mention and site nodes.
"""

from __future__ import annotations

from kg_builder.enrich.places import country_code
from kg_builder.iris import normalize_label
from kg_builder.mapping import shared, terms
from kg_builder.mapping.context import MappingContext
from kg_builder.mapping.sink import QuadSink
from kg_builder.model import Contact, Organization, Study
from kg_builder.vocab import KG, RDF_TYPE, SCHEMA


def _organization(org: Organization, ctx: MappingContext, out: QuadSink, which: int):
    """The shared organisation, and this record's mention of it (its spelling and the class it states):
    ``which`` numbers the mention (1 for the lead sponsor, then collaborators)."""
    node = shared.organization(ctx.minter, out.entities, org.name)
    mention = ctx.part("sponsor", which)
    out.add(ctx.study, KG.sponsorMention, mention)
    out.typed(mention, KG.OrganizationMention)
    out.add(mention, KG.mentionOf, node)
    out.label(mention, org.name)
    out.code(mention, KG.organizationClass, "org-class", org.class_)
    return node


def map_sponsors(study: Study, ctx: MappingContext, out: QuadSink) -> None:
    """The lead sponsor is mention 1, collaborators follow in record order."""
    if study.lead_sponsor is not None and normalize_label(study.lead_sponsor.name):
        out.add(ctx.study, KG.leadSponsor, _organization(study.lead_sponsor, ctx, out, 1))
    for index, collaborator in enumerate(study.collaborators):
        if normalize_label(collaborator.name):
            out.add(ctx.study, KG.collaborator, _organization(collaborator, ctx, out, index + 2))


def map_sites(study: Study, ctx: MappingContext, out: QuadSink) -> None:
    add, text, study_node = out.add, out.text, ctx.study  # a record lists up to thousands of sites
    for index, site in enumerate(study.sites):
        node = ctx.site(index)
        add(study_node, KG.site, node)
        add(node, RDF_TYPE, KG.Site)
        add(node, KG.position, terms.integer(index + 1))
        out.code(node, KG.siteStatus, "status", site.status)
        text(node, KG.cityName, site.city)
        text(node, KG.stateName, site.state)
        text(node, KG.postalCode, site.zip)
        text(node, KG.countryName, site.country)
        if site.latitude is not None and site.longitude is not None:
            add(node, SCHEMA.latitude, terms.decimal(site.latitude))
            add(node, SCHEMA.longitude, terms.decimal(site.longitude))
        if site.facility and normalize_label(site.facility):
            add(node, KG.facility, shared.facility(ctx.minter, out.entities, site.facility, site.city))
            out.label(node, site.facility)
        code = country_code(site.country)
        if site.country and code is None:
            out.warnings.append(f"site {index + 1}: country {site.country!r} is not an ISO 3166 country")
        if code is not None:
            add(node, KG.country, shared.country(ctx.minter, out.entities, code))
            if site.city and normalize_label(site.city):
                add(node, KG.locatedIn, shared.place(ctx.minter, out.entities, code, site.state, site.city))
        if ctx.include_contacts:
            for contact_index, contact in enumerate(site.contacts):
                _contact(contact, ctx.part("site", index + 1, "contact", contact_index + 1), node, ctx, out)


def _contact(contact: Contact, node, owner, ctx: MappingContext, out: QuadSink) -> None:
    out.add(owner, KG.contact, node)
    out.typed(node, KG.Contact, SCHEMA.Person)
    out.text(node, SCHEMA.name, contact.name)
    out.text(node, KG.contactRole, contact.role)
    out.text(node, SCHEMA.telephone, contact.phone)
    out.text(node, SCHEMA.email, contact.email)


def map_contacts(study: Study, ctx: MappingContext, out: QuadSink) -> None:
    """Central contacts: personal data, mapped only when the user opted in."""
    if not ctx.include_contacts:
        return
    for index, contact in enumerate(study.central_contacts):
        _contact(contact, ctx.part("contact", index + 1), ctx.study, ctx, out)
