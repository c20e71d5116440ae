"""Mutated real records of every layout: read = built + rejected, through the build's own path."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from corpus import LAYOUTS, documents
from harness import FIGURES, TIME_BOUND, Figures, run_document, warm_up
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mutations import mutated

from kg_builder.build import build

EXAMPLES = int(os.environ.get("KG_FUZZ_EXAMPLES", "12"))
_SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None, print_blob=True,
                     suppress_health_check=list(HealthCheck))


@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_record_is_built_or_rejected(layout: str) -> None:
    if not documents(layout):
        pytest.skip(f"no {layout} records to start from")
    if not FIGURES:
        warm_up()
    figures = FIGURES.setdefault(layout, Figures())

    @_SETTINGS
    @given(case=mutated(layout), forced=st.booleans())
    def check(case: tuple[str, bytes], forced: bool) -> None:
        plan, data = case
        outcome = run_document(data, format=layout if forced else None, name=f"fuzz.{layout}")
        figures.add(outcome, plan)
        assert outcome.lost == 0, f"{plan}: {outcome.results} results, {outcome.lost} lost"
        for reject in outcome.rejects:
            assert reject.reason and reject.source_file and reject.position, reject

    check()
    # Checked once the run is over, so that a long run still gives every figure.
    assert not TIME_BOUND or figures.over_bound == 0, (
        f"{figures.over_bound} records over {TIME_BOUND} s CPU; "
        f"slowest {figures.slowest:.2f} s: {figures.slowest_plan}")


@pytest.mark.parametrize("layout", LAYOUTS)
@settings(max_examples=2, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_the_whole_build_counts_alike(layout: str, data) -> None:
    """The store-writing build() agrees with the harness on what was built and rejected."""
    if not documents(layout):
        pytest.skip(f"no {layout} records to start from")
    _plan, doc = data.draw(mutated(layout))
    expected = run_document(doc, name="case.txt")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "case.txt")
        path.write_bytes(doc)
        report = build([path], Path(tmp, "store"), validate=False)
    assert report.built == expected.built
    assert report.rejected == len(expected.rejects)
    assert report.read == expected.read == report.built + report.rejected
