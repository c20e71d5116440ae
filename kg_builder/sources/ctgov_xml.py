"""Classic ClinicalTrials.gov XML (``<clinical_study>``) → :class:`~kg_builder.model.Study`.

One study per document is the usual case; a document holding many ``<clinical_study>``
elements under some wrapper is read too (positions ``1``, ``2`` …). The document is
streamed with ``iterparse`` and each study element is cleared once read, so memory is
bounded by the largest study, not the file.

Value conventions (so the same study gives the same values as the JSON parser):

* labels become API v2 codes ("Active, not recruiting" → ``ACTIVE_NOT_RECRUITING``,
  "Phase 1/Phase 2" → ``["PHASE1", "PHASE2"]``, "N/A" → ``["NA"]``, enrollment or date
  type "Anticipated"/"Estimate" → ``ESTIMATED``);
* plain-text dates keep their precision ("May 11, 2018" → day, "May 2018" → month);
* hard-wrapped ``<textblock>`` text is dedented and unwrapped; paragraphs and list items
  keep their own lines; "-" bullets in eligibility criteria become "*" as in API v2;
* ``[Redacted]`` (withheld records) is treated as absent, not as a name;
* ``condition_browse``/``intervention_browse`` give MeSH *terms without ids*; a
  :class:`MeshTerm` needs its id and we look nothing up, so the terms are kept as notes
  ("Condition MeSH terms", "Intervention MeSH terms"), one term per line.

``content_hash`` is the sha256 of the study element re-serialised (``ET.tostring``): the
element's bytes as read are not available from a streaming parser.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator

from kg_builder.errors import InputError
from kg_builder.model import Provenance, Reject
from kg_builder.sources.base import ParseResult, SourceDocument, content_hash, markup_head
from kg_builder.sources.ctgov_xml_build import build_study

NAME = "ctgov-xml"
ROOT = "clinical_study"
# Classic records nest about 6 elements deep; a deeper study is rejected as such (the
# standard library serialises an element tree recursively).
MAX_DEPTH = 64
_XML_ROOT = re.compile(rb"<(?:[\w.-]+:)?clinical_study[\s>/]")


def sniff(head: bytes, text: str) -> bool:
    """Markup with a ``<clinical_study>`` element (any namespace prefix) in its head."""
    body = markup_head(head)
    return body[:1] == b"<" and _XML_ROOT.search(body) is not None


def iter_records(doc: SourceDocument) -> Iterator[ParseResult]:
    """Yield one Study or Reject per ``<clinical_study>`` in ``doc``; never raises for content."""
    try:
        stream = doc.open()
    except OSError as exc:
        raise InputError(f"cannot read: {exc}", where=doc.name) from exc
    count = 0
    depth = 0  # nesting depth inside the current clinical_study (0 = outside)
    level = 0  # elements open, from the document's root
    study_level = 0  # the level of the outermost open clinical_study
    with stream:
        try:
            for event, elem in ET.iterparse(stream, events=("start", "end")):
                tag = elem.tag.rsplit("}", 1)[-1] if isinstance(elem.tag, str) else ""
                if event == "start":
                    level += 1
                    if tag == ROOT:
                        depth += 1
                        if depth == 1:
                            study_level = level
                    if level - (study_level if depth else 0) >= MAX_DEPTH:
                        # Reading the study (or hashing it) would recurse that deep; reading on through
                        # a nesting that cannot be a record costs time in proportion to it (200,000
                        # levels: a second), so the document ends here, and the reject says so.
                        reason = (f"elements nested deeper than {MAX_DEPTH} levels: not a registry record "
                                  "(the rest of the document is not read)")
                        yield Reject(doc.name, str(count + 1), reason, NAME)
                        return
                    continue
                level -= 1
                if tag != ROOT:
                    if depth == 0 and tag != ROOT:
                        elem.clear()  # wrapper content outside any study: not kept
                    continue
                depth -= 1
                if depth:
                    continue
                count += 1
                position = str(count)
                try:
                    digest = content_hash(ET.tostring(elem, encoding="utf-8"))
                    yield build_study(elem, Provenance(doc.name, NAME, position, digest))
                except Exception as exc:  # a bug must cost one record, never the build
                    yield Reject(
                        doc.name, position, f"parser error (bug): {type(exc).__name__}: {exc}", NAME
                    )
                finally:
                    elem.clear()
        except ET.ParseError as exc:
            where = str(count + 1)
            yield Reject(doc.name, where, f"XML is not well-formed: {exc}", NAME)
            return
        except (UnicodeError, ValueError, LookupError) as exc:
            yield Reject(doc.name, str(count + 1), f"XML cannot be decoded: {exc}", NAME)
            return
    if count == 0:
        yield Reject(doc.name, "1", f"no <{ROOT}> element in the document", NAME)
