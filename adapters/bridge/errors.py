"""One error shape everywhere: ``{"code", "status", "message", "errors"}`` — never a traceback, never a
500 for bad input."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from sharewise.core.errors import InvalidInput, SharewiseError, UnknownFormError
from sharewise.core.store.store import RecordNotFound


class ApiError(Exception):
    """An error response with the one shape; ``headers`` are added to it (``Retry-After``…)."""

    def __init__(self, code: int, message: str, errors: Any = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.errors, self.headers = code, message, errors, headers or {}


def error_response(code: int, message: str, errors: Any = None, headers: dict[str, str] | None = None) -> Response:
    """The response for an error."""
    body: dict[str, Any] = {"code": code, "status": HTTP_STATUS_CODES.get(code, "Error"), "message": message}
    if errors is not None:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = code
    response.headers.update(headers or {})
    return response


def install(app: Flask, *, pages: Callable[[int], Response] | None = None, pages_prefix: str = "/embed/") -> None:
    """Register handlers so that every error takes the one shape — except under ``pages_prefix``, where a
    practitioner is reading pages, not a program: there ``pages(code)`` renders an HTML page."""

    def _page(code: int) -> Response | None:
        return pages(code) if pages is not None and request.path.startswith(pages_prefix) else None

    @app.errorhandler(ApiError)
    def _api(error: ApiError) -> Response:
        return error_response(error.code, error.message, error.errors, error.headers)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Response:
        page = _page(error.code or 500)
        if page is not None:
            return page
        data = getattr(error, "data", None) or {}
        problems = data.get("errors") or data.get("messages")
        default = "the request is not in the expected shape" if problems else HTTP_STATUS_CODES.get(error.code or 500, "Error")
        message = data.get("message") or (error.description or "").split("\n")[0] or default
        headers = {"WWW-Authenticate": 'Bearer realm="sharewise"'} if error.code == 401 else {}
        return error_response(error.code or 500, message, problems, headers)

    @app.errorhandler(RecordNotFound)
    def _record(_: RecordNotFound) -> Response:
        return error_response(404, "no such record")

    @app.errorhandler(UnknownFormError)
    def _form(error: UnknownFormError) -> Response:
        return error_response(404, str(error))

    @app.errorhandler(InvalidInput)
    def _invalid(error: InvalidInput) -> Response:
        return error_response(422, str(error))

    @app.errorhandler(SharewiseError)
    def _sharewise(error: SharewiseError) -> Response:
        return _page(503) or error_response(503, "the service cannot complete this request now; try again shortly")

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        app.logger.error("unexpected error: %s", type(error).__name__)
        return _page(500) or error_response(500, "internal error: the request was not completed")
