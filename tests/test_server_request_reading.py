"""The quick readings the hot path relies on agree with the slow, obvious ones they replace.

The up-front query analysis (vs its every-token version), on generated and hand-picked inputs,
and the caches that keep it cheap do not keep what they should not.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kg_builder.server.sparql import analyze, analyze_tokens

PROLOGUES = ["", "PREFIX ex: <http://ex/>\n", "prefix : <http://ex/> ", "BASE <http://b/>\n", "# a comment\n",
             "# ends at a CR\r",
             "PREFIX ex:<http://ex/>\n", "PREFIX select: <http://ex/> ", "PREFIX ex: <http://ex/(SELECT)>\n",
             "PREFIX ex:<http://ex/(SELECT)>\n", "PREFIX a:b: <http://ex/> ", "PREFIXex: <http://ex/> ", "  \n\t"]
BODIES = ["SELECT * { ?s ?p ?o }", "ask {}", "CONSTRUCT WHERE { ?s ?p ?o }", "DESCRIBE <x>",
          "INSERT DATA { <a> <b> <c> }", "WITH <g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
          "SELECT * FROM <g> { ?s ?p ?o }", "select:x ASK {}", "SELECT * { SERVICE ex:s { ?s ?p ?o } }",
          "LOAD <http://x/>", "ex:SELECT ASK {}", "'SELECT' ASK {}", "SELECT", "", "?x", "Load <http://x/>",
          "FROMAGE ASK {}"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PROLOGUES), max_size=3).map("".join), st.sampled_from(BODIES))
def test_analyze_shortcuts_agree_with_every_token(prologue, body) -> None:
    text = prologue + body
    assert analyze(text) == analyze_tokens(text)


def test_analyze_stays_linear_on_text_that_fits_no_prologue() -> None:
    text = "# c\n" * 20_000 + " " * 20_000 + "?"
    assert analyze(text) == analyze_tokens(text)  # no exponential backtracking (the test would never end)


def test_long_texts_are_answered_but_not_kept() -> None:
    """The caches hold their keys: a 1 MB query or a huge Accept header must not stay in memory."""
    from kg_builder.server import negotiation as neg
    from kg_builder.server import sparql

    kept = sparql._analyze_cached.cache_info().currsize
    assert analyze("SELECT * { ?s ?p ?o } #" + "x" * 100_000).form == "SELECT"
    assert sparql._analyze_cached.cache_info().currsize == kept
    kept = neg._choose_cached.cache_info().currsize
    assert neg.choose("text/csv, " + "x/y, " * 2_000, None, neg.RESULT_FORMATS, neg.RESULTS_JSON) is neg.RESULTS_CSV
    assert neg._choose_cached.cache_info().currsize == kept
    assert neg.choose("text/csv", None, neg.RESULT_FORMATS, neg.RESULTS_JSON) is neg.RESULTS_CSV
