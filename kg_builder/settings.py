"""Settings: the one place that reads environment variables and knows where project data lives.

Every setting is declared once, as data with help text (see :data:`SETTINGS_HELP`);
a test checks the README mentions each environment variable.
"""

from __future__ import annotations

import datetime as _dt
import os
from dataclasses import dataclass, field
from pathlib import Path

from kg_builder.vocab import DEFAULT_BASE

PROJECT_ROOT = Path(__file__).resolve().parent.parent

SETTINGS_HELP: dict[str, str] = {
    "KG_BUILDER_BASE": "base IRI for minted IRIs (default https://w3id.org/kg-builder/id/)",
    "KG_BUILDER_ONTOLOGY": "directory of the ontology and code lists (default ./ontology)",
    "KG_BUILDER_SHAPES": "directory of SHACL shapes (default ./shapes)",
    "KG_BUILDER_QUERIES": "directory of named queries (default ./queries)",
    "SOURCE_DATE_EPOCH": "fixed build time (Unix seconds) for reproducible output",
}


def _path(env: str, default: str) -> Path:
    return Path(os.environ.get(env) or PROJECT_ROOT / default)


@dataclass(frozen=True)
class Settings:
    base: str = field(default_factory=lambda: os.environ.get("KG_BUILDER_BASE") or DEFAULT_BASE)
    ontology_dir: Path = field(default_factory=lambda: _path("KG_BUILDER_ONTOLOGY", "ontology"))
    shapes_dir: Path = field(default_factory=lambda: _path("KG_BUILDER_SHAPES", "shapes"))
    queries_dir: Path = field(default_factory=lambda: _path("KG_BUILDER_QUERIES", "queries"))


def build_time() -> str:
    """The build's ``xsd:dateTime``: SOURCE_DATE_EPOCH when set (reproducible builds), else now."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = (
        _dt.datetime.fromtimestamp(int(epoch), tz=_dt.UTC)
        if epoch and epoch.strip().isdigit()
        else _dt.datetime.now(tz=_dt.UTC).replace(microsecond=0)
    )
    return moment.isoformat().replace("+00:00", "Z")
