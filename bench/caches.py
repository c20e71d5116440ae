"""The map side's caches: what each would hit at each bound, from the keys a build really asks for.

    .venv/bin/python bench/caches.py --input studies.jsonl [--studies 20000] [--only NAME ...]

Every ``functools.lru_cache`` of the package is wrapped, before the package is imported, by one
that notes the hash of each call's key; the build's map side (parse, enrich, map: as
``bench/stages.py`` runs it, no store, no check) then reads the first ``--studies`` records.
For each cache the exact LRU hit rate at each power-of-two bound follows from the keys' stack
distances (a call hits a cache of N entries when fewer than N other keys came since its key
was last asked for), next to the unbounded rate, the bound the code sets and its hit rate.

The rule the package's bounds follow (see the comments at each ``lru_cache``): the least power
of two whose hit rate is within one point of an unbounded cache's, never above the bound a
cache had; a cache keyed by a whole record's prose, which only repeats when a record is read
twice, keeps 256. ``suggested`` prints that rule's bound.
"""

from __future__ import annotations

import argparse
import functools
import io
import itertools
import sys
from array import array
from pathlib import Path

HERE = Path(__file__).resolve().parent
SIZES = [1 << n for n in range(6, 18)]  # 64 … 131,072

_streams: dict[str, array] = {}
_bounds: dict[str, int | None] = {}


def _install_recorder() -> None:
    """Replace ``functools.lru_cache`` (and ``cache``) by a recording one, before kg_builder is imported."""
    real = functools.lru_cache

    def recording(maxsize=128, typed=False):
        def decorate(function, maxsize=maxsize):
            name = f"{function.__module__}.{function.__qualname__}"
            keys = _streams.setdefault(name, array("q"))
            _bounds[name] = maxsize
            inner = real(maxsize=maxsize, typed=typed)(function)

            @functools.wraps(function)
            def wrapper(*args, **kwargs):
                keys.append(hash((args, tuple(kwargs.items())) if kwargs else args))
                return inner(*args, **kwargs)

            wrapper.cache_info, wrapper.cache_clear = inner.cache_info, inner.cache_clear
            wrapper.cache_parameters = inner.cache_parameters
            return wrapper

        if callable(maxsize):  # used bare: @lru_cache
            return decorate(maxsize, 128)
        return decorate

    functools.lru_cache = recording
    functools.cache = lambda function: recording(None)(function)


def stack_distances(keys: array) -> tuple[list[int], int]:
    """Each call's LRU stack distance (distinct keys asked for since its key last was; -1 on a first call),
    and the number of distinct keys; a Fenwick tree over call positions, O(n log n)."""
    n = len(keys)
    tree = [0] * (n + 1)
    last: dict[int, int] = {}
    out: list[int] = []
    active = 0

    def add(i: int, value: int) -> None:
        i += 1
        while i <= n:
            tree[i] += value
            i += i & -i

    def prefix(i: int) -> int:
        i += 1
        total = 0
        while i > 0:
            total += tree[i]
            i -= i & -i
        return total

    for position, key in enumerate(keys):
        before = last.get(key)
        if before is None:
            out.append(-1)
        else:
            out.append(active - prefix(before))
            add(before, -1)
            active -= 1
        add(position, 1)
        active += 1
        last[key] = position
    return out, len(last)


def hit_rates(distances: list[int], sizes: list[int]) -> list[float]:
    """The share of calls that hit an LRU cache of each size."""
    counts = [0] * len(sizes)
    for distance in distances:
        if distance >= 0:
            for i, size in enumerate(sizes):
                if distance < size:
                    counts[i] += 1
    return [count / len(distances) for count in counts]


def suggested(rates: list[float], unbounded: float, bound: int | None) -> int | None:
    """The least size within one point of the unbounded rate, not above the cache's own bound (None for an
    unbounded one: a loader or a closed set of keys, see tests/test_memory_bounds.py)."""
    if bound is None:
        return None
    for size, rate in zip(SIZES, rates, strict=True):
        if unbounded - rate <= 0.01:
            return min(size, bound)
    return bound


def _map_side(input_path: str, studies: int) -> None:
    sys.path.insert(0, str(HERE))
    from stages import _Builder

    from kg_builder.build import _BATCH_STUDIES, iter_parsed
    from kg_builder.model import Study
    from kg_builder.sources.base import SourceDocument

    with open(input_path, "rb") as source:
        sample = b"".join(itertools.islice(source, studies))
    builder = _Builder()
    graphs: list = []
    quads: list = []
    for item in iter_parsed([SourceDocument(input_path, lambda: io.BytesIO(sample))]):
        if isinstance(item, Study):
            builder.add(item, graphs, quads)
            if len(graphs) >= _BATCH_STUDIES:
                graphs.clear()
                quads.clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--input", required=True, help="JSON Lines studies (bench/synthetic.py writes them)")
    parser.add_argument("--studies", type=int, default=20000)
    parser.add_argument("--only", nargs="*", default=(), help="caches whose name contains one of these")
    parser.add_argument("--min-calls", type=int, default=1000, help="leave out caches called fewer times")
    args = parser.parse_args()
    _install_recorder()
    _map_side(args.input, args.studies)
    shown = (256, 1024, 4096, 8192, 16384, 32768, 65536)
    print(f"{'cache (hit % at each bound)':50} {'calls':>8} {'keys':>7} "
          + " ".join(f"{s:>6}" for s in shown) + f" {'inf':>6} {'bound':>6} {'at it':>6} {'suggested':>9}")
    for name, keys in sorted(_streams.items(), key=lambda item: -len(item[1])):
        if len(keys) < args.min_calls or (args.only and not any(o in name for o in args.only)):
            continue
        distances, distinct = stack_distances(keys)
        rates = hit_rates(distances, SIZES)
        unbounded = (len(keys) - distinct) / len(keys)
        bound = _bounds[name]
        at_bound = hit_rates(distances, [bound])[0] if bound else unbounded
        by_size = dict(zip(SIZES, rates, strict=True))
        print(f"{name.removeprefix('kg_builder.'):50} {len(keys):8d} {distinct:7d} "
              + " ".join(f"{by_size[s] * 100:6.1f}" for s in shown)
              + f" {unbounded * 100:6.1f} {bound or 'none':>6} {at_bound * 100:6.1f} "
              + f"{suggested(rates, unbounded, bound) or 'none':>9}", flush=True)


if __name__ == "__main__":
    main()
