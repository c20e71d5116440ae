"""Drug–condition relations derived from trials, kept as evidence with their context.

A trial studying drug D in condition C says less than "D treats C": D may be the
comparator, the backbone every arm gets, or supportive care (an antiemetic in a
breast-cancer trial treats nausea, not breast cancer). So each relation is a node
of its own (``kg:TrialDrugCondition``) carrying the trial, the intervention, the
condition, the role of every arm that gives the drug (experimental, active or
placebo comparator …) and the trial's primary purpose (treatment, supportive care,
prevention …). Nothing here asserts "treats".
"""

from __future__ import annotations

import hashlib
from collections import defaultdict

from pyoxigraph import NamedNode, Quad, QuerySolutions

from kg_builder.enrich.explicit import is_placebo
from kg_builder.vocab import KG, RDF_TYPE, sparql_prefixes

_QUERY = sparql_prefixes() + r"""
SELECT ?trial ?intervention ?name ?condition ?role ?purpose WHERE {
  GRAPH ?g {
    ?trial kg:intervention ?intervention ; kg:condition ?condition .
    ?intervention rdfs:label ?name .
    ?intervention kg:interventionType ?type .
    OPTIONAL { ?arm kg:usesIntervention ?intervention ; kg:armType ?role }
    OPTIONAL { ?trial kg:primaryPurpose ?purpose }
  }
  VALUES ?type { kgv:intervention-type\/DRUG kgv:intervention-type\/BIOLOGICAL }
}
"""


def relation_quads(store, base: str, graph: NamedNode) -> list[Quad]:
    """One evidence node per (trial, drug intervention, condition) of ``store``."""
    result = store.query(_QUERY)
    assert isinstance(result, QuerySolutions)
    context: dict[tuple[str, str, str], set[tuple[str, NamedNode]]] = defaultdict(set)
    for row in result:
        if is_placebo(row["name"].value):
            continue  # a placebo is studied in no condition
        key = (row["trial"].value, row["intervention"].value, row["condition"].value)
        context.setdefault(key, set())
        if row["role"] is not None:
            context[key].add(("role", row["role"]))
        if row["purpose"] is not None:
            context[key].add(("purpose", row["purpose"]))
    quads = []
    for (trial, intervention, condition), facts in sorted(context.items()):
        digest = hashlib.sha256(f"{trial}\n{intervention}\n{condition}".encode()).hexdigest()[:20]
        node = NamedNode(f"{base}links/relation/{digest}")
        quads += [Quad(node, RDF_TYPE, KG.TrialDrugCondition, graph),
                  Quad(node, KG.evidenceTrial, NamedNode(trial), graph),
                  Quad(node, KG.evidenceIntervention, NamedNode(intervention), graph),
                  Quad(node, KG.evidenceCondition, NamedNode(condition), graph)]
        for kind, value in sorted(facts, key=lambda f: (f[0], f[1].value)):
            quads.append(Quad(node, KG.armRole if kind == "role" else KG.trialPrimaryPurpose, value, graph))
    return quads
