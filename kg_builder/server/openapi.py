"""The OpenAPI document and its interactive page, ``/docs``, served offline.

FastAPI describes the routes it serves; ``/sparql`` and ``/queries/{name}`` are answered
ahead of it (:mod:`kg_builder.server.door`), so their description is data
(``openapi_paths.json``), merged in here. Swagger UI's files come from the
``swagger-ui-bundle-v2`` package and are served from this server: the page loads
nothing from another host.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

_PATHS = Path(__file__).with_name("openapi_paths.json")
DOCS_ASSETS = "/docs-assets"


def _protocol_paths() -> tuple[dict, dict]:
    """The protocol's path items (each operation given the common error responses) and their components."""
    data = json.loads(_PATHS.read_text(encoding="utf-8"))
    common, components = data.pop("$common_responses"), data.pop("$components")
    for item in data.values():
        for operation in item.values():
            responses = operation["responses"]
            if responses.pop("$ref_common", False):
                operation["responses"] = {**copy.deepcopy(common), **responses}
    return data, components


def install(app: FastAPI) -> None:
    """Give ``app`` the whole OpenAPI document at /openapi.json and Swagger UI at /docs."""
    paths, components = _protocol_paths()

    def openapi() -> dict:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description,
                                 routes=app.routes, tags=app.openapi_tags)
            schema["paths"] = {**paths, **schema.get("paths", {})}
            found = schema.setdefault("components", {})
            for section, entries in components.items():
                found.setdefault(section, {}).update(entries)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    try:
        from swagger_ui_bundle import swagger_ui_path
    except ImportError:  # the package is a dependency; without it /docs says so instead of loading a CDN
        swagger_ui_path = None
    if swagger_ui_path is not None:
        app.mount(DOCS_ASSETS, StaticFiles(directory=swagger_ui_path), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        if swagger_ui_path is None:
            return HTMLResponse("<p>Swagger UI is not installed (pip install swagger-ui-bundle-v2); the API is "
                                "described at <a href='/openapi.json'>/openapi.json</a>.</p>", status_code=501)
        return get_swagger_ui_html(openapi_url="/openapi.json", title=f"{app.title} — API",
                                   swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
                                   swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
                                   swagger_favicon_url=f"{DOCS_ASSETS}/favicon-32x32.png")
