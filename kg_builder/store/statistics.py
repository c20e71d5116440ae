"""Statistics the build maintains: counters behind the named queries a plain join cannot answer at scale.

A named query that counts trials over the whole store (``sponsors``, ``drugs``, ``sites-by-country`` …)
reads every study's facts each time it runs: its cost grows with the store, past a second at 50,000
studies. The counts are sums over studies, each study counted in its own graph, so the build keeps them:

* each statistic is a query over study graphs (:data:`STATISTICS`) that gives, for a set of graphs, the
  number of trials (and of sites) per key, a key being a few RDF terms (a drug class, a sponsor's name …;
  for ``condition-names`` and ``drug-names``, a lower-cased name and a spelling of it that some trial uses:
  a case-insensitive lookup reads the spellings there and finds them in the index);
* when a batch of study graphs is loaded, their counts are added; before a study graph is dropped (a
  rebuild, a removal), its counts are subtracted (:class:`Statistics`, called by the store writer). The
  work follows the graphs that changed, never the size of the store;
* at close the changed counters are written to the statistics graph (:data:`STATISTICS_GRAPH`), one node
  per statistic and key: ``kgs:statistic`` its name, ``kgs:key1``… its key, ``kgs:trials`` (``kgs:sites``)
  its counts. A counter that falls to zero is removed.

The graph carries the version of these definitions (``kgs:version``). A store whose statistics are missing
or of another version (built before, or changed by a SPARQL Update or a Graph Store write, which cannot say
what they changed) gets them counted in full once, at the close of its next write: a migration, whose cost
is that of the direct queries once. The direct query each counter stands for is kept next to the named query
(``queries/direct/NAME.rq``), and tests check that both give the same answer after builds, rebuilds,
removals, rejections and prunes.

The statistics graph is derived data: it is part of the store (its quads are counted by ``stats``, VoID
and the build like any other, and exported with it), and rebuilt from the studies whenever in doubt.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from pyoxigraph import Literal, NamedNode, Quad, Store

from kg_builder.store.vocabulary import VOCABULARY_GRAPH
from kg_builder.vocab import ENTITY_GRAPH, XSD

STATISTICS_GRAPH = NamedNode("https://w3id.org/kg-builder/graph/statistics")
KGS = "https://w3id.org/kg-builder/statistics#"
VERSION = 3  # raise when a statistic's definition changes: stores of another version are counted afresh

_STATISTIC = NamedNode(KGS + "statistic")
_TRIALS = NamedNode(KGS + "trials")
_SITES = NamedNode(KGS + "sites")
_VERSION = NamedNode(KGS + "version")
_NOTATION = NamedNode("http://www.w3.org/2004/02/skos/core#notation")
_KEYS = tuple(NamedNode(f"{KGS}key{i}") for i in range(1, 4))
_SHARED = {VOCABULARY_GRAPH, ENTITY_GRAPH, STATISTICS_GRAPH}
_BATCH = 2000  # graphs per VALUES clause

_PREFIXES = """PREFIX kg: <https://w3id.org/kg-builder/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""

Counts = dict[tuple, list[int]]  # key → [trials, sites]


@dataclass(frozen=True, slots=True)
class Statistic:
    """``query`` selects, from the study graphs ``?g`` (VALUES inserted at ``#GRAPHS``), rows that
    ``count`` turns into counts per key; each pattern of a study's own facts sits inside ``GRAPH ?g``,
    so that the engine reads only those graphs."""

    name: str
    query: str
    count: Callable[[Iterable, list[str], Store], Counts]


def _grouped(rows: Iterable, names: list[str], store: Store) -> Counts:
    """Rows already grouped by the query: its key terms, and ``?trials`` (and ``?sites``)."""
    keys = [n for n in names if n not in ("trials", "sites")]
    out: Counts = {}
    for row in rows:
        sites = int(row["sites"].value) if "sites" in names else 0
        out[tuple(row[n] for n in keys)] = [int(row["trials"].value), sites]
    return out


def _phases(rows: Iterable, names: list[str], store: Store) -> Counts:
    """(phases joined by "|" in code order, status) per trial, as trials-by-phase-and-status groups them."""
    phases: dict = defaultdict(set)
    statuses: dict = defaultdict(set)
    notations: dict[NamedNode, set[str]] = {}  # a few codes, named by every trial
    for trial, phase, status in rows:
        phases[trial]  # every trial, with a phase or not
        if phase is not None:
            phases[trial] |= notations.get(phase) or notations.setdefault(phase, _notations(store, phase))
        if status is not None:
            statuses[trial] |= notations.get(status) or notations.setdefault(status, _notations(store, status))
    out: Counts = defaultdict(lambda: [0, 0])
    for trial, codes in phases.items():
        phase = "|".join(sorted(codes)) or "(none)"
        for status in statuses[trial] or {"(none)"}:
            out[(Literal(phase), Literal(status))][0] += 1
    return out


def _notations(store: Store, concept: NamedNode) -> set[str]:
    return {q.object.value for q in store.quads_for_pattern(concept, _NOTATION, None, None)}


# The ADC mentions of a study graph with each one's target label (the drug's own or the mention's; "(target not
# stated)" without either): the body of both adc-target statistics, which differ only in what they group by.
_ADC_TARGET_MENTIONS = """  #GRAPHS
  GRAPH ?g {
    ?trial kg:intervention/kg:drugMention ?mention .
    ?mention kg:drugClass <https://w3id.org/kg-builder/vocab/drug-class/ADC> ; kg:mentionOf ?d .
  }
  LATERAL { OPTIONAL {
    { ?d kg:target ?t . ?t rdfs:label ?label } UNION { ?mention kg:target ?t . ?t rdfs:label ?label } } }
  BIND (COALESCE(?label, "(target not stated)") AS ?target)
"""

STATISTICS: tuple[Statistic, ...] = (
    Statistic("trials-by-drug-class", """SELECT ?c (COUNT(DISTINCT ?trial) AS ?trials) WHERE {
  #GRAPHS
  GRAPH ?g { ?trial kg:intervention ?i . ?i kg:drugClass ?c }
} GROUP BY ?c""", _grouped),
    Statistic("drug-classes-by-start-year", """SELECT ?year ?c (COUNT(DISTINCT ?trial) AS ?trials) WHERE {
  #GRAPHS
  GRAPH ?g { ?trial kg:startDate ?start ; kg:intervention ?i . ?i kg:drugClass ?c }
  BIND (YEAR(?start) AS ?year)
} GROUP BY ?year ?c""", _grouped),
    # the codes are looked up after: an OPTIONAL pattern for them would match every notation of a trial without one.
    # LATERAL: the graph's patterns are evaluated per graph given; the join of the graphs (VALUES) with the
    # OPTIONALs was planned as a hash join that read every trial of the store in each batch: CPU per batch of 100
    # studies 90 ms on a 5,000-study store, 1,090 ms on 50,000 (7 and 19 ms with LATERAL), the same counts
    Statistic("trials-by-phase-and-status", """SELECT ?trial ?p ?s WHERE {
  #GRAPHS
  LATERAL { GRAPH ?g {
    ?trial a kg:ClinicalTrial OPTIONAL { ?trial kg:phase ?p } OPTIONAL { ?trial kg:overallStatus ?s } } }
}""", _phases),
    Statistic("sponsors", """SELECT ?sponsor (COUNT(DISTINCT ?trial) AS ?trials) WHERE {
  #GRAPHS
  GRAPH ?g { ?trial kg:leadSponsor ?org }
  ?org rdfs:label ?sponsor .
} GROUP BY ?sponsor""", _grouped),
    Statistic("sponsor-classes", """SELECT ?sponsor ?code (COUNT(DISTINCT ?trial) AS ?trials) WHERE {
  #GRAPHS
  GRAPH ?g { ?trial kg:leadSponsor ?org ; kg:sponsorMention ?m . ?m kg:mentionOf ?org ; kg:organizationClass ?oc }
  ?org rdfs:label ?sponsor .
  ?oc skos:notation ?code .
} GROUP BY ?sponsor ?code""", _grouped),
    Statistic("sites-by-country", """SELECT ?c (COUNT(DISTINCT ?site) AS ?sites) (COUNT(DISTINCT ?trial) AS ?trials)
WHERE {
  #GRAPHS
  GRAPH ?g { ?trial kg:site ?site . ?site kg:country ?c }
} GROUP BY ?c""", _grouped),
    Statistic("drugs", """SELECT ?d (COUNT(DISTINCT ?trial) AS ?trials) WHERE {
  #GRAPHS
  GRAPH ?g { ?trial kg:intervention ?i . ?i kg:drugMention ?m . ?m kg:mentionOf ?d }
} GROUP BY ?d""", _grouped),
    # what the mentions of a drug say it is, and which targets they name: counted per mention (a study's own
    # node), so that the drugs query knows which of them some record still says
    Statistic("drug-mention-classes", """SELECT ?d ?said (COUNT(DISTINCT ?m) AS ?trials) WHERE {
  #GRAPHS
  GRAPH ?g { ?m kg:mentionOf ?d ; kg:drugClass ?said }
  FILTER (?said != <https://w3id.org/kg-builder/vocab/drug-class/UNKNOWN>)
} GROUP BY ?d ?said""", _grouped),
    Statistic("drug-mention-targets", """SELECT ?d ?t (COUNT(DISTINCT ?m) AS ?trials) WHERE {
  #GRAPHS
  GRAPH ?g { ?m kg:mentionOf ?d ; kg:target ?t }
} GROUP BY ?d ?t""", _grouped),
    # the spellings a case-insensitive lookup may match, by their lower-cased form (LCASE, as the queries fold
    # the name asked for): trials-for-condition and adverse-events-of-drug read the exact spellings here and then
    # find them in the index, where folding every name of the store in the query reads them all
    Statistic("condition-names", """SELECT ?folded ?name (COUNT(DISTINCT ?trial) AS ?trials) WHERE {
  #GRAPHS
  { GRAPH ?g { ?trial kg:conditionName ?name } }
  UNION { GRAPH ?g { ?trial kg:condition ?c } ?c rdfs:label ?name }
  UNION { GRAPH ?g { ?trial kg:condition ?c } ?c kg:baseCondition ?b . ?b rdfs:label ?name }
  UNION { GRAPH ?g { ?trial kg:conditionMesh ?m } ?m rdfs:label ?name }
  BIND (LCASE(STR(?name)) AS ?folded)
} GROUP BY ?folded ?name""", _grouped),
    # adc-trials-by-target: the trials testing an ADC (classed by the mention, the trial's own evidence) per target
    # label (the drug's own target or the mention's; "(target not stated)" without either), and per target label
    # and drug, whose keys are counted for the drugs per target. A trial is in one study graph: its distinct
    # count per graph adds up to the store's. The targets are looked up per mention found (LATERAL), where an
    # OPTIONAL of a UNION would be evaluated on its own, reading every target of the store.
    Statistic("adc-targets", "SELECT ?target (COUNT(DISTINCT ?trial) AS ?trials) WHERE {\n" + _ADC_TARGET_MENTIONS
              + "} GROUP BY ?target", _grouped),
    Statistic("adc-target-drugs", "SELECT ?target ?d (COUNT(DISTINCT ?trial) AS ?trials) WHERE {\n"
              + _ADC_TARGET_MENTIONS + "} GROUP BY ?target ?d", _grouped),
    Statistic("drug-names", """SELECT ?folded ?name (COUNT(DISTINCT ?g) AS ?trials) WHERE {  # a study per graph
  #GRAPHS
  GRAPH ?g { ?arm kg:armDrug ?d }
  ?d rdfs:label ?name .
  BIND (LCASE(STR(?name)) AS ?folded)
} GROUP BY ?folded ?name""", _grouped),
)


def _run(store: Store, statistic: Statistic, graphs: list[NamedNode] | None) -> Counts:
    """The counts of ``statistic`` over ``graphs`` (None: every graph)."""
    if graphs is None:
        chunks: list[list[NamedNode] | None] = [None]
    else:
        chunks = [graphs[i:i + _BATCH] for i in range(0, len(graphs), _BATCH)]
    total: Counts = defaultdict(lambda: [0, 0])
    for chunk in chunks:
        # the graphs as terms pyoxigraph serialises (its str() is the N-Triples form), not pasted text
        values = "" if chunk is None else "VALUES ?g { " + " ".join(str(g) for g in chunk) + " }"
        result = store.query(_PREFIXES + statistic.query.replace("#GRAPHS", values), use_default_graph_as_union=True)
        for key, (trials, sites) in statistic.count(result, [v.value for v in result.variables], store).items():
            total[key][0] += trials
            total[key][1] += sites
    return total


def _node(name: str, key: tuple) -> NamedNode:
    digest = hashlib.sha1("\n".join([name, *map(str, key)]).encode("utf-8")).hexdigest()[:20]
    return NamedNode(f"{STATISTICS_GRAPH.value}/{name}/{digest}")


def _integer(value: int) -> Literal:
    return Literal(str(value), datatype=XSD.integer)


def _read(store: Store, node: NamedNode) -> list[int]:
    counts = [0, 0]
    for index, predicate in enumerate((_TRIALS, _SITES)):
        for quad in store.quads_for_pattern(node, predicate, None, STATISTICS_GRAPH):
            counts[index] = int(quad.object.value)
    return counts


def _write(store: Store, name: str, key: tuple, counts: list[int]) -> None:
    node = _node(name, key)
    for quad in list(store.quads_for_pattern(node, None, None, STATISTICS_GRAPH)):
        store.remove(quad)
    if counts[0] <= 0:
        return
    quads = [Quad(node, _STATISTIC, Literal(name), STATISTICS_GRAPH), Quad(node, _TRIALS, _integer(counts[0]),
                                                                           STATISTICS_GRAPH)]
    quads += [Quad(node, predicate, term, STATISTICS_GRAPH) for predicate, term in zip(_KEYS, key, strict=False)
              if term is not None]  # an unbound key (a start date without a year) is left out
    if counts[1]:
        quads.append(Quad(node, _SITES, _integer(counts[1]), STATISTICS_GRAPH))
    store.extend(quads)


def current(store) -> bool:
    """Whether ``store`` holds statistics of this version (a SPARQL ASK: ``serve --backend`` asks its endpoint).

    A named query that reads them falls back to its plain join on a store without them (one made by hand, by
    another tool, or served from elsewhere): slower, never wrong."""
    ask = f"ASK {{ GRAPH {STATISTICS_GRAPH} {{ {STATISTICS_GRAPH} {_VERSION} {_integer(VERSION)} }} }}"
    return bool(store.query(ask))


def version(store: Store) -> int | None:
    for quad in store.quads_for_pattern(STATISTICS_GRAPH, _VERSION, None, STATISTICS_GRAPH):
        return int(quad.object.value)
    return None


def _stamp(store: Store) -> None:
    """Say that the statistics graph holds this version's counts."""
    store.add(Quad(STATISTICS_GRAPH, _VERSION, _integer(VERSION), STATISTICS_GRAPH))


def recount(store: Store) -> None:
    """Count every statistic over the whole store, replacing what the statistics graph held."""
    store.clear_graph(STATISTICS_GRAPH)
    _stamp(store)
    for statistic in STATISTICS:
        for key, counts in _run(store, statistic, None).items():
            _write(store, statistic.name, key, counts)


class Statistics:
    """The changes a store writer makes to the statistics: counted as graphs come and go, written at close."""

    def __init__(self, fresh: bool) -> None:
        """``fresh``: the store holds nothing yet; its counts are taken once over it at close (one pass costs
        less CPU than counting every load's graphs as it ends)."""
        self._deltas: dict[str, Counts] = {s.name: defaultdict(lambda: [0, 0]) for s in STATISTICS}
        # None: not yet known whether the store's statistics can be updated
        self._full: bool | None = True if fresh else None
        self.upgraded = False  # whether the store's statistics were of another version (close rewrites them whole)

    def _counts_in_full(self, store: Store) -> bool:
        """Whether this write ends with a full count (decided at its first change, or at close when nothing
        changed): a fresh store, a store holding data without statistics of this version, or one changed in
        ways not seen graph by graph (:meth:`recount`)."""
        if self._full is None:  # the store held data when this write began
            self._full = self.upgraded = version(store) != VERSION
        return self._full

    def _add(self, store: Store, graphs: Iterable[NamedNode], sign: int) -> None:
        if self._counts_in_full(store):
            return
        studies = [g for g in graphs if g not in _SHARED and store.contains_named_graph(g)]
        if not studies:
            return
        for statistic in STATISTICS:
            deltas = self._deltas[statistic.name]
            for key, (trials, sites) in _run(store, statistic, studies).items():
                deltas[key][0] += sign * trials
                deltas[key][1] += sign * sites

    def dropping(self, store: Store, graphs: Iterable[NamedNode]) -> None:
        """``graphs`` are about to be dropped (rebuilt or removed): their counts leave the statistics."""
        self._add(store, graphs, -1)

    def loaded(self, store: Store, graphs: Iterable[NamedNode]) -> None:
        """``graphs`` were loaded: their counts join the statistics."""
        self._add(store, graphs, +1)

    def recount(self) -> None:
        """Count in full at close (the store was changed in ways the writer did not see graph by graph)."""
        self._full = True

    def close(self, store: Store) -> None:
        """Write the changed counters (or count everything, for a store without current statistics)."""
        if self._counts_in_full(store):
            recount(store)
            return
        for name, deltas in self._deltas.items():
            for key, (trials, sites) in deltas.items():
                if trials or sites:
                    old = _read(store, _node(name, key))
                    _write(store, name, key, [old[0] + trials, old[1] + sites])
