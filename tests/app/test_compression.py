"""Compressed answers (app/compression.py): the same page once decoded, the codings a client
asks for, and a large body compressed off the event loop."""

from __future__ import annotations

import asyncio
import gzip
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import brotli
import pytest
from fastapi.testclient import TestClient
from starlette.types import Receive, Scope, Send

from app import compression
from app.compression import INLINE_BYTES, MIN_BYTES, Compress, chosen_coding

T = TypeVar("T")


def run_alone(main: Callable[[], Awaitable[T]]) -> T:
    """`asyncio.run` in a thread of its own: a browser test earlier in the same worker
    (Playwright's sync API) leaves an event loop running in the main thread."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(main())).result()  # type: ignore[arg-type]


PAGES = ["/explore/sigmoid-2-2-2?at=15", "/", "/api/presets", "/static/js/explorer.js"]


def raw_get(client: TestClient, path: str, accept: str, **headers: str) -> tuple[bytes, Any]:
    """The body as sent (not decoded) and the headers."""
    with client.stream("GET", path, headers={"Accept-Encoding": accept, **headers}) as r:
        return b"".join(r.iter_raw()), r.headers


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize(("accept", "coding"), [("gzip", "gzip"), ("gzip, br", "br")])
def test_a_compressed_answer_decodes_to_the_same_page(
    client: TestClient, path: str, accept: str, coding: str
) -> None:
    plain, plain_headers = raw_get(client, path, "identity")
    sent, headers = raw_get(client, path, accept)
    assert "content-encoding" not in plain_headers
    assert headers["content-encoding"] == coding
    assert int(headers["content-length"]) == len(sent) < len(plain)
    assert "accept-encoding" in headers["vary"].lower()
    decoded = gzip.decompress(sent) if coding == "gzip" else brotli.decompress(sent)
    assert decoded == plain


def test_an_htmx_click_keeps_its_vary_on_hx_request(client: TestClient) -> None:
    _, headers = raw_get(client, "/explore/sigmoid-2-2-2?at=3", "br", **{"HX-Request": "true"})
    vary = {v.strip().lower() for v in headers["vary"].split(",")}
    assert {"hx-request", "accept-encoding"} <= vary


def test_small_answers_go_out_as_they_are_and_head_says_what_get_sends(
    client: TestClient,
) -> None:
    body, headers = raw_get(client, "/healthz", "gzip, br")
    assert "content-encoding" not in headers and len(body) < MIN_BYTES
    sent, got = raw_get(client, "/explore/sigmoid-2-2-2", "gzip")
    head = client.head("/explore/sigmoid-2-2-2", headers={"Accept-Encoding": "gzip"})
    assert head.content == b"" and head.headers["content-encoding"] == "gzip"
    assert head.headers["content-length"] == got["content-length"] == str(len(sent))


@pytest.mark.parametrize(
    ("accept", "coding"),
    [
        ("gzip, deflate, br", "br"),
        ("gzip", "gzip"),
        ("br;q=0, gzip", "gzip"),
        ("BR;Q=0.5", "br"),
        ("*", "br"),
        ("identity", None),
        ("gzip;q=0", None),
        ("gzip;q=x", None),
        ("", None),
    ],
)
def test_the_coding_follows_accept_encoding(accept: str, coding: str | None) -> None:
    assert chosen_coding(accept) == coding


async def _call(app: Any, path: str) -> tuple[dict[str, str], bytes]:
    scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "headers": [(b"accept-encoding", b"gzip")],
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    headers = {k.decode(): v.decode() for k, v in sent[0]["headers"]}
    return headers, b"".join(m.get("body", b"") for m in sent[1:])


def test_a_large_answer_is_compressed_off_the_event_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    """While a large body is being compressed (held here until /healthz has answered), the
    event loop serves another request: were the compression on the loop, /healthz could not
    answer until the compression ended, and the compression waits for /healthz."""
    started, release = threading.Event(), threading.Event()
    big = b"<p>backprop</p>" * (INLINE_BYTES // 10)

    def held_gzip(body: bytes) -> bytes:
        started.set()
        if not release.wait(10):
            raise TimeoutError("/healthz never answered while the body was being compressed")
        return gzip.compress(body)

    monkeypatch.setitem(compression.CODINGS, "gzip", held_gzip)

    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        body = b"ok" if scope["path"] == "/healthz" else big
        headers = [(b"content-type", b"text/html; charset=utf-8")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    app = Compress(inner)

    async def both() -> tuple[bytes, bytes]:
        page = asyncio.create_task(_call(app, "/page"))
        while not started.is_set():
            await asyncio.sleep(0.005)
        _, ok = await asyncio.wait_for(_call(app, "/healthz"), 5)
        release.set()
        headers, body = await page
        assert headers["content-encoding"] == "gzip"
        return ok, gzip.decompress(body)

    ok, page = run_alone(both)
    assert ok == b"ok" and page == big


def test_a_small_answer_is_compressed_on_the_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    threads: list[int] = []

    def noted(body: bytes) -> bytes:
        threads.append(threading.get_ident())
        return gzip.compress(body)

    monkeypatch.setitem(compression.CODINGS, "gzip", noted)

    async def run() -> int:
        await compression.compress("gzip", b"x" * 2000)
        await compression.compress("gzip", b"x" * (INLINE_BYTES + 1))
        return threading.get_ident()

    loop_thread = run_alone(run)
    assert threads[0] == loop_thread != threads[1]
