"""The one error shape every endpoint answers with, and the mapping from failures to it.

    {"error": {"status": 400, "code": "syntax-error", "message": "...",
               "hint": "..." | null, "position": {"line": 1, "column": 8} | null}}

Status codes say whose fault it is: 400 a bad query, 401/403 writes without the right
token or switched off, 404 unknown things, 406 no acceptable format, 413 a body too
large, 503 the time limit or an unbuilt store — never a blanket 400 or 500.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse

from kg_builder.errors import KgBuilderError, QueryError, ServiceError, StoreError, UsageError


class HttpError(ServiceError):
    """A failure with its HTTP status and a message for the client."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        hint: str | None = None,
        position: dict | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.status = status
        self.code = code
        self.position = position
        self.headers = headers or {}

    def body(self) -> dict:
        return {
            "error": {
                "status": self.status,
                "code": self.code,
                "message": self.message,
                "hint": self.hint,
                "position": self.position,
            }
        }

    @classmethod
    def from_reply_error(cls, status: int, error: dict) -> HttpError:
        return cls(status, error["code"], error["message"], hint=error.get("hint"),
                   position=error.get("position"))

    @classmethod
    def from_domain(cls, exc: KgBuilderError) -> HttpError:
        status, code = {
            QueryError: (400, "bad-request"),
            UsageError: (400, "bad-request"),
            StoreError: (503, "store-unavailable"),
        }.get(type(exc), (500, "internal-error"))
        return cls(status, code, exc.message, hint=exc.hint)


def error_response(exc: HttpError) -> JSONResponse:
    return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers)


async def handle_http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HttpError)
    return error_response(exc)


async def handle_domain_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, KgBuilderError)
    return error_response(HttpError.from_domain(exc))


async def handle_validation_error(_request: Request, exc: Exception) -> JSONResponse:
    errors = getattr(exc, "errors", lambda: [])()
    message = "; ".join(f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}" for e in errors)
    return error_response(HttpError(400, "bad-request", message or str(exc)))


async def handle_starlette_http(_request: Request, exc: Exception) -> JSONResponse:
    status = getattr(exc, "status_code", 500)
    codes = {404: "not-found", 405: "method-not-allowed"}
    return error_response(HttpError(status, codes.get(status, "http-error"), str(getattr(exc, "detail", exc)),
                                    headers=getattr(exc, "headers", None)))
