"""The request-body size limit, enforced while the body streams in (not only by Content-Length)."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kg_builder.errors import ServiceError


class BodyTooLarge(ServiceError):
    """The request body grew past the limit while it streamed in (answered 413)."""

    def __init__(self, message: str = "the request body is larger than the limit") -> None:
        super().__init__(message)


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.max_body <= 0:
            await self.app(scope, receive, send)
            return
        length = chunked = None
        for name, value in scope.get("headers") or ():
            if name == b"content-length":
                length = value
            elif name == b"transfer-encoding":
                chunked = value
        if length is None and chunked is None:  # HTTP/1.1: no body (a GET, most often): nothing to count
            await self.app(scope, receive, send)
            return
        if length is not None and length.isdigit() and int(length) > self.max_body:
            await refuse(send, self.max_body)
            return
        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await refuse(send, self.max_body)


async def refuse(send: Send, max_body: int) -> None:
    """The 413 answer (sent raw: it comes from outside the framework's error handling)."""
    body = json.dumps({"error": {
        "status": 413, "code": "body-too-large",
        "message": f"the request body is larger than the limit of {max_body} bytes",
        "hint": "send a shorter query, or ask the operator for a larger --max-body", "position": None,
    }}).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
