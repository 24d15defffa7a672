"""``HEAD`` answered as ``GET`` without its body, on every route that answers ``GET``.

Uptime checkers and link previews ask with ``HEAD``; FastAPI's ``GET`` routes answer it 405. The
answer keeps GET's status and headers (``Content-Length`` included, as RFC 9110 § 9.3.2 asks) and
sends no body. A route that does not answer ``GET`` still answers 405."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGet:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return  # a streamed body: nothing of it is sent, only its end
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_headers_only)
