"""External identifiers: the one table of other graphs' and registries' IRI patterns (a leaf module).

Read by the mapper (:mod:`kg_builder.mapping.external_links`) and the linker.

Every IRI of another graph or registry that kg_builder writes or reads is expanded
or recognised through :data:`CONVERTER`, a ``curies`` converter built from
:data:`PREFIXES` below. The table is written out here instead of being read from the
Bioregistry at run time (builds are offline); each row names where its forms come
from, and ``tests/test_external_ids.py`` checks every row round-trips.

Sources of the forms (checked against each resource's own documentation):

- preferred forms follow the Bioregistry's ``uri_format`` for the prefix
  (https://bioregistry.io/registry/<prefix>), or the IRI the resource itself uses
  in its RDF (Wikidata entities, OBO PURLs for ChEBI / NCIt, the NLM MeSH RDF);
- ``http://bio2rdf.org/<prefix>:<id>`` is Bio2RDF release 3's IRI scheme;
- ``https://identifiers.org/<prefix>:<id>`` is the identifiers.org compact-id resolver;
- ``http://data.linkedct.org/resource/trial/<NCT>`` is LinkedCT's trial IRI.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING

from pyoxigraph import NamedNode

from kg_builder.registry_ids import normalize_registry_id

if TYPE_CHECKING:
    from curies import Converter

BIO2RDF = "http://bio2rdf.org/"
IDENTIFIERS_ORG = "https://identifiers.org/"


@dataclass(frozen=True, slots=True)
class LinkPrefix:
    prefix: str
    uri_prefix: str  # the preferred expansion
    joins: tuple[str, ...] = ()  # other graphs' forms we also write, so they join by IRI
    synonyms: tuple[str, ...] = ()  # further forms we only recognise
    pattern: str = r".+"  # the local id, as this table stores it
    source: str = ""
    names: tuple[str, ...] = field(default=())  # words a predicate or literal uses for the scheme


PREFIXES: tuple[LinkPrefix, ...] = (
    LinkPrefix("clinicaltrials", "https://clinicaltrials.gov/study/",
               joins=(f"{BIO2RDF}clinicaltrials:", f"{IDENTIFIERS_ORG}clinicaltrials:",
                      "http://data.linkedct.org/resource/trial/"),
               synonyms=("https://clinicaltrials.gov/ct2/show/", "http://clinicaltrials.gov/ct2/show/",
                         "https://bioregistry.io/clinicaltrials:", "http://identifiers.org/clinicaltrials:"),
               pattern=r"^NCT\d{8}$", source="bioregistry:clinicaltrials; Bio2RDF; LinkedCT",
               names=("nct", "clinicaltrials", "ctgov")),
    LinkPrefix("isrctn", "https://www.isrctn.com/", joins=(f"{IDENTIFIERS_ORG}isrctn:",),
               synonyms=("http://www.isrctn.com/",), pattern=r"^ISRCTN\d{8}$", source="bioregistry:isrctn",
               names=("isrctn",)),
    LinkPrefix("euclinicaltrials", "https://euclinicaltrials.eu/search-for-clinical-trials/?lang=en&EUCT=",
               synonyms=("https://bioregistry.io/euclinicaltrials:",), pattern=r"^\d{4}-\d{6}-\d{2}-\d{2}$",
               source="bioregistry:euclinicaltrials (CTIS)", names=("ctis", "euct")),
    LinkPrefix("drugbank", "https://go.drugbank.com/drugs/", joins=(f"{BIO2RDF}drugbank:",),
               synonyms=("http://www.drugbank.ca/drugs/", "https://www.drugbank.ca/drugs/",
                         f"{IDENTIFIERS_ORG}drugbank:", "http://identifiers.org/drugbank/"),
               pattern=r"^DB\d{5}$", source="bioregistry:drugbank; Bio2RDF", names=("drugbank",)),
    LinkPrefix("chebi", "http://purl.obolibrary.org/obo/CHEBI_", joins=(f"{BIO2RDF}chebi:",),
               synonyms=(f"{IDENTIFIERS_ORG}CHEBI:", f"{IDENTIFIERS_ORG}chebi:"),
               pattern=r"^\d+$", source="OBO PURL (bioregistry:chebi); Bio2RDF", names=("chebi",)),
    LinkPrefix("wikidata", "http://www.wikidata.org/entity/",
               synonyms=("https://www.wikidata.org/wiki/", "https://www.wikidata.org/entity/"),
               pattern=r"^Q\d+$", source="Wikidata RDF entity IRIs", names=("wikidata",)),
    LinkPrefix("ncit", "http://purl.obolibrary.org/obo/NCIT_",
               synonyms=("http://ncicb.nci.nih.gov/xml/owl/EVS/Thesaurus.owl#", f"{BIO2RDF}ncit:"),
               pattern=r"^C\d+$", source="OBO PURL (bioregistry:ncit); NCI EVS OWL", names=("ncit", "nci")),
    LinkPrefix("mesh", "http://id.nlm.nih.gov/mesh/", joins=(f"{BIO2RDF}mesh:",),
               synonyms=(f"{IDENTIFIERS_ORG}mesh:", "http://purl.bioontology.org/ontology/MESH/"),
               pattern=r"^[CD]\d{6,9}$", source="NLM MeSH RDF (bioregistry:mesh); Bio2RDF", names=("mesh",)),
    LinkPrefix("hgnc", f"{IDENTIFIERS_ORG}hgnc:", joins=(f"{BIO2RDF}hgnc:",),
               synonyms=("https://www.genenames.org/data/gene-symbol-report/#!/hgnc_id/HGNC:",),
               pattern=r"^\d+$", source="identifiers.org (bioregistry:hgnc); Bio2RDF", names=("hgnc",)),
    LinkPrefix("atc", "http://purl.bioontology.org/ontology/ATC/", joins=(f"{BIO2RDF}atc:",),
               pattern=r"^[A-Z]\d\d[A-Z][A-Z]\d\d$", source="BioPortal ATC (bioregistry:atc); Bio2RDF",
               names=("atc",)),
    LinkPrefix("pubmed", "https://pubmed.ncbi.nlm.nih.gov/", joins=(f"{BIO2RDF}pubmed:",),
               synonyms=("https://www.ncbi.nlm.nih.gov/pubmed/", "http://www.ncbi.nlm.nih.gov/pubmed/",
                         f"{IDENTIFIERS_ORG}pubmed:"),
               pattern=r"^\d+$", source="PubMed's own article pages (bioregistry:pubmed); Bio2RDF",
               names=("pubmed", "pmid")),
    LinkPrefix("geonames", "https://sws.geonames.org/", synonyms=("http://sws.geonames.org/",),
               pattern=r"^\d+/?$", source="GeoNames semantic web IRIs (bioregistry:geonames)",
               names=("geonames",)),
)

# MeSH unique identifiers: NLM wrote 7 characters (D001943, C500026) until 2014, then 10 (D000067716,
# C000594389), the number running on (NLM Technical Bulletin 2013 Mar-Apr (391), "MeSH Unique Identifiers:
# Length Expanding to Ten Characters"). Registries pad old ids to 10 (D000001943 for D001943). A padded
# number at most the highest 7-character id seen is shortened back; any other stays as written: numbers
# near the switch (above these, below the lowest 10-character ids seen, D000067716 Point-of-Care Testing
# and C000594389 atezolizumab) could be either, and are never guessed.
_MESH_UI = re.compile(r"^([CD])(\d{6}|\d{9})$")
_MESH_SEVEN_MAX = {"D": 65_886,  # D065886 Neurodevelopmental Disorders (MeSH 2014), as registries write it
                   "C": 500_026}  # C500026 palbociclib, written C000500026 by ClinicalTrials.gov


def mesh_id(value: str) -> str:
    """A MeSH id in NLM's own form: ``D000001943`` → ``D001943``; ``D000067716``, ``C000594389`` kept."""
    value = value.strip().upper()
    match = _MESH_UI.match(value)
    if not match or len(match.group(2)) == 6 or not match.group(2).startswith("000"):
        return value
    letter, number = match.group(1), int(match.group(2))
    if number <= _MESH_SEVEN_MAX[letter]:
        return f"{letter}{number:06d}"
    return value


# Identifier forms sources write with their own prefix inside the local id (CHEBI:15365, HGNC:3430).
_EMBEDDED_PREFIX = re.compile(r"^(?:CHEBI|HGNC|MESH|NCIT|wikidata|drugbank)[:_]", re.I)


@cache
def converter() -> Converter:
    """The ``curies`` converter over :data:`PREFIXES` (preferred form first, then joins and synonyms).

    ``curies`` is imported here, on first use: with the pydantic it loads, it is ~0.13 s of CPU, which every
    ``kg-builder query`` paid at start-up (a MeSH parameter needs :func:`local_id`, not the converter)."""
    from curies import Converter, Record

    return Converter([
        Record(prefix=p.prefix, uri_prefix=p.uri_prefix,
               uri_prefix_synonyms=[*p.joins, *p.synonyms], pattern=p.pattern)
        for p in PREFIXES
    ])


@cache
def _by_prefix() -> dict[str, LinkPrefix]:
    return {p.prefix: p for p in PREFIXES}


def local_id(prefix: str, value: str) -> str | None:
    """``value`` as the table stores ids of ``prefix`` (``CHEBI:15365`` → ``15365``), or None."""
    entry = _by_prefix().get(prefix)
    if entry is None:
        return None
    local = _EMBEDDED_PREFIX.sub("", value.strip())
    if prefix == "clinicaltrials":
        rid = normalize_registry_id(local)
        local = rid.value if rid is not None and rid.registry == "nct" else local
    if prefix == "geonames":
        local = local.rstrip("/")
    if prefix == "mesh":
        local = mesh_id(local)
    return local if re.match(entry.pattern, local) else None


def external_iris(prefix: str, value: str, *, joins: bool = True) -> list[NamedNode]:
    """The preferred IRI of ``prefix:value`` and (with ``joins``) the forms other graphs use."""
    local = local_id(prefix, value)
    if local is None:
        return []
    entry = _by_prefix()[prefix]
    suffix = "/" if prefix == "geonames" else ""  # GeoNames' RDF IRIs end with a slash
    bases = (entry.uri_prefix, *entry.joins) if joins else (entry.uri_prefix,)
    return [NamedNode(base + local + suffix) for base in bases]


def parse_external(iri: str) -> tuple[str, str] | None:
    """``(prefix, local id)`` for any recognised form of an external IRI, else None."""
    parsed = converter().parse_uri(iri.rstrip("/") if "geonames.org" in iri else iri)
    if parsed is None or parsed[0] is None:
        return None
    local = local_id(parsed[0], parsed[1])
    return (parsed[0], local) if local is not None else None


def scheme_named(word: str) -> str | None:
    """The prefix a predicate or column name refers to (``drugbank_id``, ``hasDrugBankId`` → ``drugbank``)."""
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", word).casefold()
    tokens = re.sub(r"[^a-z]", " ", spaced).split()
    compacted = "".join(tokens)
    for entry in PREFIXES:
        for name in entry.names:
            # long names may sit inside a compound ("hasdrugbankid"); short ones must be a word
            if name in tokens or (len(name) >= 5 and name in compacted):
                return entry.prefix
    return None
