"""The CORS policy: one set of options for Starlette's middleware and for the fast path.

The fast path answers SPARQL queries ahead of the middleware stack, so it applies the
headers Starlette's ``CORSMiddleware`` adds to a simple (non-preflight) response itself:
:class:`SimpleCors` mirrors its ``send`` for the options :func:`cors_options` gives
(no credentials, no origin regex); the server tests check both answer alike.
"""

from __future__ import annotations

from kg_builder.settings import ServerSettings

RawHeaders = list[tuple[bytes, bytes]]


def cors_options(limits: ServerSettings) -> dict | None:
    """Keyword arguments for ``CORSMiddleware``, or None when CORS is off."""
    if not limits.cors_origins:
        return None
    if limits.cors_origins == ("*",):
        methods = ["GET", "HEAD"]  # public endpoints are open for reading, as is usual
    else:
        methods = ["GET", "HEAD", "POST"] + (["PUT", "DELETE"] if limits.allow_update else [])
    return {"allow_origins": list(limits.cors_origins), "allow_methods": methods,
            "allow_headers": ["Accept", "Content-Type", "Authorization"],
            "expose_headers": ["X-SPARQL-MaxRows", "X-Result-Truncated"]}


class SimpleCors:
    """The response headers ``CORSMiddleware(**options)`` gives a simple request."""

    def __init__(self, options: dict) -> None:
        origins = options["allow_origins"]
        self.allow_all = "*" in origins
        self.allowed = frozenset(origins)
        self.simple: RawHeaders = [(b"access-control-allow-origin", b"*")] if self.allow_all else []
        if options.get("expose_headers"):
            self.simple.append((b"access-control-expose-headers", ", ".join(options["expose_headers"]).encode()))

    def apply(self, headers: RawHeaders, origin: str | None) -> None:
        """Add the CORS headers to ``headers`` (lower-case names) for a request from ``origin`` (None: none)."""
        if origin is not None:
            for name, value in self.simple:
                _set(headers, name, value)
            if not self.allow_all and origin in self.allowed:
                _set(headers, b"access-control-allow-origin", origin.encode("latin-1"))
        # every answer varies with Origin, with or without one: Vary gains it, merged into one header
        vary = [value for name, value in headers if name == b"vary"]
        _set(headers, b"vary", b", ".join([*vary, b"Origin"]))


def _set(headers: RawHeaders, name: bytes, value: bytes) -> None:
    """Starlette's ``MutableHeaders.__setitem__``: replace the first ``name`` in place, drop the others."""
    found = [i for i, (key, _) in enumerate(headers) if key == name]
    for i in reversed(found[1:]):
        del headers[i]
    if found:
        headers[found[0]] = (name, value)
    else:
        headers.append((name, value))
