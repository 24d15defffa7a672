"""The ASGI layers around the app, outermost first: the root path (ROOT_PATH), the security
headers (which see the root path applied), redirects made relative (app/redirects.py), the
server's own timing, the body limit, HEAD answered as GET (app/head.py), compression
(app/compression.py)."""

from __future__ import annotations

import time

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import errors
from .compression import Compress
from .explorer.embed_cors import EmbedCORS
from .head import HeadAsGet
from .paths import app_path, is_embed
from .redirects import RelativeRedirects
from .settings import Settings


def install(app: FastAPI, settings: Settings) -> None:
    """Add the layers (Starlette runs the one added last first)."""
    app.add_middleware(Compress)  # innermost: HEAD's headers are GET's; timed with the route
    app.add_middleware(HeadAsGet)  # HEAD reaches the routes as GET (app/head.py)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    app.add_middleware(ServerTiming)
    app.add_middleware(RelativeRedirects)
    app.add_middleware(EmbedCORS)  # /embed only: a frame in sandbox="allow-scripts" steps
    app.add_middleware(SecurityHeaders, frame_ancestors=settings.frame_ancestors)
    if settings.root_path:
        app.add_middleware(RootPath, root_path=settings.root_path)


def csp(frame_ancestors: str, docs: bool = False) -> str:
    # Swagger UI sets style attributes from its React code: /docs alone allows inline styles.
    style = "'self' 'unsafe-inline'" if docs else "'self'"
    return (
        "default-src 'self'; script-src 'self'; "
        f"style-src {style}; img-src 'self' data:; font-src 'self'; connect-src 'self'; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; "
        f"frame-ancestors {frame_ancestors}"
    )


class RootPath:
    """Serve under a sub-path (ROOT_PATH) behind a proxy, whether it strips the prefix or not
    (Starlette's routing strips it from a path that has it): what FastAPI's own ``root_path``
    argument did before it was deprecated (a server's --root-path does the same)."""

    def __init__(self, app: ASGIApp, root_path: str) -> None:
        self.app = app
        self.root_path = root_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            scope["root_path"] = self.root_path
        await self.app(scope, receive, send)


class SecurityHeaders:
    """A strict CSP and friends on every response; /embed may be framed by the set origins."""

    def __init__(self, app: ASGIApp, frame_ancestors: str) -> None:
        self.app = app
        self.page_csp = csp("'self'").encode()
        self.embed_csp = csp(frame_ancestors).encode()
        self.docs_csp = csp("'self'", docs=True).encode()

    def _policy(self, scope: Scope) -> tuple[bytes, bool]:
        if is_embed(scope):
            return self.embed_csp, True
        return (self.docs_csp if app_path(scope).startswith("/docs") else self.page_csp), False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy, framed = self._policy(scope)
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                headers += [
                    (b"content-security-policy", policy),
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
                await _internal_error(send_with_headers)
            raise


async def _internal_error(send: Send) -> None:
    body = b"Internal Server Error"
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
    ]
    await send({"type": "http.response.start", "status": 500, "headers": headers})
    await send({"type": "http.response.body", "body": body})


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


class BodyLimit:
    """Refuses a request body over ``limit`` bytes with 413, whether or not it says its length."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    def _declared_too_large(self, scope: Scope) -> bool:
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit():
                return len(value) > 18 or int(value) > self.limit
        return False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self._declared_too_large(scope):
            await errors.too_large(scope, self.limit)(scope, receive, send)
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
                await errors.too_large(scope, self.limit)(scope, receive, send)
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
