"""The access log, one line per request in the Common Log Format.

    127.0.0.1 - - [10/Oct/2026:13:55:36 +0000] "GET /sparql?query=ASK%20%7B%7D HTTP/1.1" 200 41

(host, identity and user unknown, the time, the request line, the status, the body's bytes or
``-``), written to the ``kg_builder.access`` logger, which ``serve`` sends to standard error. A
request the client gave up on before any answer is logged with status 499, as nginx does.

The line is written after the answer has gone out. ``serve``'s own handler
(:class:`LineHandler`) takes it as it is: when that handler is the logger's only one and
nothing filters the logger, the line goes straight to its stream, without a LogRecord,
which costs more than the rest of a lookup's logging. A logger configured otherwise
(another handler, a filter) gets a record per request, as any logger does.
"""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

LOGGER = logging.getLogger("kg_builder.access")


class LineHandler(logging.StreamHandler):
    """A stream handler that also takes finished lines (see the module's docstring)."""

    def write_line(self, line: str) -> None:
        with self.lock:  # type: ignore[union-attr]  (StreamHandler always has its lock)
            try:
                self.stream.write(line + self.terminator)
                self.flush()
            except Exception:  # as Handler.emit: a broken log stream never fails a request
                self.handleError(logging.makeLogRecord({"msg": line}))


def line_handler(stream) -> LineHandler:
    handler = LineHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    return handler


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

    def _write(self, line: str) -> None:
        logger = self.logger
        handlers = logger.handlers
        if len(handlers) == 1 and isinstance(handlers[0], LineHandler) and not logger.filters \
                and not handlers[0].filters and handlers[0].level <= logging.INFO:
            handlers[0].write_line(line)
        else:
            logger.info("%s", line)

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
            self._write(f'{client[0] if client else "-"} - - [{self._now()}] "{scope["method"]} {line} '
                        f'HTTP/{scope.get("http_version", "1.1")}" {status} {size or "-"}')
