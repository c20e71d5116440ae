"""Hypothesis strategies that mutate real records (see :mod:`corpus`) of every layout.

Hypothesis draws small *plans* (which record, which operation, where, how big) and the
plan is applied to the record's bytes here; plans shrink well and cost little to draw.

Operations on any document: byte flips, truncation, deletion, duplication of a slice or
of a line (a field twice), insertion of odd Unicode (BOM, bidi marks, combining runs,
astral characters, NUL, noncharacters, encoded surrogates, CR without LF, escapes) or
of a huge cell (one piece repeated up to 200,000 times: the shape that exposes regexes
with nested quantifiers and repeated splitting), and a splice from another record.

Operations that know the layout: JSON values replaced by the wrong type, lone
surrogates as ``\\ud800`` escapes, deep nesting, duplicated keys and list items, page
and array wrappers; XML elements duplicated, removed, deeply nested, text where
children belong; CSV cells made huge, odd or of the wrong type, columns duplicated;
text-layout lines duplicated, dropped, swapped, headings repeated.
"""

from __future__ import annotations

import csv
import io
import json
import re

from corpus import documents
from hypothesis import strategies as st

ODD = (
    "\ufeff", "\u202e", "\u200b", "\u0301" * 40, "\U0001F600", "\x00", "\ufffe", "\uffff", "\r", "\r\n",
    "\u2028", "\u0085", "\x0c", "\x1b[0m", "\ud800", "\udfff", "\ud83d", '"', "'", ",", "|", "<", "&", "&#0;",
    "&#xD800;", "\\ud800", "\\", "ǅ", "İ", "ß", "\u00a0", "ＮＣＴ０１２３", "\U000E0001", "\t", "<!--", "]]>",
)
ODD_BYTES = (b"\xed\xa0\x80", b"\xff", b"\xc3", b"\xf4\x90\x80\x80", b"\xc0\xaf", b"\x80")
PATTERNS = (
    "x", " ", ", ", "a, ", "|", "||", "; ", "\n", "\n\n", "- ", "* ", "1. ", "(a) ", "a b ", "\t",
    "Phase 1/", "2020-", "12 months, ", "Inclusion Criteria:\n", ":", "..", "\\", "\"\"", "<b>", "&amp;",
    "NCT0", "1", "0.5 mg/kg ", "Arm A: ", "DRUG: x|", "Week 1, Day ", "up to ", "(", ")", "[", "{",
)
HUGE = (1_000, 20_000, 200_000)  # characters of one huge cell (the size bound of the time bound)
DEPTHS = (64, 200, 1_000, 5_000, 100_000)
WRONG = (0, -1, 1e308, True, None, "", [], {}, "x", ["x"], {"a": 1}, [[]], [None], 3.5)

_index = st.integers(min_value=0, max_value=1 << 30)
_fraction = st.floats(min_value=0, max_value=1, allow_nan=False)


def _at(data, fraction: float) -> int:
    return min(len(data), int(len(data) * fraction))


def huge(pattern: int, size: int) -> str:
    """One of PATTERNS repeated to one of the HUGE lengths."""
    piece, length = PATTERNS[pattern % len(PATTERNS)], HUGE[size % len(HUGE)]
    return (piece * (length // len(piece) + 1))[:length]


def _payload(choice: int, size: int, text: bool = True) -> bytes:
    if not text:
        return ODD_BYTES[choice % len(ODD_BYTES)]
    if size:
        return huge(choice, size).encode("utf-8")
    return ODD[choice % len(ODD)].encode("utf-8", "surrogatepass")


# --- operations on bytes (any layout) -------------------------------------------------------------
def flip(data: bytes, where: float, arg: int, _other: bytes) -> bytes:
    if not data:
        return data
    i = min(len(data) - 1, _at(data, where))
    return data[:i] + bytes([data[i] ^ (1 + arg % 255)]) + data[i + 1:]


def truncate(data: bytes, where: float, _arg: int, _other: bytes) -> bytes:
    return data[: _at(data, where)]


def delete(data: bytes, where: float, arg: int, _other: bytes) -> bytes:
    i = _at(data, where)
    return data[:i] + data[i + 1 + arg % 4000:]


def duplicate_slice(data: bytes, where: float, arg: int, _other: bytes) -> bytes:
    i = _at(data, where)
    j = min(len(data), i + 1 + arg % 2000)
    return data[:j] + data[i:j] * (1 + arg % 3) + data[j:]


def duplicate_line(data: bytes, where: float, arg: int, _other: bytes) -> bytes:
    lines = data.splitlines(keepends=True)
    if not lines:
        return data
    k = min(len(lines) - 1, _at(lines, where))
    return b"".join(lines[: k + 1] + [lines[k]] * (1 + arg % 50) + lines[k + 1:])


def insert(data: bytes, where: float, arg: int, _other: bytes) -> bytes:
    i = _at(data, where)
    return data[:i] + _payload(arg, 0, text=arg % 7 != 0) + data[i:]


def insert_huge(data: bytes, where: float, arg: int, _other: bytes) -> bytes:
    i = _at(data, where)
    return data[:i] + _payload(arg // 3, 1 + arg % 3) + data[i:]


def splice(data: bytes, where: float, arg: int, other: bytes) -> bytes:
    i = _at(data, where)
    start = arg % max(1, len(other))
    return data[:i] + other[start: start + 1 + arg % 3000] + data[i:]


BYTE_OPS = (flip, truncate, delete, duplicate_slice, duplicate_line, insert, insert_huge, splice)


# --- JSON -----------------------------------------------------------------------------------------
_MARK = "\x01fuzz-mark\x01"


def _slots(obj, path=()):
    """Every (container, key) under ``obj``, pre-order, capped so huge records stay cheap."""
    stack, found = [obj], []
    while stack and len(found) < 5000:
        node = stack.pop()
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, value in items:
            found.append((node, key))
            if isinstance(value, dict | list):
                stack.append(value)
    return found


def json_value(data: bytes, where: float, arg: int, _other: bytes) -> bytes:
    """One value of the decoded record replaced: wrong type, lone surrogate, huge, nested, duplicated."""
    try:
        obj = json.loads(data)
    except (ValueError, RecursionError):
        return data
    slots = _slots(obj)
    if not slots:
        return data
    node, key = slots[min(len(slots) - 1, int(len(slots) * where))]
    kind, raw = arg % 6, None
    if kind == 0:
        node[key] = WRONG[arg // 6 % len(WRONG)]
    elif kind == 1:  # a lone surrogate inside a string (written as a \ud800-style escape)
        value = node[key] if isinstance(node[key], str) else "text"
        cut = (arg // 6) % (len(value) + 1)
        node[key] = value[:cut] + ("\ud800", "\udfff", "\ud83d", "\udc00x\ud800")[arg // 6 % 4] + value[cut:]
    elif kind == 2:
        node[key] = huge(arg // 6, arg // 6)
    elif kind == 3:  # deep nesting, written by hand (json.dumps itself would recurse)
        depth = DEPTHS[arg // 6 % len(DEPTHS)]
        raw = ("[" * depth + "1" + "]" * depth) if arg % 12 < 6 else ('{"a":' * depth + "1" + "}" * depth)
        node[key] = _MARK
    elif kind == 4 and isinstance(node[key], list):
        node[key] = node[key] * (2 + arg // 6 % 30)
    elif kind == 4:
        node[key] = [node[key]] * (1 + arg // 6 % 3)
    else:  # the key written twice (a duplicated field) with another value first
        if isinstance(node, dict):
            raw = f"{json.dumps(WRONG[arg // 6 % len(WRONG)])}, {json.dumps(key)}: {json.dumps(node[key])}"
            node[key] = _MARK
        else:
            node.insert(key, node[key])
    text = json.dumps(obj, ensure_ascii=arg % 5 != 0)
    if raw is not None:
        text = text.replace(json.dumps(_MARK, ensure_ascii=arg % 5 != 0), raw, 1)
    return text.encode("utf-8", "surrogatepass")


def json_wrap(data: bytes, _where: float, arg: int, other: bytes) -> bytes:
    """The record inside an API page, an array or JSON Lines; or an empty container."""
    record, more = data.strip(), other.strip()
    kind = arg % 8
    if kind == 0:
        return b'{"studies": [' + record + b"," + more + b'], "nextPageToken": "x"}'
    if kind == 1:
        return b"[" + record + b"," + more + b"]"
    if kind == 2:
        return b"\n".join(json.dumps(json.loads(r)).encode() if _valid(r) else r for r in (record, more))
    if kind == 3:
        return b'{"nextPageToken": "x", "studies": [' + record + b"]}"
    return (b"[]", b'{"studies": []}', b'{"studies": [], "nextPageToken": null}', b"[\n]")[kind - 4]


def _valid(data: bytes) -> bool:
    try:
        json.loads(data)
    except (ValueError, RecursionError):  # a record an earlier step nested deeply is not re-encoded
        return False
    return True


# --- XML ------------------------------------------------------------------------------------------
_START_TAG = re.compile(rb"<([A-Za-z_][\w.-]*)(?:\s[^<>]*)?>")


def _elements(data: bytes) -> list[tuple[int, int, int, bytes]]:
    """(start, inner start, end, tag) of elements with a closing tag, the first 2,000 of them."""
    found = []
    for m in _START_TAG.finditer(data):
        close = data.find(b"</" + m.group(1) + b">", m.end())
        if close >= 0:
            found.append((m.start(), m.end(), close + len(m.group(1)) + 3, m.group(1)))
        if len(found) >= 2000:
            break
    return found


def xml_element(data: bytes, where: float, arg: int, _other: bytes) -> bytes:
    """An element duplicated, removed, nested deeply, its text made huge or odd, or replaced by children."""
    found = _elements(data)
    if not found:
        return data
    start, inner_start, end, tag = found[min(len(found) - 1, int(len(found) * where))]
    whole, inner = data[start:end], data[inner_start: end - len(tag) - 3]
    kind = arg % 6
    if kind == 0:
        new = whole * (2 + arg // 6 % 20)
    elif kind == 1:
        new = b""
    elif kind == 2:
        depth = DEPTHS[arg // 6 % len(DEPTHS)]
        new = b"<x>" * depth + whole + b"</x>" * depth
    elif kind == 3:
        new = whole.replace(inner, _payload(arg // 6, 1 + arg % 3), 1) if inner else whole
    elif kind == 4:
        odd = ODD[arg // 6 % len(ODD)].encode("utf-8", "surrogatepass")
        new = b"<" + tag + b">" + inner[: len(inner) // 2] + odd + inner[len(inner) // 2:] + b"</" + tag + b">"
    else:  # wrong shape: text where children were, or children where text was
        new = (b"<" + tag + b">just text</" + tag + b">") if b"<" in inner else \
              (b"<" + tag + b"><a>" + inner + b"</a><b/></" + tag + b">")
    return data[:start] + new + data[end:]


# --- CSV ------------------------------------------------------------------------------------------
def csv_cell(data: bytes, where: float, arg: int, _other: bytes) -> bytes:
    """A cell made huge, odd or of the wrong type; a column duplicated, dropped or emptied."""
    try:
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    except (UnicodeDecodeError, csv.Error):
        return data
    if len(rows) < 2 or not rows[0]:
        return data
    header, body = rows[0], rows[1:]
    col = min(len(header) - 1, int(len(header) * where))
    kind = arg % 5
    for row in body:
        if col >= len(row):
            continue
        if kind == 0:
            row[col] = huge(arg // 5, arg // 5)
        elif kind == 1:
            cut = len(row[col]) // 2
            row[col] = row[col][:cut] + ODD[arg // 5 % len(ODD)] + row[col][cut:]
        elif kind == 2:
            row[col] = str(WRONG[arg // 5 % len(WRONG)])
        elif kind == 3:
            row.insert(col, row[col])
        else:
            row[col] = ""
    if kind == 3:
        header.insert(col, header[col])
    out = io.StringIO(newline="")
    csv.writer(out).writerows([header, *body])
    return out.getvalue().encode("utf-8", "surrogatepass")


# --- text layouts ---------------------------------------------------------------------------------
_HEADINGS = ("Basic Information", "Study Groups", "Interventions", "Eligibility Criteria", "Locations",
             "Inclusion Criteria", "Exclusion Criteria", "Conditions", "Sponsors", "NCT ID: NCT01234567",
             "Group Type EXPERIMENTAL", "Intervention Type DRUG", "Site Status RECRUITING", "DRUG: x",
             "Recruitment Status", "Total Enrollment", "Study Start Date", "Clinical Phase", "Minimum Eligible Age")


def text_lines(data: bytes, where: float, arg: int, other: bytes) -> bytes:
    """Lines dropped, swapped or repeated; a heading or label repeated; a line made huge."""
    lines = data.split(b"\n")
    k = min(len(lines) - 1, int(len(lines) * where))
    kind = arg % 5
    if kind == 0:
        del lines[k]
    elif kind == 1:
        j = arg // 5 % len(lines)
        lines[k], lines[j] = lines[j], lines[k]
    elif kind == 2:
        heading = _HEADINGS[arg // 5 % len(_HEADINGS)].encode()
        lines[k:k] = [heading, b""] * (1 + arg // 5 % 200)
    elif kind == 3:
        lines[k] = _payload(arg // 5, 1 + arg % 3)
    else:
        other_lines = other.split(b"\n")
        lines[k:k] = other_lines[arg % len(other_lines):][: 1 + arg // 5 % 100]
    return b"\n".join(lines)


LAYOUT_OPS = {
    "ctgov-json": (json_value, json_value, json_value, json_wrap),
    "ctgov-xml": (xml_element,),
    "ctgov-csv": (csv_cell,),
    "registry-page": (text_lines,),
    "flat-record": (text_lines,),
}

_step = st.tuples(st.integers(0, 1 << 16), _fraction, _index)


def mutated(layout: str, *, max_steps: int = 3):
    """A strategy for (plan, document bytes) of ``layout``: a real record after 1..max_steps operations."""
    docs = documents(layout)
    layout_ops = LAYOUT_OPS[layout]

    @st.composite
    def strategy(draw):
        first = draw(st.integers(0, len(docs) - 1))
        other = draw(st.integers(0, len(docs) - 1))
        steps = draw(st.lists(_step, min_size=1, max_size=max_steps))
        data = docs[first]
        plan = []
        for op_index, where, arg in steps:
            # Half the steps know the layout (they keep the record readable), half work on bytes.
            op = layout_ops[op_index // 2 % len(layout_ops)] if op_index % 2 else BYTE_OPS[op_index // 2 % 8]
            data = op(data, where, arg, docs[other])
            plan.append(f"{op.__name__}({where!r}, {arg})")
        return f"record {first} (+{other}): " + ", ".join(plan), data

    return strategy()


def replay(layout: str, plan: str) -> bytes:
    """The document a printed plan describes (to reproduce a case outside hypothesis)."""
    head, _, steps = plan.partition(": ")
    first, other = (int(n) for n in re.findall(r"\d+", head))
    docs, data = documents(layout), documents(layout)[first]
    for name, where, arg in re.findall(r"(\w+)\(([^,]+), (\d+)\)", steps):
        data = globals()[name](data, float(where), int(arg), docs[other])
    return data
