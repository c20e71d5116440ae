"""The library's front door: :class:`KnowledgeGraph`, one graph store and everything done with it.

The CLI and the server are its clients: each ``kg-builder`` command opens a
``KnowledgeGraph``, calls one method and prints the report it returns.

>>> kg = KnowledgeGraph(tmp / "demo-store", settings=Settings(base="https://example.org/id/"))
>>> report = kg.build([EXAMPLES / "ctgov-json", EXAMPLES / "seeds"], strict=True)
>>> report.outcome, report.built
('all', 8)
>>> kg.validate().raise_for_violations()          # raising is opt-in; the report says what it found
>>> answer = kg.query(name="trial-overview", params={"nct": "NCT07003074"})
>>> [row["phase"] for row in answer.rows()]
['PHASE3']
>>> kg.stats().studies
8
>>> kg.query("SELECT ?trial { ?trial kg:registryId 'NCT07003074' }").rows()
[{'trial': 'https://example.org/id/trial/NCT07003074'}]
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from kg_builder.errors import UsageError
from kg_builder.settings import ServerSettings, Settings

if TYPE_CHECKING:  # the heavy modules are imported by the methods that need them
    import httpx
    from pyoxigraph import Store

    from kg_builder.build import BuildReport
    from kg_builder.linking.align import LinkReport
    from kg_builder.remote.push import PushReport
    from kg_builder.store.named_queries import NamedQuery
    from kg_builder.store.query_results import QueryAnswer
    from kg_builder.store.stats import StoreStats
    from kg_builder.validation.report import ValidationReport

PathLike = str | os.PathLike[str]


def writable_file(path: PathLike, *, example: str) -> Path:
    """``path`` as a file this process may create or replace: UsageError (with ``example`` as the
    hint) when it is a directory or its folder does not exist, checked before any work is done."""
    target = Path(path)
    if target.is_dir():
        raise UsageError(f"{target} is a directory", hint=f"give a file name, e.g. {example}")
    folder = target.parent
    if not folder.is_dir():
        raise UsageError(f"cannot write {target}: no folder {folder}", hint="check the folder exists and is writable")
    if not os.access(folder, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise UsageError(f"cannot write {target}: permission denied", hint="check the folder exists and is writable")
    return target


class KnowledgeGraph:
    """A graph store directory and the settings it is built and read with.

    ``settings`` None means the environment's (``KG_BUILDER_BASE`` …, see
    :mod:`kg_builder.settings`; the server's variables are read when serving). The store
    is opened read-only when first read and reopened when a build makes a new generation;
    every write (build, link) makes a new generation that readers switch to atomically.
    """

    def __init__(self, store: PathLike, *, settings: Settings | None = None) -> None:
        self.path = Path(store)
        self._from_env = settings is None
        self.settings = Settings.from_env() if settings is None else settings
        self._reader: tuple[Path, Store] | None = None

    def __repr__(self) -> str:
        return f"KnowledgeGraph({str(self.path)!r}, base={self.settings.base!r})"

    # --- the store ----------------------------------------------------------------------------
    @property
    def generation(self) -> Path | None:
        """The store's current generation directory; None when nothing was ever built there."""
        from kg_builder.store.generations import current_generation

        return current_generation(self.path)

    def _store(self) -> Store:
        """The current generation, read-only (StoreError when none was built)."""
        from kg_builder.store.generations import current_generation, open_read_only

        generation = current_generation(self.path)
        if self._reader is None or self._reader[0] != generation:
            self._reader = None
            store = open_read_only(self.path)
            self._reader = (generation or self.path, store)
        return self._reader[1]

    def _release(self) -> None:
        """Drop the read handle before a write, so an old generation can be pruned."""
        self._reader = None

    # --- verbs --------------------------------------------------------------------------------
    def build(
        self,
        inputs: Iterable[PathLike],
        *,
        format: str | None = None,
        include_contacts: bool = False,
        fresh: bool = False,
        validate: bool = True,
        strict: bool = False,
        stdin: IO[bytes] | None = None,
        progress: Callable[[BuildReport], None] | None = None,
    ) -> BuildReport:
        """Parse, map, check and store every record of ``inputs`` (files, folders, archives, ``-``).

        ``format`` forces one input layout; ``include_contacts`` maps personal contact data;
        ``fresh`` starts from an empty store; ``validate`` checks each study against the shapes
        and ``strict`` rejects the studies that violate them. Nothing built: ``outcome == "none"``
        and the store is unchanged.
        """
        from kg_builder.build import build

        self._release()
        return build(inputs, self.path, settings=self.settings, format=format, include_contacts=include_contacts,
                     fresh=fresh, validate=validate, strict=strict, stdin=stdin, progress=progress)

    def validate(self, *, engine: str = "sparql", workers: int = 1) -> ValidationReport:
        """Check every study graph against the shapes; the report lists what fails (nothing raised)."""
        from kg_builder.store.generations import current_generation
        from kg_builder.validation.engines import validate

        store = self._store()
        return validate(store, self.settings.shapes_dir, engine=engine, workers=workers,
                        generation=current_generation(self.path))

    def query(
        self, query: str | None = None, *, name: str | None = None, params: Mapping[str, str] | None = None
    ) -> QueryAnswer:
        """Run a SPARQL query (``query``) or a named query (``name``), ``params`` bound as RDF terms.

        Over the union of the graphs, with the project's prefixes declared for ad-hoc queries.
        """
        from kg_builder.store.named_queries import execute_named, named_query, parse_named_query
        from kg_builder.store.query_results import QueryAnswer, query_union
        from kg_builder.vocab import PREFIXES

        if (query is None) == (name is None):
            raise UsageError("give a query text or a query name, not both" if name else "no query given",
                             hint="kg-builder query QUERY | -f FILE | --name NAME")
        values = dict(params or {})
        if name is not None:
            return QueryAnswer(execute_named(self._store(), named_query(self.settings.queries_dir, name), values))
        assert query is not None
        if not values:
            return QueryAnswer(query_union(self._store(), query))
        # an ad-hoc query takes parameters the same way, declared in its own header
        return QueryAnswer(execute_named(self._store(), parse_named_query("query", query), values, prefixes=PREFIXES))

    def named_queries(self) -> dict[str, NamedQuery]:
        """The named queries this graph offers (``queries/NAME.rq``), by name."""
        from kg_builder.store.named_queries import load_named_queries

        return load_named_queries(self.settings.queries_dir)

    def export(self, output: IO[bytes] | PathLike, *, format: str = "turtle", graph: str | None = None) -> None:
        """Write the store (or the named ``graph``) in an RDF syntax to a binary stream or a file."""
        from kg_builder.store.export import export_store

        store = self._store()
        context = self.settings.ontology_dir / "context.jsonld"
        if not isinstance(output, str | os.PathLike):
            export_store(store, output, format, graph=graph, context=context)
            return
        target = writable_file(output, example="-o graph.ttl")
        try:
            with open(target, "wb") as handle:
                export_store(store, handle, format, graph=graph, context=context)
        except OSError as exc:
            raise UsageError(f"cannot write {target}: {exc.strerror}",
                             hint="check the folder exists and is writable") from exc

    def prune(self) -> int:
        """Remove the shared facts (entity graph) that no study supports any more; how many quads.

        A build prunes what the studies it rebuilds leave unsupported, and so does a Graph Store
        Protocol DELETE: this is for graphs removed some other way (SPARQL Update)."""
        from kg_builder.store.generations import writing

        self._store()  # StoreError with a hint when nothing was built here
        self._release()
        with writing(self.path) as writer:
            writer.prune()
        return writer.orphans_removed

    def stats(self) -> StoreStats:
        """Studies, graphs, triples and instances of the main classes."""
        from kg_builder.store.stats import store_stats

        return store_stats(self._store())

    def link(
        self,
        others: Iterable[str],
        *,
        out: PathLike | None = None,
        sssom: PathLike | None = None,
        min_confidence: float = 0.0,
        store: bool = True,
    ) -> LinkReport:
        """Align this graph with ``others`` (RDF files or SPARQL endpoint URLs).

        The alignment replaces the store's links graph (``store``) and is written as RDF
        (``out``, syntax from the extension) and SSSOM TSV (``sssom``); links that go
        nowhere are refused.
        """
        from kg_builder.iris import IriMinter
        from kg_builder.linking.align import link
        from kg_builder.store.generations import writing

        if not (store or out or sssom):
            raise UsageError("the links would go nowhere", hint="keep them in the store, or pass --out or --sssom")
        for path, example in ((out, "--out links.ttl"), (sssom, "--sssom links.tsv")):
            if path:
                writable_file(path, example=example)  # before the work, not after it
        report = link(self._store(), list(others), minter=IriMinter(self.settings.base),
                      min_confidence=min_confidence)
        self._release()
        if store:
            with writing(self.path) as writer:
                writer.replace_graphs([report.graph], report.quads)
            report.stored = True
        if out:
            report.write_rdf(out)
        if sssom:
            report.write_sssom(sssom)
        return report

    def push(
        self,
        to: str,
        *,
        auth: httpx.Auth | None = None,
        changed_only: bool = False,
        state: PathLike | None = None,
        batch_size: int = 50,
        concurrency: int = 4,
        retries: int = 5,
        backoff: float = 0.5,
        verify: bool = True,
        query_url: str | None = None,
        timeout: float = 120.0,
        transport: httpx.BaseTransport | None = None,
        on_graph: Callable[[str], None] | None = None,
    ) -> PushReport:
        """Publish every named graph to the Graph Store endpoint ``to`` (see :mod:`kg_builder.remote.push`).

        ``state`` (default: a file in the store directory) records what was pushed, so that an
        interrupted push resumes and ``changed_only`` sends only what changed.
        """
        from kg_builder.remote.push import default_state_path, push

        return push(self._store(), to, state_path=Path(state) if state else default_state_path(self.path, to),
                    auth=auth, changed_only=changed_only, batch_size=batch_size, concurrency=concurrency,
                    retries=retries, backoff=backoff, verify=verify, query_url=query_url, timeout=timeout,
                    transport=transport, on_graph=on_graph)

    # --- serving ------------------------------------------------------------------------------
    def _serving(self, server: ServerSettings | None) -> Settings:
        if server is None:
            server = self.settings.server or (ServerSettings.from_env() if self._from_env else ServerSettings())
        return dataclasses.replace(self.settings, server=server)

    def app(self, server: ServerSettings | None = None, *, backend: str | None = None) -> Any:
        """The SPARQL endpoint over this graph as an ASGI app, to run or to mount in another app.

        ``server`` None: the settings' server part, else the environment's when these settings
        came from it, else the defaults. ``backend`` serves an external SPARQL endpoint instead.
        """
        from kg_builder.server import create_app

        return create_app(self.path, self._serving(server), backend=backend)

    def serve(self, server: ServerSettings | None = None, *, host: str = "127.0.0.1", port: int = 8000,
              backend: str | None = None, log_level: str = "info") -> None:
        """Run :meth:`app` on ``host:port`` until interrupted."""
        from kg_builder.server import serve

        serve(self.path, self._serving(server), host=host, port=port, backend=backend, log_level=log_level)
