"""Reading results and the record's other modules: the shapes real records take, built small by hand."""

from __future__ import annotations

import json
from decimal import Decimal

from parser_helpers import doc_from_bytes, parse_one

from kg_builder.sources import ctgov_json, ctgov_xml


def _json(results: dict | None = None, **sections: dict) -> bytes:
    record = {"protocolSection": {"identificationModule": {"nctId": "NCT01234567", "briefTitle": "T"},
                                  **sections.pop("protocol", {})}, **sections}
    if results is not None:
        record["resultsSection"] = results
    return json.dumps(record).encode()


OUTCOME = {
    "type": "PRIMARY", "title": "Trough level", "paramType": "MEAN", "dispersionType": "95% Confidence Interval",
    "unitOfMeasure": "ng/mL", "reportingStatus": "POSTED",
    "groups": [{"id": "OG000", "title": "Drug"}, {"id": "OG001", "title": "Placebo"}],
    "classes": [{"categories": [{"measurements": [
        {"groupId": "OG000", "value": "1,234.5", "lowerLimit": ".5", "upperLimit": "NA"},
        {"groupId": "OG001", "value": "NA", "comment": "Values were below the level of quantification."},
        {"groupId": "OG009", "value": "3"}]}]}],
    "analyses": [{"groupIds": ["OG000", "OG001", "OG007"], "pValue": "<0.001", "statisticalMethod": "ANCOVA",
                  "paramType": "Hazard Ratio (HR)", "paramValue": "0.96", "ciPctValue": "95",
                  "ciNumSides": "2-Sided", "ciLowerLimit": "0.81", "ciUpperLimit": "NA"},
                 {"groupIds": ["OG000", "OG001"], "pValue": "=0.247"}],
}


def test_numbers_as_stated_words_kept_as_text_and_unknown_groups_warned() -> None:
    study = parse_one(ctgov_json.iter_records, doc_from_bytes(_json({"outcomeMeasuresModule": {
        "outcomeMeasures": [OUTCOME]}})))
    outcome = study.results.outcomes[0]
    assert outcome.measure.dispersion_type == "CONFIDENCE_95"
    drug, placebo = outcome.measure.classes[0].categories[0].measurements
    assert (drug.value, drug.lower, drug.upper, drug.texts) == (Decimal("1234.5"), Decimal("0.5"), None,
                                                                (("upperLimit", "NA"),))
    assert placebo.value is None and placebo.texts == (("value", "NA"),) and placebo.comment.startswith("Values")
    first, second = outcome.analyses
    assert (first.p_value, first.p_value_sign, first.ci_sides, first.group_ids) == (
        Decimal("0.001"), "<", "TWO_SIDED", ("OG000", "OG001"))
    assert first.ci_upper is None and ("ciUpperLimit", "NA") in first.texts
    assert (second.p_value, second.p_value_sign) == (Decimal("0.247"), "=")
    assert any("OG009" in w and "no group" in w for w in study.warnings)
    assert any("OG007" in w for w in study.warnings)


def test_adverse_events_totals_and_counts() -> None:
    events = {"frequencyThreshold": "5", "timeFrame": "1 year",
              "eventGroups": [{"id": "EG000", "title": "Drug", "seriousNumAffected": 3, "seriousNumAtRisk": "20"}],
              "seriousEvents": [{"term": "Pneumonitis", "organSystem": "Respiratory", "sourceVocabulary": "MedDRA 23.1",
                                 "assessmentType": "SYSTEMATIC_ASSESSMENT",
                                 "stats": [{"groupId": "EG000", "numAffected": "2", "numAtRisk": "20",
                                            "numEvents": "3"}]}],
              "otherEvents": [{"term": "Nausea", "stats": [{"groupId": "EG000", "numAffected": 7, "numAtRisk": 20}]}]}
    study = parse_one(ctgov_json.iter_records, doc_from_bytes(_json({"adverseEventsModule": events})))
    ae = study.results.adverse_events
    assert ae.frequency_threshold == Decimal("5") and ae.totals[0].serious_at_risk == 20
    assert [(e.term, e.serious, e.counts[0].affected, e.counts[0].at_risk) for e in ae.events] == [
        ("Pneumonitis", True, 2, 20), ("Nausea", False, 7, 20)]


def test_fields_no_reader_maps_are_notes_but_contacts_never() -> None:
    protocol = {"contactsLocationsModule": {"locations": [{"city": "Lyon", "contacts": [
        {"role": "CONTACT", "email": "team@example.org"}]}]},
        "statusModule": {"overallStatus": "COMPLETED", "delayedPosting": True}}
    study = parse_one(ctgov_json.iter_records, doc_from_bytes(_json(
        protocol=protocol, derivedSection={"miscInfoModule": {"modelPredictions": {"bmiLimits": {"minBmi": 0}}}},
        futureSection={"shiny": "new"})))
    notes = {n.heading: n.text for n in study.notes}
    assert notes["protocolSection.statusModule.delayedPosting"] == "true"
    assert notes["derivedSection.miscInfoModule.modelPredictions"] == "bmiLimits.minBmi: 0"
    assert notes["futureSection"] == "shiny: new"
    assert not any("example.org" in text for text in notes.values())


def test_references_tree_and_details() -> None:
    protocol = {"referencesModule": {"references": [{"pmid": "PMID: 0123", "type": "RESULT", "citation": "Doe."},
                                                    {"pmid": "12a", "citation": "Bad id."}]},
                "designModule": {"designInfo": {"maskingInfo": {"whoMasked": ["PARTICIPANT"]}},
                                 "bioSpec": {"retention": "SAMPLES_WITH_DNA", "description": "Blood"}},
                "contactsLocationsModule": {"overallOfficials": [{"name": "Dr Who", "role": "STUDY_CHAIR",
                                                                  "affiliation": "Uni"}]}}
    derived = {"conditionBrowseModule": {"meshes": [{"id": "D001943", "term": "Breast Neoplasms"}],
                                         "ancestors": [{"id": "D009369", "term": "Neoplasms"}],
                                         "browseLeaves": [{"id": "M4910", "name": "Breast Neoplasms",
                                                           "relevance": "HIGH"}],
                                         "browseBranches": [{"abbrev": "BC04", "name": "Neoplasms"}]}}
    study = parse_one(ctgov_json.iter_records, doc_from_bytes(_json(protocol=protocol, derivedSection=derived)))
    d = study.details
    assert [(r.pmid, r.type) for r in d.references] == [("123", "RESULT"), (None, None)]
    assert any("12a" in w for w in study.warnings)
    assert d.who_masked == ["PARTICIPANT"] and d.biospec_retention == "SAMPLES_WITH_DNA"
    assert d.biospec_description == "Blood"
    assert d.officials[0].role == "STUDY_CHAIR" and d.condition_tree.ancestors == (("D009369", "Neoplasms"),)


XML = b"""<clinical_study><id_info><nct_id>NCT01234567</nct_id></id_info><brief_title>T</brief_title>
<clinical_results>
 <reported_events>
  <group_list><group group_id="E1"><title>Drug</title></group></group_list>
  <serious_events><default_vocab>MedDRA 13.1</default_vocab>
   <default_assessment>Systematic Assessment</default_assessment>
   <category_list>
    <category><title>Total</title><event_list>
      <event><sub_title>Total, serious adverse events</sub_title>
        <counts group_id="E1" subjects_affected="4" subjects_at_risk="20"/></event>
      <event><sub_title>Total, all-cause mortality</sub_title>
        <counts group_id="E1" subjects_affected="1" subjects_at_risk="20"/></event></event_list></category>
    <category><title>Cardiac disorders</title><event_list>
      <event><sub_title vocab="CTCAE (4.0)">Heart failure</sub_title>
        <counts group_id="E1" events="2" subjects_affected="2" subjects_at_risk="20"/>
        <counts group_id="E9" subjects_affected="1" subjects_at_risk="5"/></event></event_list></category>
   </category_list></serious_events>
 </reported_events>
 <outcome_list><outcome><type>Primary</type><title>Level</title>
   <group_list><group group_id="O1"><title>Drug</title></group></group_list>
   <measure><title>Level</title><units>ng</units><param>Mean</param><dispersion>Standard Deviation</dispersion>
     <class_list><class><category_list><category><measurement_list>
       <measurement group_id="O1" value="NA">Not measured.</measurement>
     </measurement_list></category></category_list></class></class_list></measure>
   <analysis_list><analysis><group_id_list><group_id>O1</group_id></group_id_list>
     <p_value>&gt;0.05</p_value><ci_n_sides>2-Sided</ci_n_sides></analysis></analysis_list>
 </outcome></outcome_list>
</clinical_results>
<lastchanged_date>April 10, 2017</lastchanged_date>
<required_header><download_date>today</download_date></required_header>
</clinical_study>"""


def test_xml_totals_rows_are_group_totals_not_terms() -> None:
    study = parse_one(ctgov_xml.iter_records, doc_from_bytes(XML))
    ae = study.results.adverse_events
    assert [(t.serious_affected, t.serious_at_risk, t.deaths_affected) for t in ae.totals] == [(4, 20, 1)]
    (event,) = ae.events
    assert (event.term, event.organ_system, event.source_vocabulary, event.assessment_type) == (
        "Heart failure", "Cardiac disorders", "CTCAE (4.0)", "SYSTEMATIC_ASSESSMENT")
    assert [(c.group_id, c.events) for c in event.counts] == [("E1", 2)]
    assert any("E9" in w for w in study.warnings)
    outcome = study.results.outcomes[0]
    value = outcome.measure.classes[0].categories[0].measurements[0]
    assert (value.value, value.texts, value.comment) == (None, (("value", "NA"),), "Not measured.")
    assert (outcome.measure.param_type, outcome.measure.dispersion_type) == ("MEAN", "STANDARD_DEVIATION")
    analysis = outcome.analyses[0]
    assert (analysis.p_value, analysis.p_value_sign, analysis.ci_sides) == (Decimal("0.05"), ">", "TWO_SIDED")
    notes = {n.heading: n.text for n in study.notes}
    assert notes["lastchanged_date"] == "April 10, 2017" and "required_header" not in notes
