"""Build accounting: every record read is built or rejected; a study read twice is a warning.

Read = built + rejected, always — whole documents rejected at detection included. The same
study read again is "duplicate, kept the first" (a warning on the kept study, not a reject,
and not a partial build); a legacy API v1 file is rejected study by study, saying it is API
v1 and how many studies it held.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers_store import minimal_study, write_json

from kg_builder.build import build
from kg_builder.cli import EXIT_OK, EXIT_PARTIAL, main


def _v1(*ncts: str) -> dict:
    return {"FullStudiesResponse": {"APIVrs": "1.01.05", "NStudiesFound": len(ncts), "FullStudies": [
        {"Rank": rank, "Study": {"ProtocolSection": {"IdentificationModule": {"NCTId": nct, "BriefTitle": nct}}}}
        for rank, nct in enumerate(ncts, start=1)]}}


@pytest.fixture()
def inputs(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    write_json(folder / "a.json", minimal_study("NCT09200001"))
    write_json(folder / "b.json", minimal_study("NCT09200002"))
    write_json(folder / "b-again.json", minimal_study("NCT09200002"))  # the same study, read twice
    (folder / "notes.txt").write_text("shopping list\nmilk\n", encoding="utf-8")  # no layout at all
    (folder / "broken.json").write_text('{"protocolSection": ', encoding="utf-8")
    write_json(folder / "legacy.json", _v1("NCT09200003", "NCT09200004", "NCT09200005"))
    return folder


def test_read_is_built_plus_rejected_and_a_duplicate_is_a_warning(inputs: Path, tmp_path: Path) -> None:
    report = build([inputs], tmp_path / "store", validate=False)
    assert report.built == 2
    assert report.duplicates == 1
    assert report.read == report.built + report.rejected == 2 + 1 + 1 + 3
    assert not any("duplicate" in r.reason for r in report.rejects)
    (kept,) = [w for ws in report.warnings.values() for w in ws if "duplicate" in w]
    assert kept.startswith("duplicate, kept the first") and "NCT09200002" in kept
    undetected = [r for r in report.rejects if r.source_file.endswith("notes.txt")]
    assert len(undetected) == 1 and undetected[0].position == "file"


def test_api_v1_file_is_rejected_per_study_saying_so(inputs: Path, tmp_path: Path) -> None:
    report = build([inputs / "legacy.json", inputs / "a.json"], tmp_path / "store", validate=False)
    legacy = [r for r in report.rejects if r.source_file.endswith("legacy.json")]
    assert [r.position for r in legacy] == ["FullStudies[0]", "FullStudies[1]", "FullStudies[2]"]
    assert all("API v1" in r.reason and "holds 3 API v1 studies" in r.reason for r in legacy)
    assert "NCT09200004" in legacy[1].reason
    assert report.read == 4 and report.built == 1


def test_a_single_v1_study_and_an_empty_v1_response(tmp_path: Path) -> None:
    single = write_json(tmp_path / "one.json", {"Study": {"ProtocolSection": {"IdentificationModule": {
        "NCTId": "NCT09200006"}}}})
    empty = write_json(tmp_path / "none.json", _v1())
    good = write_json(tmp_path / "good.json", minimal_study("NCT09200007"))
    report = build([single, empty, good], tmp_path / "store", validate=False)
    reasons = {Path(r.source_file).name: r.reason for r in report.rejects}
    assert "API v1" in reasons["one.json"] and "NCT09200006" in reasons["one.json"]
    assert "API v1" in reasons["none.json"] and "no study" in reasons["none.json"]
    assert report.read == report.built + report.rejected == 3


def test_duplicates_alone_do_not_make_a_partial_build(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    first = write_json(tmp_path / "x.json", minimal_study("NCT09200008"))
    second = tmp_path / "y.json"
    second.write_text(json.dumps(minimal_study("NCT09200008")), encoding="utf-8")
    assert main(["build", str(first), str(second), "--store", str(tmp_path / "s"), "--quiet"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "studies read: 1, built: 1, rejected: 0" in out
    assert "duplicate, kept the first" in out
    broken = tmp_path / "z.json"
    broken.write_text("{", encoding="utf-8")
    assert main(["build", str(first), str(broken), "--store", str(tmp_path / "t"), "--quiet"]) == EXIT_PARTIAL
