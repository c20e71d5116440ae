"""Sponsors, collaborators, sites and their places; contacts only on request (personal data)."""

from __future__ import annotations

from kg_builder.enrich.places import country_code, country_name
from kg_builder.iris import normalize_label
from kg_builder.mapping import terms
from kg_builder.mapping.context import MappingContext
from kg_builder.mapping.sink import QuadSink
from kg_builder.model import Contact, Organization, Study
from kg_builder.vocab import KG, SCHEMA


def _organization(org: Organization, ctx: MappingContext, out: QuadSink):
    node = ctx.minter.organization(org.name)
    out.typed(node, KG.Organization, SCHEMA.Organization)
    out.label(node, org.name)
    out.code(node, KG.organizationClass, "org-class", org.class_)
    return node


def map_sponsors(study: Study, ctx: MappingContext, out: QuadSink) -> None:
    if study.lead_sponsor is not None and normalize_label(study.lead_sponsor.name):
        out.add(ctx.study, KG.leadSponsor, _organization(study.lead_sponsor, ctx, out))
    for collaborator in study.collaborators:
        if normalize_label(collaborator.name):
            out.add(ctx.study, KG.collaborator, _organization(collaborator, ctx, out))


def map_sites(study: Study, ctx: MappingContext, out: QuadSink) -> None:
    for index, site in enumerate(study.sites):
        node = ctx.site(index)
        out.add(ctx.study, KG.site, node)
        out.typed(node, KG.Site)
        out.add(node, KG.position, terms.integer(index + 1))
        out.code(node, KG.siteStatus, "status", site.status)
        out.text(node, KG.cityName, site.city)
        out.text(node, KG.stateName, site.state)
        out.text(node, KG.postalCode, site.zip)
        out.text(node, KG.countryName, site.country)
        if site.latitude is not None and site.longitude is not None:
            out.add(node, SCHEMA.latitude, terms.decimal(site.latitude))
            out.add(node, SCHEMA.longitude, terms.decimal(site.longitude))
        if site.facility and normalize_label(site.facility):
            facility = ctx.minter.facility(site.facility, site.city)
            out.add(node, KG.facility, facility)
            out.typed(facility, KG.Facility, KG.Organization, SCHEMA.Organization)
            out.label(facility, site.facility)
            out.label(node, site.facility)
        code = country_code(site.country)
        if site.country and code is None:
            out.warnings.append(f"site {index + 1}: country {site.country!r} is not an ISO 3166 country")
        if code is not None:
            country = ctx.minter.country(code)
            out.add(node, KG.country, country)
            out.typed(country, KG.Country, SCHEMA.Country)
            out.label(country, country_name(code))
            out.text(country, KG.isoCode, code)
            if site.city and normalize_label(site.city):
                place = ctx.minter.place(code, site.state, site.city)
                out.add(node, KG.locatedIn, place)
                out.typed(place, KG.Place, SCHEMA.Place)
                out.label(place, site.city)
                out.text(place, KG.stateName, site.state)
                out.add(place, KG.country, country)
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
