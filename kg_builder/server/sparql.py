"""A light lexical look at a SPARQL request before it reaches the store.

The server decides a few things before running anything: is this a query or an update,
does the query carry its own dataset (FROM, so the union default graph must not replace
it), and where an update's operations take their USING clauses (the protocol's
``using-graph-uri``). A tokenizer that skips comments (ended by ``\r`` or ``\n``, as the
engine ends them), strings and IRIs is enough for that; the store's own parser judges
syntax. Nothing here decides on safety: whether a request calls out (SERVICE, LOAD) is
decided by the engine's parser (:mod:`kg_builder.server.outbound`).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

_TOKEN = re.compile(
    r"""
      (?P<ws>\s+)
    | (?P<comment>\#[^\r\n]*)
    | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
                 |'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
    | (?P<iri><(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>)
    | (?P<var>[?$][A-Za-z0-9_\u00b7-\uffff]+)
    | (?P<pname>[A-Za-z_\u00c0-\uffff][\w\u00b7-\uffff.-]*:[^\s(){}\[\],;]*|:[^\s(){}\[\],;]*)
    | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)

QUERY_FORMS = frozenset({"SELECT", "CONSTRUCT", "DESCRIBE", "ASK"})
UPDATE_WORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}
)


@dataclass(frozen=True, slots=True)
class Analysis:
    """What the text asks for, as far as the server needs to know up front."""

    form: str | None  # SELECT / CONSTRUCT / DESCRIBE / ASK, or None for an update or unknown text
    is_update: bool
    has_dataset: bool  # FROM / FROM NAMED in the text

    @property
    def kind(self) -> str:
        """``graph`` for CONSTRUCT/DESCRIBE, else ``results`` (the negotiation family)."""
        return "graph" if self.form in ("CONSTRUCT", "DESCRIBE") else "results"


def _tokens(text: str) -> list[tuple[str, str]]:
    out = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind not in ("ws", "comment"):
            out.append((kind, match.group()))
    return out


# a text without this word anywhere has no dataset: its first keyword says it all
_DATASET = "FROM"
_IRI = r"""<[^<>"{}|^`\\\x00-\x20]*>"""
# the usual prologue (PREFIX/BASE lines, comments) and the word after it, as the tokenizer would read them; atomic,
# so a text that does not fit costs one linear pass before the tokenizer takes over
_PROLOGUE = re.compile(
    rf"""(?>(?:\s|\#[^\r\n]*
        |(?i:PREFIX)\s+(?:[A-Za-z_\u00c0-\uffff][\w\u00b7-\uffff.-]*)?:\s+{_IRI}(?=\s)
        |(?i:BASE)\s*{_IRI}(?=\s))*)
    (?P<word>[A-Za-z_][A-Za-z0-9_]*)(?![\w\u00b7-\uffff.-]*:)""",
    re.VERBOSE,
)


_CACHED = 8192  # the longest text whose analysis is cached: the cache holds its keys, and bodies reach 1 MB


def analyze(text: str) -> Analysis:
    """Classify ``text`` and list the remote endpoints it names (cached for usual sizes: clients repeat queries)."""
    return _analyze_cached(text) if len(text) <= _CACHED else _analyze(text)


def _analyze(text: str) -> Analysis:
    upper = text.upper()  # ASCII letters stay ASCII: no keyword can hide from this test
    if _DATASET not in upper:
        return _form_only(text)
    return analyze_tokens(text)


_analyze_cached = functools.lru_cache(maxsize=512)(_analyze)


def analyze_tokens(text: str) -> Analysis:
    """:func:`analyze` the long way, every token of the text."""
    form: str | None = None
    is_update = has_dataset = False
    for kind, value in _tokens(text):
        if kind != "word":
            continue
        word = value.upper()
        if form is None and not is_update and word in QUERY_FORMS:
            form = word
        elif form is None and not is_update and word in UPDATE_WORDS:
            is_update = True
        if word == "FROM":
            has_dataset = True
    return Analysis(form, is_update, has_dataset)


def with_using(text: str, graphs: list[str], named: list[str]) -> str:
    """An update with the protocol's ``using-graph-uri``/``using-named-graph-uri`` as USING clauses.

    They go before the WHERE of each DELETE/INSERT operation (SPARQL 1.1 Protocol §2.2.3: the
    same as USING and USING NAMED). ValueError when the text names a dataset itself (USING,
    WITH) or has a DELETE WHERE, which takes no USING: the protocol leaves those to be refused.
    """
    from pyoxigraph import NamedNode

    clauses = "".join(f" USING {NamedNode(g)}" for g in graphs) + "".join(
        f" USING NAMED {NamedNode(g)}" for g in named)
    depth, inserts, previous = 0, [], ""
    for match in _TOKEN.finditer(text):
        kind, value = match.lastgroup, match.group()
        if kind in ("ws", "comment"):
            continue
        if value in "{[(":
            depth += 1
        elif value in "}])":
            depth -= 1
        elif kind == "word" and depth == 0:
            word = value.upper()
            if word in ("USING", "WITH"):
                raise ValueError(f"the update names its own dataset ({word})")
            if word == "WHERE":
                if previous == "DELETE":
                    raise ValueError("DELETE WHERE takes no USING clause")
                inserts.append(match.start())
            previous = word
            continue
        previous = ""
    for position in reversed(inserts):
        text = text[:position] + clauses.lstrip() + " " + text[position:]
    return text


def _form_only(text: str) -> Analysis:
    """:func:`analyze` for a text naming no dataset and no remote endpoint: read up to its first keyword."""
    prologue = _PROLOGUE.match(text)
    if prologue is not None:
        word = prologue["word"].upper()
        if word in QUERY_FORMS:
            return Analysis(word, False, False)
        if word in UPDATE_WORDS:
            return Analysis(None, True, False)
    for match in _TOKEN.finditer(text):
        if match.lastgroup == "word":
            word = match.group().upper()
            if word in QUERY_FORMS:
                return Analysis(word, False, False)
            if word in UPDATE_WORDS:
                return Analysis(None, True, False)
    return Analysis(None, False, False)


_POSITION = re.compile(r"^error at (\d+):(\d+):\s*(.*)$", re.DOTALL)


def syntax_error_details(message: str) -> tuple[str, dict[str, int] | None]:
    """Split Oxigraph's ``error at L:C: msg`` into the message and a line/column position."""
    match = _POSITION.match(message.strip())
    if not match:
        return message, None
    return message, {"line": int(match.group(1)), "column": int(match.group(2))}
