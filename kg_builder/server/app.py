"""The HTTP application and :func:`serve`.

``create_app(store_path, settings)`` builds a fresh server (no module-level app): the SPARQL
protocol door (:mod:`kg_builder.server.door`) in front of a FastAPI app for everything else,
inside one CORS layer, one body limit and the access log. No handler touches the store:
queries run in worker processes (see :mod:`kg_builder.server.worker`) and handlers await
their pipe, so the event loop is never blocked and a slow query holds no thread. Handlers
with no store work at all are plain ``def``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote, urlencode

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from kg_builder.errors import KgBuilderError, UsageError
from kg_builder.server import execute, openapi, reading
from kg_builder.server import negotiation as neg
from kg_builder.server.browse import STATIC, add_browse_routes, entity_view
from kg_builder.server.cors import cors_options
from kg_builder.server.door import Endpoint, outer_stack
from kg_builder.server.limits import BodyTooLarge
from kg_builder.server.pages import description_page, message_page, wants_html
from kg_builder.server.problems import (
    HttpError,
    handle_domain_error,
    handle_http_error,
    handle_starlette_http,
    handle_validation_error,
)
from kg_builder.server.service import Service
from kg_builder.settings import ServerSettings, Settings
from kg_builder.store.generations import current_generation


def create_app(store_path: str | Path, settings: Settings | None = None, *, backend: str | None = None,
               access_log: bool = True) -> Endpoint:
    """The server over the store at ``store_path``, or over the SPARQL endpoint ``backend`` (read-only)."""
    settings = settings or Settings()
    if settings.server is None:  # serving is when the server's environment is read
        settings = dataclasses.replace(settings, server=ServerSettings.from_env())
    if settings.server.allow_update and not settings.server.token:
        raise UsageError("--allow-update needs a token", hint="pass --token T or set KG_BUILDER_TOKEN")
    if backend and settings.server.allow_update:
        raise UsageError("writes (--allow-update) cannot be used with --backend",
                         hint="write to the external store directly")
    service = Service(store_path, settings, backend=backend)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        service.pool.start()
        try:
            yield
        finally:
            service.pool.close()

    app = FastAPI(
        title="kg_builder SPARQL endpoint",
        version="1",
        description="SPARQL 1.1 Protocol, Graph Store Protocol (read), named queries and linked data "
        "over a clinical-trial knowledge graph.",
        lifespan=lifespan,
        docs_url=None,  # /docs is openapi.install's: Swagger UI served from here, not from a CDN
        redoc_url=None,
    )
    app.state.service = service
    app.add_exception_handler(HttpError, handle_http_error)
    app.add_exception_handler(KgBuilderError, handle_domain_error)
    app.add_exception_handler(BodyTooLarge, _pass_to_body_limit)
    app.add_exception_handler(RequestValidationError, handle_validation_error)
    app.add_exception_handler(StarletteHTTPException, handle_starlette_http)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    openapi.install(app)

    from kg_builder.server import routes

    routes.add_routes(app, service)
    _add_pages(app, service)
    return outer_stack(app, service, cors=cors_options(settings.server), access_log=access_log)


async def _pass_to_body_limit(_request: Request, exc: Exception) -> Response:
    """A body over the limit is BodyLimitMiddleware's to answer (413, before any response): not a domain error."""
    raise exc


def _add_pages(app: FastAPI, service: Service) -> None:
    view = entity_view(service)

    add_browse_routes(app, service)

    @app.get("/health", tags=["service"])
    def health() -> JSONResponse:
        if service.backend:
            return JSONResponse({"status": "ok", "backend": service.backend, "workers": service.pool.size,
                                 "idle_workers": service.pool.idle, "stopped_queries": service.pool.killed,
                                 "cancelled_queries": service.pool.cancelled, "outbound": service.outbound()})
        generation = current_generation(service.store_path)
        ok = generation is not None and generation.is_dir()
        return JSONResponse(
            {"status": "ok" if ok else "no-store", "generation": generation.name if ok else None,
             "workers": service.pool.size, "idle_workers": service.pool.idle,
             "stopped_queries": service.pool.killed, "cancelled_queries": service.pool.cancelled,
             "outbound": service.outbound()},
            status_code=200 if ok else 503,
        )

    async def describe_entity(request: Request, iri: str, format: str | None) -> Response:
        reading.iri(iri, "iri")
        accept = request.headers.get("accept")
        fmt = neg.choose(accept, format, neg.ENTITY_FORMATS, neg.TURTLE)
        if fmt is None:
            raise HttpError(406, "not-acceptable", f"cannot describe <{iri}> in the asked format",
                            hint="acceptable: " + ", ".join(f.media_type for f in neg.ENTITY_FORMATS))
        if fmt is neg.HTML:
            try:
                reply = await service.run(execute.entity, iri=iri)
            except HttpError as exc:
                if exc.status != 404:
                    raise
                return HTMLResponse(message_page(404, "Not found", exc.message), status_code=404)
            here = service.local_path(iri) or "/resource"
            extra = {} if service.local_path(iri) else {"iri": iri}
            formats = [(f.name, f"{quote(here)}?{urlencode({**extra, 'format': f.aliases[0]})}")
                       for f in neg.GRAPH_FORMATS]
            return HTMLResponse(view.page(reply.data, formats), headers={"Vary": "Accept"})
        reply = await service.run(execute.describe, iri=iri, format=fmt.name, max_rows=service.limits.max_rows)
        return service.respond(reply)

    @app.get("/resource", tags=["linked data"])
    async def resource(request: Request, iri: str = Query(..., description="the IRI to describe"),
                 format: str | None = None) -> Response:
        """Any IRI of the graph: an HTML page for browsers, its CBD for RDF clients."""
        return await describe_entity(request, iri, format)

    @app.get("/.well-known/void", tags=["service"])
    async def void(request: Request, format: str | None = None) -> Response:
        """VoID of the dataset: RDF for clients, a page for browsers."""
        accept = request.headers.get("accept")
        html = wants_html(accept, format, neg.GRAPH_FORMATS)
        fmt = neg.TURTLE if html else neg.choose(accept, format, neg.GRAPH_FORMATS, neg.TURTLE)
        if fmt is None:
            raise HttpError(406, "not-acceptable", "VoID is served as Turtle, N-Triples, JSON-LD or RDF/XML")
        root = str(request.base_url)
        body = await service.void(dataset_iri=root + ".well-known/void#dataset", endpoint=root + "sparql",
                                  fmt=fmt.name)
        if html:
            formats = [(f.name, f"/.well-known/void?format={f.aliases[0]}") for f in neg.GRAPH_FORMATS]
            return HTMLResponse(description_page(view, "The dataset (VoID)", "What this endpoint serves: its size, "
                                                 "classes and links to other datasets, in the VoID vocabulary.",
                                                 body, formats), headers={"Vary": "Accept"})
        return Response(body, media_type=fmt.content_type, headers={"Vary": "Accept"})

    # Last: IRIs minted under the base resolve at the base's path on this server.
    base_path = service.base_path.rstrip("/")

    @app.get(base_path + "/{rest:path}", tags=["linked data"])
    async def minted(request: Request, rest: str, format: str | None = None) -> Response:
        """An IRI minted under the configured base, addressed by its path."""
        if not rest:
            return RedirectResponse("/", status_code=303)
        return await describe_entity(request, service.base + rest, format)


def serve(
    store_path: str | Path,
    settings: Settings | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    backend: str | None = None,
    log_level: str = "info",
    access_log: bool = True,
) -> None:
    """Run the endpoint of :func:`create_app` until interrupted (``settings.server`` None: the environment's).

    ``access_log``: one line per request in the Common Log Format on standard error.
    """
    import logging
    import sys

    import uvicorn

    from kg_builder.server.access_log import LOGGER
    from kg_builder.server.http_layer import protocol_class

    if access_log and not LOGGER.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        LOGGER.addHandler(handler)
        LOGGER.setLevel(logging.INFO)
        LOGGER.propagate = False
    asgi = create_app(store_path, settings, backend=backend, access_log=access_log)
    # one server process: parallelism and isolation come from the query worker processes; requests the HTTP
    # parser rejects are answered in the endpoint's error shape (http_layer), not as plain text
    uvicorn.run(asgi, host=host, port=port, log_level=log_level, access_log=False, http=protocol_class())
