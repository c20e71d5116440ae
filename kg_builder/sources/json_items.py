"""The items of a streamed JSON array, one at a time, with a bound on how deeply one may nest.

``ijson.items`` keeps the dotted path of every open container, so its memory grows with
the *square* of the nesting depth: one hostile record 50,000 levels deep (100 KB of
brackets) takes more than 4 GB. Here the C tokenizer (``ijson.basic_parse``) feeds a
small builder that stops building an item once it is nested deeper than ``max_depth``,
skips the rest of that item (counting brackets, keeping nothing) and yields
:data:`TOO_DEEP` in its place, so the items after it are still read. Memory stays
bounded by the largest item, whatever the depth.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

import ijson

_OPEN = frozenset({"start_map", "start_array"})
_CLOSE = frozenset({"end_map", "end_array"})


class _TooDeep:
    """Stands for an item that nests deeper than the bound (it was skipped, not built)."""

    def __repr__(self) -> str:
        return "TOO_DEEP"


TOO_DEEP = _TooDeep()


def array_items(stream: IO[bytes], *, under_key: str | None, max_depth: int) -> Iterator[Any]:
    """Each value of the top-level array, or (``under_key``) of that key's array in a top-level object.

    Raises what ``ijson`` raises for text that is not JSON (after yielding the items before it).
    """
    level = 1 if under_key is None else 2  # containers around an item
    depth = 0  # containers open outside the item being built
    in_items = under_key is None
    wanted = False  # the last key at depth 1 was ``under_key``
    stack: list[Any] = []  # the open containers of the item being built
    skip = 0  # open containers of an item too deep to build
    key: Any = None
    for event, value in ijson.basic_parse(stream, use_float=True):
        if skip:
            skip += (event in _OPEN) - (event in _CLOSE)
            if not skip:
                yield TOO_DEEP
            continue
        if stack:
            if event == "map_key":
                key = value
                continue
            if event in _CLOSE:
                done = stack.pop()
                if not stack:
                    yield done
                continue
            new = {} if event == "start_map" else [] if event == "start_array" else value
            top = stack[-1]
            if type(top) is list:
                top.append(new)
            else:
                top[key] = new
            if event in _OPEN:
                if len(stack) >= max_depth:
                    skip, stack = len(stack) + 1, []
                else:
                    stack.append(new)
            continue
        if in_items and depth == level:  # between items
            if event in _CLOSE:
                depth, in_items = depth - 1, False
            elif event in _OPEN:
                stack.append({} if event == "start_map" else [])
            else:
                yield value  # a scalar where an item belongs (the caller rejects it)
            continue
        if event == "map_key":
            wanted = depth == 1 and value == under_key
        elif event in _OPEN:
            depth += 1
            in_items = in_items or (wanted and depth == level and event == "start_array")
            wanted = False
        elif event in _CLOSE:
            depth -= 1
        else:
            wanted = False
