"""Typed access to the fields of one API v2 JSON study object.

Every accessor checks the JSON type and, on a mismatch, records a one-line warning naming the
field path and value and returns None (or an empty list), so one bad field never costs the
whole study. Shared by the protocol, results and record-details readers of ``ctgov_json_*``.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from kg_builder.model import Contact, Organization, PartialDate
from kg_builder.sources.eligibility_text import unescape_commonmark
from kg_builder.sources.values import whole_number

_MISSING = object()
# A stated number: an optional comparison sign, then a decimal (".4", "-1.35", "1,234.5", "1e-5").
_NUMBER = re.compile(r"^(<=|>=|≤|≥|<|>|=)?\s*([-+]?(?:\d{1,3}(?:,\d{3})+|\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?)$")
_SIGNS = {"≤": "<=", "≥": ">="}


def stated_number(text: str) -> tuple[str | None, Decimal | None]:
    """``"<0.001"`` → ``("<", Decimal("0.001"))``; ``"NA"`` → ``(None, None)``: never raises."""
    match = _NUMBER.match(text.strip())
    if not match or not any(c.isdigit() for c in match.group(2)):
        return None, None
    try:
        number = Decimal(match.group(2).replace(",", ""))
    except InvalidOperation:
        return None, None
    if not number.is_finite():
        return None, None
    sign = match.group(1)
    return _SIGNS.get(sign, sign) if sign else None, number


class JsonReader:
    """Typed access to JSON fields; every mismatch becomes one warning line.

    The reader also remembers which keys of which objects were asked for, so that
    :meth:`unread` can hand back every field no reader asked for: nothing the record
    states vanishes silently (a module no parser maps yet is kept as a note).
    """

    __slots__ = ("_keys", "_seen", "warnings")

    def __init__(self) -> None:
        self.warnings: list[str] = []
        # per object visited, in visiting order: (the object, its path, the keys asked for); ``_keys``
        # holds the same sets by id, the one lookup each field read pays (~600 reads per record)
        self._seen: list[tuple[dict[str, Any], str, set[str]]] = []
        self._keys: dict[int, set[str]] = {}

    def warn(self, path: str, problem: str, value: Any) -> None:
        shown = repr(value)
        if len(shown) > 80:
            shown = shown[:77] + "..."
        self.warnings.append(f"{path.strip('.')}: {problem}, got {shown}")

    def _visit(self, parent: dict[str, Any], path: str) -> set[str]:
        """The first read of ``parent``: start its set of keys asked for (``_seen`` keeps the object alive,
        so its id stays its own)."""
        keys: set[str] = set()
        self._keys[id(parent)] = keys
        self._seen.append((parent, path, keys))
        return keys

    def _get(self, parent: dict[str, Any] | None, key: str, path: str = "") -> Any:
        if parent is None:
            return _MISSING
        keys = self._keys.get(id(parent))
        if keys is None:
            keys = self._visit(parent, path)
        keys.add(key)
        return parent.get(key, _MISSING)

    def skip(self, parent: dict[str, Any] | None, key: str, path: str) -> None:
        """Mark ``key`` as deliberately not read (a duplicate of another field), so it is no note."""
        self._get(parent, key, path)

    def unread(self) -> list[tuple[str, Any]]:
        """(path, value) of every field of an object a reader visited that no reader asked for."""
        out = []
        for parent, path, keys in self._seen:
            if len(parent) > len(keys) or not keys.issuperset(parent):
                where = path.strip(".")
                out.extend((f"{where}.{k}".strip("."), v) for k, v in parent.items() if k not in keys)
        return out

    def obj(self, parent: dict[str, Any] | None, key: str, path: str) -> dict[str, Any] | None:
        value = self._get(parent, key, path)
        if value is _MISSING or value is None:
            return None
        if not isinstance(value, dict):
            self.warn(f"{path}.{key}", "expected an object", value)
            return None
        return value

    def objs(self, parent: dict[str, Any] | None, key: str, path: str) -> list[tuple[int, dict[str, Any]]]:
        """(index, object) for each object in list ``key``; other entries are warned about."""
        out = []
        for i, value in enumerate(self._list(parent, key, path)):
            if isinstance(value, dict):
                out.append((i, value))
            else:
                self.warn(f"{path}.{key}[{i}]", "expected an object", value)
        return out

    def _list(self, parent: dict[str, Any] | None, key: str, path: str) -> list[Any]:
        value = self._get(parent, key, path)
        if value is _MISSING or value is None:
            return []
        if not isinstance(value, list):
            self.warn(f"{path}.{key}", "expected a list", value)
            return []
        return value

    def text(self, parent: dict[str, Any] | None, key: str, path: str) -> str | None:
        """Free text: CommonMark escapes undone, outer whitespace stripped, empty → None."""
        value = self.code(parent, key, path)
        return None if value is None else unescape_commonmark(value) or None

    def code(self, parent: dict[str, Any] | None, key: str, path: str) -> str | None:
        if parent is None:
            return None
        keys = self._keys.get(id(parent))  # _get, inlined: the reader's most frequent call
        if keys is None:
            keys = self._visit(parent, path)
        keys.add(key)
        value = parent.get(key, _MISSING)
        if isinstance(value, str):  # the usual case, without building the path a warning would name
            return value.strip() or None
        return self._code_of(value, f"{path}.{key}")

    def _code_of(self, value: Any, where: str) -> str | None:
        if value is _MISSING or value is None:
            return None
        if not isinstance(value, str):
            self.warn(where, "expected text", value)
            return None
        return value.strip() or None

    def texts(self, parent: dict[str, Any] | None, key: str, path: str) -> list[str]:
        codes = self._strings(parent, key, path)
        return [t for c in codes if (t := unescape_commonmark(c))]

    def codes(self, parent: dict[str, Any] | None, key: str, path: str) -> list[str]:
        return self._strings(parent, key, path)

    def _strings(self, parent: dict[str, Any] | None, key: str, path: str) -> list[str]:
        out = []
        for i, value in enumerate(self._list(parent, key, path)):
            item = (value.strip() or None) if isinstance(value, str) else self._code_of(value, f"{path}.{key}[{i}]")
            if item is not None:
                out.append(item)
        return out

    def count(self, parent: dict[str, Any] | None, key: str, path: str) -> int | None:
        value = self._get(parent, key, path)
        if value is _MISSING or value is None:
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, str) and whole_number(value) is not None:
            value = whole_number(value)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            self.warn(f"{path}.{key}", "expected a non-negative integer", value)
            return None
        return value

    def stated_count(self, parent: dict[str, Any] | None, key: str, path: str) -> tuple[int | None, str | None]:
        """A count the record may write as text: (count, None), or (None, the text) for "NA"."""
        value = self._get(parent, key, path)
        if isinstance(value, str) and value.strip() and not value.strip().isdigit():
            return None, value.strip()
        return self.count(parent, key, path), None

    def number(self, parent: dict[str, Any] | None, key: str, path: str) -> float | None:
        value = self._get(parent, key, path)
        if value is _MISSING or value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.warn(f"{path}.{key}", "expected a number", value)
            return None
        return float(value)

    def boolean(self, parent: dict[str, Any] | None, key: str, path: str) -> bool | None:
        value = self._get(parent, key, path)
        if value is _MISSING or value is None:
            return None
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("yes", "true", "no", "false"):
            return value.strip().lower() in ("yes", "true")
        self.warn(f"{path}.{key}", "expected true or false", value)
        return None

    def date(
        self, parent: dict[str, Any] | None, key: str, path: str, kind: str | None
    ) -> PartialDate | None:
        raw = self.code(parent, key, path)
        if raw is None:
            return None
        try:
            return PartialDate.parse(raw, kind)
        except ValueError:
            self.warn(f"{path}.{key}", "not a YYYY, YYYY-MM or YYYY-MM-DD date", raw)
            return None

    def date_struct(self, parent: dict[str, Any] | None, key: str, path: str) -> PartialDate | None:
        struct = self.obj(parent, key, path)
        if struct is None:
            return None
        return self.date(struct, "date", f"{path}.{key}", self.code(struct, "type", f"{path}.{key}"))

    def organization(self, item: dict[str, Any] | None, path: str) -> Organization | None:
        name = self.text(item, "name", path)
        return None if name is None else Organization(name, self.code(item, "class", path))

    def contacts(self, parent: dict[str, Any] | None, key: str, path: str) -> list[Contact]:
        out = []
        for i, item in self.objs(parent, key, path):
            q = f"{path}.{key}[{i}]"
            for field in item:  # personal data: never kept as a note, whatever the contact holds
                self.skip(item, field, q)
            name = self.text(item, "name", q)
            if name is None:  # a phone number without a person is no Contact
                continue
            phone = self.text(item, "phone", q)
            ext = self.text(item, "phoneExt", q)
            if phone and ext:  # registrants also put country codes here ("+33"), so only digits read "ext."
                phone = f"{phone} ext. {ext}" if ext.isdigit() else f"{phone} ({ext})"
            out.append(Contact(name, self.code(item, "role", q), phone, self.text(item, "email", q)))
        return out

    def stated(self, parent: dict[str, Any] | None, key: str, path: str
               ) -> tuple[str | None, Decimal | None, str | None]:
        """(sign, number, text) of a number the record states as text or as a JSON number.

        ``text`` is the stated value when it is not a number ("NA"), else None. A sign is
        only expected before p-values; callers that allow none warn about it.
        """
        value = self._get(parent, key, path)
        if value is _MISSING or value is None:
            return None, None, None
        if isinstance(value, bool):
            self.warn(f"{path}.{key}", "expected a number", value)
            return None, None, None
        if isinstance(value, int | float):
            number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
            return (None, number, None) if number.is_finite() else (None, None, str(value))
        if not isinstance(value, str):
            self.warn(f"{path}.{key}", "expected a number", value)
            return None, None, None
        text = value.strip()
        if not text:
            return None, None, None
        sign, number = stated_number(text)
        return (sign, number, None) if number is not None else (None, None, text)

    def decimal(self, parent: dict[str, Any] | None, key: str, path: str,
                texts: list[tuple[str, str]] | None = None) -> Decimal | None:
        """A number without a sign; a value stated as text goes to ``texts`` (or is warned about)."""
        sign, number, text = self.stated(parent, key, path)
        if sign is not None and sign != "=":
            text, number = f"{sign}{number}", None
        if text is not None:
            if texts is not None:
                texts.append((key, text))
            else:
                self.warn(f"{path}.{key}", "not a number, left out", text)
        return number
