"""The ASGI app: ``app.main:app``, built by ``create_app`` (tests pass their own settings)."""

from __future__ import annotations

import functools
import hashlib
import html
import inspect
import json
import time
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request as StarletteRequest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import export, observe
from .api import routes as api
from .caches import DerivedCache
from .explorer import embed, pages, share
from .redirects import RelativeRedirects
from .render import formatting
from .settings import Settings


def csp(frame_ancestors: str, docs: bool = False) -> str:
    # Swagger UI sets style attributes from its React code: /docs alone allows inline styles.
    style = "'self' 'unsafe-inline'" if docs else "'self'"
    return (
        "default-src 'self'; script-src 'self'; "
        f"style-src {style}; img-src 'self' data:; font-src 'self'; connect-src 'self'; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; "
        f"frame-ancestors {frame_ancestors}"
    )


def app_path(scope: Scope) -> str:
    """The path inside the app: behind a proxy on a sub-path (ROOT_PATH) the server may pass
    the full path, /backprop/embed/…, which is the app's /embed/…."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and (path == root or path.startswith(root + "/")):
        return path[len(root) :] or "/"
    return path


def is_api(scope: Scope) -> bool:
    """A call to the REST API (/api and below; not a page such as /apiary)."""
    path = app_path(scope)
    return path == "/api" or path.startswith("/api/")


class SecurityHeaders:
    """A strict CSP and friends on every response; /embed may be framed by the set origins."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.page_csp = csp("'self'")
        self.embed_csp = csp(settings.frame_ancestors)
        self.docs_csp = csp("'self'", docs=True)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = app_path(scope)
        framed = path == "/embed" or path.startswith("/embed/")
        policy = (
            self.embed_csp
            if framed
            else self.docs_csp
            if path.startswith("/docs")
            else self.page_csp
        )

        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                headers += [
                    (b"content-security-policy", policy.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"strict-origin-when-cross-origin"),
                    (b"cross-origin-opener-policy", b"same-origin"),
                ]
                if not framed:
                    headers.append((b"x-frame-options", b"SAMEORIGIN"))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            # A bug's 500 is answered here, inside this middleware, so it carries the headers
            # too (Starlette's own answer comes from outside every middleware); the server still
            # sees the exception and logs it.
            if not started:
                body = b"Internal Server Error"
                await send_with_headers(
                    {
                        "type": "http.response.start",
                        "status": 500,
                        "headers": [
                            (b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()),
                        ],
                    }
                )
                await send_with_headers({"type": "http.response.body", "body": body})
            raise


class RootPath:
    """Serve under a sub-path (ROOT_PATH) behind a proxy that strips it: what FastAPI's own
    ``root_path`` argument did before it was deprecated (a server's --root-path does the same)."""

    def __init__(self, app: ASGIApp, root_path: str) -> None:
        self.app = app
        self.root_path = root_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            scope["root_path"] = self.root_path
        await self.app(scope, receive, send)


class ServerTiming:
    """``Server-Timing: app;dur=…`` (milliseconds from the request to the response's start):
    the server's own time for a click or a call, as the benchmarks and browser devtools read it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()

        async def send_timed(message: Message) -> None:
            if message["type"] == "http.response.start":
                took = (time.perf_counter() - start) * 1e3
                message["headers"] = [
                    *message.get("headers", []),
                    (b"server-timing", f"app;dur={took:.3f}".encode()),
                ]
            await send(message)

        await self.app(scope, receive, send_timed)


Endpoint = Callable[[StarletteRequest], Awaitable[Response]]


class LeanRoutes:
    """A few hot ``POST`` calls served here, inside the body limit and ahead of the framework's
    exception middleware, routing and dependency solving (a tenth of ``/api/step``'s time):
    the same endpoint functions as the documented routes, and the errors they raise answered
    by the app's own exception handlers, as the framework would; everything else goes on."""

    def __init__(
        self, app: ASGIApp, endpoints: Mapping[str, Endpoint], handlers: Mapping[Any, Any]
    ) -> None:
        self.app = app
        self.endpoints = endpoints
        self.handlers = handlers  # the app's exception_handlers, read when an error happens

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        endpoint = (
            self.endpoints.get(app_path(scope))
            if scope["type"] == "http" and scope["method"] == "POST"
            else None
        )
        if endpoint is None:
            await self.app(scope, receive, send)
            return
        request = StarletteRequest(scope, receive, send)
        try:
            response = await endpoint(request)
        except Exception as exc:
            handler = self._handler(exc)
            if handler is None:
                raise
            response = handler(request, exc)
            if inspect.isawaitable(response):
                response = await response
        await response(scope, receive, send)

    def _handler(self, exc: Exception) -> Any:
        """The handler Starlette's exception middleware would pick (500 and Exception belong
        to the outermost error middleware, so they are not looked up here)."""
        if isinstance(exc, StarletteHTTPException) and exc.status_code != 500:
            by_status = self.handlers.get(exc.status_code)
            if by_status is not None:
                return by_status
        for cls in type(exc).__mro__:
            if cls is not Exception and cls in self.handlers:
                return self.handlers[cls]
        return None


class BodyLimit:
    """Refuses a request body over ``limit`` bytes with 413, whether or not it says its length."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if (
                name == b"content-length"
                and value.isdigit()
                and (len(value) > 18 or int(value) > self.limit)
            ):
                await self._refuse(scope, send)
                return
        # Read the whole body first (it is small by then), so an oversized stream is refused
        # here with 413 rather than surfacing as a parse error inside the app.
        chunks: list[bytes] = []
        seen = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > self.limit:
                await self._refuse(scope, send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        headers: list[tuple[bytes, bytes]] = []
        if is_api(scope):
            msg = f"the request body is over {self.limit} bytes"
            body = json.dumps({"detail": api.error_detail(["body"], msg, "too_large")}).encode()
            kind = b"application/json"
        else:  # a page's form: a message a person can read, in place when htmx sent it
            body, htmx = self._page(scope)
            kind = b"text/html; charset=utf-8"
            if htmx:
                headers += [(b"hx-push-url", b"false"), (b"vary", b"HX-Request")]
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", kind),
                    (b"content-length", str(len(body)).encode()),
                    *headers,
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    def _page(self, scope: Scope) -> tuple[bytes, bool]:
        sent = dict(scope.get("headers", []))
        htmx = sent.get(b"hx-request") == b"true"
        message = (
            f"Not sent: it is over {self.limit:,} bytes, the most this server accepts in one "
            "request. Nothing was changed."
        )
        if htmx:  # static/js/embed.js puts it beside the form that sent it
            return (
                f'<p class="field-error" role="alert">{html.escape(message)}</p>'
            ).encode(), True
        css = html.escape(str(scope.get("root_path", "")).rstrip("/")) + "/static/css/explorer.css"
        page = (
            '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            "<title>Too large to send — Backprop Explorer</title>"
            f'<link rel="stylesheet" href="{css}">'
            '</head><body><main id="main"><section class="error-page">'
            "<h1>That was too large to send</h1>"
            f'<p role="alert" class="error-message">{html.escape(message)}</p>'
            "<p>Go back with your browser's Back button: the explorer is as you left it.</p>"
            "</section></main></body></html>\n"
        )
        return page.encode(), False


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    app = FastAPI(
        title="Backprop Explorer API",
        version="1.0",
        description=(
            "Backpropagation, computed exactly in float64 by a NumPy engine. Post a scenario "
            "(network, parameters, data, loss) to get its forward pass, gradients, one update, "
            "a training run, or the micro-steps of one iteration. Errors answer 422 naming the "
            "field and the rule."
        ),
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.derived = DerivedCache()  # the pages' one cache: every app starts empty
    app.state.templates = Jinja2Templates(directory=str(settings.templates_dir))
    app.state.templates.env.globals["static_url"] = static_url
    app.state.templates.env.globals["count"] = formatting.count
    app.mount("/static", StaticFiles(directory=str(settings.static_dir)), name="static")
    share.install(app.state.templates)
    app.include_router(api.router)
    app.include_router(embed.router)
    app.include_router(share.router)
    app.include_router(pages.router)
    for router in export.ROUTERS:
        app.include_router(router)

    # HEAD too: uptime monitors often ask with it
    @app.api_route("/healthz", methods=["GET", "HEAD"], include_in_schema=False)
    async def healthz() -> PlainTextResponse:
        return PlainTextResponse("ok")

    @app.get("/docs", include_in_schema=False)
    def docs(request: Request) -> HTMLResponse:
        page: HTMLResponse = app.state.templates.TemplateResponse(
            request, "docs.html", {"swagger": _swagger_assets(settings)}
        )
        return page

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Any:
        # The API's errors all have one shape, {"detail": [{loc, msg, type}]}. A body that is not
        # even JSON (bad UTF-8, cut short) is a validation failure too: 422 and a field path.
        api = is_api(request.scope)
        if api and exc.status_code == 400:
            return _api_error(422, ["body"], "the body is not valid JSON", "json_invalid")
        if api and exc.status_code == 404 and isinstance(exc.detail, str):
            where = f"{request.method} {request.url.path}"
            docs = pages.root(request) + "/docs"
            return _api_error(404, ["path"], f"no such call: {where} (see {docs})", "not_found")
        if api and exc.status_code == 405:
            allowed = next((v for k, v in (exc.headers or {}).items() if k.lower() == "allow"), "")
            return _api_error(
                405,
                ["method"],
                f"{request.url.path} takes {allowed or 'another method'}, not {request.method}",
                "method_not_allowed",
                exc.headers,
            )
        if not api and exc.status_code == 404 and request.method in ("GET", "HEAD"):
            return pages.error_page(
                request, "There is no page at this address. The examples are on the home page.", 404
            )
        return await http_exception_handler(request, exc)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Any:
        if is_api(request.scope):
            errors = [
                {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
                for e in exc.errors()
            ]
            return JSONResponse({"detail": errors}, status_code=422)
        return await pages.validation_error_page(request, exc)

    # POST /api/step, the call a script makes in a loop, skips the framework's per-request
    # work; the API router's route still documents it (and serves it without this).
    app.add_middleware(
        LeanRoutes, endpoints={"/api/step": api.api_step}, handlers=app.exception_handlers
    )
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    app.add_middleware(ServerTiming)
    app.add_middleware(RelativeRedirects)
    if settings.root_path:
        app.add_middleware(RootPath, root_path=settings.root_path)
    app.add_middleware(SecurityHeaders, settings=settings)
    observe.install(app)  # metrics and JSON access lines, when on: outermost, sees every answer
    return app


def _api_error(
    status: int, loc: list[str], msg: str, kind: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        {"detail": api.error_detail(loc, msg, kind)}, status_code=status, headers=headers
    )


def static_url(request: Request, path: str) -> str:
    """A file under /static as a path from the host's root (the sub-path included): not
    url_for's absolute URL, whose scheme is http behind a TLS proxy whose headers the server
    does not trust, which an https page would then refuse to load. ``?v=`` names the file's
    content, so a browser never keeps an old script or style sheet after an upgrade."""
    file: Path = request.app.state.settings.static_dir / path
    try:
        stamp = file.stat()
    except OSError:  # a missing file: its request will say so
        return f"{pages.root(request)}/static/{path}"
    version = _content_version(file, stamp.st_mtime_ns, stamp.st_size)
    return f"{pages.root(request)}/static/{path}?v={version}"


@functools.lru_cache(maxsize=128)
def _content_version(file: Path, mtime_ns: int, size: int) -> str:
    """The hash of the file's content, read again when its time or size changes."""
    return hashlib.sha256(file.read_bytes()).hexdigest()[:12]


def _swagger_assets(settings: Settings) -> dict[str, str]:
    folder = settings.static_dir / "swagger"
    js = sorted(folder.glob("swagger-ui-bundle-*.js"))[-1].name
    css = sorted(folder.glob("swagger-ui-*.css"))[-1].name
    return {"js": f"swagger/{js}", "css": f"swagger/{css}"}


app = create_app()
