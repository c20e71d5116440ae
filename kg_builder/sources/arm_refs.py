"""Which intervention an arm's reference means: its "Type: name" and the interventions' own arm labels.

API v2 states each link twice: the arm lists ``interventionNames`` as ``"Drug: X"`` and the
intervention lists ``armGroupLabels``. Matching by name alone links an arm to every
intervention of that name: a drug and a device both called "X", or "X" registered once per
dose arm. The reference is resolved instead by, in order:

1. the name (exact, else ignoring case and spacing), within the type the prefix names;
2. among several, the intervention whose own labels name this arm;
3. else the only one that names no arm at all.

A resolved reference adds the arm's label to that intervention (the link both sides now
state); a reference that stays ambiguous or matches nothing is a warning and links nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from kg_builder.model import Intervention
from kg_builder.sources.values import to_code

# The intervention types as the registry prefixes them ("Dietary Supplement: …").
TYPE_CODES = frozenset({
    "DRUG", "BIOLOGICAL", "DEVICE", "PROCEDURE", "RADIATION", "BEHAVIORAL", "GENETIC",
    "DIETARY_SUPPLEMENT", "COMBINATION_PRODUCT", "DIAGNOSTIC_TEST", "OTHER",
})


def fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def split_reference(ref: str) -> tuple[str | None, str]:
    """``"Dietary Supplement: Vitamin D"`` → ``("DIETARY_SUPPLEMENT", "Vitamin D")``; a reference
    without a type prefix (or whose prefix is no intervention type) is all name."""
    prefix, sep, rest = ref.partition(":")
    code = to_code(prefix) if sep else None
    if code in TYPE_CODES and rest.strip():
        return code, rest.strip()
    return None, ref.strip()


class _Index:
    """The interventions by exact and by folded name, built once per study."""

    def __init__(self, items: Sequence[Intervention]) -> None:
        self.exact: dict[str, list[int]] = {}
        self.folded: dict[str, list[int]] = {}
        for index, item in enumerate(items):
            self.exact.setdefault(item.name, []).append(index)
            self.folded.setdefault(fold(item.name), []).append(index)

    def named(self, name: str) -> list[int]:
        return self.exact.get(name) or self.folded.get(fold(name), [])


def resolve(ref: str, label: str, items: Sequence[Intervention],
            index: _Index | None = None) -> tuple[list[int], str | None]:
    """The intervention indexes arm ``label``'s reference ``ref`` means, and a problem (or None)."""
    index = index or _Index(items)
    type_, name = split_reference(ref)
    named = index.named(name)
    if not named and type_ is not None:  # a name that itself starts "Word: …"
        named = index.named(ref)
    if not named:
        return [], "matches no intervention"
    typed = [i for i in named if items[i].type == type_] if type_ else named
    candidates = typed or named
    if len(candidates) == 1:
        return candidates, None
    claiming = [i for i in candidates if any(fold(x) == fold(label) for x in items[i].arm_labels)]
    if claiming:
        return claiming, None
    free = [i for i in candidates if not items[i].arm_labels]
    if len(free) == 1:
        return free, None
    return [], f"{len(candidates)} interventions share this type and name and none names this arm"


def link_references(labels_and_refs: Sequence[tuple[str, Sequence[str]]], items: list[Intervention],
                    warn: Callable[[int, str, str], None]) -> list[tuple[str, ...]]:
    """Resolve every arm's references; add each arm's label to the interventions it means.

    ``labels_and_refs`` holds (arm label, its references) per arm; ``warn(arm position, ref,
    problem)`` is told about references left unlinked. Returns, per arm, the names of its
    interventions (first-seen order, no repeats), and updates ``items`` in place.
    """
    names: list[tuple[str, ...]] = []
    index = _Index(items)  # names never change below: only arm labels are added
    for position, (label, refs) in enumerate(labels_and_refs):
        linked: list[str] = []
        for ref in refs:
            found, problem = resolve(ref, label, items, index)
            if problem is not None:
                warn(position, ref, problem)
            for at in found:
                item = items[at]
                if not any(fold(x) == fold(label) for x in item.arm_labels):
                    items[at] = replace(item, arm_labels=(*item.arm_labels, label))
                if item.name not in linked:
                    linked.append(item.name)
        names.append(tuple(linked))
    return names
