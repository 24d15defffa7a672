"""oEmbed (https://oembed.com): GET /oembed answers the rich type with the iframe snippet, with
the spec's required fields; 404 for an address that is not an explorer page, 501 for another
format; every explorer page links to it. And the embed answers CORS, so that a frame in
sandbox="allow-scripts" (an opaque origin) still steps."""

from __future__ import annotations

import re
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from app.explorer.state import preset_state
from app.main import create_app
from app.settings import Settings

SITE = "https://explorer.example.edu"
START = preset_state("sigmoid-2-2-2")


def check_rich(doc: dict[str, Any]) -> None:
    """The oEmbed spec's required fields (2.3.4): type, version; for rich: html, width and
    height (integers); the optional ones we send have their types."""
    assert doc["type"] == "rich" and doc["version"] == "1.0"
    assert isinstance(doc["html"], str) and doc["html"].startswith("<iframe ")
    assert isinstance(doc["width"], int) and isinstance(doc["height"], int)
    assert doc["width"] > 0 and doc["height"] > 0
    assert isinstance(doc["title"], str) and doc["provider_name"] == "Backprop Explorer"
    assert isinstance(doc["cache_age"], int)
    assert "<script" not in doc["html"]


def iframe_src(html: str) -> str:
    m = re.search(r'src="([^"]+)"', html)
    assert m
    return unescape(m.group(1))


def test_a_preset_link_becomes_its_frame(client: TestClient) -> None:
    r = client.get("/oembed", params={"url": f"{SITE}/explore/sigmoid-2-2-2?at=15"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    doc = r.json()
    check_rich(doc)
    assert iframe_src(doc["html"]) == f"{SITE}/embed/sigmoid-2-2-2?at=15"
    assert f'height="{doc["height"]}"' in doc["html"] and doc["width"] == 700
    assert doc["provider_url"] == f"{SITE}/"
    assert doc["title"] == "Backprop Explorer: Step-by-step example: 2-2-2 sigmoid"


def test_any_state_and_an_embed_with_its_options(client: TestClient) -> None:
    s = START.encode()
    url = f"{SITE}/embed?s={s}&at=12&from=12&to=20&hide=open&caption=Hi"
    doc = client.get("/oembed", params={"url": url, "format": "json"}).json()
    check_rich(doc)
    src = urlsplit(iframe_src(doc["html"]))
    assert src.path == "/embed/sigmoid-2-2-2"  # the preset as it starts: its short address
    q = parse_qs(src.query)
    assert q["from"] == ["12"] and q["to"] == ["20"] and q["hide"] == ["open"]
    assert q["caption"] == ["Hi"] and q["at"] == ["12"]


def test_a_practice_link_becomes_the_practice_frame(client: TestClient) -> None:
    """An instructor pastes a practice page's address (the learner's record in it is theirs,
    not the course's): the frame practises the same set, from its first question, and is as
    tall as the share panel's practice snippet."""
    url = f"{SITE}/practice/sigmoid-2-2-2?set=doc003-iteration&at=3&score=111"
    r = client.get("/oembed", params={"url": url})
    assert r.status_code == 200
    doc = r.json()
    check_rich(doc)
    src = urlsplit(iframe_src(doc["html"]))
    assert src.path == "/embed/practice/sigmoid-2-2-2"
    assert parse_qs(src.query) == {"set": ["doc003-iteration"]}
    explorer = client.get("/oembed", params={"url": f"{SITE}/explore/sigmoid-2-2-2"}).json()
    assert doc["height"] > explorer["height"]
    locked = f"{SITE}/embed/practice?s={START.encode()}&from=4&to=10&fade=2"
    frame = client.get("/oembed", params={"url": locked}).json()
    q = parse_qs(urlsplit(iframe_src(frame["html"])).query)
    assert q == {"from": ["4"], "to": ["10"], "fade": ["2"]}


@pytest.mark.parametrize("prefix", ["", "/embed"])
def test_a_practice_page_names_its_oembed(client: TestClient, prefix: str) -> None:
    html = client.get(prefix + "/practice/batch-xor?set=xor-layers").text
    links = re.findall(
        r'<link rel="alternate" type="application/json\+oembed" href="([^"]+)"', html
    )
    assert len(links) == 1
    url = parse_qs(urlsplit(unescape(links[0])).query)["url"][0]
    assert url == prefix + "/practice/batch-xor?fade=all&set=xor-layers"  # not the record
    assert client.get("/oembed", params={"url": SITE + url}).status_code == 200


def test_maxwidth_and_maxheight_are_respected(client: TestClient) -> None:
    url = f"{SITE}/explore/batch-xor"
    full = client.get("/oembed", params={"url": url}).json()
    small = client.get("/oembed", params={"url": url, "maxwidth": "500", "maxheight": "600"})
    doc = small.json()
    check_rich(doc)
    assert doc["width"] == 500 and doc["height"] == 600 < full["height"]
    assert 'width="500" height="600"' in doc["html"]


@pytest.mark.parametrize(
    "url",
    [
        f"{SITE}/explore/no-such-example",
        f"{SITE}/docs",
        f"{SITE}/explore?s=1.damaged",
        f"{SITE}/embed/sigmoid-2-2-2?panels=sideways",
        "/explore/sigmoid-2-2-2",
        "javascript:alert(1)",
        f"{SITE}/explore/sigmoid-2-2-2/more",
        f"{SITE}/practice/sigmoid-2-2-2?set=nope",
        f"{SITE}/embed/practice/sigmoid-2-2-2/more",
        f"{SITE}/embed/explore/sigmoid-2-2-2",
    ],
)
def test_an_address_that_is_not_an_explorer_page_is_404(client: TestClient, url: str) -> None:
    r = client.get("/oembed", params={"url": url})
    assert r.status_code == 404 and r.text.startswith("url:")


def test_other_formats_are_501_and_a_missing_url_400(client: TestClient) -> None:
    r = client.get("/oembed", params={"url": f"{SITE}/explore/sigmoid-2-2-2", "format": "xml"})
    assert r.status_code == 501
    assert client.get("/oembed").status_code == 400
    assert client.get("/oembed", params={"url": SITE, "maxwidth": "wide"}).status_code == 400


def test_with_public_url_only_its_addresses_are_answered() -> None:
    app = create_app(Settings(public_url=SITE))
    with TestClient(app) as c:
        ok = c.get("/oembed", params={"url": f"{SITE}/explore/linear-2-2-1"}, headers={"Host": "x"})
        assert ok.status_code == 200 and iframe_src(ok.json()["html"]).startswith(SITE + "/")
        other = c.get("/oembed", params={"url": "https://elsewhere.example/explore/linear-2-2-1"})
        assert other.status_code == 404
        page = c.get("/explore/linear-2-2-1?at=2").text
    m = re.search(r'<link rel="alternate" type="application/json\+oembed" href="([^"]+)"', page)
    assert m
    href = urlsplit(unescape(m.group(1)))
    assert f"{href.scheme}://{href.netloc}{href.path}" == f"{SITE}/oembed"
    assert parse_qs(href.query) == {
        "url": [f"{SITE}/explore/linear-2-2-1?at=2"],
        "format": ["json"],
    }


@pytest.mark.parametrize("path", ["/explore/sigmoid-2-2-2?at=3", "/embed/batch-xor"])
def test_every_explorer_page_names_its_oembed(client: TestClient, path: str) -> None:
    html = client.get(path, headers={"Host": "evil.example"}).text
    links = re.findall(
        r'<link rel="alternate" type="application/json\+oembed" href="([^"]+)"', html
    )
    assert len(links) == 1 and "evil.example" not in links[0]
    assert unescape(links[0]).startswith("/oembed?url=")


# -- CORS, for a frame in sandbox="allow-scripts" -------------------------------------------------


def test_the_embed_answers_an_opaque_origin(client: TestClient) -> None:
    hx = {"HX-Request": "true", "Origin": "null"}
    r = client.get(f"/embed/explore?s={START.encode()}&at=3", headers=hx)
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == "*"
    assert "HX-Replace-Url" in r.headers["access-control-expose-headers"]
    assert "access-control-allow-credentials" not in r.headers
    pre = client.options(
        "/embed/explore/finish",
        headers={
            "Origin": "null",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "hx-current-url,hx-request,hx-target,content-type",
        },
    )
    assert pre.status_code == 204 and pre.headers["access-control-allow-origin"] == "*"
    assert "POST" in pre.headers["access-control-allow-methods"]
    # a header htmx does not send is not allowed
    odd = client.options(
        "/embed/explore/finish",
        headers={
            "Origin": "null",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert "access-control-allow-origin" not in odd.headers


@pytest.mark.parametrize("path", ["/explore/sigmoid-2-2-2", "/api/presets", "/share/scenario.json"])
def test_nothing_but_the_embed_answers_cors(client: TestClient, path: str) -> None:
    r = client.get(path, headers={"Origin": "null"})
    assert "access-control-allow-origin" not in r.headers
