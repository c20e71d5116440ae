"""The fuzz suites: a bounded run in ``make test``, a long one with ``make fuzz``.

``KG_FUZZ_EXAMPLES`` sets the cases per layout (default 12; ``make fuzz`` uses 10,000),
``KG_FUZZ_TIME_BOUND`` the CPU seconds a record may take (``make fuzz``: 1). The figures
of the run are printed at the end of the session.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # corpus, mutations and harness sit beside the tests

import harness


def pytest_terminal_summary(terminalreporter) -> None:
    if harness.FIGURES:
        terminalreporter.section("fuzz figures (per layout)")
        terminalreporter.write_line(harness.table())
