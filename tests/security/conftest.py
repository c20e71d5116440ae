"""Shared by the attack suites: live servers on 127.0.0.1 (read-only, and with updates behind a token), a
local listener that must never be called, and a client that fails any test on a 5xx answer."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import httpx
import pytest

from kg_builder.server.testing import LiveServer, write_store

TOKEN = "s3cret-token"


class Listener:
    """A TCP listener on 127.0.0.1: every connection it accepts is recorded (and closed at once)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.connections: list[bytes] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            conn.settimeout(1)
            try:
                self.connections.append(conn.recv(512))
            except OSError:
                self.connections.append(b"")
            conn.close()

    def close(self) -> None:
        self.sock.close()


class Client:
    """httpx against a live server; any 5xx answer fails the test (no request here may cause one)."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.http = httpx.Client(base_url=server.url, timeout=30)

    def request(self, method: str, target: str, **options: object) -> httpx.Response:
        response = self.http.request(method, target, follow_redirects=False, **options)
        assert response.status_code < 500, f"{method} {target}: {response.status_code} {response.text[:300]}"
        return response

    def raw(self, data: bytes) -> bytes:
        """Bytes as sent, for what a well-behaved client library refuses to send; the whole answer."""
        with socket.create_connection(("127.0.0.1", self.server.port), timeout=10) as sock:
            sock.sendall(data)
            received = b""
            while chunk := sock.recv(65536):
                received += chunk
        assert not received.startswith(b"HTTP/1.1 5"), received[:300]
        return received

    def get(self, target: str, **options: object) -> httpx.Response:
        return self.request("GET", target, **options)

    def post(self, target: str, **options: object) -> httpx.Response:
        return self.request("POST", target, **options)


@pytest.fixture(scope="package")
def listener() -> Iterator[Listener]:
    found = Listener()
    yield found
    found.close()


@pytest.fixture(scope="package")
def read_only(tmp_path_factory) -> Iterator[Client]:
    store = tmp_path_factory.mktemp("read-only-store")
    write_store(store, 8)
    with LiveServer(store, workers=1) as live:
        client = Client(live)
        yield client
        client.http.close()


@pytest.fixture(scope="package")
def writable(tmp_path_factory) -> Iterator[Client]:
    store = tmp_path_factory.mktemp("writable-store")
    write_store(store, 8)
    with LiveServer(store, workers=1, allow_update=True, token=TOKEN) as live:
        client = Client(live)
        yield client
        client.http.close()


@pytest.fixture(params=["read-only", "writable"])
def any_server(request, read_only, writable) -> Client:
    return read_only if request.param == "read-only" else writable
