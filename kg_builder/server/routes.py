"""FastAPI routes next to the protocol: the list of named queries and the Graph Store Protocol (/rdf-graphs).

``/sparql`` and ``/queries/{name}`` themselves are answered by :mod:`kg_builder.server.door`,
ahead of the framework; their OpenAPI description is :mod:`kg_builder.server.openapi`'s.
"""

from __future__ import annotations

from fastapi import FastAPI, Query, Request
from fastapi.responses import HTMLResponse, Response

from kg_builder.server import execute, pages, reading
from kg_builder.server import negotiation as neg
from kg_builder.server.problems import HttpError
from kg_builder.server.service import Service


def add_routes(app: FastAPI, service: Service) -> None:
    @app.get("/queries", tags=["named queries"], operation_id="list_named_queries", response_model=list[dict])
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

    @app.get("/rdf-graphs", tags=["graph store"], operation_id="get_graph")
    async def graph_get(
        request: Request,
        graph: str | None = Query(None, description="IRI of a named graph (a study's graph)"),
        default: str | None = Query(None, description="present: the default graph, the union of all graphs"),
        format: str | None = Query(None, description="override Accept: ttl, nt, jsonld or rdfxml"),
    ) -> Response:
        """Graph Store Protocol, read: one graph in the negotiated RDF format (Turtle by default; HEAD too)."""
        name = _graph_target(graph, default)
        fmt = neg.choose(request.headers.get("accept"), format, neg.GRAPH_FORMATS, neg.TURTLE)
        if fmt is None:
            raise HttpError(406, "not-acceptable", "graphs are served as Turtle, N-Triples, JSON-LD or RDF/XML")
        reply = await service.run(execute.graph, graph=name, format=fmt.name, max_rows=service.limits.max_rows)
        return service.respond(reply)

    async def graph_write(request: Request) -> Response:
        """Graph Store Protocol, write: only with --allow-update and the bearer token."""
        service.authorize_write(request.headers.get("authorization"))
        name = _graph_target(request.query_params.get("graph"), request.query_params.get("default"))
        data = reading.decode(await request.body()) if request.method != "DELETE" else None
        op = (request.method, name, data, reading.media_type(request.headers.get("content-type"))[0] or "text/turtle")
        await service.run(execute.update, store_path=str(service.store_path), graph_op=op)
        return Response(status_code=204)

    for method, verb in (("PUT", "replace"), ("POST", "add to"), ("DELETE", "delete")):
        app.add_api_route("/rdf-graphs", graph_write, methods=[method], tags=["graph store"],
                          operation_id=f"{method.lower()}_graph", status_code=204,
                          summary=f"Graph Store Protocol: {verb} a graph (--allow-update and the token)")


def _graph_target(graph: str | None, default: str | None) -> str | None:
    if graph is not None and default is not None:
        raise HttpError(400, "bad-request", "give either ?graph=IRI or ?default, not both")
    if graph is None and default is None:
        raise HttpError(400, "bad-request", "which graph? give ?graph=IRI or ?default",
                        hint="a study's graph is <BASE/graph/NCT…>; the default graph is the union of all")
    return reading.iri(graph, "graph") if graph is not None else None
