"""The server's state and the work behind each endpoint.

One :class:`Service` per app: the store path, settings, the worker pool and the named
queries. It turns requests into worker jobs, applies the safety rules (read-only,
no outbound requests, time and row limits) and turns Replies into responses. Nothing
here blocks: the store is only ever touched by worker processes, awaited on a pipe.
"""

from __future__ import annotations

import asyncio
import hmac
import os
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote, urlsplit

from fastapi.responses import Response

from kg_builder.errors import QueryError
from kg_builder.server import execute
from kg_builder.server import negotiation as neg
from kg_builder.server.execute import Reply
from kg_builder.server.lanes import LanePolicy
from kg_builder.server.problems import HttpError
from kg_builder.server.sparql import analyze, with_using
from kg_builder.server.worker import REMOTE, Job, LaneFull, PoolBusy, QueryTimeout, WorkerCrashed, WorkerPool
from kg_builder.settings import Settings
from kg_builder.store.generations import current_generation
from kg_builder.store.named_queries import NamedQuery, load_named_queries
from kg_builder.vocab import PREFIXES

_STATS_LIMIT = 900.0  # seconds for the VoID statistics of one generation (a full scan)
_OWN_SPACE = "https://w3id.org/kg-builder/"  # ontology and code lists: described in the vocabulary graph


class Service:
    def __init__(self, store_path: str | Path, settings: Settings, *, backend: str | None = None) -> None:
        self.store_path = Path(store_path)
        self.backend = backend  # an external SPARQL endpoint served instead of the store (read-only)
        self._link = self.store_path / "current"  # see kg_builder.store.generations: swapped atomically by a rebuild
        self._seen_link: str | None = None
        self._seen_generation: str | None = None
        self.settings = settings
        self.limits = settings.server
        self.base = settings.base
        self.base_path = urlsplit(self.base).path or "/"
        # workers leave the network unless the operator lets queries call out, or the store itself is remote
        self.pool = WorkerPool(self.limits.workers, current=self._current_or_none, threads=self.limits.threads,
                               policy=LanePolicy(self.limits.heavy_workers, self.limits.heavy_queue,
                                                 self.limits.light_budget, self.limits.heavy_nice),
                               offline=not self.limits.allow_service and not backend)
        self.prefixes = PREFIXES  # predeclared in every query and update (by the workers), as `kg-builder query` does
        self.named_queries: dict[str, NamedQuery] = (
            load_named_queries(settings.queries_dir) if settings.queries_dir.is_dir() else {}
        )
        self._stats: dict[str, asyncio.Future] = {}  # generation → its VoID statistics (not query results)

    # ---- plumbing -------------------------------------------------------------------------
    def _current_or_none(self) -> str | None:
        """The current generation directory, read on every request (a rebuild may have swapped it)."""
        if self.backend:
            return REMOTE + self.backend
        try:
            link = os.readlink(self._link)  # one system call; resolving is done once per generation
        except OSError:
            return None
        if link != self._seen_link:
            generation = current_generation(self.store_path)
            self._seen_generation = str(generation) if generation is not None and generation.is_dir() else None
            self._seen_link = link
        return self._seen_generation

    def generation(self) -> str:
        generation = self._current_or_none()
        if generation is None:
            raise HttpError(503, "store-unavailable", f"no graph store at {self.store_path} yet",
                            hint="build one: kg-builder build INPUT... --store DIR", headers={"Retry-After": "5"})
        return generation

    async def run(self, action: Callable[..., Reply], *, trusted: bool = False, **params: object) -> Reply:
        """Run one job on a worker within the time limit; HttpError for every failure (``trusted``: a named
        query, see :class:`~kg_builder.server.jobs.Job`)."""
        job = Job(action, None if action is execute.update else self.generation(), params, trusted=trusted)
        limit = self.limits.timeout
        try:
            reply = await self.pool.run(job, limit)
        except QueryTimeout as exc:
            raise HttpError(503, "timeout", f"the query ran past the time limit of {limit:g} s and was stopped",
                            hint="narrow it down (a selective pattern first, a LIMIT) or ask the operator "
                                 "for a longer --timeout", headers={"Retry-After": "1"}) from exc
        except LaneFull as exc:
            raise HttpError(503, "heavy-lane-full", exc.message,
                            hint="queries that took over the light budget before run a few at a time; try again "
                                 "after Retry-After, or narrow the query down",
                            headers={"Retry-After": str(exc.retry_after)}) from exc
        except PoolBusy as exc:
            raise HttpError(503, "busy", f"every query worker stayed busy for {limit:g} s",
                            hint="try again shortly", headers={"Retry-After": "2"}) from exc
        except WorkerCrashed as exc:
            raise HttpError(500, "worker-crashed", f"the query worker stopped unexpectedly ({exc})",
                            hint="the query may need more memory than the server has") from exc
        if reply.error is not None:
            raise HttpError.from_reply_error(reply.status, reply.error)
        return reply

    @staticmethod
    def respond(reply: Reply, *, vary: bool = True, head: bool = False) -> Response:
        fmt = neg.BY_NAME[reply.format] if reply.format else None
        headers = dict(reply.headers)
        if vary:
            headers["Vary"] = "Accept"
        return Response(b"" if head else reply.body, status_code=reply.status,
                        media_type=fmt.content_type if fmt else None, headers=headers)

    # ---- SPARQL protocol ------------------------------------------------------------------
    def outbound(self) -> str:
        """How outbound requests are kept from happening, for /health."""
        if self.limits.allow_service or self.backend:
            return "allowed endpoints only (workers keep the network)"
        report = self.pool.network
        if report is None:
            return "refused (workers starting)"
        return "refused; workers have no network" if report["offline"] else f"refused; workers keep the network " \
            f"({report['why']})"

    async def query_reply(
        self,
        text: str,
        *,
        accept: str | None,
        format: str | None = None,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
        substitutions: dict | None = None,
        fallback: str | None = None,
        named: bool = False,
    ) -> Reply:
        """The safety rules, negotiation and the run of a query; the Reply to answer with (HttpError if none).
        ``fallback``: a named query's plain join in standard SPARQL 1.1 (a store without the statistics it reads,
        an external endpoint); ``named``: the
        text is a named query's (run at full priority, :class:`~kg_builder.server.jobs.Job`)."""
        analysis = analyze(text)
        if analysis.is_update:
            raise HttpError(400, "update-as-query", "this is a SPARQL Update, sent as a query",
                            hint="send updates with POST, as the update form field or application/sparql-update")
        formats = {
            "results": neg.choose(accept, format, neg.RESULT_FORMATS, neg.RESULTS_JSON),
            "graph": neg.choose(accept, format, neg.GRAPH_FORMATS, neg.TURTLE),
        }
        # no 406 here: the worker parses the query first (a syntax error is a 400 whatever the Accept header),
        # then answers 406 if its kind has no acceptable format
        return await self.run(
            execute.run_query,
            query=text,
            formats={k: f.name if f else None for k, f in formats.items()},
            max_rows=self.limits.max_rows,
            union=not analysis.has_dataset,
            default_graphs=default_graphs or None,
            named_graphs=named_graphs or None,
            substitutions=substitutions,
            base_iri=self.base,
            allow_service=self.limits.allow_service,
            fallback=fallback,
            trusted=named,
        )

    def authorize_write(self, authorization: str | None) -> None:
        if self.backend:
            raise HttpError(403, "read-only", "this endpoint serves an external store and is read-only",
                            hint="write to the external store directly (kg-builder push)")
        if not self.limits.allow_update:
            raise HttpError(403, "read-only", "this endpoint is read-only",
                            hint="the operator can enable writes with --allow-update and a token")
        expected = self.limits.token
        scheme, _, given = (authorization or "").partition(" ")
        if not expected or scheme.lower() != "bearer" or not hmac.compare_digest(given.strip(), expected):
            raise HttpError(401, "unauthorized", "writes need the bearer token the server was started with",
                            headers={"WWW-Authenticate": 'Bearer realm="kg-builder"'})

    async def update(self, text: str, *, authorization: str | None, using_graphs: list[str] | None = None,
                     using_named_graphs: list[str] | None = None) -> Response:
        """Run a SPARQL Update (token checked first); the protocol's USING dataset goes into its operations."""
        self.authorize_write(authorization)
        if using_graphs or using_named_graphs:
            try:
                text = with_using(text, using_graphs or [], using_named_graphs or [])
            except ValueError as exc:
                raise HttpError(400, "dataset-conflict", f"using-graph-uri/using-named-graph-uri cannot apply: {exc}",
                                hint="give the dataset either in the request or in the update text, not both") from exc
        await self.run(execute.update, store_path=str(self.store_path), text=text, base_iri=self.base,
                       allow_service=self.limits.allow_service)
        return Response(status_code=204)

    # ---- named queries ------------------------------------------------------------------------
    def named_query(self, name: str) -> NamedQuery:
        query = self.named_queries.get(name)
        if query is None:
            raise HttpError(404, "not-found", f"no named query {name!r}",
                            hint=f"available: {', '.join(self.named_queries) or 'none'} (see /queries)")
        return query

    def bind_named(self, name: str, values: dict[str, str]) -> tuple[str, dict]:
        """The named query's text and ``values`` bound to its parameters as RDF terms (404, 400 when they don't fit)."""
        named = self.named_query(name)
        try:
            return named.text, named.substitutions(values)
        except QueryError as exc:
            raise HttpError(400, "bad-parameter", exc.message, hint=exc.hint) from exc

    # ---- VoID -----------------------------------------------------------------------------------
    async def void(self, *, dataset_iri: str, endpoint: str, fmt: str) -> bytes:
        """VoID of the current generation; its statistics are computed once per generation, apart."""
        from kg_builder.server.dataset import void_description

        generation = self.generation()
        task = self._stats.get(generation)
        if task is None or (task.done() and task.exception() is not None):
            # a full scan of a large store can take minutes: it runs on a process of its own with its own
            # deadline, so it neither occupies a query worker nor is cut by the query time limit
            job = Job(execute.statistics, generation, {"base": self.base})
            task = asyncio.ensure_future(self.pool.run_apart(job, max(self.limits.timeout, _STATS_LIMIT)))
            self._stats = {generation: task}
        try:
            reply = await asyncio.wait_for(asyncio.shield(task), self.limits.timeout)
        except TimeoutError as exc:
            raise HttpError(503, "computing", "the dataset statistics for VoID are still being computed",
                            hint="try again in a minute", headers={"Retry-After": "30"}) from exc
        except (QueryTimeout, WorkerCrashed) as exc:
            raise HttpError(503, "statistics-failed", f"the dataset statistics could not be computed ({exc!r})",
                            headers={"Retry-After": "60"}) from exc
        if reply.error is not None:
            raise HttpError.from_reply_error(reply.status, reply.error)
        return void_description(reply.data, dataset_iri=dataset_iri, endpoint=endpoint, base=self.base, fmt=fmt)

    # ---- linked data ----------------------------------------------------------------------------
    def is_local(self, iri: str) -> bool:
        """Whether this server is the place to browse ``iri`` (minted here, or our ontology / code lists)."""
        return self.local_path(iri) is not None or iri.startswith(_OWN_SPACE)

    def local_path(self, iri: str) -> str | None:
        """The path on this server that serves ``iri`` when it is minted under the base."""
        if iri.startswith(self.base) and self.base.endswith("/"):
            return self.base_path + quote(iri[len(self.base):], safe="/:@!$&'()*+,;=-._~")
        return None
