"""The quick readings the hot path relies on agree with the slow, obvious ones they replace.

Query strings (vs urllib), the up-front query analysis (vs its every-token version) and the
CORS headers (vs Starlette's CORSMiddleware), on generated and hand-picked inputs.
"""

from __future__ import annotations

import asyncio
import urllib.parse

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware

from kg_builder.server import protocol
from kg_builder.server.cors import SimpleCors, cors_options
from kg_builder.server.sparql import analyze, analyze_tokens
from kg_builder.settings import ServerSettings

QUERY_CHARS = st.sampled_from([*"ab=&+%é \\/#?:;", "%20", "%2", "%zz", "%C3%A9", "%C3", "%25", "%5C", "%E2%82"])


@settings(max_examples=400, deadline=None)
@given(st.lists(QUERY_CHARS, max_size=30).map("".join), st.booleans())
def test_parse_qsl_is_urllibs(text, keep_blank) -> None:
    assert protocol.parse_qsl(text, keep_blank=keep_blank) == urllib.parse.parse_qsl(
        text, keep_blank_values=keep_blank)
    assert protocol.parse_qs(text, keep_blank=keep_blank) == urllib.parse.parse_qs(text, keep_blank_values=keep_blank)


@pytest.mark.parametrize("text", ["", "plain", "a%20b", "%", "%2", "%zz", "100%", "%C3%A9t%C3%A9", "%C3", "%ff%fe",
                                  "back\\slash%5C", "\\x41", "%5Cx41", "caf\u00e9%20", "%e2%82%ac", "\\"])
def test_unquote_is_urllibs(text) -> None:
    assert protocol.unquote_text(text) == urllib.parse.unquote(text)


PROLOGUES = ["", "PREFIX ex: <http://ex/>\n", "prefix : <http://ex/> ", "BASE <http://b/>\n", "# a comment\n",
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


def starlette_headers(options: dict, headers: list[tuple[bytes, bytes]], origin: str | None) -> list:
    """What CORSMiddleware does to a simple response's headers."""
    middleware = CORSMiddleware(app=None, **options)  # type: ignore[arg-type]
    message = {"type": "http.response.start", "status": 200, "headers": list(headers)}
    request = Headers(raw=[(b"origin", origin.encode())] if origin is not None else [])
    sent: list[dict] = []

    async def send(msg: dict) -> None:
        sent.append(msg)

    asyncio.run(middleware.send(message, send, request))
    return list(sent[0]["headers"])


@pytest.mark.parametrize("origins", [("*",), ("https://a.example",), ("https://a.example", "https://b.example")])
@pytest.mark.parametrize("allow_update", [False, True])
@pytest.mark.parametrize("origin", [None, "https://a.example", "https://c.example", ""])
@pytest.mark.parametrize("headers", [
    [(b"vary", b"Accept"), (b"content-length", b"2"), (b"content-type", b"application/json")],
    [(b"retry-after", b"1"), (b"content-length", b"2")],
    [(b"vary", b"Accept"), (b"x-a", b"1"), (b"vary", b"Cookie")],
    [(b"access-control-allow-origin", b"https://old"), (b"vary", b"Accept")],
])
def test_simple_cors_is_starlettes(origins, allow_update, origin, headers) -> None:
    options = cors_options(ServerSettings(cors_origins=origins, allow_update=allow_update))
    assert options is not None
    ours = list(headers)
    SimpleCors(options).apply(ours, origin)
    assert ours == starlette_headers(options, headers, origin)


def test_no_cors_options_when_switched_off() -> None:
    assert cors_options(ServerSettings(cors_origins=())) is None


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
