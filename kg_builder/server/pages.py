"""HTML for people: entity pages, named queries, the service's self-descriptions, error pages.

Plain f-strings with every value escaped; no template engine and nothing loaded from
another host. Links: an IRI this server can describe opens its entity page here; an
IRI of another dataset (MeSH, a registry) is an external identifier and links out.
A browser gets these pages by content negotiation (:func:`wants_html`); RDF and JSON
clients keep their formats at the same addresses.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from html import escape
from urllib.parse import quote, urlencode

from pyoxigraph import BlankNode, Literal, NamedNode, Quad, RdfFormat, parse

from kg_builder.server import negotiation as neg
from kg_builder.store.named_queries import NamedQuery
from kg_builder.vocab import PREFIXES

_REGISTRY_LINKS = (
    (re.compile(r"^NCT\d{8}$"), "https://clinicaltrials.gov/study/{}"),
    (re.compile(r"^\d{4}-\d{6}-\d{2}$"), "https://www.clinicaltrialsregister.eu/ctr-search/search?query={}"),
)
_LOCAL_SPACES = ("https://w3id.org/kg-builder/",)

Linker = Callable[[str], str]


# names shown for namespaces of the service's self-descriptions (not predeclared in queries)
_SHOWN = {**PREFIXES, "sd": "http://www.w3.org/ns/sparql-service-description#", "formats": "http://www.w3.org/ns/formats/"}


def compact(iri: str) -> str:
    """``kg:phase`` for a known namespace, else the IRI itself."""
    best = ""
    for prefix, namespace in _SHOWN.items():
        if iri.startswith(namespace) and len(namespace) > len(best) and iri[len(namespace):]:
            best, name = namespace, prefix
    return f"{name}:{iri[len(best):]}" if best else iri


def resource_href(iri: str) -> str:
    return "/resource?iri=" + quote(iri, safe="")


def wants_html(accept: str | None, format: str | None, offers: tuple[neg.Format, ...]) -> bool:
    """A browser asking for a page: ``format=html``, or an Accept header that rates HTML above every data
    format of ``offers`` (``*/*`` and no header keep the data: ties go to ``offers[0]``)."""
    if format:
        return format.lower() in neg.HTML.aliases
    return neg.negotiate(accept, (*offers, neg.HTML), offers[0]) is neg.HTML


NAV = (("/", "query"), ("/landscape", "landscape"), ("/queries", "named queries"),
       ("/.well-known/void", "dataset (VoID)"), ("/sparql", "service"), ("/openapi.json", "API"))


def layout(title: str, body: str, *, kind: str = "page", styles: tuple[str, ...] = (),
           scripts: tuple[str, ...] = ()) -> str:
    """Every page: the same header and navigation; ``styles`` and ``scripts`` are paths on this server."""
    nav = " · ".join(f'<a href="{href}">{escape(text)}</a>' for href, text in NAV)
    links = "".join(f'<link rel="stylesheet" href="{escape(s, quote=True)}">\n' for s in (*styles, "/static/style.css"))
    tags = "".join(f'<script src="{escape(s, quote=True)}"></script>\n' for s in scripts)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<link rel="icon" href="data:,">
{links}</head><body>
<header><a href="/" class="home">kg_builder</a> <nav>{nav}</nav></header>
<main class="{escape(kind, quote=True)}">{body}</main>
{tags}</body></html>
"""


class EntityView:
    """Renders one entity; ``is_local`` says whether an IRI can be browsed on this server."""

    def __init__(self, link: Linker, is_local: Callable[[str], bool]) -> None:
        self.link = link
        self.is_local = is_local

    def term(self, view: dict, predicate: str | None = None) -> str:
        kind, value = view["kind"], view["value"]
        if kind == "iri":
            label = view.get("label")
            text = escape(label) if label else escape(compact(value))
            title = escape(value, quote=True)
            if self.is_local(value) or label:
                html = f'<a href="{escape(self.link(value), quote=True)}" title="{title}">{text}</a>'
                if not self.is_local(value):
                    html += f' <a class="ext" href="{title}" rel="external">↗</a>'
                return html
            return f'<a class="ext" href="{title}" rel="external">{text}</a> <span class="note">external</span>'
        if kind == "literal":
            html = f'<span class="lit">{escape(value)}</span>'
            if view.get("language"):
                html += f' <span class="note">@{escape(view["language"])}</span>'
            elif view.get("datatype"):
                html += f' <span class="note">{escape(compact(view["datatype"]))}</span>'
            if predicate == PREFIXES["kg"] + "registryId":
                for pattern, url in _REGISTRY_LINKS:
                    if pattern.match(value):
                        html += f' <a class="ext" href="{escape(url.format(quote(value)), quote=True)}"' \
                                f' rel="external">registry record ↗</a>'
            return html
        return f"<code>{escape(str(value))}</code>"

    def page(self, data: dict, formats: list[tuple[str, str]]) -> str:
        iri = data["iri"]
        label = data.get("label") or compact(iri)
        types = [o for p, o in data["outgoing"] if p["value"] == PREFIXES["rdf"] + "type"]
        props = [(p, o) for p, o in data["outgoing"] if p["value"] != PREFIXES["rdf"] + "type"]
        parts = [f"<h1>{escape(label)}</h1>", f'<p class="iri"><code>{escape(iri)}</code></p>']
        if types:
            parts.append('<p class="types">' + ", ".join(self.term(t) for t in types) + "</p>")
        downloads = " · ".join(f'<a href="{escape(href, quote=True)}">{escape(name)}</a>' for name, href in formats)
        parts.append(f'<p class="downloads">This description as: {downloads}</p>')
        if data.get("graph_size") is not None:
            graph_link = "/rdf-graphs?graph=" + quote(iri, safe="")
            parts.append(f'<p>A named graph of {data["graph_size"]} triples: '
                         f'<a href="{escape(graph_link, quote=True)}">download it as Turtle</a>.</p>')
        if props:
            parts.append("<h2>Properties</h2>" + self._table(props, ("property", "value"), outgoing=True))
        if data["incoming"]:
            parts.append("<h2>Referenced by</h2>" + self._table(data["incoming"], ("subject", "property"),
                                                                outgoing=False))
        if len(data["outgoing"]) >= data["limit"] or len(data["incoming"]) >= data["limit"]:
            parts.append(f'<p class="note">Showing the first {data["limit"]} statements; '
                         f"query <code>/sparql</code> for all of them.</p>")
        if data["graphs"]:
            graphs = ", ".join(self.term({"kind": "iri", "value": g, "label": None}) for g in data["graphs"] if g)
            parts.append(f'<p class="note">Stated in: {graphs}</p>')
        return layout(f"{label} — kg_builder", "\n".join(parts))

    def _table(self, rows: list, headings: tuple[str, str], *, outgoing: bool) -> str:
        body = []
        for first, second in rows:
            if outgoing:
                cells = (self.term(first), self.term(second, predicate=first["value"]))
            else:
                cells = (self.term(first), self.term(second))
            body.append(f"<tr><td>{cells[0]}</td><td>{cells[1]}</td></tr>")
        head = "".join(f"<th>{h}</th>" for h in headings)
        return f'<table class="entity"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def message_page(status: int, title: str, message: str) -> str:
    return layout(f"{status} {title}", f"<h1>{escape(title)}</h1><p>{escape(message)}</p>")


# ---- named queries ---------------------------------------------------------------------------------------
def _params_form(query: NamedQuery, action: str, button: str, hidden: dict[str, str]) -> str:
    fields = "".join(f'<input type="hidden" name="{escape(k, quote=True)}" value="{escape(v, quote=True)}">'
                      for k, v in hidden.items())
    for p in query.params:
        fields += (f'<label>{escape(p.name)} <span class="note">{escape(p.type)}</span> '
                   f'<input name="{escape(p.name, quote=True)}" required '
                   f'placeholder="{escape(p.description, quote=True)}" title="{escape(p.description, quote=True)}">'
                   f"</label> ")
    return f'<form class="params" method="get" action="{escape(action, quote=True)}">{fields}' \
           f'<button type="submit">{escape(button)}</button></form>'


def _downloads(query: NamedQuery) -> str:
    if query.params:
        return ""
    href = f"/queries/{quote(query.name)}?format="
    links = " · ".join(f'<a href="{href}{f.aliases[0]}">{f.name.upper()}</a>' for f in neg.RESULT_FORMATS)
    return f'<p class="downloads">Results as: {links}</p>'


def named_queries_page(queries: Iterable[NamedQuery]) -> str:
    """Every named query: what it answers, its parameters, where to run it."""
    items = []
    for q in queries:
        params = ", ".join(f"<code>{escape(p.name)}</code> ({escape(p.description or p.type)})" for p in q.params)
        items.append(
            f'<li><h2><a href="/queries/{quote(q.name)}">{escape(q.title)}</a> <code class="note">{escape(q.name)}'
            f'</code></h2><p>{escape(q.description)}</p>'
            + (f'<p class="note">Parameters: {params}</p>' if params else "")
            + f'<p><a href="/?{urlencode({"named": q.name})}">open in the query editor</a></p>{_downloads(q)}</li>')
    body = ("<h1>Named queries</h1><p>Each is a SPARQL query of this endpoint with a stable address "
            "(<code>/queries/NAME</code>, parameters as <code>?KEY=VALUE</code>, bound as RDF terms). "
            "JSON clients get this list as JSON.</p>" f'<ul class="named-queries">{"".join(items)}</ul>')
    return layout("Named queries — kg_builder", body)


def named_query_page(query: NamedQuery) -> str:
    """One named query: its text, its parameters as a form that opens it in the editor, its formats."""
    parts = [f"<h1>{escape(query.title)}</h1>", f"<p>{escape(query.description)}</p>",
             f'<p class="note">Address: <code>/queries/{escape(query.name)}</code>'
             + (" with " + ", ".join(f"<code>?{escape(p.name)}=</code>" for p in query.params) if query.params else "")
             + "; results by content negotiation (SPARQL JSON, XML, CSV, TSV).</p>"]
    if query.params:
        parts.append(_params_form(query, "/", "Open in the query editor and run", {"named": query.name}))
        parts.append("<h2>Download</h2>" + _params_form(query, f"/queries/{query.name}", "Download",
                                                        {}).replace("</form>", _format_select() + "</form>"))
    else:
        parts.append(f'<p><a class="button" href="/?{urlencode({"named": query.name})}">Open in the query editor'
                     f"</a></p>{_downloads(query)}")
    parts.append(f'<h2>SPARQL</h2><pre class="sparql">{escape(query.text)}</pre>')
    return layout(f"{query.title} — kg_builder", "\n".join(parts))


def _format_select() -> str:
    options = "".join(f'<option value="{f.aliases[0]}">{f.name.upper()}</option>' for f in neg.RESULT_FORMATS)
    return f'<label>format <select name="format">{options}</select></label> '


# ---- RDF self-descriptions (VoID, the service description) ------------------------------------------------
def _view(term: object) -> dict:
    if isinstance(term, NamedNode):
        return {"kind": "iri", "value": term.value, "label": None}
    if isinstance(term, Literal):
        language, datatype = term.language, term.datatype.value
        plain = datatype in (PREFIXES["xsd"] + "string", PREFIXES["rdf"] + "langString")
        return {"kind": "literal", "value": term.value, "language": language,
                "datatype": None if plain else datatype}
    return {"kind": "bnode", "value": str(term)}


def description_page(view: EntityView, title: str, intro: str, body: bytes, formats: list[tuple[str, str]]) -> str:
    """The Turtle ``body`` (VoID, a service description) as one table per subject, the named subjects first.

    A blank node that only states values (a prefix declaration: ``sh:prefix``, ``sh:namespace``) reads inside
    the row that names it; one that leads further is a table of its own, numbered in the order the others
    lead to it, and linked from them.
    """
    by_subject: dict[object, list[Quad]] = {}
    for quad in parse(body, format=RdfFormat.TURTLE):
        by_subject.setdefault(quad.subject, []).append(quad)
    def row_order(quad: Quad) -> tuple:
        """By property, then value: a blank node by what it states (its label is random)."""
        o = quad.object
        if isinstance(o, BlankNode):
            stated = tuple((q.predicate.value, str(q.object)) for q in by_subject.get(o, ()))
            return quad.predicate.value, True, "", stated
        return quad.predicate.value, False, o.value, ()

    for quads in by_subject.values():
        quads.sort(key=row_order)
    inline = {node for node, quads in by_subject.items()
              if isinstance(node, BlankNode) and not any(isinstance(q.object, BlankNode) for q in quads)}
    order = sorted((s for s in by_subject if not isinstance(s, BlankNode)), key=lambda s: s.value)
    numbers: dict[BlankNode, int] = {}
    for subject in order:  # grows as it goes: blank nodes in the order they are reached
        for quad in by_subject.get(subject, ()):
            if isinstance(quad.object, BlankNode) and quad.object not in numbers and quad.object not in inline:
                numbers[quad.object] = len(numbers) + 1
                order.append(quad.object)

    def cell(term: object) -> str:
        if term in inline:
            rows = "".join(f"<tr><td>{view.term(_view(q.predicate))}</td><td>{view.term(_view(q.object))}</td></tr>"
                           for q in by_subject.get(term, ()))
            return f'<table class="inline">{rows}</table>'
        if isinstance(term, BlankNode):
            return f'<a href="#node-{numbers[term]}">node {numbers[term]} ↓</a>'
        return view.term(_view(term))

    downloads = " · ".join(f'<a href="{escape(href, quote=True)}">{escape(name)}</a>' for name, href in formats)
    parts = [f"<h1>{escape(title)}</h1>", f"<p>{intro}</p>", f'<p class="downloads">As: {downloads}</p>']
    for index, subject in enumerate(order):
        rows = "".join(f"<tr><td>{view.term(_view(q.predicate))}</td><td>{cell(q.object)}</td></tr>"
                       for q in by_subject.get(subject, ()))
        if isinstance(subject, BlankNode):
            anchor, heading = f"node-{numbers[subject]}", f"Node {numbers[subject]} of this description"
        else:
            anchor, heading = f"subject-{index + 1}", compact(subject.value)
        parts.append(f'<section id="{escape(anchor, quote=True)}"><h2>{escape(heading)}</h2>'
                     f'<table class="entity"><thead><tr><th>property</th><th>value</th></tr></thead>'
                     f"<tbody>{rows}</tbody></table></section>")
    return layout(f"{title} — kg_builder", "\n".join(parts))

