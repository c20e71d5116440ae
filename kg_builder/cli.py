"""The ``kg-builder`` command: a thin client of :class:`kg_builder.graph.KnowledgeGraph`.

Each command parses its arguments, opens a ``KnowledgeGraph``, calls one method and prints
the report it returns. Our errors become a one-line message with a hint and an exit code,
never a traceback. Only the chosen command's options are built, so ``kg-builder --help``
imports none of the RDF, SHACL or web libraries.

Exit codes: 0 success; 1 failure (nothing built, violations, store error, push mismatches);
2 usage error (bad arguments, unreadable input, bad query); 3 build partly done (some
records rejected, the rest built).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from kg_builder.errors import InputError, KgBuilderError, QueryError, StoreError, UsageError, ValidationError

if TYPE_CHECKING:
    from kg_builder.graph import KnowledgeGraph

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_PARTIAL = 0, 1, 2, 3


def _graph(args: argparse.Namespace, **settings: object) -> KnowledgeGraph:
    """The command's graph, with the environment's settings and the command line's on top."""
    from kg_builder.graph import KnowledgeGraph
    from kg_builder.settings import Settings

    return KnowledgeGraph(args.store or ".", settings=Settings.from_env(**settings))


def _built(graph: KnowledgeGraph, args: argparse.Namespace) -> KnowledgeGraph:
    """``graph`` when its store was built; a usage error (a wrong --store) otherwise."""
    if graph.generation is None:
        raise UsageError(f"no graph store at {args.store}",
                         hint="build one first: kg-builder build INPUT... --store DIR")
    return graph


def _output(path: str | None, example: str) -> None:
    """Refuse an output file that cannot be written before the work that fills it."""
    from kg_builder.graph import writable_file

    if path and path != "-":
        writable_file(path, example=example)


def _write_warnings(warnings: list[tuple[str, str]], path: str) -> None:
    """Every warning of the build as TSV (study, warning): a study's own are also in its graph
    (kg:parseWarning); a duplicate record's are only here."""
    with open(path, "w", encoding="utf-8") as out:
        out.write("study\twarning\n")
        out.writelines(f"{study}\t{' '.join(message.split())}\n" for study, message in warnings)


def _progress_printer() -> Callable | None:
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


# --- commands ---------------------------------------------------------------------------------------
def cmd_build(args: argparse.Namespace) -> int:
    from kg_builder.build import write_rejects

    if Path(args.store).exists() and not Path(args.store).is_dir():
        raise UsageError(f"--store {args.store} is a file", hint="give a directory (new or built by kg-builder)")
    _output(args.rejects, "--rejects rejects.tsv")
    _output(args.warnings, "--warnings warnings.tsv")
    progress = None if args.quiet else _progress_printer()
    report = _graph(args, base=args.base).build(
        args.inputs, format=args.format, include_contacts=args.include_contacts, fresh=args.fresh,
        validate=not args.no_validate, strict=args.strict, stdin=sys.stdin.buffer, progress=progress)
    if progress:
        sys.stderr.write("\n")
    if args.rejects:
        write_rejects(report.rejects, args.rejects)
    warnings = [(study, message) for study, messages in report.warnings.items() for message in messages]
    if args.warnings:
        _write_warnings(warnings, args.warnings)
    warned = len(warnings)
    print(f"studies read: {report.read}, built: {report.built}, rejected: {report.rejected}, "
          f"triples: {report.triples}, warnings: {warned} ({report.seconds:.1f} s)")
    if report.duplicates:
        print(f"{report.duplicates} records repeat a study already read: duplicate, kept the first "
              "(see the warnings)")
    for study, message in warnings[:10]:
        print(f"  warning {study}: {message}", file=sys.stderr)
    if warned > 10:
        print(f"  … and {warned - 10} more" + ("" if args.warnings else " (see --warnings FILE)"), file=sys.stderr)
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


def cmd_validate(args: argparse.Namespace) -> int:
    if args.examples < 0:
        raise UsageError("--examples must be at least 0")
    _output(args.report, "--report report.ttl")
    try:
        report = _graph(args, shapes_dir=Path(args.shapes) if args.shapes else None).validate(
            engine=args.engine, workers=args.workers)
    except (StoreError, ValidationError) as exc:  # a wrong --store or --shapes is a usage error here
        raise UsageError(exc.message, hint=exc.hint) from exc
    if args.report:
        Path(args.report).write_text(report.to_turtle(), encoding="utf-8")
    rendered = {"turtle": report.to_turtle, "json": lambda: report.to_json(args.examples),
                "text": lambda: report.to_text(args.examples)}[args.format]()
    sys.stdout.write(rendered)
    return EXIT_OK if report.conforms else EXIT_FAILED


def cmd_export(args: argparse.Namespace) -> int:
    output = sys.stdout.buffer if args.output in (None, "-") else args.output
    _built(_graph(args), args).export(output, format=args.format, graph=args.graph)
    if output is sys.stdout.buffer:
        sys.stdout.buffer.flush()
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
    given = [flag for flag, value in (("QUERY", args.query), ("-f", args.file), ("--name", args.name)) if value]
    if len(given) > 1:
        raise UsageError(f"give one query, not {' and '.join(given)}", hint="pass QUERY, -f FILE or --name NAME")
    text = args.query
    if args.file:
        try:
            text = Path(args.file).read_text(encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot read query file {args.file}: {exc.strerror}",
                             hint="give a file of SPARQL text, e.g. -f query.rq") from exc
    answer = _built(_graph(args), args).query(text, name=args.name, params=_parse_params(args.param))
    answer.write(sys.stdout.buffer, args.format)
    sys.stdout.buffer.flush()
    return EXIT_OK


def cmd_queries(args: argparse.Namespace) -> int:
    for query in _graph(args).named_queries().values():
        params = " ".join(f"--param {p.name}=…" for p in query.params)
        print(f"{query.name}: {query.title}{'  ' + params if params else ''}")
        if query.description:
            print(f"    {query.description}")
    return EXIT_OK


def cmd_stats(args: argparse.Namespace) -> int:
    import json

    result = _built(_graph(args), args).stats()
    sys.stdout.write(json.dumps(result.as_dict(), indent=2) + "\n" if args.json else result.to_text())
    return EXIT_OK


def cmd_prune(args: argparse.Namespace) -> int:
    removed = _graph(args).prune()
    print(f"removed {removed} shared facts that no study supports any more")
    return EXIT_OK


def cmd_link(args: argparse.Namespace) -> int:
    report = _built(_graph(args, base=args.base), args).link(args.others, out=args.out, sssom=args.sssom,
                                              min_confidence=args.min_confidence, store=not args.no_store)
    print(report.summary())
    return EXIT_OK


def cmd_push(args: argparse.Namespace) -> int:
    from kg_builder.remote.push import parse_auth

    report = _built(_graph(args), args).push(args.to, auth=parse_auth(args.auth), changed_only=args.changed_only,
                               state=args.state, batch_size=args.batch_size, verify=not args.no_verify,
                               query_url=args.query_url, retries=args.retries)
    print(f"pushed {len(report.pushed)} graphs, skipped {report.skipped} unchanged, "
          f"deleted {len(report.deleted)}, retries {report.retries}; verified {report.verified}")
    for graph, local, remote in report.mismatches[:10]:
        print(f"  mismatch {graph}: {local} triples here, {remote} on the server", file=sys.stderr)
    if report.failed:
        print(f"{len(report.failed)} graphs failed after {args.retries} retries each:", file=sys.stderr)
        for graph, error in sorted(report.failed.items()):
            print(f"  failed {graph}: {error}", file=sys.stderr)
        state = f" --state {args.state}" if args.state else ""
        print(f"hint: run the same push again{state}: it sends only the failed graphs", file=sys.stderr)
    return EXIT_OK if report.ok else EXIT_FAILED


def cmd_serve(args: argparse.Namespace) -> int:
    from kg_builder.settings import ServerSettings

    if not args.backend and not args.store:
        raise UsageError("nothing to serve", hint="pass --store DIR, or --backend URL for an external store")
    cors = None if args.cors is None else tuple(o for o in args.cors if o and o.lower() != "none")
    server = ServerSettings.from_env(
        timeout=args.timeout, max_rows=args.max_rows, workers=args.workers, threads=args.threads,
        max_body=args.max_body, allow_update=args.allow_update or None, token=args.token,
        allow_service=tuple(args.allow_service) if args.allow_service is not None else None, cors_origins=cors)
    graph = _graph(args, base=args.base)
    if not args.backend:  # fail now rather than on the first request
        _built(graph, args)
    _can_listen(args.host, args.port)
    print(f"serving {args.backend or args.store} on http://{args.host}:{args.port}/  (Ctrl-C to stop)",
          file=sys.stderr)
    graph.serve(server, host=args.host, port=args.port, backend=args.backend)
    return EXIT_OK


def _can_listen(host: str, port: int) -> None:
    """Refuse a port out of range or already taken now, as a usage error, rather than let the
    web server log it and exit after starting the query workers."""
    import socket

    if not 0 < port < 65536:
        raise UsageError(f"--port {port} is not a TCP port", hint="give a port from 1 to 65535, e.g. --port 8000")
    try:
        family, kind, proto, _name, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as exc:
        raise UsageError(f"cannot listen on {host}: {exc.strerror}",
                         hint="give an address, e.g. --host 127.0.0.1") from exc
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the web server binds
        try:
            probe.bind(address)
        except OSError as exc:
            raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror}",
                             hint="choose another --port, or stop what is using it") from exc


# --- arguments --------------------------------------------------------------------------------------
def _store(p: argparse.ArgumentParser, required: bool = True) -> None:
    p.add_argument("--store", required=required, metavar="DIR", help="graph store directory")


def _add_build(p: argparse.ArgumentParser) -> None:
    from kg_builder.settings import setting
    from kg_builder.sources.detect import FORMATS

    p.add_argument("inputs", nargs="+", metavar="INPUT",
                   help="files, directories, .zip/.gz archives, or - for standard input")
    _store(p)
    p.add_argument("--base", metavar="IRI", help=setting("base").cli_help())
    p.add_argument("--rejects", metavar="FILE", help="write rejected records (file, position, reason) as TSV")
    p.add_argument("--warnings", metavar="FILE", help="write every warning (study, warning) as TSV")
    p.add_argument("--format", choices=FORMATS, help="force the input layout instead of detecting it")
    p.add_argument("--include-contacts", action="store_true",
                   help="also map contact names, phones and e-mails (personal data; off by default)")
    p.add_argument("--fresh", action="store_true", help="start from an empty store instead of updating it")
    p.add_argument("--strict", action="store_true", help="reject studies whose graph violates the SHACL shapes")
    p.add_argument("--no-validate", action="store_true",
                   help="skip the per-study SHACL check during the build (faster; run kg-builder validate later)")
    p.add_argument("--quiet", action="store_true", help="no progress display")


def _add_validate(p: argparse.ArgumentParser) -> None:
    from kg_builder.settings import setting
    from kg_builder.validation.engines import ENGINES

    p.description = ("Validate every study graph against the SHACL shapes. Exit 0 when there is no "
                     "violation (warnings allowed), 1 when there are violations, 2 for a usage error.")
    _store(p)
    p.add_argument("--shapes", metavar="DIR", help=setting("shapes_dir").cli_help())
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


def _add_export(p: argparse.ArgumentParser) -> None:
    from kg_builder.store.export import EXPORT_FORMATS

    _store(p)
    p.add_argument("--format", required=True, choices=list(EXPORT_FORMATS))
    p.add_argument("-o", "--output", metavar="FILE", help="output file (default: standard output)")
    p.add_argument("--graph", metavar="IRI", help="export only this named graph")


def _add_query(p: argparse.ArgumentParser) -> None:
    from kg_builder.store.query_results import RESULT_FORMATS

    _store(p)
    p.add_argument("query", nargs="?", metavar="QUERY", help="SPARQL query text")
    p.add_argument("-f", "--file", metavar="FILE", help="read the query from FILE")
    p.add_argument("--name", metavar="NAME", help="run the named query queries/NAME.rq")
    p.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                   help="a query parameter, bound as an RDF term (repeatable)")
    p.add_argument("--format", default="table", choices=RESULT_FORMATS,
                   help="for SELECT and ASK answers (a CONSTRUCT or DESCRIBE graph prints as Turtle)")


def _add_queries(p: argparse.ArgumentParser) -> None:
    p.set_defaults(store=None)


def _add_stats(p: argparse.ArgumentParser) -> None:
    _store(p)
    p.add_argument("--json", action="store_true", help="print JSON")


def _confidence(text: str) -> float:
    try:
        value = float(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from exc
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return value


def _add_link(p: argparse.ArgumentParser) -> None:
    _store(p)
    p.add_argument("others", nargs="+", metavar="OTHER", help="RDF file (any syntax) or SPARQL endpoint URL")
    p.add_argument("--out", metavar="FILE", help="also write the alignment graph (syntax from the extension)")
    p.add_argument("--sssom", metavar="FILE.tsv", help="also write the links as an SSSOM TSV")
    p.add_argument("--min-confidence", type=_confidence, default=0.0, metavar="X",
                   help="keep only links with confidence ≥ X (0–1)")
    p.add_argument("--base", metavar="IRI", help="base IRI the store was built with")
    p.add_argument("--no-store", action="store_true",
                   help="do not replace the links graph in the store (then --out or --sssom is needed)")


def _add_push(p: argparse.ArgumentParser) -> None:
    _store(p)
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


def _add_serve(p: argparse.ArgumentParser) -> None:
    from kg_builder.settings import setting

    _store(p, required=False)
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


# name → (one-line help, what adds its arguments, what runs it)
COMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]]] = {
    "build": ("parse records and build (or update) the graph store", _add_build, cmd_build),
    "validate": ("check the graph against the SHACL shapes", _add_validate, cmd_validate),
    "export": ("write the graph in an RDF syntax", _add_export, cmd_export),
    "query": ("run a SPARQL query or a named query", _add_query, cmd_query),
    "queries": ("list the named queries and their parameters", _add_queries, cmd_queries),
    "serve": ("serve the graph: SPARQL endpoint, linked-data pages, query page", _add_serve, cmd_serve),
    "stats": ("studies, triples and counts per main class", _add_stats, cmd_stats),
    "prune": ("remove shared facts (the entity graph's) that no study supports any more", _store, cmd_prune),
    "link": ("align the graph with other trial graphs (RDF files or SPARQL endpoints)", _add_link, cmd_link),
    "push": ("publish the graph to a SPARQL 1.1 Graph Store Protocol endpoint", _add_push, cmd_push),
}


def build_parser(only: str | None = "") -> argparse.ArgumentParser:
    """The command line; ``only`` names the one command whose options are built ("" all, None none)."""
    from kg_builder._version import __version__

    parser = argparse.ArgumentParser(prog="kg-builder",
                                     description="Clinical-trial registry records to a validated RDF knowledge graph.")
    parser.add_argument("--version", action="version", version=f"kg-builder {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (help_text, add_arguments, run) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text)
        if only == "" or only == name:
            add_arguments(p)
        p.set_defaults(func=run)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    command = next((a for a in argv if not a.startswith("-")), None)
    args = build_parser(command if command in COMMANDS else None).parse_args(argv)
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
