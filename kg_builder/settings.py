"""Settings: the one place that reads environment variables and knows where project data lives.

Every setting is one row of :data:`SETTINGS` (name, type, default, environment variable,
help); the dataclasses below take their defaults from the rows, the CLI builds its option
help from them, and ``tests/test_docs.py`` checks the README's table is :func:`settings_table`.

``Settings()`` and ``ServerSettings()`` are plain values (defaults only); the environment
is read by :meth:`Settings.from_env` and :meth:`ServerSettings.from_env`, and the server's
variables only when serving: a bad ``KG_BUILDER_TIMEOUT`` cannot break a build.

The ontology, shapes and named queries are package data (``kg_builder.ontology``,
``kg_builder.shapes``, ``kg_builder.queries``: the repository's top-level folders, shipped
inside the wheel), found with :mod:`importlib.resources`; the ``KG_BUILDER_*`` variables
point elsewhere.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from kg_builder.errors import InputError, UsageError

DEFAULT_BASE = "https://w3id.org/kg-builder/id/"
_BASE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:[^\s<>\"{}|\\^`]*[/#]$")


def check_base(base: str) -> str:
    """``base`` when it can prefix minted IRIs (absolute, ending with ``/`` or ``#``); UsageError otherwise."""
    if not _BASE.match(base):
        raise UsageError(f"base IRI must be absolute and end with '/' or '#': {base!r}",
                         hint="e.g. --base https://example.org/id/ (or KG_BUILDER_BASE)")
    return base


def packaged(name: str) -> Path:
    """The folder of the package data ``kg_builder.<name>`` (``ontology``, ``shapes``, ``queries``).

    Installed packages are plain folders (wheels are installed unpacked), so the resource
    is a real path that globbing and ``parse(path=...)`` can read."""
    try:
        return Path(str(resources.files(f"kg_builder.{name}")))
    except ModuleNotFoundError as exc:  # an editable install made before the data became package data
        raise InputError(f"package data kg_builder.{name} not found (the {name}/ folder)",
                         hint="re-install the package (pip install -e '.[test]'), or set "
                              f"KG_BUILDER_{name.upper()}") from exc


def _number(kind: type) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        value = kind(text)
        if value < 0:
            raise ValueError("negative")
        return value

    parse.__name__ = kind.__name__
    return parse


def _words(sep: str | None) -> Callable[[str], tuple[str, ...]]:
    def parse(text: str) -> tuple[str, ...]:
        return tuple(item.strip() for item in text.split(sep) if item.strip())

    return parse


@dataclass(frozen=True, slots=True)
class Setting:
    """One setting: where it lives, what it is, where it comes from, and what people are told about it."""

    name: str  # the field of Settings / ServerSettings; "" for a variable no dataclass holds
    env: str | None  # the environment variable, if one sets it
    type: str  # what the value is, as the README's table says it
    default: Any  # the value, or a function of no argument that computes it
    help: str
    default_text: str | None = None  # how help shows a computed default
    parse: Callable[[str], Any] = str  # environment text → value (ValueError when it is not one)
    server: bool = False  # read only when serving

    def default_value(self) -> Any:
        return self.default() if callable(self.default) else self.default

    def shown_default(self) -> str:
        if self.default_text is not None:
            return self.default_text
        value = self.default
        if isinstance(value, tuple):
            return " ".join(value) if value else "none"
        return "none" if value is None else str(value)

    def cli_help(self) -> str:
        """Option help: the row's help, its default and its variable."""
        return f"{self.help} (default {self.shown_default()}" + (f"; {self.env})" if self.env else ")")

    def from_env(self, environ: Mapping[str, str]) -> Any:
        """The value the environment gives, or the default; UsageError for a value of the wrong type."""
        text = environ.get(self.env) if self.env else None
        if text is None or (text == "" and not self.type.startswith("list") and self.type != "text"):
            return self.default_value()  # unset or empty: the default (an empty list or text is a value)
        try:
            value = self.parse(text)
        except ValueError:
            raise UsageError(f"{self.env}={text!r} is not a {self.type}",
                             hint=f"set it to a {self.type}, or unset it for the default "
                                  f"({self.shown_default()})") from None
        return value or None if self.type == "text" else value


SETTINGS: tuple[Setting, ...] = (
    Setting("base", "KG_BUILDER_BASE", "IRI ending in / or #", DEFAULT_BASE, "base IRI for minted IRIs"),
    Setting("ontology_dir", "KG_BUILDER_ONTOLOGY", "directory", lambda: packaged("ontology"),
            "directory of the ontology and code lists", "the packaged ontology/", Path),
    Setting("shapes_dir", "KG_BUILDER_SHAPES", "directory", lambda: packaged("shapes"),
            "directory of SHACL shapes", "the packaged shapes/", Path),
    Setting("queries_dir", "KG_BUILDER_QUERIES", "directory", lambda: packaged("queries"),
            "directory of named queries", "the packaged queries/", Path),
    Setting("", "SOURCE_DATE_EPOCH", "integer", None, "fixed build time (Unix seconds) for reproducible output",
            "the time of the build", int),
    Setting("timeout", "KG_BUILDER_TIMEOUT", "number", 30.0,
            "server: query time limit in seconds; the query's worker is killed past it", "30", _number(float),
            server=True),
    Setting("max_rows", "KG_BUILDER_MAX_ROWS", "integer", 10_000,
            "server: most result rows (or triples) one answer carries; 0 for no limit", None, _number(int),
            server=True),
    Setting("workers", "KG_BUILDER_WORKERS", "integer", lambda: max(2, os.cpu_count() or 1),
            "server: query worker processes", "the number of CPUs, at least 2", _number(int), server=True),
    Setting("threads", "KG_BUILDER_THREADS", "integer", 4,
            "server: queries each worker process runs at once, one per thread", None, _number(int), server=True),
    Setting("heavy_workers", "KG_BUILDER_HEAVY_WORKERS", "integer", 2,
            "server: worker processes of the heavy lane (one query each, at lower CPU priority) for queries "
            "known to take over the light budget; 0 for one lane", None, _number(int), server=True),
    Setting("light_budget", "KG_BUILDER_LIGHT_BUDGET", "number", 0.25,
            "server: CPU seconds a query runs in the light lane; past it the query runs on at low priority and "
            "its shape goes to the heavy lane from then on", None, _number(float), server=True),
    Setting("heavy_queue", "KG_BUILDER_HEAVY_QUEUE", "integer", 8,
            "server: heavy queries that may wait for the heavy lane; more are answered 503 with Retry-After",
            None, _number(int), server=True),
    Setting("heavy_nice", "KG_BUILDER_HEAVY_NICE", "integer", 10,
            "server: the CPU niceness (0-19) of heavy queries", None, _number(int), server=True),
    Setting("max_body", "KG_BUILDER_MAX_BODY", "integer", 1 << 20,
            "server: largest accepted request body in bytes", None, _number(int), server=True),
    Setting("allow_update", None, "flag", False,
            "server: accept SPARQL Update and Graph Store writes (needs a token)", "off", server=True),
    Setting("token", "KG_BUILDER_TOKEN", "text", None,
            "server: bearer token that SPARQL Update and Graph Store writes need", server=True),
    Setting("allow_service", "KG_BUILDER_ALLOW_SERVICE", "list (space-separated)", (),
            "server: endpoint IRIs that SERVICE / LOAD may reach", None, _words(None), server=True),
    Setting("cors_origins", "KG_BUILDER_CORS", "list (comma-separated)", ("*",),
            "server: CORS origins (GET only for *; empty disables CORS)", None, _words(","), server=True),
)
_ROWS = {row.name: row for row in SETTINGS if row.name}


def setting(name: str) -> Setting:
    """The row of setting ``name`` (a field of :class:`Settings` or :class:`ServerSettings`)."""
    return _ROWS[name]


def _from_env(cls: type, environ: Mapping[str, str] | None, overrides: dict[str, Any]) -> Any:
    environ = os.environ if environ is None else environ
    values = {f.name: _ROWS[f.name].from_env(environ) for f in dataclasses.fields(cls) if f.name in _ROWS}
    values.update({name: value for name, value in overrides.items() if value is not None})
    return cls(**values)


@dataclass(frozen=True, slots=True)
class ServerSettings:
    """What ``kg-builder serve`` does: safe and bounded by default (read-only, no outbound requests).

    >>> ServerSettings(timeout=10).timeout, ServerSettings().max_rows
    (10, 10000)
    """

    timeout: float = field(default_factory=_ROWS["timeout"].default_value)
    max_rows: int = field(default_factory=_ROWS["max_rows"].default_value)
    workers: int = field(default_factory=_ROWS["workers"].default_value)
    threads: int = field(default_factory=_ROWS["threads"].default_value)
    heavy_workers: int = field(default_factory=_ROWS["heavy_workers"].default_value)
    light_budget: float = field(default_factory=_ROWS["light_budget"].default_value)
    heavy_queue: int = field(default_factory=_ROWS["heavy_queue"].default_value)
    heavy_nice: int = field(default_factory=_ROWS["heavy_nice"].default_value)
    max_body: int = field(default_factory=_ROWS["max_body"].default_value)
    allow_update: bool = field(default_factory=_ROWS["allow_update"].default_value)
    token: str | None = field(default_factory=_ROWS["token"].default_value)
    allow_service: tuple[str, ...] = field(default_factory=_ROWS["allow_service"].default_value)
    cors_origins: tuple[str, ...] = field(default_factory=_ROWS["cors_origins"].default_value)

    def __post_init__(self) -> None:
        for name in ("timeout", "workers", "threads", "max_body", "light_budget"):
            if not getattr(self, name) > 0:
                raise UsageError(f"{name} must be positive, not {getattr(self, name)!r}")
        if not 0 <= self.heavy_nice <= 19:
            raise UsageError(f"heavy_nice must be a niceness from 0 to 19, not {self.heavy_nice!r}")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> ServerSettings:
        """The environment's server settings (``KG_BUILDER_TIMEOUT`` …), with ``overrides`` not None on top."""
        return _from_env(cls, environ, overrides)


@dataclass(frozen=True, slots=True)
class Settings:
    """Where the data lives and how IRIs are minted; ``server`` is None until something serves.

    >>> Settings(base="https://example.org/id/").base
    'https://example.org/id/'
    >>> Settings(base="example.org")
    Traceback (most recent call last):
    kg_builder.errors.UsageError: base IRI must be absolute and end with '/' or '#': 'example.org' (hint: ...)
    """

    base: str = field(default_factory=_ROWS["base"].default_value)
    ontology_dir: Path = field(default_factory=_ROWS["ontology_dir"].default_value)
    shapes_dir: Path = field(default_factory=_ROWS["shapes_dir"].default_value)
    queries_dir: Path = field(default_factory=_ROWS["queries_dir"].default_value)
    server: ServerSettings | None = None

    def __post_init__(self) -> None:
        check_base(self.base)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """The environment's settings (``KG_BUILDER_BASE`` …), with ``overrides`` not None on top.

        The server's variables are not read here (see :meth:`ServerSettings.from_env`)."""
        return _from_env(cls, environ, overrides)


def settings_table() -> list[str]:
    """The README's table of environment variables, one Markdown row per variable."""
    rows = ["| variable | type | default | meaning |", "|---|---|---|---|"]
    for row in SETTINGS:
        if row.env:
            rows.append(f"| `{row.env}` | {row.type} | {row.shown_default()} | {row.help} |")
    return rows


def build_time() -> str:
    """The build's ``xsd:dateTime``: SOURCE_DATE_EPOCH when set (reproducible builds), else now."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = (
        _dt.datetime.fromtimestamp(int(epoch), tz=_dt.UTC)
        if epoch and epoch.strip().isdigit()
        else _dt.datetime.now(tz=_dt.UTC).replace(microsecond=0)
    )
    return moment.isoformat().replace("+00:00", "Z")
