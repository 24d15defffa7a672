"""Redirects answer with a path, never an origin taken from the request's Host header.

Starlette's slash redirects (``/embed/x/`` → ``/embed/x``) build an absolute ``Location`` from the
Host header, so a client that sends ``Host: evil.example`` would be sent there. A ``Location``
on the request's own host is cut to its path, query and fragment; browsers resolve it against the
address they actually reached."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send


def relative(location: str, host: str) -> str:
    """``http://HOST/a?b`` → ``/a?b`` when HOST is the request's host; anything else as it is."""
    try:
        parts = urlsplit(location)
    except ValueError:
        return location
    if not parts.netloc or parts.netloc.lower() != host.lower():
        return location
    path = "/" + parts.path.lstrip("/")  # never //x: a browser would read it as a host
    return urlunsplit(("", "", path, parts.query, parts.fragment))


class RelativeRedirects:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"host"), "")

        async def send_relative(message: Message) -> None:
            if message["type"] == "http.response.start" and 300 <= message["status"] < 400:
                message["headers"] = [
                    (k, relative(v.decode("latin-1"), host).encode("latin-1"))
                    if k.lower() == b"location"
                    else (k, v)
                    for k, v in message.get("headers", [])
                ]
            await send(message)

        await self.app(scope, receive, send_relative)
