"""What a validation result is, independent of the engine that found it.

Terms are kept as N-Triples strings (``<iri>``, ``"lexical"^^<datatype>``) so that
results from pyshacl (rdflib terms) and from the SPARQL engine (pyoxigraph terms)
compare equal when they mean the same thing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import rdflib
from pyoxigraph import BlankNode, DefaultGraph, Literal, NamedNode, Quad

SH = "http://www.w3.org/ns/shacl#"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
SEVERITIES = ("Violation", "Warning", "Info")


def _literal_key(lexical: str, datatype: str | None, language: str | None) -> str:
    # json.dumps escapes exactly like an N-Triples string literal (\" \\ \n \uXXXX…)
    text = json.dumps(lexical, ensure_ascii=False)
    if language:
        return f"{text}@{language}"
    if datatype and datatype != XSD_STRING:
        return f"{text}^^<{datatype}>"
    return text


def ox_key(term) -> str:
    """The N-Triples key of a pyoxigraph term."""
    if isinstance(term, NamedNode):
        return f"<{term.value}>"
    if isinstance(term, BlankNode):
        return f"_:{term.value}"
    return _literal_key(term.value, term.datatype.value if term.datatype else None, term.language)


def rdflib_key(term) -> str:
    """The N-Triples key of an rdflib term."""
    if isinstance(term, rdflib.URIRef):
        return f"<{term}>"
    if isinstance(term, rdflib.BNode):
        return f"_:{term}"
    return _literal_key(str(term), str(term.datatype) if term.datatype else None, term.language)


def ox_to_rdflib(term):
    """pyoxigraph term → rdflib term; ``xsd:string`` becomes a plain literal (the same term in RDF 1.1)."""
    if isinstance(term, NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, BlankNode):
        return rdflib.BNode(term.value)
    if term.language:
        return rdflib.Literal(term.value, lang=term.language)
    datatype = term.datatype.value
    if datatype == XSD_STRING:
        return rdflib.Literal(term.value)
    return rdflib.Literal(term.value, datatype=rdflib.URIRef(datatype))


def display(term) -> str:
    """How a term reads inside a message: an IRI as itself, a literal as its lexical form."""
    return str(term) if not isinstance(term, (NamedNode, BlankNode, Literal)) else term.value


@dataclass(frozen=True, slots=True, order=True)
class ValidationResult:
    """One sh:ValidationResult. ``graph`` is the study's named graph (None for whole-store runs)."""

    graph: str | None
    focus: str  # N-Triples key
    shape: str  # IRI of the source shape
    component: str  # local name, e.g. "MinCountConstraintComponent"
    severity: str  # "Violation", "Warning" or "Info"
    path: str | None  # N-Triples key, "^<iri>" for an inverse path
    value: str | None  # N-Triples key
    message: str

    def comparable(self, *, with_graph: bool = True) -> tuple:
        """The result without engine-specific detail, for comparing engines."""
        return (self.graph if with_graph else None, self.focus, self.shape, self.component, self.severity,
                self.path, self.value, self.message)


def _key_term(key: str):
    """Inverse of :func:`ox_key` for keys of IRIs and literals."""
    if key.startswith("<"):
        return NamedNode(key[1:-1])
    if key.startswith("_:"):
        return BlankNode(key[2:])
    end = key.rindex('"')
    lexical = json.loads(key[: end + 1])
    rest = key[end + 1:]
    if rest.startswith("@"):
        return Literal(lexical, language=rest[1:])
    if rest.startswith("^^<"):
        return Literal(lexical, datatype=NamedNode(rest[3:-1]))
    return Literal(lexical)


def report_quads(results: list[ValidationResult], conforms: bool) -> list[Quad]:
    """The W3C validation report graph (sh:ValidationReport with one sh:result per result)."""
    sh = {name: NamedNode(SH + name) for name in (
        "ValidationReport", "ValidationResult", "conforms", "result", "focusNode", "resultPath", "value",
        "sourceShape", "sourceConstraintComponent", "resultSeverity", "resultMessage", "inversePath")}
    rdf_type = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    dg = DefaultGraph()
    report = BlankNode()
    quads = [Quad(report, rdf_type, sh["ValidationReport"], dg),
             Quad(report, sh["conforms"], Literal("true" if conforms else "false",
                                                  datatype=NamedNode("http://www.w3.org/2001/XMLSchema#boolean")),
                  dg)]
    for result in sorted(results):
        node = BlankNode()
        quads += [
            Quad(report, sh["result"], node, dg),
            Quad(node, rdf_type, sh["ValidationResult"], dg),
            Quad(node, sh["focusNode"], _key_term(result.focus), dg),
            Quad(node, sh["sourceShape"], NamedNode(result.shape), dg),
            Quad(node, sh["sourceConstraintComponent"], NamedNode(SH + result.component), dg),
            Quad(node, sh["resultSeverity"], NamedNode(SH + result.severity), dg),
            Quad(node, sh["resultMessage"], Literal(result.message), dg),
        ]
        if result.value is not None:
            quads.append(Quad(node, sh["value"], _key_term(result.value), dg))
        if result.path is not None:
            if result.path.startswith("^"):
                inverse = BlankNode()
                quads += [Quad(node, sh["resultPath"], inverse, dg),
                          Quad(inverse, sh["inversePath"], _key_term(result.path[1:]), dg)]
            else:
                quads.append(Quad(node, sh["resultPath"], _key_term(result.path), dg))
    return quads
