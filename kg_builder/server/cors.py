"""The CORS policy: the options of Starlette's ``CORSMiddleware``, which wraps the whole server once."""

from __future__ import annotations

from kg_builder.settings import ServerSettings


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
