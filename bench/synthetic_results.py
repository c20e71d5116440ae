"""The ``resultsSection`` of a synthetic study, shaped like the real records' (API v2).

Groups follow the study's arms (one result group per arm; one "All participants" group when
the study has none). Sizes are drawn from what the records with results hold: drop-out
reasons per period, outcome classes and statistical analyses per measure, serious and other
adverse events per study, each from its measured distribution; terms, organ systems, units,
methods and parameter types from the records' own pools and mixes. Counts add up the way a
registry checks them (started = completed + not completed; affected ≤ at risk).
"""

from __future__ import annotations

import random

from corpus_vocab import Calibration

_MAX_OUTCOME_RESULTS = 40


def _groups(rng: random.Random, arms: list[dict], prefix: str) -> list[dict]:
    if not arms:
        return [{"id": f"{prefix}000", "title": "All Participants", "description": "All enrolled participants."}]
    return [{"id": f"{prefix}{k:03d}", "title": arm["label"],
             **({"description": arm["description"]} if arm.get("description") else {})}
            for k, arm in enumerate(arms)]


def results_section(rng: random.Random, cal: Calibration, arms: list[dict], outcomes: dict, countries: list[str],
                    sponsor: str) -> dict:
    sizes = [rng.randint(5, 400) for _ in range(max(1, len(arms)))]
    return {
        "participantFlowModule": _flow(rng, cal, arms, sizes),
        "baselineCharacteristicsModule": _baseline(rng, cal, arms, sizes, countries),
        "outcomeMeasuresModule": {"outcomeMeasures": _outcome_measures(rng, cal, arms, sizes, outcomes)},
        "adverseEventsModule": _adverse_events(rng, cal, arms, sizes),
        "moreInfoModule": {"certainAgreement": {"piSponsorEmployee": False, "restrictiveAgreement": False},
                           "pointOfContact": {"title": "Medical Director", "organization": sponsor}},
    }


def _flow(rng: random.Random, cal: Calibration, arms: list[dict], sizes: list[int]) -> dict:
    groups = _groups(rng, arms, "FG")
    periods = []
    for period in range(2 if rng.random() < 0.1 else 1):
        lost = [rng.randint(0, max(0, n // 5)) for n in sizes]
        milestones = [
            {"type": "STARTED", "achievements": [{"groupId": g["id"], "numSubjects": str(n)}
                                                 for g, n in zip(groups, sizes, strict=True)]},
            {"type": "COMPLETED", "achievements": [{"groupId": g["id"], "numSubjects": str(n - m)}
                                                   for g, n, m in zip(groups, sizes, lost, strict=True)]},
            {"type": "NOT COMPLETED", "achievements": [{"groupId": g["id"], "numSubjects": str(m)}
                                                       for g, m in zip(groups, lost, strict=True)]},
        ]
        reasons = list(dict.fromkeys(rng.choice(cal.pools["drop reasons"]) for _ in range(cal.counts["drop reasons"]
                                                                                          .draw(rng))))
        drops = []
        for index, reason in enumerate(reasons):  # the last reason takes what the others leave
            share = [m // len(reasons) + (m % len(reasons) if index == len(reasons) - 1 else 0) for m in lost]
            drops.append({"type": reason, "reasons": [{"groupId": g["id"], "numSubjects": str(s)}
                                                      for g, s in zip(groups, share, strict=True)]})
        periods.append({"title": "Overall Study" if period == 0 else "Extension Period", "milestones": milestones,
                        **({"dropWithdraws": drops} if drops else {})})
    return {"groups": groups, "periods": periods}


def _numbers(rng: random.Random, groups: list[dict], dispersion: str | None, centre: float) -> list[dict]:
    out = []
    for group in groups:
        value = round(centre * rng.uniform(0.6, 1.4), 1)
        item = {"groupId": group["id"], "value": str(value)}
        if dispersion in ("STANDARD_DEVIATION", "Standard Deviation", "Standard Error"):
            item["spread"] = str(round(abs(value) * rng.uniform(0.05, 0.5), 2))
        elif dispersion in ("FULL_RANGE", "Full Range", "95% Confidence Interval", "Inter-Quartile Range"):
            item["lowerLimit"] = str(round(value * 0.7, 1))
            item["upperLimit"] = str(round(value * 1.3, 1))
        out.append(item)
    return out


def _denoms(groups: list[dict], sizes: list[int]) -> list[dict]:
    return [{"units": "Participants", "counts": [{"groupId": g["id"], "value": str(n)}
                                                 for g, n in zip(groups, sizes, strict=False)]}]


def _baseline(rng: random.Random, cal: Calibration, arms: list[dict], sizes: list[int], countries: list[str]) -> dict:
    groups = _groups(rng, arms, "BG")
    counts = list(sizes)
    if len(groups) > 1:
        groups.append({"id": f"BG{len(groups):03d}", "title": "Total", "description": "Total of all reporting groups"})
        counts.append(sum(sizes))
    measures = [
        {"title": "Age, Continuous", "paramType": "MEAN", "dispersionType": "STANDARD_DEVIATION",
         "unitOfMeasure": "years",
         "classes": [{"categories": [{"measurements": _numbers(rng, groups, "STANDARD_DEVIATION", 55)}]}]},
        {"title": "Sex: Female, Male", "paramType": "COUNT_OF_PARTICIPANTS", "unitOfMeasure": "Participants",
         "classes": [{"categories": [
             {"title": "Female", "measurements": [{"groupId": g["id"], "value": str(n // 2)}
                                                  for g, n in zip(groups, counts, strict=True)]},
             {"title": "Male", "measurements": [{"groupId": g["id"], "value": str(n - n // 2)}
                                                for g, n in zip(groups, counts, strict=True)]}]}]},
    ]
    if rng.random() < 0.45:
        races = ("American Indian or Alaska Native", "Asian", "Black or African American", "White",
                 "More than one race", "Unknown or Not Reported")
        measures.append({"title": "Race (NIH/OMB)", "paramType": "COUNT_OF_PARTICIPANTS",
                         "unitOfMeasure": "Participants", "classes": [{"categories": [
                             {"title": race, "measurements": [{"groupId": g["id"], "value": str(n // len(races))}
                                                              for g, n in zip(groups, counts, strict=True)]}
                             for race in races]}]})
    if countries and rng.random() < 0.35:
        measures.append({"title": "Region of Enrollment", "paramType": "COUNT_OF_PARTICIPANTS",
                         "unitOfMeasure": "participants", "classes": [
                             {"title": code, "categories": [{"measurements": [
                                 {"groupId": g["id"], "value": str(n // len(countries))}
                                 for g, n in zip(groups, counts, strict=True)]}]} for code in countries]})
    for _ in range(rng.choice((0, 0, 1, 2, 3))):
        measures.append({"title": rng.choice(cal.pools["baseline measures"]), "paramType": "MEAN",
                         "dispersionType": "STANDARD_DEVIATION", "unitOfMeasure": rng.choice(cal.pools["units"]),
                         "classes": [{"categories": [{"measurements": _numbers(rng, groups, "STANDARD_DEVIATION",
                                                                               rng.uniform(1, 200))}]}]})
    return {"groups": groups, "denoms": _denoms(groups, counts), "measures": measures}


_TYPES = {"primary": "PRIMARY", "secondary": "SECONDARY", "other": "OTHER_PRE_SPECIFIED"}


def _outcome_measures(rng: random.Random, cal: Calibration, arms: list[dict], sizes: list[int],
                      outcomes: dict) -> list[dict]:
    groups = _groups(rng, arms, "OG")
    out = []
    for kind, type_ in _TYPES.items():
        for outcome in outcomes.get(f"{kind}Outcomes", []):
            if len(out) >= _MAX_OUTCOME_RESULTS:
                return out
            dispersion = cal.mixes["result dispersion"].draw(rng)
            measure = {"type": type_, "title": outcome["measure"],
                       **({"description": outcome["description"]} if outcome.get("description") else {}),
                       "populationDescription": "All participants who received at least one dose.",
                       "reportingStatus": "POSTED" if rng.random() < 0.97 else "NOT_POSTED",
                       "paramType": cal.mixes["result param type"].draw(rng) or "NUMBER",
                       **({"dispersionType": dispersion} if dispersion else {}),
                       "unitOfMeasure": rng.choice(cal.pools["units"]), "timeFrame": outcome["timeFrame"],
                       "groups": groups, "denoms": _denoms(groups, sizes)}
            classes = max(1, cal.counts["result classes"].draw(rng))
            measure["classes"] = [{**({"title": f"Week {4 * (c + 1)}"} if classes > 1 else {}),
                                   "categories": [{"measurements": _numbers(rng, groups, dispersion,
                                                                            rng.uniform(1, 100))}]}
                                  for c in range(classes)]
            if len(groups) > 1 and (analyses := cal.counts["analyses"].draw(rng)):
                measure["analyses"] = [_analysis(rng, cal, groups) for _ in range(analyses)]
            out.append(measure)
    return out


def _analysis(rng: random.Random, cal: Calibration, groups: list[dict]) -> dict:
    estimate = round(rng.uniform(-20, 40), 2)
    out = {"groupIds": [g["id"] for g in groups[:2]],
           "nonInferiorityType": cal.mixes["non-inferiority"].draw(rng) or "SUPERIORITY",
           "pValue": rng.choice(("<0.001", "<0.0001", f"{rng.uniform(0.001, 0.9):.3f}")),
           "statisticalMethod": cal.mixes["analysis method"].draw(rng) or "ANCOVA"}
    if param := cal.mixes["analysis param"].draw(rng):
        out.update({"paramType": param, "paramValue": str(estimate), "ciPctValue": "95", "ciNumSides": "TWO_SIDED",
                    "ciLowerLimit": str(round(estimate - rng.uniform(1, 10), 2)),
                    "ciUpperLimit": str(round(estimate + rng.uniform(1, 10), 2))})
    return out


def _adverse_events(rng: random.Random, cal: Calibration, arms: list[dict], sizes: list[int]) -> dict:
    groups = _groups(rng, arms, "EG")
    event_groups = []
    for group, n in zip(groups, sizes, strict=False):
        serious, other = rng.randint(0, n // 4), rng.randint(0, n)
        event_groups.append({**group, "deathsNumAffected": rng.randint(0, n // 20), "deathsNumAtRisk": n,
                             "seriousNumAffected": serious, "seriousNumAtRisk": n,
                             "otherNumAffected": other, "otherNumAtRisk": n})
    vocabulary = cal.mixes["event vocabulary"].draw(rng) or "MedDRA 23.1"

    def events(kind: str) -> list[dict]:
        terms = list(dict.fromkeys(rng.choice(cal.pools["event terms"]) for _ in range(cal.counts[kind].draw(rng))))
        return [{"term": term, "organSystem": organ, "sourceVocabulary": vocabulary,
                 "assessmentType": "SYSTEMATIC_ASSESSMENT" if rng.random() < 0.7 else "NON_SYSTEMATIC_ASSESSMENT",
                 "stats": [{"groupId": g["id"], "numEvents": (a := rng.randint(0, max(1, n // 10))) + rng.randint(0, 3),
                            "numAffected": a, "numAtRisk": n} for g, n in zip(groups, sizes, strict=False)]}
                for term, organ in terms]

    out = {"frequencyThreshold": cal.mixes["frequency threshold"].draw(rng) or "5",
           "timeFrame": "From first dose through 30 days after the last dose",
           "eventGroups": event_groups}
    if serious := events("serious events"):
        out["seriousEvents"] = serious
    if other := events("other events"):
        out["otherEvents"] = other
    return out
