"""Error answers: a page route answers a page (in the site's or the embed's frame), the API
its one JSON shape; the security headers follow the path inside the app under ROOT_PATH."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.explorer.state import preset_state
from app.main import create_app
from app.settings import Settings

STATE = preset_state("sigmoid-2-2-2").encode()
BROKEN = b'--xyz\r\nContent-Disposition: form-data; name="s"\r\n\r\nabc'  # no closing boundary
NO_BOUNDARY = "multipart/form-data"


@pytest.mark.parametrize("path", ["/explore/edit", "/share/load", "/embed/explore/edit"])
@pytest.mark.parametrize(
    ("body", "kind"),
    [
        (BROKEN, "multipart/form-data; boundary=xyz"),
        (b"--xyz\r\n", NO_BOUNDARY),
        (b"\xff\xfe", "application/x-www-form-urlencoded; charset=utf-8"),
    ],
)
def test_a_form_that_cannot_be_read_answers_a_page(
    client: TestClient, path: str, body: bytes, kind: str
) -> None:
    r = client.post(path, content=body, headers={"content-type": kind}, follow_redirects=False)
    assert 400 <= r.status_code < 500, r.text[:300]
    if r.status_code == 400:
        assert r.headers["content-type"].startswith("text/html"), r.text[:200]
        assert "<!doctype html>" in r.text.lower() and 'role="alert"' in r.text
    framed = path.startswith("/embed")
    assert ("x-frame-options" in r.headers) is not framed


def test_a_broken_multipart_body_is_a_page_in_place_for_htmx(client: TestClient) -> None:
    r = client.post(
        "/explore/edit",
        content=b"--xyz\r\n",
        headers={"content-type": NO_BOUNDARY, "HX-Request": "true"},
    )
    assert r.status_code == 400 and r.headers["content-type"].startswith("text/html")
    assert r.headers["hx-retarget"] == "body" and "could not be read" in r.text


def test_a_method_a_page_does_not_take_is_a_page(client: TestClient) -> None:
    r = client.put("/explore/edit", data={"s": STATE})
    assert r.status_code == 405 and r.headers["allow"]
    assert r.headers["content-type"].startswith("text/html") and "PUT" in r.text


def test_an_api_error_keeps_the_json_shape(client: TestClient) -> None:
    r = client.put("/api/step", json={})
    assert r.status_code == 405 and r.json()["detail"][0]["type"] == "method_not_allowed"


@pytest.mark.parametrize("path", ["/bp/embed/sigmoid-2-2-2", "/embed/sigmoid-2-2-2"])
def test_root_path_with_a_proxy_that_strips_it_or_not(path: str) -> None:
    # ROOT_PATH=/bp: a proxy that keeps the prefix hands the app /bp/embed/…, one that strips it
    # /embed/…; both are the embed, framed by FRAME_ANCESTORS
    settings = Settings(root_path="/bp", frame_ancestors="https://lms.example.edu")
    with TestClient(create_app(settings)) as c:
        r = c.get(path)
        assert r.status_code == 200
        assert "frame-ancestors https://lms.example.edu" in r.headers["content-security-policy"]
        assert "x-frame-options" not in r.headers
        assert 'href="/bp/static/' in r.text
        page = c.get(path.replace("/embed/", "/explore/"))
        assert "frame-ancestors 'self'" in page.headers["content-security-policy"]
        assert page.headers["x-frame-options"] == "SAMEORIGIN"
