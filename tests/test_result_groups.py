"""Result groups: unified by title across modules, matched to arms only where the record tells, never forced."""

from __future__ import annotations

from decimal import Decimal

from kg_builder.enrich.result_groups import result_groups
from kg_builder.model import Arm, Intervention, Provenance, Study
from kg_builder.model_results import AdverseEvents, OutcomeResult, ParticipantFlow, ResultGroup, ResultMeasure, Results


def _study(arms: list[Arm], *modules: tuple[ResultGroup, ...], interventions: tuple[str, ...] = ()) -> Study:
    study = Study(provenance=Provenance("x", "ctgov-json", "1", "0" * 64), registry_id="NCT01234567")
    study.arms = arms
    study.interventions = [Intervention(name) for name in interventions]
    flow, *outcomes = modules
    study.results = Results(flow=ParticipantFlow(groups=flow),
                            outcomes=tuple(OutcomeResult("PRIMARY", ResultMeasure("m"), groups=g) for g in outcomes))
    return study


def _matches(study: Study) -> dict[str, tuple[str, str] | None]:
    found = result_groups(study)
    return {title: ((study.arms[m.arm].label, m.method) if (m := found.matches.get(i)) else None)
            for i, title in enumerate(found.titles)}


def test_title_then_label_then_named_interventions() -> None:
    arms = [Arm("Arm A", intervention_names=("Palbociclib", "Endocrine therapy")),
            Arm("Arm B", intervention_names=("Endocrine therapy",)), Arm("Placebo qw", intervention_names=("Placebo",))]
    groups = (ResultGroup("FG000", "Palbociclib Plus Endocrine Therapy (Arm A)"),
              ResultGroup("FG001", "Endocrine alone", "Endocrine therapy for 5 years."),
              ResultGroup("FG002", "PLACEBO  QW"))
    study = _study(arms, groups, interventions=("Palbociclib", "Endocrine therapy", "Placebo"))
    assert _matches(study) == {"Palbociclib Plus Endocrine Therapy (Arm A)": ("Arm A", "LABEL"),
                               "Endocrine alone": None,  # names endocrine therapy, which both A and B use
                               "PLACEBO  QW": ("Placebo qw", "TITLE")}
    groups = (ResultGroup("OG000", "Group 1", "Participants received palbociclib."),)
    study = _study(arms, groups, interventions=("Palbociclib", "Endocrine therapy", "Placebo"))
    assert _matches(study) == {"Group 1": ("Arm A", "INTERVENTION")}


def test_two_groups_claiming_one_arm_get_neither() -> None:
    arms = [Arm("Placebo"), Arm("Drug X")]
    groups = (ResultGroup("EG000", "Placebo (safety set)"), ResultGroup("EG001", "Placebo then Drug X (safety set)"))
    assert _matches(_study(arms, groups)) == {"Placebo (safety set)": None, "Placebo then Drug X (safety set)": None}


def test_labels_that_differ_only_in_a_sign_stay_apart() -> None:
    arms = [Arm("GSK149203A S- Group"), Arm("GSK149203A S+ Group")]
    groups = (ResultGroup("P1", "GSK149203A S- Group"), ResultGroup("P2", "GSK149203A S+ Group"))
    assert _matches(_study(arms, groups)) == {"GSK149203A S- Group": ("GSK149203A S- Group", "TITLE"),
                                              "GSK149203A S+ Group": ("GSK149203A S+ Group", "TITLE")}


def test_groups_are_one_node_per_title_and_occurrence_across_modules() -> None:
    arms = [Arm("Drug X"), Arm("Placebo")]
    flow = (ResultGroup("FG000", "Drug X"), ResultGroup("FG001", "Placebo"))
    outcome = (ResultGroup("OG000", "placebo"), ResultGroup("OG001", "Drug  X"), ResultGroup("OG002", "Placebo"))
    found = result_groups(_study(arms, flow, outcome))
    assert found.titles == ["Drug X", "Placebo", "Placebo"]  # the second "Placebo" of one list is another group
    assert found.group("outcome", "OG000", 0) == found.group("flow", "FG001") == 1
    assert found.group("outcome", "OG002", 0) == 2 and found.group("outcome", "OG001", 0) == 0


def test_modules_that_disagree_match_nothing() -> None:
    arms = [Arm("Cohort A", intervention_names=("X",)), Arm("Cohort B", intervention_names=("Y",))]
    flow = (ResultGroup("FG000", "Dose 1", "Received X."), ResultGroup("FG001", "Other"))
    outcome = (ResultGroup("OG000", "Dose 1", "Received Y."),)
    assert _matches(_study(arms, flow, outcome, interventions=("X", "Y")))["Dose 1"] is None


def test_groups_of_a_single_arm_study_are_drawn_from_its_arm_never_it() -> None:
    arms = [Arm("177Lu-DTPA-omburtamab")]
    groups = (ResultGroup("EG000", "10 mCi 177Lu-DTPA-omburtamab"),
              ResultGroup("EG001", "25 mCi 177Lu-DTPA-omburtamab"))
    found = result_groups(_study(arms, groups))
    assert [(m.arm, m.method, m.within, m.confidence) for m in found.matches.values()] == [
        (0, "SINGLE_ARM", True, Decimal("0.9"))] * 2
    one = result_groups(_study(arms, (ResultGroup("EG000", "177Lu-DTPA-Omburtamab"),)))
    assert one.matches[0].method == "TITLE" and not one.matches[0].within
    assert result_groups(_study([], groups)).matches == {}  # no arm: nothing to tell


def test_no_results_no_groups() -> None:
    study = Study(provenance=Provenance("x", "ctgov-json", "1", "0" * 64))
    assert result_groups(study).titles == []
    study.results = Results(adverse_events=AdverseEvents())
    assert result_groups(study).titles == []
