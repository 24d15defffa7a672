"""Compressed answers: brotli when the client takes it, else gzip, for text over ``MIN_BYTES``.

Starlette's ``GZipMiddleware`` compresses on the event loop, and the explorer's largest answers
take a visible time to compress (bench/README.md: ~0.5 s to gzip 12 MB): every other request
would wait for it. Here a body over ``INLINE_BYTES`` is compressed in the thread pool (zlib and
brotli release the GIL while they work); a smaller one, which takes well under a millisecond,
on the loop. An answer streamed in several parts (a large static file) goes out as it is.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable

import brotli
from anyio import to_thread
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MIN_BYTES = 1024  # below this the headers cost more than compression saves
INLINE_BYTES = 32 * 1024  # compressed on the loop up to this size (~0.3 ms of gzip)
GZIP_LEVEL = 6
BROTLI_QUALITY = 4  # bench/README.md: about gzip 6's time, 10-30 % fewer bytes
COMPRESSIBLE = (
    "text/",
    "application/json",
    "application/javascript",
    "application/xml",
    "image/svg+xml",
)


def _gzip(body: bytes) -> bytes:
    return gzip.compress(body, GZIP_LEVEL, mtime=0)


def _brotli(body: bytes) -> bytes:
    return bytes(brotli.compress(body, quality=BROTLI_QUALITY))


CODINGS: dict[str, Callable[[bytes], bytes]] = {"br": _brotli, "gzip": _gzip}


def chosen_coding(accept: str) -> str | None:
    """The coding to answer with for an ``Accept-Encoding`` header: br, else gzip, else none
    (a coding with ``q=0`` is refused)."""
    taken = set()
    for item in accept.lower().split(","):
        name, _, params = item.strip().partition(";")
        q = params.replace(" ", "")
        if q.startswith("q=") and _refused(q[2:]):
            continue
        taken.add(name.strip())
    return next((c for c in CODINGS if c in taken or "*" in taken), None)


def _refused(q: str) -> bool:
    try:
        return float(q) <= 0
    except ValueError:
        return True


def _compressible(start: Message, size: int) -> bool:
    headers = Headers(raw=start.get("headers", []))
    status = int(start["status"])
    return (
        size >= MIN_BYTES
        and 200 <= status < 300
        and status not in (204, 206)
        and "content-encoding" not in headers
        and headers.get("content-type", "").startswith(COMPRESSIBLE)
    )


async def compress(coding: str, body: bytes, inline_bytes: int = INLINE_BYTES) -> bytes:
    """The body compressed: in the thread pool when it is large."""
    fn = CODINGS[coding]
    if len(body) <= inline_bytes:
        return fn(body)
    return await to_thread.run_sync(fn, body)


class Compress:
    """The ASGI layer: holds the response's start until its body is known, then compresses
    a whole, compressible body (``Content-Encoding``, ``Content-Length``, ``Vary``)."""

    def __init__(self, app: ASGIApp, inline_bytes: int = INLINE_BYTES) -> None:
        self.app = app
        self.inline_bytes = inline_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        coding = None
        if scope["type"] == "http":
            coding = chosen_coding(Headers(scope=scope).get("accept-encoding", ""))
        if coding is None:
            await self.app(scope, receive, send)
            return
        held: Message | None = None

        async def send_compressed(message: Message) -> None:
            nonlocal held
            if message["type"] == "http.response.start":
                held = message
                return
            if held is None or message["type"] != "http.response.body":
                await send(message)
                return
            start, held = held, None
            body = message.get("body", b"")
            if message.get("more_body", False) or not _compressible(start, len(body)):
                await send(start)
                await send(message)
                return
            data = await compress(coding, body, self.inline_bytes)
            headers = MutableHeaders(raw=list(start.get("headers", [])))
            headers["Content-Encoding"] = coding
            headers["Content-Length"] = str(len(data))
            headers.add_vary_header("Accept-Encoding")
            await send({**start, "headers": headers.raw})
            await send({"type": "http.response.body", "body": data})

        await self.app(scope, receive, send_compressed)
        if held is not None:  # a start without a body message: send it as it was
            await send(held)
