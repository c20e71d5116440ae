"""The on-disk store: generations of an embedded Oxigraph database behind one atomic switch.

Layout of a store directory::

    DIR/current            symlink → generations/gNNNNNN (what readers open)
    DIR/generations/gNNNNNN/  Oxigraph databases; the newest two are kept
    DIR/.lock              held by the one writer while it builds

A build copies the current generation with Oxigraph's hard-link backup (cheap),
writes into the copy, and only then swaps ``current``. A build that fails part-way
deletes its copy: readers never see a half-built graph, and the last good store
stays exactly as it was. A build that is killed (``kill -9``, power loss) cannot
delete its copy; the next build removes it when it starts, under the lock: a
generation numbered after ``current`` was never current, so no reader holds it.
Knows nothing about mapping.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import queue
import shutil
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from pyoxigraph import NamedNode, Quad, RdfFormat, Store, serialize

from kg_builder.errors import StoreError
from kg_builder.store.entities import named_things, prune_orphans
from kg_builder.store.statistics import Statistics
from kg_builder.store.system import CompactionPriority, name_os_thread, return_freed_memory, trim_freed_memory
from kg_builder.store.vocabulary import VOCABULARY_GRAPH
from kg_builder.vocab import ENTITY_GRAPH

_CURRENT = "current"
_GENERATIONS = "generations"
_KEEP_GENERATIONS = 2
_PIPE_BYTES = 1 << 20  # the loader's input pipe (Linux caps what an unprivileged process may ask)
# N-Quads per bulk load. Oxigraph's loader holds ~4 bytes of memory per byte streamed until the
# load ends (measured with pyoxigraph 0.5); larger loads re-compact less but cost that memory
_STREAM_BYTES = 32 << 20
# A generation is compacted in full at close (``optimize``) only when what it loaded is at least this share
# of what the store held when it began: a full compaction rewrites every file of the store (35 s at 20,000
# studies), but a store left as its loads made it answers heavy queries ~1.5-2x slower (measured at 20,000
# studies: drugs 0.73 -> 1.45 s CPU, adc-trials 0.37 -> 0.81). A small rebuild's few new files are merged
# by the database's own background compactions on later writes.
_OPTIMIZE_SHARE = 1 / 8
_COMMIT = ([], b"")  # queued by wait_idle: end the open stream


def current_generation(path: str | Path) -> Path | None:
    """The directory ``current`` points to, or None when the store was never built."""
    link = Path(path) / _CURRENT
    if not link.is_symlink():
        return None
    return (link.parent / os.readlink(link)).resolve()


def open_read_only(path: str | Path) -> Store:
    """Open the current generation for reading; StoreError when there is none."""
    generation = current_generation(path)
    if generation is None or not generation.is_dir():
        raise StoreError(
            f"no graph store at {path}",
            hint="build one first: kg-builder build INPUT... --store DIR",
        )
    try:
        return Store.read_only(str(generation))
    except OSError as exc:
        raise StoreError(f"cannot open the store at {path}: {exc}") from exc


def _disk_bytes(directory: Path) -> int:
    """The bytes of the database files in ``directory`` (what a full compaction would rewrite)."""
    total = 0
    with contextlib.suppress(OSError):
        for entry in os.scandir(directory):
            with contextlib.suppress(OSError):
                if entry.is_file(follow_symlinks=False):
                    total += entry.stat(follow_symlinks=False).st_size
    return total


def _optimize(store: Store) -> None:
    """Compact the whole database (every file is rewritten): see :data:`_OPTIMIZE_SHARE`."""
    store.optimize()


class _Stream:
    """One open bulk load: batches go down a pipe that Oxigraph's loader reads in a thread of its own.

    Oxigraph's loader parses its input while it comes, then sorts it into files that it
    adds to the database in one step when the input ends: nothing of an open stream is
    visible before :meth:`end`. Every load the database takes in overlaps what it holds
    (keys are hashes), so it is compacted into it later: fewer, larger loads re-write
    less than one load per batch; their size is bounded by :data:`_STREAM_BYTES`
    (memory). The loader reads a path, so it runs without the GIL: the pipe's read end
    as ``/dev/fd/N``.
    """

    def __init__(self, store: Store) -> None:
        self._read, self._write = os.pipe()
        with contextlib.suppress(AttributeError, OSError):  # larger pipe, fewer wake-ups (Linux)
            fcntl.fcntl(self._write, fcntl.F_SETPIPE_SZ, _PIPE_BYTES)
        self.graphs: set[NamedNode] = set()  # the graphs this stream replaces (written at most once per stream)
        self.size = 0  # bytes written
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._load, args=(store,), name="kg-store-loader", daemon=True)
        self._thread.start()

    def _load(self, store: Store) -> None:
        name_os_thread("kg-store-loader")
        try:
            # the batches are N-Quads pyoxigraph serialised from terms it checked when they were made:
            # parsing them leniently skips checking every IRI a second time
            store.bulk_load(path=f"/dev/fd/{self._read}", format=RdfFormat.N_QUADS, lenient=True)
        except BaseException as exc:
            # without its traceback: the frames hold the database, which must close before a
            # failed generation's directory is removed
            self._error = exc.with_traceback(None)
        finally:
            os.close(self._read)  # a writer blocked on a full pipe gets EPIPE instead of waiting for ever

    def write(self, data: bytes) -> None:
        self.size += len(data)
        view = memoryview(data)
        try:
            while view:
                view = view[os.write(self._write, view):]
        except BrokenPipeError:  # the loader stopped: end() raises its error
            self.end()
            raise

    def end(self) -> None:
        """Close the input and wait until the loader has added it all to the database; raise its error."""
        if self._write >= 0:
            os.close(self._write)
            self._write = -1
        self._thread.join()
        if self._error is not None:
            raise self._error


class StoreWriter:
    """Writes one new generation; see :func:`writing`.

    Batches are serialised to N-Quads in the caller's thread and handed to a background
    thread, which drops the graphs each batch replaces and streams the batch into the
    open bulk load (:class:`_Stream`): parsing and mapping the next batch overlaps with
    Oxigraph indexing this one. At most two batches wait, which bounds memory. A stream
    is ended (its data added to the database) past :data:`_STREAM_BYTES`, before a graph
    it holds is dropped again, before direct reads or removals (:meth:`wait_idle`) and
    at :meth:`close`. Dropping a graph while a stream is open is safe: the stream never
    holds that graph, and its data lands after the drop.
    """

    def __init__(self, store: Store, directory: Path) -> None:
        self.store = store
        self.directory = directory
        self.orphans_removed = 0  # entity-graph quads no study supports any more, removed at close
        self.count_size = False  # set by a caller that wants ``size``: counting reads every quad once
        self.size: int | None = None  # quads (= distinct triples) in the generation, counted at close
        self._candidates: set[NamedNode] = set()  # shared things the replaced graphs named
        # the counters the build keeps (kg_builder.store.statistics). A generation that starts empty (a fresh
        # build) counts them once over the store at close: one pass costs less CPU than counting every load's
        # graphs as it ends, whose queries hold the GIL against the mapping (see :meth:`_end_stream`)
        self.statistics = Statistics(fresh=next(iter(store.quads_for_pattern(None, None, None, None)), None) is None)
        self._pending: queue.Queue[tuple[list[NamedNode], bytes] | None] = queue.Queue(maxsize=2)
        self._stream: _Stream | None = None  # the open bulk load; only the writer thread touches it
        self._error: BaseException | None = None
        self._base_bytes = _disk_bytes(directory)  # the store this generation starts from (a copy: hard links)
        self.loaded_bytes = 0  # N-Quads this generation loaded
        return_freed_memory()
        self._priority = CompactionPriority()
        self._priority.lower()
        self._thread = threading.Thread(target=self._load_batches, name="kg-store-writer", daemon=True)
        self._thread.start()

    def _load_batches(self) -> None:
        name_os_thread("kg-store-writer")
        while (item := self._pending.get()) is not None:
            try:
                if self._error is None:  # after a failure, only drain: the generation is discarded
                    if item is _COMMIT:
                        self._end_stream()
                    else:
                        self._write_batch(*item)
            except BaseException as exc:
                self._error = exc
            finally:
                self._pending.task_done()
        try:
            if self._error is None:
                self._end_stream()
            elif self._stream is not None:  # abandoned: let the loader finish reading; the generation is discarded
                with contextlib.suppress(BaseException):
                    self._stream.end()
                self._stream = None
        except BaseException as exc:
            self._error = exc
        finally:
            self._pending.task_done()

    def _write_batch(self, graphs: list[NamedNode], data: bytes) -> None:
        """Drop the graphs the batch replaces, then stream its quads in (the drops land first)."""
        if self._stream is not None and not self._stream.graphs.isdisjoint(graphs):
            self._end_stream()  # a graph written earlier in this stream is replaced: store it, then drop it
        self.statistics.dropping(self.store, graphs)
        for graph in graphs:
            self._drop(graph)
        if self._stream is None:
            self._stream = _Stream(self.store)
        self._stream.graphs.update(graphs)
        self._stream.write(data)
        if self._stream.size >= _STREAM_BYTES:  # bounded: the loader holds what a stream parsed until it ends
            self._end_stream()
        elif not self._stream.graphs.isdisjoint((VOCABULARY_GRAPH, ENTITY_GRAPH)):
            # what the next batches read before their drops (the statistics of the graphs they replace)
            # joins these graphs: a replaced one must be back in the database first
            self._end_stream()

    def _end_stream(self) -> None:
        """Add what the open stream holds to the database (the loader sorts it and adds its files at once)."""
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.end()
            self.loaded_bytes += stream.size
            trim_freed_memory()  # measured: peak RSS of a 5,000-study build 843 → 681 MiB
            self._priority.lower()  # RocksDB starts threads as it needs them
            self.statistics.loaded(self.store, stream.graphs)  # counted once in the database

    def _drop(self, graph: NamedNode) -> None:
        """Remove ``graph`` when present, remembering the shared things it named (orphan candidates).

        Only data already in the database is seen: a graph in the open stream was ended first
        (see :meth:`_write_batch`), and one stream never writes a graph twice.
        """
        if not self.store.contains_named_graph(graph):
            return
        if graph not in (VOCABULARY_GRAPH, ENTITY_GRAPH):
            self._candidates |= named_things(self.store, graph)
        self.store.remove_graph(graph)

    def _check(self) -> None:
        if self._error is not None:
            raise StoreError(f"writing the store failed: {self._error}") from self._error

    def replace_graphs(self, graphs: Iterable[NamedNode], quads: Iterable[Quad]) -> None:
        """Drop ``graphs`` (when present) and add ``quads``: the rebuild of those studies.

        Queued: the write happens in the background, in call order; errors surface
        on a later call or at :meth:`wait`.
        """
        self.replace_serialized(graphs, serialize(quads, None, RdfFormat.N_QUADS))

    def replace_serialized(self, graphs: Iterable[NamedNode], data: bytes) -> None:
        """:meth:`replace_graphs` for quads already serialised as N-Quads."""
        self._check()
        self._pending.put((list(graphs), data))

    def wait(self) -> None:
        """Block until every queued batch is in the store; raise the first write error."""
        if self._thread.is_alive():
            self._pending.put(None)
            self._thread.join()
        self._check()

    def close(self) -> None:
        """Finish queued writes, remove the shared facts the replaced graphs left unsupported, flush,
        optimise (when the generation changed much of the store) and count the generation's quads,
        then release the database."""
        self.wait()
        if self._candidates:
            self.orphans_removed += prune_orphans(self.store, self._candidates)
            self._candidates.clear()
        self._priority.restore()  # the compaction at close runs at the build's own priority
        self.statistics.close(self.store)
        self.store.flush()
        if self.needs_optimize() or self.statistics.upgraded:
            # after the statistics: what they write is compacted too. Statistics of another version are rewritten
            # whole, and the heavy named queries read them: left uncompacted, drugs and comparator-regimens took
            # 1.2-1.9x longer at 50k (1.196 vs 0.813 s, 0.998 vs 0.525 s on the endpoint). A prune or an update
            # also recounts them, but rewriting the whole store for those would cost more than it saves.
            _optimize(self.store)
        if self.count_size:
            self.size = len(self.store)
        self.release()

    def needs_optimize(self) -> bool:
        """Whether this generation changed enough of the store to compact it in full (:data:`_OPTIMIZE_SHARE`):
        a fresh or large build does; a rebuild of a few studies, a removal or a prune does not rewrite the
        whole store."""
        return self.loaded_bytes > 0 and self.loaded_bytes >= self._base_bytes * _OPTIMIZE_SHARE

    def check_orphans(self, things: Iterable[NamedNode]) -> None:
        """Check ``things`` for support at close (shared things named by studies that were not stored)."""
        self._candidates.update(things)

    def prune(self) -> None:
        """Check every shared thing for support at close (``kg-builder prune``), not only the candidates."""
        self.wait_idle()
        self.orphans_removed += prune_orphans(self.store)
        self.statistics.recount()  # graphs were removed some other way: count the statistics afresh

    def release(self) -> None:
        """Stop the writer thread and drop the database handle (closing it)."""
        if self._thread.is_alive():
            self._error = self._error or RuntimeError("build aborted")
            self._pending.put(None)
            self._thread.join()
        self._priority.restore()
        self.__dict__.pop("store", None)

    def remove_graph(self, graph: NamedNode) -> None:
        self.wait_idle()
        self.statistics.dropping(self.store, [graph])
        self._drop(graph)

    def wait_idle(self) -> None:
        """Block until queued batches are in the database (the open stream ended; the writer thread stays up)."""
        if self._thread.is_alive():
            self._pending.put(_COMMIT)
        self._pending.join()
        self._check()


def _number(generation: Path) -> int | None:
    return int(generation.name[1:]) if generation.name[:1] == "g" and generation.name[1:].isdigit() else None


def remove_unfinished(root: Path) -> list[Path]:
    """Delete the generations left by builds that were killed before their swap; return them.

    Only generations numbered after ``current`` (or all, when nothing ever became
    current) are unfinished: readers open what ``current`` names, so none holds them,
    and the caller holds the write lock, so no build is writing them. ``current`` and
    the older generations kept for readers are never touched.
    """
    current = current_generation(root)
    floor = _number(current) if current is not None else 0
    if floor is None:  # ``current`` names something we did not make: touch nothing
        return []
    unfinished = [p for p in sorted((root / _GENERATIONS).glob("g*"))
                  if (n := _number(p)) is not None and n > floor and p.is_dir()]
    for leftover in unfinished:
        shutil.rmtree(leftover, ignore_errors=True)
    return unfinished


def _next_generation(root: Path) -> Path:
    generations = root / _GENERATIONS
    generations.mkdir(parents=True, exist_ok=True)
    numbers = [int(p.name[1:]) for p in generations.glob("g*") if p.name[1:].isdigit()]
    return generations / f"g{(max(numbers, default=0) + 1):06d}"


def _swap_current(root: Path, generation: Path) -> None:
    temp_link = root / f".{_CURRENT}.tmp"
    if temp_link.is_symlink() or temp_link.exists():
        temp_link.unlink()
    temp_link.symlink_to(generation.relative_to(root))
    os.replace(temp_link, root / _CURRENT)  # atomic on POSIX


def _prune(root: Path, keep: Path) -> None:
    generations = sorted((root / _GENERATIONS).glob("g*"))
    for old in generations[:-_KEEP_GENERATIONS]:
        if old != keep:
            shutil.rmtree(old, ignore_errors=True)


@contextmanager
def writing(path: str | Path, *, fresh: bool = False) -> Iterator[StoreWriter]:
    """Open a new generation of the store at ``path`` for writing.

    On normal exit the generation is flushed, optimised when it changed much of the store (see
    :data:`_OPTIMIZE_SHARE`) and made current; on an
    exception it is deleted and ``current`` is untouched. ``fresh`` starts from an
    empty database instead of a copy of the current one.
    """
    root = Path(path)
    if root.exists() and not root.is_dir():
        raise StoreError(f"{root} exists and is not a directory", hint="choose another --store path")
    root.mkdir(parents=True, exist_ok=True)
    lock_file = open(root / ".lock", "w")  # noqa: SIM115 - held for the whole build
    try:
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise StoreError(f"another build is writing to {root}", hint="wait for it to finish") from exc
        remove_unfinished(root)
        new_generation = _next_generation(root)
        previous = current_generation(root)
        writer: StoreWriter | None = None
        try:
            if previous is not None and previous.is_dir() and not fresh:
                Store.read_only(str(previous)).backup(str(new_generation))
            writer = StoreWriter(Store(str(new_generation)), new_generation)
            yield writer
            writer.close()
        except BaseException:
            if writer is not None:
                writer.release()
            shutil.rmtree(new_generation, ignore_errors=True)
            raise
        _swap_current(root, new_generation)
        _prune(root, new_generation)
    finally:
        lock_file.close()
