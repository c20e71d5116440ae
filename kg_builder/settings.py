"""Settings: the one place that reads environment variables and knows where project data lives.

The ontology, shapes and named queries are package data (``kg_builder.ontology``,
``kg_builder.shapes``, ``kg_builder.queries``: the repository's top-level folders, shipped
inside the wheel), found with :mod:`importlib.resources`; the ``KG_BUILDER_*`` variables
point elsewhere.

Every setting is declared once, as data with help text (see :data:`SETTINGS_HELP`);
a test checks the README mentions each environment variable.
"""

from __future__ import annotations

import datetime as _dt
import os
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from kg_builder.vocab import DEFAULT_BASE

SETTINGS_HELP: dict[str, str] = {
    "KG_BUILDER_BASE": "base IRI for minted IRIs (default https://w3id.org/kg-builder/id/)",
    "KG_BUILDER_ONTOLOGY": "directory of the ontology and code lists (default: the packaged ontology/)",
    "KG_BUILDER_SHAPES": "directory of SHACL shapes (default: the packaged shapes/)",
    "KG_BUILDER_QUERIES": "directory of named queries (default: the packaged queries/)",
    "SOURCE_DATE_EPOCH": "fixed build time (Unix seconds) for reproducible output",
    "KG_BUILDER_TIMEOUT": "server: query time limit in seconds; the query's worker is killed past it (default 30)",
    "KG_BUILDER_MAX_ROWS": "server: most result rows (or triples) one answer carries; 0 for no limit (default 10000)",
    "KG_BUILDER_WORKERS": "server: query worker processes (default: number of CPUs, at least 2)",
    "KG_BUILDER_THREADS": "server: queries each worker process runs at once, one per thread (default 4)",
    "KG_BUILDER_MAX_BODY": "server: largest accepted request body in bytes (default 1048576)",
    "KG_BUILDER_TOKEN": "server: bearer token that SPARQL Update and Graph Store writes need (with --allow-update)",
    "KG_BUILDER_ALLOW_SERVICE": "server: space-separated endpoint IRIs that SERVICE / LOAD may reach (default none)",
    "KG_BUILDER_CORS": "server: comma-separated CORS origins (default *, GET only; empty string disables CORS)",
}


def packaged(name: str) -> Path:
    """The folder of the package data ``kg_builder.<name>`` (``ontology``, ``shapes``, ``queries``).

    Installed packages are plain folders (wheels are installed unpacked), so the resource
    is a real path that globbing and ``parse(path=...)`` can read."""
    return Path(str(resources.files(f"kg_builder.{name}")))


def _path(env: str, package: str) -> Path:
    value = os.environ.get(env)
    return Path(value) if value else packaged(package)


def _env_number(env: str, default: float, kind: type = float) -> float:
    value = os.environ.get(env)
    try:
        return kind(value) if value not in (None, "") else default
    except ValueError as exc:
        raise ValueError(f"{env}={value!r} is not a number") from exc


def _env_list(env: str, default: tuple[str, ...], sep: str | None) -> tuple[str, ...]:
    value = os.environ.get(env)
    if value is None:
        return default
    return tuple(item.strip() for item in value.split(sep) if item.strip())


@dataclass(frozen=True)
class ServerSettings:
    """What ``kg-builder serve`` does: safe and bounded by default (read-only, no outbound requests)."""

    timeout: float = field(default_factory=lambda: _env_number("KG_BUILDER_TIMEOUT", 30.0))
    max_rows: int = field(default_factory=lambda: int(_env_number("KG_BUILDER_MAX_ROWS", 10_000, int)))
    workers: int = field(
        default_factory=lambda: int(_env_number("KG_BUILDER_WORKERS", max(2, os.cpu_count() or 1), int))
    )
    threads: int = field(default_factory=lambda: int(_env_number("KG_BUILDER_THREADS", 4, int)))
    max_body: int = field(default_factory=lambda: int(_env_number("KG_BUILDER_MAX_BODY", 1 << 20, int)))
    allow_update: bool = False
    token: str | None = field(default_factory=lambda: os.environ.get("KG_BUILDER_TOKEN") or None)
    allow_service: tuple[str, ...] = field(
        default_factory=lambda: _env_list("KG_BUILDER_ALLOW_SERVICE", (), None)
    )
    cors_origins: tuple[str, ...] = field(default_factory=lambda: _env_list("KG_BUILDER_CORS", ("*",), ","))


@dataclass(frozen=True)
class Settings:
    base: str = field(default_factory=lambda: os.environ.get("KG_BUILDER_BASE") or DEFAULT_BASE)
    ontology_dir: Path = field(default_factory=lambda: _path("KG_BUILDER_ONTOLOGY", "ontology"))
    shapes_dir: Path = field(default_factory=lambda: _path("KG_BUILDER_SHAPES", "shapes"))
    queries_dir: Path = field(default_factory=lambda: _path("KG_BUILDER_QUERIES", "queries"))
    server: ServerSettings = field(default_factory=ServerSettings)


def build_time() -> str:
    """The build's ``xsd:dateTime``: SOURCE_DATE_EPOCH when set (reproducible builds), else now."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = (
        _dt.datetime.fromtimestamp(int(epoch), tz=_dt.UTC)
        if epoch and epoch.strip().isdigit()
        else _dt.datetime.now(tz=_dt.UTC).replace(microsecond=0)
    )
    return moment.isoformat().replace("+00:00", "Z")
