"""A date known to year, month or day precision: the model's one date type (a leaf module)."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Literal

DatePrecision = Literal["year", "month", "day"]
_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


@dataclass(slots=True, frozen=True)
class PartialDate:
    """A date known to year, month or day precision (``2025-06`` is not ``2025-06-01``)."""

    value: str
    precision: DatePrecision
    type: str | None = None  # ACTUAL / ESTIMATED when the source says

    @classmethod
    def parse(cls, text: str, type: str | None = None) -> PartialDate:
        """Read ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``; raise ``ValueError`` otherwise."""
        match = _DATE_RE.match(text.strip())
        if not match:
            raise ValueError(f"not an ISO date (YYYY, YYYY-MM or YYYY-MM-DD): {text!r}")
        year, month, day = match.groups()
        if month and not 1 <= int(month) <= 12:
            raise ValueError(f"month out of range: {text!r}")
        if day:
            datetime.date(int(year), int(month), int(day))  # raises ValueError when impossible
            return cls(text.strip(), "day", type)
        return cls(text.strip(), "month" if month else "year", type)


