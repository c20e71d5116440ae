"""The shared entity graph: what a shared thing IS, stated once for the whole store.

A study's named graph holds what its record states and links to shared IRIs: a country,
a place, a facility, an organisation, a condition, a drug, a target, an outcome measure,
a MeSH descriptor. What such a thing *is* — its classes, its one ``rdfs:label`` per
language, its codes and identifiers — lives in one named graph, :data:`ENTITY_GRAPH`,
and is decided from the thing itself: its normalised key, the packaged data (lexicon,
INN stems, ISO and GeoNames tables) or an identifier. It never depends on which records
mention the thing, so every build that names it writes the same facts, and writing them
again changes nothing (a named graph is a set). Hence:

* each fact is stored once, and querying the union of all graphs gives each triple once;
* a record's own reading of a shared thing (the name as it spells it, the class its text
  gives a drug, the agency class it gives its sponsor) stays on a study-local node of its
  own graph (a site, a drug mention, a sponsor mention) with its evidence.

API for mapping code (the only way shared facts are written; see ``mapping/shared.py``
for the describers of each kind)::

    facts = out.entities                      # the EntitySink of the study being mapped
    node = ctx.minter.country(code)
    if facts.first(node):                     # not described yet in this build
        facts.typed(node, KG.Country, SCHEMA.Country)
        facts.label(node, country_name(code))  # one label per language
        facts.text(node, KG.isoCode, code)

``first(node, aspect)`` is true once per build for each (node, aspect): a describer that
adds another aspect of an existing node (a drug's ADC payload, a MeSH descriptor's tree
numbers) claims its own aspect name. Forgetting what was described only costs a repeat
(the ledger is bounded), never a wrong or missing fact. Facts whose subject is a shared
node and whose value depends on a record must not be written here.
"""

from __future__ import annotations

from hashlib import blake2b

from pyoxigraph import Literal, NamedNode, Quad

from kg_builder.vocab import ENTITY_GRAPH, RDF_TYPE, RDFS, concept

__all__ = ["ENTITY_GRAPH", "EntityLedger", "EntitySink"]


class EntityLedger:
    """What one build has described already, so each shared thing is described once per build.

    Bounded, and compact, because it grows with the shared things a corpus names (~8 per study
    past the first thousands: ~180,000 keys at 20,000 studies):

    * a key is kept as its 128-bit BLAKE2b digest (a 49-byte object), not as its IRI (~120
      bytes as a string). Two keys of one build share a digest with a probability of ~n²/2¹²⁹
      (~10⁻²⁶ for a million keys); only then would a described thing's facts be skipped.
    * two generations: keys claimed or seen again go into the current one; when it holds
      ``limit // 2`` keys it becomes the previous one and the one before is dropped. What a
      build keeps naming stays; a thing not named for ``limit // 2`` claims is forgotten and,
      if named again, described again with the same facts, which the store folds. At most
      ``limit`` keys are held: ~70 MiB at the default million.
    """

    __slots__ = ("_current", "_previous", "limit")

    def __init__(self, limit: int = 1_000_000) -> None:
        self._current: set[bytes] = set()
        self._previous: set[bytes] = set()
        self.limit = limit

    def claim(self, key: str) -> bool:
        """True the first time ``key`` is claimed (the caller then writes its facts)."""
        digest = _digest(key)
        if digest in self._current:
            return False
        known = digest in self._previous
        if len(self._current) >= max(1, self.limit // 2):
            self._previous, self._current = self._current, set()
        self._current.add(digest)
        return not known

    def forget(self, keys: list[str]) -> None:
        """Un-claim ``keys``: their facts were never stored (the study that described them failed)."""
        for key in keys:
            digest = _digest(key)
            self._current.discard(digest)
            self._previous.discard(digest)

    def __len__(self) -> int:
        return len(self._current) + len(self._previous)


def _digest(key: str) -> bytes:
    return blake2b(key.encode(), digest_size=16).digest()


class EntitySink:
    """The quads one study's mapping adds to the entity graph (the shapes of statement QuadSink has)."""

    __slots__ = ("claimed", "ledger", "quads")

    def __init__(self, ledger: EntityLedger | None = None) -> None:
        self.ledger = ledger if ledger is not None else EntityLedger()
        self.quads: list[Quad] = []
        self.claimed: list[str] = []

    def first(self, node: NamedNode, aspect: str = "") -> bool:
        """True when ``aspect`` of ``node`` has not been described yet in this build: describe it now."""
        key = node.value if not aspect else f"{node.value} {aspect}"
        if self.ledger.claim(key):
            self.claimed.append(key)
            return True
        return False

    def rollback(self) -> None:
        """The study failed: what it described will be described by the next study that names it."""
        self.ledger.forget(self.claimed)
        self.claimed.clear()
        self.quads.clear()

    def add(self, subject: NamedNode, predicate: NamedNode, obj: NamedNode | Literal) -> None:
        self.quads.append(Quad(subject, predicate, obj, ENTITY_GRAPH))

    def text(self, subject: NamedNode, predicate: NamedNode, value: str | None) -> None:
        if value is not None and value.strip():
            self.quads.append(Quad(subject, predicate, Literal(value), ENTITY_GRAPH))

    def typed(self, subject: NamedNode, *classes: NamedNode) -> None:
        for cls in classes:
            self.quads.append(Quad(subject, RDF_TYPE, cls, ENTITY_GRAPH))

    def label(self, subject: NamedNode, value: str | None, language: str | None = None) -> None:
        """The thing's one label (per language): decided from the thing, never from a record."""
        if value is not None and value.strip():
            literal = Literal(value, language=language) if language else Literal(value)
            self.quads.append(Quad(subject, RDFS.label, literal, ENTITY_GRAPH))

    def code(self, subject: NamedNode, predicate: NamedNode, scheme: str, code: str | None) -> None:
        if code:
            self.quads.append(Quad(subject, predicate, concept(scheme, code), ENTITY_GRAPH))
