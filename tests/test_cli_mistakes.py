"""Every user mistake named in issue 15 exits 2 with one line that says what is wrong and what to do.

Before: tracebacks (``build --base foo``, a base without a trailing slash, ``export --graph
"not an iri"``, ``export -o DIR``) or options silently ignored (``serve --base foo``, QUERY
given with ``--name``, ``--format csv`` on a CONSTRUCT, ``export --graph`` of an unknown graph,
``link --no-store`` with nowhere to put the links).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers_store import EXAMPLES

from kg_builder.cli import EXIT_USAGE, main

OTHER = Path(__file__).resolve().parent / "data" / "link" / "other-trials.ttl"
RECORD = str(EXAMPLES / "ctgov-json" / "NCT04129320.json")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("mistakes") / "store"
    assert main(["build", RECORD, "--store", str(path), "--quiet", "--no-validate"]) == 0
    return path


CASES = {
    "build --base foo": (["build", RECORD, "--store", "{tmp}/s", "--base", "foo"], "base IRI"),
    "build base without a trailing slash": (
        ["build", RECORD, "--store", "{tmp}/s", "--base", "https://example.org/id"], "end with '/' or '#'"),
    "link base without a trailing slash": (
        ["link", "--store", "{store}", str(OTHER), "--base", "https://example.org/id"], "end with '/' or '#'"),
    "export --graph not an IRI": (["export", "--store", "{store}", "--format", "nquads", "--graph", "not an iri"],
                                  "is not an IRI"),
    "export -o a directory": (["export", "--store", "{store}", "--format", "turtle", "-o", "{tmp}"],
                              "is a directory"),
    "serve --base foo": (["serve", "--store", "{store}", "--base", "foo"], "base IRI"),
    "QUERY and --name": (["query", "--store", "{store}", "ASK {}", "--name", "sponsors"], "give one query"),
    "--format csv on a CONSTRUCT": (["query", "--store", "{store}", "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1",
                                     "--format", "csv"], "returns a graph"),
    "export --graph of an unknown graph": (
        ["export", "--store", "{store}", "--format", "nquads", "--graph", "https://example.org/no-such-graph"],
        "no graph <https://example.org/no-such-graph>"),
    "link --no-store with nowhere to write": (["link", "--store", "{store}", str(OTHER), "--no-store"],
                                              "go nowhere"),
    # a store that was never built is a wrong --store, for every command that reads one
    "query a store never built": (["query", "--store", "{tmp}/none", "ASK {}"], "no graph store at"),
    "stats of a store never built": (["stats", "--store", "{tmp}/none"], "no graph store at"),
    "export a store never built": (["export", "--store", "{tmp}/none", "--format", "nquads"], "no graph store at"),
    "link a store never built": (["link", "--store", "{tmp}/none", str(OTHER)], "no graph store at"),
    "push a store never built": (["push", "--store", "{tmp}/none", "--to", "http://127.0.0.1:9/store"],
                                 "no graph store at"),
    "build into a file": (["build", RECORD, "--store", RECORD], "is a file"),
    # an output file that cannot be written is refused before the work that fills it
    "build --rejects into a missing folder": (
        ["build", RECORD, "--store", "{tmp}/s", "--rejects", "{tmp}/no/rejects.tsv"], "no folder"),
    "build --rejects a directory": (["build", RECORD, "--store", "{tmp}/s", "--rejects", "{tmp}"], "is a directory"),
    "validate --report into a missing folder": (
        ["validate", "--store", "{store}", "--report", "{tmp}/no/report.ttl"], "no folder"),
    "link --out a directory": (["link", "--store", "{store}", str(OTHER), "--out", "{tmp}"], "is a directory"),
    "link --sssom into a missing folder": (
        ["link", "--store", "{store}", str(OTHER), "--sssom", "{tmp}/no/links.tsv"], "no folder"),
    "query -f a directory": (["query", "--store", "{store}", "-f", "{tmp}"], "cannot read query file"),
    "link to a file that is not RDF": (["link", "--store", "{store}", str(Path(__file__)), "--no-store", "--out",
                                        "{tmp}/l.ttl"], "cannot read as RDF"),
    "link to a JSON file without triples": (["link", "--store", "{store}", RECORD, "--no-store", "--out",
                                             "{tmp}/l.ttl"], "no RDF triples"),
    "serve on a port out of range": (["serve", "--store", "{store}", "--port", "99999"], "not a TCP port"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_mistake_exits_2_with_one_line_and_a_hint(case: str, store: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture) -> None:
    argv, message = CASES[case]
    argv = [a.replace("{tmp}", str(tmp_path)).replace("{store}", str(store)) for a in argv]
    code = main(argv)
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert code == EXIT_USAGE, (case, err)
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], err
    assert "(hint: " in lines[0] and "Traceback" not in err
    assert out == ""
    assert not (tmp_path / "s").exists()  # nothing was built before the mistake was found


def test_the_refused_options_still_work_when_used_right(store: Path, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture) -> None:
    graph = "https://w3id.org/kg-builder/id/graph/NCT04129320"
    assert main(["export", "--store", str(store), "--format", "nquads", "--graph", graph]) == 0
    assert graph in capsys.readouterr().out
    assert main(["query", "--store", str(store), "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1"]) == 0
    assert main(["link", "--store", str(store), str(OTHER), "--no-store", "--sssom", str(tmp_path / "l.tsv")]) == 0
    assert "\n#curie_map:\n" in (tmp_path / "l.tsv").read_text(encoding="utf-8")  # an SSSOM header


def test_serving_on_a_port_in_use_is_a_mistake(store: Path, capsys: pytest.CaptureFixture) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code = main(["serve", "--store", str(store), "--port", str(port)])
    err = capsys.readouterr().err
    assert code == EXIT_USAGE and err.startswith("error: cannot listen on 127.0.0.1:") and "--port" in err
    assert len(err.strip().splitlines()) == 1
