"""The ClinicalTrials.gov API v2 JSON parser: real records, layouts, failure policy, streaming."""

from __future__ import annotations

import copy
import gzip
import io
import json
import tracemalloc
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg_builder.model import Age, Arm, MeshTerm, Organization, PartialDate, Reject, Study
from kg_builder.sources.base import SourceDocument, content_hash
from kg_builder.sources.ctgov_json import iter_records
from kg_builder.sources.inputs import iter_documents


def _doc(data: bytes, name: str = "test.json") -> SourceDocument:
    return SourceDocument(name, lambda: io.BytesIO(data))


def _parse(data: bytes, name: str = "test.json") -> list[Study | Reject]:
    return list(iter_records(_doc(data, name)))


def _file_doc(path: Path) -> SourceDocument:
    return SourceDocument(str(path), lambda: open(path, "rb"))


def _minimal(nct: str = "NCT01234567", **status: Any) -> dict[str, Any]:
    """A small valid study; independent of the shared data."""
    return {
        "protocolSection": {
            "identificationModule": {"nctId": nct, "briefTitle": f"Study {nct}"},
            "statusModule": {"overallStatus": "RECRUITING", **status},
            "designModule": {"studyType": "INTERVENTIONAL", "phases": ["PHASE2"],
                             "enrollmentInfo": {"count": 10, "type": "ESTIMATED"}},
        },
        "hasResults": False,
    }


def _dump(obj: Any) -> bytes:
    return json.dumps(obj).encode()


@pytest.fixture(scope="module")
def records(shared_data: Path) -> Path:
    return shared_data / "ctgov-json"


def _one(records: Path, nct: str) -> Study:
    (study,) = iter_records(_file_doc(records / f"{nct}.json"))
    assert isinstance(study, Study), study
    return study


# ---------------------------------------------------------------- real records


def test_every_real_record_parses_cleanly(records: Path) -> None:
    files = sorted(records.glob("*.json"))
    assert len(files) >= 100
    for path in files:
        results = list(iter_records(_file_doc(path)))
        assert len(results) == 1, path.name
        study = results[0]
        assert isinstance(study, Study), study
        assert study.registry_id == path.stem
        assert study.title
        assert study.warnings == [], (path.name, study.warnings)
        assert study.provenance.position == "1"
        assert study.provenance.content_hash == content_hash(
            json.dumps(json.loads(path.read_bytes()), sort_keys=True, ensure_ascii=False).encode()
        )


def test_her2_neratinib_study(records: Path) -> None:
    s = _one(records, "NCT03377387")
    assert s.brief_title == (
        "Capecitabine 7/7 Schedule With Neratinib in Patients With Metastatic HER2-Positive Breast Cancer"
    )
    assert s.org_study_id == "17-585"
    assert s.overall_status == "ACTIVE_NOT_RECRUITING"
    assert s.phases == ["PHASE1", "PHASE2"]
    assert (s.enrollment.count, s.enrollment.type) == (34, "ACTUAL")
    assert s.start_date == PartialDate("2017-12-13", "day", "ACTUAL")
    assert s.completion_date == PartialDate("2024-12", "month", "ESTIMATED")
    assert s.first_submitted_date == PartialDate("2017-12-14", "day", None)
    assert s.lead_sponsor == Organization("Memorial Sloan Kettering Cancer Center", "OTHER")
    assert s.collaborators == [Organization("Puma Biotechnology, Inc.", "INDUSTRY")]
    assert s.arms == [Arm(
        "capecitabine 7/7 with neratinib", "EXPERIMENTAL", s.arms[0].description,
        ("Capecitabine", "Neratinib", "EORTC QLQ - BR23, EQ-5D-5L, EORTC QLQ-C30"),
    )]
    assert [(i.name, i.type) for i in s.interventions] == [
        ("Capecitabine", "DRUG"),
        ("Neratinib", "DRUG"),
        ("EORTC QLQ - BR23, EQ-5D-5L, EORTC QLQ-C30", "BEHAVIORAL"),
    ]
    assert len(s.sites) == 10
    assert s.sites[0].facility == "Hartford Healthcare Cancer Institute @ Hartford Hospital"
    assert (s.sites[0].latitude, s.sites[0].longitude) == (41.76371, -72.68509)
    assert s.condition_meshes == [MeshTerm("D000001943", "Breast Neoplasms")]
    assert s.intervention_meshes == [MeshTerm("D000069287", "Capecitabine")]
    assert s.eligibility.sex == "FEMALE"
    assert s.eligibility.min_age == Age(18, "years")
    assert s.eligibility.inclusion[0].text == "Aged ≥18 years at signing of informed consent."
    assert s.has_results is False
    # CommonMark escape "m\^2" in the raw text comes out as "m^2"
    assert "450 mg/m^2 doxorubicin" in s.eligibility.criteria_text
    assert "\\^" not in s.eligibility.criteria_text


def test_many_sites_with_results(records: Path) -> None:
    s = _one(records, "NCT02513394")  # 1.5 MB, CRLF line endings
    assert s.acronym == "PALLAS"
    assert s.official_title and "Palbociclib" in s.official_title
    assert len(s.sites) == 437  # the AACT "locations_nested" duplicate list is ignored
    assert s.has_results is True
    assert s.start_date == PartialDate("2015-08", "month", None)
    assert s.enrollment.count == 5796
    assert s.secondary_ids[2].id == "2014-005181-30"
    assert s.secondary_ids[2].type == "EUDRACT_NUMBER"
    assert s.secondary_ids[0].domain == "ABCSG GmbH"
    assert {a.label: a.intervention_names for a in s.arms} == {
        "Arm A": ("Palbociclib", "Standard Adjuvant Endocrine Therapy"),
        "Arm B": ("Standard Adjuvant Endocrine Therapy",),
    }
    assert s.intervention_meshes == [MeshTerm("C000500026", "Palbociclib")]
    assert [o.kind for o in s.outcomes].count("primary") == 1


def test_withdrawn_study(records: Path) -> None:
    s = _one(records, "NCT00973089")
    assert s.overall_status == "WITHDRAWN"
    assert s.why_stopped == "recruiting or enrolling participants has halted prematurely and will not resume"
    assert (s.enrollment.count, s.enrollment.type) == (0, "ACTUAL")
    assert s.first_posted_date == PartialDate("2009-09-09", "day", "ESTIMATED")
    # an arm without interventions is kept; the other links to the intervention by name
    assert [(a.label, a.intervention_names) for a in s.arms] == [
        ("Complete caries removal", ()),
        ("Incomplete caries removal", ("Incomplete caries removal in primary teeth",)),
    ]
    assert s.interventions[0].other_names == ("Indirect pulp capping",)
    assert (s.eligibility.min_age, s.eligibility.max_age) == (Age(5, "years"), Age(8, "years"))
    assert s.eligibility.healthy_volunteers is True
    assert s.eligibility.std_ages == ("CHILD",)
    assert len(s.eligibility.inclusion) == 5
    assert len(s.eligibility.exclusion) == 3


def test_expanded_access_without_outcomes_or_sites(records: Path) -> None:
    s = _one(records, "NCT06631677")
    assert s.study_type == "EXPANDED_ACCESS"
    assert s.overall_status == "NO_LONGER_AVAILABLE"
    assert s.enrollment is None and s.phases == [] and s.sites == [] and s.outcomes == []
    assert s.interventions[0].other_names == ("REGN668", "DUPIXENT®", "SAR231893")
    assert s.condition_meshes == [MeshTerm("D005512", "Food Hypersensitivity")]


def test_observational_design_contacts_and_notes(records: Path) -> None:
    s = _one(records, "NCT06171568")
    assert s.acronym == "ECOG"
    assert s.design.observational_model == "COHORT"
    assert s.design.time_perspective == "PROSPECTIVE"
    assert s.secondary_ids[0].domain == "IDRCB"
    assert [c.name for c in s.central_contacts] == ["Camille Heslot, MD", "Alexis Schnitzler, MD, PhD"]
    assert s.central_contacts[0].email == "camille.heslot@aphp.fr"
    assert len(s.sites[0].contacts) == 2
    assert any(n.heading == "Study population" for n in s.notes)


# ---------------------------------------------------------------- layouts


def _sample(records: Path, count: int = 3) -> list[dict[str, Any]]:
    names = ["NCT00973089", "NCT03377387", "NCT06171568", "NCT00139152"][:count]
    return [json.loads((records / f"{n}.json").read_bytes()) for n in names]


def _ids(results: list[Study | Reject]) -> list[str | None]:
    return [r.registry_id for r in results if isinstance(r, Study)]


def test_api_page_streamed_with_positions(records: Path) -> None:
    studies = _sample(records)
    page = {"studies": studies, "nextPageToken": "abc"}
    results = _parse(_dump(page), "page.json")
    assert _ids(results) == [s["protocolSection"]["identificationModule"]["nctId"] for s in studies]
    assert [r.provenance.position for r in results] == ["studies[0]", "studies[1]", "studies[2]"]
    # same study → same hash, whatever the container
    single = _parse(json.dumps(studies[1], indent=2).encode())[0]
    assert results[1].provenance.content_hash == single.provenance.content_hash


def test_page_with_token_first_and_bom(records: Path) -> None:
    studies = _sample(records, 2)
    data = b"\xef\xbb\xbf" + _dump({"nextPageToken": "x", "totalCount": 2, "studies": studies})
    assert len(_ids(_parse(data))) == 2


def test_top_level_array(records: Path) -> None:
    results = _parse(_dump(_sample(records)))
    assert len(_ids(results)) == 3
    assert results[2].provenance.position == "[2]"


def test_json_lines_with_a_bad_line(records: Path) -> None:
    a, b, c = (json.dumps(s) for s in _sample(records))
    data = f"{a}\n\n{b[: len(b) // 2]}\n{c}\n[1, 2]\n".encode()
    results = _parse(data, "batch.jsonl")
    assert [type(r).__name__ for r in results] == ["Study", "Reject", "Study", "Reject"]
    assert results[0].provenance.position == "line 1"
    assert results[1].position == "line 3"
    assert "invalid JSON" in results[1].reason
    assert results[2].provenance.position == "line 4"
    assert results[3].reason == "record is a JSON array, not an object"
    # detected from content too, without the .jsonl name
    assert [type(r).__name__ for r in _parse(data)] == ["Study", "Reject", "Study", "Reject"]


def test_jsonl_whose_first_line_is_broken() -> None:
    data = b'{"protocolSection": {\n' + _dump(_minimal()) + b"\n"
    results = _parse(data)
    assert isinstance(results[0], Reject) and results[0].position == "line 1"
    assert _ids(results) == ["NCT01234567"]


def test_page_invalid_half_way(records: Path) -> None:
    studies = _sample(records)
    data = _dump({"studies": studies})
    cut = data.index(b'"NCT06171568"')  # inside the third study
    results = _parse(data[:cut])
    assert len(_ids(results)) == 2
    assert isinstance(results[2], Reject)
    assert results[2].position == "studies[2]"
    assert len(results) == 3


def test_zip_gz_directory_and_stdin_inputs(records: Path, tmp_path: Path) -> None:
    studies = _sample(records, 4)
    (tmp_path / "dir" / "sub").mkdir(parents=True)
    (tmp_path / "dir" / "one.json").write_bytes(_dump(studies[0]))
    (tmp_path / "dir" / "sub" / "two.json").write_bytes(_dump(studies[1]))
    with zipfile.ZipFile(tmp_path / "batch.zip", "w") as archive:
        archive.writestr("nested/three.json", _dump(studies[2]))
    (tmp_path / "page.json.gz").write_bytes(gzip.compress(_dump({"studies": studies[3:]})))
    lines = (json.dumps(s) for s in studies[:2])
    stdin = io.BytesIO("\n".join(lines).encode())
    paths = [tmp_path / "dir", tmp_path / "batch.zip", tmp_path / "page.json.gz", "-"]
    results = [r for doc in iter_documents(paths, stdin=stdin) for r in iter_records(doc)]
    assert _ids(results) == ["NCT00973089", "NCT03377387", "NCT06171568", "NCT00139152",
                             "NCT00973089", "NCT03377387"]
    assert results[2].provenance.source_file == f"{tmp_path / 'batch.zip'}!nested/three.json"
    assert results[5].provenance.source_file == "<stdin>"
    assert results[5].provenance.position == "line 2"


def test_real_crlf_file_as_jsonl_member(records: Path, tmp_path: Path) -> None:
    raw = (records / "NCT03418623.json").read_bytes()
    assert b"\r\n" in raw
    one_line = _dump(json.loads(raw)).replace(b"\n", b"") + b"\r\n"
    assert _ids(_parse(one_line * 3)) == ["NCT03418623"] * 3


# ---------------------------------------------------------------- failure policy


def test_truncated_single_study() -> None:
    data = json.dumps(_minimal(), indent=2).encode()
    (reject,) = _parse(data[:-40])
    assert isinstance(reject, Reject)
    assert (reject.position, reject.format) == ("1", "ctgov-json")
    assert reject.reason.startswith("invalid JSON")
    assert "\n" not in reject.reason


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b'"just a string"', "record is a JSON string, not an object"),
        (b"42", "record is a JSON number, not an object"),
        (b"", "empty document"),
        (b'{"hasResults": true}', "no usable protocolSection"),
        (b'{"protocolSection": {"statusModule": {}}}', "no usable protocolSection.identificationModule"),
        (b'{"protocolSection": {"identificationModule": []}}', "protocolSection.identificationModule"),
        (b'{"protocolSection": {"identificationModule": {"orgStudyIdInfo": {"id": "x"}}}}', "neither"),
        (b'{"protocolSection": {"identificationModule": {"nctId": "bad", "briefTitle": " "}}}', "neither"),
        (b"<clinical_study/>", "invalid JSON"),
    ],
)
def test_unusable_records_are_rejected(data: bytes, reason: str) -> None:
    (reject,) = _parse(data)
    assert isinstance(reject, Reject)
    assert reason in reject.reason


def test_wrong_field_types_become_warnings() -> None:
    obj = _minimal(startDateStruct={"date": "soon", "type": "ESTIMATED"},
                   completionDateStruct={"date": "2025-06", "type": "ESTIMATED"})
    design = obj["protocolSection"]["designModule"]
    design["enrollmentInfo"]["count"] = "abc"
    design["phases"] = "PHASE2"
    obj["protocolSection"]["conditionsModule"] = {"conditions": ["Asthma", 7], "keywords": {"a": 1}}
    obj["protocolSection"]["eligibilityModule"] = {"minimumAge": "eighteen", "healthyVolunteers": "maybe"}
    obj["protocolSection"]["contactsLocationsModule"] = {
        "locations": [{"city": "Oslo", "geoPoint": {"lat": "x", "lon": 10.7}}, "not a site"]
    }
    obj["protocolSection"]["armsInterventionsModule"] = {
        "armGroups": [{"label": "A", "interventionNames": ["Drug: Missing", "Drug: Aspirin"]}],
        "interventions": [{"name": "Aspirin", "type": "DRUG"}],
    }
    obj["protocolSection"]["identificationModule"]["nctId"] = "NCT123"
    (study,) = _parse(_dump(obj))
    assert isinstance(study, Study)
    assert study.registry_id is None
    assert study.brief_title == "Study NCT01234567"
    assert study.enrollment is None
    assert study.phases == []
    assert study.start_date is None
    assert study.completion_date == PartialDate("2025-06", "month", "ESTIMATED")
    assert study.conditions == ["Asthma"]
    assert study.eligibility.min_age is None and study.eligibility.healthy_volunteers is None
    assert [(s.city, s.latitude) for s in study.sites] == [("Oslo", None)]
    assert study.arms[0].intervention_names == ("Aspirin",)
    joined = "\n".join(study.warnings)
    for expected in (
        "protocolSection.designModule.enrollmentInfo.count: expected a non-negative integer, got 'abc'",
        "protocolSection.statusModule.startDateStruct.date: not a YYYY, YYYY-MM or YYYY-MM-DD date, "
        "got 'soon'",
        "protocolSection.designModule.phases: expected a list, got 'PHASE2'",
        "protocolSection.conditionsModule.conditions[1]: expected text, got 7",
        "protocolSection.conditionsModule.keywords: expected a list",
        "protocolSection.eligibilityModule.minimumAge: not an age with a unit, got 'eighteen'",
        "protocolSection.eligibilityModule.healthyVolunteers: expected true or false, got 'maybe'",
        "protocolSection.contactsLocationsModule.locations[0].geoPoint.lat: expected a number, got 'x'",
        "protocolSection.contactsLocationsModule.locations[1]: expected an object, got 'not a site'",
        "protocolSection.armsInterventionsModule.armGroups[0].interventionNames: matches no intervention",
        "protocolSection.identificationModule.nctId: not an NCT id (NCT + 8 digits), got 'NCT123'",
    ):
        assert expected in joined
    assert all("\n" not in w for w in study.warnings)


def test_text_unescaped_and_stripped_but_inner_newlines_kept() -> None:
    obj = _minimal()
    summary = "  Dose 75 mg/m\\^2 for \\>= 18.\n\nSecond  \n"
    obj["protocolSection"]["descriptionModule"] = {"briefSummary": summary}
    obj["protocolSection"]["identificationModule"]["officialTitle"] = "A \\[pilot\\] study \\*"
    (study,) = _parse(_dump(obj))
    assert study.brief_summary == "Dose 75 mg/m^2 for >= 18.\n\nSecond"
    assert study.official_title == "A [pilot] study *"


def test_a_bad_record_does_not_stop_the_others() -> None:
    good = _minimal()
    bad = copy.deepcopy(good)
    bad["protocolSection"] = "oops"
    results = _parse(_dump([good, bad, 3, good]))
    assert [type(r).__name__ for r in results] == ["Study", "Reject", "Reject", "Study"]
    assert results[1].position == "[1]"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    for result in _parse(data):
        assert isinstance(result, Study | Reject)


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["protocolSection", "identificationModule", "nctId", "briefTitle", "statusModule",
                         "designModule", "phases", "enrollmentInfo", "count", "studies", "date",
                         "startDateStruct", "armsInterventionsModule", "armGroups", "interventions",
                         "interventionNames", "name", "label", "locations", "geoPoint", "lat"]),
        inner, max_size=5),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_json_values, st.sampled_from(["x.json", "x.jsonl"]))
def test_arbitrary_json_never_raises(value: Any, name: str) -> None:
    for result in _parse(json.dumps(value).encode(), name):
        assert isinstance(result, Study | Reject)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text_never_raises(text: str) -> None:
    for result in _parse(text.encode("utf-8", "surrogatepass")):
        assert isinstance(result, Study | Reject)


# ---------------------------------------------------------------- streaming


def test_page_streaming_memory_is_bounded(tmp_path: Path) -> None:
    path = tmp_path / "big_page.json"
    with open(path, "w", encoding="utf-8") as out:
        out.write('{"studies": [')
        for i in range(20_000):
            if i:
                out.write(",")
            json.dump(_minimal(f"NCT{i:08d}"), out)
        out.write('], "nextPageToken": null}')
    size = path.stat().st_size
    count = 0
    tracemalloc.start()
    try:
        for result in iter_records(_file_doc(path)):
            assert isinstance(result, Study)
            count += 1
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 20_000
    assert peak < size / 4, (peak, size)


def test_bundled_examples_parse_cleanly() -> None:
    folder = Path(__file__).resolve().parents[1] / "examples" / "ctgov-json"
    results = [r for doc in iter_documents([folder]) if doc.name.endswith(".json") for r in iter_records(doc)]
    assert len(results) == 6
    assert all(isinstance(r, Study) and not r.warnings for r in results)
    assert {r.registry_id for r in results} == {p.stem for p in folder.glob("*.json")}


def test_decoding_does_not_depend_on_optional_packages(monkeypatch: pytest.MonkeyPatch) -> None:
    """A record reads the same, and a broken line gets the same reason, whatever else is installed: an optional
    faster decoder (orjson turns integers past 64 bits into errors and words reasons its own way) would make the
    graph and the rejects depend on the environment."""
    import importlib
    import sys
    import types

    from kg_builder.sources import ctgov_json

    record = _minimal("NCT01234567")
    record["protocolSection"]["designModule"] = {"enrollmentInfo": {"count": 2**70}}
    data = json.dumps(record).encode() + b"\n" + b'{"protocolSection": [1, 2,]}\n'

    def described(items: list[Study | Reject]) -> list[str]:
        return [repr(item) for item in items]

    expected = described(_parse(data))
    fake = types.ModuleType("orjson")

    def loads(_data: bytes | str) -> Any:
        raise ValueError("a different decoder")

    fake.loads = loads  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "orjson", fake)
    try:
        importlib.reload(ctgov_json)
        assert described(list(ctgov_json.iter_records(_doc(data)))) == expected
    finally:
        monkeypatch.delitem(sys.modules, "orjson")
        importlib.reload(ctgov_json)
