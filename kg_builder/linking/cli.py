"""CLI glue for ``kg-builder link`` and ``kg-builder push``: arguments in, one library call, a summary out."""

from __future__ import annotations

import argparse
import sys


def cmd_link(args: argparse.Namespace) -> int:
    from kg_builder.linking.align import link

    links = link(args.store, args.others, out=args.out, sssom=args.sssom, min_confidence=args.min_confidence,
                 base=args.base, save=not args.no_store)
    counts: dict[str, int] = {}
    for item in links:
        name = item.predicate.value.rsplit("#", 1)[-1]
        counts[name] = counts.get(name, 0) + 1
    summary = ", ".join(f"{n} {name}" for name, n in sorted(counts.items())) or "no links"
    where = "" if args.no_store else " (stored in the store's links graph)"
    print(f"{len(links)} links: {summary}{where}")
    return 0


def cmd_push(args: argparse.Namespace) -> int:
    from kg_builder.remote.push import parse_auth, push

    report = push(args.store, args.to, auth=parse_auth(args.auth), changed_only=args.changed_only,
                  state_path=args.state, batch_size=args.batch_size, verify=not args.no_verify,
                  query_url=args.query_url, retries=args.retries)
    print(f"pushed {len(report.pushed)} graphs, skipped {report.skipped} unchanged, "
          f"deleted {len(report.deleted)}, retries {report.retries}; verified {report.verified}")
    for graph, local, remote in report.mismatches[:10]:
        print(f"  mismatch {graph}: {local} triples here, {remote} on the server", file=sys.stderr)
    return 0 if report.ok else 1


def _confidence(text: str) -> float:
    try:
        value = float(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from exc
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return value


def add_link_parsers(sub: argparse._SubParsersAction) -> None:
    """Register ``link`` and ``push`` on the ``kg-builder`` sub-command parser."""
    p = sub.add_parser("link", help="align the graph with other trial graphs (RDF files or SPARQL endpoints)")
    p.add_argument("--store", required=True, metavar="DIR")
    p.add_argument("others", nargs="+", metavar="OTHER", help="RDF file (any syntax) or SPARQL endpoint URL")
    p.add_argument("--out", metavar="FILE", help="also write the alignment graph (syntax from the extension)")
    p.add_argument("--sssom", metavar="FILE.tsv", help="also write the links as an SSSOM TSV")
    p.add_argument("--min-confidence", type=_confidence, default=0.0, metavar="X",
                   help="keep only links with confidence ≥ X (0–1)")
    p.add_argument("--base", metavar="IRI", help="base IRI the store was built with")
    p.add_argument("--no-store", action="store_true", help="do not replace the links graph in the store")
    p.set_defaults(func=cmd_link)

    p = sub.add_parser("push", help="publish the graph to a SPARQL 1.1 Graph Store Protocol endpoint")
    p.add_argument("--store", required=True, metavar="DIR")
    p.add_argument("--to", required=True, metavar="URL",
                   help="Graph Store URL, e.g. http://host:7878/store (Oxigraph), http://host:3030/ds/data (Fuseki)")
    p.add_argument("--auth", metavar="USER:PASSWORD|bearer:TOKEN", help="HTTP credentials")
    p.add_argument("--changed-only", action="store_true",
                   help="push only graphs changed since the last push; delete graphs gone from the store")
    p.add_argument("--state", metavar="FILE", help="push state file (default: in the store directory)")
    p.add_argument("--batch-size", type=int, default=50, metavar="N", help="graphs per batch (default 50)")
    p.add_argument("--retries", type=int, default=5, metavar="N", help="retries on transient errors (default 5)")
    p.add_argument("--query-url", metavar="URL", help="SPARQL query URL used to verify counts (default: guessed)")
    p.add_argument("--no-verify", action="store_true", help="skip the per-graph triple-count check")
    p.set_defaults(func=cmd_push)
