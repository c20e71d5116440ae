"""One rule for "this names an inert comparator", shared by the build and the linker.

The build (``enrich.explicit``) and the linker (``link_match``) once had a rule each: the
linker's took only a whole-word "placebo" or a name that *was* "sham"/"vehicle"/"saline",
so real arms and interventions such as "ACU-D1 Ointment Vehicle", "Normal Saline" and
"Sham NeuroStar® TMS" counted as placebos when building and as drugs when linking. The
build's took any "saline", so "Hypertonic saline 7%" (a treatment in cystic fibrosis and
bronchiolitis trials) counted as a placebo. Both kinds are pinned here.
"""

from __future__ import annotations

import pytest

from kg_builder.enrich import explicit
from kg_builder.enrich.explicit import is_placebo
from kg_builder.linking import align, relations


@pytest.mark.parametrize("name", [
    # where the two old rules disagreed (names from the shared real records)
    "ACU-D1 Ointment Vehicle", "Normal Saline", "Saline 0.9%", "Saline injections", "Phase I TMS Sham",
    "Sham NeuroStar® Transcranial Magnetic Stimulation (TMS)",
    # constructed: plural, dummy, case, a placebo inside a combination's name
    "Matching placebos", "Double-dummy tablets", "PLACEBO", "Tezepelumab + Placebo", "0.9% sodium chloride saline",
    "Physiological saline", "Isotonic saline",
])
def test_inert_comparators(name: str) -> None:
    assert is_placebo(name)


@pytest.mark.parametrize("name", [
    "Hypertonic saline 7%", "3% saline", "Hypertonic Saline", "hypo-tonic saline 0.45%", "7 % saline nebulised",
    "Pembrolizumab", "Trastuzumab deruxtecan", "Shampoo",
    "Salinomycin", "Dummyvirin",
])
def test_treatments_are_not_placebos(name: str) -> None:
    assert not is_placebo(name)


def test_build_and_linker_share_the_rule() -> None:
    assert align.is_placebo is relations.is_placebo is explicit.is_placebo
