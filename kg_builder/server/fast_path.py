"""The endpoint's hot path: SPARQL and named queries answered ahead of the framework.

Through FastAPI a query pays for routing, a Request object, the middleware stack and the
framework's per-request telemetry check: about 1 ms a request here, several times the work
of a lookup query itself. This plain ASGI layer sits in front of all of that and answers the
SPARQL 1.1 Protocol *query* requests itself — ``GET``/``HEAD /sparql?query=…`` and
``POST /sparql`` as a form or as ``application/sparql-query`` — and ``GET /queries/{name}``,
with the same :class:`~kg_builder.server.service.Service` (safety rules, negotiation, worker
pool, time and row limits), the same request reading (:mod:`kg_builder.server.protocol`),
the same body limit and CORS headers, and so the same statuses, headers and bodies, written
as raw ASGI messages.

Everything else goes to the app unchanged: the service description (no query), updates,
bodies it does not read (415 and the like), other methods and paths, a non-ASCII query
string (Starlette reads those its own way) or a mounted root path. A POST it passes on
gets its body replayed.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kg_builder.errors import KgBuilderError
from kg_builder.server import protocol
from kg_builder.server.cors import SimpleCors, cors_options
from kg_builder.server.errors import HttpError, error_response
from kg_builder.server.limits import refuse
from kg_builder.server.service import Service

_SPARQL = "/sparql"
_SPARQL_METHODS = frozenset({"GET", "HEAD", "POST"})
_NAMED = "/queries/"
_READ = frozenset({protocol.FORM, protocol.QUERY_TYPE})  # POST bodies that may hold a query


class FastPath:
    """ASGI middleware: SPARQL and named queries straight to ``service``; every other request to ``app``."""

    def __init__(self, app: ASGIApp, service: Service, cors: dict | None, max_body: int) -> None:
        self.app = app
        self.service = service
        self.cors = SimpleCors(cors) if cors else None
        self.max_body = max_body

    @classmethod
    def over(cls, app: FastAPI) -> FastPath:
        """In front of an app made by ``create_app``, with its service, CORS options and body limit."""
        service: Service = app.state.service
        return cls(app, service, cors_options(service.limits), service.limits.max_body)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("root_path") or not scope["query_string"].isascii():
            await self.app(scope, receive, send)
            return
        path, method = scope["path"], scope["method"]
        if path == _SPARQL and method in _SPARQL_METHODS:
            named = None
        elif path.startswith(_NAMED) and method == "GET" and path[len(_NAMED):] and "/" not in path[len(_NAMED):] \
                and not _wants_page(scope):
            named = path[len(_NAMED):]  # what the route /queries/{name} matches (the path comes decoded)
        else:
            await self.app(scope, receive, send)
            return
        headers: dict[bytes, bytes] = {}
        for name, value in scope["headers"]:
            headers.setdefault(name, value)  # the first of a repeated header, as Starlette's Headers.get
        body = b""
        if method == "POST":
            read = await self._body(scope, receive, send)
            if read is None:
                return  # answered 413, or the client left
            body, receive = read, _replay(read, receive)
        try:
            asked = self._named(named, scope) if named is not None else _read(scope, headers, body)
        except HttpError as exc:  # an update by GET (405), a body not UTF-8 (400), a named query's 404 and 400
            response = error_response(exc)
        else:
            if asked is None:
                await self.app(scope, receive, send)
                return
            try:
                response = await self._answer(asked, _text(headers.get(b"accept")), method == "HEAD")
            except Exception:
                # what Starlette's ServerErrorMiddleware does: a bare 500, then the error goes on to be logged
                await PlainTextResponse("Internal Server Error", status_code=500)(scope, receive, send)
                raise
        raw = response.raw_headers
        if self.cors is not None:
            self.cors.apply(raw, _text(headers.get(b"origin")))
        await send({"type": "http.response.start", "status": response.status_code, "headers": raw})
        await send({"type": "http.response.body", "body": response.body})

    def _named(self, name: str, scope: Scope) -> protocol.ProtocolRequest:
        values, format = protocol.named_values(scope["query_string"].decode("latin-1"))
        text, substitutions = self.service.bind_named(name, values)
        return protocol.ProtocolRequest(text, format=format, substitutions=substitutions)

    async def _answer(self, asked: protocol.ProtocolRequest, accept: str | None, head: bool) -> Response:
        """The response the handlers give the query (errors included, as the app's handlers shape them)."""
        try:
            reply = await self.service.query_reply(asked.query or "", accept=accept, format=asked.format,
                                                   default_graphs=asked.default_graphs,
                                                   named_graphs=asked.named_graphs, substitutions=asked.substitutions)
            return self.service.respond(reply, head=head)
        except HttpError as exc:
            return error_response(exc)
        except KgBuilderError as exc:
            return error_response(HttpError.from_domain(exc))

    async def _body(self, scope: Scope, receive: Receive, send: Send) -> bytes | None:
        """The whole request body within the limit (as BodyLimitMiddleware counts); None once answered 413."""
        limit = self.max_body
        if limit > 0:
            length = dict(scope["headers"]).get(b"content-length")
            if length is not None and length.isdigit() and int(length) > limit:
                await refuse(send, limit)
                return None
        chunks: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return None  # http.disconnect: nobody to answer
            chunk = message.get("body", b"")
            seen += len(chunk)
            if 0 < limit < seen:
                await refuse(send, limit)
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)


def _read(scope: Scope, headers: dict[bytes, bytes], body: bytes) -> protocol.ProtocolRequest | None:
    """The query request to answer here, or None to leave the request to the app."""
    if scope["method"] != "POST":
        asked = protocol.read_get(scope["query_string"].decode("latin-1"))
        return asked if asked.query is not None else None  # no query: the service description
    media = protocol.media_type(_text(headers.get(b"content-type")))
    if media not in _READ:
        return None  # updates, and the 415 for what no handler reads
    asked = protocol.read_post(media, body, scope["query_string"].decode())
    return asked if asked.query is not None and asked.update is None else None


def _wants_page(scope: Scope) -> bool:
    """Perhaps a browser asking for a named query's page: left to the app's route, which negotiates for real."""
    accept = next((v for k, v in scope["headers"] if k == b"accept"), None)
    return b"html" in scope["query_string"] or (accept is not None and b"html" in accept)


def _text(value: bytes | None) -> str | None:
    return value.decode("latin-1") if value is not None else None


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that gives the already read body once, then defers to the server's."""
    pending: list[Message] = [{"type": "http.request", "body": body, "more_body": False}]

    async def replayed() -> Message:
        return pending.pop() if pending else await receive()

    return replayed
