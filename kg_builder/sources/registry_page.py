"""The registry web-page layout ("registry-page"): a study page saved as text.

The page is a title, a few ``Label: value`` lines (``NCT ID: NCT07003074``), then headed
sections ("Basic Information", "Study Groups", "Locations" …). Each heading is followed by
a sentence of the site's boilerplate ("Review each arm or cohort …") which is not data.
Inside sections, values sit on the line after their label ("Recruitment Status" /
"RECRUITING") or after a label prefix on the same line ("Group Type EXPERIMENTAL",
"Site Status RECRUITING", "Role: primary"). Values are already API v2 codes.

Sections the parser does not know are kept as :class:`~kg_builder.model.Note` (heading,
text), so nothing is dropped silently. Section readers live in :mod:`registry_sections`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from kg_builder.model import Note, Provenance, Reject, Study
from kg_builder.sources import registry_sections as read
from kg_builder.sources.base import ParseResult, SourceDocument, content_hash, is_plain_text
from kg_builder.sources.flat_record import read_text
from kg_builder.sources.registry_sections import Section
from kg_builder.sources.values import plain

NAME = "registry-page"

KNOWN_HEADINGS = frozenset(
    {
        "Study Results",
        "Basic Information",
        "Brief Summary",
        "Detailed Description",
        "Conditions",
        "Keywords",
        "Study Design",
        "Study Groups",
        "Interventions",
        "Eligibility Criteria",
        "Sponsors",
        "Collaborators",
        "Responsible Party",
        "Locations",
        "Countries",
        "Central Contacts",
        "Facility Contacts",
        "Other Identifiers",
        "More Related Trials",
    }
)
# Headings that identify the layout when sniffing a document.
SIGNATURE_HEADINGS = (
    "Basic Information",
    "Eligibility Criteria",
    "Study Groups",
    "Facility Contacts",
    "Other Identifiers",
    "Study Design",
    "Locations",
    "Sponsors",
)
# The site's explanatory sentences open with an imperative addressed to the reader.
_EXPLANATION = re.compile(
    r"^(?:Review|Get|See|Understand|Dive|Learn|Check|Meet|Identify|Explore|Reach|Find|Additional|Browse"
    r"|Read|View|Discover|Compare|Track|Access|Examine|Look|Consult|Download|Follow)\b.*\.$"
)
_ABOUT_STUDY = re.compile(r"\b(?:stud(?:y|ies)|trials?|research|participa\w*|sites?)\b", re.IGNORECASE)
_PREAMBLE_FIELD = re.compile(r"^([A-Z][A-Za-z ]{1,40}):\s*(.+)$")
_HEADING_SHAPE = re.compile(r"^[A-Z][A-Za-z&/,' ()-]{1,60}$")
# Value lines inside sections ("Intervention Type DEVICE", "Group Type OTHER") end in an
# API v2 code: never a heading, whatever sentence follows them.
_VALUE_LINE = re.compile(r"\s[A-Z][A-Z_]+$")


def _is_explanation(line: str) -> bool:
    return len(line) < 250 and bool(_EXPLANATION.match(line))


def split_sections(lines: list[str]) -> tuple[list[str], list[Section]]:
    """The preamble's non-blank lines, then each headed section in order."""
    non_blank = [(i, line.strip()) for i, line in enumerate(lines) if line.strip()]
    heading_at: dict[int, bool] = {}  # position in non_blank → heading followed by explanation
    for pos, (_, text) in enumerate(non_blank):
        following = non_blank[pos + 1][1] if pos + 1 < len(non_blank) else ""
        explained = _is_explanation(following)
        # An unknown heading also needs its sentence to speak of the study: a record's own
        # imperative text ("Compare active coil with sham coil.") must not open a section.
        if text in KNOWN_HEADINGS or (
            explained and _ABOUT_STUDY.search(following) and _HEADING_SHAPE.match(text)
            and not _VALUE_LINE.search(text) and pos > 0
        ):
            heading_at[pos] = explained
    # A record's own text may hold a line that reads as a heading ("Study Design" or "Locations"
    # inside a detailed description). Where the page explains its headings, a bare heading line
    # below the first explained heading is text of the section it sits in; only a page that
    # explains none (or one) of its headings is cut at bare heading lines.
    explained_at = sorted(pos for pos, explained in heading_at.items() if explained)
    if len(explained_at) >= 2:
        for pos in [pos for pos, explained in heading_at.items() if not explained and pos > explained_at[0]]:
            del heading_at[pos]

    preamble: list[str] = []
    sections: list[Section] = []
    current: Section | None = None
    skip_next = False
    starts: list[tuple[int, int]] = []  # per section: first raw line, heading line
    for pos, (line_no, text) in enumerate(non_blank):
        if skip_next:
            skip_next = False
            starts[-1] = (line_no + 1, starts[-1][1])
            continue
        if pos in heading_at:
            current = Section(text)
            starts.append((line_no + 1, line_no))
            sections.append(current)
            skip_next = heading_at[pos]
            continue
        if current is None:
            preamble.append(text)
        else:
            current.lines.append(text)
    # Raw text (blank lines kept) from after the heading's explanation to the next heading.
    for index, section in enumerate(sections):
        end = starts[index + 1][1] if index + 1 < len(sections) else len(lines)
        section.raw = [line.rstrip() for line in lines[starts[index][0] : end]]
    return preamble, sections


def sniff(head: bytes, text: str) -> bool:
    """Plain text with at least two of the page's signature headings, each on a line of its own."""
    if not is_plain_text(head):
        return False
    present = {line.strip() for line in text.split("\n")}
    return sum(heading in present for heading in SIGNATURE_HEADINGS) >= 2


def iter_records(doc: SourceDocument) -> Iterator[ParseResult]:
    """Yield the one study of a registry-page document, or a Reject saying why not."""
    data, text, warnings = read_text(doc)
    try:
        yield parse_page_text(text, doc.name, content_hash(data), warnings)
    except Exception as exc:  # a bug must cost one record, never the build
        yield Reject(doc.name, "1", f"parser error (bug): {type(exc).__name__}: {exc}", NAME)


def parse_page_text(text: str, source: str, digest: str, warnings: list[str] | None = None) -> Study | Reject:
    """Read one saved study page."""
    # Page values are API v2 text shown raw: undo its CommonMark escapes as the JSON parser does.
    lines = plain(text).split("\n")
    preamble, sections = split_sections(lines)
    if not sections:
        return Reject(source, "1", "not a registry page: no known section heading found", NAME)
    study = Study(provenance=Provenance(source, NAME, "1", digest), warnings=list(warnings or ()))
    read.preamble(study, preamble)
    # Sections that need others (arms need the interventions' descriptions, facility
    # contacts need the locations) are read last, whatever their order on the page.
    ordered = sorted(
        sections, key=lambda sec: read.DEFERRED.index(sec.heading) + 1 if sec.heading in read.DEFERRED else 0
    )
    for section in ordered:
        reader = read.READERS.get(section.heading)
        if section.heading == "Facility Contacts":
            read.facility_contacts(study, section)
        elif reader is not None:
            reader(study, section)
        elif section.heading != "More Related Trials":  # the site's recommendations, not this study
            body = "\n".join(section.lines)
            if body:
                study.notes.append(Note(section.heading, body))
    read.finish(study)
    if not (study.registry_id or study.title):
        return Reject(source, "1", "registry page without an NCT ID or a title", NAME)
    return study
