"""Security headers on every kind of response: a strict CSP (no inline script, no eval), nosniff,
a referrer policy, no cookies; /embed may be framed by the set origins, everything else only by
its own origin."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.explorer.state import preset_state
from app.main import create_app
from app.settings import Settings

STATE = preset_state("sigmoid-2-2-2").encode()
HX = {"HX-Request": "true"}

# (method, path, body or None, headers, expected status, framed by others?)
PAGES = [
    ("GET", "/", None, {}, 200, False),
    ("GET", "/explore/sigmoid-2-2-2?at=3", None, {}, 200, False),
    ("GET", "/explore/sigmoid-2-2-2?at=3", None, HX, 200, False),
    ("GET", f"/explore?s={STATE}&at=2", None, {}, 200, False),
    ("GET", "/explore/new?layers=2,2,1", None, {}, 303, False),
    ("GET", "/embed/sigmoid-2-2-2", None, {}, 200, True),
    ("GET", "/embed/sigmoid-2-2-2?at=3&panels=all&readonly=1", None, HX, 200, True),
    ("GET", f"/embed?s={STATE}&at=4", None, {}, 200, True),
    ("GET", f"/embed/explore?s={STATE}&at=4", None, {}, 200, True),
    ("POST", "/embed/explore/finish", {"s": STATE}, {}, 303, True),
    ("GET", "/docs", None, {}, 200, False),
    ("GET", "/openapi.json", None, {}, 200, False),
    ("GET", "/api/presets", None, {}, 200, False),
    ("POST", "/api/forward", {"layers": [2]}, {}, 422, False),
    ("GET", "/static/css/explorer.css", None, {}, 200, False),
    ("GET", "/static/js/embed-host.js", None, {}, 200, False),
    ("GET", f"/share/scenario.json?s={STATE}", None, {}, 200, False),
    ("GET", "/healthz", None, {}, 200, False),
    # error pages
    ("GET", "/explore?s=1.damaged", None, {}, 400, False),
    ("GET", "/explore/sigmoid-2-2-2?at=x", None, {}, 422, False),
    ("GET", "/explore/no-such-example", None, {}, 404, False),
    ("GET", "/embed?s=1.damaged", None, {}, 400, True),
    ("GET", "/embed/no-such-example", None, {}, 404, True),
    ("GET", "/embed/sigmoid-2-2-2?panels=sideways", None, {}, 400, True),
    ("GET", "/no/such/page", None, {}, 404, False),
    ("GET", "/embedded", None, {}, 404, False),  # not an embed: only /embed and /embed/…
    ("GET", "/static/nothing.js", None, {}, 404, False),
    ("DELETE", "/api/presets", None, {}, 405, False),
]


def _request(
    c: TestClient, method: str, path: str, body: object, headers: dict[str, str]
) -> httpx.Response:
    if method == "POST" and path.startswith("/api"):
        return c.post(path, json=body, headers=headers)
    if method == "POST":
        return c.post(path, data=body, headers=headers, follow_redirects=False)  # type: ignore[arg-type]
    return c.request(method, path, headers=headers, follow_redirects=False)


def directives(policy: str) -> dict[str, str]:
    out = {}
    for part in policy.split(";"):
        name, _, value = part.strip().partition(" ")
        out[name] = value.strip()
    return out


def check_common(r: httpx.Response, path: str) -> dict[str, str]:
    csp = directives(r.headers["content-security-policy"])
    assert csp["default-src"] == "'self'"
    assert csp["script-src"] == "'self'"  # no inline script, no eval
    assert csp["object-src"] == "'none'"
    assert csp["base-uri"] == "'self'" and csp["form-action"] == "'self'"
    if path.startswith("/docs"):
        assert csp["style-src"] == "'self' 'unsafe-inline'"  # Swagger UI's own style attributes
    else:
        assert csp["style-src"] == "'self'"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "set-cookie" not in r.headers  # nothing to block in a third-party iframe
    return csp


@pytest.mark.parametrize(("method", "path", "body", "headers", "status", "framed"), PAGES)
def test_every_kind_of_response_has_the_headers(
    client: TestClient,
    method: str,
    path: str,
    body: object,
    headers: dict[str, str],
    status: int,
    framed: bool,
) -> None:
    r = _request(client, method, path, body, headers)
    assert r.status_code == status, (path, r.text[:300])
    csp = check_common(r, path)
    if framed:
        assert csp["frame-ancestors"] == "*"
        assert "x-frame-options" not in r.headers
    else:
        assert csp["frame-ancestors"] == "'self'"
        assert r.headers["x-frame-options"] == "SAMEORIGIN"


def test_a_body_over_the_limit_has_them_too(client: TestClient, settings: Settings) -> None:
    big = b"x" * (settings.max_body_bytes + 1)
    for path, framed in (
        ("/explore/edit", False),
        ("/embed/explore/edit", True),
        ("/api/step", False),
    ):
        r = client.post(path, content=big, headers={"content-type": "text/plain"})
        assert r.status_code == 413
        csp = check_common(r, path)
        assert csp["frame-ancestors"] == ("*" if framed else "'self'")


def test_a_bug_answers_500_with_the_headers() -> None:
    app = create_app(Settings())

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("a bug")

    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/boom")
    assert r.status_code == 500 and r.text == "Internal Server Error"
    check_common(r, "/boom")
    assert r.headers["x-frame-options"] == "SAMEORIGIN"


@pytest.fixture
def lms_app(monkeypatch: pytest.MonkeyPatch) -> Iterator[FastAPI]:
    monkeypatch.setenv("FRAME_ANCESTORS", "https://lms.example.edu")
    yield create_app(Settings.from_env())


def test_frame_ancestors_from_the_environment_apply_to_embeds_only(lms_app: FastAPI) -> None:
    with TestClient(lms_app, raise_server_exceptions=False) as c:
        for path in ("/embed/sigmoid-2-2-2", f"/embed?s={STATE}", "/embed/no-such-example"):
            r = c.get(path)
            assert directives(r.headers["content-security-policy"])["frame-ancestors"] == (
                "https://lms.example.edu"
            ), path
            assert "x-frame-options" not in r.headers
        for path in ("/", "/explore/sigmoid-2-2-2", "/docs", "/api/presets", "/no/such/page"):
            r = c.get(path)
            assert directives(r.headers["content-security-policy"])["frame-ancestors"] == "'self'"
            assert r.headers["x-frame-options"] == "SAMEORIGIN"


def test_several_origins_and_an_empty_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FRAME_ANCESTORS", "https://a.example.edu https://b.example.org")
    with TestClient(create_app(Settings.from_env())) as c:
        csp = directives(c.get("/embed/sigmoid-2-2-2").headers["content-security-policy"])
    assert csp["frame-ancestors"] == "https://a.example.edu https://b.example.org"
    monkeypatch.setenv("FRAME_ANCESTORS", "  ")
    assert Settings.from_env().frame_ancestors == "*"


def test_embeds_under_a_root_path_are_still_embeds(app: FastAPI) -> None:
    # behind a proxy on a sub-path, the server may hand the app /bp/embed/… (uvicorn --root-path)
    with TestClient(app, root_path="/bp", raise_server_exceptions=False) as c:
        r = c.get("/bp/embed/sigmoid-2-2-2")
        assert r.status_code == 200
        assert directives(r.headers["content-security-policy"])["frame-ancestors"] == "*"
        assert "x-frame-options" not in r.headers
        r = c.get("/bp/explore/sigmoid-2-2-2")
        assert directives(r.headers["content-security-policy"])["frame-ancestors"] == "'self'"
