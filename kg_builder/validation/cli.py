"""``kg-builder validate``: the shapes against a store, as a summary people can read.

Wired into the CLI by one line in :mod:`kg_builder.cli`: ``add_validate_parser(sub)``.
Exit codes: 0 no violation (warnings and infos allowed), 1 violations, 2 usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

from kg_builder.errors import StoreError, UsageError, ValidationError
from kg_builder.validation.engines import ENGINES, ValidationReport, validate
from kg_builder.validation.terms import SEVERITIES, ValidationResult

EXIT_OK, EXIT_VIOLATIONS, EXIT_USAGE = 0, 1, 2
_SOURCES_QUERY = """
SELECT ?g ?file WHERE { GRAPH ?g {
    ?study <http://www.w3.org/ns/prov#wasDerivedFrom> ?record .
    ?record <https://w3id.org/kg-builder/ontology#sourceFile> ?file } }"""


def add_validate_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "validate", help="check the graph against the SHACL shapes",
        description="Validate every study graph against the SHACL shapes. Exit 0 when there is no "
                    "violation (warnings allowed), 1 when there are violations, 2 for a usage error.")
    p.add_argument("--store", required=True, metavar="DIR", help="graph store directory")
    p.add_argument("--shapes", metavar="DIR", help="shapes directory (default: KG_BUILDER_SHAPES or ./shapes)")
    p.add_argument("--report", metavar="FILE.ttl", help="also write the full W3C validation report (Turtle)")
    p.add_argument("--format", default="text", choices=("text", "json", "turtle"),
                   help="standard output: a summary (text), the summary and all results (json), "
                        "or the W3C report (turtle)")
    p.add_argument("--engine", default="sparql", choices=ENGINES,
                   help="sparql: shapes compiled to SPARQL (fast); native: the same constraints checked "
                        "in Python over batches of studies; pyshacl: per study; "
                        "pyshacl-store: whole store at once")
    p.add_argument("--workers", type=int, default=1, metavar="N", help="processes for the pyshacl engine")
    p.add_argument("--examples", type=int, default=3, metavar="N", help="example focus nodes per rule")
    p.set_defaults(func=cmd_validate)
    return p


def _sources(store_dir: str) -> dict[str, str]:
    """Study graph → the file it was built from, so examples can say which record they mean."""
    from kg_builder.store.generations import open_read_only

    return {row["g"].value: Path(row["file"].value).name for row in open_read_only(store_dir).query(_SOURCES_QUERY)}


def groups(report: ValidationReport, examples: int, sources: dict[str, str]) -> list[dict]:
    """Results grouped by severity and shape, most severe and most frequent first."""
    by_rule: dict[tuple[str, str], list[ValidationResult]] = defaultdict(list)
    for result in report.results:
        by_rule[(result.severity, result.shape)].append(result)
    ordered = sorted(by_rule.items(), key=lambda kv: (SEVERITIES.index(kv[0][0]), -len(kv[1]), kv[0][1]))
    out = []
    for (severity, shape), results in ordered:
        out.append({
            "severity": severity, "shape": shape, "name": report.shape_names.get(shape, shape),
            "message": results[0].message if len({r.message for r in results}) == 1 else None,
            "results": len(results), "studies": len({r.graph for r in results}),
            "examples": [
                {"focus": r.focus, "value": r.value, "path": r.path, "message": r.message,
                 "graph": r.graph, "source": sources.get(r.graph or "")}
                for r in results[:examples]
            ],
        })
    return out


def _short(key: str | None) -> str:
    if key is None:
        return ""
    key = key.replace("<https://w3id.org/kg-builder/shapes#", "<kgsh:")
    for base in ("https://w3id.org/kg-builder/id/", "https://w3id.org/kg-builder/vocab/",
                 "https://w3id.org/kg-builder/ontology#"):
        key = key.replace(base, "")
    return key if len(key) <= 90 else key[:87] + "…"


def render_text(report: ValidationReport, summary: list[dict]) -> str:
    counts = report.counts()
    lines = [f"validated {report.studies} studies ({report.engine}, {report.seconds:.1f} s): "
             f"{counts['Violation']} violations, {counts['Warning']} warnings, {counts['Info']} infos"]
    if report.note:
        lines.append(f"note: {report.note}")
    for group in summary:
        lines.append("")
        lines.append(f"{group['severity'].upper():9} {group['name']}  [{_short('<' + group['shape'] + '>')}]  "
                     f"{group['results']} in {group['studies']} stud{'y' if group['studies'] == 1 else 'ies'}")
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
    lines.append("")
    lines.append("conforms: no violations" if report.conforms else "does not conform: see the violations above")
    return "\n".join(lines) + "\n"


def cmd_validate(args: argparse.Namespace) -> int:
    if args.workers < 1 or args.examples < 0:
        raise UsageError("--workers must be at least 1 and --examples at least 0")
    try:
        report = validate(args.store, args.shapes, engine=args.engine, workers=args.workers)
    except (StoreError, ValidationError) as exc:  # a wrong --store or --shapes is a usage error here
        raise UsageError(str(exc)) from exc
    if args.report:
        Path(args.report).write_text(report.to_turtle(), encoding="utf-8")
    if args.format == "turtle":
        sys.stdout.write(report.to_turtle())
    else:
        summary = groups(report, args.examples, _sources(args.store))
        if args.format == "json":
            payload = {"conforms": report.conforms, "studies": report.studies, "engine": report.engine,
                       "seconds": round(report.seconds, 3), "counts": report.counts(), "note": report.note,
                       "groups": summary, "results": [_as_dict(r) for r in report.results]}
            json.dump(payload, sys.stdout, indent=2, ensure_ascii=False)
            sys.stdout.write("\n")
        else:
            sys.stdout.write(render_text(report, summary))
    return EXIT_OK if report.conforms else EXIT_VIOLATIONS


def _as_dict(result: ValidationResult) -> dict:
    return {name: getattr(result, name) for name in result.__slots__}


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry (``python -m kg_builder.validation.cli``) until the CLI carries the command."""
    parser = argparse.ArgumentParser(prog="kg-builder")
    add_validate_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
