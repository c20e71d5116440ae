"""The SPARQL endpoint: ``create_app(store_path, settings)`` and ``serve(store_path, settings, *, host, port)``.

Imported lazily so that a query worker process (which imports
:mod:`kg_builder.server.worker`) does not load the web framework.
"""

from __future__ import annotations

from typing import Any

__all__ = ["create_app", "serve"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from kg_builder.server import app

        return getattr(app, name)
    raise AttributeError(name)
