"""IRI minting: pure functions, the same input always gives the same IRI.

Study-local things (arms, outcomes, criteria, site records) hang under their
study's IRI; shared things (drugs, conditions, organisations, places) are minted
from a normalised name so every study that names them lands on one node.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from pyoxigraph import NamedNode

from kg_builder.settings import DEFAULT_BASE, check_base

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=65536)  # names repeat across studies (sponsors, cities, drugs): fold each once
def normalize_label(text: str) -> str:
    """Case-, width- and spacing-folded form of a name, the key shared nodes are minted from."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    folded = folded.replace("\u2019", "'").replace("\u2010", "-").replace("\u2013", "-")
    return _SPACES.sub(" ", folded).strip(" .,;:")


_HYPHENS = re.compile(r"[\s\-\u2010-\u2015\u2212_]+")


@lru_cache(maxsize=65536)
def name_key(text: str) -> str:
    """The key of a proper name (place, facility, organisation): :func:`normalize_label` with hyphens,
    dashes and underscores read as spaces, so "Shinjuku-ku", "Shinjuku Ku" and "SHINJUKU  KU" are one."""
    return _HYPHENS.sub(" ", normalize_label(text)).strip()


@lru_cache(maxsize=65536)
def slug(text: str) -> str:
    """A readable, IRI-safe path segment for ``text``.

    ASCII letters and digits survive; anything else (another script, accents that do
    not decompose) would be lost, so a short hash of the normalised text is appended
    whenever the ASCII form does not carry the whole name.
    """
    norm = normalize_label(text)
    ascii_form = unicodedata.normalize("NFKD", norm).encode("ascii", "ignore").decode()
    base = _NON_ALNUM.sub("-", ascii_form).strip("-")[:80].strip("-")
    lossless = ascii_form == norm and _NON_ALNUM.sub("", norm) == _NON_ALNUM.sub("", ascii_form)
    if base and lossless and len(_NON_ALNUM.sub("-", ascii_form).strip("-")) <= 80:
        return base
    digest = hashlib.sha1(norm.encode("utf-8")).hexdigest()[:10]
    return f"{base}-{digest}" if base else digest


def content_key(*parts: str | None) -> str:
    """A stable key for a study with no registry id, from its identifying content."""
    joined = "\x1f".join(normalize_label(p) if p else "" for p in parts)
    return "x-" + hashlib.sha256(joined.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class IriMinter:
    """Mints every IRI under one configurable base."""

    base: str = DEFAULT_BASE

    def __post_init__(self) -> None:
        check_base(self.base)

    def _node(self, path: str) -> NamedNode:
        return NamedNode(self.base + path)

    # study-local
    def study(self, key: str) -> NamedNode:
        return self._node(f"trial/{key}")

    def graph(self, key: str) -> NamedNode:
        return self._node(f"graph/{key}")

    def study_part(self, key: str, *path: str | int) -> NamedNode:
        """A node hanging off study ``key``: ``study_part(k, "arm", 1)`` → ``…/trial/k/arm/1``."""
        return self._node("/".join([f"trial/{key}", *map(str, path)]))

    # shared
    def drug(self, name: str) -> NamedNode:
        return self._node(f"drug/{slug(name)}")

    def condition(self, name: str) -> NamedNode:
        return self._node(f"condition/{slug(name)}")

    def organization(self, name: str) -> NamedNode:
        return self._node(f"org/{slug(name_key(name))}")

    def facility(self, name: str, city: str | None) -> NamedNode:
        return self._node(f"facility/{slug(name_key(name) + ' ' + name_key(city or ''))}")

    def country(self, code: str) -> NamedNode:
        return self._node(f"country/{code.upper()}")

    def place(self, country: str, state: str | None, city: str) -> NamedNode:
        parts = [slug(country)] + ([slug(name_key(state))] if state else []) + [slug(name_key(city))]
        return self._node("place/" + "/".join(parts))

    def target(self, symbol: str) -> NamedNode:
        return self._node(f"target/{slug(symbol)}")

    def payload(self, name: str) -> NamedNode:
        """An ADC payload (deruxtecan, vedotin …), shared by every ADC that carries it."""
        return self._node(f"payload/{slug(name)}")

    def measure(self, code: str) -> NamedNode:
        return self._node(f"measure/{slug(code)}")

    def is_minted(self, iri: str) -> bool:
        return iri.startswith(self.base)
