"""A deterministic, registry-shaped corpus of ClinicalTrials.gov API v2 studies for benchmarks.

    python bench/synthetic.py --studies 50000 --out studies.jsonl [--results-fraction 0.14]

``synthetic_study(i)`` is a pure function of ``i`` (and of the real records it is calibrated
on): every count and text length is drawn from the distribution measured on the real API v2
records in ``../shared/data`` (:mod:`corpus_vocab`), and every shared entity (sponsor,
facility, city, country, condition, drug) from a heavy-tailed catalogue (:mod:`corpus_names`),
so distinct entities grow with the corpus as a registry's do. About 14% of studies carry a
``resultsSection`` (:mod:`synthetic_results`; ``--results-fraction`` chooses). The
assumptions and the calibration figures are in ``bench/README.md``.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from corpus_names import OUTCOME_ZIPF, Catalogues, Drug  # noqa: E402
from corpus_vocab import DEFAULT_RECORDS, Calibration, seeded, zipf_rank  # noqa: E402
from synthetic_results import results_section  # noqa: E402
from synthetic_sites import draw_sites  # noqa: E402

RESULTS_FRACTION = 0.14  # share of held-out registry records with a resultsSection (issue 13)


@lru_cache(maxsize=4)
def corpus(records: str = str(DEFAULT_RECORDS)) -> Catalogues:
    return Catalogues(Calibration.from_records(Path(records)))


def synthetic_study(index: int, *, results_fraction: float = RESULTS_FRACTION,
                    records: str = str(DEFAULT_RECORDS)) -> dict:
    """Study ``index`` of the corpus: the same index always gives the same study."""
    cats = corpus(records)
    return _Study(cats, index, results_fraction).record()


def iter_synthetic(count: int, start: int = 0, *, results_fraction: float = RESULTS_FRACTION,
                   records: str = str(DEFAULT_RECORDS)) -> Iterator[dict]:
    for index in range(start, start + count):
        yield synthetic_study(index, results_fraction=results_fraction, records=records)


def write_jsonl(path: Path, count: int, start: int = 0, *, results_fraction: float = RESULTS_FRACTION,
                records: str = str(DEFAULT_RECORDS)) -> Path:
    """Write ``count`` studies as JSON Lines (the streaming input format)."""
    with open(path, "w", encoding="utf-8") as out:
        for study in iter_synthetic(count, start, results_fraction=results_fraction, records=records):
            out.write(json.dumps(study, ensure_ascii=False))
            out.write("\n")
    return path


class _Study:
    """One study being drawn; each part of the record is one method."""

    def __init__(self, cats: Catalogues, index: int, results_fraction: float) -> None:
        self.cats, self.cal, self.index = cats, cats.cal, index
        self.rng = rng = random.Random(index * 2_654_435_761 + 97)
        self.nct = f"NCT{10_000_000 + index:08d}"
        mixes = self.cal.mixes
        self.study_type = mixes["study type"].draw(rng) or "INTERVENTIONAL"
        self.with_results = rng.random() < results_fraction
        status = mixes["status"].draw(rng)
        if self.with_results:
            status = "COMPLETED" if rng.random() < 0.85 else "TERMINATED"
        self.status = status
        self.sponsor = cats.sponsor(rng)
        self.padded_mesh = rng.random() < 0.5  # newer API v2 records write old MeSH ids padded to 10 characters
        self.conditions = self._conditions()

    def count(self, name: str) -> int:
        return self.cal.counts[name].draw(self.rng)

    def text(self, name: str, pool: str = "sentences") -> str:
        target = self.cal.lengths[name].draw(self.rng)
        sentences, size, pool_items = [], 0, self.cal.pools[pool]
        while size < target:
            sentence = self.rng.choice(pool_items)
            sentences.append(sentence)
            size += len(sentence) + 1
        return " ".join(sentences)[: max(target, 1) + 200] if target else ""

    def _padded(self, first: str, size: int) -> str:
        """``first``, then sentences of the records' own text until about ``size`` characters."""
        parts = [first]
        while sum(map(len, parts)) < size - 40:
            parts.append(self.rng.choice(self.cal.pools["sentences"]))
        return " ".join(parts)

    def record(self) -> dict:
        rng = self.rng
        drugs = self._drugs()
        arms, interventions = self._arms_and_interventions(drugs)
        outcomes = self._outcomes()
        sites, countries = draw_sites(rng, self.cats, self.count("sites"), self.sponsor)
        main = drugs[0].name if drugs else (interventions[0]["name"] if interventions else None)
        protocol = {
            "identificationModule": self._identification(main),
            "statusModule": self._status(),
            "sponsorCollaboratorsModule": {
                "responsibleParty": {"type": "SPONSOR"},
                "leadSponsor": {"name": self.sponsor.name, "class": self.sponsor.class_},
                **({"collaborators": c} if (c := self._collaborators()) else {}),
            },
            "oversightModule": {"oversightHasDmc": rng.random() < 0.4, "isFdaRegulatedDrug": rng.random() < 0.3},
            "descriptionModule": {"briefSummary": self.text("briefSummary") or f"A study of {main}.",
                                  **({"detailedDescription": d} if (d := self.text("detailedDescription")) else {})},
            "conditionsModule": {"conditions": [name for name, _mesh in self.conditions],
                                 **({"keywords": k} if (k := self._keywords()) else {})},
            "designModule": self._design(),
            "armsInterventionsModule": {"armGroups": arms, "interventions": interventions},
            "outcomesModule": outcomes,
            "eligibilityModule": self._eligibility(),
            "contactsLocationsModule": {
                **({"overallOfficials": [{"name": "Medical Director", "affiliation": self.sponsor.name,
                                          "role": "STUDY_DIRECTOR"}]} if self.count("overall officials") else {}),
                **({"locations": sites} if sites else {}),
            },
        }
        if not arms:
            del protocol["armsInterventionsModule"]["armGroups"]
        if not interventions:
            del protocol["armsInterventionsModule"]["interventions"]
        if references := self._references():
            protocol["referencesModule"] = {"references": references}
        protocol["ipdSharingStatementModule"] = {"ipdSharing": rng.choice(("NO", "NO", "UNDECIDED", "YES"))}
        record = {"protocolSection": protocol, "derivedSection": self._derived(drugs), "hasResults": self.with_results}
        if self.with_results:
            record["resultsSection"] = results_section(rng, self.cal, arms, outcomes, countries, self.sponsor.name)
        return record

    # ---- identity, status, design
    def _identification(self, main: str | None) -> dict:
        rng = self.rng
        condition = self.conditions[0][0]
        phase = {"PHASE1": "Phase 1", "PHASE2": "Phase 2", "PHASE3": "Phase 3"}.get(self._phase_codes()[:1][0]
                                                                                    if self._phase_codes() else "",
                                                                                    "Clinical")
        if self.study_type == "OBSERVATIONAL":
            brief = rng.choice((f"{condition} Registry", f"Observational Study of {condition}",
                                f"Outcomes of Patients With {condition}"))
        else:
            brief = rng.choice((f"A Study of {main} in Participants With {condition}", f"{main} in {condition}",
                                f"Study of {main} Versus Standard of Care for {condition}",
                                f"Safety and Efficacy of {main} in Patients With {condition}",
                                f"A Study to Evaluate {main} Compared With Placebo in Adults With {condition}"))
        official = (f"A {phase}, {rng.choice(('Randomized', 'Open-label', 'Multicenter', 'Single-arm'))} Study to "
                    f"Evaluate the {rng.choice(('Efficacy and Safety', 'Safety, Tolerability and Pharmacokinetics'))}"
                    f" of {main or 'the Intervention'} in {rng.choice(('Patients', 'Participants', 'Adults'))} "
                    f"With {condition}")
        out = {"nctId": self.nct, "orgStudyIdInfo": {"id": f"{self.sponsor.name.split()[0][:6].upper()}-"
                                                            f"{rng.randint(1, 9999):04d}"},
               "organization": {"fullName": self.sponsor.name, "class": self.sponsor.class_},
               "briefTitle": brief, "officialTitle": official}
        if n := self.count("secondary ids"):
            out["secondaryIdInfos"] = [{"id": f"{rng.randint(2005, 2025)}-{rng.randint(100000, 999999)}-"
                                              f"{rng.randint(10, 99)}", "type": "EUDRACT_NUMBER"}
                                       for _ in range(n)]
        if self.cal.lengths["acronym"].draw(rng):
            out["acronym"] = "".join(rng.choice("ABCDEFGHIJKLMNOPRSTUVWY") for _ in range(rng.randint(3, 8)))
        return out

    def _phase_codes(self) -> list[str]:
        if not hasattr(self, "_phases"):
            drawn = self.cal.mixes["phases"].draw(self.rng) if self.study_type == "INTERVENTIONAL" else None
            self._phases = drawn.split("/") if drawn else []
        return self._phases

    def _status(self) -> dict:
        rng = self.rng
        year = int(self.cal.mixes["start year"].draw(rng) or 2020)
        start_year = min(2026, max(1999, year + rng.randint(-4, 5)))
        day = f"{start_year}-{rng.randint(1, 12):02d}"
        if self.cal.mixes["start precision"].draw(rng) == 10:
            day += f"-{rng.randint(1, 28):02d}"
        planned = self.status in ("NOT_YET_RECRUITING", "RECRUITING")
        end = f"{start_year + rng.randint(1, 6)}-{rng.randint(1, 12):02d}"
        out = {"statusVerifiedDate": "2025-06", "overallStatus": self.status,
               "startDateStruct": {"date": day, "type": "ESTIMATED" if self.status == "NOT_YET_RECRUITING"
                                   else "ACTUAL"},
               "primaryCompletionDateStruct": {"date": end, "type": "ESTIMATED" if planned else "ACTUAL"},
               "completionDateStruct": {"date": end, "type": "ESTIMATED" if planned else "ACTUAL"},
               "studyFirstSubmitDate": f"{start_year}-01-15",
               "studyFirstPostDateStruct": {"date": f"{start_year}-01-20", "type": "ACTUAL"},
               "lastUpdatePostDateStruct": {"date": "2025-06-25", "type": "ACTUAL"}}
        if self.status in ("TERMINATED", "WITHDRAWN", "SUSPENDED"):
            out["whyStopped"] = rng.choice(("Sponsor decision", "Slow accrual", "Business reasons",
                                            "Lack of efficacy at interim analysis"))
        if self.with_results:
            out["resultsFirstPostDateStruct"] = {"date": f"{min(2025, start_year + 4)}-03-01", "type": "ACTUAL"}
        return out

    def _design(self) -> dict:
        rng, mixes = self.rng, self.cal.mixes
        out: dict = {"studyType": self.study_type}
        if self.study_type == "INTERVENTIONAL":
            out["phases"] = self._phase_codes()
            info = {key: value for key in ("allocation", "interventionModel", "primaryPurpose")
                    if (value := mixes[key].draw(rng))}
            info["maskingInfo"] = {"masking": mixes["masking"].draw(rng) or "NONE"}
        else:
            info = {key: value for key in ("observationalModel", "timePerspective") if (value := mixes[key].draw(rng))}
        out["designInfo"] = info
        out["enrollmentInfo"] = {"count": self.cal.counts["enrollment"].draw(rng),
                                 "type": "ESTIMATED" if self.status in ("RECRUITING", "NOT_YET_RECRUITING")
                                 else "ACTUAL"}
        return out

    # ---- conditions, keywords, references, MeSH
    def _conditions(self) -> list[tuple[str, tuple | None]]:
        seen, out, wanted = set(), [], max(1, self.count("conditions"))
        for _ in range(wanted * 2):
            name, mesh = self.cats.condition(self.rng)
            if name.casefold() not in seen:
                seen.add(name.casefold())
                out.append((name, mesh))
            if len(out) >= wanted:
                break
        return out

    def _keywords(self) -> list[str]:
        pool = self.cal.pools["keywords"]
        return list(dict.fromkeys(pool[min(len(pool), zipf_rank(self.rng, 1.3, 10.0)) - 1]
                                  for _ in range(self.count("keywords"))))

    def _references(self) -> list[dict]:
        rng = self.rng
        return [{"pmid": str(rng.randint(10_000_000, 39_999_999)),
                 "type": rng.choice(("BACKGROUND", "RESULT", "DERIVED")),
                 "citation": f"{rng.choice(('Axolen', 'Venturi', 'Kaito', 'Marsh'))} K, et al. "
                             f"{rng.choice(self.cal.pools['outcome titles'])}. J Clin Oncol. "
                             f"{rng.randint(2000, 2025)};{rng.randint(1, 40)}({rng.randint(1, 12)}):"
                             f"{rng.randint(1, 999)}-{rng.randint(1000, 1999)}."}
                for _ in range(self.count("references"))]

    def _mesh(self, mesh_id: str) -> str:
        return f"{mesh_id[0]}000{mesh_id[1:]}" if self.padded_mesh and len(mesh_id) == 7 else mesh_id

    def _derived(self, drugs: list[Drug]) -> dict:
        out: dict = {"miscInfoModule": {"versionHolder": "2025-06-25"}}
        for module, found in (("conditionBrowseModule", [m for _n, m in self.conditions if m]),
                              ("interventionBrowseModule",
                               [m for d in drugs if (m := self.cats.intervention_mesh.get(d.name.casefold()))])):
            if not found:
                continue
            meshes = {m[0]: m[1] for m in found}
            ancestors = {a: t for m in found for a, t in m[2] if a not in meshes}
            out[module] = {"meshes": [{"id": self._mesh(i), "term": t} for i, t in meshes.items()],
                           "ancestors": [{"id": self._mesh(i), "term": t} for i, t in ancestors.items()]}
        return out

    # ---- arms, interventions, outcomes, eligibility
    def _drugs(self) -> list[Drug]:
        out: dict[str, Drug] = {}
        for _ in range(8):
            drug = self.cats.drug(self.rng)
            out.setdefault(drug.name.casefold(), drug)
            if len(out) >= 3:
                break
        return list(out.values())

    def _arms_and_interventions(self, drugs: list[Drug]) -> tuple[list[dict], list[dict]]:
        rng, mixes = self.rng, self.cal.mixes
        interventions: list[dict] = []
        wanted = self.count("interventions")
        if self.study_type == "INTERVENTIONAL":  # an interventional study names at least one (the records do)
            wanted = max(1, wanted)
        for k in range(wanted):
            kind = mixes["intervention type"].draw(rng) or "OTHER"
            if kind in ("DRUG", "BIOLOGICAL") and drugs:
                item = self._drug_intervention(kind, drugs[k % len(drugs)], drugs)
            else:
                item = {"type": kind, "name": self.cats.other_intervention(rng, kind)}
                if self.cal.lengths["intervention description"].draw(rng):
                    item["description"] = rng.choice(self.cal.pools["sentences"])
            if all(item["name"].casefold() != i["name"].casefold() for i in interventions):
                interventions.append(item)
        arms: list[dict] = []
        for a in range(self.count("arms")):
            kind = "EXPERIMENTAL" if a == 0 and rng.random() < 0.8 else (mixes["arm type"].draw(rng) or "OTHER")
            if self.study_type != "INTERVENTIONAL":
                kind = None
            uses = ([i for i in interventions if rng.random() < 0.6]
                    or interventions[a % max(1, len(interventions)):][:1])
            if kind == "PLACEBO_COMPARATOR":
                placebo = next((i for i in interventions if i["name"].startswith("Placebo")), None)
                if placebo is None:
                    placebo = {"type": "DRUG", "name": rng.choice(("Placebo", f"Placebo to match {uses[0]['name']}"
                                                                   if uses else "Placebo")),
                               "description": "Matching placebo."}
                    interventions.append(placebo)
                uses = [placebo]
            names = ", ".join(i["name"] for i in uses) or "standard care"
            label = rng.choice((f"Arm {chr(65 + a)}: {names}", f"Cohort {a + 1}", names[:80],
                                f"Part {a + 1}: {names}"[:90]))
            if any(arm["label"] == label for arm in arms):
                label = f"{label} ({a + 1})"
            arm = {"label": label}
            if kind:
                arm["type"] = kind
            if size := self.cal.lengths["arm description"].draw(rng):
                arm["description"] = self._padded(f"Participants receive {names} {_dose(rng)}.", size)
            arm["interventionNames"] = [f"{i['type'].replace('_', ' ').title()}: {i['name']}" for i in uses]
            for item in uses:
                item.setdefault("armGroupLabels", []).append(label)
            arms.append(arm)
        return arms, interventions

    def _drug_intervention(self, kind: str, drug: Drug, drugs: list[Drug]) -> dict:
        rng = self.rng
        name = drug.name
        if len(drugs) > 1 and rng.random() < 0.08:  # a combination named as one intervention
            name = rng.choice((" + ", ", ", " and ", " plus ")).join(d.name for d in drugs[:rng.randint(2, 3)])
        phrase = drug.phrase
        if phrase and rng.random() < 0.05:  # records disagree now and then about what a drug is
            phrase = rng.choice(("a monoclonal antibody", "a small-molecule inhibitor", "a hormonal therapy"))
        item = {"type": kind, "name": name}
        if size := self.cal.lengths["intervention description"].draw(rng):
            first = f"{drug.name} is {phrase}, given {_dose(rng)}." if phrase else f"{drug.name} {_dose(rng)}."
            item["description"] = self._padded(first, size)
        if drug.other_names and rng.random() < 0.5:
            item["otherNames"] = list(drug.other_names)
        return item

    def _outcomes(self) -> dict:
        rng, pools = self.rng, self.cal.pools
        out = {}
        for kind in ("primary", "secondary", "other"):
            items = []
            for _ in range(self.count(f"{kind} outcomes") or (1 if kind == "primary" else 0)):
                rank = zipf_rank(rng, *OUTCOME_ZIPF)
                titles = pools["outcome titles"]
                title = titles[(rank - 1) % len(titles)]
                if rank > len(titles):
                    title = f"{title} at Week {seeded(4, rank).randint(2, 104)}"
                item = {"measure": title, "timeFrame": rng.choice(pools["time frames"])}
                if self.cal.lengths["outcome description"].draw(rng):
                    item["description"] = rng.choice(pools["outcome descriptions"])
                items.append(item)
            if items:
                out[f"{kind}Outcomes"] = items
        return out

    def _eligibility(self) -> dict:
        rng, mixes, pools = self.rng, self.cal.mixes, self.cal.pools
        inclusion = [rng.choice(pools["inclusion criteria"]) for _ in range(max(1, self.count("inclusion criteria")))]
        exclusion = [rng.choice(pools["exclusion criteria"]) for _ in range(self.count("exclusion criteria"))]
        text = "Inclusion Criteria:\n\n" + "\n".join(f"* {c}" for c in inclusion)
        if exclusion:
            text += "\n\nExclusion Criteria:\n\n" + "\n".join(f"* {c}" for c in exclusion)
        out = {"eligibilityCriteria": text, "sex": mixes["sex"].draw(rng) or "ALL", "stdAges": ["ADULT"]}
        for key in ("healthyVolunteers", "minimumAge", "maximumAge"):
            if (value := mixes[key].draw(rng)) is not None:
                out[key] = value
        return out

    # ---- sponsors and sites
    def _collaborators(self) -> list[dict]:
        out = {}
        for _ in range(self.count("collaborators")):
            other = self.cats.sponsor(self.rng)
            if other.name != self.sponsor.name:
                out[other.name] = {"name": other.name, "class": other.class_}
        return list(out.values())


def _dose(rng: random.Random) -> str:
    amount = rng.choice((1, 2.5, 5, 10, 20, 40, 75, 100, 125, 200, 240, 300, 400, 600, 800))
    unit = rng.choice(("mg", "mg/kg", "mg/m2", "mg/m^2", "µg"))
    route = rng.choice(("orally", "intravenously", "IV", "subcutaneously", "by mouth"))
    when = rng.choice(("once daily", "twice daily", "every 3 weeks", "on Day 1 of each 21-day cycle", "every 2 weeks",
                       "weekly for 12 weeks", "on days 1-14 of a 28-day cycle"))
    return f"{amount} {unit} {route} {when}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--studies", type=int, default=1000)
    parser.add_argument("--start", type=int, default=0)
    parser.add_argument("--results-fraction", type=float, default=RESULTS_FRACTION)
    parser.add_argument("--records", default=str(DEFAULT_RECORDS), help="the real records to calibrate on")
    parser.add_argument("--out", type=Path, required=True, help="write JSON Lines here")
    args = parser.parse_args()
    started = time.perf_counter()
    write_jsonl(args.out, args.studies, args.start, results_fraction=args.results_fraction, records=args.records)
    print(f"{args.studies} studies → {args.out} ({args.out.stat().st_size / 2**20:.1f} MiB) in "
          f"{time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
