"""Every error answer in one place: the API's one shape, ``{"detail": [{loc, msg, type}]}``,
for 404, 405, 413, 415 and 422 alike, and an HTML page (in the site's or the embed's frame) for
the same errors on a page route."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request as StarletteRequest
from starlette.types import Scope

from .paths import is_api, is_embed


def error_detail(loc: Sequence[str | int], msg: str, kind: str) -> list[dict[str, Any]]:
    """The API's one error shape, for every status: ``{"detail": <this>}``."""
    return [{"loc": list(loc), "msg": msg, "type": kind}]


def api_error(
    status: int,
    loc: Sequence[str | int],
    msg: str,
    kind: str,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(
        {"detail": error_detail(loc, msg, kind)}, status_code=status, headers=headers
    )


def refuse(status: int, loc: Sequence[str | int], msg: str, kind: str) -> HTTPException:
    """An exception that answers the API's error shape (raise it from a route)."""
    return HTTPException(status, error_detail(loc, msg, kind))


def install(app: FastAPI) -> None:
    """Register the handlers on the app."""
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)


async def http_error(request: StarletteRequest, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if is_api(request.scope):
        return _api_http_error(request, exc)
    return _page_http_error(request, exc)


def _api_http_error(request: StarletteRequest, exc: StarletteHTTPException) -> Response:
    # A body that is not even JSON (bad UTF-8, cut short) is a validation failure: 422.
    status = exc.status_code
    if status == 400:
        return api_error(422, ["body"], "the body is not valid JSON", "json_invalid")
    if status == 404 and isinstance(exc.detail, str):
        where = f"{request.method} {request.url.path}"
        docs = _root(request) + "/docs"
        return api_error(404, ["path"], f"no such call: {where} (see {docs})", "not_found")
    if status == 405:
        allowed = _allowed(exc)
        msg = f"{request.url.path} takes {allowed or 'another method'}, not {request.method}"
        return api_error(405, ["method"], msg, "method_not_allowed", exc.headers)
    if isinstance(exc.detail, list):  # raised in the shape already (error_detail)
        return JSONResponse({"detail": exc.detail}, status_code=status, headers=exc.headers)
    return api_error(status, [], str(exc.detail), "http_error", exc.headers)


def _page_http_error(request: StarletteRequest, exc: StarletteHTTPException) -> Response:
    status = exc.status_code
    if status == 404:
        message = "There is no page at this address. The examples are on the home page."
    elif status == 405:
        allowed = _allowed(exc)
        message = f"This address does not take {request.method} requests (it takes {allowed})."
    elif status == 400:  # a form the server cannot read (a broken multipart body, …)
        message = f"The form sent could not be read: {exc.detail}. Nothing was changed."
    else:
        message = f"This request could not be answered: {exc.detail}."
    resp = _page(request, message, status)
    if exc.headers:
        resp.headers.update(exc.headers)
    return resp


async def validation_error(request: StarletteRequest, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if is_api(request.scope):
        errors = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        return JSONResponse({"detail": errors}, status_code=422)
    msgs = "; ".join(
        f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}" for e in exc.errors()
    )
    return _page(request, f"This address has a problem: {msgs}", 422)


def too_large(scope: Scope, limit: int) -> Response:
    """413 for a body over ``limit`` bytes: the API's shape, or a message a person can read
    (in place, beside the form that sent it, when htmx sent it: static/js/embed.js)."""
    if is_api(scope):
        return api_error(413, ["body"], f"the body is over {limit} bytes", "too_large")
    message = (
        f"Not sent: it is over {limit:,} bytes, the most this server accepts in one "
        "request. Nothing was changed."
    )
    request = Request(scope)
    if request.headers.get("hx-request") == "true":
        resp = _templates(request).TemplateResponse(
            request, "_field_error.html", {"message": message}, status_code=413
        )
        resp.headers["HX-Push-Url"] = "false"
        resp.headers["Vary"] = "HX-Request"
        return resp  # type: ignore[no-any-return]
    return _templates(request).TemplateResponse(  # type: ignore[no-any-return]
        request,
        "error.html",
        {
            "message": message,
            "status": 413,
            "title": "Too large to send",
            "heading": "That was too large to send",
            "hint": "Go back with your browser's Back button: the explorer is as you left it.",
            "root": _root(request),
        },
        status_code=413,
    )


def _page(request: StarletteRequest, message: str, status: int) -> Response:
    from .explorer import embed, pages  # the page in the site's or the embed's frame

    p = embed.EmbedFrame(embed.EmbedOptions()) if is_embed(request.scope) else pages.SITE
    return pages.error_page(Request(request.scope, request.receive), message, status, p)


def _allowed(exc: StarletteHTTPException) -> str:
    return next((v for k, v in (exc.headers or {}).items() if k.lower() == "allow"), "")


def _root(request: StarletteRequest) -> str:
    return str(request.scope.get("root_path", "")).rstrip("/")


def _templates(request: StarletteRequest) -> Any:
    return request.app.state.templates
