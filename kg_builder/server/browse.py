"""The pages for people: the query page (``/``), the landscape page and what they load (``/config.json``).

Their bodies are static fragments (``static/query.html``, ``static/landscape.html``) in the common
layout, their scripts run in the browser over vendored libraries (``static/vendor/``, see
``web/vendor.mjs``); everything they need from the server comes from ``/config.json`` (the
predeclared prefixes, this graph's classes and properties for autocompletion, the result
formats on offer, the limits), ``/queries`` and the SPARQL endpoint itself.
"""

from __future__ import annotations

import functools
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from pyoxigraph import NamedNode

from kg_builder.server import negotiation as neg
from kg_builder.server.pages import EntityView, layout, resource_href
from kg_builder.server.service import Service
from kg_builder.store.vocabulary import ontology_files
from kg_builder.vocab import PREFIXES

STATIC = Path(__file__).parent / "static"
VENDOR = "/static/vendor/"
# title, body fragment, <main> class, stylesheets, scripts (in order)
PAGES = {
    "query": ("SPARQL query — kg_builder", "query.html", "query-page", (VENDOR + "yasgui/yasgui.min.css",),
              (VENDOR + "yasgui/yasgui.min.js", VENDOR + "echarts/echarts.min.js", "/static/charts.js",
               "/static/yasr-kg.js", "/static/query.js")),
    "landscape": ("Trial landscape — kg_builder", "landscape.html", "wide", (),
                  (VENDOR + "echarts/echarts.min.js", VENDOR + "topojson_client/topojson-client.min.js",
                   "/static/charts.js", "/static/landscape.js")),
}


def page(name: str) -> str:
    title, fragment, kind, styles, scripts = PAGES[name]
    return layout(title, (STATIC / fragment).read_text(encoding="utf-8"), kind=kind, styles=styles, scripts=scripts)

_RDF, _RDFS, _OWL, _XSD = PREFIXES["rdf"], PREFIXES["rdfs"], PREFIXES["owl"], PREFIXES["xsd"]
_CLASS_TYPES = {_OWL + "Class", _RDFS + "Class"}
_PROPERTY_TYPES = {_OWL + "ObjectProperty", _OWL + "DatatypeProperty", _OWL + "AnnotationProperty",
                   _RDF + "Property"}
# objects of these are classes (a datatype aside)
_CLASS_POSITIONS = {_RDF + "type", _RDFS + "domain", _RDFS + "range", _RDFS + "subClassOf"}
_NOT_CLASSES = _CLASS_TYPES | _PROPERTY_TYPES | {_RDFS + "Literal"}
_TEXTS = (_RDFS + "label", _RDFS + "comment")


@functools.cache
def ontology_terms(directory: Path) -> dict[str, list[dict[str, str]]]:
    """This graph's classes and properties, for the editor's autocompletion.

    Declared ones (``owl:Class``, ``owl:ObjectProperty`` …) with their English label and comment, and the
    terms of other vocabularies the ontology and its code lists use: every predicate they state (``skos:notation``,
    ``rdfs:label``), every class they name as a type, domain or range (``skos:Concept``).
    """
    from pyoxigraph import Literal, RdfFormat, parse

    declared: dict[str, dict[str, str]] = {}
    classes: set[str] = set()
    properties: set[str] = set()
    texts: dict[tuple[str, str], str] = {}
    for path in ontology_files(directory):
        for quad in parse(path=str(path), format=RdfFormat.TURTLE):
            s, p, o = quad.subject, quad.predicate.value, quad.object
            properties.add(p)
            if p == _RDF + "type" and isinstance(o, NamedNode) and isinstance(s, NamedNode):
                if o.value in _CLASS_TYPES:
                    declared[s.value] = {"kind": "class"}
                elif o.value in _PROPERTY_TYPES:
                    declared[s.value] = {"kind": "property"}
            if p in _CLASS_POSITIONS and isinstance(o, NamedNode) and o.value not in _NOT_CLASSES \
                    and not o.value.startswith(_XSD):
                classes.add(o.value)
            if p in _TEXTS and isinstance(s, NamedNode) and isinstance(o, Literal) and o.language in (None, "en"):
                texts[(s.value, p)] = o.value
    properties -= {iri for iri, d in declared.items() if d["kind"] == "class"}
    classes |= {iri for iri, d in declared.items() if d["kind"] == "class"}
    properties |= {iri for iri, d in declared.items() if d["kind"] == "property"}
    properties -= classes

    def entries(iris: set[str]) -> list[dict[str, str]]:
        return [{"iri": iri, "label": texts.get((iri, _RDFS + "label"), ""),
                 "comment": texts.get((iri, _RDFS + "comment"), "")} for iri in sorted(iris)]

    return {"classes": entries(classes), "properties": entries(properties)}


def entity_view(service: Service) -> EntityView:
    """IRIs minted here link to their path on this server, other IRIs of the graph to ``/resource``."""
    return EntityView(link=lambda iri: service.local_path(iri) or resource_href(iri), is_local=service.is_local)


def add_browse_routes(app: FastAPI, service: Service) -> None:
    pages = {name: page(name) for name in PAGES}

    @app.get("/", include_in_schema=False)
    def query_page() -> HTMLResponse:
        return HTMLResponse(pages["query"])

    @app.get("/landscape", include_in_schema=False)
    def landscape_page() -> HTMLResponse:
        return HTMLResponse(pages["landscape"])

    @app.get("/config.json", include_in_schema=False)
    def page_config() -> dict:
        """What the pages need: the predeclared prefixes, this graph's terms, the formats on offer, the limits."""
        def formats(offers: tuple[neg.Format, ...]) -> list[dict[str, str]]:
            return [{"name": f.name, "media_type": f.media_type, "alias": f.aliases[0]} for f in offers]

        return {"prefixes": dict(PREFIXES), "terms": ontology_terms(service.settings.ontology_dir),
                "formats": {"results": formats(neg.RESULT_FORMATS), "graph": formats(neg.GRAPH_FORMATS)},
                "base": service.base, "max_rows": service.limits.max_rows, "timeout": service.limits.timeout}
