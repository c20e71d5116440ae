"""HTML for people: the linked-data entity page and small error pages.

Plain f-strings with every value escaped; no template engine and nothing loaded from
another host. Links: an IRI this server can describe opens its entity page here; an
IRI of another dataset (MeSH, a registry) is an external identifier and links out.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html import escape
from urllib.parse import quote

from kg_builder.vocab import PREFIXES

_REGISTRY_LINKS = (
    (re.compile(r"^NCT\d{8}$"), "https://clinicaltrials.gov/study/{}"),
    (re.compile(r"^\d{4}-\d{6}-\d{2}$"), "https://www.clinicaltrialsregister.eu/ctr-search/search?query={}"),
)
_LOCAL_SPACES = ("https://w3id.org/kg-builder/",)

Linker = Callable[[str], str]


def compact(iri: str) -> str:
    """``kg:phase`` for a known namespace, else the IRI itself."""
    best = ""
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(namespace) > len(best) and iri[len(namespace):]:
            best, name = namespace, prefix
    return f"{name}:{iri[len(best):]}" if best else iri


def resource_href(iri: str) -> str:
    return "/resource?iri=" + quote(iri, safe="")


def layout(title: str, body: str) -> str:
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<link rel="stylesheet" href="/static/style.css">
</head><body>
<header><a href="/" class="home">kg_builder</a> · <a href="/queries">named queries</a>
 · <a href="/.well-known/void">dataset (VoID)</a> · <a href="/openapi.json">API</a></header>
<main>{body}</main></body></html>
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
