"""kg_builder: clinical-trial registry records to a validated RDF knowledge graph.

The front door is :class:`KnowledgeGraph` (one graph store and everything done with it);
:class:`Settings` and :class:`ServerSettings` say how; every error raised on purpose is a
:class:`KgBuilderError`. The report classes are imported when first named, so that
``import kg_builder`` stays light (the CLI's ``--help`` loads no RDF or web library).

>>> from kg_builder import KnowledgeGraph, Settings
>>> KnowledgeGraph("demo-store", settings=Settings(base="https://example.org/id/"))
KnowledgeGraph('demo-store', base='https://example.org/id/')
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from kg_builder._version import __version__
from kg_builder.errors import (
    InputError,
    KgBuilderError,
    QueryError,
    ServiceError,
    StoreError,
    UsageError,
    ValidationError,
)
from kg_builder.graph import KnowledgeGraph
from kg_builder.settings import ServerSettings, Settings

if TYPE_CHECKING:
    from kg_builder.build import BuildReport
    from kg_builder.linking.align import LinkReport
    from kg_builder.remote.push import PushReport
    from kg_builder.store.named_queries import NamedQuery
    from kg_builder.store.query_results import QueryAnswer
    from kg_builder.store.stats import StoreStats
    from kg_builder.validation.report import ValidationReport

__all__ = [
    "BuildReport",
    "InputError",
    "KgBuilderError",
    "KnowledgeGraph",
    "LinkReport",
    "NamedQuery",
    "PushReport",
    "QueryAnswer",
    "QueryError",
    "ServerSettings",
    "ServiceError",
    "Settings",
    "StoreError",
    "StoreStats",
    "UsageError",
    "ValidationError",
    "ValidationReport",
    "__version__",
]

# The reports' modules load the RDF libraries: imported on first use.
_LAZY = {
    "BuildReport": "kg_builder.build",
    "LinkReport": "kg_builder.linking.align",
    "NamedQuery": "kg_builder.store.named_queries",
    "PushReport": "kg_builder.remote.push",
    "QueryAnswer": "kg_builder.store.query_results",
    "StoreStats": "kg_builder.store.stats",
    "ValidationReport": "kg_builder.validation.report",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'kg_builder' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
