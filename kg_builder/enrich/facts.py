"""Everything enrich derives from one Study, in one pass (pure: Study in, facts out)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kg_builder.enrich import conditions as cond
from kg_builder.enrich.doses import Dose, doses_in
from kg_builder.enrich.drugs import Component, analyse_study, intervention_classes, mesh_for
from kg_builder.enrich.eligibility import Ecog, Recist, ecog_range, recist
from kg_builder.enrich.outcomes import OutcomeFacts, classify_outcome
from kg_builder.enrich.places import country_code, geonames_city
from kg_builder.enrich.record_evidence import evidence_of
from kg_builder.enrich.text import fold
from kg_builder.enrich.time_frames import TimeFrame, parse_time_frame
from kg_builder.model import MeshTerm, Study


@dataclass(frozen=True, slots=True)
class InterventionFacts:
    index: int
    components: tuple[Component, ...]
    classes: tuple[str, ...]
    mesh: tuple[tuple[int, MeshTerm], ...]  # (component index, MeSH term naming it)


@dataclass(frozen=True, slots=True)
class DoseFact:
    owner: str  # "arm" / "intervention"
    index: int  # the owner's index in the study
    dose: Dose


@dataclass
class StudyFacts:
    interventions: list[InterventionFacts] = field(default_factory=list)
    arm_links: set[tuple[int, int]] = field(default_factory=set)  # (arm, intervention)
    doses: list[DoseFact] = field(default_factory=list)
    conditions: list[tuple[str, cond.ConditionFacts, list[tuple[MeshTerm, bool]]]] = field(default_factory=list)
    population_facets: dict[str, str] = field(default_factory=dict)  # facet → where it was read
    outcomes: list[tuple[int, OutcomeFacts, TimeFrame | None]] = field(default_factory=list)
    ecog: list[tuple[int | None, Ecog]] = field(default_factory=list)  # (criterion index, range)
    recist: list[tuple[int | None, Recist]] = field(default_factory=list)
    places: list[tuple[int, str, tuple[int, str]]] = field(default_factory=list)  # (site, ISO, GeoNames)
    warnings: list[str] = field(default_factory=list)  # what was not read, and why (the mapping reports them)


def record_context(study: Study) -> str:
    """The record's own prose about its drugs: titles, summaries and arm descriptions."""
    return "\n".join(t for t in (study.brief_title, study.official_title, study.brief_summary,
                                 study.detailed_description, *(a.description for a in study.arms)) if t)


def arm_links(study: Study) -> set[tuple[int, int]]:
    """(arm, intervention) pairs; the core mapper links arms by this one rule too.

    An intervention's own arm labels decide first: the parsers resolve the arms' "Type: name"
    references into them (``sources.arm_refs``), so an intervention repeated once per dose
    arm, or a drug and a device of the same name, each stay with their own arms. An arm's
    intervention name links by name only where no intervention of that name already names
    the arm, and only to a single intervention (one that names no other arm, if several
    share the name): a name never fans out to every intervention that bears it.
    """
    by_label: dict[str, int] = {}
    for index, arm in enumerate(study.arms):
        by_label.setdefault(fold(arm.label), index)
    links = {(by_label[fold(label)], i) for i, intervention in enumerate(study.interventions)
             for label in intervention.arm_labels if fold(label) in by_label}
    by_name: dict[str, list[int]] = {}
    for index, intervention in enumerate(study.interventions):
        by_name.setdefault(fold(intervention.name), []).append(index)
    for a, arm in enumerate(study.arms):
        for name in arm.intervention_names:
            named = by_name.get(fold(name), [])
            if any((a, i) in links for i in named):
                continue
            free = [i for i in named if not study.interventions[i].arm_labels]
            pick = free or named
            if len(pick) == 1:
                links.add((a, pick[0]))
    return links


def enrich(study: Study) -> StudyFacts:
    facts = StudyFacts()
    analysed = analyse_study(study.interventions, evidence_of(study, record_context(study)))
    for index, components in enumerate(analysed):
        mesh = tuple((k, m) for k, c in enumerate(components) for m in mesh_for(c, study.intervention_meshes))
        facts.interventions.append(InterventionFacts(index, components, intervention_classes(components), mesh))
    facts.arm_links = arm_links(study)
    _doses(study, facts)
    for name in study.conditions:
        if name.strip():
            facts.conditions.append((name, cond.analyse_condition(name),
                                     cond.mesh_matches(name, study.condition_meshes)))
    for source, text in (("title", study.brief_title), ("official title", study.official_title),
                         *(("condition", c) for c in study.conditions)):
        for facet in cond.facets_in(text or ""):
            facts.population_facets.setdefault(facet, f"{source}: {text}")
    for index, outcome in enumerate(study.outcomes):
        frame = parse_time_frame(outcome.time_frame) if outcome.time_frame else None
        facts.outcomes.append((index, classify_outcome(outcome.measure, outcome.description), frame))
    _eligibility(study, facts)
    for index, site in enumerate(study.sites):
        code = country_code(site.country)
        place = geonames_city(site.city, code) if code and site.city else None
        if code and place:
            facts.places.append((index, code, place))
    return facts


def _drug_keys(components: list[Component]) -> dict[str, str]:
    keys: dict[str, str] = {}
    for component in components:
        if component.name is None:
            continue
        names = [component.name, component.text]
        if component.entry is not None:
            names += [s for s in component.entry.synonyms if len(s) > 3]
        for name in names:
            name = re.sub(r"\s*\(.*$", "", name).strip()
            if len(name) > 2:
                keys.setdefault(name, component.name)
    return keys


def _doses(study: Study, facts: StudyFacts) -> None:
    for arm_index, arm in enumerate(study.arms):
        if not arm.description:
            continue
        linked = [c for a, i in sorted(facts.arm_links) if a == arm_index
                  for c in facts.interventions[i].components]
        for dose in doses_in(arm.description, _drug_keys(linked), facts.warnings):
            facts.doses.append(DoseFact("arm", arm_index, dose))
    for item in facts.interventions:
        description = study.interventions[item.index].description
        if description:
            for dose in doses_in(description, _drug_keys(list(item.components)), facts.warnings):
                facts.doses.append(DoseFact("intervention", item.index, dose))


def _eligibility(study: Study, facts: StudyFacts) -> None:
    eligibility = study.eligibility
    if eligibility is None:
        return
    if eligibility.criteria:
        for index, criterion in enumerate(eligibility.criteria):
            text = f"{criterion.group or ''} {criterion.text}"
            found = ecog_range(criterion.text) if criterion.kind == "inclusion" else None
            if found:
                facts.ecog.append((index, found))
            measurable = recist(text) if criterion.kind == "inclusion" else None
            if measurable:
                facts.recist.append((index, measurable))
        return
    inclusion = re.split(r"exclusion criteria", eligibility.criteria_text or "", flags=re.IGNORECASE)[0]
    for line in inclusion.splitlines():
        if (found := ecog_range(line)) is not None:
            facts.ecog.append((None, found))
        if (measurable := recist(line)) is not None:
            facts.recist.append((None, measurable))
