"""The calibration of the synthetic corpus, side by side with the real records it is drawn from.

    python bench/calibrate.py [--studies 5000] [--records DIR]
    python bench/calibrate.py --studies 50000 --growth   # distinct entities as the corpus grows

Measures the real API v2 records and the first N synthetic studies the same way
(:func:`corpus_vocab._measure`) and prints, per figure, the mean, median and 90th
percentile of each, then the main mixes and the share of studies with results.
The table in ``bench/README.md`` is this script's output.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from corpus_vocab import DEFAULT_RECORDS, Calibration, _measure  # noqa: E402
from synthetic import iter_synthetic  # noqa: E402

_COUNTS = ("sites", "countries", "arms", "interventions", "primary outcomes", "secondary outcomes", "other outcomes",
           "conditions", "keywords", "collaborators", "inclusion criteria", "exclusion criteria", "references",
           "drop reasons", "serious events", "other events", "analyses")
_LENGTHS = ("briefTitle", "officialTitle", "briefSummary", "detailedDescription", "arm description",
            "intervention description", "outcome description")
_MIXES = ("study type", "phases", "status", "sponsor class", "intervention type", "arm type")


def growth(count: int, step: int) -> None:
    """Distinct sponsors, facilities, cities, conditions and intervention names as the corpus grows."""
    kinds = {k: {} for k in ("sponsors", "facilities", "cities", "countries", "conditions", "interventions")}
    started = time.perf_counter()
    print(f"{'studies':>8} " + " ".join(f"{k:>13}" for k in kinds) + "  top sponsor share  facilities in ≤2")
    for index, study in enumerate(iter_synthetic(count), 1):
        p = study["protocolSection"]
        kinds["sponsors"][p["sponsorCollaboratorsModule"]["leadSponsor"]["name"]] = \
            kinds["sponsors"].get(p["sponsorCollaboratorsModule"]["leadSponsor"]["name"], 0) + 1
        for site in p["contactsLocationsModule"].get("locations", []):
            for kind, key in (("facilities", (site.get("facility", "").casefold(), site["city"].casefold())),
                              ("cities", (site["city"].casefold(), site["country"])), ("countries", site["country"])):
                kinds[kind][key] = kinds[kind].get(key, 0) + 1
        for name in p["conditionsModule"]["conditions"]:
            kinds["conditions"][name.casefold()] = 1
        for item in p["armsInterventionsModule"].get("interventions", []):
            kinds["interventions"][item["name"].casefold()] = 1
        if index % step == 0 or index == count:
            top = max(kinds["sponsors"].values()) / index
            few = sum(1 for n in kinds["facilities"].values() if n <= 2) / max(1, len(kinds["facilities"]))
            print(f"{index:8d} " + " ".join(f"{len(v):13d}" for v in kinds.values()) + f"  {top:17.3f}  {few:.2f}")
    print(f"generated in {time.perf_counter() - started:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--studies", type=int, default=5000)
    parser.add_argument("--records", default=str(DEFAULT_RECORDS))
    parser.add_argument("--growth", action="store_true",
                        help="instead: distinct sponsors, facilities, cities, conditions, interventions as it grows")
    args = parser.parse_args()
    if args.growth:
        growth(args.studies, max(1, args.studies // 10))
        return
    real = Calibration.from_records(Path(args.records))
    synthetic = _measure(list(iter_synthetic(args.studies, records=args.records)))
    print(f"real: {real.records} API v2 records in {args.records}; synthetic: {args.studies} studies\n")
    print(f"{'per study (or per item)':28} {'real mean':>9} {'med':>6} {'p90':>6} {'max':>6}   "
          f"{'synth mean':>10} {'med':>6} {'p90':>6} {'max':>6}")
    for table in ("counts", "lengths"):
        for name in _COUNTS if table == "counts" else _LENGTHS:
            r, s = getattr(real, table)[name], getattr(synthetic, table)[name]
            print(f"{name + (' (chars)' if table == 'lengths' else ''):28} {r.mean:9.1f} {r.quantile(.5):6.0f} "
                  f"{r.quantile(.9):6.0f} {r.values[-1]:6.0f}   {s.mean:10.1f} {s.quantile(.5):6.0f} "
                  f"{s.quantile(.9):6.0f} {s.values[-1]:6.0f}")
    print(f"\n{'share of studies with results':28} {real.results_share:9.3f}   {synthetic.results_share:10.3f}")
    for name in _MIXES:
        print(f"\n{name}:")
        r, s = real.mixes[name].counts, synthetic.mixes[name].counts
        rt, st = sum(r.values()), sum(s.values())
        for value, n in r.most_common(8):
            print(f"  {value!s:30} real {n / rt:6.1%}   synthetic {s.get(value, 0) / st:6.1%}")


if __name__ == "__main__":
    main()
