"""The access log, one line per request in the Common Log Format.

    127.0.0.1 - - [10/Oct/2026:13:55:36 +0000] "GET /sparql?query=ASK%20%7B%7D HTTP/1.1" 200 41

(host, identity and user unknown, the time, the request line, the status, the body's bytes or
``-``), written to the ``kg_builder.access`` logger, which ``serve`` sends to standard error. A
request the client gave up on before any answer is logged with status 499, as nginx does.
"""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

LOGGER = logging.getLogger("kg_builder.access")


class AccessLog:
    def __init__(self, app: ASGIApp, logger: logging.Logger = LOGGER) -> None:
        self.app = app
        self.logger = logger
        self._second = -1
        self._stamp = ""

    def _now(self) -> str:
        """The log's time stamp, formatted once per second."""
        second = int(time.time())
        if second != self._second:
            self._second, self._stamp = second, time.strftime("%d/%b/%Y:%H:%M:%S %z", time.localtime(second))
        return self._stamp

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.logger.isEnabledFor(logging.INFO):
            await self.app(scope, receive, send)
            return
        status, size = 499, 0

        async def counting(message: Message) -> None:
            nonlocal status, size
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and scope["method"] != "HEAD":
                size += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, counting)
        except Exception:
            status = 500
            raise
        finally:
            client = scope.get("client")
            target = scope.get("raw_path") or scope["path"].encode()
            if scope.get("query_string"):
                target += b"?" + scope["query_string"]
            line = target.decode("latin-1")
            if not line.isprintable() or '"' in line:  # a raw path is the client's: keep it on one quoted field
                line = line.encode("unicode_escape").decode("ascii").replace('"', '\\"')
            self.logger.info('%s - - [%s] "%s %s HTTP/%s" %d %s', client[0] if client else "-", self._now(),
                             scope["method"], line, scope.get("http_version", "1.1"), status, size or "-")
