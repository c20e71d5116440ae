"""The shared outcome-cell splitter: time frame by its shape, never by counting commas."""

from __future__ import annotations

import pytest

from kg_builder.model import Outcome
from kg_builder.sources.outcome_text import split_outcome, split_outcome_cell


@pytest.mark.parametrize(
    ("entry", "measure", "description", "time_frame"),
    [
        ("Overall survival", "Overall survival", None, None),
        (
            "ORR, Objective response rate per RECIST 1.1",
            "ORR",
            "Objective response rate per RECIST 1.1",
            None,
        ),
        (
            "MTD, Highest dose, with no DLT, Up to 28 days",
            "MTD",
            "Highest dose, with no DLT",
            "Up to 28 days",
        ),
        # The time frame itself has commas.
        (
            "MTD, Defined in toxicology, through study completion, an average of 2 years",
            "MTD",
            "Defined in toxicology",
            "through study completion, an average of 2 years",
        ),
        # No description: the time frame follows the title.
        ("PFS, From randomization to progression", "PFS", None, "From randomization to progression"),
        # A list of visits is one time frame.
        (
            "Cmax, Peak concentration., Days 1, 8, 15, and 85",
            "Cmax",
            "Peak concentration.",
            "Days 1, 8, 15, and 85",
        ),
        # Commas inside brackets do not split.
        (
            "AEs, Adverse events., Day 1 up to 28 days (max, 235 weeks)",
            "AEs",
            "Adverse events.",
            "Day 1 up to 28 days (max, 235 weeks)",
        ),
        # A sentence ending before the tail closes the description even if the tail opens oddly.
        (
            "Tmax, Time to peak. Observed directly., Serial samples at predose and 2 hours post dose",
            "Tmax",
            "Time to peak. Observed directly.",
            "Serial samples at predose and 2 hours post dose",
        ),
    ],
)
def test_split_outcome(entry: str, measure: str, description: str | None, time_frame: str | None) -> None:
    assert split_outcome(entry, "primary") == Outcome("primary", measure, description, time_frame)


def test_cell_is_split_on_bars_and_blank_entries_dropped() -> None:
    outcomes = split_outcome_cell("A, 12 weeks|| B, desc, Week 4 |", "secondary")
    assert [(o.measure, o.time_frame, o.kind) for o in outcomes] == [
        ("A", "12 weeks", "secondary"),
        ("B", "Week 4", "secondary"),
    ]


def test_empty_cell() -> None:
    assert split_outcome_cell(None) == []
    assert split_outcome_cell("   ") == []
    assert split_outcome("  ") is None


def test_long_cell_is_linear_enough() -> None:
    entry = "T, " + ", ".join(["word"] * 20000) + ", up to 2 years"
    outcome = split_outcome(entry)
    assert outcome is not None and outcome.time_frame == "up to 2 years"
