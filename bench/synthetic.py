"""Deterministic synthetic ClinicalTrials.gov API v2 studies for benchmarks.

``synthetic_study(i)`` always returns the same study for the same ``i``: shaped like
real records (arms, interventions, outcomes, criteria text, sponsors, sites with
coordinates, MeSH terms) with sizes near the registry's medians.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path

_DRUGS = ["Trastuzumab", "Pertuzumab", "Docetaxel", "Paclitaxel", "Capecitabine", "Pembrolizumab",
          "Nivolumab", "Placebo", "Carboplatin", "Cisplatin", "Metformin", "Atorvastatin",
          "Trastuzumab deruxtecan", "Disitamab vedotin", "Lapatinib", "Tucatinib"]
_CONDITIONS = ["Breast Cancer", "HER2-positive Breast Cancer", "Non-small Cell Lung Cancer", "Melanoma",
               "Type 2 Diabetes", "Hypertension", "Gastric Cancer", "Colorectal Cancer", "Asthma"]
_SPONSORS = [("AstraZeneca", "INDUSTRY"), ("National Cancer Institute (NCI)", "NIH"),
             ("Merck Sharp & Dohme LLC", "INDUSTRY"), ("Fudan University", "OTHER"),
             ("Jiangsu HengRui Medicine Co., Ltd.", "INDUSTRY"), ("Mayo Clinic", "OTHER")]
_PLACES = [("Hefei", "Anhui", "China", 31.86, 117.28), ("Changsha", "Hunan", "China", 28.2, 112.97),
           ("Boston", "Massachusetts", "United States", 42.36, -71.06),
           ("Paris", None, "France", 48.85, 2.35), ("Madrid", None, "Spain", 40.42, -3.7),
           ("Toronto", "Ontario", "Canada", 43.7, -79.42), ("Seoul", None, "Korea, Republic of", 37.57, 126.98)]
_PHASES = [["PHASE1"], ["PHASE2"], ["PHASE3"], ["PHASE1", "PHASE2"], ["PHASE4"], ["NA"]]
_STATUSES = ["RECRUITING", "COMPLETED", "NOT_YET_RECRUITING", "ACTIVE_NOT_RECRUITING", "TERMINATED"]
_OUTCOMES = [("Progression-free survival (PFS)", "up to 24 months"),
             ("Objective response rate (ORR)", "every 6 weeks, up to 2 years"),
             ("Incidence of adverse events", "From day 1 to day 21 of treatment"),
             ("Maximum plasma concentration (Cmax)", "Day 1 pre-dose and 0.5, 1, 2, 4 hours post-dose"),
             ("Overall survival", "through study completion, an average of 3 years")]


def synthetic_study(index: int) -> dict:
    rng = random.Random(index)
    nct = f"NCT{10_000_000 + index:08d}"
    drugs = rng.sample(_DRUGS, rng.randint(1, 3))
    arms = [{"label": f"Arm {chr(65 + a)}: {drugs[a % len(drugs)]}",
             "type": "EXPERIMENTAL" if a == 0 else "ACTIVE_COMPARATOR",
             "description": f"Participants receive {drugs[a % len(drugs)]} 75 mg/m2 every 3 weeks.",
             "interventionNames": [f"Drug: {drugs[a % len(drugs)]}"]} for a in range(rng.randint(1, 3))]
    sites = []
    for s in range(rng.choice([0, 1, 3, 8, 20])):
        city, state, country, lat, lon = rng.choice(_PLACES)
        site = {"facility": f"{city} Hospital {s % 5}", "city": city, "country": country,
                "status": "RECRUITING", "geoPoint": {"lat": lat, "lon": lon}}
        if state:
            site["state"] = state
        sites.append(site)
    condition = rng.choice(_CONDITIONS)
    sponsor, sponsor_class = rng.choice(_SPONSORS)
    criteria = "Inclusion Criteria:\n\n" + "\n".join(
        f"* Inclusion item {k} for {condition}, age \\>= 18" for k in range(rng.randint(3, 10))
    ) + "\n\nExclusion Criteria:\n\n" + "\n".join(f"* Exclusion item {k}" for k in range(rng.randint(3, 12)))
    outcomes = rng.sample(_OUTCOMES, rng.randint(2, 5))
    return {
        "protocolSection": {
            "identificationModule": {
                "nctId": nct, "orgStudyIdInfo": {"id": f"SYN-{index}"},
                "briefTitle": f"Study {index} of {', '.join(drugs)} in {condition}",
                "officialTitle": f"A Randomized Study {index} of {' Plus '.join(drugs)} in Patients With {condition}",
                "organization": {"fullName": sponsor, "class": sponsor_class},
            },
            "statusModule": {
                "overallStatus": rng.choice(_STATUSES),
                "startDateStruct": {"date": f"20{rng.randint(10, 25)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
                                    "type": "ACTUAL"},
                "completionDateStruct": {"date": f"20{rng.randint(26, 30)}-0{rng.randint(1, 9)}",
                                         "type": "ESTIMATED"},
                "lastUpdatePostDateStruct": {"date": "2025-06-25", "type": "ACTUAL"},
            },
            "sponsorCollaboratorsModule": {"leadSponsor": {"name": sponsor, "class": sponsor_class}},
            "descriptionModule": {"briefSummary": f"Synthetic study {index}: \"quoted\" text, <tags> & more."},
            "conditionsModule": {"conditions": [condition], "keywords": ["synthetic", condition.split()[0]]},
            "designModule": {
                "studyType": "INTERVENTIONAL", "phases": rng.choice(_PHASES),
                "designInfo": {"allocation": "RANDOMIZED", "interventionModel": "PARALLEL",
                               "primaryPurpose": "TREATMENT", "maskingInfo": {"masking": "NONE"}},
                "enrollmentInfo": {"count": rng.randint(10, 2000), "type": "ESTIMATED"},
            },
            "armsInterventionsModule": {
                "armGroups": arms,
                "interventions": [{"type": "DRUG", "name": d, "description": f"{d} given intravenously.",
                                   "armGroupLabels": [a["label"] for a in arms if d in a["label"]]}
                                  for d in drugs],
            },
            "outcomesModule": {
                "primaryOutcomes": [{"measure": m, "timeFrame": t} for m, t in outcomes[:1]],
                "secondaryOutcomes": [{"measure": m, "description": f"{m} per RECIST 1.1", "timeFrame": t}
                                      for m, t in outcomes[1:]],
            },
            "eligibilityModule": {"eligibilityCriteria": criteria, "healthyVolunteers": False, "sex": "ALL",
                                  "minimumAge": "18 Years", "maximumAge": "75 Years",
                                  "stdAges": ["ADULT", "OLDER_ADULT"]},
            "contactsLocationsModule": {"locations": sites},
        },
        "derivedSection": {
            "conditionBrowseModule": {"meshes": [{"id": "D001943", "term": "Breast Neoplasms"}]},
            "interventionBrowseModule": {"meshes": [{"id": "D000077143", "term": "Docetaxel"}]},
        },
        "hasResults": False,
    }


def iter_synthetic(count: int, start: int = 0) -> Iterator[dict]:
    for index in range(start, start + count):
        yield synthetic_study(index)


def write_jsonl(path: Path, count: int, start: int = 0) -> Path:
    """Write ``count`` synthetic studies as JSON Lines (the streaming input format)."""
    with open(path, "w", encoding="utf-8") as out:
        for study in iter_synthetic(count, start):
            out.write(json.dumps(study, ensure_ascii=False))
            out.write("\n")
    return path
