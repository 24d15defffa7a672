"""CORS for the embed alone, so that a frame in ``sandbox="allow-scripts"`` still steps.

WordPress frames a discovered oEmbed provider that way: the frame's document has an opaque
origin (``null``) and may not submit forms, so every click is an htmx request from ``null`` to
this server: cross-origin. The embed's answers are public (no cookies, nothing about the
user), so ``/embed/…`` answers any origin, without credentials, and lets htmx read the
headers that steer the swap (``HX-Replace-Url``, ``HX-Retarget``, …); preflights for htmx's
own request headers are answered. Every other path is left as it is (no CORS)."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..paths import is_embed

# every response header htmx 2 reads (it asks for each, and the browser logs each it may not read)
EXPOSED = (
    b"HX-Location, HX-Push-Url, HX-Push, HX-Redirect, HX-Refresh, HX-Replace-Url, HX-Reswap, "
    b"HX-Retarget, HX-Reselect, HX-Trigger, HX-Trigger-After-Swap, HX-Trigger-After-Settle"
)
METHODS = b"GET, POST"
MAX_AGE = b"600"


def _allowed_headers(requested: bytes) -> bool:
    names = [h.strip().lower() for h in requested.split(b",") if h.strip()]
    return all(n.startswith(b"hx-") or n == b"content-type" for n in names)


class EmbedCORS:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_embed(scope):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        if scope["method"] == "OPTIONS" and b"access-control-request-method" in headers:
            await self._preflight(headers, send)
            return

        async def send_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *message.get("headers", []),
                    (b"access-control-allow-origin", b"*"),
                    (b"access-control-expose-headers", EXPOSED),
                ]
            await send(message)

        await self.app(scope, receive, send_cors)

    async def _preflight(self, headers: dict[bytes, bytes], send: Send) -> None:
        method = headers.get(b"access-control-request-method", b"").upper()
        requested = headers.get(b"access-control-request-headers", b"")
        ok = method in (b"GET", b"POST") and _allowed_headers(requested)
        response: list[tuple[bytes, bytes]] = [(b"content-length", b"0"), (b"vary", b"Origin")]
        if ok:
            response += [
                (b"access-control-allow-origin", b"*"),
                (b"access-control-allow-methods", METHODS),
                (b"access-control-allow-headers", requested),
                (b"access-control-max-age", MAX_AGE),
            ]
        await send(
            {"type": "http.response.start", "status": 204 if ok else 403, "headers": response}
        )
        await send({"type": "http.response.body", "body": b""})
