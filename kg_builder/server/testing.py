"""Helpers for exercising the endpoint: a small graph shaped like the mapper's, and a live server.

Used by the server tests and ``bench/endpoint.py``. The graph is written with
:func:`kg_builder.store.generations.writing`, so it has the real layout (one named graph per
study, the vocabulary graph) without depending on the parsers.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
from pyoxigraph import Literal, NamedNode, Quad

from kg_builder.store.generations import writing
from kg_builder.store.vocabulary import VOCABULARY_GRAPH
from kg_builder.vocab import DEFAULT_BASE, KG, MESH, RDF_TYPE, RDFS, SCHEMA, SKOS, XSD, concept

PHASES = ("EARLY_PHASE1", "PHASE1", "PHASE2", "PHASE3", "PHASE4", "NA")
STATUSES = ("RECRUITING", "COMPLETED", "TERMINATED", "ACTIVE_NOT_RECRUITING")
SPONSORS = tuple(f"Sponsor {i}" for i in range(40))
CONDITIONS = tuple(f"Condition {i}" for i in range(120))
COUNTRIES = (("FR", "France"), ("US", "United States"), ("CN", "China"), ("DE", "Germany"), ("JP", "Japan"))


def nct(index: int) -> str:
    return f"NCT{10_000_000 + index:08d}"


def vocabulary_quads() -> Iterator[Quad]:
    g = VOCABULARY_GRAPH
    for scheme, codes in (("phase", PHASES), ("status", STATUSES)):
        for code in codes:
            node = concept(scheme, code)
            yield Quad(node, RDF_TYPE, SKOS.Concept, g)
            yield Quad(node, SKOS.notation, Literal(code), g)
            yield Quad(node, SKOS.prefLabel, Literal(code.replace("_", " ").title(), language="en"), g)
    for code, name in COUNTRIES:
        node = NamedNode(f"{DEFAULT_BASE}country/{code}")
        yield Quad(node, RDF_TYPE, KG.Country, g)
        yield Quad(node, RDFS.label, Literal(name), g)


def study_quads(index: int, base: str = DEFAULT_BASE) -> list[Quad]:
    """One synthetic study in its own named graph; the same index always gives the same quads."""
    rng = random.Random(index)
    key = nct(index)
    g, trial = NamedNode(f"{base}graph/{key}"), NamedNode(f"{base}trial/{key}")
    title = f"Study {index} of drug {rng.randint(1, 500)}"
    out = [
        Quad(trial, RDF_TYPE, KG.ClinicalTrial, g),
        Quad(trial, RDF_TYPE, SCHEMA.MedicalTrial, g),
        Quad(trial, KG.registryId, Literal(key), g),
        Quad(trial, SCHEMA.identifier, Literal(key), g),
        Quad(trial, RDFS.label, Literal(title), g),
        Quad(trial, SCHEMA.name, Literal(title), g),
        Quad(trial, KG.phase, concept("phase", rng.choice(PHASES)), g),
        Quad(trial, KG.overallStatus, concept("status", rng.choice(STATUSES)), g),
        Quad(trial, KG.enrollment, Literal(str(rng.randint(10, 3000)), datatype=XSD.integer), g),
        Quad(trial, KG.startDate, Literal(f"20{rng.randint(10, 25)}-0{rng.randint(1, 9)}-15",
                                          datatype=XSD.date), g),
    ]
    sponsor_name = SPONSORS[int(rng.paretovariate(1.2)) % len(SPONSORS)]
    sponsor = NamedNode(f"{base}org/{sponsor_name.lower().replace(' ', '-')}")
    out += [Quad(trial, KG.leadSponsor, sponsor, g), Quad(sponsor, RDF_TYPE, KG.Organization, g),
            Quad(sponsor, RDFS.label, Literal(sponsor_name), g)]
    for name in rng.sample(CONDITIONS, rng.randint(1, 3)):
        condition = NamedNode(f"{base}condition/{name.lower().replace(' ', '-')}")
        out += [Quad(trial, KG.condition, condition, g), Quad(condition, RDF_TYPE, KG.Condition, g),
                Quad(condition, RDFS.label, Literal(name), g), Quad(trial, KG.conditionName, Literal(name), g)]
    mesh = MESH[f"D{rng.randint(1, 60):06d}"]
    out += [Quad(trial, KG.conditionMesh, mesh, g), Quad(mesh, RDFS.label, Literal(f"MeSH term {mesh.value[-3:]}"), g)]
    for number in range(1, rng.choice((1, 2, 4, 8)) + 1):
        site = NamedNode(f"{trial.value}/site/{number}")
        code, _ = rng.choice(COUNTRIES)
        out += [Quad(trial, KG.site, site, g), Quad(site, RDF_TYPE, KG.Site, g),
                Quad(site, KG.country, NamedNode(f"{base}country/{code}"), g),
                Quad(site, KG.cityName, Literal(f"City {rng.randint(1, 200)}"), g)]
    return out


def write_store(path: str | Path, count: int, *, start: int = 0, fresh: bool = True,
                base: str = DEFAULT_BASE) -> None:
    """Build a store of ``count`` synthetic studies (plus the vocabulary graph) at ``path``."""
    with writing(path, fresh=fresh) as writer:
        writer.replace_graphs([VOCABULARY_GRAPH], list(vocabulary_quads()))
        # the studies go straight into the database, once the queued vocabulary is in; the writer counts the
        # statistics of a generation that started empty in full at close, so they are counted too
        writer.wait_idle()
        batch: list[Quad] = []
        for index in range(start, start + count):
            batch.extend(study_quads(index, base))
            if len(batch) > 50_000:
                writer.store.bulk_extend(batch)
                batch = []
        writer.store.bulk_extend(batch)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """``serve(...)`` in a subprocess on 127.0.0.1 and a random free port, as the CLI runs it.

    ``options`` are :class:`~kg_builder.settings.ServerSettings` fields, or ``backend``,
    ``log_level`` and ``access_log`` (:func:`~kg_builder.server.serve`'s own). ``source``: a
    directory holding another checkout's ``kg_builder`` package, served instead of this one (a
    benchmark's baseline in the same run)."""

    def __init__(self, store_path: str | Path, *, source: str | Path | None = None, **options: object) -> None:
        self.store_path = str(store_path)
        self.source = source
        self.options = options
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self, wait: float = 30.0) -> LiveServer:
        code = (
            "import sys, json; from kg_builder.server import serve; "
            "from kg_builder.settings import ServerSettings, Settings; "
            "o = json.loads(sys.argv[3]); "
            "run = {k: o.pop(k) for k in ('backend', 'log_level', 'access_log') if k in o}; "
            "serve(sys.argv[1], Settings(server=ServerSettings(**o)), host='127.0.0.1', port=int(sys.argv[2]), **run)"
        )
        import json

        options = {"log_level": "warning", **self.options}
        self.process = subprocess.Popen(
            [sys.executable, "-c", code, self.store_path, str(self.port), json.dumps(options)],
            env=self._environment(), start_new_session=True,
        )
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with {self.process.returncode}")
            try:
                if httpx.get(self.url + "/health", timeout=1).status_code in (200, 503):
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the server did not answer within {wait} s")

    def _environment(self) -> dict[str, str]:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        if self.source is not None:
            env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(self.source), env.get("PYTHONPATH"))))
        return env

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # its own session: the workers go too
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
