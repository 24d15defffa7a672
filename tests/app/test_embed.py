"""The embed: minimal chrome, the options (panels, readonly, at, decimals, granularity), every
click staying under /embed with its options, read-only refused on the server, no cookies."""

from __future__ import annotations

import re
from dataclasses import replace
from html import unescape
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.explorer.embed import (
    DEFAULT_PANELS,
    PANELS,
    EmbedOptions,
    OptionError,
    embed_path,
    parse_panels,
)
from app.explorer.state import load, preset_state
from engine import PRESETS, trace

HX = {"HX-Request": "true"}
START = preset_state("sigmoid-2-2-2")

# what shows that a panel is on the page
MARKS = {
    "diagram": 'id="diagram-svg"',
    "step": 'id="step-title"',
    "timeline": 'id="timeline"',
    "chart": 'id="train-form"',
    "edit": 'id="edit-form"',
    "table": 'id="values-table"',
}


def urls(html: str) -> list[str]:
    """Every URL the page would request or navigate to inside the frame."""
    found = re.findall(r'(?:action|hx-get|hx-post|formaction|href)="([^"]*)"', html)
    return [unescape(u) for u in found]


def frame_urls(html: str) -> list[str]:
    """The URLs that stay in the frame: not the assets, not the links that open a new tab."""
    away = set(re.findall(r'href="([^"]*)"[^>]*target="_blank"', html))
    return [
        u
        for u in urls(html)
        # not the assets, nor the oEmbed discovery link (for consumers, not a navigation)
        if not u.startswith(("data:", "/static/", "#", "/oembed?"))
        and u not in {unescape(a) for a in away}
    ]


def form_s(html: str, form: str = "nav") -> str:
    m = re.search(rf'<form id="{form}"[^>]*>\s*<input type="hidden" name="s" value="([^"]+)"', html)
    assert m, f"no form {form}"
    return unescape(m.group(1))


def counter(html: str) -> str:
    m = re.search(r'<p class="counter" id="step-counter">(.*?)</p>', html, re.S)
    assert m
    return " ".join(m.group(1).split())


def result(html: str) -> str:
    m = re.search(r'<span class="result-value[^"]*">([^<]*)</span>', html)
    assert m
    return m.group(1)


def no_cookies(*responses: httpx.Response) -> None:
    for r in responses:
        assert "set-cookie" not in r.headers, r.url


# -- the page --------------------------------------------------------------------------------------


def test_an_embed_has_no_site_chrome_and_the_default_panels(client: TestClient) -> None:
    r = client.get("/embed/sigmoid-2-2-2")
    assert r.status_code == 200
    html = r.text
    assert '<html lang="en" class="embed">' in html
    assert 'class="site"' not in html  # no site header, nav or footer
    assert 'id="explorer"' in html and 'id="next-step"' in html and 'id="prev-step"' in html
    for panel in PANELS:
        assert (MARKS[panel] in html) == (panel in DEFAULT_PANELS), panel
    assert 'id="share"' not in html  # the share panel is the full explorer's
    assert "/static/js/embed.js" in html
    assert "<script>" not in html and " style=" not in html  # the CSP allows neither
    open_link = re.search(r'<a id="embed-open" href="([^"]+)" target="_blank"', html)
    assert open_link and open_link.group(1) == "/explore/sigmoid-2-2-2"
    no_cookies(r)


@pytest.mark.parametrize("panel", PANELS)
def test_each_panel_alone(client: TestClient, panel: str) -> None:
    html = client.get(f"/embed/sigmoid-2-2-2?at=5&panels={panel}").text
    for other in PANELS:
        assert (MARKS[other] in html) == (other == panel), (panel, other)
    assert 'id="next-step"' in html  # the step controls always show


def test_all_none_and_any_order(client: TestClient) -> None:
    html = client.get("/embed/sigmoid-2-2-2?panels=all").text
    assert all(MARKS[p] in html for p in PANELS)
    html = client.get("/embed/sigmoid-2-2-2?panels=none&at=3").text
    assert not any(MARKS[p] in html for p in PANELS)
    assert "step 4 of 37" in counter(html)
    assert parse_panels("table, Diagram  step") == ("diagram", "step", "table")
    assert parse_panels("") == DEFAULT_PANELS and parse_panels(None) == DEFAULT_PANELS


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("panels=diagram,sideways", "“sideways” is not a panel; the panels are diagram, step"),
        ("readonly=maybe", "readonly: must be 1 or 0"),
        ("decimals=40", "decimals: must be a whole number from 0 to 15"),
        ("granularity=atom", "granularity: must be one of neuron, layer"),
        ("at=three", "is not a whole number"),
        ("precision=3", "“precision” is not an option of an embed; the options are s, at,"),
        ("panels=diagram&panels=step", "panels is given more than once"),
    ],
)
def test_a_bad_option_is_named_in_the_frame(client: TestClient, query: str, message: str) -> None:
    r = client.get(f"/embed/sigmoid-2-2-2?{query}")
    assert r.status_code == 400
    assert message in unescape(r.text)
    assert 'class="site"' not in r.text and '<html lang="en" class="embed">' in r.text
    # the way out opens a new tab: the rest of the site may not be framed
    assert re.search(r'href="/"[^>]*target="_blank"', r.text)


def test_unknown_example_and_damaged_state(client: TestClient) -> None:
    r = client.get("/embed/no-such-example")
    assert r.status_code == 404 and "sigmoid-2-2-2" in r.text and "embed" in r.text
    r = client.get("/embed?s=1.damaged")
    assert r.status_code == 400 and "cannot be opened" in r.text
    r = client.get("/embed")
    assert r.status_code == 400 and "no state" in r.text


# -- the options that set the state ----------------------------------------------------------------


def test_at_decimals_and_granularity(client: TestClient) -> None:
    html = client.get("/embed/sigmoid-2-2-2?at=0").text
    assert "step 1 of 37" in counter(html) and result(html) == "0.3775"  # net_h1
    html = client.get("/embed/sigmoid-2-2-2?at=1").text
    assert result(html) == "0.593269992"  # out_h1, 9 decimals as the document
    html = client.get("/embed/sigmoid-2-2-2?at=1&decimals=4").text
    assert result(html) == "0.5933"
    assert 'name="precision" min="0" max="15" value="4"' in html
    n_layer = len(trace(START.scenario, "layer").steps)
    html = client.get("/embed/sigmoid-2-2-2?at=0&granularity=layer").text
    assert f"step 1 of {n_layer}" in counter(html)
    assert 'id="gran-layer" class="seg" aria-pressed="true"' in html
    # the same options on any state
    s = replace(START, iteration=0).encode()
    html = client.get(f"/embed?s={s}&at=1&decimals=3").text
    assert result(html) == "0.593"


def test_the_canonical_url_keeps_presets_short() -> None:
    opts = EmbedOptions(("diagram", "step"), readonly=True)
    assert embed_path(START, 3, opts) == (
        "/embed/sigmoid-2-2-2?at=3&panels=diagram%2Cstep&readonly=1"
    )
    layer = replace(START, granularity="layer", precision=4)
    assert embed_path(layer, -1, EmbedOptions()) == (
        "/embed/sigmoid-2-2-2?granularity=layer&decimals=4"
    )
    edited = replace(START, iteration=1)
    path = embed_path(edited, 2, EmbedOptions())
    query = parse_qs(urlsplit(path).query)
    assert urlsplit(path).path == "/embed" and query["at"] == ["2"]
    assert load(query["s"][0]).iteration == 1


# -- clicks stay inside the embed ------------------------------------------------------------------


def test_every_url_in_an_embed_stays_under_embed_with_its_options(client: TestClient) -> None:
    query = "at=5&panels=all"
    for headers in ({}, HX):
        html = client.get(f"/embed/sigmoid-2-2-2?{query}", headers=headers).text
        inside = frame_urls(html)
        assert inside and all(u.startswith("/embed") for u in inside), inside
        for u in inside:  # links carry the options in their query; forms in hidden fields
            if "?" in u:
                assert parse_qs(urlsplit(u).query)["panels"] == [",".join(PANELS)], u
    page = client.get(f"/embed/sigmoid-2-2-2?{query}&readonly=1").text
    for form in ("nav", "act", "view", "train-form"):
        assert (
            f'<input type="hidden" form="{form}" name="panels" value="{",".join(PANELS)}">' in page
        )
        assert f'<input type="hidden" form="{form}" name="readonly" value="1">' in page


def test_a_click_replaces_the_frame_url_and_a_reload_restores_it(client: TestClient) -> None:
    s = START.encode()
    # the next-step button: the nav form's GET with the options from the hidden fields
    r = client.get(f"/embed/explore?s={s}&at=6&panels=diagram,step&readonly=1", headers=HX)
    assert r.status_code == 200
    assert "hx-push-url" not in r.headers  # the course page's history is left alone
    here = r.headers["hx-replace-url"]
    assert here == "/embed/sigmoid-2-2-2?at=6&panels=diagram%2Cstep&readonly=1"
    assert "<html" not in r.text and 'id="embed-open" href="/explore/sigmoid-2-2-2?at=6"' in r.text
    assert 'hx-swap-oob="true"' in r.text
    again = client.get(here)
    assert again.status_code == 200 and "step 7 of 37" in counter(again.text)
    assert MARKS["diagram"] in again.text and MARKS["timeline"] not in again.text
    assert 'name="readonly" value="1"' in again.text
    no_cookies(r, again)


def test_view_finish_train_and_edit_inside_an_embed(client: TestClient) -> None:
    s = START.encode()
    opts = {"panels": "diagram,step,chart,edit"}
    r = client.get(
        "/embed/explore/view",
        params={"s": s, "at": "3", "granularity": "layer", **opts},
        headers=HX,
    )
    assert r.status_code == 200
    assert r.headers["hx-replace-url"].startswith("/embed/sigmoid-2-2-2?granularity=layer&at=")
    assert r.headers["hx-replace-url"].endswith("&panels=diagram%2Cstep%2Cchart%2Cedit")
    r = client.post("/embed/explore/finish", data={"s": s, "at": "36", **opts}, headers=HX)
    assert r.status_code == 200 and "Iteration 2" in counter(r.text)
    assert r.headers["hx-replace-url"].startswith("/embed?s=")
    # without JavaScript: post, redirect to the embed URL, get
    r = client.post("/embed/explore/finish", data={"s": s, **opts}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/embed?s=")
    assert r.headers["location"].endswith("&panels=diagram%2Cstep%2Cchart%2Cedit")
    r = client.post("/embed/explore/train", data={"s": s, "iterations": "10", **opts}, headers=HX)
    assert r.status_code == 200 and load(form_s(r.text)).iteration == 10
    r = client.post(
        "/embed/explore/edit", data={"s": s, "at": "0", "w-0-0-0": "0.5", **opts}, headers=HX
    )
    assert r.status_code == 200
    assert float(load(form_s(r.text)).scenario.weights[0][0, 0]) == 0.5
    assert result(r.text) == "0.395"  # net_h1 = 0.5·0.05 + 0.2·0.1 + 0.35 with w1 = 0.5
    r = client.post(
        "/embed/explore/edit", data={"s": s, "at": "0", "w-0-0-0": "x", **opts}, headers=HX
    )
    assert r.status_code == 422 and r.headers["hx-push-url"] == "false"
    assert "is not a number" in r.text and form_s(r.text) == s
    no_cookies(r)


def test_read_only_shows_no_edit_controls(client: TestClient) -> None:
    html = client.get("/embed/sigmoid-2-2-2?panels=all&readonly=1&at=3").text
    assert MARKS["edit"] not in html and 'id="architecture"' not in html
    assert 'class="to-field"' not in html  # the diagram's numbers link to no form
    assert "Click a weight" not in html
    editable = client.get("/embed/sigmoid-2-2-2?panels=all&at=3").text
    assert MARKS["edit"] in editable and 'class="to-field"' in editable
    # a frame that shows no edit form links nowhere either
    assert 'class="to-field"' not in client.get("/embed/sigmoid-2-2-2?at=3").text


@pytest.mark.parametrize("headers", [{}, HX])
@pytest.mark.parametrize(
    ("path", "fields"),
    [
        ("/embed/explore/edit", {"w-0-0-0": "0.5"}),
        ("/embed/explore/architecture", {"op": "add_neuron:1"}),
    ],
)
def test_read_only_refuses_edits_on_the_server(
    client: TestClient, headers: dict[str, str], path: str, fields: dict[str, str]
) -> None:
    s = START.encode()
    r = client.post(
        path,
        data={"s": s, "at": "4", "readonly": "1", **fields},
        headers=headers,
        follow_redirects=False,
    )
    assert r.status_code == 403
    assert "This embedded explorer is read-only" in unescape(r.text)
    assert 'id="e-update" role="alert"' in r.text  # beside the step controls
    assert form_s(r.text) == s and "step 5 of 37" in counter(r.text)  # nothing changed
    if headers:
        assert r.headers["hx-push-url"] == "false" and "<html" not in r.text
    # the same post, the option in the URL instead of the form
    r = client.post(path + "?readonly=1", data={"s": s, **fields}, headers=headers)
    assert r.status_code == 403


def test_no_cookies_anywhere_in_a_session(app: FastAPI) -> None:
    with TestClient(app) as c:
        s = START.encode()
        seen = [
            c.get("/embed/sigmoid-2-2-2"),
            c.get(f"/embed/explore?s={s}&at=3", headers=HX),
            c.post("/embed/explore/finish", data={"s": s}),
            c.post("/embed/explore/edit", data={"s": s, "w-0-0-0": "0.5"}, headers=HX),
            c.get("/embed/no-such-example"),
            c.get("/static/js/embed.js"),
            c.get("/explore/sigmoid-2-2-2"),
            c.get("/"),
        ]
        no_cookies(*seen)
        assert not c.cookies


def test_option_errors_are_option_errors() -> None:
    with pytest.raises(OptionError, match="readonly"):
        EmbedOptions.parse(None, "perhaps")
    assert EmbedOptions.parse("all", "yes") == EmbedOptions(PANELS, True)
    assert not EmbedOptions(PANELS, readonly=True).shows("edit")
    assert EmbedOptions().query() == {}
    assert EmbedOptions((), False).query() == {"panels": "none"}


@pytest.mark.parametrize("preset", list(PRESETS))
def test_every_preset_embeds(client: TestClient, preset: str) -> None:
    r = client.get(f"/embed/{preset}?at=2&panels=all")
    assert r.status_code == 200 and "step 3 of" in counter(r.text)


def test_the_embed_under_a_root_path(app: FastAPI) -> None:
    with TestClient(app, root_path="/bp", raise_server_exceptions=False) as c:
        r = c.get("/bp/embed/sigmoid-2-2-2?at=3&readonly=1", headers=HX)
        assert r.headers["hx-replace-url"] == "/bp/embed/sigmoid-2-2-2?at=3&readonly=1"
        inside = [u for u in frame_urls(r.text) if not u.startswith("http://testserver/bp/static")]
        assert inside and all(u.startswith("/bp/embed") for u in inside), inside
        r = c.post("/bp/embed/explore/finish", data={"s": START.encode()}, follow_redirects=False)
        assert r.headers["location"].startswith("/bp/embed?s=")
