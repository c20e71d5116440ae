"""Arm ↔ intervention links use the "Type: name" reference and the interventions' own arm labels.

The failure class: links matched by case-folded name only, so an arm linked to every
intervention bearing the name (a drug and a device of one name; one drug registered once per
dose arm), and per-arm drugs and doses followed the wrong links. Records here are built for
each case, not copied.
"""

from __future__ import annotations

import io
import json
from typing import Any

from kg_builder.enrich.facts import arm_links, enrich
from kg_builder.iris import IriMinter
from kg_builder.mapping.study import map_study
from kg_builder.model import Arm, Intervention, Provenance, Study
from kg_builder.sources import ctgov_json, ctgov_xml
from kg_builder.sources.arm_refs import split_reference
from kg_builder.sources.base import SourceDocument
from kg_builder.vocab import KG


def _json(arms: list[dict[str, Any]], interventions: list[dict[str, Any]]) -> Study:
    record = {"protocolSection": {
        "identificationModule": {"nctId": "NCT09990001", "briefTitle": "Arm link cases"},
        "statusModule": {"overallStatus": "RECRUITING"},
        "designModule": {"studyType": "INTERVENTIONAL"},
        "armsInterventionsModule": {"armGroups": arms, "interventions": interventions}}}
    data = json.dumps(record).encode()
    (study,) = ctgov_json.iter_records(SourceDocument("arms.json", lambda: io.BytesIO(data)))
    assert isinstance(study, Study), study
    return study


def _pairs(study: Study) -> set[tuple[str, str, str | None]]:
    return {(study.arms[a].label, study.interventions[i].name, study.interventions[i].type)
            for a, i in arm_links(study)}


def test_reference_prefix_is_a_type_only_when_it_names_one() -> None:
    assert split_reference("Dietary Supplement: Vitamin D") == ("DIETARY_SUPPLEMENT", "Vitamin D")
    assert split_reference("Drug:Xyl-12") == ("DRUG", "Xyl-12")
    assert split_reference("Part A: Xyl-12") == (None, "Part A: Xyl-12")
    assert split_reference("Xyl-12") == (None, "Xyl-12")


def test_same_name_different_types_are_not_cross_linked() -> None:
    for labelled in (True, False):  # with and without the interventions' own armGroupLabels
        items = [{"type": "DRUG", "name": "Quorex"}, {"type": "DEVICE", "name": "Quorex"}]
        if labelled:
            items[0]["armGroupLabels"], items[1]["armGroupLabels"] = ["Tablet arm"], ["Pump arm"]
        study = _json([{"label": "Tablet arm", "interventionNames": ["Drug: Quorex"]},
                       {"label": "Pump arm", "interventionNames": ["Device: Quorex"]}], items)
        assert _pairs(study) == {("Tablet arm", "Quorex", "DRUG"), ("Pump arm", "Quorex", "DEVICE")}
        assert study.warnings == []


def test_intervention_repeated_per_dose_arm_links_only_to_its_arm() -> None:
    doses = ["Cohort 1 (2 mg)", "Cohort 2 (6 mg)", "Cohort 3 (18 mg)"]
    study = _json([{"label": d, "interventionNames": ["Biological: TRX-77"]} for d in doses],
                  [{"type": "BIOLOGICAL", "name": "TRX-77", "armGroupLabels": [d], "description": d}
                   for d in doses])
    assert sorted(arm_links(study)) == [(0, 0), (1, 1), (2, 2)]


def test_ambiguous_reference_is_a_warning_and_no_link() -> None:
    study = _json([{"label": "A", "interventionNames": ["Drug: Dup"]},
                   {"label": "B", "interventionNames": ["Drug: Dup"]},
                   {"label": "C", "interventionNames": ["Drug: Dup", "Drug: Nowhere"]}],
                  [{"type": "DRUG", "name": "Dup", "armGroupLabels": ["A"]},
                   {"type": "DRUG", "name": "Dup", "armGroupLabels": ["B"]}])
    assert sorted(arm_links(study)) == [(0, 0), (1, 1)]
    assert sum("share this type and name" in w for w in study.warnings) == 1
    assert sum("matches no intervention" in w for w in study.warnings) == 1


def test_reference_completes_an_intervention_without_labels() -> None:
    study = _json([{"label": "Only arm", "interventionNames": ["Procedure: Biopsy: core needle"]}],
                  [{"type": "PROCEDURE", "name": "Biopsy: core needle"}])
    assert study.interventions[0].arm_labels == ("Only arm",)
    assert sorted(arm_links(study)) == [(0, 0)]


def test_xml_intervention_repeated_per_arm() -> None:
    xml = b"""<clinical_study><id_info><nct_id>NCT09990002</nct_id></id_info><brief_title>x</brief_title>
    <arm_group><arm_group_label>Low</arm_group_label></arm_group>
    <arm_group><arm_group_label>High</arm_group_label></arm_group>
    <intervention><intervention_type>Drug</intervention_type><intervention_name>Velo</intervention_name>
      <arm_group_label>Low</arm_group_label></intervention>
    <intervention><intervention_type>Drug</intervention_type><intervention_name>Velo</intervention_name>
      <arm_group_label>High</arm_group_label></intervention>
    </clinical_study>"""
    (study,) = ctgov_xml.iter_records(SourceDocument("x.xml", lambda: io.BytesIO(xml)))
    assert isinstance(study, Study)
    assert sorted(arm_links(study)) == [(0, 0), (1, 1)]


def test_name_only_links_never_fan_out() -> None:
    # A hand-built Study (no labels on either twin): a name shared by two interventions is
    # ambiguous and links nothing; a unique name links.
    study = Study(provenance=Provenance("hand.json", "ctgov-json", "1", "0"),
                  arms=[Arm("A", intervention_names=("Twin", "Solo"))],
                  interventions=[Intervention("Twin", "DRUG"), Intervention("twin", "DEVICE"),
                                 Intervention("Solo", "DRUG")])
    assert arm_links(study) == {(0, 2)}


def test_per_arm_drugs_and_doses_follow_the_links() -> None:
    study = _json(
        [{"label": "Low", "description": "Nivrotin 10 mg orally once daily.",
          "interventionNames": ["Drug: Nivrotin"]},
         {"label": "High", "description": "Nivrotin 40 mg orally once daily.",
          "interventionNames": ["Drug: Nivrotin"]}],
        [{"type": "DRUG", "name": "Nivrotin", "armGroupLabels": ["Low"], "description": "low dose tablets"},
         {"type": "DRUG", "name": "Nivrotin", "armGroupLabels": ["High"], "description": "high dose tablets"}])
    facts = enrich(study)
    assert facts.arm_links == {(0, 0), (1, 1)}
    amounts = {(d.index, d.dose.amount) for d in facts.doses if d.owner == "arm"}
    assert amounts == {(0, 10.0), (1, 40.0)}
    ctx, quads, _ = map_study(study, IriMinter(), build_time="2025-01-01T00:00:00Z")
    uses = {(q.subject, q.object) for q in quads if q.predicate == KG.usesIntervention}
    assert uses == {(ctx.arm(0), ctx.intervention(0)), (ctx.arm(1), ctx.intervention(1))}
    arm_drugs = [q for q in quads if q.predicate == KG.armDrug]
    assert {q.subject for q in arm_drugs} == {ctx.arm(0), ctx.arm(1)}
    assert len(arm_drugs) == 2  # one drug per arm, not each arm twice
