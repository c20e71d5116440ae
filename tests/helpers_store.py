"""Small helpers for tests that build stores."""

from __future__ import annotations

import json
from pathlib import Path

from pyoxigraph import Store

from kg_builder.store.generations import open_read_only

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def select(store: Store | str | Path, query: str) -> list[dict[str, str]]:
    """Rows of a SELECT over the union graph, as plain strings."""
    from kg_builder.store.query_results import query_union

    if not isinstance(store, Store):
        store = open_read_only(store)
    result = query_union(store, query)
    names = [v.value for v in result.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in result]


def minimal_study(nct: str | None = "NCT09999999", **extra: object) -> dict:
    """A small valid API v2 study dict."""
    ident: dict[str, object] = {"briefTitle": f"Minimal study {nct}"}
    if nct:
        ident["nctId"] = nct
    study = {
        "protocolSection": {
            "identificationModule": ident,
            "statusModule": {"overallStatus": "RECRUITING", "startDateStruct": {"date": "2025-06"}},
            "designModule": {"studyType": "INTERVENTIONAL", "phases": ["PHASE2"],
                             "enrollmentInfo": {"count": 10, "type": "ESTIMATED"}},
            "sponsorCollaboratorsModule": {"leadSponsor": {"name": "Test Sponsor", "class": "OTHER"}},
        }
    }
    for path, value in extra.items():
        module, key = path.split(".", 1)
        study["protocolSection"].setdefault(module, {})[key] = value
    return study


def write_json(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path
