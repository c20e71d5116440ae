"""The registry's code lists, as the ontology ships them, for parsers that must check a code.

Text layouts write enumerations as cells that can be cut short ("Time Perspective: p" at the
end of a truncated CSV cell): such a value is no code of its list and must be left out with
a warning rather than stored as a code that does not exist. The lists are the concept
schemes of ``ontology/codelists`` (``skos:notation`` of each concept), read once.
"""

from __future__ import annotations

from functools import cache

from pyoxigraph import NamedNode, RdfFormat, parse

from kg_builder.settings import Settings

_NOTATION = NamedNode("http://www.w3.org/2004/02/skos/core#notation")


@cache
def known_codes(scheme: str) -> frozenset[str]:
    """The codes of code list ``scheme`` ("time-perspective", "masking" …); empty when the
    ontology has no such list (then nothing can be checked)."""
    path = Settings().ontology_dir / "codelists" / f"{scheme}.ttl"
    if not path.is_file():
        return frozenset()
    return frozenset(triple.object.value for triple in parse(path=str(path), format=RdfFormat.TURTLE)
                     if triple.predicate == _NOTATION)
