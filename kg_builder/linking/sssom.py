"""The alignment as an SSSOM mapping set (TSV with a YAML metadata header).

Written to the SSSOM specification (https://w3id.org/sssom/) and tested against the reference
implementation, ``sssom-py``: the header is YAML (every value JSON-quoted, so IRIs ending in ``:``
or holding ``?``/``&`` stay strings), the set has a ``mapping_set_id``, every id is a CURIE whose
prefix is in the ``curie_map``, and ``subject_type``/``object_type`` use SSSOM's entity types. An
IRI in no known namespace gets a prefix made from its own namespace (``trials_example_org_resource``).
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable
from typing import IO, Protocol
from urllib.parse import urlsplit

from pyoxigraph import NamedNode

from kg_builder.external_ids import converter
from kg_builder.vocab import OWL, SKOS

SEMAPV_BASE = "https://w3id.org/semapv/vocab/"
LICENSE = "https://creativecommons.org/publicdomain/zero/1.0/"
# Our kinds → SSSOM entity types: studies are individuals; drugs, conditions and organisations are
# the concepts the SKOS mapping predicates relate.
ENTITY_TYPES = {"study": "owl named individual", "drug": "skos concept", "condition": "skos concept",
                "organization": "skos concept"}
COLUMNS = ("subject_id", "subject_label", "subject_type", "subject_category", "predicate_id", "object_id",
           "object_label", "object_type", "mapping_justification", "confidence", "comment")


class MappingLike(Protocol):
    subject: NamedNode
    predicate: NamedNode
    object: NamedNode
    justification: str
    confidence: float
    subject_label: str
    object_label: str
    kind: str
    comment: str


def _namespace(iri: str) -> str:
    """The namespace part of an IRI: up to its last '#', '/' or ':' (Bio2RDF writes "…/drugbank:DB00043")."""
    scheme_end = iri.find("://") + 3 if "://" in iri else 0
    cut = max(iri.rfind("#"), iri.rfind("/"), iri.rfind(":", scheme_end))
    return iri[: cut + 1] if cut >= scheme_end and cut + 1 < len(iri) else iri


def _prefix_for(namespace: str, taken: set[str]) -> str:
    parts = urlsplit(namespace)
    words = re.split(r"[^A-Za-z0-9]+", f"{parts.hostname or ''} {parts.path}")
    words = [w for w in words if w and w.lower() not in ("www", "http", "https")]
    prefix = "_".join(words).lower() or "ns"
    prefix = prefix if prefix[0].isalpha() else f"ns_{prefix}"
    candidate, n = prefix, 2
    while candidate in taken:
        candidate, n = f"{prefix}_{n}", n + 1
    return candidate


class CurieMap:
    """Known prefixes (ours, the vocabularies', the external id schemes'), plus one per new namespace."""

    def __init__(self, base: str) -> None:
        curies = converter()
        self.prefixes: dict[str, str] = {"owl": OWL.base, "skos": SKOS.base, "semapv": SEMAPV_BASE, "kgid": base}
        for prefix in curies.get_prefixes():
            namespace = curies.expand(f"{prefix}:")
            if namespace and prefix not in self.prefixes:
                self.prefixes[prefix] = namespace
        self.used: set[str] = {"owl", "skos", "semapv"}

    def curie(self, iri: str) -> str:
        best = max(((p, ns) for p, ns in self.prefixes.items() if iri.startswith(ns) and len(iri) > len(ns)
                    and re.fullmatch(r"[^\s#?&|]+", iri[len(ns):])), key=lambda item: len(item[1]), default=None)
        if best is None:
            namespace = _namespace(iri)
            best = (_prefix_for(namespace, set(self.prefixes)), namespace)
            self.prefixes[best[0]] = namespace
        self.used.add(best[0])
        return f"{best[0]}:{iri[len(best[1]):]}"


def write_sssom(links: Iterable[MappingLike], output: IO[str], base: str, *, mapping_set_id: str,
                tool: str) -> None:
    """``links`` as an SSSOM TSV: the YAML metadata block (``#`` lines), then one row per mapping."""
    curies = CurieMap(base)
    rows = []
    for link in links:
        entity_type = ENTITY_TYPES.get(link.kind, "rdfs resource")
        rows.append({
            "subject_id": curies.curie(link.subject.value), "subject_label": link.subject_label,
            "subject_type": entity_type, "subject_category": link.kind,
            "predicate_id": curies.curie(link.predicate.value), "object_id": curies.curie(link.object.value),
            "object_label": link.object_label, "object_type": entity_type,
            "mapping_justification": f"semapv:{link.justification}", "confidence": f"{link.confidence:.3f}",
            "comment": link.comment,
        })
    header = [f"mapping_set_id: {json.dumps(mapping_set_id)}", f"license: {json.dumps(LICENSE)}",
              f"mapping_tool: {json.dumps(tool)}", "curie_map:"]
    header += [f"  {prefix}: {json.dumps(curies.prefixes[prefix])}" for prefix in sorted(curies.used)]
    output.writelines(f"#{line}\n" for line in header)
    writer = csv.DictWriter(output, fieldnames=COLUMNS, delimiter="\t", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
