"""Hard-wrapped registry text blocks (classic XML ``<textblock>``) back to API v2's line layout."""

from __future__ import annotations

import re

_ITEM = re.compile(r"^(?:[-*•]\s|\d{1,3}[.)]\s|[a-zA-Z][.)]\s|\(\w{1,4}\)\s)")


def unwrap(text: str | None, *, star_bullets: bool = False) -> str | None:
    """Dedent a hard-wrapped textblock and join wrapped lines; keep paragraphs and items.

    A line that starts a list item begins a new line (with its relative indent, so nested
    items stay nested); any other line continues the previous one.
    """
    if text is None:
        return None
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    indents = [len(line) - len(line.lstrip()) for line in lines if line.strip()]
    if not indents:
        return None
    base = min(indents)
    # First-level list items start at column 0 (as in API v2 text); deeper ones keep their offset.
    item_indents = [
        len(line) - len(line.lstrip()) - base for line in lines if line.strip() and _ITEM.match(line.strip())
    ]
    item_base = min(item_indents, default=0)
    paragraphs: list[str] = []
    current: list[str] = []
    for line in lines:
        body = line[base:].rstrip() if len(line) > base else line.strip()
        stripped = body.lstrip()
        if not stripped:
            if current:
                paragraphs.append("\n".join(current))
                current = []
            continue
        if current and not _ITEM.match(stripped):
            current[-1] += " " + stripped
            continue
        indent = len(body) - len(stripped)
        if _ITEM.match(stripped):
            indent = max(0, indent - item_base)
        if star_bullets and stripped[:1] == "-" and stripped[1:2].isspace():
            stripped = "* " + stripped[1:].lstrip()
        current.append(" " * indent + stripped)
    if current:
        paragraphs.append("\n".join(current))
    # Items of one list sit on consecutive lines, as in API v2 text; other paragraphs apart.
    out: list[str] = []
    for paragraph in paragraphs:
        if out and _ITEM.match(paragraph.lstrip()) and _ITEM.match(out[-1].rsplit("\n", 1)[-1].lstrip()):
            out[-1] += "\n" + paragraph
        else:
            out.append(paragraph)
    return "\n\n".join(out) or None


def paragraphs(text: str | None) -> str | None:
    """Short free text (not a textblock): its line breaks are paragraph breaks, as API v2 reads them."""
    if text is None:
        return None
    kept = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
    return "\n\n".join(kept) or None
