"""A light lexical look at a SPARQL request before it reaches the store.

The server must decide some things before running anything: is this a query or an
update, which result kind (solutions or a graph) to negotiate for, does it carry its
own dataset (FROM), and which remote endpoints (SERVICE, LOAD) would it contact.
A tokenizer that skips comments, strings and IRIs is enough for that and cannot be
fooled by a keyword inside a literal; the store's own parser still judges syntax.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

_TOKEN = re.compile(
    r"""
      (?P<ws>\s+)
    | (?P<comment>\#[^\n]*)
    | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
                 |'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
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
    services: tuple[str | None, ...] = field(default=())  # SERVICE targets; None = not a fixed IRI
    loads: tuple[str | None, ...] = field(default=())  # LOAD sources

    @property
    def kind(self) -> str:
        """``graph`` for CONSTRUCT/DESCRIBE, else ``results`` (the negotiation family)."""
        return "graph" if self.form in ("CONSTRUCT", "DESCRIBE") else "results"

    def remote_targets(self) -> tuple[str | None, ...]:
        return self.services + self.loads


def _tokens(text: str) -> list[tuple[str, str]]:
    out = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind not in ("ws", "comment"):
            out.append((kind, match.group()))
    return out


# a text without these words anywhere has no dataset and no remote target: its first keyword says it all
_DATASET_OR_REMOTE = ("FROM", "SERVICE", "LOAD")
_IRI = r"""<[^<>"{}|^`\\\x00-\x20]*>"""
# the usual prologue (PREFIX/BASE lines, comments) and the word after it, as the tokenizer would read them; atomic,
# so a text that does not fit costs one linear pass before the tokenizer takes over
_PROLOGUE = re.compile(
    rf"""(?>(?:\s|\#[^\n]*
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
    if not any(word in upper for word in _DATASET_OR_REMOTE):
        return _form_only(text)
    return analyze_tokens(text)


_analyze_cached = functools.lru_cache(maxsize=512)(_analyze)


def analyze_tokens(text: str) -> Analysis:
    """:func:`analyze` the long way, every token of the text."""
    tokens = _tokens(text)
    prefixes: dict[str, str] = {}
    form: str | None = None
    is_update = has_dataset = False
    services: list[str | None] = []
    loads: list[str | None] = []

    def target(i: int) -> str | None:
        """The endpoint IRI at token i (skipping SILENT), expanded when it is a prefixed name."""
        if i < len(tokens) and tokens[i][1].upper() == "SILENT":
            i += 1
        if i >= len(tokens):
            return None
        kind, value = tokens[i]
        if kind == "iri":
            return value[1:-1]
        if kind == "pname":
            prefix, _, local = value.partition(":")
            return prefixes[prefix] + local if prefix in prefixes else None
        return None

    for i, (kind, value) in enumerate(tokens):
        if kind != "word":
            continue
        word = value.upper()
        if word == "PREFIX" and i + 2 < len(tokens) and tokens[i + 2][0] == "iri":
            prefixes[tokens[i + 1][1].rstrip(":")] = tokens[i + 2][1][1:-1]
        elif form is None and not is_update and word in QUERY_FORMS:
            form = word
        elif form is None and not is_update and word in UPDATE_WORDS:
            is_update = True
        if word == "FROM":
            has_dataset = True
        elif word == "SERVICE":
            services.append(target(i + 1))
        elif word == "LOAD":
            loads.append(target(i + 1))
    return Analysis(form, is_update, has_dataset, tuple(services), tuple(loads))


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
