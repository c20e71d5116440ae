"""Entity catalogues of the synthetic corpus: sponsors, countries, facilities, conditions, interventions.

Each catalogue is unbounded and ranked. Rank r is drawn with :func:`corpus_vocab.zipf_rank`
(heavy-tailed: a few entities in very many studies, most in one or two); the first ranks are
the names the real records use, most used first, and every later rank is generated from the
rank alone (:func:`corpus_vocab.seeded`), so the same rank is always the same entity and the
number of distinct entities grows with the corpus. Generated names follow real naming
patterns: WHO INN stems by drug class, sponsor code names (``ABC-1234``), company and
hospital naming by country language, GeoNames cities weighted by population.
"""

from __future__ import annotations

import bisect
import csv
import random
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from corpus_vocab import Calibration, countries_by_population, pick_city, pseudo_word, seeded, zipf_rank

from kg_builder.enrich.places import country_code

_DATA = Path(__file__).resolve().parents[1] / "kg_builder" / "data"

# Zipf–Mandelbrot (a, q) per catalogue: q sets the top entity's share, a the tail (bench/README.md).
SPONSOR_ZIPF = (1.3, 40.0)
FACILITY_ZIPF = (1.3, 60.0)
CONDITION_ZIPF = (1.3, 15.0)
DRUG_ZIPF = (1.25, 25.0)
OTHER_INTERVENTION_ZIPF = (1.3, 8.0)
OUTCOME_ZIPF = (1.2, 30.0)


@dataclass(frozen=True, slots=True)
class Sponsor:
    name: str
    class_: str
    site_style: str | None  # industry: how its sites are named ("Research Site" …), else None


@dataclass(frozen=True, slots=True)
class Facility:
    name: str
    city: str
    state: str | None
    lat: float | None
    lon: float | None


@dataclass(frozen=True, slots=True)
class Drug:
    name: str
    class_: str  # the drug's own class (kgv:drug-class notation), "CODE" when only its description says
    phrase: str  # how a record describes it ("an antibody–drug conjugate targeting HER2")
    other_names: tuple[str, ...]


class Catalogues:
    """The ranked catalogues, built once from a :class:`Calibration`."""

    def __init__(self, cal: Calibration) -> None:
        self.cal = cal
        self.sponsor_head = [Sponsor(n, c or "OTHER", _site_style(n, c)) for n, c in cal.pools.get("sponsors", [])]
        self.countries = _countries(cal)
        self.country_codes = [c[0] for c in self.countries]
        self._country_cum = _cumulative([c[2] for c in self.countries])
        facilities: dict[str, list[Facility]] = {}
        for name, city, state, country in cal.pools.get("facilities", []):
            code = country_code(country)
            if code:
                facilities.setdefault(code, []).append(Facility(name, city, state, None, None))
        self.facility_head = facilities
        self.condition_head = list(cal.pools.get("conditions", []))
        meshes = cal.pools.get("conditionBrowseModule meshes", [])
        self.condition_mesh = {term.casefold(): (mesh_id, term, ancestors) for mesh_id, term, ancestors in meshes}
        self.mesh_bases = [m for m in meshes if len(m[1]) < 40]
        self.drug_head = _drug_head(cal)
        self.targets = _targets()
        self.intervention_mesh = {t.casefold(): (i, t, a)
                                  for i, t, a in cal.pools.get("interventionBrowseModule meshes", [])}

    # ---- sponsors
    def sponsor(self, rng: random.Random) -> Sponsor:
        rank = zipf_rank(rng, *SPONSOR_ZIPF)
        if rank <= len(self.sponsor_head):
            return self.sponsor_head[rank - 1]
        return _generated_sponsor(rank, self)

    # ---- countries and facilities
    def country(self, rng: random.Random) -> str:
        return self.country_codes[bisect.bisect_right(self._country_cum, rng.random() * self._country_cum[-1])]

    def country_spelling(self, code: str, rng: random.Random) -> str:
        spellings = self.countries[self.country_codes.index(code)][1]
        return spellings[0] if len(spellings) == 1 or rng.random() < 0.8 else rng.choice(spellings[1:])

    def facility(self, rng: random.Random, code: str) -> Facility | None:
        rank = zipf_rank(rng, *FACILITY_ZIPF)
        head = self.facility_head.get(code, ())
        if rank <= len(head):
            return head[rank - 1]
        return _generated_facility(code, rank - len(head), self.country_codes.index(code))

    # ---- conditions
    def condition(self, rng: random.Random) -> tuple[str, tuple | None]:
        """(name, MeSH (id, term, ancestors) or None)."""
        rank = zipf_rank(rng, *CONDITION_ZIPF)
        if rank <= len(self.condition_head):
            name = self.condition_head[rank - 1]
            return name, self.condition_mesh.get(name.casefold())
        return _generated_condition(rank, self)

    # ---- interventions
    def drug(self, rng: random.Random) -> Drug:
        rank = zipf_rank(rng, *DRUG_ZIPF)
        if rank <= len(self.drug_head):
            return self.drug_head[rank - 1]
        return _generated_drug(rank, self)

    def other_intervention(self, rng: random.Random, kind: str) -> str:
        head = [n for n in self.cal.pools.get(f"intervention {kind}", []) if n.casefold() != "placebo"]
        head = head or [kind.replace("_", " ").capitalize()]
        rank = zipf_rank(rng, *OTHER_INTERVENTION_ZIPF)
        if rank <= len(head):
            return head[rank - 1]
        own = seeded(40 + len(kind), rank)
        return f"{own.choice(head)} ({own.choice(_VARIANTS)} {own.randint(1, 99)})"


def _cumulative(weights: list[float]) -> list[float]:
    out, total = [], 0.0
    for weight in weights:
        total += weight
        out.append(total)
    return out


def _countries(cal: Calibration) -> list[tuple[str, list[str], float]]:
    """(ISO code, registry spellings most used first, weight): the records' site shares, then every
    other country with a small population-based weight (together ~8% of sites)."""
    seen: dict[str, Counter] = {}
    mix = cal.mixes["site country"].counts
    for spelling, n in mix.items():
        code = country_code(spelling) if spelling else None
        if code:
            seen.setdefault(code, Counter())[spelling] += n
    total_seen = sum(sum(c.values()) for c in seen.values())
    others = [(code, name, pop) for code, name, pop in countries_by_population() if code not in seen and pop > 0]
    other_total = sum(pop ** 0.5 for _c, _n, pop in others)
    out = [(code, [s for s, _n in spellings.most_common()], float(sum(spellings.values())))
           for code, spellings in sorted(seen.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))]
    out += [(code, [name], 0.08 * total_seen * pop ** 0.5 / other_total) for code, name, pop in others]
    return out


_STYLES = ("Research Site", "Local Institution", "{short} Investigational Site", "{short} Investigative Site",
           "Clinical Research Site")


def _site_style(name: str, class_: str | None) -> str | None:
    if class_ != "INDUSTRY":
        return None
    own = random.Random(name)
    if own.random() < 0.5:
        return None
    return own.choice(_STYLES).replace("{short}", name.split()[0].strip(",."))


_ACADEMIC = ("University of {city}", "{city} University Hospital", "{city} Medical University",
             "{city} Cancer Center", "{city} General Hospital", "{name} Memorial Hospital",
             "{city} Children's Hospital", "{city} Heart Institute", "{name} Research Foundation",
             "{city} Institute of Medical Sciences")
_COMPANY = ("{Name} Pharmaceuticals, Inc.", "{Name} Therapeutics", "{Name} Biotech Co., Ltd.", "{Name} Bio",
            "{Name} Pharma AG", "{Name} Biosciences", "{Name} Oncology, Inc.", "{Name} Medical Ltd.",
            "{Name} Biopharma", "{Name} Pharmaceutical Co., Ltd.")


def _generated_sponsor(rank: int, cats: Catalogues) -> Sponsor:
    rng = seeded(1, rank)
    roll = rng.random()
    if roll < 0.42:
        name = rng.choice(_COMPANY).replace("{Name}", pseudo_word(rng, 2).capitalize())
        return Sponsor(name, "INDUSTRY", _site_style(name, "INDUSTRY"))
    city = pick_city(rng, cats.country(rng))
    place = city[0] if city else pseudo_word(rng, 2).capitalize()
    name = rng.choice(_ACADEMIC).replace("{city}", place).replace("{name}", pseudo_word(rng, 2).capitalize())
    class_ = "OTHER" if roll < 0.96 else rng.choice(("OTHER_GOV", "NETWORK", "NIH", "FED"))
    return Sponsor(name, class_, None)


_LANGUAGE = {**dict.fromkeys(["ES", "MX", "AR", "CO", "CL", "PE", "VE", "EC", "GT", "UY"], "es"),
             **dict.fromkeys(["FR", "BE", "MC", "LU", "SN", "CI"], "fr"), **dict.fromkeys(["DE", "AT", "CH"], "de"),
             "IT": "it", **dict.fromkeys(["BR", "PT"], "pt"), **dict.fromkeys(["CN", "TW", "HK"], "zh"),
             "JP": "ja", "KR": "ko"}
_FACILITY = {
    "en": ("{city} General Hospital", "{city} Regional Medical Center", "University of {city} Medical Center",
           "St. {saint} Hospital", "{city} Cancer Center", "{name} Clinical Research", "{city} Memorial Hospital",
           "{city} Clinical Research Center", "{name} Medical Group", "{name} Oncology Associates",
           "{city} Children's Hospital", "{name} Research Institute"),
    "es": ("Hospital Universitario San {saint}", "Hospital General de {city}", "Clínica {name}",
           "Instituto de Investigación {name}", "Centro Médico {name}", "Hospital Santa {saint}"),
    "fr": ("Centre Hospitalier de {city}", "CHU de {city}", "Hôpital Saint-{saint}", "Institut {name}",
           "Clinique {name}", "Centre de Recherche Clinique de {city}"),
    "de": ("Universitätsklinikum {city}", "Klinikum {city}", "Studienzentrum {name}", "{name} Klinik",
           "Krankenhaus St. {saint}"),
    "it": ("Ospedale San {saint}", "Azienda Ospedaliera {city}", "Policlinico {name}", "Istituto Clinico {name}"),
    "pt": ("Hospital São {saint}", "Hospital de Clínicas de {city}", "Instituto {name}"),
    "zh": ("{city} {ordinal} People's Hospital", "{city} Cancer Hospital", "{city} Central Hospital",
           "The Affiliated Hospital of {city} Medical University", "{city} Hospital of Traditional Chinese Medicine"),
    "ja": ("{city} University Hospital", "{city} Medical Center", "{city} City Hospital", "{name} Clinic"),
    "ko": ("{city} National University Hospital", "{city} St. Mary's Hospital", "{name} Medical Center"),
}
_SAINTS = ("Mary", "Joseph", "Luke", "Vincent", "Francis", "John", "Anne", "Elizabeth", "Paul", "Peter",
           "Catherine", "Jude", "Clare", "Martin", "Andrew", "Raphael", "Michael", "Thomas", "Agnes", "Rita")
_ORDINALS = ("First", "Second", "Third", "Fourth", "Fifth", "Sixth", "Seventh", "Eighth", "Ninth", "Tenth")


def _generated_facility(code: str, rank: int, country_index: int) -> Facility | None:
    rng = seeded(100 + country_index, rank)
    city = pick_city(rng, code)
    if city is None:
        return None
    template = rng.choice(_FACILITY[_LANGUAGE.get(code, "en")])
    name = (template.replace("{city}", city[0]).replace("{saint}", rng.choice(_SAINTS))
            .replace("{name}", pseudo_word(rng, 2).capitalize()).replace("{ordinal}", rng.choice(_ORDINALS)))
    return Facility(name, city[0], city[1], city[2], city[3])


_QUALIFIERS = ("Recurrent", "Metastatic", "Advanced", "Refractory", "Relapsed", "Stage III", "Stage IV",
               "Locally Advanced", "Early-stage", "Chronic", "Acute", "Severe", "Moderate-to-severe", "Pediatric",
               "Hereditary", "Drug-resistant", "Unresectable", "HER2-positive", "Triple-negative", "Newly Diagnosed",
               "Postmenopausal", "Treatment-naive", "High-risk", "Low-grade", "Persistent")


def _generated_condition(rank: int, cats: Catalogues) -> tuple[str, tuple | None]:
    rng = seeded(2, rank)
    mesh = rng.choice(cats.mesh_bases) if cats.mesh_bases else None
    base = mesh[1] if mesh else pseudo_word(rng, 3).capitalize() + " syndrome"
    first = rng.choice(_QUALIFIERS)
    name = f"{first} {base}"
    if rank > 2000:  # deep ranks: two qualifiers, so the catalogue never runs out
        name = f"{rng.choice([q for q in _QUALIFIERS if q != first])} {name[0].lower()}{name[1:]}"
    return name, mesh


def _drug_head(cal: Calibration) -> list[Drug]:
    """Drugs the records name (most used first), then the curated lexicon's, each once."""
    seen: set[str] = set()
    out: list[Drug] = []
    for kind in ("DRUG", "BIOLOGICAL"):
        for name in cal.pools.get(f"intervention {kind}", []):
            if name.casefold() not in seen and "placebo" not in name.casefold():
                seen.add(name.casefold())
                out.append(Drug(name, "RECORD", "", ()))
    with open(_DATA / "drug_lexicon.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["name"].casefold() in seen:
                continue
            seen.add(row["name"].casefold())
            synonyms = tuple(s for s in row["synonyms"].split("|") if s)[:3]
            target = row["targets"].split("|")[0] if row["targets"] else None
            out.append(Drug(row["name"], row["class"], _phrase(row["class"], target, None), synonyms))
    return out


@lru_cache(maxsize=1)
def _targets() -> list[tuple[str, str]]:
    with open(_DATA / "targets.csv", encoding="utf-8") as handle:
        return [(row["symbol"], row["aliases"].split("|")[0] or row["symbol"]) for row in csv.DictReader(handle)]


_PHRASES = {
    "SMALL_MOLECULE": "an oral small-molecule inhibitor of {t}",
    "MONOCLONAL_ANTIBODY": "a humanized monoclonal antibody against {t}",
    "ADC": "an antibody-drug conjugate targeting {t}",
    "BISPECIFIC_ANTIBODY": "a bispecific antibody targeting {t} and {u}",
    "CHEMOTHERAPY": "a cytotoxic chemotherapy agent",
    "HORMONAL": "a hormonal therapy",
    "CELL_GENE_THERAPY": "an autologous CAR T-cell therapy directed at {t}",
    "OTHER_BIOLOGIC": "a recombinant fusion protein",
    "VACCINE": "a therapeutic vaccine",
}
# (weight, class, INN-like suffixes): the stems WHO INN assigns to each class; "CODE" is a sponsor code name.
_GENERATED = (
    (26, "SMALL_MOLECULE", ("tinib", "ciclib", "parib", "lisib", "rafenib", "metinib", "zomib", "degib", "sertib",
                            "pril", "sartan", "gliptin", "gliflozin", "prazole", "previr", "floxacin", "setron")),
    (12, "MONOCLONAL_ANTIBODY", ("tuzumab", "lizumab", "ximab", "umab", "cizumab", "limab", "tug", "bart")),
    (7, "CHEMOTHERAPY", ("taxel", "platin", "rubicin", "citabine", "poside", "trexed")),
    (6, "ADC", ("tuzumab vedotin", "tamab deruxtecan", "zumab govitecan", "tuximab mafodotin",
                "tuzumab emtansine", "zumab tesirine", "tuzumab ozogamicin", "tamab rezetecan")),
    (3, "BISPECIFIC_ANTIBODY", ("mig", "tamig")),
    (6, "HORMONAL", ("lutamide", "trozole", "relix", "estrant", "terone", "methasone")),
    (4, "CELL_GENE_THERAPY", ("leucel", "gene parvovec")),
    (4, "OTHER_BIOLOGIC", ("cept", "grastim", "poetin")),
    (4, "VACCINE", ("vaccine",)),
    (28, "CODE", ()),
)
_GENERATED_CUM = _cumulative([w for w, _c, _s in _GENERATED])


def _generated_drug(rank: int, cats: Catalogues) -> Drug:
    rng = seeded(3, rank)
    _w, class_, suffixes = _GENERATED[bisect.bisect_right(_GENERATED_CUM, rng.random() * _GENERATED_CUM[-1])]
    target, other = rng.sample(cats.targets, 2)
    if class_ == "CODE":
        letters = "".join(rng.choice("ABCDEFGHIJKLMNPQRSTUVWXYZ") for _ in range(rng.randint(2, 4)))
        name = f"{letters}-{rng.randint(100, 99999)}" if rng.random() < 0.7 else f"{letters}{rng.randint(10, 999)}"
        hidden = rng.choice([c for c in _PHRASES if c != "VACCINE"])
        return Drug(name, "CODE", _phrase(hidden, target[1], other[1]), ())
    suffix = rng.choice(suffixes)
    stem = pseudo_word(rng, 2)
    if class_ == "VACCINE":
        name = f"{stem.capitalize()} {rng.choice(('influenza', 'RSV', 'HPV', 'pneumococcal', 'peptide'))} vaccine"
    elif " " in suffix and class_ == "CELL_GENE_THERAPY":
        name = f"{stem}gene {pseudo_word(rng, 1)}parvovec"
    else:
        name = stem + suffix
    name = name[0].upper() + name[1:]  # as most records write a drug's name
    code = "".join(rng.choice("ABCDEFGHJKLMNPRSTVXYZ") for _ in range(rng.randint(2, 3))) + f"-{rng.randint(10, 9999)}"
    return Drug(name, class_, _phrase(class_, target[1], other[1]), (code,) if rng.random() < 0.5 else ())


def _phrase(class_: str, target: str | None, other: str | None) -> str:
    phrase = _PHRASES.get(class_, "an investigational agent")
    return phrase.replace("{t}", target or "its target").replace("{u}", other or "CD3")


_VARIANTS = ("protocol", "version", "regimen", "schedule", "cohort", "level")
