"""Every error answer is JSON with ``code`` and ``message`` (what the Segment SDKs read)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from cadence.errors import FieldError, InputError, NotFound


def error_body(code: str, message: str, errors: list[FieldError] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"success": False, "code": code, "message": message}
    if errors:
        body["errors"] = [e.as_dict() for e in errors]
    return body


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    out = ""
    for part in parts:
        out += f"[{part}]" if part.isdigit() else f".{part}"
    return out.lstrip(".") or "body"


def install(app: FastAPI) -> None:
    @app.exception_handler(InputError)
    async def _input(_: Request, error: InputError) -> JSONResponse:
        return JSONResponse(
            error_body(error.code, error.message, error.errors), status_code=error.status
        )

    @app.exception_handler(NotFound)
    async def _missing(_: Request, error: NotFound) -> JSONResponse:
        errors = [FieldError(error.field, f"no {error.what} with this {error.field}")]
        return JSONResponse(error_body("not_found", str(error), errors), status_code=404)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, error: RequestValidationError) -> JSONResponse:
        errors = [FieldError(_field(tuple(e["loc"])), e["msg"]) for e in error.errors()]
        message = "; ".join(f"{e.field}: {e.message}" for e in errors)
        return JSONResponse(error_body("invalid_request", message, errors), status_code=400)

    @app.exception_handler(HTTPException)
    async def _http(_: Request, error: HTTPException) -> JSONResponse:
        code = {401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed"}
        return JSONResponse(
            error_body(code.get(error.status_code, "error"), str(error.detail)),
            status_code=error.status_code,
            headers=getattr(error, "headers", None),
        )
