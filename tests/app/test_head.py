"""HEAD on every GET route: GET's status and headers, no body (it answered 405, issue 12)."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from app.explorer.state import preset_state

S = preset_state("batch-xor").encode()
# headers that differ from one answer to the next whatever the method
VOLATILE = {"server-timing", "date"}


def filled(path: str) -> str:
    """A route's path, its parameters filled in with a preset's id (a route that takes another
    parameter answers its 404 page, which HEAD must match as well)."""
    return re.sub(r"\{[^}]+\}", "sigmoid-2-2-2", path)


def test_head_answers_as_get_without_a_body_on_every_get_route(
    client: TestClient, route_table: list[Any]
) -> None:
    paths = sorted({filled(r.path) for r in route_table if "GET" in r.methods})
    for path in ("/", "/explore/sigmoid-2-2-2", "/embed/sigmoid-2-2-2", "/explore", "/healthz"):
        assert path in paths
    for path in paths:
        for query in ({}, {"s": S, "at": "3"}):
            got = client.get(path, params=query, follow_redirects=False)
            head = client.head(path, params=query, follow_redirects=False)
            assert head.status_code == got.status_code != 405, (path, head.status_code)
            assert head.content == b"", path
            assert {k: v for k, v in head.headers.items() if k not in VOLATILE} == {
                k: v for k, v in got.headers.items() if k not in VOLATILE
            }, path


def test_head_of_a_page_keeps_its_length_and_type(client: TestClient) -> None:
    for coding in ("identity", "gzip, br"):  # the length GET sends, compressed or not
        plain = {"Accept-Encoding": coding}
        got = client.get("/explore/sigmoid-2-2-2?at=4", headers=plain)
        head = client.head("/explore/sigmoid-2-2-2?at=4", headers=plain)
        assert head.status_code == 200 and head.content == b""
        assert head.headers["content-length"] == got.headers["content-length"]
    assert head.headers["content-length"] != str(len(got.content))  # compressed
    plain = {"Accept-Encoding": "identity"}
    assert client.head("/explore/sigmoid-2-2-2?at=4", headers=plain).headers[
        "content-length"
    ] == str(len(client.get("/explore/sigmoid-2-2-2?at=4", headers=plain).content))
    assert head.headers["content-type"].startswith("text/html")
    assert "frame-ancestors" in head.headers["content-security-policy"]


def test_a_route_without_get_still_refuses_head(client: TestClient) -> None:
    r = client.head("/share/load")
    assert r.status_code == 405 and r.content == b""
    assert "POST" in r.headers["allow"]
