"""Requests the HTTP parser itself rejects, answered in the endpoint's error shape.

A request line or header uvicorn's parser cannot read (a control character in a header
value, a malformed request line) never reaches the application: uvicorn answers it with a
plain-text ``Invalid HTTP request received.``. These subclasses of uvicorn's protocol give
the same 400, and still close the connection, but with the JSON body every other error
has (:mod:`kg_builder.server.problems`).
"""

from __future__ import annotations

import json

from uvicorn.protocols.http.h11_impl import H11Protocol


def _problem(message: str) -> bytes:
    return json.dumps({"error": {
        "status": 400, "code": "bad-http-request", "message": f"the HTTP request could not be read ({message})",
        "hint": "check the request line and the headers: no control characters, one value per line",
        "position": None}}).encode()


def _send_400(self, msg: str) -> None:
    body = _problem(msg.rstrip("."))
    content = [b"HTTP/1.1 400 Bad Request\r\n"]
    for name, value in self.server_state.default_headers:
        content.extend([name, b": ", value, b"\r\n"])
    content.extend([b"content-type: application/json\r\n", b"content-length: " + str(len(body)).encode() + b"\r\n",
                    b"connection: close\r\n", b"\r\n", body])
    self.transport.write(b"".join(content))
    self.transport.close()


class JsonErrorsH11(H11Protocol):
    send_400_response = _send_400


def protocol_class() -> type:
    """uvicorn's fastest available HTTP/1.1 protocol (httptools, else h11) with JSON 400 answers."""
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
    except ImportError:  # httptools is an optional extra of uvicorn
        return JsonErrorsH11
    return type("JsonErrorsHttpTools", (HttpToolsProtocol,), {"send_400_response": _send_400})
