"""The base condition: the condition with its qualifying facet words taken off, or none at all.

Cases constructed from the classes that produced wrong base conditions on real records: a
facet named by a noun (the condition itself), an abbreviation in brackets emptied with its
facet, and a facet coordinated with a word that is not one.
"""

from __future__ import annotations

import pytest

from kg_builder.enrich.conditions import analyse_condition


@pytest.mark.parametrize(
    ("name", "base"),
    [
        # qualifiers (adjectives) come off
        ("HER2 Positive Recurrent or Metastatic Breast Cancer", "breast cancer"),
        ("Locally Advanced or Metastatic Urothelial Carcinoma", "urothelial carcinoma"),
        ("Prostate Cancer Metastatic", "prostate cancer"),
        ("Relapsed Multiple Myeloma", "multiple myeloma"),
        ("Advanced Solid Tumors, Metastatic", "solid tumors"),
        # an abbreviation's brackets go with it
        ("Castration-resistant Prostate Cancer (CRPC)", "prostate cancer"),
        ("Prostate Cancer [mCRPC], Castration-Resistant", "prostate cancer"),
    ],
)
def test_qualifiers_come_off(name: str, base: str) -> None:
    assert analyse_condition(name).base == base


@pytest.mark.parametrize(
    "name",
    [
        # a facet named by a noun is the condition itself
        "Bone Metastases",
        "Liver Metastasis",
        "Local Recurrence",
        "Biochemical Recurrence of Prostate Cancer",
        "Breast Cancer With Brain Metastases",
        "Neoplasm Recurrence, Local",
        # a facet coordinated with a word that is not one
        "Locally Advanced (Primary or Recurrent) or Metastatic Solid Tumors",
        "Glioma (Recurrent or Advanced)",
    ],
)
def test_no_base_when_taking_the_facet_off_leaves_no_condition_name(name: str) -> None:
    facts = analyse_condition(name)
    assert facts.base == facts.canonical
    assert facts.facets  # the facet itself is still read


def test_the_facet_of_a_noun_is_still_a_facet() -> None:
    assert analyse_condition("Bone Metastases").facets == ("METASTATIC",)
    assert analyse_condition("Local Recurrence").facets == ("RECURRENT",)
