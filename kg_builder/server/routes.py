"""SPARQL 1.1 Protocol (/sparql), named queries (/queries) and the Graph Store Protocol (/rdf-graphs).

The query handlers here and :mod:`kg_builder.server.fast_path` answer alike (tests/test_server_fast_path.py):
a change to one is a change to the other.
"""

from __future__ import annotations

from fastapi import FastAPI, Query, Request
from fastapi.responses import HTMLResponse, Response

from kg_builder.server import execute, pages, protocol
from kg_builder.server import negotiation as neg
from kg_builder.server.browse import entity_view
from kg_builder.server.dataset import service_description
from kg_builder.server.errors import HttpError
from kg_builder.server.service import Service

_GET_PARAMETERS = [
    {"name": "query", "in": "query", "schema": {"type": "string"},
     "description": "a SPARQL 1.1 query; without it, the Service Description"},
    {"name": "default-graph-uri", "in": "query", "schema": {"type": "array", "items": {"type": "string"}},
     "description": "graphs whose merge is the default graph (default: the union of all graphs)"},
    {"name": "named-graph-uri", "in": "query", "schema": {"type": "array", "items": {"type": "string"}},
     "description": "the named graphs GRAPH may match (default: all)"},
    {"name": "format", "in": "query", "schema": {"type": "string"},
     "description": "override Accept: json, xml, csv, tsv, ttl, nt, jsonld, rdfxml or a media type"},
]


def _media_type(request: Request) -> str:
    return protocol.media_type(request.headers.get("content-type"))


def add_sparql_routes(app: FastAPI, service: Service) -> None:
    def describe_service(request: Request, format: str | None) -> Response:
        accept = request.headers.get("accept")
        html = pages.wants_html(accept, format, neg.GRAPH_FORMATS)
        fmt = neg.TURTLE if html else neg.choose(accept, format, neg.GRAPH_FORMATS, neg.TURTLE)
        if fmt is None:
            raise HttpError(406, "not-acceptable", "the service description is served as RDF",
                            hint="acceptable: " + ", ".join(f.media_type for f in neg.GRAPH_FORMATS))
        root = str(request.base_url)
        body = service_description(root + "sparql", root + ".well-known/void",
                                   allow_update=service.limits.allow_update, fmt=fmt.name)
        if html:  # a browser at the endpoint's address: what it is, and the way to the query page
            formats = [(f.name, f"/sparql?format={f.aliases[0]}") for f in neg.GRAPH_FORMATS]
            return HTMLResponse(pages.description_page(
                entity_view(service), "The SPARQL endpoint", 'This is the SPARQL 1.1 endpoint; send it queries, '
                'or write them in <a href="/">the query page</a>. Its service description:', body, formats),
                headers={"Vary": "Accept"})
        return Response(body, media_type=fmt.content_type, headers={"Vary": "Accept"})

    # parameters read straight from the query string (documented in _GET_PARAMETERS), as the fast path reads
    # them: under serve(), kg_builder.server.fast_path answers queries before they reach these handlers
    @app.api_route("/sparql", methods=["GET", "HEAD"], tags=["sparql"],
                   openapi_extra={"parameters": _GET_PARAMETERS})
    async def sparql_get(request: Request) -> Response:
        """SPARQL query by GET; with no query, the Service Description."""
        asked = protocol.read_get(request.scope["query_string"].decode("latin-1"))
        if asked.query is None:
            return describe_service(request, asked.format)
        reply = await service.query_reply(asked.query, accept=request.headers.get("accept"), format=asked.format,
                                          default_graphs=asked.default_graphs, named_graphs=asked.named_graphs)
        return service.respond(reply, head=request.method == "HEAD")

    @app.post("/sparql", tags=["sparql"])
    async def sparql_post(request: Request) -> Response:
        """SPARQL query or update by POST: form-encoded, application/sparql-query or -update."""
        asked = protocol.read_post(_media_type(request), await request.body(), request.url.query)
        if asked.update is not None:
            return await service.update(asked.update, authorization=request.headers.get("authorization"))
        if asked.query is None:
            raise HttpError(400, "missing-query", "no query in the request", hint="send query=... or update=...")
        return service.respond(await service.query_reply(
            asked.query, accept=request.headers.get("accept"), format=asked.format,
            default_graphs=asked.default_graphs, named_graphs=asked.named_graphs))

    @app.get("/queries", tags=["named queries"], response_model=list[dict])
    def list_queries(request: Request, format: str | None = None) -> list[dict] | HTMLResponse:
        """The named queries with their descriptions and parameters (JSON; a page for browsers)."""
        if pages.wants_html(request.headers.get("accept"), format, (neg.RESULTS_JSON,)):
            return HTMLResponse(pages.named_queries_page(service.named_queries.values()), headers={"Vary": "Accept"})
        root = str(request.base_url).rstrip("/")
        return [
            {"name": q.name, "title": q.title, "description": q.description, "url": f"{root}/queries/{q.name}",
             "params": [{"name": p.name, "type": p.type, "description": p.description} for p in q.params],
             "query": q.text}
            for q in service.named_queries.values()
        ]

    @app.get("/queries/{name}", tags=["named queries"])
    async def run_named(request: Request, name: str, format: str | None = None) -> Response:
        """Run a named query; its parameters come from the query string and are bound as RDF terms."""
        if pages.wants_html(request.headers.get("accept"), format, neg.RESULT_FORMATS):
            return HTMLResponse(pages.named_query_page(service.named_query(name)), headers={"Vary": "Accept"})
        values = {k: v for k, v in request.query_params.items() if k not in protocol.RESERVED}
        text, substitutions = service.bind_named(name, values)
        return service.respond(await service.query_reply(text, accept=request.headers.get("accept"), format=format,
                                                         substitutions=substitutions))

    @app.api_route("/rdf-graphs", methods=["GET", "HEAD"], tags=["graph store"])
    async def graph_get(
        request: Request,
        graph: str | None = Query(None, description="IRI of a named graph (a study's graph)"),
        default: str | None = Query(None, description="present: the default graph, the union of all graphs"),
        format: str | None = None,
    ) -> Response:
        """Graph Store Protocol, read: one graph in the negotiated RDF format (Turtle by default)."""
        name = _graph_target(graph, default)
        fmt = neg.choose(request.headers.get("accept"), format, neg.GRAPH_FORMATS, neg.TURTLE)
        if fmt is None:
            raise HttpError(406, "not-acceptable", "graphs are served as Turtle, N-Triples, JSON-LD or RDF/XML")
        reply = await service.run(execute.graph, graph=name, format=fmt.name, max_rows=service.limits.max_rows)
        return service.respond(reply, head=request.method == "HEAD")

    @app.api_route("/rdf-graphs", methods=["PUT", "POST", "DELETE"], tags=["graph store"])
    async def graph_write(request: Request) -> Response:
        """Graph Store Protocol, write: only with --allow-update and the bearer token."""
        service.authorize_write(request.headers.get("authorization"))
        name = _graph_target(request.query_params.get("graph"), request.query_params.get("default"))
        data = protocol.decode(await request.body()) if request.method != "DELETE" else None
        op = (request.method, name, data, _media_type(request) or "text/turtle")
        await service.run(execute.update, store_path=str(service.store_path), graph_op=op)
        return Response(status_code=204)


def _graph_target(graph: str | None, default: str | None) -> str | None:
    if graph is not None and default is not None:
        raise HttpError(400, "bad-request", "give either ?graph=IRI or ?default, not both")
    if graph is None and default is None:
        raise HttpError(400, "bad-request", "which graph? give ?graph=IRI or ?default",
                        hint="a study's graph is <BASE/graph/NCT…>; the default graph is the union of all")
    return graph
