"""Refusing SERVICE and LOAD: decided by the engine's own parser, never by reading the text ourselves.

A check that tokenizes the text itself disagrees with Oxigraph's parser somewhere, and every
disagreement is a way round it: a ``#`` comment ended by ``\\r``, ``FILTER(?o<'>')`` (an
operator to the engine, an IRI to a tokenizer), ``trueSERVICE<…>`` or ``SERVICEex:y``
(keywords need no word boundary in the engine's grammar), or a prefixed name whose IRI is
invalid, which makes the engine back off to ``ex:`` and read the rest as ``SERVICE``.

So the engine decides. Its keywords are matched ASCII-case-insensitively and are never
written with escapes, so a text in which every ``service`` (and, for updates, every
``load``) is *disarmed* — its last letter changed, which keeps it a valid name, IRI,
string or comment everywhere else — cannot contain the keyword. The engine parses that
disarmed text (on an empty in-memory store, so nothing outbound can happen):

* it parses: no occurrence was a keyword, the request is let through;
* it fails before the first occurrence: the original fails there too (the texts are the
  same up to it), and the real run reports that syntax error;
* it fails at or after an occurrence: one of them was the keyword (or the text is broken
  near it): refused.

With ``--allow-service``, a request whose every occurrence is followed by an allowed
endpoint, written as a full ``<IRI>``, is let through without this test: whichever of them
are keywords call allowed endpoints only.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass

_QUERY_WORDS = re.compile("service", re.IGNORECASE | re.ASCII)
_UPDATE_WORDS = re.compile("service|load", re.IGNORECASE | re.ASCII)
_GAP = re.compile(r"(?:[ \t\r\n]|#[^\r\n]*)*")  # the engine's whitespace: comments end at \r or \n
_SILENT = re.compile("silent", re.IGNORECASE | re.ASCII)
_IRIREF = re.compile(r"<([^>]*)>")
_UCHAR = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_POSITION = re.compile(r"error at (\d+):(\d+)")
_ABSOLUTE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\x00-\x20<>\"{}|^`\\]*$")


@dataclass(frozen=True, slots=True)
class Refusal:
    """A remote call the request would make: the keyword and its endpoint as written (None if not an IRI)."""

    keyword: str
    target: str | None


def occurrences(text: str, *, update: bool) -> list[re.Match]:
    """Every place the engine could read SERVICE (or LOAD in an update): any spelling, any context."""
    return list((_UPDATE_WORDS if update else _QUERY_WORDS).finditer(text))


def disarm(text: str, found: list[re.Match]) -> str:
    """``text`` with the last letter of each occurrence replaced by ``x`` (same length, same kind of character)."""
    chars = list(text)
    for match in found:
        last = match.end() - 1
        chars[last] = "X" if chars[last].isupper() else "x"
    return "".join(chars)


def written_target(text: str, end: int) -> str | None:
    """The endpoint written after a SERVICE/LOAD ending at ``end`` when it is a full ``<IRI>``, else None."""
    pos = _GAP.match(text, end).end()
    silent = _SILENT.match(text, pos)
    if silent is not None:
        pos = _GAP.match(text, silent.end()).end()
    iri = _IRIREF.match(text, pos)
    if iri is None:
        return None
    value = _UCHAR.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), iri.group(1))
    return value if _ABSOLUTE.match(value) else None


def check(
    text: str,
    *,
    update: bool,
    allowed: Collection[str] = (),
    prefixes: Mapping[str, str] | None = None,
    base_iri: str | None = None,
) -> Refusal | None:
    """The remote call ``text`` would make and this server refuses, or None (see the module's docstring).

    Runs the engine's parser (pyoxigraph) in this process: call it where queries run, in a worker.
    """
    found = occurrences(text, update=update)
    if not found:
        return None
    if allowed and all(written_target(text, m.end()) in allowed for m in found):
        return None
    failed_at = _parse_failure(disarm(text, found), update=update, prefixes=prefixes, base_iri=base_iri)
    if failed_at is None or failed_at < found[0].start():
        return None
    # name the first occurrence not followed by an allowed endpoint (the parser stops at the first keyword)
    suspects = [m for m in found if m.start() <= failed_at]
    culprit = next((m for m in found if written_target(text, m.end()) not in allowed), suspects[-1])
    return Refusal(culprit.group().upper(), written_target(text, culprit.end()))


def _parse_failure(text: str, *, update: bool, prefixes: Mapping[str, str] | None,
                   base_iri: str | None) -> int | None:
    """Where the engine stops parsing ``text`` (a character offset), or None when it parses.

    ``text`` holds no SERVICE and no LOAD, so running it on an empty in-memory store is safe.
    """
    from pyoxigraph import Store

    scratch = Store()
    options = {"prefixes": dict(prefixes) if prefixes else None, "base_iri": base_iri}
    try:
        if update:
            scratch.update(text, **options)
        else:
            scratch.query(text, **options)
    except SyntaxError as exc:
        return _offset(text, str(exc))
    except Exception:  # parsed, then failed to evaluate (a bad base, a type error): not a parse failure
        return None
    return None


def _offset(text: str, message: str) -> int:
    """The character offset of Oxigraph's ``error at LINE:COLUMN`` (the end when it gives none: refuse, to be safe)."""
    match = _POSITION.search(message)
    if match is None:
        return len(text)
    line, column = int(match.group(1)), int(match.group(2))
    starts = [0] + [m.end() for m in re.finditer(r"\n", text)]
    if line - 1 >= len(starts):
        return len(text)
    return min(len(text), starts[line - 1] + max(0, column - 1))
