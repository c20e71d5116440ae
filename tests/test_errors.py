"""One exception tree: every exception class kg_builder defines is a KgBuilderError, drawn in errors.py."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import kg_builder
from kg_builder import errors
from kg_builder.errors import KgBuilderError


def _exception_classes() -> dict[str, type]:
    found: dict[str, type] = {}
    for info in pkgutil.walk_packages(kg_builder.__path__, "kg_builder."):
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if inspect.isclass(value) and issubclass(value, BaseException) and value.__module__ == info.name:
                found[f"{info.name}.{name}"] = value
    return found


def test_every_exception_joins_the_tree_and_is_drawn() -> None:
    classes = _exception_classes()
    assert len(classes) >= 15  # the walk reached the server, validation and build modules
    outside = sorted(name for name, cls in classes.items() if not issubclass(cls, KgBuilderError))
    assert outside == [], "exceptions outside KgBuilderError"
    undrawn = sorted(name for name in classes if name.rsplit(".", 1)[1] not in (errors.__doc__ or ""))
    assert undrawn == [], "exceptions missing from the tree in kg_builder/errors.py's docstring"


def test_server_errors_keep_their_message_and_hint() -> None:
    from kg_builder.server.problems import HttpError
    from kg_builder.server.worker import PoolBusy, QueryTimeout

    error = HttpError(503, "timeout", "too slow", hint="add a LIMIT")
    assert (error.message, error.hint, str(error)) == ("too slow", "add a LIMIT", "too slow (hint: add a LIMIT)")
    assert str(QueryTimeout()) and str(PoolBusy())
