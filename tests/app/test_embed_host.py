"""What an instructor copies never carries the request's Host header: the snippet's origin is
PUBLIC_URL when set, else the snippet holds paths that the page's script completes with the
origin the browser reached; redirects answer with paths."""

from __future__ import annotations

import re
from html import unescape

import pytest
from fastapi.testclient import TestClient

from app.explorer.state import preset_state
from app.main import create_app
from app.settings import Settings

EVIL = {"Host": "evil.example"}
HX = {"HX-Request": "true"}


def share_texts(html: str) -> list[str]:
    found = re.findall(r'<input id="share-link"[^>]*value="([^"]*)"', html)
    found += re.findall(r'<textarea id="share-embed"[^>]*>(.*?)</textarea>', html, re.S)
    found += re.findall(r'<code class="host-script"[^>]*>(.*?)</code>', html, re.S)
    return [unescape(x) for x in found]


@pytest.mark.parametrize("headers", [EVIL, {**EVIL, **HX}])
def test_the_host_header_never_reaches_the_share_panel(
    client: TestClient, headers: dict[str, str]
) -> None:
    html = client.get("/explore/sigmoid-2-2-2?at=3", headers=headers).text
    assert "evil.example" not in html
    link, snippet, script = share_texts(html)
    assert link == "/explore/sigmoid-2-2-2?at=3"
    assert snippet.startswith('<iframe src="/embed/sigmoid-2-2-2?at=3"')
    assert script == '<script src="/static/js/embed-host.js" async></script>'
    # the script completes each of them with location.origin
    assert html.count("data-complete-origin") == 3


def test_the_embed_code_builder_ignores_the_host_header(client: TestClient) -> None:
    s = preset_state("sigmoid-2-2-2").encode()
    r = client.get(
        "/share/embed-code", params={"s": s, "at": "2", "panels": "step"}, headers={**EVIL, **HX}
    )
    assert r.status_code == 200 and "evil.example" not in r.text


def test_public_url_is_the_origin_of_every_snippet() -> None:
    app = create_app(Settings(public_url="https://explorer.example.edu", root_path="/bp"))
    with TestClient(app, root_path="/bp") as c:
        html = c.get("/bp/explore/sigmoid-2-2-2?at=3", headers=EVIL).text
    assert "evil.example" not in html and "data-complete-origin" not in html
    link, snippet, script = share_texts(html)
    assert link == "https://explorer.example.edu/bp/explore/sigmoid-2-2-2?at=3"
    assert snippet.startswith(
        '<iframe src="https://explorer.example.edu/bp/embed/sigmoid-2-2-2?at=3"'
    )
    assert script == (
        '<script src="https://explorer.example.edu/bp/static/js/embed-host.js" async></script>'
    )


@pytest.mark.parametrize(
    "path",
    [
        "/embed/sigmoid-2-2-2/?at=3",
        "/explore/sigmoid-2-2-2/",
        "/explore/new?layers=2,2,1",
        "/explore",
    ],
)
def test_redirects_answer_with_a_path(client: TestClient, path: str) -> None:
    r = client.get(path, headers=EVIL, follow_redirects=False)
    assert r.status_code in (303, 307), r.status_code
    location = r.headers["location"]
    assert location.startswith("/") and not location.startswith("//"), location
    assert "evil.example" not in location


def test_a_slash_redirect_keeps_the_query(client: TestClient) -> None:
    r = client.get("/embed/sigmoid-2-2-2/?at=3&readonly=1", headers=EVIL, follow_redirects=False)
    assert r.headers["location"] == "/embed/sigmoid-2-2-2?at=3&readonly=1"


@pytest.mark.parametrize(
    "value",
    ["explorer.example.edu", "ftp://x.example", "https://x.example/p", "https://", "https://a b"],
)
def test_a_bad_public_url_stops_the_start(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("PUBLIC_URL", value)
    with pytest.raises(SystemExit, match="PUBLIC_URL="):
        Settings.from_env()


def test_a_good_public_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUBLIC_URL", "https://Explorer.example.edu:8443/")
    assert Settings.from_env().public_url == "https://Explorer.example.edu:8443"
    monkeypatch.setenv("PUBLIC_URL", "")
    assert Settings.from_env().public_url == ""
