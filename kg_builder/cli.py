"""The ``kg-builder`` command: one thin sub-command per library verb.

Each command opens what it needs, calls one library function, and turns our
errors into a one-line message and an exit code (no traceback for user mistakes).

Exit codes: 0 success; 1 failure (nothing built, violations, store error);
2 usage error (bad arguments, unreadable input, bad query); 3 build partly done
(some records rejected, the rest built).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from kg_builder import __version__
from kg_builder.errors import InputError, KgBuilderError, QueryError, UsageError
from kg_builder.linking.cli import add_link_parsers
from kg_builder.store.export import EXPORT_FORMATS
from kg_builder.store.query_results import RESULT_FORMATS
from kg_builder.validation.cli import add_validate_parser

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_PARTIAL = 0, 1, 2, 3


def _progress_printer():
    """A one-line progress display on a terminal; silent when stderr is not a TTY."""
    if not sys.stderr.isatty():
        return None
    last = [0.0]

    def show(report) -> None:
        now = time.monotonic()
        if now - last[0] < 0.2:
            return
        last[0] = now
        sys.stderr.write(f"\rread {report.read}  built {report.built}  rejected {report.rejected}  "
                         f"triples {report.triples}")
        sys.stderr.flush()

    return show


def cmd_build(args: argparse.Namespace) -> int:
    from kg_builder.build import build, write_rejects
    from kg_builder.settings import Settings

    progress = None if args.quiet else _progress_printer()
    report = build(
        args.inputs, args.store, settings=Settings.from_env(base=args.base), format=args.format,
        include_contacts=args.include_contacts, fresh=args.fresh, validate=not args.no_validate,
        strict=args.strict, stdin=sys.stdin.buffer, progress=progress,
    )
    if progress:
        sys.stderr.write("\n")
    if args.rejects:
        write_rejects(report.rejects, args.rejects)
    warned = sum(len(w) for w in report.warnings.values())
    print(f"studies read: {report.read}, built: {report.built}, rejected: {report.rejected}, "
          f"triples: {report.triples}, warnings: {warned} ({report.seconds:.1f} s)")
    if report.duplicates:
        print(f"{report.duplicates} records repeat a study already read: duplicate, kept the first "
              "(see the warnings)")
    if report.violations:
        print(f"{len(report.violations)} studies violate the shapes"
              + (" and were rejected (--strict)" if args.strict else " (stored; see kg-builder validate)"),
              file=sys.stderr)
        for graph, messages in list(report.violations.items())[:5]:
            print(f"  {graph}: {messages[0]}", file=sys.stderr)
    elif report.validated:
        print("validated: no study violates the shapes")
    for reject in report.rejects[:10]:
        print(f"  rejected {reject.source_file} [{reject.position}]: {reject.reason}", file=sys.stderr)
    if report.rejected > 10:
        print(f"  … and {report.rejected - 10} more" + ("" if args.rejects else " (see --rejects FILE)"),
              file=sys.stderr)
    if report.outcome == "none":
        print("error: nothing could be built; the store is unchanged", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_PARTIAL if report.outcome == "partial" else EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from kg_builder.store.export import export

    if args.output in (None, "-"):
        export(args.store, sys.stdout.buffer, args.format, graph=args.graph)
        sys.stdout.buffer.flush()
    else:
        with open(args.output, "wb") as out:
            export(args.store, out, args.format, graph=args.graph)
    return EXIT_OK


def _parse_params(pairs: list[str]) -> dict[str, str]:
    params = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"--param {pair!r} is not KEY=VALUE", hint="e.g. --param nct=NCT07003074")
        params[key.strip()] = value
    return params


def cmd_query(args: argparse.Namespace) -> int:
    from kg_builder.settings import Settings
    from kg_builder.store.generations import open_read_only
    from kg_builder.store.named_queries import execute_named, named_query, parse_named_query
    from kg_builder.store.query_results import query_store, write_results

    params = _parse_params(args.param)
    if args.name:
        query = named_query(Settings.from_env().queries_dir, args.name)
    elif args.file:
        try:
            text = Path(args.file).read_text(encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot read query file {args.file}: {exc.strerror}") from exc
    elif args.query:
        text = args.query
    else:
        raise UsageError("no query given", hint="pass QUERY, -f FILE or --name NAME")
    if not args.name:
        # an ad-hoc query takes parameters the same way, declared in its own header
        query = parse_named_query("query", text)
        if not params:
            write_results(query_store(args.store, text), sys.stdout.buffer, args.format)
            sys.stdout.buffer.flush()
            return EXIT_OK
    result = execute_named(open_read_only(args.store), query, params)
    write_results(result, sys.stdout.buffer, args.format)
    sys.stdout.buffer.flush()
    return EXIT_OK


def cmd_queries(args: argparse.Namespace) -> int:
    from kg_builder.settings import Settings
    from kg_builder.store.named_queries import load_named_queries

    for query in load_named_queries(Settings.from_env().queries_dir).values():
        params = " ".join(f"--param {p.name}=…" for p in query.params)
        print(f"{query.name}: {query.title}{'  ' + params if params else ''}")
        if query.description:
            print(f"    {query.description}")
    return EXIT_OK


def cmd_stats(args: argparse.Namespace) -> int:
    from kg_builder.store.stats import stats

    result = stats(args.store)
    if args.json:
        print(json.dumps(result, indent=2))
        return EXIT_OK
    print(f"studies: {result['studies']}")
    print(f"named graphs: {result['graphs']}")
    print(f"triples (quads): {result['triples']}")
    for name, count in result["classes"].items():
        print(f"  {name}: {count}")
    return EXIT_OK


def cmd_prune(args: argparse.Namespace) -> int:
    """Orphans a build did not make (graphs removed by SPARQL Update, say): a build prunes its own."""
    from kg_builder.store.generations import open_read_only, writing

    open_read_only(args.store)  # a clear error when there is no store
    with writing(args.store) as writer:
        writer.prune()
    print(f"removed {writer.orphans_removed} shared facts that no study supports any more")
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    from kg_builder.server import serve
    from kg_builder.settings import ServerSettings, Settings
    from kg_builder.store.generations import open_read_only

    if not args.backend and not args.store:
        raise UsageError("nothing to serve", hint="pass --store DIR, or --backend URL for an external store")
    cors = None if args.cors is None else tuple(o for o in args.cors if o and o.lower() != "none")
    server = ServerSettings.from_env(
        timeout=args.timeout, max_rows=args.max_rows, workers=args.workers, threads=args.threads,
        max_body=args.max_body, allow_update=args.allow_update or None, token=args.token,
        allow_service=tuple(args.allow_service) if args.allow_service is not None else None, cors_origins=cors,
    )
    settings = Settings.from_env(base=args.base, server=server)
    if not args.backend:
        open_read_only(args.store)  # fail now, with a clear message, rather than on the first request
    source = args.backend or args.store
    print(f"serving {source} on http://{args.host}:{args.port}/  (Ctrl-C to stop)", file=sys.stderr)
    serve(args.store or ".", settings, host=args.host, port=args.port, backend=args.backend)
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    from kg_builder.settings import setting
    from kg_builder.sources.detect import FORMATS

    parser = argparse.ArgumentParser(
        prog="kg-builder",
        description="Clinical-trial registry records to a validated RDF knowledge graph.",
    )
    parser.add_argument("--version", action="version", version=f"kg-builder {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("build", help="parse records and build (or update) the graph store")
    p.add_argument("inputs", nargs="+", metavar="INPUT",
                   help="files, directories, .zip/.gz archives, or - for standard input")
    p.add_argument("--store", required=True, metavar="DIR", help="graph store directory")
    p.add_argument("--base", metavar="IRI", help=setting("base").cli_help())
    p.add_argument("--rejects", metavar="FILE", help="write rejected records (file, position, reason) as TSV")
    p.add_argument("--format", choices=FORMATS, help="force the input layout instead of detecting it")
    p.add_argument("--include-contacts", action="store_true",
                   help="also map contact names, phones and e-mails (personal data; off by default)")
    p.add_argument("--fresh", action="store_true", help="start from an empty store instead of updating it")
    p.add_argument("--strict", action="store_true", help="reject studies whose graph violates the SHACL shapes")
    p.add_argument("--no-validate", action="store_true",
                   help="skip the per-study SHACL check during the build (faster; run kg-builder validate later)")
    p.add_argument("--quiet", action="store_true", help="no progress display")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("export", help="write the graph in an RDF syntax")
    p.add_argument("--store", required=True, metavar="DIR")
    p.add_argument("--format", required=True, choices=list(EXPORT_FORMATS))
    p.add_argument("-o", "--output", metavar="FILE", help="output file (default: standard output)")
    p.add_argument("--graph", metavar="IRI", help="export only this named graph")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("query", help="run a SPARQL query or a named query")
    p.add_argument("--store", required=True, metavar="DIR")
    p.add_argument("query", nargs="?", metavar="QUERY", help="SPARQL query text")
    p.add_argument("-f", "--file", metavar="FILE", help="read the query from FILE")
    p.add_argument("--name", metavar="NAME", help="run the named query queries/NAME.rq")
    p.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                   help="a query parameter, bound as an RDF term (repeatable)")
    p.add_argument("--format", default="table", choices=RESULT_FORMATS)
    p.set_defaults(func=cmd_query)

    p = sub.add_parser("queries", help="list the named queries and their parameters")
    p.set_defaults(func=cmd_queries)

    p = sub.add_parser("serve", help="serve the graph: SPARQL endpoint, linked-data pages, query page")
    p.add_argument("--store", metavar="DIR", help="graph store directory (or --backend)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument("--timeout", type=float, metavar="SECONDS", help=setting("timeout").cli_help())
    p.add_argument("--max-rows", type=int, metavar="N", help=setting("max_rows").cli_help())
    p.add_argument("--workers", type=int, metavar="N", help=setting("workers").cli_help())
    p.add_argument("--threads", type=int, metavar="N", help=setting("threads").cli_help())
    p.add_argument("--max-body", type=int, metavar="BYTES", help=setting("max_body").cli_help())
    p.add_argument("--allow-update", action="store_true", help=setting("allow_update").cli_help())
    p.add_argument("--token", metavar="T", help=setting("token").cli_help())
    p.add_argument("--allow-service", nargs="+", metavar="URL", help=setting("allow_service").cli_help())
    p.add_argument("--cors", nargs="*", metavar="ORIGIN",
                   help=setting("cors_origins").cli_help() + "; --cors none disables it")
    p.add_argument("--base", metavar="IRI", help="base IRI the graph was built with (for linked-data paths)")
    p.add_argument("--backend", metavar="URL",
                   help="serve an external store's SPARQL query endpoint instead of --store (read-only)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("prune", help="remove shared facts (entity graph) that no study supports any more")
    p.add_argument("--store", required=True, metavar="DIR")
    p.set_defaults(func=cmd_prune)

    p = sub.add_parser("stats", help="studies, triples and counts per main class")
    p.add_argument("--store", required=True, metavar="DIR")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_stats)
    add_link_parsers(sub)
    add_validate_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (UsageError, InputError, QueryError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KgBuilderError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("interrupted; the store is unchanged", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
