"""Everything enrich derives from one Study, in one pass (pure: Study in, facts out)."""

from __future__ import annotations

from kg_builder.model import Study


def record_context(study: Study) -> str:
    """The record's own prose about its drugs: titles and summaries."""
    return "\n".join(t for t in (study.brief_title, study.official_title, study.brief_summary,
                                 study.detailed_description) if t)
