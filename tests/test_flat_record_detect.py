"""Which text documents sniff as a flat record, and which do not.

Without a ``TYPE: name`` interventions line the flat record's columns are found from the
text's shape alone, a shape most text files share. These cases are constructed from the
classes of text a user keeps beside records (Markdown, reStructuredText, licences, notes,
lists of names, CSV of something else) and from the shapes real flat records take
(observational studies, no outcomes, a summary repeated at the end, titles that start
with a bracket, summaries that start in lower case).
"""

from __future__ import annotations

import pytest
from parser_helpers import doc_from_bytes

from kg_builder.sources.detect import detect_format, explain_undetected

APACHE_HEAD = (
    "                                 Apache License\n"
    "                           Version 2.0, January 2004\n"
    "                        http://www.apache.org/licenses/\n"
    "\n"
    "   TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION\n"
    "\n"
    "   1. Definitions.\n"
    "\n"
    '      "License" shall mean the terms and conditions for use, reproduction,\n'
    "      and distribution as defined by Sections 1 through 9 of this document.\n"
)

NOT_RECORDS = {
    "markdown ending in a table": (
        "# Example records\n\nWhat the demo builds: real records, copied unchanged.\n\n"
        "| file | why |\n|---|---|\n| `a.json` | many sites, accented text |\n"
        "| `b.json` | observational cohort, central and site contacts |\n"
    ),
    "markdown heading on the summary's line": "# Notes\nWe met on Monday. The plan stands.\nSee also\n",
    "markdown with a code block": (
        "Install\nRun the installer, then check the version.\n```\n\nThen, open the page, and log in.\n"
    ),
    "reStructuredText": (
        "Release notes\n=============\n\nThis release fixes two bugs, and adds a flag.\n\nThanks to all\n"
    ),
    "licence, centred": APACHE_HEAD,
    "licence, unindented": "\n".join(line.strip() for line in APACHE_HEAD.split("\n")),
    "licence, MIT": (
        "MIT License\n\nCopyright (c) 2024 A. Person\n\nPermission is hereby granted, free of charge, to "
        "any person obtaining a copy of this software, to deal in the Software without restriction.\n\n"
        "THE SOFTWARE IS PROVIDED \"AS IS\", WITHOUT WARRANTY OF ANY KIND.\n"
    ),
    "plain prose ending in a sign-off": (
        "Notes from the meeting\nWe agreed to move the review to Friday. Everyone will send comments first.\n"
        "Best regards\n"
    ),
    "hard-wrapped prose ending in an address": (
        "This directory holds the scripts that build the nightly reports\n"
        "and send them to the team. The reports are kept for a year and\n"
        "then archived, so ask before you delete anything here.\n\n"
        "More information\nhttps://example.org/reports\n"
    ),
    "a list of names": (
        "Authors of this project\nThe people below wrote and reviewed the code over the years.\n"
        "Alice Smith <alice@example.org>\nBob Jones <bob@example.org>\n"
    ),
    "CSV of something else": (
        "name,role,notes\nAlice Smith,nurse,Works nights. Prefers e-mail to phone calls.\n"
        "Bob Jones,doctor,On call at weekends\n"
    ),
    "a settings file": (
        "[paths]\ndata = tool._core.lib.data\n\n[api]\ntool = tool\n\n[hooks]\nhook-dirs = tool:_hooks_dir\n\n"
        "[console_scripts]\nrun = tool.cli.main:main\ntool-config = tool._config:main\n\n"
    ),
    "a sentence where the conditions would be": (
        "Project diary\nThe first week went well. We set up the lab and met the team.\n"
        "It rained all week (as usual.)\n\nNext week, more tests, and a visit.\n"
    ),
}


@pytest.mark.parametrize("text", NOT_RECORDS.values(), ids=NOT_RECORDS.keys())
def test_text_that_is_not_a_record_is_not_a_flat_record(text: str) -> None:
    doc = doc_from_bytes(text.encode())
    assert detect_format(doc) is None
    assert "matches no known layout" in explain_undetected(doc)


SUMMARY = "This study compares two doses of the drug. Patients are followed for one year."
RECORDS = {
    "interventions line": f"A Study of X in Y\n{SUMMARY}\nBreast Cancer\nDRUG: X\nOS, Overall survival, 5 years\n",
    "observational: empty interventions line": (
        f"A Cohort Study of Sleep\n{SUMMARY}\n\nSleep is recorded.\nSleep Disorder|Insomnia\n\n"
        "Total sleep time, Minutes of sleep per night., 12 months|Sleep efficiency, 12 months\n"
    ),
    "no interventions and no outcomes, the empty cells written out": (
        f"A Registry of Rare Tumours\n{SUMMARY}\nSarcoma|Chordoma\n\n"
    ),
    "no interventions and no outcomes, summary repeated": (
        f"A Registry of Rare Tumours\n{SUMMARY}\nSarcoma|Chordoma\n\n\n{SUMMARY}"
    ),
    "title starting with a bracket": (
        f"(SGB) Stellate Ganglion Block for Hot Flashes\n{SUMMARY}\nHot Flashes (HF)\n\nHF score, Diary, Week 12\n"
    ),
    "title starting with a radiotracer in brackets": (
        f"[18F]FDG PET in Lymphoma\n{SUMMARY}\nLymphoma, Non-Hodgkin (NHL)\n\nSUVmax, Uptake, Day 1\n"
    ),
    "title opening with a quotation mark of another script": (
        f"«Étude Pilote» of Sleep in Nurses\n{SUMMARY}\nInsomnia\n\nSleep time, Minutes, 12 months\n"
    ),
    "title opening with a superscript isotope": (
        f"¹⁸F-DCFPyL PET in Prostate Cancer\n{SUMMARY}\nProstate Cancer\n\nSUVmax, Uptake, Day 1\n"
    ),
    "summary starting in lower case": (
        "Omalizumab in Nasal Polyps\nin patients with nasal polyps, omalizumab is given for 24 weeks.\n"
        "Nasal Polyps\n\nPolyp score, Endoscopic score, Week 24\n"
    ),
}


@pytest.mark.parametrize("text", RECORDS.values(), ids=RECORDS.keys())
def test_flat_records_are_detected(text: str) -> None:
    assert detect_format(doc_from_bytes(text.encode())) == "flat-record"


def test_a_file_ending_with_conditions_needs_the_empty_cells() -> None:
    # Without them it is any text whose last line is short: undetected, but --format still reads it.
    text = f"A Registry of Rare Tumours\n{SUMMARY}\nSarcoma|Chordoma\n"
    assert detect_format(doc_from_bytes(text.encode())) is None
    from kg_builder.sources.flat_record import parse_flat_text

    study = parse_flat_text(text, "x.txt", "0")
    assert study.conditions == ["Sarcoma", "Chordoma"]  # type: ignore[union-attr]


PAGE = (
    "[68Ga]PSMA-11 PET in Prostate Cancer\n\nNCT ID: NCT01234567\n\nBasic Information\n\n"
    "Recruitment Status\n\nRECRUITING\n\nEligibility Criteria\n\nAdults.\n"
)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (PAGE.encode(), "registry-page"),
        (b"[11C]Choline PET\nThis study images the prostate. It follows men for a year.\nProstate Cancer\n"
         b"DRUG: [11C]Choline\n", "flat-record"),
        (b'[{"protocolSection": {}}]', "ctgov-json"),
        (b' [\n  {"protocolSection": {}}]', "ctgov-json"),
        (b"[]", "ctgov-json"),
        (b"[1, 2]", "ctgov-json"),  # JSON, if not a registry's: the JSON reader says why not
        (b'["NCT01234567"]', "ctgov-json"),
        (b"{}", "ctgov-json"),
        (b'{"studies": []}', "ctgov-json"),
    ],
)
def test_a_bracket_opens_json_only_when_json_follows(data: bytes, expected: str) -> None:
    assert detect_format(doc_from_bytes(data)) == expected
