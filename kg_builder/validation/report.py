"""What a validation run found: per-study results, the whole report, and its readable forms.

``kg-builder validate`` prints :meth:`ValidationReport.to_text` (or ``to_json`` / ``to_turtle``);
library users read the fields or call :meth:`ValidationReport.raise_for_violations`.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import RdfFormat, serialize

from kg_builder.errors import ValidationError
from kg_builder.validation.terms import SEVERITIES, SH, ValidationResult, report_quads

# Study graph → the file it was built from, so examples can say which record they mean.
SOURCES_QUERY = """
SELECT ?g ?file WHERE { GRAPH ?g {
    ?study <http://www.w3.org/ns/prov#wasDerivedFrom> ?record .
    ?record <https://w3id.org/kg-builder/ontology#sourceFile> ?file } }"""


@dataclass
class StudyValidation:
    """The results for one study graph."""

    graph: str
    results: list[ValidationResult] = field(default_factory=list)

    @property
    def violations(self) -> list[ValidationResult]:
        return [r for r in self.results if r.severity == "Violation"]

    @property
    def conforms(self) -> bool:
        return not self.violations


@dataclass
class ValidationReport:
    """What a validation run found, with the counts a summary needs."""

    results: list[ValidationResult]
    studies: int
    engine: str
    seconds: float = 0.0
    shape_names: dict[str, str] = field(default_factory=dict)  # shape IRI → sh:name
    note: str | None = None  # e.g. why the requested engine was not used
    sources: dict[str, str] = field(default_factory=dict)  # study graph IRI → the file it was built from

    @property
    def conforms(self) -> bool:
        return not any(r.severity == "Violation" for r in self.results)

    def counts(self) -> dict[str, int]:
        found = Counter(r.severity for r in self.results)
        return {s: found.get(s, 0) for s in SEVERITIES}

    def by_study(self) -> dict[str, StudyValidation]:
        studies: dict[str, StudyValidation] = {}
        for result in self.results:
            studies.setdefault(result.graph or "", StudyValidation(result.graph or "")).results.append(result)
        return studies

    def raise_for_violations(self) -> None:
        """ValidationError when a study violates the shapes (warnings and infos pass)."""
        if not self.conforms:
            raise ValidationError(f"{self.counts()['Violation']} SHACL violation(s)",
                                  hint="kg-builder validate --store DIR lists them")

    def groups(self, examples: int = 3) -> list[dict]:
        """Results grouped by severity and shape, most severe and most frequent first."""
        by_rule: dict[tuple[str, str], list[ValidationResult]] = defaultdict(list)
        for result in self.results:
            by_rule[(result.severity, result.shape)].append(result)
        ordered = sorted(by_rule.items(), key=lambda kv: (SEVERITIES.index(kv[0][0]), -len(kv[1]), kv[0][1]))
        return [{
            "severity": severity, "shape": shape, "name": self.shape_names.get(shape, shape),
            "message": results[0].message if len({r.message for r in results}) == 1 else None,
            "results": len(results), "studies": len({r.graph for r in results}),
            "examples": [
                {"focus": r.focus, "value": r.value, "path": r.path, "message": r.message,
                 "graph": r.graph, "source": self.sources.get(r.graph or "")}
                for r in results[:examples]
            ],
        } for (severity, shape), results in ordered]

    def to_text(self, examples: int = 3) -> str:
        """The summary people read: counts, then each failing rule with a few examples."""
        counts = self.counts()
        lines = [f"validated {self.studies} studies ({self.engine}, {self.seconds:.1f} s): "
                 f"{counts['Violation']} violations, {counts['Warning']} warnings, {counts['Info']} infos"]
        if self.note:
            lines.append(f"note: {self.note}")
        for group in self.groups(examples):
            studies = group["studies"]
            lines += ["", f"{group['severity'].upper():9} {group['name']}  [{_short('<' + group['shape'] + '>')}]  "
                          f"{group['results']} in {studies} stud{'y' if studies == 1 else 'ies'}"]
            if group["message"]:
                lines.append(f"          {group['message']}")
            for ex in group["examples"]:
                where = f" ({ex['source']})" if ex["source"] else ""
                value = f"  value {_short(ex['value'])}" if ex["value"] and ex["value"] != ex["focus"] else ""
                lines.append(f"          - {_short(ex['focus'])}{where}{value}")
                if not group["message"]:
                    lines.append(f"            {ex['message']}")
            hidden = group["results"] - len(group["examples"])
            if hidden > 0:
                lines.append(f"          … and {hidden} more")
        lines += ["", "conforms: no violations" if self.conforms else "does not conform: see the violations above"]
        return "\n".join(lines) + "\n"

    def to_json(self, examples: int = 3) -> str:
        """The summary and every result, as JSON."""
        payload = {"conforms": self.conforms, "studies": self.studies, "engine": self.engine,
                   "seconds": round(self.seconds, 3), "counts": self.counts(), "note": self.note,
                   "groups": self.groups(examples),
                   "results": [{name: getattr(r, name) for name in r.__slots__} for r in self.results]}
        return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"

    def to_turtle(self) -> str:
        """The W3C SHACL validation report, in Turtle."""
        quads = report_quads(self.results, self.conforms)
        prefixes = {"sh": SH, "kgsh": "https://w3id.org/kg-builder/shapes#",
                    "kg": "https://w3id.org/kg-builder/ontology#"}
        return serialize([q.triple for q in quads], format=RdfFormat.TURTLE, prefixes=prefixes).decode()


def study_sources(store) -> dict[str, str]:
    """Study graph → the name of the file it was built from."""
    return {row["g"].value: Path(row["file"].value).name for row in store.query(SOURCES_QUERY)}


def _short(key: str | None) -> str:
    if key is None:
        return ""
    key = key.replace("<https://w3id.org/kg-builder/shapes#", "<kgsh:")
    for base in ("https://w3id.org/kg-builder/id/", "https://w3id.org/kg-builder/vocab/",
                 "https://w3id.org/kg-builder/ontology#"):
        key = key.replace(base, "")
    return key if len(key) <= 90 else key[:87] + "…"
