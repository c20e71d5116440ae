"""Writes: never on a read-only server, never without the right bearer token, and nothing written when refused."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from .conftest import TOKEN

UPDATE = "INSERT DATA { GRAPH <http://g.example/x> { <http://a.example/s> <http://a.example/p> 'written' } }"
WRITTEN = "ASK { ?s ?p 'written' }"
DIRECT = {"Content-Type": "application/sparql-update"}
GRAPH = "http://g.example/gsp"
TURTLE = {"Content-Type": "text/turtle"}
NOT_THE_TOKEN = {
    "no header": {},
    "empty header": {"Authorization": ""},
    "scheme only": {"Authorization": "Bearer"},
    "wrong token": {"Authorization": "Bearer nope"},
    "token prefix": {"Authorization": f"Bearer {TOKEN[:-1]}"},
    "token and more": {"Authorization": f"Bearer {TOKEN}x"},
    "other scheme": {"Authorization": f"Basic {TOKEN}"},
    "token without scheme": {"Authorization": TOKEN},
}


def written(client) -> bool:
    return client.get("/sparql?" + urlencode({"query": WRITTEN}),
                      headers={"Accept": "application/sparql-results+json"}).json()["boolean"]


def graph_exists(client) -> bool:
    return client.get("/rdf-graphs?" + urlencode({"graph": GRAPH})).status_code == 200


@pytest.mark.parametrize("name", list(NOT_THE_TOKEN))
def test_update_without_the_right_token_is_401(writable, name) -> None:
    headers = NOT_THE_TOKEN[name]
    for response in (writable.post("/sparql", content=UPDATE.encode(), headers={**DIRECT, **headers}),
                     writable.post("/sparql", data={"update": UPDATE}, headers=headers)):
        assert response.status_code == 401, response.text
        assert response.json()["error"]["code"] == "unauthorized"
        assert response.headers["www-authenticate"].startswith("Bearer")
    for method in ("PUT", "POST", "DELETE"):
        response = writable.request(method, "/rdf-graphs?" + urlencode({"graph": GRAPH}),
                                    content=b"<http://a.example/s> <http://a.example/p> 'written' .",
                                    headers={**TURTLE, **headers})
        assert response.status_code == 401
    assert not written(writable) and not graph_exists(writable)


@pytest.mark.parametrize("value", [b"Bearer ", b"Bearer  ", b"Bearer\t", b" ", b"bearer " + TOKEN.encode() + b"x"])
def test_empty_and_blank_bearer_values_sent_as_is(any_server, value) -> None:
    """Header values a client library trims or refuses, sent byte for byte: our 401/403, not the HTTP layer's."""
    body = UPDATE.encode()
    answer = any_server.raw(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-update\r\n"
                            b"Authorization: " + value + b"\r\nContent-Length: " + str(len(body)).encode()
                            + b"\r\nConnection: close\r\n\r\n" + body)
    assert answer.startswith((b"HTTP/1.1 401", b"HTTP/1.1 403")), answer[:200]
    assert b'"error"' in answer
    assert not written(any_server)


@pytest.mark.parametrize("name", [*NOT_THE_TOKEN, "the token"])
def test_read_only_server_refuses_every_write(read_only, name) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}"} if name == "the token" else NOT_THE_TOKEN[name]
    for response in (read_only.post("/sparql", content=UPDATE.encode(), headers={**DIRECT, **headers}),
                     read_only.post("/sparql", data={"update": UPDATE}, headers=headers)):
        assert response.status_code == 403 and response.json()["error"]["code"] == "read-only"
    for method in ("PUT", "POST", "DELETE"):
        response = read_only.request(method, "/rdf-graphs?" + urlencode({"graph": GRAPH}),
                                     content=b"<http://a.example/s> <http://a.example/p> 'written' .",
                                     headers={**TURTLE, **headers})
        assert response.status_code == 403 and response.json()["error"]["code"] == "read-only"
    assert not written(read_only) and not graph_exists(read_only)


def test_two_updates_in_one_request_run_neither(writable) -> None:
    response = writable.post("/sparql", content=urlencode([("update", UPDATE), ("update", "CLEAR ALL")]).encode(),
                             headers={"Content-Type": "application/x-www-form-urlencoded",
                                      "Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 400
    assert not written(writable)
    assert writable.get("/sparql?" + urlencode({"query": "ASK { ?s ?p ?o }"}),
                        headers={"Accept": "application/sparql-results+json"}).json()["boolean"] is True


def test_the_token_writes(writable) -> None:
    """The control: with the token, the same requests do write (so the refusals above are not vacuous)."""
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert writable.post("/sparql", content=UPDATE.encode(), headers={**DIRECT, **auth}).status_code == 204
    assert written(writable)
    put = writable.request("PUT", "/rdf-graphs?" + urlencode({"graph": GRAPH}),
                           content=b"<http://a.example/s> <http://a.example/p> 'put' .", headers={**TURTLE, **auth})
    assert put.status_code == 204 and graph_exists(writable)
    assert writable.post("/sparql", content=b"CLEAR GRAPH <http://g.example/x>",
                         headers={**DIRECT, **auth}).status_code == 204
    assert writable.request("DELETE", "/rdf-graphs?" + urlencode({"graph": GRAPH}), headers=auth).status_code == 204
    assert not written(writable) and not graph_exists(writable)
