"""Result groups: one node per group of participants, and the protocol arm each is, where the record tells.

Every results module lists its own groups with its own ids (``FG000`` in the flow, ``OG000`` in
each outcome, ``EG000`` for adverse events). A study's groups are unified by title: the k-th
group titled "Placebo" in any module is the study's k-th "Placebo" group (titles compared
case-, space- and punctuation-folded).

A group is linked to a protocol arm only when the record lets one tell which is which, and
never by elimination. Within one module's list, by the first rule that gives a one-to-one
answer (a group with one candidate arm that no other group of the list could also be):

=============== ========== ======================================================================
method          confidence evidence
=============== ========== ======================================================================
``TITLE``       1.0        the group's title is the arm's label (case and spacing aside; or the same
                           words, when no other arm's label has them)
``LABEL``       0.8        one contains the other as a whole phrase ("Palbociclib … (Arm A)" / "Arm A")
``INTERVENTION`` 0.6       the interventions the group's title and description name are used by
                           that arm alone
=============== ========== ======================================================================

A group matched differently by two modules is not matched at all.

One more link is told by the record's design rather than by names: in a study with a single arm, every
result group the rules above leave (dose cohorts, responders, the total) is drawn from that arm's
participants. Such a group is linked *within* the arm (``SINGLE_ARM``, 0.9), never as the arm itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from kg_builder.iris import normalize_label
from kg_builder.model import Study
from kg_builder.model_results import ResultGroup

METHODS: tuple[tuple[str, Decimal], ...] = (("TITLE", Decimal("1.0")), ("LABEL", Decimal("0.8")),
                                            ("INTERVENTION", Decimal("0.6")))
SINGLE_ARM = Decimal("0.9")
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True, slots=True)
class ArmMatch:
    arm: int  # index into study.arms
    method: str
    confidence: Decimal
    within: bool = False  # the group is drawn from the arm's participants, not the arm itself


@dataclass(slots=True)
class ResultGroups:
    """The study's unified result groups and where each module's group ids point."""

    titles: list[str] = field(default_factory=list)
    descriptions: list[list[str]] = field(default_factory=list)
    # (module, outcome index or -1) → {the record's group id → unified group index}
    ids: dict[tuple[str, int], dict[str, int]] = field(default_factory=dict)
    matches: dict[int, ArmMatch] = field(default_factory=dict)

    def group(self, module: str, group_id: str, outcome: int = -1) -> int | None:
        return self.ids.get((module, outcome), {}).get(group_id)


def _words(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(normalize_label(text)))


def _contains(outer: tuple[str, ...], inner: tuple[str, ...]) -> bool:
    if not inner or len(inner) > len(outer) or sum(map(len, inner)) < 3:
        return False
    return any(outer[i:i + len(inner)] == inner for i in range(len(outer) - len(inner) + 1))


def result_groups(study: Study) -> ResultGroups:
    """Unify the groups of every results module and match them to arms (rules in the module doc)."""
    found = ResultGroups()
    results = study.results
    if results is None:
        return found
    modules: list[tuple[tuple[str, int], tuple[ResultGroup, ...]]] = []
    if results.flow is not None:
        modules.append((("flow", -1), results.flow.groups))
    if results.baseline is not None:
        modules.append((("baseline", -1), results.baseline.groups))
    modules.extend((("outcome", i), outcome.groups) for i, outcome in enumerate(results.outcomes))
    if results.adverse_events is not None:
        modules.append((("events", -1), results.adverse_events.groups))
    by_key: dict[tuple[tuple[str, ...], int], int] = {}
    arms = [_words(a.label) for a in study.arms]
    labels = [normalize_label(a.label) for a in study.arms]
    arm_drugs = [_arm_interventions(study, i) for i in range(len(study.arms))]
    names = _intervention_words(study)
    proposals: dict[int, set[ArmMatch]] = {}
    for key, groups in modules:
        ids = found.ids.setdefault(key, {})
        seen: dict[tuple[str, ...], int] = {}
        for group in groups:
            words = _words(group.title)
            occurrence = seen[words] = seen.get(words, -1) + 1
            index = by_key.get((words, occurrence))
            if index is None:
                index = by_key[(words, occurrence)] = len(found.titles)
                found.titles.append(group.title)
                found.descriptions.append([])
            if group.description and group.description not in found.descriptions[index]:
                found.descriptions[index].append(group.description)
            ids[group.id] = index
        for group, match in _match_module(groups, labels, arms, arm_drugs, names).items():
            proposals.setdefault(ids[group], set()).add(match)
    found.matches = {g: next(iter(m)) for g, m in proposals.items() if len(m) == 1}
    if len(study.arms) == 1:
        for index in range(len(found.titles)):
            if index not in proposals:
                found.matches[index] = ArmMatch(0, "SINGLE_ARM", SINGLE_ARM, within=True)
    return found


def _arm_interventions(study: Study, arm: int) -> frozenset[int]:
    wanted = set(study.arms[arm].intervention_names)
    return frozenset(i for i, item in enumerate(study.interventions) if item.name in wanted)


def _intervention_words(study: Study) -> list[list[tuple[str, ...]]]:
    """Per intervention, the word sequences of its name and other names (three letters or more)."""
    return [[w for n in (item.name, *item.other_names) if sum(map(len, w := _words(n))) >= 3]
            for item in study.interventions]


def _match_module(groups: tuple[ResultGroup, ...], labels: list[str], arms: list[tuple[str, ...]],
                  arm_drugs: list[frozenset[int]], names: list[list[tuple[str, ...]]]) -> dict[str, ArmMatch]:
    """Group id → arm match, one-to-one within this module's list, by the strongest rule that decides."""
    matched: dict[str, ArmMatch] = {}
    taken: set[int] = set()
    for method, confidence in METHODS:
        candidates: dict[str, set[int]] = {}
        for group in groups:
            if group.id in matched:
                continue
            words = _words(group.title)
            free = [a for a in range(len(arms)) if a not in taken]
            if method == "TITLE":  # the label as written; else the same words ("S+" and "S-" stay apart)
                title = normalize_label(group.title)
                hits = {a for a in free if labels[a] == title} or {a for a in free if arms[a] == words
                                                                   and arms.count(words) == 1}
            elif method == "LABEL":
                hits = {a for a in free if _contains(words, arms[a]) or _contains(arms[a], words)}
            else:
                text = _words(f"{group.title} {group.description or ''}")
                named = {i for i, forms in enumerate(names) if any(_contains(text, f) for f in forms)}
                hits = {a for a in free if named and named <= arm_drugs[a]
                        and not any(named <= arm_drugs[b] for b in range(len(arms)) if b != a)}
            candidates[group.id] = hits
        claimed: dict[int, int] = {}
        for hits in candidates.values():  # a group that could be several arms still claims each of them
            for arm in hits:
                claimed[arm] = claimed.get(arm, 0) + 1
        for group_id, hits in candidates.items():
            arm = next(iter(hits)) if len(hits) == 1 else -1
            if arm >= 0 and claimed[arm] == 1:
                matched[group_id] = ArmMatch(arm, method, confidence)
                taken.add(arm)
    return matched
