"""The one door: a single SPARQL 1.1 Protocol handler for ``/sparql`` and ``/queries/{name}``.

Both paths are answered here, as plain ASGI, ahead of the framework: through FastAPI a query
would pay for routing, a Request object and the middleware stack, several times the work of
a lookup query itself. Every other request (pages, Graph Store, VoID, OpenAPI and its
``/docs``) goes to the FastAPI app. :func:`outer_stack` wraps the two once, together, in
Starlette's CORS middleware, the body limit and the access log, so there is one of each.

A query's client that goes away (the query page's Cancel, a closed connection) is noticed
while the query runs (ASGI ``http.disconnect``) and its job is cancelled, which stops the
work in the worker pool: a query nobody waits for no longer holds a worker until its time
limit. Updates are not cut short that way: a write runs to its end or to its time limit.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from kg_builder.errors import KgBuilderError, ServiceError
from kg_builder.server import negotiation as neg
from kg_builder.server import pages, reading
from kg_builder.server.access_log import AccessLog
from kg_builder.server.browse import entity_view
from kg_builder.server.dataset import service_description
from kg_builder.server.lanes import CLIENT
from kg_builder.server.limits import BodyLimitMiddleware, BodyTooLarge
from kg_builder.server.problems import HttpError, error_response
from kg_builder.server.service import Service

SPARQL = "/sparql"
NAMED = "/queries/"
_SPARQL_ALLOW = "GET, HEAD, POST, OPTIONS"
_NAMED_ALLOW = "GET, HEAD, OPTIONS"


class SparqlDoor:
    """ASGI: the SPARQL protocol on ``/sparql`` and the named queries; every other request to ``app``."""

    def __init__(self, app: ASGIApp, service: Service) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path, root = scope["path"], scope.get("root_path", "")
            if root and path.startswith(root):  # mounted in another app: route on the path below the mount
                path = path[len(root):]
            if path in (SPARQL, SPARQL + "/"):  # the W3C suite, and some clients, address it with a slash
                await self._answer(self._sparql, scope, receive, send)
                return
            name = path[len(NAMED):] if path.startswith(NAMED) else ""
            if name and "/" not in name:  # what /queries/{name} matches (the path comes decoded)
                await self._answer(lambda s, r: self._named(s, r, name), scope, receive, send)
                return
        await self.app(scope, receive, send)

    async def _answer(self, handler, scope: Scope, receive: Receive, send: Send) -> None:
        peer = scope.get("client")
        client = CLIENT.set(peer[0] if peer else "-")  # the worker pool's turns go client by client (server.lanes)
        try:
            await self._respond(handler, scope, receive, send)
        finally:
            CLIENT.reset(client)

    async def _respond(self, handler, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            response = await handler(scope, receive)
        except _ClientGone:
            return  # nobody to answer (the access log says 499)
        except BodyTooLarge:
            raise  # BodyLimitMiddleware answers 413 (a KgBuilderError too, so it goes first)
        except HttpError as exc:
            response = error_response(exc)
        except KgBuilderError as exc:
            response = error_response(HttpError.from_domain(exc))
        except Exception:
            # as Starlette's ServerErrorMiddleware does: a bare 500, then the error goes on to be logged
            await PlainTextResponse("Internal Server Error", status_code=500)(scope, receive, send)
            raise
        await response(scope, receive, send)

    async def _sparql(self, scope: Scope, receive: Receive) -> Response:
        method = scope["method"]
        if method not in ("GET", "HEAD", "POST"):
            return _not_allowed(method, _SPARQL_ALLOW)
        headers = _headers(scope)
        body = await _body(receive) if method == "POST" else b""
        asked = reading.read(method, scope["query_string"], headers.get("content-type"), body)
        service = self.service
        if asked.update is not None:
            return await service.update(asked.update, authorization=headers.get("authorization"),
                                        using_graphs=asked.using_graphs, using_named_graphs=asked.using_named_graphs)
        if asked.query is None:
            if method == "POST":
                raise HttpError(400, "missing-query", "no query in the request", hint="send query=... or update=...")
            return self._describe(scope, headers.get("accept"), asked.format, head=method == "HEAD")
        reply = await _unless_gone(service.query_reply(
            asked.query, accept=headers.get("accept"), format=asked.format, default_graphs=asked.default_graphs,
            named_graphs=asked.named_graphs), receive)
        return service.respond(reply, head=method == "HEAD")

    async def _named(self, scope: Scope, receive: Receive, name: str) -> Response:
        method = scope["method"]
        if method not in ("GET", "HEAD"):
            return _not_allowed(method, _NAMED_ALLOW)
        values, format = reading.named_values(scope["query_string"])
        if pages.wants_html(_headers(scope).get("accept"), format, neg.RESULT_FORMATS):  # a browser: the query's page
            page = pages.named_query_page(self.service.named_query(name))
            return HTMLResponse(b"" if method == "HEAD" else page, headers={"Vary": "Accept"})
        text, substitutions = self.service.bind_named(name, values)
        reply = await _unless_gone(self.service.query_reply(
            text, accept=_headers(scope).get("accept"), format=format, substitutions=substitutions,
            fallback=self.service.named_query(name).direct or None, named=True), receive)
        return self.service.respond(reply, head=method == "HEAD")

    def _describe(self, scope: Scope, accept: str | None, format: str | None, *, head: bool) -> Response:
        """``/sparql`` with no operation: the Service Description (a browser gets it as a page)."""
        html = pages.wants_html(accept, format, neg.GRAPH_FORMATS)
        fmt = neg.TURTLE if html else neg.choose(accept, format, neg.GRAPH_FORMATS, neg.TURTLE)
        if fmt is None:
            raise HttpError(406, "not-acceptable", "the service description is served as RDF",
                            hint="acceptable: " + ", ".join(f.media_type for f in neg.GRAPH_FORMATS))
        root = _root(scope)
        limits = self.service.limits
        body = service_description(root + SPARQL, root + "/.well-known/void", allow_update=limits.allow_update,
                                   allow_service=bool(limits.allow_service), prefixes=self.service.prefixes,
                                   base=self.service.base, fmt=fmt.name)
        if html:  # a browser at the endpoint's address: what it is, and the way to the query page
            formats = [(f.name, f"{SPARQL}?format={f.aliases[0]}") for f in neg.GRAPH_FORMATS]
            body = pages.description_page(
                entity_view(self.service), "The SPARQL endpoint", 'This is the SPARQL 1.1 endpoint; send it queries, '
                'or write them in <a href="/">the query page</a>. Its service description:', body, formats).encode()
            return HTMLResponse(b"" if head else body, headers={"Vary": "Accept"})
        return Response(b"" if head else body, media_type=fmt.content_type, headers={"Vary": "Accept"})


class _ClientGone(ServiceError):
    """The client went away while its query ran (the query was cancelled); caught in the door."""


_T = TypeVar("_T")
_WATCH_AFTER = 0.05  # seconds a query runs before the door watches for its client leaving


async def _unless_gone(work: Awaitable[_T], receive: Receive) -> _T:
    """Await ``work``; if the client disconnects meanwhile, cancel it and raise :class:`_ClientGone`.

    The request's body has been read by then (a GET has none), so ``receive`` has nothing left to give but
    ``http.disconnect``: the server sends that when the connection closes (and only once the response is
    complete otherwise). Cancelling ``work`` cancels its pool job, which stops the worker's work. The watch
    starts only once ``work`` has taken ``_WATCH_AFTER`` s: most queries are done before that, and a watching
    task for each would cost a lookup more than the rest of the door does.
    """
    task = asyncio.current_task()
    assert task is not None
    gone = False
    watcher: asyncio.Future | None = None

    async def watch() -> None:
        nonlocal gone
        while (await receive())["type"] != "http.disconnect":
            pass  # a GET's empty body, not read before
        gone = True
        task.cancel()

    def start_watching() -> None:
        nonlocal watcher
        watcher = asyncio.ensure_future(watch())

    timer = asyncio.get_running_loop().call_later(_WATCH_AFTER, start_watching)
    try:
        return await work
    except asyncio.CancelledError:
        if not gone:
            raise  # the server itself is stopping the request
        task.uncancel()
        raise _ClientGone("the client went away while its query ran") from None
    finally:
        timer.cancel()
        if watcher is not None:
            watcher.cancel()


def _not_allowed(method: str, allow: str) -> Response:
    if method == "OPTIONS":  # CORS preflights were answered by the middleware; this is a plain OPTIONS
        return Response(status_code=204, headers={"Allow": allow})
    return error_response(HttpError(405, "method-not-allowed", f"{method} is not a method of this endpoint",
                                    headers={"Allow": allow}))


def _headers(scope: Scope) -> dict[str, str]:
    """The request's headers by lower-case name; a repeated header keeps its first value, as Starlette's does."""
    headers: dict[str, str] = {}
    for name, value in scope["headers"]:
        headers.setdefault(name.decode("latin-1"), value.decode("latin-1"))
    return headers


async def _body(receive: Receive) -> bytes:
    """The whole request body (the body limit is enforced around this by BodyLimitMiddleware)."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            raise HttpError(400, "bad-request", "the client went away before sending its body")
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _root(scope: Scope) -> str:
    """``scheme://host[:port]`` of this request, as Starlette's ``request.base_url`` gives it (no slash)."""
    host = _headers(scope).get("host")
    if not host:
        server = scope.get("server") or ("localhost", None)
        host = server[0] if server[1] in (None, 80, 443) else f"{server[0]}:{server[1]}"
    return f"{scope.get('scheme', 'http')}://{host}{scope.get('root_path', '')}"


class HeadAsGet:
    """ASGI: a HEAD request to the FastAPI app is answered as its GET, with the body left out."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: dict) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)


class Endpoint:
    """The whole server as one ASGI app; ``state`` is the FastAPI app's (``state.service``), as before."""

    def __init__(self, stack: ASGIApp, app: FastAPI) -> None:
        self.app = stack
        self.state = app.state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


def outer_stack(app: FastAPI, service: Service, *, cors: dict | None, access_log: bool) -> Endpoint:
    """The whole server: the door in front of ``app``, inside one body limit, one CORS layer and the access log."""
    stack: ASGIApp = SparqlDoor(HeadAsGet(app), service)
    stack = BodyLimitMiddleware(stack, max_body=service.limits.max_body)
    if cors is not None:
        stack = CORSMiddleware(stack, **cors)
    return Endpoint(AccessLog(stack) if access_log else stack, app)
